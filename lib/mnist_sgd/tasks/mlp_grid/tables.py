"""Task 7's tables: the seeds of one cell and the grid's cells as the section shows them, and
the hand-made reference cells beside this build's, as rows and as shown."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show import references
from mnist_sgd.show.present import fixed_columns
from mnist_sgd.tasks.mlp_grid.commentary import cell_setting

KEYS = ["batch_size", "lr"]  # what names a cell of the grid


def seeds_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs of one cell as shown, one row per seed (``netplots.with_status``): its status,
    the epoch it diverged in (blank when it did not), the final loss, the accuracies in percent
    and the training time per epoch, under their display names."""
    table = runs[
        ["seed", "status", "diverged_at", "final_train_loss", "final_train_acc", "final_test_acc", "seconds_per_epoch"]
    ].copy()
    table[["final_train_acc", "final_test_acc"]] *= 100
    # None in a column of runs that all went on; NaN beside the epoch of one that diverged
    table["diverged_at"] = table["diverged_at"].map(lambda e: "" if pd.isna(e) else str(int(e)))
    return table.rename(
        columns={
            "diverged_at": "diverged in epoch",
            "final_train_loss": "final training loss",
            "final_train_acc": "final train acc. (%)",
            "final_test_acc": "final test acc. (%)",
            "seconds_per_epoch": "s per epoch (training)",
        }
    )


def seeds_caption(runs: pd.DataFrame) -> str:
    """The caption of ``seeds_table``: the cell, its epochs, and where the figures come from."""
    return (
        f"{cell_setting(runs)}: one row per seed; training time measured; final accuracies on the whole training "
        "and test sets."
    )


def cells_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Every cell run (``netplots.grid_cells``) as shown: accuracies in percent, the two losses
    in one format, the columns under their display names."""
    table = cells[
        [
            *KEYS,
            "status",
            "seeds",
            "epochs",
            "diverged_seeds",
            "test_acc",
            "train_acc",
            "final_loss",
            "loss_epoch1",
            "rises",
            "seconds_per_epoch",
        ]
    ].copy()
    table[["test_acc", "train_acc"]] *= 100
    table["lr"] = table["lr"].map(lambda v: f"{v:g}")
    return fixed_columns(table, ["final_loss", "loss_epoch1"]).rename(
        columns={
            "batch_size": "B",
            "lr": "η",
            "diverged_seeds": "seeds diverged",
            "test_acc": "test acc. (%)",
            "train_acc": "train acc. (%)",
            "final_loss": "final loss",
            "loss_epoch1": "loss after epoch 1",
            "rises": "epochs the loss rose",
            "seconds_per_epoch": "s per epoch",
        }
    )


def reference_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per hand-made reference cell (``references.mlp_grid``, fractions) with this
    build's columns of that cell from ``cells`` (missing when the cell was not run)."""
    return references.mlp_grid().merge(cells, on=KEYS, how="left")


def reference_comparison(cells: pd.DataFrame) -> pd.DataFrame:
    """``reference_cells`` in percent: ref_test, ref_train, this build's test and train, and
    test_diff, train_diff (here minus the reference, in points; NaN where the cell was not run)."""
    compared = reference_cells(cells)
    compared[["ref_test", "ref_train"]] *= 100
    compared["test"] = 100 * compared["test_acc"]
    compared["train"] = 100 * compared["train_acc"]
    compared["test_diff"] = compared["test"] - compared["ref_test"]
    compared["train_diff"] = compared["train"] - compared["ref_train"]
    return compared


def reference_table(compared: pd.DataFrame) -> pd.DataFrame:
    """``reference_comparison`` as shown: the reference and this build side by side, test then
    train, with the epochs each cell ran here ('not run' when it was not)."""
    shown = compared[[*KEYS, "ref_test", "test", "test_diff", "ref_train", "train", "train_diff"]].copy()
    shown.insert(2, "epochs here", compared["epochs"].map(lambda e: "not run" if pd.isna(e) else str(int(e))))
    return shown.rename(
        columns={
            "batch_size": "B",
            "lr": "η",
            "ref_test": "test, reference (%)",
            "test": "test, here (%)",
            "test_diff": "here − ref.",
            "ref_train": "train, reference (%)",
            "train": "train, here (%)",
            # a trailing space: two columns cannot share a name, and both are the difference
            "train_diff": "here − ref. ",
        }
    )
