"""The mechanisms behind Task 7's cells, each tied to a number of the grid: updates per epoch,
the step size, the gradient noise η/B, and the gap between training and test accuracy."""

from __future__ import annotations

import itertools
import math

import pandas as pd
from made_up import grid

from mnist_sgd.tasks.mlp_grid.mechanisms import gap_text, noise_text, per_update_losses, step_text, updates_text
from mnist_sgd.tasks.mlp_grid.tables import grid_cells


def three_batches() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two seeds at η = 0.1 for B = 8, 32, 128 on 60,000 images, 16 epochs: the loss of epoch e is
    loss1 / e (1% higher for seed 1); B = 8 descends fastest per epoch."""
    rows, history = [], []
    for (b, loss0, spe), seed in itertools.product([(8, 0.2, 14.0), (32, 0.3, 6.0), (128, 0.6, 4.0)], (0, 1)):
        loss1 = loss0 * (1 + 0.01 * seed)
        rows.append(
            {
                "batch_size": b,
                "lr": 0.1,
                "seed": seed,
                "epochs": 16,
                "status": "converged",
                "diverged": False,
                "final_train_loss": loss1 / 16,
                "final_full_train_loss": loss1 / 16,
                "final_train_acc": 0.999,
                "final_test_acc": 0.98,
                "seconds_per_epoch": spe,
                "threads": 1,
                "parallel_jobs": 2,
                "train_images": 60000,
            }  # fmt: skip
        )
        history += [
            {"batch_size": b, "lr": 0.1, "seed": seed, "epoch": e, "full_train_loss": loss1 / e, "test_acc": 0.98}
            for e in range(1, 17)
        ]
    runs, history = pd.DataFrame(rows), pd.DataFrame(history)
    return grid_cells(runs, history), history


def test_a_smaller_batch_makes_more_updates_per_epoch():
    cells, history = three_batches()
    text = updates_text(cells, history)
    assert text.startswith(
        "**Updates per epoch.** An epoch of 60,000 images is 7,500 updates at B = 8, 1,875 updates at B = 32, 469 "
        "updates at B = 128: B = 8 makes 16× and B = 32 makes 4.0× as many per epoch as B = 128."
    )
    assert (
        "More updates go further in one epoch: the loss after epoch 1 is lowest at the smallest batch (at η = 0.1, "
        "B = 8: 0.201 ± 0.001; B = 32: 0.301 ± 0.002; B = 128: 0.603 ± 0.004)." in text
    )
    assert "ranking rule" not in text  # the rule is stated once, in the terms
    # 1.75 ms per update at B = 8 (14 s / 7,500), 8.53 ms at B = 128 (4 s / 469)
    assert "1.87 ms at B = 8 against 8.53 ms at B = 128 (16× the examples for 4.6× the time" in text
    assert updates_text(cells[cells["batch_size"] == 8], history) is None


def test_per_update_the_batch_sizes_are_compared_over_the_same_number_of_updates():
    cells, history = three_batches()
    windows = per_update_losses(cells, history).set_index("batch_size")
    # 7,500 updates: 1 epoch at B = 8, 4 at B = 32, 16 at B = 128 (7,504 updates)
    assert windows["epochs_used"].tolist() == [1, 4, 16] and windows.loc[128, "updates"] == 7504
    assert math.isclose(windows.loc[32, "window"], 0.3015 / 4)  # the loss after epoch 4, not a mean over 1-4
    text = updates_text(cells, history)
    assert "Per update: after the first 7,500 updates (1 epoch at B = 8, 4 epochs at B = 32, 16 epochs at B = 128)" in (
        text
    )


def test_the_step_size_text_ties_overshoot_to_the_rises_and_failures_at_the_largest_rate():
    runs, history = grid()
    seed = (history["batch_size"] == 128) & (history["lr"] == 1.0) & (history["seed"] == 0)
    history.loc[seed, "full_train_loss"] = [0.012, 0.01, 0.02]  # +100% in epoch 3
    text = step_text(grid_cells(runs, history))
    assert "curvature above 2/η, which is 2 at η = 1" in text
    assert (
        "The curves show it at the largest rate: the loss rose in 1 of 4 runs at η = 1" in text
        and "0 of 6 runs at η = 0.1" in text
    )
    assert "Runs that did not converge: 2 of 4 at η = 1" in text
    assert "B = 8, η = 1: stuck at chance; B = 128, η = 1: 2 converged, 1 learnt, then diverged" in text
    # B = 128, η = 0.01 ends at 92% training accuracy: the short step has not fit the training set
    assert "B = 128, η = 0.01 ends at 92.00% training accuracy: 3 epochs of 469 steps of η = 0.01" in text


def test_no_overshoot_anywhere_is_said_once():
    runs, history = grid()
    calm = runs["lr"] < 1.0  # the cells that neither rose nor failed
    text = step_text(grid_cells(runs[calm], history[history["lr"] < 1.0]))
    assert text.endswith("No sign of it up to η = 0.1 here: no loss curve rose and every run converged.")
    assert "rule above" not in step_text(grid_cells(runs, history))  # the rule is stated once, in the terms
    assert "at any η" not in text and "Every run converged" not in text


def test_the_noise_text_sorts_the_cells_by_eta_over_b_and_resolves_the_best_eta_where_it_can():
    runs, history = grid()
    text = noise_text(grid_cells(runs, history))
    assert (
        "η/B of the cells: 7.81e-05 (B = 128, η = 0.01), 0.000781 (B = 128, η = 0.1), 0.00125 (B = 8, η = 0.01)" in text
    )
    # B = 128, η = 1 failed at η/B = 0.0078 while B = 8, η = 0.1 converged at 0.0125: no clean threshold
    assert "not simply the noisiest" in text
    assert "B = 8: η = 0.1 (η/B = 0.0125); B = 128: η = 0.1 (η/B = 0.000781)" in text
    assert "Where it is resolved, the best η does not grow with B." in text


def test_the_gap_separates_the_cells_that_fit_the_training_set_from_those_that_do_not():
    runs, history = grid()
    text = gap_text(grid_cells(runs, history), history)
    assert text.startswith("**Generalisation.** The gap between final training and test accuracy, in points: ")
    # only B = 8, η = 0.1 reaches 99.5% training accuracy (99.87% on average)
    assert "The 1 cell that fits the training set (final training accuracy at least 99.5%)" in text
    assert "The 3 cells that do not fit the training set have" in text  # the threshold said once, just before
    assert text.count("99.5%") == 1
    assert "92.00% training and 92.00% test accuracy at B = 128, η = 0.01" in text


def test_more_updates_are_not_said_to_go_further_when_no_rate_shows_it():
    cells, history = three_batches()
    slow = cells.assign(loss_epoch1=cells["loss_epoch1"][::-1].to_numpy())  # the smallest batch now the highest
    text = updates_text(slow, history)
    assert "More updates go further" not in text
    assert "Here more updates do not make the loss after epoch 1 lowest at the smallest batch (at η = 0.1," in text


def test_per_update_the_largest_batch_is_compared_with_the_smallest_at_each_rate():
    cells, history = three_batches()
    text = updates_text(cells, history)
    assert "Per update the largest batch is lower than the smallest at η = 0.1: it averages more examples" in text
    assert "per epoch the smaller batch is ahead by its number of updates" in text
    # the largest batch's loss is high after as many updates as the smallest makes: per update it is behind
    blown = history.copy()
    blown.loc[(blown["batch_size"] == 128) & (blown["epoch"] == 16), "full_train_loss"] = 30.0
    text = updates_text(cells, blown)
    assert "The smallest batch is lower per update too at η = 0.1: there its lead is not only its number" in text
    assert "Per update the largest batch is lower" not in text and "does as well or better" not in text


def test_the_gaps_of_cells_that_do_not_fit_are_called_smaller_only_by_the_rule():
    runs, history = grid()
    cells = grid_cells(runs, history)
    # B = 8, η = 0.01 (1 seed, 1.50 ± 0.20 assumed) overlaps the fitted cell's 1.67 ± 0.06: not called smaller
    assert "smaller gaps than any cell that fits" not in gap_text(cells, history)
    at = (cells["batch_size"] == 8) & (cells["lr"] == 0.01)
    apart = cells.assign(gap=cells["gap"].where(~at, 0.5))  # 0.50 ± 0.20 against 1.67 ± 0.06: separated
    assert "smaller gaps than any cell that fits" in gap_text(apart, history)


def test_a_range_of_one_value_is_said_once():
    cells, history = three_batches()
    text = gap_text(cells, history)  # every cell's test accuracy flat at 98%
    assert "changed by +0.00 points (means over the seeds)" in text and "+0.00 to" not in text
