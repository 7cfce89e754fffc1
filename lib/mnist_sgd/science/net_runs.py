"""A network's runs as tidy tables (one row per run, one per run and epoch, tagged with the
conditions their times were measured under), and what is read from them: status, rises
of the loss, epoch-to-epoch noise, dips of the test accuracy."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from mnist_sgd.science import nets
from mnist_sgd.show import provenance


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


def rises(losses: pd.Series) -> tuple[int, float]:
    """Epochs in which the training loss went up, and the largest relative rise (0 if none)."""
    values = losses.dropna().to_numpy(dtype=float)
    if len(values) < 2:
        return 0, 0.0
    change = np.diff(values) / values[:-1]
    up = change[change > 0]
    return int(len(up)), float(up.max()) if len(up) else 0.0


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
