"""Task 7's commentary follows the cells it is given: one count of cells everywhere, which cells
are ranked said once where the seeds are (no rule of its own for a difference), the rules of the
detail stated once, and a stuck run described as what it does."""

from __future__ import annotations

import math

import pandas as pd
import torch
from made_up import grid_read_late as grid

from mnist_sgd.tasks.mlp_grid.commentary import (
    cell_count,
    loss_figure_caption,
    mlp_scope_text,
    mlp_terms_text,
    reading_text,
    table_caption,
)
from mnist_sgd.tasks.mlp_grid.tables import LOSS_TOP, grid_cells, grid_table, loss_axis_top


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


def test_the_detail_says_once_how_a_final_accuracy_is_read_and_judged():
    _, _, cells = made_up()
    text = reading_text(cells)
    # the made-up runs' last 3 epochs average to their final accuracies: no setting moves
    assert text == (
        "A run's final accuracies are those after its last epoch (a run that diverged: as it stopped). Read instead "
        "as each seed's mean over its last 3 epochs, the mean test accuracy of a setting where every seed trained "
        "moves by at most 0.00 points."
    )
    assert "fluctuates" not in text  # 3 epochs: no swing read
    moved = reading_text(cells.assign(late_test_acc=cells["test_acc"] + [0.0012, 0, 0, 0, 0, -0.002]))
    assert "moves by at most 0.12 points." in moved  # B = 128, η = 1 lost a seed: not counted
    # how an accuracy is judged: said once, with the swings, one rule against a setting and a hand figure alike
    swung = reading_text(cells.assign(swing=[0.05, 0.2, 0.1, None, None, None]))
    assert swung.endswith(
        "One run's test accuracy fluctuates from epoch to epoch by 0.05 to 0.20 points, depending on the setting (its "
        "s.d. about a straight line through its last 10 epochs), which a few seeds can miss: a final accuracy, or a "
        "train–test gap, is judged with its seeds' s.d. s combined with that fluctuation w, √(s² + w²), against "
        "another setting and against a hand figure alike (w being that accuracy's own fluctuation)."
    )
    assert "by 0.10 points (its" in reading_text(cells.assign(swing=0.1))
    none_trained = cells.assign(all_converged=False)
    assert (
        reading_text(none_trained)
        == "A run's final accuracies are those after its last epoch (a run that diverged: as it stopped)."
    )
    # the body says what was run, not these rules
    scope = mlp_scope_text(cells.assign(swing=0.1), 3)
    assert "fluctuat" not in scope and "last 3 epochs" not in scope


def test_one_count_of_cells_in_the_scope_and_the_table():
    for _, _, cells in (made_up(), every_seed_diverged()):
        n = cell_count(cells)
        assert n == 6 == len(grid_table(cells)) and cells["test_acc"].notna().all()
        assert f"**All {n} settings** of" in mlp_scope_text(cells, 3)
    _, _, cells = made_up()
    assert "**5 of the 6 settings** of" in mlp_scope_text(cells.iloc[1:], 3)


def test_the_scope_says_the_seeds_then_which_cells_are_ranked():
    _, _, cells = made_up()
    text = mlp_scope_text(cells, 3)
    # the made-up grid ran 1 seed in some cells and 3 in others
    assert text.startswith(
        "**All 6 settings** of batch sizes 8, 128 and learning rates 0.01, 0.1, 1 were run for 3 epochs, 1 to "
        "3 seeds per setting. "
    )
    assert "cell" not in text  # a private word: a setting (B, η)
    assert "neither diverged nor got stuck at chance (one answer for every image)" in text  # the two words, once
    assert "compared by accuracy only where every seed trained: one run cannot show how often a setting fails." in text
    # how the gradients are computed and why, said in the section; its check is the detail's
    assert text.endswith(
        "Each step is plain SGD; for speed its gradients come from a backward pass written by hand rather than from "
        "autograd, and they match automatic differentiation to within rounding (per-run detail)."
    )
    assert "overlap" not in text and "2√" not in text  # the report's one rule is stated on its summary page
    assert "shorter budget" not in text
    assert "The assignment asks for 20 epochs" in mlp_scope_text(cells, 20)
    uneven = cells.assign(epochs=[3, 3, 3, 3, 3, 5])
    assert "not directly comparable" in mlp_scope_text(uneven, 3)
    same = mlp_scope_text(cells.assign(seeds=3), 3)  # one seed count: said once, and no word on single runs
    assert "were run for 3 epochs, 3 seeds each. A run *trained*" in same
    assert "where every seed trained. Each step is plain SGD" in same


