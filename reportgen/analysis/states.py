"""Each model's state, decided once from its facts, and the verdicts each state allows.

Students' first runs are short and fail often, so a document must not read a collapsed or
half-trained model as if it had learned. The states, in precedence order (the first that holds is
the model's state; `ModelState.holds` keeps every one that holds):

- diverged: the divergence facts of diagnostics.py (a loss became NaN/inf, the training loss rose,
  the validation loss exploded), or a run that stopped as diverged before any finite epoch;
- collapsed: one class dominates the predictions (see PredictionSkew);
- chance: the accuracy's 95% Wilson interval does not lie wholly above 1 / classes;
- undertrained: the monitored metric was still improving beyond its noise over the last epochs,
  or too few epochs ran for any curve to show convergence;
- biased: a class is predicted far more often than it occurs, beyond the noise of the split,
  while the model still recognises most classes;
- healthy: none of the above.
"""

from __future__ import annotations

import math

from reportgen.analysis import stats
from reportgen.schema.analysis import (
    ClassBias, Convergence, ModelAnalysis, ModelState, PredictionSkew, StateName, VerdictName,
)

# Collapse: one class predicted for more than half of the evaluation images, at least twice as
# often as it occurs there (so a common class, or a 2-class split, is no collapse), while at most
# half of the classes keep a recall of at least chance. The last condition is what "collapsed"
# means: a model predicting 4 of 5 classes with recalls of 25-42 % still tells most classes apart;
# it is biased towards its favourite class, not collapsed onto it.
COLLAPSE_SHARE = 0.5
COLLAPSE_RATIO = 2.0
RECOGNISED_LIMIT = 0.5
# Bias: a class predicted at least twice as often as it occurs, and the predicted share's 95%
# Wilson interval (n = evaluation images) wholly above its true share, so 2 images of 9 are no bias.
BIAS_RATIO = 2.0
# Convergence: the best monitored value of the last `window` epochs (a quarter of the run, at
# least 2) against the best before them. The model is still improving when that gain exceeds its
# noise and more than a tenth of the whole run's improvement (its best against its first epoch):
# a curve still rising at its end. A flattening one gains little late (a saturating curve about 6 %
# of its rise in its last quarter), however surely: a 99 % model gaining 0.7 pp under cosine
# annealing is converging, not far from it. Fewer than 3 epochs leave no "before" to compare with.
MIN_CONVERGENCE_EPOCHS = 3
WINDOW_SHARE = 0.25
MIN_WINDOW = 2
LATE_GAIN_SHARE = 0.1

LEARNED: frozenset[StateName] = frozenset({"healthy", "biased", "undertrained"})
CONVERGED: frozenset[StateName] = frozenset({"healthy", "biased"})
# Which verdict the documents may state of a model in each state. A model that has not learned
# (diverged, collapsed, at chance) gets none: its failure and what to try instead. An undertrained
# model may be compared and read, but not called best or memorising (it was still improving), not advised
# to recalibrate or to regularise more (train it first: its gap may still close), and its accuracy
# teaches nothing about its parameter count.
VERDICT_STATES: dict[VerdictName, frozenset[StateName]] = {
    "best": CONVERGED,  # an undertrained model may be more accurate, not yet the best architecture
    "better": LEARNED,  # of the model called more accurate; the other may be in any state
    "overfitting": LEARNED,
    "memorising": CONVERGED,
    "stable": LEARNED,
    "calibration_advice": CONVERGED,
    "regularisation_advice": CONVERGED,
    "parameter_lesson": CONVERGED,
    "feature_maps": LEARNED,
    "grad_cam": LEARNED,
    "class_extremes": LEARNED,
}


def allows(state: ModelState | None, verdict: VerdictName) -> bool:
    return state is not None and state.state in VERDICT_STATES[verdict]


