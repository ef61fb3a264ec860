"""BatchLoader: one split's batches, transformed per batch on the training device.

Each epoch starts by computing its plan, a value: the shuffled order cut into global batches, and
this process's part of each. The batches are read and augmented by that one plan, whether the
images sit decoded on the device or stream from files through a DataLoader."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from reportgen.data.dataset import FileSplit, Split
from reportgen.data.transforms import BatchTransform
from reportgen.distributed import SINGLE, World
from reportgen.errors import UserError


@dataclass(frozen=True)
class BatchPart:
    """This process's part of one global batch."""

    total: int  # size of the global batch: the augmentation draws are made for all of it
    offset: int  # where this process's rows start in the global batch
    index: torch.Tensor  # the split positions of this process's rows


def worker_message(error: UserError) -> str:
    """The message a DataLoader worker raised, without the traceback the DataLoader wraps it in
    ("Caught UserError in DataLoader worker process 0. Original Traceback ...: <message>")."""
    text = str(error)
    marker = f"{UserError.__module__}.{UserError.__name__}: "
    return text.rsplit(marker, 1)[-1].strip() if marker in text else text


def cut_batches(order: torch.Tensor, batch_size: int, world: World) -> tuple[BatchPart, ...]:
    """An epoch's sample order cut into global batches, each split into contiguous parts, one per process."""
    parts = []
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        mine = torch.tensor_split(torch.arange(len(idx)), world.size)[world.rank]
        parts.append(BatchPart(len(idx), int(mine[0]) if len(mine) else 0, idx[mine]))
    return tuple(parts)


class PlannedBatches(torch.utils.data.Sampler):
    """The DataLoader's batch sampler: the indices of the plan the loader gave it for this epoch."""

    def __init__(self):
        self.plan: tuple[BatchPart, ...] = ()

    def __len__(self) -> int:
        return len(self.plan)

    def __iter__(self):
        return (part.index.tolist() for part in self.plan)


class BatchLoader:
    """Batches of one split, transformed per batch on `device`.

    A decoded Split stays on the device as uint8; a FileSplit streams through a DataLoader
    (worker processes decode, pinned memory on CUDA, persistent workers). Both walk the same
    plan and draws, so they train identically.

    Under torchrun (`world.size` > 1) every process walks the same global batches (same
    shuffle, same augmentation draws: the generators stay in step) and keeps its own contiguous
    part of each, so the world together trains exactly what one process would. Training order is
    padded to a multiple of the world size, as DistributedSampler does, so no process gets an
    empty batch."""

    def __init__(self, split: Split, batch_size: int, transform: BatchTransform, device: torch.device,
                 shuffle: bool = False, generator: torch.Generator | None = None, world: World = SINGLE,
                 workers: int = 0):
        self.n, self.device = len(split), device
        self.labels = split.labels.to(device)
        self.batch_size, self.transform, self.shuffle, self.generator = batch_size, transform, shuffle, generator
        self.world = world
        self.stream = None
        if isinstance(split, FileSplit):
            self.sampler = PlannedBatches()
            # Its own generator: the DataLoader draws a worker seed per epoch, which must not come
            # from the global RNG that dropout uses (the run would no longer match the decoded path).
            self.stream = torch.utils.data.DataLoader(
                split.images, batch_sampler=self.sampler, num_workers=workers,
                pin_memory=device.type == "cuda", persistent_workers=workers > 0, generator=torch.Generator())
        else:
            self.images = split.images.to(device)

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def plan_epoch(self) -> tuple[BatchPart, ...]:
        """The next epoch's plan. It draws the shuffle from the generator: once per epoch."""
        order = torch.randperm(self.n, generator=self.generator) if self.shuffle else torch.arange(self.n)
        if self.shuffle and self.n % self.world.size:
            order = torch.cat([order, order[: self.world.size - self.n % self.world.size]])
        return cut_batches(order, self.batch_size, self.world)

    def __iter__(self):
        plan = self.plan_epoch()
        if self.stream is None:
            for part in plan:
                idx = part.index.to(self.device)
                yield self.transform(self.images[idx], self.generator, part.total, part.offset), self.labels[idx]
            return
        self.sampler.plan = plan  # before the DataLoader starts: its workers prefetch from the sampler
        try:
            for images, part in zip(self.stream, plan, strict=True):
                x = self.transform(images.to(self.device, non_blocking=True), self.generator, part.total, part.offset)
                yield x, self.labels[part.index.to(self.device)]
        except UserError as e:  # raised in a worker: the DataLoader prepends the worker's traceback
            raise UserError(worker_message(e)) from None
