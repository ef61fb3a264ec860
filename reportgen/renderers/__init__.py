"""Renderers: the report document -> a PDF, an HTML page, a PPTX deck or a LaTeX project (a zip),
as bytes the caller writes atomically (reportgen.api.render). All lay out the same document (reportgen.report)
and nothing else: no renderer reads the analysis or formats a number."""

from __future__ import annotations

from collections.abc import Sequence

from reportgen.archive import ArchivedFile
from reportgen.report.document import Document

FORMATS = ("pdf", "html", "pptx", "latex")
DEFAULT_NAMES = {"pdf": "report.pdf", "html": "report.html", "pptx": "slides.pptx", "latex": "report-latex.zip"}
# PDF/A-3: the only PDF/A part that may embed files other than PDFs (the run's TOML, JSON and CSV).
PDF_VARIANTS = ("pdf/a-3b", "pdf/a-3u")


def document_bytes(doc: Document, fmt: str, pdf_variant: str | None = None,
                   attachments: Sequence[ArchivedFile] = (), folder: str = "report-latex") -> bytes:
    """The document in `fmt`; `pdf_variant` and `attachments` make an archival PDF (renderers.pdf),
    `folder` is the one folder a LaTeX project's zip unpacks to."""
    if fmt == "pptx":
        from reportgen.renderers.deck import render_pptx

        return render_pptx(doc)
    if fmt == "pdf":
        from reportgen.renderers.pdf import render_pdf

        return render_pdf(doc, pdf_variant, attachments)
    if fmt == "latex":
        from reportgen.renderers.latex import render_latex

        return render_latex(doc, folder)
    from reportgen.renderers.html import render_html

    return render_html(doc).encode("utf-8")
