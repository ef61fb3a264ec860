"""The deck's layout, decided without python-pptx (as python-pptx's own text/layout.py fits text
with nothing but a font file): where every box on every kind of slide goes, how paragraphs wrap
into pages, how a title shrinks to stay on its slide, how wide table columns are and which rows
share a slide, and how large a picture is. pptx.py only writes what is decided here.

The guarantees the deck makes are kept here, once:
- text is wrapped with the real font (textfit.py) and its height counted with an exact line
  pitch; what does not fit a box moves to a continuation page;
- a table page holds at most `max_table_rows` body rows and fits its box, header repeated;
- a picture is scaled to fit its box with its aspect ratio kept;
- all text passes through textfit.clean (XML-forbidden characters dropped).
All geometry is in points (960 x 540 for 13.333 x 7.5 in).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO
from typing import Literal

from reportgen.imagefile import image_size
from reportgen.renderers.textfit import WIDTH_SLACK, clean, line_pitch, text_width, wrap

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Theme:
    """The deck's colours as RRGGBB hex (pptx.py turns them into python-pptx colours)."""

    ink: str = "222933"
    primary: str = "1B2A41"  # titles, header rows, divider background
    accent: str = "E07A1F"  # rules, big numbers, bullets
    muted: str = "6B7280"
    band: str = "EEF1F5"  # alternate table rows, cards
    paper: str = "FFFFFF"


THEME = Theme()


@dataclass(frozen=True)
class Para:
    """One paragraph in a single style; `bullet` gives it a hanging-indent bullet."""

    text: str
    size: float = 16.0
    bold: bool = False
    bullet: bool = False
    color: str | None = None  # RRGGBB; None takes the colour of the box it is written in
    space_before: float = 6.0
    align: Align = "left"
    keep_with_next: bool = False  # a label ("01.", a name) never ends a page without what it labels


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


# What one text box holds: its paragraphs, each with its wrapped lines.
Page = list[tuple[Para, list[str]]]
# One table row as laid out: every cell's wrapped lines, and the row's height.
Row = tuple[list[list[str]], float]


