"""Task 5's tables follow the runs they are given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from mnist_sgd.science import criteria
from mnist_sgd.science.data import MNIST
from mnist_sgd.tasks.dataset_size.commentary import REACHED_OPTIMUM, STOPPED_MOVING
from mnist_sgd.tasks.dataset_size.tables import (
    converged_at,
    hand_setting_runs,
    noisy_rule,
    size_summary,
    sizes_caption,
    sizes_table,
    subset_rows,
    subset_runs,
    subsets_caption,
    subsets_table,
)


def test_a_subset_is_drawn_by_its_seed_and_the_whole_set_is_every_row():
    a, b = subset_rows(50, 10, 0), subset_rows(50, 10, 1)
    assert len(a) == 10 and len(set(a.tolist())) == 10 and a.tolist() == sorted(a.tolist())
    assert torch.equal(subset_rows(50, 10, 0), a) and not torch.equal(a, b)
    assert torch.equal(subset_rows(50, 50, 3), torch.arange(50))
    with pytest.raises(ValueError, match="1..50, got 51"):
        subset_rows(50, 51, 0)


def made_up_run(loss) -> pd.DataFrame:
    """One run's curve: ``loss`` of the iteration t, read at 39 checkpoints from 0 to 30,000 as a run
    records them (t = 0, then about geometric)."""
    t = np.unique(np.r_[0, np.geomspace(1, 30000, 40).round().astype(int)])
    return pd.DataFrame({"t": t, "train_loss": loss(t)})


def test_a_run_at_a_noise_floor_has_converged_by_levelling_off():
    # L* = 0.5; SGD settles 2.4% of L* above it, farther than 1% of the way from L(0) = 1 (0.005)
    floor = made_up_run(lambda t: 0.512 + 0.488 * 0.5 ** (t / 50))
    assert criteria.converged_to_optimum(floor, 0.5, 0.01) is None
    itr, by = converged_at(floor, 0.5, 0.01)
    assert by == STOPPED_MOVING and itr == criteria.converged_iterations(floor, 0.01) == 335


def test_a_run_fitting_its_subset_exactly_has_converged_by_reaching_the_optimum():
    # L* = 0: the loss halves every 300 steps, so its change per doubling of t never falls below 1%
    exact = made_up_run(lambda t: 0.45 * 0.5 ** (t / 300))
    assert criteria.converged_iterations(exact, 0.01) is None
    itr, by = converged_at(exact, 0.0, 0.01)
    assert by == REACHED_OPTIMUM and itr == 2134  # the first checkpoint below 1% of 0.45: 300·log2(100) = 1,993


def test_a_run_still_descending_far_from_the_optimum_has_not_converged():
    # at the end still 4.5% of the way from L* = 0.5, and still falling by 1.4% per doubling of t
    slow = made_up_run(lambda t: 0.5 + 0.5 / (1 + t) ** 0.3)
    assert converged_at(slow, 0.5, 0.01) == (None, None)


def test_when_both_tests_hold_the_earlier_dates_the_run():
    # a floor within 1% of the way: the loss stops moving (t = 117) before it is within the tolerance (198)
    near = made_up_run(lambda t: 0.504 + 0.496 * 0.5 ** (t / 20))
    assert (criteria.converged_iterations(near, 0.01), criteria.converged_to_optimum(near, 0.5, 0.01)) == (117, 198)
    assert converged_at(near, 0.5, 0.01) == (117, STOPPED_MOVING)
    # a fast drop to within 1% of the way (t = 40), then a creep of several % per doubling, relative to a small L*
    creep = made_up_run(lambda t: 0.01 + 0.99 * 0.5 ** (t / 5) + 0.01 * (1 + t) ** -0.7)
    assert (criteria.converged_iterations(creep, 0.01), criteria.converged_to_optimum(creep, 0.01, 0.01)) == (198, 40)
    assert converged_at(creep, 0.01, 0.01) == (40, REACHED_OPTIMUM)


def tiny_mnist(features: int = 30) -> MNIST:
    """40 training and 20 test images of ``features`` pixels: more pixels than the subsets of 10
    have images (an exact fit), fewer than the whole set has (none)."""
    g = torch.Generator().manual_seed(0)
    return MNIST(
        torch.rand(40, features, generator=g),
        torch.randint(10, (40,), generator=g),
        torch.rand(20, features, generator=g),
        torch.randint(10, (20,), generator=g),
    )


def test_small_subsets_are_fitted_exactly_by_the_closed_form():
    # 8 checkpoints in 20 iterations: a checkpoint in every doubling of t, as Task 3's test reads them
    runs, curves = subset_runs(tiny_mnist(), 10, 5, 0.01, 20, 2, 8, 0.01, 0.2)
    assert list(runs["subset"]) == [0, 1] and set(curves["subset"]) == {0, 1}
    assert (runs["rank"] == 10).all() and (runs["closed_form_train_acc"] == 1.0).all()
    assert (runs["closed_form_train_loss"] < 1e-20).all()
    # 20 small steps are far from an exact fit: not converged, ITR is the horizon
    assert not runs["converged"].any() and (runs["itr"] == 20).all() and runs["converged_by"].isna().all()
    assert (runs["heldout_images"] == 2).all()  # 20% of 10
    assert (runs["rel_tol"] == 0.01).all()  # the criterion is recorded with the runs it judged
    assert runs["closed_form_test_acc"].nunique() == 2  # two different subsets
    assert list(runs.columns[-5:]) == [
        "heldout_images",
        "early_t",
        "early_heldout_acc",
        "early_test_acc",
        "heldout_end_test_acc",
    ]
    assert (runs["final_norm"] > 0).all() and (runs["closed_form_norm"] > runs["final_norm"]).all()
    # the slowest direction of the exact fit needs N'/(η s²) steps of η = 0.01
    assert runs["slowest_steps"].to_numpy() == pytest.approx(10 / (0.01 * runs["smallest_singular"] ** 2))


def test_the_whole_set_shares_one_closed_form_and_a_loose_tolerance_converges():
    runs, _ = subset_runs(tiny_mnist(), 40, 5, 0.01, 20, 2, 8, 1.0, 0.2)
    assert runs["closed_form_test_acc"].nunique() == 1 and (runs["rank"] == 30).all()  # 30 pixels < 40 images
    assert (runs["closed_form_train_loss"] > 0.01).all()  # no exact fit
    assert runs["converged"].all() and (runs["itr"] < 20).all()
    assert set(runs["converged_by"]) <= {STOPPED_MOVING, REACHED_OPTIMUM}
    assert runs["final_test_acc"].nunique() == 2  # the sampler seed still differs


def runs_of(size: int, rank: tuple[int, int], test: tuple[float, float], converged: tuple[bool, bool]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset_size": [size] * 2,
            "subset": [0, 1],
            "batch_size": [100] * 2,
            "lr": [0.02] * 2,
            "rel_tol": [0.01] * 2,
            "iterations": [3000] * 2,
            "itr": [1200 if c else 3000 for c in converged],
            "converged": list(converged),
            "converged_by": [STOPPED_MOVING if c else None for c in converged],
            "final_train_loss": [0.01, 0.03],
            "final_train_acc": [1.0, 0.98],
            "final_test_acc": list(test),
            "train_seconds": [1.25, 1.5],
            "closed_form_train_loss": [1e-29, 2e-29],
            "closed_form_train_acc": [1.0, 1.0],
            "closed_form_test_acc": [0.55, 0.57],
            "rank": list(rank),
            "heldout_images": [size // 5] * 2,
            "early_t": [100, 200],
            "early_test_acc": [0.7, 0.72],
            "heldout_end_test_acc": [0.6, 0.62],
            "closed_form_norm": [3.0, 5.0],
            "final_norm": [1.0, 2.0],
        }
    )


def test_one_size_as_shown():
    runs = runs_of(100, (100, 99), (0.6, 0.625), (True, False))
    shown = subsets_table(runs)
    # a short cell, explained in the caption: a long one wrapped over four lines
    assert list(shown["levelled off at"]) == ["1,200", "no"]
    # to two significant figures, as the checkpoints resolve it
    levelled = subsets_table(runs.assign(itr=[1990, 4491], converged=True))
    assert list(levelled["levelled off at"]) == ["2,000", "4,500"]
    assert list(shown["test acc. (%)"]) == ["60.00", "62.50"]
    assert list(shown["training loss"]) == ["0.01000", "0.03000"]
    assert list(shown["closed form: rank of X'"]) == [100, 99]
    caption = subsets_caption(runs, 10000)
    assert caption.startswith("N' = 100: SGD after 3,000 iterations (B = 100, η = 0.02)")
    assert "on the 10,000 test images" in caption and "no: not within the 3,000 iterations" in caption
    assert "ITR" not in caption and "converged" not in caption  # Task 3's words


def curves_of(size: int, peak_at: int, settled: bool = True) -> pd.DataFrame:
    """Two subsets' checkpoints, one in every doubling of t: the test accuracy peaks at
    ``peak_at``; the training loss is flat from t = 160 on when ``settled``, else halves with
    every doubling of t."""
    ts = [0, 10, 20, 40, 80, 160, 320, 640, 1000]
    loss = [0.2 + (0.3 if t < 160 else 0.0) for t in ts] if settled else [10 / (10 + t) for t in ts]
    return pd.DataFrame(
        {
            "dataset_size": size,
            "subset": [s for s in (0, 1) for _ in ts],
            "t": ts * 2,
            "test_acc": [0.9 if t == peak_at else 0.5 for t in ts] * 2,
            "train_loss": loss * 2,
        }
    )


def test_the_summary_across_sizes_follows_the_runs():
    runs = pd.concat(
        [runs_of(1000, (784, 784), (0.8, 0.84), (True, True)), runs_of(100, (100, 99), (0.6, 0.625), (True, False))],
        ignore_index=True,
    )
    curves = pd.concat([curves_of(100, 10), curves_of(1000, 1000, settled=False)], ignore_index=True)
    table = size_summary(runs, curves)
    assert list(table["dataset_size"]) == [100, 1000]  # smallest first
    small = table.iloc[0]
    assert small["subsets"] == 2 and small["converged_subsets"] == 1
    assert (small["stopped_moving_subsets"], small["reached_optimum_subsets"]) == (1, 0)
    assert (small["batch_size"], small["rel_tol"]) == (100, 0.01)
    assert small["test_acc"] == pytest.approx(0.6125)
    assert (small["test_acc_min"], small["test_acc_max"]) == (0.6, 0.625)
    assert (small["rank_min"], small["rank_max"]) == (99, 100) and small["closed_form_norm"] == 4.0
    assert small["final_norm"] == 1.5
    assert (small["early_t_min"], small["early_t_max"]) == (100, 200) and small["heldout_images"] == 20
    # stopping early against the same held-out runs at their end, per subset: +10 points in both
    assert (small["early_gain_min"], small["early_gain_max"]) == pytest.approx((0.1, 0.1))
    assert small["early_gain_subsets"] == 2
    assert small["early_test_acc_sd"] == pytest.approx(0.02 / 2**0.5)
    assert small["noisy_subsets"] == 0  # the open run's loss, 0.03, is not within the levelled one's, 0.01
    assert list(table["peak_t"]) == [10, 1000] and list(table["peak_test_acc"]) == [0.9, 0.9]
    assert not [c for c in table.columns if c.startswith("hand")]  # without runs at a hand-made setting
    # the s.d. over subsets, with n - 1: two subsets at 0.6 and 0.625
    assert small["test_acc_sd"] == pytest.approx(0.025 / 2**0.5)
    assert small["closed_form_test_acc_sd"] == pytest.approx(0.02 / 2**0.5)
    # the last doubling judged: flat at 100 images, still falling (by about half) at 1,000
    assert table["last_change"].iloc[0] == 0.0 and table["last_change"].iloc[1] < -0.3
    hand = pd.DataFrame(
        {
            "dataset_size": [100, 100, 1000, 1000],
            "subset": [0, 1, 0, 1],
            "batch_size": 100,
            "lr": 0.001,
            "iterations": 500,
            "final_test_acc": [0.66, 0.70, 0.78, 0.78],
        }
    )
    with_hand = size_summary(runs, curves, hand)
    assert list(with_hand["hand_test_acc"]) == pytest.approx([0.68, 0.78])
    assert list(with_hand["hand_test_acc_sd"]) == pytest.approx([0.04 / 2**0.5, 0.0])
    assert (with_hand["hand_lr"].iloc[0], with_hand["hand_iterations"].iloc[0]) == (0.001, 500)
    assert with_hand["hand_batch_size"].iloc[0] == 100
    short = size_summary(runs, curves[curves["t"] <= 20])  # too short for a doubling to be judged
    assert short["last_change"].isna().all()


def test_the_hand_setting_runs_the_same_subsets_at_its_rate_and_length():
    hand = hand_setting_runs(tiny_mnist(), 10, 5, 0.01, 20, 2)
    assert list(hand.columns) == [
        "dataset_size",
        "subset",
        "batch_size",
        "lr",
        "iterations",
        "final_train_loss",
        "final_test_acc",
        "train_seconds",
    ]
    assert list(hand["subset"]) == [0, 1] and (hand["iterations"] == 20).all() and (hand["lr"] == 0.01).all()
    assert hand["final_test_acc"].between(0, 1).all()
    # the same subsets as subset_runs: both start from W = 0 on the same rows with the same sampler seed
    runs, _ = subset_runs(tiny_mnist(), 10, 5, 0.01, 20, 2, 8, 0.01, 0.2)
    assert list(hand["final_train_loss"]) == pytest.approx(list(runs["final_train_loss"]))


def test_the_sizes_as_shown_say_where_the_runs_stand():
    runs = pd.concat(
        [runs_of(1000, (784, 784), (0.8, 0.84), (True, True)), runs_of(100, (100, 99), (0.6, 0.625), (True, False))],
        ignore_index=True,
    )
    curves = pd.concat([curves_of(100, 10), curves_of(1000, 1000)], ignore_index=True)
    table = size_summary(runs, curves)
    shown = sizes_table(table)
    # the stopping point the held-out images choose leads; the fixed budget's numbers follow
    assert list(shown.columns) == [
        "N'",
        "stopped early: test acc. (%)",
        "levelled off by 3,000",
        "at 3,000: train acc. (%)",
        "at 3,000: test acc. (%)",
        "at 3,000: train − test (points)",
        "least squares: test acc. (%)",
    ]
    assert list(shown["N'"]) == ["100", "1,000"]
    assert list(shown["levelled off by 3,000"]) == ["1 of 2", "2 of 2"]
    # mean ± s.d. over subsets, as the figures' bars, kept on one line
    sd = 100 * 0.025 / 2**0.5
    assert list(shown["at 3,000: test acc. (%)"])[0] == f"61.25\u00a0±\u00a0{sd:.2f}"
    assert list(shown["stopped early: test acc. (%)"])[0] == f"71.00\u00a0±\u00a0{100 * 0.02 / 2**0.5:.2f}"
    assert list(shown["at 3,000: train − test (points)"]) == ["37.75", "17.00"]  # training 99% against the tests
    caption = sizes_caption(table)
    assert caption == (
        "Per size, SGD (B = 100, η = 0.02) stopped early on held-out images, then after 3,000 iterations (how many "
        "runs had levelled off by then, its accuracies and their gap), and the exact least-squares solution on the "
        "same subsets: means over 2 subsets, ± their s.d."
    )


def test_the_gap_is_the_difference_of_the_accuracies_as_shown():
    table = pd.DataFrame(
        {
            "dataset_size": [100],
            "converged_subsets": [0],
            "subsets": [5],
            "rel_tol": [0.01],
            "last_change": [-0.2],
            "train_acc": [0.856549],  # shown 85.65
            "test_acc": [0.855451],  # shown 85.55: the gap shown is 0.10, not 0.11 (0.1098 rounded)
            "test_acc_sd": [0.004],
            "early_test_acc": [0.86],
            "early_test_acc_sd": [0.004],
            "iterations": [30000],
            "closed_form_test_acc": [0.5],
        }
    )
    shown = sizes_table(table)
    assert list(shown["at 30,000: train acc. (%)"]) == ["85.65"]
    assert list(shown["at 30,000: train − test (points)"]) == ["0.10"]
    assert list(shown["levelled off by 30,000"]) == ["0 of 5"]


def test_the_levelling_rule_is_caught_reacting_to_noise():
    runs = pd.DataFrame(
        {
            "dataset_size": [10000] * 5 + [500] * 2,
            "converged": [True, False, True, False, True, False, False],
            # subsets 1 and 3 end among the others' losses; subset 3's 0.1910 lies above them
            "final_train_loss": [0.1902, 0.1889, 0.1895, 0.1910, 0.1874, 0.04, 0.03],
        }
    )
    noisy = noisy_rule(runs).set_index("dataset_size")
    assert noisy.loc[10000, "noisy_subsets"] == 1
    assert (noisy.loc[10000, "levelled_loss_min"], noisy.loc[10000, "levelled_loss_max"]) == (0.1874, 0.1902)
    assert noisy.loc[500, "noisy_subsets"] == 0  # none levelled off: nothing to be within
