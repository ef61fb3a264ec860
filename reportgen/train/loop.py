"""`fit`: the epoch loop of one model (early stopping, schedule, divergence, pruning), resuming
from last.pt and checkpointing at every epoch end, so nothing is lost on an interruption."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from reportgen.config import DataConfig, ModelSpec
from reportgen.data import BatchLoader, DatasetSplits, make_transforms
from reportgen.distributed import SINGLE, World
from reportgen.models import count_params
from reportgen.progress import Reporter
from reportgen.rundir import ModelDir
from reportgen.train.checkpoint import load_checkpoint, save_checkpoint, write_history
from reportgen.train.factory import Training, build_training, step_model
from reportgen.train.steps import eval_batch_size, evaluate, train_one_epoch


def load_average() -> float | None:
    """The machine's 1-minute load average now (None where the system has none, e.g. Windows)."""
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None


@dataclass
class FitResult:
    status: str  # completed | diverged | pruned
    best_epoch: int | None
    epochs_run: int
    stopped_early: bool
    train_seconds: float
    history: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, status: str, tr: Training, epochs: int) -> FitResult:
        return cls(
            status=status,
            best_epoch=tr.stopper.best_epoch or None,
            epochs_run=len(tr.history),
            stopped_early=tr.stopper.should_stop and len(tr.history) < epochs,
            train_seconds=sum(r["seconds"] for r in tr.history),
            history=tr.history,
        )


def fit(spec: ModelSpec, data: DatasetSplits, data_cfg: DataConfig, out: ModelDir, device: torch.device,
        reporter: Reporter, prune: Callable[[dict], bool] | None = None, world: World = SINGLE) -> FitResult:
    """Train `spec` on data.train, validating on data.val each epoch; resume from out/last.pt
    when it exists. Returns how training ended; the best weights are in out/best.pt.
    `prune(history_row)` (hyper-parameter search) may end a hopeless trial after any epoch.
    Under torchrun every process runs this; only rank 0 writes files."""
    # Long because an epoch's steps (train, validate, stop on divergence, checkpoint, prune) share
    # its state and must run in this order; split, the order would be spread over functions.
    t = spec.train
    tr = build_training(spec, len(data.classes), data_cfg.image_size, device)
    if load_checkpoint(out, tr) and world.is_main:
        write_history(out, tr.history)  # history.csv may lag last.pt by one write if the process died in between
    model = step_model(tr.net, device, world, t.compile)
    train_tf, eval_tf = make_transforms(data_cfg)
    train_loader = BatchLoader(data.train, t.batch_size, train_tf, device, shuffle=True, generator=tr.generator,
                               world=world, workers=data_cfg.num_workers)
    val_loader = BatchLoader(data.val, eval_batch_size(t.batch_size), eval_tf, device, world=world,
                             workers=data_cfg.num_workers)
    criterion = nn.CrossEntropyLoss()
    status = "completed"
    reporter.start_model(spec.run_name, count_params(tr.net), t.epochs, len(train_loader), device)

    for epoch in range(len(tr.history) + 1, t.epochs + 1):
        if tr.stopper.should_stop:
            break
        started = time.perf_counter()
        reporter.start_epoch(epoch)
        lr = tr.optimizer.param_groups[0]["lr"]
        train_loss, train_acc = train_one_epoch(model, train_loader, tr.optimizer, tr.policy, criterion, reporter)
        val_loss, val_acc, _ = evaluate(model, val_loader, tr.policy, criterion)
        # The training loss can stay finite while the weights or BatchNorm's running statistics
        # overflow: the validation loss shows that. A non-finite epoch is neither recorded nor
        # checkpointed, so history.csv and best.pt hold finite epochs only.
        broken = [f"{split} loss became {loss}" for split, loss in (("training", train_loss), ("validation", val_loss))
                  if not math.isfinite(loss)]
        if broken:
            status = "diverged"
            reporter.message(f"{spec.run_name}: {' and '.join(broken)} in epoch {epoch}; stopped "
                             "(lower the learning rate to train it)")
            break
        tr.scheduler.step()
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
               "val_acc": val_acc, "lr": lr, "seconds": time.perf_counter() - started,
               # kept in last.pt's history (not history.csv): metrics.json states their mean
               "load_average": load_average()}
        tr.history.append(row)
        improved = tr.stopper.update(epoch, val_acc if t.monitor == "val_acc" else val_loss)
        if world.is_main:
            save_checkpoint(out, tr, epoch, improved)
        reporter.end_epoch(row)
        # The search's pruner sees every epoch (it records the value), but a trial with no epoch left,
        # or one early stopping ends anyway, ran its course: it completed, it was not pruned.
        if prune is not None and prune(row) and epoch < t.epochs and not tr.stopper.should_stop:
            status = "pruned"
            break

    world.barrier()  # rank 0's best.pt is complete before anyone evaluates it
    return FitResult.of(status, tr, t.epochs)
