"""The models' code: each model's own source (recorded by the run) as a highlighted
listing in the report's appendix and the deck's backup slides, with a walkthrough in plain words;
the layer table's kernel, stride, padding and notes read from the modules; the weight
initialisation stated as the registry records it, and checked against the weights a build draws."""

from __future__ import annotations

import ast
import html
import math
import re
import shutil
import subprocess
from pathlib import Path

import pymupdf
import pytest
import torch
from pptx import Presentation
from pptx.util import Emu
from torch import nn

import reportgen
from reportgen.analysis import analyse, load_analysis
from reportgen.analysis.architecture import layer_table
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.models import ARCHITECTURES, build
from reportgen.renderers.code import code_pages, mono_width
from reportgen.renderers.pptx import Deck
from reportgen.renderers.fonts import FONT_DIR, MONO, MONO_FILES
from reportgen.renderers.html import render_html
from reportgen.renderers.layout import LAYOUT
from reportgen.renderers.textfit import WIDTH_SLACK, line_pitch
from reportgen.report import build_document
from reportgen.report.architecture import code_sections, layer_tables
from reportgen.report.context import Context
from reportgen.report.document import CodeListing
from reportgen.rundir import RunDir
from reportgen.schema.analysis import ModelCode
from helpers import words_past_text_width, write_experiment


@pytest.fixture
def trained_run(tiny_trained, tmp_path):
    """A copy of a real `reportgen run` of the tiny CNN: the run records its code in <model>/model.py."""
    return Path(shutil.copytree(tiny_trained[0], tmp_path / "run"))


def model_key(doc, name: str) -> str:
    """The id suffix of a model's parts in the document."""
    return next(m.key for m in doc.deck.models if m.name == name)


def listing_text(doc, name: str) -> str:
    return doc.find(f"code-listing-{model_key(doc, name)}").source


# --- the listing: the model's own code, the run's record of it --------------------------------------------


@pytest.mark.slow
def test_the_run_records_the_models_own_code_and_the_report_lists_that_record(trained_run):
    model_dir = RunDir(trained_run).model("c")
    recorded = model_dir.code.read_text()
    assert recorded == ARCHITECTURES["cnn"].source()
    assert "class CNN(nn.Module):" in recorded and "def conv_block(" in recorded
    # only the model's own code: not the module's other functions and classes, nor torch's
    assert "def build_cnn" not in recorded and "class CNNParams" not in recorded and "register(" not in recorded

    # the report lists the run's record, not the installed code: a change after the run shows
    model_dir.code.write_text(recorded.replace("class CNN(nn.Module):", "class CNN(nn.Module):  # as trained"))
    a = analyse(trained_run)
    assert a.models[0].code.origin == "run" and a.models[0].code.names == ["conv_block", "CNN"]
    for lang in ("id", "en"):
        doc = build_document(a, lang)
        assert "# as trained" in listing_text(doc, "c")
        assert doc.sentences("text-code-origin-c") == [Phrases(lang)("code.origin_run", model="c", path="c/model.py")]

    # a run older than the record: the installed code, and the report says so in both languages
    model_dir.code.unlink()
    a = analyse(trained_run)
    assert a.models[0].code.origin == "installed" and a.models[0].code.path == "reportgen/models/cnn.py"
    for lang in ("id", "en"):
        doc = build_document(a, lang)
        assert listing_text(doc, "c") == ARCHITECTURES["cnn"].source()
        assert doc.sentences("text-code-origin-c") == [Phrases(lang)("code.origin_installed", model="c",
                                                                     path="reportgen/models/cnn.py")]


def test_a_resumed_model_keeps_the_record_of_the_code_it_started_with(tmp_path):
    experiment = write_experiment(tmp_path)
    run = reportgen.run(experiment, runs_dir=tmp_path / "runs")
    model_dir = RunDir(run).model("c")
    model_dir.code.write_text("# the code it started with\n")
    model_dir.metrics.unlink()  # unfinished: --resume continues it from its last.pt
    reportgen.run(experiment, resume=run)
    assert model_dir.is_finished() and model_dir.code.read_text() == "# the code it started with\n"


def test_a_resnet_lists_its_own_block_and_never_a_librarys_code():
    resnet34 = ARCHITECTURES["resnet34"].source()
    assert "class BasicBlock(nn.Module):" in resnet34 and "class ResNet(nn.Module):" in resnet34
    assert "class MultiPathBlock" not in resnet34 and "class PlainBlock" not in resnet34
    assert "class PreActBlock" in ARCHITECTURES["preact_resnet34"].source()
    resnet18 = ARCHITECTURES["resnet18_cifar"].source()
    assert resnet18.startswith("def resnet18_cifar(") and "torchvision.models.resnet18(" in resnet18
    assert "def _make_layer" not in resnet18 and "class BasicBlock" not in resnet18  # torchvision's own


