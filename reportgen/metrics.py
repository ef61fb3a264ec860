"""Classification metrics from labels and predictions (scikit-learn). Training writes them into
metrics.json and analysis recomputes them from predictions.csv with this same function."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def classification_metrics(labels: Sequence[int], preds: Sequence[int], classes: list[str]) -> dict:
    """accuracy, macro/weighted precision-recall-F1, per-class metrics (with per-class accuracy)
    and the confusion matrix (rows = true label). Fractions in [0, 1]."""
    y_true, y_pred = np.asarray(labels), np.asarray(preds)
    ids = list(range(len(classes)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
    averages = {}
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, labels=ids, average=avg, zero_division=0)
        averages[avg] = {"precision": float(ap), "recall": float(ar), "f1": float(af)}
    per_class = {
        name: {
            "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i]),
            # The share of this class's images classified correctly: its recall.
            "accuracy": float(r[i]),
        }
        for i, name in enumerate(classes)
    }
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        **averages,
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=ids).tolist(),
    }
