"""The document every renderer lays out: the analysis tree and its narrative turned into titled
tables and captioned figures, with every number formatted once, here, for one language. The PDF,
the HTML page and the deck therefore show the same strings; renderers only place them."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from reportgen import TEMPLATES_DIR
from reportgen.analysis.narrative import Narrative, narrate
from reportgen.analysis.tree import Analysis, ModelAnalysis
from reportgen.config import Experiment, validate_experiment
from reportgen.report.format import Formatter
from reportgen.report.phrases import Phrases

# XML 1.0 forbids these characters (PowerPoint refuses a file with them); HTML shows them as junk.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """User text made safe to put in any document (escaping is the renderer's job)."""
    return CONTROL_CHARS.sub("", text)


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    emphasis_rows: int = 0  # trailing summary rows (totals, averages) shown in bold


@dataclass
class Figure:
    caption: str
    path: Path  # absolute


@dataclass
class ModelSection:
    m: ModelAnalysis
    label: str
    description: str
    layers: Table | None
    final: Table | None
    per_class: Table | None
    curves: list[Figure]
    confusion: Figure | None
    feature_maps: list[tuple[Figure, list[str]]]  # figure + its narrative
    curve_notes: list[str]
    confusion_notes: list[str]
    notes: list[str]


@dataclass
class Document:
    lang: str
    t: Phrases
    f: Formatter
    analysis: Analysis
    narrative: Narrative
    exp: Experiment
    title: str
    subtitle: str
    course: str
    assignment: str
    date: str
    authors: list[tuple[str, str]]
    introduction: list[str]
    objectives: list[str]
    dataset: Table
    samples: Figure | None
    environment: Table
    training: Table
    seed_note: str
    models: list[ModelSection]
    comparison: Table | None
    comparison_figures: list[Figure]
    training_log: Table
    tuning: dict | None
    references: list[str] = field(default_factory=list)


def scheduler_text(t: Phrases, f: Formatter, cfg: dict) -> str:
    kind = cfg["scheduler"]
    if kind == "step":
        return t("ui.train.scheduler_step", step=cfg["step_size"], gamma=f.number(cfg["gamma"], 2))
    if kind == "cosine":
        return t("ui.train.scheduler_cosine", t_max=cfg.get("t_max") or cfg["epochs"])
    return t("ui.train.scheduler_none")


def precision_text(t: Phrases, precision: str | None) -> str:
    if precision is None:
        return "–"
    return precision if precision == "fp32" else t("ui.train.precision_mixed", dtype=precision)


def build_document(analysis: Analysis, lang: str) -> Document:
    t, f = Phrases(lang), Formatter(lang)
    a, run = analysis, Path(analysis.run_dir)
    exp = validate_experiment(a.experiment, "analysis.json")
    rep = exp.report
    narrative = narrate(a, lang)
    split = t(f"narrative.split.{a.dataset.eval_split}")
    labels = [clean(m.label) for m in a.models]

    def fig(caption: str, rel: str) -> Figure:
        return Figure(caption, run / rel)

    # --- introduction and objectives (the author's own text when given) ---
    models_text = ", ".join(labels)
    introduction = [clean(p) for p in rep.introduction.split("\n\n") if p.strip()] or [
        t("ui.intro.default", models=models_text, dataset=a.dataset.name, classes=len(a.dataset.classes))]
    objectives = [clean(o) for o in rep.objectives] or [
        t("ui.intro.objective_train", models=models_text), t("ui.intro.objective_evaluate", split=split),
        t("ui.intro.objective_compare")]

    # --- methodology tables ---
    d = a.dataset
    if d.test_size:
        split_value = t("ui.dataset.split_value", train=f.integer(d.train_size), val=f.integer(d.val_size),
                        test=f.integer(d.test_size))
    else:
        pool = d.train_size + d.val_size
        split_value = t("ui.dataset.split_value_no_test", train=f.integer(d.train_size), val=f.integer(d.val_size),
                        train_pct=f.percent(d.train_size / pool), val_pct=f.percent(d.val_size / pool))
    augment = [t("ui.dataset.random_crop", pad=max(1, d.image_size // 8)) if name == "random_crop"
               else t("ui.dataset.hflip") for name in d.augment]
    vec = lambda xs: "[" + ", ".join(f.number(x, 3) for x in xs) + "]"  # noqa: E731
    dataset = Table(t("ui.caption.dataset"), [t("ui.setting"), t("ui.value")], [
        [t("ui.dataset.name"), clean(d.name)],
        [t("ui.dataset.classes"), f"{len(d.classes)}: " + ", ".join(clean(c) for c in d.classes)],
        [t("ui.dataset.split"), split_value],
        [t("ui.dataset.image_size"), f"{d.image_size} × {d.image_size}"],
        [t("ui.dataset.normalize"), t("ui.dataset.normalize_value", mean=vec(d.normalize_mean),
                                      std=vec(d.normalize_std))],
        [t("ui.dataset.augment"), "; ".join(augment) or t("ui.none")],
    ])
    e = a.environment
    environment = Table(t("ui.caption.environment"), [t("ui.setting"), t("ui.value")], [
        [t("ui.env.device"), f"{e.device} ({clean(e.device_name)})" if e.device_name else e.device],
        [t("ui.env.versions"), f"Python {e.python}, PyTorch {e.torch}, torchvision {e.torchvision}"],
        [t("ui.env.platform"), e.platform],
        [t("ui.env.commit"), e.git_commit[:12] or t("ui.none")],
        [t("ui.env.started"), e.started.replace("T", " ")],
    ])
    cfgs = [m.train_config for m in a.models]
    training = Table(t("ui.caption.training"), [t("ui.setting"), *labels], [
        [t("ui.train.optimizer"), *[c["optimizer"].upper() if c["optimizer"] == "sgd" else
                                    {"adam": "Adam", "rmsprop": "RMSprop"}[c["optimizer"]] for c in cfgs]],
        [t("ui.train.lr"), *[f.general(c["lr"]) for c in cfgs]],
        [t("ui.train.momentum"), *[f.number(c["momentum"], 2) if c["optimizer"] != "adam" else "–" for c in cfgs]],
        [t("ui.train.weight_decay"), *[f.general(c["weight_decay"]) for c in cfgs]],
        [t("ui.train.batch_size"), *[str(c["batch_size"]) for c in cfgs]],
        [t("ui.train.epochs"), *[str(c["epochs"]) for c in cfgs]],
        [t("ui.train.scheduler"), *[scheduler_text(t, f, c) for c in cfgs]],
        [t("ui.train.patience"), *[str(c["early_stopping_patience"]) if c["early_stopping_patience"]
                                   else t("ui.train.patience_off") for c in cfgs]],
        [t("ui.train.monitor"), *[t(f"narrative.monitor.{c['monitor']}") for c in cfgs]],
        [t("ui.train.loss_fn"), *["CrossEntropyLoss" for _ in cfgs]],
        [t("ui.train.precision"), *[precision_text(t, m.precision) for m in a.models]],
    ])

    # --- per model ---
    sections = []
    for m, story in zip(a.models, narrative.models):
        label = clean(m.label)
        layers = None
        if m.architecture:
            rows = [[("\u2003" * r.depth) + r.name, r.type, "×".join(map(str, r.input_shape)),
                     "×".join(map(str, r.output_shape)), f.params(r.params)] for r in m.architecture.rows]
            rows.append([t("ui.total"), "", "", "", f.params(m.architecture.total_params)])
            layers = Table(t("ui.caption.layers", model=label, params=f.params(m.params)),
                           [t("ui.layer"), t("ui.type"), t("ui.input_shape"), t("ui.output_shape"), t("ui.params")],
                           rows, emphasis_rows=1)
        final = None
        if m.best_epoch:
            final = Table(t("ui.caption.final", model=label, epoch=m.best_epoch),
                          [t("ui.metric"), t("ui.training"), t("ui.validation")],
                          [[t("ui.accuracy"), f.percent(m.train_acc), f.percent(m.val_acc)],
                           [t("ui.loss"), f.loss(m.train_loss), f.loss(m.val_loss)]])
        per_class = None
        if m.per_class:
            rows = [[clean(c.name), f.metric(c.precision), f.metric(c.recall), f.metric(c.f1), str(c.support)]
                    for c in m.per_class]
            support = str(sum(c.support for c in m.per_class))
            for key, avg in (("ui.macro_avg", m.macro), ("ui.weighted_avg", m.weighted)):
                rows.append([t(key), f.metric(avg.precision), f.metric(avg.recall), f.metric(avg.f1), support])
            per_class = Table(t("ui.caption.per_class", model=label),
                              [t("ui.class"), t("ui.precision"), t("ui.recall"), t("ui.f1"), t("ui.support")],
                              rows, emphasis_rows=2)
        curves = [fig(t("ui.caption.curves_model", model=label) + f" ({t('ui.' + k)})", m.figures[k])
                  for k in ("loss", "accuracy") if k in m.figures]
        confusion = fig(t("ui.caption.confusion", model=label, split=split), m.figures["confusion"]) \
            if "confusion" in m.figures else None
        maps = [(fig(t("ui.caption.feature_correct", model=label, true=clean(c.true_label)) if c.correct else
                     t("ui.caption.feature_wrong", model=label, true=clean(c.true_label), pred=clean(c.pred_label)),
                     c.figure), text) for c, text in zip(m.feature_maps, story.feature_maps)]
        sections.append(ModelSection(m, label, clean(m.description), layers, final, per_class, curves, confusion,
                                     maps, story.curves, story.confusion, [clean(n) for n in m.notes]))

    # --- comparison ---
    comparison, comparison_figures = None, []
    c = a.comparison
    if c is not None:
        deltas = {x.label: x for x in c.deltas}
        rows = []
        for m in a.models:
            dl = deltas[m.label]
            delta = t("ui.baseline") if m.label == c.baseline else f.pp(dl.accuracy_pp)
            rows.append([clean(m.label), f.percent(m.val_acc), f.loss(m.val_loss), f.percent(m.accuracy),
                         f.params(m.params), f.number(m.train_seconds, 1), delta])
        split_name = t(f"ui.{a.dataset.eval_split if a.dataset.eval_split == 'test' else 'validation'}").lower()
        comparison = Table(t("ui.caption.comparison", baseline=clean(c.baseline)),
                           [t("ui.model"), f"{t('ui.accuracy')} {t('ui.validation').lower()}",
                            f"{t('ui.loss')} {t('ui.validation').lower()}", f"{t('ui.accuracy')} {split_name}",
                            t("ui.params"), t("ui.time"), t("ui.delta")], rows)
        comparison_figures = [fig(t("ui.caption.overlay_loss"), c.figures["loss"]),
                              fig(t("ui.caption.overlay_accuracy"), c.figures["accuracy"]),
                              fig(t("ui.caption.per_class_accuracy"), c.figures["per_class"])]
    log_rows = []
    for m in a.models:
        dg = m.diagnostics
        log_rows.append([clean(m.label), f.percent(m.train_acc), f.percent(m.val_acc), f.loss(m.train_loss),
                         f.loss(m.val_loss), f.pp(dg.gap_acc_pp) if dg else "–",
                         (t("ui.overfit_yes") if dg.overfit else t("ui.overfit_no")) if dg else "–",
                         (t("ui.stable") if dg.stable else t("ui.unstable")) if dg else "–"])
    training_log = Table(t("ui.caption.training_log"),
                         [t("ui.model"), f"{t('ui.accuracy')} {t('ui.training').lower()}",
                          f"{t('ui.accuracy')} {t('ui.validation').lower()}", f"{t('ui.loss')} {t('ui.training').lower()}",
                          f"{t('ui.loss')} {t('ui.validation').lower()}", t("ui.gap"), t("ui.overfit"),
                          t("ui.stability")], log_rows)

    refs = tomllib.loads((TEMPLATES_DIR / "references.toml").read_text(encoding="utf-8"))
    keys = ["he2016"] + [m.reference for m in a.models if m.reference]
    day = rep.date or (dt.date.fromisoformat(a.environment.started[:10]) if a.environment.started else dt.date.today())
    return Document(
        lang=lang, t=t, f=f, analysis=a, narrative=narrative, exp=exp,
        title=clean(rep.title or exp.name), subtitle=clean(rep.subtitle), course=clean(rep.course),
        assignment=clean(rep.assignment), date=f.date(day),
        authors=[(clean(au.name), clean(au.id)) for au in rep.authors],
        introduction=introduction, objectives=objectives,
        dataset=dataset, samples=fig(t("ui.caption.samples"), d.samples_figure) if d.samples_figure else None,
        environment=environment, training=training,
        seed_note=t("ui.dataset.seed_note", seed=exp.train.seed), models=sections,
        comparison=comparison, comparison_figures=comparison_figures, training_log=training_log,
        tuning=tuning_view(a, t, f, run), references=[refs[k] for k in dict.fromkeys(keys)],
    )


def tuning_view(a: Analysis, t: Phrases, f: Formatter, run: Path) -> dict | None:
    """The search that chose the configuration: its space, strategy, best point and figure."""
    tu = a.tuning
    if tu is None:
        return None
    metric = t(f"narrative.monitor.{tu.metric}")
    value = (lambda v: f.percent(v)) if tu.metric == "val_acc" else f.loss
    states = [tr.state for tr in tu.trials]
    best = tu.best.params if tu.best else {}
    show = lambda v: ", ".join(map(str, v)) if isinstance(v, list) else (f.general(v) if isinstance(v, float) else str(v))  # noqa: E731
    space = Table(t("ui.caption.tuning_space"), [t("ui.tuning.parameter"), t("ui.tuning.values"), t("ui.tuning.chosen")],
                  [[k, " | ".join(show(v) for v in vals), show(best[k]) if k in best else "–"]
                   for k, vals in tu.space.items()])
    cfg = tu.train
    optimizers = tu.space.get("train.optimizer", [cfg["optimizer"]])
    return {
        "intro": t("ui.tuning.intro", model=clean(tu.model), sampler=tu.sampler, count=len(tu.trials),
                   complete=states.count("complete"), pruned=states.count("pruned"), pruner=tu.pruner, metric=metric,
                   seconds=f.seconds(tu.search_seconds)),
        "strategy": t("ui.tuning.strategy", optimizers=", ".join(optimizers), epochs=cfg["epochs"],
                      patience=cfg["early_stopping_patience"] or t("ui.train.patience_off"),
                      scheduler=scheduler_text(t, f, cfg)),
        "best": t("ui.tuning.best", number=tu.best.number, metric=metric, value=value(tu.best.value)) if tu.best else "",
        "space": space,
        "figure": Figure(t("ui.caption.tuning_figure"), run / tu.figure),
    }
