"""The documents at the sizes people run: the demo's shape (two models, ten classes), the reference
report's (four ResNet-34 variants, five classes), 100 classes, and 8 models x 50 epochs. The runs are
made by hand (conftest.make_run: real models and data, no training), rendered in every format and
measured: page and slide counts, words never cut inside a table cell, nothing past the page's text
width, the comparison holding every model, and every figure's axes showing its data."""

from __future__ import annotations

import html
import math
import random
import re
import tomllib
from pathlib import Path

import numpy as np
import pymupdf
import pyphen
import pytest
from pptx import Presentation

import reportgen
from helpers import history_rows, painted_figures, words_past_text_width
from reportgen.analysis import analyse, load_analysis
from reportgen.config import validate_experiment
from reportgen.data import load_dataset
from reportgen.figures import pixels, plots, style
from reportgen.language.phrases import Phrases
from reportgen.renderers.html import render_html
from reportgen.report import build_document

ROOT = Path(__file__).resolve().parents[1]
A4_TEXT_BOTTOM = (29.7 - 2.2) / 2.54 * 72  # the bottom edge of the page's text area: below it, only the page number


def experiment_shaped_like(name: str, classes: int, epochs: int | None = None, image_size: int = 16) -> dict:
    """experiments/<name>.toml with its report and models, on synthetic data of `classes` classes."""
    raw = tomllib.loads((ROOT / "experiments" / f"{name}.toml").read_text())
    raw["data"] = {"dataset": "synthetic", "num_classes": classes, "samples_per_class": 8, "image_size": image_size,
                   "val_split": 0.25}
    raw["train"]["device"] = "cpu"
    if epochs:
        raw["train"]["epochs"] = epochs
        for m in raw["models"]:
            m.pop("train", None)
    return raw


def curve(epochs: int, start: float, end: float, rng: random.Random) -> list[float]:
    return [start + (end - start) * (1 - math.exp(-3 * e / epochs)) + rng.uniform(-0.02, 0.02) for e in range(epochs)]


def synthetic_run(make_run, raw: dict) -> Path:
    """A run of `raw` with plausible histories (each model its own length and level) and predictions
    that get 50-90% of the evaluation images right."""
    exp = validate_experiment(raw, "scale")
    labels = load_dataset(exp.data, exp.train.seed).eval.labels.tolist()
    n = exp.data.num_classes
    rng = random.Random(0)
    predictions, histories = {}, {}
    for i, spec in enumerate(exp.models):
        epochs = spec.train.epochs
        right = 0.9 - 0.4 * i / max(1, len(exp.models) - 1)
        predictions[spec.label] = [y if rng.random() < right else rng.randrange(n) for y in labels]
        histories[spec.label] = history_rows(curve(epochs, 0.2, right + 0.05, rng), curve(epochs, 0.2, right, rng),
                                             curve(epochs, 2.0, 0.3, rng), curve(epochs, 2.1, 0.5, rng))
    return make_run(predictions, histories, raw)


def pdf_parts(path: Path, lang: str) -> tuple[int, int]:
    """(pages before the appendix, appendix pages) of a report: the appendix starts on the page its
    first part's bookmark leads to (the table of contents names it on page 1 too)."""
    t = Phrases(lang)
    heading = f"{t('ui.layout.appendix')} A {t('ui.layout.appendix_layers')}"
    pdf = pymupdf.open(path)
    start = next((page - 1 for _, title, page, *_ in pdf.get_toc() if title == heading), len(pdf))
    return start, len(pdf) - start


def deck_parts(path: Path, lang: str) -> tuple[int, int]:
    """(slides up to the thanks slide, backup slides after it) of a deck."""
    slides = Presentation(str(path)).slides
    backup = Phrases(lang)("deck.layout.backup")
    texts = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in slides]
    start = next((i for i, text in enumerate(texts) if backup in text), len(texts))
    return start, len(texts) - start


