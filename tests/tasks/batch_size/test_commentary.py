"""The batch-size commentary is written from the table it is given: Task 4's answer reads the
table beside it without repeating its numbers, the theory behind it goes to the per-run detail;
Task 3's per-batch-size texts (``per_batch``) read their own rows."""

from __future__ import annotations

import math

import pandas as pd
from made_up import sweep, table

from mnist_sgd.science.criteria import lr_ranking
from mnist_sgd.tasks.batch_size.commentary import (
    batch_size_commentary,
    clocks_caption,
    clocks_table,
    cut_shares,
    fewest,
    turn_verdict,
)
from mnist_sgd.tasks.batch_size.per_batch import floor_text, floor_verdict, hand_batch_text, itr_text, lr_choice_text
from mnist_sgd.tasks.batch_size.theory import theory_commentary

MORE = "#04_batch_size_summary--more"
NBSP = "\u00a0"
L_STAR = 0.1955


def summary(
    *args,
    stable=(0.005, 0.05, 0.05, 0.05),
    noise=(30.0, 60.0, 300.0, 900.0),
    near=True,
    cap=(1_000_000, 100_000, 10_000, 4_000),
    **kwargs,
) -> pd.DataFrame:
    """Task 4's made-up table with what the notebook adds beside it: the test accuracy's spread,
    the largest finite rate of each sweep (``run_facts``) and the noise scale near the target,
    with its range over the window (``noise_near``); and the horizon (by default 1,000,000
    samples at B = 1, 10 and 100, 4,000,000 at B = 1,000)."""
    t = table(*args, **kwargs)
    return t.assign(
        cap=list(cap),
        final_test_acc_std=0.002,
        largest_stable=list(stable),
        noise_mean=list(noise),
        noise_low=[0.5 * v for v in noise],
        noise_high=[2 * v for v in noise],
        near_target=near,
    )


def commentary(t: pd.DataFrame, m_star: float = 8.7, target_pct: float = 5) -> str:
    return batch_size_commentary(t, m_star, target_pct, behind=MORE)


def theory(t: pd.DataFrame, m_star: float = 8.7, target_pct: float = 5) -> str:
    return theory_commentary(t, m_star, target_pct)


BASE_ARGS = (
    [math.nan, 9000, 1400, 500],
    [math.nan, 0.25, 0.25, 0.86],
    [12, 4.2, 3.1, 2.5],
    [0.835, 0.848, 0.856, 0.854],
)
BASE = summary(*BASE_ARGS)
# S = 1000 (1 + 100 / B) exactly: 101,000, 11,000, 2,000 and 1,100 iterations to the target
STEPS = [1000 * (1 + 100 / b) for b in (1, 10, 100, 1000)]


def test_the_answer_reads_the_table_without_repeating_its_numbers():
    text = commentary(BASE)
    assert "B = 1 never came within 5% of L* in the iterations run" in text
    assert "the number of iterations falls with the batch size" in text
    assert "the number of samples processed rises" in text
    assert "B = 1,000 needed the fewest iterations, B = 10 needed the fewest samples" in text
    assert "9,000" not in text and "140,000" not in text  # the table's counts stay in the table
    assert "0.002" not in text  # the rates are Task 3's table's
    assert text.endswith(f"are [in the per-run detail]({MORE}).")


def test_the_counts_carry_the_caveat_of_the_rates_they_were_run_at():
    text = commentary(BASE)
    assert "Rates tuned to reach the target soonest could rank the batch sizes differently." in text
    assert text.count("the target soonest") == 1


def test_the_text_changes_when_the_numbers_change():
    other = summary([50000, 9000, 1400, 500], [3.0, 0.25, 0.1, 0.86], [2, 4.2, 3.1, 6.0], [0.85, 0.848, 0.856, 0.854])
    before, after = commentary(BASE), commentary(other)
    assert before != after
    assert "never came within" not in after
    assert "B = 100 reached the target in the least training time, beyond the seeds' spread" in after
    assert "the smaller batches took more steps, the larger ones more samples" in after
    assert "B = 1 needed the fewest samples" in after


def test_samples_are_ranked_only_where_the_seeds_separate_them():
    # B = 10 needs 90,000 samples, B = 100 140,000: apart with no spread, a tie with 5,000 iterations' s.d.
    noisy = summary(*BASE_ARGS, t_sd=(0, 3000, 300, 10))
    text = commentary(noisy)
    assert "B = 10 and 100 tie for the fewest samples" in text and "needed the fewest samples" not in text


