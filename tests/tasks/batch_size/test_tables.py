"""Tasks 2-4's tables follow the runs they are given."""

from __future__ import annotations

import math

import pandas as pd
from made_up import reference

from mnist_sgd.science import linear
from mnist_sgd.tasks.batch_size.tables import (
    batch_size_summary,
    chosen_row,
    hand_caption,
    hand_table,
    seconds_to_target,
    sweep_table,
)

L_STAR = 0.2


def curves(excess_at: dict[int, float], seeds: int = 2) -> pd.DataFrame:
    """Curves on a doubling grid, the same for every seed, with the excess given per t."""
    rows = [
        {
            "seed": s,
            "t": t,
            "train_loss": L_STAR + e,
            "excess": e,
            "test_acc": 0.8 + 0.01 * s,
            "train_acc": 0.85,
            "train_seconds": t / 1000 * (1 + s),
        }
        for s in range(seeds)
        for t, e in excess_at.items()
    ]
    return pd.DataFrame(rows)


def ranking(diverging: list[float]) -> pd.DataFrame:
    lrs = [0.001, 0.01, 0.1, *diverging]
    return pd.DataFrame(
        {
            "lr": lrs,
            "diverged_seeds": [0, 0, 0] + [2] * len(diverging),
            "mean_loss": [0.3, 0.25, 0.21] + [math.nan] * len(diverging),
            "sd_loss": [0.01, 0.002, 0.001] + [math.nan] * len(diverging),
            "mean_test_acc": [0.8, 0.84, 0.85] + [math.nan] * len(diverging),
            "t_target": [9000.0, 1234.0, math.nan] + [math.nan] * len(diverging),
            "t_target_sd": [500.0, 56.0, math.nan] + [math.nan] * len(diverging),
            "reached": [False, True, False] + [False] * len(diverging),
            "chosen": [False, True, False] + [False] * len(diverging),
        }
    )


GRID = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256]


FLAT_END = dict(zip(GRID, [1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.02, 0.02, 0.02, 0.02]))


def flat_end_row(at_lr: pd.DataFrame, at_half: pd.DataFrame) -> pd.Series:
    """Task 3's row of B = 10, η = 0.01 from two seeds at η and at η/2, horizon 256."""
    return chosen_row(
        10,
        0.01,
        runs=pd.DataFrame({"final_test_acc": [0.8, 0.81], "train_seconds": [0.2, 0.4]}),
        curves=at_lr,
        halved=at_half,
        hand_runs=pd.DataFrame({"final_test_acc": [0.70, 0.72]}),
        ranking=ranking([0.5, 1.0]),
        ref=reference(),
        target_pct=20.0,
        cap=256,
        start=128,
        n_train=1000,
    ).iloc[0]


def test_a_flat_end_converges_and_the_row_follows_the_runs():
    row = flat_end_row(curves(FLAT_END), curves(FLAT_END))
    # within 20% of L* = 0.2 (an excess of 0.04) between t = 8 (0.05) and t = 16 (0.02), interpolated in log-log
    assert row["converged"] and 8 < row["itr"] < 16 and row["itr_sd"] == 0 and row["seeds"] == 2
    assert math.isclose(row["excess_pct"], 100 * 0.02 / L_STAR)  # over the last doubling of the run
    assert row["start"] == 128 and math.isclose(row["itr_seconds_mean"], row["itr"] / 1000 * 1.5)
    assert row["hand_test_acc"] == 0.71 and math.isclose(row["hand_test_acc_std"], 0.01)
    assert math.isclose(row["seconds_50_epochs"], 0.3 / 256 * 50 * 1000 / 10)
    assert row["smallest_diverging"] == 0.5
    assert row["eta_star"] == linear.eta_star(10, 100.0, 5.0)


def test_the_end_excess_is_the_seeds_mean_at_the_rate_and_at_half_of_it():
    c = curves(FLAT_END)
    c.loc[c["seed"] == 1, "train_loss"] += 0.004  # seed 1 ends 0.004 higher: ends 0.02 and 0.024 above L*
    row = flat_end_row(c, curves({t: 2 * e for t, e in FLAT_END.items()}))
    assert math.isclose(row["excess_pct"], 100 * 0.022 / L_STAR)
    assert math.isclose(row["half_end_excess_pct"], 100 * 0.04 / L_STAR)  # η/2 ends twice as far


def test_a_loss_still_falling_at_the_horizon_is_not_converged():
    excess = {t: 1.0 / (1 + t) for t in GRID}
    row = chosen_row(
        10,
        0.01,
        runs=pd.DataFrame({"train_seconds": [1.0]}),
        curves=curves(excess, 1),
        halved=curves(excess, 1),
        hand_runs=pd.DataFrame({"final_test_acc": [0.7]}),
        ranking=ranking([]),
        ref=reference(),
        target_pct=1.0,  # an excess of 0.002, which 1 / (1 + t) has not reached by t = 256
        cap=256,
        start=128,
        n_train=1000,
    ).iloc[0]
    assert not row["converged"] and math.isnan(row["itr"]) and math.isnan(row["itr_seconds_mean"])
    assert math.isnan(row["smallest_diverging"])


