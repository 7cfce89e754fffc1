"""Task 3's per-batch-size texts on made-up sweeps and rows: ITR quoted to what the checkpoints
resolve, times to the seeds' spread, and a chosen rate at the grid's edge said to be one."""

from __future__ import annotations

import math

import pandas as pd
from made_up import sweep

from mnist_sgd.science.criteria import lr_ranking
from mnist_sgd.tasks.batch_size.per_batch import (
    THEORY_TEXT,
    checkpoint_spacing,
    figures_for,
    hand_batch_text,
    itr_figures,
    itr_text,
    lr_choice_text,
    mean_sd_rounded,
    to_figures,
)

NBSP = "\u00a0"


def test_itr_is_rounded_to_the_spacing_of_the_checkpoints_around_it():
    grid = [0, 1, 2, 4, 8, 16]
    assert checkpoint_spacing(grid, 8) == 1.0  # the next checkpoint lies 100% further
    assert checkpoint_spacing(grid, 16) == 1.0  # at the last, the previous one
    assert math.isnan(checkpoint_spacing([5], 5)) and math.isnan(checkpoint_spacing(grid, 32))
    assert figures_for(0.09) == 2 and figures_for(0.06) == 2 and figures_for(0.009) == 3 and figures_for(1.0) == 1
    assert figures_for(math.nan) == 3
    assert to_figures(172541, 2) == 170000 and to_figures(629, 2) == 630 and to_figures(1582, 2) == 1600
    fine = [*range(1000, 2001, 5)]  # 0.5% apart around 1,582... on a grid of fives: 1,580
    assert itr_figures(fine, 1580) == 3 and itr_figures(grid, 8) == 1


def test_a_mean_and_its_spread_are_rounded_to_what_the_seeds_tell_apart():
    assert mean_sd_rounded(111890, 5138) == f"112,000{NBSP}±{NBSP}5,000"
    assert mean_sd_rounded(4.756, 0.277) == f"4.76{NBSP}±{NBSP}0.28"
    assert mean_sd_rounded(0.972, 0.102) == f"0.97{NBSP}±{NBSP}0.10"
    assert mean_sd_rounded(2.0, 0.0) == f"2.00{NBSP}±{NBSP}0.00"
    assert mean_sd_rounded(math.nan, 0.0) == "n/a"


def test_the_sweep_text_quotes_itr_to_the_figures_given_and_the_theory_to_two():
    ranking = lr_ranking(
        sweep({0.001: [0.30, 0.31], 0.002: [0.2500, 0.2510], 0.005: [0.2200, 0.2210]}),
        pd.Series({0.001: math.nan, 0.002: 3000.0, 0.005: 172541.0}),
    )
    text = lr_choice_text(ranking, 1000, 5000, 5000, 0.02608, 0.05215, 0.0525, 2)
    assert "converged from ITR = 170,000." in text and "172,541" not in text
    assert "for B = 1,000" in text
    assert "η\\*(B) = 0.026, and 2η\\*(B) = 0.052 bounds its guarantee" in text
    assert "0.0525" not in text  # 2/λ_max is Task 2's number: not quoted again here
    assert "3 stable rates" not in text and "2 stable rates converged (η = 0.002, 0.005)" in text


def test_a_chosen_rate_at_the_grids_edge_is_said_to_be_one():
    itr = pd.Series({0.01: 900.0, 0.0464: 629.0})
    edge = lr_ranking(sweep({0.01: [0.25, 0.251], 0.0464: [0.20, 0.201], 0.1: [math.nan, math.nan]}), itr)
    text = lr_choice_text(edge, 1000, 4000, 4000, 0.026, 0.052, 0.0525)
    assert "the rule picks **η = 0.0464**" in text
    assert (
        "It is also the grid's largest finite rate: a rate converging sooner may lie between it and 0.1, the smallest"
        in text
    )
    assert "diverged, below 2/λ_max." in text
    # 2/λ_max beyond the smallest diverging rate bounds nothing; with none diverging, the rates above are open
    assert "below 2/λ_max" not in lr_choice_text(edge, 1000, 4000, 4000, 0.026, 0.052, 0.2)
    open_top = lr_ranking(sweep({0.01: [0.25, 0.251], 0.0464: [0.20, 0.201]}), itr)
    assert "a rate converging sooner may lie above it, below 2/λ_max." in lr_choice_text(
        open_top, 1000, 4000, 4000, 0.026, 0.052, 0.0525
    )
    # a single converged rate is named once
    only = lr_ranking(
        sweep({0.01: [0.25, 0.251], 0.0464: [0.20, 0.201], 0.1: [math.nan, math.nan]}), pd.Series({0.0464: 629.0})
    )
    once = lr_choice_text(only, 1000, 4000, 4000, 0.026, 0.052, 0.0525)
    assert "only η = 0.0464 converged, so the rule picks **η = 0.0464**" in once and "1 stable rate" not in once
    # a chosen rate below the grid's largest finite one is not at its edge
    inside = lr_ranking(sweep({0.01: [0.20, 0.201], 0.0464: [0.25, 0.251], 0.1: [math.nan, 0.3]}), itr)
    assert "largest finite" not in lr_choice_text(inside, 1000, 4000, 4000, 0.026, 0.052, 0.0525)


def test_the_theory_defines_its_lines_and_says_what_its_bound_does_not_cover():
    assert "η\\*(B) = B/(β + (B − 1)λ_max)" in THEORY_TEXT and "Ma, Bassily & Belkin" in THEORY_TEXT
    assert "a rate above 2η\\*(B) may still be stable" in THEORY_TEXT


def row(**changes) -> pd.Series:
    base = {
        "batch_size": 1000,
        "lr": 0.0464,
        "itr": 172541,
        "converged": True,
        "cap": 1000000,
        "itr_needed": math.nan,
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
        "rel_tol": 0.01,
        "last_change": -0.0065,
        "half_end_excess_pct": 2.29,
        "hand_test_acc": 0.853,
        "hand_test_acc_std": 0.0005,
        "seconds_50_epochs": 5.97,
    }
    return pd.Series({**base, **changes})


def test_the_itr_text_rounds_itr_and_times_to_what_the_runs_resolve():
    text = itr_text(row(), 2)
    assert "**B = 1,000: η = 0.0464, ITR = 170,000 iterations**" in text
    assert f"reached after 4.76{NBSP}±{NBSP}0.28 s" in text and f"(26.9{NBSP}±{NBSP}3.0 s)" in text
    assert f"the test accuracy was 85.1{NBSP}±{NBSP}0.4%" in text  # to the seeds' spread, as Task 3's table
    assert "L* =" not in text  # L* is Task 2's number: not quoted again here
    assert "ITR = 172,541" in itr_text(row(), 6)


def test_the_hand_text_writes_a_batch_size_as_the_tables_do():
    hand = {"test_acc": 0.853, "lr": 0.01, "seconds_50_epochs": 21.0}
    assert hand_batch_text(row(), hand, 0.001, 6000).startswith("**Compared with the hand-made reports (B = 1,000).**")
