"""The PPTX deck's slide plan: the report document laid out as the reference deck
(cnn-vs-resnet18-cifar10-slides) is, slide by slide: title, contents, members, objectives, dataset,
methodology, then per model its architecture, best result, curves, confusion matrix and per-class
metrics and the Grad-CAM of its feature-map images, then the tuning search, the comparison
(accuracy, per-class accuracy, training log), conclusion and thanks; after it, the report's
appendix as backup slides.

Every string on a slide is the document's: its sections' tables, figures and sentences, found by
their ids, and the deck's own titles and cards (Document.deck). The python-pptx writer is pptx.py.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportgen.figures.cache import picture_bytes
from reportgen.renderers.code import code_pages
from reportgen.renderers.layout import THEME, Para
from reportgen.renderers.pptx import Deck
from reportgen.report.document import (CodeListing, Document, Figure, FigureRow, Group, ModelSlides, Prose, Section,
                                      Stat, Table)
from reportgen.report.notes import user_notes

CODE_SIZE = 11  # points: a 120-character line of code fits the slide's width


def bullets(lines: list[str], size: float = 16) -> list[Para]:
    return [Para(line, size, bullet=True) for line in lines]


def setting_lines(table: Table | None) -> list[str]:
    """A two-column settings table (setting, value) as "setting: value" lines for a bullet list."""
    return [f"{setting}: {value}" for setting, value in table.rows] if table else []


def stat_pairs(stats: list[Stat]) -> list[tuple[str, str]]:
    """(value, label) per card; a stat's 95% interval goes under its label."""
    return [(s.value, f"{s.label} · {s.interval}" if s.interval else s.label) for s in stats]


# A slide of an explained figure: its title, the figure (None: not drawn) and its sentences.
Explained = tuple[str, Figure | None, list[str]]


def absent(*figures: Figure | None) -> list[str]:
    """The sentences standing for figures that could not be drawn."""
    return [figure.absent for figure in figures if figure is not None and figure.path is None]


def titled_groups(section: Section | None) -> list[Group]:
    """The titled groups of a section (a Grad-CAM figure with its sentences): a slide each."""
    return [b for b in section.blocks if isinstance(b, Group)] if isinstance(section, Section) else []


def explained(group: Group, figure: Figure | None = None) -> Explained:
    """A group as a slide: its title, its figure (or `figure`, when the figure is elsewhere), its sentences."""
    figure = figure or next((b for b in group.blocks if isinstance(b, Figure)), None)
    return group.title, figure, [s for b in group.blocks if isinstance(b, Prose) for s in b.sentences]