# --- highlighted, in every format, and fitting -----------------------------------------------------------


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_the_html_and_pdf_listing_is_highlighted_whole_and_within_the_page(analysed_run):
    doc = build_document(load_analysis(analysed_run), "en")
    page = render_html(doc)
    listing = page[page.index('<pre class="code">'):]
    listing = listing[:listing.index("</pre>")]
    assert '<span class="k">class</span>' in listing and '<span class="nc">CNN</span>' in listing
    assert re.search(r"pre\.code \.k \{ color: #[0-9A-F]+", page)  # the style's colours, in the page itself
    code_text = html.unescape(re.sub(r'<span class="ln">\s*\d+</span> |<[^>]+>', "", listing))
    assert code_text == listing_text(doc, "Small CNN").rstrip("\n")  # every line, none added

    pdf = reportgen.render(analysed_run, "pdf", out=analysed_run / "code.pdf", lang="en")
    text = "".join(p.get_text() for p in pymupdf.open(pdf))
    assert "class CNN(nn.Module):" in text and "def resnet18_cifar(num_classes: int, image_size: int)" in text
    fonts = {f[3] for p in pymupdf.open(pdf) for f in p.get_fonts()}
    assert {name.split("+")[-1] for name in fonts if "Mono" in name} == {  # the bundled faces, embedded
        "Liberation-Mono", "Liberation-Mono-Bold", "Liberation-Mono-Italic"}
    assert not words_past_text_width(pdf)


def code_slides(prs, title: str) -> list:
    return [slide for slide in prs.slides if any(sh.has_text_frame and sh.text_frame.text == title for sh in slide.shapes)]


def test_the_deck_shows_the_code_in_colour_in_courier_new_and_fitting_beside_its_steps(analysed_run):
    """One slide per model in the main part: the listing's first page beside the plain-language
    steps (the whole listing is the report's appendix)."""
    t = Phrases("id")
    doc = build_document(analyse(analysed_run), "id")
    prs = Presentation(str(reportgen.render(analysed_run, "pptx", out=analysed_run / "code.pptx")))
    slides = code_slides(prs, t("deck.architecture", model="Small CNN"))
    assert len(slides) == 1
    lines, colours = [], set()
    for slide in slides:
        frame = next(sh for sh in slide.shapes if sh.has_text_frame and any(
            r.font.name == MONO for p in sh.text_frame.paragraphs for r in p.runs))
        box_w, box_h = Emu(frame.width).pt, Emu(frame.height).pt
        used = 2 * LAYOUT.inset
        for p in frame.text_frame.paragraphs:
            runs = p.runs
            assert {r.font.name for r in runs} == {MONO}
            colours |= {str(r.font.color.rgb) for r in runs}
            width = sum(mono_width(r.text, r.font.size.pt, bool(r.font.bold)) for r in runs)
            assert width <= box_w - 2 * LAYOUT.inset, p.text  # no line past its box
            used += p.line_spacing.pt
            lines.append(p.text)
        assert used <= box_h + 0.5  # no slide's listing past its box
    assert len(colours) > 2  # keywords, names, strings in their own colours (and grey line numbers)
    source = listing_text(doc, "Small CNN").rstrip("\n").split("\n")
    gutter = len(str(len(source))) + 1  # the line number and a space
    shown = []  # a numbered row starts a line; a row with a blank gutter continues it (indented as it)
    for row in lines:
        if row[:gutter].strip():
            shown.append(row[gutter:])
        else:
            shown[-1] += row[gutter + len(shown[-1]) - len(shown[-1].lstrip(" ")):]
    # the listing's first lines, in order (the last one may continue on no slide)
    assert len(shown) > 5 and shown[:-1] == source[:len(shown) - 1] and source[len(shown) - 1].startswith(shown[-1])
    steps = {p.text.replace("\x0b", " ") for sh in slides[0].shapes if sh.has_text_frame for p in sh.text_frame.paragraphs}
    assert doc.sentences("list-code-steps-small-cnn")[0] in steps  # its first step beside it