@dataclass(frozen=True)
class Layout:
    """All of the deck's geometry; the boxes of each kind of slide are derived from it."""

    slide_w: float = 960.0
    slide_h: float = 540.0
    margin: float = 40.0
    content_top: float = 100.0
    content_bottom: float = 496.0
    inset: float = 4.0  # text frame inner margin on every side
    bullet_indent: float = 18.0
    # A content slide: title over a short accent rule; footer and slide number share the bottom line.
    title_y: float = 22.0
    title_h: float = 62.0
    rule_y: float = 88.0
    rule_w: float = 72.0
    rule_h: float = 4.0
    footer_y: float = 508.0
    footer_h: float = 22.0
    number_w: float = 60.0
    # Title and section slides: a coloured background and a longer, thicker rule.
    cover_rule_w: float = 96.0
    cover_rule_h: float = 5.0
    cover_title_y: float = 110.0
    cover_title_h: float = 180.0
    cover_rule_y: float = 300.0
    cover_details_y: float = 318.0
    cover_details_h: float = 180.0
    cover_logo_y: float = 30.0
    cover_logo_w: float = 180.0
    cover_logo_h: float = 64.0
    cover_logo_pad: float = 6.0
    divider_rule_y: float = 200.0
    divider_title_y: float = 215.0
    divider_title_h: float = 200.0
    # Text beside a picture: the picture takes this share of the content width.
    picture_share: float = 0.58
    picture_gap: float = 12.0
    # Pictures side by side, each over its caption.
    pictures_per_slide: int = 2
    gap: float = 16.0  # between pictures, and between card columns
    caption_h: float = 30.0
    caption_gap: float = 4.0
    code_share: float = 0.6  # of the content width: code beside its steps
    min_text_h: float = 60.0  # room for less text than this beside a table is left empty
    # Stat cards: a heading over each column of cards; a chart of the same numbers beside them.
    cards_share: float = 0.6  # of the content width, when there is a chart beside the cards
    card_head_h: float = 34.0
    card_gap: float = 8.0
    # Tables.
    max_table_rows: int = 12
    max_table_stretch: float = 2.0  # a two-column table stretched across the slide reads badly
    cell_pad_x: float = 5.0
    cell_pad_y: float = 3.0

    def _across(self, y: float, h: float) -> Box:
        return Box(self.margin, y, self.slide_w - 2 * self.margin, h)

    @property
    def slide(self) -> Box:
        return Box(0, 0, self.slide_w, self.slide_h)

    @property
    def content(self) -> Box:
        return self._across(self.content_top, self.content_bottom - self.content_top)

    # --- a content slide's frame -------------------------------------------------------------

    @property
    def title(self) -> Box:
        return self._across(self.title_y, self.title_h)

    @property
    def rule(self) -> Box:
        return Box(self.margin + self.inset, self.rule_y, self.rule_w, self.rule_h)

    @property
    def footer(self) -> Box:
        return Box(self.margin, self.footer_y, self.slide_w - 2 * self.margin - self.number_w, self.footer_h)

    @property
    def number(self) -> Box:
        return Box(self.slide_w - self.margin - self.number_w, self.footer_y, self.number_w, self.footer_h)

    # --- title and section slides ------------------------------------------------------------

    def cover(self, divider: bool = False) -> tuple[Box, Box]:
        """(accent rule, title) boxes of the title slide, or of a section divider."""
        rule_y, title_y, title_h = ((self.divider_rule_y, self.divider_title_y, self.divider_title_h) if divider
                                    else (self.cover_rule_y, self.cover_title_y, self.cover_title_h))
        rule = Box(self.margin + self.inset, rule_y, self.cover_rule_w, self.cover_rule_h)
        return rule, self._across(title_y, title_h)

    @property
    def cover_logo(self) -> Box:
        """The title slide's logo, top right, clear of the title."""
        return Box(self.slide_w - self.margin - self.cover_logo_w, self.cover_logo_y, self.cover_logo_w,
                   self.cover_logo_h)

    @property
    def cover_details(self) -> Box:
        return self._across(self.cover_details_y, self.cover_details_h)

    # --- content areas -----------------------------------------------------------------------

    def beside_picture(self) -> tuple[Box, Box]:
        """(picture, text) boxes of a slide with a picture on the left of its text."""
        c = self.content
        split = c.w * self.picture_share
        return (Box(c.x, c.y, split, c.h),
                Box(c.x + split + self.picture_gap, c.y, c.w - split - self.picture_gap, c.h))

    def stack(self, box: Box, n: int) -> list[Box]:
        """`box` split into `n` boxes one above the other, `gap` apart."""
        h = (box.h - self.gap * (n - 1)) / n
        return [Box(box.x, box.y + k * (h + self.gap), box.w, h) for k in range(n)]

    def columns(self, n: int, width: float) -> list[Box]:
        """`n` equal columns `gap` apart across `width` from the content's left edge."""
        c = self.content
        w = (width - self.gap * (n - 1)) / n
        return [Box(c.x + k * (w + self.gap), c.y, w, c.h) for k in range(n)]

    def picture_row(self, n: int, height: float | None = None) -> list[tuple[Box, Box]]:
        """(picture, caption) boxes of `n` pictures side by side, in the top `height` of the
        content (all of it by default)."""
        h = self.content.h if height is None else height
        return [(Box(col.x, col.y, col.w, h - self.caption_h - self.caption_gap),
                 Box(col.x, col.y + h - self.caption_h, col.w, self.caption_h))
                for col in self.columns(n, self.content.w)]

    def picture_grid(self, n: int, tall: bool = False) -> list[tuple[Box, Box]]:
        """(picture, caption) boxes of `n` pictures: side by side up to three (four `tall` ones,
        which a second row would shrink), else in two rows."""
        if n <= 3 or (tall and n <= 4):
            return self.picture_row(n)
        per_row = math.ceil(n / 2)
        c = self.content
        h = (c.h - self.gap) / 2
        return [(Box(col.x, col.y + k * (h + self.gap), col.w, h - self.caption_h - self.caption_gap),
                 Box(col.x, col.y + k * (h + self.gap) + h - self.caption_h, col.w, self.caption_h))
                for k in range(2) for col in self.columns(per_row, c.w)][:n]

    def code_beside(self) -> tuple[Box, Box]:
        """(code, text) boxes of a slide with code on the left of its plain-language steps."""
        c = self.content
        split = c.w * self.code_share
        return (Box(c.x, c.y, split, c.h),
                Box(c.x + split + self.picture_gap, c.y, c.w - split - self.picture_gap, c.h))

    def card_grid(self, n_columns: int, side: bool) -> tuple[list[Box], Box | None]:
        """The card columns, and the box beside them (a chart of the same numbers) when asked for."""
        c = self.content
        width = c.w * self.cards_share if side else c.w
        beside = Box(c.x + width + self.gap, c.y, c.w - width - self.gap, c.h) if side else None
        return self.columns(n_columns, width), beside

    def card_stack(self, column: Box, n: int) -> tuple[Box, list[Box]]:
        """A card column's heading box and its `n` cards, stacked under the heading."""
        top = self.card_head_h + self.card_gap
        h = (column.h - top) / max(n, 1) - self.card_gap
        return (Box(column.x, column.y, column.w, self.card_head_h),
                [Box(column.x, column.y + top + k * (h + self.card_gap), column.w, h) for k in range(n)])


