"""The analysis tree: every fact, table and figure a report needs, computed once from a run
directory. Renderers (PDF, HTML, PPTX) only format it; they never recompute.

Pydantic models rather than plain dataclasses: the same typed tree round-trips through
`analysis.json` (`model_dump_json` / `model_validate_json`) with no hand-written (de)serialiser.
Fractions are in [0, 1]; differences of fractions are stated in percentage points (`_pp`);
relative changes in percent (`_pct`). Figures are named by language-free ids
(reportgen/figures/files.py) and drawn when a document is rendered, in its language. A number
that is not finite is None (`Finite`): every tree survives its own JSON, and analysis.json carries
`schema_version` (ANALYSIS_VERSION), so another version's file is recomputed rather than misread.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from reportgen.schema.base import ANALYSIS_VERSION, Finite, ModelKey, RunFile
# The run-file types the tree embeds (Averages, Environment, TuningTrial) are importable from here too.
from reportgen.schema.run import (Averages, ClassScores, DatasetFacts, Environment, TuningFacts,  # noqa: F401
                                  TuningTrial)


class ClassMetrics(ClassScores):
    name: str


class History(BaseModel):
    """history.csv as columns (one entry per epoch). A loss or accuracy that is not a finite number
    (a file written before diverged epochs were left out of it) is None: JSON has no NaN."""

    epoch: list[int] = []
    train_loss: list[Finite] = []
    train_acc: list[Finite] = []
    val_loss: list[Finite] = []
    val_acc: list[Finite] = []
    lr: list[Finite] = []
    seconds: list[Finite] = []

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
    dropout: Finite = None  # a Dropout layer's p
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
    mean: Finite  # mean activation (None: an activation is not a finite number)
    active_fraction: Finite  # share of values > 0: how sparse the stage's response is


class ActivityTrend(BaseModel):
    """How an image's share of positive activations changes from the first stage to the last
    (reportgen/analysis/verdicts.py): a trend is named only past the threshold."""

    change_pp: Finite  # 100 x (last stage's active_fraction - first stage's), percentage points
    threshold_pp: Finite  # a change within this either way is "similar"
    trend: Literal["sparser", "denser", "similar"]
    sparse_share: Finite  # a last stage with fewer positive values than this responds sparsely
    sparse_late: bool


class FeatureMapCase(BaseModel):
    correct: bool
    index: int  # row `index` of predictions.csv
    true_label: str
    pred_label: str
    confidence: Finite  # predicted class probability
    stages: list[StageActivation]
    figure: str  # figure id: the input image beside a grid of channels per stage
    # Why the figure is not drawn (None: it is): an activation is not finite, or every one is zero
    issue: Literal["not_finite", "all_zero"] | None = None
    activity: ActivityTrend | None = None  # the verdict on its stages (None: no stage)


class CamFacts(BaseModel):
    """One evaluation image with a model's prediction and the facts of its Grad-CAM map for the
    predicted class (explain.py measures them; the map itself is only drawn)."""

    index: int  # row `index` of predictions.csv
    true_label: str
    pred_label: str
    confidence: Finite  # probability of the predicted class, from predictions.csv
    top_share: Finite  # share of the map's mass in its brightest `top_pixels` of pixels (None: map_issue)
    peak: list[Finite] | None  # (row, column) of the map's maximum, fractions of the side (0 = top / left)
    # Why the map is neither measured nor drawn (None: it is): zero everywhere (pytorch-grad-cam scales a
    # map that has one value everywhere to zero, e.g. at a layer of 1x1 positions), or a value not finite
    map_issue: Literal["all_zero", "not_finite"] | None = None
    # verdicts.py: the ninth of the image the peak lies in ("top_left" ... "middle_centre" ...
    # "bottom_right"), and whether top_share reaches Explanation.concentrated_share (None: map_issue)
    region: str | None = None
    concentrated: bool | None = None


class MistakeGroup(BaseModel):
    """A confused class pair (Diagnostics.confused_pairs) and its most confident mistakes."""

    true_label: str
    pred_label: str
    count: int  # every such mistake on the evaluation split
    images: list[CamFacts]  # the most confident of them, at most Explanation.gallery_limit


class Explanation(BaseModel):
    """Grad-CAM maps of a bounded set of a model's evaluation images, and its gallery of mistakes."""

    target_layer: str  # the registry's cam_layer of the architecture
    top_pixels: Finite  # the brightest share of pixels `top_share` measures
    concentrated_share: Finite  # a map with top_share >= this is called concentrated
    cases: list[CamFacts]  # the feature-map cases: most confident correct, then wrong
    per_class: list[CamFacts]  # per shown class: its most confident correct and wrong image (when any)
    classes_shown: int  # per_class covers the first `classes_shown` classes
    per_class_limit: int  # at most this many classes
    gallery: list[MistakeGroup]
    gallery_limit: int  # images per pair
    maps: int  # distinct images mapped among cases, per_class and gallery
    median_top_share: Finite  # median top_share of those maps (None: no map could be measured)
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
    share: Finite  # count / support of the true class


