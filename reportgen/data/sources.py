"""Where images come from: the built-in datasets (CIFAR-10, scikit-learn digits, synthetic
stripes) and the two file layouts (ImageFolder, a CSV of file names and labels). Each source
returns (classes, training pool, test split or None); `split` divides the pool. A file layout is
listed and checked (FileListing) before anything is decoded, also by preflight before a run
directory exists: every class has images, there are two classes or more, a CSV parses and lists
each file once, and the files tools leave beside images (dot-files, `__MACOSX/`) are skipped.

A CSV name must stay inside the image folder as written: `../x.jpg` or `/etc/...` is refused,
because a typo or a copied table would otherwise train on files nobody meant to include. Symbolic
links, though, are made deliberately, so both layouts follow a linked image or class folder
wherever it points (Path.rglob does not descend into linked folders below a class folder)."""

from __future__ import annotations

import csv
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from reportgen.config import DataConfig
from reportgen.data.cache import decode_files, max_decoded_bytes
from reportgen.data.dataset import Split
from reportgen.data.decode import resize_batch
from reportgen.errors import UserError
from reportgen.language.text import clean_user_text

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
# Fixed seeds that define the built-in datasets themselves (not the experiment's seed): the
# digits test hold-out and the synthetic images are the same for every experiment.
DIGITS_TEST_FRACTION, DATASET_SEED = 0.2, 0
# What a zip made on a Mac, or a file manager, adds beside the images: never a class or an image.
TOOL_FOLDERS = ("__MACOSX",)

Source = tuple[list[str], Split, Split | None]


@dataclass(frozen=True)
class FileListing:
    """The images of a file layout, listed and checked but not decoded (preflight lists them too)."""

    classes: list[str]  # as the documents show them (clean_user_text)
    paths: list[Path]
    labels: list[int]
    test: tuple[list[Path], list[int]] | None = None


def is_hidden(name: str) -> bool:
    """Dot-files and -folders (macOS's AppleDouble `._x.jpg`, `.DS_Store`, `.thumbnails/`) and a Mac
    zip's `__MACOSX/`: made by tools, skipped alike in both layouts' folders."""
    return name.startswith(".") or name in TOOL_FOLDERS


def shown_classes(names: list[str], source: Path) -> list[str]:
    """Class names as the documents and the terminal show them: without control characters. Two
    names that differ only in those would become one class in every table."""
    shown = [clean_user_text(n) for n in names]
    for name, clean in zip(names, shown):
        same = [repr(other) for other, shown_as in zip(names, shown) if shown_as == clean]
        if not clean.strip() or len(same) > 1:
            problem = f"classes {' and '.join(same)} are one name" if len(same) > 1 else f"class {name!r} is no name"
            raise UserError(f"'{source}': {problem} without their control characters; rename the folder or label")
    return shown


def require_classes(classes: list[str], source: Path) -> None:
    if len(classes) < 2:
        raise UserError(f"'{source}' has only {len(classes)} class ({', '.join(map(repr, classes))}); a classifier "
                        "needs at least 2: add a folder of images per class")


def list_image_folder(folder: Path, classes: list[str] | None = None) -> tuple[list[str], list[Path], list[int]]:
    """An ImageFolder layout (one subfolder per class) -> (classes, paths, labels). Every class
    must have an image: one without would count in every macro average with a recall of 0."""
    if not folder.is_dir():
        raise UserError(f"image folder '{folder}' does not exist; expected one subfolder per class")
    found = sorted(d.name for d in folder.iterdir() if d.is_dir() and not is_hidden(d.name))
    classes = classes or found
    if not classes:
        raise UserError(f"'{folder}' has no class subfolders; expected e.g. {folder}/cat/0001.jpg")
    unknown = sorted(set(found) - set(classes))
    if unknown:
        raise UserError(f"'{folder}' has classes {unknown} that the training folder does not have")
    paths, labels = [], []
    for label, name in enumerate(classes):
        for p in sorted((folder / name).rglob("*")):
            inside = p.relative_to(folder / name).parts
            if p.suffix.lower() in IMAGE_EXTENSIONS and not any(map(is_hidden, inside)) and p.is_file():
                paths.append(p)
                labels.append(label)
    present = set(labels)
    empty = [name for label, name in enumerate(classes) if label not in present]
    if empty:
        raise UserError(f"class '{empty[0]}' has no images ({', '.join(IMAGE_EXTENSIONS)}) in "
                        f"'{folder / empty[0]}'" + (f" (nor {len(empty) - 1} other class(es))" if len(empty) > 1
                                                    else "")
                        + "; a class without images would count in every average with a recall of 0: add its "
                          "images, or remove the class from the training folder")
    return classes, paths, labels


