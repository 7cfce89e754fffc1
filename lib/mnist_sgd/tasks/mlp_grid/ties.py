"""When Task 7 ranks two cells, and when it calls them tied.

Two cells are ranked by the report's one rule, ``criteria.differ`` on their means and s.d. over
the seeds; otherwise they are tied. A final test accuracy (or a gap, which holds it), one epoch's
reading, is judged with its s.d. combined with one run's swing from epoch to epoch (``noise``): a
few seeds can agree more closely than their runs swing by chance, and a difference of a tenth of a
point is then within the spread. Only a cell run with several seeds that all trained is
ranked: a single run cannot show how often a setting fails (at a rate where other cells' seeds
diverged, one run that trained says that a run can, not how often), and the seeds that survive
a setting where others failed are a selection. Such cells are shown beside a ranking, marked as
not ranked."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from mnist_sgd.science.criteria import differ
from mnist_sgd.science.means import means_bound, means_differ
from mnist_sgd.tasks.architectures.late import late_noise
from mnist_sgd.tasks.mlp_grid.tables import listed, pm

NAMES = {"lr": "η", "batch_size": "B"}
# the columns that hold the test accuracy, with the factor from points (a cell's ``swing``) to their unit
SWINGING = {"test_acc": 0.01, "gap": 1.0}


def which_are_ranked(fewest_seeds: int) -> str:
    """What "trained" means and which cells are ranked, said once where the seeds are first said;
    ``fewest_seeds``, the seeds of the cell that ran fewest: why one seed is not ranked, when one ran."""
    text = (
        "A run *trained* when it neither diverged nor got stuck at chance (one answer for every image); settings are "
        "compared by accuracy only where every seed trained"
    )
    return text + (": one run cannot show how often a setting fails." if fewest_seeds < 2 else ".")


def rankable(rows: pd.DataFrame) -> pd.Series:
    """Which rows may be ranked: several seeds, every one trained (``all_converged``)."""
    return (rows["seeds"] >= 2) & rows["all_converged"].astype(bool)


def noise(row: pd.Series, column: str) -> float:
    """The s.d. ``row``'s ``column`` is judged with: ``<column>_sd``, for a column of ``SWINGING``
    (read at one epoch, the last) combined with one run's swing from epoch to epoch (the cell's
    ``swing``), √(s.d.² + swing²): a few seeds can miss the swing, so it is counted whatever they
    show (a NaN s.d. stays NaN: one seed)."""
    return late_noise(row[f"{column}_sd"], SWINGING.get(column, math.nan) * row.get("swing", math.nan), 1)


def apart(a: pd.Series, b: pd.Series, column: str) -> bool:
    """Whether two rows differ in ``column`` by ``criteria.differ`` on it and each one's ``noise``;
    False when a spread is unknown (NaN): nothing is ranked without a spread to judge it by."""
    return differ(a[column], noise(a, column), b[column], noise(b, column))


def threshold(a: pd.Series, b: pd.Series, column: str) -> tuple[float, bool]:
    """The difference in ``column`` beyond which ``apart`` tells the two rows apart, 2√(n_a² + n_b²)
    of their ``noise``, and whether a swing raised it above what their s.d.s alone give."""
    least = 2 * math.hypot(noise(a, column), noise(b, column))
    return least, least > 2 * math.hypot(a[f"{column}_sd"], b[f"{column}_sd"])


@dataclass
class Ranking:
    """The rankable rows of one comparison ordered by their mean, highest first (or lowest, for
    a loss): ``best`` the first row, ``tied`` the others the seeds cannot tell from the best,
    ``behind`` those that differ from it."""

    best: pd.Series
    tied: pd.DataFrame
    behind: pd.DataFrame

    @property
    def unique(self) -> bool:
        """Whether the best differs from every other row."""
        return self.tied.empty


def rank(rows: pd.DataFrame, column: str, highest: bool = True) -> Ranking | None:
    """The ``rankable`` rows of ``rows`` (with ``column``, ``<column>_sd``, ``seeds``,
    ``all_converged``) ranked by ``column`` (``apart``); None for fewer than two."""
    rows = rows[rankable(rows)].dropna(subset=[column]).sort_values(column, ascending=not highest)
    if len(rows) < 2:
        return None
    best, others = rows.iloc[0], rows.iloc[1:]
    mask = pd.Series([apart(best, r, column) for _, r in others.iterrows()], index=others.index, dtype=bool)
    return Ranking(best, others[~mask], others[mask])


def _widest(r: Ranking, column: str, percent: bool) -> str:
    """' (the widest difference 0.33 points, against a bound of 0.36, one run's fluctuation counted)': the best against
    the furthest of those tied with it, with the difference that would tell them apart (``threshold``),
    so that the verdict can be checked where it is said; the fluctuation named only when it counts; and
    whether their means alone differ (``means.means_differ``)."""
    last = r.tied.iloc[-1]
    scale = 100 if percent else 1
    gap, (least, swung) = abs(r.best[column] - last[column]), threshold(r.best, last, column)
    unit = " points" if percent else ""
    swing = ", one run's fluctuation counted" if swung else ""
    sa, sb, na, nb = noise(r.best, column), noise(last, column), int(r.best["seeds"]), int(last["seeds"])
    means = ""
    if means_differ(r.best[column], sa, na, last[column], sb, nb):  # ``means.MEANS_RULE``, said beside
        means = f"; only the means differ: two standard errors are {scale * means_bound(sa, na, sb, nb):.2f}"
    return f" (the widest difference {scale * gap:.2f}{unit}, against a bound of {scale * least:.2f}{swing}{means})"


def said(mean: float, sd: float, seeds: int, percent: bool = False, alone: str = ".2f") -> str:
    """A cell's value for prose, rounded as in the tables (``tables.pm``): '98.39% ± 0.05'
    (fractions shown in percent when ``percent``), '0.104 ± 0.015'; the value alone, by
    ``alone``, when there is no s.d. (one seed)."""
    scale, unit = (100, "%") if percent else (1, "")
    if seeds < 2 or not math.isfinite(sd):
        return format(scale * mean, alone) + unit
    value, spread = pm(scale * mean, scale * sd, alone).split("\u00a0±\u00a0")
    return f"{value}{unit} ± {spread}"


def name(row: pd.Series, key: str) -> str:
    """What names a row in a comparison: 'η = 0.1', 'B = 32', or for ``key`` 'setting' both."""
    if key == "setting":
        return f"B = {int(row['batch_size'])}, η = {row['lr']:g}"
    return f"{NAMES[key]} = {row[key]:g}"


def ranking_text(
    rows: pd.DataFrame,
    key: str,
    column: str,
    percent: bool = False,
    highest: bool = True,
    values: bool = True,
    all_of: str = "",
) -> str | None:
    """'highest at η = 0.1 (98.39% ± 0.05), ahead of η = 1 (95.62% ± 0.12)' by ``rank``, or, when
    the seeds cannot tell the best from others, 'tied for the highest at η = 0.1 (98.39% ± 0.05)
    and η = 0.01 (98.30% ± 0.08), ahead of ...' (a value tied with others is not the highest);
    for ``highest`` False: 'lowest at ..., below ...'; when some tied at the top is within the spread
    of one behind, '...; η = 0.01 (...) is lower than η = 0.1, beyond the spread'; 'within the
    spread across all 3 batch sizes (the widest gap, ...)' when every row is tied (``all_of`` naming
    the rows, ``_widest`` the gap that can be checked). ``key`` names
    the rows (``name``). Values by ``said``, left out when not ``values`` (a table beside the text
    shows them). None for fewer than two rankable rows."""
    r = rank(rows, column, highest)
    if r is None:
        return None

    def one(row: pd.Series) -> str:
        if not values:
            return name(row, key)
        return f"{name(row, key)} ({said(row[column], row[f'{column}_sd'], int(row['seeds']), percent)})"

    top = [one(r.best), *(one(row) for _, row in r.tied.iterrows())]
    if r.behind.empty and not r.unique:  # every one tied: naming them all as "the highest" says nothing
        return f"within the spread across all {len(top)}{f' {all_of}' if all_of else ''}{_widest(r, column, percent)}"
    text = f"{'' if r.unique else 'tied for the '}{'highest' if highest else 'lowest'} at {listed(top)}"
    if r.behind.empty:
        return text
    behind = " and ".join(one(row) for _, row in r.behind.iterrows())
    # "ahead of" holds for every one tied at the top only when each is apart from each behind
    if all(apart(t, b, column) for _, t in r.tied.iterrows() for _, b in r.behind.iterrows()):
        return text + f", {'ahead of' if highest else 'below'} {behind}"
    further = "lower" if highest else "higher"
    return (
        text
        + f"; {behind} {'is' if len(r.behind) == 1 else 'are'} {further} than {name(r.best, key)}, beyond the spread"
    )