def test_a_long_listing_wraps_and_continues_over_slides_within_the_box():
    source = "\n".join(f"x{i} = " + "'" + "word " * (i % 40) + "'" for i in range(120))
    size = 11
    pages = code_pages(source, size)
    width = (LAYOUT.content.w - 2 * LAYOUT.inset) * WIDTH_SLACK
    assert len(pages) > 4
    for page in pages:
        assert 2 * LAYOUT.inset + len(page) * line_pitch(size) <= LAYOUT.content.h
        assert all(sum(mono_width(p.text, size, p.bold) for p in row) <= width for row in page)
    rebuilt = []  # a numbered row starts a line; a row with a blank gutter continues it
    for row in ("".join(p.text for p in row) for page in pages for row in page):
        gutter, text = row[:4], row[4:]  # three digits and a space
        if gutter.strip():
            rebuilt.append(text)
        else:
            rebuilt[-1] += text
    assert rebuilt == source.split("\n")


@pytest.mark.slow
def test_the_code_font_is_the_shipped_twin_of_courier_new(tmp_path):
    from PIL import ImageFont

    assert MONO == "Courier New"
    for bold, path in MONO_FILES.items():
        assert path.parent == FONT_DIR and ImageFont.truetype(str(path), 100).getname() == (
            "Liberation Mono", "Bold" if bold else "Regular")
    assert "SIL Open Font License" in (FONT_DIR / "LICENSE-LiberationMono.txt").read_text()
    soffice, pdffonts = shutil.which("soffice"), shutil.which("pdffonts")
    if not (soffice and pdffonts):
        pytest.skip("LibreOffice (soffice) or poppler-utils (pdffonts) is not installed")
    deck = Deck(footer="f", continued="(lanjutan)")
    deck.code("Kode", code_pages(ARCHITECTURES["cnn"].source(), 11), 11, ["catatan"])
    (tmp_path / "deck.pptx").write_bytes(deck.to_bytes())
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")], check=True, capture_output=True,
                   timeout=180)
    fonts = subprocess.run([pdffonts, str(tmp_path / "deck.pdf")], check=True, capture_output=True,
                           text=True).stdout
    assert "LiberationMono" in fonts  # LibreOffice draws Courier New with the face the layout measured


# --- the layer table's kernel, stride, padding and notes ---------------------------------------------


def pair(value) -> str:
    h, w = value if isinstance(value, tuple) else (value, value)
    return str(h) if h == w else f"{h}×{w}"


@pytest.mark.parametrize("arch, params", [("cnn", {"kernel_size": 5, "pool_type": "avg"}), ("resnet34", {}),
                                          ("multipath_resnet34", {}), ("resnet18_cifar", {})])
def test_kernel_stride_and_padding_are_the_modules_own(arch, params):
    model = build(arch, 3, 32, params)
    table = layer_table(model, 32)
    checked = 0
    for row in table.rows:
        module = model.get_submodule(row.name)
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            assert [pair(module.kernel_size), pair(module.stride), pair(module.padding)] == [
                pair(tuple(row.kernel)), pair(tuple(row.stride)), pair(tuple(row.padding))]
            checked += 1
        else:
            assert row.kernel is row.stride is row.padding is None
    assert checked >= 1


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_layer_table_shows_them_with_a_note_per_layer(analysed_run, lang):
    t = Phrases(lang)
    doc = build_document(load_analysis(analysed_run), lang)
    cnn, resnet = (doc.table(f"table-layers-{key}") for key in ("small-cnn", "resnet18"))
    header = cnn.header
    assert header[4:7] == [t("code.column.kernel"), t("code.column.stride"), t("code.column.padding")]
    assert header[-1] == t("code.column.notes") == {"id": "Keterangan", "en": "Notes"}[lang]
    rows = {row[0].strip("\u2003"): row for row in cnn.rows}
    assert rows["conv1.0"][4:7] == ["3×3", "1", "1"] and rows["pool"][4:7] == ["2×2", "2", "0"]
    assert rows["conv1.0"][-1] == t("code.layer.conv", kernel="3×3", filters="4")  # conv_filters [4, 8, 8]
    assert rows["fc2"][-1] == t("code.layer.output", outputs="3")
    pools = [row[-1] for row in cnn.rows if row[0] == "pool"]  # the one pool, run after each block
    assert [t("code.layer.resolution_half", before=a, after=b) in note
            for note, (a, b) in zip(pools, [("16×16", "8×8"), ("8×8", "4×4"), ("4×4", "2×2")])] == [True] * 3
    rows = {row[0].strip("\u2003"): row for row in resnet.rows}
    assert rows["conv1"][4:7] == ["3×3", "1", "1"] and rows["maxpool"][4:7] == ["–", "–", "–"]
    assert t("code.layer.projection") in rows["layer2.0"][-1] and t("code.layer.projection") not in rows["layer2.1"][-1]
    assert all(row[-1] for row in cnn.rows[:-1] + resnet.rows[:-1])  # every layer has its note


