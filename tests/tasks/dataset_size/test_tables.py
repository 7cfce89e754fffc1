"""Task 5's tables follow the runs they are given."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from mnist_sgd.science import linear
from mnist_sgd.science.data import MNIST, one_hot
from mnist_sgd.science.sgd import Evaluator, train_sgd
from mnist_sgd.tasks.dataset_size.subsets import (
    fit_count,
    run_read_at,
    same_passes,
    split_budget,
    split_rows,
    split_run,
    subset_order,
    subset_rows,
)
from mnist_sgd.tasks.dataset_size.tables import (
    at_stop,
    gap_column,
    hand_setting_runs,
    last_doubling,
    mean_sd,
    size_summary,
    sizes_caption,
    sizes_table,
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


def test_the_split_fits_the_first_share_of_the_subset_and_measures_on_the_rest():
    fit, held = split_rows(50, 10, 2, 0.8)
    assert (len(fit), len(held)) == (8, 2) and fit_count(10, 0.8) == 8
    assert fit.tolist() == sorted(fit.tolist()) and held.tolist() == sorted(held.tolist())
    assert not set(fit.tolist()) & set(held.tolist())  # never measured on an image it trains on
    assert set(fit.tolist()) | set(held.tolist()) == set(subset_rows(50, 10, 2).tolist())  # the subset's images only
    assert set(fit.tolist()) == set(subset_order(50, 2)[:8].tolist())  # the first 80% in the subset's order
    assert not torch.equal(split_rows(50, 10, 3, 0.8)[1], held)  # another subset, another split
    # the whole set splits by the same order
    fit_all, held_all = split_rows(50, 50, 2, 0.8)
    assert (len(fit_all), len(held_all)) == (40, 10) and not set(fit_all.tolist()) & set(held_all.tolist())
    assert set(held_all.tolist()) == set(subset_order(50, 2)[40:].tolist())
    with pytest.raises(ValueError, match="0.8 of 1 images leaves one side of the split empty"):
        split_rows(50, 1, 0, 0.8)
    with pytest.raises(ValueError, match="leaves one side"):
        fit_count(10, 0.97)  # 9.7 rounds to all 10
    with pytest.raises(ValueError, match="1..50, got 51"):
        split_rows(50, 51, 0, 0.8)


def test_the_run_on_all_images_is_read_after_as_many_passes():
    assert same_passes(96, 100, 80) == 120
    assert (same_passes(1, 100, 80), same_passes(3, 100, 80)) == (1, 4)  # 1.25 and 3.75 steps: whole steps
    assert split_budget(30000, 100, 80) == 24000 and split_budget(30000, 60000, 48000) == 24000
    # rounded down, so that the split run's last checkpoint read on all images stays within their run
    assert split_budget(1000, 3, 2) == 666 and same_passes(666, 3, 2) == 999


def test_the_split_run_trains_on_its_share_and_stops_at_its_best_accuracy_on_the_rest():
    mnist = tiny_mnist()
    columns, curves = split_run(mnist, 20, 1, 0.8, 5, 0.05, 20, 12)
    assert (columns["fit_images"], columns["validation_images"], columns["split_iterations"]) == (16, 4, 16)
    assert curves["t"].max() == 16 and curves["heldout_acc"].between(0, 1).all()
    after = curves[curves["t"] > 0].set_index("t")
    stop, best = columns["split_stop_t"], after["heldout_acc"].max()
    assert after.loc[stop, "heldout_acc"] == best == columns["split_validation_acc"]
    assert (after.loc[after.index < stop, "heldout_acc"] < best).all()  # the earliest of the best
    assert columns["split_test_acc"] == after.loc[stop, "test_acc"]  # its own test accuracy there
    # trained on its 16 images only: SGD on those rows with the same seed takes the same steps
    fit, held = split_rows(40, 20, 1, 0.8)
    alone = train_sgd(mnist.x_train[fit], one_hot(mnist.y_train[fit]), 5, 0.05, 16, seed=1, checkpoints=12)
    assert curves["train_loss"].to_numpy() == pytest.approx(alone.curves["train_loss"].to_numpy())
    # and measured on the other 4: their accuracy at the end of the run
    scores = alone.W.T @ mnist.x_train[held].T
    assert curves["heldout_acc"].iloc[-1] == (scores.argmax(dim=0) == mnist.y_train[held]).float().mean().item()


def test_the_reading_at_the_stop_is_the_run_taken_exactly_that_far():
    mnist = tiny_mnist()
    rows = subset_rows(40, 10, 0)
    x, labels = mnist.x_train[rows], mnist.y_train[rows]
    # the curves' training accuracy on 3 of the 10 images: the reading's is on all of them
    evaluator = Evaluator(x, labels, mnist.x_test, mnist.y_test, train_acc_samples=3)
    # t = 9 lies between the checkpoints 7 and 12
    run, reading = run_read_at(x, one_hot(labels), 5, 0.05, 20, 0, 8, evaluator, 9)
    exact = train_sgd(x, one_hot(labels), 5, 0.05, 9, seed=0, checkpoints=2, evaluator=evaluator)
    assert reading == {
        "stop_t": 9,
        "stop_train_acc": linear.accuracy(exact.W, x, labels),
        "stop_test_acc": exact.curves.iloc[-1]["test_acc"],
    }
    # 6 of the 10 images at t = 9, against 5 at the checkpoints around it and 1 of the 3 the curves score
    assert reading["stop_train_acc"] == 0.6 and list(run.curves.loc[run.curves["t"] == 9, "train_acc"]) == []
    # the run itself is unchanged: the usual checkpoints only, the same steps to the same weights
    plain = train_sgd(x, one_hot(labels), 5, 0.05, 20, seed=0, checkpoints=8, evaluator=evaluator)
    assert list(run.curves["t"]) == list(plain.curves["t"]) == [0, 1, 2, 3, 4, 7, 12, 20]
    assert list(run.curves["test_acc"]) == list(plain.curves["test_acc"]) and torch.equal(run.W, plain.W)
    assert run.snapshots is None  # the weights kept to read the stop are not carried on


def test_small_subsets_are_fitted_exactly_by_the_closed_form():
    # 8 checkpoints in 20 iterations: a checkpoint in every doubling of t, as Task 3's test reads them
    runs, curves, _ = subset_runs(tiny_mnist(), 10, 5, 0.01, 20, 2, 8, 0.01, 0.8)
    assert list(runs["subset"]) == [0, 1] and set(curves["subset"]) == {0, 1}
    assert (runs["rank"] == 10).all() and (runs["closed_form_train_acc"] == 1.0).all()
    assert (runs["closed_form_train_loss"] < 1e-20).all()
    assert not {"converged", "itr", "converged_by"} & set(runs.columns)  # no convergence verdict: measured only
    assert (runs["rel_tol"] == 0.01).all() and (runs["fit_share"] == 0.8).all()  # recorded with the runs
    assert runs["closed_form_test_acc"].nunique() == 2  # two different subsets
    assert (runs["final_norm"] > 0).all() and (runs["closed_form_norm"] > runs["final_norm"]).all()
    # the slowest direction of the exact fit needs N'/(η s²) steps of η = 0.01
    assert runs["slowest_steps"].to_numpy() == pytest.approx(10 / (0.01 * runs["smallest_singular"] ** 2))


def test_each_subset_is_read_at_the_stop_its_split_run_chose():
    runs, curves, split = subset_runs(tiny_mnist(), 20, 5, 0.05, 20, 2, 12, 0.01, 0.8)
    assert (runs["fit_images"] == 16).all() and (runs["validation_images"] == 4).all()
    assert (runs["split_iterations"] == 16).all() and split.groupby("subset")["t"].max().tolist() == [16, 16]
    assert "heldout_acc" not in curves.columns and split["heldout_acc"].between(0, 1).all()
    for _, run in runs.iterrows():
        mine = split[split["subset"] == run["subset"]].set_index("t")
        assert run["split_stop_t"] in mine.index and run["split_stop_t"] > 0
        assert run["split_test_acc"] == mine.loc[run["split_stop_t"], "test_acc"]
        # as many passes over the 20 images as the split run made over its 16
        assert run["stop_t"] == round(run["split_stop_t"] * 20 / 16) <= 20
    assert runs["stop_test_acc"].between(0, 1).all() and runs["stop_train_acc"].between(0, 1).all()


def test_the_whole_set_shares_one_closed_form_and_is_split_too():
    runs, curves, split = subset_runs(tiny_mnist(), 40, 5, 0.01, 20, 2, 8, 1.0, 0.8)
    assert runs["closed_form_test_acc"].nunique() == 1 and (runs["rank"] == 30).all()  # 30 pixels < 40 images
    assert (runs["closed_form_train_loss"] > 0.01).all()  # no exact fit
    assert runs["final_test_acc"].nunique() == 2  # the sampler seed still differs
    assert (runs["fit_images"] == 32).all() and (runs["validation_images"] == 8).all()  # a stop at every size
    assert runs[["split_stop_t", "stop_t", "stop_test_acc"]].notna().all().all()


def runs_of(size: int, rank: tuple[int, int], test: tuple[float, float]) -> pd.DataFrame:
    """Two subsets of one size, split 80/20: their split runs stopped at t = 80 and 160, the
    runs on all images read at t = 100 and 200."""
    return pd.DataFrame(
        {
            "dataset_size": [size] * 2,
            "subset": [0, 1],
            "batch_size": [100] * 2,
            "lr": [0.02] * 2,
            "rel_tol": [0.01] * 2,
            "fit_share": [0.8] * 2,
            "iterations": [3000] * 2,
            "final_train_loss": [0.01, 0.03],
            "final_train_acc": [1.0, 0.98],
            "final_test_acc": list(test),
            "train_seconds": [1.25, 1.5],
            "closed_form_train_loss": [1e-29, 2e-29],
            "closed_form_train_acc": [1.0, 1.0],
            "closed_form_test_acc": [0.55, 0.57],
            "rank": list(rank),
            "fit_images": [round(0.8 * size)] * 2,
            "validation_images": [size - round(0.8 * size)] * 2,
            "split_iterations": [2400] * 2,
            "split_stop_t": [80, 160],
            "split_validation_acc": [0.71, 0.73],
            "split_test_acc": [0.66, 0.7],
            "stop_t": [100, 200],
            "stop_train_acc": [0.95, 0.9],
            "stop_test_acc": [0.7, 0.72],
            "closed_form_norm": [3.0, 5.0],
            "final_norm": [1.0, 2.0],
        }
    )


def test_one_size_as_shown_with_its_stop():
    runs = runs_of(1000, (784, 783), (0.6, 0.625))
    shown = subsets_table(runs, curves_of(1000, 10, settled=False))
    assert list(shown.columns) == [
        "subset",
        "run on 80%: stopped at t",
        "run on 80%: test acc. there (%)",
        "run on all: read at t",
        "run on all: test acc. there (%)",
        "end: training loss",
        "loss fall over the second half (%)",
        "end: training acc. (%)",
        "end: test acc. (%)",
        "closed form: test acc. (%)",
    ]
    assert list(shown["run on 80%: stopped at t"]) == ["80", "160"] and list(shown["run on all: read at t"]) == [
        "100",
        "200",
    ]
    assert list(shown["run on 80%: test acc. there (%)"]) == ["66.00", "70.00"]
    assert list(shown["run on all: test acc. there (%)"]) == ["70.00", "72.00"]
    # the loss 10/(10 + t) falls by 1 - 650/1,010 = 35.64% from t = 640 (the checkpoint nearest 500) to 1,000
    assert list(shown["loss fall over the second half (%)"]) == ["35.64", "35.64"]
    assert list(shown["end: test acc. (%)"]) == ["60.00", "62.50"]
    assert list(shown["end: training loss"]) == ["0.01000", "0.03000"]
    caption = subsets_caption(runs, 10000)
    assert caption.startswith(
        "N' = 1,000: SGD (B = 100, η = 0.02) on each subset and the least-squares solution on the same subset. "
        "Run on 80%: SGD on 800 of the subset's images, stopped at the checkpoint where its accuracy on the other 200 "
        "was highest; run on all: SGD on all 1,000 images, read after as many passes over them (t × 1,000/800, "
        "rounded). End: after 3,000 iterations; loss fall: how much the training loss fell"
    )
    assert "on the 10,000 test images" in caption
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


def summary_of_three() -> pd.DataFrame:
    """N' = 100, 1,000 and 60,000 (the whole set), each read at its stop."""
    runs = pd.concat(
        [
            runs_of(1000, (784, 784), (0.8, 0.84)),
            runs_of(100, (100, 99), (0.6, 0.625)),
            runs_of(60000, (712, 712), (0.85, 0.86)),
        ],
        ignore_index=True,
    )
    curves = pd.concat([curves_of(100, 10), curves_of(1000, 1000, settled=False), curves_of(60000, 10)])
    return size_summary(runs, curves.reset_index(drop=True))


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
    # at the stop: t = 100 and 200, test 70 and 72, training 95 and 90 (gaps 25 and 18 points)
    assert (small["stop_t_min"], small["stop_t_max"]) == (100, 200)
    assert (small["fit_share"], small["fit_images"], small["validation_images"]) == (0.8, 80, 20)
    assert small["split_test_acc"] == pytest.approx(0.68) and small["split_test_acc_sd"] == pytest.approx(0.04 / 2**0.5)
    assert small["stop_test_acc"] == pytest.approx(0.71) and small["stop_test_acc_sd"] == pytest.approx(0.02 / 2**0.5)
    assert small["stop_train_acc"] == pytest.approx(0.925) and small["stop_train_acc_min"] == 0.9
    assert small["stop_train_acc_sd"] == pytest.approx(0.05 / 2**0.5)
    assert small["stop_gap_sd"] == pytest.approx(0.07 / 2**0.5)
    assert not [c for c in table.columns if c.startswith(("early", "heldout"))]
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


