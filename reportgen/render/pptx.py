"""The PPTX deck: the analysis tree laid out as the seed deck (cnn-vs-resnet18-cifar10-slides)
is, slide by slide: title, contents, members, objectives, dataset, methodology, then per model
its architecture, hyper-parameters, best result, curves, confusion matrix, per-class metrics and
feature maps, then the comparison (accuracy, per-class accuracy, training log), conclusion and
thanks.

This module only chooses slides and formats values (every number through Formatter, every
sentence from the phrase table or the generated narrative); layout lives in deck.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportgen.analysis.narrative import ModelNarrative, Narrative, narrate
from reportgen.analysis.tree import Analysis, ModelAnalysis
from reportgen.render.deck import THEME, Deck, Para
from reportgen.report.format import Formatter
from reportgen.report.phrases import Phrases

# Training settings a reader of the deck needs (the rest, e.g. `device`, describe the machine).
HYPERPARAMETERS = ("optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "scheduler",
                   "step_size", "gamma", "t_max", "early_stopping_patience", "monitor", "amp")
SCHEDULER_KEYS = {"step": ("step_size", "gamma"), "cosine": ("t_max",)}


def bullets(lines: list[str], size: float = 16) -> list[Para]:
    return [Para(line, size, bullet=True) for line in lines]


def literal(value) -> str:
    """A configuration value as the experiment file writes it (lr = 0.01, not a rounded
    report number): it is the user's setting, shown so it can be copied back."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return str(value)


def settings(params: dict) -> str:
    return ", ".join(f"{k} = {literal(v)}" for k, v in params.items())


