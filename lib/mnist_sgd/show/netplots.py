"""Figures shared by the neural-network notebooks (Tasks 7 and 8): a line style per learning
rate, diverged runs marked instead of failing the figure, the heat map of a grid and its
colour scale. The runs' tables and what is read from them are ``science/net_runs.py``."""

from __future__ import annotations

import math
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


def heatmap(ax, cells: pd.DataFrame, value: str, title: str, vmin: float | None = None, vmax: float | None = None):
    """Batch size (rows) x learning rate (columns) of ``value`` (a fraction), annotated in %.

    ``cells`` has one row per grid cell with ``batch_size``, ``lr``, ``value`` and
    ``diverged`` (all seeds diverged), optionally ``diverged_seeds``, ``seeds`` and ``status``
    (see ``grid_cells``). The axes span every batch size and learning rate present; a cell that
    was not run reads 'not run', a diverged one 'diverged'. A cell stuck at chance is hatched and
    annotated, and kept off the colour scale: at ~10% it would stretch the scale so far that
    the differences between the cells that learnt (a few points) vanish.
    """
    batches = sorted(cells["batch_size"].unique())
    lrs = sorted(cells["lr"].unique())
    grid = np.full((len(batches), len(lrs)), np.nan)
    text = [["not run"] * len(lrs) for _ in batches]
    for row in cells.itertuples(index=False):
        i, j = batches.index(row.batch_size), lrs.index(row.lr)
        v = getattr(row, value)
        stuck = getattr(row, "status", "") == "stuck at chance"
        if row.diverged:
            text[i][j] = "diverged"
        elif stuck:
            text[i][j] = f"{100 * v:.2f}%\nstuck at chance"
            ax.add_patch(
                mpl.patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor=plots.DIVERGED, lw=0)
            )
        elif math.isfinite(v):
            grid[i, j] = 100 * v
            text[i][j] = f"{100 * v:.2f}%"
        else:
            text[i][j] = "n/a"
        some = getattr(row, "diverged_seeds", 0)
        if not row.diverged and some:
            text[i][j] += f"\n({some} of {row.seeds} diverged)"
    cmap = mpl.colormaps["viridis"].with_extremes(bad="#eeeeee")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    norm = image.norm
    for i in range(len(batches)):
        for j in range(len(lrs)):
            v = grid[i, j]
            dark = math.isfinite(v) and norm(v) < 0.6
            shown = math.isfinite(v) or "stuck" in text[i][j]
            ax.text(
                j,
                i,
                text[i][j],
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else ("black" if shown else plots.DIVERGED),
            )
    ax.set_xticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
    ax.set_yticks(range(len(batches)), [str(b) for b in batches])
    ax.set(xlabel="learning rate η", ylabel="batch size B", title=title)
    ax.grid(False)
    return image


def colour_limits(cells: pd.DataFrame, columns: list[str]) -> tuple[float, float]:
    """Colour-scale limits in % from the cells that learnt (status 'converged'), so a cell
    stuck at chance does not swamp the scale; (0, 100) when there are none."""
    ok = cells[cells["status"] == "converged"] if "status" in cells else cells
    values = pd.concat([ok[c] for c in columns]).dropna()
    return (100 * values.min(), 100 * values.max()) if len(values) else (0.0, 100.0)
