"""The analysis tree: every fact, table and figure a report needs, computed once from a run
directory. Renderers (PDF, HTML, PPTX) only format it; they never recompute.

Pydantic models rather than plain dataclasses: the same typed tree round-trips through
`analysis.json` (`model_dump_json` / `model_validate_json`) with no hand-written (de)serialiser.
Fractions are in [0, 1]; differences of fractions are stated in percentage points (`_pp`);
relative changes in percent (`_pct`). Figures are named by language-free ids
(reportgen/figures/files.py) and drawn when a document is rendered, in its language.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel


class _NamesModel:
    """The mark of a field that names a model (see ModelKey)."""

    def __repr__(self) -> str:
        return "names a model"


NAMES_MODEL = _NamesModel()
# A model's language-free key: its label, or for an unlabelled model its arch id (then
# ModelAnalysis.default_label). Every field that names a model has this type, so that a document
# names a default-labelled model in its own language wherever the analysis names it
# (reportgen/report/names.py).
ModelKey = Annotated[str, NAMES_MODEL]


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
    # Read from the module (torch.nn.Conv2d, MaxPool2d, AvgPool2d): (height, width) each; None for
    # other layers. Padding is a string where the module was given one ("same", "valid").
    kernel: list[int] | None = None
    stride: list[int] | None = None
    padding: list[int] | str | None = None
    dropout: float | None = None  # a Dropout layer's p
    # A block with a trained 1x1 convolution on its shortcut (a projection, where the shape changes)
    projection: bool = False


class Stage(BaseModel):
    """A top-level layer with weights (a stage), its own sub-layers, and the parameter-free
    top-level layers after it (pooling, activation, flatten, dropout), folded into it."""

    head: LayerRow
    children: list[LayerRow] = []
    folded: list[LayerRow] = []

    @property
    def rows(self) -> list[LayerRow]:
        """Its top-level layers, in the order they run."""
        return [self.head, *self.folded]


class ModelCode(BaseModel):
    """A model's own source: the classes and functions the registry builds it from (never a
    library's), as the run recorded it when training began."""

    text: str
    names: list[str]  # the top-level classes and functions it defines, in order
    # "run": <model>/model.py of the run; "installed": the run has no such file (it predates it), so
    # the source of the reportgen that analysed it, which may differ from the code that trained
    origin: Literal["run", "installed"]
    path: str  # the file: relative to the run directory, or the module's path in the package


class ArchitectureTable(BaseModel):
    rows: list[LayerRow]
    total_params: int  # equals the model's real parameter count
    trainable_params: int
    input_shape: list[int]
    # Weight layers (convolutions, linear layers) on the longest path from input to output, as
    # "ResNet-34" counts 34: parallel paths and projection shortcuts do not add to it (None: not traced)
    depth: int | None = None

    def stages(self) -> list[Stage]:
        """The rows grouped into stages (a parameter-free first layer starts a stage of its own)."""
        stages: list[Stage] = []
        for r in self.rows:
            if r.depth > 0:
                stages[-1].children.append(r)
            elif stages and r.params == 0:
                stages[-1].folded.append(r)
            else:
                stages.append(Stage(head=r))
        return stages


class StageActivation(BaseModel):
    stage: str  # e.g. "conv1", "layer3"
    shape: list[int]  # (C, H, W) of the activation
    mean: float | None  # mean activation (None: an activation is not a finite number)
    active_fraction: float  # share of values > 0: how sparse the stage's response is


class FeatureMapCase(BaseModel):
    correct: bool
    index: int  # row `index` of predictions.csv
    true_label: str
    pred_label: str
    confidence: float  # predicted class probability
    stages: list[StageActivation]
    figure: str  # figure id: the input image beside a grid of channels per stage
    # Why the figure is not drawn (None: it is): an activation is not finite, or every one is zero
    issue: Literal["not_finite", "all_zero"] | None = None


class CamFacts(BaseModel):
    """One evaluation image with a model's prediction and the facts of its Grad-CAM map for the
    predicted class (explain.py measures them; the map itself is only drawn)."""

    index: int  # row `index` of predictions.csv
    true_label: str
    pred_label: str
    confidence: float  # probability of the predicted class, from predictions.csv
    top_share: float | None  # share of the map's mass in its brightest `top_pixels` of pixels (None: map_issue)
    peak: list[float] | None  # (row, column) of the map's maximum, fractions of the side (0 = top / left)
    # Why the map is neither measured nor drawn (None: it is): zero everywhere (pytorch-grad-cam scales a
    # map that has one value everywhere to zero, e.g. at a layer of 1x1 positions), or a value not finite
    map_issue: Literal["all_zero", "not_finite"] | None = None


