"""The deck's layout engine: a 16:9 python-pptx presentation with one theme and a handful of
slide kinds (title, section divider, text with an optional picture, table, pictures, stat
cards). It knows nothing about runs or models; reportgen/render/pptx.py decides what goes on
which slide.

Every guarantee the deck makes is enforced here, once:
- text is wrapped with the real font (textfit.py) and written with explicit line breaks and an
  exact line pitch, so its height is known; what does not fit moves to a continuation slide;
- tables hold at most MAX_TABLE_ROWS body rows and the page height, with the header repeated;
- pictures are scaled to fit their box with their aspect ratio kept;
- all text passes through textfit.clean (XML-forbidden characters dropped).
All geometry is in points (960 x 540 for 13.333 x 7.5 in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Pt

from reportgen.render.textfit import FONT_NAME, WIDTH_SLACK, clean, line_pitch, text_width, wrap

SLIDE_W, SLIDE_H = 960.0, 540.0
MARGIN = 40.0
CONTENT_TOP, CONTENT_BOTTOM = 100.0, 496.0
INSET = 4.0  # text frame inner margin on every side
BULLET_INDENT = 18.0
MAX_TABLE_ROWS = 12
MAX_TABLE_STRETCH = 2.0
CELL_PAD_X, CELL_PAD_Y = 5.0, 3.0
# A formatted number as Formatter writes it (89,26% / 21.287.237 / 28,8 s / −0,28 pp / –), or empty.
NUMBER = re.compile(r"[−+-]?[\d.,]+ ?(%|s|pp|jt|rb|M|K)?|–|")


@dataclass(frozen=True)
class Theme:
    ink: RGBColor = RGBColor(0x22, 0x29, 0x33)
    primary: RGBColor = RGBColor(0x1B, 0x2A, 0x41)  # titles, header rows, divider background
    accent: RGBColor = RGBColor(0xE0, 0x7A, 0x1F)  # rules, big numbers
    muted: RGBColor = RGBColor(0x6B, 0x72, 0x80)
    band: RGBColor = RGBColor(0xEE, 0xF1, 0xF5)  # alternate table rows, cards
    paper: RGBColor = RGBColor(0xFF, 0xFF, 0xFF)


THEME = Theme()


@dataclass(frozen=True)
class Para:
    """One paragraph in a single style; `bullet` gives it a hanging-indent bullet."""

    text: str
    size: float = 16.0
    bold: bool = False
    bullet: bool = False
    color: RGBColor | None = None
    space_before: float = 6.0
    align: PP_ALIGN = PP_ALIGN.LEFT
    keep_with_next: bool = False  # a label ("01.", a name) never ends a page without what it labels


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


CONTENT = Box(MARGIN, CONTENT_TOP, SLIDE_W - 2 * MARGIN, CONTENT_BOTTOM - CONTENT_TOP)


def _lines(para: Para, width: float) -> list[str]:
    return wrap(clean(para.text), para.size, width - 2 * INSET - (BULLET_INDENT if para.bullet else 0), para.bold)


def _height(para: Para, n_lines: int) -> float:
    return para.space_before + n_lines * line_pitch(para.size)


def paginate(paras: list[Para], box: Box) -> list[list[tuple[Para, list[str]]]]:
    """Wrapped paragraphs split into pages that each fit `box`. A paragraph that does not fit
    moves whole to the next page; only one taller than a whole page is split between lines (its
    second part carrying just the remaining text, unbulleted)."""
    pages: list[list[tuple[Para, list[str]]]] = [[]]
    used = 2 * INSET
    pending = list(paras)
    while pending:
        para = pending.pop(0)
        lines = _lines(para, box.w)
        height = _height(para, len(lines))
        # What it labels moves whole when it does not fit, so it must fit whole after the label.
        follower = _height(pending[0], len(_lines(pending[0], box.w))) if para.keep_with_next and pending else 0
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
        used = 2 * INSET
    return [page for page in pages if page] or [[]]


def shrink_to_fit(paras: list[Para], box: Box, min_scale: float = 0.45) -> list[tuple[Para, list[str]]]:
    """For titles and cards, which must stay on their slide: scale the font down until the text
    fits; at the smallest size, lines that still do not fit are dropped and the last kept one
    ends with an ellipsis."""
    scale = 1.0
    while True:
        scaled = [replace(p, size=p.size * scale) for p in paras]
        pages = paginate(scaled, box)
        if len(pages) == 1 or scale <= min_scale:
            break
        scale -= 0.05
    page = pages[0]
    if len(pages) > 1 and page:
        para, lines = page[-1]
        last = lines[-1]
        # Drop a whole word (or two characters) for the ellipsis, so the line gets no wider.
        page[-1] = (para, lines[:-1] + [(last.rsplit(" ", 1)[0] if " " in last else last[:-2]) + "…"])
    return page


def _set_bullet(paragraph, indent: float, color: RGBColor) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.set("marL", str(Pt(indent)))
    ppr.set("indent", str(-Pt(indent)))
    clr = ppr.makeelement(qn("a:buClr"), {})
    clr.append(clr.makeelement(qn("a:srgbClr"), {"val": str(color)}))
    ppr.append(clr)
    ppr.append(ppr.makeelement(qn("a:buChar"), {"char": "•"}))


def write_text(text_frame, page: list[tuple[Para, list[str]]], default_color: RGBColor) -> None:
    """Fill a text frame with already-wrapped lines, one paragraph per Para, exact line pitch."""
    text_frame.word_wrap = True
    text_frame.auto_size = MSO_AUTO_SIZE.NONE
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(text_frame, side, Pt(INSET))
    for i, (para, lines) in enumerate(page):
        p = text_frame.paragraphs[0] if i == 0 else text_frame.add_paragraph()
        p.alignment = para.align
        p.line_spacing = Pt(line_pitch(para.size))
        p.space_before = Pt(para.space_before)
        if para.bullet:
            _set_bullet(p, BULLET_INDENT, THEME.accent)
        for j, line in enumerate(lines):
            if j:
                p.add_line_break()
            run = p.add_run()
            run.text = line
            run.font.name = FONT_NAME
            run.font.size = Pt(para.size)
            run.font.bold = para.bold
            run.font.color.rgb = para.color or default_color


def fit_picture(path: Path, box: Box) -> Box:
    """The largest box with the image's aspect ratio inside `box`, centred."""
    with Image.open(path) as img:
        iw, ih = img.size
    scale = min(box.w / iw, box.h / ih)
    w, h = iw * scale, ih * scale
    return Box(box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h)


