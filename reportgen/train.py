"""Training one model: `fit` runs the epoch loop (early stopping, schedule, checkpoints, resume),
`train_one_epoch` and `evaluate` are the two short inner loops.

Nothing is lost on an interruption: at every epoch end best.pt (when improved), last.pt (model,
optimizer, scheduler, scaler, early-stopping and RNG state, history) and history.csv are written
atomically, so a resumed run repeats at most the epoch that was in progress and ends with the
same history as an uninterrupted one.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from reportgen.config import DataConfig, ModelSpec, TrainConfig
from reportgen.data import BatchLoader, DatasetSplits, make_transforms
from reportgen.device import DevicePolicy
from reportgen.distributed import SINGLE, World
from reportgen.metrics import classification_metrics
from reportgen.models import build, count_params
from reportgen.progress import Reporter
from reportgen.rundir import HISTORY_COLUMNS, ModelDir, load_torch, save_torch, write_csv, write_json

OPTIMIZERS = {
    "sgd": lambda params, t: torch.optim.SGD(params, lr=t.lr, momentum=t.momentum, weight_decay=t.weight_decay),
    "adam": lambda params, t: torch.optim.Adam(params, lr=t.lr, weight_decay=t.weight_decay),
    "rmsprop": lambda params, t: torch.optim.RMSprop(params, lr=t.lr, momentum=t.momentum,
                                                     weight_decay=t.weight_decay),
}
SCHEDULERS = {
    "none": lambda opt, t: torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0),
    "step": lambda opt, t: torch.optim.lr_scheduler.StepLR(opt, step_size=t.step_size, gamma=t.gamma),
    "cosine": lambda opt, t: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t.t_max or t.epochs),
}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def rng_state() -> dict:
    py = random.getstate()
    np_state = np.random.get_state()
    return {
        "python": [py[0], list(py[1]), py[2]],
        # numpy's key array as a tensor: checkpoints must load with weights_only=True.
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, key, *rest = state["numpy"]
    np.random.set_state((name, key.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@dataclass
class EarlyStopping:
    monitor: str
    patience: int  # 0 = never stop early
    best: float | None = None
    best_epoch: int = 0
    bad_epochs: int = 0

    def improved(self, value: float) -> bool:
        return self.best is None or (value > self.best if self.monitor == "val_acc" else value < self.best)

    def update(self, epoch: int, value: float) -> bool:
        """Record this epoch's monitored value; True when it is the best so far."""
        if self.improved(value):
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.patience > 0 and self.bad_epochs >= self.patience


@dataclass
class FitResult:
    status: str  # completed | diverged | pruned
    best_epoch: int | None
    epochs_run: int
    stopped_early: bool
    train_seconds: float
    history: list[dict] = field(default_factory=list)


def epoch_totals(loader: BatchLoader, *sums: torch.Tensor) -> list[float]:
    """Per-sample means of device-side sums, summed over every process first (one host sync)."""
    totals = loader.world.sum(torch.stack([t.float() for t in sums]))
    count = totals[-1].item()
    return [v / count for v in totals[:-1].tolist()]


def train_one_epoch(model: nn.Module, loader: BatchLoader, optimizer: torch.optim.Optimizer, policy: DevicePolicy,
                    criterion: nn.Module, reporter: Reporter) -> tuple[float, float]:
    """One pass over the training split -> (mean loss, accuracy). Sums stay on the device: the
    only host sync is at the end (a NaN loss makes the sum NaN, so divergence is still caught)."""
    model.train()
    loss_sum, hits, seen = (torch.zeros((), device=loader.device) for _ in range(3))
    for x, y in loader:  # x: (B, 3, S, S) float, y: (B,)
        with policy.autocast():
            logits = model(policy.layout(x))
            loss = criterion(logits, y)
        optimizer.zero_grad(set_to_none=True)
        policy.scaler.scale(loss).backward()
        policy.scaler.step(optimizer)
        policy.scaler.update()
        loss_sum += loss.detach().float() * len(y)
        hits += (logits.argmax(1) == y).sum()
        seen += len(y)
        reporter.advance()
    return tuple(epoch_totals(loader, loss_sum, hits, seen))


@torch.inference_mode()
def evaluate(model: nn.Module, loader: BatchLoader, policy: DevicePolicy,
             criterion: nn.Module) -> tuple[float, float, torch.Tensor]:
    """Mean loss, accuracy (over every process's share) and this process's class probabilities."""
    model.eval()
    loss_sum, hits, seen = (torch.zeros((), device=loader.device) for _ in range(3))
    probs = []
    for x, y in loader:
        with policy.autocast():
            logits = model(policy.layout(x)).float()
        loss_sum += criterion(logits, y) * len(y)
        hits += (logits.argmax(1) == y).sum()
        seen += len(y)
        probs.append(logits.softmax(1))
    loss, acc = epoch_totals(loader, loss_sum, hits, seen)
    return loss, acc, torch.cat(probs).cpu()


def checkpoint_meta(spec: ModelSpec, num_classes: int, image_size: int) -> dict:
    """What a checkpoint needs to rebuild its model with the registry."""
    return {"arch": spec.arch, "params": spec.params, "num_classes": num_classes, "image_size": image_size}