# --- the walkthrough ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_walkthrough_follows_the_layers_as_they_run(analysed_run, lang):
    t = Phrases(lang)
    doc = build_document(load_analysis(analysed_run), lang)
    assert doc.sentences("text-code-intro-small-cnn") == [t(
        "code.intro", names=Formatter(lang).listing(["conv_block", "CNN"]), model="Small CNN", shape="3×16×16")]
    cnn_steps = doc.sentences("list-code-steps-small-cnn")
    steps = " ".join(cnn_steps)
    for filters in ("4", "8"):  # conv_filters = [4, 8, 8], fc_neurons = 16, dropout 0.4 by default
        assert t("code.layer.conv", kernel="3×3", filters=filters) in steps
    assert t("code.layer.linear", inputs="32", outputs="16") in steps
    assert t("code.layer.dropout", p="0,4" if lang == "id" else "0.4") in steps
    assert [s.split(":")[0] for s in cnn_steps] == ["conv1 + pool", "conv2 + pool", "conv3 + pool + flatten",
                                                   "fc1 + relu + dropout", "fc2"]
    assert "skip" not in steps  # the CNN has no skip connection, and its walkthrough claims none
    initial = t("code.initial_weights", init=t("code.init.pytorch"))
    assert doc.sentences("text-code-facts-small-cnn")[0] == initial
    resnet_steps = " ".join(doc.sentences("list-code-steps-resnet18"))
    assert f"2 × {t('code.block.BasicBlock')}" in resnet_steps  # layer1: two blocks, no projection
    assert t("code.layer.with_projection", block=t("code.block.BasicBlock")) in resnet_steps


# --- the initialisation: the registry's fact, the weights a build draws, the report ----------------------


def drawn_init(conv: nn.Conv2d) -> str:
    """How a conv's weights were drawn: PyTorch's default is uniform within 1/sqrt(fan_in) (Kaiming
    uniform, a = sqrt(5)); Kaiming normal (fan_out, ReLU) has sd sqrt(2 / fan_out)."""
    w = conv.weight.detach()
    kh, kw = conv.kernel_size
    fan_in, fan_out = conv.in_channels // conv.groups * kh * kw, conv.out_channels // conv.groups * kh * kw
    if w.abs().max() <= 1 / math.sqrt(fan_in) + 1e-6 and abs(w.std() * math.sqrt(3 * fan_in) - 1) < 0.1:
        return "pytorch"
    if abs(w.std() / math.sqrt(2 / fan_out) - 1) < 0.1:
        return "kaiming_fan_out"
    return "other"


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_the_recorded_initialisation_is_how_the_weights_are_drawn(arch):
    torch.manual_seed(0)
    model = build(arch, 10, 32, {})
    convs = {name: m for name, m in model.named_modules() if isinstance(m, nn.Conv2d) and m.weight.numel() >= 500}
    drawn = {name: drawn_init(m) for name, m in convs.items()}
    init = ARCHITECTURES[arch].init
    expected = {name: "pytorch" if init == "pytorch" or (init == "kaiming_fan_out_new_stem" and name == "conv1")
                else "kaiming_fan_out" for name in convs}
    assert drawn == expected


@pytest.mark.parametrize("lang, cnn, resnet", [
    ("id", "bawaan PyTorch (Kaiming uniform)", "Kaiming normal (fan_out) pada Conv2d, kecuali stem (bawaan PyTorch)"),
    ("en", "PyTorch default (Kaiming uniform)", "Kaiming normal (fan_out) on Conv2d, except the stem (PyTorch default)"),
])
def test_the_training_table_states_the_initialisation(analysed_run, lang, cnn, resnet):
    doc = build_document(load_analysis(analysed_run), lang)
    row = next(r for r in doc.table("table-training").rows if r[0] == Phrases(lang)("code.init_label"))
    assert row[1:] == [cnn, resnet]
    assert {"id": "Inisialisasi bobot", "en": "Weight initialisation"}[lang] == row[0]


# --- variants of one family: one layer table, each code object printed once -----------------------------


RESNET34_VARIANTS = {"Plain-34": "plain34", "ResNet-34": "resnet34", "Pre-activation ResNet-34": "preact_resnet34"}