LAYOUT = Layout()


# --- text ------------------------------------------------------------------------------------


def _lines(para: Para, width: float, layout: Layout) -> list[str]:
    indent = layout.bullet_indent if para.bullet else 0
    return wrap(clean(para.text), para.size, width - 2 * layout.inset - indent, para.bold)


def _height(para: Para, n_lines: int) -> float:
    return para.space_before + n_lines * line_pitch(para.size)


def paginate(paras: list[Para], box: Box, layout: Layout = LAYOUT) -> list[Page]:
    """Wrapped paragraphs split into pages that each fit `box`. A paragraph that does not fit
    moves whole to the next page; only one taller than a whole page is split between lines (its
    second part carrying just the remaining text, unbulleted)."""
    pages: list[Page] = [[]]
    used = 2 * layout.inset
    pending = list(paras)
    while pending:
        para = pending.pop(0)
        lines = _lines(para, box.w, layout)
        height = _height(para, len(lines))
        # What it labels moves whole when it does not fit, so it must fit whole after the label.
        follower = (_height(pending[0], len(_lines(pending[0], box.w, layout)))
                    if para.keep_with_next and pending else 0)
        if used + height <= box.h and (used + height + follower <= box.h or not pages[-1]):
            pages[-1].append((para, lines))
            used += height
            continue
        if not pages[-1]:
            room = int((box.h - used - para.space_before) // line_pitch(para.size))
            take = max(room, 1)  # a box too small for one line still shows one (nothing else could)
            pages[-1].append((para, lines[:take]))
            pending.insert(0, replace(para, text=" ".join(lines[take:]), bullet=False))
        else:
            pending.insert(0, para)
        pages.append([])
        used = 2 * layout.inset
    return [page for page in pages if page] or [[]]


def flow(paras: list[Para], first: Box, rest: Box, layout: Layout = LAYOUT) -> list[Page]:
    """A text slide's page in `first`, then continuation pages in `rest`; the overflow is
    re-wrapped, since continuation slides may be wider (they have no picture)."""
    pages = paginate(paras, first, layout)
    overflow = [para for page in pages[1:] for para, _ in page]
    return pages[:1] + (paginate(overflow, rest, layout) if overflow else [])


def shrink_to_fit(paras: list[Para], box: Box, min_scale: float = 0.45, layout: Layout = LAYOUT) -> Page:
    """For titles and cards, which must stay on their slide: every font size times the largest
    scale, in hundredths from `min_scale` to 1, at which the text fits `box` on one page, found by
    binary search (smaller text never needs more room). If it does not fit even at `min_scale`,
    the lines that still do not fit are dropped and the last kept one ends with an ellipsis."""
    def pages_at(hundredths: int) -> list[Page]:
        return paginate([replace(p, size=p.size * hundredths / 100) for p in paras], box, layout)

    lo, hi = round(min_scale * 100), 100
    pages = pages_at(hi)
    if len(pages) == 1:
        return pages[0]
    fitting = pages_at(lo)
    if len(fitting) > 1:
        page = fitting[0]
        if page:
            para, lines = page[-1]
            last = lines[-1]
            # Drop a whole word (or two characters) for the ellipsis, so the line gets no wider.
            page[-1] = (para, lines[:-1] + [(last.rsplit(" ", 1)[0] if " " in last else last[:-2]) + "…"])
        return page
    while hi - lo > 1:  # the text fits at lo and not at hi
        mid = (lo + hi) // 2
        pages = pages_at(mid)
        if len(pages) == 1:
            lo, fitting = mid, pages
        else:
            hi = mid
    return fitting[0]


# --- pictures --------------------------------------------------------------------------------


# A picture to place: a file, or one already read into memory (the deck reads a run's pictures
# through reportgen.rundir, never by path).
Picture = Path | BinaryIO


def fit_picture(picture: Picture, box: Box) -> Box:
    """The largest box with the image's aspect ratio inside `box`, centred."""
    iw, ih = image_size(picture)  # a picture of at most MAX_PIXELS, or one line naming it
    scale = min(box.w / iw, box.h / ih)
    w, h = iw * scale, ih * scale
    return Box(box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h)


def pictures_beside(paths: list[Picture], layout: Layout = LAYOUT) -> tuple[list[Box], Box]:
    """Pictures stacked in the left part of the content (at most `picture_share` of its width, as
    wide as the widest needs at its height), and the box beside them, which takes the rest."""
    c = layout.content
    column, _ = layout.beside_picture()
    boxes = layout.stack(column, len(paths)) if paths else []  # none: the box beside them is the whole content
    fits = [fit_picture(path, box) for path, box in zip(paths, boxes)]
    width = max((f.w for f in fits), default=0)
    placed = [Box(c.x + (width - f.w) / 2, f.y, f.w, f.h) for f in fits]
    left = width + layout.picture_gap if fits else 0
    return placed, Box(c.x + left, c.y, c.w - left, c.h)


# --- tables ----------------------------------------------------------------------------------


def _column_widths(header: list[str], rows: list[list[str]], size: float, width: float,
                   layout: Layout = LAYOUT) -> list[float]:
    """Column widths in the way browsers lay out auto tables: every column gets at least its
    longest word (so words are not cut), and the rest of the width goes to the columns in
    proportion to how much more they would need to hold their text on one line."""
    def widths(measure) -> list[float]:
        # wrap() keeps WIDTH_SLACK in hand, so a column holds its text only if widened by it.
        return [max([measure(clean(h), True)] + [measure(clean(r[i]), False) for r in rows]) / WIDTH_SLACK
                + 2 * layout.cell_pad_x + 1 for i, h in enumerate(header)]

    natural = widths(lambda text, bold: text_width(text, size, bold))
    if sum(natural) <= width:
        return [w * min(width / sum(natural), layout.max_table_stretch) for w in natural]
    longest_word = widths(lambda text, bold: max(text_width(word, size, bold) for word in text.split(" ")))
    if sum(longest_word) >= width:
        return [w * width / sum(longest_word) for w in longest_word]
    spare, wanted = width - sum(longest_word), sum(natural) - sum(longest_word)
    return [m + (n - m) * spare / wanted for m, n in zip(longest_word, natural)]


def table_pages(header: list[str], rows: list[list[str]], box: Box, size: float,
                layout: Layout = LAYOUT) -> Iterator[tuple[list[float], list[Row]]]:
    """Rows split into pages of at most `max_table_rows` that fit `box` with the header repeated;
    yields (column widths, rows) per page, header first."""
    widths = _column_widths(header, rows, size, box.w, layout)
    pitch = line_pitch(size)

    def measured(cells: list[str], bold: bool) -> Row:
        lines = [wrap(clean(c), size, w - 2 * layout.cell_pad_x, bold) for c, w in zip(cells, widths)]
        return lines, max(len(l) for l in lines) * pitch + 2 * layout.cell_pad_y

    head = measured(header, True)
    page, used = [head], head[1]
    for row in rows:
        cells = measured(row, False)
        if len(page) > layout.max_table_rows or used + cells[1] > box.h:
            yield widths, page
            page, used = [head], head[1]
        page.append(cells)
        used += cells[1]
    yield widths, page
