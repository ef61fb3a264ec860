"""Figures (PNG) drawn from the analysis facts. Every figure is 16:9-ish and 160 dpi: it fills an
A4 text width (16 cm) and a slide's picture box alike.

Every text in a figure is in the report's language: each figure function takes a `Phrases` and is
drawn once per language (`drawn_in_languages`) to figures/<stem>.<lang>.png. The analysis tree
stores the language-neutral path figures/<stem>.png and a document resolves it with `localized`.
Captions with prose live in the documents."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from reportgen.schema.analysis import Calibration, localized  # noqa: E402
from reportgen.language.format import Formatter  # noqa: E402
from reportgen.language.parameters import parameter_name  # noqa: E402
from reportgen.language.phrases import LANGUAGES, Phrases  # noqa: E402
from reportgen.rundir import atomic_write_bytes  # noqa: E402

WIDE = (9.6, 5.4)  # inches, 16:9
HALF = (4.8, 3.3)  # a curve printed at half the text width (8.3 cm): its 11 pt labels print at 7.5 pt
DPI = 160
MIN_CURVE_EPOCHS = 3  # fewer epochs are no curve: the report shows them as a table instead
LOG_SPAN = 100  # values spanning this factor or more (a diverged model beside others) get a log axis
plt.rcParams.update({
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    # Legends too: a full-width figure prints at about 0.7 of its size, so 11 pt prints at 7.5 pt and
    # the 9 pt legends did at 6.
    "font.size": 11, "axes.titlesize": 12, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False,
    "text.parse_math": False,  # labels and class names are user text: "$...$" is drawn, not parsed as math
})
PALETTE = plt.get_cmap("tab10").colors


# Called with every figure just before it is saved (tests read back axis limits, label sizes and texts).
OBSERVERS: list = []


def drawn_in_languages(draw: Callable[[Phrases, Path], None], path: Path) -> None:
    """`draw(t, file)` once per report language, to `path`'s localized files."""
    for lang in LANGUAGES:
        draw(Phrases(lang), Path(localized(str(path), lang)))


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


def save(fig: plt.Figure, path: Path, t: Phrases | None = None, copies: tuple[Path, ...] = ()) -> None:
    """Render to memory, then write atomically (to `copies` too): an interrupted analysis leaves
    no half PNG. With `t`, the axes' numbers are written in its language (names are left alone)."""
    import io

    if t is not None:
        for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis)):
            if isinstance(axis.get_major_formatter(), NUMERIC_TICKS):
                axis.set_major_formatter(LocalisedTicks(axis.get_major_formatter(), Formatter(t.lang)))
    for observe in OBSERVERS:
        for file in (path, *copies):
            observe(fig, file)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    for file in (path, *copies):
        atomic_write_bytes(file, buffer.getvalue())


def save_for_every_language(fig: plt.Figure, path: Path) -> None:
    """A figure whose only words are names (classes, layers): one picture is every language's file."""
    first, *others = (Path(localized(str(path), lang)) for lang in LANGUAGES)
    save(fig, first, copies=tuple(others))


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


def curves(epochs: list[int], train: list[float | None], val: list[float | None], metric: str, title: str,
           t: Phrases, path: Path) -> None:
    """One model's train vs validation curve of `metric` (loss or accuracy), at half the text width."""
    fig, ax = plt.subplots(figsize=HALF)
    columns = [scaled(train, metric), scaled(val, metric)]
    ax.plot(epochs, columns[0], "o-", color=PALETTE[0], label=t("figure.split.train"), markersize=4)
    ax.plot(epochs, columns[1], "s-", color=PALETTE[1], label=t("figure.split.val"), markersize=4)
    ax.set(ylabel=t(f"figure.axis.{metric}"), title=title)
    epoch_axis(ax, epochs, t)
    value_axis(ax, columns, metric)
    ax.legend()
    save(fig, path, t)


