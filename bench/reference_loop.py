"""The reference notebook's input pipeline, kept for comparison: a PIL image per sample through
torchvision transforms, batched by a DataLoader with worker processes; and its step's device
settings (fp32, NCHW) as a DevicePolicy, so the benchmarks run it with reportgen's step."""

from __future__ import annotations

import torch
import torchvision.transforms as T
from PIL import Image

from reportgen.config import Normalization
from reportgen.data import Split
from reportgen.device import DevicePolicy


class PilDataset(torch.utils.data.Dataset):
    """torchvision.datasets.CIFAR10's __getitem__: a PIL image per sample, then the transforms."""

    def __init__(self, split: Split, transform):
        self.images = split.images.permute(0, 2, 3, 1).numpy()  # (N, H, W, 3) uint8
        self.labels = split.labels.tolist()
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i])), self.labels[i]


def reference_transforms(norm: Normalization, size: int = 32) -> tuple[T.Compose, T.Compose]:
    """(train, eval) exactly as the reference deck: RandomCrop(padding=4) + flip for training only."""
    to_tensor = [T.ToTensor(), T.Normalize(norm.mean, norm.std)]
    return T.Compose([T.RandomCrop(size, padding=size // 8), T.RandomHorizontalFlip(), *to_tensor]), \
        T.Compose(to_tensor)


def reference_loader(split: Split, transform, batch_size: int, shuffle: bool, seed: int = 0) -> torch.utils.data.DataLoader:
    return torch.utils.data.DataLoader(PilDataset(split, transform), batch_size=batch_size, shuffle=shuffle,
                                       num_workers=2, persistent_workers=True,
                                       generator=torch.Generator().manual_seed(seed))


def reference_policy(device: torch.device = torch.device("cpu")) -> DevicePolicy:
    """The reference notebook's step: fp32 on NCHW tensors (reportgen's policy is channels_last)."""
    policy = DevicePolicy(device, amp=False)
    policy.channels_last = False
    return policy
