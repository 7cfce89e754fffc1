"""Task 8's dips of the test accuracy and what the runs say about them: where a run's test
accuracy fell by more than a point in one epoch, whether the training accuracy fell with it,
and whether (and when) the accuracy came back to its level before the dip. "Back" is a rule
on numbers, not a word: within a tolerance (twice the run's fluctuation) of the level before."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

DIP_POINTS = 1.0  # a fall of the test accuracy by more than this many points in one epoch is a dip
COLUMNS = ["model", "seed", "epoch", "fall", "train_fall", "after_below", "back_at", "end_below", "tolerance"]


def tolerances(fluctuation: pd.Series) -> dict[str, float]:
    """The tolerance of "back at a level" per model: twice its fluctuation (points); 0 where it
    is not measured, so that only reaching the level itself counts."""
    return {m: 2 * v if math.isfinite(v) else 0.0 for m, v in fluctuation.items()}


def find_dips(history: pd.DataFrame, tolerance: Mapping[str, float], points: float = DIP_POINTS) -> pd.DataFrame:
    """One row per epoch at which a run's (model, seed) test accuracy fell by more than ``points``
    from the evaluated epoch before, all in points: fall; train_fall (the fall of the training
    accuracy measured at the same two epochs, NaN where either is missing); after_below (how far
    the next evaluated epoch stays below the level before the dip, NaN at the last epoch);
    back_at (the first later epoch within ``tolerance[model]`` of that level, NaN if none);
    end_below (how far the run's last epoch is below that level); tolerance."""
    rows = []
    for (model, seed), h in history.dropna(subset=["test_acc"]).groupby(["model", "seed"], sort=False):
        h = h.sort_values("epoch").reset_index(drop=True)
        acc, train, epochs = 100 * h["test_acc"], 100 * h["train_acc"], h["epoch"].astype(int)
        tol = tolerance.get(model, 0.0)
        for i in range(1, len(h)):
            before = acc.iloc[i - 1]
            if before - acc.iloc[i] <= points:
                continue
            later = acc.iloc[i + 1 :]
            back = later[later >= before - tol]
            rows.append(
                {
                    "model": model,
                    "seed": int(seed),
                    "epoch": int(epochs.iloc[i]),
                    "fall": before - acc.iloc[i],
                    "train_fall": train.iloc[i - 1] - train.iloc[i],
                    "after_below": before - later.iloc[0] if len(later) else math.nan,
                    "back_at": int(epochs[back.index[0]]) if len(back) else math.nan,
                    "end_below": before - acc.iloc[-1],
                    "tolerance": tol,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def training_fell_too(dips: pd.DataFrame) -> pd.Series:
    """Per dip: whether the training accuracy fell with the test accuracy, by at least half as
    many points (the weights themselves got worse, not only on the test images)."""
    return dips["train_fall"] >= dips["fall"] / 2


def band_fall(history: pd.DataFrame, found: pd.DataFrame) -> pd.Series | None:
    """The largest fall of the lower edge of the figure's band (each model's lowest seed at each
    evaluated epoch) from one evaluated epoch to the next, at an epoch that holds none of the dips
    ``found`` (``find_dips``), in points: model, epoch, fall; None when it never falls there. Such
    a fall looks like a dip in the figure while no run fell by more than a dip's points."""
    lowest = history.dropna(subset=["test_acc"]).groupby(["model", "epoch"])["test_acc"].min().reset_index()
    lowest = lowest.sort_values(["model", "epoch"])
    lowest["fall"] = -100 * lowest.groupby("model", sort=False)["test_acc"].diff()
    dipped = set(zip(found["model"], found["epoch"].astype(int), strict=True))
    kept = pd.Series([(m, int(e)) not in dipped for m, e in zip(lowest["model"], lowest["epoch"], strict=True)])
    falls = lowest[kept.to_numpy() & (lowest["fall"] > 0).to_numpy()]
    if falls.empty:
        return None
    return falls.loc[falls["fall"].idxmax(), ["model", "epoch", "fall"]]
