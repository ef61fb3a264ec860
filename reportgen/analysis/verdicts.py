"""The verdicts the documents state that rest on more than one fact: how a feature map's activity
changes, where a Grad-CAM map peaks and whether it is concentrated, whether the validation loss
fluctuates and the training loss peaked, how the models rank, what speaks against each, the key
insight, the order of a search's trials and which of its parameters mattered. Each is a field of
analysis.json beside its threshold, so the report only chooses the words for it.

`judge(analysis)` fills them in from the facts already computed. It runs at the end of `analyse`
and again on every load, so an analysis.json from before a verdict existed gets it too.
"""

from __future__ import annotations

from reportgen.analysis.states import allows
from reportgen.schema.analysis import (
    ActivityTrend, Analysis, ComparisonVerdicts, FeatureMapCase, Insight, ModelAnalysis, Standing, Tuning,
    TuningVerdicts,
)

# The active fraction (share of values > 0) of one image moves a few percentage points from stage
# to stage through BatchNorm's shifts alone; only a change larger than this is called sparser or
# denser activation.
ACTIVE_CHANGE_PP = 10.0
# A stage with fewer than this share of its values positive responds to a small part of its
# channels and positions; with more, it is not "sparse", whatever the trend.
SPARSE_SHARE = 0.25
# A model trains "longer" than another only past this factor: a few percent is the machine's noise.
SLOWER_FACTOR = 1.25
# ... and has "more parameters" only past this one: 21.287.237 against 21.285.573 is no cost to name.
LARGER_FACTOR = 1.05
# A searched parameter with a smaller share of Optuna's importance (explanation.g. one value tried) is not
# said to matter; at most IMPORTANT_PARAMETERS are named.
IMPORTANCE_THRESHOLD = 0.05
IMPORTANT_PARAMETERS = 3
# Optuna's importances are floats summing to 1: shares closer than this are one even split.
EVEN_SPLIT = 1e-9


def judge(analysis: Analysis) -> Analysis:
    """Every verdict of the analysis, from its facts (in place; returned for chaining)."""
    for m in analysis.models:
        judge_model(m)
    if analysis.comparison is not None:
        judge_comparison(analysis)
    if analysis.tuning is not None:
        analysis.tuning.verdicts = tuning_verdicts(analysis.tuning)
    return analysis


# --- one model -------------------------------------------------------------------------------------


def judge_model(m: ModelAnalysis) -> None:
    for case in m.feature_maps:
        case.activity = activity(case)
    if m.explanation is not None:
        explanation = m.explanation
        for facts in [*explanation.cases, *explanation.per_class,
                      *(image for group in explanation.gallery for image in group.images)]:
            facts.region = region(facts.peak) if facts.peak else None
            facts.concentrated = None if facts.top_share is None else facts.top_share >= explanation.concentrated_share
    diagnostics = m.diagnostics
    if diagnostics is not None:
        diagnostics.fluctuating = diagnostics.val_loss_fluctuation > diagnostics.fluctuation_threshold
        epochs, train_loss = m.history.finite("train_loss")  # the first epoch's loss may not be finite
        diagnostics.train_loss_peaked = (bool(epochs) and diagnostics.max_train_loss_epoch != epochs[0]
                                         and diagnostics.max_train_loss > train_loss[0])
    if m.calibration is not None:
        m.calibration.ece_above_threshold = m.calibration.ece > m.calibration.ece_threshold


def activity(case: FeatureMapCase) -> ActivityTrend | None:
    """The change of the share of positive values from the first stage to the last."""
    if not case.stages:
        return None
    first, last = case.stages[0].active_fraction, case.stages[-1].active_fraction
    change = 100 * (last - first)
    trend = "similar" if abs(change) <= ACTIVE_CHANGE_PP else "sparser" if change < 0 else "denser"
    return ActivityTrend(change_pp=change, threshold_pp=ACTIVE_CHANGE_PP, trend=trend, sparse_share=SPARSE_SHARE,
                         sparse_late=last < SPARSE_SHARE)


def region(point: list[float]) -> str:
    """The ninth of the image a point lies in: "top_left" ... "middle_centre" ... "bottom_right"."""
    row = ("top", "middle", "bottom")[min(2, int(point[0] * 3))]
    col = ("left", "centre", "right")[min(2, int(point[1] * 3))]
    return f"{row}_{col}"


# --- across models ---------------------------------------------------------------------------------


