"""The A4 PDF: the report's HTML laid out by WeasyPrint, with DejaVu fonts embedded.

WeasyPrint fetches only what the project ships: data: URIs (the figures) and files under the
templates, the assets and matplotlib's bundled fonts. Any other URL, say one a user slipped into a
title, is refused."""

from __future__ import annotations

from pathlib import Path

import weasyprint
from weasyprint.urls import URLFetcher

from reportgen import ASSETS_DIR, TEMPLATES_DIR
from reportgen.render.document import Document
from reportgen.render.fonts import FONT_DIR
from reportgen.render.html import render_html_text

FONTS = [  # (family, weight, style, file)
    ("DejaVu Sans", "normal", "normal", "DejaVuSans.ttf"),
    ("DejaVu Sans", "bold", "normal", "DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "normal", "italic", "DejaVuSans-Oblique.ttf"),
    ("DejaVu Serif", "normal", "normal", "DejaVuSerif.ttf"),
    ("DejaVu Serif", "bold", "normal", "DejaVuSerif-Bold.ttf"),
    ("DejaVu Serif", "normal", "italic", "DejaVuSerif-Italic.ttf"),
]
ALLOWED_ROOTS = (TEMPLATES_DIR.resolve(), ASSETS_DIR.resolve(), FONT_DIR.resolve())


class ProjectOnlyFetcher(URLFetcher):
    """Fetches data: URIs and files inside the project's own folders; refuses everything else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if any(path.is_relative_to(root) for root in ALLOWED_ROOTS):
                return super().fetch(url, headers)
        raise ValueError(f"reportgen fetches no resource outside its templates and assets: {url}")


def font_faces() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for family, weight, style, name in FONTS
    )


def render_pdf(doc: Document, out: Path) -> Path:
    html = weasyprint.HTML(string=render_html_text(doc, font_faces()), base_url=str(TEMPLATES_DIR / "report"),
                           url_fetcher=ProjectOnlyFetcher())
    html.write_pdf(out)
    return out
