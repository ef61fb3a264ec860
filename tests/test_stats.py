"""The statistics behind every comparison claim, against hand-worked values and reference
implementations (scipy's bootstrap, scikit-learn's F1, torchmetrics' calibration error)."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import bootstrap
from sklearn.metrics import f1_score
from torchmetrics.classification import MulticlassCalibrationError

from reportgen.analysis import stats
from reportgen.analysis.calibration import ECE_LIMIT, HIGH_CONFIDENCE, N_BINS, calibration
from reportgen.language.format import Formatter


def test_wilson_interval_by_hand():
    # 7 of 10: centre (7 + z²/2) / (10 + z²), half-width z / (10 + z²) * sqrt(7 * 3 / 10 + z² / 4).
    z = 1.959963984540054
    centre, half = (7 + z * z / 2) / (10 + z * z), z / (10 + z * z) * math.sqrt(7 * 3 / 10 + z * z / 4)
    assert stats.accuracy_interval(7, 10) == pytest.approx((centre - half, centre + half))
    assert stats.accuracy_interval(7, 10) == pytest.approx((0.3968, 0.8922), abs=1e-4)
    low, high = stats.accuracy_interval(0, 10)
    assert low == 0 and 0.27 < high < 0.28  # stays inside [0, 1], unlike the normal approximation
    assert stats.accuracy_interval(10, 10)[1] == 1


def test_discordant_masks():
    a_only, b_only = stats.discordant([0, 1, 2, 0], [0, 1, 0, 1], [0, 0, 2, 1])
    assert a_only.tolist() == [False, True, False, False]
    assert b_only.tolist() == [False, False, True, False]


def test_exact_mcnemar_by_hand():
    # 10 against 2 discordant images: two-sided binomial tail 2 * P(X <= 2 | 12, 1/2) = 2 * 79 / 4096.
    assert stats.mcnemar_p(10, 2) == pytest.approx(2 * (1 + 12 + 66) / 4096)
    assert stats.mcnemar_p(2, 10) == stats.mcnemar_p(10, 2)
    assert stats.mcnemar_p(0, 0) == 1.0  # identical correctness: nothing to test
    assert stats.mcnemar_p(5, 5) == 1.0


def test_holm_by_hand():
    # Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> kept monotone at 0.06.
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.6]) == [1.0, 1.0]  # capped at 1
    assert stats.holm([0.2]) == [0.2]  # one test: nothing to adjust


def test_macro_f1_equals_scikit_learn():
    rng = np.random.default_rng(3)
    for k in (2, 5):
        y, p = rng.integers(0, k, 200), rng.integers(0, k - 1, 200)  # class k-1 is never predicted
        cm = np.zeros((k, k), int)
        np.add.at(cm, (y, p), 1)
        reference = f1_score(y, p, labels=list(range(k)), average="macro", zero_division=0)
        assert stats.macro_f1(cm) == pytest.approx(reference)


def test_macro_f1_interval_matches_scipy_bootstrap():
    """Resampling the confusion counts is resampling the images: the same percentile interval as
    scipy's bootstrap over (label, prediction) pairs, up to Monte-Carlo error."""
    rng = np.random.default_rng(4)
    k, n = 3, 400
    y = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n))
    cm = np.zeros((k, k), int)
    np.add.at(cm, (y, p), 1)

    def statistic(labels, preds, axis=-1):
        rows = np.atleast_2d(labels * k + preds)
        offsets = np.arange(len(rows))[:, None] * k * k
        counts = np.bincount((rows + offsets).ravel(), minlength=len(rows) * k * k)
        return stats.macro_f1(counts.reshape(len(rows), k, k))

    ref = bootstrap((y, p), statistic, paired=True, vectorized=True, n_resamples=20_000, method="percentile",
                    random_state=1).confidence_interval
    assert stats.macro_f1_interval(cm.tolist()) == pytest.approx((ref.low, ref.high), abs=0.01)
    assert stats.macro_f1_interval(cm.tolist()) == stats.macro_f1_interval(cm.tolist())  # seeded


def test_difference_interval_matches_scipy_paired_bootstrap():
    rng = np.random.default_rng(5)
    n = 300
    a_right, b_right = rng.random(n) < 0.8, rng.random(n) < 0.7
    a_only, b_only = int((a_right & ~b_right).sum()), int((~a_right & b_right).sum())
    ref = bootstrap((100 * (a_right.astype(float) - b_right),), np.mean, n_resamples=20_000, method="percentile",
                    random_state=1).confidence_interval
    assert stats.difference_interval(a_only, b_only, n) == pytest.approx((ref.low, ref.high), abs=0.5)


def test_pair_tests_and_ranks():
    labels = [0] * 40
    good, also_good, poor = [0] * 40, [0] * 39 + [1], [0] * 20 + [1] * 20
    pairs = stats.pair_tests(labels, [good, also_good, poor], alpha=0.05)
    by = {(p.a, p.b): p for p in pairs}
    assert (by[0, 1].a_only, by[0, 1].b_only, by[0, 1].significant) == (1, 0, False)
    assert by[0, 2].significant and by[1, 2].significant
    # Holm over 3 pairs: the smallest p is multiplied by 3.
    assert by[0, 2].p_adjusted == pytest.approx(min(1, 3 * stats.mcnemar_p(20, 0)))
    assert stats.ranks(3, pairs) == [1, 1, 3]


def test_identical_predictions_share_a_rank():
    preds = [0, 1, 1, 0, 2]
    pairs = stats.pair_tests([0, 1, 2, 0, 2], [preds, list(preds)], alpha=0.05)
    assert (pairs[0].p, pairs[0].p_adjusted, pairs[0].significant) == (1.0, 1.0, False)
    assert stats.ranks(2, pairs) == [1, 1]


@pytest.mark.parametrize("k", [3, 10])
def test_ece_equals_torchmetrics(k):
    rng = np.random.default_rng(k)
    logits = 2 * rng.normal(size=(500, k))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = rng.integers(0, k, 500)
    c = calibration(labels, probs.argmax(1), probs)
    reference = MulticlassCalibrationError(num_classes=k, n_bins=N_BINS, norm="l1")(torch.tensor(probs),
                                                                                     torch.tensor(labels))
    assert c.ece == pytest.approx(reference.item(), abs=1e-6)
    assert sum(b.count for b in c.bins) == 500 and len(c.bins) == N_BINS


def test_overconfidence_both_sides():
    n = 400
    labels = np.zeros(n, int)
    preds = np.where(np.arange(n) < 300, 0, 1)  # 75% right
    for confidence, expected in ((0.99, True), (0.76, False), (0.5, False)):
        probs = np.zeros((n, 2))
        probs[np.arange(n), preds] = confidence
        probs[np.arange(n), 1 - preds] = 1 - confidence
        c = calibration(labels, preds, probs)
        assert c.overconfident is expected, confidence
        assert c.ece == pytest.approx(abs(confidence - 0.75))
        assert c.confident_wrong == (100 if confidence >= HIGH_CONFIDENCE else 0) and c.wrong == 100
    assert ECE_LIMIT < 0.24  # the 0.99 case is over the limit, the 0.76 case under it


def test_p_values_and_intervals_are_formatted_per_language():
    assert (Formatter("id").p_value(0.0386), Formatter("en").p_value(0.0386)) == ("0,039", "0.039")
    assert (Formatter("id").p_value(0.0004), Formatter("en").p_value(1e-30)) == ("< 0,001", "< 0.001")
    f = Formatter("id")
    assert f.interval(f.percent(0.851), f.percent(0.923)) == "[85,10%; 92,30%]"  # ";" since "," is the decimal mark
