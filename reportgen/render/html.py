"""The report as HTML: one Jinja environment (autoescaped) over templates/report/. The page is a
single self-contained file: figures are embedded as data: URIs, so it opens offline."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jinja2

from reportgen import TEMPLATES_DIR
from reportgen.render.document import Document

NUMERIC = re.compile(r"^[−+\-]?\d[\d.,]*(\s?(%|pp|s|jt|M))?$")
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "report"),
    autoescape=True,  # titles, names and class names are user text
    undefined=jinja2.StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)
ENV.tests["numeric"] = lambda cell: bool(NUMERIC.match(cell))


def data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html_text(doc: Document, fonts_css: str = "") -> str:
    """The report's HTML; `fonts_css` adds @font-face rules (the PDF embeds its fonts)."""
    return ENV.get_template("report.html").render(
        doc=doc, t=doc.t, f=doc.f, image=data_uri, fonts=fonts_css,
        css=(TEMPLATES_DIR / "report" / "report.css").read_text(encoding="utf-8"),
    )


def render_html(doc: Document, out: Path) -> Path:
    out.write_text(render_html_text(doc), encoding="utf-8")
    return out
