"""The A4 PDF: the report's HTML laid out by WeasyPrint, with the bundled fonts embedded.

WeasyPrint fetches only what the project ships: data: URIs (the figures) and files under the
templates and the assets. Any other URL, say one a user slipped into a title, is refused.

An archival variant (PDF/A-3) carries the run's own files as attachments (reportgen.archive) and is
tagged for accessibility. WeasyPrint identifies it as PDF/A (it writes one variant's
identification); renderers.pdfua adds PDF/UA-1's once the file shows what that asks for."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

import weasyprint
from weasyprint.urls import URLFetcher

from reportgen.archive import ArchivedFile
from reportgen.renderers.fonts import FACES, FONT_DIR
from reportgen.renderers.html import REPORT_DIR, render_html
from reportgen.renderers.pdfua import claim_pdfua
from reportgen.report.document import Document
from reportgen.resources import ASSETS_DIR, TEMPLATES_DIR

ALLOWED_ROOTS = (TEMPLATES_DIR.resolve(), ASSETS_DIR.resolve())


class ProjectOnlyFetcher(URLFetcher):
    """Fetches data: URIs and files inside the project's own folders; refuses everything else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file://"):
            # Decoded first: "%2e%2e" is "..", and the file system sees the decoded path.
            path = Path(unquote(url.removeprefix("file://").split("?")[0])).resolve()
            if any(path.is_relative_to(root) for root in ALLOWED_ROOTS):
                return super().fetch(url, headers)
        raise ValueError(f"reportgen fetches no resource outside its templates and assets: {url}")


def font_faces() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for family, weight, style, name in FACES
    )


def render_pdf(doc: Document, variant: str | None = None, attachments: Sequence[ArchivedFile] = ()) -> bytes:
    """The report as a PDF; with a `variant` of renderers.PDF_VARIANTS, an archival one carrying `attachments`
    (the run's own files: the relationship "Source", what the document was made from)."""
    html = weasyprint.HTML(string=render_html(doc, font_faces(), screen=False), base_url=str(REPORT_DIR),
                           url_fetcher=ProjectOnlyFetcher())
    if variant is None:
        return html.write_pdf()
    return claim_pdfua(html.write_pdf(
        pdf_variant=variant, pdf_tags=True,
        attachments=[weasyprint.Attachment(file_obj=io.BytesIO(f.data), name=f.name, description=f.description,
                                           relationship="Source") for f in attachments]))
