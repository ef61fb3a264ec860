"""The PDF report and the HTML page, opened as a reader would: text, tables, figures, fonts."""

import re

import pypdf
import pytest

from reportgen.analysis import analyse, load_analysis
from reportgen import render
from reportgen.renderers.pdf import ProjectOnlyFetcher
from reportgen.resources import TEMPLATES_DIR
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.report import build_document
from helpers import documents_figures, pdf_text

SECTIONS = ["introduction", "objectives", "methodology", "dataset", "environment", "training", "architectures",
            "results", "final", "comparison", "confusion", "feature_maps", "discussion", "conclusion"]


def pdf_images(path) -> int:
    """Distinct embedded pictures (WeasyPrint may share one resource dictionary between pages)."""
    ids = set()
    for page in pypdf.PdfReader(path).pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            if ref.get_object()["/Subtype"] == "/Image":
                ids.add(ref.idnum)
    return len(ids)


def expected_figures(a, lang: str = "id") -> int:
    """The figures the analysis names, less those that cannot be drawn (a sentence stands for each:
    e.g. a freshly initialised model's Grad-CAM maps that are all zero)."""
    compared = a.comparison is not None  # compared models' curves are one figure, not a pair a model
    per_model = sum(len([k for k in m.figures if not (compared and k in ("loss", "accuracy"))]) + len(m.feature_maps)
                    + (len(m.explanation.figures) if m.explanation else 0) for m in a.models)
    named = (per_model + (len(a.comparison.figures) if compared else 0) + len(a.figures)
             + bool(a.dataset.samples_figure) + bool(a.dataset.distribution_figure)
             + sum(bool(d.figure) for d in a.disagreements))
    shown = documents_figures(build_document(a, lang))
    assert len(shown) == named
    return sum(bool(figure.path) for figure in shown)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
def test_pdf_has_every_section_number_and_figure(rendered, lang):
    out = rendered("pdf", lang)
    a = load_analysis(out.parent)
    assert out.name == ("report.pdf" if lang == "id" else "report-en.pdf")
    text = pdf_text(out)
    t, f = Phrases(lang), Formatter(lang)
    for key in SECTIONS:
        assert t(f"ui.section.{key}") in text, key
    assert t("ui.references") in text and "Deep residual learning for image recognition" in text
    for m in a.models:
        metrics_acc = f.percent(m.accuracy)
        assert metrics_acc in text
        for c in m.per_class:  # the per-class table
            assert f"{c.name} {f.decimal(c.precision)} {f.decimal(c.recall)} {f.decimal(c.f1)} {c.support}" in text
        assert f"{t('ui.macro_avg')} {f.decimal(m.macro.precision)}" in text
        assert f.integer(m.params) in text
    assert f"{t('ui.figure')} {expected_figures(a)}:" in text
    assert f"{t('ui.figure')} {expected_figures(a) + 1}:" not in text
    assert pdf_images(out) == expected_figures(a)
    for name, author_id in (("Ani", "001"), ("Budi", "002")):
        assert f"{name} ({author_id})" in text


def test_pdf_embeds_its_fonts(rendered):
    reader = pypdf.PdfReader(rendered("pdf"))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor["/FontDescriptor"].get_object()
    assert fonts and all(fonts.values())
    assert all("DejaVu" in name or "Liberation-Mono" in name for name in fonts)  # Liberation Mono: code listings


def test_differences_are_in_percentage_points(rendered):
    text = pdf_text(rendered("pdf"))
    assert "−22,22 pp" in text  # ResNet18 vs the Small CNN baseline: 6/9 vs 8/9
    assert "22,22%" not in text


def test_html_is_self_contained(rendered):
    html = rendered("html").read_text()
    a = load_analysis(rendered("html").parent)
    assert html.count('src="data:image/png;base64,') == expected_figures(a)
    assert not re.search(r'src="(?!data:)', html)  # nothing to fetch: it opens offline
    assert Formatter("id").percent(a.models[0].accuracy) in html


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_hostile_user_text_is_escaped(make_run, tmp_path):
    import copy

    from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows

    raw = copy.deepcopy(HANDMADE)
    raw["report"]["title"] = "<script>alert('x')</script> & Co \x00\x0b"
    raw["report"]["authors"] = [{"name": "<img src=http://evil.example/x.png> O'Brien & Sons", "id": "1\x07"}]
    hist = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1] * 6)
    run = make_run(raw=raw, predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                   histories={"Small CNN": hist, "ResNet18": hist})
    html = render(run, "html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert" in html and "&amp; Co" in html
    assert "<img src=http" not in html and "\x00" not in html and "\x0b" not in html
    text = pdf_text(render(run, "pdf"))
    assert "<script>alert('x')</script> & Co" in text and "O'Brien & Sons" in text


def test_fetcher_refuses_anything_outside_the_project():
    fetcher = ProjectOnlyFetcher()
    escape = (TEMPLATES_DIR / "report").as_uri() + "/%2e%2e" * 12 + "/etc/passwd"  # percent-encoded ".."
    for url in ("http://evil.example/x.png", "https://example.com/a.css", "file:///etc/passwd", escape):
        with pytest.raises(ValueError, match="fetches no resource"):
            fetcher.fetch(url)


def test_a_tampered_figure_path_is_refused_not_read(analysed_run, tmp_path):
    import json

    from typer.testing import CliRunner

    from reportgen.cli import app

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"private bytes")
    path = analysed_run / "analysis.json"
    stored = json.loads(path.read_text())
    stored["models"][0]["figures"]["confusion"] = "../" * 12 + str(secret.with_suffix("")).lstrip("/")
    path.write_text(json.dumps(stored))
    for fmt in ("html", "pdf", "pptx"):
        result = CliRunner().invoke(app, ["render", str(analysed_run), "--format", fmt])
        assert result.exit_code == 2 and "names a figure by an invalid id" in result.output
        assert "Traceback" not in result.output
    assert not list(analysed_run.glob("report*")) and not list(analysed_run.glob("slides*"))


