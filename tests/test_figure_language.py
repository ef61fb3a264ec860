"""Figures: every text of every figure is in the document's language (read back from each figure
before it is saved), including the names of models the experiment left unlabelled; figures are
drawn when a document is rendered and cached per language until the analysis changes; a figure
that cannot be drawn (its data gone, every map zero or not finite) is a sentence; the
learning-rate schedule and the row-normalised confusion matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import foreign, names_of, painted_figures
from reportgen.analysis import analyse
from reportgen.figures import plots, style
from reportgen.figures.cache import painted
from reportgen.figures.cams import PANEL, fitted, title_lines
from reportgen.language.phrases import LANGUAGES, Phrases
from reportgen.report import build_document

@pytest.mark.slow
def test_every_text_of_every_figure_is_in_the_reports_language(handmade_run, recorder):
    a = analyse(handmade_run)
    files = {}
    for lang in LANGUAGES:
        shown = painted_figures(build_document(a, lang))
        assert all(figure.path for figure in shown), [figure.absent for figure in shown if not figure.path]
        files.update({figure.path: lang for figure in shown})
    assert set(files) == set(recorder.texts), "a figure was saved without its texts being read, or not shown"
    assert all(path.is_relative_to(handmade_run / "figures" / lang) for path, lang in files.items())
    kinds = {path.stem if path.parent.parent.name != "disagreement" else "disagreement" for path in files}
    assert {"curves", "lr", "confusion", "confusion_normalized", "reliability", "samples", "per_class",
            "featuremaps-correct", "cam-cases", "cam-per_class", "cam-gallery", "disagreement"} <= kinds
    for path, lang in files.items():
        assert foreign(recorder.texts[path], lang, names_of(a, lang)) == [], path
    # the words differ between the languages, so the check above could tell them apart; a figure
    # whose only words are names reads the same in both
    for path in (p for p, lang in files.items() if lang == "id"):
        english = Path(str(path).replace("/figures/id/", "/figures/en/"))
        if path.stem in ("samples", "featuremaps-correct", "featuremaps-wrong"):
            assert recorder.texts[path] == recorder.texts[english]
        else:
            assert recorder.texts[path] != recorder.texts[english], path


@pytest.mark.slow
def test_the_figures_drawn_outside_a_small_run_are_in_the_language_too(tmp_path, recorder):
    """What the handmade run does not draw: a search with parameter importances, the box plot and
    the most-confused matrix of many classes, a decaying learning rate."""
    classes = [f"c{i}" for i in range(30)]
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 5, (30, 30)).tolist()
    trials = [(0, 0.5, "complete"), (1, 0.7, "complete"), (2, 0.2, "pruned")]
    for lang in LANGUAGES:
        t = Phrases(lang)
        plots.search(trials, {"train.lr": 0.7, "train.batch_size": 0.3}, "val_acc", t, tmp_path / f"s.{lang}.png")
        plots.per_class_bars(classes, {"A": list(rng.random(30)), "B": list(rng.random(30))}, t,
                             tmp_path / f"p.{lang}.png")
        plots.confusion_top(matrix, classes, "A", t, tmp_path / f"c.{lang}.png")
        plots.lr_grid({"A": ([1, 2, 3, 4], [0.1, 0.1, 0.01, 0.001])}, t, tmp_path / f"lr.{lang}.png")
    assert len(recorder.texts) == 4 * len(LANGUAGES)
    for path, texts in recorder.texts.items():
        lang = path.name.split(".")[1]
        assert foreign(texts, lang, [*classes, "A", "B"]) == [], path
    search = recorder.texts[tmp_path / "s.id.png"]
    assert "Laju pembelajaran" in search and "Akurasi validasi (%)" in search and "train.lr" not in search


def test_an_english_word_in_an_indonesian_figure_is_caught():
    """The check itself: English axis words, a metric's code name, an untranslated legend, an
    English decimal point."""
    names = ["CNN", "kucing"]
    assert foreign(["Kelas sebenarnya", "kucing", "CNN", "0,5", "12", "1.000", "−0,25", "1e-05"], "id", names) == []
    assert foreign(["True class", "val_acc", "train", "Loss", "0.5"], "id", names) == ["True class", "val_acc",
                                                                                      "train", "0.5"]
    assert foreign(["0.5", "1,000", "0,5"], "en", names) == ["0,5"]
    assert foreign(["aktual: kucing\nprediksi: kucing"], "en", names) == ["aktual: kucing\nprediksi: kucing"]


@pytest.mark.slow
def test_learning_rate_schedule_plots_the_history(handmade_run):
    fig_lines = {}

    def lines(fig, path):  # every model's schedule is one figure, a panel per model in order
        if path.name == "lr.png":
            fig_lines.update({m.slug: [line.get_ydata().tolist() for line in ax.get_lines()]
                              for m, ax in zip(a.models, fig.axes)})

    style.OBSERVERS.append(lines)
    try:
        a = analyse(handmade_run)
        painted_figures(build_document(a, "en"))
    finally:
        style.OBSERVERS.remove(lines)
    assert fig_lines == {m.slug: [m.history.lr, m.history.lr] for m in a.models}


@pytest.mark.slow
def test_normalised_confusion_matrix_rows_sum_to_one(handmade_run, recorder):
    a = analyse(handmade_run)  # the recorder reads the figures as they are drawn
    m = a.models[1]  # ResNet18: 6 of 9 right
    doc = build_document(a, "en")  # a figure is painted by its document, on the first read
    path = painted(doc.figure(f"figure-confusion-normalized-{m.slug}").path)
    cells = [int(t) for t in recorder.texts[path] if t.isdigit()]
    n = len(a.dataset.classes)
    shares = np.array(cells[-n * n:]).reshape(n, n)  # the cell texts come last
    counts = np.array(m.confusion_matrix)
    assert shares.tolist() == np.rint(100 * counts / counts.sum(1, keepdims=True)).astype(int).tolist()
    assert np.allclose(shares.sum(1), 100, atol=n)  # rounded to whole percents
    recalls = [round(100 * c.recall) for c in m.per_class]
    assert np.diag(shares).tolist() == recalls
    with Image.open(path) as img:
        assert img.format == "PNG"


def test_a_grad_cam_title_stays_within_its_panel():
    """Two long class names are set smaller, then broken at a space, never past the panel (the
    right-most panel's title would be cut at the picture's edge)."""
    titles = ["rendang → gado_gado\n84,08%", "nasi_goreng → gado_gado\n81,01%", "bakso → bakso\n85,04%"]
    assert all(fitted(line).getlength(line) <= PANEL for title in titles for line in title_lines(title))
    assert title_lines(titles[1]) == ["nasi_goreng", "→ gado_gado", "81,01%"]
    assert title_lines(titles[2]) == ["bakso → bakso", "85,04%"]