class MistakeGroup(BaseModel):
    """A confused class pair (Diagnostics.confused_pairs) and its most confident mistakes."""

    true_label: str
    pred_label: str
    count: int  # every such mistake on the evaluation split
    images: list[CamFacts]  # the most confident of them, at most Explanation.gallery_limit


class Explanation(BaseModel):
    """Grad-CAM maps of a bounded set of a model's evaluation images, and its gallery of mistakes."""

    target_layer: str  # the registry's cam_layer of the architecture
    top_pixels: float  # the brightest share of pixels `top_share` measures
    concentrated_share: float  # a map with top_share >= this is called concentrated
    cases: list[CamFacts]  # the feature-map cases: most confident correct, then wrong
    per_class: list[CamFacts]  # per shown class: its most confident correct and wrong image (when any)
    classes_shown: int  # per_class covers the first `classes_shown` classes
    per_class_limit: int  # at most this many classes
    gallery: list[MistakeGroup]
    gallery_limit: int  # images per pair
    maps: int  # distinct images mapped among cases, per_class and gallery
    median_top_share: float | None  # median top_share of those maps (None: no map could be measured)
    concentrated: int  # of those maps, how many have top_share >= concentrated_share
    figures: dict[str, str]  # "cases", "per_class", "gallery" -> figure id


class DisagreementImage(BaseModel):
    a: CamFacts  # the first model's prediction and map
    b: CamFacts


class Disagreement(BaseModel):
    """Two models on the same evaluation images: the images only one of them classifies right (the
    discordant pairs a McNemar test counts), with the most telling of each kind shown."""

    a: ModelKey  # the baseline
    b: ModelKey
    n: int  # evaluation images
    a_only: int  # images a classifies right and b wrong
    b_only: int  # images b classifies right and a wrong
    limit: int  # images shown of each kind, at most
    a_right: list[DisagreementImage]  # the shown ones; b's most confident mistakes first
    b_right: list[DisagreementImage]
    figure: str  # figure id; "" when no image differs


class ConfusedPair(BaseModel):
    true_label: str
    pred_label: str
    count: int
    share: float  # count / support of the true class


class Interval(BaseModel):
    """A confidence interval, in the unit of the value it bounds (a fraction, or pp for a difference)."""

    low: float
    high: float
    confidence: float = 0.95
    method: Literal["wilson", "bootstrap"]  # Wilson score, or percentile bootstrap over the evaluation images
    resamples: int | None = None  # bootstrap only
    seed: int | None = None  # bootstrap only


class Diagnostics(BaseModel):
    """Verdicts on one model, each with its threshold and the noise of the split it was measured on.
    A verdict that is None was not made: the evidence was insufficient, or a failure explains it."""

    gap_acc_pp: float  # train_acc - val_acc at the best epoch, percentage points
    overfit_threshold_pp: float
    # gap above both the threshold and val_noise_pp; None: above the threshold but within the
    # noise, or not judged because the model diverged
    overfit: bool | None
    # validation images the val_acc and val_loss were measured on; required, so an analysis.json
    # written before the verdicts knew their sample size fails validation and is recomputed
    val_size: int
    val_noise_pp: float | None = None  # val_acc's Wilson 95% upper bound (n = val_size) minus val_acc, pp
    val_loss_rise: float  # last val_loss - min val_loss (rising after the minimum = overfitting sign)
    val_loss_rise_threshold: float  # a rise above this is stated
    # rise above both the threshold and val_loss_noise; None: not judged (within the noise, or diverged)
    val_loss_rising: bool | None
    # 95% half-width of a validation loss: 1.96 x the standard deviation of the per-image cross-entropy
    # of the evaluated checkpoint / sqrt(val_size) (None: no per-image probabilities)
    val_loss_noise: float | None = None
    val_loss_spikes: list[int]  # epochs whose val_loss jumps > spike_ratio x the previous epoch (and > 10% of its range)
    spike_ratio: float
    val_loss_fluctuation: float  # std of epoch-to-epoch val_loss changes (late epochs) / val_loss range
    fluctuation_threshold: float
    stable: bool | None  # None: not judged (fewer than min_epochs_for_stability finite epochs, or diverged)
    min_epochs_for_stability: int = 5
    max_train_loss: float  # e.g. the reference report's "loss spike up to 17.7"
    max_train_loss_epoch: int
    confused_pairs: list[ConfusedPair]  # most confused (true, predicted) pairs, largest first
    # Classes whose recall's Wilson 95% interval lies wholly above that of the lowest-recall classes
    # and not wholly below that of any class (best), or the mirror image (worst); recall first, ties
    # kept together. Both empty: the classes cannot be told apart on this split.
    best_classes: list[str]
    worst_classes: list[str]
    class_recall_ci: list[Interval | None] = []  # per class as in per_class (None: no image of the class)
    # Named failure modes and their evidence. divergence: "non_finite" (a loss became NaN/inf),
    # "train_loss_rising" (last finite train loss > train_loss_rise_factor x the first),
    # "val_loss_exploding" (last val loss > val_loss_explosion_factor x its minimum, and above the first).
    # collapse: "one_class" (top_pred_share > collapse_share of the evaluation images and >=
    # collapse_ratio x that class's own share), "chance" (accuracy's Wilson 95% interval contains 1 / classes).
    failure: Literal["diverged", "collapsed"] | None = None  # diverged wins when both hold
    divergence: list[str] = []
    collapse: list[str] = []
    train_loss_first: float | None = None  # first and last finite training loss
    train_loss_last: float | None = None
    train_loss_rise_factor: float | None = None
    val_loss_min: float | None = None
    val_loss_last: float | None = None
    val_loss_explosion_factor: float | None = None
    top_pred_class: str | None = None  # the class predicted most often on the evaluation split
    top_pred_share: float | None = None
    top_pred_true_share: float | None = None  # that class's share of the evaluation images' labels
    collapse_share: float | None = None
    collapse_ratio: float | None = None
    chance: float | None = None  # 1 / number of classes, against ModelAnalysis.accuracy_ci


