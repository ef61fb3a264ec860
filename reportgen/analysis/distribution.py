"""The class distribution: images per class in each split, counted where the dataset is loaded
(dataset.json), and its bar chart grouped by split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from reportgen.analysis.figures import PALETTE, WIDE, plt, save
from reportgen.data import DatasetSplits
from reportgen.language.phrases import Phrases

SPLITS = ("train", "val", "test")  # the order of the chart's bars and the table's columns
LABELLED_CLASSES = 30  # more classes than this: every class still drawn, its name on every k-th tick only
COUNTED_CLASSES = 12  # up to this many classes each bar carries its count (the deck shows the chart alone)


def class_counts(data: DatasetSplits) -> dict[str, list[int]]:
    """Images per class (in `data.classes` order) of each split the run has."""
    splits = {"train": data.train, "val": data.val, "test": data.test}
    return {name: torch.bincount(split.labels, minlength=len(data.classes)).tolist()
            for name, split in splits.items() if split is not None}


def distribution_chart(classes: list[str], counts: dict[str, list[int]], t: Phrases, path: Path) -> None:
    """Images per class, one bar per split side by side, in the language of `t`."""
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
    save(fig, path)