def test_a_run_that_touches_the_target_but_ends_outside_it_has_not_converged():
    bounce = dict(zip(GRID, [1.0, 0.5, 0.005, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]))
    row = flat_end_row(curves(bounce), curves(bounce))
    assert not row["converged"] and math.isnan(row["itr"])


def test_the_sweep_table_says_which_rate_the_rule_chose():
    shown = sweep_table(ranking([0.5]))
    assert list(shown["rule"]) == ["", "chosen", "", ""]
    assert list(shown["iterations to the target"]) == [
        "reached, ended outside",
        "1,230\u00a0±\u00a060",
        "not reached",
        "not reached",
    ]
    assert list(shown["η"]) == ["0.001", "0.01", "0.1", "0.5"]


def summary_input() -> tuple[pd.DataFrame, pd.DataFrame]:
    base = dict(
        eta_star=0.1,
        eta_max=0.2,
        smallest_diverging=0.5,
        cap=256,
        target_pct=5.0,
        train_loss_star=1.0,
        itr_sd=1.0,
        train_seconds_mean=1.0,
        train_seconds_std=0.1,
        itr_seconds_mean=0.5,
        itr_seconds_std=0.05,
        seeds=2,
        final_train_loss=0.21,
        excess_pct=5.0,
        final_test_acc=0.85,
        half_end_excess_pct=2.5,
        hand_test_acc=0.8,
        hand_test_acc_std=0.01,
        seconds_50_epochs=12.0,
    )
    chosen = pd.DataFrame(
        [
            {**base, "batch_size": 100, "lr": 0.1, "itr": 64, "converged": True},
            {**base, "batch_size": 1, "lr": 0.01, "itr": 256, "converged": False},
        ]
    )
    fast = curves(dict(zip(GRID, [1.0, 0.5, 0.2, 0.1, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01]))).assign(batch_size=100)
    slow = curves({t: 1.0 for t in GRID}).assign(batch_size=1)
    return chosen, pd.concat([fast, slow], ignore_index=True)


def test_the_summary_counts_a_target_reached_only_when_every_seed_reached_it():
    chosen, c = summary_input()
    table = batch_size_summary(chosen, c)  # the target: 5% of L* = 1, an excess of 0.05
    assert list(table["batch_size"]) == [1, 100]  # by batch size
    slow, fast = table.iloc[0], table.iloc[1]
    assert math.isnan(slow["t_target"]) and math.isnan(slow["seconds_target"])
    assert fast["t_target"] == 8 and math.isclose(fast["seconds_target"], (0.008 + 0.016) / 2)
    assert fast["hand_lr"] == 0.01 and slow["hand_lr"] == 0.001  # the hand-made figures of each B
    assert fast["t_target_sd"] == 0 and fast["samples_target"] == 800 and math.isnan(slow["samples_target"])


def test_the_time_to_the_target_is_the_crossing_times_the_whole_runs_time_per_step():
    c = curves(FLAT_END)
    c.loc[(c["t"] > 0) & (c["t"] < 256), "train_seconds"] += 1.0  # a second's stall early on, gone by the end
    row = flat_end_row(c, curves(FLAT_END))
    # seed s took (1 + s) ms per step over its whole run, whatever its clock read at the crossing
    assert math.isclose(row["itr_seconds_mean"], row["itr"] / 1000 * 1.5)
    assert math.isclose(row["itr_seconds_std"], row["itr"] / 1000 * 0.5)
    hits = pd.DataFrame({"seed": [1, 0], "t": [10.0, math.nan]})
    assert seconds_to_target(hits, c).iloc[0] == 10 / 1000 * 2 and math.isnan(seconds_to_target(hits, c).iloc[1])
    table = batch_size_summary(*summary_input())
    assert math.isclose(table.iloc[1]["seconds_target"], 8 / 1000 * 1.5)


def test_a_crossing_between_checkpoints_is_interpolated():
    chosen, c = summary_input()
    # between t = 4 (excess 0.1) and t = 8 (0.05), 0.0707 lies half-way in log-log: t = 4 * sqrt(2)
    table = batch_size_summary(chosen.assign(target_pct=5 * 2**0.5), c)
    assert math.isclose(table.iloc[1]["t_target"], 4 * 2**0.5)


def test_the_hand_table_leaves_a_missing_figure_blank():
    chosen, c = summary_input()
    table = batch_size_summary(
        chosen.assign(batch_size=[100, 7]), c.assign(batch_size=c["batch_size"].map({100: 100, 1: 7}))
    )
    shown = hand_table(table)
    assert shown["η by hand"].iloc[0] == "" and shown["η by hand"].iloc[1] == "0.01"
    assert shown["same setting here"].iloc[1] == "80.00\u00a0±\u00a01.00%"
    assert list(shown["agrees?"]) == ["", "no"]  # 85.3% by hand against 80.00 ± 1.00: beyond two s.d.
    assert "re-run with 3 seeds" in hand_caption(3)


def test_the_hand_caption_names_each_figure_then_its_setting_in_brackets():
    caption = hand_caption(3)
    assert "seconds for 50 epochs (50 × 60,000 / B iterations; machine" in caption
    assert "50 epochs, 50 epochs" not in caption and "test accuracy (η = 0.001, 6,000 iterations" in caption
