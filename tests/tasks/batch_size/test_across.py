"""Across batch sizes: Task 3's table shows where each seed ended, with the seeds' spread; the runs
and the hand-made figures are read as the tables give them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.tasks.batch_size.across import (
    across_caption,
    across_table,
    across_text,
    batch_hand_summary_text,
    equal_samples_text,
    run_facts,
    seed_ends,
    step_costs,
)

L_STAR = 0.2
GRID = [0, 1, 2, 4, 8, 16]
NBSP = "\u00a0"


def curves(batch_size: int, ends: list[float]) -> pd.DataFrame:
    """One run per seed whose excess over L* halves along the grid and is flat at ``ends[seed]``
    over the last doubling (t = 8 and 16), so that each seed's end is exactly its value."""
    return pd.DataFrame(
        [
            {"batch_size": batch_size, "seed": seed, "t": t, "train_loss": L_STAR + max(end, 0.1 / (1 + t) ** 2)}
            for seed, end in enumerate(ends)
            for t in GRID
        ]
    )


def chosen(sizes: list[int]) -> pd.DataFrame:
    n = len(sizes)
    return pd.DataFrame(
        {
            "batch_size": sizes,
            "lr": [0.01] * n,
            "itr": [8] * n,
            "converged": [True] * n,
            "cap": [16] * n,
            "seeds": [2] * n,
            "itr_seconds_mean": [0.1] * n,
            "itr_seconds_std": [0.01] * n,
            "train_seconds_mean": [0.2] * n,
            "train_seconds_std": [0.02] * n,
            "final_test_acc": [0.84, 0.85][:n],
            "final_test_acc_std": [0.001] * n,
            "train_loss_star": [L_STAR] * n,
        }
    )


# B = 10 ends 0.02 and 0.024 above L* (10% and 12%), at η/2 0.01 and 0.0192: ratios 0.5 and 0.8, whose
# mean 0.65 is not the ratio of the means (0.0146 / 0.022 = 0.66); B = 100 the same at both seeds
AT_ETA = pd.concat([curves(10, [0.02, 0.024]), curves(100, [0.01, 0.01])])
AT_HALF = pd.concat([curves(10, [0.01, 0.0192]), curves(100, [0.012, 0.012])])


def test_each_seed_is_read_on_its_own_run_and_against_itself_at_half_the_rate():
    ends = seed_ends(AT_ETA, AT_HALF, L_STAR).set_index("batch_size")
    assert math.isclose(ends.loc[10, "gap_pct"], 11.0) and math.isclose(ends.loc[10, "gap_pct_sd"], 1.0)
    assert math.isclose(ends.loc[10, "half_ratio"], 0.65) and math.isclose(ends.loc[10, "half_ratio_sd"], 0.15)
    assert math.isclose(ends.loc[100, "half_ratio"], 1.2) and ends.loc[100, "half_ratio_sd"] == 0.0


def test_the_table_shows_the_spread_of_the_excess_and_of_its_ratio_at_half_the_rate():
    shown = across_table(chosen([10, 100]), seed_ends(AT_ETA, AT_HALF, L_STAR)).set_index("B")
    assert shown.loc["10", "excess over L* (%)"] == f"11.00{NBSP}±{NBSP}1.00"
    assert shown.loc["10", "excess ratio η/2 : η"] == f"0.65{NBSP}±{NBSP}0.15"
    assert shown.loc["100", "excess ratio η/2 : η"] == f"1.20{NBSP}±{NBSP}0.00"


def test_the_text_quotes_the_excess_with_its_spread():
    text = across_text(chosen([10, 100]), seed_ends(AT_ETA, AT_HALF, L_STAR))
    assert f"lies 5.00{NBSP}±{NBSP}0.00% above L* at B = 100 and 11.00{NBSP}±{NBSP}1.00% at B = 10" in text
    assert "the same seeds at η/2 are Task 4's evidence" in text


def test_the_caption_says_what_the_ratio_is():
    caption = across_caption(chosen([10, 100]), {"threads": 1, "device": "cpu", "parallel_jobs": 2})
    assert "each seed's excess at η/2 (the same seeds and horizon) over its own at η" in caption


def test_the_hand_summary_compares_rates_accuracies_and_times():
    t = pd.DataFrame(
        {
            "batch_size": [1, 1000],
            "lr": [0.002, 0.046],
            "hand_lr": [0.001, 0.01],
            "hand_ref_test_acc": [0.827, 0.853],
            "hand_test_acc": [0.826, 0.80],
            "hand_test_acc_std": [0.002, 0.001],
            "hand_seconds_50": [246.0, 21.0],
            "seconds_50_epochs": [27.0, 23.0],
        }
    )
    text = batch_hand_summary_text(t)
    assert "larger in 2 of 2 cases" in text
    assert "differ from the hand figures by -0.10, -5.30 points; within a single run's seed noise at B = 1." in text
    # per step: 246 s / 3,000,000 = 0.082 ms against 0.009 ms at B = 1; 7 ms against 7.67 at B = 1000
    assert "Per step that is 0.082, 7 ms by hand against 0.009, 7.67 ms here, 9.1×, 0.91× as long" in text
    # split through the two points: fixed costs 0.0751 and 0.00134 ms, per sample 0.00692 and 0.00766 ms
    assert "the hand-made loop's fixed cost is 56× this build's and its cost per sample 0.9×" in text
    assert "the gap is mostly a fixed cost per step" in text


