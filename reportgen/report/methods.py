"""Metodologi: the dataset and its preprocessing, the experimental environment, every model's
training recipe, and each model's architecture by stage."""

from __future__ import annotations

from reportgen.language.parameters import OPTIMIZER_NAMES
from reportgen.report.architecture import family_stage_table, init_text, stage_table
from reportgen.report.context import Context, present
from reportgen.report.document import Column, Prose, Section, Table
from reportgen.report.seeds import seed_note


def methodology(cx: Context) -> Section:
    return Section("methodology", cx.say("ui.section.methodology"), subsections=[
        Section("dataset", cx.say("ui.section.dataset"), dataset_blocks(cx)),
        Section("environment", cx.say("ui.section.environment"), [environment_table(cx)]),
        Section("training", cx.say("ui.section.training"), [training_table(cx)]),
        architectures(cx),
    ])


def dataset_blocks(cx: Context) -> list:
    fmt, dataset = cx.fmt, cx.analysis.dataset
    if dataset.test_size:
        split = cx.say("ui.dataset.split_value", train=fmt.integer(dataset.train_size),
                       val=fmt.integer(dataset.val_size), test=fmt.integer(dataset.test_size))
    else:
        pool = dataset.train_size + dataset.val_size
        split = cx.say("ui.dataset.split_value_no_test", train=fmt.integer(dataset.train_size),
                       val=fmt.integer(dataset.val_size), train_pct=fmt.percent(dataset.train_size / pool),
                       val_pct=fmt.percent(dataset.val_size / pool))
    augment = [cx.say("ui.dataset.random_crop", pad=max(1, dataset.image_size // 8)) if name == "random_crop"
               else cx.say("ui.dataset.hflip") for name in dataset.augment]
    table = cx.settings("table-dataset", cx.say("ui.caption.dataset"), [
        [cx.say("ui.dataset.name"), cx.clean(cx.experiment.dataset_name)],
        [cx.say("ui.dataset.classes"), f"{len(dataset.classes)}: " + ", ".join(cx.clean(c) for c in dataset.classes)],
        [cx.say("ui.dataset.split"), split],
        [cx.say("ui.dataset.image_size"), f"{dataset.image_size} × {dataset.image_size}"],
        [cx.say("ui.dataset.normalize"), cx.say("ui.dataset.normalize_value", mean=fmt.vector(dataset.normalize_mean),
                                                std=fmt.vector(dataset.normalize_std))],
        [cx.say("ui.dataset.augment"), "; ".join(augment) or cx.say("ui.none")],
    ])
    samples = cx.figure("figure-samples", cx.say("ui.caption.samples"), dataset.samples_figure, kind="image",
                        role="samples") if dataset.samples_figure else None
    return present(table, Prose([seed_note(cx)], id="text-seed-note"), samples, cx.see("class_distribution"))


def environment_table(cx: Context) -> Table:
    env = cx.analysis.environment
    return cx.settings("table-environment", cx.say("ui.caption.environment"), [
        [cx.say("ui.env.device"), f"{env.device} ({cx.clean(env.device_name)})" if env.device_name else env.device],
        [cx.say("ui.env.versions"), f"Python {env.python}, PyTorch {env.torch}, torchvision {env.torchvision}"],
        [cx.say("ui.env.platform"), env.platform],
        [cx.say("ui.env.commit"), env.git_commit[:12] or cx.say("ui.none")],
        [cx.say("ui.env.started"), env.started.replace("T", " ")],
    ])


def scheduler_text(cx: Context, cfg: dict) -> str:
    kind = cfg["scheduler"]
    if kind == "step":
        return cx.say("ui.train.scheduler_step", step=cfg["step_size"], gamma=cx.fmt.number(cfg["gamma"], 2))
    if kind == "cosine":
        return cx.say("ui.train.scheduler_cosine", t_max=cfg.get("t_max") or cfg["epochs"])
    return cx.say("ui.train.scheduler_none")


def precision_text(cx: Context, precision: str | None) -> str:
    if precision is None:
        return "–"
    return precision if precision == "fp32" else cx.say("ui.train.precision_mixed", dtype=precision)


def training_table(cx: Context) -> Table:
    """One column per model: the recipe each was trained with."""
    fmt, models = cx.fmt, cx.analysis.models
    cfgs = [m.train_config for m in models]

    def row(key: str, cells: list[str]) -> list[str]:
        return [cx.say(key), *cells]

    return Table("table-training", cx.say("ui.caption.training"),
                 [Column(cx.say("ui.setting"))] + [Column(cx.name(m.label)) for m in models], [
        row("ui.train.optimizer", [OPTIMIZER_NAMES[c["optimizer"]] for c in cfgs]),
        row("ui.train.lr", [fmt.general(c["lr"]) for c in cfgs]),
        row("ui.train.momentum", [fmt.number(c["momentum"], 2) if c["optimizer"] != "adam" else "–" for c in cfgs]),
        row("ui.train.weight_decay", [fmt.general(c["weight_decay"]) for c in cfgs]),
        row("ui.train.batch_size", [str(c["batch_size"]) for c in cfgs]),
        row("ui.train.epochs", [str(c["epochs"]) for c in cfgs]),
        row("ui.train.scheduler", [scheduler_text(cx, c) for c in cfgs]),
        row("ui.train.patience", [str(c["early_stopping_patience"]) if c["early_stopping_patience"]
                                  else cx.say("ui.train.patience_off") for c in cfgs]),
        row("ui.train.monitor", [cx.say(f"narrative.monitor.{c['monitor']}") for c in cfgs]),
        row("ui.train.loss_fn", [cx.say("ui.train.cross_entropy") for _ in cfgs]),
        row("ui.train.precision", [precision_text(cx, m.precision) for m in models]),
        row("code.init_label", [init_text(cx, m) for m in models]),
    ])


def architectures(cx: Context) -> Section:
    """Each model by stage, under its name and parameter count; variants of one family in one table
    that shows where they differ. The full layer tables and the code are the appendix's."""
    family = family_stage_table(cx, cx.analysis.models)
    models = [Section(f"architecture-{m.slug}",
                      f"{cx.name(m.label)} — {cx.fmt.integer(m.params)} {cx.say('ui.params').lower()}",
                      present(Prose([cx.clean(m.description)], id=f"text-description-{m.slug}")
                              if m.description else None, None if family else stage_table(cx, m)), numbered=False)
              for m in cx.analysis.models]
    return Section("architectures", cx.say("ui.section.architectures"),
                   present(cx.see("layers"), cx.see("code"), family), [s for s in models if not s.empty])
