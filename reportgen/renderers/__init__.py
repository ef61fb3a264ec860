"""Renderers: the report document -> a PDF, an HTML page or a PPTX deck, as bytes the caller
writes atomically (reportgen.api.render). All three lay out the same document (reportgen.report)
and nothing else: no renderer reads the analysis or formats a number."""

from __future__ import annotations

from reportgen.report.document import Document

FORMATS = ("pdf", "html", "pptx")
DEFAULT_NAMES = {"pdf": "report.pdf", "html": "report.html", "pptx": "slides.pptx"}


def document_bytes(doc: Document, fmt: str) -> bytes:
    if fmt == "pptx":
        from reportgen.renderers.deck import render_pptx

        return render_pptx(doc)
    if fmt == "pdf":
        from reportgen.renderers.pdf import render_pdf

        return render_pdf(doc)
    from reportgen.renderers.html import render_html

    return render_html(doc).encode("utf-8")