class Interval(BaseModel):
    """A confidence interval, in the unit of the value it bounds (a fraction, or pp for a difference)."""

    low: Finite
    high: Finite
    confidence: Finite = 0.95
    method: Literal["wilson", "bootstrap"]  # Wilson score, or percentile bootstrap over the evaluation images
    resamples: int | None = None  # bootstrap only
    seed: int | None = None  # bootstrap only


class Diagnostics(BaseModel):
    """Verdicts on one model, each with its threshold and the noise of the split it was measured on.
    A verdict that is None was not made: the evidence was insufficient, or a failure explains it."""

    gap_acc_pp: Finite  # train_acc - val_acc at the best epoch, percentage points
    overfit_threshold_pp: Finite
    # gap above both the threshold and val_noise_pp; None: above the threshold but within the
    # noise, or not judged because the model diverged
    overfit: bool | None
    # validation images the val_acc and val_loss were measured on; required, so an analysis.json
    # written before the verdicts knew their sample size fails validation and is recomputed
    val_size: int
    val_noise_pp: Finite = None  # val_acc's Wilson 95% upper bound (n = val_size) minus val_acc, pp
    val_loss_rise: Finite  # last val_loss - min val_loss (rising after the minimum = overfitting sign)
    val_loss_rise_threshold: Finite  # a rise above this is stated
    # rise above both the threshold and val_loss_noise; None: not judged (within the noise, or diverged)
    val_loss_rising: bool | None
    # 95% half-width of a validation loss: 1.96 x the standard deviation of the per-image cross-entropy
    # of the evaluated checkpoint / sqrt(val_size) (None: no per-image probabilities)
    val_loss_noise: Finite = None
    val_loss_spikes: list[int]  # epochs whose val_loss jumps > spike_ratio x the previous epoch (and > 10% of its range)
    spike_ratio: Finite
    val_loss_fluctuation: Finite  # std of epoch-to-epoch val_loss changes (late epochs) / val_loss range
    fluctuation_threshold: Finite
    stable: bool | None  # None: not judged (fewer than min_epochs_for_stability finite epochs, or diverged)
    # verdicts.py: val_loss_fluctuation above fluctuation_threshold; the training loss peaking above
    # its first epoch's value at a later epoch (an unstable optimisation)
    fluctuating: bool | None = None
    train_loss_peaked: bool | None = None
    min_epochs_for_stability: int = 5
    max_train_loss: Finite  # e.g. the reference report's "loss spike up to 17.7"
    max_train_loss_epoch: int
    confused_pairs: list[ConfusedPair]  # most confused (true, predicted) pairs, largest first
    # Classes whose recall's Wilson 95% interval lies wholly above that of the lowest-recall classes
    # and not wholly below that of any class (best), or the mirror image (worst); recall first, ties
    # kept together. Both empty: the classes cannot be told apart on this split.
    # Every class meeting the criterion; a shorter list shows the first `*_shown` (at least
    # diagnostics.TOP, never splitting equal recalls) and says how many more meet it.
    best_classes: list[str]
    worst_classes: list[str]
    best_classes_shown: int
    worst_classes_shown: int
    class_recall_ci: list[Interval | None] = []  # per class as in per_class (None: no image of the class)
    # Named failure modes and their evidence. divergence: "non_finite" (a loss became NaN/inf),
    # "train_loss_rising" (last finite train loss > train_loss_rise_factor x the first),
    # "val_loss_exploding" (last val loss > val_loss_explosion_factor x its minimum, and above the first).
    # collapse: "one_class" (PredictionSkew.collapsed), "chance" (PredictionSkew.at_chance): both
    # decided by analysis/states.py, whose ModelState is the finer fact (collapsed vs at chance).
    failure: Literal["diverged", "collapsed"] | None = None  # diverged wins when both hold
    divergence: list[str] = []
    collapse: list[str] = []
    train_loss_first: Finite = None  # first and last finite training loss
    train_loss_last: Finite = None
    train_loss_rise_factor: Finite = None
    val_loss_min: Finite = None
    val_loss_last: Finite = None
    val_loss_explosion_factor: Finite = None
    top_pred_class: str | None = None  # the class predicted most often on the evaluation split
    top_pred_share: Finite = None
    top_pred_true_share: Finite = None  # that class's share of the evaluation images' labels
    collapse_share: Finite = None
    collapse_ratio: Finite = None
    chance: Finite = None  # 1 / number of classes, against ModelAnalysis.accuracy_ci