def test_the_share_of_the_ideal_cut_is_given_with_its_spread():
    # 1 -> 10: 101,000 / 11,000 / 10 = 92%, with 5% relative s.d. on each count: ± 92 × 7.1% = 6
    t = summary(STEPS, [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, t_sd=[0.05 * s for s in STEPS])
    shares = cut_shares(t)
    assert math.isclose(shares["share"][0], 101000 / 11000 / 10)
    assert math.isclose(shares["share_sd"][0], shares["share"][0] * math.hypot(0.05, 0.05))
    text = commentary(t)
    assert f"1→10: 92{NBSP}±{NBSP}6%, 10→100: 55{NBSP}±{NBSP}4% and 100→1,000: 18{NBSP}±{NBSP}1%" in text
    assert "the returns diminish as B grows" in text
    assert "consistent with the ideal" not in text


def test_a_cut_at_the_ideal_is_said_to_be_consistent_with_it_within_the_spread():
    # 1 -> 10 cuts the iterations 10.7-fold for a 10-fold batch, with a spread of 9%: the ideal, not more
    at_ideal = summary([107000, 10000, 1150, 460], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, t_sd=(5000, 700, 30, 20))
    text = commentary(at_ideal)
    assert f"1→10: 107{NBSP}±{NBSP}9% (consistent with the ideal within the seeds' spread)" in text
    assert "more than the ideal" not in text and "chosen η grew" not in text
    beyond = commentary(at_ideal.assign(t_target_sd=[0, 0, 0, 0], t_target=[200000, 10000, 2000, 1000]))
    assert f"1→10: 200{NBSP}±{NBSP}0% (more than the ideal, beyond the seeds' spread)" in beyond


def test_where_the_theories_put_the_turn_is_judged_from_the_shares():
    shares = pd.DataFrame({"a": [1, 10, 100], "b": [10, 100, 1000], "share": [1.0, 0.9, 0.25], "share_sd": 0.01})
    assert turn_verdict(shares, 8.7, 8.7) == "early"  # 10 -> 100 lies beyond 8.7 and still paid
    assert turn_verdict(shares, 370, 750) == "agrees"  # the steps below paid, the one across did not
    assert turn_verdict(shares, 5000, 5000) == "late"  # 100 -> 1000 lies below 5000 and did not pay
    text = commentary(summary(STEPS, [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, noise=(370, 500, 600, 750)))
    # the fit in the per-run detail may land outside the range measured: the body claims the order only
    assert "McCandlish et al., 2018), measured near the target at 370 to 750, is of the same order as the" in text
    assert "the critical batch size of Ma, Bassily & Belkin (the batch beyond which" in text
    assert "puts it too early (a step beyond it still bought at least 50% of the ideal cut)" in text
    assert "8.7" not in text  # m* is Task 2's number
    # the symbols are defined in the per-run detail only: the body says what they are instead
    assert "m*" not in text and "B_noise" not in text and "agrees" not in text
    late = commentary(summary(STEPS, [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, noise=(5000,) * 4), m_star=0.5)
    assert "measured near the target at 5,000 to 5,000, puts it too late" in late


def test_a_wall_clock_winner_only_beyond_the_seeds_spread():
    clear = summary(*BASE_ARGS[:1], [math.nan, 0.30, 0.20, 0.86], *BASE_ARGS[2:], seconds_sd=(0, 0.01, 0.01, 0.01))
    assert fewest(clear, "seconds_target") == ([100], True)
    assert "B = 100 reached the target in the least training time" in commentary(clear)
    noisy = clear.assign(seconds_target_sd=[0, 0.06, 0.06, 0.01])  # 0.20 ± 0.06 overlaps 0.30 ± 0.06
    assert fewest(noisy, "seconds_target") == ([100, 10], False)
    text = commentary(noisy)
    assert "B = 10 and 100 tie for the least training time" in text and "reached the target in" not in text
    assert fewest(clear.assign(seconds_target=math.nan), "seconds_target") == ([], False)


def test_the_end_of_the_runs_is_read_only_beyond_the_seeds_spread():
    close = commentary(BASE.assign(final_test_acc=[0.850, 0.851, 0.852, 0.856], final_test_acc_std=0.004))
    assert "far more than the test accuracy at the end, where the batch sizes do not differ" in close
    apart = commentary(BASE.assign(final_test_acc=[0.830, 0.851, 0.852, 0.856], final_test_acc_std=0.001))
    assert "B = 1,000 ends highest, beyond the seeds' spread (Task 3)" in apart


def test_the_rate_is_said_to_grow_by_what_set_it_not_by_a_theory():
    grows = commentary(BASE)
    assert "The chosen learning rate grows with the batch size (Task 3's table)." in grows
    assert "η/B is the same" not in grows and "can be longer" not in grows
    same = commentary(summary(*BASE_ARGS, lr=(0.0139,) * 4))
    assert "The sweeps chose the same rate at every batch size" in same
    shrinks = commentary(summary(*BASE_ARGS, lr=(0.04, 0.02, 0.005, 0.002)))
    assert "shrinks with the batch size (Task 3's table)." in shrinks


# η ∝ B up to B = 100 (the same 1,000,000 samples), then the grid's largest finite rate: 2.15 times
# for 10 times the batch; iterations 100,000, 10,000, 1,200 and 480, samples 100,000 ± 5,000,
# 100,000 ± 8,000 (tied), 120,000 ± 3,000 and 480,000
PROPORTIONAL = summary(
    [100000, 10000, 1200, 480],
    [2, 0.2, 0.13, 0.57],
    [3] * 4,
    [0.85] * 4,
    lr=(0.0002, 0.002, 0.02, 0.043),
    stable=(0.01, 0.05, 0.05, 0.043),
    t_sd=(5000, 800, 30, 18),
)


def test_a_rate_proportional_to_b_is_put_down_to_the_horizon_in_samples():
    text = commentary(PROPORTIONAL)
    assert "η/B is the same at B = 1, 10 and 100, whose horizons are the same number of samples" in text
    assert "so the smallest rate that converges within the same samples (Task 3's rule) grows in proportion" in text
    assert "At B = 1,000 it stops at the grid's largest finite rate (Task 3)." in text
    other = commentary(PROPORTIONAL.assign(cap=[1_000_000, 10_000, 10_000, 4_000]))
    assert "η/B is the same at B = 1, 10 and 100." in other and "whose horizons" not in other


def test_a_tie_in_samples_at_the_same_rate_per_sample_is_put_down_to_the_rates():
    text = commentary(PROPORTIONAL)
    assert "B = 1 and 10 tie for the fewest samples, as their equal η/B makes them: their curves" in text
    # B = 100 has the same η/B but needed more samples, beyond the spread: said, not left to contradict the reason
    assert "; B = 100, at the same η/B, needed more, beyond the spread" in text
    unequal = commentary(PROPORTIONAL.assign(lr=[0.0002, 0.003, 0.02, 0.043]))
    assert "B = 1 and 10 tie for the fewest samples. Rates tuned" in unequal
    assert "equal η/B makes them" not in unequal


def test_a_turn_where_the_rate_stopped_growing_is_not_put_down_to_the_noise_alone():
    text = commentary(PROPORTIONAL)
    assert "But from B = 100 to 1,000 the rate rose only 2.1×, and the iterations fell 2.5-fold: about what" in text
    assert "so the rate alone can explain the turn, and these runs do not separate it from the gradient noise." in text
    # the rate rose 4.3 times, the iterations fell only 2.5-fold: something besides the rate cut the returns
    steep = commentary(PROPORTIONAL.assign(lr=[0.0002, 0.002, 0.02, 0.086]))
    assert "the rate does not explain the turn alone" in steep
    # a rate that grew with B leaves no such doubt
    grown = commentary(PROPORTIONAL.assign(lr=[0.0002, 0.002, 0.02, 0.2]))
    assert "rose only" not in grown


def test_a_single_batch_size_has_nothing_to_compare():
    assert "nothing to compare" in commentary(BASE.iloc[:1])


def test_the_table_rounds_each_count_to_the_seeds_spread():
    t = table([111890, 10496, 1204, 481], [2.946, 0.66, 0.233, 1.002], [3] * 4, [0.85] * 4,
              t_sd=(5138, 761, 34, 18), seconds_sd=(0.225, 0.117, 0.040, 0.064))  # fmt: skip
    shown = clocks_table(t, 5).set_index("B")
    assert shown.loc["1", "iterations to 5%"] == f"112,000{NBSP}±{NBSP}5,000"
    assert shown.loc["100", "iterations to 5%"] == f"1,200{NBSP}±{NBSP}30"
    assert shown.loc["1,000", "samples to 5%"] == f"481,000{NBSP}±{NBSP}18,000"
    assert shown.loc["1,000", "training s to 5%"] == f"1.00{NBSP}±{NBSP}0.06"
    assert shown.loc["100", "training s to 5%"] == f"0.233{NBSP}±{NBSP}0.040"
    unreached = clocks_table(table(*BASE_ARGS), 5).set_index("B")
    assert unreached.loc["1", "iterations to 5%"] == "not reached"
    assert "B_noise" not in " ".join(shown.columns) and "η" not in shown.columns
    assert "rounded to their spread" in clocks_caption(3) and "3 seeds" in clocks_caption(3)


def test_the_theory_sets_the_rates_against_eta_star_and_the_sweeps_against_its_bound():
    text = theory(BASE)
    assert "They are 0.59×, 0.31×, 0.8× and 1.5× η\\*(B) for B = 1, 10, 100 and 1,000" in text
    assert "As L* > 0 here, η\\*(B) is not the best step" in text
    assert "at B = 10 and 100 rates above 2η\\*(B) stayed finite, as a sufficient condition allows" in text
    assert "B = 1,000: finite up to η = 0.05, none diverging, 2η\\*(B) = 0.052" in text
    inside = theory(summary(*BASE_ARGS, stable=(0.005, 0.02, 0.04, 0.05)))
    assert "at the sweep's spacing the bound and the divergence point cannot be told apart" in inside
    early = theory(
        summary(*BASE_ARGS, stable=(0.002, 0.02, 0.04, 0.05)).assign(smallest_diverging=[0.005, 0.1, 0.1, math.nan])
    )
    assert "at B = 1 a rate at or below 2η\\*(B) diverged" in early
    assert "B = 1: finite up to η = 0.002, first diverging at 0.005, 2η\\*(B) = 0.0068" in early
    none = theory(summary(*BASE_ARGS).assign(largest_stable=math.nan, smallest_diverging=math.nan))
    assert "B = 1: no rate finite, none diverging" in none


def test_the_theory_reads_m_star_against_the_steps_beyond_it():
    paying = theory(summary(STEPS, [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4))
    assert "m* = β/λ_max + 1 = 8.7:" in paying
    assert "as the step 10→100 did: beyond m*, it still bought at least 50% of the ideal cut" in paying
    flat = theory(summary([10000, 1000, 900, 890], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4))
    assert "here no step beyond m* bought 50% of the ideal cut, as the theory predicts" in flat


def test_the_noise_scale_is_read_over_a_window_and_set_against_the_steps_model():
    # S = 1000 (1 + 100 / B) exactly: the fit recovers B_noise = 100, inside the range measured
    fitted = summary(STEPS, [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, noise=(50, 80, 120, 200))
    text = theory(fitted)
    assert "S_min ≈ 1,000 and B_noise ≈ 100" in text and "within the range measured" in text
    assert "from t/√2 to √2·t): 50 (25 to 100) at B = 1, 80 (40 to 160) at B = 10" in text
    assert "B = 1, 10 and 100 lie below their own B_noise" in text and "B = 1,000 lies above its own B_noise" in text
    # the model's factors, each B at its own B_noise: 1 + 50/1 steps at B = 1, 1 + 1000/200 samples at B = 1000
    assert "B = 1: 51× the steps, 1.0× the samples" in text
    assert "B = 1,000: 1.2× the steps, 6.0× the samples" in text
    far = theory(fitted.assign(noise_mean=[5000, 6000, 7000, 8000]))
    assert "not the same order" in far
    rising = theory(summary([100, 2000, 3000, 4000], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, noise=(50, 80, 120, 200)))
    assert "has no positive S_min and B_noise" in rising


def test_without_the_target_the_noise_is_read_at_the_end_of_the_runs():
    text = theory(summary(*BASE_ARGS, near=False))
    assert "the last doubling of each run, as not every batch size reached the target" in text
    assert "S_min" not in text
    unmeasured = theory(BASE.assign(noise_mean=math.nan))
    assert "Gradient noise" not in unmeasured


def test_the_sweep_text_names_a_tie_and_how_it_was_broken():
    itr = pd.Series({0.001: math.nan, 0.002: 3000.0, 0.005: 1000.0})
    tied = lr_ranking(
        sweep({0.001: [0.30, 0.31], 0.002: [0.2210, 0.2230], 0.005: [0.2200, 0.2210], 0.01: [math.nan, 0.5]}), itr
    )
    assert tied.loc[tied["chosen"], "lr"].item() == 0.005  # of the two tied rates, the one converged first
    text = lr_choice_text(tied, 10, 2500, 5000, 0.016, 0.031, 0.05)
    assert "**η = 0.005**" in text and "η = 0.002 ended within the seeds' spread" in text and "a tie" in text
    assert "grown from 2,500 by 1 doubling" in text and "converged from ITR = 1,000" in text
    assert "Runs diverged at η ≥ 0.01" in text
    clear = lr_ranking(sweep({0.001: [0.30, 0.31], 0.002: [0.2500, 0.2510], 0.005: [0.2200, 0.2210]}), itr)
    text = lr_choice_text(clear, 10, 5000, 5000, 0.016, 0.031, 0.05)
    assert "**η = 0.005**" in text and "runner-up, η = 0.002, ended 13.61% higher" in text and "no tie" in text
    assert "the first horizon, long enough" in text


def chosen_row(**changes):
    row = {
        "batch_size": 1,
        "lr": 0.002,
        "itr": 20000,
        "converged": True,
        "cap": 500000,
        "itr_needed": math.nan,
        "seeds": 3,
        "train_seconds_mean": 0.2,
        "train_seconds_std": 0.01,
        "itr_seconds_mean": 0.1,
        "itr_seconds_std": 0.005,
        "final_train_loss": 0.219,
        "excess_pct": 11.0,
        "final_test_acc": 0.835,
        "final_test_acc_std": 0.002,
        "train_loss_star": L_STAR,
        "test_acc_star": 0.8534,
        "rel_tol": 0.01,
        "last_change": -0.002,
        "half_end_excess_pct": 5.8,
        "hand_test_acc": 0.826,
        "hand_test_acc_std": 0.002,
        "seconds_50_epochs": 27.0,
    }
    return pd.Series({**row, **changes})


def test_a_batch_size_that_does_not_converge_is_reported_with_its_budget():
    converged = itr_text(chosen_row())
    assert "ITR = 20,000 iterations**, reached after 0.100\u00a0±\u00a00.005 s" in converged
    assert "11.00% above L*" in converged  # at the end of the run, for every B
    late = itr_text(chosen_row(converged=False, itr=500000, itr_needed=2.1e6, last_change=-0.03))
    assert "not converged within 500,000 iterations" in late and "-3.00% per doubling" in late
    assert "near t ≈ 2,100,000 (a run of about 8,400,000 iterations" in late and "reached after" not in late
    noisy = itr_text(chosen_row(converged=False, itr=500000, itr_needed=math.nan, last_change=0.02))
    assert "no budget would do at this η" in noisy


def test_floor_or_descent_follows_the_halved_step():
    assert floor_verdict(0.5) == "noise floor" and floor_verdict(1.3) == "descending" and floor_verdict(0.85) == "both"
    assert "SGD's noise floor" in floor_text(chosen_row())
    descending = floor_text(chosen_row(half_end_excess_pct=14.0))
    assert "descent still under way" in descending and "The criterion is met all the same" in descending
    unconverged = floor_text(chosen_row(half_end_excess_pct=14.0, converged=False))
    assert "the criterion agrees: the run has not converged" in unconverged
    assert "part noise floor, part descent" in floor_text(chosen_row(half_end_excess_pct=9.0))


def test_hand_figures_agree_or_differ_by_the_seed_noise():
    hand = {"test_acc": 0.827, "lr": 0.001, "seconds_50_epochs": 246.0}
    assert "it agrees" in hand_batch_text(chosen_row(), hand, 0.001, 6000)
    differs = hand_batch_text(chosen_row(hand_test_acc=0.80), hand, 0.001, 6000)
    assert "-2.70 points: it differs by more than a single run's seed noise" in differs
    assert "50 epochs took 246 s by hand; here the training loop would take about 27.0 s" in differs
    nothing = {"test_acc": None, "lr": None, "seconds_50_epochs": None}
    assert (
        hand_batch_text(chosen_row(batch_size=7), nothing, 0.001, 6000)
        == "The hand-made reports give no figure for B = 7."
    )