def list_imagefolder(cfg: DataConfig) -> FileListing:
    root = Path(cfg.root)
    classes, paths, labels = list_image_folder(root / cfg.train_dir)
    require_classes(classes, root / cfg.train_dir)
    test = list_image_folder(root / cfg.test_dir, classes)[1:] if cfg.test_dir else None
    return FileListing(shown_classes(classes, root / cfg.train_dir), paths, labels, test)


def read_label_table(table: Path) -> list[tuple[int, str, str]]:
    """(row, filename, label) of each row of a CSV with the columns filename,label (in any order,
    others ignored), rows numbered as a spreadsheet does (the header is row 1); every way the file
    can fail to parse is one message naming it and the row."""
    if not table.is_file():
        raise UserError(f"label file '{table}' does not exist (or is not a regular file); expected columns "
                        "filename,label")
    data = table.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # -sig: Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as e:
        row = data[:e.start].count(b"\n") + 1
        raise UserError(f"'{table}' row {row}: not UTF-8 text; save the table as \"CSV UTF-8\"") from None
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        if not {"filename", "label"} <= set(header):
            raise UserError(f"'{table}' needs a header with the columns filename,label (got {header[:4]})")
        name_at, label_at = header.index("filename"), header.index("label")
        for row in reader:
            if not row:  # a blank line
                continue
            if len(row) <= max(name_at, label_at) or not row[name_at] or not row[label_at]:
                raise UserError(f"'{table}' row {reader.line_num}: {row!r} has no filename or no label; "
                                "every row is filename,label")
            rows.append((reader.line_num, row[name_at], row[label_at]))
    except csv.Error as e:  # e.g. a field over the csv module's size limit, a NUL byte
        raise UserError(f"'{table}' row {reader.line_num}: not a readable CSV row ({e})") from None
    return rows


def list_csv(cfg: DataConfig) -> FileListing:
    root = Path(cfg.root)
    table = root / cfg.csv
    rows = read_label_table(table)
    folder = (root / cfg.train_dir).resolve()
    names = sorted({label for _, _, label in rows})
    require_classes(names, table)
    seen: dict[Path, tuple[int, str]] = {}
    paths, labels = [], []
    for line, name, label in rows:
        # Normalised as written, not resolved: a symlink inside the folder is followed (module docstring).
        path = Path(os.path.normpath(folder / name))
        if not path.is_relative_to(folder):
            raise UserError(f"'{table}' row {line}: '{name}' is outside the image folder "
                            f"'{folder}'; copy the image into that folder and list it relative to it")
        if path in seen:
            first, first_label = seen[path]
            problem = (f"with the labels '{first_label}' (row {first}) and '{label}' (row {line}); an image has one "
                       "label: delete the wrong row" if label != first_label else
                       f"(rows {first} and {line}); a copy could land in both training and validation: delete one")
            raise UserError(f"'{table}' lists '{name}' twice {problem}")
        seen[path] = (line, label)
        paths.append(path)
        labels.append(names.index(label))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UserError(f"{len(missing)} image(s) listed in '{table}' do not exist (or are not regular files), "
                        f"e.g. '{missing[0]}'")
    return FileListing(shown_classes(names, table), paths, labels)


FILE_LAYOUTS: dict[str, Callable[[DataConfig], FileListing]] = {"imagefolder": list_imagefolder, "csv": list_csv}


def check_files(cfg: DataConfig) -> None:
    """Preflight: a file layout's images are listed and checked, not decoded."""
    if cfg.dataset in FILE_LAYOUTS:
        FILE_LAYOUTS[cfg.dataset](cfg)
        max_decoded_bytes()  # its setting is read at the decode


def load_files(cfg: DataConfig) -> Source:
    listing = FILE_LAYOUTS[cfg.dataset](cfg)
    pool = decode_files(listing.paths, listing.labels, cfg.image_size, cfg.num_workers)
    test = decode_files(*listing.test, cfg.image_size, cfg.num_workers) if listing.test else None
    return listing.classes, pool, test


def load_cifar10(cfg: DataConfig) -> Source:
    import torchvision

    root = Path(cfg.root)
    # The folders a download creates: removed again when it fails, so a failed run leaves nothing behind.
    target = root.absolute()
    created = next((p for p in [*reversed(target.parents), target] if not p.exists()), None)
    try:
        train = torchvision.datasets.CIFAR10(root, train=True, download=cfg.download)
        test = torchvision.datasets.CIFAR10(root, train=False, download=False)
    except BaseException as e:  # not found / corrupt / no network for the download / Ctrl-C during it
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        if not isinstance(e, (RuntimeError, OSError)):
            raise
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
    "imagefolder": load_files,
    "csv": load_files,
    "digits": load_digits,
    "synthetic": load_synthetic,
}
