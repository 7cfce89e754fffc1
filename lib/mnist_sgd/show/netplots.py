"""Tables, figures and wording shared by the neural-network notebooks (Tasks 7 and 8).

The runs of ``nets.train`` become two tidy tables (one row per run, one row per run and
epoch) tagged with the conditions the times were measured under; figures mark diverged
runs instead of failing on them; numbers are formatted for prose in one place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd

from mnist_sgd.science import nets
from mnist_sgd.show import plots, provenance
from mnist_sgd.show.present import pct

LINESTYLES = ["-", "--", ":", "-."]


def conditions() -> dict[str, Any]:
    """Under what the training times are measured: torch threads, device, parallel jobs."""
    return provenance.run_conditions(str(nets.device()))


def runs_table(runs: Iterable[nets.NetRun], cond: dict[str, Any], **extra: Any) -> pd.DataFrame:
    """One row per run: ``NetRun.summary()``, the conditions and any ``extra`` columns."""
    return pd.DataFrame([{**extra, **run.summary(), **cond} for run in runs])


def with_status(runs: pd.DataFrame, majority: float) -> pd.DataFrame:
    """``runs`` (one row per run) with a ``status`` column from ``nets.run_status``."""
    status = [
        nets.run_status(bool(r.diverged), r.final_train_loss, r.final_train_acc, majority)
        for r in runs.itertuples(index=False)
    ]
    return runs.assign(status=status)


def history_table(runs: Iterable[nets.NetRun], **extra: Any) -> pd.DataFrame:
    """One row per run and completed epoch, with the run's configuration as columns."""
    frames = []
    for run in runs:
        keys = {**extra, "arch": run.arch, "seed": run.seed, "batch_size": run.batch_size, "lr": run.lr}
        frames.append(run.history.assign(**keys)[[*keys, *nets.HISTORY_COLUMNS]])
    return pd.concat(frames, ignore_index=True)


def mean_spread(values: pd.Series, digits: int = 2) -> str:
    """Mean of fractions as a percentage, with ± s.d. and the count when there are several."""
    values = values.dropna()
    if values.empty:
        return "n/a"
    if len(values) == 1:
        return pct(values.iloc[0], digits)
    return f"{pct(values.mean(), digits)} ± {100 * values.std(ddof=0):.{digits}f} (s.d. over {len(values)} seeds)"


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


def rises(losses: pd.Series) -> tuple[int, float]:
    """Epochs in which the training loss went up, and the largest relative rise (0 if none)."""
    values = losses.dropna().to_numpy(dtype=float)
    if len(values) < 2:
        return 0, 0.0
    change = np.diff(values) / values[:-1]
    up = change[change > 0]
    return int(len(up)), float(up.max()) if len(up) else 0.0


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


def colour_limits(cells: pd.DataFrame, columns: list[str]) -> tuple[float, float]:
    """Colour-scale limits in % from the cells that learnt (status 'converged'), so a cell
    stuck at chance does not swamp the scale; (0, 100) when there are none."""
    ok = cells[cells["status"] == "converged"] if "status" in cells else cells
    values = pd.concat([ok[c] for c in columns]).dropna()
    return (100 * values.min(), 100 * values.max()) if len(values) else (0.0, 100.0)


def epoch_noise(history: pd.DataFrame, last: int = 5, keys: tuple[str, ...] = ("batch_size", "lr", "seed")) -> float:
    """What one seed can resolve: the median over runs of the standard deviation of the test
    accuracy (in points) over each run's last ``last`` evaluated epochs. Late in training the
    accuracy barely trends, so this spread is mostly the epoch-to-epoch noise of one run;
    NaN when no run has ``last`` evaluated epochs."""
    spreads = []
    for _, h in history.dropna(subset=["test_acc"]).groupby(list(keys)):
        tail = h.sort_values("epoch")["test_acc"].tail(last)
        if len(tail) == last:
            spreads.append(100 * tail.std(ddof=1))
    return float(np.median(spreads)) if spreads else math.nan


def dips(history: pd.DataFrame, by: str = "model", points: float = 1.0) -> pd.DataFrame:
    """Epochs where a run's test accuracy fell more than ``points`` below the epoch before:
    columns ``by``, epoch, test_acc, before, after (the next evaluated epoch, NaN at the end),
    back_at (the first later epoch at or above ``before``, NaN if none)."""
    rows = []
    for key, h in history.dropna(subset=["test_acc"]).groupby(by, sort=False):
        acc = h.sort_values("epoch").set_index("epoch")["test_acc"]
        epochs = acc.index.tolist()
        for i in range(1, len(epochs)):
            if 100 * (acc.iloc[i - 1] - acc.iloc[i]) > points:
                after = acc.iloc[i + 1] if i + 1 < len(epochs) else math.nan
                later = acc.iloc[i + 1 :]
                back = later[later >= acc.iloc[i - 1]]
                rows.append(
                    {
                        by: key,
                        "epoch": epochs[i],
                        "test_acc": acc.iloc[i],
                        "before": acc.iloc[i - 1],
                        "after": after,
                        "back_at": back.index[0] if len(back) else math.nan,
                    }
                )
    return pd.DataFrame(rows, columns=[by, "epoch", "test_acc", "before", "after", "back_at"])
