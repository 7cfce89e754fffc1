"""What notebooks show besides figures: tables, computed prose, progress bars.

Tables are displayed with both an HTML and a Markdown form, so the web page and the
PDF each get a real table; prose built from numbers is displayed as Markdown. Numbers of
one kind shown together (a column, a list in a sentence, a mean and its spread) get one
number of decimals, so that 2.20 never stands next to 2.13 as "2.2".
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from IPython.display import Markdown, display
from tabulate import tabulate

from mnist_sgd.store import paths


class _Table:
    """A table displayed as HTML in the page and as Markdown in the PDF."""

    def __init__(self, df: pd.DataFrame, caption: str, floatfmt: str | None) -> None:
        # floats formatted here, column by column, so integer columns stay integers
        self.text = df.apply(lambda col: col.map(lambda v: _cell(v, floatfmt or _column_format(col))))
        self.caption = caption

    def _repr_html_(self) -> str:
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        table = self.text.to_html(index=False, escape=True, border=0)
        return table.replace(">", f">{caption}", 1) if caption else table

    def _repr_markdown_(self) -> str:
        escaped = self.text.apply(lambda col: col.str.replace("|", "\\|", regex=False))  # a bare | splits the cell
        table = escaped.to_markdown(index=False, disable_numparse=True)
        return f"{table}\n\n: {self.caption}" if self.caption else table


def _cell(value: Any, floatfmt: str) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return "" if value != value else format(value, floatfmt)
    return str(value)


def _column_format(col: pd.Series) -> str:
    """One format for a column of floats: a percentage column (its name has '%') with two
    decimals, like ``pct``; any other with the decimals ``decimals`` gives it."""
    if "%" in str(col.name):
        return ".2f"
    values = [v for v in col if isinstance(v, float)]
    return _format_for(values, 3)


def _finite_magnitudes(values: Iterable[float | None]) -> list[float]:
    return [abs(float(v)) for v in values if v is not None and math.isfinite(v) and v != 0]


def decimals(values: Iterable[float | None], significant: int = 3) -> int:
    """The decimals that give the smallest nonzero magnitude among ``values`` that many
    significant digits (at most 6); 0 for values of 10^(significant-1) and more."""
    magnitudes = _finite_magnitudes(values)
    if not magnitudes:
        return 0
    return min(6, max(0, significant - 1 - math.floor(math.log10(min(magnitudes)))))


def _format_for(values: Sequence[float | None], significant: int) -> str:
    magnitudes = _finite_magnitudes(values)
    if all(m.is_integer() for m in magnitudes):  # counts, bounds such as 0 and 1: no decimals to show
        return ",.0f"
    # tiny values (a loss of 1e-29) or a spread over many decades read better in powers of ten
    if min(magnitudes) < 1e-3 or max(magnitudes) / min(magnitudes) >= 1e5:
        return f".{significant - 1}e"
    return f",.{decimals(values, significant)}f"


def fixed(
    values: Iterable[float | None], significant: int = 3, like: Iterable[float | None] | None = None
) -> list[str]:
    """Numbers of one kind formatted alike: ``fixed([2.2, 2.134])`` is ['2.20', '2.13'];
    missing or non-finite values become 'n/a'. ``like``: take the format from these values
    instead (spreads with the decimals of their means)."""
    values = list(values)
    fmt = _format_for(values if like is None else list(like), significant)
    return ["n/a" if v is None or not math.isfinite(v) else format(v, fmt) for v in values]


def fixed_columns(df: pd.DataFrame, columns: list[str], significant: int = 3) -> pd.DataFrame:
    """``df`` with ``columns`` as text in one format for all of them: numbers of one kind in
    several columns (a mean, its min and its max); missing values left blank."""
    fmt = _format_for([float(v) for v in df[columns].to_numpy().ravel()], significant)
    return df.assign(**{c: df[c].map(lambda v: "" if pd.isna(v) else format(v, fmt)) for c in columns})


def mean_sds(means: Iterable[float], sds: Iterable[float], significant: int = 3) -> list[str]:
    """'2.13 ± 0.05' for each pair, all with the decimals the means ask for (a tiny spread is
    not allowed to ask for more); no-break spaces keep a table cell on one line."""
    means = list(means)
    return [
        f"{m}\u00a0±\u00a0{s}"
        for m, s in zip(fixed(means, significant), fixed(sds, significant, like=means), strict=True)
    ]


def mean_sd(mean: float, sd: float, significant: int = 3) -> str:
    """One mean and its spread, as ``mean_sds``: '2.13 ± 0.05'."""
    return mean_sds([mean], [sd], significant)[0]


def mean_ranges(means: Iterable[float], lows: Iterable[float], highs: Iterable[float], digits: int) -> list[str]:
    """'2.13 [2.10, 2.16]' for each mean and its range, all three with ``digits`` decimals."""
    return [f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]" for m, lo, hi in zip(means, lows, highs, strict=True)]


def number(value: float, digits: int = 1) -> str:
    """A computed amount for prose: '300' when it is a whole number, else '2.5' (``digits`` decimals)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def plural(count: int | Iterable[int], noun: str, many: str | None = None) -> str:
    """A count with its noun in the right number: '1 epoch', '3 epochs', '1,000 iterations';
    several counts are joined by 'or' ('1 or 20 epochs'). ``many`` for irregular plurals."""
    counts = list(count) if isinstance(count, Iterable) else [count]
    text = " or ".join(f"{int(c):,}" for c in counts)
    return f"{text} {noun if counts == [1] else many or noun + 's'}"


