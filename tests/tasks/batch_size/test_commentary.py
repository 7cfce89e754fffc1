"""The batch-size commentary is written from the table it is given."""

from __future__ import annotations

import math

import pandas as pd
from made_up import table

from mnist_sgd.science.criteria import lr_ranking
from mnist_sgd.tasks.batch_size.commentary import batch_size_commentary, fewest
from mnist_sgd.tasks.batch_size.per_batch import floor_text, floor_verdict, hand_batch_text, itr_text, lr_choice_text

MORE = "#04_batch_size_summary--more"


def summary(*args, stable=(0.005, 0.05, 0.05, 0.05), noise_end=(30.0, 60.0, 300.0, 900.0), **kwargs) -> pd.DataFrame:
    """Task 4's made-up table with what the notebook adds beside it: each seed's gap and its ratio at
    η/2 (``across.seed_ends``; the ratio here the ratio of the made-up means), the largest finite
    rate of each sweep and the noise scale at the end of the runs (``run_facts``)."""
    t = table(*args, **kwargs)
    return t.assign(
        gap_pct=t["excess_pct"],
        gap_pct_sd=0.1,
        half_ratio=t["half_end_excess_pct"] / t["excess_pct"],
        half_ratio_sd=0.02,
        largest_stable=list(stable),
        noise_end=list(noise_end),
    )


def commentary(t: pd.DataFrame, m_star: float = 8.7, target_pct: float = 5) -> str:
    return batch_size_commentary(t, m_star, target_pct, L_STAR, behind=MORE)


BASE_ARGS = (
    [math.nan, 9000, 1400, 500],
    [math.nan, 0.25, 0.25, 0.86],
    [12, 4.2, 3.1, 2.5],
    [0.835, 0.848, 0.856, 0.854],
)
BASE = summary(*BASE_ARGS)


L_STAR = 0.1955


def test_numbers_and_comparisons_come_from_the_table():
    text = commentary(BASE)
    assert "B = 1 never came within 5% of L*" in text
    assert "iterations falls with the batch size" in text and "samples processed (iterations × B) rises" in text
    assert "B = 10 needed the fewest samples, by more than the seeds' spread" in text
    assert "83.50% to 85.60%" in text
    # the halved-step runs decide floor or descent: 6/12 = 0.5 a floor; 5/4.2 and 4/3.1 > 1 descent; 3/2.5 descent
    assert "B = 1: at SGD's noise floor" in text
    assert "B = 10, 100, 1000: still descending" in text
    assert "L* = 0.1955, so η\\*(B) is not the best step" in text
    # 2η*(B) is read as the bound of a guarantee, against the sweeps: B = 10 and 100 stayed finite above it
    assert "2η\\*(B) is the largest step for which their analysis guarantees that SGD converges" in text
    assert "at B = 10 and 100 rates above 2η\\*(B) stayed finite, as a sufficient condition allows" in text
    assert "B = 1,000: finite up to η = 0.05, none diverging, 2η\\*(B) = 0.0520" in text
    assert "limit 2η" not in text and "stability side" not in text


def test_the_text_changes_when_the_numbers_change():
    other = summary([50000, 9000, 1400, 500], [3.0, 0.25, 0.1, 0.86], [2, 4.2, 3.1, 6.0], [0.85, 0.848, 0.856, 0.854])
    before, after = commentary(BASE), commentary(other)
    assert before != after
    assert "never came within" not in after
    assert "B = 100 was the fastest, by more than the spread over seeds" in after
    assert "B = 1 needed the fewest samples" in after


def test_diminishing_returns_are_judged_from_the_data():
    # ideal cuts below m*, poor ones above: diminishing returns
    shrinking = summary([10000, 1000, 500, 400], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4)
    assert "diminishing returns beyond the critical batch size" in commentary(shrinking, 50)
    # the opposite: the text must not claim them
    growing = summary([10000, 5000, 500, 50], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4)
    assert "do not show the diminishing returns" in commentary(growing, 50)
    # past m* the text explains why L* > 0 lets larger batches keep paying, with the measured share
    assert "10→100 bought 20% of the ideal cut" in commentary(shrinking)


