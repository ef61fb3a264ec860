"""The report document: a format-free tree of numbered sections holding blocks (prose, lists,
tables, figures, code), every number in it already a formatted string and every word in the
document's language. It is the renderers' only input: the PDF, the HTML page and the deck lay out
the same strings, and a renderer prints no word the document does not hold.

- A `Section` has a stable `id` (its anchor), a `title`, its `blocks` and its `subsections`; the
  body and the appendix are lists of sections. The document numbers them ("3.2", appendix "A").
- Tables and figures are numbered once, by the document, in reading order, so every renderer and
  every cross-reference (`Ref`) agrees on "Tabel 5".
- Text is a list of inline parts: plain strings, `Ref` (a link to a section, table or figure of the
  document, whose words the document fills in: "Lampiran B", "Tabel 5"), `Cite` (a citation of a
  paper of the references list, numbered by the document: "[1]"), `Link` (a web address) and
  `Emphasis`.

The tree is built from the analysis by the modules of reportgen.report, one per part of the
document; `Document.find` looks any section or block up by its id, as a slide plan does.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, Union

if TYPE_CHECKING:
    from reportgen.figures.cache import Drawings

# --- inline text -----------------------------------------------------------------------------------


@dataclass
class Ref:
    """A cross-reference to the section, table or figure with id `target`. Its text is the
    target's label ("Lampiran B", "Tabel 5", "Gambar 3"), filled in when the document is numbered."""

    target: str
    text: str = ""
    tag: ClassVar[str] = "ref"


@dataclass
class Cite:
    """A citation of the paper with bibliography key `key` (templates/references.toml), which the
    references list must hold. Its text is the paper's number there ("[1]"), filled in when the
    document is numbered."""

    key: str
    text: str = ""
    tag: ClassVar[str] = "cite"


def cite_label(number: int) -> str:
    """How a citation and its entry in the references list are numbered: "[1]"."""
    return f"[{number}]"


@dataclass(frozen=True)
class Link:
    """A web address, shown as a link and never fetched."""

    text: str
    url: str
    tag: ClassVar[str] = "link"


@dataclass(frozen=True)
class Emphasis:
    text: str
    strong: bool = True  # bold; False: italic
    tag: ClassVar[str] = "emphasis"


Inline = Union[str, Ref, Cite, Link, Emphasis]
Text = list[Inline]


def plain(parts: Text | str) -> str:
    """Inline parts as plain text, for a format without links or emphasis (a slide title)."""
    return parts if isinstance(parts, str) else "".join(p if isinstance(p, str) else p.text for p in parts)


def text(parts: Text | str) -> Text:
    return [parts] if isinstance(parts, str) else list(parts)


# --- blocks ----------------------------------------------------------------------------------------


@dataclass
class Prose:
    """A run of paragraphs; `role` tells a renderer what they are: "" (body text), "note" (what could
    not be computed), "pointer" (a sentence pointing to another part), "small" (a source line),
    "legend" (small print under a table, mostly class names: never hyphenated), "detail" (the appendix's sentences on one picture, which print as one paragraph)."""

    paragraphs: list[Text]
    id: str = ""
    role: str = ""
    tag: ClassVar[str] = "prose"

    def __post_init__(self):
        self.paragraphs = [text(p) for p in self.paragraphs]

    @property
    def sentences(self) -> list[str]:
        return [plain(p) for p in self.paragraphs]


@dataclass
class ItemList:
    """A bullet list, or a numbered one; `role` as Prose's ("references": the bibliography, each
    item the paper whose bibliography key is `keys`' at the same place)."""

    items: list[Text]
    numbered: bool = False
    id: str = ""
    role: str = ""
    keys: list[str] = field(default_factory=list)
    tag: ClassVar[str] = "list"

    def __post_init__(self):
        self.items = [text(i) for i in self.items]
        if self.keys and len(self.keys) != len(self.items):
            raise ValueError("a references list needs one bibliography key per paper")

    @property
    def sentences(self) -> list[str]:
        return [plain(i) for i in self.items]


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned, so the digits of its cells line up

    @property
    def align(self) -> str:
        return "right" if self.numeric else "left"


