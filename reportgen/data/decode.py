"""Turning pixels into the one image format the package uses: uint8 (3, S, S) tensors at the
experiment's image size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from reportgen.errors import UserError
from reportgen.imagefile import open_image


def resize_batch(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, 3, h, w) uint8 -> (N, 3, size, size) uint8, bilinear with antialias like transforms.Resize."""
    if images.shape[-2:] == (size, size):
        return images
    out = F.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return out.round().clamp(0, 255).to(torch.uint8)


def decode_image(path: Path, size: int) -> torch.Tensor:
    """One file -> (3, size, size) uint8; an unreadable or oversized file names itself."""
    with open_image(path) as img:
        try:  # the header was read; a truncated or damaged body fails only here
            rgb = img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
        except (OSError, ValueError, SyntaxError) as e:  # SyntaxError: some of PIL's parsers
            raise UserError(f"cannot read image '{path}': {e}. Remove or replace the file and run again.") from None
    return torch.from_numpy(np.asarray(rgb, dtype=np.uint8).copy()).permute(2, 0, 1)