class ReliabilityBin(BaseModel):
    """One equal-width bin of the top-class confidence."""

    low: Finite
    high: Finite
    count: int
    confidence: Finite  # mean confidence of its predictions (None: empty bin)
    accuracy: Finite  # share of them that were right


class Calibration(BaseModel):
    """How well the predicted class probability matches how often the prediction is right."""

    n_bins: int
    ece: Finite  # expected calibration error: sum over bins of count/n * |accuracy - confidence|
    mean_confidence: Finite
    bins: list[ReliabilityBin]
    ece_threshold: Finite  # above it, with the mean confidence above the accuracy's 95% interval: over-confident
    high_confidence: Finite  # a wrong prediction at least this confident is a confident mistake
    wrong: int  # wrong predictions
    confident_wrong: int  # of them, with confidence >= high_confidence
    overconfident: bool
    ece_above_threshold: bool | None = None  # verdicts.py: ece > ece_threshold (over-confident or not)


class Spread(BaseModel):
    """A value over repeated seeds."""

    mean: Finite
    sd: Finite  # sample standard deviation (n - 1 in the denominator); None with one value
    n: int  # seeds with a value


class SeedResult(BaseModel):
    """One seed's training of a model, from its own folder's files."""

    seed: int
    status: Literal["completed", "diverged", "pruned", "interrupted", "missing"]
    accuracy: Finite  # on the evaluation split, recomputed from its predictions.csv
    macro_f1: Finite
    best_epoch: int | None
    epochs_run: int
    train_seconds: Finite


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


# --- What the run's facts allow to be said: each model's state, the verdicts it allows, the
# tests' reach and reconciliation, the modifications' parents, the conditions of training. Every
# threshold is stored beside the fact it decides (analysis/states.py, power.py, findings.py,
# modifications.py, conditions.py).

# Precedence (the first that holds is the state): diverged, collapsed, at chance, undertrained,
# biased; healthy when none holds.
StateName = Literal["diverged", "collapsed", "chance", "undertrained", "biased", "healthy"]
# The verdicts the documents make of a model: named best; called more accurate than another;
# the overfitting (train-validation gap) verdict; "memorising" (validation loss rising after its
# minimum); stable or fluctuating; calibration advice (temperature scaling); regularisation advice
# (against a gap); lessons from parameter counts; readings of its feature maps; readings of its
# Grad-CAM maps; its best and hardest classes.
VerdictName = Literal["best", "better", "overfitting", "memorising", "stable", "calibration_advice",
                      "regularisation_advice", "parameter_lesson", "feature_maps", "grad_cam", "class_extremes"]


class ClassBias(BaseModel):
    """A class predicted at least `PredictionSkew.bias_ratio` times as often as it occurs on the
    evaluation split, with the predicted share's 95% Wilson interval wholly above its true share."""

    name: str
    predicted_share: Finite  # of the evaluation images, predicted as this class
    predicted_share_ci: Interval
    true_share: Finite  # of the evaluation images, labelled with this class


class PredictionSkew(BaseModel):
    """How a model's predictions spread over the classes: the evidence behind collapsed, biased and
    at chance, with their thresholds."""

    images: int  # evaluation images
    chance: Finite  # 1 / classes
    accuracy_ci: Interval  # Wilson 95% of the accuracy
    # At chance: the accuracy's interval does not lie wholly above chance (it contains 1 / classes,
    # or lies below it): nothing shows the model does better than guessing.
    at_chance: bool
    top_class: str  # predicted most often
    top_share: Finite  # of the evaluation images
    top_true_share: Finite  # that class's own share of the labels
    # Classes whose recall is at least chance: classes the model still tells apart from the rest
    recognised: int
    # Collapsed: top_share > collapse_share, top_share >= collapse_ratio x top_true_share, and at
    # most recognised_limit x the classes recognised (a model that still recognises most classes is
    # biased, not collapsed)
    collapse_share: Finite
    collapse_ratio: Finite
    recognised_limit: Finite
    collapsed: bool
    bias_ratio: Finite
    biased: list[ClassBias]  # largest predicted / true share first


