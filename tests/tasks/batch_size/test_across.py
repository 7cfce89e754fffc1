"""Across batch sizes: Task 3's table shows where each seed ended, with the seeds' spread, and ITR to
the precision its checkpoints allow; its text reads the table without repeating it; the runs and
the hand-made figures are read as the tables give them."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.tasks.batch_size.across import (
    across_caption,
    across_facts,
    across_table,
    across_text,
    equal_samples_text,
    itr_spacing,
    noise_near,
    run_facts,
    seed_ends,
    smallest_converged,
    two_figures,
)
from mnist_sgd.tasks.batch_size.hand import batch_hand_summary_text, hand_comparison_table

L_STAR = 0.2
GRID = [0, 1, 2, 4, 8, 16]
NBSP = "\u00a0"
MORE = "#03_batch_size_summary--more"


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
            "rel_tol": [0.01] * n,
            "itr_seconds_mean": [0.1, 0.3, 0.4][:n],
            "itr_seconds_std": [0.01] * n,
            "train_seconds_mean": [0.2, 0.5, 0.6][:n],
            "train_seconds_std": [0.02] * n,
            "final_test_acc": [0.84, 0.85, 0.86][:n],
            "final_test_acc_std": [0.001] * n,
            "smallest_diverging": [0.1] * n,
            "lr_stability": [0.05] * n,
            "train_loss_star": [L_STAR] * n,
        }
    )


# B = 10 ends 0.02 and 0.024 above L* (10% and 12%), at η/2 0.01 and 0.0192: ratios 0.5 and 0.8, whose
# mean 0.65 is not the ratio of the means (0.0146 / 0.022 = 0.66); B = 100 the same at both seeds
AT_ETA = pd.concat([curves(10, [0.02, 0.024]), curves(100, [0.01, 0.01])])
AT_HALF = pd.concat([curves(10, [0.01, 0.0192]), curves(100, [0.012, 0.012])])


def sweep(batch_size: int, rates: dict[float, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A sweep of two seeds per rate, each rate 'flat' (converged), 'falling' (its loss still
    halving to the end) or 'diverged': its runs and its curves."""
    runs, rows = [], []
    for lr, kind in rates.items():
        for seed in (0, 1):
            runs.append({"batch_size": batch_size, "lr": lr, "seed": seed, "diverged": kind == "diverged"})
            for t in [1, 2, 4, 8, 16, 32, 64]:
                loss = {"flat": 0.3, "falling": 0.3 + 10 / t, "diverged": math.inf}[kind]
                rows.append({"batch_size": batch_size, "lr": lr, "seed": seed, "t": t, "train_loss": loss})
    return pd.DataFrame(runs), pd.DataFrame(rows)


def facts(sizes: list[int] = [10, 100], **changes) -> pd.DataFrame:  # noqa: B006 (never changed)
    """``across_facts`` of the made-up runs: at every B a sweep of 0.005 (still falling), 0.01
    (chosen, converged), 0.02 (converged) and 0.05 (diverged)."""
    made = [sweep(b, {0.005: "falling", 0.01: "flat", 0.02: "flat", 0.05: "diverged"}) for b in sizes]
    runs = pd.concat([m[0] for m in made])
    swept = pd.concat([m[1] for m in made])
    c = chosen(sizes).assign(**{"cap": 64, "smallest_diverging": 0.05, **changes})
    at_eta = pd.concat([curves(b, [0.02, 0.024]) for b in sizes])
    at_half = pd.concat([curves(b, [0.024, 0.03]) for b in sizes])
    return across_facts(c, at_eta, at_half, runs, swept)


def test_each_seed_is_read_on_its_own_run_and_against_itself_at_half_the_rate():
    ends = seed_ends(AT_ETA, AT_HALF, L_STAR).set_index("batch_size")
    assert math.isclose(ends.loc[10, "gap_pct"], 11.0) and math.isclose(ends.loc[10, "gap_pct_sd"], 1.0)
    assert math.isclose(ends.loc[10, "half_ratio"], 0.65) and math.isclose(ends.loc[10, "half_ratio_sd"], 0.15)
    assert math.isclose(ends.loc[100, "half_ratio"], 1.2) and ends.loc[100, "half_ratio_sd"] == 0.0