@dataclass
class Table:
    """A numbered table; `role` names a table that needs its own layout ("layers": names indented
    by depth, "trials": values that stay whole, "family": a cell's lines one per model)."""

    id: str
    caption: Text
    columns: list[Column]
    rows: list[list[str]]
    emphasis_rows: int = 0  # trailing summary rows (totals, averages) shown in bold
    role: str = ""
    number: int = 0  # set by the document
    label: str = ""  # "Tabel 5", set by the document
    tag: ClassVar[str] = "table"

    def __post_init__(self):
        self.caption = text(self.caption)

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def aligns(self) -> list[str]:
        return [c.align for c in self.columns]

    @property
    def title(self) -> str:
        return plain(self.caption)


@dataclass
class Figure:
    """A numbered figure: a file of the run (`path`, absolute, inside the run directory; drawn in the
    document's language by reportgen.figures when a renderer first reads it). `kind` is
    "plot" (a chart: a vector format suits it) or "image" (pixels: photographs, maps); `vector` is a
    plot as a PDF, there when the document is built for a format that prints vectors (the LaTeX
    project) and drawn as `path` is; `short` is a short title (a slide's); `alt` describes it for a reader who cannot see it."""

    id: str
    caption: str
    path: Path | None  # the PNG in the document's language; None when it cannot be drawn
    absent: str = ""  # then the sentence shown in its place, saying why (the figure is not numbered)
    kind: Literal["plot", "image"] = "plot"
    vector: Path | None = None
    alt: str = ""
    short: str = ""
    role: str = ""  # "samples": a grid of sample images, shown smaller
    number: int = 0
    label: str = ""
    tag: ClassVar[str] = "figure"

    def __post_init__(self):
        self.alt = self.alt or self.caption


@dataclass
class FigureRow:
    """Figures side by side (a model's loss and accuracy curves)."""

    figures: list[Figure]
    tag: ClassVar[str] = "figure_row"


@dataclass
class Beside:
    """A figure and a table side by side where there is room (a confusion matrix and its per-class
    table), one above the other where there is not."""

    figure: Figure
    table: Table
    tag: ClassVar[str] = "beside"


@dataclass
class CodeListing:
    """Source code, highlighted by each renderer, under an unnumbered caption. A long document prints
    `printed` (None: the whole source), the part no earlier listing shows ("" when an earlier one
    shows all of it), after `repeat`, the sentence naming what it leaves out and where that is
    printed (variants of one model share most of their code); a slide shows the whole source
    beside its model."""

    id: str
    caption: str
    source: str
    language: str = "python"
    printed: str | None = None
    repeat: str = ""
    tag: ClassVar[str] = "code"

    def __post_init__(self):
        if self.printed is None:
            self.printed = self.source


@dataclass(frozen=True)
class Stat:
    """A headline number with its label (a card)."""

    value: str
    label: str
    interval: str = ""  # e.g. "IK 95% [85,10%; 92,30%]"


@dataclass
class StatCards:
    """Cards of headline numbers, under a heading (a model's name)."""

    heading: str
    stats: list[Stat]
    id: str = ""
    tag: ClassVar[str] = "cards"


@dataclass
class Group:
    """Blocks that belong together: `keep` asks a page-based format to keep them on one page; a
    `title` (not printed in the report) names the group for a slide that shows it."""

    blocks: list[Block]
    id: str = ""
    title: str = ""
    keep: bool = True
    tag: ClassVar[str] = "group"


Block = Union[Prose, ItemList, Table, Figure, FigureRow, Beside, CodeListing, StatCards, Group]


def blocks_in(block: Block) -> Iterator[Block]:
    """The block and the blocks inside it, in reading order."""
    yield block
    if isinstance(block, Group):
        for inner in block.blocks:
            yield from blocks_in(inner)
    elif isinstance(block, FigureRow):
        yield from block.figures
    elif isinstance(block, Beside):
        yield from (block.figure, block.table)


# --- sections --------------------------------------------------------------------------------------


