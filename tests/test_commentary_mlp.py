"""Task 7's commentary follows the table of cells it is given."""

from __future__ import annotations

import math

import pandas as pd
import torch

from mnist_sgd.show import provenance
from mnist_sgd.tasks.mlp_grid.cell import cell_setting, cell_text
from mnist_sgd.tasks.mlp_grid.commentary import (
    mlp_batch_text,
    mlp_lr_text,
    mlp_reference_summary_text,
    mlp_scope_text,
    mlp_timing_note,
)


def cells(changes: dict | None = None) -> pd.DataFrame:
    rows = []
    for b, spe in [(8, 10.0), (32, 4.0), (128, 2.0)]:
        for lr, acc, loss1 in [(0.01, 0.97, 0.40), (0.1, 0.98, 0.20), (1.0, 0.95, 0.30)]:
            rows.append(
                {
                    "batch_size": b,
                    "lr": lr,
                    "status": "converged",
                    "diverged": False,
                    "diverged_seeds": 0,
                    "seeds": 1,
                    "test_acc": acc + b / 1e4,
                    "loss_epoch1": loss1 + b / 1e3,
                    "rises": 1.0,
                    "max_rise": 0.01,
                    "completed": 20,
                    "seconds_per_epoch": spe,
                    "train_images": 60000,
                }
            )
    table = pd.DataFrame(rows)
    for (b, lr, column), value in (changes or {}).items():
        table.loc[(table["batch_size"] == b) & (table["lr"] == lr), column] = value
    return table


def test_the_learning_rate_text_names_the_best_and_the_fastest_per_batch_size():
    text = mlp_lr_text(cells())
    assert "- **B = 8:** the best final test accuracy is at η = 0.1: η = 0.1 (98.08%)" in text
    assert "the fastest descent (lowest loss after epoch 1) is at η = 0.1" in text
    assert "from one in between in 3" in text
    stuck = mlp_lr_text(cells({(8, 1.0, "status"): "stuck at chance", (8, 1.0, "test_acc"): 0.1}))
    assert "η = 1 stuck at chance (no learning)" in stuck
    one = cells()
    assert "cannot be compared" in mlp_lr_text(one[one["lr"] == 0.1])


def test_the_batch_size_text_uses_the_images_of_an_epoch():
    text = mlp_batch_text(cells(), "Timing note.")
    # 60,000 images: 7,500 steps at B = 8 (10 s: 1.333 ms per step), 469 at B = 128 (2 s: 4.26 ms)
    assert "per step it costs 1.33 ms against 4.26 ms" in text
    small = cells()
    small["train_images"] = 5000  # a quick look at 5,000 images: 625 and 40 steps per epoch
    assert "per step it costs 16 ms against 50 ms" in mlp_batch_text(small, "Timing note.")
    assert text.endswith("Timing note.") and "time per epoch falls as B grows" in text
    assert "roughly comparable" in mlp_batch_text(cells(), None)


def test_the_reference_summary_counts_and_compares():
    compared = pd.DataFrame(
        {
            "batch_size": [32, 8],
            "lr": [0.1, 0.1],
            "epochs": [20, math.nan],
            "ref_test": [98.33, 97.80],
            "test": [98.10, math.nan],
            "test_diff": [-0.23, math.nan],
            "train_diff": [-0.5, math.nan],
        }
    )
    text = mlp_reference_summary_text(compared, 5, 20)
    assert text.startswith("1 of the 5 reference cells has results here.") and "-0.23" not in text
    assert "largest: 0.23 at B = 32, η = 0.1" in text
    assert "nothing to compare" in mlp_reference_summary_text(compared.assign(test=math.nan), 5, 20)


def test_the_scope_text_counts_the_cells_and_warns_of_a_shorter_or_uneven_budget():
    grid = cells().assign(epochs=20)
    ran = grid[~((grid["batch_size"] == 8) & (grid["lr"] == 1.0))]
    text = mlp_scope_text(ran, 20)
    assert text.startswith("This profile ran **8 of the 9 cells** spanned by batch sizes 8, 32, 128")
    assert "learning rates 0.01, 0.1, 1, with 20 epochs per run and 1 seed per cell." in text
    assert "shorter budget" not in text and "not directly comparable" not in text
    short = mlp_scope_text(ran.assign(epochs=5), 20)
    assert "with 5 epochs per run" in short and "The assignment asks for 20 epochs" in short
    assert "not directly comparable" not in short
    uneven = mlp_scope_text(ran.assign(epochs=[20] * 7 + [5]), 20)
    assert (
        "with 5 or 20 epochs per run" in uneven and "shorter budget" in uneven and "not directly comparable" in uneven
    )


def test_the_timing_note_needs_one_set_of_conditions():
    runs = pd.DataFrame({"threads": [1, 1], "device": ["cpu", "cpu"], "parallel_jobs": [2, 2]})
    assert mlp_timing_note(runs) == provenance.timing_note({"threads": 1, "device": "cpu", "parallel_jobs": 2})
    assert mlp_timing_note(runs.assign(threads=[1, 4])) is None


COND = {"threads": 1, "device": "cpu", "parallel_jobs": 2}
# 10 training labels: digit 0 is the most frequent (60%), digit 1 has 40%; 20 test labels: 65% and 35%
Y_TRAIN = torch.tensor([0] * 6 + [1] * 4)
Y_TEST = torch.tensor([0] * 13 + [1] * 7)


