"""The seeded division of a source's training pool into train and validation (and the optional
`limit_train` subset before it): the same seed always gives the same split."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from reportgen.config import DataConfig
from reportgen.data.dataset import DatasetSplits
from reportgen.data.sources import SOURCES
from reportgen.errors import UserError


def seeded_subset(labels: np.ndarray, size: int | float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (when every class has 2+ images) and seeded: the same seed, the same split."""
    index = np.arange(len(labels))
    _, counts = np.unique(labels, return_counts=True)
    stratify = labels if counts.min() >= 2 else None
    try:
        return train_test_split(index, test_size=size, stratify=stratify, random_state=seed)
    except ValueError:  # too few images per class for a stratified split of this size
        return train_test_split(index, test_size=size, stratify=None, random_state=seed)


def load_dataset(cfg: DataConfig, seed: int) -> DatasetSplits:
    classes, pool, test = SOURCES[cfg.dataset](cfg)
    if 0 < cfg.limit_train < len(pool):
        _, keep = seeded_subset(pool.labels.numpy(), cfg.limit_train, seed)
        pool = pool.subset(np.sort(keep))
    if isinstance(cfg.val_split, int) and cfg.val_split >= len(pool):
        raise UserError(
            f"data.val_split = {cfg.val_split} is not smaller than the training pool ({len(pool)} images); "
            "use a smaller count or a fraction such as 0.2"
        )
    try:
        train_idx, val_idx = seeded_subset(pool.labels.numpy(), cfg.val_split, seed)
    except ValueError:  # the train or the validation part would be empty
        limit = f" (data.limit_train = {cfg.limit_train})" if 0 < cfg.limit_train else ""
        raise UserError(
            f"the training pool has {len(pool)} image(s){limit}, too few to split into train and validation "
            f"with data.val_split = {cfg.val_split}; use more images (a larger data.limit_train, "
            "or a larger dataset) or another val_split"
        ) from None
    return DatasetSplits(classes, pool.subset(np.sort(train_idx)), pool.subset(np.sort(val_idx)), test)
