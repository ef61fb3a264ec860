"""Datasets, the seeded train/val split, and batch transforms.

Every dataset is decoded once into uint8 tensors (N, 3, S, S) at the experiment's image size;
augmentation and normalisation run on whole batches on the training device (as in
cifar10-airbench), so no per-image PIL work happens inside an epoch. The training and the
evaluation pipelines are separate `BatchTransform` objects: the seed notebook's bug, where the
training subset shared (and got) the validation transforms, cannot happen here.
"""

from __future__ import annotations

import csv
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError
from sklearn.model_selection import train_test_split

from reportgen.config import DataConfig, Normalization
from reportgen.distributed import SINGLE, World
from reportgen.errors import UserError
from reportgen.rundir import load_torch, save_torch

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
# Fixed seeds that define the built-in datasets themselves (not the experiment's seed): the
# digits test hold-out and the synthetic images are the same for every experiment.
DIGITS_TEST_FRACTION, DATASET_SEED = 0.2, 0


@dataclass
class Split:
    images: torch.Tensor  # (N, 3, S, S) uint8
    labels: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray | torch.Tensor) -> Split:
        index = torch.as_tensor(index)
        index = index.nonzero().squeeze(1) if index.dtype == torch.bool else index.long()
        return Split(self.images[index], self.labels[index])


@dataclass
class FileSplit:
    """A split too large to decode into memory: its image files are decoded per batch by
    DataLoader workers. `images[i]` decodes one image (feature maps, sample grids)."""

    paths: list[Path]
    labels: torch.Tensor  # (N,) int64
    size: int

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray | torch.Tensor) -> FileSplit:
        index = torch.as_tensor(index)
        index = index.nonzero().squeeze(1) if index.dtype == torch.bool else index.long()
        return FileSplit([self.paths[i] for i in index.tolist()], self.labels[index], self.size)

    @property
    def images(self) -> LazyImages:
        return LazyImages(self)


class LazyImages:
    def __init__(self, split: FileSplit):
        self.split = split

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, i) -> torch.Tensor:
        return decode_image(self.split.paths[int(i)], self.split.size)


@dataclass
class DatasetSplits:
    classes: list[str]
    train: Split | FileSplit
    val: Split | FileSplit
    test: Split | FileSplit | None

    @property
    def eval_split(self) -> str:
        return "test" if self.test is not None else "val"

    @property
    def eval(self) -> Split | FileSplit:
        """The split predictions.csv and metrics.json describe: test, or validation if none."""
        return self.test if self.test is not None else self.val


# --- decoding -----------------------------------------------------------------------------------

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


def cache_dir() -> Path:
    return Path(os.environ.get("REPORTGEN_CACHE", Path.home() / ".cache" / "reportgen"))


def max_decoded_bytes() -> int:
    """Decoded datasets up to this size live in memory (CIFAR-10 is 150 MB); larger ones stream."""
    return int(float(os.environ.get("REPORTGEN_MAX_DECODED_GB", "8")) * 2**30)


def decode_files(paths: list[Path], labels: list[int], size: int, workers: int) -> Split | FileSplit:
    """Decode image files into one uint8 tensor, once: the result is cached on disk, keyed by the
    files (path, size, modification time), their labels and the image size, so a changed or added
    file decodes anew and a second run of the same data starts at once. A dataset too large for
    memory stays on disk as a FileSplit."""
    if not paths:
        raise UserError("no images found")
    if len(paths) * 3 * size * size > max_decoded_bytes():
        return FileSplit(list(paths), torch.tensor(labels, dtype=torch.long), size)
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


# --- sources: each returns (classes, training pool, test split or None) ------------------------

Source = tuple[list[str], "Split | FileSplit", "Split | FileSplit | None"]


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
    with table.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"filename", "label"} <= set(rows[0]):
        raise UserError(f"'{table}' needs a header with the columns filename,label")
    classes = sorted({r["label"] for r in rows})
    paths = [root / cfg.train_dir / r["filename"] for r in rows]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UserError(f"{len(missing)} image(s) listed in '{table}' do not exist, e.g. '{missing[0]}'")
    pool = decode_files(paths, [classes.index(r["label"]) for r in rows], cfg.image_size, cfg.num_workers)
    return classes, pool, None


