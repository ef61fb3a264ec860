"""Text measurement for the deck: wrap a paragraph to a box width with the font the deck names
(fonts.SANS), measured with its metric-compatible twin bundled in assets/fonts, so "fits" means
fits for any viewer that renders that font, not a guess in characters per line.

Sizes are in points: a TrueType font loaded at N pixels measures text in N-pixel units, so
loading it at `size * SCALE` pixels and dividing by SCALE gives widths in points with sub-point
precision (hinting at small pixel sizes would otherwise round every glyph).
"""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageFont

from reportgen.language.text import clean_user_text
from reportgen.renderers.fonts import SANS_FILES

SCALE = 8
# Every paragraph is written with an exact line pitch of LINE_SPACING x size, so a block's height
# is lines x pitch whatever the viewer's own leading rules are.
LINE_SPACING = 1.2
# Viewers differ slightly in kerning and hinting; wrapping to a little less than the box keeps a
# line that only just fits here from re-wrapping there.
WIDTH_SLACK = 0.97


def clean(text: str) -> str:
    """User text made safe for a slide: XML-forbidden characters dropped, tabs and newlines
    (which would become hard breaks the measure does not know about) turned into spaces."""
    return clean_user_text(str(text)).replace("\t", " ").replace("\r", " ").replace("\n", " ")


@lru_cache(maxsize=None)
def _font(size: float, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(SANS_FILES[bold]), size=round(size * SCALE))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Advance width of one line, in points."""
    return _font(size, bold).getlength(text) / SCALE


def line_pitch(size: float) -> float:
    return size * LINE_SPACING


def _split_long_word(word: str, size: float, bold: bool, width: float) -> list[str]:
    """A word wider than the box (a long path or identifier) is cut where it stops fitting."""
    pieces, current = [], ""
    for ch in word:
        if current and text_width(current + ch, size, bold) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return pieces + [current]


def wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Greedy word wrap of one paragraph to `width` points; returns the lines (at least one)."""
    width *= WIDTH_SLACK
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _split_long_word(word, size, bold, width)
        lines += pieces[:-1]
        current = pieces[-1]
    return lines + [current]