class DeckWriter:
    def __init__(self, doc: Document):
        self.doc, self.titles = doc, doc.deck.titles
        self.deck = Deck(footer=doc.front.title, continued=doc.words.continued)

    def picture(self, figure: Figure | None) -> io.BytesIO | None:
        """A figure's picture, or None when it could not be drawn."""
        return self.run_file(figure.path) if figure is not None and figure.path is not None else None

    def run_file(self, path: Path) -> io.BytesIO:
        """A picture of the run, read only from inside the run directory."""
        return io.BytesIO(picture_bytes(path, self.doc.run))

    def table(self, title: str, table: Table | None, size: float = 14) -> None:
        if table is not None and table.rows:
            self.deck.table(title, table.header, table.rows, table.aligns, size)

    def see(self, key: str) -> list[str]:
        """The sentence pointing to an appendix part (its backup slides), when the part has content."""
        return self.doc.sentences(f"see-{key}")

    # --- opening ---------------------------------------------------------------------------

    def title(self) -> None:
        front = self.doc.front
        details = [front.course, front.assignment, front.authors_line, front.date]
        self.deck.title_slide(front.title, front.subtitle, [x for x in details if x],
                              self.run_file(front.logo) if front.logo else None)

    def contents(self, sections: list[str]) -> None:
        self.deck.content(self.titles["toc"], [Para(f"{i:02d}.  {s}", 20) for i, s in enumerate(sections, 1)])

    def members(self) -> None:
        paras = []
        for author in self.doc.front.authors:
            paras += [Para(author.name, 22, bold=True, space_before=14, keep_with_next=True),
                      Para(author.id, 16, space_before=2)]
        self.deck.content(self.titles["members"], paras)

    def objectives(self) -> None:
        paras = []
        for i, text in enumerate(self.doc.sentences("list-objectives"), 1):
            paras += [Para(f"{i:02d}.", 20, bold=True, color=THEME.accent, space_before=14, keep_with_next=True),
                      Para(text, 18, space_before=2)]
        self.deck.content(self.titles["objectives"], paras)

    def dataset(self) -> None:
        doc = self.doc
        samples = doc.figure("figure-samples")
        lines = setting_lines(doc.table("table-dataset")) + absent(samples)
        self.deck.content(self.titles["dataset"], bullets(lines, 15), self.picture(samples))

    def methodology(self) -> None:
        doc = self.doc
        chart = doc.figure("figure-class-distribution")
        lines = doc.sentences("text-seed-note") + setting_lines(doc.table("table-environment")) + absent(chart)
        # The class distribution is part of preparing the data: its chart (counts on the bars) beside.
        self.deck.content(self.titles["methodology"], bullets(lines), self.picture(chart))
        self.table(self.titles["training"], doc.table("table-training"))  # every model's recipe side by side

    # --- per model -------------------------------------------------------------------------

    def model(self, ms: ModelSlides) -> None:
        doc, key, titles = self.doc, ms.key, ms.titles
        self.deck.section_slide(ms.name, ms.subtitle)
        self.table(titles["stages"], doc.table(f"table-stages-{key}"))
        curves = doc.sentences(f"text-curves-{key}")
        confusion = doc.sentences(f"text-confusion-{key}")
        if not ms.cards:
            self.deck.content(titles["no_result"], bullets(doc.sentences(f"text-notes-{key}") + curves + confusion))
            return
        # The calibration's summary sentence stays here; its diagram and the rest are backup slides.
        # One column, read top to bottom: train → validation → test, then F1 (two columns of two
        # cards read as train, test, validation).
        calibration = doc.sentences(f"text-calibration-{key}")
        self.deck.cards(titles["best_result"], [("", stat_pairs(ms.cards))],
                        bullets(ms.facts + calibration[:1] + self.see("calibration"), 16))
        self.table(titles["history"], doc.table(f"table-history-{key}"))
        self.table(titles["seeds"], doc.table(f"table-seeds-{key}"))  # its "42 (figures)" row: the seed shown
        figures = [doc.figure(f"figure-{kind}-{key}") for kind in ("loss", "accuracy")]
        curves += absent(*figures)
        shown = [(path, fig.caption) for fig in figures if (path := self.picture(fig))]
        if shown:
            self.deck.pictures_over_text(titles["curves"], shown, bullets(curves, 14))
        elif curves:
            self.deck.content(titles["curves"], bullets(curves, 14))
        # The matrix (its counts over its row shares) beside its per-class table and what the
        # narrative says of both.
        per_class = doc.table(f"table-per-class-{key}")
        matrices = [self.picture(doc.figure(f"figure-confusion-{key}")),
                    self.picture(doc.figure(f"figure-confusion-normalized-{key}"))]
        self.deck.beside(titles["confusion"], [p for p in matrices if p], bullets(confusion, 12),
                         (per_class.header, per_class.rows, per_class.aligns, 10) if per_class else None)
        top = doc.figure(f"figure-confusion-top-{key}")
        if path := self.picture(top):
            self.deck.pictures(titles["confusion"], [(path, top.caption)])
        items = [explained(group) for group in titled_groups(doc.find(f"explanation-{key}"))]
        if items:
            self.explained(items, doc.sentences(f"text-explanation-{key}"),
                           self.see("feature_maps") + self.see("explanation"), 12)

    def feature_maps(self, ms: ModelSlides) -> None:
        """The correct and the wrong case on one slide, one above the other."""
        cases = [(figure, self.doc.sentences(f"text-featuremaps-{kind}-{ms.key}")) for kind in ("correct", "wrong")
                 if (figure := self.doc.figure(f"figure-featuremaps-{kind}-{ms.key}"))]
        if cases:
            self.deck.beside(ms.titles["feature_maps"], [p for figure, _ in cases if (p := self.picture(figure))],
                             [para for figure, notes in cases for para in
                              [Para(figure.caption, 12, bold=True, keep_with_next=True)]
                              + bullets(absent(figure) + notes, 12)])

    def explained(self, items: list[Explained], lead: list[str] = (), after: list[str] = (), size: float = 14) -> None:
        """A slide per Grad-CAM figure with its sentences beside it; `lead` opens the first slide and
        `after` (pointers to the backup slides) ends it. A figure without sentences takes the whole
        slide, over its caption."""
        for i, (title, figure, own) in enumerate(items):
            own = absent(figure) + own
            notes = [*lead, *own, *after] if i == 0 else own
            if notes or not self.picture(figure):
                self.deck.content(title, bullets(notes, size), self.picture(figure))
            else:
                self.deck.pictures(title, [(self.picture(figure), figure.caption)])

    # --- across models ---------------------------------------------------------------------

    def comparison(self) -> None:
        doc, titles = self.doc, self.titles
        self.deck.section_slide(titles["comparison"], " vs ".join(ms.name for ms in doc.deck.models))
        self.deck.cards(titles["accuracy_cards"], [(c.heading, stat_pairs(c.stats)) for c in doc.deck.cards])
        self.table(titles["performance"], doc.table("table-comparison"), 16)
        self.table(titles["pair_tests"], doc.table("table-pairs"), 14)
        curves = [doc.figure("figure-overlay-loss"), doc.figure("figure-overlay-accuracy")]
        self.deck.pictures(titles["overlaid_curves"], [(p, fig.caption) for fig in curves if (p := self.picture(fig))])
        per_class = doc.figure("figure-per-class")
        if p := self.picture(per_class):
            self.deck.pictures(titles["per_class_comparison"], [(p, per_class.caption)])
        self.table(titles["per_class_comparison"], doc.deck.per_class_accuracy)
        self.table(titles["training_log"], doc.table("table-training-log"), 16)
        notes = absent(*curves, per_class) + doc.sentences("text-comparison")
        self.deck.content(titles["comparison_analysis"], bullets(notes + self.see("disagreements"), 16))
        if doc.table("table-seed-summary"):
            self.table(titles["seeds_summary"], doc.table("table-seed-summary"), 16)
            self.table(titles["seeds_per_seed"], doc.table("table-seed-accuracy"), 16)
            self.deck.content(titles["seeds_tests"], bullets(doc.sentences("text-seed-tests"), 16))

    def tuning(self) -> None:
        doc = self.doc
        figure = doc.figure("figure-tuning")
        lines = [s for key in ("intro", "strategy", "best") for s in doc.sentences(f"text-tuning-{key}")]
        self.deck.content(self.titles["tuning"], bullets(lines + absent(figure), 15), self.picture(figure))
        self.table(self.titles["tuning"], doc.table("table-tuning-space"))
        trials = doc.table("table-trials")
        if trials:  # its caption says which trials it shows: the slide's title
            self.table(trials.title, trials, 12)

    def closing(self) -> None:
        """As the report ends: the statement of tools used, the references and the links, on one slide."""
        doc, titles = self.doc, self.titles
        tools, papers, links = (doc.sentences(id) for id in ("text-tools", "list-references", "list-links"))
        paras = [Para(titles["tools_heading"], 14, bold=True, keep_with_next=True)] if tools else []
        paras += [Para(p, 13, space_before=4) for p in tools]
        if papers:
            paras += [Para(titles["references_heading"], 14, bold=True, space_before=10, keep_with_next=True)]
            paras += bullets(papers, 12)
        if links:
            paras += [Para(titles["links_heading"], 14, bold=True, space_before=10, keep_with_next=True)]
            paras += bullets(links, 12)
        if paras:
            self.deck.content(titles["references"], paras)

    # --- the whole deck --------------------------------------------------------------------

    def write(self) -> bytes:
        doc, titles = self.doc, self.titles
        sections = ([titles["members"]] if doc.front.authors else []) + [
            titles["objectives"], titles["dataset"], titles["methodology"]]
        sections += [ms.titles["architecture"] for ms in doc.deck.models]
        sections += ([titles["tuning"]] if doc.find("tuning") else []) + (
            [titles["comparison"]] if doc.find("comparison") else []) + [titles["conclusion"]]
        self.title()
        self.contents(sections)
        if doc.front.authors:
            self.members()
        self.objectives()
        self.dataset()
        self.methodology()
        for ms in doc.deck.models:
            self.model(ms)
        if doc.find("tuning"):
            self.tuning()
        if doc.find("comparison"):
            self.comparison()
        qualitative = doc.table("table-qualitative")
        if qualitative:  # the reference deck's closing table, with the key insight under it
            self.deck.beside(titles["qualitative"], [], [Para(s, 15) for s in doc.sentences("text-insight")],
                             (qualitative.header, qualitative.rows, qualitative.aligns, 14))
        self.deck.content(titles["conclusion"],
                          bullets(doc.sentences("list-conclusion") + doc.sentences("list-discussion"), 16))
        for section, blocks in user_notes(doc):  # the user's own words, a slide per section they wrote for
            self.deck.content(section.title, bullets([line for block in blocks for line in block.sentences], 16))
        self.closing()
        self.deck.section_slide(titles["thanks"])
        self.backup()
        return self.deck.to_bytes()

    def code(self, ms: ModelSlides) -> None:
        """A model's code: its walkthrough, then the listing, as many slides as it needs."""
        doc, key = self.doc, ms.key
        listing = doc.find(f"code-listing-{key}")
        if not isinstance(listing, CodeListing):
            return
        facts = doc.sentences(f"text-code-facts-{key}") + doc.sentences(f"text-code-origin-{key}")
        paras = [*[Para(s, 14) for s in doc.sentences(f"text-code-intro-{key}")],
                 *bullets(doc.sentences(f"list-code-steps-{key}"), 13), *[Para(line, 14) for line in facts]]
        self.deck.content(ms.titles["walkthrough"], paras)
        self.deck.code(ms.titles["code"], code_pages(listing.source, CODE_SIZE), CODE_SIZE)

    def backup(self) -> None:
        """The report's appendix after the main deck, for questions: a divider per part, under the
        part's heading, so the main slides' pointers ("Lampiran B") lead here."""
        doc, titles = self.doc, self.titles
        if not doc.appendix:
            return
        self.deck.section_slide(titles["backup"], " · ".join(part.heading for part in doc.appendix))
        for part in doc.appendix:
            self.deck.section_slide(part.heading)
            self.backup_part(part)

    def backup_part(self, part: Section) -> None:
        """One appendix part's slides: per model where the part holds something per model."""
        doc, key = self.doc, part.id.removeprefix("appendix-")
        for ms in doc.deck.models:
            if key == "layers":
                self.table(ms.titles["layers"], doc.table(f"table-layers-{ms.key}"), 10)  # nine columns
            elif key == "code":
                self.code(ms)
            elif key == "feature_maps":
                self.feature_maps(ms)
            elif key == "calibration" and (figure := doc.figure(f"figure-reliability-{ms.key}")):
                self.deck.content(ms.titles["reliability"], bullets(doc.sentences(f"text-calibration-{ms.key}"), 14),
                                  self.picture(figure))
            elif key == "explanation":
                self.explained([explained(group) for group in titled_groups(doc.find(f"explanation-detail-{ms.key}"))])
        if key == "variants":
            self.deck.content(part.heading, [Para(s, 14) for s in doc.sentences("text-variants")]
                              + bullets(doc.sentences("list-variants"), 12))
        elif key == "class_distribution":  # the chart is on the methodology slide
            self.table(part.heading, doc.table("table-class-distribution"), 12)
        elif key == "disagreements":  # each pair's figure beside the body's sentences on it
            self.explained([explained(group, doc.figure(group.id.replace("group-", "figure-", 1)))
                            for group in titled_groups(doc.find("disagreements"))])
        elif key == "lr_schedule":
            figures = [f for row in part.blocks if isinstance(row, FigureRow) for f in row.figures]
            self.deck.pictures(self.titles["lr_schedule"], [(p, f.caption) for f in figures if (p := self.picture(f))])


def render_pptx(doc: Document) -> bytes:
    return DeckWriter(doc).write()