class DeckWriter:
    def __init__(self, analysis: Analysis, run_dir: Path, lang: str):
        self.a, self.run_dir = analysis, run_dir
        self.t, self.f = Phrases(lang), Formatter(lang)
        self.n: Narrative = narrate(analysis, lang)
        self.report = analysis.experiment.get("report", {})
        self.deck = Deck(footer=self.report.get("title") or analysis.experiment.get("name", ""),
                         continued=self.t("deck.continued"))

    def fig(self, relative: str) -> Path | None:
        """A figure of the run, or None when the analysis could not make it."""
        path = self.run_dir / relative if relative else None
        return path if path and path.is_file() else None

    def eval_acc_label(self) -> str:
        return self.t(f"deck.col.eval_acc_{self.a.dataset.eval_split}")

    # --- opening ---------------------------------------------------------------------------

    def title(self) -> None:
        r = self.report
        day = dt.date.fromisoformat(str(r["date"])) if r.get("date") else (
            dt.date.fromisoformat(self.a.environment.started[:10]) if self.a.environment.started else None)
        details = [r.get("course", ""), r.get("assignment", ""),
                   ", ".join(a["name"] for a in r.get("authors", [])), self.f.date(day) if day else ""]
        self.deck.title_slide(r.get("title") or self.a.experiment.get("name", ""), r.get("subtitle", ""),
                              [d for d in details if d])

    def contents(self, sections: list[str]) -> None:
        self.deck.content(self.t("deck.toc"), [Para(f"{i:02d}.  {s}", 20) for i, s in enumerate(sections, 1)])

    def members(self) -> None:
        authors = self.report.get("authors", [])
        if authors:
            paras = []
            for a in authors:
                paras += [Para(a["name"], 22, bold=True, space_before=14), Para(a.get("id", ""), 16, space_before=2)]
            self.deck.content(self.t("deck.members"), paras)

    def objectives(self) -> None:
        objectives = self.report.get("objectives") or [
            self.t("deck.objective.classify", dataset=self.a.dataset.name,
                   models=", ".join(m.label for m in self.a.models)),
            self.t("deck.objective.compare", split=self.t(f"narrative.split.{self.a.dataset.eval_split}")),
            self.t("deck.objective.analyse")]
        paras = []
        for i, text in enumerate(objectives, 1):
            paras += [Para(f"{i:02d}.", 20, bold=True, color=THEME.accent, space_before=14),
                      Para(text, 18, space_before=2)]
        self.deck.content(self.t("deck.objectives"), paras)

    def dataset(self) -> None:
        d, t = self.a.dataset, self.t
        lines = [t("deck.data.name", name=d.name, classes=len(d.classes)),
                 t("deck.data.classes", classes=", ".join(d.classes)),
                 t("deck.data.image_size", size=d.image_size)]
        self.deck.content(t("deck.dataset"), bullets(lines), self.fig(d.samples_figure))

    def methodology(self) -> None:
        d, e, t, f = self.a.dataset, self.a.environment, self.t, self.f
        seed = self.a.experiment.get("train", {}).get("seed")
        sizes = [t("deck.data.train", n=f.integer(d.train_size)), t("deck.data.val", n=f.integer(d.val_size)),
                 t("deck.data.test", n=f.integer(d.test_size)) if d.test_size else t("deck.data.no_test")]
        mean, std = (", ".join(f.number(v, 3) for v in values) for values in (d.normalize_mean, d.normalize_std))
        lines = ([t("deck.data.seed", seed=seed)] if seed is not None else []) + sizes + [
            t("deck.data.normalize", mean=mean, std=std),
            t("deck.data.augment", augment=", ".join(d.augment)) if d.augment else t("deck.data.no_augment")]
        if e.device:
            lines.append(t("deck.data.environment", device=e.device, name=e.device_name, python=e.python,
                           torch=e.torch, torchvision=e.torchvision))
        self.deck.content(t("deck.methodology"), bullets(lines))

    # --- per model -------------------------------------------------------------------------

    def model(self, m: ModelAnalysis, story: ModelNarrative) -> None:
        t, f = self.t, self.f
        self.deck.section_slide(m.label, m.arch)
        config = settings(m.model_params)
        paras = ([Para(m.description, 18, space_before=0)] if m.description else []) + bullets(
            [t("deck.model.arch", arch=m.arch), t("deck.model.params", params=f.params(m.params))]
            + ([t("deck.model.config", config=config)] if config else []))
        self.deck.content(t("deck.architecture", model=m.label), paras)
        if m.architecture:
            rows = [[r.name, r.type, self.shape(r.input_shape), self.shape(r.output_shape), f.params(r.params)]
                    for r in m.architecture.rows]
            rows.append([t("deck.col.total"), "", "", "", f.params(m.architecture.total_params)])
            self.deck.table(t("deck.layers", model=m.label), [t(f"deck.col.{c}") for c in
                                                              ("layer", "type", "input", "output", "params")], rows)
        self.hyperparameters(m)
        if m.accuracy is None:
            self.deck.content(t("deck.no_result", model=m.label), bullets(story.curves + story.confusion))
            return
        self.best_result(m)
        self.curves(m, story)
        self.deck.content(t("deck.confusion", model=m.label), bullets(story.confusion, 14),
                          self.fig(m.figures.get("confusion", "")))
        self.per_class(m)
        for case, lines in zip(m.feature_maps, story.feature_maps):
            title = t("deck.feature_correct" if case.correct else "deck.feature_wrong", model=m.label)
            self.deck.content(title, bullets(lines, 14), self.fig(case.figure))

    def shape(self, dims: list[int]) -> str:
        return "(" + ", ".join(str(d) for d in dims) + ")" if len(dims) > 1 else (str(dims[0]) if dims else "")

    def hyperparameters(self, m: ModelAnalysis) -> None:
        cfg = m.train_config
        hidden = {k for sched, keys in SCHEDULER_KEYS.items() if cfg.get("scheduler") != sched for k in keys}
        hidden |= {"momentum"} if cfg.get("optimizer") != "sgd" else set()
        hidden |= {"early_stopping_patience"} if not cfg.get("early_stopping_patience") else set()
        rows = [[k, literal(cfg[k])] for k in HYPERPARAMETERS if k in cfg and k not in hidden and cfg[k] is not None]
        self.deck.table(self.t("deck.hyperparameters", model=m.label),
                        [self.t("deck.col.setting"), self.t("deck.col.value")], rows, size=16)

    def best_result(self, m: ModelAnalysis) -> None:
        t, f = self.t, self.f
        stats = [(f.percent(m.train_acc), t("deck.col.train_acc")), (f.percent(m.val_acc), t("deck.col.val_acc")),
                 (f.percent(m.accuracy), self.eval_acc_label()), (f.percent(m.macro.f1), t("deck.col.macro_f1"))]
        facts = [t("deck.model.best_epoch", best=m.best_epoch, run=m.epochs_run),
                 t("deck.model.time", time=f.seconds(m.train_seconds)),
                 t("deck.model.params", params=f.params(m.params))]
        self.deck.cards(t("deck.best_result", model=m.label), [("", stats[:2]), ("", stats[2:])], bullets(facts, 18))

    def curves(self, m: ModelAnalysis, story: ModelNarrative) -> None:
        t, f = self.t, self.f
        self.deck.content(t("deck.loss_curve", model=m.label), bullets(story.curves, 14),
                          self.fig(m.figures.get("loss", "")))
        facts = [t("deck.model.train_acc", value=f.percent(m.train_acc)),
                 t("deck.model.val_acc", value=f.percent(m.val_acc)),
                 t("deck.model.train_loss", value=f.loss(m.train_loss)),
                 t("deck.model.val_loss", value=f.loss(m.val_loss))]
        self.deck.content(t("deck.accuracy_curve", model=m.label), bullets(facts),
                          self.fig(m.figures.get("accuracy", "")))

    def per_class(self, m: ModelAnalysis) -> None:
        t, f = self.t, self.f
        header = [t(f"deck.col.{c}") for c in ("class", "precision", "recall", "f1", "accuracy", "support")]
        rows = [[c.name, f.metric(c.precision), f.metric(c.recall), f.metric(c.f1), f.percent(c.accuracy),
                 f.integer(c.support)] for c in m.per_class]
        total = sum(c.support for c in m.per_class)
        for key, avg in (("macro", m.macro), ("weighted", m.weighted)):
            rows.append([t(f"deck.col.{key}"), f.metric(avg.precision), f.metric(avg.recall), f.metric(avg.f1),
                         "", f.integer(total)])
        self.deck.table(t("deck.per_class", model=m.label), header, rows)

    # --- across models ---------------------------------------------------------------------

    def comparison(self) -> None:
        t, f = self.t, self.f
        scored = [m for m in self.a.models if m.accuracy is not None]
        self.deck.section_slide(t("deck.comparison"), " vs ".join(m.label for m in self.a.models))
        self.deck.cards(t("deck.accuracy_cards"), [
            (m.label, [(f.percent(m.train_acc), t("deck.col.train_acc")), (f.percent(m.val_acc), t("deck.col.val_acc")),
                       (f.percent(m.accuracy), self.eval_acc_label())]) for m in scored])
        header = [t("deck.col.model"), self.eval_acc_label()] + [t(f"deck.col.macro_{k}") for k in
                                                                 ("precision", "recall", "f1")] + [
            t("deck.col.params"), t("deck.col.time")]
        self.deck.table(t("deck.performance"), header, [
            [m.label, f.percent(m.accuracy), f.percent(m.macro.precision), f.percent(m.macro.recall),
             f.percent(m.macro.f1), f.params(m.params), f.seconds(m.train_seconds)] for m in scored], size=18)
        figs = self.a.comparison.figures
        curves = [(p, t(f"deck.col.{k}")) for k in ("loss", "accuracy") if (p := self.fig(figs.get(k, "")))]
        if curves:
            self.deck.pictures(t("deck.overlaid_curves"), curves)
        per_class = self.fig(figs.get("per_class", ""))
        if per_class:
            self.deck.pictures(t("deck.per_class_comparison"), [(per_class, t("deck.per_class_comparison"))])
        self.deck.table(t("deck.per_class_comparison"), [t("deck.col.class")] + [m.label for m in scored], [
            [name] + [f.percent(m.per_class[i].accuracy) for m in scored]
            for i, name in enumerate(self.a.dataset.classes)])
        self.training_log(scored)
        self.deck.content(t("deck.comparison_analysis"), bullets(self.n.comparison, 16))

    def training_log(self, scored: list[ModelAnalysis]) -> None:
        t, f = self.t, self.f
        header = [t(f"deck.col.{c}") for c in ("model", "train_acc", "val_acc", "train_loss", "val_loss",
                                                "overfit", "stability")]
        rows = []
        for m in scored:
            d = m.diagnostics
            overfit = "" if d is None else t("deck.col.yes" if d.overfit else "deck.col.no")
            stable = "" if d is None else t("deck.col.stable" if d.stable else "deck.col.unstable")
            rows.append([m.label, f.percent(m.train_acc), f.percent(m.val_acc), f.loss(m.train_loss),
                         f.loss(m.val_loss), overfit, stable])
        self.deck.table(t("deck.training_log"), header, rows, size=18)

    def tuning(self) -> None:
        tu, t, f = self.a.tuning, self.t, self.f
        value = f.percent if tu.metric == "val_acc" else f.loss
        metric = t(f"narrative.monitor.{tu.metric}")
        lines = [f"{k}: {literal(v)}" for k, v in tu.space.items()]
        if tu.best:
            lines.append(t("deck.tuning_best", number=tu.best.number, metric=metric, value=value(tu.best.value),
                           params=settings(tu.best.params)))
        self.deck.content(t("deck.tuning"), bullets(lines), self.fig(tu.figure))
        self.deck.table(t("deck.tuning"), [t("deck.col.trial"), t("deck.col.state"), metric, t("deck.col.setting")],
                        [[str(tr.number), tr.state, value(tr.value), settings(tr.params)] for tr in tu.trials])

    # --- the whole deck --------------------------------------------------------------------

    def write(self, out: Path) -> Path:
        t = self.t
        sections = [t("deck.members"), t("deck.objectives"), t("deck.dataset"), t("deck.methodology")]
        sections += [t("deck.architecture", model=m.label) for m in self.a.models]
        sections += ([t("deck.tuning")] if self.a.tuning else []) + (
            [t("deck.comparison")] if self.a.comparison else []) + [t("deck.conclusion")]
        self.title()
        self.contents(sections)
        self.members()
        self.objectives()
        self.dataset()
        self.methodology()
        for m, story in zip(self.a.models, self.n.models):
            self.model(m, story)
        if self.a.tuning:
            self.tuning()
        if self.a.comparison:
            self.comparison()
        self.deck.content(t("deck.conclusion"), bullets(self.n.conclusion + self.n.discussion, 16))
        self.deck.section_slide(t("deck.thanks"))
        return self.deck.save(out)


def render_pptx(analysis: Analysis, run_dir: Path, out: Path, lang: str) -> Path:
    """Write the deck of one analysed run to `out` and return it."""
    return DeckWriter(analysis, Path(run_dir), lang).write(Path(out))