def test_the_detail_states_each_rule_once_and_what_a_stuck_run_answers():
    runs, _ = grid()  # majority 11.24%; its runs counted as trained score 92% and more, no digit's share
    # MNIST's shares of the training images: 1 the most frequent (11.24%), 5 the least (9.04%)
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    y_train = torch.cat([torch.full((n,), d) for d, n in enumerate(counts)])
    text = mlp_terms_text(runs, y_train)
    for rule in ("within 2 points of 11.24%", "more than 10% above the lowest loss"):
        assert text.count(rule) == 1
    assert "over those that" not in text  # the table's caption says it
    # Task 3 owns "converged": the rule names the runs that neither failed nor got stuck "trained"
    assert "converged" not in text and text.count("*trained*") == 1
    # the window is a share, not what a stuck network answers: it may answer another digit, and one answering a
    # digit whose share lies outside the window (here only 5) would be counted as trained
    assert "(the share of the most frequent digit, 1)" in text and "always answering" not in text
    assert (
        "A network stuck at chance answers one digit for every image and scores that digit's share of the images; "
        "every digit's share of the training images lies within those 2 points but that of 5 (9.04%), so the rule "
        "would count a network answering it as trained; no run counted as trained here scores a digit's share."
    ) in text
    assert "do not overlap" not in text  # the comparison is said once, in the body
    # a run counted as trained that scores 5's share: said, not hidden
    posing = runs.copy()
    posing.loc[(posing["batch_size"] == 128) & (posing["lr"] == 0.01), "final_train_acc"] = 5421 / 60000
    assert text.replace(
        "no run counted as trained here scores a digit's share", "1 run counted as trained here scores one"
    ) == (mlp_terms_text(posing, y_train))
    even = torch.arange(60000) % 10  # every share 10%: within 2 points of the majority's
    assert "every digit's share of the training images lies within those 2 points." in mlp_terms_text(
        runs.assign(majority=0.1), even
    )


def test_the_table_caption_says_whose_values_a_failed_cell_shows():
    caption = table_caption()
    assert "its final accuracies (mean ± s.d. over the seeds that trained, or every seed where none did)" in caption
    assert caption.endswith("and the hand-made figures (one run each).")  # read at their last epoch too
    assert "judge" not in caption and "spread" not in caption  # no rule in a caption: the glossary and detail say it
    assert caption.startswith("Every setting by η/B")


def test_the_loss_caption_names_each_run_that_leaves_the_axis_with_its_epochs():
    runs, history = grid()
    seed = (history["batch_size"] == 8) & (history["lr"] == 1.0)
    history.loc[seed, "full_train_loss"] = [1.2, 3.3e14, 2.33]  # stuck at chance after a blow-up in epoch 2
    top = loss_axis_top(history)
    text = loss_figure_caption(history, runs, top)
    assert top == LOSS_TOP and "grey line: ln 10 (a stuck run's loss)." in text
    assert "Dotted" not in text  # a dotted line is a rate's style
    assert "The axis ends at 3.45 (1.5 × ln 10)" in text and "a triangle on the top edge, at its epoch" in text
    assert "Those epochs, with the loss reached: B = 8, η = 1, seed 0: epoch 2 (3.3e+14)." in text
    assert text.endswith("Cross: a run diverged.")
    history.loc[seed, "full_train_loss"] = [1.2, 3.3e14, 40.0]  # two epochs above the axis
    assert "B = 8, η = 1, seed 0: epochs 2, 3 (3.3e+14 at most)." in loss_figure_caption(history, runs, top)
    calm = grid()[1]
    calm_runs = runs.assign(diverged=False)
    calm_text = loss_figure_caption(calm, calm_runs, loss_axis_top(calm))
    assert "triangle" not in calm_text and "cross" not in calm_text
