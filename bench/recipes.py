"""How long the shipped recipes would train on this machine: an extrapolation, stated as one.

Training a recipe in full on a CPU takes hours, so it is not run here. Instead, for every model of
the CIFAR-10 and ResNet-34 recipes (experiments/cifar10_cnn_vs_resnet18.toml, resnet34.toml), this
times reportgen's own training step (reportgen.train.build_training and train_step: the recipe's
optimizer, batch size, image size and precision) on ready-made random batches after warm-up, and
multiplies the median seconds per batch by the batches of one epoch and by the recipe's epochs. The
figures leave out data work, validation and evaluation (so they are lower bounds per epoch) and
early stopping (which may end a recipe sooner). The README quotes them.

    .venv/bin/python bench/recipes.py [--batches 3] [--recipe resnet34.toml] [--out bench/recipes.md]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from reportgen.config import Experiment, ModelSpec, load_experiment
from reportgen.device import device_name, resolve_device
from reportgen.train import build_training, train_step

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
# recipe file -> (classes, training images per epoch): CIFAR-10's 50,000 less the recipe's 5,000
# validation images; the reference report's 1,108 food images less its 20% validation split.
RECIPES = {"cifar10_cnn_vs_resnet18.toml": (10, 45_000), "resnet34.toml": (5, 886)}


def seconds_per_batch(spec: ModelSpec, classes: int, image_size: int, batches: int,
                      device: torch.device) -> tuple[float, str]:
    """The median seconds of one training step, and the precision it ran in."""
    tr = build_training(spec, classes, image_size, device)
    x = torch.randn(spec.train.batch_size, 3, image_size, image_size, device=device)
    y = torch.randint(0, classes, (spec.train.batch_size,), device=device)
    criterion = nn.CrossEntropyLoss()
    train_step(tr.net, x, y, tr.optimizer, tr.policy, criterion)  # warm-up: allocator, kernel selection
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        train_step(tr.net, x, y, tr.optimizer, tr.policy, criterion)
        times.append(time.perf_counter() - start)
    return statistics.median(times), tr.policy.precision


def recipe(name: str, data_root: Path) -> Experiment:
    # The recipes' data is not here and not needed: a stand-in root lets the file validate.
    return load_experiment(EXPERIMENTS / name, [f"data.root={data_root}", "data.download=true"]
                           if name.startswith("cifar10") else [f"data.root={data_root}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3, help="timed batches per model (after one warm-up)")
    parser.add_argument("--recipe", choices=list(RECIPES), action="append", help="only these (default: all)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("recipes.md"))
    args = parser.parse_args()

    device = resolve_device("auto")
    lines = ["# How long the shipped recipes train here (extrapolated)", "",
             f"{time.strftime('%Y-%m-%d %H:%M')}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
             f"{device.type.upper()} ({device_name(device)}), load average {os.getloadavg()[0]:.1f} at the start "
             f"(the machine is shared: a load above its cores slows every step). Median of {args.batches} timed training steps per "
             "model after one warm-up, on random batches; per epoch = batches x seconds per batch (training "
             "steps only: no data work, validation or evaluation); per recipe = that x the recipe's epochs "
             "(early stopping may end sooner). Extrapolations, not measured runs.", "",
             "| recipe | model | image size | batch | precision | s / batch | batches / epoch | s / epoch "
             "| epochs | hours / recipe |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "train").mkdir()
        (Path(root) / "train.csv").write_text("filename,label\n")
        for name in args.recipe or RECIPES:
            classes, images = RECIPES[name]
            exp = recipe(name, Path(root))
            for spec in exp.models:
                seconds, precision = seconds_per_batch(spec, classes, exp.data.image_size, args.batches, device)
                batches = math.ceil(images / spec.train.batch_size)
                epoch = seconds * batches
                lines.append(f"| {name} | {spec.label} | {exp.data.image_size} | {spec.train.batch_size} | "
                             f"{precision} | {seconds:.3f} | {batches} | {epoch:.0f} | {spec.train.epochs} | "
                             f"{epoch * spec.train.epochs / 3600:.1f} |")
                print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
