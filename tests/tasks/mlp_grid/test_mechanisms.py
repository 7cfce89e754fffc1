"""The mechanisms behind Task 7's cells, each tied to a number of the grid: η/B, where the cells
stop converging, how each failed cell failed and how the ranked cells' accuracy goes with it; the
rate and the batch size within the stable cells (a slow short step, the loss per epoch and per
update); the time of an update judged against the machine's load, the gradient noise and the gap
between training and test accuracy."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import torch
from made_up import grid_read_late as grid

from mnist_sgd.science.net_runs import LEARNT_THEN_STUCK, STUCK
from mnist_sgd.tasks.mlp_grid.mechanisms import (
    batch_size_text,
    focus,
    gap_text,
    learning_rate_text,
    noise_text,
    per_update_losses,
    time_text,
)
from mnist_sgd.tasks.mlp_grid.stability import _stuck_text, failures_text, stability_text
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
        test = 0.98 + 0.001 * seed + (0.002 if b == 32 else 0)
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
                "final_test_acc": test,
                "seconds_per_epoch": spe * (1 + 0.05 * seed),
                "threads": 1,
                "parallel_jobs": 2,
                "train_images": 60000,
            }  # fmt: skip
        )
        history += [
            {
                "batch_size": b,
                "lr": 0.1,
                "seed": seed,
                "epoch": e,
                "full_train_loss": loss1 / e,
                "test_acc": test,
                "train_acc": 0.999,
            }
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
    text = batch_size_text(cells, history)
    assert text.startswith(
        "**Batch size.** At η = 0.1, the final test accuracy is within the spread across all 3 batch sizes (the "
        "widest difference 0.20 points, against a bound of 0.20; only the means differ: two standard errors are "
        "0.14). Per epoch the smallest batch leads after epoch 1 (7,500 updates against 469 at B = 128). Per update "
        "the largest "
        "goes furthest: after 16 epochs (7,504 updates) its loss is 0.0377 ± 0.0003, against B = 8's 0.2010 ± 0.0014 "
        "after one."
    )  # 7,500 updates: 1 epoch at B = 8, 4 at B = 32, 16 at B = 128; every loss falls: no "not at the end"
    assert "ms" not in text  # the time of an update is the detail's; of an epoch, below
    assert "noise" not in text and "rose" not in text and "gap" not in text  # the detail's: one answer per reading
    assert batch_size_text(cells[cells["batch_size"] == 8], history) is None
    # B = 32 below B = 128 per update: B = 32 named, not "the largest"
    lower = history.copy()
    lower.loc[(lower["batch_size"] == 32) & (lower["epoch"] == 4), "full_train_loss"] = [0.01, 0.0101]
    assert "Per update B = 32 goes furthest: after 4 epochs (7,500 updates) its loss is 0.01005 ± 0.00007" in (
        batch_size_text(cells, lower)
    )
    # B = 32 within the spread of B = 128 per update: no single furthest, both named with their epochs
    level = history.copy()
    level.loc[(level["batch_size"] == 32) & (level["epoch"] == 4), "full_train_loss"] = [0.0376, 0.0379]
    assert (
        "Per update B = 128 and B = 32 go furthest, within the spread of each other: after about 7,500 updates their "
        "losses are B = 128's 0.0377 ± 0.0003 (16 epochs) and B = 32's 0.0378 ± 0.0002 (4 epochs), against B = 8's "
        "0.2010 ± 0.0014 after one epoch." in batch_size_text(cells, level)
    )


def test_the_batch_size_paragraph_ranks_the_test_accuracy_and_times_an_epoch():
    cells, history = three_batches()
    text = batch_size_text(cells, history)
    assert text.endswith("An epoch at B = 8 took 3.5 times as long as at B = 128, beyond the machine's load.")
    assert "(14 s against 4.1 s" not in text and "means over" not in text  # the seconds and the means: the detail's
    ranked = batch_size_text(cells.assign(test_acc=[0.98, 0.985, 0.975]), history)
    assert ranked.startswith("**Batch size.** At η = 0.1, the final test accuracy is highest at B = 32, ahead of B = 8")


def test_the_time_of_an_update_is_judged_against_the_machines_load():
    cells, history = three_batches()
    # B = 8: 14.35 s per epoch, 1.9 ms per update; B = 128: 4.1 s, 8.7 ms: 4.6× the time for 16× the examples
    text = time_text(cells)
    assert text == (
        "**Time.** An update on B = 128 averages 16 times the examples of one on B = 8 and took 4.6 times as long "
        "(8.7 ms against 1.9 ms, means over the settings of each batch size): less than in proportion, beyond the "
        "machine's load. An epoch at B = 8 took 3.5 times as long as at B = 128 (14 s against 4.1 s, means over the "
        "rates)."
    )
    # a second cell at B = 8 and B = 128, the same work timed 1.6 times as long: said, and in the means
    other = cells[cells["batch_size"] != 32].assign(lr=0.01, seconds_per_epoch=lambda c: 1.6 * c["seconds_per_epoch"])
    loaded = time_text(pd.concat([cells, other], ignore_index=True))
    assert "(11 ms against 2.5 ms," in loaded and "means over the rates; 3.5 times rate by rate)." in loaded
    assert loaded.endswith(
        "The same work, an epoch at one batch size, took up to 1.6 times as long in one setting as in another."
    )
    # an epoch 1.8 times as long, 16 / 8.9 = 1.8 for the update: within what the load can do
    close = time_text(cells.assign(seconds_per_epoch=[14.35, 6.15, 8.0]))
    assert "less than in proportion, within the machine's load" in close
    assert "took 1.8 times as long as at B = 128, within the machine's load." in (
        batch_size_text(cells.assign(seconds_per_epoch=[14.35, 6.15, 8.0]), history)
    )
    assert time_text(cells[cells["batch_size"] == 8]) is None


def test_per_update_the_batch_sizes_are_compared_over_the_same_number_of_updates():
    cells, history = three_batches()
    windows = per_update_losses(cells, history, 0.1).set_index("batch_size")
    assert windows["epochs_used"].tolist() == [1, 4, 16] and windows.loc[128, "updates"] == 7504
    assert math.isclose(windows.loc[32, "window"], 0.3015 / 4)  # the loss after epoch 4, not a mean over 1-4
    blown = history.copy()
    blown.loc[(blown["batch_size"] == 128) & (blown["epoch"] == 16), "full_train_loss"] = 30.0
    blown.loc[(blown["batch_size"] == 32) & (blown["epoch"] == 4), "full_train_loss"] = 30.0
    text = batch_size_text(cells, blown)
    assert "The smallest batch is ahead per update too: its lead is not only its number of updates." in text
    assert "goes furthest:" not in text
    one = cells.assign(seeds=[1, 2, 2])  # B = 8 ran one seed: not ranked, so not compared per update
    assert per_update_losses(one, history, 0.1)["batch_size"].tolist() == [32, 128]


def test_more_updates_are_not_said_to_go_further_when_the_loss_does_not_show_it():
    cells, history = three_batches()
    slow = cells.assign(loss_epoch1=cells["loss_epoch1"][::-1].to_numpy())  # the smallest batch now the highest
    text = batch_size_text(slow, history)
    assert "lowest loss after the first epoch" not in text and "Per epoch the smallest" not in text
    assert "The smallest batch is not the furthest after epoch 1, despite its 7,500 updates." in text


def test_the_smallest_batchs_lead_is_said_to_last_only_when_its_seeds_end_ahead():
    cells, history = three_batches()
    # B = 8's loss jumps in epochs 6, 9, 12 and 15 and ends at 0.02 and 0.03: above every seed of B = 32 (0.019,
    # 0.0190), while B = 32's falls in every epoch
    noisy = history.copy()
    small = noisy["batch_size"] == 8
    for e in (6, 9, 12, 15):
        noisy.loc[small & (noisy["epoch"] == e), "full_train_loss"] = 0.5
    noisy.loc[small & (noisy["epoch"] == 16), "full_train_loss"] = [0.02, 0.03]
    text = batch_size_text(cells, noisy)
    assert (
        "Per epoch the smallest batch leads after epoch 1 (7,500 updates against 469 at B = 128), not at the end: its "
        "loss rose in 5 of 16 epochs on each seed (B = 32's in none) and ends at 2.0e-02 to 3.0e-02 against B = 32's "
        "1.9e-02: the noise of its small batches keeps it from settling." in text
    )
    # one seed of B = 8 ends below B = 32's: its lead is not said to end
    mixed = noisy.copy()
    mixed.loc[small & (mixed["epoch"] == 16) & (mixed["seed"] == 0), "full_train_loss"] = 0.001
    assert "not at the end" not in batch_size_text(cells, mixed)
    # it ends above, but its loss never rose: nothing said of noise
    calm = history.copy()
    calm.loc[calm["batch_size"] == 8, "full_train_loss"] *= 10
    assert "not at the end" not in batch_size_text(cells.assign(loss_epoch1=[0.1, 0.3, 0.6]), calm)


def test_the_stability_text_reads_the_grid_by_eta_over_b_and_names_each_failure():
    runs, history = grid()
    text = stability_text(grid_cells(runs, history))
    failures = failures_text(grid_cells(runs, history), runs, Y_TRAIN, Y_TEST)
    assert text.startswith("**Which settings trained.** The settings where some seed failed")
    assert "60,000 × η/B" not in text  # why η/B, the detail's noise paragraph says
    # B = 128, η = 1 failed at η/B = 0.00781 while B = 8, η = 0.1 converged at 0.0125: no clean boundary
    assert (
        "The settings where some seed failed are not simply those of the largest η/B: B = 128, η = 1 (7.81 × 10⁻³) and "
        "B = 8, η = 1 (0.125) failed, while B = 8, η = 0.1 trained at 0.0125." in text
    )
    # how each failed setting failed is the detail's
    assert "At B = 128, η = 1 the seed that diverged did so late, in epoch 3, after learning." in failures
    assert (
        "At B = 8, η = 1 the run got stuck at chance, never having learnt: it answers 7 for every image, whose share "
        "of the training images (10.22%) lies within the rule's 2 points." in failures
    )
    assert "did so late" not in text and "stuck at chance" not in text
    # the ranked cells: B = 128, η = 0.1 (97.50 ± 0.10) then B = 8, η = 0.1 (98.20 ± 0.10) in η/B
    # one cell diverged, another got stuck: two kinds of failure, said apart
    assert failures.startswith("At B = 128, η = 1 the seed")
    assert text.endswith(
        "**Final accuracy.** Among the settings where every seed trained, the final test accuracy rises with η/B up to B = 8, η = 0.1, beyond the spread "
        "(B = 128, η = 0.1 and B = 8, η = 0.1: 0.70 points, against 0.28)."
    )
    for textbook in ("quadratic", "curvature", "overshoot"):  # no mechanism the runs do not measure
        assert textbook not in text
    other = failures_text(grid_cells(runs, history), runs, Y_TRAIN, labels(10000, 1000))
    assert "it answers" not in other and "near that of a constant answer" in other


def single_run_at_the_largest_rate() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The made-up grid with only seed 0 of B = 128, η = 1, which converged."""
    runs, history = grid()
    keep = ~((runs["batch_size"] == 128) & (runs["lr"] == 1.0) & (runs["seed"] > 0))
    kept = ~((history["batch_size"] == 128) & (history["lr"] == 1.0) & (history["seed"] > 0))
    return runs[keep], history[kept]


