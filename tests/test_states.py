"""What the run's facts allow to be said: each model's state and the verdicts it allows, the pair
conclusions resting on the primary test with the seed-level test reconciled, the model that may be
named best, the key finding and what to try. A table of synthetic model facts (predictions of the
same images, histories and seeds written by hand, no run directory), judged as analyse() judges them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from helpers import A110, THREE, Model, curves, facts, right_where
from reportgen.analysis.advice import run_health
from reportgen.analysis.diagnostics import compare
from reportgen.analysis.findings import conclude
from reportgen.analysis.seeds import seed_tests
from reportgen.analysis.states import model_state, prediction_skew
from reportgen.metrics import classification_metrics
from reportgen.schema.analysis import History

EVERY = {"best", "better", "overfitting", "memorising", "stable", "calibration_advice", "regularisation_advice",
         "parameter_lesson", "feature_maps", "grad_cam", "class_extremes"}
# The verdicts each state allows, as the README's "Verdicts and the evidence they need" states them
ALLOWED = {
    "healthy": EVERY, "biased": EVERY,
    "undertrained": EVERY - {"best", "memorising", "calibration_advice", "regularisation_advice", "parameter_lesson"},
    "collapsed": set(), "chance": set(), "diverged": set(),
}

FIVE = [c for c in range(5) for _ in range(12)]  # 60 images, 12 per class


def from_recalls(correct: list[int], favourite: int = 0, per_class: int = 12) -> list[int]:
    """FIVE's predictions with `correct[c]` images of class c right and every other one predicted as
    `favourite` (the favourite's own misses as the next class)."""
    preds = []
    for c, right in enumerate(correct):
        wrong = (c + 1) % len(correct) if c == favourite else favourite
        preds += [c] * right + [wrong] * (per_class - right)
    return preds


STILL_RISING = curves([.3, .4, .5, .6, .7, .8])  # 20 pp in its last two epochs, beyond 120 images' noise
TWO_EPOCHS = curves([.5, .6])
DIVERGING = curves([.5, .5, .4, .4, .3, .3], train_loss=[1.0, 1.2, 1.5, 2.0, 3.0, 5.0])


def judged(labels: list[int], specs: list[Model], alpha: float = 0.05):
    """The models judged as analyse() judges them: states, the run's health, the pair tests, the
    seed tests and the conclusions."""
    models = [facts(spec, labels) for spec in specs]
    for m in models:
        m.state = model_state(m, len(labels))
    health = run_health(models, image_size=16)
    comparison = compare(models, None, labels, {s.label: s.preds for s in specs}, alpha)
    comparison.seed_tests = seed_tests(models, alpha)
    conclude(comparison, models, health.weak)
    return models, comparison, health


B80 = right_where(THREE, lambda i: i % 3 == 0)  # 80 of 120 right, mistakes spread over the classes: A110's and more
# 22 images only A gets right, 10 only B: exact McNemar p = 0.0501, just above alpha
A_JUST = right_where(THREE, lambda i: i < 10)
B_JUST = right_where(THREE, lambda i: 10 <= i < 32)
# 100 and 98 of 120 right on nearly the same images: McNemar cannot tell them apart
A100 = right_where(THREE, lambda i: i % 6 == 0)
B98 = right_where(THREE, lambda i: i % 6 == 0 or i in (1, 2))
# near chance (1/3): 45 and 42 of 120 right, mistakes spread over the classes
CHANCE_45 = right_where(THREE, lambda i: i % 8 > 2)
CHANCE_42 = right_where(THREE, lambda i: i % 20 > 6)


@dataclass
class Case:
    labels: list[int]
    models: list[Model]
    states: dict[str, str]
    conclusions: dict[tuple[str, str], tuple[str, str]]  # (a, b) -> (outcome, seed test)
    best: str | None
    key: tuple[str, str | None]  # (reason, a)
    weak: bool = False
    advice: set[str] = field(default_factory=set)


CASES = {
    "healthy pair": Case(THREE, [Model("A", A110), Model("B", B80)], {"A": "healthy", "B": "healthy"},
                         {("A", "B"): ("a_better", "none")}, best="A", key=("strongest", "A")),
    "one collapsed": Case(THREE, [Model("A", A110), Model("B", [0] * 120)], {"A": "healthy", "B": "collapsed"},
                          # better than a model that did not learn: no rival, so no "best"
                          {("A", "B"): ("a_better", "none")}, best=None, key=("no_rival", None),
                          advice={"learning_rate"}),
    # the collapsed model is the more accurate one (the diverged one gets nothing right): not "better"
    "collapsed ahead of diverged": Case(
        THREE, [Model("A", [0] * 120), Model("B", right_where(THREE, lambda i: True), DIVERGING)],
        {"A": "collapsed", "B": "diverged"}, {("A", "B"): ("not_judged", "none")}, best=None,
        key=("all_weak", None), weak=True, advice={"learning_rate", "lower_lr"}),
    # 4 of 5 classes predicted, recalls 100, 42, 33 and 25 %, the rest as class 0: biased, not collapsed
    "one biased": Case(FIVE, [Model("A", FIVE), Model("B", from_recalls([12, 5, 4, 3, 0]))],
                       {"A": "healthy", "B": "biased"}, {("A", "B"): ("a_better", "none")}, best="A",
                       key=("strongest", "A")),
    "one diverged": Case(THREE, [Model("A", A110), Model("B", B80, DIVERGING)], {"A": "healthy", "B": "diverged"},
                         {("A", "B"): ("a_better", "none")}, best=None, key=("no_rival", None), advice={"lower_lr"}),
    "all at chance": Case(THREE, [Model("A", CHANCE_45), Model("B", CHANCE_42)], {"A": "chance", "B": "chance"},
                          {("A", "B"): ("not_distinguishable", "none")}, best=None, key=("all_weak", None),
                          weak=True, advice={"learning_rate"}),
    "undertrained ahead": Case(THREE, [Model("A", A110, STILL_RISING), Model("B", B80)],
                               # more accurate, but not yet the best architecture: it was still improving
                               {"A": "undertrained", "B": "healthy"}, {("A", "B"): ("a_better", "none")},
                               best=None, key=("strongest", "A"), advice={"more_epochs"}),
    "all undertrained": Case(THREE, [Model("A", A110, STILL_RISING), Model("B", B80, TWO_EPOCHS)],
                             {"A": "undertrained", "B": "undertrained"}, {("A", "B"): ("a_better", "none")},
                             best=None, key=("all_weak", None), weak=True, advice={"more_epochs"}),
    # Welch over two seeds says A is better (p = 0.006); exploratory, so McNemar's "not distinguishable" stands
    "two seeds": Case(THREE, [Model("A", A100, seeds=[.80, .8167]), Model("B", B98, seeds=[.65, .6667])],
                      {"A": "healthy", "B": "healthy"}, {("A", "B"): ("not_distinguishable", "exploratory")},
                      best=None, key=("none_distinguishable", None)),
    # with three seeds Welch's finding stands beside McNemar's, and they disagree: the conclusion rests on McNemar
    "three seeds": Case(THREE, [Model("A", A100, seeds=[.80, .8167, .8083]),
                                Model("B", B98, seeds=[.65, .6667, .6583])],
                        {"A": "healthy", "B": "healthy"}, {("A", "B"): ("not_distinguishable", "disagrees")},
                        best=None, key=("none_distinguishable", None)),
    "p just above alpha": Case(THREE, [Model("A", A_JUST), Model("B", B_JUST)], {"A": "healthy", "B": "healthy"},
                               {("A", "B"): ("not_distinguishable", "none")}, best=None,
                               key=("none_distinguishable", None)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_states_decide_the_verdicts_and_the_conclusions(case: Case):
    models, comparison, health = judged(case.labels, case.models)
    assert {m.label: m.state.state for m in models} == case.states
    for m in models:
        assert set(m.state.verdicts) == ALLOWED[m.state.state], m.label
    assert {(c.a, c.b): (c.outcome, c.rests_on, c.seed_test) for c in comparison.conclusions} == {
        pair: (outcome, "mcnemar", seeds) for pair, (outcome, seeds) in case.conclusions.items()}
    assert comparison.supported_best == case.best
    assert (comparison.key_finding.reason, comparison.key_finding.a) == case.key
    assert health.weak == case.weak
    assert {a.key for a in health.advice} == case.advice


def test_a_pair_just_above_alpha_states_what_it_could_have_detected():
    _, comparison, _ = judged(THREE, [Model("A", A_JUST), Model("B", B_JUST)])
    (pair,) = comparison.pairs
    assert (pair.a_only_correct, pair.b_only_correct) == (22, 10)
    assert 0.05 < pair.p_adjusted < 0.051 and not pair.significant
    # one pair: Holm's strictest level is alpha itself; 32 discordant images of 120 cannot show 10 pp reliably
    assert pair.mdd_alpha == 0.05 and pair.mdd_pp == pair.mdd_unadjusted_pp
    assert pair.mdd_pp > pair.diff_pp == pytest.approx(10.0)


def test_seed_tests_need_three_seeds_to_be_a_finding():
    (two,) = judged(THREE, CASES["two seeds"].models)[1].seed_tests
    (three,) = judged(THREE, CASES["three seeds"].models)[1].seed_tests
    assert (two.significant, two.exploratory, two.finding) == (True, True, False)
    assert (three.significant, three.exploratory, three.finding) == (True, False, True)
    assert two.min_seeds == three.min_seeds == 3


def test_undertrained_and_biased_both_hold_and_the_stricter_wins():
    models, _, health = judged(FIVE, [Model("A", FIVE), Model("B", from_recalls([12, 5, 4, 3, 0]), STILL_RISING)])
    state = models[1].state
    assert (state.state, state.holds) == ("undertrained", ["undertrained", "biased"])
    assert [b.name for b in state.skew.biased] == ["class_0"] and state.skew.recognised == 4
    assert state.convergence.gain == pytest.approx(20.0) and state.convergence.improving
    advice = {a.key: a for a in health.advice}
    assert (advice["more_epochs"].models, advice["more_epochs"].values) == (["B"], [6])


def test_four_predicted_classes_at_low_recall_are_not_a_collapse():
    # every predicted class at 25-42 % recall, the misses spread onto class 0: it dominates, yet
    # four classes keep a recall above chance (20 %), so this is bias (and here chance), never collapse
    preds = from_recalls([5, 4, 3, 5, 0])
    skew = prediction_skew(classification_metrics(FIVE, preds, [f"c{c}" for c in range(5)])["confusion_matrix"],
                           [f"c{c}" for c in range(5)])
    assert skew.top_share > skew.collapse_share and skew.top_share >= skew.collapse_ratio * skew.top_true_share
    assert skew.recognised == 4 and not skew.collapsed
    assert [b.name for b in skew.biased] == ["c0"] and skew.at_chance


def test_one_class_only_is_a_collapse_and_a_common_class_is_not():
    names = ["a", "b", "c"]
    collapsed = prediction_skew([[3, 0, 0], [3, 0, 0], [3, 0, 0]], names)
    assert collapsed.collapsed and collapsed.recognised == 1 and collapsed.at_chance
    common = prediction_skew([[8, 0, 0], [0, 0, 0], [0, 0, 1]], names)  # 8 of 9 images are class a
    assert not common.collapsed and not common.biased and not common.at_chance


def test_a_run_stopped_early_is_not_undertrained():
    models, _, _ = judged(THREE, [Model("A", A110, STILL_RISING), Model("B", B80)])
    stopped = models[0].model_copy(update={"stopped_early": True})
    assert model_state(stopped, 120).state == "healthy"


def test_holms_strictest_step_sets_the_level_of_the_detectable_difference():
    _, comparison, _ = judged(THREE, [Model("A", A110), Model("B", B80), Model("C", CHANCE_45)])
    assert len(comparison.pairs) == 3
    for pair in comparison.pairs:
        assert pair.mdd_alpha == pytest.approx(0.05 / 3) and pair.mdd_power == 0.8
        assert pair.mdd_pp > pair.mdd_unadjusted_pp  # the stricter level needs a larger difference


def test_a_flattening_curve_is_converging_though_it_still_gains_beyond_noise():
    # the demo's CNN under cosine annealing: 0.69 pp in its last 3 epochs, just beyond the noise of
    # 288 validation images, but under a tenth of its 25 pp rise: converging, not undertrained
    demo = curves([.7431, .8889, .9479, .9549, .9375, .9722, .9826, .9618, .9896, .9931, .9965, .9965])
    m = facts(Model("CNN", A110, demo), THREE)
    state = model_state(m, 288)
    trend = state.convergence
    assert trend.window == 3 and trend.gain > trend.noise and trend.gain < trend.late_gain_share * trend.total_gain
    assert (state.state, trend.improving) == ("healthy", False)


def test_a_model_without_predictions_has_a_state_only_when_it_diverged():
    m = facts(Model("A", A110), THREE).model_copy(update={
        "confusion_matrix": [], "per_class": [], "accuracy": None, "diagnostics": None, "history": History()})
    assert model_state(m, 120) is None  # interrupted before its evaluation: nothing to judge it by
    diverged = model_state(m.model_copy(update={"status": "diverged"}), 120)
    assert (diverged.state, diverged.skew, diverged.convergence, diverged.verdicts) == ("diverged", None, None, [])
