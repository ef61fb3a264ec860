"""Highlighted code listings, coloured by Pygments with one style in every format: CSS classes for
the HTML page and the PDF (their stylesheet is generated from the style), coloured runs for the
deck. The deck's listing is numbered, wrapped and paginated here with the monospace font it names,
measured with that font's metric-compatible twin (fonts.MONO_FILES), so a slide never overflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

from markupsafe import Markup
from PIL import ImageFont
from pygments import highlight, lex
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name

from reportgen.renderers.fonts import MONO_FILES
from reportgen.renderers.layout import LAYOUT, Box, Layout
from reportgen.renderers.textfit import SCALE, WIDTH_SLACK, line_pitch

STYLE = get_style_by_name("default")
CSS_CLASS = "code"
LINE_NUMBER_COLOR = "9AA3AE"  # line numbers stay quieter than any token colour of the style


def lexer() -> PythonLexer:
    # stripnl=False: the listing keeps its leading blank lines, so numbers match the file's lines.
    return PythonLexer(stripnl=False)


# --- HTML and PDF ----------------------------------------------------------------------------


def html_listing(source: str) -> Markup:
    """The source as a <pre> of Pygments' spans (Pygments escapes the text), each line led by its
    number; the number is a span of its own and a space, so copied or extracted text keeps the
    code's words whole."""
    lines = highlight(source, lexer(), HtmlFormatter(nowrap=True)).rstrip("\n").split("\n")
    width = len(str(len(lines)))
    numbered = "\n".join(f'<span class="ln">{n:>{width}}</span> {line}' for n, line in enumerate(lines, 1))
    return Markup(f'<pre class="{CSS_CLASS}">{numbered}</pre>')


def html_style() -> str:
    """The style's colours as CSS for `pre.code` (the report's stylesheet sets its font and size)."""
    return "\n".join(HtmlFormatter(style=STYLE).get_token_style_defs(f"pre.{CSS_CLASS}"))


# --- the deck --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A run of text in one colour and weight (RRGGBB)."""

    text: str
    color: str
    bold: bool = False
    italic: bool = False


CodeLine = list[Piece]
INK = "222933"  # tokens the style leaves uncoloured


def coloured_lines(source: str) -> list[CodeLine]:
    """The source's lines, each a list of pieces coloured by token type."""
    lines: list[CodeLine] = [[]]
    for token, value in lex(source, lexer()):
        style = STYLE.style_for_token(token)
        for i, part in enumerate(value.split("\n")):
            if i:
                lines.append([])
            if not part:
                continue
            piece = Piece(part, style["color"] or INK, bool(style["bold"]), bool(style["italic"]))
            line = lines[-1]
            if line and replace(line[-1], text="") == replace(piece, text=""):  # one run per colour
                line[-1] = replace(piece, text=line[-1].text + part)
            else:
                line.append(piece)
    return lines[:-1] if not lines[-1] else lines  # the lexer ends the source with a newline


@lru_cache(maxsize=None)
def _font(size: float, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(MONO_FILES[bold]), size=round(size * SCALE))


def mono_width(text: str, size: float, bold: bool = False) -> float:
    """Advance width of `text` in the deck's code font, in points."""
    return _font(size, bold).getlength(text) / SCALE


def _wrapped(line: CodeLine, number: Piece, size: float, width: float) -> list[CodeLine]:
    """A line led by its number, cut where it reaches `width`; a continuation line has a blank
    gutter and the line's indentation, so it reads as the same line."""
    indent = len(line[0].text) - len(line[0].text.lstrip(" ")) if line else 0
    blank = Piece(" " * (len(number.text) + indent), number.color)
    rows, used = [[number]], mono_width(number.text, size)
    for piece in line:
        run = ""
        for ch in piece.text:
            w = mono_width(ch, size, piece.bold)
            if used + w > width and (run or len(rows[-1]) > 1):  # a row holds at least one character
                if run:
                    rows[-1].append(replace(piece, text=run))
                rows.append([blank])
                run, used = "", mono_width(blank.text, size)
            run += ch
            used += w
        if run:
            rows[-1].append(replace(piece, text=run))
    return rows


def code_pages(source: str, size: float, box: Box | None = None, layout: Layout = LAYOUT) -> list[list[CodeLine]]:
    """The numbered, wrapped listing split into pages that each fit `box` (the content area) at
    `size` points with the deck's exact line pitch."""
    box = box or layout.content
    lines = coloured_lines(source)
    digits = len(str(len(lines)))
    width = (box.w - 2 * layout.inset) * WIDTH_SLACK
    rows = [row for n, line in enumerate(lines, 1)
            for row in _wrapped(line, Piece(f"{n:>{digits}} ", LINE_NUMBER_COLOR), size, width)]
    fits = max(1, int((box.h - 2 * layout.inset) // line_pitch(size)))
    per_page = math.ceil(len(rows) / math.ceil(len(rows) / fits))  # as many slides as needed, filled evenly
    return [rows[i:i + per_page] for i in range(0, len(rows), per_page)]
