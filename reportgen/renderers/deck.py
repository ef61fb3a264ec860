"""The PPTX deck's slide plan: the report document laid out as the reference deck
(cnn-vs-resnet18-cifar10-slides) tells it: title, contents, members, objectives, dataset,
methodology and training recipes, each model's code beside its plain-language steps, the tuning
grid, its trials and best configuration, then the results summarised across models (accuracy,
significance, curves, each confusion matrix on a slide of its own, per-class accuracy, training
log, analysis, seeds), Grad-CAM and feature maps of all models, the qualitative table, conclusion,
references and thanks; after it, backup slides for questions, several models to a slide.

A slide holds its title, its figure or table and at most MAX_BULLETS bullets; the sentences that
explain it are its speaker notes. Every string on a slide or in its notes is the document's: its
sections' tables, figures and sentences, found by their ids, and the deck's own titles and cards
(Document.deck). The python-pptx writer is pptx.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from reportgen.figures.cache import picture_bytes
from reportgen.renderers.code import code_pages
from reportgen.renderers.layout import LAYOUT, THEME, Para
from reportgen.renderers.pptx import Deck, Notes
from reportgen.report.document import (CodeListing, Document, Figure, Group, ModelSlides, Prose, Section,
                                      Stat, Table, cite_label)
from reportgen.report.notes import user_notes

CODE_SIZE = 11  # points: the smallest type the deck uses, so the code beside its steps keeps ~80 characters a line
BODY_SIZE = 16  # points: bullets and text on content slides (never under 14)
TABLE_SIZE = 14  # points: tables (wide ones 12, never under)
MAX_BULLETS = 5  # bullets on one slide; the rest of what explains it is in its notes
PER_SLIDE = 4  # pictures of one kind, one per model, on one slide (two rows of two)
# Cards of more models than this, beside the chart, cut the models' names: the chart says the same.
MAX_CARD_MODELS = 2


def bullets(lines: Iterable[str], size: float = BODY_SIZE) -> list[Para]:
    """At most MAX_BULLETS lines as bullets; the caller puts every line in the slide's notes."""
    return [Para(line, size, bullet=True) for line in list(lines)[:MAX_BULLETS]]


def setting_lines(table: Table | None) -> list[str]:
    """A two-column settings table (setting, value) as "setting: value" lines, for notes."""
    return [f"{setting}: {value}" for setting, value in table.rows] if table else []


def stat_pairs(stats: list[Stat]) -> list[tuple[str, str]]:
    """(value, label) per card; a stat's 95% interval goes under its label."""
    return [(s.value, f"{s.label} · {s.interval}" if s.interval else s.label) for s in stats]


def titled_groups(section: Section | None) -> list[Group]:
    """The titled groups of a section (a Grad-CAM figure with its sentences)."""
    return [b for b in section.blocks if isinstance(b, Group)] if isinstance(section, Section) else []


def group_sentences(group: Group) -> list[str]:
    return [s for b in group.blocks if isinstance(b, Prose) for s in b.sentences]