def prediction_skew(confusion: list[list[int]], names: list[str]) -> PredictionSkew | None:
    """How the predictions spread over the classes (rows of `confusion` = true labels); None
    without predictions."""
    n, k = sum(map(sum, confusion)), len(confusion)
    if not n:
        return None
    predicted = [sum(row[j] for row in confusion) for j in range(k)]
    occurring = [sum(row) for row in confusion]
    top = max(range(k), key=lambda j: (predicted[j], -j))
    correct = sum(confusion[i][i] for i in range(k))
    accuracy_ci = stats.accuracy_interval(correct, n)
    recognised = sum(1 for i in range(k) if occurring[i] and confusion[i][i] / occurring[i] >= 1 / k)
    top_share, top_true = predicted[top] / n, occurring[top] / n
    biased = []
    for j in range(k):
        low, high = stats.accuracy_interval(predicted[j], n)
        if predicted[j] >= BIAS_RATIO * occurring[j] and low > occurring[j] / n:
            biased.append(ClassBias(name=names[j], predicted_share=predicted[j] / n, true_share=occurring[j] / n,
                                    predicted_share_ci=stats.interval((low, high), stats.WILSON)))
    biased.sort(key=lambda b: (-b.predicted_share / max(b.true_share, 1 / n), b.name))
    return PredictionSkew(
        images=n, chance=1 / k, accuracy_ci=stats.interval(accuracy_ci, stats.WILSON),
        at_chance=accuracy_ci[0] <= 1 / k, top_class=names[top], top_share=top_share, top_true_share=top_true,
        recognised=recognised, collapse_share=COLLAPSE_SHARE, collapse_ratio=COLLAPSE_RATIO,
        recognised_limit=RECOGNISED_LIMIT,
        collapsed=top_share > COLLAPSE_SHARE and top_share >= COLLAPSE_RATIO * top_true
        and recognised <= RECOGNISED_LIMIT * k,
        bias_ratio=BIAS_RATIO, biased=biased,
    )


def convergence(m: ModelAnalysis, val_size: int) -> Convergence | None:
    """Whether the monitored metric was still improving beyond its noise when training ended;
    None without a finite epoch of it."""
    monitor = m.train_config["monitor"]
    _, values = m.history.finite(monitor)
    if not values:
        return None
    window = max(MIN_WINDOW, math.ceil(WINDOW_SHARE * len(values)))
    gain = total = noise = improving = None
    if len(values) >= MIN_CONVERGENCE_EPOCHS:
        before, last = values[:-window], values[-window:]
        if monitor == "val_acc":
            best_before = max(before)
            gain, total = 100 * (max(last) - best_before), 100 * (max(values) - values[0])
            if val_size:
                noise = 100 * (stats.accuracy_interval(round(best_before * val_size), val_size)[1] - best_before)
        else:
            gain, total = min(before) - min(last), values[0] - min(values)
            noise = m.diagnostics.val_loss_noise if m.diagnostics else None
        if m.stopped_early:  # early stopping saw no improvement over its last `patience` epochs
            improving = False
        elif noise is not None:
            improving = gain > noise and gain > LATE_GAIN_SHARE * total
    return Convergence(monitor=monitor, epochs_run=len(values), min_epochs=MIN_CONVERGENCE_EPOCHS, window=window,
                       gain=gain, total_gain=total, late_gain_share=LATE_GAIN_SHARE, noise=noise,
                       stopped_early=m.stopped_early, improving=improving)


def model_state(m: ModelAnalysis, val_size: int) -> ModelState | None:
    """The model's state and the verdicts it allows; None for a model with neither predictions
    nor a divergence (nothing to judge it by)."""
    skew = prediction_skew(m.confusion_matrix, [c.name for c in m.per_class]) if m.confusion_matrix else None
    trend = convergence(m, val_size)
    holds: list[StateName] = [state for state, holding in (
        ("diverged", m.failure == "diverged"),
        ("collapsed", skew is not None and skew.collapsed),
        ("chance", skew is not None and skew.at_chance),
        ("undertrained", trend is not None and (trend.epochs_run < trend.min_epochs or bool(trend.improving))),
        ("biased", skew is not None and bool(skew.biased)),
    ) if holding]
    if skew is None and "diverged" not in holds:
        return None
    state = holds[0] if holds else "healthy"
    return ModelState(state=state, holds=holds, skew=skew, convergence=trend,
                      verdicts=[v for v, states in VERDICT_STATES.items() if state in states])
