"""Task 7 against the hand-made figures: each asked cell tied, above or below by the tie rule,
a cell where a seed failed compared through the seeds that converged, its failures named."""

from __future__ import annotations

from made_up import grid

from mnist_sgd.tasks.mlp_grid.hand import mlp_references_text, verdict
from mnist_sgd.tasks.mlp_grid.tables import grid_cells, reference_comparison


def test_the_verdict_is_by_the_intervals():
    assert verdict(98.39, 0.05, 98.33, 0.10) == "tied"
    assert verdict(98.37, 0.04, 97.80, 0.10) == "above"
    assert verdict(97.50, 0.10, 98.03, 0.10) == "below"


def test_each_asked_cell_is_compared_with_its_hand_figure():
    runs, history = grid()
    cells = grid_cells(runs, history)
    text = mlp_references_text(reference_comparison(cells), runs, cells, 3)
    # B = 8, η = 0.1: 98.20 ± 0.10 against 97.80 (the hand figure given the borrowed 0.10): above
    assert "- **B = 8, η = 0.1** (3 seeds): test 98.20% ± 0.10 against 97.80% (+0.40 points: above)" in text
    assert "- **B = 128, η = 0.1** (3 seeds): test 97.50% ± 0.10 against 98.03% (-0.53 points: below)" in text
    assert "B = 32, η = 1" not in text  # not run: the table gives its hand figures, the text does not repeat them
    assert "In test accuracy, 0 of the 2 cells compared are tied with the hand figure, 1 above it and 1 below." in text
    assert "seeds 0, 1, 2" in text and "left open" in text
    assert "instead of the assignment's 20" in mlp_references_text(reference_comparison(cells), runs, cells, 20)


def test_a_cell_with_a_failed_seed_is_compared_through_the_seeds_that_converged():
    runs, history = grid()
    for table in (runs, history):  # the mixed cell B = 128, η = 1 moved to the asked cell B = 32, η = 1
        table.loc[(table["batch_size"] == 128) & (table["lr"] == 1.0), "batch_size"] = 32
    cells = grid_cells(runs, history)
    text = mlp_references_text(reference_comparison(cells), runs, cells, 3)
    assert (
        "- **B = 32, η = 1** (3 seeds: 2 converged, 1 learnt, then diverged): over every seed, test 68.63% ± 50.95"
        in text
    )
    assert "the 2 seeds that converged: test 98.05% ± 0.07 against 95.42% (+2.63 points: above)" in text
    assert "seed 2 learnt, then diverged: best 96.50% (epoch 2), ended at 9.80%." in text
    assert "here 1 of the 3 runs at B = 32, η = 1 did not converge" in text