class Convergence(BaseModel):
    """Whether training had stopped improving: the best monitored value of the last `window` epochs
    against the best before them, and against the whole run's improvement."""

    monitor: Literal["val_acc", "val_loss"]
    epochs_run: int  # finite epochs of the monitored metric
    min_epochs: int  # fewer: no curve shows convergence, and the model counts as undertrained
    window: int
    # The improvement of the window's best over the best before it (> 0: better), and its noise, in
    # the monitor's unit: val_acc in pp with the Wilson 95% upper half-width of the earlier best
    # (n = validation images); val_loss with Diagnostics.val_loss_noise.
    gain: Finite
    noise: Finite
    total_gain: Finite  # the run's best against its first epoch, in the same unit
    late_gain_share: Finite  # improving needs gain > late_gain_share x total_gain: a curve still rising
    stopped_early: bool  # early stopping ended it: no improvement in its last `patience` epochs
    # gain > noise and > late_gain_share x total_gain; False when stopped early; None: not judged
    # (too few epochs, no noise)
    improving: bool | None


class ModelState(BaseModel):
    """What a model's facts allow to be said of it."""

    state: StateName
    holds: list[StateName]  # every state whose criterion holds, in precedence order (empty: healthy)
    skew: PredictionSkew | None  # None: no predictions
    convergence: Convergence | None  # None: no finite epoch of the monitored metric
    verdicts: list[VerdictName]  # the verdicts the documents may state of this model (states.VERDICT_STATES)


class TrainingConditions(BaseModel):
    """What a model trained with, for sentences that state it rather than hedge ("bila dipakai")."""

    params: int
    trainable_params: int | None  # None: no architecture table
    frozen_params: int | None  # params - trainable_params (Plain-34's unused projections: 173,824)
    dropout: Finite  # the largest p among its Dropout layers; None: it has none
    augmentation: list[str]  # data.augment: every model of a run sees the same training images
    tuned: bool  # its configuration is the best point of the run's tuning search (tuning.json)


class PairConclusion(BaseModel):
    """What may be concluded of two models' accuracy. The exact McNemar test on the same evaluation
    images is the primary test and the conclusion always rests on it: it was named before any result
    was seen, and choosing between tests after seeing them would inflate the error rate. The
    seed-level test (Welch) is reconciled with it."""

    a: ModelKey  # as in the PairTest: a ranked higher by accuracy
    b: ModelKey
    # a_better: the Holm-adjusted p <= alpha and a's state allows "better"; not_judged: the test
    # rejects but a's state does not allow it (a collapsed model is not "more accurate"); else
    # not_distinguishable (with this data: see PairTest.mdd_pp), never "equal"
    outcome: Literal["a_better", "not_distinguishable", "not_judged"]
    rests_on: Literal["mcnemar"] = "mcnemar"
    # none: one seed per model; exploratory: fewer than seeds.MIN_SEEDS seeds for a model, so the
    # seed test is never a finding; agrees / disagrees: with enough seeds, whether it reaches the
    # same outcome in the same direction (disagreeing: the difference depends on the seed)
    seed_test: Literal["none", "exploratory", "agrees", "disagrees"]


class Modification(BaseModel):
    """A model that modifies another (its parent), tested against it on the same images."""

    model: ModelKey
    parent: ModelKey
    source: Literal["registry", "experiment"]  # the registry's `modifies`, or `[[models]] parent`
    change: str  # the registry's name of the change ("skip_connections", ...); "" when the experiment names it
    # better / worse: the pair's Holm-adjusted McNemar test rejects; not_distinguishable: it does
    # not; not_judged: either model's state does not allow a comparison (listed in blocked_by);
    # not_evaluated: either model has no predictions
    outcome: Literal["better", "worse", "not_distinguishable", "not_judged", "not_evaluated"]
    blocked_by: list[str] = []
    diff_pp: Finite = None  # accuracy(model) - accuracy(parent)
    diff_ci_pp: Interval | None = None  # of model - parent
    p_adjusted: Finite = None
    mdd_pp: Finite = None  # the pair's minimum detectable difference


