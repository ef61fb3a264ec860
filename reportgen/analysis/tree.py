"""The analysis tree: every fact, table and figure a report needs, computed once from a run
directory. Renderers (PDF, HTML, PPTX) only format it; they never recompute.

Pydantic models rather than plain dataclasses: the same typed tree round-trips through
`analysis.json` (`model_dump_json` / `model_validate_json`) with no hand-written (de)serialiser.
Fractions are in [0, 1]; differences of fractions are stated in percentage points (`_pp`);
relative changes in percent (`_pct`). Figure paths are relative to the run directory.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Averages(BaseModel):
    precision: float
    recall: float
    f1: float


class ClassMetrics(BaseModel):
    name: str
    precision: float
    recall: float
    f1: float
    support: int
    accuracy: float  # per-class accuracy = recall of that class


class History(BaseModel):
    """history.csv as columns (one entry per epoch). A loss or accuracy that is not a finite number
    (a file written before diverged epochs were left out of it) is None: JSON has no NaN."""

    epoch: list[int] = []
    train_loss: list[float | None] = []
    train_acc: list[float | None] = []
    val_loss: list[float | None] = []
    val_acc: list[float | None] = []
    lr: list[float] = []
    seconds: list[float] = []

    def finite(self, column: str) -> tuple[list[int], list[float]]:
        """The epochs whose `column` is a finite number, and those values."""
        pairs = [(e, v) for e, v in zip(self.epoch, getattr(self, column)) if v is not None]
        return [e for e, _ in pairs], [v for _, v in pairs]


class LayerRow(BaseModel):
    name: str  # e.g. "conv1", "layer2.0"
    type: str  # e.g. "Conv2d", "BasicBlock"
    depth: int  # 0 = top level
    input_shape: list[int]  # without the batch dimension, e.g. [3, 32, 32]
    output_shape: list[int]
    params: int  # parameters owned by this layer and its children


class ArchitectureTable(BaseModel):
    rows: list[LayerRow]
    total_params: int  # equals the model's real parameter count
    trainable_params: int
    input_shape: list[int]


class StageActivation(BaseModel):
    stage: str  # e.g. "conv1", "layer3"
    shape: list[int]  # (C, H, W) of the activation
    mean: float  # mean activation
    active_fraction: float  # share of values > 0: how sparse the stage's response is


class FeatureMapCase(BaseModel):
    correct: bool
    index: int  # row `index` of predictions.csv
    true_label: str
    pred_label: str
    confidence: float  # predicted class probability
    stages: list[StageActivation]
    figure: str  # PNG: input image beside a grid of channels per stage


class ConfusedPair(BaseModel):
    true_label: str
    pred_label: str
    count: int
    share: float  # count / support of the true class


class Diagnostics(BaseModel):
    gap_acc_pp: float  # train_acc - val_acc at the best epoch, percentage points
    overfit_threshold_pp: float
    overfit: bool  # gap_acc_pp > overfit_threshold_pp
    val_loss_rise: float  # last val_loss - min val_loss (rising after the minimum = overfitting sign)
    val_loss_rise_threshold: float  # a rise above this is stated
    val_loss_rising: bool
    val_loss_spikes: list[int]  # epochs whose val_loss jumps > spike_ratio x the previous epoch (and > 10% of its range)
    spike_ratio: float
    val_loss_fluctuation: float  # std of epoch-to-epoch val_loss changes (late epochs) / val_loss range
    fluctuation_threshold: float
    stable: bool
    max_train_loss: float  # e.g. the seed's "loss spike up to 17.7"
    max_train_loss_epoch: int
    confused_pairs: list[ConfusedPair]  # most confused (true, predicted) pairs, largest first
    best_classes: list[str]  # by F1, best first
    worst_classes: list[str]  # by F1, worst first


class ModelAnalysis(BaseModel):
    label: str
    slug: str
    arch: str
    description: str
    reference: str  # bibliography key of the architecture's paper ("" = none)
    status: Literal["completed", "diverged", "pruned", "interrupted", "missing"]
    params: int
    train_config: dict  # the resolved TrainConfig of this model
    model_params: dict  # the arch's params (e.g. conv_filters), defaults filled in
    accuracy: float | None  # on the evaluation split (test, or validation when there is none)
    macro: Averages | None
    weighted: Averages | None
    per_class: list[ClassMetrics]
    confusion_matrix: list[list[int]]  # rows = true label, columns = predicted
    best_epoch: int | None
    epochs_run: int
    stopped_early: bool
    train_seconds: float
    precision: str | None = None  # "bf16" | "fp16" | "fp32" as trained (None: not finished)
    train_acc: float | None  # at the best epoch
    val_acc: float | None
    train_loss: float | None
    val_loss: float | None
    history: History
    architecture: ArchitectureTable | None
    diagnostics: Diagnostics | None
    feature_maps: list[FeatureMapCase]  # one correct and one wrong case when they exist
    figures: dict[str, str]  # "loss", "accuracy", "confusion" -> PNG path
    notes: list[str]  # what could not be computed and why (e.g. data missing for feature maps)


class ModelDelta(BaseModel):
    label: str
    accuracy_pp: float | None  # accuracy - baseline accuracy, percentage points
    val_acc_pp: float | None
    val_loss_delta: float | None
    params_pct: float  # (params - baseline params) / baseline params * 100


class Degradation(BaseModel):
    """Plain-34 vs ResNet-34 (He et al.'s degradation experiment), when both were trained."""

    plain: str
    residual: str
    accuracy_pp: float  # residual - plain
    train_loss_plain: float
    train_loss_residual: float
    residual_better: bool


class Comparison(BaseModel):
    baseline: str
    best: str  # by accuracy on the evaluation split
    worst: str
    ranking: list[str]  # best first
    deltas: list[ModelDelta]  # every model vs the baseline
    degradation: Degradation | None
    figures: dict[str, str]  # "loss", "accuracy" (overlaid curves), "per_class" -> PNG path


class DatasetInfo(BaseModel):
    name: str  # cifar10 | imagefolder | csv | digits | synthetic
    classes: list[str]
    train_size: int
    val_size: int
    test_size: int  # 0 = no test split; evaluation then uses the validation split
    eval_split: Literal["test", "val"]
    image_size: int
    normalize_mean: list[float]
    normalize_std: list[float]
    augment: list[str]
    samples_figure: str  # PNG grid of sample images per class ("" when not available)


class Environment(BaseModel):
    """environment.json; empty strings where a run directory lacks it."""

    device: str = ""  # e.g. "cuda:0", "cpu"
    device_name: str = ""  # e.g. "NVIDIA H100 80GB HBM3", or the CPU model
    python: str = ""
    torch: str = ""
    torchvision: str = ""
    platform: str = ""
    git_commit: str = ""
    command: str = ""
    started: str = ""  # ISO timestamp


class TuningTrial(BaseModel):
    number: int
    state: str  # complete | pruned | fail | running
    value: float | None  # the search metric (for a pruned trial: its last reported value)
    params: dict  # dotted key -> value, e.g. {"train.lr": 0.01}
    seconds: float | None


class Tuning(BaseModel):
    """The `reportgen tune` search that chose this run's configuration (tuning.json)."""

    model: str
    sampler: str  # grid | tpe
    pruner: str
    metric: str  # val_acc | val_loss
    direction: str  # maximize | minimize
    space: dict[str, list]
    train: dict  # the searched model's training recipe, before each trial's point is applied
    trials: list[TuningTrial]
    best: TuningTrial | None
    importances: dict[str, float]  # parameter -> share (empty when Optuna could not compute them)
    search_seconds: float
    figure: str  # metric per trial (+ importances)


class Analysis(BaseModel):
    run_dir: str
    experiment: dict  # the resolved experiment (experiment.toml as a dict)
    environment: Environment
    dataset: DatasetInfo
    models: list[ModelAnalysis]
    comparison: Comparison | None  # None when fewer than two models have results
    tuning: Tuning | None = None