def test_the_sweep_gives_its_smallest_converged_and_largest_finite_rates():
    f = facts().set_index("batch_size")
    assert f.loc[10, "smallest_converged"] == 0.01  # 0.005 still falls, 0.05 diverged
    assert f.loc[10, "largest_stable"] == 0.02
    runs, swept = sweep(10, {0.005: "falling", 0.01: "falling"})
    assert math.isnan(smallest_converged(runs, swept, chosen([10]).assign(cap=64))["smallest_converged"][0])


def test_the_table_shows_the_spread_of_the_excess_and_of_its_ratio_at_half_the_rate():
    f = chosen([10, 100]).merge(seed_ends(AT_ETA, AT_HALF, L_STAR), on="batch_size").assign(itr_spacing=0.09)
    shown = across_table(f).set_index("B")
    assert shown.loc["10", "excess over L* (%)"] == f"11.00{NBSP}±{NBSP}1.00"
    assert shown.loc["10", "excess ratio η/2 : η"] == f"0.65{NBSP}±{NBSP}0.15"
    assert shown.loc["100", "excess ratio η/2 : η"] == f"1.20{NBSP}±{NBSP}0.00"


def test_itr_is_given_to_the_spacing_of_its_checkpoints():
    # checkpoints 1, 2, 4, 8, 16: the next one after ITR = 8 lies 100% further, so one figure
    assert itr_spacing(chosen([10]), curves(10, [0.01]))["itr_spacing"][0] == 1.0
    assert math.isnan(itr_spacing(chosen([10]).assign(converged=False), curves(10, [0.01]))["itr_spacing"][0])
    f = chosen([10, 100]).merge(seed_ends(AT_ETA, AT_HALF, L_STAR), on="batch_size")
    shown = across_table(f.assign(itr=[172541, 1582], cap=[1000000, 10000], itr_spacing=[0.093, 0.059]))
    assert shown["ITR (horizon)"].tolist() == ["170,000 (1,000,000)", "1,600 (10,000)"]
    caption = across_caption(f.assign(itr_spacing=[0.093, 0.059]), {"threads": 1, "device": "cpu", "parallel_jobs": 2})
    assert "ITR (rounded to the checkpoint spacing there, 6-9% of t) and the horizon" in caption
    assert "its ratio at η/2 to η (same seeds)" in caption
    unmet = across_table(f.assign(converged=[True, False], itr_spacing=[0.09, math.nan]))
    assert unmet["ITR (horizon)"][1] == "not met (16)" and unmet["training s to ITR"][1] == "–"


def test_an_amount_is_given_to_two_figures():
    assert [two_figures(v) for v in (652.4, 80.76, 4.96, 0.0269)] == ["650", "81", "5.0", "0.027"]


def test_the_rule_is_said_to_pick_the_smallest_converged_rate():
    text = across_text(facts(), MORE)
    assert "The rule picked the smallest rate that converged within the horizon at every batch size here" in text
    assert "the choice depends on the horizon" in text
    assert "0.01" not in text  # the chosen rates are the table's
    other = across_text(facts(lr=[0.01, 0.02]), MORE)
    assert "within the horizon at B = 10: the choice" in other
    none = across_text(facts().assign(smallest_converged=math.nan), MORE)
    assert "No rate converged within the horizon at any batch size here, so the rule took the lowest end." in none


def test_a_rate_at_the_top_of_the_grid_is_bounded_by_what_diverged_and_by_2_over_lambda_max():
    # B = 100 chose 0.02, the largest finite rate; 0.05 diverged, 2/λ_max = 0.03 lies in between
    text = across_text(facts(lr=[0.01, 0.02], lr_stability=0.03), MORE)
    assert "At B = 100 the chosen rate is also the grid's largest finite one (0.05 diverged)" in text
    assert "below 2/λ_max (Task 2's table), beyond which even full-batch descent diverges" in text
    assert "At B = 10 the chosen" not in text
    beyond = across_text(facts(lr=[0.01, 0.02], lr_stability=0.07), MORE)  # the diverging rate bounds first
    assert "(0.05 diverged): a rate converging sooner may lie in between." in beyond and "2/λ_max" not in beyond


