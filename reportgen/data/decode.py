"""Turning pixels into the one image format the package uses: uint8 (3, S, S) tensors at the
experiment's image size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from reportgen.errors import UserError


def resize_batch(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, 3, h, w) uint8 -> (N, 3, size, size) uint8, bilinear with antialias like transforms.Resize."""
    if images.shape[-2:] == (size, size):
        return images
    out = F.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return out.round().clamp(0, 255).to(torch.uint8)


def decode_image(path: Path, size: int) -> torch.Tensor:
    """One file -> (3, size, size) uint8; an unreadable file names itself."""
    try:
        with Image.open(path) as img:
            rgb = img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise UserError(f"cannot read image '{path}': {e}. Remove or replace the file and run again.") from None
    return torch.from_numpy(np.asarray(rgb, dtype=np.uint8).copy()).permute(2, 0, 1)
