"""The class distribution: images per class in each split, counted where the dataset is loaded
(dataset.json); reportgen.figures.plots draws its chart."""

from __future__ import annotations

import torch

from reportgen.data import DatasetSplits
from reportgen.schema.run import SPLITS


def class_counts(data: DatasetSplits) -> dict[str, list[int]]:
    """Images per class (in `data.classes` order) of each split the run has."""
    return {name: torch.bincount(split.labels, minlength=len(data.classes)).tolist()
            for name, split in zip(SPLITS, (data.train, data.val, data.test)) if split is not None}
