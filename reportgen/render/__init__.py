"""Renderers: a run directory -> report.pdf, report.html or slides.pptx, in Indonesian or English.
All three lay out the same `Document` (render/document.py) built from the analysis tree."""

from __future__ import annotations

from pathlib import Path

from reportgen.analysis import load_analysis
from reportgen.render.document import build_document

DEFAULT_NAMES = {"pdf": "report.pdf", "html": "report.html", "pptx": "slides.pptx"}


def render(run_dir: Path, fmt: str, out: Path | None = None, lang: str | None = None) -> Path:
    """Write the run as `fmt` (pdf | html | pptx) and return the file's path. `lang` defaults to
    the experiment's report.language (the suffix `-en` is added to default names for English)."""
    analysis = load_analysis(run_dir)
    lang = lang or analysis.experiment["report"]["language"]
    if out is None:
        name = DEFAULT_NAMES[fmt]
        if lang != analysis.experiment["report"]["language"]:
            stem, ext = name.rsplit(".", 1)
            name = f"{stem}-{lang}.{ext}"
        out = Path(run_dir) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pptx":
        from reportgen.render.pptx import render_pptx

        return render_pptx(analysis, Path(run_dir), out, lang)
    doc = build_document(analysis, lang)
    if fmt == "pdf":
        from reportgen.render.pdf import render_pdf

        return render_pdf(doc, out)
    from reportgen.render.html import render_html

    return render_html(doc, out)