def test_samples_are_ranked_only_where_the_seeds_separate_them():
    # B = 10 needs 90,000 samples, B = 100 140,000: apart with no spread, a tie with 5,000 iterations' s.d.
    noisy = summary(
        [math.nan, 9000, 1400, 500],
        [math.nan, 0.25, 0.25, 0.86],
        [12, 4.2, 3.1, 2.5],
        [0.85] * 4,
        t_sd=(0, 3000, 300, 10),
    )
    text = commentary(noisy)
    assert "B = 10 and 100 tie for the fewest samples" in text and "needed the fewest" not in text
    assert "B = 10: 9,000 ± 3,000" in text and "checkpoints 9-9% apart" in text


def test_a_cut_better_than_the_ideal_is_explained_by_the_rates():
    # 1 -> 10 cuts the iterations 20-fold for a 10-fold batch: 200% of the ideal
    superlinear = summary([200000, 10000, 2000, 1000], [1, 1, 1, 1], [4.0, 3, 3, 3], [0.85] * 4)
    text = commentary(superlinear)
    assert "1→10: 200%" in text and "the chosen η grew 2.5× for a 10× batch" in text
    assert "close to the target" in text  # B = 1 ended 4% above L*, against a 5% target
    assert "well below the target" in commentary(
        summary([200000, 10000, 2000, 1000], [1, 1, 1, 1], [1.0, 3, 3, 3], [0.85] * 4)
    )