class ReliabilityBin(BaseModel):
    """One equal-width bin of the top-class confidence."""

    low: float
    high: float
    count: int
    confidence: float | None  # mean confidence of its predictions (None: empty bin)
    accuracy: float | None  # share of them that were right


class Calibration(BaseModel):
    """How well the predicted class probability matches how often the prediction is right."""

    n_bins: int
    ece: float  # expected calibration error: sum over bins of count/n * |accuracy - confidence|
    mean_confidence: float
    bins: list[ReliabilityBin]
    ece_threshold: float  # above it, with the mean confidence above the accuracy's 95% interval: over-confident
    high_confidence: float  # a wrong prediction at least this confident is a confident mistake
    wrong: int  # wrong predictions
    confident_wrong: int  # of them, with confidence >= high_confidence
    overconfident: bool


class Spread(BaseModel):
    """A value over repeated seeds."""

    mean: float
    sd: float | None  # sample standard deviation (n - 1 in the denominator); None with one value
    n: int  # seeds with a value


class SeedResult(BaseModel):
    """One seed's training of a model, from its own folder's files."""

    seed: int
    status: Literal["completed", "diverged", "pruned", "interrupted", "missing"]
    accuracy: float | None  # on the evaluation split, recomputed from its predictions.csv
    macro_f1: float | None
    best_epoch: int | None
    epochs_run: int
    train_seconds: float


class SeedSummary(BaseModel):
    """A model trained once per seed of `train.seeds` (present only with two or more seeds)."""

    figure_seed: int  # the first seed: its files are the model's own, behind every figure and per-model fact
    seeds: list[SeedResult]  # in the order of train.seeds
    accuracy: Spread | None  # over the seeds with a result (None: none has one)
    macro_f1: Spread | None
    best_epoch: Spread | None
    train_seconds: Spread | None


class Note(BaseModel):
    """Why something about a model could not be computed, as a phrase key (`narrative.note.<key>`)
    and its values: the document states it in the report's language."""

    key: str
    values: dict[str, str] = {}  # e.g. the English error behind it, kept for the user, not shown


class ModelAnalysis(BaseModel):
    label: ModelKey
    # The label is the arch id, standing for the architecture's name in the document's language
    # (`ui.arch.<arch>`): the experiment left it unlabelled
    default_label: bool = False
    slug: str  # its folder in the run directory, from the label: the same in every language
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
    # "loss", "accuracy", "lr", "confusion", "confusion_normalized" or "confusion_top", "reliability" -> figure id
    figures: dict[str, str]
    notes: list[Note]  # what could not be computed and why (e.g. data missing for feature maps)
    accuracy_ci: Interval | None = None  # of `accuracy`, on the evaluation split
    macro_f1_ci: Interval | None = None
    calibration: Calibration | None = None
    explanation: Explanation | None = None  # Grad-CAM and mistakes (None: no checkpoint or no images)
    seeds: SeedSummary | None = None  # every seed's result and their mean ± sd (None: one seed)
    code: ModelCode | None = None  # its own source (None: an analysis.json older than it)
    init: str = ""  # the registry's weight initialisation of the architecture ("": as above)

    @property
    def failure(self) -> str | None:
        """The named failure mode: the diagnostics', or "diverged" for a model that diverged before
        any finite epoch (and so has no diagnostics)."""
        if self.diagnostics is not None:
            return self.diagnostics.failure
        return "diverged" if self.status == "diverged" else None


