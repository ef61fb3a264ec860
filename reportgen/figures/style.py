"""What every figure shares: matplotlib's backend, font and sizes, the palette, the axes helpers
and the atomic save that writes a plot's numbers in the figure's language, as a PNG or, for a
format that prints vectors, a PDF (the file's suffix says which); and for the pictures pasted with
Pillow (cams.py, pixels.py), the same font, their tiles and their save (PNG only: they are pixels).

Every figure is 160 dpi and drawn at the size it prints: 16:9-ish to fill an A4 text width (16 cm)
and a slide's picture box alike, or half the text width for a curve printed beside another."""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from PIL import Image, ImageFont  # noqa: E402

from reportgen.language.format import Formatter  # noqa: E402
from reportgen.language.phrases import Phrases  # noqa: E402
from reportgen.rundir import atomic_write_bytes  # noqa: E402

WIDE = (9.6, 5.4)  # inches, 16:9
HALF = (4.8, 3.3)  # a curve printed at half the text width (8.3 cm): its 11 pt labels print at 7.5 pt
DPI = 160
LOG_SPAN = 100  # values spanning this factor or more (a diverged model beside others) get a log axis
plt.rcParams.update({
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    # Legends too: a full-width figure prints at about 0.7 of its size, so 11 pt prints at 7.5 pt and
    # the 9 pt legends did at 6.
    "font.size": 11, "axes.titlesize": 12, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False,
    "text.parse_math": False,  # labels and class names are user text: "$...$" is drawn, not parsed as math
    "pdf.fonttype": 42,  # a PDF plot embeds its glyphs as TrueType: its words stay text, searchable
})
PALETTE = plt.get_cmap("tab10").colors

# Called with every figure and its file just before it is saved (tests read back axis limits,
# label sizes and texts).
OBSERVERS: list = []
# Called with the texts of every picture pasted with Pillow (whose texts are pixels, not objects)
# and its file, just before it is saved.
PICTURE_OBSERVERS: list = []


class LocalisedTicks(matplotlib.ticker.Formatter):
    """Another tick formatter's numbers with the language's decimal mark: matplotlib writes 0.5,
    an Indonesian figure 0,5."""

    def __init__(self, inner: matplotlib.ticker.Formatter, f: Formatter):
        self.inner, self.f = inner, f

    def set_axis(self, axis) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def format_ticks(self, values) -> list[str]:
        return [self.f.localise(label) for label in self.inner.format_ticks(values)]

    def __call__(self, x, pos=None) -> str:
        return self.f.localise(self.inner(x, pos))

    def get_offset(self) -> str:
        return self.f.localise(self.inner.get_offset())


NUMERIC_TICKS = (matplotlib.ticker.ScalarFormatter, matplotlib.ticker.FuncFormatter, matplotlib.ticker.LogFormatter)


def save(fig: plt.Figure, path: Path, t: Phrases) -> None:
    """Render to memory in the format of the path's suffix (.png, .pdf), then write atomically: an
    interrupted render leaves no half file. The axes' numbers are written in t's language (names are
    left alone)."""
    for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis)):
        if isinstance(axis.get_major_formatter(), NUMERIC_TICKS):
            axis.set_major_formatter(LocalisedTicks(axis.get_major_formatter(), Formatter(t.lang)))
    for observe in OBSERVERS:
        observe(fig, path)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.removeprefix("."), dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())


def scaled(values: list[float | None], metric: str) -> list[float]:
    """A history column ready to plot: accuracy in percent, and None (not a finite number) as NaN,
    which matplotlib draws as a gap."""
    scale = 100 if metric == "accuracy" else 1
    return [np.nan if v is None else v * scale for v in values]


def epoch_axis(ax: plt.Axes, epochs: list[int], t: Phrases) -> None:
    """Whole epochs only, every one of them while they are few, half an epoch of room each side."""
    ax.set_xlabel(t("figure.axis.epoch"))
    ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    if len(epochs) <= 12:
        ax.set_xticks(epochs)
    else:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def value_axis(ax: plt.Axes, columns: list[list[float]], metric: str) -> None:
    """A log scale when positive values span LOG_SPAN times or more (one diverged loss would
    otherwise flatten every other curve); otherwise linear."""
    values = np.array([v for column in columns for v in column], dtype=float)
    values = values[np.isfinite(values)]
    if metric == "loss" and len(values) and values.min() > 0 and values.max() / values.min() >= LOG_SPAN:
        log_scale(ax)


def log_scale(ax: plt.Axes, which: str = "y") -> None:
    """A log scale whose ticks read as plain numbers (0.1, 1, 10, 1000): matplotlib's default
    labels are mathtext, which text.parse_math = False would print as "$\\mathdefault{10^{2}}$"."""
    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def legend_layout(labels: list[str]) -> tuple[list[str], int]:
    """Model labels wrapped to at most 28 characters a line, and how many legend columns fit the
    figure's width, so that long labels never widen the figure (and shrink its plot) on the page."""
    wrapped = [textwrap.fill(label, 28) for label in labels]
    widest = max((len(line) for label in wrapped for line in label.splitlines()), default=0)
    return wrapped, max(1, min(len(labels), 4 if widest <= 20 else 3))


@lru_cache(maxsize=64)
def font(points: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The plots' font family at `points`, for the pictures pasted with Pillow."""
    family = font_manager.FontProperties(family=plt.rcParams["font.family"], weight="bold" if bold else "normal")
    return ImageFont.truetype(font_manager.findfont(family), round(points / 72 * DPI))


def tile(pixels: np.ndarray, side: int) -> Image.Image:
    """A picture (H, W, 3) uint8 at `side` pixels square: small ones keep their pixels sharp, large
    ones are filtered down."""
    image = Image.fromarray(pixels)
    return image.resize((side, side), Image.Resampling.NEAREST if image.width < side else Image.Resampling.LANCZOS)


def save_picture(canvas: Image.Image, texts: list[str], path: Path) -> None:
    """A pasted picture written atomically, its texts shown to PICTURE_OBSERVERS first."""
    if path.suffix != ".png":
        raise ValueError(f"a picture is pixels, written as PNG only (asked for {path.name})")
    for observe in PICTURE_OBSERVERS:
        observe(texts, path)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", dpi=(DPI, DPI))
    atomic_write_bytes(path, buffer.getvalue())