def test_the_noise_scale_is_set_against_the_steps_model():
    # S = 1000 (1 + 100 / B) exactly: the fit recovers B_noise = 100, inside the range measured
    steps = [1000 * (1 + 100 / b) for b in (1, 10, 100, 1000)]
    fitted = summary(steps, [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, noise=(50, 80, 120, 200))
    text = commentary(fitted)
    assert "S_min = 1,000 and B_noise = 100" in text and "within the range measured" in text
    far = commentary(fitted.assign(noise_target=[5000, 6000, 7000, 8000]))
    assert "not the same order" in far
    # noise 50, 80, 120, 200: B = 1, 10 and 100 below their own crossing's scale, B = 1000 above it
    assert "B = 1, 10 and 100 lie below their own B_noise" in text
    assert "B = 1,000 lies above its own B_noise" in text
    assert "when each came within 5% of L*" in text
    assert f"The noise along the runs and the fit are drawn [in the per-run detail]({MORE})." in text
    rising = summary([100, 2000, 3000, 4000], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4, noise=(50, 80, 120, 200))
    assert "has no positive S_min and B_noise" in commentary(rising)


def test_without_two_batch_sizes_at_the_target_the_noise_is_read_at_the_end_of_the_runs():
    text = commentary(BASE)  # no noise measured at the target: read over the last doubling
    assert "was 30 at B = 1, 60 at B = 10, 300 at B = 100 and 900 at B = 1,000 over the last doubling" in text
    # the model's factors, each B at its own B_noise: 1 + 30/1 steps at B = 1, 1 + 1000/900 samples at B = 1000
    assert "B = 1: 31× the steps, 1× the samples" in text and "B = 1,000: 1.9× the steps, 2.1× the samples" in text
    assert "B = 1,000 lies above its own B_noise" in text and "S_min" not in text
    assert f"The noise along the runs is drawn [in the per-run detail]({MORE})." in text
    unmeasured = commentary(BASE.assign(noise_end=math.nan))
    assert "Gradient noise" not in unmeasured and "per-run detail" not in unmeasured


def test_a_single_batch_size_has_nothing_to_compare():
    assert "nothing to compare" in commentary(BASE.iloc[:1])


def test_numbers_of_one_kind_in_a_sentence_share_their_decimals():
    text = commentary(BASE)
    sd = "\u00a0±\u00a00.10%"
    assert f"12.00{sd}, 4.20{sd}, 3.10{sd}, 2.50{sd} above L*" in text  # not "12%, 4.2%"
    assert "0.59×, 0.31×, 0.80×, 1.54×" in text  # not "0.8×" beside "1.5×"
    assert "B = 10: 0.250\u00a0±\u00a00.010 s, B = 100: 0.250\u00a0±\u00a00.010 s" in text
    assert "10→100: 64%, 100→1000: 28%" in text


def test_a_wall_clock_winner_only_beyond_the_seeds_spread():
    clear = summary(
        [math.nan, 9000, 1400, 500],
        [math.nan, 0.30, 0.20, 0.86],
        [12, 4.2, 3.1, 2.5],
        [0.85] * 4,
        seconds_sd=(0, 0.01, 0.01, 0.01),
    )
    assert fewest(clear, "seconds_target") == ([100], True)
    assert "B = 100 was the fastest" in commentary(clear)
    noisy = clear.assign(seconds_target_sd=[0, 0.06, 0.06, 0.01])  # 0.20 ± 0.06 overlaps 0.30 ± 0.06
    assert fewest(noisy, "seconds_target") == ([100, 10], False)
    text = commentary(noisy)
    assert "B = 10 and 100 tie for the fastest" in text and "was the fastest" not in text
    assert fewest(clear.assign(seconds_target=math.nan), "seconds_target") == ([], False)


def sweep(losses: dict[float, list[float]]) -> pd.DataFrame:
    rows = [
        {"lr": lr, "seed": i, "diverged": not math.isfinite(v), "final_train_loss": v, "final_test_acc": 0.8}
        for lr, values in losses.items()
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


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


def test_the_bound_and_the_sweeps_agree_or_not():
    inside = commentary(summary(*BASE_ARGS, stable=(0.005, 0.02, 0.04, 0.05)))
    assert "at the sweep's spacing the bound and the divergence point cannot be told apart" in inside
    assert "stayed finite, as a sufficient condition allows" not in inside
    early = commentary(
        summary(*BASE_ARGS, stable=(0.002, 0.02, 0.04, 0.05)).assign(smallest_diverging=[0.005, 0.1, 0.1, math.nan])
    )
    assert "at B = 1 a rate at or below 2η\\*(B) diverged" in early
    assert "B = 1: finite up to η = 0.002, first diverging at 0.005, 2η\\*(B) = 0.0068" in early
    none = commentary(summary(*BASE_ARGS).assign(largest_stable=math.nan, smallest_diverging=math.nan))
    assert "B = 1: no rate finite, none diverging" in none


def test_the_rate_is_explained_only_where_it_grows():
    grows = commentary(BASE)
    assert "grows with the batch size, from 0.002 at B = 1 to 0.04 at B = 1000: a larger batch" in grows
    same = commentary(summary(*BASE_ARGS, lr=(0.0139,) * 4))
    assert "The sweeps chose the same rate, η = 0.0139, at every batch size." in same and "can be longer" not in same
    shrinks = commentary(summary(*BASE_ARGS, lr=(0.04, 0.02, 0.005, 0.002)))
    assert "shrinks with the batch size, from 0.04 at B = 1 to 0.002 at B = 1000." in shrinks
    assert "can be longer" not in shrinks


def test_the_floor_is_read_on_each_seeds_ratio():
    # the ratio shown and judged is the seeds' (half_ratio), not the ratio of the two means
    text = commentary(BASE.assign(half_ratio=[0.9, 0.6, 1.3, 1.2], half_ratio_sd=[0.05, 0.01, 0.2, 0.1]))
    assert "Each seed at η/2 ended 0.90\u00a0±\u00a00.05, 0.60\u00a0±\u00a00.01, 1.30\u00a0±\u00a00.20" in text
    assert (
        "B = 1: between the two (the gap shrank at η/2, but by far less than the half a pure floor gives); B = 10: at SGD's noise floor"
        in text
    )


def test_the_highest_test_accuracy_is_named_only_beyond_the_seeds_spread():
    close = commentary(BASE.assign(final_test_acc=[0.850, 0.851, 0.852, 0.856], final_test_acc_std=0.003))
    assert "(all within the seeds' spread of each other)" in close and "highest" not in close.split("Test accuracy")[1]
    apart = commentary(BASE.assign(final_test_acc=[0.830, 0.851, 0.852, 0.856], final_test_acc_std=0.001))
    assert "(B = 1000 highest, beyond the seeds' spread): the batch size also changes where the runs end." in apart
