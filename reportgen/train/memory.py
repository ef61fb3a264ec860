"""How much memory training a model takes, estimated before anything is allocated: its weights,
their gradients, the optimizer's state and a checkpoint's copy from the parameter count, and the
activations a batch keeps for the backward pass from one forward pass on the meta device (shapes
only: no memory, no time). Preflight compares the estimate with the training device's memory, so a
model that cannot fit is refused in one line before the run directory exists, rather than failing
on an allocation after it does."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from reportgen.config import TrainConfig
from reportgen.models import build, count_params

# Float32 tensors the optimizer keeps per weight: SGD's and RMSprop's momentum buffer, Adam's two
# moments, RMSprop's square average.
OPTIMIZER_STATES = {"sgd": 1, "adam": 2, "rmsprop": 2}
FLOAT_BYTES = 4


@dataclass(frozen=True)
class Footprint:
    params: int
    activations: int  # values one image's forward pass keeps for the backward pass

    def training_bytes(self, train: TrainConfig) -> int:
        # weights + gradients + optimizer state + the state_dict copy a checkpoint serialises
        per_weight = 3 + OPTIMIZER_STATES[train.optimizer]
        return FLOAT_BYTES * (self.params * per_weight + self.activations * train.batch_size)


@lru_cache(maxsize=None)  # a tuning grid repeats the same few models thousands of times
def footprint(arch: str, num_classes: int, image_size: int, params: str) -> Footprint:
    """The model built and run on the meta device. Raises ValueError (a builder's refusal, e.g. a
    cnn's image size) or RuntimeError (a layer that cannot run at this size, e.g. a kernel larger
    than its input)."""
    with torch.device("meta"):
        net = build(arch, num_classes, image_size, json.loads(params))
    kept = 0

    def count_output(_module, _inputs, output) -> None:
        nonlocal kept
        kept += output.numel() if isinstance(output, torch.Tensor) else 0

    leaves = [m for m in net.modules() if not any(True for _ in m.children())]
    hooks = [m.register_forward_hook(count_output) for m in leaves]
    try:
        with torch.no_grad():  # eval: BatchNorm in training mode refuses a batch of one 1 x 1 map
            net.eval()(torch.empty(1, 3, image_size, image_size, device="meta"))
    finally:
        for hook in hooks:
            hook.remove()
    return Footprint(count_params(net), kept)


def cgroup_limit() -> int | None:
    """The memory limit of this process's container (cgroup v2 or v1), if it has one."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            return int(text)
    return None


def device_memory(device: torch.device) -> int:
    """Bytes the device has: a GPU's own memory, else the machine's (or its container's)."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device.index or 0).total_memory
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = cgroup_limit()
    return min(physical, limit) if limit else physical


def gigabytes(count: int) -> str:
    value = count / 2**30
    return f"{value:,.1f} GB" if value < 10 else f"{value:,.0f} GB"