def test_the_hand_summary_says_where_the_rate_of_0_1_diverged():
    t = pd.DataFrame(
        {
            "batch_size": [1, 1000],
            "lr": [0.002, 0.046],
            "hand_lr": [0.001, 0.01],
            "hand_ref_test_acc": [0.827, 0.853],
            "hand_test_acc": [0.826, 0.853],
            "hand_test_acc_std": [0.002, 0.001],
            "hand_seconds_50": [246.0, 21.0],
            "seconds_50_epochs": [27.0, 23.0],
            "smallest_diverging": [0.0215, 0.1],
        }
    )
    assert (
        "here it diverged at every B run too (the smallest diverging rate of each sweep: 0.0215, 0.1)"
        in batch_hand_summary_text(t)
    )
    assert "here it diverged at B = 1 only" in batch_hand_summary_text(t.assign(smallest_diverging=[0.0215, math.nan]))


def test_the_runs_give_the_largest_finite_rate_the_checkpoints_and_the_noise_at_the_end():
    sweeps = pd.DataFrame(
        {
            "batch_size": [10] * 6 + [100] * 2,
            "lr": [0.01, 0.01, 0.02, 0.02, 0.03, 0.03, 0.1, 0.1],
            "seed": [0, 1] * 4,
            "diverged": [False, False, False, False, False, True, True, True],
        }
    )
    curves = pd.DataFrame(
        [
            {"batch_size": b, "seed": s, "t": t, "noise_scale": noise * (1 + s)}
            for b in (10, 100)
            for s in (0, 1)
            for t, noise in zip([0, 1, 2, 4, 8], [1.0, 2.0, 4.0, 10.0, 20.0])
        ]
    )
    facts = run_facts(sweeps, curves).set_index("batch_size")
    assert facts.loc[10, "largest_stable"] == 0.02  # one seed of 0.03 diverged
    assert math.isnan(facts.loc[100, "largest_stable"])
    assert facts.loc[10, "checkpoints"] == 5
    # t = 4 and 8, the last doubling: seed means 15 and 30
    assert facts.loc[10, "noise_end"] == 22.5


def test_step_costs_split_a_fixed_cost_from_a_cost_per_sample():
    sizes = np.array([1, 10, 100, 1000])
    fixed_cost, per_sample = step_costs(sizes, 0.05 + 0.002 * sizes)
    assert math.isclose(fixed_cost, 0.05) and math.isclose(per_sample, 0.002)


def hand_times(**columns) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "batch_size": [10, 100],
            "lr": [0.0139, 0.0139],
            "hand_lr": [0.01, 0.01],
            "hand_ref_test_acc": [0.854, 0.853],
            "hand_test_acc": [0.852, 0.853],
            "hand_test_acc_std": [0.001, 0.001],
            "hand_seconds_50": [38.0, 24.0],
            "seconds_50_epochs": [18.0, 6.9],
            "train_seconds_mean": [0.1, 0.4],
            "cap": [1600, 1600],
            "checkpoints": [39, 39],
            **columns,
        }
    )


def test_the_hand_made_times_per_step_say_where_the_gap_lies():
    # per step 0.127 and 0.8 ms by hand, 0.06 and 0.23 here: the cost per sample differs most
    text = batch_hand_summary_text(hand_times())
    assert "Per step that is 0.127, 0.8 ms by hand against 0.06, 0.23 ms here, 2.1×, 3.5× as long" in text
    assert "fixed cost is 1.3× this build's and its cost per sample 4×" in text
    assert "the gap lies in the arithmetic on each sample, not in a fixed cost per step" in text
    assert "interpreted loop" not in text
    # a hand-made step that gets cheaper with a larger batch splits into no positive parts
    odd = batch_hand_summary_text(hand_times(hand_seconds_50=[38.0, 2.0]))
    assert "these times give a part at or below zero, so they show no more than the factors" in odd


def test_the_hand_timings_of_evaluated_runs_are_set_against_a_training_step_here():
    text = batch_hand_summary_text(hand_times())
    # 0.4 s over 1,600 iterations: 0.25 ms a step; 350 s / 1,000 and 6 s / 6,000 by hand
    assert "350 ms and 1 ms per iteration, against 0.25 ms for a training step at B = 100 here (1,400× and 4×" in text
    assert "a pass over all 60,000 training images, 600 times a step's data" in text
    assert "evaluates at 39 checkpoints of a 1,600-iteration run" in text
    assert "what its evaluations cost is not in these tables" in text
    assert "evaluated at every iteration" not in batch_hand_summary_text(hand_times().iloc[:1])


def test_a_batch_size_that_ran_more_samples_is_also_read_where_the_others_stopped():
    # B = 1 runs 16 iterations (16 samples), B = 2 runs 16 iterations (32 samples): B = 2 is read at t <= 8
    c = pd.concat([curves(1, [0.01, 0.01]), curves(2, [0.01, 0.01])])
    c.loc[(c["batch_size"] == 2) & (c["t"] <= 8), "train_loss"] = L_STAR + 0.02  # 10% of L* up to 16 samples
    table = chosen([1, 2]).assign(cap=16, train_loss_star=L_STAR)
    text = equal_samples_text(table, c)
    assert text is not None
    assert "16 and 32 at B = 1 and 2" in text
    assert "Read after 16 samples, where the runs of B = 1 ended" in text
    assert text.endswith("is 10.00% at B = 2.")
    same = table.assign(cap=[32, 16])
    assert equal_samples_text(same, c) is None