def test_a_clean_boundary_in_eta_over_b_and_a_rate_that_trained_on_a_larger_batch_on_one_seed():
    runs, history = single_run_at_the_largest_rate()
    text = stability_text(grid_cells(runs, history))
    assert (
        "Every setting up to η/B = 0.0125 trained on every seed; the one of larger η/B (B = 8, η = 1) did not: the "
        "grid places the limit between 0.0125 and 0.125, and no closer." in text
    )  # how it failed, and each η/B: the table beside; η = 1 at B = 128: the learning rate's paragraph
    assert "converged" not in text  # Task 3's word: here a run "trained"
    assert "separates" not in text and "not η alone" not in text  # what the grid shows, no general law
    several = grid_cells(runs, history).assign(seeds=lambda c: c["seeds"].where(c["lr"] < 1, 3))
    assert "did not:" in stability_text(several) and "while at η = 1" not in stability_text(several)
    # the rate that failed at B = 8 and trained at B = 128, said where the rates are compared at B = 8
    assert (
        "At η = 1 the step is too long for B = 8 (1 of 3 stuck at chance) but not for B = 128: the limit is not on η "
        "alone." in (learning_rate_text(several) or "")
    )


def test_the_settings_that_failed_are_named_with_how_their_seeds_failed_and_no_law_beyond_the_grid():
    """The grid as built: B = 32, η = 1 lost 2 of 3 seeds to divergence, B = 8, η = 1 all 3 to a
    constant answer, while B = 128, η = 1 trained on all 3."""
    grid_ = [(b, lr) for b in (8, 32, 128) for lr in (0.01, 0.1, 1.0)]
    failed = {(32, 1.0): (2, 0), (8, 1.0): (0, 3)}
    cells = pd.DataFrame(
        {
            "batch_size": [b for b, _ in grid_],
            "lr": [lr for _, lr in grid_],
            "seeds": 3,
            "diverged_seeds": [failed.get(c, (0, 0))[0] for c in grid_],
            "stuck_seeds": [failed.get(c, (0, 0))[1] for c in grid_],
            "all_converged": [c not in failed for c in grid_],
            "test_acc": 0.98,
            "test_acc_sd": 0.001,
            "train_images": 60000,
        }
    )
    text = stability_text(cells)
    assert (
        "Every setting up to η/B = 0.0125 trained on every seed; the 2 of larger η/B (B = 32, η = 1 and B = 8, η = 1) "
        "did not: the grid places the limit between 0.0125 and 0.0313, and no closer. Whether η/B alone sets it, "
        "the grid cannot say: B = 128 was run only up to η/B = 7.81 × 10⁻³." in text
    )
    assert "diverged" not in text and "stuck" not in text  # how they failed: the table's outcome column
    assert "separates" not in text


