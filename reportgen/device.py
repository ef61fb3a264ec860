"""Which device a run uses and how its steps use it: autocast dtype, gradient scaling and
memory layout. Shared by training, evaluation and the benchmarks, so all three measure the same
arithmetic."""

from __future__ import annotations

import contextlib
import platform
from pathlib import Path

import torch
from torch import nn

from reportgen.errors import UserError


def resolve_device(name: str) -> torch.device:
    """`auto` picks CUDA, then MPS, then the CPU; a named device must exist on this machine."""
    if name != "auto":
        device = torch.device(name)
        present = {"cpu": True, "cuda": torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count(),
                   "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()}
        if not present[device.type]:
            raise UserError(f"train.device = \"{name}\", but this machine has no such device; "
                            "use \"auto\" (the best one present) or \"cpu\"")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: oneDNN then runs bf16 convolutions and matmuls in hardware (about 2x
    fp32 on an AVX512-BF16 EPYC). Without them bf16 is emulated and slower than fp32."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


class DevicePolicy:
    """Mixed precision and memory layout where the device supports them (`train.amp`):
    CUDA: bf16 autocast where the GPU has it, else fp16 with a gradient scaler;
    CPU: bf16 autocast when the CPU computes bf16 natively, else fp32;
    MPS: fp32.
    CUDA and CPU (oneDNN) convolutions are faster on NHWC, so the model and every batch are
    channels_last there whatever the precision."""

    def __init__(self, device: torch.device, amp: bool):
        self.device_type = device.type
        if amp and device.type == "cuda":
            self.dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        elif amp and device.type == "cpu" and cpu_has_native_bf16():
            self.dtype = torch.bfloat16
        else:
            self.dtype = torch.float32
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.dtype == torch.float16)
        self.channels_last = device.type in ("cuda", "cpu")

    @property
    def precision(self) -> str:
        """What the report states: "bf16", "fp16" (both mixed with fp32 weights) or "fp32"."""
        return {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}[self.dtype]

    def autocast(self):
        if self.dtype == torch.float32:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def prepare(self, model: nn.Module) -> nn.Module:
        return model.to(memory_format=torch.channels_last) if self.channels_last else model

    def layout(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x
