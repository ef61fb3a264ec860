"""Diagnostics as facts with their thresholds stated: overfitting, stability, confusions, best and
worst classes, the failure modes (diverged, collapsed), and the comparison between models
(differences in percentage points). A verdict on a difference needs it to exceed both its
threshold and the noise of the split it was measured on; otherwise it is not made."""

from __future__ import annotations

import math
import statistics

from reportgen.analysis import power, stats
from reportgen.analysis.states import prediction_skew
from reportgen.schema.analysis import (
    Comparison, ConfusedPair, Degradation, Diagnostics, ModelAnalysis, ModelDelta, PairTest, Rank,
)
from reportgen.models import ARCHITECTURES

# A train-validation accuracy gap above this many percentage points is called overfitting: the
# reference deck's judgements (3.6 pp "not overfit", 5.4 pp "signs of overfitting") sit either side.
# The gap must also exceed the noise of the validation split: the distance from val_acc up to the
# upper end of its Wilson 95% interval for n = val_size (one image of 60 is already 1.67 pp).
OVERFIT_GAP_PP = 5.0
# A validation loss at least 1.5x the previous epoch's is a spike, when the jump is also material:
# more than a tenth of the loss's whole range (0.02 -> 0.035 late in training is noise, not a spike).
SPIKE_RATIO = 1.5
SPIKE_MIN_SHARE = 0.1
# Fluctuation: the standard deviation of the epoch-to-epoch change of the validation loss over
# the second half of training, as a share of the loss's whole range; above this it fluctuates.
FLUCTUATION_LIMIT = 0.1
# Fluctuation is measured over the second half of training: fewer epochs leave too few changes to
# call a model stable or not.
MIN_EPOCHS_FOR_STABILITY = 5
# A final validation loss above its minimum by more than this share of the minimum is worth
# stating as a rise (below it, the last epochs merely wobble around the best one); it must also
# exceed the 95% half-width of a validation loss (see val_loss_noise).
VAL_LOSS_RISE_SHARE = 0.1
Z95 = statistics.NormalDist().inv_cdf(0.975)
# predictions.csv stores probabilities to 6 decimals: a 0 there is below 5e-7, so it counts as 5e-7.
SMALLEST_PROBABILITY = 5e-7
# Divergence. Training minimises the training loss, and the first epoch's value already averages
# over the untrained start: a last epoch 1.5x above it means the steps overshoot. A validation
# loss ending 10x above its own minimum, and above its first epoch's (an untrained model's, about
# ln K), is an explosion, not the gradual rise of overfitting (0.002 -> 0.03 late in training).
TRAIN_LOSS_RISE_FACTOR = 1.5
VAL_LOSS_EXPLOSION_FACTOR = 10.0
# A list of best or hardest classes shows at least this many (never splitting equal recalls) and
# says how many more meet the criterion.
TOP = 3
SKIP_CONNECTIONS = "skip_connections"  # the registry's `change` of a residual network over its plain parent


def cross_entropies(labels: list[int], probs: list[list[float]]) -> list[float]:
    """Each evaluation image's cross-entropy, from the probabilities in predictions.csv."""
    return [-math.log(max(p[y], SMALLEST_PROBABILITY)) for y, p in zip(labels, probs)]


def val_loss_noise(image_losses: list[float] | None, val_size: int) -> float | None:
    """95% half-width of a mean validation loss over val_size images: the spread of the per-image
    cross-entropy of the evaluated checkpoint stands in for the validation images' spread."""
    if not image_losses or len(image_losses) < 2 or not val_size:
        return None
    return Z95 * statistics.stdev(image_losses) / math.sqrt(val_size)


def extreme_classes(recall: list[float], cis: list[tuple[float, float] | None], names: list[str],
                    best: bool) -> tuple[list[str], int]:
    """Every class (highest recall first for `best`, lowest first otherwise) whose interval lies
    wholly beyond the opposite extreme's and is not wholly beaten by any class's, and how many of
    them a shorter list shows: at least TOP, never splitting classes of equal recall."""
    sign = 1 if best else -1
    present = [i for i, ci in enumerate(cis) if ci is not None]
    if not present:
        return [], 0
    far = min(sign * recall[i] for i in present)
    opposite = [i for i in present if sign * recall[i] == far]

    def beats(i: int, j: int) -> bool:  # i's interval wholly beyond j's, in the direction of sign
        return cis[i][0] > cis[j][1] if best else cis[i][1] < cis[j][0]

    chosen = [i for i in sorted(present, key=lambda i: (-sign * recall[i], names[i]))
              if all(beats(i, j) for j in opposite) and not any(beats(j, i) for j in present)]
    shown = next((k for k in range(TOP, len(chosen)) if recall[chosen[k]] != recall[chosen[k - 1]]), len(chosen))
    return [names[i] for i in chosen], shown


