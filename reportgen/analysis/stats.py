"""Uncertainty of the headline metrics and the tests behind every comparison claim.

Everything is computed on the evaluation images, which every model predicted: two models are
therefore compared pair by pair on the same images (McNemar), not as two independent samples.

Bootstrap intervals resample the evaluation images. A statistic that depends on the images only
through counts (accuracy difference: the discordant counts; macro-F1: the confusion matrix) is
resampled as those counts, drawn from a multinomial with the observed shares: the same
distribution as resampling the images themselves, in microseconds rather than seconds, and
recomputable from the counts in analysis.json.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

from reportgen.schema.analysis import Interval

CONFIDENCE = 0.95
# 10,000 resamples put the Monte-Carlo error of a 95% percentile bound well below the second
# decimal of a percentage on the split sizes reports see; a fixed seed makes the report reproducible.
RESAMPLES = 10_000
SEED = 0
WILSON, BOOTSTRAP = "wilson", "bootstrap"  # Interval.method


def accuracy_interval(correct: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of an accuracy of `correct` out of `n` (fractions in [0, 1]): unlike
    the normal approximation it stays inside [0, 1] and keeps its coverage near 0 and 1."""
    ci = binomtest(correct, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def discordant(labels, pred_a, pred_b) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks over the images: (a right and b wrong, a wrong and b right)."""
    labels = np.asarray(labels)
    a_right, b_right = np.asarray(pred_a) == labels, np.asarray(pred_b) == labels
    return a_right & ~b_right, ~a_right & b_right


def percentile_interval(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def macro_f1(confusions: np.ndarray) -> np.ndarray:
    """Macro-F1 of each (..., k, k) confusion matrix (rows = true label) as scikit-learn computes it
    over all k classes with zero_division=0: a class never true nor predicted scores 0."""
    tp = np.diagonal(confusions, axis1=-2, axis2=-1)
    denominator = confusions.sum(-1) + confusions.sum(-2)  # 2 tp + fp + fn
    f1 = np.divide(2 * tp, denominator, out=np.zeros(tp.shape), where=denominator > 0)
    return f1.mean(-1)


def macro_f1_interval(confusion: list[list[int]], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of the macro-F1 over the evaluation images."""
    cm = np.asarray(confusion, dtype=np.int64)
    n, k = int(cm.sum()), cm.shape[0]
    draws = np.random.default_rng(SEED).multinomial(n, cm.ravel() / n, size=RESAMPLES)
    return percentile_interval(macro_f1(draws.reshape(RESAMPLES, k, k)), confidence)


def mcnemar_p(a_only: int, b_only: int) -> float:
    """Exact (binomial) McNemar test of equal accuracy from the discordant counts; 1 without any."""
    if a_only + b_only == 0:
        return 1.0
    return float(binomtest(a_only, a_only + b_only, 0.5).pvalue)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order: the i-th smallest p is multiplied by
    (m - i + 1), made non-decreasing and capped at 1. Rejecting where the adjusted p <= alpha keeps
    the chance of any false "better" among all pairs at most alpha."""
    m = len(p_values)
    adjusted, running = [0.0] * m, 0.0
    for i, j in enumerate(sorted(range(m), key=lambda j: p_values[j])):
        running = max(running, min(1.0, (m - i) * p_values[j]))
        adjusted[j] = running
    return adjusted


def difference_interval(a_only: int, b_only: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Paired bootstrap interval of accuracy(a) - accuracy(b), in percentage points: resampling
    the images resamples (a-only right, b-only right, the rest) as a multinomial."""
    draws = np.random.default_rng(SEED).multinomial(n, [a_only / n, b_only / n, 1 - (a_only + b_only) / n],
                                                    size=RESAMPLES)
    return percentile_interval(100 * (draws[:, 0] - draws[:, 1]) / n, confidence)


@dataclass(frozen=True)
class PairResult:
    a: int  # index of the first model
    b: int
    a_only: int  # images only a classified correctly
    b_only: int
    p: float
    p_adjusted: float
    significant: bool  # Holm-adjusted p <= alpha


def pair_tests(labels, preds: list, alpha: float) -> list[PairResult]:
    """Exact McNemar for every pair of models (their predictions of the same images), Holm-adjusted
    across the pairs."""
    pairs = [(a, b) for a in range(len(preds)) for b in range(a + 1, len(preds))]
    counts = [tuple(int(mask.sum()) for mask in discordant(labels, preds[a], preds[b])) for a, b in pairs]
    raw = [mcnemar_p(*c) for c in counts]
    return [PairResult(a, b, a_only, b_only, p, p_adj, p_adj <= alpha)
            for (a, b), (a_only, b_only), p, p_adj in zip(pairs, counts, raw, holm(raw))]


def ranks(models: int, pairs: list[PairResult]) -> list[int]:
    """Rank of each of the models: 1 + the number of models significantly better than it. Models no
    test tells apart share a rank, whatever the order of their point estimates."""
    better = [0] * models
    for p in pairs:
        if p.significant:  # then a_only != b_only: the one with more images only it gets right is better
            better[p.b if p.a_only > p.b_only else p.a] += 1
    return [1 + k for k in better]


def interval(bounds: tuple[float, float], method: str) -> Interval:
    """A 95% interval for the tree; a bootstrap one records its resamples and seed."""
    resampled = dict(resamples=RESAMPLES, seed=SEED) if method == BOOTSTRAP else {}
    return Interval(low=bounds[0], high=bounds[1], confidence=CONFIDENCE, method=method, **resampled)


def model_intervals(confusion: list[list[int]]) -> tuple[Interval, Interval]:
    """(accuracy, macro-F1) intervals of one model from its confusion matrix on the evaluation split."""
    cm = np.asarray(confusion)
    return (interval(accuracy_interval(int(np.trace(cm)), int(cm.sum())), WILSON),
            interval(macro_f1_interval(confusion), BOOTSTRAP))
