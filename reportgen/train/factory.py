"""Building what trains one model from its ModelSpec: the seeded network, prepared for the
device (DevicePolicy), with its optimizer, schedule, early stopping and data generator. The
benchmarks build their models here too, so they measure what a run trains."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from reportgen.config import ModelSpec
from reportgen.device import DevicePolicy
from reportgen.distributed import World
from reportgen.models import build
from reportgen.train.seeding import seed_everything
from reportgen.train.stopping import EarlyStopping

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


@dataclass
class Training:
    """Everything one model's training reads and changes; last.pt holds all of it."""

    net: nn.Module  # owns the weights; the steps may call a wrapper of it (see step_model)
    policy: DevicePolicy  # autocast, memory layout and the gradient scaler
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    stopper: EarlyStopping
    generator: torch.Generator  # shuffling + augmentation
    meta: dict  # what a checkpoint needs to rebuild the net with the registry
    history: list[dict] = field(default_factory=list)


def build_training(spec: ModelSpec, num_classes: int, image_size: int, device: torch.device,
                   policy: DevicePolicy | None = None) -> Training:
    """Seeded first, so one spec always starts from the same weights and draws. `policy`
    replaces the spec's (train.amp) DevicePolicy, e.g. for the benchmarks' seed-notebook step."""
    t = spec.train
    seed_everything(t.seed)
    if policy is None:
        policy = DevicePolicy(device, t.amp)
    net = policy.prepare(build(spec.arch, num_classes, image_size, spec.params).to(device))
    optimizer = OPTIMIZERS[t.optimizer]([p for p in net.parameters() if p.requires_grad], t)
    return Training(
        net=net, policy=policy, optimizer=optimizer, scheduler=SCHEDULERS[t.scheduler](optimizer, t),
        stopper=EarlyStopping(t.monitor, t.early_stopping_patience),
        generator=torch.Generator().manual_seed(t.seed),
        meta={"arch": spec.arch, "params": spec.params, "num_classes": num_classes, "image_size": image_size},
    )


def step_model(net: nn.Module, device: torch.device, world: World, compile: bool) -> nn.Module:
    """What the steps call: `net`, DDP-wrapped under torchrun and/or compiled. Wrap only after a
    checkpoint is restored into `net`: DDP copies rank 0's weights to every process as it wraps."""
    model = DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None) \
        if world.active else net
    return torch.compile(model) if compile else model
