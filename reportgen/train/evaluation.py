"""After training: best.pt evaluated on the evaluation split, written as predictions.csv and
metrics.json (with how training ended)."""

from __future__ import annotations

import math
import statistics

import torch
from torch import nn

from reportgen.config import DataConfig, ModelSpec
from reportgen.data import BatchLoader, DatasetSplits, make_transforms
from reportgen.device import DevicePolicy
from reportgen.metrics import classification_metrics
from reportgen.models import build, count_params
from reportgen.rundir import ModelDir, load_run_checkpoint, write_csv, write_model
from reportgen.schema.run import MetricsFile, PredictionsFile
from reportgen.train.loop import FitResult
from reportgen.train.steps import eval_batch_size, evaluate


def mean_load(history: list[dict]) -> float | None:
    """The mean of the load averages sampled at the epochs' ends (epochs from a checkpoint written
    before they were sampled have none)."""
    loads = [row["load_average"] for row in history if row.get("load_average") is not None]
    return statistics.fmean(loads) if loads else None


def training_summary(spec: ModelSpec, data: DatasetSplits, result: FitResult, precision: str,
                     params: int) -> MetricsFile:
    """metrics.json's account of the training: how it ended and its best epoch's history row."""
    best_row = next((r for r in result.history if r["epoch"] == result.best_epoch), {})
    return MetricsFile(
        label=spec.label, slug=spec.slug, arch=spec.arch, seed=spec.train.seed, status=result.status,
        classes=data.classes, eval_split=data.eval_split, monitor=spec.train.monitor,
        best_epoch=result.best_epoch, epochs_run=result.epochs_run,
        stopped_early=result.stopped_early, diverged=result.status == "diverged",
        train_seconds=result.train_seconds, precision=precision, params=params,
        load_average=mean_load(result.history),
        **{k: best_row.get(k) for k in ("train_acc", "val_acc", "train_loss", "val_loss")},
    )


def evaluate_best(spec: ModelSpec, data: DatasetSplits, data_cfg: DataConfig, out: ModelDir,
                  device: torch.device, result: FitResult) -> MetricsFile:
    """Evaluate best.pt on the evaluation split; write predictions.csv and metrics.json. A model
    with no best.pt, or whose outputs on the evaluation split are not finite, gets no predictions."""
    policy = DevicePolicy(device, spec.train.amp)
    model = build(spec.arch, len(data.classes), data_cfg.image_size, spec.params)
    metrics = training_summary(spec, data, result, policy.precision, count_params(model))
    if out.best.is_file():
        model.load_state_dict(load_run_checkpoint(out.best, out.root)["model"])
        model = policy.prepare(model.to(device))
        _, eval_tf = make_transforms(data_cfg)
        loader = BatchLoader(data.eval, eval_batch_size(spec.train.batch_size), eval_tf, device,
                             workers=data_cfg.num_workers)
        loss, _, probs = evaluate(model, loader, policy, nn.CrossEntropyLoss())
        if math.isfinite(loss):
            predictions = PredictionsFile(labels=data.eval.labels.tolist(), preds=probs.argmax(1).tolist(),
                                          probs=probs.tolist())
            write_csv(out.predictions, PredictionsFile.header(data.classes), predictions.rows())
            metrics = metrics.model_validate({**metrics.model_dump(), **classification_metrics(
                predictions.labels, predictions.preds, data.classes)})
        else:  # finite on validation, overflowing here: argmax of NaN is class 0, not a prediction
            metrics = metrics.model_copy(update={"status": "diverged", "diverged": True})
    write_model(out.metrics, metrics)
    return metrics
