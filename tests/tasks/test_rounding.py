"""The shared rounding on made-up amounts: counts, times and ratios to two significant figures."""

from __future__ import annotations

from mnist_sgd.tasks.rounding import two_figures


def test_an_amount_is_given_to_two_figures():
    assert [two_figures(v) for v in (652.4, 80.76, 4.96, 0.0269)] == ["650", "81", "5.0", "0.027"]
    assert [two_figures(v) for v in (1642.4, 165.3, 0.4963, 98.14)] == ["1,600", "170", "0.50", "98"]
    assert [two_figures(v) for v in (1990, 1517, 4491, 200, 37, 0)] == ["2,000", "1,500", "4,500", "200", "37", "0"]