def test_the_converged_claim_stands_beside_what_the_runs_at_half_the_rate_say():
    # the made-up runs at η/2 end farther above L* (ratios 1.2 and 1.25): still descending
    text = across_text(facts(), MORE)
    assert "The criterion held within the horizon at every batch size; converged means nearly flat" in text
    assert "at B = 10 and 100 the loss is still descending, slowly." in text
    assert "below 0.75 read as a noise floor, from 1 up as descent" in text
    mixed = across_text(facts().assign(half_ratio=[0.5, 0.9]), MORE)
    assert "at B = 10 the loss sits at SGD's" in mixed
    # 0.9 is far from the 0.5 of a pure floor: the gap is read as mostly descent, not half floor
    assert "at B = 100 the gap shrank only a little, so it is mostly a slow descent" in mixed
    assert "part floor" not in mixed
    unmet = across_text(facts(converged=[True, False]), MORE)
    assert "at 1 of 2 batch sizes; at B = 100 it did not" in unmet


def test_times_and_accuracies_are_ranked_only_beyond_the_seeds_spread():
    text = across_text(facts(cap=[640, 64]), MORE)  # both runs 6,400 samples
    assert "B = 10 took the least training time, beyond the seeds' spread, to ITR and for the whole run." in text
    assert "B = 100 is highest and B = 10 lowest, beyond the seeds' spread" in text
    close = across_text(
        facts(cap=[640, 64], final_test_acc=[0.849, 0.85], final_test_acc_std=0.005, train_seconds_std=0.2), MORE
    )
    assert "the batch sizes do not differ beyond the seeds' spread" in close
    assert "B = 10 took the least training time to ITR, beyond" in close
    assert "B = 10 and 100 tie for the least training time for the whole run" in close
    assert text.endswith(f"and the runs at η/2 against those at η, are [in the per-run detail]({MORE}).")


def test_whole_runs_are_timed_against_each_other_only_at_the_same_samples():
    # B = 100 runs 64 iterations of 100 samples, B = 1,000 16 of 1,000 (2.5 times the samples) and is the
    # fastest over its whole run: it is not compared, the other two are
    three = facts(
        [10, 100, 1000], cap=[640, 64, 16], train_seconds_mean=[0.5, 0.2, 0.1], itr_seconds_mean=[0.3, 0.1, 0.2]
    )
    text = across_text(three, MORE)
    assert "B = 100 took the least training time, beyond the seeds' spread, to ITR and for the whole run among " in text
    assert "among those that processed the same number of samples (B = 10 and 100)." in text
    assert "B = 1,000 took" not in text
    unequal = across_text(facts(), MORE)  # 640 and 6,400 samples: no two whole runs to compare
    assert "B = 10 took the least training time to ITR, beyond the seeds' spread." in unequal
    assert "whole run" not in unequal


def hand(**columns) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "batch_size": [1, 1000],
            "lr": [0.002, 0.046],
            "hand_lr": [0.001, 0.01],
            "hand_ref_test_acc": [0.827, 0.853],
            "hand_test_acc": [0.826, 0.80],
            "hand_test_acc_std": [0.002, 0.001],
            "hand_seconds_50": [246.0, 21.0],
            "seconds_50_epochs": [27.0, 23.0],
            **columns,
        }
    )


def test_the_hand_summary_compares_rates_accuracies_and_times_per_step():
    text = batch_hand_summary_text(hand())
    assert "a larger rate than the hand-made reports at 2 of 2 batch sizes" in text
    assert "0.001" not in text  # the rates are in the table beside it
    assert "differ from the hand figures by -0.10, -5.30 points; within a single run's seed noise at B = 1." in text
    # per step: 246 s / 3,000,000 = 0.082 ms against 0.009 ms at B = 1; 7 ms against 7.67 at B = 1000
    assert "Per step the hand-made loop took 0.082 and 7.0 ms against 0.0090 and 7.7 ms here" in text
    assert "9.1× and 0.91× as long, shrinking as B grows." in text
    assert "fixed cost" not in text  # two loops' four timings do not split a step's cost
    none = hand(batch_size=[7, 9], hand_lr=math.nan, hand_ref_test_acc=math.nan, hand_seconds_50=math.nan)
    assert batch_hand_summary_text(none) == "The hand-made reports give no figure for B = 7, 9."


