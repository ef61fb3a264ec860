"""The files training and the search write into a run directory, as typed schemas. The writers
build these models and the readers validate them (through reportgen.rundir), so a field is
declared once, here.

    dataset.json        DatasetFile: the facts the report states about the data
    environment.json    EnvironmentFile: where and how the run happened
    <model>/metrics.json       MetricsFile: how a model's training ended and its evaluation
    <model>/history.csv        HistoryRow per epoch
    <model>/predictions.csv    PredictionsFile: labels, predictions, probabilities per class
    tuning.json, summary.json  TuningSummary: the `reportgen tune` search

The experiment copy (experiment.toml) is `reportgen.config.Experiment`; analysis.json is
`reportgen.schema.analysis.Analysis`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from reportgen.schema.base import (DATASET_VERSION, ENVIRONMENT_VERSION, METRICS_VERSION, TUNING_VERSION, Finite,
                                   ModelKey, RunFile)

TrainingStatus = Literal["completed", "diverged", "pruned"]


SPLITS = ("train", "val", "test")  # class_counts' splits, in the order its chart and table show them


class DatasetFacts(BaseModel):
    name: str  # cifar10 | imagefolder | csv | digits | synthetic
    classes: list[str]
    train_size: int
    val_size: int
    test_size: int  # 0 = no test split; evaluation then uses the validation split
    eval_split: Literal["test", "val"]
    image_size: int
    normalize_mean: list[Finite]
    normalize_std: list[Finite]
    augment: list[str]
    # Images per class (in `classes` order) of each split: "train", "val", and "test" when there is
    # one ({}: a run written before they were counted, whose dataset is not available)
    class_counts: dict[str, list[int]] = {}


class DatasetFile(DatasetFacts, RunFile):
    VERSION = DATASET_VERSION


class Environment(BaseModel):
    """Where the run happened; empty strings (None for numbers) where a run directory lacks it or
    was written before the field existed."""

    device: str = ""  # e.g. "cuda:0", "cpu"
    device_name: str = ""  # e.g. "NVIDIA H100 80GB HBM3", or the CPU model
    python: str = ""
    torch: str = ""
    torchvision: str = ""
    cuda: str = ""
    platform: str = ""
    git_commit: str = ""
    command: str = ""
    started: str = ""  # ISO timestamp; orders runs (the newest finished run is rendered by default)
    seed: int | None = None
    processes: int | None = None  # torchrun processes that trained it
    reportgen: str = ""  # the version that trained it
    cpu_count: int | None = None  # logical CPUs of the machine (os.cpu_count())
    # data.root resolved to an absolute path when the run started (against the directory it was
    # started from), so resuming and analysing find the data wherever they run ("": no root)
    data_root: str = ""


class EnvironmentFile(Environment, RunFile):
    VERSION = ENVIRONMENT_VERSION


class Averages(BaseModel):
    precision: Finite
    recall: Finite
    f1: Finite


class ClassScores(BaseModel):
    precision: Finite
    recall: Finite
    f1: Finite
    support: int
    accuracy: Finite  # per-class accuracy = recall of that class


class MetricsFile(RunFile):
    """metrics.json: how a model's training ended (its best epoch's history row) and, when it has
    predictions, their classification metrics."""

    VERSION = METRICS_VERSION
    label: str
    slug: str
    arch: str
    seed: int
    status: TrainingStatus
    classes: list[str]
    eval_split: Literal["test", "val"]
    monitor: Literal["val_acc", "val_loss"]
    best_epoch: int | None
    epochs_run: int
    stopped_early: bool
    diverged: bool
    train_seconds: Finite
    precision: str | None  # "bf16" | "fp16" | "fp32"
    params: int
    train_acc: Finite = None  # at the best epoch
    val_acc: Finite = None
    train_loss: Finite = None
    val_loss: Finite = None
    # on the evaluation split; absent when the model has no predictions.csv
    accuracy: Finite = None
    macro: Averages | None = None
    weighted: Averages | None = None
    per_class: dict[str, ClassScores] = {}
    confusion_matrix: list[list[int]] = []
    # mean 1-minute load average of the machine at its epochs' ends (None: not measured), against
    # environment.json's cpu_count: a value above it means the machine was shared while it trained
    load_average: Finite = None


# A number that is always finite when reportgen writes it: anything else is a damaged file.
Measured = Annotated[float, Field(allow_inf_nan=False)]


class HistoryRow(BaseModel):
    """One epoch of history.csv. A loss or accuracy that is not a finite number (a file written
    before diverged epochs were left out of it) is None."""

    epoch: int
    train_loss: Finite
    train_acc: Finite
    val_loss: Finite
    val_acc: Finite
    lr: Measured
    seconds: Measured


HISTORY_COLUMNS = list(HistoryRow.model_fields)

Probability = Annotated[Measured, Field(ge=0, le=1)]


class PredictionsFile(BaseModel):
    """predictions.csv as columns: per evaluation image (in the split's order) its label, the
    predicted class and the probability of every class. Only finite outputs are written."""

    labels: list[int]
    preds: list[int]
    probs: list[list[Probability]]

    @model_validator(mode="after")
    def _rectangular(self) -> PredictionsFile:
        widths = {len(row) for row in self.probs}
        if len(self.preds) != len(self.labels) or len(self.probs) != len(self.labels) or len(widths) > 1:
            raise ValueError("its columns do not have one value per image and class")
        return self

    @staticmethod
    def header(classes: list[str]) -> list[str]:
        return ["index", "label", "pred", *[f"prob_{c}" for c in classes]]

    def rows(self) -> list[list[Any]]:
        return [[i, y, p, *[f"{v:.6f}" for v in row]]
                for i, (y, p, row) in enumerate(zip(self.labels, self.preds, self.probs))]

    @classmethod
    def from_rows(cls, rows: list[dict[str, str]]) -> PredictionsFile:
        return cls(labels=[r["label"] for r in rows], preds=[r["pred"] for r in rows],
                   probs=[[v for k, v in r.items() if k and k.startswith("prob_")] for r in rows])


class TuningTrial(BaseModel):
    number: int
    state: str  # complete | pruned (by the pruner) | diverged | fail | running
    value: Finite  # the search metric (for a pruned trial: its last reported value)
    params: dict  # dotted key -> value, e.g. {"train.lr": 0.01}
    seconds: Finite
    epochs: int | None = None  # epochs trained; None when failed, running, or from a summary that predates it
    run_dir: str = ""  # the trial's run directory ("" in a run's copy of the summary that lacks it)


class TuningFacts(BaseModel):
    model: ModelKey
    sampler: str  # grid | tpe
    pruner: str
    metric: str  # val_acc | val_loss
    direction: str  # maximize | minimize
    space: dict[str, list]
    train: dict  # the searched model's training recipe, before each trial's point is applied
    trials: list[TuningTrial]
    best: TuningTrial | None
    importances: dict[str, Finite]  # parameter -> share (empty when Optuna could not compute them)
    search_seconds: Finite


class TuningSummary(TuningFacts, RunFile):
    """summary.json of `reportgen tune`; a run whose configuration it chose keeps a copy as tuning.json."""

    VERSION = TUNING_VERSION
    study: str = ""