def document_words(doc) -> set[str]:
    """Every word the report's HTML holds (text between tags), as the PDF should show it."""
    # An inline span (a code listing's highlighted token) or link ("Lampiran A" in "Lampiran A.") is
    # part of its word; any other tag parts words.
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", re.sub(r"</?(span|a)\b[^>]*>", "", render_html(doc)),
                  flags=re.S)
    # the references list numbers its papers "[1]" in CSS (report.css), not in the HTML's text
    return set(html.unescape(text).split()) | {f"[{n}]" for n in range(1, len(doc.bibliography()) + 1)}


HYPHENS = ("-", "\u2010")  # WeasyPrint ends a hyphenated line with U+2010
LIST_MARKER = re.compile(r"\d+\.|•")


def valid_break(word: str, at: int, dictionary: pyphen.Pyphen) -> bool:
    """Whether `word` may be broken after its first `at` characters: after a hyphen it has, after a
    slash or the query's "?" of a URL (printed links break there, with no hyphen), or at a
    hyphenation point of the hyphen-separated part the break falls in."""
    if word[at - 1] == "-" or (word[at - 1] in "/?" and "://" in word):
        return True
    start = word.rfind("-", 0, at) + 1
    end = word.find("-", at)
    part = word[start:end if end >= 0 else len(word)]
    return at - start in dictionary.positions(part)


def broken_words(pdf: Path, words: set[str], lang: str) -> list[str]:
    """PDF words that are not the document's words. A word broken over two lines must end its line
    with a hyphen, its two pieces must make a word of the document, and the break must be at a
    hyphenation point of the language (or after a hyphen of the word)."""
    dictionary = pyphen.Pyphen(lang=lang)
    bad = []
    held = ""  # the first piece of a word broken at the end of the previous line (or page)
    for page in pymupdf.open(pdf):
        # Python splits at the em spaces that indent the layer names, as document_words does. The
        # page number is left out, so a word broken at the foot of a page meets its second piece.
        pieces = [piece for _x, y0, _x1, _y1, word, *_ in page.get_text("words") if y0 < A4_TEXT_BOTTOM
                  for piece in word.split()]
        for word in pieces:
            if LIST_MARKER.fullmatch(word):  # drawn by the list, not text of the document
                continue
            if held:
                stem = held[:-1] if held.endswith("\u2010") else held
                joined = stem + word
                if joined in words and valid_break(joined, len(stem), dictionary):
                    held = ""
                    continue
                if word.endswith(HYPHENS) and any(w.startswith(stem + word[:-1]) for w in words):
                    held = stem + word  # broken twice (a long word in a narrow column)
                    continue
                bad.append(held)
                held = ""
            if word in words or word.isdigit():
                continue
            if word.endswith(HYPHENS) and any(w.startswith(word[:-1]) and len(w) > len(word) - 1 for w in words):
                held = word
                continue
            if "://" in word and word.endswith(("/", "?")) and any(w.startswith(word) and len(w) > len(word)
                                                                   for w in words):
                held = word  # a URL broken after a slash or its query's "?"
                continue
            bad.append(word)
    if held:
        bad.append(held)
    return bad


class AxisRecorder:
    """style.OBSERVERS hook: every saved figure's axes with their limits and the data drawn."""

    def __init__(self):
        self.axes: list[tuple[Path, object]] = []
        self.figures = []

    def __call__(self, fig, path):
        self.figures.append(fig)
        for ax in fig.axes:
            self.axes.append((path, ax.get_xlim(), ax.get_ylim(), ax.get_yscale(),
                              [line.get_xydata() for line in ax.get_lines() if len(line.get_xdata())]))

    def uncovered(self) -> list[str]:
        """Axes whose limits leave out some of their plotted points."""
        out = []
        for path, (x0, x1), (y0, y1), _, lines in self.axes:
            for xy in lines:
                xy = xy[np.isfinite(xy).all(1)]
                if len(xy) and not (x0 <= xy[:, 0].min() and xy[:, 0].max() <= x1
                                    and min(y0, y1) <= xy[:, 1].min() and xy[:, 1].max() <= max(y0, y1)):
                    out.append(path.name)
        return out


@pytest.fixture
def recorder():
    rec = AxisRecorder()
    style.OBSERVERS.append(rec)
    yield rec
    style.OBSERVERS.remove(rec)