def overlaid_curves(series: dict[str, tuple[list[int], list[float | None], list[float | None]]], metric: str,
                    t: Phrases, path: Path) -> None:
    """Every model's train and validation curves on two panels sharing a y-axis (log when the values
    span orders of magnitude); markers while the epochs are few; the legend under the panels, in
    as many columns as it takes to hold every model."""
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.6), sharey=True)
    columns, all_epochs = [], set()
    for i, (label, (epochs, train, val)) in enumerate(series.items()):
        style = dict(color=PALETTE[i % len(PALETTE)], linestyle="-" if i < len(PALETTE) else "--",
                     marker="o" if len(epochs) <= 20 else None, markersize=3)
        for ax, column in zip(axes, (scaled(train, metric), scaled(val, metric))):
            ax.plot(epochs, column, label=label, **style)
            columns.append(column)
        all_epochs.update(epochs)
    for ax, split in zip(axes, ("train", "val")):
        ax.set_title(t(f"figure.metric.{split}_{metric}"))
        epoch_axis(ax, sorted(all_epochs), t)
    value_axis(axes[0], columns, metric)
    axes[0].set_ylabel(t(f"figure.axis.{metric}"))
    handles, labels = axes[0].get_legend_handles_labels()
    labels, ncol = legend_layout(labels)
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", ncol=ncol, bbox_to_anchor=(0.5, 0), frameon=False)
    save(fig, path, t)


ANNOTATED_CLASSES = 12  # a larger confusion matrix has no per-cell numbers (they could not be read)
TICK_LABELS = 12  # a confusion matrix names at most this many classes per axis (every k-th beyond)
BAR_CLASSES = 25  # per-class bars up to this many classes; a box plot of them beyond
TOP_CONFUSED = 10  # classes in the most-confused matrix drawn beside a large one


def confusion(matrix: list[list[int]], classes: list[str], title: str, t: Phrases, path: Path,
              normalized: bool = False) -> None:
    """Heatmap, rows = true class, coloured by row share so small classes stay readable; the counts
    (`normalized`: each row's shares in percent, so the diagonal is each class's recall) are
    written in the cells up to ANNOTATED_CLASSES classes. Sized to print in the report's 12.75
    x 9 cm box, or at half the text width beside its per-class table, with labels of about 7 pt
    whatever the number of classes."""
    cm = np.asarray(matrix)
    share = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    n = len(classes)
    fig, ax = plt.subplots(figsize=(4.6, 3.9))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.grid(False)
    step = -(-n // TICK_LABELS)
    ticks = list(range(0, n, step))
    names = [classes[i][:14] for i in ticks]
    size = 10 if n <= ANNOTATED_CLASSES else 9
    # Upright names while they fit under their columns (about 40 characters across the axis at
    # this size: "airplane" and "automobile" of five classes do not); slanted otherwise.
    tilt = n > 5 or max(map(len, names)) * len(names) > 40
    ax.set_xticks(ticks, names, rotation=45 if tilt else 0, ha="right" if tilt else "center",
                  rotation_mode="anchor", fontsize=size)
    ax.set_yticks(ticks, names, fontsize=size)
    ax.set(xlabel=t("figure.axis.predicted"), ylabel=t("figure.axis.true"),
           title=t("figure.confusion.normalized", model=title) if normalized else title)
    if n <= ANNOTATED_CLASSES:
        # Whole percents: a cell holds two digits at this size, and no decimal separator to localise.
        cells = np.rint(100 * share).astype(int) if normalized else cm
        for i in range(n):
            for j in range(n):
                ax.text(j, i, str(cells[i, j]), ha="center", va="center", fontsize=10 if n <= 8 else 9,
                        color="white" if share[i, j] > 0.55 else "black")
    save(fig, path, t)


def most_confused(matrix: list[list[int]], k: int = TOP_CONFUSED) -> list[int]:
    """The k classes with the most mistakes made or received, in class order."""
    cm = np.asarray(matrix)
    off = cm - np.diag(np.diag(cm))
    involvement = off.sum(0) + off.sum(1)
    return sorted(int(i) for i in np.argsort(-involvement, kind="stable")[:k])


def confusion_top(matrix: list[list[int]], classes: list[str], title: str, t: Phrases, path: Path) -> None:
    """The confusion matrix of the most-confused classes alone, with its counts."""
    keep = most_confused(matrix)
    sub = np.asarray(matrix)[np.ix_(keep, keep)]
    confusion(sub.tolist(), [classes[i] for i in keep], title, t, path)


def per_class_bars(classes: list[str], accuracy: dict[str, list[float]], t: Phrases, path: Path) -> None:
    """Per-class accuracy (%) of every model, grouped by class; with more classes than bars can
    show, the spread of each model's per-class accuracies (box plot, every class a dot) instead."""
    fig, ax = plt.subplots(figsize=WIDE)
    if len(classes) > BAR_CLASSES:
        labels = list(accuracy)
        data = [[100 * v for v in accuracy[label]] for label in labels]
        ax.boxplot(data, showfliers=False)
        for i, values in enumerate(data, 1):
            ax.scatter(np.full(len(values), i) + np.linspace(-0.2, 0.2, len(values)), values, s=6,
                       color=PALETTE[(i - 1) % len(PALETTE)], alpha=0.6)
        ax.set_xticks(range(1, len(labels) + 1), [label[:24] for label in labels], rotation=30 if len(labels) > 3
                      else 0, ha="right" if len(labels) > 3 else "center")
        ax.set(ylabel=t("figure.axis.per_class_accuracy", classes=len(classes)), ylim=(-5, 105))
        save(fig, path, t)
        return
    width = 0.8 / max(1, len(accuracy))
    x = np.arange(len(classes))
    for i, (label, values) in enumerate(accuracy.items()):
        ax.bar(x + (i - (len(accuracy) - 1) / 2) * width, [100 * v for v in values], width, label=label,
               color=PALETTE[i % len(PALETTE)])
    ax.set_xticks(x, [c[:14] for c in classes], rotation=45 if len(classes) > 6 else 0,
                  ha="right" if len(classes) > 6 else "center")
    ax.set(ylabel=t("figure.axis.accuracy"), ylim=(0, 105))
    handles, labels = ax.get_legend_handles_labels()
    labels, ncol = legend_layout(labels)
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol, frameon=False)
    save(fig, path, t)


