"""The mechanisms behind Task 7's cells, each tied to a number of the grid: the learning rate at
the batch size the assignment varies it at (slow short steps, overshooting long ones, the runs
that failed), the batch size at the rate it varies that at (updates, the loss per epoch and per
update, the cost of an update), the gradient noise η/B and the gap between training and test
accuracy."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import torch
from made_up import grid

from mnist_sgd.tasks.mlp_grid.mechanisms import (
    batch_text,
    failures_text,
    focus,
    gap_text,
    lr_text,
    noise_text,
    per_update_losses,
)
from mnist_sgd.tasks.mlp_grid.tables import grid_cells


def labels(n: int, sevens: int) -> torch.Tensor:
    """``n`` labels with ``sevens`` sevens and the rest spread over the other digits."""
    others = [d for d in range(10) if d != 7]
    rest = [others[i % 9] for i in range(n - sevens)]
    return torch.tensor([7] * sevens + rest)


# the made-up stuck run scores 10.09% test and 10.22% training accuracy: the share of 7 in these
Y_TEST, Y_TRAIN = labels(10000, 1009), labels(60000, 6132)


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
                "final_test_acc": 0.98 + 0.001 * seed + (0.002 if b == 32 else 0),
                "seconds_per_epoch": spe * (1 + 0.05 * seed),
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


def test_each_comparison_is_made_where_the_assignment_makes_it_else_where_most_cells_ran():
    cells, _ = three_batches()
    assert focus(cells, "lr") == 0.1 and focus(cells, "batch_size") is None  # one rate per batch size
    made_up = grid_cells(*grid())
    assert focus(made_up, "batch_size") == 8.0  # B = 32, the assignment's, was not run; 8 and 128 ran three each
    assert focus(made_up, "lr") == 0.1  # the assignment's rate, run at two batch sizes


def test_a_smaller_batch_goes_further_per_epoch_and_a_larger_one_per_update():
    cells, history = three_batches()
    text = batch_text(cells, history)
    assert text.startswith(
        "At η = 0.1, an epoch of 60,000 images is 7,500 updates at B = 8, 1,875 updates at B = 32 and 469 updates at "
        "B = 128. Per epoch the smallest batch goes furthest: its loss after epoch 1 is the lowest."
    )
    # 7,500 updates: 1 epoch at B = 8, 4 at B = 32, 16 at B = 128 (7,504 updates)
    assert (
        "Per update, after as many updates as one epoch at B = 8 makes (4 epochs at B = 32, 16 epochs at B = 128)"
        in text
    )
    assert "the training loss is lowest at B = 128 (0.0377 ± 0.0003), below B = 32" in text
    assert "An update on B = 128 averages more examples than one on B = 8, so its gradient is less noisy." in text
    # one cell per batch size: 14.35 s / 7,500 = 1.9 ms per update at B = 8, 4.1 s / 469 = 8.7 ms at B = 128
    assert "far less than in proportion: 1.9 ms at B = 8 against 8.7 ms at B = 128 (16× the examples for 4.6×" in text
    assert "so an epoch of small batches takes longer: 14 s at B = 8 against 4.1 s at B = 128 (training only;" in text
    assert text.endswith("At η = 0.1, the final test accuracy is highest at B = 32, ahead of B = 8 and B = 128.")
    assert batch_text(cells[cells["batch_size"] == 8], history) is None


def test_the_cost_of_an_update_is_a_range_over_the_cells_of_a_batch_size_and_claims_only_what_holds_across_it():
    cells, history = three_batches()
    # a second cell at each of B = 8 and B = 128, at another rate, timed under a heavier load
    other = cells[cells["batch_size"] != 32].assign(lr=0.01, seconds_per_epoch=lambda c: 1.6 * c["seconds_per_epoch"])
    text = batch_text(pd.concat([cells, other], ignore_index=True), history)
    # B = 8: 1.9 to 3.1 ms; B = 128: 8.7 to 14 ms; the ratio 2.9× to 7.3× stays below 16 / 2
    assert "far less than in proportion: 1.9 to 3.1 ms at B = 8 against 8.7 to 14 ms at B = 128" in text
    assert "(16× the examples for 2.9× to 7.3× the time)" in text
    assert "so an epoch of small batches takes longer: 14 to 23 s at B = 8 against 4.1 to 6.6 s at B = 128" in text
    # epochs whose ranges overlap: no claim which is longer
    slow = cells.assign(seconds_per_epoch=[14.35, 6.15, 4.1]).copy()
    loaded = cells[cells["batch_size"] == 128].assign(lr=0.01, seconds_per_epoch=20.0)
    text = batch_text(pd.concat([slow, loaded], ignore_index=True), history)
    assert (
        "takes longer" not in text
        and "; an epoch takes, with overlapping ranges, 14 s at B = 8 against 4.1 to 20" in text
    )
    # 4.6× to 22× the time for 16× the examples: neither less nor more than in proportion across the range
    assert (
        "16× the examples for 4.6× to 22× the time" in text and "by an amount the machine's load leaves unclear" in text
    )


def test_per_update_the_batch_sizes_are_compared_over_the_same_number_of_updates():
    cells, history = three_batches()
    windows = per_update_losses(cells, history, 0.1).set_index("batch_size")
    assert windows["epochs_used"].tolist() == [1, 4, 16] and windows.loc[128, "updates"] == 7504
    assert math.isclose(windows.loc[32, "window"], 0.3015 / 4)  # the loss after epoch 4, not a mean over 1-4
    blown = history.copy()
    blown.loc[(blown["batch_size"] == 128) & (blown["epoch"] == 16), "full_train_loss"] = 30.0
    text = batch_text(cells, blown)
    assert "The smallest batch is ahead per update too: its lead is not only its number of updates." in text
    assert "less noisy" not in text
    one = cells.assign(seeds=[1, 2, 2])  # B = 8 ran one seed: not ranked, so not compared per update
    assert per_update_losses(one, history, 0.1)["batch_size"].tolist() == [32, 128]


def test_more_updates_are_not_said_to_go_further_when_the_loss_does_not_show_it():
    cells, history = three_batches()
    slow = cells.assign(loss_epoch1=cells["loss_epoch1"][::-1].to_numpy())  # the smallest batch now the highest
    text = batch_text(slow, history)
    assert "goes furthest" not in text and "Per epoch the smallest batch is not the furthest here" in text


def test_the_learning_rate_text_names_each_failure_and_ranks_no_single_run():
    runs, history = grid()
    cells = grid_cells(runs, history)
    text = lr_text(cells, runs, Y_TRAIN, Y_TEST)
    assert text.startswith("An SGD step moves the weights by η times the minibatch gradient.")
    # at B = 8 the short step ran one seed: no claim on its speed, and no ranking of the rates
    assert "short step descends slowly" not in text and "final test accuracy is" not in text
    # the textbook reason, said as such: no curvature is measured
    assert "on a quadratic valley, a learning rate above 2 divided by the valley's curvature" in text
    assert "the textbook reason; this network's curvature is not measured here" in text and "2/η" not in text
    assert "Of the 12 runs, 10 converged." in text
    assert (
        "At B = 8, η = 1, the one run got stuck at chance: its output no longer depends on the image; it answers 7 "
        "for every image, so its accuracy is that digit's share of the images." in text
    )
    assert (
        "At B = 128, η = 1, the seed that diverged (the loss became infinite or not a number) did so in epoch 3, "
        "after having learnt: its best test accuracy was 96.50%." in text
    )


def test_a_single_run_that_converged_where_others_failed_is_not_ranked():
    runs, history = grid()
    single = ~((runs["batch_size"] == 128) & (runs["lr"] == 1.0) & (runs["seed"] > 0))
    runs, history = (
        runs[single],
        history[~((history["batch_size"] == 128) & (history["lr"] == 1.0) & (history["seed"] > 0))],
    )
    text = failures_text(grid_cells(runs, history), runs, Y_TRAIN, Y_TEST)
    assert "At B = 128, η = 1 the one run converged: that shows a run can converge there, not how often" in text
    assert "it answers 7" in text
    other = failures_text(grid_cells(runs, history), runs, Y_TRAIN, labels(10000, 1000))
    assert "it answers" not in other and "near that of a constant answer" in other


def test_a_short_step_is_called_slow_only_between_ranked_cells():
    runs, history = grid()
    # B = 8, η = 0.01 run with three seeds: the rates at B = 8 can be compared
    runs = runs[~((runs["batch_size"] == 8) & (runs["lr"] == 0.01))]
    history = history[~((history["batch_size"] == 8) & (history["lr"] == 0.01))]
    seeds = []
    for seed in range(3):
        r = grid()[0]
        seeds.append(r[(r["batch_size"] == 8) & (r["lr"] == 0.01)].assign(seed=seed))
    runs = pd.concat([runs, *seeds], ignore_index=True)
    h = grid()[1]
    h = h[(h["batch_size"] == 8) & (h["lr"] == 0.01)]
    history = pd.concat(
        [history, *[h.assign(seed=s, full_train_loss=h["full_train_loss"] * (1 + 0.01 * s)) for s in range(3)]]
    )
    text = lr_text(grid_cells(runs, history), runs, Y_TRAIN, Y_TEST)
    # 0.0121 ± 0.0001 after epoch 1 at η = 0.01 against 0.0060 ± 0.0012 at η = 0.1; 99% training accuracy
    assert (
        "A short step descends slowly: at B = 8, after epoch 1 the loss at η = 0.01 is 2 times that at η = 0.1, and "
        "by the end of its run it has still not fit the training set." in text
    )
    assert "At B = 8, the final test accuracy is highest at η = 0.1, ahead of η = 0.01." in text


def test_no_failure_anywhere_is_said_once():
    runs, history = grid()
    calm = runs["lr"] < 1.0
    text = lr_text(grid_cells(runs[calm], history[history["lr"] < 1.0]), runs[calm], Y_TRAIN, Y_TEST)
    assert text.endswith("No run failed here, up to η = 0.1.") and "converged." not in text


def test_the_noise_text_sorts_the_cells_by_eta_over_b_and_sets_the_rises_against_it():
    runs, history = grid()
    text = noise_text(grid_cells(runs, history))
    assert (
        "η/B of the cells: 7.81e-05 (B = 128, η = 0.01), 0.000781 (B = 128, η = 0.1), 0.00125 (B = 8, η = 0.01)" in text
    )
    # B = 128, η = 1 failed at η/B = 0.0078 while B = 8, η = 0.1 converged at 0.0125: no clean threshold
    assert "not simply the noisiest" in text
    assert text.endswith("No epoch of the cells that converged counts as a rise of the loss.")  # no curve rose
    noisy = history.copy()
    at = (noisy["batch_size"] == 8) & (noisy["lr"] == 0.1)
    noisy.loc[at & (noisy["epoch"] == 3), "full_train_loss"] = 1.0  # every seed of the noisiest cell jumps once
    text = noise_text(grid_cells(runs, noisy))
    assert "1.0 ± 0.0 at B = 8, η = 0.1. They grow with η/B" in text


def test_the_gap_separates_the_cells_that_fit_the_training_set_from_those_that_do_not():
    runs, history = grid()
    text = gap_text(grid_cells(runs, history), history)
    assert text.startswith("**Generalisation.** The gap between final training and test accuracy, in points: ")
    # only B = 8, η = 0.1 reaches 99.5% training accuracy (99.87% on average)
    assert "The 1 cell that fits the training set (final training accuracy at least 99.5%)" in text
    assert "The 3 cells that do not fit the training set have" in text  # the threshold said once, just before
    assert text.count("99.5%") == 1
    assert "92.00% training and 92.00% test accuracy at B = 128, η = 0.01" in text


def test_the_gaps_of_cells_that_do_not_fit_are_called_smaller_only_by_the_rule():
    runs, history = grid()
    cells = grid_cells(runs, history)
    # the cells that do not fit include single runs: not ranked, so not called smaller
    assert "smaller gaps than any cell that fits" not in gap_text(cells, history)
    ranked = cells[cells["seeds"] >= 2]
    apart = ranked.assign(train_acc=[0.999, 0.985, 0.99], gap=[1.67, 0.5, 0.3], gap_sd=[0.06, 0.05, 0.05])
    assert "smaller gaps than any cell that fits" in gap_text(apart, history)


def test_a_range_of_one_value_is_said_once():
    cells, history = three_batches()
    text = gap_text(cells, history)  # every cell's test accuracy flat at 98%
    assert "changed by +0.00 points (means over the seeds)" in text and "+0.00 to" not in text
    # the ranking is over the cells that fit, and says so: a ranked cell that does not fit may have a smaller gap
    assert "Among the ranked cells that fit the training set, the gap is " in text and "ranked ones" not in text
