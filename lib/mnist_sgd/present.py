"""What notebooks show besides figures: tables, computed prose, progress bars.

Tables are displayed with both an HTML and a Markdown form, so the web page and the
PDF each get a real table; prose built from numbers is displayed as Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pandas as pd
from IPython.display import Markdown, display


class _Table:
    def __init__(self, df: pd.DataFrame, caption: str, floatfmt: str) -> None:
        self.df, self.caption, self.floatfmt = df, caption, floatfmt

    def _repr_html_(self) -> str:
        styler = self.df.style.hide(axis="index").format(precision=int(self.floatfmt.strip(".gf") or 4), na_rep="")
        if self.caption:
            styler = styler.set_caption(self.caption)
        return styler.to_html()

    def _repr_markdown_(self) -> str:
        table = self.df.to_markdown(index=False, floatfmt=self.floatfmt)
        return f"{table}\n\n: {self.caption}" if self.caption else table


def show_table(df: pd.DataFrame, caption: str = "", floatfmt: str = ".4g") -> None:
    """Display a table (no index) with an optional caption."""
    display(_Table(df, caption, floatfmt))


def say(text: str) -> None:
    """Display Markdown computed in the notebook (numbers filled in by code)."""
    display(Markdown(text))


def in_pipeline() -> bool:
    """True when run by the report pipeline (progress bars would only clutter the page)."""
    return os.environ.get("MNIST_SGD_PIPELINE") == "1"


def progress(items: Iterable[Any], **kwargs: Any) -> Iterable[Any]:
    """A progress bar in JupyterLab, silent in the pipeline."""
    from tqdm.auto import tqdm

    return tqdm(items, disable=in_pipeline(), **kwargs)
