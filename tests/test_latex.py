"""The LaTeX project: its layout (one folder, main.tex, a file per part, figures, references.bib,
a \\label for every table, figure and appendix), its escaping, and, where latexmk is installed, the
project compiled: no errors, no undefined references, no overfull box wider than 5 pt, every number
of its PDF in the HTML page, and hostile [report] text printed literally."""

import copy
import html
import io
import re
import shutil
import subprocess
import zipfile

import pytest

from reportgen import render
from reportgen.analysis import load_analysis
from reportgen.renderers.latex import render_latex
from reportgen.renderers.latex_text import tex, tex_label, tex_url
from reportgen.report import build_document
from reportgen.report.document import Figure, Table

NUMBER = r"\d+(?:[.,]\d+)*"
# Every character LaTeX treats specially, the ligatures T1 makes, and commands that would read a file or end the document.
HOSTILE = r"50% $x$ & #1 _a {b} ~c ^d \input{/etc/passwd} \end{document} a--b ``q'' <<g>>"
needs_latexmk = pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
                                   reason="latexmk (texlive-latex-recommended, texlive-lang-other) or pdftotext is not installed")


def unzip(path, into):
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
        return archive.namelist()


def compile_project(folder):
    """latexmk -pdf in `folder`: the PDF's text and the log."""
    done = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "main.tex"], cwd=folder,
                          capture_output=True, text=True, timeout=600)
    log = (folder / "main.log").read_text(encoding="latin-1")
    assert done.returncode == 0, log[-3000:]
    text = subprocess.run(["pdftotext", "main.pdf", "-"], cwd=folder, capture_output=True, text=True).stdout
    return text, log


def test_special_characters_become_the_commands_that_print_them():
    assert tex("50% $x_1 & #{a}~^\\") == (r"50\% \$x\_\allowbreak{}1 \& \#\{a\}\textasciitilde{}\textasciicircum{}"
                                           r"\textbackslash{}")
    assert tex("a--b <<c>> ,,d") == "a-{}-b <{}<c>{}> ,{},d"
    assert tex("16×16 ≥ 5 日") == r"16\texttimes{}16 \ensuremath{\geq} 5 [U+65E5]"
    assert tex("a\x00b\u202ec\nd") == "abc d"
    assert tex_url("https://x.org/a b?q=1#f}{\\") == r"https://x.org/a\%20b?q=1\#f\%7D\%7B\%5C"
    assert tex_label("tab", "table-final-small_cnn") == "tab:table-final-small-5f-cnn"


@pytest.mark.slow
def test_the_zip_is_one_folder_with_a_file_per_part_and_a_label_for_each(handmade_run, tmp_path):
    out = render(handmade_run, "latex")
    assert out == handmade_run / "report-latex.zip"
    names = unzip(out, tmp_path)
    assert {name.split("/")[0] for name in names} == {"report-latex"} and "report-latex/main.tex" in names
    project = tmp_path / "report-latex"
    doc = build_document(load_analysis(handmade_run), "id")
    sections = sorted(p.name for p in (project / "sections").iterdir())
    assert len(sections) == 1 + len(doc.body) + len(doc.appendix)  # the title block, then each part
    source = "\n".join(p.read_text() for p in sorted(project.rglob("*.tex")))
    figures = [node for node in doc.nodes() if isinstance(node, Figure)]
    # a plot is a PDF (vectors), a picture (samples, feature maps, Grad-CAM) a PNG
    assert sorted(p.name for p in (project / "figures").iterdir()) == sorted(
        f"{tex_label('fig', f.id)[4:]}.{'pdf' if f.kind == 'plot' else 'png'}" for f in figures)
    assert {f.kind for f in figures} == {"plot", "image"}
    assert all(plot.read_bytes().startswith(b"%PDF-") for plot in (project / "figures").glob("*.pdf"))
    for node in doc.nodes():
        if isinstance(node, (Table, Figure)):
            assert rf"\label{{{tex_label('tab' if isinstance(node, Table) else 'fig', node.id)}}}" in source, node.id
    for part in doc.appendix:
        assert rf"\label{{{tex_label('sec', part.id)}}}" in source
    for ref in doc.refs():
        target = doc.find(ref.target)
        label = tex_label("tab" if isinstance(target, Table) else "fig" if isinstance(target, Figure) else "sec", ref.target)
        assert rf"\ref{{{label}}}" in source or rf"\hyperref[{label}]" in source, ref.target
    bib = (project / "references.bib").read_text()
    assert re.findall(r"@misc\{(\w+),", bib) == doc.bibliography() == ["he2016"]  # only the papers cited
    cites = list(doc.cites())
    assert cites and all(rf"\cite{{{c.key}}}" in source for c in cites) and r"\nocite" not in source
    assert r"\usepackage[indonesian]{babel}" in (project / "main.tex").read_text()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdffonts") is None or shutil.which("pdftotext") is None,
                    reason="pdffonts and pdftotext (poppler-utils) are not installed")
