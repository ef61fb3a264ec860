"""The decode cache: image files are decoded once into one uint8 tensor kept on disk, so a second
run of the same data starts at once; a dataset over the memory budget is not decoded at all but
streams from its files."""

from __future__ import annotations

import hashlib
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from reportgen.data.dataset import FileImages, FileSplit, Split
from reportgen.data.decode import decode_image
from reportgen.errors import UserError
from reportgen.rundir import load_torch, save_torch


def cache_dir() -> Path:
    return Path(os.environ.get("REPORTGEN_CACHE", Path.home() / ".cache" / "reportgen"))


def max_decoded_bytes() -> int:
    """Decoded datasets up to this size live in memory (CIFAR-10 is 150 MB); larger ones stream."""
    text = os.environ.get("REPORTGEN_MAX_DECODED_GB", "8")
    try:
        gigabytes = float(text)
    except ValueError:
        gigabytes = math.nan
    if not 0 <= gigabytes < math.inf:
        raise UserError(f"REPORTGEN_MAX_DECODED_GB = '{text}' is not a size in GB; set a number such as 8 "
                        "(0 streams every dataset from its files) or unset it")
    return int(gigabytes * 2**30)


def decode_files(paths: list[Path], labels: list[int], size: int, workers: int) -> Split:
    """Decode image files into one uint8 tensor, once: the result is cached on disk, keyed by the
    files (path, size, modification time), their labels and the image size, so a changed or added
    file decodes anew and a second run of the same data starts at once. A dataset too large for
    memory stays on disk as a FileSplit."""
    if not paths:
        raise UserError("no images found")
    if len(paths) * 3 * size * size > max_decoded_bytes():
        return FileSplit(FileImages(list(paths), size), torch.tensor(labels, dtype=torch.long))
    key = hashlib.sha256(repr((size, labels, [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns)
                                              for p in paths])).encode()).hexdigest()[:32]
    cached = cache_dir() / f"images-{size}px-{key}.pt"
    if cached.is_file():
        try:
            state = load_torch(cached)
            return Split(state["images"], state["labels"])
        except Exception:  # a damaged cache file is only a cache: decode again
            cached.unlink(missing_ok=True)
    # PIL releases the GIL while decoding, so threads use the cores without worker processes.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        images = list(pool.map(lambda p: decode_image(p, size), paths))
    split = Split(torch.stack(images), torch.tensor(labels, dtype=torch.long))
    try:
        save_torch(cached, {"images": split.images, "labels": split.labels})
    except OSError:  # a read-only or full disk only costs the next run a decode
        pass
    return split