def render_all(run: Path, lang: str = "id") -> dict[str, Path]:
    return {fmt: reportgen.render(run, fmt, out=run / f"out-{lang}.{fmt}", lang=lang) for fmt in ("pdf", "pptx", "html")}


# --- the demo's and the reference report's shapes: lengths within the targets ---------------------------------


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
@pytest.mark.parametrize("name, classes, main_pages, main_slides", [
    ("demo", 10, 11, 33),
    # the reference report's parts: the qualitative comparison table, the AI-assistant section, links, references
    ("resnet34", 5, 20, 45),
])
def test_lengths_within_the_targets(make_run, recorder, name, classes, main_pages, main_slides):
    raw = experiment_shaped_like(name, classes, image_size=32)
    run = synthetic_run(make_run, raw)
    out = render_all(run)
    pages, appendix = pdf_parts(out["pdf"], "id")
    slides, backup = deck_parts(out["pptx"], "id")
    print(f"{name}: {pages} + {appendix} appendix pages, {slides} + {backup} backup slides")
    assert pages <= main_pages and appendix >= 1, f"{pages} pages before the appendix, the target is {main_pages}"
    assert slides <= main_slides and backup >= 1 + len(raw["models"]), (
        f"{slides} slides before the backup, the target is {main_slides}")
    assert not recorder.uncovered()
    doc = build_document(load_analysis(run), "id")
    assert not broken_words(out["pdf"], document_words(doc), "id")
    assert not words_past_text_width(out["pdf"])


# --- 100 classes, 8 models x 50 epochs ---------------------------------------------------------------


LONG = "Pre-activation ResNet dengan Nama Model yang Sangat Panjang"


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_hundred_classes(make_run, recorder):
    raw = experiment_shaped_like("demo", 100, epochs=4)
    run = synthetic_run(make_run, raw)
    a = analyse(run)
    out = render_all(run, "en")
    assert all(m.figures.get("confusion_top") for m in a.models if m.accuracy is not None)
    assert not recorder.uncovered()
    doc = build_document(a, "en")
    assert not broken_words(out["pdf"], document_words(doc), "en")
    assert not words_past_text_width(out["pdf"])
    text = "".join(page.get_text() for page in pymupdf.open(out["pdf"]))
    assert all(c in text for c in a.dataset.classes)  # every class in the per-class tables
    # the per-class tables page cleanly: their pages are full, not a row or two stranded
    deck_tables = [s.table for slide in Presentation(str(out["pptx"])).slides for s in slide.shapes if s.has_table]
    assert sum(len(t.rows) - 1 for t in deck_tables if t.cell(0, 0).text == "Class") >= 100 * 2 + 2 * 2


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_eight_models_of_fifty_epochs(make_run, recorder):
    raw = experiment_shaped_like("demo", 6, epochs=50)
    raw["models"] = [{"arch": "cnn", "label": f"{LONG} {i + 1}", "params": {"conv_filters": [4, 8, 8], "fc_neurons": 16}}
                     for i in range(8)]
    raw["report"]["baseline"] = raw["models"][0]["label"]
    raw["report"].pop("objectives", None)
    run = synthetic_run(make_run, raw)
    out = render_all(run, "id")
    a = load_analysis(run)
    assert not recorder.uncovered()
    doc = build_document(a, "id")
    assert len(doc.table("table-comparison").rows) == 8 and len(doc.deck.per_class_accuracy.columns) == 9
    assert not broken_words(out["pdf"], document_words(doc), "id")
    assert not words_past_text_width(out["pdf"])
    deck = Presentation(str(out["pptx"]))
    headers = [[c.text for c in s.table.rows[0].cells] for slide in deck.slides for s in slide.shapes if s.has_table]
    assert any(len(h) == 9 for h in headers)  # the per-class accuracy table holds all 8 models


