"""Task 6's tables follow the runs they are built from: the gradient check, the same-batches
equivalence, the two implementations' runs and the tables the section shows."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from mnist_sgd.science.data import one_hot
from mnist_sgd.science.linear import accuracy
from mnist_sgd.science.sgd import Evaluator, train_sgd
from mnist_sgd.tasks.pytorch.tables import (
    CONVERTED,
    HAND,
    LOADER,
    UNCONVERTED,
    equivalence,
    equivalence_caption,
    equivalence_table,
    gradient_check,
    gradient_check_caption,
    gradient_check_table,
    hand_rate_caption,
    hand_rate_runs,
    hand_rate_summary,
    hand_rate_table,
    implementation_caption,
    implementation_runs,
    implementation_summary,
    implementation_table,
    step_time_ratios,
)


@pytest.fixture(scope="module")
def tiny():
    """300 made-up images of 12 pixels in the 10 classes, with an evaluator."""
    g = torch.Generator().manual_seed(0)
    x, labels = torch.rand(300, 12, generator=g), torch.randint(10, (300,), generator=g)
    x_test, labels_test = torch.rand(50, 12, generator=g), torch.randint(10, (50,), generator=g)
    return x, one_hot(labels), Evaluator(x, labels, x_test, labels_test)


def test_the_gradient_check_measures_the_predicted_factor(tiny):
    x, y, evaluator = tiny
    check = gradient_check(x, y, 20, 0.1, evaluator, warmup=5)
    assert list(check.columns) == [
        "predicted_ratio",
        "measured_ratio",
        "max_deviation",
        "formula_vs_autograd",
        "lr_factor",
    ]
    row = check.iloc[0]
    assert row["predicted_ratio"] == 0.2 and row["lr_factor"] == 5.0
    assert row["measured_ratio"] == pytest.approx(0.2, abs=1e-12)
    assert row["max_deviation"] < 1e-12 and row["formula_vs_autograd"] < 1e-12


def test_the_gradient_check_table_quotes_each_quantity_at_its_precision():
    check = pd.DataFrame(
        [
            {
                "predicted_ratio": 0.2,
                "measured_ratio": 0.2000000000001,
                "max_deviation": 3.2e-16,
                "formula_vs_autograd": 1.234e-17,
                "lr_factor": 5.0,
            }
        ]
    )
    table = gradient_check_table(check)
    # the measured ratio by its distance from 2/k, to the precision that distance has
    assert list(table["value"]) == ["0.2", "1.0e-13", "3.2e-16", "1.2e-17", "5"]
    # the formula against autograd, as Task 2 states its check: relative to the largest gradient entry
    assert table["quantity"].iloc[3] == "max |X_bᵀ(X_b W − Y_b)/B − ∇L (autograd)| / max |∇L|"
    assert table["quantity"].iloc[-1] == "learning-rate factor k/2"
    assert gradient_check_caption(100).startswith("Gradients of the two losses on one batch of B = 100 (float64), at")
    assert "another batch and W than Task 2's check" in gradient_check_caption(100)


def test_the_equivalence_holds_only_with_the_converted_rate(tiny):
    x, y, evaluator = tiny
    table = equivalence(x, y, 10, 0.05, 40, evaluator)
    assert list(table["implementation"]) == [
        "hand-written (Task 2)",
        "torch.optim.SGD, lr = 5η (converted)",
        "torch.optim.SGD, lr = η (not converted)",
    ]
    assert math.isnan(table["torch_lr"].iloc[0]) and list(table["torch_lr"].iloc[1:]) == pytest.approx([0.25, 0.05])
    same, unconverted = table["relative_difference"].iloc[1], table["relative_difference"].iloc[2]
    assert table["relative_difference"].iloc[0] == 0.0 and same < 1e-5 < unconverted
    assert (table[["steps", "batch_size", "lr"]] == [40, 10, 0.05]).all().all()
    assert {"train_loss", "train_acc", "test_acc"} <= set(table.columns)


def test_the_equivalence_table_gives_the_hand_written_row_its_own_rate():
    table = pd.DataFrame(
        {
            "implementation": ["hand-written (Task 2)", "converted", "not converted"],
            "torch_lr": [math.nan, 0.05, 0.01],
            "relative_difference": [0.0, 3.1e-7, 0.8],
            "train_loss": [0.2123456, 0.2123457, 0.25],
            "test_acc": [0.8512, 0.8512, 0.8301],
            "steps": 1000,
            "batch_size": 100,
            "lr": 0.01,
        }
    )
    shown = equivalence_table(table)
    assert list(shown["lr given"]) == ["0.01", "0.05", "0.01"]
    assert list(shown["‖W − W_hand‖ / ‖W_hand‖"]) == ["0.00e+00", "3.10e-07", "8.00e-01"]
    assert list(shown["training loss"]) == ["0.212346", "0.212346", "0.250000"]
    assert list(shown["test acc. (%)"]) == pytest.approx([85.12, 85.12, 83.01])
    assert equivalence_caption(table).startswith("After 1,000 steps of B = 100 on the same batches, η = 0.01: ")


def test_the_two_implementations_run_every_seed(tiny):
    x, y, evaluator = tiny
    runs, curves = implementation_runs(x, y, 10, 0.05, 30, 2, 3, evaluator)
    assert list(runs["implementation"]) == [HAND, LOADER, HAND, LOADER]
    assert list(runs["seed"]) == [0, 0, 1, 1]
    assert set(curves.groupby(["implementation", "seed"]).size().index) == {
        (n, s) for n in (HAND, LOADER) for s in (0, 1)
    }
    assert (curves.groupby(["implementation", "seed"])["t"].max() == 30).all()


def test_the_final_training_accuracy_is_on_every_training_image(tiny):
    x, y, _ = tiny
    labels = y.argmax(dim=1)
    # an evaluator that scores training accuracy on 50 of the 300 images only, as the curves do
    sampled = Evaluator(x, labels, x[:5], labels[:5], train_acc_samples=50)
    runs, curves = implementation_runs(x, y, 10, 0.05, 30, 1, 3, sampled)
    hand = train_sgd(x, y, 10, 0.05, 30, 0, 3, sampled)  # the same run again: it is determined by its seed
    assert runs.loc[runs["implementation"] == HAND, "final_train_acc"].iloc[0] == accuracy(hand.W, x, labels)
    assert accuracy(hand.W, x, labels) != curves.loc[curves["implementation"] == HAND, "train_acc"].iloc[-1]


def test_the_summary_takes_means_and_spreads_per_implementation():
    runs = pd.DataFrame(
        {
            "implementation": [HAND, LOADER, HAND, LOADER],
            "final_train_loss": [0.21, 0.20, 0.23, 0.22],
            "final_test_acc": [0.85, 0.84, 0.87, 0.86],
            "final_train_acc": [0.84, 0.83, 0.86, 0.85],
            "train_seconds": [1.0, 2.0, 3.0, 2.0],
        }
    )
    by = implementation_summary(runs)
    assert list(by.index) == [LOADER, HAND]  # sorted: capitals first
    hand = by.loc[HAND]
    assert hand["train_loss"] == pytest.approx(0.22) and hand["test_acc"] == pytest.approx(0.86)
    assert hand["train_acc"] == pytest.approx(0.85) and hand["train_acc_sd"] == pytest.approx(0.02 / math.sqrt(2))
    assert hand["seconds"] == 2.0
    assert hand["seconds_sd"] == pytest.approx(math.sqrt(2)) and by.loc[LOADER, "seconds_sd"] == 0.0
    # the s.d. the comparisons are judged on, over seeds with n - 1
    assert hand["test_sd"] == pytest.approx(0.02 / math.sqrt(2)) and hand["train_loss_sd"] == pytest.approx(
        0.01 * math.sqrt(2)
    )


def test_the_comparison_table_shows_means_with_the_spreads_the_verdicts_use_and_times():
    by = pd.DataFrame(
        {
            "train_loss": [0.21356, 0.21247],
            "train_loss_sd": [0.00056, math.nan],  # one seed: the value alone
            "train_acc": [0.8386, 0.8438],
            "train_acc_sd": [0.0003, 0.0008],
            "test_acc": [0.8427, 0.8497],
            "test_sd": [0.0004, 0.0081],
            "seconds": [4.926, 0.0326],
            "seconds_sd": [0.419, math.nan],  # one seed: no spread, its value alone
        },
        index=pd.Index([LOADER, HAND], name="implementation"),
    )
    shown = implementation_table(by, 3000)
    assert list(shown["training loss"]) == ["0.21356\u00a0±\u00a00.00056", "0.21247"]
    assert list(shown["training acc. (%)"]) == ["83.86\u00a0±\u00a00.03", "84.38\u00a0±\u00a00.08"]
    assert list(shown["test acc. (%)"]) == ["84.27\u00a0±\u00a00.04", "84.97\u00a0±\u00a00.81"]
    assert list(shown["µs per step"]) == ["1,600", "11"]  # the mean, to two figures: the load moves it more


def test_the_comparison_caption_counts_the_seeds():
    text = implementation_caption(3000, 100, 0.01, 2)
    assert text == (
        "After 3,000 iterations of B = 100, η = 0.01: mean ± s.d. over 2 seeds; the time per step is their mean, "
        "without the evaluation."
    )
    assert "over 1 seed;" in implementation_caption(3000, 100, 0.01, 1)


def test_the_check_of_the_hand_figures_runs_each_rate_three_ways(tiny):
    x, y, evaluator = tiny
    runs = hand_rate_runs(x, y, 30, {"ours": 0.05, "theirs": 0.01}, 2, evaluator, epochs=2)
    assert len(runs) == 2 * 2 * 3 and (runs["iterations"] == 2 * 300 // 30).all() and (runs["epochs"] == 2).all()
    first = runs[runs["seed"] == 0]
    assert list(first["rate"]) == ["ours"] * 3 + ["theirs"] * 3
    assert list(first["implementation"]) == [HAND, CONVERTED, UNCONVERTED] * 2
    assert math.isnan(first["torch_lr"].iloc[0]) and list(first["torch_lr"].iloc[1:3]) == pytest.approx([0.25, 0.05])
    # the hand-written run is the one Task 2 would make; the converted loop is the idiomatic one of Table 8
    again = train_sgd(x, y, 30, 0.05, 20, 0, 2, evaluator)
    assert first["final_test_acc"].iloc[0] == evaluator.evaluate(again.W)["test_acc"]
    summary = hand_rate_summary(runs)
    assert list(zip(summary["rate"], summary["implementation"])) == [
        (r, w) for r in ("ours", "theirs") for w in (HAND, CONVERTED, UNCONVERTED)
    ]
    assert (summary["seeds"] == 2).all() and (summary["test_sd"] >= 0).all()


def test_the_check_table_has_a_row_per_rate_and_a_column_per_way():
    summary = pd.DataFrame(
        {
            "rate": ["this report's"] * 3 + ["the hand reports'"] * 3,
            "implementation": [HAND, CONVERTED, UNCONVERTED] * 2,
            "lr": [0.0215] * 3 + [0.001] * 3,
            "epochs": 10,
            "iterations": 6000,
            "batch_size": 100,
            "seeds": 3,
            "test_acc": [0.856, 0.857, 0.858, 0.8525, 0.8528, 0.8251],
            "test_sd": 0.001,
        }
    )
    shown = hand_rate_table(summary)
    assert list(shown.columns) == ["η", "hand-written SGD", CONVERTED, UNCONVERTED]
    assert list(shown["η"]) == ["0.0215 (this report's)", "0.001 (the hand reports')"]
    assert shown[UNCONVERTED].iloc[1] == "82.51\u00a0±\u00a00.10"
    caption = hand_rate_caption(summary, 5.0)
    assert caption == (
        "Test accuracy (%) after 10 epochs of B = 100, mean ± s.d. over 3 seeds; converted: PyTorch given 5η, not "
        "converted: given η."
    )


def test_the_time_ratio_is_taken_seed_by_seed():
    runs = pd.DataFrame(
        {"implementation": [HAND, LOADER, HAND, LOADER], "seed": [0, 0, 1, 1], "train_seconds": [0.2, 1.8, 0.25, 2.5]}
    )
    assert step_time_ratios(runs) == pytest.approx([9.0, 10.0])
