"""Diagnostics as facts with their thresholds stated: overfitting, stability, confusions, best and
worst classes, and the comparison between models (differences in percentage points)."""

from __future__ import annotations

import statistics

from reportgen.analysis.tree import Comparison, ConfusedPair, Degradation, Diagnostics, ModelAnalysis, ModelDelta
from reportgen.models import ARCHITECTURES

# A train-validation accuracy gap above this many percentage points is called overfitting: the
# seed deck's judgements (3.6 pp "not overfit", 5.4 pp "signs of overfitting") sit either side.
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
# stating as a rise (below it, the last epochs merely wobble around the best one).
VAL_LOSS_RISE_SHARE = 0.1
TOP = 3


def diagnose(m: ModelAnalysis) -> Diagnostics | None:
    h = m.history
    val_epochs, val_loss = h.finite("val_loss")
    train_epochs, train_loss = h.finite("train_loss")
    if not val_loss or not train_loss or m.train_acc is None or m.val_acc is None:
        return None
    gap = 100 * (m.train_acc - m.val_acc)
    span = (max(val_loss) - min(val_loss)) or 1.0
    spikes = [val_epochs[i] for i in range(1, len(val_loss))
              if val_loss[i] > SPIKE_RATIO * val_loss[i - 1] and val_loss[i] - val_loss[i - 1] > SPIKE_MIN_SHARE * span]
    late = val_loss[len(val_loss) // 2:]
    changes = [(b - a) / span for a, b in zip(late, late[1:])]
    fluctuation = statistics.pstdev(changes) if len(changes) >= 2 else 0.0
    worst_train = max(range(len(train_loss)), key=lambda i: train_loss[i])
    pairs = []
    for i, row in enumerate(m.confusion_matrix):
        for j, count in enumerate(row):
            if i != j and count > 0:
                support = sum(row)
                pairs.append(ConfusedPair(true_label=m.per_class[i].name, pred_label=m.per_class[j].name,
                                          count=count, share=count / support))
    pairs.sort(key=lambda p: (-p.count, p.true_label, p.pred_label))
    by_f1 = sorted(m.per_class, key=lambda c: (-c.f1, c.name))
    rise, rise_threshold = val_loss[-1] - min(val_loss), VAL_LOSS_RISE_SHARE * min(val_loss)
    return Diagnostics(
        gap_acc_pp=gap, overfit_threshold_pp=OVERFIT_GAP_PP, overfit=gap > OVERFIT_GAP_PP,
        val_loss_rise=rise, val_loss_rise_threshold=rise_threshold, val_loss_rising=rise > rise_threshold,
        val_loss_spikes=spikes, spike_ratio=SPIKE_RATIO,
        val_loss_fluctuation=fluctuation, fluctuation_threshold=FLUCTUATION_LIMIT,
        stable=not spikes and fluctuation <= FLUCTUATION_LIMIT,
        max_train_loss=train_loss[worst_train], max_train_loss_epoch=train_epochs[worst_train],
        confused_pairs=pairs[:TOP],
        best_classes=[c.name for c in by_f1[:TOP]],
        worst_classes=[c.name for c in reversed(by_f1[-TOP:])],
    )


def pp(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else 100 * (a - b)


def compare(models: list[ModelAnalysis], baseline: str | None) -> Comparison | None:
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
    return Comparison(baseline=base.label, best=ranking[0].label, worst=ranking[-1].label,
                      ranking=[m.label for m in ranking], deltas=deltas, degradation=degradation(scored), figures={})


def degradation(scored: list[ModelAnalysis]) -> Degradation | None:
    """He et al.'s degradation experiment, when a residual network and the plain network the
    registry names as its counterpart were both trained."""
    by_arch = {m.arch: m for m in scored}
    for res in scored:
        plain = by_arch.get(ARCHITECTURES[res.arch].plain_counterpart)
        if plain is not None:
            return Degradation(plain=plain.label, residual=res.label, accuracy_pp=pp(res.accuracy, plain.accuracy),
                               train_loss_plain=plain.train_loss, train_loss_residual=res.train_loss,
                               residual_better=res.accuracy > plain.accuracy)
    return None
