"""Training throughput of reportgen's epoch against the compute limit and the reference loop.

For each model (the reference deck's CNN and ResNet18-CIFAR, each with its recipe's batch size) and
each precision (`train.amp` on: what a run uses; off: fp32):
  compute    the same model, optimizer and step as reportgen (reportgen.train.build_training and
             train_step: layout, autocast) on ready-made normalised tensors (no data work): the
             limit of the arithmetic
  reportgen  reportgen.train.train_one_epoch over a BatchLoader (uint8 on the device, crop + flip
             + normalise per batch)
  reference  the reference notebook's loop: PIL image per sample, RandomCrop(32, 4) +
             RandomHorizontalFlip + ToTensor + Normalize, DataLoader with 2 workers, and its
             plain NCHW fp32 step (reportgen's step under reference_loop.reference_policy)
  ref. data  the reference notebook's DataLoader feeding reportgen's step: separates what the data
             path gains from what the device settings gain
On CUDA the reference arms copy each CPU batch to the GPU as the notebook does, and every timing ends
with a device synchronisation. A GPU does a batch in about a millisecond, so there each
measurement times `--gpu-batches` times as many batches.
The arms are measured in alternating rounds in one process (these machines are noisy), and the
median images/s of each is written with the ratios. Optionally times analysis and the renderers
on an existing run directory.

    .venv/bin/python bench/throughput.py [--data ../shared/data/cifar10-subset] [--device auto] [--run-dir RUN]
        [--out bench/results.md]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from reportgen.config import DataConfig, ModelSpec
from reportgen.data import BatchLoader, Split, load_dataset, make_transforms, normalize
from reportgen.device import device_name, resolve_device
from reportgen.progress import Reporter
from reportgen.train import Training, build_training, train_one_epoch, train_step

from reference_loop import reference_loader, reference_policy, reference_transforms

MODELS = [  # (arch, params, batch size of its reference recipe, batches per measurement)
    ("cnn", {"conv_filters": [128, 256, 512], "fc_neurons": 512, "dropout_rate": 0.5}, 64, 30),
    ("resnet18_cifar", {}, 128, 6),
]
ARMS = ("compute", "reportgen", "reference", "reference_data")
SETTLE_SECONDS = 1.0


def step_fn(tr: Training, device: torch.device):
    """reportgen's training step under `tr.policy` (reference_policy(): the reference notebook's step). A
    batch still on the CPU (the reference DataLoader's) is copied to `device` first, as the notebook does."""
    criterion = nn.CrossEntropyLoss()
    return lambda x, y: train_step(tr.net, x.to(device), y.to(device), tr.optimizer, tr.policy, criterion)


def synchronize(device: torch.device) -> None:
    """CUDA runs asynchronously: a timer read before the queued work ends measures nothing."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(step, batches, n_batches: int, device: torch.device) -> float:
    """images/s of `step` over the next n_batches of the `batches` iterator, data work included."""
    seen = 0
    synchronize(device)
    start = time.perf_counter()
    for _ in range(n_batches):
        x, y = next(batches)
        step(x, y)
        seen += len(y)
    synchronize(device)
    return seen / (time.perf_counter() - start)


def time_reportgen(tr: Training, loader, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    train_one_epoch(tr.net, loader, tr.optimizer, tr.policy, nn.CrossEntropyLoss(), Reporter(quiet=True))
    synchronize(device)
    return len(loader.labels) / (time.perf_counter() - start)


def bench_model(arch, params, batch_size, n_batches, split: Split, data_cfg: DataConfig, amp: bool,
                rounds: int, device: torch.device) -> dict:
    """Median images/s of the four arms, measured in alternating rounds."""
    # seed 0 for every arm: they all start from the same weights
    spec = ModelSpec.model_validate({"arch": arch, "params": params, "train": {
        "optimizer": "sgd", "lr": 0.01, "momentum": 0.9, "weight_decay": 5e-4, "seed": 0, "amp": amp}})
    fast, reference = build_training(spec, 10, 32, device), build_training(spec, 10, 32, device, reference_policy(device))
    n = batch_size * n_batches
    part = split.subset(torch.arange(n) % len(split))
    # compute limit: the same images, normalised once, sliced into ready batches
    ready, labels = normalize(part.images, data_cfg.norm).to(device), part.labels.to(device)
    ready_batches = [(ready[i:i + batch_size], labels[i:i + batch_size]) for i in range(0, n, batch_size)]
    train_tf, _ = make_transforms(data_cfg)
    loader = BatchLoader(part, batch_size, train_tf, device, shuffle=True, generator=torch.Generator().manual_seed(0))
    reference_batches = iter(_forever(reference_loader(split, reference_transforms(data_cfg.norm)[0], batch_size, shuffle=True)))
    arms = {
        "compute": lambda: time_steps(step_fn(fast, device), iter(ready_batches), n_batches, device),
        "reportgen": lambda: time_reportgen(fast, loader, device),
        "reference": lambda: time_steps(step_fn(reference, device), reference_batches, n_batches, device),
        "reference_data": lambda: time_steps(step_fn(fast, device), reference_batches, n_batches, device),
    }
    # warm-up: allocator, oneDNN/cuDNN kernel selection, DataLoader worker start
    time_steps(step_fn(fast, device), iter(ready_batches), 3, device)
    time_steps(step_fn(reference, device), reference_batches, 3, device)
    time.sleep(SETTLE_SECONDS)
    samples = {name: [] for name in arms}
    for _ in range(rounds):
        for name, arm in arms.items():
            samples[name].append(arm())
            # The reference DataLoader's workers refill their prefetch queue after an arm; let them
            # finish before the next arm is timed, so no arm pays for another's data work.
            time.sleep(SETTLE_SECONDS)
    return {name: statistics.median(v) for name, v in samples.items()} | {"precision": fast.policy.precision,
                                                                            "samples": samples}


def _forever(loader):
    while True:
        yield from loader


def time_outputs(run_dir: Path) -> list[tuple[str, float]]:
    import reportgen
    from reportgen.analysis import analyse

    rows = []
    start = time.perf_counter()
    analyse(run_dir)
    rows.append(("analysis", time.perf_counter() - start))
    for fmt in ("pdf", "html", "pptx"):
        start = time.perf_counter()
        reportgen.render(run_dir, fmt, out=run_dir / f"bench-report.{fmt}")
        rows.append((f"render {fmt}", time.perf_counter() - start))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/cifar10-subset")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--gpu-batches", type=int, default=10, help="on CUDA, this many times the batches a measurement")
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
    device = resolve_device(args.device)
    scale = args.gpu_batches if device.type == "cuda" else 1
    threads = "" if device.type == "cuda" else f"{torch.get_num_threads()} threads, "
    lines = [
        "# reportgen training throughput", "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, torch {torch.__version__}, {threads}"
        f"{device.type.upper()} ({device_name(device)}); data: {source}; {args.rounds} alternating rounds, "
        "median images/s. The compute, reportgen and reference-data arms run reportgen's step (channels_last, "
        "autocast per the precision column); the reference loop runs the notebook's NCHW fp32 step.", "",
        "| model | batch | reportgen precision | compute limit | reportgen | reference loop | reference data, "
        "reportgen step | reportgen / compute | reportgen / reference | reportgen / reference data |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    spread = ["", "Every round's images/s (the table above gives their medians):", "",
              "| model | precision | " + " | ".join(ARMS) + " |", "| --- | --- |" + " --- |" * len(ARMS)]
    for arch, params, batch_size, n_batches in MODELS:
        for amp in (True, False):
            r = bench_model(arch, params, batch_size, n_batches * scale, split, data_cfg, amp, args.rounds, device)
            lines.append(f"| {arch} | {batch_size} | {r['precision']} | {r['compute']:.1f} | {r['reportgen']:.1f} | "
                         f"{r['reference']:.1f} | {r['reference_data']:.1f} | {r['reportgen'] / r['compute']:.3f} | "
                         f"{r['reportgen'] / r['reference']:.2f} | {r['reportgen'] / r['reference_data']:.2f} |")
            print(lines[-1], flush=True)
            spread.append(f"| {arch} | {r['precision']} | " + " | ".join(
                ", ".join(f"{v:.1f}" for v in r["samples"][name]) for name in ARMS) + " |")
    lines += spread
    if args.run_dir:
        lines += ["", f"Analysis and rendering of {args.run_dir}:", "", "| step | seconds |", "| --- | --- |"]
        lines += [f"| {name} | {seconds:.2f} |" for name, seconds in time_outputs(args.run_dir)]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
