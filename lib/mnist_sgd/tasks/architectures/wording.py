"""Task 8's wording and its rule for telling two values apart, shared by the commentary and the
comparison: lists of model names as prose, a difference's verdict against its noise, a model's
row and its mean at an epoch."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import architectures


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def the_names(names: list[str] | pd.Series) -> str:
    """Model names as prose: 'the first run, the MLP 128 and the CNN'."""
    return and_list([f"the {n}" for n in names])


def cap(text: str) -> str:
    """``text`` with its first letter upper case (a sentence that starts with a list of names)."""
    return text[:1].upper() + text[1:]


def short_name(model: str) -> str:
    """A model's name in prose (``Setup.short``)."""
    return architectures.by_model([model])[0].short


def row_of(stats: pd.DataFrame, model: str) -> pd.Series | None:
    rows = stats[stats["model"] == model]
    return rows.iloc[0] if len(rows) else None


def mean_at(curves: pd.DataFrame, stats: pd.DataFrame, model: str, epoch: int) -> tuple[float, float] | None:
    """A model's mean test accuracy (points) after ``epoch`` and its noise there: the seeds' s.d.
    at that epoch, or the model's noise with one seed; None when it was not evaluated then."""
    c = curves[(curves["model"] == model) & (curves["epoch"] == epoch)]
    if c.empty:
        return None
    sd = 100 * c["sd"].iloc[0]
    row = row_of(stats, model)
    return 100 * c["mean"].iloc[0], sd if math.isfinite(sd) else (row["noise"] if row is not None else math.nan)
