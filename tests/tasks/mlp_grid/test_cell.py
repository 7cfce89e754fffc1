"""A cell's own section in Task 7: its label and its paragraph follow the seeds it is given."""

from __future__ import annotations

import math

import pandas as pd
import torch
from made_up import stuck

from mnist_sgd.show import provenance
from mnist_sgd.tasks.mlp_grid.cell import cell_setting, cell_text


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
