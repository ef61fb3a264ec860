"""What a pair test could have detected: the minimum detectable difference of the exact McNemar test.

A pair that is not significant is "not distinguishable with this data", never "equal": how large a
difference this data could have shown is the number that says how much that means. Given the pair's
d discordant images (those exactly one of the two models gets right) and n evaluation images, the
exact test is a binomial test of the a-only count K ~ Binomial(d, p) against p = 1/2. It rejects at
level `level` when K <= c or K >= d - c, c the largest count whose two-sided p is at most `level`
(stats.mcnemar_p, the test the comparison uses). Its power for a true p is
P(K <= c) + P(K >= d - c); the smallest p > 1/2 with power 0.8 gives the difference
(2p - 1) d / n, the accuracy difference a - b that d discordant images with that split would show.
The power is conditional on the observed d (the standard sensitivity statement for a paired test).
"""

from __future__ import annotations

from scipy.optimize import brentq
from scipy.stats import binom

from reportgen.analysis.stats import mcnemar_p

POWER = 0.8


def rejection_bound(discordant: int, level: float) -> int:
    """The largest a-only count c whose two-sided exact p is at most `level` (the test rejects at
    c and below, and at discordant - c and above); -1 when no count is that extreme. The p grows
    as the count nears discordant / 2, so the bound is found by bisection over the counts."""
    if mcnemar_p(0, discordant) > level:
        return -1
    low, high = 0, discordant // 2  # p(low) <= level; the answer lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if mcnemar_p(middle, discordant - middle) <= level:
            low = middle
        else:
            high = middle - 1
    return low


def rejection_chance(discordant: int, bound: int, share: float) -> float:
    """P(K <= bound) + P(K >= discordant - bound) for K ~ Binomial(discordant, share)."""
    return float(binom.cdf(bound, discordant, share) + binom.sf(discordant - bound - 1, discordant, share))


def power(discordant: int, level: float, share: float) -> float:
    """The chance that the exact test rejects at `level` when each discordant image goes to the first
    model with probability `share`."""
    bound = rejection_bound(discordant, level)
    return 0.0 if bound < 0 else rejection_chance(discordant, bound, share)


def minimum_detectable_difference(discordant: int, n: int, level: float, target: float = POWER) -> float | None:
    """The accuracy difference in percentage points that the exact McNemar test detects with
    probability `target` at `level`, given `discordant` of `n` images; None when even a split of
    all discordant images to one model would not be significant (too few discordant images)."""
    bound = rejection_bound(discordant, level)
    if bound < 0:
        return None
    # the chance rises from at most `level` at share 1/2 to 1 at share 1 (every discordant image one model's)
    share = brentq(lambda p: rejection_chance(discordant, bound, p) - target, 0.5, 1.0, xtol=1e-9)
    return 100 * discordant * (2 * share - 1) / n
