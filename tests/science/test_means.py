"""The test of two means beside the report's rule, on made-up values."""

from __future__ import annotations

import math

from mnist_sgd.science.criteria import differ
from mnist_sgd.science.means import means_differ


def test_means_over_seeds_can_differ_where_one_run_of_each_would_not_be_told_apart():
    # s.d. 0.4 over 3 seeds each: the rule's distance is 2√0.32 = 1.13, the means' 2√(0.32/3) = 0.65
    assert not differ(80.0, 0.4, 80.8, 0.4) and means_differ(80.0, 0.4, 3, 80.8, 0.4, 3)
    assert not means_differ(80.0, 0.4, 3, 80.6, 0.4, 3)
    assert means_differ(80.0, 0.4, 5, 80.6, 0.4, 5)  # more seeds, smaller standard errors


def test_a_mean_of_one_run_or_an_unknown_spread_never_differs():
    assert not means_differ(80.0, 0.4, 1, 85.0, 0.4, 3)  # one run has no standard error of its own
    assert not means_differ(80.0, math.nan, 3, 85.0, 0.4, 3)
