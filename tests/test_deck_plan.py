"""The deck as a talk: how many slides it has by part (main, backup) for two, four and eight
models, speaker notes on every slide, at most five bullets a slide, type sizes read back from the
XML, and alt text on every picture. The runs are hand-made (no training)."""

from __future__ import annotations

import io
import json
import re

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pptx.util import Pt

from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows
import reportgen
from reportgen.analysis import load_analysis
from reportgen.config import validate_experiment
from reportgen.errors import UserError
from reportgen.language.phrases import Phrases
from reportgen.renderers.layout import Para
from reportgen.renderers.pptx import Deck
from reportgen.schema.analysis import Analysis

# Main slides (title to "Terima Kasih") and backup slides a talk of n models may have.
MAIN_LIMIT = {2: 25, 4: 32, 8: 40}
BACKUP_LIMIT = {4: 20}
PREDICTIONS = [CNN_PRED, RESNET_PRED, [0, 0, 1, 1, 1, 1, 2, 2, 2], [0, 0, 0, 0, 1, 1, 2, 2, 1]]


def many_models_run(make_run, n: int):
    """A hand-made run of `n` small CNNs, each with its own predictions and curves."""
    raw = json.loads(json.dumps(HANDMADE))
    labels = [f"CNN {i + 1}" for i in range(n)]
    raw["models"] = [{"arch": "cnn", "label": label, "params": {"conv_filters": [4, 8, 8], "fc_neurons": 8 + 4 * i}}
                     for i, label in enumerate(labels)]
    raw["report"]["baseline"] = labels[0]
    histories = {label: history_rows([.5, .6 + i / 100, .7, .75], [.5, .55, .6 + i / 100, .62],
                                     [1.0, .9, .8, .7], [1.1, 1.0, .95, .9 + i / 100])
                 for i, label in enumerate(labels)}
    return make_run({label: PREDICTIONS[i % len(PREDICTIONS)] for i, label in enumerate(labels)}, histories, raw=raw)


def deck_of(run) -> Presentation:
    return Presentation(str(reportgen.render(run, "pptx", out=run / "deck.pptx")))


def is_cover(slide) -> bool:
    """A title or divider slide: no slide number, drawn on the primary colour."""
    return not any(shape.has_text_frame and shape.text_frame.text.isdigit() for shape in slide.shapes)


def parts(prs) -> tuple[list, list]:
    """(main slides, backup slides): the main part ends with the thanks slide."""
    slides = list(prs.slides)
    thanks = Phrases("id")("deck.thanks")
    end = next(i for i, s in enumerate(slides) if any(sh.has_text_frame and sh.text_frame.text == thanks
                                                        for sh in s.shapes))
    return slides[:end + 1], slides[end + 1:]


def sizes(prs) -> dict[str, list[float]]:
    """Every run's font size by where it is: in a table, in a bulleted paragraph, elsewhere."""
    found = {"table": [], "bullet": [], "other": []}
    for slide in prs.slides:
        for shape in slide.shapes:
            frames = ([("table", cell.text_frame) for row in shape.table.rows for cell in row.cells]
                      if shape.has_table else [("frame", shape.text_frame)] if shape.has_text_frame else [])
            for where, frame in frames:
                for p in frame.paragraphs:
                    bulleted = p._p.pPr is not None and p._p.pPr.find(qn("a:buChar")) is not None
                    kind = "table" if where == "table" else "bullet" if bulleted else "other"
                    found[kind] += [run.font.size.pt for run in p.runs if run.text.strip()]
    return found


def bullets_on(slide) -> int:
    return sum(1 for shape in slide.shapes if shape.has_text_frame for p in shape.text_frame.paragraphs
               if p._p.pPr is not None and p._p.pPr.find(qn("a:buChar")) is not None)


# Rendered once per model count for every test here: make_run is per test, a deck takes seconds.
DECKS: dict[int, tuple[Presentation, Analysis]] = {}


@pytest.fixture(params=[2, 4, pytest.param(8, marks=pytest.mark.slow)], ids=lambda n: f"{n}-models")
def talk(request):
    n = request.param
    if n not in DECKS:
        run = (request.getfixturevalue("handmade_run") if n == 2
               else many_models_run(request.getfixturevalue("make_run"), n))
        DECKS[n] = deck_of(run), load_analysis(run, None)
    return n, *DECKS[n]


@pytest.mark.slow
def test_slide_counts_by_part(talk):
    n, prs, _ = talk
    main, backup = parts(prs)
    assert len(main) <= MAIN_LIMIT[n]
    assert len(backup) <= BACKUP_LIMIT.get(n, len(backup))
    assert sum(is_cover(s) for s in backup) == 1  # one divider before all the backup slides
    assert sum(is_cover(s) for s in main) == 2  # the title and the thanks: no divider per model


def test_every_slide_has_notes_and_at_most_five_bullets(talk):
    _, prs, _ = talk
    assert [i for i, s in enumerate(prs.slides, 1) if not (s.has_notes_slide and
                                                          s.notes_slide.notes_text_frame.text.strip())] == []
    main, _ = parts(prs)
    assert [i for i, s in enumerate(main, 1) if bullets_on(s) > 5] == []