def test_render_command_takes_the_newest_run(analysed_run, monkeypatch):
    from typer.testing import CliRunner

    from reportgen.cli import app

    runs = analysed_run.parent / "runs"
    (runs / "handmade").mkdir(parents=True)
    (runs / "handmade" / "20260202-000000").mkdir()  # a newer run that failed: never chosen
    (runs / "handmade" / "20260202-000000" / "experiment.toml").write_text("name = 'handmade'")
    analysed_run.rename(runs / "handmade" / "20260101-000000")
    monkeypatch.chdir(analysed_run.parent)
    result = CliRunner().invoke(app, ["render", "--format", "html", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("runs/handmade/20260101-000000/report-en.html")


def test_render_without_a_run_says_how_to_make_one(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from reportgen.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["render", "--format", "pdf"])
    assert result.exit_code == 2 and "reportgen init && reportgen run demo.toml" in result.output
    result = CliRunner().invoke(app, ["render", str(tmp_path), "--format", "docx"])
    assert result.exit_code == 2 and "format must be one of pdf, html, pptx" in result.output


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_logo_is_on_the_title_block_and_the_title_slide(make_run, tmp_path):
    import copy

    from PIL import Image
    from pptx import Presentation

    from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows
    from reportgen.runner import copy_logo
    from reportgen.rundir import RunDir

    logo = tmp_path / "logo.jpg"
    Image.new("RGB", (300, 100), (200, 30, 30)).save(logo)
    raw = copy.deepcopy(HANDMADE)
    raw["report"]["logo"] = str(logo)
    hist = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1] * 6)
    run = make_run(raw=raw, predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                   histories={"Small CNN": hist, "ResNet18": hist})
    copy_logo(logo, RunDir(run).logo)  # what `reportgen run` does before training
    logo.unlink()  # the documents read the run's copy only
    a = analyse(run)
    html = render(run, "html").read_text()
    assert html.count('src="data:image/png;base64,') == expected_figures(a) + 1
    assert pdf_images(render(run, "pdf")) == expected_figures(a) + 1
    title = Presentation(str(render(run, "pptx"))).slides[0]
    assert sum(shape.shape_type == 13 for shape in title.shapes) == 1  # 13: a picture


def test_unreadable_logo_is_a_clear_error(tmp_path):
    from reportgen.errors import UserError
    from reportgen.runner import copy_logo

    (tmp_path / "logo.png").write_bytes(b"not an image")
    with pytest.raises(UserError, match="report.logo .*cannot be read as an image"):
        copy_logo(tmp_path / "logo.png", tmp_path / "copy.png")
    with pytest.raises(UserError, match="report.logo"):
        copy_logo(tmp_path / "missing.png", tmp_path / "copy.png")


# the PDF is slow: a whole PDF of its own with WeasyPrint
@pytest.mark.parametrize("fmt", [pytest.param("pdf", marks=pytest.mark.slow), "html", "pptx", "latex"])
def test_every_format_is_written_atomically(analysed_run, monkeypatch, fmt):
    import reportgen.rundir

    build_document(load_analysis(analysed_run), "id")  # so the render writes nothing but its document (figures drawn)
    written = []
    atomic = reportgen.rundir.atomic_write_bytes

    def recording(path, data):
        written.append(path)
        atomic(path, data)

    monkeypatch.setattr(reportgen.rundir, "atomic_write_bytes", recording)
    out = render(analysed_run, fmt)
    assert written == [out] and out.stat().st_size > 0


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_out_must_be_a_writable_file_of_the_format(analysed_run, tmp_path):
    from typer.testing import CliRunner

    from reportgen.cli import app

    (tmp_path / "a-file").write_text("")
    cases = [(tmp_path, "is a folder"), (tmp_path / "x.html", "does not end in .pdf"),
             (tmp_path / "a-file" / "r.pdf", "cannot write"), (tmp_path / "missing" / "dir" / "r.pdf", None)]
    for out, message in cases:
        result = CliRunner().invoke(app, ["render", str(analysed_run), "--format", "pdf", "--out", str(out)])
        if message is None:
            assert result.exit_code == 0 and out.is_file()
        else:
            assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_a_very_long_header_field_does_not_hang_the_pdf(make_run):
    import copy
    import subprocess
    import sys

    from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows

    raw = copy.deepcopy(HANDMADE)
    raw["report"]["assignment"] = " ".join(["panjang"] * 2000)  # minutes to lay out before the fixed layout
    raw["report"]["course"] = "x" * 5000  # one word, no break opportunity
    hist = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1] * 6)
    run = make_run(raw=raw, predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                   histories={"Small CNN": hist, "ResNet18": hist})
    analyse(run)
    # A guard against a hang, not a timing: the demo-sized PDF takes seconds here.
    result = subprocess.run([sys.executable, "-m", "reportgen", "render", str(run), "--format", "pdf"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "panjang panjang" in pdf_text(run / "report.pdf")