def fit(spec: ModelSpec, data: DatasetSplits, data_cfg: DataConfig, out: ModelDir, device: torch.device,
        reporter: Reporter, prune: Callable[[dict], bool] | None = None, world: World = SINGLE) -> FitResult:
    """Train `spec` on data.train, validating on data.val each epoch; resume from out/last.pt
    when it exists. Returns how training ended; the best weights are in out/best.pt.
    `prune(history_row)` (hyper-parameter search) may end a hopeless trial after any epoch.
    Under torchrun every process runs this; only rank 0 writes files."""
    t: TrainConfig = spec.train
    seed_everything(t.seed)
    policy = DevicePolicy(device, t.amp)
    net = policy.prepare(build(spec.arch, len(data.classes), data_cfg.image_size, spec.params).to(device))
    optimizer = OPTIMIZERS[t.optimizer]([p for p in net.parameters() if p.requires_grad], t)
    scheduler = SCHEDULERS[t.scheduler](optimizer, t)
    stopper = EarlyStopping(t.monitor, t.early_stopping_patience)
    generator = torch.Generator().manual_seed(t.seed)  # shuffling + augmentation
    history: list[dict] = []
    meta = checkpoint_meta(spec, len(data.classes), data_cfg.image_size)

    if out.last.is_file():
        state = load_torch(out.last)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        policy.scaler.load_state_dict(state["scaler"])
        stopper = EarlyStopping(**state["early_stopping"])
        generator.set_state(state["generator"])
        set_rng_state(state["rng"])
        history = state["history"]
        # history.csv may lag last.pt by one write if the process died in between.
        if world.is_main:
            write_csv(out.history, HISTORY_COLUMNS, [[row[c] for c in HISTORY_COLUMNS] for row in history])

    # `model` is what the steps call (DDP-wrapped and/or compiled); `net` owns the weights.
    model = DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None) \
        if world.active else net
    if t.compile:
        model = torch.compile(model)
    train_tf, eval_tf = make_transforms(data_cfg)
    train_loader = BatchLoader(data.train, t.batch_size, train_tf, device, shuffle=True, generator=generator,
                               world=world, workers=data_cfg.num_workers)
    val_loader = BatchLoader(data.val, max(t.batch_size, 256), eval_tf, device, world=world,
                             workers=data_cfg.num_workers)
    criterion = nn.CrossEntropyLoss()
    status = "completed"
    reporter.start_model(spec.label, count_params(net), t.epochs, len(train_loader), device)

    for epoch in range(len(history) + 1, t.epochs + 1):
        if stopper.should_stop:
            break
        started = time.perf_counter()
        reporter.start_epoch(epoch)
        lr = optimizer.param_groups[0]["lr"]
        train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, policy, criterion, reporter)
        if not math.isfinite(train_loss):
            status = "diverged"
            reporter.message(f"{spec.label}: training loss became {train_loss} in epoch {epoch}; stopped "
                             "(lower the learning rate to train it)")
            break
        val_loss, val_acc, _ = evaluate(model, val_loader, policy, criterion)
        scheduler.step()
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
               "val_acc": val_acc, "lr": lr, "seconds": time.perf_counter() - started}
        history.append(row)
        improved = stopper.update(epoch, val_acc if t.monitor == "val_acc" else val_loss)
        if world.is_main:
            if improved:
                save_torch(out.best, {**meta, "model": net.state_dict(), "epoch": epoch})
            save_torch(out.last, {
                **meta, "model": net.state_dict(), "epoch": epoch, "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "scaler": policy.scaler.state_dict(),
                "early_stopping": asdict(stopper), "generator": generator.get_state(), "rng": rng_state(),
                "history": history,
            })
            write_csv(out.history, HISTORY_COLUMNS, [[r[c] for c in HISTORY_COLUMNS] for r in history])
        reporter.end_epoch(row)
        if prune is not None and prune(row):
            status = "pruned"
            break

    world.barrier()  # rank 0's best.pt is complete before anyone evaluates it
    return FitResult(
        status=status,
        best_epoch=stopper.best_epoch or None,
        epochs_run=len(history),
        stopped_early=stopper.should_stop and len(history) < t.epochs,
        train_seconds=sum(r["seconds"] for r in history),
        history=history,
    )


def evaluate_best(spec: ModelSpec, data: DatasetSplits, data_cfg: DataConfig, out: ModelDir,
                  device: torch.device, result: FitResult) -> dict:
    """Evaluate best.pt on the evaluation split; write predictions.csv and metrics.json."""
    best_row = next((r for r in result.history if r["epoch"] == result.best_epoch), None)
    policy = DevicePolicy(device, spec.train.amp)
    metrics = {
        "label": spec.label, "slug": spec.slug, "arch": spec.arch, "status": result.status,
        "classes": data.classes, "eval_split": data.eval_split, "monitor": spec.train.monitor,
        "best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
        "stopped_early": result.stopped_early, "diverged": result.status == "diverged",
        "train_seconds": result.train_seconds, "precision": policy.precision,
        **{k: (best_row[k] if best_row else None) for k in ("train_acc", "val_acc", "train_loss", "val_loss")},
    }
    model = build(spec.arch, len(data.classes), data_cfg.image_size, spec.params)
    metrics["params"] = count_params(model)
    if out.best.is_file():
        model.load_state_dict(load_torch(out.best)["model"])
        model = policy.prepare(model.to(device))
        _, eval_tf = make_transforms(data_cfg)
        loader = BatchLoader(data.eval, max(spec.train.batch_size, 256), eval_tf, device,
                             workers=data_cfg.num_workers)
        _, _, probs = evaluate(model, loader, policy, nn.CrossEntropyLoss())
        labels, preds = data.eval.labels.tolist(), probs.argmax(1).tolist()
        write_csv(out.predictions, ["index", "label", "pred", *[f"prob_{c}" for c in data.classes]],
                  [[i, y, p, *[f"{v:.6f}" for v in row]] for i, (y, p, row) in
                   enumerate(zip(labels, preds, probs.tolist()))])
        metrics.update(classification_metrics(labels, preds, data.classes))
    write_json(out.metrics, metrics)
    return metrics