def judge_comparison(analysis: Analysis) -> None:
    comparison = analysis.comparison
    evaluated = [m for m in analysis.models if m.accuracy is not None]

    def better(x: str, y: str) -> bool:
        """The pair test says x is more accurate than y (at alpha, Holm-adjusted)."""
        return any(p.significant and (p.a, p.b) == (x, y) for p in comparison.pairs)

    if comparison.degradation is not None:
        test = comparison.pair(comparison.degradation.plain, comparison.degradation.residual)
        comparison.degradation.plain_better = better(comparison.degradation.plain, comparison.degradation.residual)
        comparison.degradation.p_adjusted = test.p_adjusted
    leader = comparison.ranking[0]
    levels: dict[int, list[str]] = {}
    for r in comparison.ranks:
        levels.setdefault(r.rank, []).append(r.label)
    groups = list(levels.values())
    separated = all(better(x, y) for i, upper in enumerate(groups) for lower in groups[i + 1:]
                    for x in upper for y in lower)
    tied = not any(better(x, y) or better(y, x) for g in groups for x in g for y in g)
    largest = max(evaluated, key=lambda m: m.params)
    unique = sum(m.params == largest.params for m in evaluated) == 1
    # A model that has not learned (failed, collapsed, at chance) does not judge its architecture: it
    # takes part in no closing comparison. Training times take part only where they are comparable.
    judged = [m for m in evaluated if (allows(m.state, "better") if m.state else not m.failure)]
    timing = analysis.timing
    times = {t.label: t.seconds for t in timing.models} if timing is not None and timing.comparable else {}
    comparison.verdicts = ComparisonVerdicts(
        leader=leader, tied_with_leader=[x for x in comparison.ranking[1:] if not better(leader, x)],
        ranks_separated=separated and tied, largest=largest.label if unique else None,
        largest_best=all(better(largest.label, m.label) for m in evaluated if m is not largest) if unique else None,
        judged=[m.label for m in judged], larger_factor=LARGER_FACTOR, slower_factor=SLOWER_FACTOR,
        standings=[standing(m, judged, better, times) for m in judged], insight=insight(judged, better),
    )


def standing(m: ModelAnalysis, judged: list[ModelAnalysis], better, times: dict[str, float]) -> Standing:
    """What speaks against `m`: a model significantly more accurate (the most accurate of them), a
    smaller one or (with comparable `times`, the mean over seeds) a faster one that `m` is not shown
    to be more accurate than."""
    above = [o for o in judged if better(o.label, m.label)]
    not_beaten = [o for o in judged if o is not m and not better(m.label, o.label)]
    smaller = [o for o in not_beaten if LARGER_FACTOR * o.params < m.params]
    faster = [o for o in not_beaten if o.label in times and m.label in times
              and SLOWER_FACTOR * times[o.label] < times[m.label]]
    return Standing(label=m.label, less_accurate_than=max(above, key=lambda o: o.accuracy).label if above else None,
                    larger_than=min(smaller, key=lambda o: o.params).label if smaller else None,
                    slower_than=min(faster, key=lambda o: times[o.label]).label if faster else None)


def insight(judged: list[ModelAnalysis], better) -> Insight | None:
    """What the most accurate models cost, as far as the tests tell them apart."""
    if len(judged) < 2:
        return None
    if not any(better(a.label, b.label) for a in judged for b in judged):
        # the smallest model is a lesson only when every other is larger past LARGER_FACTOR
        smallest = min(judged, key=lambda m: m.params)
        if all(m.params > LARGER_FACTOR * smallest.params for m in judged if m is not smallest):
            return Insight(kind="none_differ", model=smallest.label)
        return None
    leader = max(judged, key=lambda m: m.accuracy)
    others = [m for m in judged if m is not leader]
    if all(better(leader.label, m.label) for m in others):  # what its margin over the closest costs
        return Insight(kind="best_tradeoff", model=leader.label, other=max(others, key=lambda m: m.accuracy).label)
    tied = [m for m in others if not better(leader.label, m.label)]
    cheapest = min(tied, key=lambda m: m.params)
    if cheapest.params < leader.params:
        return Insight(kind="simpler_on_par", model=cheapest.label, other=leader.label)
    return Insight(kind="leader_cheapest", model=leader.label, others=[m.label for m in tied])


# --- the search ------------------------------------------------------------------------------------


def tuning_verdicts(tu: Tuning) -> TuningVerdicts:
    sign = -1 if tu.direction == "maximize" else 1
    ranked = sorted(tu.trials, key=lambda tr: (tr.state != "complete", tr.value is None,
                                               sign * tr.value if tr.value is not None else 0))
    shares = list(tu.importances.values())
    top = sorted(((k, v) for k, v in tu.importances.items() if v >= IMPORTANCE_THRESHOLD), key=lambda kv: -kv[1])
    return TuningVerdicts(ranking=[tr.number for tr in ranked], importance_threshold=IMPORTANCE_THRESHOLD,
                          important=[k for k, _ in top[:IMPORTANT_PARAMETERS]],
                          importance_equal=len(shares) > 1 and max(shares) - min(shares) < EVEN_SPLIT)