def to_rgb(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) uint8 -> (H, W, 3) for imshow."""
    return image.permute(1, 2, 0).numpy()


SAMPLE_LABEL_PT = 8  # the grid is drawn at its printed size (at most 12.75 x 6.5 cm), so this prints as is
SAMPLE_CLASSES = 16  # at most this many classes are shown (the dataset table names them all)


def samples_grid(images: torch.Tensor, labels: torch.Tensor, classes: list[str], path: Path, per_class: int = 6) -> None:
    """A few images of every class (the first SAMPLE_CLASSES classes), classes in two columns of
    rows, each row a class name and its images. Drawn at the size it prints, so its labels print at
    SAMPLE_LABEL_PT. Its only words are class names, so the one picture is every language's file."""
    shown = classes[:SAMPLE_CLASSES]
    groups = 2 if len(shown) > 5 else 1
    per_class = per_class if groups == 1 else per_class * 2 // 3
    rows = -(-len(shown) // groups)
    label_w = 1.0  # inches for a name of up to 16 characters at SAMPLE_LABEL_PT
    # inches per image: the rows fit the report's 6.5 cm (2.56 in) and the columns 12.75 cm (5 in)
    cell = min(0.5, 2.45 / rows, (4.9 - groups * label_w) / (groups * per_class))
    fig = plt.figure(figsize=(groups * (label_w + per_class * cell), rows * cell))
    grid = fig.add_gridspec(rows, groups * (per_class + 1), wspace=0.05, hspace=0.08,
                            width_ratios=([label_w / cell] + [1] * per_class) * groups, left=0, right=1,
                            bottom=0, top=1)
    for k, name in enumerate(shown):
        row, base = k % rows, (k // rows) * (per_class + 1)
        label = fig.add_subplot(grid[row, base])
        label.axis("off")
        label.text(0.95, 0.5, name[:16], ha="right", va="center", fontsize=SAMPLE_LABEL_PT)
        picks = (labels == k).nonzero().flatten()[:per_class]
        for col in range(per_class):
            ax = fig.add_subplot(grid[row, base + 1 + col])
            ax.axis("off")
            if col < len(picks):
                ax.imshow(to_rgb(images[picks[col]]), interpolation="nearest")
    save_for_every_language(fig, path)


def feature_grid(image: torch.Tensor, stages: dict[str, torch.Tensor], path: Path, channels: int = 5) -> None:
    """The input image beside, for each stage, its first `channels` activation maps (C, H, W).
    Sized like HALF: a model's correct and wrong case print side by side, labels at about 7.5 pt.
    Its only words are the stages' names (the documents' captions say which image it is), so the
    one picture is every language's file."""
    rows = len(stages)
    fig, axes = plt.subplots(rows, channels + 1, figsize=(HALF[0], rows * 0.95 + 0.5), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(to_rgb(image), interpolation="nearest")
    for r, (stage, act) in enumerate(stages.items()):
        # Its shape as the stage table writes one: "4×16×16" has no comma to mistake for a decimal one.
        axes[r, 1].set_title(f"{stage} ({'×'.join(map(str, act.shape))})", fontsize=11, loc="left")
        for c in range(min(channels, act.shape[0])):
            axes[r, c + 1].imshow(act[c].numpy(), cmap="viridis", interpolation="nearest")
    fig.subplots_adjust(wspace=0.05, hspace=0.35)
    save_for_every_language(fig, path)


def search(trials: list[tuple[int, float | None, str]], importances: dict[str, float], metric: str,
           t: Phrases, path: Path) -> None:
    """A search: the metric (val_acc or val_loss) of every trial in order (pruned ones crossed)
    and, when known, the importance of each parameter, by its human name."""
    panels = 2 if importances else 1
    # constrained: the importance panel's parameter names get their own room, not the trial panel's
    fig, axes = plt.subplots(1, panels, figsize=WIDE, squeeze=False, layout="constrained")
    ax = axes[0, 0]
    scale = 100 if metric == "val_acc" else 1
    for state, marker in (("complete", "o"), ("pruned", "x")):
        pts = [(n, scale * v) for n, v, s in trials if s == state and v is not None]
        if pts:
            ax.scatter(*zip(*pts), marker=marker, label=t(f"figure.search.{state}"),
                       color=PALETTE[0 if state == "complete" else 3])
    ax.set(xlabel=t("figure.axis.trial"), ylabel=t(f"figure.axis.{metric}"), title=t(f"figure.search.{metric}"))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.legend()
    if importances:
        names = list(importances)[::-1]
        axes[0, 1].barh([textwrap.fill(parameter_name(t, n), 24) for n in names], [importances[n] for n in names],
                        color=PALETTE[2])
        axes[0, 1].set(title=t("figure.search.importance"), xlabel=t("figure.axis.share"))
    save(fig, path, t)


def reliability(calibration: Calibration, title: str, t: Phrases, path: Path) -> None:
    """Reliability diagram: per confidence bin, the share of right predictions against the bin's
    mean confidence (on the diagonal = calibrated; below it = over-confident), each point sized by
    its number of predictions, beside that number per bin (log scale: most predictions sit in the
    top bin)."""
    fig, (ax, counts) = plt.subplots(1, 2, figsize=WIDE, gridspec_kw={"width_ratios": [3, 2]})
    filled = [b for b in calibration.bins if b.count]
    largest = max(b.count for b in filled)
    ax.plot([0, 100], [0, 100], "--", color="grey", label=t("figure.reliability.perfect"))
    ax.scatter([100 * b.confidence for b in filled], [100 * b.accuracy for b in filled],
               s=[15 + 250 * b.count / largest for b in filled], color=PALETTE[0], zorder=3,
               label=t("figure.reliability.bins"))
    ax.set(xlabel=t("figure.axis.mean_confidence"), ylabel=t("figure.axis.accuracy"), xlim=(0, 102), ylim=(0, 102),
           title=title)
    ax.legend(loc="upper left")
    width = 100 / calibration.n_bins
    counts.bar([100 * b.low for b in calibration.bins], [b.count for b in calibration.bins], width, align="edge",
               color=PALETTE[0], edgecolor="white")
    counts.set(xlabel=t("figure.axis.confidence"), ylabel=t("figure.axis.predictions"), xlim=(0, 100),
               title=t("figure.reliability.per_bin"))
    log_scale(counts)
    # Plain numbers: the log axis's default labels are mathtext, which parse_math = False prints raw.
    counts.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    save(fig, path, t)


def lr_schedule(epochs: list[int], lr: list[float], title: str, t: Phrases, path: Path) -> None:
    """The learning rate each epoch trained with, as steps (the rate holds for the whole epoch),
    on a linear axis from zero: a cosine schedule keeps its shape and a step decay its proportions."""
    fig, ax = plt.subplots(figsize=HALF)
    ax.step(epochs, lr, where="mid", color=PALETTE[0])
    ax.plot(epochs, lr, "o", color=PALETTE[0], markersize=3)
    ax.set(ylabel=t("figure.axis.learning_rate"), title=title, ylim=(0, 1.1 * max(lr)))
    epoch_axis(ax, epochs, t)
    save(fig, path, t)
