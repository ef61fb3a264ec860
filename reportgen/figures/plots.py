"""The plots, drawn from facts analysis.json holds: training curves (one model's, every model's
as small multiples), confusion matrices, per-class accuracy, the reliability diagram, the learning-rate
schedule, the hyper-parameter search and the class distribution. Each takes the Phrases of the
language it is drawn in: every word in it comes from the phrase table (figure.toml), every number
is written with that language's decimal mark (style.save). Captions with prose live in the
documents."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib
import numpy as np

from reportgen.figures.files import ANNOTATED_CLASSES
from reportgen.figures.style import (HALF, PALETTE, WIDE, epoch_axis, legend_layout, log_scale, plt, save, scaled,
                                     value_axis)
from reportgen.language.parameters import parameter_name
from reportgen.language.phrases import Phrases
from reportgen.schema.analysis import Calibration
from reportgen.schema.run import SPLITS


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


GRID_COLUMNS = 4  # models a row of the curve grid: a panel then prints about 4 cm wide, its text at 7.5 pt
CURVE_METRICS = ("accuracy", "loss")


def curve_grid(series: dict[str, dict[str, tuple[list[float | None], list[float | None]]]], epochs: dict[str, list[int]],
               t: Phrases, path: Path) -> None:
    """Every model's training and validation curves as small multiples: a panel per model and
    metric, GRID_COLUMNS models a row with their accuracy panels above their loss panels, every
    panel of a metric on the same axes (a log loss axis when the values span orders of magnitude);
    one legend above the grid. series: label -> metric -> (train, val)."""
    labels = list(series)
    columns = min(GRID_COLUMNS, len(labels))
    blocks = -(-len(labels) // columns)
    fig, axes = plt.subplots(2 * blocks, columns, figsize=(9.6, 0.4 + 2.1 * 2 * blocks), sharex=True,
                             squeeze=False)
    for row, metric in enumerate(CURVE_METRICS):  # a metric's panels share one y-axis, across the blocks too
        for ax in axes[row::2].flat:
            if ax is not axes[row, 0]:
                ax.sharey(axes[row, 0])
    all_epochs = sorted({e for label in labels for e in epochs[label]})
    values = {metric: [] for metric in CURVE_METRICS}
    for k, label in enumerate(labels):
        for row, metric in enumerate(CURVE_METRICS):
            ax = axes[2 * (k // columns) + row, k % columns]
            train, val = (scaled(column, metric) for column in series[label][metric])
            marker = len(epochs[label]) <= 20
            ax.plot(epochs[label], train, "o-" if marker else "-", color=PALETTE[0], label=t("figure.split.train"),
                    markersize=3)
            ax.plot(epochs[label], val, "s-" if marker else "-", color=PALETTE[1], label=t("figure.split.val"),
                    markersize=3)
            values[metric] += [train, val]
            if row == 0:
                ax.set_title(textwrap.shorten(label, 24, placeholder="…"), fontsize=11)
            if k % columns:
                ax.tick_params(labelleft=False)
            else:
                ax.set_ylabel(t(f"figure.axis.{metric}"))
    for k in range(len(labels), blocks * columns):  # an empty place in the last block
        for row in range(2):
            axes[2 * (k // columns) + row, k % columns].set_visible(False)
    for ax in axes[-1]:
        epoch_axis(ax, all_epochs, t)
    for row, metric in enumerate(CURVE_METRICS):
        value_axis(axes[row, 0], values[metric], metric)
    handles, legend = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    fig.legend(handles, legend, loc="upper center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 1))
    save(fig, path, t)


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


def reliability_grid(calibrations: dict[str, Calibration], t: Phrases, path: Path) -> None:
    """Every model's reliability diagram, two models a row: per confidence bin, the share of right
    predictions against the bin's mean confidence (on the diagonal = calibrated; below it =
    over-confident), each point sized by its number of predictions, beside that number per bin
    (log scale: most predictions sit in the top bin); one legend above the grid."""
    labels = list(calibrations)
    pairs = min(2, len(labels))
    rows = -(-len(labels) // pairs)
    fig, axes = plt.subplots(rows, 2 * pairs, figsize=(9.6 if pairs == 2 else 6.4, 0.5 + 2.6 * rows), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 2] * pairs})
    for k, label in enumerate(labels):
        calibration = calibrations[label]
        ax, counts = axes[k // pairs, 2 * (k % pairs)], axes[k // pairs, 2 * (k % pairs) + 1]
        filled = [b for b in calibration.bins if b.count]
        largest = max((b.count for b in filled), default=1)
        ax.plot([0, 100], [0, 100], "--", color="grey", label=t("figure.reliability.perfect"))
        ax.scatter([100 * b.confidence for b in filled], [100 * b.accuracy for b in filled],
                   s=[15 + 150 * b.count / largest for b in filled], color=PALETTE[0], zorder=3,
                   label=t("figure.reliability.bins"))
        ax.set(xlabel=t("figure.axis.mean_confidence"), ylabel=t("figure.axis.accuracy"), xlim=(0, 102), ylim=(0, 102),
               title=textwrap.shorten(label, 24, placeholder="…"))
        width = 100 / calibration.n_bins
        counts.bar([100 * b.low for b in calibration.bins], [b.count for b in calibration.bins], width, align="edge",
                   color=PALETTE[0], edgecolor="white")
        counts.set(xlabel=t("figure.axis.confidence"), ylabel=t("figure.axis.predictions"), xlim=(0, 100),
                   xticks=[0, 50, 100], title=t("figure.reliability.per_bin"))
        log_scale(counts)
        # Plain numbers: the log axis's default labels are mathtext, which parse_math = False prints raw.
        counts.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    for k in range(len(labels), rows * pairs):  # an empty place in the last row
        for ax in axes[k // pairs, 2 * (k % pairs):2 * (k % pairs) + 2]:
            ax.set_visible(False)
    handles, legend = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / fig.get_figheight()))
    fig.legend(handles, legend, loc="upper center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 1))
    save(fig, path, t)


def lr_grid(schedules: dict[str, tuple[list[int], list[float]]], t: Phrases, path: Path) -> None:
    """Every model's learning rate in each epoch, a panel per model, GRID_COLUMNS a row: as steps
    (the rate holds for the whole epoch), on a linear axis from zero of the panel's own, so that a
    cosine schedule keeps its shape and a step decay its proportions whatever the model's rate."""
    labels = list(schedules)
    columns = min(GRID_COLUMNS, len(labels))
    rows = -(-len(labels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(9.6 if columns > 1 else 4.8, 0.3 + 2.4 * rows), squeeze=False,
                             sharex=True)
    all_epochs = sorted({e for epochs, _ in schedules.values() for e in epochs})
    for k, label in enumerate(labels):
        ax = axes[k // columns, k % columns]
        epochs, lr = schedules[label]
        ax.step(epochs, lr, where="mid", color=PALETTE[0])
        ax.plot(epochs, lr, "o", color=PALETTE[0], markersize=3)
        ax.set(title=textwrap.shorten(label, 24, placeholder="…"), ylim=(0, 1.1 * max(lr)))
        if k % columns == 0:
            ax.set_ylabel(t("figure.axis.learning_rate"))
    for k in range(len(labels), rows * columns):
        axes[k // columns, k % columns].set_visible(False)
    for ax in axes[-1]:
        epoch_axis(ax, all_epochs, t)
    fig.tight_layout()
    save(fig, path, t)


LABELLED_CLASSES = 30  # more classes than this: every class still drawn, its name on every k-th tick only
COUNTED_CLASSES = 12  # up to this many classes each bar carries its count (the deck shows the chart alone)


def distribution(classes: list[str], counts: dict[str, list[int]], t: Phrases, path: Path) -> None:
    """Images per class, one bar per split side by side."""
    fig, ax = plt.subplots(figsize=WIDE)
    splits = [s for s in SPLITS if s in counts]
    width = 0.8 / len(splits)
    x = np.arange(len(classes))
    for i, split in enumerate(splits):
        bars = ax.bar(x + (i - (len(splits) - 1) / 2) * width, counts[split], width,
                      label=t(f"figure.distribution.{split}"), color=PALETTE[i % len(PALETTE)])
        if len(classes) <= COUNTED_CLASSES:
            ax.bar_label(bars)  # the figure prints at about 0.7 of its size: 11 pt prints at 7.7
    step = max(1, -(-len(classes) // LABELLED_CLASSES))
    ax.set_xticks(x[::step], [c[:14] for c in classes[::step]], rotation=45 if len(classes) > 6 else 0,
                  ha="right" if len(classes) > 6 else "center")
    ax.set(ylabel=t("figure.distribution.images"), xlabel=t("figure.distribution.class"))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(splits), frameon=False)
    save(fig, path, t)
