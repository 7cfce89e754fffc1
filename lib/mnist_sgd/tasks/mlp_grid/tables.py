"""Task 7's tables: the seeds of one cell and the grid's cells as the section shows them, and
the hand-made reference cells beside this build's, as rows and as shown."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mnist_sgd.science.net_runs import rises
from mnist_sgd.show import references
from mnist_sgd.show.present import fixed_columns
from mnist_sgd.tasks.mlp_grid.cell import cell_setting

KEYS = ["batch_size", "lr"]  # what names a cell of the grid


def seeds_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs of one cell as shown, one row per seed (``net_runs.with_status``): its status,
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
    """Every cell run (``grid_cells``) as shown: accuracies in percent, the two losses
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


def grid_cells(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per (batch_size, lr) cell of a grid, means over the seeds that did not diverge.

    ``runs`` needs a ``status`` column (``with_status``). ``status`` of a cell: 'diverged' when
    every seed diverged, 'stuck at chance' when every other seed is stuck, else 'converged'.
    ``loss_epoch1`` is the mean training loss of the first epoch; ``rises`` the mean number
    of epochs in which a seed's training loss went up and ``max_rise`` the largest relative
    rise of any seed; ``completed`` the fewest epochs any non-diverged seed completed;
    ``train_images`` the images of one epoch (``runs`` must have it).
    """
    keys = ["batch_size", "lr"]
    # a learning rate read back from CSV may be an integer column (e.g. all cells at lr 1)
    runs, history = runs.astype({"lr": float}), history.astype({"lr": float})
    ok = runs[~runs["diverged"].astype(bool)]
    noise = []
    for (b, lr, seed), h in history.groupby([*keys, "seed"]):
        count, largest = rises(h.sort_values("epoch")["train_loss"])
        noise.append({"batch_size": b, "lr": lr, "seed": seed, "rises": count, "max_rise": largest, "done": len(h)})
    noise = pd.DataFrame(noise, columns=[*keys, "seed", "rises", "max_rise", "done"])
    noise = noise.merge(ok[[*keys, "seed"]], on=[*keys, "seed"])  # diverged seeds do not count as noise
    first = history[history["epoch"] == 1].groupby(keys)["train_loss"].mean().rename("loss_epoch1")
    cells = runs.groupby(keys).agg(
        seeds=("seed", "size"),
        epochs=("epochs", "max"),
        diverged_seeds=("diverged", "sum"),
        threads=("threads", "max"),
        parallel_jobs=("parallel_jobs", "max"),
        train_images=("train_images", "max"),
        stuck_seeds=("status", lambda v: int((v == "stuck at chance").sum())),
    )
    means = ok.groupby(keys).agg(
        test_acc=("final_test_acc", "mean"),
        test_acc_sd=("final_test_acc", lambda s: s.std(ddof=0)),
        train_acc=("final_train_acc", "mean"),
        final_loss=("final_train_loss", "mean"),
        seconds_per_epoch=("seconds_per_epoch", "mean"),
    )
    # time per epoch measured on every completed epoch, diverged seeds' included
    spe_all = history.groupby(keys)["epoch_seconds"].mean().rename("seconds_per_epoch_all")
    rough = noise.groupby(keys).agg(rises=("rises", "mean"), max_rise=("max_rise", "max"), completed=("done", "min"))
    out = cells.join([means, first, rough, spe_all]).reset_index()
    out["diverged_seeds"] = out["diverged_seeds"].astype(int)
    out["diverged"] = out["diverged_seeds"] == out["seeds"]
    # a cell is stuck when every seed that did not diverge is stuck
    stuck = (out["stuck_seeds"] > 0) & (out["stuck_seeds"] == out["seeds"] - out["diverged_seeds"])
    out["status"] = np.where(out["diverged"], "diverged", np.where(stuck, "stuck at chance", "converged"))
    out["seconds_per_epoch"] = out["seconds_per_epoch"].fillna(out["seconds_per_epoch_all"])
    return out.drop(columns="seconds_per_epoch_all")
