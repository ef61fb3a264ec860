"""The report as HTML: one Jinja environment (autoescaped) over the report template. The page is
a single self-contained file: figures are embedded as data: URIs, so it opens offline."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from reportgen.figures.cache import picture_bytes
from reportgen.renderers.code import html_listing, html_style
from reportgen.renderers.unbroken import keep_whole
from reportgen.report.document import Document
from reportgen.resources import TEMPLATES_DIR

REPORT_DIR = TEMPLATES_DIR / "report"
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(REPORT_DIR),
    autoescape=True,  # titles, names and class names are user text
    undefined=jinja2.StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)


@jinja2.pass_context
def whole(context, text: str):
    """On paper, the text with its identifiers and numbers kept unhyphenated; on a screen the page
    hyphenates nothing (screen.css), so its text stays as the document holds it."""
    return text if context["screen"] else keep_whole(text)


ENV.filters["whole"] = whole
# A table's height in lines: a row is as tall as its cell of the most lines.
ENV.filters["lines"] = lambda rows: sum(max((cell.count("\n") + 1 for cell in row), default=1) for row in rows)


def data_uri(run: Path, path: Path) -> str:
    """A picture of the run embedded in the page, read only from inside the run directory, and
    only when the browser or WeasyPrint could decode it (at most imagefile.MAX_PIXELS)."""
    return "data:image/png;base64," + base64.b64encode(picture_bytes(path, run)).decode("ascii")


def render_html(doc: Document, fonts_css: str = "", screen: bool = True) -> str:
    """The report's HTML; `fonts_css` adds @font-face rules (the PDF embeds its fonts), `screen` the
    page's rules for screens of a width (the PDF has none). Every word, number and sentence comes
    from the document."""
    sheets = ["report.css", *(["screen.css"] if screen else [])]
    return ENV.get_template("report.html").render(
        doc=doc, image=lambda path: data_uri(doc.run, path), fonts=fonts_css, code=html_listing, screen=screen,
        css="\n".join((REPORT_DIR / name).read_text(encoding="utf-8") for name in sheets) + html_style(),
    )