@dataclass
class Section:
    """A section: `numbered` False for one without a number (the references). The document sets
    `number` ("3.2", or the appendix's "A") and `label` (how it is referred to: "3.2", "Lampiran A")."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    numbered: bool = True
    number: str = ""
    label: str = ""

    @property
    def heading(self) -> str:
        return f"{self.label} {self.title}" if self.label else self.title

    @property
    def empty(self) -> bool:
        return not self.blocks and not self.subsections

    def nodes(self) -> Iterator[Section | Block]:
        """The section, its blocks (and the blocks inside them), then its subsections', in reading order."""
        yield self
        for block in self.blocks:
            yield from blocks_in(block)
        for sub in self.subsections:
            yield from sub.nodes()


@dataclass(frozen=True)
class Author:
    name: str
    id: str


@dataclass
class TitleBlock:
    """The report's first lines: its title and the facts about it, each with its label."""

    title: str
    subtitle: str
    date: str
    logo: Path | None  # the run's copy of [report] logo
    authors: list[Author]
    authors_line: str  # the names in a sentence: "Ani dan Budi"
    labels: dict[str, str]  # of its rows: course, assignment, authors, date; and the logo's description
    course: str = ""
    assignment: str = ""


@dataclass(frozen=True)
class Words:
    """The words a renderer prints around the document's own: the labels of numbered things and of
    the table of contents, and the suffix of a continued slide."""

    table: str  # "Tabel"
    figure: str  # "Gambar"
    appendix: str  # "Lampiran"
    contents: str  # "Daftar Isi"
    continued: str  # "(lanjutan)"


@dataclass
class ModelSlides:
    """A model's slide titles (by what the slide shows: "best_result", "curves", ...) and headline
    numbers; `key` is the suffix of the ids of its parts in the document ("table-final-<key>")."""

    key: str
    name: str
    subtitle: str  # what it is and how many parameters it has: its divider's line
    titles: dict[str, str]
    cards: list[Stat]  # training, validation and evaluated accuracy, macro F1 (empty: no result)
    facts: list[str]  # best epoch, training time, parameters


@dataclass
class Chart:
    """A chart the deck draws as a native, editable chart: the analysis's own values (None: no
    value, e.g. an epoch a model did not run), one series per name over `categories`; `percent`:
    fractions shown as percentages; `log`: a logarithmic value axis (values spanning decades)."""

    kind: Literal["bar", "line"]
    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    percent: bool
    log: bool = False


@dataclass
class DeckText:
    """What only the deck shows: the titles of its slides, by what each shows, the headline
    numbers on cards and the charts it draws natively; everything else on a slide is the document's."""

    titles: dict[str, str]
    models: list[ModelSlides]
    cards: list[StatCards]  # the accuracies of every model with a result, side by side
    per_class_accuracy: Table | None = None  # class x model (None: fewer than two models with a result)
    charts: dict[str, Chart] = field(default_factory=dict)  # "accuracy", "per_class", "val_acc", "val_loss"
    template: Path | None = None  # report.pptx_template: the .pptx whose masters and layouts the deck uses