def confused_pairs(m: ModelAnalysis) -> list[ConfusedPair]:
    """Every (true, predicted) pair of different classes with a mistake, the most frequent first."""
    pairs = []
    for i, row in enumerate(m.confusion_matrix):
        for j, count in enumerate(row):
            if i != j and count > 0:
                pairs.append(ConfusedPair(true_label=m.per_class[i].name, pred_label=m.per_class[j].name,
                                          count=count, share=count / sum(row)))
    return sorted(pairs, key=lambda p: (-p.count, p.true_label, p.pred_label))


def instability(epochs: list[int], val_loss: list[float]) -> tuple[list[int], float]:
    """The epochs whose validation loss spikes, and the fluctuation of its late epoch-to-epoch changes."""
    span = (max(val_loss) - min(val_loss)) or 1.0
    spikes = [epochs[i] for i in range(1, len(val_loss))
              if val_loss[i] > SPIKE_RATIO * val_loss[i - 1] and val_loss[i] - val_loss[i - 1] > SPIKE_MIN_SHARE * span]
    late = val_loss[len(val_loss) // 2:]
    changes = [(b - a) / span for a, b in zip(late, late[1:])]
    return spikes, statistics.pstdev(changes) if len(changes) >= 2 else 0.0


def diagnose(m: ModelAnalysis, val_size: int, image_losses: list[float] | None = None) -> Diagnostics | None:
    """The verdicts on one model's curves and predictions; `image_losses` are the per-image
    cross-entropies of its evaluated checkpoint (for the noise of the validation loss)."""
    # Long by its result: Diagnostics holds every verdict beside its threshold and noise, a field a line.
    h = m.history
    val_epochs, val_loss = h.finite("val_loss")
    train_epochs, train_loss = h.finite("train_loss")
    if not val_loss or not train_loss or m.train_acc is None or m.val_acc is None:
        return None
    gap = 100 * (m.train_acc - m.val_acc)
    val_noise = 100 * (stats.accuracy_interval(round(m.val_acc * val_size), val_size)[1] - m.val_acc) \
        if val_size else None
    spikes, fluctuation = instability(val_epochs, val_loss)
    worst_train = max(range(len(train_loss)), key=lambda i: train_loss[i])
    # A class with F1 = 0 has recall 0, so its interval starts at 0 and never lies above another's.
    cis = [stats.accuracy_interval(round(c.recall * c.support), c.support) if c.support else None for c in m.per_class]
    recall, names = [c.recall for c in m.per_class], [c.name for c in m.per_class]
    rise, rise_threshold = val_loss[-1] - min(val_loss), VAL_LOSS_RISE_SHARE * min(val_loss)
    loss_noise = val_loss_noise(image_losses, val_size)

    divergence = [reason for reason, holds in (
        ("non_finite", m.status == "diverged" or None in h.train_loss or None in h.val_loss),
        ("train_loss_rising", len(train_loss) >= 2 and train_loss[-1] > TRAIN_LOSS_RISE_FACTOR * train_loss[0]),
        ("val_loss_exploding", val_loss[-1] > max(VAL_LOSS_EXPLOSION_FACTOR * min(val_loss), val_loss[0])),
    ) if holds]
    skew = prediction_skew(m.confusion_matrix, names) if m.confusion_matrix else None
    collapse, shares = [], {}
    if skew is not None:
        collapse = [reason for reason, holds in (("one_class", skew.collapsed), ("chance", skew.at_chance)) if holds]
        shares = dict(top_pred_class=skew.top_class, top_pred_share=skew.top_share,
                      top_pred_true_share=skew.top_true_share, collapse_share=skew.collapse_share,
                      collapse_ratio=skew.collapse_ratio, chance=skew.chance)
    diverged = bool(divergence)
    best, best_shown = extreme_classes(recall, cis, names, best=True)
    worst, worst_shown = extreme_classes(recall, cis, names, best=False)

    def judged(verdict: bool, noise: float | None, size: float) -> bool | None:
        """verdict (the threshold is exceeded) kept when the size also exceeds the noise."""
        if diverged:
            return None
        if not verdict:
            return False
        return True if noise is not None and size > noise else None

    return Diagnostics(
        gap_acc_pp=gap, overfit_threshold_pp=OVERFIT_GAP_PP,
        overfit=judged(gap > OVERFIT_GAP_PP, val_noise, gap), val_size=val_size, val_noise_pp=val_noise,
        val_loss_rise=rise, val_loss_rise_threshold=rise_threshold,
        val_loss_rising=judged(rise > rise_threshold, loss_noise, rise), val_loss_noise=loss_noise,
        val_loss_spikes=spikes, spike_ratio=SPIKE_RATIO,
        val_loss_fluctuation=fluctuation, fluctuation_threshold=FLUCTUATION_LIMIT,
        stable=None if diverged or len(val_loss) < MIN_EPOCHS_FOR_STABILITY
        else not spikes and fluctuation <= FLUCTUATION_LIMIT,
        min_epochs_for_stability=MIN_EPOCHS_FOR_STABILITY,
        max_train_loss=train_loss[worst_train], max_train_loss_epoch=train_epochs[worst_train],
        confused_pairs=confused_pairs(m)[:TOP],
        best_classes=best, worst_classes=worst, best_classes_shown=best_shown, worst_classes_shown=worst_shown,
        class_recall_ci=[None if ci is None else stats.interval(ci, stats.WILSON) for ci in cis],
        failure="diverged" if diverged else "collapsed" if collapse else None,
        divergence=divergence, collapse=collapse,
        train_loss_first=train_loss[0], train_loss_last=train_loss[-1], train_loss_rise_factor=TRAIN_LOSS_RISE_FACTOR,
        val_loss_min=min(val_loss), val_loss_last=val_loss[-1], val_loss_explosion_factor=VAL_LOSS_EXPLOSION_FACTOR,
        **shares,
    )


def pp(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else 100 * (a - b)


def compare(models: list[ModelAnalysis], baseline: str | None, labels: list[int], preds: dict[str, list[int]],
            alpha: float = 0.05) -> Comparison | None:
    """Every model against the baseline, and every pair against each other on the same evaluation
    images (`labels`; `preds` per model label): exact McNemar, Holm-adjusted, with the paired
    bootstrap interval of the accuracy difference."""
    scored = [m for m in models if m.accuracy is not None]
    if len(scored) < 2:
        return None
    base = next((m for m in scored if m.label == baseline), scored[0])
    ranking = sorted(scored, key=lambda m: (-m.accuracy, m.label))
    deltas = [
        ModelDelta(label=m.label, accuracy_pp=pp(m.accuracy, base.accuracy), val_acc_pp=pp(m.val_acc, base.val_acc),
                   val_loss_delta=None if m.val_loss is None or base.val_loss is None else m.val_loss - base.val_loss,
                   params_pct=100 * (m.params - base.params) / base.params)
        for m in models
    ]
    n = len(labels)
    tests = stats.pair_tests(labels, [preds[m.label] for m in ranking], alpha)
    strictest = alpha / len(tests)  # Holm's first step: the level any pair may have to pass
    pairs = [PairTest(a=ranking[t.a].label, b=ranking[t.b].label, n=n, a_only_correct=t.a_only,
                      b_only_correct=t.b_only, p_value=t.p, p_adjusted=t.p_adjusted,
                      diff_pp=100 * (t.a_only - t.b_only) / n,
                      diff_ci_pp=stats.interval(stats.difference_interval(t.a_only, t.b_only, n), stats.BOOTSTRAP),
                      significant=t.significant,
                      mdd_pp=power.minimum_detectable_difference(t.a_only + t.b_only, n, strictest),
                      mdd_unadjusted_pp=power.minimum_detectable_difference(t.a_only + t.b_only, n, alpha),
                      mdd_alpha=strictest, mdd_power=power.POWER) for t in tests]
    ranks = [Rank(label=m.label, rank=r, accuracy=m.accuracy)
             for m, r in zip(ranking, stats.ranks(len(ranking), tests))]
    return Comparison(baseline=base.label, best=ranking[0].label, worst=ranking[-1].label,
                      ranking=[m.label for m in ranking], deltas=deltas, degradation=degradation(scored, pairs),
                      figures={}, alpha=alpha, multiplicity="holm", pairs=pairs,
                      ranks=sorted(ranks, key=lambda r: r.rank))  # stable: accuracy order within a rank


def pair_of(pairs: list[PairTest], x: str, y: str) -> PairTest:
    """The test of models x and y, whichever of them is `a`."""
    return next(p for p in pairs if {p.a, p.b} == {x, y})


def degradation(scored: list[ModelAnalysis], pairs: list[PairTest]) -> Degradation | None:
    """He et al.'s degradation experiment, when a network that adds skip connections to another
    (the registry's `modifies` and `change`) was trained beside it. The residual network is better
    only when the pair's test says so."""
    by_arch = {m.arch: m for m in scored}
    for res in scored:
        entry = ARCHITECTURES[res.arch]
        plain = by_arch.get(entry.modifies) if entry.change == SKIP_CONNECTIONS else None
        if plain is not None:
            test = pair_of(pairs, res.label, plain.label)
            return Degradation(plain=plain.label, residual=res.label, accuracy_pp=pp(res.accuracy, plain.accuracy),
                               train_loss_plain=plain.train_loss, train_loss_residual=res.train_loss,
                               residual_better=test.significant and test.a == res.label and test.diff_pp > 0)
    return None