@pytest.mark.slow
def test_a_diverged_loss_gets_a_log_axis_and_few_epochs_a_table(make_run, recorder):
    raw = experiment_shaped_like("demo", 3, epochs=6)
    raw["models"][1]["train"] = {"epochs": 2}
    exp = validate_experiment(raw, "scale")
    labels = load_dataset(exp.data, exp.train.seed).eval.labels.tolist()
    histories = {"CNN Kustom": history_rows([.5] * 6, [.5] * 6, [1.0, 8.0, 60.0, 400.0, 2e3, 1e4], [1.0] * 6),
                 "ResNet18": history_rows([.5, .6], [.5, .6], [1.0, .8], [1.1, .9])}
    run = make_run({label: labels for label in histories}, histories, raw)
    a = analyse(run)
    cnn, resnet = a.models
    assert "loss" in cnn.figures and "loss" not in resnet.figures
    painted_figures(build_document(a, "id"))
    doc = build_document(a, "en")
    painted_figures(doc)
    # the compared models' curves are one figure: the CNN's panels (the ResNet's 2 epochs are a table)
    loss = {lang: run / "figures" / lang / "comparison" / "curves.png" for lang in ("id", "en")}
    scales = {(p, scale) for p, *_, scale, _ in recorder.axes}
    assert (loss["id"], "log") in scales and (loss["en"], "log") in scales
    assert not recorder.uncovered()
    history = doc.table(f"table-history-{resnet.slug}")
    assert history is not None and doc.figure(f"figure-loss-{resnet.slug}") is None
    assert [row[0] for row in history.rows] == ["1", "2"]
    epochs = [xlim for p, xlim, *_ in recorder.axes if p == loss["en"]]
    assert epochs and all(x0 == 0.5 and x1 == 6.5 for x0, x1 in epochs)


# --- figures readable at their printed size ----------------------------------------------------------


def printed_scale(png: Path, max_w_cm: float, max_h_cm: float) -> float:
    """Printed size / drawn size of a figure laid out as the report's CSS does: at its natural
    size (96 px an inch) shrunk to fit max-width and max-height."""
    from PIL import Image

    with Image.open(png) as img:
        w, h = img.size
    natural = w / 96 * 2.54
    printed = min(natural, max_w_cm, max_h_cm * w / h)
    return printed / (w / style.DPI * 2.54)


@pytest.mark.slow
@pytest.mark.parametrize("n", [10, 100])
def test_sample_grid_labels_print_at_seven_points_or_more(tmp_path, recorder, n):
    images = np.random.default_rng(0).integers(0, 255, (n * 6, 16, 16, 3), dtype=np.uint8)
    labels = np.arange(n).repeat(6)
    path = tmp_path / "samples.png"
    pixels.samples_grid(images, labels, [f"kelas nomor {i:03d}" for i in range(n)], Phrases("id"), path)
    texts = [t for fig in recorder.figures for ax in fig.axes for t in ax.texts]
    printed = printed_scale(path, 0.75 * 17, 6.5)
    assert texts and min(t.get_fontsize() for t in texts) * printed >= 7


def test_a_large_confusion_matrix_has_no_cell_numbers_and_few_names(tmp_path, recorder):
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 5, (100, 100)).tolist()
    classes = [f"class {i}" for i in range(100)]
    plots.confusion(matrix, classes, "m", Phrases("id"), tmp_path / "c.png")
    plots.confusion_top(matrix, classes, "m", Phrases("id"), tmp_path / "top.png")
    full, top = recorder.figures
    assert not full.axes[0].texts and len(full.axes[0].get_xticklabels()) <= plots.TICK_LABELS
    assert len(top.axes[0].texts) == plots.TOP_CONFUSED ** 2  # the worst classes with their counts


def test_trial_ticks_are_whole_numbers(tmp_path, recorder):
    plots.search([(0, 0.5, "complete"), (1, 0.6, "complete"), (2, None, "pruned"), (3, 0.4, "pruned")], {},
                 "val_acc", Phrases("id"), tmp_path / "s.png")
    ax = recorder.figures[0].axes[0]
    ax.figure.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize("classes,slanted", [(["a", "b", "c", "d", "e"], False),
                                             (["airplane", "automobile", "bird", "cat", "deer"], True)])
def test_confusion_names_slant_only_when_they_would_collide(tmp_path, recorder, classes, slanted):
    plots.confusion(np.eye(5, dtype=int).tolist(), classes, "m", Phrases("en"), tmp_path / "c.png")
    (fig,) = recorder.figures
    assert all((label.get_rotation() == 45) == slanted for label in fig.axes[0].get_xticklabels())
