"""What notebooks show besides figures: tables, computed prose, progress bars.

Tables are displayed with both an HTML and a Markdown form, so the web page and the
PDF each get a real table; prose built from numbers is displayed as Markdown.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable
from typing import Any

import pandas as pd
from IPython.display import Markdown, display


class _Table:
    """A table displayed as HTML in the page and as Markdown in the PDF."""

    def __init__(self, df: pd.DataFrame, caption: str, floatfmt: str) -> None:
        # floats formatted here, column by column, so integer columns stay integers
        self.text = df.apply(lambda col: col.map(lambda v: _cell(v, floatfmt)))
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


def pct(value: float | None, digits: int = 2) -> str:
    """A fraction as a percentage for prose; 'n/a' when missing."""
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.{digits}f}%"


def show_table(df: pd.DataFrame, caption: str = "", floatfmt: str = ".4g") -> None:
    """Display a table (no index) with an optional caption."""
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
    return os.environ.get("MNIST_SGD_PIPELINE") == "1"


def progress(items: Iterable[Any], **kwargs: Any) -> Iterable[Any]:
    """A text progress bar in JupyterLab, silent in the pipeline."""
    from tqdm import tqdm  # the text bar: the widget one needs ipywidgets

    return tqdm(items, disable=in_pipeline(), **kwargs)
