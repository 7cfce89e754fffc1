"""Task 5's readings of a run: convergence judged against the subset's own optimum, the three
test accuracies (end, best along the run, stopped on held-out images), the per-step wording,
the double-descent paragraph and the comparison with the hand-made reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science.criteria import converged_iterations, converged_to_optimum, early_stop
from mnist_sgd.science.experiments import at_budget, held_out_run, holdout_split, peak_of_mean
from mnist_sgd.science.sgd import Evaluator, train_sgd
from mnist_sgd.show import references
from mnist_sgd.tasks.dataset_size.commentary import (
    dataset_size_commentary,
    dataset_size_references_text,
    dataset_size_stopping_text,
    double_descent_text,
)


def curve(losses, ts=None):
    ts = ts if ts is not None else [0, *[2**i for i in range(len(losses) - 1)]]
    return pd.DataFrame({"t": ts, "train_loss": losses})


def test_a_loss_that_reaches_zero_has_converged():
    # an exact fit exists (closed form at 1e-30): the loss halves at every doubling of t down to
    # ~1e-11. Task 3's relative-change test never passes; the excess over the optimum does
    c = curve([0.5 * 0.5**i for i in range(37)])
    assert c["train_loss"].iloc[-1] < 1e-10
    assert converged_iterations(c, 0.01) is None
    assert converged_to_optimum(c, optimum=1e-30, rel_tol=0.01) == 64  # 0.5 * 0.5**7 = 0.0039 <= 0.01 * 0.5


def test_a_run_short_of_its_optimum_has_not_converged():
    c = curve([0.5, 0.4, 0.3, 0.25, 0.22])
    assert converged_to_optimum(c, optimum=0.19, rel_tol=0.01) is None
    assert converged_to_optimum(c, optimum=0.2185, rel_tol=0.01) == 8  # only the last is within 1%
    assert converged_to_optimum(c.assign(train_loss=[0.5, 0.4, np.nan, 0.3, 0.2]), 0.19, 0.01) is None


def test_holdout_split_and_early_stop():
    kept, held = holdout_split(100, 0.2, seed=3)
    assert len(held) == 20 and len(kept) == 80 and not set(kept.tolist()) & set(held.tolist())
    assert torch.equal(holdout_split(100, 0.2, seed=3)[1], held)
    c = pd.DataFrame({"t": [1, 2, 4, 8], "heldout_acc": [0.5, 0.7, 0.7, 0.6], "test_acc": [0.4, 0.65, 0.66, 0.6]})
    best = early_stop(c)
    assert best["t"] == 2 and best["test_acc"] == 0.65  # the earliest of the tied best


def test_the_heldout_accuracy_is_recorded_along_a_run():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 784, generator=g)
    labels = torch.randint(10, (60,), generator=g)
    ev = Evaluator(x[:40], labels[:40], x[40:], labels[40:], x_heldout=x[40:50], labels_heldout=labels[40:50])
    y = torch.nn.functional.one_hot(labels[:40], 10).float()
    run = train_sgd(x[:40], y, 10, 0.001, 50, seed=0, checkpoints=5, evaluator=ev)
    assert "heldout_acc" in run.curves.columns and run.curves["heldout_acc"].between(0, 1).all()


def test_the_early_stopped_run_trains_without_its_heldout_part_and_stops_at_its_peak():
    g = torch.Generator().manual_seed(1)
    x, labels = torch.rand(80, 784, generator=g), torch.randint(10, (80,), generator=g)
    out = held_out_run(x[:60], labels[:60], x[60:], labels[60:], 10, 0.001, 40, 5, 0.25, seed=2)
    assert out["heldout_images"] == 15 and 0 < out["early_t"] <= 40
    assert 0 <= out["early_test_acc"] <= 1 and 0 <= out["heldout_end_test_acc"] <= 1
    assert held_out_run(x[:60], labels[:60], x[60:], labels[60:], 10, 0.001, 40, 5, 0.25, seed=2) == out


def test_peak_and_budget_of_the_mean_curve():
    c = pd.DataFrame({"n": [1] * 6, "t": [1, 10, 100] * 2, "test_acc": [0.5, 0.9, 0.7, 0.5, 0.7, 0.7]})
    peak = peak_of_mean(c, "n").iloc[0]
    assert peak["peak_test_acc"] == 0.8 and peak["peak_t"] == 10
    assert at_budget(c, "n", 40).iloc[0]["at_hand_budget_t"] == 100  # log-nearest: 40 is nearer 100 than 10
    assert at_budget(c, "n", 20).iloc[0]["at_hand_budget_t"] == 10


def three(end=(0.607, 0.658, 0.742, 0.844), peak=(0.699, 0.820, 0.832, 0.853), early=(0.66, 0.78, 0.81, 0.84)):
    return pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 10000],
            "iterations": [30000] * 4,
            "test_acc": list(end),
            "test_acc_min": [e - 0.02 for e in end],
            "test_acc_max": [e + 0.02 for e in end],
            "peak_test_acc": list(peak),
            "peak_t": [60, 300, 900, 20000],
            "early_test_acc": list(early),
            "early_t_min": [40, 200, 500, 10000],
            "early_t_max": [90, 400, 500, 30000],
            "heldout_end_test_acc": [0.58, 0.64, 0.73, 0.842],
            "at_hand_budget_acc": [0.69, 0.80, 0.82, 0.84],
            "at_hand_budget_t": [279] * 4,
        }
    )


def test_the_three_values_per_size_follow_the_table():
    text = dataset_size_stopping_text(three(), 0.2)
    assert (
        "N' = 100: end of run (t = 30,000) 60.70%; best along the run 69.90% at t = 60; stopped early 66.00% (t = 40-90)"
        in text
    )
    assert (
        "N' = 1,000: end of run (t = 30,000) 74.20%; best along the run 83.20% at t = 900; stopped early 81.00% (t = 500)"
        in text
    )
    assert "20% of its N' images held out" in text
    assert "beat running to the end at N' = 100, 500, 1,000 (by 8.00, 14.00, 8.00 points)" in text
    other = dataset_size_stopping_text(three(early=(0.57, 0.6, 0.7, 0.8)), 0.25)
    assert "beat running to the end at no N'" in other and "25% of its N' images" in other


def test_the_comparison_with_the_hand_made_reports():
    text = dataset_size_references_text(three(), references.table(5), lr=0.0215)
    assert text.startswith("**Compared with the hand-made reports.**")
    assert "70%, 80%, 83%, 85% for N' = 100, 500, 1,000, 10,000" in text
    assert "67%, 78%, 74%, 79%" in text and "500 iterations" in text
    assert "η·t = 645" in text and "η·t = 6," in text and "108 times sooner" in text
    # first report 70/80/83/85: end of run 8.22 points off on average, best along the run 0.65
    assert "8.22 points (end of run), 0.65 points (best along the run)" in text
    assert "the closest of our readings is “best along the run”" in text
    assert "(t ≈ 279) our subset-mean test accuracy is 69.00%, 80.00%, 82.00%, 84.00%" in text
    end_first = dataset_size_references_text(
        three(peak=(0.5,) * 4, early=(0.5,) * 4).drop(columns=["at_hand_budget_acc"]), references.table(5), lr=0.0215
    )
    assert "the closest of our readings is “end of run”" in end_first


def test_double_descent_is_named_at_the_rank():
    t = pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 10000],
            "closed_form_test_acc": [0.60, 0.269, 0.70, 0.85],
            "rank_min": [100, 500, 570, 710],
            "rank_max": [100, 500, 640, 712],
        }
    )
    text = double_descent_text(t)
    assert "lowest at N' = 500 (26.90%" in text
    assert "Up to N' = 500 every subset has rank X' = N'" in text
    assert "N' = 1,000: 570-640" in text and "N' = 10,000: 710-712" in text
    assert "between N' = 500 and the rank reached at N' = 1,000 (640 at most), not at the 784 pixels" in text
    assert "at most 712 in these subsets" in text
    with_sgd = double_descent_text(t.assign(test_acc=[0.607, 0.658, 0.742, 0.844]))
    assert "SGD's test accuracy at the same sizes, 60.70%, 65.80%, 74.20%, 84.40%, has no dip" in with_sgd
    assert "double-descent peak" in text
    normed = double_descent_text(t.assign(closed_form_norm=[3.0, 250.0, 20.0, 5.0]))
    assert "‖W*‖, is 3, 250, 20, 5 for the same sizes: largest at N' = 500, where the test accuracy dips." in normed
    no_dip = double_descent_text(t.assign(closed_form_test_acc=[0.60, 0.7, 0.8, 0.85]))
    assert "lowest at N' = 100" in no_dip and "double-descent peak" not in no_dip


def test_the_main_commentary_carries_the_double_descent_paragraph():
    t = pd.DataFrame(
        {
            "dataset_size": [500, 1000],
            "subsets": [5, 5],
            "converged_subsets": [5, 5],
            "test_acc": [0.66, 0.74],
            "test_acc_min": [0.65, 0.73],
            "test_acc_max": [0.67, 0.75],
            "train_acc": [1.0, 0.95],
            "final_train_loss": [1e-11, 0.05],
            "closed_form_test_acc": [0.269, 0.70],
            "closed_form_train_acc": [1.0, 0.96],
            "closed_form_train_loss": [1e-30, 0.04],
            "rank_min": [500, 570],
            "rank_max": [500, 640],
        }
    )
    text = dataset_size_commentary(t)
    assert "500→1,000 (a doubling): +8.00 points" in text and "per tenfold" not in text
    assert "double descent" in text
