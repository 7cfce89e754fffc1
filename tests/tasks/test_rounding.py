"""The shared rounding on made-up amounts: counts, times and ratios to two significant figures."""

from __future__ import annotations

from mnist_sgd.tasks.rounding import distance, time_spread, two_figures


def test_an_amount_is_given_to_two_figures():
    assert [two_figures(v) for v in (652.4, 80.76, 4.96, 0.0269)] == ["650", "81", "5.0", "0.027"]
    assert [two_figures(v) for v in (1642.4, 165.3, 0.4963, 98.14)] == ["1,600", "170", "0.50", "98"]
    assert [two_figures(v) for v in (1990, 1517, 4491, 200, 37, 0)] == ["2,000", "1,500", "4,500", "200", "37", "0"]


def test_a_time_is_given_to_two_figures_and_its_spread_to_the_same_place():
    # the machine's load moves a job's times by up to about 2×: a third figure would say nothing
    assert time_spread(1642.4, 139.6) == "1,600\u00a0±\u00a0100" and time_spread(165.3, 1.7) == "170\u00a0±\u00a00"
    assert time_spread(1.28, 0.09) == "1.3\u00a0±\u00a00.1"


def test_a_difference_of_accuracies_reads_as_a_distance_in_points():
    assert distance(-9.22) == "9.22 points below" and distance(1.5) == "1.50 points above"
    assert distance(0.001) == "level with" and distance(-1.32, "smaller", "larger") == "1.32 points larger"
