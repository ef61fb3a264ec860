"""Time of the statistics a report computes (reportgen/analysis/stats.py and calibration.py) on
10,000 evaluation images and 4 models of 10 classes: per model the Wilson and bootstrap intervals
and the calibration, then the exact McNemar test, Holm adjustment, paired bootstrap interval and
ranks of all 6 pairs. Writes bench/stats.md.

    .venv/bin/python bench/stats.py
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from reportgen.analysis import stats
from reportgen.analysis.calibration import calibration
from reportgen.metrics import classification_metrics

IMAGES, MODELS, CLASSES, ROUNDS = 10_000, 4, 10, 5


def predictions(rng: np.random.Generator) -> tuple[list[int], list[list[int]], list[np.ndarray]]:
    """Labels, and per model predictions (accuracy 70-95%) with probabilities."""
    labels = rng.integers(0, CLASSES, IMAGES)
    preds, probs = [], []
    for accuracy in np.linspace(0.7, 0.95, MODELS):
        pred = np.where(rng.random(IMAGES) < accuracy, labels, rng.integers(0, CLASSES, IMAGES))
        logits = rng.normal(size=(IMAGES, CLASSES))
        logits[np.arange(IMAGES), pred] += 4
        preds.append(pred.tolist())
        probs.append(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))
    return labels.tolist(), preds, probs


def one_round(labels: list[int], preds: list[list[int]], probs: list[np.ndarray]) -> dict[str, float]:
    names = [str(c) for c in range(CLASSES)]
    start = time.perf_counter()
    for pred, prob in zip(preds, probs):
        stats.model_intervals(classification_metrics(labels, pred, names)["confusion_matrix"])
        calibration(labels, pred, prob)
    per_model = time.perf_counter()
    pairs = stats.pair_tests(labels, preds, alpha=0.05)
    for p in pairs:
        stats.difference_interval(p.a_only, p.b_only, IMAGES)
    stats.ranks(MODELS, pairs)
    end = time.perf_counter()
    return {"per model (metrics, intervals, calibration)": per_model - start,
            "pairs (McNemar, Holm, paired bootstrap, ranks)": end - per_model, "total": end - start}


def main() -> None:
    labels, preds, probs = predictions(np.random.default_rng(0))
    rounds = [one_round(labels, preds, probs) for _ in range(ROUNDS)]
    header = (f"# Statistics of a report: time\n\n{dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPU cores, "
              f"torch threads {torch.get_num_threads()}; {IMAGES:,} evaluation images, {MODELS} models "
              f"({MODELS * (MODELS - 1) // 2} pairs), {CLASSES} classes, {stats.RESAMPLES:,} bootstrap resamples. "
              f"Median of {ROUNDS} rounds, seconds (every round in brackets). `.venv/bin/python bench/stats.py`.\n\n"
              "| part | seconds |\n| --- | --- |\n")
    rows = [f"| {part} | {statistics.median(r[part] for r in rounds):.3f} "
            f"({', '.join(f'{r[part]:.3f}' for r in rounds)}) |" for part in rounds[0]]
    text = header + "\n".join(rows) + "\n"
    Path(__file__).with_name("stats.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
