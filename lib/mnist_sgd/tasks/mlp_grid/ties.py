"""When Task 7 ranks two cells, and when it calls them tied.

Each value of a cell is a mean over its seeds with its sample s.d.; its range is mean ± s.d.
Two cells are ranked only when their ranges do not overlap, otherwise they are tied. Only a cell
run with several seeds that all converged is ranked: a single run cannot show how often a
setting fails (at a rate where other cells' seeds diverged, one run that converged says that a
run can, not how often), and the seeds that survive a setting where others failed are a
selection. Such cells are shown beside a ranking, marked as not ranked.

A hand-made figure is one run too; it is compared with a cell by ``hand``, which gives it the
largest s.d. any ranked cell's seeds showed (``borrowed_sd``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

NAMES = {"lr": "η", "batch_size": "B"}


def comparison_rule() -> str:
    """The rule in one plain sentence, said once, where the section first compares two cells."""
    return (
        "Two cells are compared by their mean ± standard deviation over the seeds: one is called higher or lower "
        "only when the two ranges do not overlap, and tied otherwise. A cell run with one seed, or where some seed "
        "failed, is shown but not ranked: one run cannot show how often a setting fails, and the seeds left where "
        "others failed are a selection."
    )


def rankable(rows: pd.DataFrame) -> pd.Series:
    """Which rows may be ranked: several seeds, every one converged."""
    return (rows["seeds"] >= 2) & rows["all_converged"].astype(bool)


def borrowed_sd(cells: pd.DataFrame, column: str) -> float:
    """The s.d. a single run's value of ``column`` (a hand-made figure) is given: the largest
    ``<column>_sd`` among the ranked cells (the widest spread the seeds showed); NaN when there is
    none."""
    sds = cells.loc[rankable(cells), f"{column}_sd"].dropna()
    return float(sds.max()) if len(sds) else math.nan


def separated(a: float, a_half: float, b: float, b_half: float) -> bool:
    """Whether the ranges a ± a_half and b ± b_half do not overlap; False when a half-width
    is unknown (NaN): nothing is ranked without a spread to judge it by."""
    widths = a_half + b_half
    return math.isfinite(widths) and abs(a - b) > widths


@dataclass
class Ranking:
    """The rankable rows of one comparison ordered by their mean, highest first (or lowest, for
    a loss): ``best`` the first row, ``tied`` the others whose range overlaps the best's,
    ``behind`` those separated from it."""

    best: pd.Series
    tied: pd.DataFrame
    behind: pd.DataFrame

    @property
    def unique(self) -> bool:
        """Whether the best is separated from every other row."""
        return self.tied.empty


def rank(rows: pd.DataFrame, column: str, highest: bool = True) -> Ranking | None:
    """The ``rankable`` rows of ``rows`` (with ``column``, ``<column>_sd``, ``seeds``,
    ``all_converged``) ranked by ``column``, each by its own s.d.; None for fewer than two."""
    rows = rows[rankable(rows)].dropna(subset=[column]).sort_values(column, ascending=not highest)
    if len(rows) < 2:
        return None
    best = rows.iloc[0]
    sd = f"{column}_sd"
    apart = [separated(best[column], best[sd], r[column], r[sd]) for _, r in rows.iloc[1:].iterrows()]
    others = rows.iloc[1:]
    mask = pd.Series(apart, index=others.index, dtype=bool)
    return Ranking(best, others[~mask], others[mask])


def said(mean: float, sd: float, seeds: int, percent: bool = False, digits: int = 2) -> str:
    """A cell's value for prose: '98.39% ± 0.05' (fractions shown in percent when ``percent``),
    the value alone when there is no s.d. (one seed); ``digits`` 0 for significant digits:
    '0.338 ± 0.004'."""
    scale, unit = (100, "%") if percent else (1, "")
    m, s = scale * mean, scale * sd
    value = f"{m:.{digits}f}{unit}" if digits else f"{m:.3g}{unit}"
    if seeds < 2 or not math.isfinite(s):
        return value
    return f"{value} ± {s:.{digits}f}" if digits else f"{value} ± {s:.1g}"


def name(row: pd.Series, key: str) -> str:
    """What names a row in a comparison: 'η = 0.1', 'B = 32', or for ``key`` 'cell' both."""
    if key == "cell":
        return f"B = {int(row['batch_size'])}, η = {row['lr']:g}"
    return f"{NAMES[key]} = {row[key]:g}"


def ranking_text(
    rows: pd.DataFrame,
    key: str,
    column: str,
    percent: bool = False,
    highest: bool = True,
    digits: int | None = None,
    values: bool = True,
) -> str | None:
    """'highest at η = 0.1 (98.39% ± 0.05), tied with η = 0.01 (98.30% ± 0.08), ahead of η = 1
    (95.62% ± 0.12)' by ``rank``; for ``highest`` False: 'lowest at ..., below ...'. ``key`` names
    the rows (``name``). Values with ``digits`` decimals (``said``; by default 2 in percent, else
    significant digits), left out when not ``values`` (a table beside the text shows them). None
    for fewer than two rankable rows."""
    r = rank(rows, column, highest)
    if r is None:
        return None
    digits = (2 if percent else 0) if digits is None else digits

    def one(row: pd.Series) -> str:
        if not values:
            return name(row, key)
        return f"{name(row, key)} ({said(row[column], row[f'{column}_sd'], int(row['seeds']), percent, digits)})"

    text = f"{'highest' if highest else 'lowest'} at {one(r.best)}"
    if not r.tied.empty:
        text += ", tied with " + " and ".join(one(row) for _, row in r.tied.iterrows())
    if not r.behind.empty:
        text += f", {'ahead of' if highest else 'below'} " + " and ".join(one(row) for _, row in r.behind.iterrows())
    return text
