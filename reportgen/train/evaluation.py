"""After training: best.pt evaluated on the evaluation split, written as predictions.csv and
metrics.json (with how training ended)."""

from __future__ import annotations

import math

import torch
from torch import nn

from reportgen.config import DataConfig, ModelSpec
from reportgen.data import BatchLoader, DatasetSplits, make_transforms
from reportgen.device import DevicePolicy
from reportgen.metrics import classification_metrics
from reportgen.models import build, count_params
from reportgen.rundir import ModelDir, load_torch, write_csv, write_json
from reportgen.train.loop import FitResult
from reportgen.train.steps import evaluate


def training_summary(spec: ModelSpec, data: DatasetSplits, result: FitResult, precision: str) -> dict:
    """metrics.json's account of the training: how it ended and its best epoch's history row."""
    best_row = next((r for r in result.history if r["epoch"] == result.best_epoch), None)
    return {
        "label": spec.label, "slug": spec.slug, "arch": spec.arch, "seed": spec.train.seed, "status": result.status,
        "classes": data.classes, "eval_split": data.eval_split, "monitor": spec.train.monitor,
        "best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
        "stopped_early": result.stopped_early, "diverged": result.status == "diverged",
        "train_seconds": result.train_seconds, "precision": precision,
        **{k: (best_row[k] if best_row else None) for k in ("train_acc", "val_acc", "train_loss", "val_loss")},
    }


def write_predictions(out: ModelDir, classes: list[str], labels: list[int], preds: list[int],
                      probs: torch.Tensor) -> None:
    write_csv(out.predictions, ["index", "label", "pred", *[f"prob_{c}" for c in classes]],
              [[i, y, p, *[f"{v:.6f}" for v in row]] for i, (y, p, row) in
               enumerate(zip(labels, preds, probs.tolist()))])


def evaluate_best(spec: ModelSpec, data: DatasetSplits, data_cfg: DataConfig, out: ModelDir,
                  device: torch.device, result: FitResult) -> dict:
    """Evaluate best.pt on the evaluation split; write predictions.csv and metrics.json. A model
    with no best.pt, or whose outputs on the evaluation split are not finite, gets no predictions."""
    policy = DevicePolicy(device, spec.train.amp)
    metrics = training_summary(spec, data, result, policy.precision)
    model = build(spec.arch, len(data.classes), data_cfg.image_size, spec.params)
    metrics["params"] = count_params(model)
    if out.best.is_file():
        model.load_state_dict(load_torch(out.best)["model"])
        model = policy.prepare(model.to(device))
        _, eval_tf = make_transforms(data_cfg)
        loader = BatchLoader(data.eval, max(spec.train.batch_size, 256), eval_tf, device,
                             workers=data_cfg.num_workers)
        loss, _, probs = evaluate(model, loader, policy, nn.CrossEntropyLoss())
        if math.isfinite(loss):
            labels, preds = data.eval.labels.tolist(), probs.argmax(1).tolist()
            write_predictions(out, data.classes, labels, preds, probs)
            metrics.update(classification_metrics(labels, preds, data.classes))
        else:  # finite on validation, overflowing here: argmax of NaN is class 0, not a prediction
            metrics.update(status="diverged", diverged=True)
    write_json(out.metrics, metrics)
    return metrics
