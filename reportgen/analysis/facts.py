"""Per-model facts read from a run directory: metrics recomputed from predictions.csv (so they
always match the file a reader can check), history, best-epoch values and the model's status."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reportgen.schema.analysis import Averages, ClassMetrics, History, ModelAnalysis, Note
from reportgen.config import ModelSpec
from reportgen.errors import UserError
from reportgen.metrics import classification_metrics
from reportgen.models import ARCHITECTURES, build, count_params
from reportgen.rundir import HISTORY_COLUMNS, ModelDir, read_csv, read_json


def finite_or_none(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


@contextmanager
def damaged_as_user_error(path: Path, model_dir: ModelDir) -> Iterator[None]:
    """A result file that does not parse: name it and say how the run writes it again."""
    try:
        yield
    except (ValueError, KeyError, TypeError) as e:  # not UTF-8 or JSON, a missing column, a non-number
        raise UserError(
            f"{path} cannot be read ({type(e).__name__}): it is damaged. Delete it and {model_dir.metrics.name} "
            f"beside it, then `reportgen run <experiment.toml> --resume {model_dir.path.parent}` evaluates that "
            "model again (continuing from its last.pt, or training it anew without one)"
        ) from None


def read_history(model_dir: ModelDir) -> History:
    if not model_dir.history.is_file():
        return History()
    parse = {"epoch": int, "lr": float, "seconds": float}  # the rest are metrics, which may have overflowed
    with damaged_as_user_error(model_dir.history, model_dir):
        rows = read_csv(model_dir.history)
        return History(**{c: [parse.get(c, finite_or_none)(r[c]) for r in rows] for c in HISTORY_COLUMNS})


Predictions = tuple[list[int], list[int], list[list[float]]]  # labels, predictions, probabilities per class


def read_predictions(model_dir: ModelDir) -> Predictions:
    """(labels, predictions, probabilities per class) from predictions.csv."""
    with damaged_as_user_error(model_dir.predictions, model_dir):
        rows = read_csv(model_dir.predictions)
        probs = [[float(v) for k, v in r.items() if k.startswith("prob_")] for r in rows]
        return [int(r["label"]) for r in rows], [int(r["pred"]) for r in rows], probs


def status_of(model_dir: ModelDir, metrics: dict | None) -> str:
    if metrics is not None:
        return metrics.get("status", "completed")
    return "interrupted" if model_dir.history.is_file() or model_dir.last.is_file() else "missing"


def model_facts(spec: ModelSpec, model_dir: ModelDir, classes: list[str], image_size: int) -> ModelAnalysis:
    """Everything about one model that comes straight from its files (no figures yet)."""
    metrics = None
    if model_dir.metrics.is_file():
        with damaged_as_user_error(model_dir.metrics, model_dir):
            metrics = read_json(model_dir.metrics)
    history = read_history(model_dir)
    status = status_of(model_dir, metrics)
    notes = []
    scores: dict = {}
    if model_dir.predictions.is_file():
        labels, preds, _ = read_predictions(model_dir)
        scores = classification_metrics(labels, preds, classes)
    elif status != "missing":
        notes.append(Note(key="no_predictions"))
    best_epoch = metrics.get("best_epoch") if metrics else None
    if best_epoch is None:  # interrupted: the best finite epoch so far by the monitor
        epochs, values = history.finite(spec.train.monitor)
        best = max if spec.train.monitor == "val_acc" else min
        best_epoch = epochs[values.index(best(values))] if values else None
    at_best = (lambda key: getattr(history, key)[history.epoch.index(best_epoch)]) if best_epoch else (lambda key: None)
    per_class = [ClassMetrics(name=name, **values) for name, values in scores.get("per_class", {}).items()]
    return ModelAnalysis(
        label=spec.label, default_label=spec.default_label, slug=spec.slug, arch=spec.arch,
        description=spec.description,
        reference=ARCHITECTURES[spec.arch].reference, status=status,
        params=metrics["params"] if metrics else count_params(build(spec.arch, len(classes), image_size, spec.params)),
        train_config=spec.train.model_dump(mode="json"),
        model_params=ARCHITECTURES[spec.arch].validate_params(spec.params),
        accuracy=scores.get("accuracy"),
        macro=Averages(**scores["macro"]) if scores else None,
        weighted=Averages(**scores["weighted"]) if scores else None,
        per_class=per_class,
        confusion_matrix=scores.get("confusion_matrix", []),
        best_epoch=best_epoch, epochs_run=len(history.epoch),
        stopped_early=bool(metrics and metrics.get("stopped_early")),
        train_seconds=sum(history.seconds), precision=metrics.get("precision") if metrics else None,
        train_acc=at_best("train_acc"), val_acc=at_best("val_acc"),
        train_loss=at_best("train_loss"), val_loss=at_best("val_loss"),
        history=history, architecture=None, diagnostics=None, feature_maps=[], figures={}, notes=notes,
    )
