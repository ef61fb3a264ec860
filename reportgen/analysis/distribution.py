"""The class distribution: images per class in each split, counted where the dataset is loaded
(dataset.json); reportgen.figures.plots draws its chart."""

from __future__ import annotations

import torch

from reportgen.data import DatasetSplits

SPLITS = ("train", "val", "test")  # the order of the chart's bars and the table's columns


def class_counts(data: DatasetSplits) -> dict[str, list[int]]:
    """Images per class (in `data.classes` order) of each split the run has."""
    splits = {"train": data.train, "val": data.val, "test": data.test}
    return {name: torch.bincount(split.labels, minlength=len(data.classes)).tolist()
            for name, split in splits.items() if split is not None}
