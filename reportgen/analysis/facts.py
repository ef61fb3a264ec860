"""Per-model facts read from a run directory: metrics recomputed from predictions.csv (so they
always match the file a reader can check), history, best-epoch values and the model's status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from reportgen.config import ModelSpec
from reportgen.metrics import classification_metrics
from reportgen.models import ARCHITECTURES, build, count_params
from reportgen.rundir import ModelDir, damaged, present, read_model, read_run_csv, validation_reason
from reportgen.schema.analysis import Averages, ClassMetrics, History, ModelAnalysis, Note
from reportgen.schema.run import HISTORY_COLUMNS, HistoryRow, MetricsFile, PredictionsFile


def redo_advice(model_dir: ModelDir) -> str:
    """How a model's result file that cannot be read is written again."""
    return (f"delete it and {model_dir.metrics.name} beside it, then `reportgen run <experiment.toml> --resume "
            f"{model_dir.path.parent}` evaluates that model again (continuing from its last.pt, or training it "
            "anew without one)")


@contextmanager
def damaged_as_user_error(model_dir: ModelDir, path) -> Iterator[None]:
    """A result table whose rows do not validate: name it and say how the run writes it again."""
    try:
        yield
    except ValidationError as e:
        raise damaged(path, validation_reason(e), redo_advice(model_dir)) from None
    except KeyError as e:  # a column missing from the header
        raise damaged(path, f"no column {e}", redo_advice(model_dir)) from None


def read_history(model_dir: ModelDir) -> History:
    if not present(model_dir.history):
        return History()
    rows = read_run_csv(model_dir.history, model_dir.root, redo_advice(model_dir))
    with damaged_as_user_error(model_dir, model_dir.history):
        epochs = [HistoryRow.model_validate(row) for row in rows]
    return History(**{c: [getattr(row, c) for row in epochs] for c in HISTORY_COLUMNS})


Predictions = tuple[list[int], list[int], list[list[float]]]  # labels, predictions, probabilities per class


def read_predictions(model_dir: ModelDir) -> Predictions:
    """(labels, predictions, probabilities per class) from predictions.csv."""
    rows = read_run_csv(model_dir.predictions, model_dir.root, redo_advice(model_dir))
    with damaged_as_user_error(model_dir, model_dir.predictions):
        table = PredictionsFile.from_rows(rows)
    return table.labels, table.preds, table.probs


def read_metrics(model_dir: ModelDir) -> MetricsFile | None:
    """The model's metrics.json; None while it has not finished."""
    if not present(model_dir.metrics):
        return None
    return read_model(model_dir.metrics, model_dir.root, MetricsFile, redo_advice(model_dir))


def status_of(model_dir: ModelDir, metrics: MetricsFile | None) -> str:
    if metrics is not None:
        return metrics.status
    return "interrupted" if model_dir.history.is_file() or model_dir.last.is_file() else "missing"


def model_facts(spec: ModelSpec, model_dir: ModelDir, classes: list[str], image_size: int) -> ModelAnalysis:
    """Everything about one model that comes straight from its files (no figures yet)."""
    metrics = read_metrics(model_dir)
    history = read_history(model_dir)
    status = status_of(model_dir, metrics)
    notes = []
    scores: dict = {}
    if present(model_dir.predictions):
        labels, preds, _ = read_predictions(model_dir)
        scores = classification_metrics(labels, preds, classes)
    elif status != "missing":
        notes.append(Note(key="no_predictions"))
    best_epoch = metrics.best_epoch if metrics else None
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
        params=metrics.params if metrics else count_params(build(spec.arch, len(classes), image_size, spec.params)),
        train_config=spec.train.model_dump(mode="json"),
        model_params=ARCHITECTURES[spec.arch].validate_params(spec.params),
        accuracy=scores.get("accuracy"),
        macro=Averages(**scores["macro"]) if scores else None,
        weighted=Averages(**scores["weighted"]) if scores else None,
        per_class=per_class,
        confusion_matrix=scores.get("confusion_matrix", []),
        best_epoch=best_epoch, epochs_run=len(history.epoch),
        stopped_early=bool(metrics and metrics.stopped_early),
        train_seconds=sum(history.seconds), precision=metrics.precision if metrics else None,
        train_acc=at_best("train_acc"), val_acc=at_best("val_acc"),
        train_loss=at_best("train_loss"), val_loss=at_best("val_loss"),
        history=history, architecture=None, diagnostics=None, feature_maps=[], figures={}, notes=notes,
        load_average=metrics.load_average if metrics else None,
    )
