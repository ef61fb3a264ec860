"""What a split holds: images and their labels, either decoded into memory (`Split`) or left as
files that are decoded when read (`FileSplit`), with one `subset` for both; and `DatasetSplits`,
the train/val/test triple an experiment trains and reports on."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from reportgen.data.decode import decode_image


@dataclass
class Split:
    images: torch.Tensor | FileImages  # (N, 3, S, S) uint8
    labels: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray | torch.Tensor) -> Split:
        """The images at `index` (positions, or a boolean mask), as a split of the same kind."""
        index = torch.as_tensor(index)
        index = index.nonzero().squeeze(1) if index.dtype == torch.bool else index.long()
        return replace(self, images=self.images[index], labels=self.labels[index])


@dataclass
class FileSplit(Split):
    """A split too large to decode into memory: DataLoader workers decode its files per batch."""

    images: FileImages


class FileImages(torch.utils.data.Dataset):
    """Image files read as a (N, 3, S, S) uint8 tensor would be: `images[i]` decodes one image
    (DataLoader workers, feature maps, sample grids); `images[index_tensor]` selects files."""

    def __init__(self, paths: list[Path], size: int):
        self.paths, self.size = paths, size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int | torch.Tensor) -> torch.Tensor | FileImages:
        if isinstance(i, torch.Tensor) and i.dim() == 1:
            return FileImages([self.paths[k] for k in i.tolist()], self.size)
        return decode_image(self.paths[int(i)], self.size)  # (3, S, S) uint8


@dataclass
class DatasetSplits:
    classes: list[str]
    train: Split
    val: Split
    test: Split | None

    @property
    def eval_split(self) -> str:
        return "test" if self.test is not None else "val"

    @property
    def eval(self) -> Split:
        """The split predictions.csv and metrics.json describe: test, or validation if none."""
        return self.test if self.test is not None else self.val
