"""The PPTX deck: the report document laid out as the reference deck (cnn-vs-resnet18-cifar10-slides)
is, slide by slide: title, contents, members, objectives, dataset, methodology, then per model its
architecture, hyper-parameters, best result, curves, confusion matrix, per-class metrics and the
Grad-CAM of its feature-map images, then the tuning search, the comparison (accuracy, per-class
accuracy, training log), conclusion and thanks; after it, the report's appendix as backup slides.

Every string on a slide is the document's or a slide title from the phrase table (deck.toml);
the python-pptx writer is pptx.py.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.renderers.code import code_pages
from reportgen.renderers.pptx import Deck
from reportgen.renderers.layout import THEME, Para
from reportgen.report.document import (CodeListing, Document, ExplainedFigure, FeatureMapCase, Figure, ModelSection,
                                      Stat, Table)


CODE_SIZE = 11  # points: a 120-character line of code fits the slide's width

def bullets(lines: list[str], size: float = 16) -> list[Para]:
    return [Para(line, size, bullet=True) for line in lines]


def setting_lines(table: Table) -> list[str]:
    """A two-column settings table (setting, value) as "setting: value" lines for a bullet list."""
    return [f"{setting}: {value}" for setting, value in table.rows]


def picture(figure: Figure | None) -> Path | None:
    """A figure's file, or None when it could not be drawn."""
    return figure.path if figure is not None and figure.path is not None else None


def absent(*figures: Figure | None) -> list[str]:
    """The sentences standing for figures that could not be drawn."""
    return [figure.absent for figure in figures if figure is not None and figure.path is None]


