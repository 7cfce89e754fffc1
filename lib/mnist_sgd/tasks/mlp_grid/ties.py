"""When Task 7 ranks two values, and when it calls them tied.

Each value is a mean over seeds with its sample s.d.; its interval is mean ± s.d. Two values
are ranked only when their intervals do not overlap, otherwise they are tied. A value of one
run (a cell run with one seed, or a hand-made figure) has no s.d. of its own: it is assumed to
have the largest s.d. among the cells run with several seeds, every seed converged (the widest
spread the seeds showed), and the prose shows that assumed s.d. beside it, so that every tie
can be checked against the two intervals; when there is none, a one-run value is tied with
every other. The final accuracies of a cell where some seed did not converge are not ranked:
their mean mixes runs that learnt with runs that failed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd


def borrowed_sd(cells: pd.DataFrame, column: str) -> float:
    """The s.d. a one-run value of ``column`` is given: the largest ``<column>_sd`` among the
    cells with two or more seeds, all converged; NaN when there is none."""
    several = cells[(cells["seeds"] >= 2) & cells["all_converged"].astype(bool)]
    sds = several[f"{column}_sd"].dropna()
    return float(sds.max()) if len(sds) else math.nan


def half_widths(cells: pd.DataFrame, column: str, borrowed: float) -> pd.Series:
    """The half-width of each cell's interval: its own s.d., or ``borrowed`` for one seed."""
    own = cells[f"{column}_sd"]
    return own.where(cells["seeds"] >= 2, borrowed)


def separated(a: float, a_half: float, b: float, b_half: float) -> bool:
    """Whether the intervals a ± a_half and b ± b_half do not overlap; False when a half-width
    is unknown (NaN): nothing is ranked without a spread to judge it by."""
    widths = a_half + b_half
    return math.isfinite(widths) and abs(a - b) > widths


@dataclass
class Ranking:
    """Rows of one comparison ordered by their mean, highest first (or lowest, for a loss):
    ``best`` the first row, ``tied`` the others whose interval overlaps the best's, ``behind``
    those separated from it."""

    best: pd.Series
    tied: pd.DataFrame
    behind: pd.DataFrame

    @property
    def unique(self) -> bool:
        """Whether the best is separated from every other row."""
        return self.tied.empty


def rank(rows: pd.DataFrame, column: str, borrowed: float, highest: bool = True) -> Ranking | None:
    """``rows`` (two or more, with ``column``, ``<column>_sd`` and ``seeds``) ranked by ``column``;
    None for fewer than two rows with a value."""
    rows = rows.dropna(subset=[column])
    if len(rows) < 2:
        return None
    rows = rows.assign(_half=half_widths(rows, column, borrowed)).sort_values(column, ascending=not highest)
    best = rows.iloc[0]
    apart = [separated(best[column], best["_half"], r[column], r["_half"]) for _, r in rows.iloc[1:].iterrows()]
    others = rows.iloc[1:].drop(columns="_half")
    mask = pd.Series(apart, index=others.index, dtype=bool)
    return Ranking(best.drop("_half"), others[~mask], others[mask])


def tie_rule(borrowed_points: float) -> str:
    """The rule in words, once for the whole section, with the s.d. a one-run final test
    accuracy is assumed to have (in points)."""
    given = (
        f"for the final test accuracy, {borrowed_points:.2f} points"
        if math.isfinite(borrowed_points)
        else "none here: no cell ran several seeds that all converged, so a one-run value is tied with every other"
    )
    return (
        "two values are *ranked* (higher, lower, above, below, ahead of) only when their intervals, mean ± s.d. "
        "over the seeds, do not overlap, and are *tied* otherwise, however far apart their means; a value of one run "
        "(a cell run with one seed, or a hand-made figure) is assumed to have the largest s.d. of the same quantity "
        f"among the cells run with several seeds that all converged, shown as '± s.d. assumed' beside it ({given}); "
        "the final accuracies of a cell where some seed did not converge are not ranked, as their mean mixes runs "
        "that learnt with runs that failed"
    )


NAMES = {"lr": "η", "batch_size": "B"}


def said(mean: float, sd: float, seeds: int, percent: bool = False, digits: int = 2, assumed: float = math.nan) -> str:
    """A cell's value for prose: '98.39% ± 0.05' (fractions shown in percent when ``percent``),
    for one seed the value with '1 seed' and, when the value is ranked, the s.d. it is
    ``assumed`` to have ('97.90%, 1 seed, ± 0.06 assumed'); significant digits for other
    amounts when ``digits`` is 0: '0.338 ± 0.004'."""
    scale, unit = (100, "%") if percent else (1, "")
    m, s = scale * mean, scale * sd

    def spread(value: float) -> str:
        return f"{value:.{digits}f}" if digits else f"{value:.1g}"

    value = f"{m:.{digits}f}{unit}" if digits else f"{m:.3g}{unit}"
    if seeds >= 2 and math.isfinite(s):
        return value if s == 0 and not digits else f"{value} ± {spread(s)}"  # a count every seed shares: '0'
    if seeds != 1:
        return value
    return f"{value}, 1 seed" + (f", ± {spread(scale * assumed)} assumed" if math.isfinite(assumed) else "")


def ranking_text(
    rows: pd.DataFrame,
    key: str,
    column: str,
    borrowed: float,
    percent: bool = False,
    highest: bool = True,
    digits: int | None = None,
) -> str | None:
    """'highest at η = 0.1 (98.39% ± 0.05), tied with η = 0.01 (98.11%, 1 seed, ± 0.06 assumed),
    ahead of η = 1 (95.62% ± 0.12)' by ``rank``, a one-seed value with the s.d. ``borrowed`` it
    is ranked with; for ``highest`` False: 'lowest at ..., below ...'. ``key`` names the rows:
    'lr', 'batch_size', or 'cell' (both: 'B = 32, η = 0.1'). Values with ``digits`` decimals
    (``said``; by default 2 in percent, else significant digits). None for fewer than two values."""
    r = rank(rows, column, borrowed, highest)
    if r is None:
        return None
    digits = (2 if percent else 0) if digits is None else digits

    def one(row: pd.Series) -> str:
        name = f"B = {int(row['batch_size'])}, η = {row['lr']:g}" if key == "cell" else f"{NAMES[key]} = {row[key]:g}"
        value = said(row[column], row[f"{column}_sd"], int(row["seeds"]), percent, digits, assumed=borrowed)
        return f"{name} ({value})"

    text = f"{'highest' if highest else 'lowest'} at {one(r.best)}"
    if not r.tied.empty:
        text += ", tied with " + " and ".join(one(row) for _, row in r.tied.iterrows())
    if not r.behind.empty:
        text += f", {'ahead of' if highest else 'below'} " + " and ".join(one(row) for _, row in r.behind.iterrows())
    return text


def rise_size(rise: float) -> str:
    """A rise of the loss relative to the lowest before it: '37% above' or, past tenfold, '3.3e+14 times'."""
    return f"{100 * rise:.0f}% above" if rise < 9 else f"{1 + rise:.2g} times"
