"""The printed report, read back from the PDF: its length by part, pages without holes, captions on
the page of their tables, short tables in one piece, and no line break inside an identifier.

Each run is rendered once per module (a PDF takes 10-30 s); the tests read the same file."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.text
import pymupdf
import pytest
from PIL import Image

from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows
from reportgen.analysis import load_analysis
from reportgen.figures import style
from reportgen.renderers.pdf import render_pdf
from reportgen.renderers.unbroken import IDENTIFIER
from reportgen.report import build_document
from reportgen.report.document import Table

pytestmark = pytest.mark.slow  # renders two whole PDFs with WeasyPrint (the two- and four-model reports)

MARGIN_PT = 2.0 / 2.54 * 72  # report.css: @page margin, top and bottom
MIN_FILL = 0.40
SHORT_ROWS = 12  # report.html: a table of at most this many rows moves to the next page whole
HYPHEN = "\u2010"  # the character WeasyPrint sets at a hyphenation break
MIN_FIGURE_PT = 7.0  # the smallest text a figure may print at

LEARNING = history_rows([.5, .6, .7, .75, .8, .82], [.5, .55, .65, .7, .78, .80],
                        [1.0, .9, .8, .7, .6, .55], [1.1, 1.0, .9, .85, .8, .78])
OVERFITTING = history_rows([.6, .8, .9, .95, .99, 1.0], [.5, .6, .62, .6, .61, .6],
                           [.9, .5, .3, .2, .1, .05], [1.0, .8, .9, 1.4, 1.3, 1.5])
# Two more CNNs for the four-model report: variants of one family, as students compare them.
WIDE_CNN = {"arch": "cnn", "label": "Wide CNN", "params": {"conv_filters": [8, 16, 16], "fc_neurons": 32}}
NARROW_CNN = {"arch": "cnn", "label": "Narrow CNN", "params": {"conv_filters": [4, 8, 16], "fc_neurons": 64}}


class FigureTexts:
    """figures.style.OBSERVERS hook: per figure file, the font size and the box (display pixels) of every
    text a reader sees."""

    def __init__(self):
        self.texts: dict[Path, list[tuple[str, float, object]]] = {}

    def __call__(self, fig, path: Path) -> None:
        fig.canvas.draw()  # tick labels exist once laid out
        renderer = fig.canvas.get_renderer()
        # A tick label is drawn only inside its axis's limits, on an axis that is on; the figure
        # also holds the labels of ticks outside them, never drawn.
        ticks = {id(label) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                 for tick in axis.get_major_ticks() + axis.get_minor_ticks() for label in (tick.label1, tick.label2)}
        drawn = {id(label) for ax in fig.axes if ax.axison for minor in (False, True)
                 for labels, k, limits in ((ax.get_xticklabels(minor=minor), 0, ax.get_xlim()),
                                           (ax.get_yticklabels(minor=minor), 1, ax.get_ylim()))
                 for label in labels if min(limits) <= label.get_position()[k] <= max(limits)}
        self.texts[Path(path)] = [(t.get_text(), t.get_fontsize(), t.get_window_extent(renderer))
                                  for t in fig.findobj(matplotlib.text.Text)
                                  if t.get_visible() and t.get_text().strip() and (id(t) not in ticks or id(t) in drawn)]


class Printed:
    """A rendered report: its document, its PDF, where the appendix starts, and the texts of its
    matplotlib figures."""

    def __init__(self, run):
        self.figure_texts = FigureTexts()
        style.OBSERVERS.append(self.figure_texts)
        try:
            self.doc = build_document(load_analysis(run), "id")
            self.pdf = pymupdf.open(stream=render_pdf(self.doc), filetype="pdf")  # its figures are drawn now
        finally:
            style.OBSERVERS.remove(self.figure_texts)
        self.pages = [page.get_text("words") for page in self.pdf]
        # The PDF's bookmarks: the title (h1), then the chapters and the appendix's parts (h2).
        bookmarks = {title: page for _, title, page in self.pdf.get_toc()}  # 1-based pages
        starts = [bookmarks[s.heading] for s in self.doc.appendix]
        self.body = min(starts) - 1 if starts else len(self.pdf)  # the appendix starts on a new page
        self.appendix = len(self.pdf) - self.body
        self.major = {bookmarks[s.heading] for s in [*self.doc.body, *self.doc.appendix]}

    def fill(self, index: int) -> float:
        """How far down its text area page `index` (0-based) is filled: its lowest word or picture."""
        page = self.pdf[index]
        bottom = page.rect.height - MARGIN_PT
        lows = [w[3] for w in self.pages[index] if w[3] <= bottom] + [i["bbox"][3] for i in page.get_image_info()]
        return (max(lows) - MARGIN_PT) / (bottom - MARGIN_PT) if lows else 0.0

    def page_of(self, text: str) -> list[int]:
        """The pages (0-based) whose text holds `text`, its spaces and line breaks as one space."""
        return [i for i, words in enumerate(self.pages) if text in " ".join(w[4] for w in words)]


_printed: dict[str, Printed] = {}  # one render per run for the whole module (a fixture of a
# wider scope cannot build on make_run, whose run lives in one test's tmp_path)


@pytest.fixture
def two_models(handmade_run) -> Printed:
    if "two" not in _printed:
        _printed["two"] = Printed(handmade_run)
    return _printed["two"]


@pytest.fixture
def four_models(make_run) -> Printed:
    if "four" not in _printed:
        raw = json.loads(json.dumps(HANDMADE))
        raw["models"] += [WIDE_CNN, NARROW_CNN]
        run = make_run(raw=raw,
                       predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED, "Wide CNN": CNN_PRED,
                                    "Narrow CNN": RESNET_PRED},
                       histories={"Small CNN": LEARNING, "ResNet18": OVERFITTING, "Wide CNN": LEARNING,
                                  "Narrow CNN": OVERFITTING})
        _printed["four"] = Printed(run)
    return _printed["four"]


def test_two_models_fit_ten_body_pages(two_models):
    assert two_models.body <= 10, two_models.body


def test_four_models_fit_fourteen_body_pages(four_models):
    assert four_models.body <= 14, four_models.body


def test_four_models_fit_fifteen_appendix_pages(four_models):
    assert four_models.appendix <= 15, four_models.appendix


@pytest.mark.parametrize("name", ["two_models", "four_models"])
def test_no_body_page_is_less_than_forty_percent_full_except_before_a_major_section(name, request):
    printed = request.getfixturevalue(name)
    holes = [(index + 1, round(printed.fill(index), 2)) for index in range(printed.body - 1)
             if printed.fill(index) < MIN_FILL and index + 2 not in printed.major]
    assert not holes


def tables(printed: Printed) -> list[Table]:
    return [node for node in printed.doc.nodes() if isinstance(node, Table)]


@pytest.mark.parametrize("name", ["two_models", "four_models"])
def test_a_table_caption_shares_its_page_with_the_table_and_a_short_table_is_whole(name, request):
    printed = request.getfixturevalue(name)
    for table in tables(printed):
        caption = f"{table.label}:"
        [page] = printed.page_of(caption)
        words = " ".join(w[4] for w in printed.pages[page])
        after = words[words.index(caption):]
        assert table.header[0] in after, f"{table.label}'s caption ends page {page + 1}, its table is on the next"
        if len(table.rows) <= SHORT_ROWS:
            last = table.rows[-1][0] or table.rows[-1][-1]
            assert last.split()[0] in after, f"{table.label} ({len(table.rows)} rows) is split after page {page + 1}"


@pytest.mark.parametrize("name", ["two_models", "four_models"])
def test_no_identifier_or_number_is_hyphenated(name, request):
    """A break WeasyPrint hyphenated, joined again, is never a name, a class name or a number."""
    printed = request.getfixturevalue(name)
    broken = [word[4] + words[k + 1][4] for words in printed.pages for k, word in enumerate(words[:-1])
              if word[4].endswith(HYPHEN)]
    assert not [joined for joined in broken if IDENTIFIER.fullmatch(joined.replace(HYPHEN, ""))]
    assert broken, "nothing was hyphenated: the check above looked at nothing"


def printed_scales(printed: Printed) -> dict[Path, float]:
    """Per figure file of the document, the scale it is printed at: its width on the page over its
    width at the dpi it was saved at (pictures are matched by their size in pixels)."""
    files = {Image.open(path).size: path for path in printed.figure_texts.texts}
    scales = {}
    for page in printed.pdf:
        for image in page.get_image_info():
            path = files.get((image["width"], image["height"]))
            if path is not None:
                placed = image["bbox"][2] - image["bbox"][0]
                scales[path] = min(scales.get(path, 1e9), placed / (image["width"] / style.DPI * 72))
    return scales


@pytest.mark.parametrize("name", ["two_models", "four_models"])
def test_every_figure_text_prints_at_seven_points_or_more(name, request):
    """matplotlib's font size times the scale the figure is placed at in the PDF."""
    printed = request.getfixturevalue(name)
    scales = printed_scales(printed)
    assert len(scales) >= 8  # curves, matrices, the per-class chart, the class distribution...
    small = sorted({(path.name, text, round(size * scale, 1)) for path, scale in scales.items()
                    for text, size, _ in printed.figure_texts.texts[path] if size * scale < MIN_FIGURE_PT})
    assert not small


@pytest.mark.parametrize("name", ["two_models", "four_models"])
def test_no_figure_text_overlaps_another(name, request):
    printed = request.getfixturevalue(name)
    overlapping = []
    for path, texts in printed.figure_texts.texts.items():
        for k, (text, _, box) in enumerate(texts):
            for other, _, other_box in texts[k + 1:]:
                inner = box.shrunk(0.9, 0.9)  # touching is not overlapping
                if inner.overlaps(other_box.shrunk(0.9, 0.9)):
                    overlapping.append((path.name, text, other))
    assert not overlapping
