"""Training throughput of reportgen's epoch against the compute limit and the seed-style loop.

For each model (the seed deck's CNN and ResNet18-CIFAR, each with its recipe's batch size):
  compute   the same model and optimizer stepping on ready-made normalised tensors (no data work)
  reportgen reportgen.train.train_one_epoch over a BatchLoader (uint8 on the device, crop + flip +
            normalise per batch)
  seed      the seed notebook's loop: PIL image per sample, RandomCrop(32, 4) + RandomHorizontalFlip
            + ToTensor + Normalize, DataLoader with 2 workers
The three are measured in alternating rounds in one process (these machines are noisy), and the
median images/s of each is written with the ratios. Optionally times analysis and the renderers
on an existing run directory.

    .venv/bin/python bench/throughput.py [--data ../shared/data/cifar10-subset] [--run-dir RUN] [--out bench/results.md]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from reportgen.config import DataConfig, TrainConfig
from reportgen.data import BatchLoader, Split, load_dataset, make_transforms, normalize
from reportgen.models import build
from reportgen.progress import Reporter
from reportgen.train import OPTIMIZERS, AmpPolicy, train_one_epoch

from seedloop import seed_loader, seed_transforms

MODELS = [  # (arch, params, batch size of its seed recipe, batches per measurement)
    ("cnn", {"conv_filters": [128, 256, 512], "fc_neurons": 512, "dropout_rate": 0.5}, 64, 12),
    ("resnet18_cifar", {}, 128, 3),
]


def step_fn(model, optimizer, criterion):
    def step(x, y):
        loss = criterion(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return step


def time_compute(model, optimizer, batches) -> float:
    model.train()
    step = step_fn(model, optimizer, nn.CrossEntropyLoss())
    start = time.perf_counter()
    for x, y in batches:
        step(x, y)
    return sum(len(y) for _, y in batches) / (time.perf_counter() - start)


def time_reportgen(model, optimizer, loader) -> float:
    start = time.perf_counter()
    train_one_epoch(model, loader, optimizer, AmpPolicy(torch.device("cpu"), False), nn.CrossEntropyLoss(),
                    Reporter(quiet=True))
    return len(loader.labels) / (time.perf_counter() - start)


def time_seed(model, optimizer, loader_iter, n_batches) -> float:
    model.train()
    step = step_fn(model, optimizer, nn.CrossEntropyLoss())
    seen = 0
    start = time.perf_counter()
    for _ in range(n_batches):
        x, y = next(loader_iter)
        step(x, y)
        seen += len(y)
    return seen / (time.perf_counter() - start)


def bench_model(arch, params, batch_size, n_batches, split: Split, data_cfg: DataConfig, rounds: int) -> dict:
    torch.manual_seed(0)
    model = build(arch, 10, 32, params)
    optimizer = OPTIMIZERS["sgd"](model.parameters(), TrainConfig(lr=0.01, momentum=0.9, weight_decay=5e-4))
    n = batch_size * n_batches
    part = split.subset(torch.arange(n) % len(split))
    # compute limit: the same images, normalised once, sliced into ready batches
    ready = normalize(part.images, data_cfg.norm)
    batches = [(ready[i:i + batch_size], part.labels[i:i + batch_size]) for i in range(0, n, batch_size)]
    train_tf, _ = make_transforms(data_cfg)
    loader = BatchLoader(part, batch_size, train_tf, torch.device("cpu"), shuffle=True,
                         generator=torch.Generator().manual_seed(0))
    seed_iter = iter(_forever(seed_loader(split, seed_transforms(data_cfg.norm)[0], batch_size, shuffle=True)))
    time_compute(model, optimizer, batches[:1])  # warm-up: allocator, kernels, worker start
    time_seed(model, optimizer, seed_iter, 1)
    results = {"compute": [], "reportgen": [], "seed": []}
    for _ in range(rounds):
        results["compute"].append(time_compute(model, optimizer, batches))
        results["reportgen"].append(time_reportgen(model, optimizer, loader))
        results["seed"].append(time_seed(model, optimizer, seed_iter, n_batches))
    return {k: statistics.median(v) for k, v in results.items()} | {"samples": results}


def _forever(loader):
    while True:
        yield from loader


def time_outputs(run_dir: Path) -> list[tuple[str, float]]:
    from reportgen.analysis import analyse
    from reportgen.render import render

    rows = []
    start = time.perf_counter()
    analyse(run_dir)
    rows.append(("analysis", time.perf_counter() - start))
    for fmt in ("pdf", "html", "pptx"):
        start = time.perf_counter()
        render(run_dir, fmt, run_dir / f"bench-report.{fmt}", None)
        rows.append((f"render {fmt}", time.perf_counter() - start))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/cifar10-subset")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--run-dir", type=Path, help="also time analysis and rendering of this run")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    args = parser.parse_args()

    if args.data.is_dir():
        data_cfg = DataConfig(dataset="imagefolder", root=str(args.data), val_split=0.1,
                              augment=["random_crop", "hflip"])
        source = f"CIFAR-10 images from {args.data}"
    else:
        data_cfg = DataConfig(dataset="synthetic", num_classes=10, samples_per_class=500,
                              augment=["random_crop", "hflip"])
        source = "synthetic 32x32 images (no CIFAR-10 folder found)"
    split = load_dataset(data_cfg, seed=0).train
    lines = [
        "# reportgen training throughput", "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"CPU; data: {source}; {args.rounds} alternating rounds, median images/s.", "",
        "| model | batch | compute limit | reportgen | seed-style loop | reportgen / compute | reportgen / seed |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for arch, params, batch_size, n_batches in MODELS:
        r = bench_model(arch, params, batch_size, n_batches, split, data_cfg, args.rounds)
        lines.append(f"| {arch} | {batch_size} | {r['compute']:.1f} | {r['reportgen']:.1f} | {r['seed']:.1f} | "
                     f"{r['reportgen'] / r['compute']:.3f} | {r['reportgen'] / r['seed']:.2f} |")
        print(lines[-1], flush=True)
    if args.run_dir:
        lines += ["", f"Analysis and rendering of {args.run_dir}:", "", "| step | seconds |", "| --- | --- |"]
        lines += [f"| {name} | {seconds:.2f} |" for name, seconds in time_outputs(args.run_dir)]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
