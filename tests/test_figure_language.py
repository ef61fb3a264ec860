"""Figures: every text of every figure is in the report's language (read back from each
figure before it is saved), each figure has a file per language that the documents pick, the
learning-rate schedule and the row-normalised confusion matrix."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reportgen.analysis import analyse, explain_figures, figure_files, figures, load_analysis
from reportgen.schema.analysis import Analysis
from reportgen.language.phrases import LANGUAGES, Phrases, _table
from reportgen.report import build_document

SLOT = "\x00"  # what a placeholder, a number or a name stands as when a text is compared with a phrase
# A number in the language's notation (0,5 and 1.000 in Indonesian; 0.5 and 1,000 in English)
NUMBER = {lang: re.compile(rf"(?<![\w.,])[−+-]?\d+(?:\{thousands}\d{{3}})*(?:\{decimal}\d+)?(?:e[−+-]?\d+)?%?(?![\w.,])")
          for lang, thousands, decimal in (("id", ".", ","), ("en", ",", "."))}


class TextRecorder:
    """figures.OBSERVERS and explain_figures.OBSERVERS hook: every text drawn, by figure file."""

    def __init__(self):
        self.texts: dict[Path, list[str]] = {}

    def __call__(self, figure, path: Path) -> None:
        self.texts[path] = figure if isinstance(figure, list) else matplotlib_texts(figure)


def matplotlib_texts(fig) -> list[str]:
    """Every text a reader sees in a figure: titles, axis and colorbar labels, tick labels, legend
    entries and free texts."""
    fig.canvas.draw()  # tick labels exist once laid out
    texts = [t.get_text() for t in fig.texts]
    texts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        texts += [ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        if ax.axison:  # an axis turned off (a picture's) draws no ticks
            texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_visible()]
        if ax.get_legend():
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in texts if t.strip()]


@pytest.fixture
def recorder():
    rec = TextRecorder()
    figures.OBSERVERS.append(rec)
    explain_figures.OBSERVERS.append(rec)
    yield rec
    figures.OBSERVERS.remove(rec)
    explain_figures.OBSERVERS.remove(rec)


def shape(text: str, names: list[str], lang: str) -> str:
    """`text` with every name (longest first) and every number of the language as SLOT,
    whitespace as wrapped."""
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", SLOT, text)
    return " ".join(NUMBER[lang].sub(SLOT, text).split())


def phrase_shapes(lang: str) -> set[str]:
    """Every figure phrase of a language (and the parameters' names, language/parameters.py) with
    its placeholders as SLOT."""
    return {" ".join(re.sub(r"\{\w+\}", SLOT, v[lang]).split()) for k, v in _table().items()
            if k.startswith(("figure.", "explain.figure.", "ui.train.", "ui.arch_param."))}


def foreign(texts: list[str], lang: str, names: list[str]) -> list[str]:
    """The texts that are neither a figure phrase of `lang` with names and numbers in its
    placeholders, nor a name or number alone; and those that are a phrase of another language."""
    own = phrase_shapes(lang) | {SLOT, f"{SLOT} {SLOT}", f"{SLOT} ({SLOT}×{SLOT}×{SLOT})"}  # a stage's shape
    others = set().union(*(phrase_shapes(other) for other in LANGUAGES if other != lang)) - phrase_shapes(lang)
    return [t for t in texts if shape(t, names, lang) not in own or shape(t, names, lang) in others]


def names_of(a: Analysis) -> list[str]:
    """The user's and the code's names a figure shows as they are: classes, model labels (cut as
    the figures cut them), the feature-map stages, and the marks of a right and a wrong prediction."""
    names = [*a.dataset.classes, *(m.label for m in a.models)]
    names += [n[:k] for n in names for k in (14, 16, 24)]
    return names + [s.stage for m in a.models for case in m.feature_maps for s in case.stages] + ["✓", "✗"]


def test_every_text_of_every_figure_is_in_the_reports_language(handmade_run, recorder):
    a = analyse(handmade_run)  # the recorder reads the figures as they are drawn
    names = names_of(a)
    files = {(handmade_run / figures.localized(name, lang)).resolve(): lang
             for name in figure_files(a) for lang in LANGUAGES}
    recorded = {path.resolve(): texts for path, texts in recorder.texts.items()}
    assert set(files) <= set(recorded), "a figure was saved without its texts being read"
    kinds = {path.name.split(".")[0] for path in files}
    assert {"loss", "accuracy", "lr", "confusion", "confusion_normalized", "reliability", "samples", "per_class",
            "featuremaps-correct", "cam-cases", "cam-per_class", "cam-gallery"} <= kinds
    assert any(name.startswith("disagree-") for name in kinds)
    for path, lang in files.items():
        assert foreign(recorded[path], lang, names) == [], path
    # the words differ between the languages, so the check above could tell them apart; a figure
    # whose only words are names is one picture for both
    for path in (p for p, lang in files.items() if lang == "id"):
        english = path.with_name(path.name.replace(".id.", ".en."))
        if path.name.startswith(("samples.", "featuremaps-")):
            assert path.read_bytes() == english.read_bytes()
        else:
            assert recorded[path] != recorded[english], path


def test_the_figures_drawn_outside_a_small_run_are_in_the_language_too(tmp_path, recorder):
    """What the handmade run does not draw: a search with parameter importances, the box plot and
    the most-confused matrix of many classes, a decaying learning rate."""
    classes = [f"c{i}" for i in range(30)]
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 5, (30, 30)).tolist()
    trials = [(0, 0.5, "complete"), (1, 0.7, "complete"), (2, 0.2, "pruned")]
    for lang in LANGUAGES:
        t = Phrases(lang)
        figures.search(trials, {"train.lr": 0.7, "train.batch_size": 0.3}, "val_acc", t, tmp_path / f"s.{lang}.png")
        figures.per_class_bars(classes, {"A": list(rng.random(30)), "B": list(rng.random(30))}, t,
                               tmp_path / f"p.{lang}.png")
        figures.confusion_top(matrix, classes, "A", t, tmp_path / f"c.{lang}.png")
        figures.lr_schedule([1, 2, 3, 4], [0.1, 0.1, 0.01, 0.001], "A", t, tmp_path / f"lr.{lang}.png")
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


def test_the_documents_show_their_languages_files(analysed_run):
    a = load_analysis(analysed_run)
    for lang in LANGUAGES:
        doc = build_document(a, lang)
        confusion = doc.figure("figure-confusion-small-cnn")
        assert confusion.path.name == f"confusion.{lang}.png"


def test_learning_rate_schedule_plots_the_history(analysed_run, recorder):
    a = load_analysis(analysed_run)
    for m in a.models:
        path = (analysed_run / figures.localized(m.figures["lr"], "id")).resolve()
        assert path.is_file()
    fig_lines = []

    def lines(fig, path):
        if path.name.startswith("lr."):
            fig_lines.append([line.get_ydata().tolist() for line in fig.axes[0].get_lines()])

    figures.OBSERVERS.append(lines)
    try:
        figures.lr_schedule([1, 2, 3], [0.1, 0.05, 0.01], "m", Phrases("en"), analysed_run / "lr.en.png")
    finally:
        figures.OBSERVERS.remove(lines)
    assert fig_lines == [[[0.1, 0.05, 0.01], [0.1, 0.05, 0.01]]]


def test_normalised_confusion_matrix_rows_sum_to_one(handmade_run, recorder):
    a = analyse(handmade_run)  # the recorder reads the figures as they are drawn
    m = a.models[1]  # ResNet18: 6 of 9 right
    path = (handmade_run / figures.localized(m.figures["confusion_normalized"], "en")).resolve()
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