def duration(seconds: float) -> str:
    """A measured duration for prose: '9.8 s', '27 min 46 s', '1 h 05 min'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def pct(value: float | None, digits: int = 2) -> str:
    """A fraction as a percentage for prose; 'n/a' when missing."""
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.{digits}f}%"


def show_table(df: pd.DataFrame, caption: str = "", floatfmt: str | None = None) -> None:
    """Display a table (no index) with an optional caption. Floats take ``floatfmt`` when
    given, else one format per column (``_column_format``)."""
    display(_Table(df, caption, floatfmt))


def say(text: str) -> None:
    """Display Markdown computed in the notebook (numbers filled in by code)."""
    display(Markdown(text))


FIGURE_MARK = "**Figure.**"  # numbered across the whole report when it is stitched


def figure_caption(text: str) -> None:
    """A caption under the figure just shown."""
    display(Markdown(f"{FIGURE_MARK} {text}"))


def in_pipeline() -> bool:
    """True when run by the report pipeline (progress bars would only clutter the page)."""
    return paths.in_build()


def progress(items: Iterable[Any], **kwargs: Any) -> Iterable[Any]:
    """A text progress bar in JupyterLab, silent in the pipeline."""
    from tqdm import tqdm  # the text bar: the widget one needs ipywidgets

    return tqdm(items, disable=in_pipeline(), **kwargs)


class Answers:
    """The summary's table: one row per question, the question linked to the section that answers it."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []

    def add(self, task: str, answer: str, job_id: str) -> None:
        self.rows.append({"task": f"[{task}](#{job_id})", "answer": answer})

    def table(self) -> str:
        """The rows as a Markdown table."""
        return tabulate(pd.DataFrame(self.rows), headers=["question", "answer"], tablefmt="pipe", showindex=False)


def or_not_reached(values: Iterable[float], texts: Iterable[str]) -> list[str]:
    """Each text, or "not reached" where its value is missing (a target no run reached)."""
    return ["not reached" if pd.isna(v) else text for v, text in zip(values, texts, strict=True)]


def mean_spread(values: pd.Series, digits: int = 2) -> str:
    """Mean of fractions as a percentage, with ± s.d. and the count when there are several."""
    values = values.dropna()
    if values.empty:
        return "n/a"
    if len(values) == 1:
        return pct(values.iloc[0], digits)
    return f"{pct(values.mean(), digits)} ± {100 * values.std(ddof=0):.{digits}f} (s.d. over {len(values)} seeds)"
