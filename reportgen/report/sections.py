"""The report's sections, one function each, from the analysis tree and its narrative to the
typed document (report/document.py). Every number is formatted here, once, for one language."""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from reportgen.figures.cache import Drawings
from reportgen.schema.analysis import Analysis, Interval, ModelAnalysis, Tuning, TuningTrial
from reportgen.config import Experiment
from reportgen.language.format import Formatter
from reportgen.language.parameters import OPTIMIZER_NAMES, parameter_name, parameter_value
from reportgen.language.phrases import Phrases
from reportgen.language.text import clean_user_text as clean
from reportgen.report.document import (
    AppendixPart, Author, Column, ComparisonSection, DatasetSection, Document, ExplainedFigure, FeatureMapCase, Figure,
    FrontMatter, ModelExplanation, ModelResult, ModelSection, Stat, Table, TuningSection,
)
from reportgen.report.architecture import code_listing, counted, init_text, layer_notes, settings
from reportgen.report.distribution import distribution_figure, distribution_table
from reportgen.report.narrative import ModelNarrative
from reportgen.report.seeds import seed_comparison, seed_note, seed_results
from reportgen.resources import TEMPLATES_DIR
from reportgen.rundir import RunDir


@dataclass
class Context:
    """What every section function reads: the facts, the language and the run's folder."""

    a: Analysis
    exp: Experiment
    t: Phrases
    f: Formatter
    run: Path  # figure paths in the analysis are relative to it

    @property
    def split(self) -> str:
        """The evaluation split's name in a sentence ("uji" / "test")."""
        return self.t(f"narrative.split.{self.a.dataset.eval_split}")

    @property
    def labels(self) -> list[str]:
        return [clean(m.label) for m in self.a.models]

    def figure(self, caption: str, key: str) -> Figure:
        """Figure `key` (an id the analysis names it by) in the document's language, drawn on first
        use and cached in the run directory (reportgen.figures); when it cannot be drawn, the
        sentence saying why stands in its place."""
        drawing = self.drawings.get(key)
        if drawing.path is None:
            return Figure(caption, None, self.t("figure.absent.sentence", caption=caption, reason=drawing.absent))
        return Figure(caption, drawing.path)

    @cached_property
    def drawings(self) -> Drawings:
        return Drawings(self.a, self.t.lang)

    def settings(self, caption: str, rows: list[list[str]]) -> Table:
        """A two-column (setting, value) table."""
        return Table(caption, [Column(self.t("ui.setting")), Column(self.t("ui.value"))], rows)


# --- front matter ------------------------------------------------------------------------------

def front_matter(cx: Context) -> FrontMatter:
    """Title block, introduction and objectives: the author's own text when given."""
    t, a, rep = cx.t, cx.a, cx.exp.report
    models = cx.f.listing(cx.labels)
    single = len(a.models) == 1  # one model is presented, not compared
    introduction = [clean(p) for p in rep.introduction.split("\n\n") if p.strip()] or [
        t("ui.intro.single" if single else "ui.intro.default", models=models, dataset=clean(cx.exp.dataset_name),
          classes=len(a.dataset.classes))]
    objectives = [clean(o) for o in rep.objectives] or [
        t("ui.intro.objective_train", models=models), t("ui.intro.objective_evaluate", split=cx.split),
        t("ui.intro.objective_analyse" if single else "ui.intro.objective_compare")]
    started = a.environment.started
    day = rep.date or (dt.date.fromisoformat(started[:10]) if started else dt.date.today())
    return FrontMatter(
        title=clean(rep.title or cx.exp.name), subtitle=clean(rep.subtitle), course=clean(rep.course),
        assignment=clean(rep.assignment), date=cx.f.date(day),
        logo=RunDir(cx.run).logo if RunDir(cx.run).logo.is_file() else None,
        authors=[Author(clean(au.name), clean(au.id)) for au in rep.authors],
        introduction=introduction, objectives=objectives,
    )


# --- methodology -------------------------------------------------------------------------------

