"""The test of two means, said beside the report's rule where that rule finds no difference.

The report's rule (``criteria.DIFFER_RULE``) asks whether one run of each result would be told
apart. Where it says *within the spread*, the means over n seeds may still differ: each mean's
standard error is σ/√n. This weaker test is only ever said beside the rule's verdict, never
instead of it, so every verdict of the report stays the rule's.
"""

from __future__ import annotations

import math

MEANS_RULE = (
    "said beside a verdict within the spread when the two means are further apart than 2√(σ₁²/n₁ + σ₂²/n₂), "
    "twice the standard error of their difference over n₁ and n₂ seeds"
)


def means_bound(s1: float, n1: int, s2: float, n2: int) -> float:
    """Twice the standard error of the difference of two means, each with s.d. s over n seeds."""
    return 2 * math.sqrt(s1**2 / n1 + s2**2 / n2)


def means_differ(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> bool:
    """Whether two means, each with s.d. s over n seeds, are further apart than ``means_bound``
    (``MEANS_RULE``). False when a spread is unknown (NaN) or n < 2."""
    if min(n1, n2) < 2:
        return False
    return abs(m1 - m2) > means_bound(s1, n1, s2, n2)
