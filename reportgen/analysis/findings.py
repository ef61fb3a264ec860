"""What the tests allow to be concluded: each pair's conclusion, resting on the primary test (exact
McNemar on the same evaluation images) with the seed-level test reconciled; the model that may be
named best; and the key finding, the one comparison with the strongest evidence.

Why McNemar is primary: every model predicted the same evaluation images, so their paired outcomes
are the most direct evidence on accuracy, and naming the test before any result is seen keeps the
error rate at alpha (picking whichever test agrees afterwards would not). Welch's test over seeds
asks a different question (the recipe's variation over seeds) with little power at few seeds: with
fewer than seeds.MIN_SEEDS per model it is exploratory and never a finding.
"""

from __future__ import annotations

from reportgen.analysis.states import allows
from reportgen.schema.analysis import Comparison, KeyFinding, ModelAnalysis, PairConclusion, PairTest, SeedTest


def seed_agreement(pair: PairTest, seed: SeedTest | None) -> str:
    """How the seed-level test of the same two models stands against the primary test."""
    if seed is None:
        return "none"
    if seed.exploratory:
        return "exploratory"
    same = seed.significant == pair.significant and (not pair.significant or seed.a == pair.a)
    return "agrees" if same else "disagrees"


def conclusions(comparison: Comparison, models: list[ModelAnalysis]) -> list[PairConclusion]:
    """Per pair (as in comparison.pairs): a is better only when the primary test rejects and a's
    state allows calling it better."""
    states = {m.label: m.state for m in models}
    seeds = {frozenset((s.a, s.b)): s for s in comparison.seed_tests}
    out = []
    for pair in comparison.pairs:
        if not pair.significant:
            outcome = "not_distinguishable"
        else:
            outcome = "a_better" if allows(states.get(pair.a), "better") else "not_judged"
        out.append(PairConclusion(a=pair.a, b=pair.b, outcome=outcome,
                                  seed_test=seed_agreement(pair, seeds.get(frozenset((pair.a, pair.b))))))
    return out


def supported_best(comparison: Comparison, models: list[ModelAnalysis], found: list[PairConclusion]) -> str | None:
    """The most accurate model, when it is concluded better than every other model, its state
    allows "best", and every other model learned (beating only models that did not learn, such as
    a collapsed one, makes no model the best); None otherwise."""
    leader = comparison.ranking[0]
    states = {m.label: m.state for m in models}
    theirs = [c for c in found if leader in (c.a, c.b)]
    if (theirs and all(c.a == leader and c.outcome == "a_better" and allows(states.get(c.b), "better")
                       for c in theirs) and allows(states.get(leader), "best")):
        return leader
    return None


def key_finding(comparison: Comparison, found: list[PairConclusion], weak: bool,
                models: list[ModelAnalysis] = ()) -> KeyFinding:
    """The a_better pair with the smallest Holm-adjusted p (ties: the larger lower bound of its
    difference) whose less accurate model learned too, or why there is none. A run where no model
    learned (`weak`) has none: its comparisons say how training went, not what an architecture does;
    nor does a difference to a model that did not learn ("no_rival")."""
    if weak:
        return KeyFinding(reason="all_weak")
    states = {m.label: m.state for m in models}
    tests = {(p.a, p.b): p for p in comparison.pairs}
    better = [tests[(c.a, c.b)] for c in found if c.outcome == "a_better"
              and (not states or allows(states.get(c.b), "better"))]
    if not better:
        beaten = any(c.outcome == "a_better" for c in found)
        return KeyFinding(reason="no_rival" if beaten else "none_distinguishable")
    strongest = min(better, key=lambda p: (p.p_adjusted, -p.diff_ci_pp.low))
    return KeyFinding(reason="strongest", a=strongest.a, b=strongest.b, diff_pp=strongest.diff_pp,
                      diff_ci_pp=strongest.diff_ci_pp, p_adjusted=strongest.p_adjusted)


def conclude(comparison: Comparison, models: list[ModelAnalysis], weak: bool) -> None:
    """Fill in the comparison's conclusions, the supported best model and the key finding (after
    every model's state and the seed tests)."""
    comparison.conclusions = conclusions(comparison, models)
    comparison.supported_best = supported_best(comparison, models, comparison.conclusions)
    comparison.key_finding = key_finding(comparison, comparison.conclusions, weak, models)
