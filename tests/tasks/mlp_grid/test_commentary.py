"""Task 7's commentary follows the cells it is given: one count of cells everywhere, the rules
stated once, how the runs ended, the learning rate and the batch size ranked by the tie rule,
and no claim about the curves that a curve contradicts."""

from __future__ import annotations

import math

import pandas as pd
from made_up import grid

from mnist_sgd.show import provenance
from mnist_sgd.tasks.mlp_grid.commentary import (
    cell_count,
    grid_answer,
    loss_figure_caption,
    mlp_batch_text,
    mlp_lr_text,
    mlp_scope_text,
    mlp_status_text,
    mlp_terms_text,
    mlp_timing_note,
)
from mnist_sgd.tasks.mlp_grid.tables import LOSS_TOP, cells_table, grid_cells, loss_axis_top


def made_up() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    runs, history = grid()
    return runs, history, grid_cells(runs, history)


def every_seed_diverged() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The made-up grid with B = 128, η = 0.01 diverged from the start in epoch 1 (no completed epoch)."""
    runs, history = grid()
    at = (runs["batch_size"] == 128) & (runs["lr"] == 0.01)
    runs.loc[at, ["diverged", "diverged_at", "final_full_train_loss", "final_test_acc", "final_train_acc"]] = [
        True, 1, math.nan, 0.098, 0.0987,
    ]  # fmt: skip
    runs.loc[at, ["status", "min_train_loss", "best_epoch", "best_test_acc"]] = [
        "diverged from the start", math.nan, None, math.nan,
    ]  # fmt: skip
    history = history[~((history["batch_size"] == 128) & (history["lr"] == 0.01))]
    return runs, history, grid_cells(runs, history)


def test_one_count_of_cells_in_the_scope_the_status_the_answer_and_the_table():
    for runs, _, cells in (made_up(), every_seed_diverged()):
        n = cell_count(cells)
        assert n == 6 == len(cells_table(cells)) and cells["test_acc"].notna().all()
        assert f"ran **{n} of the 6 cells**" in mlp_scope_text(cells, 3)
        assert f"{len(runs)} runs in {n} cells" in mlp_status_text(cells, runs)
        assert grid_answer(cells).endswith(f"({n} cells, 3 epochs)")


def test_the_scope_says_the_seeds_of_the_asked_cells_and_of_the_others():
    _, _, cells = made_up()
    text = mlp_scope_text(cells, 3)
    assert text.startswith("This build ran **6 of the 6 cells** spanned by batch sizes 8, 128 and learning rates 0.01")
    # B = 8, η = 0.1 and B = 128, η = 0.1 are asked (3 seeds); of the others, B = 128, η = 1 ran 3 seeds
    assert (
        "3 seeds for each of the 2 cells the assignment asks and 1 or 3 seeds for each of the 4 cells it does not"
        in text
    )
    assert "shorter budget" not in text
    assert "The assignment asks for 20 epochs" in mlp_scope_text(cells, 20)
    uneven = cells.assign(epochs=[3, 3, 3, 3, 3, 5])
    assert "not directly comparable" in mlp_scope_text(uneven, 3)


def test_the_terms_state_each_rule_once_with_its_numbers():
    _, _, cells = made_up()
    text = mlp_terms_text(cells, 0.1124)
    for rule in ("within 2 points of 11.24%", "more than 10% above the lowest loss", "do not overlap"):
        assert text.count(rule) == 1
    assert "for the final test accuracy, 0.10 points" in text  # the s.d. a one-seed cell is assumed to have
    assert "in every comparison of this section" in text


def test_the_status_names_each_cell_that_did_not_converge_and_each_run_that_learnt_first():
    runs, _, cells = made_up()
    text = mlp_status_text(cells, runs)
    assert text.startswith(
        "**How the runs ended.** 12 runs in 6 cells: 10 converged, 1 stuck at chance, 1 learnt, then diverged. "
        "4 of the 6 cells have every seed converged."
    )
    assert "B = 8, η = 1: stuck at chance, final test accuracy 10.09% (1 seed), final training loss 2.330" in text
    assert (
        "B = 128, η = 1: 2 converged, 1 learnt, then diverged, final test accuracy 68.63% ± 50.95; seed 2 peaked at "
        "96.50% test accuracy in epoch 2 and diverged in epoch 3, scoring 9.80% as it stopped."
    ) in text


def test_the_learning_rate_is_ranked_among_the_cells_that_converged_and_the_rest_named():
    _, _, cells = made_up()
    text = mlp_lr_text(cells)
    b8, b128 = text.split("\n")
    # the failed cell named by its status; that it is not ranked is said once, in the terms
    assert b8.startswith("- **B = 8:** η = 1: stuck at chance; final test accuracy highest at η = 0.1")
    # 98.20 ± 0.10 against 97.50 with the borrowed ± 0.10, shown beside it: separated
    assert "(98.20% ± 0.10), ahead of η = 0.01 (97.50%, 1 seed, ± 0.10 assumed)" in b8
    assert b128.startswith("- **B = 128:** η = 1: 2 converged, 1 learnt, then diverged;")
    assert "not ranked" not in text
    assert "no loss curve rose, on any seed" in b128
    assert "cannot be compared" in mlp_lr_text(cells[cells["lr"] == 0.1])


def test_no_curve_is_said_calm_when_the_curve_of_a_failed_cell_rose():
    runs, history = grid()
    seed = (history["batch_size"] == 128) & (history["lr"] == 1.0) & (history["seed"] == 2)
    history.loc[seed, "full_train_loss"] = [0.4, 0.9]  # the diverged seed's loss rose before it blew up
    text = mlp_lr_text(grid_cells(runs, history)).split("\n")[1]
    assert "no loss curve rose" not in text
    assert "the loss rose in 0, 0, 0.333 ± 0.6 epochs per seed at η = 0.01, 0.1, 1" in text
    assert "the largest rise: 125% above the lowest loss before, at B = 128, η = 1" in text


def test_the_batch_size_text_times_the_epochs_and_ranks_the_accuracy():
    _, _, cells = made_up()
    text = mlp_batch_text(cells, "Timing note.")
    line = text.split("\n")[1]
    # 60,000 images: 7,500 steps at B = 8 (10 s: 1.33 ms per step), 469 at B = 128 (2 s: 4.26 ms)
    assert line.startswith("- **η = 0.1:** time per epoch falls as B grows: 10 s at B = 8, 2 s at B = 128")
    assert "per step it costs 1.33 ms against 4.26 ms" in line
    assert "final test accuracy highest at B = 8 (98.20% ± 0.10), ahead of B = 128 (97.50% ± 0.10)" in line
    assert text.endswith("Timing note.") and "roughly comparable" in mlp_batch_text(cells, None)


def test_the_answer_names_the_cells_tied_with_the_best():
    _, _, cells = made_up()
    assert grid_answer(cells).startswith(
        "best final test accuracy 98.20% at B = 8, η = 0.1; lowest 10.09% at B = 8, η = 1 (stuck at chance)"
    )
    close = cells.copy()
    close.loc[(close["batch_size"] == 8) & (close["lr"] == 0.01), "test_acc"] = 0.9815
    assert ", tied with B = 8, η = 0.01;" in grid_answer(close)


def test_the_timing_note_needs_one_set_of_conditions():
    runs = pd.DataFrame({"threads": [1, 1], "device": ["cpu", "cpu"], "parallel_jobs": [2, 2]})
    assert mlp_timing_note(runs) == provenance.timing_note({"threads": 1, "device": "cpu", "parallel_jobs": 2})
    assert mlp_timing_note(runs.assign(threads=[1, 4])) is None


def test_the_loss_caption_names_each_run_that_leaves_the_axis_with_its_epochs():
    runs, history = grid()
    seed = (history["batch_size"] == 8) & (history["lr"] == 1.0)
    history.loc[seed, "full_train_loss"] = [1.2, 3.3e14, 2.33]  # stuck at chance after a blow-up in epoch 2
    top = loss_axis_top(history)
    text = loss_figure_caption(history, runs, top)
    assert top == LOSS_TOP and "ln 10 = 2.303, the loss of uniform outputs" in text
    assert "The axis ends at 3.45 (1.5 × ln 10)" in text and "a triangle on the top edge, at its epoch" in text
    assert "Those epochs, with the loss reached: B = 8, η = 1, seed 0: epoch 2 (3.3e+14)." in text
    assert text.endswith("A cross just under the top edge marks the epoch in which a run diverged (its loss became "
                         "non-finite), in its rate's colour.")  # fmt: skip
    history.loc[seed, "full_train_loss"] = [1.2, 3.3e14, 40.0]  # two epochs above the axis
    assert "B = 8, η = 1, seed 0: epochs 2, 3 (3.3e+14 at most)." in loss_figure_caption(history, runs, top)
    calm = grid()[1]
    calm_runs = runs.assign(diverged=False)
    calm_text = loss_figure_caption(calm, calm_runs, loss_axis_top(calm))
    assert "triangle" not in calm_text and "cross" not in calm_text
