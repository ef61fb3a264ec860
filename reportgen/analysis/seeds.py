"""Repeated seeds (`train.seeds`): each model's result per seed, their mean and standard deviation,
and the seed-level comparison between models.

Each seed is one observation of what the training recipe achieves, so models are compared over
their seeds by Welch's t-test on the per-seed accuracies (unequal variances and, after an
interrupted seed, unequal counts allowed). With three seeds such a test has little power: the
report states n and calls a model better only when the Holm-adjusted p is at most `alpha`.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import ttest_ind

from reportgen.analysis.facts import model_facts
from reportgen.analysis.stats import holm
from reportgen.schema.analysis import ModelAnalysis, SeedResult, SeedSummary, SeedTest, Spread
from reportgen.config import ModelSpec
from reportgen.rundir import RunDir

# A seed-level test with fewer seeds than this for either model is exploratory, never a finding:
# with two seeds a model's standard deviation rests on one difference, and Welch's test on it is
# as likely to follow one lucky seed as the recipe (findings.py reconciles it with McNemar).
MIN_SEEDS = 3


def spread(values: list[float | None]) -> Spread | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return Spread(mean=float(np.mean(known)), sd=float(np.std(known, ddof=1)) if len(known) > 1 else None,
                  n=len(known))


def seed_summary(spec: ModelSpec, run: RunDir, classes: list[str], image_size: int) -> SeedSummary | None:
    """The model's result per seed, read from each seed's folder as the model's own facts are, and
    their spread; None when the model trains with one seed."""
    seeds = spec.train.run_seeds
    if len(seeds) < 2:
        return None
    results = []
    for seed, model_dir in run.model_seeds(spec.slug, seeds):
        facts = model_facts(spec, model_dir, classes, image_size)
        results.append(SeedResult(seed=seed, status=facts.status, accuracy=facts.accuracy,
                                  macro_f1=facts.macro.f1 if facts.macro else None, best_epoch=facts.best_epoch,
                                  epochs_run=facts.epochs_run, train_seconds=facts.train_seconds))
    return SeedSummary(
        figure_seed=seeds[0], seeds=results,
        accuracy=spread([r.accuracy for r in results]), macro_f1=spread([r.macro_f1 for r in results]),
        best_epoch=spread([r.best_epoch for r in results]),
        train_seconds=spread([r.train_seconds for r in results if r.epochs_run]),
    )


def welch(a: list[float], b: list[float]) -> tuple[float, float, float] | None:
    """(t, degrees of freedom, two-sided p) of Welch's t-test; None when neither sample varies,
    where the statistic is 0/0 or infinite rather than evidence."""
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return None
    with warnings.catch_warnings():  # one constant sample is fine for Welch; scipy warns of its moments anyway
        warnings.simplefilter("ignore", RuntimeWarning)
        result = ttest_ind(a, b, equal_var=False)
    return float(result.statistic), float(result.df), float(result.pvalue)


def seed_tests(models: list[ModelAnalysis], alpha: float) -> list[SeedTest]:
    """Every pair of models with at least two seeds' accuracies each, higher mean first, tested by
    Welch's t-test and Holm-adjusted across the testable pairs."""
    samples = {m.label: [r.accuracy for r in m.seeds.seeds if r.accuracy is not None]
               for m in models if m.seeds is not None}
    ordered = sorted((label for label, values in samples.items() if len(values) >= 2),
                     key=lambda label: (-float(np.mean(samples[label])), label))
    pairs = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:]]
    results = [welch(samples[a], samples[b]) for a, b in pairs]
    adjusted = iter(holm([r[2] for r in results if r is not None]))
    tests = []
    for (a, b), result in zip(pairs, results):
        mean_a, mean_b = float(np.mean(samples[a])), float(np.mean(samples[b]))
        t, df, p = result if result is not None else (None, None, None)
        p_adjusted = next(adjusted) if result is not None else None
        significant = p_adjusted is not None and p_adjusted <= alpha and mean_a > mean_b
        exploratory = min(len(samples[a]), len(samples[b])) < MIN_SEEDS
        tests.append(SeedTest(a=a, b=b, n_a=len(samples[a]), n_b=len(samples[b]), mean_a=mean_a, mean_b=mean_b,
                              diff_pp=100 * (mean_a - mean_b), t=t, df=df, p_value=p, p_adjusted=p_adjusted,
                              significant=significant, exploratory=exploratory, min_seeds=MIN_SEEDS,
                              finding=significant and not exploratory))
    return tests
