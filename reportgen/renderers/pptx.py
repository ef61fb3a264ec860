"""The deck writer: a 16:9 python-pptx presentation with one theme and a handful of slide kinds
(title, section divider, text with an optional picture, table, pictures, stat cards). Every box,
line and page break and fitted font size is decided in layout.py; this module sets each slide
kind's type sizes and writes the result with python-pptx. It knows nothing about runs or models;
reportgen/renderers/deck.py decides what goes on which slide.

Text is written with explicit line breaks and an exact line pitch, so its height is the one
layout.py counted.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pptx.presentation
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.exc import PackageNotFoundError
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from reportgen.errors import UserError
from reportgen.imagefile import image_size
from reportgen.renderers.code import CodeLine
from reportgen.renderers.fonts import MONO, SANS
from reportgen.renderers.layout import (LAYOUT, THEME, Box, Layout, Page, Para, Picture, Row, Theme, fit_picture,
                                     flow, paginate, pictures_beside, shrink_to_fit,
                                     table_pages)
from reportgen.renderers.textfit import clean, line_pitch
from reportgen.report.document import Chart

ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
# The smallest type on any slide (captions, footer, labels); titles and cards shrink no further.
MIN_TEXT = 11.0
# Speaker notes: the sentences that explain a slide, one paragraph per item.
Notes = Sequence[str]
CHART_TEXT = 12.0  # points: a chart's axis labels, legend and data labels
CHART_TYPE = {"bar": XL_CHART_TYPE.COLUMN_CLUSTERED, "line": XL_CHART_TYPE.LINE_MARKERS}


def open_template(template: Path | None, layout: Layout) -> pptx.presentation.Presentation:
    """The presentation the deck is drawn in: the shipped theme, or the user's template (its masters
    and layouts, without its slides), which must have the deck's size since every box is placed in
    points."""
    if template is None:
        prs = Presentation()
        prs.slide_width, prs.slide_height = Pt(layout.slide_w), Pt(layout.slide_h)
        return prs
    name = f"report.pptx_template '{template}'"
    if not template.is_file():  # python-pptx says "Package not found" for a missing file
        raise UserError(f"{name} does not exist; set report.pptx_template to an existing .pptx or remove it")
    try:
        prs = Presentation(str(template))
    except (KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError) as e:
        raise UserError(f"{name} cannot be read as a PowerPoint file ({e}); save it again as .pptx") from None
    size = (Emu(prs.slide_width).inches, Emu(prs.slide_height).inches)
    if (prs.slide_width, prs.slide_height) != (Pt(layout.slide_w), Pt(layout.slide_h)):
        raise UserError(f"{name} is {size[0]:.3f} × {size[1]:.3f} in; the deck needs "
                        f"{Pt(layout.slide_w).inches:.3f} × {Pt(layout.slide_h).inches:.3f} in (16:9): set its "
                        "slide size to Widescreen and save it again")
    slides = prs.slides._sldIdLst  # python-pptx has no call to delete a slide
    for slide in list(slides):
        prs.part.drop_rel(slide.rId)
        slides.remove(slide)
    return prs


class Deck:
    def __init__(self, footer: str, continued: str, template: Path | None = None, layout: Layout = LAYOUT,
                 theme: Theme = THEME):
        self.layout, self.theme = layout, theme
        self.prs = open_template(template, layout)
        # Every slide is drawn on the layout with the fewest placeholders: the theme's blank one.
        self.blank = min(self.prs.slide_layouts, key=lambda slide_layout: len(slide_layout.placeholders))
        self.footer = footer
        self.continued = continued  # the "(lanjutan)" suffix of continuation slides

    # --- primitives ------------------------------------------------------------------------

    def _rect(self, slide, box: Box, color: str, shape=MSO_SHAPE.RECTANGLE):
        rect = slide.shapes.add_shape(shape, Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h))
        rect.fill.solid()
        rect.fill.fore_color.rgb = RGBColor.from_string(color)
        rect.line.fill.background()
        # The default shape style carries a theme shadow that some viewers draw regardless.
        rect._element.remove(rect._element.find(qn("p:style")))
        return rect

    def _set_bullet(self, paragraph) -> None:
        indent = self.layout.bullet_indent
        ppr = paragraph._p.get_or_add_pPr()
        ppr.set("marL", str(Pt(indent)))
        ppr.set("indent", str(-Pt(indent)))
        clr = ppr.makeelement(qn("a:buClr"), {})
        clr.append(clr.makeelement(qn("a:srgbClr"), {"val": self.theme.accent}))
        ppr.append(clr)
        # The bullet in the deck's font too: without it LibreOffice draws it in OpenSymbol.
        ppr.append(ppr.makeelement(qn("a:buFont"), {"typeface": SANS}))
        ppr.append(ppr.makeelement(qn("a:buChar"), {"char": "•"}))

    def _frame(self, text_frame) -> None:
        """A text frame that holds exactly what layout.py fitted: no autofit, the layout's inset."""
        text_frame.word_wrap = True
        text_frame.auto_size = MSO_AUTO_SIZE.NONE
        for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
            setattr(text_frame, side, Pt(self.layout.inset))

    def _write(self, text_frame, page: Page, default_color: str) -> None:
        """Fill a text frame with already-wrapped lines, one paragraph per Para, exact line pitch."""
        self._frame(text_frame)
        for i, (para, lines) in enumerate(page):
            p = text_frame.paragraphs[0] if i == 0 else text_frame.add_paragraph()
            p.alignment = ALIGN[para.align]
            p.line_spacing = Pt(line_pitch(para.size))
            p.space_before = Pt(para.space_before)
            if para.bullet:
                self._set_bullet(p)
            for j, line in enumerate(lines):
                if j:
                    p.add_line_break()
                run = p.add_run()
                run.text = line
                run.font.name = SANS
                run.font.size = Pt(para.size)
                run.font.bold = para.bold
                run.font.color.rgb = RGBColor.from_string(para.color or default_color)

    def text(self, slide, box: Box, page: Page, color: str | None = None, anchor: MSO_ANCHOR = MSO_ANCHOR.TOP):
        shape = slide.shapes.add_textbox(Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h))
        shape.text_frame.vertical_anchor = anchor
        self._write(shape.text_frame, page, color or self.theme.ink)
        return shape

    def _fitted(self, slide, box: Box, paras: list[Para], color: str | None = None,
                anchor: MSO_ANCHOR = MSO_ANCHOR.TOP, min_scale: float = 0.45):
        """Text that must stay in its box (titles, captions, cards), shrunk to fit it, but never
        below MIN_TEXT points."""
        smallest = min((p.size for p in paras), default=MIN_TEXT)
        min_scale = min(1.0, max(min_scale, MIN_TEXT / smallest))
        return self.text(slide, box, shrink_to_fit(paras, box, min_scale, self.layout), color, anchor)

    def picture(self, slide, picture: Picture, box: Box, alt: str):
        """A picture fitted into `box`, with `alt` as its description (p:cNvPr descr) for screen
        readers and for whoever edits the deck."""
        fit = fit_picture(picture, box)
        source = str(picture) if isinstance(picture, Path) else picture  # python-pptx opens a str or a file object
        shape = slide.shapes.add_picture(source, Pt(fit.x), Pt(fit.y), Pt(fit.w), Pt(fit.h))
        shape._element.nvPicPr.cNvPr.set("descr", clean(alt))
        return shape

    def chart(self, slide, chart: Chart, box: Box):
        """A native chart whose data the user can edit in PowerPoint: the values as given, shown
        as percentages when they are fractions; bars carry their values when there are few."""
        data = CategoryChartData(number_format="0.0%" if chart.percent else "0.0000")
        data.categories = [clean(c) for c in chart.categories]
        for name, values in chart.series:
            data.add_series(clean(name), values)
        frame = slide.shapes.add_chart(CHART_TYPE[chart.kind], Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h), data)
        frame.name = clean(chart.title)
        plot_chart = frame.chart
        plot_chart.font.size, plot_chart.font.name = Pt(CHART_TEXT), SANS
        plot_chart.has_title = True
        plot_chart.chart_title.text_frame.text = clean(chart.title)
        plot_chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
        plot_chart.has_legend = len(chart.series) > 1
        if plot_chart.has_legend:
            plot_chart.legend.position, plot_chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        plot_chart.value_axis.tick_labels.number_format = "0%" if chart.percent else "General"
        plot_chart.value_axis.tick_labels.number_format_is_linked = False
        plot_chart.value_axis.has_major_gridlines = True
        if chart.log:  # python-pptx has no setter for it: c:logBase opens c:scaling
            scaling = plot_chart.value_axis._element.find(qn("c:scaling"))
            scaling.insert(0, scaling.makeelement(qn("c:logBase"), {"val": "10"}))
        if chart.kind == "bar" and len(chart.categories) * len(chart.series) <= 12:
            plot = plot_chart.plots[0]
            plot.has_data_labels = True
            plot.data_labels.number_format, plot.data_labels.number_format_is_linked = data.number_format, False
            plot.data_labels.font.size = Pt(CHART_TEXT)
        return frame

    def _notes(self, slide, notes: Notes) -> None:
        """The speaker notes: what the presenter says about the slide."""
        frame = slide.notes_slide.notes_text_frame
        frame.text = "\n".join(clean(line) for line in notes if line)

    def new_slide(self, title: str, notes: Notes):
        """A content slide: title, accent rule, footer, slide number and speaker notes."""
        lay, theme = self.layout, self.theme
        slide = self.prs.slides.add_slide(self.blank)
        self._fitted(slide, lay.title, [Para(title, 26, bold=True, space_before=0)], theme.primary, MSO_ANCHOR.BOTTOM)
        self._rect(slide, lay.rule, theme.accent)
        self._fitted(slide, lay.footer, [Para(self.footer, MIN_TEXT, space_before=0)], theme.muted, min_scale=1)
        number = Para("", MIN_TEXT, space_before=0, align="right")
        self.text(slide, lay.number, [(number, [str(len(self.prs.slides))])], theme.muted)
        self._notes(slide, notes)
        return slide

    # --- slide kinds -----------------------------------------------------------------------
    # Every kind takes `notes`, the speaker notes of its slide (and of its continuation slides), and
    # every picture comes with the text that describes it: its caption, or its alt text.

    def _cover(self, rule: Box, box: Box, title: Para, subtitle: Para, anchor: MSO_ANCHOR, notes: Notes):
        """A slide in the primary colour with an accent rule and a title (and subtitle, if any)."""
        slide = self.prs.slides.add_slide(self.blank)
        self._rect(slide, self.layout.slide, self.theme.primary)
        self._rect(slide, rule, self.theme.accent)
        paras = [title] + ([subtitle] if subtitle.text else [])
        self._fitted(slide, box, paras, self.theme.paper, anchor)
        self._notes(slide, notes)
        return slide

    def title_slide(self, title: str, subtitle: str, details: list[str], notes: Notes,
                    logo: tuple[Picture, str] | None = None) -> None:
        lay = self.layout
        slide = self._cover(*lay.cover(), Para(title, 44, bold=True, space_before=0),
                            Para(subtitle, 22, space_before=8), MSO_ANCHOR.BOTTOM, notes)
        paras = [Para(d, 16, space_before=4) for d in details]
        self._fitted(slide, lay.cover_details, paras, self.theme.band)
        if logo is not None:
            # On paper, so a dark logo stays visible on the dark cover.
            fit = fit_picture(logo[0], lay.cover_logo)
            pad = lay.cover_logo_pad
            self._rect(slide, Box(fit.x - pad, fit.y - pad, fit.w + 2 * pad, fit.h + 2 * pad), self.theme.paper)
            self.picture(slide, logo[0], fit, logo[1])

    def section_slide(self, title: str, subtitle: str, notes: Notes) -> None:
        self._cover(*self.layout.cover(divider=True), Para(title, 40, bold=True, space_before=0),
                    Para(subtitle, 20, space_before=8), MSO_ANCHOR.TOP, notes)

    def content(self, title: str, paras: list[Para], notes: Notes, picture: tuple[Picture, str] | None = None) -> None:
        """Text, with a picture (and its alt text) on the left when given; text that does not fit
        continues on full-width text slides."""
        lay = self.layout
        picture_box, text_box = lay.beside_picture() if picture is not None else (None, lay.content)
        first, *rest = flow(paras, text_box, lay.content, lay)
        slide = self.new_slide(title, notes)
        if picture is not None:
            self.picture(slide, picture[0], picture_box, picture[1])
        if first:
            self.text(slide, text_box, first)
        for page in rest:
            self.text(self.new_slide(f"{title} {self.continued}", notes), lay.content, page)

    def table(self, title: str, header: list[str], rows: list[list[str]], aligns: list[str], notes: Notes,
              size: float = 14, continued: bool = False) -> None:
        """A table split over as many slides as needed, header repeated; `aligns` gives each
        column's alignment ("left" or "right": numbers are right-aligned so their digits line up);
        `continued`: the table began on an earlier slide."""
        if len(aligns) != len(header):
            raise ValueError(f"{len(aligns)} alignments for {len(header)} columns")
        for i, (widths, page) in enumerate(table_pages(header, rows, self.layout.content, size, self.layout)):
            slide = self.new_slide(title if i == 0 and not continued else f"{title} {self.continued}", notes)
            self._table_shape(slide, widths, aligns, page, size)

    def _table_shape(self, slide, widths: list[float], aligns: list[str], page: list[Row], size: float,
                     at: Box | None = None) -> None:
        lay, theme = self.layout, self.theme
        at = at or lay.content
        shape = slide.shapes.add_table(len(page), len(widths), Pt(at.x), Pt(at.y),
                                       Pt(sum(widths)), Pt(sum(h for _, h in page)))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Pt(w)
        for i, (cells, height) in enumerate(page):
            table.rows[i].height = Pt(height)
            for j, lines in enumerate(cells):
                cell = table.cell(i, j)
                cell.fill.solid()
                fill = theme.primary if i == 0 else (theme.band if i % 2 == 0 else theme.paper)
                cell.fill.fore_color.rgb = RGBColor.from_string(fill)
                cell.margin_left = cell.margin_right = Pt(lay.cell_pad_x)
                cell.margin_top = cell.margin_bottom = Pt(lay.cell_pad_y)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                para = Para("", size, bold=i == 0, space_before=0, align=aligns[j])
                self._write(cell.text_frame, [(para, lines)], theme.paper if i == 0 else theme.ink)

    def pictures(self, title: str, items: list[tuple[Picture, str]], notes: Notes, per_slide: int | None = None) -> None:
        """Pictures each over its caption (which is also its alt text): side by side, or two rows of
        two when `per_slide` is 4 (one picture per model, small multiples)."""
        per_slide = per_slide or self.layout.pictures_per_slide
        for start in range(0, len(items), per_slide):
            group = items[start:start + per_slide]
            slide = self.new_slide(title if start == 0 else f"{title} {self.continued}", notes)
            tall = all(width < height for width, height in (image_size(path) for path, _ in group))
            for (path, caption), (box, cap) in zip(group, self.layout.picture_grid(len(group), tall)):
                self.picture(slide, path, box, caption)
                self._fitted(slide, cap, [Para(caption, 12, space_before=0, align="center")], self.theme.muted)

    def beside(self, title: str, pictures: list[tuple[Picture, str]], paras: list[Para], notes: Notes,
               table: tuple[list[str], list[list[str]], list[str], float] | None = None) -> None:
        """Pictures (with their alt text) stacked on the left, as wide as they need; on the right a
        table (header, rows, aligns, size), when given, over text. Rows that do not fit continue on
        table slides, text on text slides."""
        lay = self.layout
        boxes, side = pictures_beside([p for p, _ in pictures], lay)
        slide = self.new_slide(title, notes)
        for (path, alt), box in zip(pictures, boxes):
            self.picture(slide, path, box, alt)
        leftover: list[list[str]] = []
        if table is not None:
            header, rows, aligns, size = table
            widths, page = next(table_pages(header, rows, side, size, lay))
            self._table_shape(slide, widths, aligns, page, size, at=side)
            leftover = rows[len(page) - 1:]
            used = sum(h for _, h in page) + lay.gap
            side = Box(side.x, side.y + used, side.w, side.h - used)
        pages = (flow(paras, side, lay.content, lay) if side.h >= lay.min_text_h and not leftover
                 else [[]] + paginate(paras, lay.content, lay))
        if pages[0]:
            self.text(slide, side, pages[0])
        if leftover:
            self.table(title, header, leftover, aligns, notes, size, continued=True)
        for page in pages[1:]:
            if page:
                self.text(self.new_slide(f"{title} {self.continued}", notes), lay.content, page)

    def charts(self, title: str, charts: list[Chart], notes: Notes) -> None:
        """Native charts side by side, each as large as its share of the content."""
        slide = self.new_slide(title, notes)
        for chart, box in zip(charts, self.layout.columns(len(charts), self.layout.content.w)):
            self.chart(slide, chart, box)

    def cards(self, title: str, columns: list[tuple[str, list[tuple[str, str]]]], notes: Notes,
              chart: Chart | None = None) -> None:
        """Stat cards: one column per group (a model), each card a big value over its label; a
        `chart` of the same numbers takes the right of the slide."""
        lay, theme = self.layout, self.theme
        slide = self.new_slide(title, notes)
        boxes, side = lay.card_grid(len(columns), chart is not None)
        if side is not None:
            self.chart(slide, chart, side)
        for (heading, stats), column in zip(columns, boxes):
            head, cards = lay.card_stack(column, len(stats))
            self._fitted(slide, head, [Para(heading, 20, bold=True, space_before=0, align="center")], theme.primary)
            for (value, label), card in zip(stats, cards):
                self._rect(slide, card, theme.band)
                paras = [Para(value, 26, bold=True, color=theme.accent, space_before=0, align="center"),
                         Para(label, 13, space_before=2, align="center")]
                self._fitted(slide, card, paras, anchor=MSO_ANCHOR.MIDDLE)

    def _code_frame(self, slide, box: Box, page: list[CodeLine], size: float) -> None:
        """Code lines already cut to `box` (renderers/code.py) on a light band, each line a paragraph
        of coloured runs in the monospace font."""
        self._rect(slide, box, self.theme.band)
        frame = slide.shapes.add_textbox(Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h)).text_frame
        self._frame(frame)
        for j, line in enumerate(page):
            p = frame.paragraphs[0] if j == 0 else frame.add_paragraph()
            p.line_spacing = Pt(line_pitch(size))
            p.space_before = Pt(0)
            for piece in line:
                run = p.add_run()
                run.text = piece.text
                run.font.name = MONO
                run.font.size = Pt(size)
                run.font.bold, run.font.italic = piece.bold, piece.italic
                run.font.color.rgb = RGBColor.from_string(piece.color)

    def code(self, title: str, pages: list[list[CodeLine]], size: float, notes: Notes) -> None:
        """A code listing already cut into lines and pages, a slide a page."""
        for i, page in enumerate(pages):
            slide = self.new_slide(title if i == 0 else f"{title} {self.continued}", notes)
            self._code_frame(slide, self.layout.content, page, size)

    def code_beside(self, title: str, page: list[CodeLine], size: float, paras: list[Para], notes: Notes) -> None:
        """One page of code (cut to `layout.code_beside()`'s code box) with as many of its
        plain-language steps beside it as fit whole; the notes, which hold them all, say the rest."""
        code_box, text_box = self.layout.code_beside()
        slide = self.new_slide(title, notes)
        self._code_frame(slide, code_box, page, size)
        first = paginate(paras, text_box, self.layout)[0]
        if first:
            self.text(slide, text_box, first)

    def to_bytes(self) -> bytes:
        """The presentation as a .pptx file's bytes, for the caller to write (atomically)."""
        buffer = io.BytesIO()
        self.prs.save(buffer)
        return buffer.getvalue()
