"""A cell's own job in Task 7: its label, its table of seeds and its paragraph follow the seeds it
is given, a run that learnt and then failed included."""

from __future__ import annotations

import math

import pandas as pd
import torch

from mnist_sgd.show import provenance, references
from mnist_sgd.tasks.mlp_grid.cell import (
    asked_cells,
    cell_setting,
    cell_text,
    seeds_caption,
    seeds_table,
    status_counts,
)

COND = {"threads": 1, "device": "cpu", "parallel_jobs": 2}
# 10 training labels: digit 0 is the most frequent (60%), digit 1 has 40%; 20 test labels: 65% and 35%
Y_TRAIN = torch.tensor([0] * 6 + [1] * 4)
Y_TEST = torch.tensor([0] * 13 + [1] * 7)


def seed_runs(*rows: dict) -> pd.DataFrame:
    """One row per seed of the cell B = 128, η = 0.1, 3 epochs on 1,000 images (8 steps per epoch); each
    converged at 97% test and 98% training accuracy unless ``rows`` says otherwise."""
    base = {"batch_size": 128, "lr": 0.1, "epochs": 3, "train_images": 1000, "status": "converged",
            "diverged": False, "diverged_at": None, "final_full_train_loss": 0.1, "final_train_acc": 0.98,
            "final_test_acc": 0.97, "best_test_acc": 0.975, "best_epoch": 2, "best_train_acc": math.nan,
            "weights_finite": True, "seconds_per_epoch": 1.0}  # fmt: skip
    return pd.DataFrame([{**base, "seed": seed, **row} for seed, row in enumerate(rows)])


def learnt_then_diverged(epoch: int) -> dict:
    """Diverged in ``epoch`` after a best of 95.23% in the epoch before; NaN weights answer 0 (65% of the test
    labels, 60% of the training labels)."""
    return {"status": "learnt, then diverged", "diverged": True, "diverged_at": epoch, "final_full_train_loss": math.nan,
            "final_train_acc": 0.6, "final_test_acc": 0.65, "best_test_acc": 0.9523, "best_epoch": epoch - 1,
            "best_train_acc": 0.9659, "weights_finite": False}  # fmt: skip


def seconds(seeds: int, per_epoch: list[float]) -> pd.DataFrame:
    """The history of ``seeds`` seeds, each with epochs that took ``per_epoch`` seconds."""
    return pd.DataFrame(
        [(s, e, t) for s in range(seeds) for e, t in enumerate(per_epoch, start=1)],
        columns=["seed", "epoch", "epoch_seconds"],
    )


def test_the_asked_cells_are_the_assignments():
    assert asked_cells() == [(32, 0.1), (32, 1.0), (32, 0.01), (8, 0.1), (128, 0.1)]
    assert len(asked_cells()) == len(references.mlp_grid())


def test_the_cell_text_gives_mean_and_sd_over_the_seeds_and_the_time_of_every_seed():
    runs = seed_runs({"final_test_acc": 0.97}, {"final_test_acc": 0.98})
    text = cell_text(runs, seconds(2, [1.5, 2.0, 2.5]), Y_TRAIN, Y_TEST, COND)
    assert text.startswith(
        "**B = 128, η = 0.1, 3 epochs.** 2 seeds, both trained. Final test accuracy 97.50% ± 0.71, final training "
        "accuracy 98.00% ± 0.00, final training loss 0.1 (mean ± s.d. over the 2 seeds). "
    )
    # 1,000 images in batches of 128: 8 steps per epoch, 2 s per epoch: 250 ms per step
    assert text.endswith(
        "Training took 2.0 s per epoch (8 steps, so 250 ms per step; mean over 6 epochs of 2 seeds, range 1.5 to "
        "2.5 s), evaluation excluded.\n\n" + provenance.timing_note(COND)
    )
    assert "Rule:" not in text  # the rules are stated once, in the comparison of the grid


def test_the_cell_is_named_with_its_epochs():
    assert cell_setting(seed_runs({})) == "B = 128, η = 0.1, 3 epochs"
    assert cell_setting(seed_runs({"epochs": 1, "lr": 1.0})) == "B = 128, η = 1, 1 epoch"


def test_one_seed_of_one_epoch_gives_its_one_time():
    text = cell_text(seed_runs({"epochs": 1}), seconds(1, [0.5]), Y_TRAIN, Y_TEST, COND)
    assert text.startswith("**B = 128, η = 0.1, 1 epoch.** Status: trained. Final test accuracy 97.00%, final")
    assert "Training took 0.50 s per epoch (8 steps, so 62 ms per step; one epoch), evaluation excluded." in text
    assert "converged" not in text  # the body's word is "trained"


