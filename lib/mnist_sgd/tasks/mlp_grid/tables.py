"""Task 7's tables of the grid, read by its summary: the grid's cells as the section shows them
(and as its heat map labels them), the hand-made reference cells beside this build's, as rows
and as shown, and the epochs whose loss the loss figure cannot show. A cell's numbers are means
over all its seeds, each scored at the end of its run (a run that diverged as it stopped), with
their sample standard deviation (NaN for one seed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science.net_runs import CONVERGED, rises
from mnist_sgd.show import references
from mnist_sgd.tasks.mlp_grid.cell import KEYS, LOSS, status_counts

CLASSES = 10
# The loss figure's axis ends a little above ln 10, the loss of uniform outputs: a run stuck at
# chance sits just under it, a run that learns below it; a loss above it is a run blowing up,
# which on a log axis of 1e14 would squash every curve that learns.
LOSS_TOP = 1.5 * math.log(CLASSES)


def pm(mean: float, sd: float, digits: int = 2) -> str:
    """'98.39 ± 0.05', or the mean alone when there is no s.d. (one seed); '' when missing.
    No-break spaces keep a table cell on one line."""
    if not math.isfinite(mean):
        return ""
    return f"{mean:.{digits}f}" + (f"\u00a0±\u00a0{sd:.{digits}f}" if math.isfinite(sd) else "")


def _seed_rises(history: pd.DataFrame) -> pd.DataFrame:
    """Per seed of each cell: the epochs its loss rose (``net_runs.rises``), the largest rise and
    the epochs it completed."""
    rows = []
    for (b, lr, seed), h in history.groupby([*KEYS, "seed"]):
        count, largest = rises(h.sort_values("epoch")[LOSS])
        rows.append({"batch_size": b, "lr": lr, "seed": seed, "rises": count, "max_rise": largest, "done": len(h)})
    return pd.DataFrame(rows, columns=[*KEYS, "seed", "rises", "max_rise", "done"])


def _sd(values: pd.Series) -> float:
    """Sample standard deviation; NaN for fewer than two values."""
    values = values.dropna()
    return float(values.std(ddof=1)) if len(values) >= 2 else math.nan


def grid_cells(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per (batch_size, lr) cell of a grid.

    ``runs``: one row per seed with ``status`` (``net_runs.with_status``), final accuracies
    (scored at the end, a diverged run as it stopped), ``seconds_per_epoch`` and ``train_images``.
    Each value ``v`` below is the mean over the cell's seeds with ``v_sd`` its sample s.d.
    (NaN for one seed): ``test_acc``, ``train_acc``, ``gap`` (train - test, points),
    ``loss_epoch1`` (the loss after the first epoch), ``rises`` (the epochs a seed's loss rose,
    ``net_runs.rises``), ``seconds_per_epoch``. Also: ``status`` (``status_counts``),
    ``all_converged``, ``converged_seeds``, ``diverged_seeds``, ``diverged`` (every seed diverged),
    ``max_rise`` (the largest rise of any seed), ``rose_seeds`` (seeds whose loss rose at least
    once), ``completed`` (the fewest epochs a seed completed), ``final_loss`` (mean over the seeds
    that did not diverge).
    """
    # a learning rate read back from CSV may be an integer column (e.g. all cells at lr 1)
    runs, history = runs.astype({"lr": float}), history.astype({"lr": float})
    per_seed = runs.merge(_seed_rises(history), on=[*KEYS, "seed"], how="left")
    first = history[history["epoch"] == 1][[*KEYS, "seed", LOSS]].rename(columns={LOSS: "loss1"})
    per_seed = per_seed.merge(first, on=[*KEYS, "seed"], how="left")
    per_seed["gap"] = 100 * (per_seed["final_train_acc"] - per_seed["final_test_acc"])
    per_seed["diverged"] = per_seed["diverged"].astype(bool)
    rows = []
    for (b, lr), c in per_seed.groupby(KEYS):
        row = {
            "batch_size": b,
            "lr": lr,
            "seeds": len(c),
            "epochs": int(c["epochs"].max()),
            "status": status_counts(c["status"]),
            "converged_seeds": int((c["status"] == CONVERGED).sum()),
            "diverged_seeds": int(c["diverged"].sum()),
            "threads": c["threads"].max(),
            "parallel_jobs": c["parallel_jobs"].max(),
            "train_images": int(c["train_images"].max()),
            "final_loss": c.loc[~c["diverged"], "final_train_loss"].mean(),
            "max_rise": c["max_rise"].max(),
            "rose_seeds": int((c["rises"] > 0).sum()),
            "completed": c["done"].min(),
        }
        for name, column in [
            ("test_acc", "final_test_acc"),
            ("train_acc", "final_train_acc"),
            ("gap", "gap"),
            ("loss_epoch1", "loss1"),
            ("rises", "rises"),
            ("seconds_per_epoch", "seconds_per_epoch"),
        ]:
            row[name], row[f"{name}_sd"] = c[column].mean(), _sd(c[column])
        rows.append(row)
    out = pd.DataFrame(rows)
    out["all_converged"] = out["converged_seeds"] == out["seeds"]
    out["diverged"] = out["diverged_seeds"] == out["seeds"]
    return out


