"""The s.d. ratio that chance gives, against the F distribution's tabled quantiles."""

from __future__ import annotations

import math

import pytest

from mnist_sgd.science.spreads import sd_ratio_by_chance


def test_the_bound_is_the_square_root_of_the_f_quantile_of_both_tails():
    # F(2, 2): P(F > x) = 1 / (1 + x), so the 2.5% tail starts at 39; F(4, 4) at 9.6045, F(9, 9) at 4.026
    assert sd_ratio_by_chance(3) == pytest.approx(math.sqrt(39), rel=1e-4)
    assert sd_ratio_by_chance(5) == pytest.approx(math.sqrt(9.6045), rel=1e-3)
    assert sd_ratio_by_chance(10) == pytest.approx(math.sqrt(4.026), rel=1e-3)
    assert sd_ratio_by_chance(3, chance=0.10) == pytest.approx(math.sqrt(19), rel=1e-4)


def test_two_seeds_give_no_bound():
    with pytest.raises(ValueError, match="at least 3 seeds"):
        sd_ratio_by_chance(2)