def stat_pairs(stats: list[Stat]) -> list[tuple[str, str]]:
    """(value, label) per card; a stat's 95% interval goes under its label."""
    return [(s.value, f"{s.label} · {s.interval}" if s.interval else s.label) for s in stats]


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
        details = [front.course, front.assignment, Formatter(self.doc.lang).listing([a.name for a in front.authors]),
                   front.date]
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
        self.deck.content(self.t("deck.dataset"), bullets(setting_lines(d.table) + absent(d.samples), 15),
                          picture(d.samples))

    def methodology(self) -> None:
        lines = [self.doc.dataset.seed_note] + setting_lines(self.doc.environment)
        lines += absent(self.doc.dataset.distribution_figure)
        # The class distribution is part of preparing the data: its chart (counts on the bars) beside.
        self.deck.content(self.t("deck.methodology"), bullets(lines), picture(self.doc.dataset.distribution_figure))
        self.table(self.t("deck.layout.training"), self.doc.training)  # every model's recipe side by side

    # --- per model -------------------------------------------------------------------------

    def model(self, s: ModelSection) -> None:
        t = self.t
        # The divider names the model by its label and says what it is; the registry id stays off it.
        self.deck.section_slide(s.label, " ".join(filter(None, [s.description, t("ui.facts.params", params=s.params)])))
        self.table(t("deck.layout.stages", model=s.label), s.stages)
        r = s.result
        if r is None:
            self.deck.content(t("deck.no_result", model=s.label), bullets(s.notes + s.curve_notes + s.confusion_notes))
            return
        # The calibration's summary sentence stays here; its diagram and the rest are backup slides.
        # One column, read top to bottom: train → validation → test, then F1 (two columns of two
        # cards read as train, test, validation).
        self.deck.cards(t("deck.best_result", model=s.label), [("", stat_pairs(r.stats))],
                        bullets(r.facts + r.calibration_notes[:1] + self.see("calibration"), 16))
        self.table(t("deck.layout.history", model=s.label), s.history)
        if s.seeds:  # its "42 (figures)" row says which seed the slides of this model show
            self.table(t("deck.seeds.model", model=s.label), s.seeds.table)
        curves = [(p, fig.caption) for fig in (s.loss_curve, s.accuracy_curve) if (p := picture(fig))]
        curve_notes = s.curve_notes + absent(s.loss_curve, s.accuracy_curve)
        if curves:
            self.deck.pictures_over_text(t("deck.layout.curves", model=s.label), curves, bullets(curve_notes, 14))
        elif curve_notes:
            self.deck.content(t("deck.layout.curves", model=s.label), bullets(curve_notes, 14))
        # The matrix (its counts over its row shares) beside its per-class table and what the
        # narrative says of both.
        pc = r.per_class
        self.deck.beside(t("deck.confusion", model=s.label),
                         [p for p in [picture(r.confusion), picture(r.confusion_normalized)] if p],
                         bullets(s.confusion_notes, 12), (pc.header, pc.rows, pc.aligns, 10) if pc else None)
        if p := picture(r.confusion_top):
            self.deck.pictures(t("deck.confusion", model=s.label), [(p, r.confusion_top.caption)])
        if r.explanation:
            self.explained(r.explanation.figures, r.explanation.overview,
                           self.see("feature_maps") + self.see("explanation"), 12)

    def feature_maps(self, label: str, cases: list[FeatureMapCase]) -> None:
        """The correct and the wrong case on one slide, one above the other."""
        self.deck.beside(self.t("deck.layout.feature_maps", model=label),
                         [p for case in cases if (p := picture(case.figure))],
                         [para for case in cases for para in
                          [Para(case.figure.caption, 12, bold=True, keep_with_next=True)]
                          + bullets(absent(case.figure) + case.notes, 12)])

    def explained(self, items: list[ExplainedFigure], lead: list[str] = (), after: list[str] = (),
                  size: float = 14) -> None:
        """A slide per Grad-CAM figure with its sentences beside it; `lead` opens the first slide and
        `after` (pointers to the backup slides) ends it. A figure without sentences takes the whole
        slide, over its caption."""
        for i, item in enumerate(items):
            notes = [*lead, *absent(item.figure), *item.notes, *after] if i == 0 else absent(item.figure) + item.notes
            if notes or not picture(item.figure):
                self.deck.content(item.heading, bullets(notes, size), picture(item.figure))
            else:
                self.deck.pictures(item.heading, [(picture(item.figure), item.figure.caption)])

    # --- across models ---------------------------------------------------------------------

    def comparison(self) -> None:
        t, doc, c = self.t, self.doc, self.doc.comparison
        self.deck.section_slide(t("deck.comparison"), " vs ".join(s.label for s in doc.models))
        self.deck.cards(t("deck.accuracy_cards"), [(label, stat_pairs(stats)) for label, stats in c.cards])
        self.table(t("deck.performance"), c.table, 16)
        self.table(t("deck.stats.pair_tests"), c.pairs, 14)
        curves = [c.loss_overlay, c.accuracy_overlay]
        self.deck.pictures(t("deck.overlaid_curves"), [(p, fig.caption) for fig in curves if (p := picture(fig))])
        if p := picture(c.per_class_figure):
            self.deck.pictures(t("deck.per_class_comparison"), [(p, c.per_class_figure.caption)])
        self.table(t("deck.per_class_comparison"), c.per_class_accuracy)
        self.table(t("deck.training_log"), doc.training_log, 16)
        notes = absent(c.loss_overlay, c.accuracy_overlay, c.per_class_figure) + c.notes
        self.deck.content(t("deck.comparison_analysis"), bullets(notes + self.see("disagreements"), 16))
        if c.seeds:
            self.table(t("deck.seeds.summary"), c.seeds.table, 16)
            self.table(t("deck.seeds.per_seed"), c.seeds.per_seed, 16)
            self.deck.content(t("deck.seeds.tests"), bullets(c.seeds.notes, 16))

    def tuning(self) -> None:
        tu = self.doc.tuning
        lines = [tu.intro, tu.strategy] + [line for line in (tu.best, tu.importance) if line] + absent(tu.figure)
        self.deck.content(self.t("deck.tuning"), bullets(lines, 15), picture(tu.figure))
        self.table(self.t("deck.tuning"), tu.space)
        if tu.trials:  # its caption says which trials it shows: the slide's title
            self.table(tu.trials.caption, tu.trials, 12)

    def closing(self) -> None:
        """As the report ends: the statement of tools used, the references and the links, on one slide."""
        doc, t = self.doc, self.t
        paras = [Para(t("ui.closing.tools"), 14, bold=True, keep_with_next=True)] if doc.tools else []
        paras += [Para(p, 13, space_before=4) for p in doc.tools]
        if doc.references:
            paras += [Para(t("ui.references"), 14, bold=True, space_before=10, keep_with_next=True)]
            paras += bullets(doc.references, 12)
        if doc.links:
            paras += [Para(t("ui.closing.links"), 14, bold=True, space_before=10, keep_with_next=True)]
            paras += bullets([f"{link.label}: {link.url}" for link in doc.links], 12)
        if paras:
            self.deck.content(t("deck.qualitative.references"), paras)


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
        if doc.qualitative:  # the reference deck's closing table, with the key insight under it
            q = doc.qualitative
            self.deck.beside(t("deck.qualitative.table"), [], [Para(f"{t('ui.qualitative.insight')}: {q.insight}", 15)]
                             if q.insight else [], (q.table.header, q.table.rows, q.table.aligns, 14))
        self.deck.content(t("deck.conclusion"), bullets(doc.conclusion + doc.discussion, 16))
        self.closing()
        self.deck.section_slide(t("deck.thanks"))
        self.backup()
        return self.deck.to_bytes()

    def see(self, key: str) -> list[str]:
        """The sentence pointing to an appendix part (its backup slides), when the part has content."""
        part = self.doc.part(key)
        return [part.reference] if part else []

    def code(self, listing: CodeListing) -> None:
        """A model's code: its walkthrough, then the listing, as many slides as it needs."""
        t = self.t
        paras = [Para(listing.intro, 14), *bullets(listing.steps, 13),
                 *[Para(line, 14) for line in [*listing.facts, listing.origin]]]
        self.deck.content(t("code.walkthrough_heading", model=listing.model), paras)
        self.deck.code(listing.heading, code_pages(listing.source, CODE_SIZE), CODE_SIZE)

    def backup(self) -> None:
        """The report's appendix after the main deck, for questions: a divider per part, under the
        part's heading, so the main slides' pointers ("Lampiran B") lead here."""
        t, doc = self.t, self.doc
        if not doc.appendix:
            return
        self.deck.section_slide(t("deck.layout.backup"), " · ".join(p.heading for p in doc.appendix))
        for part in doc.appendix:
            self.deck.section_slide(part.heading)
            for s in doc.models:
                r = s.result
                if part.key == "layers":
                    self.table(t("deck.layers", model=s.label), s.layers, 10)  # nine columns
                elif part.key == "code" and s.code:
                    self.code(s.code)
                elif part.key == "feature_maps" and r and r.feature_maps:
                    self.feature_maps(s.label, r.feature_maps)
                elif part.key == "calibration" and r and r.reliability:
                    self.deck.content(t("deck.stats.reliability", model=s.label), bullets(r.calibration_notes, 14),
                                      picture(r.reliability))
                elif part.key == "explanation" and r and r.explanation:
                    self.explained(r.explanation.detail)
            if part.key == "variants":
                self.deck.content(part.heading, [Para(doc.qualitative.intro, 14)] + bullets(
                    [" ".join(filter(None, [f"{v.label}:", v.hypothesis, v.outcome, *v.limits]))
                     for v in doc.qualitative.variants], 12))
            if part.key == "class_distribution" and doc.dataset.distribution:  # the chart is on the methodology slide
                self.table(part.heading, doc.dataset.distribution, 12)
            if part.key == "disagreements":
                self.explained(doc.disagreements)
            if part.key == "lr_schedule":
                self.deck.pictures(t("ui.layout.appendix_lr_schedule"),
                                   [(p, s.lr_schedule.caption) for s in doc.models if (p := picture(s.lr_schedule))])


def render_pptx(doc: Document) -> bytes:
    return DeckWriter(doc).write()
