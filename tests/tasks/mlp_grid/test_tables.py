"""Task 7's tables follow the cells they are given; a cell's status, and the colour scale a stuck cell does not swamp."""

from __future__ import annotations

import math

import pandas as pd
from made_up import grid

from mnist_sgd.show import netplots, references
from mnist_sgd.tasks.mlp_grid import tables as mlp_tables
from mnist_sgd.tasks.mlp_grid.tables import (
    cells_table,
    reference_cells,
    reference_comparison,
    reference_table,
    seeds_caption,
    seeds_table,
)


def test_cells_carry_the_status_and_the_colour_scale_ignores_the_stuck_cell():
    r, history = grid()
    assert r.loc[(r["batch_size"] == 8) & (r["lr"] == 1.0), "status"].item() == "stuck at chance"
    cells = mlp_tables.grid_cells(r, history)
    assert cells.set_index(["batch_size", "lr"]).loc[(8, 1.0), "status"] == "stuck at chance"
    assert (cells["status"] == "converged").sum() == 5
    lo, hi = netplots.colour_limits(cells, ["test_acc"])
    assert lo == 92.0 and abs(hi - 98.2) < 1e-9  # not 10.09


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


def seeds(diverged_at: list) -> pd.DataFrame:
    """Two seeds of the cell B = 128, η = 0.1, 3 epochs; ``diverged_at`` as the runs table holds it."""
    return pd.DataFrame(
        {
            "seed": [0, 1],
            "batch_size": [128, 128],
            "lr": [0.1, 0.1],
            "epochs": [3, 3],
            "status": ["converged", "diverged" if diverged_at[1] is not None else "converged"],
            "diverged_at": diverged_at,
            "final_train_loss": [0.05, math.nan if diverged_at[1] is not None else 0.06],
            "final_train_acc": [0.99, math.nan if diverged_at[1] is not None else 0.985],
            "final_test_acc": [0.975, math.nan if diverged_at[1] is not None else 0.97],
            "seconds_per_epoch": [2.0, 1.5],
        }
    )


def test_the_seeds_table_shows_percentages_and_the_epoch_a_seed_diverged_in():
    shown = seeds_table(seeds([None, 2]))
    assert list(shown.columns) == [
        "seed",
        "status",
        "diverged in epoch",
        "final training loss",
        "final train acc. (%)",
        "final test acc. (%)",
        "s per epoch (training)",
    ]
    assert shown["diverged in epoch"].tolist() == ["", "2"]  # pandas holds the None beside an epoch as NaN
    assert shown["final test acc. (%)"].tolist()[0] == 97.5 and math.isnan(shown["final train acc. (%)"].iloc[1])
    # no seed diverged: the column holds None only, and stays blank
    assert seeds_table(seeds([None, None]))["diverged in epoch"].tolist() == ["", ""]


def test_the_seeds_caption_names_the_cell_and_its_epochs():
    assert seeds_caption(seeds([None, None])).startswith("B = 128, η = 0.1, 3 epochs: one row per seed;")
    assert seeds_caption(seeds([None, None]).assign(epochs=1)).startswith("B = 128, η = 0.1, 1 epoch:")
