"""Where images come from: the built-in datasets (CIFAR-10, scikit-learn digits, synthetic
stripes) and the two file layouts (ImageFolder, a CSV of file names and labels). Each source
returns (classes, training pool, test split or None); `split` divides the pool.

A CSV name must stay inside the image folder as written: `../x.jpg` or `/etc/...` is refused,
because a typo or a copied table would otherwise train on files nobody meant to include. Symbolic
links, though, are made deliberately, so both layouts follow a linked image or class folder
wherever it points (Path.rglob does not descend into linked folders below a class folder)."""

from __future__ import annotations

import contextlib
import csv
import os
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from reportgen.config import DataConfig
from reportgen.data.cache import decode_files
from reportgen.data.dataset import Split
from reportgen.data.decode import resize_batch
from reportgen.errors import UserError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
# Fixed seeds that define the built-in datasets themselves (not the experiment's seed): the
# digits test hold-out and the synthetic images are the same for every experiment.
DIGITS_TEST_FRACTION, DATASET_SEED = 0.2, 0

Source = tuple[list[str], Split, Split | None]


def list_image_folder(folder: Path, classes: list[str] | None = None) -> tuple[list[str], list[Path], list[int]]:
    """An ImageFolder layout (one subfolder per class) -> (classes, paths, labels)."""
    if not folder.is_dir():
        raise UserError(f"image folder '{folder}' does not exist; expected one subfolder per class")
    found = sorted(d.name for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
    classes = classes or found
    if not classes:
        raise UserError(f"'{folder}' has no class subfolders; expected e.g. {folder}/cat/0001.jpg")
    unknown = sorted(set(found) - set(classes))
    if unknown:
        raise UserError(f"'{folder}' has classes {unknown} that the training folder does not have")
    paths, labels = [], []
    for label, name in enumerate(classes):
        for p in sorted((folder / name).rglob("*")):
            if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file():
                paths.append(p)
                labels.append(label)
    if not paths:
        raise UserError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) under '{folder}'")
    return classes, paths, labels


def load_imagefolder(cfg: DataConfig) -> Source:
    root = Path(cfg.root)
    classes, paths, labels = list_image_folder(root / cfg.train_dir)
    pool = decode_files(paths, labels, cfg.image_size, cfg.num_workers)
    test = None
    if cfg.test_dir:
        _, tpaths, tlabels = list_image_folder(root / cfg.test_dir, classes)
        test = decode_files(tpaths, tlabels, cfg.image_size, cfg.num_workers)
    return classes, pool, test


def load_csv(cfg: DataConfig) -> Source:
    root = Path(cfg.root)
    table = root / cfg.csv
    if not table.is_file():
        raise UserError(f"label file '{table}' does not exist; expected columns filename,label")
    with table.open(newline="", encoding="utf-8-sig") as f:  # -sig: Excel's "CSV UTF-8" starts with a BOM
        rows = list(csv.DictReader(f))
    if not rows or not {"filename", "label"} <= set(rows[0]):
        raise UserError(f"'{table}' needs a header with the columns filename,label")
    classes = sorted({r["label"] for r in rows})
    folder = (root / cfg.train_dir).resolve()
    # Normalised as written, not resolved: a symlink inside the folder is followed (module docstring).
    paths = [Path(os.path.normpath(folder / r["filename"])) for r in rows]
    for number, (row, path) in enumerate(zip(rows, paths), start=2):  # row 1 is the header, as in a spreadsheet
        if not path.is_relative_to(folder):
            raise UserError(f"'{table}' row {number}: '{row['filename']}' is outside the image folder "
                            f"'{folder}'; copy the image into that folder and list it relative to it")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UserError(f"{len(missing)} image(s) listed in '{table}' do not exist, e.g. '{missing[0]}'")
    pool = decode_files(paths, [classes.index(r["label"]) for r in rows], cfg.image_size, cfg.num_workers)
    return classes, pool, None


def load_cifar10(cfg: DataConfig) -> Source:
    import torchvision

    root = Path(cfg.root)
    # The download makes `root` (and any missing folder above it) before it fails offline.
    made = [p for p in (root.absolute(), *root.absolute().parents) if not p.exists()]
    try:
        train = torchvision.datasets.CIFAR10(root, train=True, download=cfg.download)
        test = torchvision.datasets.CIFAR10(root, train=False, download=False)
    except (RuntimeError, OSError) as e:  # not found / corrupt / no network for the download
        for folder in made:  # deepest first; a folder that is not empty stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise UserError(
            f"CIFAR-10 is not under '{root.resolve()}' ({e}). Put the extracted 'cifar-10-batches-py' "
            f"folder there (or point data.root at it: --set data.root=PATH), or set data.download = true "
            f"on a machine with internet access, or use dataset = \"imagefolder\" for a CIFAR-10 copy in folders."
        ) from None

    def to_split(ds) -> Split:  # ds.data: (N, 32, 32, 3) uint8
        images = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()
        return Split(resize_batch(images, cfg.image_size), torch.tensor(ds.targets, dtype=torch.long))

    return list(train.classes), to_split(train), to_split(test)


def load_digits(cfg: DataConfig) -> Source:
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()  # 1,797 real 8x8 scans, values 0..16
    images = torch.from_numpy(digits.images * (255 / 16)).round().to(torch.uint8)
    images = resize_batch(images[:, None].expand(-1, 3, -1, -1), cfg.image_size)
    labels = torch.from_numpy(digits.target).long()
    pool_idx, test_idx = train_test_split(
        np.arange(len(labels)), test_size=DIGITS_TEST_FRACTION, stratify=labels.numpy(), random_state=DATASET_SEED
    )
    data = Split(images, labels)
    return [str(d) for d in digits.target_names], data.subset(pool_idx), data.subset(test_idx)


def load_synthetic(cfg: DataConfig) -> Source:
    """Learnable generated images: class k is a stripe pattern at its own angle and colour, with
    noise and a random phase, so a small model separates the classes within a few epochs."""
    g = torch.Generator().manual_seed(DATASET_SEED)
    k, s = cfg.num_classes, cfg.image_size
    n_test = max(2, cfg.samples_per_class // 4)
    per_class = cfg.samples_per_class + n_test
    labels = torch.arange(k).repeat_interleave(per_class)
    angle = labels.float() * torch.pi / k
    phase = torch.rand(len(labels), generator=g) * 2 * torch.pi
    yy, xx = torch.meshgrid(torch.arange(s).float(), torch.arange(s).float(), indexing="ij")
    wave = torch.sin((xx * torch.cos(angle)[:, None, None] + yy * torch.sin(angle)[:, None, None]) * 0.8
                     + phase[:, None, None])  # (N, S, S)
    colour = torch.stack([(labels * 37 % 255), (labels * 91 % 255), (labels * 157 % 255)], 1).float() / 255
    images = 0.5 + 0.35 * wave[:, None] * (0.5 + colour[:, :, None, None])
    images = images + 0.08 * torch.randn(images.shape, generator=g)
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    is_test = (torch.arange(len(labels)) % per_class) >= cfg.samples_per_class
    data = Split(images, labels)
    return [f"class_{i}" for i in range(k)], data.subset(~is_test), data.subset(is_test)


SOURCES: dict[str, Callable[[DataConfig], Source]] = {
    "cifar10": load_cifar10,
    "imagefolder": load_imagefolder,
    "csv": load_csv,
    "digits": load_digits,
    "synthetic": load_synthetic,
}
