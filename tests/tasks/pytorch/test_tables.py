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
    HAND,
    LOADER,
    equivalence,
    equivalence_caption,
    equivalence_table,
    gradient_check,
    gradient_check_caption,
    gradient_check_table,
    implementation_caption,
    implementation_runs,
    implementation_summary,
    implementation_table,
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
    assert list(table["value"]) == ["0.2", "0.200000000000", "3.20e-16", "1.23e-17", "5"]
    assert table["quantity"].iloc[-1] == "learning-rate factor k/2"
    assert gradient_check_caption(100) == "Gradients of the two losses on one batch of B = 100 (float64)."


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


def test_the_summary_takes_means_ranges_and_spreads_per_implementation():
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
    assert hand["train_loss"] == pytest.approx(0.22) and (hand["train_loss_min"], hand["train_loss_max"]) == (
        0.21,
        0.23,
    )
    assert hand["test_acc"] == pytest.approx(0.86) and (hand["test_min"], hand["test_max"]) == (0.85, 0.87)
    assert hand["train_acc"] == pytest.approx(0.85) and hand["seconds"] == 2.0
    assert hand["seconds_sd"] == pytest.approx(math.sqrt(2)) and by.loc[LOADER, "seconds_sd"] == 0.0


def test_the_comparison_table_shows_ranges_and_times():
    by = pd.DataFrame(
        {
            "train_loss": [0.21356, 0.21247],
            "train_loss_min": [0.213, 0.21159],
            "train_loss_max": [0.21412, 0.21334],
            "train_acc": [0.8386, 0.8438],
            "test_acc": [0.8427, 0.8497],
            "test_min": [0.8423, 0.8487],
            "test_max": [0.8431, 0.8507],
            "seconds": [0.2086, 0.0326],
            "seconds_sd": [0.0035, math.nan],  # one seed: no spread, shown as 0
        },
        index=pd.Index([LOADER, HAND], name="implementation"),
    )
    shown = implementation_table(by, 300)
    one_line = {ord(" "): "\u00a0"}
    assert list(shown["training loss"]) == [
        "0.21356 [0.21300, 0.21412]".translate(one_line),
        "0.21247 [0.21159, 0.21334]".translate(one_line),
    ]
    assert list(shown["test acc. (%)"]) == [
        "84.27 [84.23, 84.31]".translate(one_line),
        "84.97 [84.87, 85.07]".translate(one_line),
    ]
    assert list(shown["training acc. (%)"]) == pytest.approx([83.86, 84.38])
    assert list(shown["training s"]) == ["0.2086\u00a0±\u00a00.0035", "0.0326\u00a0±\u00a00.0000"]
    assert list(shown["µs per step"]) == ["695", "109"]


def test_the_comparison_caption_counts_the_seeds():
    cond = {"threads": 1, "device": "cpu", "parallel_jobs": 2}
    text = implementation_caption(3000, 100, 0.01, 2, cond, 60000)
    assert text.startswith("After 3,000 iterations of B = 100, η = 0.01: mean over 2 seeds, [min, max] or ± s.d.; ")
    assert "(1 torch thread on cpu, 2 jobs of the report running in parallel)" in text
    assert "Training accuracy is on all 60,000 training images." in text
    assert "draws its batches with replacement, the DataLoader without replacement within each epoch" in text
    assert "mean over 1 seed," in implementation_caption(3000, 100, 0.01, 1, cond, 60000)