def _column_widths(header: list[str], rows: list[list[str]], size: float, width: float) -> list[float]:
    """Column widths in the way browsers lay out auto tables: every column gets at least its
    longest word (so words are not cut), and the rest of the width goes to the columns in
    proportion to how much more they would need to hold their text on one line."""
    def widths(measure) -> list[float]:
        # wrap() keeps WIDTH_SLACK in hand, so a column holds its text only if widened by it.
        return [max([measure(clean(h), True)] + [measure(clean(r[i]), False) for r in rows]) / WIDTH_SLACK
                + 2 * CELL_PAD_X + 1 for i, h in enumerate(header)]

    natural = widths(lambda text, bold: text_width(text, size, bold))
    if sum(natural) <= width:
        # Grow to the slide width, but a two-column table stretched across the slide reads badly.
        return [w * min(width / sum(natural), MAX_TABLE_STRETCH) for w in natural]
    longest_word = widths(lambda text, bold: max(text_width(word, size, bold) for word in text.split(" ")))
    if sum(longest_word) >= width:
        return [w * width / sum(longest_word) for w in longest_word]
    spare, wanted = width - sum(longest_word), sum(natural) - sum(longest_word)
    return [m + (n - m) * spare / wanted for m, n in zip(longest_word, natural)]


def _cell_lines(text: str, size: float, width: float, bold: bool) -> list[str]:
    return wrap(clean(text), size, width - 2 * CELL_PAD_X, bold)


def table_pages(header: list[str], rows: list[list[str]], box: Box, size: float):
    """Rows split into slides of at most MAX_TABLE_ROWS that fit `box` with the header repeated;
    yields (column widths, [(cells as wrapped lines, row height)]) per page, header first."""
    widths = _column_widths(header, rows, size, box.w)
    pitch = line_pitch(size)

    def measured(cells: list[str], bold: bool):
        lines = [_cell_lines(c, size, w, bold) for c, w in zip(cells, widths)]
        return lines, max(len(l) for l in lines) * pitch + 2 * CELL_PAD_Y

    head = measured(header, True)
    page, used = [head], head[1]
    for row in rows:
        cells = measured(row, False)
        if len(page) > MAX_TABLE_ROWS or used + cells[1] > box.h:
            yield widths, page
            page, used = [head], head[1]
        page.append(cells)
        used += cells[1]
    yield widths, page


