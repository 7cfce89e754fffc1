"""Task 7's tables follow the cells they are given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd import references
from mnist_sgd.tables_mlp import cells_table, reference_cells, reference_comparison, reference_table


def cells() -> pd.DataFrame:
    """Two cells: B = 32 at η = 0.1 (a reference cell, 3 epochs) and B = 64 at η = 1 (none)."""
    return pd.DataFrame(
        {
            "batch_size": [32, 64],
            "lr": [0.1, 1.0],
            "status": ["converged", "stuck at chance"],
            "seeds": [2, 2],
            "epochs": [3, 3],
            "diverged_seeds": [0, 1],
            "test_acc": [0.9750, 0.1135],
            "train_acc": [0.9900, 0.1124],
            "final_loss": [0.05, 2.3],
            "loss_epoch1": [0.412, 2.31],
            "rises": [0.5, 0.0],
            "seconds_per_epoch": [4.0, 2.0],
        }
    )


def test_the_cells_table_shows_percentages_and_one_format_for_both_losses():
    shown = cells_table(cells())
    assert list(shown.columns) == [
        "B",
        "η",
        "status",
        "seeds",
        "epochs",
        "seeds diverged",
        "test acc. (%)",
        "train acc. (%)",
        "final loss",
        "loss after epoch 1",
        "epochs the loss rose",
        "s per epoch",
    ]
    assert list(shown["η"]) == ["0.1", "1"]
    assert shown["test acc. (%)"].tolist() == [97.5, 11.35]
    # the smallest loss (0.05) asks for three significant digits, four decimals, and all four losses take them
    assert shown["final loss"].tolist() == ["0.0500", "2.3000"]
    assert shown["loss after epoch 1"].tolist() == ["0.4120", "2.3100"]


def test_every_reference_cell_is_compared_and_the_gap_is_here_minus_the_reference():
    reference = references.mlp_grid()
    merged = reference_cells(cells())
    assert len(merged) == len(reference) and merged["ref_test"].tolist() == reference["ref_test"].tolist()
    compared = reference_comparison(cells())
    ran = compared[(compared["batch_size"] == 32) & (compared["lr"] == 0.1)].iloc[0]
    ref = reference[(reference["batch_size"] == 32) & (reference["lr"] == 0.1)].iloc[0]
    assert math.isclose(ran["test_diff"], 97.5 - 100 * ref["ref_test"])
    assert math.isclose(ran["train_diff"], 99.0 - 100 * ref["ref_train"])
    assert compared["test_diff"].notna().sum() == 1  # B = 64 is no reference cell; the others were not run


def test_the_reference_table_says_which_cells_were_not_run():
    shown = reference_table(reference_comparison(cells()))
    assert list(shown.columns[:3]) == ["B", "η", "epochs here"]
    assert list(shown.columns[-3:]) == ["train, reference (%)", "train, here (%)", "here − ref. "]
    at = shown[(shown["B"] == 32) & (shown["η"] == 0.1)].iloc[0]
    assert at["epochs here"] == "3" and at["test, here (%)"] == 97.5
    assert (shown["epochs here"] == "not run").sum() == len(shown) - 1