def dataset_section(cx: Context) -> DatasetSection:
    t, f, d = cx.t, cx.f, cx.a.dataset
    if d.test_size:
        split = t("ui.dataset.split_value", train=f.integer(d.train_size), val=f.integer(d.val_size),
                  test=f.integer(d.test_size))
    else:
        pool = d.train_size + d.val_size
        split = t("ui.dataset.split_value_no_test", train=f.integer(d.train_size), val=f.integer(d.val_size),
                  train_pct=f.percent(d.train_size / pool), val_pct=f.percent(d.val_size / pool))
    augment = [t("ui.dataset.random_crop", pad=max(1, d.image_size // 8)) if name == "random_crop"
               else t("ui.dataset.hflip") for name in d.augment]

    table = cx.settings(t("ui.caption.dataset"), [
        [t("ui.dataset.name"), clean(cx.exp.dataset_name)],
        [t("ui.dataset.classes"), f"{len(d.classes)}: " + ", ".join(clean(c) for c in d.classes)],
        [t("ui.dataset.split"), split],
        [t("ui.dataset.image_size"), f"{d.image_size} × {d.image_size}"],
        [t("ui.dataset.normalize"), t("ui.dataset.normalize_value", mean=f.vector(d.normalize_mean),
                                      std=f.vector(d.normalize_std))],
        [t("ui.dataset.augment"), "; ".join(augment) or t("ui.none")],
    ])
    samples = cx.figure(t("ui.caption.samples"), d.samples_figure) if d.samples_figure else None
    return DatasetSection(table, seed_note(cx), samples, distribution_table(cx), distribution_figure(cx))


def environment_table(cx: Context) -> Table:
    t, e = cx.t, cx.a.environment
    return cx.settings(t("ui.caption.environment"), [
        [t("ui.env.device"), f"{e.device} ({clean(e.device_name)})" if e.device_name else e.device],
        [t("ui.env.versions"), f"Python {e.python}, PyTorch {e.torch}, torchvision {e.torchvision}"],
        [t("ui.env.platform"), e.platform],
        [t("ui.env.commit"), e.git_commit[:12] or t("ui.none")],
        [t("ui.env.started"), e.started.replace("T", " ")],
    ])


def scheduler_text(cx: Context, cfg: dict) -> str:
    kind = cfg["scheduler"]
    if kind == "step":
        return cx.t("ui.train.scheduler_step", step=cfg["step_size"], gamma=cx.f.number(cfg["gamma"], 2))
    if kind == "cosine":
        return cx.t("ui.train.scheduler_cosine", t_max=cfg.get("t_max") or cfg["epochs"])
    return cx.t("ui.train.scheduler_none")


def precision_text(cx: Context, precision: str | None) -> str:
    if precision is None:
        return "–"
    return precision if precision == "fp32" else cx.t("ui.train.precision_mixed", dtype=precision)


def training_table(cx: Context) -> Table:
    """One column per model: the recipe each was trained with."""
    t, f, models = cx.t, cx.f, cx.a.models
    cfgs = [m.train_config for m in models]
    return Table(t("ui.caption.training"), [Column(t("ui.setting"))] + [Column(label) for label in cx.labels], [
        [t("ui.train.optimizer"), *[OPTIMIZER_NAMES[c["optimizer"]] for c in cfgs]],
        [t("ui.train.lr"), *[f.general(c["lr"]) for c in cfgs]],
        [t("ui.train.momentum"), *[f.number(c["momentum"], 2) if c["optimizer"] != "adam" else "–" for c in cfgs]],
        [t("ui.train.weight_decay"), *[f.general(c["weight_decay"]) for c in cfgs]],
        [t("ui.train.batch_size"), *[str(c["batch_size"]) for c in cfgs]],
        [t("ui.train.epochs"), *[str(c["epochs"]) for c in cfgs]],
        [t("ui.train.scheduler"), *[scheduler_text(cx, c) for c in cfgs]],
        [t("ui.train.patience"), *[str(c["early_stopping_patience"]) if c["early_stopping_patience"]
                                   else t("ui.train.patience_off") for c in cfgs]],
        [t("ui.train.monitor"), *[t(f"narrative.monitor.{c['monitor']}") for c in cfgs]],
        [t("ui.train.loss_fn"), *["CrossEntropyLoss" for _ in cfgs]],
        [t("ui.train.precision"), *[precision_text(cx, m.precision) for m in models]],
        [t("code.init_label"), *[init_text(t, m) for m in models]],
    ])


def layer_table(cx: Context, m: ModelAnalysis) -> Table | None:
    """Every layer with its shapes, kernel, stride and padding (read from its module), parameters
    and a note on what it does."""
    t, f, label = cx.t, cx.f, clean(m.label)
    if not m.architecture:
        return None
    rows = [[("\u2003" * r.depth) + r.name, r.type, "×".join(map(str, r.input_shape)),
             "×".join(map(str, r.output_shape)), *settings(r), f.integer(r.params), note]
            for r, note in zip(m.architecture.rows, layer_notes(t, f, m))]
    rows.append([t("ui.total"), "", "", "", "", "", "", f.integer(m.architecture.total_params), ""])
    columns = [Column(t("ui.layer")), Column(t("ui.type")), Column(t("ui.input_shape")), Column(t("ui.output_shape")),
               *[Column(t(f"code.column.{key}")) for key in ("kernel", "stride", "padding")],
               Column(t("ui.params"), numeric=True), Column(t("code.column.notes"))]
    return Table(t("ui.caption.layers", model=label, params=f.integer(m.params)), columns, rows, emphasis_rows=1)


def stage_table(cx: Context, m: ModelAnalysis) -> Table | None:
    """The body's compact architecture: one row per top-level stage with weights, the parameter-free
    layers after it (pooling, activation, flatten, dropout) folded into it; the full layer table
    goes to the appendix."""
    t, f = cx.t, cx.f
    if not m.architecture:
        return None
    rows = [[" + ".join(r.name for r in s.rows),
             "; ".join([", ".join(counted([c.type for c in s.children])) or s.head.type]
                       + [r.type for r in s.folded]),
             "×".join(map(str, s.rows[-1].output_shape)), f.integer(sum(r.params for r in s.rows))]
            for s in m.architecture.stages()]
    rows.append([t("ui.total"), "", "", f.integer(m.architecture.total_params)])
    columns = [Column(t("ui.layout.stage")), Column(t("ui.layout.contents")), Column(t("ui.output_shape")),
               Column(t("ui.params"), numeric=True)]
    return Table(t("ui.layout.stages_caption", model=clean(m.label), params=f.integer(m.params)), columns, rows,
                 emphasis_rows=1)


# --- results per model -------------------------------------------------------------------------


def history_table(cx: Context, m: ModelAnalysis) -> Table | None:
    """Every epoch's numbers, shown instead of curves when there are too few epochs to draw a
    line through (the analysis then draws no curve figure)."""
    t, f, h = cx.t, cx.f, m.history
    if not h.epoch or m.figures.get("loss"):
        return None
    training, validation = t("ui.training").lower(), t("ui.validation").lower()
    columns = [Column(t("ui.layout.epoch"), numeric=True)] + [
        Column(f"{t(metric)} {split}", numeric=True) for metric in ("ui.loss", "ui.accuracy")
        for split in (training, validation)]
    rows = [[str(e), f.decimal(tl), f.decimal(vl), f.percent(ta), f.percent(va)]
            for e, tl, vl, ta, va in zip(h.epoch, h.train_loss, h.val_loss, h.train_acc, h.val_acc)]
    return Table(t("ui.layout.history_caption", model=clean(m.label)), columns, rows)

def final_table(cx: Context, m: ModelAnalysis) -> Table | None:
    t, f = cx.t, cx.f
    if not m.best_epoch:
        return None
    columns = [Column(t("ui.metric")), Column(t("ui.training"), numeric=True), Column(t("ui.validation"), numeric=True)]
    return Table(t("ui.caption.final", model=clean(m.label), epoch=m.best_epoch,
                   monitor=t(f"narrative.monitor.{m.train_config['monitor']}")), columns,
                 [[t("ui.accuracy"), f.percent(m.train_acc), f.percent(m.val_acc)],
                  [t("ui.loss"), f.decimal(m.train_loss), f.decimal(m.val_loss)]])


def per_class_table(cx: Context, m: ModelAnalysis) -> Table | None:
    t, f = cx.t, cx.f
    if not m.per_class:
        return None
    rows = [[clean(c.name), f.decimal(c.precision), f.decimal(c.recall), f.decimal(c.f1), str(c.support)]
            for c in m.per_class]
    support = str(sum(c.support for c in m.per_class))
    for key, avg in (("ui.macro_avg", m.macro), ("ui.weighted_avg", m.weighted)):
        rows.append([t(key), f.decimal(avg.precision), f.decimal(avg.recall), f.decimal(avg.f1), support])
    columns = [Column(t("ui.class"))] + [Column(t(key), numeric=True)
                                         for key in ("ui.precision", "ui.recall", "ui.f1", "ui.support")]
    return Table(t("ui.caption.per_class", model=clean(m.label)), columns, rows, emphasis_rows=2)


def bounds(cx: Context, shown, ci: Interval | None) -> str:
    """An interval's bounds formatted as its value is (`shown`: e.g. Formatter.percent): "[85,10%; 92,30%]"."""
    return cx.f.interval(shown(ci.low), shown(ci.high)) if ci else "–"


def with_interval(cx: Context, shown, value: float | None, ci: Interval | None) -> str:
    """A value and its 95% interval: "89,26% [85,10%; 92,30%]"."""
    return shown(value) if ci is None else f"{shown(value)} {bounds(cx, shown, ci)}"


def accuracy_stats(cx: Context, m: ModelAnalysis) -> list[Stat]:
    """The accuracies in the order train → validation → test, then macro F1; the evaluated split's
    accuracy and F1 with their 95% intervals. Without a test split the validation data is the
    evaluated one, so its accuracy is shown once, with its interval."""
    t, f = cx.t, cx.f
    ci = t("ui.stats.ci")
    evaluated = Stat(f.percent(m.accuracy), t(f"ui.stat.eval_acc_{cx.a.dataset.eval_split}"),
                     f"{ci} {bounds(cx, f.percent, m.accuracy_ci)}" if m.accuracy_ci else "")
    validation = [Stat(f.percent(m.val_acc), t("ui.stat.val_acc"))] if cx.a.dataset.eval_split == "test" else []
    return [Stat(f.percent(m.train_acc), t("ui.stat.train_acc")), *validation, evaluated,
            Stat(f.percent(m.macro.f1), t("ui.stat.macro_f1"),
                 f"{ci} {bounds(cx, f.percent, m.macro_f1_ci)}" if m.macro_f1_ci else "")]


def evaluation_table(cx: Context, m: ModelAnalysis) -> Table:
    """Accuracy and macro-F1 on the evaluation split with their 95% intervals and methods, and the ECE."""
    t, f = cx.t, cx.f
    def method(ci: Interval | None) -> str:
        return t(f"ui.stats.method_{ci.method}", resamples=f.integer(ci.resamples or 0), seed=ci.seed) if ci else "–"

    rows = [[t("ui.accuracy"), f.percent(m.accuracy), bounds(cx, f.percent, m.accuracy_ci), method(m.accuracy_ci)],
            [t("ui.stats.macro_f1"), f.decimal(m.macro.f1), bounds(cx, f.decimal, m.macro_f1_ci),
             method(m.macro_f1_ci)]]
    if m.calibration:
        rows.append([t("ui.stats.ece"), f.decimal(m.calibration.ece), "–", "–"])
    return Table(t("ui.stats.evaluation_caption", model=clean(m.label), split=cx.split),
                 [Column(t("ui.metric")), Column(t("ui.value"), numeric=True), Column(t("ui.stats.ci"), numeric=True),
                  Column(t("ui.stats.method"))], rows)


def model_explanation(cx: Context, m: ModelAnalysis, story: ModelNarrative) -> ModelExplanation | None:
    """The Grad-CAM figures in the document's language, each with its sentences."""
    t, e, label = cx.t, m.explanation, clean(m.label)
    if e is None:
        return None
    captions = {"cases": t("explain.ui.caption_cases", model=label, layer=e.target_layer),
                "per_class": t("explain.ui.caption_per_class", model=label, shown=e.classes_shown,
                               total=len(cx.a.dataset.classes), limit=e.per_class_limit),
                "gallery": t("explain.ui.caption_gallery", model=label, limit=e.gallery_limit)}
    notes = {"cases": story.explanation["cases"], "per_class": [], "gallery": story.explanation["gallery"]}
    figures = {name: ExplainedFigure(t(f"explain.heading.{name}", model=label),
                                     cx.figure(caption, e.figures[name]) if name in e.figures else None,
                                     notes[name])
               for name, caption in captions.items() if name in e.figures or notes[name]}
    # The body keeps the two feature-map cases; the per-class maps and the gallery go to the appendix.
    return ModelExplanation(story.explanation["overview"], [f for name, f in figures.items() if name == "cases"],
                            [f for name, f in figures.items() if name != "cases"])


def disagreements(cx: Context, notes: list[list[str]]) -> list[ExplainedFigure]:
    """Per pair of models, the images only one of them gets right, with the discordant counts."""
    t = cx.t
    return [ExplainedFigure(t("explain.heading.disagreement", a=clean(d.a), b=clean(d.b)),
                            cx.figure(t("explain.ui.caption_disagreement", a=clean(d.a), b=clean(d.b), limit=d.limit),
                                      d.figure) if d.figure else None, sentences)
            for d, sentences in zip(cx.a.disagreements, notes)]


def model_result(cx: Context, m: ModelAnalysis, story: ModelNarrative) -> ModelResult | None:
    t, f, label = cx.t, cx.f, clean(m.label)
    if m.accuracy is None:
        return None
    def caption(c) -> str:
        if c.correct:
            return t("ui.caption.feature_correct", model=label, true=clean(c.true_label))
        return t("ui.caption.feature_wrong", model=label, true=clean(c.true_label), pred=clean(c.pred_label))

    maps = [FeatureMapCase(c.correct, cx.figure(caption(c), c.figure), notes)
            for c, notes in zip(m.feature_maps, story.feature_maps)]
    confusion = m.figures.get("confusion")
    return ModelResult(
        stats=accuracy_stats(cx, m),
        facts=[t("ui.facts.best_epoch", best=m.best_epoch, run=m.epochs_run,
                 monitor=t(f"narrative.monitor.{m.train_config['monitor']}")),
               t("ui.facts.time", time=f.seconds(m.train_seconds)), t("ui.facts.params", params=f.integer(m.params))],
        curve_facts=[t("ui.facts.train_acc", value=f.percent(m.train_acc)),
                     t("ui.facts.val_acc", value=f.percent(m.val_acc)),
                     t("ui.facts.train_loss", value=f.decimal(m.train_loss)),
                     t("ui.facts.val_loss", value=f.decimal(m.val_loss))],
        per_class=per_class_table(cx, m),
        confusion=cx.figure(t("ui.caption.confusion", model=label, split=cx.split), confusion) if confusion else None,
        feature_maps=maps,
        confusion_top=cx.figure(t("ui.layout.confusion_top_caption", model=label), m.figures["confusion_top"])
        if m.figures.get("confusion_top") else None,
        confusion_normalized=cx.figure(t("ui.figure_caption.confusion_normalized", model=label),
                                       m.figures["confusion_normalized"]) if m.figures.get("confusion_normalized")
        else None,
        explanation=model_explanation(cx, m, story),
        evaluation=evaluation_table(cx, m),
        reliability=cx.figure(t("ui.stats.reliability_caption", model=label, ece=f.decimal(m.calibration.ece)),
                              m.figures["reliability"]) if m.calibration and m.figures.get("reliability") else None,
        calibration_notes=story.calibration,
    )


def model_section(cx: Context, m: ModelAnalysis, story: ModelNarrative) -> ModelSection:
    """A model: its architecture and results (its recipe is its column of the training table)."""
    t, f, label = cx.t, cx.f, clean(m.label)

    def curve(kind: str) -> Figure | None:
        path = m.figures.get(kind)
        return cx.figure(t(f"ui.caption.curve_{kind}", model=label), path) if path else None

    return ModelSection(
        label=label, arch=m.arch, description=clean(m.description), params=f.integer(m.params),
        layers=layer_table(cx, m),
        final=final_table(cx, m), loss_curve=curve("loss"), accuracy_curve=curve("accuracy"),
        curve_notes=story.curves, confusion_notes=story.confusion, notes=[t(f"narrative.note.{n.key}", **n.values) for n in m.notes],
        result=model_result(cx, m, story),
        stages=stage_table(cx, m), history=history_table(cx, m), seeds=seed_results(cx, m),
        code=code_listing(t, f, m),
        lr_schedule=cx.figure(t("ui.figure_caption.lr_schedule", model=label,
                                scheduler=scheduler_text(cx, m.train_config)), m.figures["lr"])
        if m.figures.get("lr") else None,
    )


# --- across models -----------------------------------------------------------------------------

def comparison_section(cx: Context, notes: list[str]) -> ComparisonSection | None:
    t, f, c = cx.t, cx.f, cx.a.comparison
    if c is None:
        return None
    deltas = {d.label: d for d in c.deltas}
    # Without a test split the evaluated accuracy is the validation accuracy: one column, not two.
    tested = cx.a.dataset.eval_split == "test"
    rows = [[clean(m.label), *([f.percent(m.val_acc)] if tested else []), f.decimal(m.val_loss),
             with_interval(cx, f.percent, m.accuracy, m.accuracy_ci),
             with_interval(cx, f.decimal, m.macro.f1 if m.macro else None, m.macro_f1_ci), f.integer(m.params),
             f.number(m.train_seconds, 1),
             t("ui.baseline") if m.label == c.baseline else f.pp(deltas[m.label].accuracy_pp)] for m in cx.a.models]
    validation = t("ui.validation").lower()
    eval_split = t(f"ui.{'test' if tested else 'validation'}").lower()
    ci = t("ui.stats.ci")
    headers = [*([f"{t('ui.accuracy')} {validation}"] if tested else []), f"{t('ui.loss')} {validation}",
               f"{t('ui.accuracy')} {eval_split} [{ci}]", f"{t('ui.stats.macro_f1')} [{ci}]",
               t("ui.params"), t("ui.time"), t("ui.delta")]
    table = Table(t("ui.caption.comparison", baseline=clean(c.baseline), split=cx.split),
                  [Column(t("ui.model"))] + [Column(h, numeric=True) for h in headers], rows)
    scored = [m for m in cx.a.models if m.accuracy is not None]
    per_class = Table(t("ui.caption.per_class_accuracy"),
                      [Column(t("ui.class"))] + [Column(clean(m.label), numeric=True) for m in scored],
                      [[clean(name)] + [f.percent(m.per_class[i].accuracy) for m in scored]
                       for i, name in enumerate(cx.a.dataset.classes)])
    return ComparisonSection(
        table=table, cards=[(clean(m.label), accuracy_stats(cx, m)[:-1]) for m in scored],  # the accuracies
        loss_overlay=cx.figure(t("ui.caption.overlay_loss"), c.figures["loss"]),
        accuracy_overlay=cx.figure(t("ui.caption.overlay_accuracy"), c.figures["accuracy"]),
        per_class_figure=cx.figure(t("ui.caption.per_class_accuracy"), c.figures["per_class"]),
        per_class_accuracy=per_class, notes=notes, pairs=pairs_table(cx), seeds=seed_comparison(cx),
    )


def pairs_table(cx: Context) -> Table:
    """Every pair's exact McNemar test: discordant counts, the accuracy difference with its paired
    bootstrap interval, raw and Holm-adjusted p, and the decision at alpha."""
    t, f, c = cx.t, cx.f, cx.a.comparison
    rows = [[f"{clean(p.a)} vs {clean(p.b)}", f"{p.a_only_correct} / {p.b_only_correct}",
             f"{f.pp(p.diff_pp)} {bounds(cx, f.pp, p.diff_ci_pp)}", f.p_value(p.p_value), f.p_value(p.p_adjusted),
             t("ui.stats.yes" if p.significant else "ui.stats.no")] for p in c.pairs]
    columns = [Column(t("ui.stats.pair")), Column(t("ui.stats.discordant"), numeric=True),
               Column(f"{t('ui.stats.difference')} [{t('ui.stats.ci')}]", numeric=True),
               Column(t("ui.stats.p"), numeric=True), Column(t("ui.stats.p_holm"), numeric=True),
               Column(t("ui.stats.significant"))]
    n = c.pairs[0].n if c.pairs else 0
    return Table(t("ui.stats.pairs_caption", n=f.integer(n), split=cx.split, alpha=f.general(c.alpha)), columns, rows)


def verdict_cells(cx: Context, m: ModelAnalysis) -> list[str]:
    """The overfitting and stability cells: a diverged model is judged on neither, a verdict the
    noise or the number of epochs does not allow is not made."""
    t, d = cx.t, m.diagnostics
    if m.failure == "diverged":
        return [t("ui.verdict.diverged")] * 2
    if d is None:
        return ["–", "–"]
    overfit = {True: t("ui.overfit_yes"), False: t("ui.overfit_no"), None: t("ui.verdict.insufficient")}[d.overfit]
    stable = {True: t("ui.stable"), False: t("ui.unstable"),
              None: t("ui.verdict.too_short", epochs=m.epochs_run, min=d.min_epochs_for_stability)}[d.stable]
    return [overfit, stable]


def training_log_table(cx: Context) -> Table:
    """Per model: accuracies and losses at the best epoch, the gap, and the two verdicts."""
    t, f = cx.t, cx.f
    rows = []
    for m in cx.a.models:
        d = m.diagnostics
        rows.append([clean(m.label), f.percent(m.train_acc), f.percent(m.val_acc), f.decimal(m.train_loss),
                     f.decimal(m.val_loss), f.pp(d.gap_acc_pp) if d else "–", *verdict_cells(cx, m)])
    training, validation = t("ui.training").lower(), t("ui.validation").lower()
    numbers = [f"{t('ui.accuracy')} {training}", f"{t('ui.accuracy')} {validation}", f"{t('ui.loss')} {training}",
               f"{t('ui.loss')} {validation}", t("ui.gap")]
    return Table(t("ui.caption.training_log"), [Column(t("ui.model"))] + [Column(h, numeric=True) for h in numbers]
                 + [Column(t("ui.overfit")), Column(t("ui.stability"))], rows)


TOP_TRIALS = 10  # rows of the trials table: a grid of thousands is summarised, the figure shows them all


def ranked_trials(tu: Tuning) -> list[TuningTrial]:
    """Best first by the search metric: completed trials, then trials stopped early (pruned,
    diverged) by their last value, then trials without a value. A trial stopped early never
    ranks above a completed one, since its value is from fewer epochs."""
    sign = -1 if tu.direction == "maximize" else 1
    return sorted(tu.trials, key=lambda tr: (tr.state != "complete", tr.value is None,
                                             sign * tr.value if tr.value is not None else 0))


def trials_table(cx: Context, tu: Tuning, metric: str, score: Callable[[float | None], str]) -> Table:
    """The top trials: number, every searched parameter by its name, score, status, epochs, time."""
    t, f = cx.t, cx.f
    shown = ranked_trials(tu)[:TOP_TRIALS]
    rows = [[f"#{tr.number}", *[parameter_value(f, tr.params[k]) if k in tr.params else "–" for k in tu.space],
             score(tr.value), t(f"ui.tuning.state.{tr.state}"),
             f.integer(tr.epochs) if tr.epochs is not None else "–",
             f.number(tr.seconds, 1) if tr.seconds is not None else "–"] for tr in shown]
    count = f.integer(len(tu.trials))
    caption = (t("ui.caption.tuning_trials_all", count=count, metric=metric) if len(shown) == len(tu.trials)
               else t("ui.caption.tuning_trials_top", shown=len(shown), count=count, metric=metric))
    return Table(caption, [Column(t("ui.tuning.trial")), *[Column(parameter_name(t, k)) for k in tu.space],
                           Column(metric[:1].upper() + metric[1:], numeric=True), Column(t("ui.tuning.status")),
                           Column(t("ui.tuning.epochs"), numeric=True),
                           Column(t("ui.tuning.seconds"), numeric=True)], rows)


def in_sentence(name: str) -> str:
    """A label inside a sentence: "Laju pembelajaran" -> "laju pembelajaran"; an acronym ("LR ...") stays."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


MIN_SHARE = 0.05  # a parameter with a smaller share of the importance is not said to matter


def importance_text(cx: Context, tu: Tuning, metric: str) -> str:
    """The (at most three) parameters Optuna estimates mattered most, with their shares; "" when
    it could not estimate them. A parameter with a share below MIN_SHARE (e.g. one value tried)
    is not named."""
    n = sum(tr.state == "complete" for tr in tu.trials)
    shares = list(tu.importances.values())
    if len(shares) > 1 and max(shares) - min(shares) < 1e-9:
        # Optuna splits the importance evenly when its trials cannot tell the parameters apart
        return cx.t("ui.tuning.importance_equal", n=n, share=cx.f.percent(shares[0]))
    top = sorted(((k, v) for k, v in tu.importances.items() if v >= MIN_SHARE), key=lambda kv: -kv[1])[:3]
    if not top:
        return ""
    parameters = cx.f.listing([f"{in_sentence(parameter_name(cx.t, k))} ({cx.f.percent(v)})" for k, v in top])
    return cx.t("ui.tuning.importance", n=n, parameters=parameters, metric=metric)


def tuning_section(cx: Context) -> TuningSection | None:
    """The search that chose the configuration: its space, strategy, trials, best point and figure.
    Parameters are named for readers (language/parameters.py), never by their experiment keys."""
    t, f, tu = cx.t, cx.f, cx.a.tuning
    if tu is None:
        return None
    metric = t(f"narrative.monitor.{tu.metric}")
    states = [trial.state for trial in tu.trials]
    best = tu.best.params if tu.best else {}
    space = Table(t("ui.caption.tuning_space"),
                  [Column(t("ui.tuning.parameter")), Column(t("ui.tuning.values")), Column(t("ui.tuning.chosen"))],
                  [[parameter_name(t, key), "; ".join(parameter_value(f, v) for v in values),
                    parameter_value(f, best[key]) if key in best else "–"] for key, values in tu.space.items()])
    cfg = tu.train
    score = f.percent if tu.metric == "val_acc" else f.decimal
    intro = t("ui.tuning.intro_no_pruner" if tu.pruner == "none" else "ui.tuning.intro", model=clean(tu.model),
              sampler=t(f"ui.tuning.sampler.{tu.sampler}"), count=f.integer(len(tu.trials)),
              complete=f.integer(states.count("complete")), pruned=f.integer(states.count("pruned")),
              pruner=tu.pruner, metric=metric, seconds=f.seconds(tu.search_seconds))
    optimizers = tu.space.get("train.optimizer", [cfg["optimizer"]])
    return TuningSection(
        intro=intro + (" " + t("ui.tuning.diverged", count=states.count("diverged")) if "diverged" in states else ""),
        strategy=t("ui.tuning.strategy", optimizers=f.listing([parameter_value(f, o) for o in optimizers]),
                   epochs=cfg["epochs"], patience=cfg["early_stopping_patience"] or t("ui.train.patience_off"),
                   scheduler=scheduler_text(cx, cfg)),
        best=t("ui.tuning.best", number=tu.best.number, metric=metric, value=score(tu.best.value)) if tu.best else "",
        space=space, figure=cx.figure(t("ui.caption.tuning_figure"), tu.figure),
        trials=trials_table(cx, tu, metric, score) if tu.trials else None, importance=importance_text(cx, tu, metric),
    )


APPENDIX_PARTS = ("layers", "code", "lr_schedule", "feature_maps", "calibration", "explanation", "disagreements",
                  "variants", "class_distribution")  # in letter order


def appendix_parts(cx: Context, doc: Document) -> list[AppendixPart]:
    """The appendix's parts that have content, lettered in order, each with the body's sentence
    pointing to it."""
    t = cx.t
    results = [s.result for s in doc.models if s.result]
    present = {"layers": any(s.layers for s in doc.models),
               "code": any(s.code for s in doc.models),
               "lr_schedule": any(s.lr_schedule for s in doc.models),
               "feature_maps": any(r.feature_maps for r in results),
               "calibration": any(r.reliability for r in results),
               "explanation": any(r.explanation and r.explanation.detail for r in results),
               "disagreements": any(d.figure for d in doc.disagreements),
               "variants": doc.qualitative is not None,
               "class_distribution": bool(doc.dataset.distribution or doc.dataset.distribution_figure)}
    keys = [key for key in APPENDIX_PARTS if present[key]]
    return [AppendixPart(key, f"{t('ui.layout.appendix')} {letter} {t(f'ui.layout.appendix_{key}')}",
                         t(f"ui.layout.see_{key}", letter=letter)) for letter, key in zip(string.ascii_uppercase, keys)]


def references(cx: Context) -> list[str]:
    """The papers of the architectures used (each registered architecture names its own)."""
    bibliography = tomllib.loads((TEMPLATES_DIR / "references.toml").read_text(encoding="utf-8"))
    return [bibliography[key] for key in dict.fromkeys(m.reference for m in cx.a.models if m.reference)]