class KeyFinding(BaseModel):
    """The one comparison with the strongest evidence, or why the run supports none."""

    # strongest: the a_better pair with the smallest Holm-adjusted p (ties: the larger lower bound
    # of its difference) whose less accurate model learned too; none_distinguishable: no pair is
    # a_better; no_rival: a_better only against models that did not learn; all_weak: no model is
    # healthy or biased, so no comparison speaks for an architecture
    reason: Literal["strongest", "none_distinguishable", "all_weak", "no_rival"]
    a: ModelKey | None = None  # the more accurate model
    b: ModelKey | None = None
    diff_pp: Finite = None
    diff_ci_pp: Interval | None = None
    p_adjusted: Finite = None


class Advice(BaseModel):
    """One thing to try next, for the models it concerns, each with the fact behind it."""

    # more_epochs: undertrained (values: epochs run); lower_lr: diverged (values: learning rate);
    # learning_rate: collapsed or at chance (values: learning rate); stem: the last convolutional
    # stage is smaller than RunHealth.min_stage_side at this image size (values: its side in px)
    key: Literal["more_epochs", "lower_lr", "learning_rate", "stem"]
    models: list[ModelKey]
    values: list[Finite]


class RunHealth(BaseModel):
    """The run as a whole: whether any model learned enough for rankings to lead, and what to try."""

    weak: bool  # no evaluated model is healthy or biased (every one undertrained, at chance, collapsed or diverged)
    advice: list[Advice]
    image_size: int
    min_stage_side: int


class ModelTiming(BaseModel):
    label: ModelKey
    seconds: Finite  # training time, the mean over its seeds
    seeds: int  # seeds the mean is over
    sd: Finite  # over the seeds (None: one)
    load_average: Finite  # mean 1-minute load average over its epochs (metrics.json; None: not recorded)


class Timing(BaseModel):
    """Training times and whether they may be ranked."""

    cpu_count: int | None  # environment.json (None: not recorded)
    models: list[ModelTiming]
    # Trained while the machine was shared: its mean load average exceeded the CPU count (more
    # runnable work than cores, so its time includes waiting for them)
    shared: list[ModelKey]
    # Rank times only when True: every model's load average and the CPU count are recorded and no
    # model trained on a shared machine
    comparable: bool


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
    accuracy: Finite  # on the evaluation split (test, or validation when there is none)
    macro: Averages | None
    weighted: Averages | None
    per_class: list[ClassMetrics]
    confusion_matrix: list[list[int]]  # rows = true label, columns = predicted
    best_epoch: int | None
    epochs_run: int
    stopped_early: bool
    train_seconds: Finite
    precision: str | None = None  # "bf16" | "fp16" | "fp32" as trained (None: not finished)
    train_acc: Finite  # at the best epoch
    val_acc: Finite
    train_loss: Finite
    val_loss: Finite
    history: History
    architecture: ArchitectureTable | None
    diagnostics: Diagnostics | None
    feature_maps: list[FeatureMapCase]  # one correct and one wrong case when they exist
    # "loss", "accuracy", "confusion", "confusion_normalized" or "confusion_top" -> figure id
    figures: dict[str, str]
    notes: list[Note]  # what could not be computed and why (e.g. data missing for feature maps)
    accuracy_ci: Interval | None = None  # of `accuracy`, on the evaluation split
    macro_f1_ci: Interval | None = None
    calibration: Calibration | None = None
    explanation: Explanation | None = None  # Grad-CAM and mistakes (None: no checkpoint or no images)
    seeds: SeedSummary | None = None  # every seed's result and their mean ± sd (None: one seed)
    code: ModelCode | None = None  # its own source (None: an analysis.json older than it)
    init: str = ""  # the registry's weight initialisation of the architecture ("": as above)
    # the machine's mean 1-minute load average at its epochs' ends (metrics.json; None: not measured),
    # against Environment.cpu_count
    load_average: Finite = None
    state: ModelState | None = None  # None: neither predictions nor a divergence to judge it by
    conditions: TrainingConditions | None = None

    @property
    def failure(self) -> str | None:
        """The named failure mode: the diagnostics', or "diverged" for a model that diverged before
        any finite epoch (and so has no diagnostics)."""
        if self.diagnostics is not None:
            return self.diagnostics.failure
        return "diverged" if self.status == "diverged" else None


