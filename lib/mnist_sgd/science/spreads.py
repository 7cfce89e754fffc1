"""When two s.d.s over a few seeds differ by more than chance: the two-sided F test of two variances.

Three seeds give a rough s.d.: from one normal spread, the larger of two such s.d.s is more than six
times the smaller one time in twenty. A ratio of s.d.s is read as a difference only beyond that.
"""

from __future__ import annotations

import math

import numpy as np

CHANCE = 0.05  # a ratio of s.d.s this rare by chance (both tails) counts as a difference


def _beta_cdf(y: float, a: float) -> float:
    """The regularized incomplete beta function I_y(a, a), by the midpoint rule (a ≥ 1: no
    singularity at the ends)."""
    t = (np.arange(20_000) + 0.5) * (y / 20_000)
    log_density = (a - 1) * (np.log(t) + np.log1p(-t)) + math.lgamma(2 * a) - 2 * math.lgamma(a)
    return float(np.exp(log_density).sum() * (y / 20_000))


def sd_ratio_by_chance(n: int, chance: float = CHANCE) -> float:
    """The ratio of the larger to the smaller of two s.d.s, each over ``n`` seeds of one normal
    spread, exceeded with probability ``chance``: √x, with P(F > x) = chance / 2 for F of (n − 1,
    n − 1) degrees of freedom, P(F > x) = I_{1/(1+x)}((n − 1)/2, (n − 1)/2). n ≥ 3."""
    if n < 3:
        raise ValueError(f"an s.d. ratio needs at least 3 seeds each, got {n}")
    a = (n - 1) / 2
    low, high = 1.0, 1e6
    for _ in range(100):  # bisection in log x: P(F > x) falls as x grows
        x = math.sqrt(low * high)
        low, high = (x, high) if _beta_cdf(1 / (1 + x), a) > chance / 2 else (low, x)
    return math.sqrt(math.sqrt(low * high))