def test_a_run_that_learnt_then_diverged_gives_its_best_epoch_and_its_end():
    runs = seed_runs({"final_test_acc": 0.96}, learnt_then_diverged(18), {"final_test_acc": 0.98})
    text = cell_text(runs, seconds(3, [1.0]), Y_TRAIN, Y_TEST, COND)
    assert "3 seeds: 2 trained, 1 learnt, then diverged." in text
    # no mean with the diverged seed, (0.96 + 0.65 + 0.98) / 3, which describes no run: the seeds that trained
    assert "86.33" not in text and "18.50" not in text
    assert (
        "Over the 2 seeds that trained: final test accuracy 97.00% ± 1.41, final training accuracy 98.00% ± 0.00, "
        "final training loss 0.1 (mean ± s.d.)."
    ) in text
    assert (
        "Seed 1 learnt, then diverged: its loss became non-finite in epoch 18, after best test accuracy was 95.23%, "
        "in epoch 17 (training accuracy 96.59% for that network). As it stopped it scores 65.00% test and 60.00% "
        "training accuracy, the share of the digit 0 in the test and the training set: it answers 0 for every image "
        "(its weights are NaN, and stay so under further steps"
    ) in text


def test_a_stuck_seed_is_said_to_answer_one_digit_only_when_both_accuracies_are_its_share():
    stuck = {"status": "stuck at chance", "final_full_train_loss": 2.3, "final_test_acc": 0.35, "final_train_acc": 0.4}
    other = {**stuck, "final_train_acc": 0.6}  # digit 1's share of the test set, digit 0's of the training set
    text = cell_text(seed_runs(stuck, other), seconds(2, [1.0]), Y_TRAIN, Y_TEST, COND)
    assert "2 seeds, both stuck at chance." in text
    assert (
        "Seed 0 stuck at chance: it ended at 35.00% test and 40.00% training accuracy, the share of the digit 1" in text
    )
    assert text.count("it answers") == 1
    # a run that never learnt has no best epoch worth naming; one that learnt first has
    assert "best test accuracy" not in text
    learnt = {**stuck, "status": "learnt, then stuck at chance", "best_test_acc": 0.8843, "best_epoch": 1}
    assert "its best test accuracy was 88.43%, in epoch 1;" in cell_text(
        seed_runs(learnt), seconds(1, [1.0]), Y_TRAIN, Y_TEST, COND
    )


def test_the_seeds_table_shows_percentages_the_best_epoch_and_the_epoch_a_seed_diverged_in():
    shown = seeds_table(seed_runs({}, learnt_then_diverged(2)))
    assert list(shown.columns) == [
        "seed",
        "status",
        "final test acc. (%)",
        "final train acc. (%)",
        "final training loss",
        "best test acc. (%)",
        "best at epoch",
        "diverged in epoch",
        "s per epoch (training)",
    ]
    assert shown["diverged in epoch"].tolist() == ["", "2"]  # pandas holds the None beside an epoch as NaN
    assert shown["best at epoch"].tolist() == ["2", "1"] and shown["best test acc. (%)"].tolist()[1] == 95.23
    # a NaN network answers one digit for every image: its 65% is that digit's share, not a result
    assert shown["final test acc. (%)"].iloc[0] == 97.0 and math.isnan(shown["final test acc. (%)"].iloc[1])
    assert math.isnan(shown["final train acc. (%)"].iloc[1]) and math.isnan(shown["final training loss"].iloc[1])
    finite = seeds_table(seed_runs({}, {**learnt_then_diverged(2), "weights_finite": True}))
    assert finite["final test acc. (%)"].tolist() == [97.0, 65.0]  # diverged with finite weights: as it stopped
    assert shown["status"].tolist() == ["trained", "learnt, then diverged"]
    assert shown["s per epoch (training)"].tolist() == ["1.0", "1.0"]  # 2 significant figures
    assert seeds_table(seed_runs({}, {}))["diverged in epoch"].tolist() == ["", ""]
    assert seeds_caption(seed_runs({})).startswith("B = 128, η = 0.1, 3 epochs: one row per seed;")


def test_the_statuses_of_a_cell_in_the_order_of_the_rule():
    mix = pd.Series(["converged", "learnt, then diverged", "converged", "stuck at chance"])
    assert status_counts(mix) == "2 trained, 1 stuck at chance, 1 learnt, then diverged"
    assert status_counts(pd.Series(["converged"] * 3)) == "trained"
