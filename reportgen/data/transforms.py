"""Batch transforms: augmentation and normalisation of a whole uint8 batch on its device, with
separate training and evaluation pipelines."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reportgen.config import DataConfig, Normalization


def normalize(images: torch.Tensor, norm: Normalization) -> torch.Tensor:
    """uint8 (B, 3, S, S) -> float, scaled to [0, 1] then standardised per channel."""
    mean = torch.tensor(norm.mean, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(norm.std, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std


class BatchTransform:
    """Augmentation + normalisation of a uint8 batch on its device.

    Same semantics as the reference deck's torchvision chain RandomCrop(S, padding=S/8) -> RandomHorizontalFlip
    -> ToTensor -> Normalize: zero padding in pixel space, an independent crop offset and coin
    flip per image. Random numbers come from `generator` (CPU), so a run is reproducible and
    resumable on any device."""

    def __init__(self, norm: Normalization, augment: tuple[str, ...] = ()):
        self.norm = norm
        self.augment = tuple(augment)

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None = None, total: int | None = None,
                 offset: int = 0) -> torch.Tensor:
        """`images` may be one process's part, rows offset..offset+B, of a global batch of `total`:
        the random draws are made for the whole global batch, so every process consumes the
        generator alike and each image gets the draw it would get in a single process."""
        b, _, s, _ = images.shape
        mine = slice(offset, offset + b)
        total = total or b
        if "random_crop" in self.augment:
            pad = max(1, s // 8)  # 4 at 32 px, as in the reference deck
            padded = F.pad(images, (pad, pad, pad, pad))  # (B, 3, S+2p, S+2p), zeros = black
            dy, dx = torch.randint(0, 2 * pad + 1, (2, total), generator=generator)[:, mine].to(images.device)
            rows = (dy[:, None] + torch.arange(s, device=images.device))[:, None, :, None]  # (B, 1, S, 1)
            cols = (dx[:, None] + torch.arange(s, device=images.device))[:, None, None, :]  # (B, 1, 1, S)
            batch = torch.arange(b, device=images.device)[:, None, None, None]
            chans = torch.arange(3, device=images.device)[None, :, None, None]
            images = padded[batch, chans, rows, cols]
        if "hflip" in self.augment:
            flip = (torch.rand(total, generator=generator) < 0.5)[mine].to(images.device)
            images = torch.where(flip[:, None, None, None], images.flip(3), images)
        return normalize(images, self.norm)


def make_transforms(cfg: DataConfig) -> tuple[BatchTransform, BatchTransform]:
    """(train, eval): two independent objects; only the training one augments."""
    return BatchTransform(cfg.norm, tuple(cfg.augment)), BatchTransform(cfg.norm)
