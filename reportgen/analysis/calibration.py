"""Calibration: does a model's confidence (its top-class probability) match how often it is right?
Expected calibration error over 15 equal-width confidence bins, as torchmetrics'
MulticlassCalibrationError(n_bins=15, norm="l1") computes it, and the reliability diagram's bins."""

from __future__ import annotations

import numpy as np

from reportgen.analysis.stats import accuracy_interval
from reportgen.schema.analysis import Calibration, ReliabilityBin

N_BINS = 15
# Over-confidence is stated when the ECE exceeds 0.05 and the mean confidence lies above the upper
# 95% bound of the accuracy (so the gap is not split noise). Five points of average miscalibration
# is several times what a calibrated network reaches (temperature scaling brings most of Guo et al.'s
# 2017 networks to about 1-2%), and well above the ECE's own sampling noise on a few thousand images.
ECE_LIMIT = 0.05
# A wrong prediction made with at least 90% confidence is a confident mistake, reported as the
# evidence a reader can act on (e.g. when thresholding on the confidence).
HIGH_CONFIDENCE = 0.9


def calibration(labels, preds, probs) -> Calibration:
    """Calibration of one model's predictions (probabilities per class, one row per image)."""
    labels, preds, probs = np.asarray(labels), np.asarray(preds), np.asarray(probs, dtype=float)
    confidence = probs[np.arange(len(preds)), preds]
    right = preds == labels
    edges = np.linspace(0, 1, N_BINS + 1)
    # Bins are [low, high); a confidence of exactly 1 joins the last bin (torchmetrics gives it a
    # bin of its own, which only changes the ECE when some prediction is exactly 1.0).
    index = np.minimum(np.searchsorted(edges, confidence, side="right") - 1, N_BINS - 1)
    count = np.bincount(index, minlength=N_BINS)
    conf_sum = np.bincount(index, weights=confidence, minlength=N_BINS)
    right_sum = np.bincount(index, weights=right, minlength=N_BINS)
    ece = float(np.abs(right_sum - conf_sum).sum() / len(labels))
    bins = [ReliabilityBin(low=float(edges[i]), high=float(edges[i + 1]), count=int(count[i]),
                           confidence=float(conf_sum[i] / count[i]) if count[i] else None,
                           accuracy=float(right_sum[i] / count[i]) if count[i] else None) for i in range(N_BINS)]
    mean_confidence = float(confidence.mean())
    return Calibration(
        n_bins=N_BINS, ece=ece, mean_confidence=mean_confidence, bins=bins, ece_threshold=ECE_LIMIT,
        high_confidence=HIGH_CONFIDENCE, wrong=int((~right).sum()),
        confident_wrong=int((~right & (confidence >= HIGH_CONFIDENCE)).sum()),
        overconfident=ece > ECE_LIMIT and mean_confidence > accuracy_interval(int(right.sum()), len(right))[1],
    )
