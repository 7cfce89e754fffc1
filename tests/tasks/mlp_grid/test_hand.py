"""Task 7 against the hand-made figures: each asked cell tied, above or below by the tie rule, in
words that agree with the verdict; a cell where a seed failed not ranked, its failed runs named
and its surviving seeds set against the hand figure (never the mean of every seed)."""

from __future__ import annotations

import pandas as pd
from made_up import grid

from mnist_sgd.tasks.mlp_grid.hand import difference_text, hand_text, mlp_references_text, run_time_text, verdict
from mnist_sgd.tasks.mlp_grid.tables import grid_cells, reference_comparison


def test_the_verdict_is_by_the_ranges():
    assert verdict(98.39, 0.05, 98.33, 0.10) == "tied"
    assert verdict(98.37, 0.04, 97.80, 0.10) == "above"
    assert verdict(97.50, 0.10, 98.03, 0.10) == "below"


def test_a_difference_reads_as_its_verdict():
    assert (
        difference_text(0.49, "above") == "0.49 points above" and difference_text(-1.8, "below") == "1.80 points below"
    )
    assert difference_text(-0.08, "tied") == "a difference of -0.08 points: tied"  # no direction beside 'tied'
    assert difference_text(2.63, None) == "a difference of +2.63 points"  # not ranked


def test_each_asked_cell_is_compared_with_its_hand_figure():
    runs, history = grid()
    cells = grid_cells(runs, history)
    text = mlp_references_text(reference_comparison(cells), runs, cells, 3)
    assert text.startswith("With the spread a hand figure is given (± 0.10 points in test and ± 0.10 in training")
    # B = 8, η = 0.1: 98.20 ± 0.10 against 97.80 (the hand figure given the borrowed 0.10): above
    assert "- **B = 8, η = 0.1** (3 seeds): test 98.20% ± 0.10 against 97.80%, 0.40 points above" in text
    assert "- **B = 128, η = 0.1** (3 seeds): test 97.50% ± 0.10 against 98.03%, 0.53 points below" in text
    assert "B = 32, η = 1" not in text  # not run: the table gives its hand figures, the text does not repeat them
    assert "seeds 0, 1, 2" in text and "left open" in text
    assert "instead of the assignment's 20" in mlp_references_text(reference_comparison(cells), runs, cells, 20)


def test_the_body_counts_the_verdicts_once():
    runs, history = grid()
    cells = grid_cells(runs, history)
    text = hand_text(reference_comparison(cells), runs, cells)
    assert text.startswith("The hand figures are one run each")
    assert (
        "Of the 2 asked cells whose seeds all converged, 0 are tied with the hand figure in final test accuracy and "
        "2 are not (B = 8, η = 0.1, above; B = 128, η = 0.1, below)." in text
    )
    at = (runs["batch_size"] == 8) & (runs["lr"] == 0.1)
    runs.loc[at, "final_test_acc"] -= 0.0035  # 97.85 ± 0.10 against 97.80 ± 0.10: the ranges overlap
    cells = grid_cells(runs, history)
    text = hand_text(reference_comparison(cells), runs, cells)
    assert "1 is tied with the hand figure in final test accuracy and 1 is not (B = 128, η = 0.1, below)" in text


def mixed_at_an_asked_cell() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The made-up grid with its mixed cell B = 128, η = 1 moved to the asked cell B = 32, η = 1."""
    runs, history = grid()
    for table in (runs, history):
        table.loc[(table["batch_size"] == 128) & (table["lr"] == 1.0), "batch_size"] = 32
    return runs, history


def test_a_cell_with_a_failed_seed_sets_its_survivors_against_the_hand_figure_without_a_verdict():
    runs, history = mixed_at_an_asked_cell()
    cells = grid_cells(runs, history)
    text = mlp_references_text(reference_comparison(cells), runs, cells, 3)
    line = next(t for t in text.split("\n") if t.startswith("- **B = 32, η = 1**"))
    assert line == (
        "- **B = 32, η = 1** (3 seeds; 1 of 3 diverged): seed 2 learnt, then diverged (best 96.50% in epoch 2, 9.80% "
        "as it stopped); the 2 surviving seeds end at 98.05% ± 0.07 test and 99.85% ± 0.07 training accuracy "
        "against 95.42% and 97.14% by hand, differences of +2.63 and +2.71 points, not ranked."
    )
    assert "68.63" not in text  # the mean over every seed, which describes no run
    body = hand_text(reference_comparison(cells), runs, cells)
    assert (
        "At B = 32, η = 1 the hand run converged, as our surviving seeds did (a difference of +2.63 points in test "
        "accuracy), while our other seeds failed: a single run at that setting says how a run can end, not how "
        "often." in body
    )
    assert "1 of" not in body  # how many failed, the table beside says


def test_the_time_of_a_run_is_set_against_the_hand_made_minutes():
    cells = pd.DataFrame(
        {"batch_size": [8, 128], "lr": [0.1, 0.1], "seconds_per_epoch": [30.0, 6.0], "epochs": [20, 20]}
    )
    text = run_time_text(cells, 20)
    assert text.startswith('By hand, each run took "5 to 30 minutes, depending on your computer"; here a run of 20')
    assert "trains in 2 minutes (B = 128, η = 0.1) to 10 minutes (B = 8, η = 0.1), evaluation excluded:" in text
    one = run_time_text(cells.iloc[[1]], 20)
    assert "trains in 2 minutes (B = 128, η = 0.1), evaluation excluded." in one
    short = run_time_text(cells.assign(epochs=1), 20)
    assert "evaluation excluded, extrapolated from the epochs run:" in short