class ModelDelta(BaseModel):
    label: ModelKey
    accuracy_pp: Finite  # accuracy - baseline accuracy, percentage points
    val_acc_pp: Finite
    val_loss_delta: Finite
    params_pct: Finite  # (params - baseline params) / baseline params * 100


class Degradation(BaseModel):
    """Plain-34 vs ResNet-34 (He et al.'s degradation experiment), when both were trained."""

    plain: ModelKey
    residual: ModelKey
    accuracy_pp: Finite  # residual - plain
    train_loss_plain: Finite
    train_loss_residual: Finite
    residual_better: bool
    # verdicts.py, from the pair's test: the plain network significantly more accurate, and the
    # test's Holm-adjusted p
    plain_better: bool | None = None
    p_adjusted: Finite = None


class PairTest(BaseModel):
    """Two models on the same evaluation images: exact McNemar test and the accuracy difference a - b
    (a is the one ranked higher by accuracy)."""

    a: ModelKey
    b: ModelKey
    n: int  # images
    a_only_correct: int  # discordant images: only a right
    b_only_correct: int  # only b right
    p_value: Finite  # exact McNemar (1 when there is no discordant image)
    p_adjusted: Finite  # Holm-adjusted over all pairs
    diff_pp: Finite  # accuracy(a) - accuracy(b), percentage points
    diff_ci_pp: Interval  # paired bootstrap, pp
    significant: bool  # p_adjusted <= alpha
    # Minimum detectable difference: the accuracy difference (pp) the exact McNemar test detects
    # with probability mdd_power given the pair's discordant images and n (power.py). Holm's
    # adjustment enters through the level: mdd_alpha = alpha / pairs, the level of Holm's strictest
    # step, which any pair may have to pass; mdd_unadjusted_pp is at alpha itself (Holm's last
    # step), the least a pair can need. None: too few discordant images for any
    # difference to be detected. Required, so an analysis.json written before it is recomputed.
    mdd_pp: Finite
    mdd_unadjusted_pp: Finite
    mdd_alpha: Finite
    mdd_power: Finite


class Rank(BaseModel):
    label: ModelKey
    rank: int  # 1 + the number of models significantly better; models not told apart share it
    accuracy: Finite


class SeedTest(BaseModel):
    """Two models over their seeds: Welch's t-test of equal mean accuracy (each seed one
    observation; a has the higher mean). It tests the training's variation, where McNemar tests the
    evaluation images of one seed."""

    a: ModelKey
    b: ModelKey
    n_a: int  # seeds with a result
    n_b: int
    mean_a: Finite
    mean_b: Finite
    diff_pp: Finite  # mean_a - mean_b, percentage points
    t: Finite  # None: not testable (neither model's accuracy varies over its seeds)
    df: Finite  # Welch-Satterthwaite degrees of freedom
    p_value: Finite
    p_adjusted: Finite  # Holm-adjusted over the testable pairs
    significant: bool  # p_adjusted <= alpha
    # Fewer than min_seeds seeds for either model: the test is exploratory and never a finding
    exploratory: bool
    min_seeds: int
    finding: bool  # significant and not exploratory


class Standing(BaseModel):
    """What the tests and the costs say against one judged model (evaluated, without a failure),
    among the judged models (reportgen/analysis/verdicts.py)."""

    label: ModelKey
    less_accurate_than: ModelKey | None  # the most accurate model significantly more accurate than it
    # Among the models it is not shown more accurate than: the one with the fewest parameters, when
    # that has fewer than 1 / larger_factor of its parameters; the fastest, when it trains in less
    # than 1 / slower_factor of its time
    larger_than: ModelKey | None
    slower_than: ModelKey | None


class Insight(BaseModel):
    """The key insight on accuracy against cost among the judged models (two or more)."""

    # none_differ: no pair differs; best_tradeoff: the most accurate is significantly better than
    # every other; simpler_on_par: a model with fewer parameters is not told apart from it;
    # leader_cheapest: it has the fewest parameters of the models not told apart from it
    kind: Literal["none_differ", "best_tradeoff", "simpler_on_par", "leader_cheapest"]
    model: ModelKey  # none_differ, simpler_on_par: the model with the fewest parameters; otherwise the most accurate
    other: ModelKey | None = None  # best_tradeoff: the closest in accuracy; simpler_on_par: the most accurate
    others: list[ModelKey] = []  # leader_cheapest: the models not told apart from the most accurate


