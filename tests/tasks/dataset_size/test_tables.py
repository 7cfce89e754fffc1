"""Task 5's tables follow the runs they are given."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from mnist_sgd.science.data import MNIST
from mnist_sgd.tasks.dataset_size.tables import (
    hand_setting_runs,
    last_doubling,
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
    assert not {"converged", "itr", "converged_by"} & set(runs.columns)  # no convergence verdict: measured only
    assert (runs["heldout_images"] == 2).all()  # 20% of 10
    assert (runs["rel_tol"] == 0.01).all()  # a small fall of the loss, recorded with the runs
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


def test_the_whole_set_shares_one_closed_form():
    runs, _ = subset_runs(tiny_mnist(), 40, 5, 0.01, 20, 2, 8, 1.0, 0.2)
    assert runs["closed_form_test_acc"].nunique() == 1 and (runs["rank"] == 30).all()  # 30 pixels < 40 images
    assert (runs["closed_form_train_loss"] > 0.01).all()  # no exact fit
    assert runs["final_test_acc"].nunique() == 2  # the sampler seed still differs


def runs_of(size: int, rank: tuple[int, int], test: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset_size": [size] * 2,
            "subset": [0, 1],
            "batch_size": [100] * 2,
            "lr": [0.02] * 2,
            "rel_tol": [0.01] * 2,
            "iterations": [3000] * 2,
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
    runs = runs_of(1000, (784, 783), (0.6, 0.625))
    shown = subsets_table(runs, curves_of(1000, 10, settled=False))
    # the loss 10/(10 + t) falls by 1 - 650/1,010 = 35.64% from t = 640 (the checkpoint nearest 500) to 1,000
    assert list(shown["loss fall from t = 640 (%)"]) == ["35.64", "35.64"]
    assert list(shown["test acc. (%)"]) == ["60.00", "62.50"]
    assert list(shown["training loss"]) == ["0.01000", "0.03000"]
    assert list(shown["closed form: rank of X'"]) == [784, 783]
    caption = subsets_caption(runs, 10000)
    assert caption.startswith("N' = 1,000: SGD after 3,000 iterations (B = 100, η = 0.02)")
    assert "on the 10,000 test images" in caption and "Loss fall: how much the training loss fell" in caption
    assert "ITR" not in caption and "converged" not in caption and "levelled" not in caption


def test_the_last_doubling_is_measured_from_the_checkpoint_nearest_half_the_run():
    curves = curves_of(100, 1000, settled=False)
    last = last_doubling(curves)
    assert list(last["subset"]) == [0, 1] and (last["fall_from_t"] == 640).all()  # nearest 1,000 / 2
    # 10/650 to 10/1,010: a fall of 1 - 650/1,010 of the loss at t = 640
    assert last["loss_fall"].to_numpy() == pytest.approx([1 - 650 / 1010] * 2)
    assert last["test_change"].to_numpy() == pytest.approx([0.4] * 2)  # 0.5 at 640, 0.9 at the peak, 1,000
    flat = last_doubling(curves_of(100, 10))
    assert (flat["loss_fall"] == 0.0).all() and (flat["test_change"] == 0.0).all()


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
    runs = pd.concat([runs_of(1000, (784, 784), (0.8, 0.84)), runs_of(100, (100, 99), (0.6, 0.625))], ignore_index=True)
    curves = pd.concat([curves_of(100, 10), curves_of(1000, 1000, settled=False)], ignore_index=True)
    table = size_summary(runs, curves)
    assert list(table["dataset_size"]) == [100, 1000]  # smallest first
    small = table.iloc[0]
    assert small["subsets"] == 2 and "converged_subsets" not in table.columns
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
    # the train/test gap per subset (100 - 60 and 98 - 62.5 points) and its s.d.; the training accuracy's s.d.
    assert small["gap_sd"] == pytest.approx(0.045 / 2**0.5) and small["train_acc_sd"] == pytest.approx(0.02 / 2**0.5)
    assert list(table["peak_t"]) == [10, 1000] and list(table["peak_test_acc"]) == [0.9, 0.9]
    assert not [c for c in table.columns if c.startswith("hand")]  # without runs at a hand-made setting
    # the s.d. over subsets, with n - 1: two subsets at 0.6 and 0.625
    assert small["test_acc_sd"] == pytest.approx(0.025 / 2**0.5)
    assert small["closed_form_test_acc_sd"] == pytest.approx(0.02 / 2**0.5)
    # the last doubling: flat at 100 images, still falling (by more than a third) at 1,000, the same in both subsets
    assert list(table["loss_fall"]) == pytest.approx([0.0, 1 - 650 / 1010])
    assert list(table["loss_fall_sd"]) == pytest.approx([0.0, 0.0]) and list(table["fall_from_t"]) == [640, 640]
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
    runs = pd.concat([runs_of(1000, (784, 784), (0.8, 0.84)), runs_of(100, (100, 99), (0.6, 0.625))], ignore_index=True)
    curves = pd.concat([curves_of(100, 10), curves_of(1000, 1000)], ignore_index=True)
    table = size_summary(runs, curves)
    shown = sizes_table(table)
    # the stopping point the held-out images choose leads; the fixed budget's numbers follow
    assert list(shown.columns) == [
        "N'",
        "runs on 80%, stopped early: test acc. (%)",
        "at 3,000: train acc. (%)",
        "at 3,000: test acc. (%)",
        "at 3,000: train − test (points)",
        "at 3,000: loss fall from t = 640 (%)",
        "least squares: test acc. (%)",
    ]
    assert list(shown["N'"]) == ["100", "1,000"]
    # every column with its s.d. over subsets
    assert list(shown["at 3,000: train acc. (%)"])[0] == f"99.00\u00a0±\u00a0{100 * 0.02 / 2**0.5:.2f}"
    assert list(shown["least squares: test acc. (%)"])[0] == f"56.00\u00a0±\u00a0{100 * 0.02 / 2**0.5:.2f}"
    # mean ± s.d. over subsets, as the figures' bars, kept on one line
    sd = 100 * 0.025 / 2**0.5
    assert list(shown["at 3,000: test acc. (%)"])[0] == f"61.25\u00a0±\u00a0{sd:.2f}"
    assert list(shown["runs on 80%, stopped early: test acc. (%)"])[0] == f"71.00\u00a0±\u00a0{100 * 0.02 / 2**0.5:.2f}"
    # training 99% against the tests; the s.d. of the gap over subsets
    gap_sd = 100 * 0.045 / 2**0.5
    assert list(shown["at 3,000: train − test (points)"]) == [
        f"37.75\u00a0±\u00a0{gap_sd:.2f}",
        f"17.00\u00a0±\u00a0{100 * 0.06 / 2**0.5:.2f}",
    ]
    caption = sizes_caption(table)
    # the stopped-early accuracies are said to come from separate runs on 80% of each subset
    assert caption == (
        "Per size (B = 100, η = 0.02): separate runs on 80% of each subset, stopped at their best accuracy on the "
        "rest; the runs on the whole subset after 3,000 iterations, and the fall of their training loss over the "
        "second half of the run, from the checkpoint nearest its middle (% of its value there); the least-squares "
        "solution. Means ± s.d. over 2 subsets."
    )


def test_the_gap_is_the_difference_of_the_accuracies_as_shown():
    table = pd.DataFrame(
        {
            "dataset_size": [100],
            "subsets": [5],
            "heldout_images": [20],
            "train_acc": [0.856549],  # shown 85.65
            "train_acc_sd": [0.001],
            "gap_sd": [0.001],
            "fall_from_t": [13294],
            "loss_fall": [0.01],
            "loss_fall_sd": [0.001],
            "test_acc": [0.855451],  # shown 85.55: the gap shown is 0.10, not 0.11 (0.1098 rounded)
            "test_acc_sd": [0.004],
            "early_test_acc": [0.86],
            "early_test_acc_sd": [0.004],
            "iterations": [30000],
            "closed_form_test_acc": [0.5],
            "closed_form_test_acc_sd": [0.001],
        }
    )
    shown = sizes_table(table)
    assert list(shown["at 30,000: train acc. (%)"]) == ["85.65\u00a0±\u00a00.10"]
    assert list(shown["at 30,000: train − test (points)"]) == ["0.10\u00a0±\u00a00.10"]