def eta_point_one(**extra: object) -> pd.DataFrame:
    """The three batch sizes at η = 0.1, every seed trained: 98.00 ± 0.12, 98.40 ± 0.04 and 98.29 ± 0.03%."""
    return pd.DataFrame(
        {
            "batch_size": [128, 32, 8],
            "lr": [0.1, 0.1, 0.1],
            "seeds": 3,
            "all_converged": True,
            "test_acc": [0.980, 0.984, 0.9829],
            "test_acc_sd": [0.0012, 0.0004, 0.0003],
            "train_images": 60000,
            **extra,
        }
    )


def one_more_within(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` with a fourth setting, B = 16 at η = 0.1, at 98.39% ± 0.03: within the spread of the highest."""
    extra = cells.iloc[[1]].assign(batch_size=16, test_acc=0.9839, test_acc_sd=0.0003)
    return pd.concat([cells, extra], ignore_index=True)


def test_the_accuracy_against_eta_over_b_is_read_by_the_rule():
    cells = eta_point_one()
    runs = pd.DataFrame(columns=["batch_size", "lr", "seed", "status", "diverged"])
    text = stability_text(cells)
    assert "Every setting trained on every seed, up to η/B = 0.0125." in text
    # 98.00 ± 0.12 to 98.40 ± 0.04: 0.40 > 0.25; then 98.29 ± 0.03: 0.11 > 0.10
    # the closest call, with the spread it was judged against (2√(0.04² + 0.03²) = 0.10), so a reader can check it
    assert text.endswith(
        "the final test accuracy rises with η/B up to B = 32, η = 0.1 and is lower at B = 8, η = 0.1, each "
        "difference beyond the spread (the closest, B = 32, η = 0.1 and B = 8, η = 0.1: 0.11 points, against "
        "0.10)."
    )
    # some settings within the spread of the highest: no trend, and no order among those within it
    close = stability_text(cells.assign(test_acc=[0.980, 0.984, 0.9838]))
    assert close.endswith(
        "**Final accuracy.** Where every seed trained, B = 32, η = 0.1 has the highest mean final test accuracy; only "
        "B = 8, η = 0.1 is within the spread of it."
    )  # the shorter list named: the other setting is below it
    below = stability_text(cells.assign(test_acc=[0.980, 0.984, 0.9838], seeds=3).pipe(one_more_within))
    assert below.endswith("only B = 128, η = 0.1 is below it, beyond the spread.")
    assert "rises" not in close and "lower at" not in close
    # the pairs within the spread are the detail's, with the spread each was judged against
    assert failures_text(cells.assign(test_acc=[0.980, 0.984, 0.9838]), runs, Y_TRAIN, Y_TEST) == (
        "Of the final test accuracies, those within the spread of the highest: B = 32, η = 0.1 and B = 8, "
        "η = 0.1: 0.02 points, against 0.10."
    )
    assert failures_text(cells, runs, Y_TRAIN, Y_TEST) == ""  # every pair apart: the body said the closest
    falling = stability_text(cells.assign(test_acc=[0.990, 0.984, 0.9829]))
    assert "is highest at the smallest η/B, B = 128, η = 0.1, and is lower at B = 32, η = 0.1 and B = 8" in falling
    flat = stability_text(cells.assign(test_acc=[0.984, 0.9841, 0.9839]))
    assert flat.endswith(
        "has its highest mean at B = 32, η = 0.1, but every other setting is within the spread of it (B = 32, "
        "η = 0.1 and B = 8, η = 0.1: 0.02 points, against 0.10): no order is told."
    )


def test_a_difference_of_a_tenth_of_a_point_is_not_told_apart_by_three_tight_seeds():
    """0.11 points is beyond 2√(0.04² + 0.03²) = 0.10, but the runs swing by 0.08 point from epoch to epoch, which
    3 seeds agreeing to 0.03 missed: with the swing counted whole (a final accuracy is one epoch's reading), it is
    within the spread, and the detail prints what the difference was judged against, saying once why."""
    cells = eta_point_one(swing=0.08)
    runs = pd.DataFrame(columns=["batch_size", "lr", "seed", "status", "diverged"])
    assert stability_text(cells).endswith(
        "B = 32, η = 0.1 has the highest mean final test accuracy; only B = 8, η = 0.1 is within the spread of it."
    )
    # 2 √(0.04² + 0.08² + 0.03² + 0.08²) = 0.25
    assert failures_text(cells, runs, Y_TRAIN, Y_TEST) == (
        "Of the final test accuracies, those within the spread of the highest (each difference against the least "
        "told apart, the runs' epoch-to-epoch fluctuation counted): B = 32, η = 0.1 and B = 8, η = 0.1: 0.11 points, "
        "against 0.25 (0.10 from the s.d.s alone)."
    )
    # a swing of 0.15 point: B = 128's 0.40 points are within the spread too, and no order is told
    wide = stability_text(eta_point_one(swing=0.15))
    assert wide.endswith(
        "every other setting is within the spread of it (B = 32, η = 0.1 and B = 128, η = 0.1: 0.40 points, against "
        "0.49 (0.25 from the s.d.s alone; the runs' epoch-to-epoch fluctuation added)): no order is told."
    )


def test_a_short_step_is_called_slow_only_between_ranked_cells():
    runs, history = grid()
    # at B = 8 the short step ran one seed: no claim on its speed
    assert "short step" not in (learning_rate_text(grid_cells(runs, history)) or "")
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
    text = learning_rate_text(grid_cells(runs, history))
    # 0.0121 ± 0.0001 after epoch 1 at η = 0.01 against 0.0060 ± 0.0012 at η = 0.1; 99% training accuracy
    assert text == (
        "**Learning rate.** At B = 8, the final test accuracy is highest at η = 0.1, ahead of η = 0.01. At η = 1 the "
        "step is too long for B = 8 (stuck at chance). At η = 0.01 the step is too short: after epoch 1 its loss is 2 "
        "times that at η = 0.1, and it ends without fitting the training set."
    )  # the accuracies, and its training accuracy (99.00%), are in the section's table; η = 1 at B = 128 lost a seed
    fit = learning_rate_text(grid_cells(runs.assign(final_train_acc=0.999), history))
    assert fit.endswith("At η = 0.01 the step is too short: after epoch 1 its loss is 2 times that at η = 0.1.")


def test_no_failure_anywhere_is_said_once():
    runs, history = grid()
    calm = runs["lr"] < 1.0
    text = stability_text(grid_cells(runs[calm], history[history["lr"] < 1.0]))
    assert "Every setting trained on every seed, up to η/B = 0.0125." in text and "failed" not in text


def test_the_noise_text_sets_the_rises_against_eta_over_b():
    runs, history = grid()
    text = noise_text(grid_cells(runs, history))
    assert text.startswith("**Gradient noise.** A minibatch gradient is the mean of B per-example gradients")
    assert "η/B of the cells" not in text and "converged on every seed" not in text  # the table and the body say it
    assert text.endswith("No epoch of the settings that trained counts as a rise of the loss.")  # no curve rose
    noisy = history.copy()
    at = (noisy["batch_size"] == 8) & (noisy["lr"] == 0.1)
    noisy.loc[at & (noisy["epoch"] == 3), "full_train_loss"] = 1.0  # every seed of the noisiest cell jumps once
    text = noise_text(grid_cells(runs, noisy))
    assert text.endswith("1.0 ± 0.0 at B = 8, η = 0.1. They grow with η/B.")
    # a less noisy cell that rises where the noisiest does not: η/B alone does not order them, said as read
    quiet = history.copy()
    at = (quiet["batch_size"] == quiet["batch_size"].max()) & (quiet["lr"] == quiet["lr"].min())
    quiet.loc[at & (quiet["epoch"] == 3), "full_train_loss"] = 1.0
    assert noise_text(grid_cells(runs, quiet)).endswith(
        "They do not grow steadily with η/B: the noise grows with η/B, but η/B alone does not set how often the loss "
        "rises."
    )


def test_the_gap_separates_the_cells_that_fit_the_training_set_from_those_that_do_not():
    runs, history = grid()
    text = gap_text(grid_cells(runs, history), history)
    assert text.startswith("**Generalisation.** The gap between final training and test accuracy, in points: ")
    # only B = 8, η = 0.1 reaches 99.5% training accuracy (99.87% on average)
    assert "The 1 setting that fits the training set (final training accuracy at least 99.5%)" in text
    assert "The 3 settings that do not fit the training set have" in text  # the threshold said once, just before
    assert text.count("99.5%") == 1
    assert "92.00% training and 92.00% test accuracy at B = 128, η = 0.01" in text


def test_the_gaps_of_cells_that_do_not_fit_are_called_smaller_only_by_the_rule():
    runs, history = grid()
    cells = grid_cells(runs, history)
    # the cells that do not fit include single runs: not ranked, so not called smaller
    assert "than any setting that fits" not in gap_text(cells, history)
    ranked = cells[cells["seeds"] >= 2]
    apart = ranked.assign(train_acc=[0.999, 0.985, 0.99], gap=[1.67, 0.5, 0.3], gap_sd=[0.06, 0.05, 0.05])
    # one setting that does not fit (B = 128, η = 1 lost a seed): its gap, in the singular
    assert ": a smaller gap than any setting that fits; its test accuracy is held back" in gap_text(apart, history)
    # a gap holds the test accuracy: with the runs swinging by a point, 1.17 points apart is within the spread
    assert "than any setting that fits" not in gap_text(apart.assign(swing=1.0), history)


def test_a_range_of_one_value_is_said_once():
    cells, history = three_batches()
    text = gap_text(cells, history)  # every cell's test accuracy flat at 98%
    assert "changed by +0.00 points (means over the seeds)" in text and "+0.00 to" not in text
    # the ranking is over the cells that fit, and says so: a ranked cell that does not fit may have a smaller gap
    assert "Among the settings that fit the training set, the gap is " in text and "ranked ones" not in text


def test_the_seeds_of_a_cell_stuck_at_chance_are_said_together_each_with_its_digit():
    y = torch.tensor([7] * 1009 + [0] * 980 + [1] * 1135 + [2] * 6876)  # each digit's share its own
    share = {d: float((y == d).float().mean()) for d in range(10)}
    stuck = pd.DataFrame({"seed": [0, 1, 2], "final_test_acc": [share[7], share[0], share[1]], "status": STUCK})
    stuck["final_train_acc"] = stuck["final_test_acc"]
    assert (
        _stuck_text(stuck, 3, y, y)
        == "every seed got stuck at chance, never having learnt: each answers one digit for every image (7, 0 and 1)"
    )  # no majority given: no share said against the rule's window
    majority = stuck.assign(majority=share[2])  # 68.76%: the rule's window is about 2, not these digits
    assert _stuck_text(majority, 3, y, y).endswith(
        "(7, 0 and 1), scoring 10.09%, 9.80% and 11.35% of the training images"
    )
    inside = stuck.assign(majority=share[1])
    assert _stuck_text(inside, 3, y, y).endswith(
        "(7, 0 and 1), whose shares of the training images (10.09%, 9.80% and 11.35%) each lie within the rule's 2 points"
    )
    stuck["status"] = [STUCK, STUCK, LEARNT_THEN_STUCK]  # one seed had learnt first: not "never"
    assert _stuck_text(stuck, 3, y, y).startswith("every seed got stuck at chance: each answers")
    assert _stuck_text(stuck.iloc[[1]], 3, y, y) == (
        "seed 1 got stuck at chance, never having learnt: it answers 0 for every image"
    )
    vague = stuck.assign(final_train_acc=[0.5, share[0], share[1]])  # seed 0's training accuracy is no digit's share
    assert (
        _stuck_text(vague.iloc[:2], 3, y, y)
        == "seeds 0 and 1 got stuck at chance, never having learnt: their accuracies are near a constant answer's"
    )


def test_the_batch_size_paragraph_times_an_epoch_over_every_rate_judged_by_the_closest():
    cells, history = three_batches()
    # another rate whose epochs took 3 times as long at B = 8 and as long at B = 128: the mean over the rates
    # counts it, and the verdict follows the rate whose ratio is closest to 1
    slower = cells["batch_size"].map({8: 3.0, 32: 1.0, 128: 1.0})
    other = cells.assign(lr=1.0, seconds_per_epoch=cells["seconds_per_epoch"] * slower)
    text = batch_size_text(pd.concat([cells, other], ignore_index=True), history)
    assert text is not None
    assert text.endswith("An epoch at B = 8 took 7 times as long as at B = 128, beyond the machine's load.")
    faster = cells["batch_size"].map({8: 0.5, 32: 1.0, 128: 1.0})
    close = cells.assign(lr=1.0, seconds_per_epoch=cells["seconds_per_epoch"] * faster)
    mixed = batch_size_text(pd.concat([cells, close], ignore_index=True), history)
    assert mixed is not None and mixed.endswith(
        "took 2.6 times as long as at B = 128 on average over the rates, but only 1.8 times at η = 1, within the "
        "machine's load: the longer epoch is not told apart from the load."
    )  # the ratio the verdict went by is the one quoted beside it
    assert "(11 s against 4.1 s, means over the rates; 1.8 to 3.5 times rate by rate)." in (
        time_text(pd.concat([cells, close], ignore_index=True)) or ""
    )  # the seconds and the ratios rate by rate, by which the verdict went: the detail's