def seed_runs(*rows: dict) -> pd.DataFrame:
    """One row per seed of the cell B = 128, η = 0.1, 3 epochs on 1,000 images (8 steps per epoch); each
    converged at 97% test and 98% training accuracy unless ``rows`` says otherwise."""
    base = {"batch_size": 128, "lr": 0.1, "epochs": 3, "train_images": 1000, "status": "converged",
            "diverged": False, "diverged_at": None, "final_train_loss": 0.1, "final_train_acc": 0.98,
            "final_test_acc": 0.97}  # fmt: skip
    return pd.DataFrame([{**base, "seed": seed, **row} for seed, row in enumerate(rows)])


def diverged(epoch: int) -> dict:
    return {"status": "diverged", "diverged": True, "diverged_at": epoch, "final_train_loss": math.nan,
            "final_train_acc": math.nan, "final_test_acc": math.nan}  # fmt: skip


def seconds(seeds: int, per_epoch: list[float]) -> pd.DataFrame:
    """The history of ``seeds`` seeds, each with epochs that took ``per_epoch`` seconds."""
    return pd.DataFrame(
        [(s, e, t) for s in range(seeds) for e, t in enumerate(per_epoch, start=1)],
        columns=["seed", "epoch", "epoch_seconds"],
    )


def test_the_cell_is_named_with_its_epochs():
    assert cell_setting(seed_runs({})) == "B = 128, η = 0.1, 3 epochs"
    assert cell_setting(seed_runs({"epochs": 1, "lr": 1.0})) == "B = 128, η = 1, 1 epoch"


def test_the_cell_text_gives_the_accuracies_the_rule_and_the_time_of_every_seed():
    runs = seed_runs({"final_test_acc": 0.97}, {"final_test_acc": 0.98})
    text = cell_text(runs, seconds(2, [1.5, 2.0, 2.5]), Y_TRAIN, Y_TEST, COND)
    assert text.startswith(
        "**B = 128, η = 0.1, 3 epochs.** Final test accuracy 97.50% ± 0.50 (s.d. over 2 seeds), final training "
        "accuracy 98.00% ± 0.00 (s.d. over 2 seeds), final training loss 0.1. Rule: a run is *stuck at chance*"
    )
    assert "within 2 points of 60.00% (always answering the most frequent digit)" in text  # digit 0 of Y_TRAIN
    # 1,000 images in batches of 128: 8 steps per epoch, 2 s per epoch: 250 ms per step
    assert text.endswith(
        "Training took 2.00 s per epoch (8 steps, so 250 ms per step; mean over 6 epochs of 2 seeds, range 1.50 to "
        "2.50 s), evaluation excluded.\n\n" + provenance.timing_note(COND)
    )
    assert "diverged;" not in text and "stuck at chance:**" not in text


def test_one_seed_of_one_epoch_gives_its_one_time():
    text = cell_text(seed_runs({"epochs": 1}), seconds(1, [0.5]), Y_TRAIN, Y_TEST, COND)
    assert text.startswith("**B = 128, η = 0.1, 1 epoch.** Final test accuracy 97.00%, final training accuracy 98.00%")
    assert "Training took 0.500 s per epoch (8 steps, so 62.5 ms per step; one epoch), evaluation excluded." in text


def test_the_seeds_that_diverged_are_counted_and_left_out_of_the_accuracies():
    runs = seed_runs({"final_test_acc": 0.96}, diverged(2), {"final_test_acc": 0.98})
    text = cell_text(runs, seconds(2, [1.5, 2.0, 2.5]), Y_TRAIN, Y_TEST, COND)
    assert "3 epochs.** 1 of 3 seeds diverged; the numbers that follow are over the 2 that did not. " in text
    assert "Final test accuracy 97.00% ± 1.00 (s.d. over 2 seeds)" in text and "Rule:" in text


def test_when_every_seed_diverged_there_is_no_accuracy_and_no_time_without_a_completed_epoch():
    text = cell_text(seed_runs(diverged(1), diverged(3)), seconds(0, []), Y_TRAIN, Y_TEST, COND)
    assert text == (
        "**B = 128, η = 0.1, 3 epochs.** Every run diverged (the loss became non-finite in epoch 1, 3), so there is "
        "no final accuracy. "
    )
    timed = cell_text(seed_runs(diverged(2)), seconds(1, [1.0]), Y_TRAIN, Y_TEST, COND)
    assert "in epoch 2), so there is no final accuracy. Training took 1 s per epoch" in timed


def stuck(test_acc: float, train_acc: float) -> dict:
    return {"status": "stuck at chance", "final_train_loss": 2.3, "final_test_acc": test_acc,
            "final_train_acc": train_acc}  # fmt: skip


def test_a_stuck_seed_is_said_to_answer_one_digit_only_when_both_accuracies_are_its_share():
    # seed 0 scores digit 1's share of both label sets; seed 1 digit 1's of the test set but digit 0's of the training set
    text = cell_text(seed_runs(stuck(0.35, 0.4), stuck(0.35, 0.6)), seconds(2, [1.0]), Y_TRAIN, Y_TEST, COND)
    assert (
        "**Every run stuck at chance:** the network stopped learning. Seed 0 scores exactly the share of the digit 1"
        in text
    )
    assert "it answers 1 for every image" in text and "Seed 1" not in text
    assert text.index("stuck at chance:**") < text.index("Rule:")
    some = cell_text(seed_runs({}, stuck(0.2, 0.3)), seconds(2, [1.0]), Y_TRAIN, Y_TEST, COND)
    assert "**1 of 2 runs stuck at chance:** the network stopped learning. Rule:" in some
