"""The PPTX deck: the report document laid out as the seed deck (cnn-vs-resnet18-cifar10-slides)
is, slide by slide: title, contents, members, objectives, dataset, methodology, then per model its
architecture, hyper-parameters, best result, curves, confusion matrix, per-class metrics and
feature maps, then the tuning search, the comparison (accuracy, per-class accuracy, training log),
conclusion and thanks.

Every string on a slide is the document's or a slide title from the phrase table (deck.toml);
the layout engine is deck.py.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.language.phrases import Phrases
from reportgen.renderers.deck import Deck
from reportgen.renderers.layout import THEME, Para
from reportgen.report.document import Document, Figure, ModelSection, Stat, Table


def bullets(lines: list[str], size: float = 16) -> list[Para]:
    return [Para(line, size, bullet=True) for line in lines]


def setting_lines(table: Table) -> list[str]:
    """A two-column settings table (setting, value) as "setting: value" lines for a bullet list."""
    return [f"{setting}: {value}" for setting, value in table.rows]


def picture(figure: Figure | None) -> Path | None:
    """A figure's file, or None when the analysis could not make it."""
    return figure.path if figure is not None and figure.path.is_file() else None


def stat_pairs(stats: list[Stat]) -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in stats]


class DeckWriter:
    def __init__(self, doc: Document):
        self.doc, self.t = doc, Phrases(doc.lang)
        self.deck = Deck(footer=doc.front.title, continued=self.t("deck.continued"))

    def table(self, title: str, table: Table | None, size: float = 14) -> None:
        if table is not None and table.rows:
            self.deck.table(title, table.header, table.rows, table.aligns, size)

    # --- opening ---------------------------------------------------------------------------

    def title(self) -> None:
        front = self.doc.front
        details = [front.course, front.assignment, ", ".join(a.name for a in front.authors), front.date]
        self.deck.title_slide(front.title, front.subtitle, [x for x in details if x], front.logo)

    def contents(self, sections: list[str]) -> None:
        self.deck.content(self.t("deck.toc"), [Para(f"{i:02d}.  {s}", 20) for i, s in enumerate(sections, 1)])

    def members(self) -> None:
        paras = []
        for author in self.doc.front.authors:
            paras += [Para(author.name, 22, bold=True, space_before=14, keep_with_next=True),
                      Para(author.id, 16, space_before=2)]
        self.deck.content(self.t("deck.members"), paras)

    def objectives(self) -> None:
        paras = []
        for i, text in enumerate(self.doc.front.objectives, 1):
            paras += [Para(f"{i:02d}.", 20, bold=True, color=THEME.accent, space_before=14, keep_with_next=True),
                      Para(text, 18, space_before=2)]
        self.deck.content(self.t("deck.objectives"), paras)

    def dataset(self) -> None:
        d = self.doc.dataset
        self.deck.content(self.t("deck.dataset"), bullets(setting_lines(d.table), 15), picture(d.samples))

    def methodology(self) -> None:
        lines = [self.doc.dataset.seed_note] + setting_lines(self.doc.environment)
        self.deck.content(self.t("deck.methodology"), bullets(lines))

    # --- per model -------------------------------------------------------------------------

    def model(self, s: ModelSection) -> None:
        t = self.t
        self.deck.section_slide(s.label, s.arch)
        paras = ([Para(s.description, 18, space_before=0)] if s.description else []) + bullets(s.summary)
        self.deck.content(t("deck.architecture", model=s.label), paras)
        self.table(t("deck.layers", model=s.label), s.layers)
        self.table(t("deck.hyperparameters", model=s.label), s.hyperparameters, 16)
        r = s.result
        if r is None:
            self.deck.content(t("deck.no_result", model=s.label), bullets(s.notes + s.curve_notes + s.confusion_notes))
            return
        self.deck.cards(t("deck.best_result", model=s.label), [("", stat_pairs(r.stats[:2])),
                                                               ("", stat_pairs(r.stats[2:]))], bullets(r.facts, 18))
        self.deck.content(t("deck.loss_curve", model=s.label), bullets(s.curve_notes, 14), picture(s.loss_curve))
        self.deck.content(t("deck.accuracy_curve", model=s.label), bullets(r.curve_facts), picture(s.accuracy_curve))
        self.deck.content(t("deck.confusion", model=s.label), bullets(s.confusion_notes, 14), picture(r.confusion))
        self.table(t("deck.per_class", model=s.label), r.per_class)
        for case in r.feature_maps:
            title = t("deck.feature_correct" if case.correct else "deck.feature_wrong", model=s.label)
            self.deck.content(title, bullets(case.notes, 14), picture(case.figure))

    # --- across models ---------------------------------------------------------------------

    def comparison(self) -> None:
        t, doc, c = self.t, self.doc, self.doc.comparison
        self.deck.section_slide(t("deck.comparison"), " vs ".join(s.label for s in doc.models))
        self.deck.cards(t("deck.accuracy_cards"), [(label, stat_pairs(stats)) for label, stats in c.cards])
        self.table(t("deck.performance"), c.table, 16)
        curves = [c.loss_overlay, c.accuracy_overlay]
        self.deck.pictures(t("deck.overlaid_curves"), [(p, fig.caption) for fig in curves if (p := picture(fig))])
        if p := picture(c.per_class_figure):
            self.deck.pictures(t("deck.per_class_comparison"), [(p, c.per_class_figure.caption)])
        self.table(t("deck.per_class_comparison"), c.per_class_accuracy)
        self.table(t("deck.training_log"), doc.training_log, 16)
        self.deck.content(t("deck.comparison_analysis"), bullets(c.notes, 16))

    def tuning(self) -> None:
        tu = self.doc.tuning
        lines = [tu.intro, tu.strategy] + ([tu.best] if tu.best else [])
        self.deck.content(self.t("deck.tuning"), bullets(lines, 15), picture(tu.figure))
        self.table(self.t("deck.tuning"), tu.space)

    # --- the whole deck --------------------------------------------------------------------

    def write(self) -> bytes:
        t, doc = self.t, self.doc
        sections = ([t("deck.members")] if doc.front.authors else []) + [
            t("deck.objectives"), t("deck.dataset"), t("deck.methodology")]
        sections += [t("deck.architecture", model=s.label) for s in doc.models]
        sections += ([t("deck.tuning")] if doc.tuning else []) + (
            [t("deck.comparison")] if doc.comparison else []) + [t("deck.conclusion")]
        self.title()
        self.contents(sections)
        if doc.front.authors:
            self.members()
        self.objectives()
        self.dataset()
        self.methodology()
        for section in doc.models:
            self.model(section)
        if doc.tuning:
            self.tuning()
        if doc.comparison:
            self.comparison()
        self.deck.content(t("deck.conclusion"), bullets(doc.conclusion + doc.discussion, 16))
        self.deck.section_slide(t("deck.thanks"))
        return self.deck.to_bytes()


def render_pptx(doc: Document) -> bytes:
    return DeckWriter(doc).write()