def test_a_plot_is_a_pdf_whose_words_are_text_in_embedded_fonts(handmade_run, tmp_path):
    unzip(render(handmade_run, "latex"), tmp_path)
    plot = tmp_path / "report-latex" / "figures" / f"{tex_label('fig', 'figure-curves')[4:]}.pdf"
    fonts = subprocess.run(["pdffonts", plot], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    words = subprocess.run(["pdftotext", plot, "-"], capture_output=True, text=True, check=True).stdout
    assert "Epoch" in words and "Small CNN" in words, words  # the axis label and the legend, searchable


def test_a_figure_not_drawn_is_its_sentence_and_a_reference_to_it_its_caption(tmp_path):
    from reportgen.renderers.latex import LatexProject
    from reportgen.report.document import Document, Prose, Ref, Section, TitleBlock, Words

    words = Words(table="Tabel", figure="Gambar", appendix="Lampiran", contents="Daftar Isi", continued="(lanjutan)")
    front = TitleBlock(title="t", subtitle="", date="d", logo=None, authors=[], authors_line="",
                       labels={"date": "Tanggal"})
    absent = Figure("figure-x", "Kurva loss", None, absent="Kurva loss tidak dapat digambar: datanya hilang.")
    doc = Document(lang="id", run=tmp_path, front=front, words=words, appendix=[],
                   body=[Section("s", "S", [absent, Prose([["Lihat ", Ref("figure-x"), "."]])])])
    files = LatexProject(doc).project()
    source = files["sections/01-s.tex"]
    assert r"\emph{Kurva loss tidak dapat digambar: datanya hilang.}" in source and "Lihat Kurva loss." in source
    assert r"\includegraphics" not in source and r"\ref" not in source and not any(n.startswith("figures/") for n in files)


def test_latex_out_must_be_a_zip(handmade_run, tmp_path):
    from reportgen.errors import UserError

    with pytest.raises(UserError, match=r"does not end in \.zip, the format written; name it x\.zip"):
        render(handmade_run, "latex", out=tmp_path / "x.tex")


@needs_latexmk
@pytest.mark.slow  # latexmk runs pdflatex three or four times and BibTeX (about 20 s here)
def test_the_project_compiles_cleanly_and_its_numbers_are_the_documents(handmade_run, tmp_path):
    unzip(render(handmade_run, "latex"), tmp_path)
    text, log = compile_project(tmp_path / "report-latex")
    assert "undefined" not in log.lower() and "Rerun to get" not in log.split("Output written")[-1]
    blg = (tmp_path / "report-latex" / "main.blg").read_text(encoding="latin-1")
    assert "Warning" not in blg and "error" not in blg.lower(), blg
    widest = max((float(w) for w in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)), default=0.0)
    assert widest <= 5.0, widest
    page = html.unescape(re.sub(r"<[^>]+>", " ", render(handmade_run, "html").read_text()))
    numbers = set(re.findall(NUMBER, page))
    for plot in (tmp_path / "report-latex" / "figures").glob("*.pdf"):  # a plot's axes print their own numbers
        numbers |= set(re.findall(NUMBER, subprocess.run(["pdftotext", plot, "-"], capture_output=True,
                                                         text=True).stdout))
    missing = sorted(set(re.findall(NUMBER, text)) - numbers)
    assert not missing, missing
    doc = build_document(load_analysis(handmade_run), "id")
    flat = " ".join(text.split())
    assert all(" ".join(s.title.split()) in flat for s in doc.sections() if s.title)
    assert "Deep residual learning for image recognition" in flat  # the bibliography, through BibTeX
    assert "[1] K. He" in flat and re.search(r"\w \[1\]", flat)  # its entry, and the text citing it


@needs_latexmk
@pytest.mark.slow  # compiles a LaTeX project (about 20 s here)
def test_hostile_report_text_compiles_and_prints_literally(make_run, tmp_path):
    from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows

    raw = copy.deepcopy(HANDMADE)
    raw["report"].update(
        title=f"T {HOSTILE}", subtitle=f"S {HOSTILE}", course=f"C {HOSTILE}", assignment=f"A {HOSTILE}",
        authors=[{"name": f"N {HOSTILE}", "id": "1_%"}], introduction=f"I {HOSTILE}", objectives=[f"O {HOSTILE}"],
        tools_statement=f"W {HOSTILE}", language="en",
        links=[{"label": f"L {HOSTILE}", "url": "https://example.org/a%20b?q=1&r=2#x"}])
    hist = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1] * 6)
    run = make_run(raw=raw, predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                   histories={"Small CNN": hist, "ResNet18": hist})
    unzip(render(run, "latex"), tmp_path)
    assert r"\usepackage[english]{babel}" in (tmp_path / "report-latex" / "main.tex").read_text()
    text, _ = compile_project(tmp_path / "report-latex")
    squeezed = "".join(text.split())  # line breaks may fall anywhere
    for field in "TSCANIOWL":
        assert "".join(f"{field} {HOSTILE}".split()) in squeezed, field
    assert "https://example.org/a%20b?q=1&r=2#x" in squeezed


def test_a_listing_prints_only_the_code_no_earlier_listing_prints(analysed_run, tmp_path):
    """As the report: a model whose code holds an earlier model's objects says so in a sentence and
    prints only its own (here ResNet18 given the Small CNN's code and one function more)."""
    analysis = load_analysis(analysed_run)
    cnn, resnet = analysis.models
    resnet.code = resnet.code.model_copy(update={
        "text": cnn.code.text.rstrip("\n") + "\n\n\ndef widen(c: int) -> int:\n    return 2 * c\n",
        "names": [*cnn.code.names, "widen"]})
    doc = build_document(analysis, "id")
    listing = doc.find("code-listing-resnet18")
    assert listing.repeat and listing.printed.startswith("def widen(")
    with zipfile.ZipFile(io.BytesIO(render_latex(doc, "report-latex"))) as archive:
        source = "\n".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".tex"))
    assert tex(listing.repeat) in source
    assert source.count("class~CNN(nn.Module):") == 1 and source.count("def~widen(c:~int)") == 1
