"""The PPTX deck: the shared Document (render/document.py) laid out as the seed deck
(cnn-vs-resnet18-cifar10-slides) is, slide by slide: title, contents, members, objectives,
dataset, methodology, then per model its architecture, hyper-parameters, best result, curves,
confusion matrix, per-class metrics and feature maps, then the comparison (accuracy, per-class
accuracy, training log), conclusion and thanks.

The tables and captions are the Document's, so the deck shows the very strings the PDF and the
HTML page show; the few deck-only values (stat cards, curve facts) go through the Formatter and
the phrase table. Layout lives in deck.py.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.analysis.narrative import ModelNarrative
from reportgen.analysis.tree import Analysis
from reportgen.render.deck import THEME, Deck, Para
from reportgen.render.document import Document, Figure, ModelSection, Table, build_document


def bullets(lines: list[str], size: float = 16) -> list[Para]:
    return [Para(line, size, bullet=True) for line in lines]


def setting_lines(table: Table) -> list[str]:
    """A two-column settings table (setting, value) as "setting: value" lines for a bullet list."""
    return [f"{setting}: {value}" for setting, value in table.rows]


class DeckWriter:
    def __init__(self, doc: Document):
        self.doc, self.a = doc, doc.analysis
        self.t, self.f, self.n = doc.t, doc.f, doc.narrative
        self.deck = Deck(footer=doc.title, continued=self.t("deck.continued"))

    @staticmethod
    def fig(figure: Figure | None) -> Path | None:
        """A figure's file, or None when the analysis could not make it."""
        return figure.path if figure is not None and figure.path.is_file() else None

    def eval_acc_label(self) -> str:
        return self.t(f"deck.col.eval_acc_{self.a.dataset.eval_split}")

    def table(self, title: str, table: Table | None, size: float = 14) -> None:
        if table is not None and table.rows:
            self.deck.table(title, table.header, table.rows, size)

    # --- opening ---------------------------------------------------------------------------

    def title(self) -> None:
        d = self.doc
        details = [d.course, d.assignment, ", ".join(name for name, _ in d.authors), d.date]
        self.deck.title_slide(d.title, d.subtitle, [x for x in details if x])

    def contents(self, sections: list[str]) -> None:
        self.deck.content(self.t("deck.toc"), [Para(f"{i:02d}.  {s}", 20) for i, s in enumerate(sections, 1)])

    def members(self) -> None:
        paras = []
        for name, student_id in self.doc.authors:
            paras += [Para(name, 22, bold=True, space_before=14, keep_with_next=True),
                      Para(student_id, 16, space_before=2)]
        self.deck.content(self.t("deck.members"), paras)

    def objectives(self) -> None:
        paras = []
        for i, text in enumerate(self.doc.objectives, 1):
            paras += [Para(f"{i:02d}.", 20, bold=True, color=THEME.accent, space_before=14, keep_with_next=True),
                      Para(text, 18, space_before=2)]
        self.deck.content(self.t("deck.objectives"), paras)

    def dataset(self) -> None:
        self.deck.content(self.t("deck.dataset"), bullets(setting_lines(self.doc.dataset), 15),
                          self.fig(self.doc.samples))

    def methodology(self) -> None:
        lines = [self.doc.seed_note] + setting_lines(self.doc.environment)
        self.deck.content(self.t("deck.methodology"), bullets(lines))

    # --- per model -------------------------------------------------------------------------

    def model(self, i: int, s: ModelSection, story: ModelNarrative) -> None:
        t, f, m = self.t, self.f, s.m
        self.deck.section_slide(s.label, m.arch)
        paras = ([Para(s.description, 18, space_before=0)] if s.description else []) + bullets(
            [t("deck.model.arch", arch=m.arch), t("deck.model.params", params=f.params(m.params))])
        self.deck.content(t("deck.architecture", model=s.label), paras)
        self.table(t("deck.layers", model=s.label), s.layers)
        # The Document's training table has one column per model; this model's is column i + 1.
        training = self.doc.training
        self.deck.table(t("deck.hyperparameters", model=s.label), [training.header[0], training.header[i + 1]],
                        [[row[0], row[i + 1]] for row in training.rows], 16)
        if m.accuracy is None:
            self.deck.content(t("deck.no_result", model=s.label), bullets(s.notes + story.curves + story.confusion))
            return
        self.best_result(s)
        self.curves(s, story)
        self.deck.content(t("deck.confusion", model=s.label), bullets(story.confusion, 14), self.fig(s.confusion))
        self.table(t("deck.per_class", model=s.label), s.per_class)
        for case, (figure, lines) in zip(m.feature_maps, s.feature_maps):
            title = t("deck.feature_correct" if case.correct else "deck.feature_wrong", model=s.label)
            self.deck.content(title, bullets(lines, 14), self.fig(figure))

    def best_result(self, s: ModelSection) -> None:
        t, f, m = self.t, self.f, s.m
        stats = [(f.percent(m.train_acc), t("deck.col.train_acc")), (f.percent(m.val_acc), t("deck.col.val_acc")),
                 (f.percent(m.accuracy), self.eval_acc_label()), (f.percent(m.macro.f1), t("deck.col.macro_f1"))]
        facts = [t("deck.model.best_epoch", best=m.best_epoch, run=m.epochs_run),
                 t("deck.model.time", time=f.seconds(m.train_seconds)),
                 t("deck.model.params", params=f.params(m.params))]
        self.deck.cards(t("deck.best_result", model=s.label), [("", stats[:2]), ("", stats[2:])], bullets(facts, 18))

    def curves(self, s: ModelSection, story: ModelNarrative) -> None:
        t, f, m = self.t, self.f, s.m
        by_kind = {key: figure for key, figure in zip(("loss", "accuracy"), s.curves)}
        self.deck.content(t("deck.loss_curve", model=s.label), bullets(story.curves, 14), self.fig(by_kind.get("loss")))
        facts = [t("deck.model.train_acc", value=f.percent(m.train_acc)),
                 t("deck.model.val_acc", value=f.percent(m.val_acc)),
                 t("deck.model.train_loss", value=f.loss(m.train_loss)),
                 t("deck.model.val_loss", value=f.loss(m.val_loss))]
        self.deck.content(t("deck.accuracy_curve", model=s.label), bullets(facts), self.fig(by_kind.get("accuracy")))

    # --- across models ---------------------------------------------------------------------

    def comparison(self) -> None:
        t, f, doc = self.t, self.f, self.doc
        scored = [m for m in self.a.models if m.accuracy is not None]
        self.deck.section_slide(t("deck.comparison"), " vs ".join(s.label for s in doc.models))
        self.deck.cards(t("deck.accuracy_cards"), [
            (s.label, [(f.percent(s.m.train_acc), t("deck.col.train_acc")),
                       (f.percent(s.m.val_acc), t("deck.col.val_acc")),
                       (f.percent(s.m.accuracy), self.eval_acc_label())]) for s in doc.models if s.m.accuracy is not None])
        self.table(t("deck.performance"), doc.comparison, 16)
        curves, per_class = doc.comparison_figures[:2], doc.comparison_figures[2:]
        self.deck.pictures(t("deck.overlaid_curves"), [(p, fig.caption) for fig in curves if (p := self.fig(fig))])
        self.deck.pictures(t("deck.per_class_comparison"), [(p, fig.caption) for fig in per_class
                                                             if (p := self.fig(fig))])
        self.deck.table(t("deck.per_class_comparison"), [t("deck.col.class")] + [m.label for m in scored], [
            [name] + [f.percent(m.per_class[i].accuracy) for m in scored]
            for i, name in enumerate(self.a.dataset.classes)])
        self.table(t("deck.training_log"), doc.training_log, 16)
        self.deck.content(t("deck.comparison_analysis"), bullets(self.n.comparison, 16))

    def tuning(self) -> None:
        tu = self.doc.tuning
        lines = [tu["intro"], tu["strategy"]] + ([tu["best"]] if tu["best"] else [])
        self.deck.content(self.t("deck.tuning"), bullets(lines, 15), self.fig(tu["figure"]))
        self.table(self.t("deck.tuning"), tu["space"])

    # --- the whole deck --------------------------------------------------------------------

    def write(self, out: Path) -> Path:
        t, doc = self.t, self.doc
        sections = ([t("deck.members")] if doc.authors else []) + [
            t("deck.objectives"), t("deck.dataset"), t("deck.methodology")]
        sections += [t("deck.architecture", model=s.label) for s in doc.models]
        sections += ([t("deck.tuning")] if doc.tuning else []) + (
            [t("deck.comparison")] if doc.comparison else []) + [t("deck.conclusion")]
        self.title()
        self.contents(sections)
        if doc.authors:
            self.members()
        self.objectives()
        self.dataset()
        self.methodology()
        for i, (section, story) in enumerate(zip(doc.models, self.n.models)):
            self.model(i, section, story)
        if doc.tuning:
            self.tuning()
        if doc.comparison:
            self.comparison()
        self.deck.content(t("deck.conclusion"), bullets(self.n.conclusion + self.n.discussion, 16))
        self.deck.section_slide(t("deck.thanks"))
        return self.deck.save(out)


def render_pptx(analysis: Analysis, run_dir: Path, out: Path, lang: str) -> Path:
    """Write the deck of one analysed run to `out` and return it. Figures are read from
    `run_dir` (the run may have moved since it was analysed)."""
    doc = build_document(analysis.model_copy(update={"run_dir": str(run_dir)}), lang)
    return DeckWriter(doc).write(Path(out))