def test_the_hand_times_per_step_say_no_more_than_their_trend():
    t = hand(batch_size=[1, 10, 1000], lr=[0.002] * 3, hand_lr=[0.001] * 3, hand_ref_test_acc=[0.8] * 3,
             hand_test_acc=[0.8] * 3, hand_test_acc_std=[0.001] * 3, hand_seconds_50=[246.0, 38.0, 21.0],
             seconds_50_epochs=[82.0, 17.0, 6.0])  # fmt: skip
    assert "3×, 2.2× and 3.5× as long, with no steady trend in B." in batch_hand_summary_text(t)


def test_the_hand_summary_says_where_the_rate_of_0_1_diverged():
    t = hand(hand_test_acc=[0.826, 0.853], smallest_diverging=[0.0215, 0.1])
    text = batch_hand_summary_text(t)
    assert "here it diverged at every B run too (the smallest diverging rate of each sweep: 0.0215, 0.1)" in text
    assert "here it diverged at B = 1 only" in batch_hand_summary_text(t.assign(smallest_diverging=[0.0215, math.nan]))


def test_the_hand_table_gives_this_builds_extrapolated_times_to_two_figures():
    shown = hand_comparison_table(hand(seconds_50_epochs=[80.76, 4.96], final_test_acc=[0.85, 0.85]))
    assert shown["50 epochs here (s, extrapolated)"].tolist() == ["81", "5.0"]


def test_the_runs_give_the_largest_finite_rate_and_the_checkpoints():
    sweeps = pd.DataFrame(
        {
            "batch_size": [10] * 6 + [100] * 2,
            "lr": [0.01, 0.01, 0.02, 0.02, 0.03, 0.03, 0.1, 0.1],
            "seed": [0, 1] * 4,
            "diverged": [False, False, False, False, False, True, True, True],
        }
    )
    facts = run_facts(sweeps, pd.concat([curves(10, [0.01]), curves(100, [0.01])])).set_index("batch_size")
    assert facts.loc[10, "largest_stable"] == 0.02  # one seed of 0.03 diverged
    assert math.isnan(facts.loc[100, "largest_stable"])
    assert facts.loc[10, "checkpoints"] == 6


def test_the_noise_scale_is_read_over_a_doubling_around_the_crossing():
    grid = [0, 1, 2, 4, 8, 16, 32]
    noise = [1.0, 2.0, 4.0, 10.0, 20.0, 40.0, 80.0]
    runs = pd.DataFrame(
        [
            {"batch_size": b, "seed": s, "t": t, "noise_scale": v * (1 + s)}
            for b in (10, 100)
            for s in (0, 1)
            for t, v in zip(grid, noise, strict=True)
        ]
    )
    near = noise_near(runs, pd.DataFrame({"batch_size": [10, 100], "t_target": [6.0, math.nan]}))
    near = near.set_index("batch_size")
    # crossing at t = 6: checkpoints 4.24 to 8.49, so t = 8 alone (seed mean 30); B = 100: t = 16 and 32
    assert near.loc[10, "noise_mean"] == 30.0 and near.loc[10, "near_target"]
    assert near.loc[100, "noise_mean"] == 90.0 and near.loc[100, "noise_low"] == 60.0
    assert near.loc[100, "noise_high"] == 120.0 and not near.loc[100, "near_target"]


def test_a_batch_size_that_ran_more_samples_is_also_read_where_the_others_stopped():
    # B = 1 runs 16 iterations (16 samples), B = 2 runs 16 iterations (32 samples): B = 2 is read at t <= 8
    c = pd.concat([curves(1, [0.01, 0.01]), curves(2, [0.01, 0.01])])
    c.loc[(c["batch_size"] == 2) & (c["t"] <= 8), "train_loss"] = L_STAR + 0.02  # 10% of L* up to 16 samples
    table = chosen([1, 2]).assign(cap=16, train_loss_star=L_STAR)
    text = equal_samples_text(table, c)
    assert "16 and 32 at B = 1 and 2" in text
    assert "Read after 16 samples, where the shortest ended" in text
    # B = 1 at its own end beside B = 2 where B = 1 stopped
    assert "is 5.00% at B = 1 and 10.00% at B = 2: after the same samples B = 2 is the furthest from L*" in text
    assert text.endswith("2 times as far as the next (B = 1).")
    same = table.assign(cap=[32, 16])
    assert equal_samples_text(same, c).startswith("Every batch size ran the same number of samples")
