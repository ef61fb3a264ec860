"""How close preflight's memory estimate (reportgen/train/memory.py) comes to what training takes:
per configuration, one fresh process builds the model on the CPU and trains two steps of a batch,
and the growth of its peak resident memory is set beside the estimate. Writes bench/memory.md.

    .venv/bin/python bench/memory.py
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
from pathlib import Path

# arch, image size, batch size, optimizer: the models the experiments train, at their sizes
CONFIGS = [("cnn", 32, 128, "sgd"), ("cnn", 64, 64, "adam"), ("resnet18_cifar", 32, 128, "sgd"),
           ("resnet34", 64, 64, "sgd"), ("preact_resnet34", 64, 32, "adam")]


def measure(arch: str, size: int, batch: int, optimizer: str) -> tuple[int, int]:
    """(estimated bytes, measured growth of the peak RSS in bytes) of two training steps on the CPU, fp32."""
    import torch

    from reportgen.config import validate_experiment
    from reportgen.device import DevicePolicy
    from reportgen.train import build_training
    from reportgen.train.memory import footprint

    exp = validate_experiment({"name": "m", "data": {"dataset": "synthetic", "image_size": size},
                               "train": {"batch_size": batch, "optimizer": optimizer, "device": "cpu", "amp": False},
                               "models": [{"arch": arch}]}, "bench")
    spec = exp.models[0]
    estimate = footprint(arch, 10, size, "{}").training_bytes(spec.train)
    x, y = torch.randn(batch, 3, size, size), torch.randint(0, 10, (batch,))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB
    cpu = torch.device("cpu")
    tr = build_training(spec, 10, size, cpu, DevicePolicy(cpu, amp=False))
    for _ in range(2):
        loss = torch.nn.functional.cross_entropy(tr.net(x), y)
        tr.optimizer.zero_grad()
        loss.backward()
        tr.optimizer.step()
    torch.save(tr.net.state_dict(), os.devnull)  # the checkpoint's copy the estimate counts
    return estimate, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        arch, size, batch, optimizer = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        print(*measure(arch, size, batch, optimizer))
        return
    rows = []
    for arch, size, batch, optimizer in CONFIGS:
        out = subprocess.run([sys.executable, __file__, "--one", arch, str(size), str(batch), optimizer],
                             capture_output=True, text=True, check=True).stdout.split()
        estimate, measured = int(out[0]), int(out[1])
        rows.append(f"| {arch} | {size} | {batch} | {optimizer} | {estimate / 2**30:.2f} | {measured / 2**30:.2f} "
                    f"| {estimate / measured:.2f} |")
    Path(__file__).with_suffix(".md").write_text(
        f"# Memory estimate against measured peak\n\n{dt.date.today()}, CPU, fp32, two training steps per fresh "
        "process (`bench/memory.py`). Measured: growth of the process's peak resident memory.\n\n"
        "| arch | image px | batch | optimizer | estimate GB | measured GB | estimate / measured |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