class Deck:
    def __init__(self, footer: str, continued: str):
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Pt(SLIDE_W), Pt(SLIDE_H)
        self.blank = self.prs.slide_layouts[6]
        self.footer = footer
        self.continued = continued  # the "(lanjutan)" suffix of continuation slides

    # --- primitives ------------------------------------------------------------------------

    def _rect(self, slide, box: Box, color: RGBColor, shape=MSO_SHAPE.RECTANGLE):
        rect = slide.shapes.add_shape(shape, Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h))
        rect.fill.solid()
        rect.fill.fore_color.rgb = color
        rect.line.fill.background()
        # The default shape style carries a theme shadow that some viewers draw regardless.
        rect._element.remove(rect._element.find(qn("p:style")))
        return rect

    def text(self, slide, box: Box, page: list[tuple[Para, list[str]]], color: RGBColor | None = None,
             anchor: MSO_ANCHOR = MSO_ANCHOR.TOP):
        shape = slide.shapes.add_textbox(Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h))
        shape.text_frame.vertical_anchor = anchor
        write_text(shape.text_frame, page, color or THEME.ink)
        return shape

    def picture(self, slide, path: Path, box: Box):
        fit = fit_picture(path, box)
        return slide.shapes.add_picture(str(path), Pt(fit.x), Pt(fit.y), Pt(fit.w), Pt(fit.h))

    def new_slide(self, title: str):
        """A content slide: title, accent rule, footer and slide number."""
        slide = self.prs.slides.add_slide(self.blank)
        title_box = Box(MARGIN, 22, SLIDE_W - 2 * MARGIN, 62)
        self.text(slide, title_box, shrink_to_fit([Para(title, 26, bold=True, space_before=0)], title_box),
                  THEME.primary, MSO_ANCHOR.BOTTOM)
        self._rect(slide, Box(MARGIN + INSET, 88, 72, 4), THEME.accent)
        footer_box = Box(MARGIN, 508, SLIDE_W - 2 * MARGIN - 60, 22)
        self.text(slide, footer_box, shrink_to_fit([Para(self.footer, 10, space_before=0)], footer_box, 0.8),
                  THEME.muted)
        number_box = Box(SLIDE_W - MARGIN - 60, 508, 60, 22)
        self.text(slide, number_box, [(Para("", 10, space_before=0, align=PP_ALIGN.RIGHT),
                                       [str(len(self.prs.slides))])], THEME.muted)
        return slide

    # --- slide kinds -----------------------------------------------------------------------

    def title_slide(self, title: str, subtitle: str, details: list[str]) -> None:
        slide = self.prs.slides.add_slide(self.blank)
        self._rect(slide, Box(0, 0, SLIDE_W, SLIDE_H), THEME.primary)
        self._rect(slide, Box(MARGIN + INSET, 300, 96, 5), THEME.accent)
        box = Box(MARGIN, 110, SLIDE_W - 2 * MARGIN, 180)
        paras = [Para(title, 44, bold=True, space_before=0)] + ([Para(subtitle, 22, space_before=8)] if subtitle else [])
        self.text(slide, box, shrink_to_fit(paras, box), THEME.paper, MSO_ANCHOR.BOTTOM)
        box = Box(MARGIN, 318, SLIDE_W - 2 * MARGIN, 180)
        self.text(slide, box, shrink_to_fit([Para(d, 16, space_before=4) for d in details], box), THEME.band)

    def section_slide(self, title: str, subtitle: str = "") -> None:
        slide = self.prs.slides.add_slide(self.blank)
        self._rect(slide, Box(0, 0, SLIDE_W, SLIDE_H), THEME.primary)
        self._rect(slide, Box(MARGIN + INSET, 200, 96, 5), THEME.accent)
        box = Box(MARGIN, 215, SLIDE_W - 2 * MARGIN, 200)
        paras = [Para(title, 40, bold=True, space_before=0)] + ([Para(subtitle, 20, space_before=8)] if subtitle else [])
        self.text(slide, box, shrink_to_fit(paras, box), THEME.paper)

    def content(self, title: str, paras: list[Para], picture: Path | None = None) -> None:
        """Text, with a picture on the left when given; text that does not fit continues on
        full-width text slides."""
        if picture is None:
            text_box = CONTENT
        else:
            split = CONTENT.w * 0.58
            text_box = Box(CONTENT.x + split + 12, CONTENT.y, CONTENT.w - split - 12, CONTENT.h)
        pages = paginate(paras, text_box)
        slide = self.new_slide(title)
        if picture is not None:
            self.picture(slide, picture, Box(CONTENT.x, CONTENT.y, CONTENT.w * 0.58, CONTENT.h))
        if pages[0]:
            self.text(slide, text_box, pages[0])
        rest = [para for page in pages[1:] for para, _ in page]  # re-flow the overflow at full width
        for page in paginate(rest, CONTENT) if rest else []:
            self.text(self.new_slide(f"{title} {self.continued}"), CONTENT, page)

    def table(self, title: str, header: list[str], rows: list[list[str]], size: float = 14) -> None:
        """A table split over as many slides as needed, header repeated."""
        # Columns of numbers are right-aligned so their digits line up.
        aligns = [PP_ALIGN.RIGHT if rows and all(NUMBER.fullmatch(r[j]) for r in rows) else PP_ALIGN.LEFT
                  for j in range(len(header))]
        for i, (widths, page) in enumerate(table_pages(header, rows, CONTENT, size)):
            slide = self.new_slide(title if i == 0 else f"{title} {self.continued}")
            self._table_shape(slide, widths, aligns, page, CONTENT.y, size)

    def _table_shape(self, slide, widths: list[float], aligns: list[PP_ALIGN], page, top: float,
                     size: float) -> None:
        shape = slide.shapes.add_table(len(page), len(widths), Pt(CONTENT.x), Pt(top), Pt(sum(widths)),
                                       Pt(sum(h for _, h in page)))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Pt(w)
        for i, (cells, height) in enumerate(page):
            table.rows[i].height = Pt(height)
            for j, lines in enumerate(cells):
                cell = table.cell(i, j)
                cell.fill.solid()
                cell.fill.fore_color.rgb = THEME.primary if i == 0 else (THEME.band if i % 2 == 0 else THEME.paper)
                cell.margin_left = cell.margin_right = Pt(CELL_PAD_X)
                cell.margin_top = cell.margin_bottom = Pt(CELL_PAD_Y)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                para = Para("", size, bold=i == 0, space_before=0, align=aligns[j])
                write_text(cell.text_frame, [(para, lines)], THEME.paper if i == 0 else THEME.ink)

    def pictures(self, title: str, items: list[tuple[Path, str]]) -> None:
        """Up to two pictures side by side, each with a caption under it."""
        for start in range(0, len(items), 2):
            pair = items[start:start + 2]
            slide = self.new_slide(title if start == 0 else f"{title} {self.continued}")
            gap = 16
            w = (CONTENT.w - gap * (len(pair) - 1)) / len(pair)
            for k, (path, caption) in enumerate(pair):
                x = CONTENT.x + k * (w + gap)
                self.picture(slide, path, Box(x, CONTENT.y, w, CONTENT.h - 34))
                cap = Box(x, CONTENT.y + CONTENT.h - 30, w, 30)
                self.text(slide, cap, shrink_to_fit([Para(caption, 12, space_before=0, align=PP_ALIGN.CENTER)], cap),
                          THEME.muted)

    def cards(self, title: str, columns: list[tuple[str, list[tuple[str, str]]]], side: list[Para] = ()) -> None:
        """Stat cards: one column per group (a model), each card a big value over its label;
        `side` paragraphs (a few short facts) take the right third."""
        slide = self.new_slide(title)
        gap = 16
        width = CONTENT.w * 0.62 if side else CONTENT.w
        if side:
            box = Box(CONTENT.x + width + gap, CONTENT.y + 42, CONTENT.w - width - gap, CONTENT.h - 42)
            self.text(slide, box, shrink_to_fit(list(side), box))
        w = (width - gap * (len(columns) - 1)) / len(columns)
        for k, (heading, stats) in enumerate(columns):
            x = CONTENT.x + k * (w + gap)
            head = Box(x, CONTENT.y, w, 34)
            self.text(slide, head, shrink_to_fit([Para(heading, 20, bold=True, space_before=0,
                                                       align=PP_ALIGN.CENTER)], head), THEME.primary)
            card_h = (CONTENT.h - 42) / max(len(stats), 1) - 8
            for n, (value, label) in enumerate(stats):
                card = Box(x, CONTENT.y + 42 + n * (card_h + 8), w, card_h)
                self._rect(slide, card, THEME.band)
                paras = [Para(value, 26, bold=True, color=THEME.accent, space_before=0, align=PP_ALIGN.CENTER),
                         Para(label, 12, space_before=2, align=PP_ALIGN.CENTER)]
                self.text(slide, card, shrink_to_fit(paras, card), anchor=MSO_ANCHOR.MIDDLE)

    def save(self, out: Path) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.prs.save(str(out))
        return out