class ModelDelta(BaseModel):
    label: ModelKey
    accuracy_pp: float | None  # accuracy - baseline accuracy, percentage points
    val_acc_pp: float | None
    val_loss_delta: float | None
    params_pct: float  # (params - baseline params) / baseline params * 100


class Degradation(BaseModel):
    """Plain-34 vs ResNet-34 (He et al.'s degradation experiment), when both were trained."""

    plain: ModelKey
    residual: ModelKey
    accuracy_pp: float  # residual - plain
    train_loss_plain: float
    train_loss_residual: float
    residual_better: bool


class PairTest(BaseModel):
    """Two models on the same evaluation images: exact McNemar test and the accuracy difference a - b
    (a is the one ranked higher by accuracy)."""

    a: ModelKey
    b: ModelKey
    n: int  # images
    a_only_correct: int  # discordant images: only a right
    b_only_correct: int  # only b right
    p_value: float  # exact McNemar (1 when there is no discordant image)
    p_adjusted: float  # Holm-adjusted over all pairs
    diff_pp: float  # accuracy(a) - accuracy(b), percentage points
    diff_ci_pp: Interval  # paired bootstrap, pp
    significant: bool  # p_adjusted <= alpha


class Rank(BaseModel):
    label: ModelKey
    rank: int  # 1 + the number of models significantly better; models not told apart share it
    accuracy: float


class SeedTest(BaseModel):
    """Two models over their seeds: Welch's t-test of equal mean accuracy (each seed one
    observation; a has the higher mean). It tests the training's variation, where McNemar tests the
    evaluation images of one seed."""

    a: ModelKey
    b: ModelKey
    n_a: int  # seeds with a result
    n_b: int
    mean_a: float
    mean_b: float
    diff_pp: float  # mean_a - mean_b, percentage points
    t: float | None  # None: not testable (neither model's accuracy varies over its seeds)
    df: float | None  # Welch-Satterthwaite degrees of freedom
    p_value: float | None
    p_adjusted: float | None  # Holm-adjusted over the testable pairs
    significant: bool  # p_adjusted <= alpha


class Comparison(BaseModel):
    baseline: ModelKey
    best: ModelKey  # by accuracy on the evaluation split
    worst: ModelKey
    ranking: list[ModelKey]  # best first
    deltas: list[ModelDelta]  # every model vs the baseline
    degradation: Degradation | None
    figures: dict[str, str]  # "loss", "accuracy" (overlaid curves), "per_class" -> figure id
    alpha: float = 0.05  # significance level of the pair tests
    multiplicity: str = "holm"  # how the pair tests' p-values are adjusted
    pairs: list[PairTest] = []  # every pair of evaluated models, in ranking order
    ranks: list[Rank] = []  # by rank, then accuracy
    seed_tests: list[SeedTest] = []  # every pair of models with two or more seeds each (Welch, Holm-adjusted)


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
    samples_figure: str  # figure id: a grid of sample images per class ("" when the images were not available)
    # Images per class (in `classes` order) of each split: "train", "val", and "test" when there is
    # one ({}: a run written before they were counted, whose dataset is not available)
    class_counts: dict[str, list[int]] = {}
    distribution_figure: str = ""  # figure id: a bar chart of class_counts, grouped by split ("" when not counted)


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
    state: str  # complete | pruned (by the pruner) | diverged | fail | running
    value: float | None  # the search metric (for a pruned trial: its last reported value)
    params: dict  # dotted key -> value, e.g. {"train.lr": 0.01}
    seconds: float | None
    epochs: int | None = None  # epochs trained; None when failed, running, or from a summary that predates it


class Tuning(BaseModel):
    """The `reportgen tune` search that chose this run's configuration (tuning.json)."""

    model: ModelKey
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
    figure: str  # figure id: the metric per trial (+ importances)


class Analysis(BaseModel):
    run_dir: str
    experiment: dict  # the resolved experiment (experiment.toml as a dict)
    environment: Environment
    dataset: DatasetInfo
    models: list[ModelAnalysis]
    comparison: Comparison | None  # None when fewer than two models have results
    tuning: Tuning | None = None
    disagreements: list[Disagreement] = []  # the baseline vs each other evaluated model