class ComparisonVerdicts(BaseModel):
    """The verdicts across models that the documents state, each from the pair tests (Holm-adjusted,
    at the comparison's alpha) and the thresholds below (reportgen/analysis/verdicts.py)."""

    leader: ModelKey  # the first of the ranking
    tied_with_leader: list[ModelKey]  # the models ranked after it that it is not significantly more accurate than
    # Ranks can be written "A = B > C": every model of a rank significantly more accurate than every
    # model of a lower rank, and no two models of a rank told apart
    ranks_separated: bool
    largest: ModelKey | None  # the evaluated model with the most parameters (None: two share the most)
    largest_best: bool | None  # it is significantly more accurate than every other evaluated model
    judged: list[ModelKey]  # evaluated models without a failure: those the closing comparison judges
    larger_factor: Finite  # more parameters is a cost only past this factor
    slower_factor: Finite  # a longer training is a cost only past this factor
    standings: list[Standing]  # per judged model
    insight: Insight | None  # None: fewer than two judged models, or none differ and their sizes are alike


class Comparison(BaseModel):
    baseline: ModelKey
    best: ModelKey  # by accuracy on the evaluation split
    worst: ModelKey
    ranking: list[ModelKey]  # best first
    deltas: list[ModelDelta]  # every model vs the baseline
    degradation: Degradation | None
    figures: dict[str, str]  # "curves" (small multiples), "per_class" -> figure id
    alpha: Finite = 0.05  # significance level of the pair tests
    multiplicity: str = "holm"  # how the pair tests' p-values are adjusted
    pairs: list[PairTest] = []  # every pair of evaluated models, in ranking order
    ranks: list[Rank] = []  # by rank, then accuracy
    seed_tests: list[SeedTest] = []  # every pair of models with two or more seeds each (Welch, Holm-adjusted)
    conclusions: list[PairConclusion] = []  # per pair, as in `pairs`
    modifications: list[Modification] = []  # each model that modifies another in the run, against it
    key_finding: KeyFinding | None = None
    # The model that may be named best: significantly more accurate than every other (primary test)
    # and in a state that allows "best" (None: no model may be)
    supported_best: ModelKey | None = None
    verdicts: ComparisonVerdicts | None = None

    def pair(self, x: str, y: str) -> PairTest:
        """The test of models x and y, whichever of them is `a`."""
        return next(p for p in self.pairs if {p.a, p.b} == {x, y})


class DatasetInfo(DatasetFacts):
    """dataset.json's facts and the figures drawn from them."""

    samples_figure: str  # figure id: a grid of sample images per class ("" when the images were not available)
    distribution_figure: str = ""  # figure id: a bar chart of class_counts, grouped by split ("" when not counted)


class TuningVerdicts(BaseModel):
    """The order of the trials and which parameters mattered (reportgen/analysis/verdicts.py)."""

    # Trial numbers, best first: completed trials by the metric, then those stopped early (pruned,
    # diverged) by their last value, then those without a value: a trial stopped early never ranks
    # above a completed one, since its value is from fewer epochs
    ranking: list[int]
    importance_threshold: Finite  # a parameter with a smaller share of the importance is not said to matter
    important: list[str]  # at most three parameters with a share at or above it, largest first
    importance_equal: bool  # Optuna split the importance evenly: its trials cannot tell the parameters apart


class Tuning(TuningFacts):
    """The `reportgen tune` search that chose this run's configuration (tuning.json)."""

    figure: str  # figure id: the metric per trial (+ importances)
    verdicts: TuningVerdicts | None = None


class ObjectiveScope(BaseModel):
    """One objective of [report] objectives: the models its text names (reportgen/analysis/objectives.py)."""

    models: list[ModelKey]


class Analysis(RunFile):
    VERSION = ANALYSIS_VERSION
    UNVERSIONED = "stale"  # one written before versions is recomputed from the run's files
    run_dir: str
    experiment: dict  # the resolved experiment (experiment.toml as a dict)
    environment: Environment
    dataset: DatasetInfo
    models: list[ModelAnalysis]
    comparison: Comparison | None  # None when fewer than two models have results
    tuning: Tuning | None = None
    disagreements: list[Disagreement] = []  # the baseline vs each other evaluated model
    health: RunHealth | None = None
    timing: Timing | None = None
    figures: dict[str, str] = {}  # "lr", "reliability": every model's, a panel per model -> figure id
    objectives: list[ObjectiveScope] = []  # per objective of [report] objectives, in order
