"""Figures (PNG) drawn from the analysis facts. Every figure is 16:9-ish and 160 dpi: it fills an
A4 text width (16 cm) and a slide's picture box alike. Labels are language-neutral (metric and
class names); captions with prose live in the documents."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from reportgen.rundir import atomic_write_bytes  # noqa: E402

WIDE = (9.6, 5.4)  # inches, 16:9
DPI = 160
plt.rcParams.update({
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "font.size": 11, "axes.titlesize": 12, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False,
    "text.parse_math": False,  # labels and class names are user text: "$...$" is drawn, not parsed as math
})
PALETTE = plt.get_cmap("tab10").colors


def save(fig: plt.Figure, path: Path) -> None:
    """Render to memory, then write atomically: an interrupted analysis leaves no half PNG."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())


def scaled(values: list[float | None], metric: str) -> list[float]:
    """A history column ready to plot: accuracy in percent, and None (not a finite number) as NaN,
    which matplotlib draws as a gap."""
    scale = 100 if metric == "accuracy" else 1
    return [np.nan if v is None else v * scale for v in values]


def curves(epochs: list[int], train: list[float | None], val: list[float | None], metric: str, title: str,
           path: Path) -> None:
    """One model's train vs validation curve of `metric` (loss or accuracy)."""
    fig, ax = plt.subplots(figsize=WIDE)
    ax.plot(epochs, scaled(train, metric), "o-", color=PALETTE[0], label="train", markersize=3)
    ax.plot(epochs, scaled(val, metric), "s-", color=PALETTE[1], label="validation", markersize=3)
    ax.set(xlabel="epoch", ylabel="accuracy (%)" if metric == "accuracy" else "loss", title=title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    save(fig, path)


def overlaid_curves(series: dict[str, tuple[list[int], list[float | None], list[float | None]]], metric: str,
                    path: Path) -> None:
    """Every model's train (dashed) and validation (solid) curves on two shared panels."""
    fig, axes = plt.subplots(1, 2, figsize=WIDE, sharey=True)
    for i, (label, (epochs, train, val)) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        axes[0].plot(epochs, scaled(train, metric), "-", color=colour, label=label)
        axes[1].plot(epochs, scaled(val, metric), "-", color=colour, label=label)
    ylabel = "accuracy (%)" if metric == "accuracy" else "loss"
    for ax, split in zip(axes, ("train", "validation")):
        ax.set(xlabel="epoch", title=f"{split} {metric}")
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0].set_ylabel(ylabel)
    axes[1].legend(fontsize=9)
    save(fig, path)


def confusion(matrix: list[list[int]], classes: list[str], title: str, path: Path) -> None:
    """Annotated heatmap, rows = true class; colour by row share so small classes stay readable."""
    cm = np.asarray(matrix)
    share = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    n = len(classes)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.62 * n + 2.5), max(4.2, 0.55 * n + 2)))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.grid(False)
    ax.set_xticks(range(n), [c[:14] for c in classes], rotation=45 if n > 5 else 0, ha="right" if n > 5 else "center")
    ax.set_yticks(range(n), [c[:14] for c in classes])
    ax.set(xlabel="predicted", ylabel="true", title=title)
    size = 10 if n <= 10 else 7
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=size,
                    color="white" if share[i, j] > 0.55 else "black")
    save(fig, path)


def per_class_bars(classes: list[str], accuracy: dict[str, list[float]], path: Path) -> None:
    """Per-class accuracy (%) of every model, grouped by class."""
    fig, ax = plt.subplots(figsize=WIDE)
    width = 0.8 / max(1, len(accuracy))
    x = np.arange(len(classes))
    for i, (label, values) in enumerate(accuracy.items()):
        ax.bar(x + (i - (len(accuracy) - 1) / 2) * width, [100 * v for v in values], width, label=label,
               color=PALETTE[i % len(PALETTE)])
    ax.set_xticks(x, [c[:14] for c in classes], rotation=45 if len(classes) > 6 else 0,
                  ha="right" if len(classes) > 6 else "center")
    ax.set(ylabel="accuracy (%)", ylim=(0, 105))
    ax.legend(fontsize=9, loc="lower right")
    save(fig, path)


def to_rgb(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) uint8 -> (H, W, 3) for imshow."""
    return image.permute(1, 2, 0).numpy()


def samples_grid(images: torch.Tensor, labels: torch.Tensor, classes: list[str], path: Path, per_class: int = 6) -> None:
    """A few images of every class, one row per class (the deck's "about the dataset")."""
    n = len(classes)
    fig, axes = plt.subplots(n, per_class, figsize=(per_class * 1.1, n * 1.1 + 0.2), squeeze=False)
    for row, name in enumerate(classes):
        picks = (labels == row).nonzero().flatten()[:per_class]
        for col in range(per_class):
            ax = axes[row, col]
            ax.axis("off")
            if col < len(picks):
                ax.imshow(to_rgb(images[picks[col]]), interpolation="nearest")
        axes[row, 0].text(-0.1, 0.5, name[:16], transform=axes[row, 0].transAxes, ha="right", va="center",
                          fontsize=9)
    fig.subplots_adjust(left=0.2, wspace=0.05, hspace=0.05)
    save(fig, path)


def feature_grid(image: torch.Tensor, title: str, stages: dict[str, torch.Tensor], path: Path,
                 channels: int = 8) -> None:
    """The input image beside, for each stage, its first `channels` activation maps (C, H, W)."""
    rows = len(stages)
    fig, axes = plt.subplots(rows, channels + 1, figsize=((channels + 1) * 1.05, rows * 1.2 + 0.5), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(to_rgb(image), interpolation="nearest")
    axes[0, 0].set_title(title, fontsize=8, loc="left")
    for r, (stage, act) in enumerate(stages.items()):
        axes[r, 1].set_title(f"{stage} {tuple(act.shape)}", fontsize=8, loc="left")
        for c in range(min(channels, act.shape[0])):
            axes[r, c + 1].imshow(act[c].numpy(), cmap="viridis", interpolation="nearest")
    fig.subplots_adjust(wspace=0.05, hspace=0.35)
    save(fig, path)


def search(trials: list[tuple[int, float | None, str]], importances: dict[str, float], metric: str,
           path: Path) -> None:
    """A search: the metric of every trial in order (pruned ones hollow) and, when known, the
    parameter importances."""
    panels = 2 if importances else 1
    fig, axes = plt.subplots(1, panels, figsize=WIDE, squeeze=False)
    ax = axes[0, 0]
    for state, marker in (("complete", "o"), ("pruned", "x")):
        pts = [(n, v) for n, v, s in trials if s == state and v is not None]
        if pts:
            ax.scatter(*zip(*pts), marker=marker, label=state, color=PALETTE[0 if state == "complete" else 3])
    ax.set(xlabel="trial", ylabel=metric, title=f"{metric} per trial")
    ax.legend(fontsize=9)
    if importances:
        names = list(importances)[::-1]
        axes[0, 1].barh(names, [importances[n] for n in names], color=PALETTE[2])
        axes[0, 1].set(title="importance", xlabel="share")
    save(fig, path)
