"""Does the fast data path change results? Train the same model on the same seeded split with
reportgen's path (uint8 on the device, batch augmentation) and with the reference notebook's
DataLoader path (PIL + torchvision transforms per sample), for a few seeds, and compare the test
accuracies. Writes a table to bench/parity.md.

    .venv/bin/python bench/parity.py [--data ../shared/data/cifar10-subset] [--epochs 4] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch
from torch import nn

from reportgen.config import DataConfig, ModelSpec
from reportgen.data import BatchLoader, load_dataset, make_transforms
from reportgen.device import DevicePolicy, device_name, resolve_device
from reportgen.models import build
from reportgen.progress import Reporter
from reportgen.rundir import ModelDir, load_torch
from reportgen.train import build_training, evaluate, fit, train_step

from reference_loop import reference_loader, reference_policy, reference_transforms

PARAMS = {"conv_filters": [32, 64, 128], "fc_neurons": 256, "dropout_rate": 0.3}


def train_reference_path(spec: ModelSpec, data, cfg: DataConfig, device: torch.device) -> float:
    """The classic loop on the same split, model, optimizer, schedule and seed; test accuracy."""
    t = spec.train
    tr = build_training(spec, len(data.classes), cfg.image_size, device, reference_policy(device))
    model = tr.net
    train_tf, eval_tf = reference_transforms(cfg.norm, cfg.image_size)
    loader = reference_loader(data.train, train_tf, t.batch_size, shuffle=True, seed=t.seed)
    criterion = nn.CrossEntropyLoss()
    for _ in range(t.epochs):
        model.train()
        for x, y in loader:
            train_step(model, x.to(device), y.to(device), tr.optimizer, tr.policy, criterion)
        tr.scheduler.step()
    model.eval()
    hits = 0
    with torch.inference_mode():
        for x, y in reference_loader(data.eval, eval_tf, 256, shuffle=False):
            hits += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
    return hits / len(data.eval)


def last_epoch_accuracy(spec: ModelSpec, data, cfg: DataConfig, out: ModelDir, device: torch.device) -> float:
    policy = DevicePolicy(device, spec.train.amp)
    model = build(spec.arch, len(data.classes), cfg.image_size, spec.params).to(device)
    model.load_state_dict(load_torch(out.last)["model"])
    loader = BatchLoader(data.eval, 256, make_transforms(cfg)[1], device)
    return evaluate(policy.prepare(model), loader, policy, nn.CrossEntropyLoss())[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/cifar10-subset")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("parity.md"))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/reportgen-parity"))
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    args = parser.parse_args()
    device = resolve_device(args.device)

    cfg = DataConfig(dataset="imagefolder", root=str(args.data), test_dir="test", val_split=500,
                     augment=["random_crop", "hflip"])
    rows, fast, classic = [], [], []
    for seed in args.seeds:
        spec = ModelSpec.model_validate({"arch": "cnn", "label": f"cnn-{seed}", "params": PARAMS, "train": {
            "epochs": args.epochs, "batch_size": 64, "optimizer": "sgd", "lr": 0.05, "momentum": 0.9,
            "weight_decay": 5e-4, "scheduler": "cosine", "seed": seed, "device": str(device)}})
        data = load_dataset(cfg, seed)
        split_check = load_dataset(cfg, seed)  # the same seed gives the same split
        assert torch.equal(data.val.labels, split_check.val.labels) and torch.equal(data.val.images,
                                                                                   split_check.val.images)
        out = ModelDir(args.workdir / f"seed{seed}")
        for f in (out.last, out.best):
            f.unlink(missing_ok=True)
        fit(spec, data, cfg, out, device, Reporter(quiet=True))
        acc_fast = last_epoch_accuracy(spec, data, cfg, out, device)
        acc_classic = train_reference_path(spec, data, cfg, device)
        fast.append(acc_fast)
        classic.append(acc_classic)
        rows.append(f"| {seed} | {len(data.train)} / {len(data.val)} / {len(data.test)} | {acc_fast:.4f} | "
                    f"{acc_classic:.4f} | {100 * (acc_fast - acc_classic):+.2f} |")
        print(rows[-1], flush=True)
    lines = [
        "# Fast data path vs the reference notebook's DataLoader path", "",
        f"CNN {PARAMS}, SGD lr 0.05 cosine, batch 64, {args.epochs} epochs, {device.type.upper()} ({device_name(device)}); data {args.data}.",
        f"reportgen path: what `reportgen run` does here ({DevicePolicy(device, True).precision}, "
        "channels_last, uint8 batches augmented on the device); DataLoader path: the reference notebook's loop (PIL "
        "and torchvision transforms per sample, fp32, NCHW).",
        "Both evaluate their last epoch on the held-out test split.", "",
        "| seed | train / val / test | reportgen path | DataLoader path | difference (pp) |", "| --- | --- | --- | --- | --- |",
        *rows, "",
        f"mean: reportgen {statistics.mean(fast):.4f}, DataLoader {statistics.mean(classic):.4f}; "
        f"seed-to-seed spread (stdev) of the DataLoader path: {statistics.pstdev(classic):.4f}",
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
