"""The minimum detectable difference of the exact McNemar test against a Monte-Carlo estimate: the
discordant images of a pair are drawn again and again for a grid of true differences, each draw
tested with the comparison's own test (stats.mcnemar_p), and the smallest difference detected in
80 % of the draws is compared with power.py's (fixed seed, well under a second)."""

import numpy as np
import pytest

from reportgen.analysis.power import POWER, minimum_detectable_difference, power, rejection_bound
from reportgen.analysis.stats import mcnemar_p

DRAWS = 4000
STEP_PP = 0.1


def simulated_mdd(discordant: int, n: int, level: float, seed: int = 0) -> float:
    """The smallest difference on a 0.1 pp grid whose simulated power reaches POWER: each
    discordant image goes to the first model with probability 1/2 + difference * n / (2 * discordant)."""
    rng = np.random.default_rng(seed)
    rejects = np.array([mcnemar_p(k, discordant - k) <= level for k in range(discordant + 1)])
    for diff_pp in np.arange(0, 100 * discordant / n + STEP_PP, STEP_PP):
        share = min(1.0, 0.5 + diff_pp / 100 * n / (2 * discordant))
        if rejects[rng.binomial(discordant, share, size=DRAWS)].mean() >= POWER:
            return float(diff_pp)
    raise AssertionError("no difference reaches the power")


@pytest.mark.parametrize("discordant, n, level", [
    (12, 60, 0.05),  # a student's first run: 60 test images
    (32, 120, 0.05),
    (40, 300, 0.05 / 6),  # four models: six pairs, Holm's strictest step
    (150, 1000, 0.05),
    (600, 10_000, 0.05 / 3),
])
def test_the_minimum_detectable_difference_matches_a_simulation(discordant, n, level):
    mdd = minimum_detectable_difference(discordant, n, level)
    assert mdd == pytest.approx(simulated_mdd(discordant, n, level), abs=2.0)
    share = 0.5 + mdd / 100 * n / (2 * discordant)
    assert power(discordant, level, share) == pytest.approx(POWER)


def test_too_few_discordant_images_detect_nothing():
    # 5 discordant images all one model's: p = 0.0625 > 0.05; 6 of 6: p = 0.031
    assert rejection_bound(5, 0.05) == -1 and minimum_detectable_difference(5, 60, 0.05) is None
    assert rejection_bound(6, 0.05) == 0 and minimum_detectable_difference(6, 60, 0.05) is not None
    assert minimum_detectable_difference(0, 60, 0.05) is None


def test_the_rejection_bound_is_the_tests_own():
    for discordant in (6, 17, 40, 101):
        bound = rejection_bound(discordant, 0.05)
        assert mcnemar_p(bound, discordant - bound) <= 0.05 < mcnemar_p(bound + 1, discordant - bound - 1)


def test_a_stricter_level_needs_a_larger_difference():
    assert minimum_detectable_difference(40, 300, 0.05 / 6) > minimum_detectable_difference(40, 300, 0.05)