@dataclass
class Document:
    lang: str
    run: Path  # the run directory: every figure (and the logo) is a file inside it, read only from there
    front: TitleBlock
    body: list[Section]
    appendix: list[Section]  # lettered parts after the body, each pointed to from it
    words: Words
    deck: DeckText | None = None  # the deck's own words: its slide titles and headline numbers
    # paints each figure when a renderer first reads its file: held as long as the document is
    drawings: Drawings | None = field(default=None, repr=False, compare=False)
    _index: dict[str, Section | Block] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        self.refresh()

    # --- numbering ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Drops empty sections, numbers sections, tables and figures in reading order, fills in
        every reference's words and every citation's number, and indexes the ids; again after the
        tree is changed."""
        self.body = prune(self.body)
        self.appendix = prune(self.appendix)
        number_sections(self.body, "")
        for letter, part in zip(string.ascii_uppercase, self.appendix):
            part.number, part.label = letter, f"{self.words.appendix} {letter}"
            for sub in part.subsections:
                clear_numbers(sub)
        counts = {"table": 0, "figure": 0}
        self._index = {}
        for node in self.nodes():
            if getattr(node, "id", ""):
                if node.id in self._index:
                    raise ValueError(f"two parts of the document have the id {node.id!r}")
                self._index[node.id] = node
            if isinstance(node, Table) or isinstance(node, Figure) and node.path is not None:
                counts[node.tag] += 1
                node.number = counts[node.tag]
                node.label = f"{getattr(self.words, node.tag)} {node.number}"
        for ref in self.refs():
            target = self._index.get(ref.target)
            if target is None:
                raise ValueError(f"a reference to {ref.target!r}, which the document does not have")
            ref.text = target.label or getattr(target, "caption", "")  # a figure not drawn has no number
        numbers = {key: n for n, key in enumerate(self.bibliography(), 1)}
        for cite in self.cites():
            if cite.key not in numbers:
                raise ValueError(f"a citation of {cite.key!r}, which the references list does not hold")
            cite.text = cite_label(numbers[cite.key])

    def sections(self) -> Iterator[Section]:
        """Every section, body then appendix, each before its subsections."""
        return (node for node in self.nodes() if isinstance(node, Section))

    def nodes(self) -> Iterator[Section | Block]:
        """Every section and block in reading order, body then appendix."""
        for section in [*self.body, *self.appendix]:
            yield from section.nodes()

    def refs(self) -> Iterator[Ref]:
        return self._inline(Ref)

    def cites(self) -> Iterator[Cite]:
        return self._inline(Cite)

    def bibliography(self) -> list[str]:
        """The bibliography keys of the references list, in its order ([] when it has none)."""
        return next((node.keys for node in self.nodes() if isinstance(node, ItemList) and node.role == "references"),
                    [])

    def _inline(self, kind: type) -> Iterator:
        for node in self.nodes():
            for parts in texts_of(node):
                yield from (p for p in parts if isinstance(p, kind))

    # --- lookup ------------------------------------------------------------------------------

    def find(self, id: str) -> Section | Block | None:
        return self._index.get(id)

    def section(self, name: str) -> Section | None:
        """The section whose id or title is `name` (a title in any letter case): where a user's
        notes for "Diskusi" go."""
        by_id = self._index.get(name)
        if isinstance(by_id, Section):
            return by_id
        return next((s for s in self.sections() if s.title.casefold() == name.casefold()), None)

    def table(self, id: str) -> Table | None:
        return self._typed(id, Table)

    def figure(self, id: str) -> Figure | None:
        return self._typed(id, Figure)

    def sentences(self, id: str) -> list[str]:
        """The sentences of the prose or list with this id ([] when the document has none)."""
        block = self.find(id)
        return block.sentences if isinstance(block, (Prose, ItemList)) else []

    def _typed(self, id: str, kind: type):
        node = self._index.get(id)
        return node if isinstance(node, kind) else None


def prune(sections: list[Section]) -> list[Section]:
    """The sections with content: a heading with nothing under it is no section."""
    for s in sections:
        s.subsections = prune(s.subsections)
    return [s for s in sections if not s.empty]


def number_sections(sections: list[Section], prefix: str, depth: int = 1) -> None:
    """1, 1.1 for the first two levels of numbered sections; deeper ones are headed by title alone."""
    count = 0
    for s in sections:
        if s.numbered and depth <= 2:
            count += 1
            s.number = s.label = f"{prefix}{count}"
            number_sections(s.subsections, f"{s.number}.", depth + 1)
        else:
            clear_numbers(s)


def clear_numbers(section: Section) -> None:
    section.number = section.label = ""
    for sub in section.subsections:
        clear_numbers(sub)


def texts_of(node: Section | Block) -> list[Text]:
    """The inline texts a node holds (its paragraphs, items or caption)."""
    if isinstance(node, Prose):
        return node.paragraphs
    if isinstance(node, ItemList):
        return node.items
    if isinstance(node, Table):
        return [node.caption]
    return []
