"""Figures shared by the neural-network notebooks (Tasks 7 and 8): a line style per learning
rate, diverged runs marked instead of failing the figure, the heat map of a grid (mean ± s.d.
over the seeds, a cell that did not converge on every seed hatched) and its colour scale. The runs' tables and what is read from them are ``science/net_runs.py``."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import matplotlib as mpl
import numpy as np
import pandas as pd

from mnist_sgd.show import plots

LINESTYLES = ["-", "--", ":", "-."]


def lr_styles(lrs: Iterable[float]) -> dict[float, str]:
    """A line style per learning rate, in increasing order of the rate."""
    return {lr: LINESTYLES[i % len(LINESTYLES)] for i, lr in enumerate(sorted(set(lrs)))}


def mark_diverged(ax, runs: pd.DataFrame, color: str = plots.DIVERGED, label: str | None = "diverged") -> None:
    """A cross at the top of ``ax`` at the epoch each diverged run stopped in."""
    bad = runs[runs["diverged"].astype(bool)]
    if bad.empty:
        return
    ax.plot(
        bad["diverged_at"].astype(float),
        [0.97] * len(bad),
        "x",
        ms=9,
        mew=2,
        color=color,
        transform=ax.get_xaxis_transform(),
        label=label,
        clip_on=False,
    )


def _learnt(row) -> bool:
    """Whether a cell of ``heatmap`` goes on the colour scale: every seed converged."""
    every = getattr(row, "all_converged", None)
    return bool(every) if every is not None else getattr(row, "status", "converged") == "converged"


def heatmap(ax, cells: pd.DataFrame, value: str, title: str, vmin: float | None = None, vmax: float | None = None):
    """Batch size (rows) x learning rate (columns) of ``value`` (a fraction), annotated in %.

    ``cells`` has one row per grid cell with ``batch_size``, ``lr`` and ``value``, optionally
    ``<value>_sd`` (annotated as ± for a cell of several ``seeds``), ``status`` and
    ``all_converged`` (see ``grid_cells``). The axes span every batch size and learning rate
    present; a cell that was not run reads 'not run'. A cell where some seed did not converge
    (stuck at chance, diverged) is hatched, annotated with its value and status, and kept off
    the colour scale: at ~10% it would stretch the scale so far that the differences between
    the cells that learnt (a few points) vanish.
    """
    batches = sorted(cells["batch_size"].unique())
    lrs = sorted(cells["lr"].unique())
    grid = np.full((len(batches), len(lrs)), np.nan)
    text = [["not run"] * len(lrs) for _ in batches]
    for row in cells.itertuples(index=False):
        i, j = batches.index(row.batch_size), lrs.index(row.lr)
        v = getattr(row, value)
        sd = getattr(row, f"{value}_sd", math.nan)
        shown = f"{100 * v:.2f}%" + (
            f"\n± {100 * sd:.2f}" if getattr(row, "seeds", 1) > 1 and math.isfinite(sd) else ""
        )
        if not math.isfinite(v):
            text[i][j] = "n/a"
        elif _learnt(row):
            grid[i, j] = 100 * v
            text[i][j] = shown
        else:
            # one line per status of the mix: '2 converged,\n1 learnt, then diverged'
            status = re.sub(r", (?=\d)", ",\n", str(getattr(row, "status", "did not converge")))
            text[i][j] = f"{shown}\n{status}"
            ax.add_patch(
                mpl.patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor=plots.DIVERGED, lw=0)
            )
    cmap = mpl.colormaps["viridis"].with_extremes(bad="#eeeeee")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    norm = image.norm
    for i in range(len(batches)):
        for j in range(len(lrs)):
            v = grid[i, j]
            dark = math.isfinite(v) and norm(v) < 0.6
            run = text[i][j] not in ("not run", "n/a")
            ax.text(
                j,
                i,
                text[i][j],
                ha="center",
                va="center",
                fontsize=8 if "\n" in text[i][j] and not math.isfinite(v) else 9,
                color="white" if dark else ("black" if run else plots.DIVERGED),
            )
    ax.set_xticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
    ax.set_yticks(range(len(batches)), [str(b) for b in batches])
    ax.set(xlabel="learning rate η", ylabel="batch size B", title=title)
    ax.grid(False)
    return image


def colour_limits(cells: pd.DataFrame, columns: list[str]) -> tuple[float, float]:
    """Colour-scale limits in % from the cells that learnt (every seed converged: ``all_converged``,
    else status 'converged'), so a cell stuck at chance does not swamp the scale; (0, 100) when
    there are none."""
    if "all_converged" in cells:
        ok = cells[cells["all_converged"].astype(bool)]
    else:
        ok = cells[cells["status"] == "converged"] if "status" in cells else cells
    values = pd.concat([ok[c] for c in columns]).dropna()
    return (100 * values.min(), 100 * values.max()) if len(values) else (0.0, 100.0)