class DeckWriter:
    def __init__(self, doc: Document):
        self.doc, self.titles = doc, doc.deck.titles
        self.deck = Deck(footer=doc.front.title, continued=doc.words.continued, template=doc.deck.template)

    def picture(self, figure: Figure | None) -> io.BytesIO | None:
        """A figure's picture, or None when it could not be drawn."""
        return self.run_file(figure.path) if figure is not None and figure.path is not None else None

    def shown(self, figures: Iterable[Figure | None]) -> list[tuple[io.BytesIO, str]]:
        """The figures the analysis could make, each with its caption (also its alt text)."""
        return [(p, figure.caption) for figure in figures if (p := self.picture(figure))]

    def described(self, figure: Figure | None) -> tuple[io.BytesIO, str] | None:
        """A figure shown without a caption: its picture with its alt text."""
        picture = self.picture(figure)
        return (picture, figure.alt) if picture else None

    def run_file(self, path: Path) -> io.BytesIO:
        """A picture of the run, read only from inside the run directory."""
        return io.BytesIO(picture_bytes(path, self.doc.run))

    def table(self, title: str, table: Table | None, notes: Notes, size: float = TABLE_SIZE) -> None:
        if table is not None and table.rows:
            self.deck.table(title, table.header, table.rows, table.aligns, notes or [table.title], size)

    def grid(self, title: str, figures: Iterable[Figure | None], notes: Notes) -> None:
        """One figure per model, PER_SLIDE to a slide: small multiples instead of a slide per model."""
        figures = list(figures)
        items = self.shown(figures)
        # A figure that could not be drawn is the sentence saying why (reportgen.figures)
        absent = [figure.absent for figure in figures if figure is not None and figure.path is None]
        if items:
            self.deck.pictures(title, items, (notes or [caption for _, caption in items]) + absent, PER_SLIDE)
        elif absent:
            self.deck.content(title, bullets(absent), absent)

    def text(self, *ids: str) -> list[str]:
        """The sentences of the document's blocks `ids`, in order (missing ones say nothing)."""
        return [s for id in ids for s in self.doc.sentences(id)]

    def per_model(self, *patterns: str) -> list[str]:
        """The sentences of each model's blocks, e.g. per_model("text-curves-{key}")."""
        return self.text(*(pattern.format(key=ms.key) for ms in self.doc.deck.models for pattern in patterns))

    # --- opening ---------------------------------------------------------------------------

    def title(self) -> None:
        front = self.doc.front
        details = [front.course, front.assignment, front.authors_line, front.date]
        logo = (self.run_file(front.logo), front.title) if front.logo else None
        self.deck.title_slide(front.title, front.subtitle, [x for x in details if x],
                              self.text("text-introduction") or [front.title], logo)

    def contents(self, sections: list[str]) -> None:
        self.deck.content(self.titles["toc"], [Para(f"{i:02d}.  {s}", 20) for i, s in enumerate(sections, 1)],
                          self.text("text-introduction") or sections)

    def members(self) -> None:
        paras = []
        for author in self.doc.front.authors:
            paras += [Para(author.name, 22, bold=True, space_before=14, keep_with_next=True),
                      Para(author.id, 16, space_before=2)]
        self.deck.content(self.titles["members"], paras, [self.doc.front.authors_line])

    def objectives(self) -> None:
        paras = []
        objectives = self.text("list-objectives")
        for i, text in enumerate(objectives, 1):
            paras += [Para(f"{i:02d}.", 20, bold=True, color=THEME.accent, space_before=14, keep_with_next=True),
                      Para(text, 18, space_before=2)]
        self.deck.content(self.titles["objectives"], paras, self.text("text-introduction") + objectives)

    def dataset(self) -> None:
        """The dataset's settings beside its sample images."""
        doc = self.doc
        table = doc.table("table-dataset")
        samples = self.described(doc.figure("figure-samples"))
        self.deck.beside(self.titles["dataset"], [samples] if samples else [], [],
                         setting_lines(table) + self.text("text-seed-note", "see-class_distribution"),
                         (table.header, table.rows, table.aligns, TABLE_SIZE) if table else None)

    def methodology(self) -> None:
        """The environment beside the class distribution (preparing the data), then every model's
        training recipe side by side."""
        doc = self.doc
        table = doc.table("table-environment")
        chart = self.described(doc.figure("figure-class-distribution"))
        self.deck.beside(self.titles["methodology"], [chart] if chart else [], bullets(self.text("text-seed-note")),
                         self.text("text-seed-note") + setting_lines(table),
                         (table.header, table.rows, table.aligns, TABLE_SIZE) if table else None)
        self.table(self.titles["training"], doc.table("table-training"),
                   self.per_model("text-description-{key}") + self.text("see-layers", "see-code"))

    def code(self, ms: ModelSlides) -> None:
        """A model's code beside its plain-language steps: the first page of the listing (the whole
        listing is the report's appendix) and the steps its notes explain in full."""
        listing = self.doc.find(f"code-listing-{ms.key}")
        if not isinstance(listing, CodeListing):
            return
        key = ms.key
        steps = self.text(f"list-code-steps-{key}")
        notes = [ms.subtitle] + self.text(f"text-code-intro-{key}") + steps + self.text(
            f"text-code-facts-{key}", f"text-code-origin-{key}", "see-code")
        page = code_pages(listing.source, CODE_SIZE, LAYOUT.code_beside()[0])[0]
        self.deck.code_beside(ms.titles["architecture"], page, CODE_SIZE, bullets(steps, 14), notes)

    def tuning(self) -> None:
        """The search as the reference deck tells it: the grid, the trials, the best configuration."""
        doc, title = self.doc, self.titles["tuning"]
        intro = self.text("text-tuning-intro", "text-tuning-strategy")
        self.table(title, doc.table("table-tuning-space"), intro)
        trials = doc.table("table-trials")
        if trials:  # its caption says which trials it shows: the slide's title
            self.table(trials.title, trials, self.text("text-tuning-strategy") or [trials.title], 12)
        best = self.text("text-tuning-best")
        self.deck.content(self.titles["tuning_best"], bullets(best), best or [title],
                          self.described(doc.figure("figure-tuning")))

    # --- results, across models ----------------------------------------------------------------

    def results(self) -> None:
        doc, titles = self.doc, self.titles
        models = doc.deck.models
        facts = [f"{ms.name}: {'; '.join(ms.facts)}" for ms in models if ms.facts]
        charts = doc.deck.charts
        accuracy_notes = facts + self.per_model("text-calibration-{key}")
        if doc.deck.cards and len(doc.deck.cards) <= MAX_CARD_MODELS:
            self.deck.cards(titles["accuracy_cards"], [(c.heading, stat_pairs(c.stats)) for c in doc.deck.cards],
                            accuracy_notes, charts.get("accuracy"))
        elif "accuracy" in charts:
            self.deck.charts(titles["accuracy_cards"], [charts["accuracy"]], accuracy_notes)
        self.table(titles["performance"], doc.table("table-comparison"), facts + self.per_model("text-curves-{key}"))
        pairs = doc.table("table-pairs")
        if pairs and len(pairs.rows) <= LAYOUT.max_table_rows:  # more pairs than a slide holds: a backup slide
            self.table(titles["pair_tests"], pairs, self.text("text-comparison"))
        curves_notes = self.per_model("text-curves-{key}") + self.text("see-lr_schedule")
        if "val_acc" in charts:
            self.deck.charts(titles["overlaid_curves"], [charts["val_loss"], charts["val_acc"]], curves_notes)
        else:
            self.grid(titles["overlaid_curves"], [doc.figure("figure-curves")], curves_notes)
        for ms in models:
            self.confusion(ms)
        if "per_class" in charts:
            self.deck.charts(titles["per_class_comparison"], [charts["per_class"]], self.per_model("text-confusion-{key}"))
        else:
            self.grid(titles["per_class_comparison"], [doc.figure("figure-per-class")],
                      self.per_model("text-confusion-{key}"))
        self.table(titles["training_log"], doc.table("table-training-log"), self.per_model("text-curves-{key}"))
        analysis = self.text("text-comparison")
        self.deck.content(titles["comparison_analysis"], bullets(analysis),
                          analysis + self.text("see-disagreements") or [titles["comparison_analysis"]])
        self.table(titles["seeds_summary"], doc.table("table-seed-summary"),
                   self.per_model("text-seeds-{key}") + self.text("text-seed-tests"))

    def confusion(self, ms: ModelSlides) -> None:
        """A model's confusion matrix on a slide of its own (its most-confused classes when the
        analysis drew them: a matrix of many classes is unreadable whole)."""
        doc, key = self.doc, ms.key
        figure = doc.figure(f"figure-confusion-top-{key}") or doc.figure(f"figure-confusion-{key}")
        notes = self.text(f"text-confusion-{key}", f"text-calibration-{key}", "see-calibration")
        if ms.cards:
            self.grid(ms.titles["confusion"], [figure], notes)
        else:
            lines = self.text(f"text-notes-{key}", f"text-curves-{key}", f"text-confusion-{key}")
            self.deck.content(ms.titles["no_result"], bullets(lines), lines or [ms.name])

    def explanation(self) -> None:
        """Grad-CAM of every model on one slide, then the feature maps of every model beside it."""
        doc = self.doc
        self.grid(self.titles["gradcam"], [doc.figure(f"figure-cam-cases-{ms.key}") for ms in doc.deck.models],
                  self.per_model("text-explanation-{key}", "text-cam-cases-{key}") + self.text("see-explanation"))
        self.grid(self.titles["feature_maps"],
                  [doc.figure(f"figure-featuremaps-correct-{ms.key}") for ms in doc.deck.models],
                  self.per_model("text-featuremaps-correct-{key}") + self.text("see-feature_maps"))

    # --- closing ---------------------------------------------------------------------------

    def closing(self) -> None:
        """As the report ends: the qualitative table, the conclusion, and the statement of tools
        used, the references and the links on one slide."""
        doc, titles = self.doc, self.titles
        qualitative = doc.table("table-qualitative")
        if qualitative:  # the reference deck's closing table, with the key insight under it
            insight = self.text("text-insight")
            self.deck.beside(titles["qualitative"], [], [Para(s, 15) for s in insight[:1]],
                             insight + self.text("see-variants") or [qualitative.title],
                             (qualitative.header, qualitative.rows, qualitative.aligns, TABLE_SIZE))
        conclusion = self.text("list-conclusion")
        self.deck.content(titles["conclusion"], bullets(conclusion),
                          conclusion + self.text("list-discussion") or [titles["conclusion"]])
        for section, blocks in user_notes(doc):  # the user's own words, a slide per section they wrote for
            lines = [line for block in blocks for line in block.sentences]
            self.deck.content(section.title, bullets(lines), lines or [section.title])
        tools, papers, links = (self.text(id) for id in ("text-tools", "list-references", "list-links"))
        paras = [Para(titles["tools_heading"], 14, bold=True, keep_with_next=True)] if tools else []
        paras += [Para(p, 14, space_before=4) for p in tools]
        if papers:
            paras += [Para(titles["references_heading"], 14, bold=True, space_before=10, keep_with_next=True)]
            # numbered as the notes cite them ("[1]")
            paras += [Para(f"{cite_label(n)} {p}", 14) for n, p in enumerate(papers, 1)]
        if links:
            paras += [Para(titles["links_heading"], 14, bold=True, space_before=10, keep_with_next=True)]
            paras += [Para(p, 14, bullet=True) for p in links]
        if paras:
            self.deck.content(titles["references"], paras, tools + papers + links)
        self.deck.section_slide(titles["thanks"], "", conclusion[:1] or [titles["thanks"]])

    # --- the whole deck --------------------------------------------------------------------

    def write(self) -> bytes:
        doc, titles = self.doc, self.titles
        sections = ([titles["members"]] if doc.front.authors else []) + [
            titles["objectives"], titles["dataset"], titles["methodology"]]
        sections += [titles["architectures"]]
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
            self.code(ms)
        if doc.find("tuning"):
            self.tuning()
        self.results()
        self.explanation()
        self.closing()
        self.backup()
        return self.deck.to_bytes()

    # --- backup slides ---------------------------------------------------------------------

    def backup(self) -> None:
        """For questions, after the thanks: one divider, then the detail the main slides summarise,
        several models to a slide; each slide's notes say which part of the report's appendix it
        comes from."""
        doc, titles = self.doc, self.titles
        parts = {part.id.removeprefix("appendix-"): part for part in doc.appendix}
        if not parts:
            return
        self.deck.section_slide(titles["backup"], " · ".join(part.heading for part in doc.appendix),
                                [part.heading for part in doc.appendix])
        models = doc.deck.models

        def heading(key: str) -> list[str]:
            return [parts[key].heading] if key in parts else []

        for ms in models:
            self.table(ms.titles["stages"], doc.table(f"table-stages-{ms.key}"),
                       self.text(f"text-description-{ms.key}") + heading("layers"))
        pairs = doc.table("table-pairs")
        if pairs and len(pairs.rows) > LAYOUT.max_table_rows:
            self.table(titles["pair_tests"], pairs, self.text("text-comparison"), 12)
        for ms in models:
            self.table(ms.titles["per_class"], doc.table(f"table-per-class-{ms.key}"), self.text(f"text-confusion-{ms.key}"))
        self.table(titles["per_class_comparison"], doc.deck.per_class_accuracy, self.per_model("text-confusion-{key}"), 12)
        self.table(titles["seeds_per_seed"], doc.table("table-seed-accuracy"), self.text("text-seed-tests"))
        self.grid(titles["reliability"], [doc.figure("figure-reliability")],
                  self.per_model("text-calibration-{key}") + heading("calibration"))
        self.grid(titles["feature_maps_wrong"], [doc.figure(f"figure-featuremaps-wrong-{ms.key}") for ms in models],
                  self.per_model("text-featuremaps-wrong-{key}") + heading("feature_maps"))
        for kind in ("per_class", "gallery"):
            self.grid(titles[f"gradcam_{kind}"], [doc.figure(f"figure-cam-{kind}-{ms.key}") for ms in models],
                      self.per_model(f"text-cam-{kind}-{{key}}") + heading("explanation"))
        pairs = titled_groups(doc.find("disagreements"))
        self.grid(titles["disagreements"], [doc.figure(group.id.replace("group-", "figure-", 1)) for group in pairs],
                  [s for group in pairs for s in group_sentences(group)] + heading("disagreements"))
        if "lr_schedule" in parts:
            self.grid(titles["lr_schedule"], [doc.figure("figure-lr")], heading("lr_schedule"))
        if "variants" in parts:  # one bullet per model, MAX_BULLETS to a slide
            variants, title = self.text("list-variants"), parts["variants"].heading
            for start in range(0, len(variants), MAX_BULLETS):
                self.deck.content(title if start == 0 else f"{title} {doc.words.continued}",
                                  bullets(variants[start:], 14), self.text("text-variants") + variants)
        if "class_distribution" in parts:  # the chart is on the methodology slide
            self.table(parts["class_distribution"].heading, doc.table("table-class-distribution"),
                       heading("class_distribution"), 12)


def render_pptx(doc: Document) -> bytes:
    return DeckWriter(doc).write()