def load_cifar10(cfg: DataConfig) -> Source:
    import torchvision

    root = Path(cfg.root)
    try:
        train = torchvision.datasets.CIFAR10(root, train=True, download=cfg.download)
        test = torchvision.datasets.CIFAR10(root, train=False, download=False)
    except (RuntimeError, OSError) as e:  # not found / corrupt / no network for the download
        raise UserError(
            f"CIFAR-10 is not under '{root.resolve()}' ({e}). Put the extracted 'cifar-10-batches-py' "
            f"folder there, or set data.download = true on a machine with internet access, or use "
            f"dataset = \"imagefolder\" for a CIFAR-10 copy in folders."
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


# --- split ---------------------------------------------------------------------------------------

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
    train_idx, val_idx = seeded_subset(pool.labels.numpy(), cfg.val_split, seed)
    return DatasetSplits(classes, pool.subset(np.sort(train_idx)), pool.subset(np.sort(val_idx)), test)


def dataset_info(cfg: DataConfig, data: DatasetSplits, samples_figure: str) -> dict:
    """dataset.json: the facts the report states about the data (fields of analysis.tree.DatasetInfo)."""
    return {
        "name": cfg.dataset,
        "classes": data.classes,
        "train_size": len(data.train),
        "val_size": len(data.val),
        "test_size": len(data.test) if data.test is not None else 0,
        "eval_split": data.eval_split,
        "image_size": cfg.image_size,
        "normalize_mean": cfg.norm.mean,
        "normalize_std": cfg.norm.std,
        "augment": list(cfg.augment),
        "samples_figure": samples_figure,
    }


# --- batch transforms ----------------------------------------------------------------------------

def normalize(images: torch.Tensor, norm: Normalization) -> torch.Tensor:
    """uint8 (B, 3, S, S) -> float, scaled to [0, 1] then standardised per channel."""
    mean = torch.tensor(norm.mean, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(norm.std, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std


class BatchTransform:
    """Augmentation + normalisation of a uint8 batch on its device.

    Same semantics as the seed's torchvision chain RandomCrop(S, padding=S/8) -> RandomHorizontalFlip
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
            pad = max(1, s // 8)  # 4 at 32 px, as the seed
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


class FileDataset(torch.utils.data.Dataset):
    def __init__(self, split: FileSplit):
        self.split = split

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, i: int) -> torch.Tensor:
        return decode_image(self.split.paths[i], self.split.size)  # (3, S, S) uint8


class EpochBatches(torch.utils.data.Sampler):
    """The DataLoader's batch sampler: this process's part of each global batch of the epoch.
    Its plan (global size, offset of the part) pairs each loaded batch with its random draws."""

    def __init__(self, loader: BatchLoader):
        self.loader, self.plan = loader, []

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        self.plan = list(self.loader.parts())
        for total, offset, index in self.plan:
            yield index.tolist()


class BatchLoader:
    """Batches of one split, transformed per batch on `device`.

    A decoded Split stays on the device as uint8; a FileSplit streams through a DataLoader
    (worker processes decode, pinned memory on CUDA, persistent workers). Both walk the same
    order and draws, so they train identically.

    Under torchrun (`world.size` > 1) every process walks the same global batches (same
    shuffle, same augmentation draws: the generators stay in step) and keeps its own contiguous
    part of each, so the world together trains exactly what one process would. Training order is
    padded to a multiple of the world size, as DistributedSampler does, so no process gets an
    empty batch."""

    def __init__(self, split: Split | FileSplit, batch_size: int, transform: BatchTransform, device: torch.device,
                 shuffle: bool = False, generator: torch.Generator | None = None, world: World = SINGLE,
                 workers: int = 0):
        self.n, self.device = len(split), device
        self.labels = split.labels.to(device)
        self.batch_size, self.transform, self.shuffle, self.generator = batch_size, transform, shuffle, generator
        self.world = world
        self.stream = None
        if isinstance(split, FileSplit):
            self.sampler = EpochBatches(self)
            # Its own generator: the DataLoader draws a worker seed per epoch, which must not come
            # from the global RNG that dropout uses (the run would no longer match the decoded path).
            self.stream = torch.utils.data.DataLoader(
                FileDataset(split), batch_sampler=self.sampler, num_workers=workers,
                pin_memory=device.type == "cuda", persistent_workers=workers > 0, generator=torch.Generator())
        else:
            self.images = split.images.to(device)

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def parts(self):
        """(global batch size, offset of this process's part, its indices) for one epoch."""
        order = torch.randperm(self.n, generator=self.generator) if self.shuffle else torch.arange(self.n)
        if self.shuffle and self.n % self.world.size:
            order = torch.cat([order, order[: self.world.size - self.n % self.world.size]])
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            mine = torch.tensor_split(torch.arange(len(idx)), self.world.size)[self.world.rank]
            yield len(idx), int(mine[0]) if len(mine) else 0, idx[mine]

    def __iter__(self):
        if self.stream is not None:
            for k, images in enumerate(self.stream):
                total, offset, idx = self.sampler.plan[k]
                x = self.transform(images.to(self.device, non_blocking=True), self.generator, total, offset)
                yield x, self.labels[idx.to(self.device)]
            return
        for total, offset, idx in self.parts():
            idx = idx.to(self.device)
            yield self.transform(self.images[idx], self.generator, total, offset), self.labels[idx]