def with_variants(analysis, archs: dict[str, str]):
    """The analysis with the hand-made run's ResNet18 replaced by each of `archs` ({label: arch}):
    the layer table read from the real module, the code the registry's; the Small CNN stays."""
    base = next(m for m in analysis.models if m.arch == "resnet18_cifar")
    cnn = next(m for m in analysis.models if m.arch == "cnn")
    variants = []
    for label, arch in archs.items():
        text = ARCHITECTURES[arch].source()
        variants.append(base.model_copy(deep=True, update={
            "label": label, "slug": label.lower().replace(" ", "-"), "arch": arch,
            "architecture": layer_table(build(arch, 5, 32, {}), 32),
            "code": ModelCode(text=text, names=[n.name for n in ast.parse(text).body if hasattr(n, "name")],
                              origin="installed", path="reportgen/models/resnet.py")}))
    return analysis.model_copy(update={"models": [*variants, cnn]})


@pytest.mark.parametrize("lang", ["id", "en"])
def test_variants_whose_layers_align_share_one_layer_table_with_a_parameter_column_each(analysed_run, lang):
    t, fmt = Phrases(lang), Formatter(lang)
    analysis = with_variants(load_analysis(analysed_run), RESNET34_VARIANTS)
    cx = Context(analysis, lang)
    blocks = layer_tables(cx)
    family, legend, cnn = blocks
    models = analysis.models[:3]
    assert family.header == [t("ui.layer"), t("ui.type"), t("ui.input_shape"), t("ui.output_shape"),
                             t("code.column.settings"), *RESNET34_VARIANTS]
    assert cnn.id == "table-layers-small-cnn" and cnn.header[-1] == t("code.column.notes")  # no family: its own table
    rows = {row[0].strip("\u2003"): row for row in family.rows[:-1]}
    for m in models:  # every layer of every model, with its own parameters in its own column
        column = family.header.index(m.label)
        assert all(rows[r.name][column] == fmt.integer(r.params) for r in m.architecture.rows)
    assert family.rows[-1][5:] == [fmt.integer(m.architecture.total_params) for m in models]
    assert rows["post.0"][5:] == ["–", "–", fmt.integer(1024)]  # the pre-activation net's closing BatchNorm alone
    assert rows["stem.0"][1:5] == ["Conv2d", "3×32×32", "64×16×16", "7×7 / 2 / 3"]  # shared: said once
    marks = dict(re.findall(r"(\(\d+\)) ([^(]+?)(?=; \(\d+\)|\.$)", legend.sentences[0]))
    assert marks[rows["layer1.0"][1]] == "Plain-34: PlainBlock; ResNet-34: BasicBlock; Pre-activation ResNet-34: PreActBlock"
    projection = marks[rows["layer2.0"][1]]  # the first block of a stage: a projection where the net has one
    assert projection.startswith("Plain-34: PlainBlock; ResNet-34: " + t("code.layer.with_projection", block="BasicBlock"))
    assert rows["layer2.1"][1] == rows["layer1.0"][1] and rows["layer2"][1] == "Sequential" and rows["layer2"][4] == "–"
    notes = legend.sentences[-1]
    assert all(notes.count(t(f"code.block.{block}")) == 1 for block in ("PlainBlock", "BasicBlock", "PreActBlock"))


def test_a_code_object_is_printed_for_the_first_model_that_has_it(analysed_run):
    t, fmt = Phrases("en"), Formatter("en")
    analysis = with_variants(load_analysis(analysed_run), RESNET34_VARIANTS)
    altered = analysis.models[2].code.text.replace("class ResNet(nn.Module):", "class ResNet(nn.Module):  # altered")
    analysis.models[2].code = analysis.models[2].code.model_copy(update={"text": altered})
    listings = {s.id: next(b for b in s.blocks if isinstance(b, CodeListing))
                for s in code_sections(Context(analysis, "en"))}
    plain, resnet, preact = (listings[f"code-{slug}"] for slug in ("plain-34", "resnet-34", "pre-activation-resnet-34"))
    assert plain.printed == plain.source and not plain.repeat
    assert "class BasicBlock" in resnet.printed and "def conv(" not in resnet.printed and "class ResNet" not in resnet.printed
    assert resnet.repeat == t("code.repeat", model="ResNet-34", objects=t(
        "code.repeat_part", names=fmt.listing(["conv", "projection", "two_convs", "ResNet"]), other="Plain-34"))
    assert "class PreActBlock" in preact.printed and "# altered" in preact.printed  # its ResNet is its own
    assert "def conv(" not in preact.printed and preact.repeat == t("code.repeat", model="Pre-activation ResNet-34", objects=t(
        "code.repeat_part", names=fmt.listing(["conv", "projection", "two_convs"]), other="Plain-34"))
    assert all(listing.source == m.code.text for listing, m in zip((plain, resnet, preact), analysis.models))