def test_type_is_large_enough_to_read(talk):
    _, prs, _ = talk
    found = sizes(prs)
    assert min(found["bullet"]) >= 14
    assert min(found["table"]) >= 12
    assert min(found["other"]) >= 11  # captions, labels, code, the footer


def test_every_picture_is_described(talk):
    _, prs, _ = talk
    pictures = [shape for slide in prs.slides for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert pictures
    # python-pptx's own default is the image's file name ("image.png"): words, not a file name.
    descriptions = [p._element.nvPicPr.cNvPr.get("descr", "") for p in pictures]
    assert [d for d in descriptions if not d.strip() or re.fullmatch(r"[\w.-]+\.(png|jpe?g|gif|bmp)", d)] == []


def test_native_charts_hold_the_analysis_values(talk):
    _, prs, analysis = talk
    t = Phrases("id")
    charts = {shape.name: shape.chart for slide in prs.slides for shape in slide.shapes if shape.has_chart}

    def series(name: str) -> tuple[list[str], dict[str, list]]:
        plot = charts[name].plots[0]
        return list(plot.categories), {s.name: list(s.values) for s in plot.series}

    models = analysis.models
    split = analysis.dataset.eval_split
    names, accuracy = series(t("deck.chart.accuracy"))
    assert names == [m.label for m in models]
    assert accuracy[t("ui.stat.train_acc")] == [m.train_acc for m in models]
    assert accuracy[t(f"ui.stat.eval_acc_{split}")] == [m.accuracy for m in models]
    classes, per_class = series(t("deck.per_class_comparison"))
    assert classes == analysis.dataset.classes
    assert per_class == {m.label: [c.accuracy for c in m.per_class] for m in models}
    epochs, curves = series(t("ui.stat.val_acc"))
    assert curves == {m.label: m.history.val_acc for m in models}
    assert epochs == [str(e) for e in models[0].history.epoch]
    # the picture stays only where no native chart replaces it
    titles = [s.shapes[0].text_frame.text for s in prs.slides if s.shapes[0].has_text_frame]
    assert titles.count(t("deck.per_class_comparison")) == 2  # the chart, and the table on a backup slide


# --- report.pptx_template ---------------------------------------------------------------------


def template_file(path, width_pt: float = 960, height_pt: float = 540):
    """A template with a renamed blank layout and a slide of its own (which the deck drops)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Pt(width_pt), Pt(height_pt)
    blank = prs.slide_layouts[6]
    blank._element.cSld.set("name", "Fakultas Kosong")
    prs.slides.add_slide(blank).shapes.add_textbox(0, 0, Pt(100), Pt(40)).text_frame.text = "SLIDE TEMPLATE"
    prs.save(path)
    return path


def test_the_deck_is_drawn_on_the_template(tmp_path):
    deck = Deck(footer="x", continued="(lanjutan)", template=template_file(tmp_path / "fakultas.pptx"))
    deck.content("Judul", [Para("isi")], ["catatan"])
    prs = Presentation(io.BytesIO(deck.to_bytes()))
    assert len(prs.slides) == 1
    assert prs.slides[0].slide_layout.name == "Fakultas Kosong"
    assert "SLIDE TEMPLATE" not in [s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame]


def test_a_template_of_another_size_or_missing_is_one_clear_line(tmp_path):
    with pytest.raises(UserError, match=r"10\.000 × 7\.500 in; the deck needs 13\.333 × 7\.500 in"):
        Deck(footer="x", continued="", template=template_file(tmp_path / "lama.pptx", 720, 540))
    with pytest.raises(UserError, match="does not exist"):
        Deck(footer="x", continued="", template=tmp_path / "hilang.pptx")
    (tmp_path / "rusak.pptx").write_text("bukan pptx")
    with pytest.raises(UserError, match="cannot be read as a PowerPoint file"):
        Deck(footer="x", continued="", template=tmp_path / "rusak.pptx")


def test_the_experiment_names_only_an_existing_pptx(tmp_path):
    raw = json.loads(json.dumps(HANDMADE))
    raw["report"]["pptx_template"] = str(tmp_path / "tema.potx")
    with pytest.raises(UserError, match=r"pptx_template .*tema\.potx' must be a PowerPoint \.pptx file"):
        validate_experiment(raw, "x.toml")
    raw["report"]["pptx_template"] = str(tmp_path / "tidak-ada.pptx")
    with pytest.raises(UserError, match="does not exist"):
        validate_experiment(raw, "x.toml")
    raw["report"]["pptx_template"] = str(template_file(tmp_path / "ada.pptx"))
    assert validate_experiment(raw, "x.toml").report.pptx_template == raw["report"]["pptx_template"]


@pytest.mark.slow
def test_render_uses_the_experiments_template(make_run, tmp_path):
    raw = json.loads(json.dumps(HANDMADE))
    raw["report"]["pptx_template"] = str(template_file(tmp_path / "fakultas.pptx"))
    run = make_run({"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                   {label: history_rows([.5, .6, .7], [.5, .6, .65], [1.0, .8, .6], [1.0, .9, .8])
                    for label in ("Small CNN", "ResNet18")}, raw=raw)
    assert {slide.slide_layout.name for slide in deck_of(run).slides} == {"Fakultas Kosong"}