def test_every_size_is_read_at_the_stop_under_the_plain_names():
    table = summary_of_three()
    whole = table.set_index("dataset_size").loc[60000]
    assert whole["validation_images"] == 12000 and whole["test_acc"] == pytest.approx(0.855)
    assert whole["stop_test_acc"] == pytest.approx(0.71) and whole["stop_t_min"] == 100
    stop = at_stop(table)
    assert list(stop["dataset_size"]) == [100, 1000, 60000]
    # the reading at the stop under the plain names, the one at the end gone
    assert list(stop["test_acc"]) == pytest.approx([0.71] * 3) and list(stop["train_acc"]) == pytest.approx([0.925] * 3)
    assert list(stop["train_acc_min"]) == [0.9] * 3 and list(stop["gap_sd"]) == pytest.approx([0.07 / 2**0.5] * 3)
    assert list(stop["test_acc_sd"]) == pytest.approx([0.02 / 2**0.5] * 3)
    assert not [c for c in stop.columns if c.startswith("stop_") and c.removeprefix("stop_") in stop.columns]
    assert list(stop["stop_t_min"]) == [100] * 3 and list(stop["closed_form_test_acc"]) == pytest.approx([0.56] * 3)


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
    runs, _, _ = subset_runs(tiny_mnist(), 10, 5, 0.01, 20, 2, 8, 0.01, 0.8)
    assert list(hand["final_train_loss"]) == pytest.approx(list(runs["final_train_loss"]))