def cells_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Every cell run (``grid_cells``) as shown: mean ± s.d. over the seeds (the mean alone for
    one seed), accuracies in percent, the columns under their display names."""
    shown = pd.DataFrame(
        {
            "B": cells["batch_size"].astype(int),
            "η": cells["lr"].map(lambda v: f"{v:g}"),
            "seeds": cells["seeds"],
            "status": cells["status"],
        }
    )
    for name, column, scale, digits in [
        ("test acc. (%)", "test_acc", 100, 2),
        ("train acc. (%)", "train_acc", 100, 2),
        ("train − test (points)", "gap", 1, 2),
        ("loss after epoch 1", "loss_epoch1", 1, 3),
        ("epochs the loss rose", "rises", 1, 1),
        ("s per epoch", "seconds_per_epoch", 1, 2),
    ]:
        shown[name] = [
            pm(scale * m, scale * s, digits) for m, s in zip(cells[column], cells[f"{column}_sd"], strict=True)
        ]
    return shown


def short_status(converged: int, stuck: int, diverged: int) -> str:
    """A cell's seeds by outcome in a word each: 'stuck', '2 converged, 1 diverged'."""
    present = [(n, word) for n, word in ((converged, "converged"), (stuck, "stuck"), (diverged, "diverged")) if n]
    return present[0][1] if len(present) == 1 else ", ".join(f"{n} {word}" for n, word in present)


def heatmap_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` (``grid_cells``) with each status short enough for a cell of the heat map (the
    table under it gives them in full): ``short_status``, 'stuck' standing for stuck at chance
    and 'diverged' for either way of diverging, learnt first or not."""
    stuck = cells["seeds"] - cells["converged_seeds"] - cells["diverged_seeds"]
    counts = zip(cells["converged_seeds"], stuck, cells["diverged_seeds"], strict=True)
    return cells.assign(status=[short_status(int(c), int(s), int(d)) for c, s, d in counts])


def loss_axis_top(history: pd.DataFrame) -> float:
    """Where the loss figure's axis ends: a quarter above the largest finite loss, but no higher
    than ``LOSS_TOP`` (a loss above it is drawn as a mark on the top edge, ``off_axis``) and no
    lower than a tenth above ln 10, so that the line of uniform outputs is always on the axis."""
    finite = history[LOSS][np.isfinite(history[LOSS])]
    highest = 1.25 * float(finite.max()) if len(finite) else LOSS_TOP
    return max(1.1 * math.log(CLASSES), min(LOSS_TOP, highest))


def off_axis(history: pd.DataFrame, top: float) -> pd.DataFrame:
    """The epochs whose finite training loss is above ``top``, the runs' keys first: batch_size,
    lr, seed, epoch and the loss (``LOSS``), in the order of the runs and their epochs."""
    above = history[np.isfinite(history[LOSS]) & (history[LOSS] > top)]
    return above[[*KEYS, "seed", "epoch", LOSS]].sort_values([*KEYS, "seed", "epoch"]).reset_index(drop=True)


def reference_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per hand-made reference cell (``references.mlp_grid``, fractions) with this
    build's columns of that cell from ``cells`` (missing when the cell was not run)."""
    return references.mlp_grid().merge(cells, on=KEYS, how="left")


def reference_comparison(cells: pd.DataFrame) -> pd.DataFrame:
    """``reference_cells`` in percent: ref_test, ref_train, this build's test and train (means
    over every seed, with test_sd_pts and train_sd_pts), test_diff, train_diff (here minus the
    reference, in points; NaN where the cell was not run) and failed (the seeds that did not
    converge)."""
    compared = reference_cells(cells)
    compared["failed"] = compared["seeds"] - compared["converged_seeds"]
    compared[["ref_test", "ref_train"]] *= 100
    for side in ("test", "train"):
        compared[side] = 100 * compared[f"{side}_acc"]
        compared[f"{side}_sd_pts"] = 100 * compared.get(f"{side}_acc_sd", pd.Series(math.nan, index=compared.index))
        compared[f"{side}_diff"] = compared[side] - compared[f"ref_{side}"]
    return compared


def reference_table(compared: pd.DataFrame) -> pd.DataFrame:
    """``reference_comparison`` as shown: the reference and this build side by side, test then
    train (mean ± s.d. over every seed here, those that failed included), with the seeds each
    cell ran here and how many failed ('3, 1 failed'; 'not run' when it was not)."""

    def seeds(n: float, failed: float) -> str:
        return "not run" if pd.isna(n) else f"{int(n)}" + (f", {int(failed)} failed" if failed else "")

    def here(side: str) -> list[str]:
        return [pm(m, s) for m, s in zip(compared[side], compared[f"{side}_sd_pts"], strict=True)]

    return pd.DataFrame(
        {
            "B": compared["batch_size"].astype(int),
            "η": compared["lr"].map(lambda v: f"{v:g}"),
            "seeds here": [seeds(n, f) for n, f in zip(compared["seeds"], compared["failed"], strict=True)],
            "test, reference (%)": compared["ref_test"].map(lambda v: f"{v:.2f}"),
            "test, here (%)": here("test"),
            "here − ref.": compared["test_diff"].map(lambda v: "" if pd.isna(v) else f"{v:+.2f}"),
            "train, reference (%)": compared["ref_train"].map(lambda v: f"{v:.2f}"),
            "train, here (%)": here("train"),
            # a trailing space: two columns cannot share a name, and both are the difference
            "here − ref. ": compared["train_diff"].map(lambda v: "" if pd.isna(v) else f"{v:+.2f}"),
        }
    )
