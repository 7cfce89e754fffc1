"""Task 3's per-batch-size texts on made-up sweeps and rows: ITR and times to the spread,
the neighbouring rates, and a chosen rate at the grid's edge said to be one."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.tasks.batch_size.per_batch import (
    THEORY_TEXT,
    floor_text,
    floor_verdict,
    itr_text,
    lr_choice_text,
    mean_rounded,
    mean_sd_rounded,
)

NBSP = "\u00a0"


def rates(t_target: dict[float, float], diverged: tuple[float, ...] = (), chosen: float | None = None) -> pd.DataFrame:
    """A ``target_ranking``: per rate its iterations to the target (NaN: ended outside it), the
    rates in ``diverged`` with a diverged seed; the chosen one the fastest unless given."""
    lrs = sorted([*t_target, *diverged])
    reached = {lr: lr in t_target and math.isfinite(t_target[lr]) for lr in lrs}
    fastest = chosen if chosen is not None else min((t, lr) for lr, t in t_target.items() if reached[lr])[1]
    return pd.DataFrame(
        {
            "lr": lrs,
            "seeds": 3,
            "diverged_seeds": [3 if lr in diverged else 0 for lr in lrs],
            "mean_loss": [math.nan if lr in diverged else 0.2 for lr in lrs],
            "end_excess_pct": [math.nan if lr in diverged else (3.0 if reached[lr] else 8.0) for lr in lrs],
            "t_target": [t_target.get(lr, math.nan) for lr in lrs],
            "t_target_sd": [0.05 * t_target.get(lr, math.nan) for lr in lrs],
            "reached": [reached[lr] for lr in lrs],
            "chosen": [lr == fastest for lr in lrs],
        }
    )


def test_a_mean_and_its_spread_are_rounded_to_what_the_seeds_tell_apart():
    assert mean_sd_rounded(111890, 5138) == f"112,000{NBSP}±{NBSP}5,000"
    assert mean_sd_rounded(4.756, 0.277) == f"4.76{NBSP}±{NBSP}0.28"
    assert mean_sd_rounded(0.972, 0.102) == f"0.97{NBSP}±{NBSP}0.10"
    assert mean_sd_rounded(2.0, 0.0) == f"2.00{NBSP}±{NBSP}0.00"
    assert mean_sd_rounded(math.nan, 0.0) == "n/a"
    # the same mean as a number, for ratios read off the table
    assert mean_rounded(111890, 5138) == 112_000 and mean_rounded(4.756, 0.277) == 4.76
    assert math.isnan(mean_rounded(math.nan, 0.0))


def test_the_sweep_text_names_the_fastest_rate_its_neighbours_and_the_theory():
    ranking = rates({0.001: 9000.0, 0.002: 3000.0, 0.005: math.nan}, diverged=(0.1,))
    text = lr_choice_text(ranking, 1000, 5000, 20000, 0.02608, 0.05215, 0.0525)
    assert "runs of 20,000 iterations, grown from 5,000 by 2 doublings, 3 seeds per rate" in text
    assert f"**η = 0.002**, in 3,000{NBSP}±{NBSP}150 iterations" in text
    assert f"The next smaller rate, 0.001, took 9,000{NBSP}±{NBSP}450" in text
    assert "the next larger rate, 0.005, ended 8.0% above L*, outside the target" in text
    assert "Runs diverged at η ≥ 0.1." in text and "largest finite" not in text
    assert "η\\*(B) = 0.026, and 2η\\*(B) = 0.052 bounds its guarantee" in text
    assert "0.0525" not in text  # 2/λ_max is Task 2's number: not quoted again here


def test_a_chosen_rate_at_the_grids_edge_is_said_to_be_one():
    edge = rates({0.01: 900.0, 0.0464: 629.0}, diverged=(0.1,))
    text = lr_choice_text(edge, 1000, 4000, 4000, 0.026, 0.052, 0.0525)
    assert "It is also the grid's largest finite rate: a faster one may lie between it and 0.1, the smallest" in text
    assert "diverged, below 2/λ_max." in text and "grown" not in text
    # 2/λ_max beyond the smallest diverging rate bounds nothing; with none diverging, the rates above are open
    assert "below 2/λ_max" not in lr_choice_text(edge, 1000, 4000, 4000, 0.026, 0.052, 0.2)
    open_top = rates({0.01: 900.0, 0.0464: 629.0})
    assert "a faster one may lie above it, below 2/λ_max." in lr_choice_text(
        open_top, 1000, 4000, 4000, 0.026, 0.052, 0.0525
    )
    # nothing reached the target: the fallback is said, and no neighbours are compared
    none = rates({0.01: math.nan, 0.0464: math.nan}, chosen=0.0464)
    fallback = lr_choice_text(none, 1000, 4000, 4000, 0.026, 0.052, 0.0525)
    assert "No rate came within the target" in fallback and "next smaller" not in fallback


def test_the_theory_defines_its_lines_and_says_what_its_bound_does_not_cover():
    assert "η\\*(B) = B/(β + (B − 1)λ_max)" in THEORY_TEXT and "Ma, Bassily & Belkin" in THEORY_TEXT
    assert "a rate above 2η\\*(B) may still be stable" in THEORY_TEXT


def row(**changes) -> pd.Series:
    base = {
        "batch_size": 1000,
        "lr": 0.0464,
        "target_pct": 5.0,
        "itr": 512.4,
        "itr_sd": 21.7,
        "converged": True,
        "cap": 4000,
        "seeds": 3,
        "itr_seconds_mean": 4.756,
        "itr_seconds_std": 0.277,
        "train_seconds_mean": 26.92,
        "train_seconds_std": 2.98,
        "final_train_loss": 0.1996,
        "excess_pct": 2.11,
        "final_test_acc": 0.8507,
        "final_test_acc_std": 0.0043,
        "train_loss_star": 0.1955,
        "test_acc_star": 0.8534,
        "half_end_excess_pct": 1.1,
        "half_ratio": 0.52,
        "half_ratio_sd": 0.03,
    }
    return pd.Series({**base, **changes})


def test_the_itr_text_rounds_itr_and_times_to_what_the_seeds_resolve():
    text = itr_text(row())
    assert f"**B = 1,000: η = 0.0464, first within 5% of L* after 512{NBSP}±{NBSP}22 iterations**" in text
    assert f"iterations**, 4.8{NBSP}±{NBSP}0.3 s" in text and f"(27{NBSP}±{NBSP}3 s)" in text  # times to two figures
    assert f"the test accuracy was 85.1{NBSP}±{NBSP}0.4%" in text  # to the spread, as Task 3's table
    assert "L* =" not in text  # L* is Task 2's number: not quoted again here
    missed = itr_text(row(converged=False, itr=math.nan))
    assert "did not stay within 5% of L* in 4,000 iterations" in missed and "ITR" not in missed


def test_the_gap_left_is_read_from_the_same_seeds_at_half_the_rate():
    assert floor_verdict(0.5) == "noise floor" and floor_verdict(1.3) == "descending" and floor_verdict(0.85) == "both"
    # read against the per-seed spread: 0.95 ± 0.03 is not told from 1, 0.95 ± 0.02 is
    assert floor_verdict(0.95, 0.03) == "descending" and floor_verdict(0.95, 0.02) == "both"
    assert floor_verdict(0.6, 0.06) == "noise floor" and floor_verdict(math.nan) == "unknown"
    assert f"seed by seed, 0.52{NBSP}±{NBSP}0.03 times the gap at η" in floor_text(row())
    assert "so the gap is SGD's noise at this step" in floor_text(row())
    assert "mostly a slow descent" in floor_text(row(half_ratio=1.16, half_ratio_sd=0.05))
    assert "part noise, part slow descent" in floor_text(row(half_ratio=0.86, half_ratio_sd=0.02))