def test_the_sizes_as_shown_say_where_the_runs_stand_at_the_end():
    runs = pd.concat([runs_of(1000, (784, 784), (0.8, 0.84)), runs_of(100, (100, 99), (0.6, 0.625))], ignore_index=True)
    curves = pd.concat([curves_of(100, 10), curves_of(1000, 1000)], ignore_index=True)
    table = size_summary(runs, curves)
    shown = sizes_table(table)
    assert list(shown.columns) == [  # the test accuracies are the answer's table's
        "N'",
        "final training acc. (%)",
        "training − test (points)",
        "loss fall over the second half (%)",
    ]
    assert list(shown["N'"]) == ["100", "1,000"]
    # the end of the run, not the stop: 70 and 72 at the stop are not in this table
    assert not shown.apply(lambda c: c.astype(str).str.startswith("71")).any().any()
    # training 100% and 98%: 99.0 ± 1.4, to the place of the s.d.'s second figure
    assert list(shown["final training acc. (%)"]) == ["99.0\u00a0±\u00a01.4"] * 2
    # the gap against the tests, rounded by its own s.d. over subsets (4.5 and 6 points apart: 3.2 and 4.2)
    assert list(shown["training − test (points)"]) == ["37.7\u00a0±\u00a03.2", "17.0\u00a0±\u00a04.2"]
    assert sizes_caption(table) == (
        "Per size (B = 100, η = 0.02): SGD on the whole subset after 3,000 iterations, its final training accuracy, "
        "training minus test accuracy and the fall of its training loss over the second half of the run, from the "
        "checkpoint nearest its middle (% of its value there). Means ± s.d. over 2 subsets."
    )


def test_the_gap_and_the_accuracies_are_rounded_as_their_spread_allows():
    table = pd.DataFrame(
        {
            "train_acc": [0.856549, math.nan],
            "test_acc": [0.855451, math.nan],  # 0.1098 points apart
            # the gap's own s.d.: the two accuracies of a subset move together, so it can be far below theirs
            "gap_sd": [0.001, math.nan],
        }
    )
    assert gap_column(table) == ["0.11\u00a0±\u00a00.10", "—"]  # '—' where there is no reading
    # an accuracy no finer than its third figure, however small its spread
    assert mean_sd(table["train_acc"], table["gap_sd"]) == ["85.7\u00a0±\u00a00.1", "—"]
    # a wider spread, fewer decimals: to the place of the s.d.'s second figure
    assert mean_sd(pd.Series([0.6655]), pd.Series([0.0368])) == ["66.5\u00a0±\u00a03.7"]
    assert mean_sd(pd.Series([0.02]), pd.Series([0.001]), scale=1000) == ["20.0\u00a0±\u00a01.0"]
