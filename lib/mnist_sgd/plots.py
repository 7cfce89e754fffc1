"""One figure style for the whole report.

Okabe-Ito colours (safe for colour-blind readers); each batch size keeps its colour in
every section; figures are numbered and captioned through ``caption``.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
BATCH_SIZES = (1, 8, 10, 32, 64, 100, 128, 1000)
DIVERGED = "#999999"


def use_style() -> None:
    """Apply the report's figure style (call once at the top of a notebook)."""
    mpl.rcParams.update({
        "figure.figsize": (7.0, 4.0),
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "figure.constrained_layout.use": True,
        "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "font.size": 10,
    })


def batch_color(batch_size: int) -> str:
    """The colour of a batch size, the same in every figure."""
    if batch_size in BATCH_SIZES:
        return OKABE_ITO[BATCH_SIZES.index(batch_size) % len(OKABE_ITO)]
    return OKABE_ITO[hash(batch_size) % len(OKABE_ITO)]


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 7.0, height: float = 3.6, **kwargs):
    """A figure with ``nrows x ncols`` axes sized for the page."""
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kwargs)


def band(ax, df, x: str, y: str, label: str | None = None, color: str | None = None, **kwargs):
    """Mean of ``y`` over the rows sharing ``x`` (e.g. seeds), with a min-max band."""
    stats = df.groupby(x)[y].agg(["mean", "min", "max"]).sort_index()
    (line,) = ax.plot(stats.index, stats["mean"], label=label, color=color, **kwargs)
    if (stats["max"] > stats["min"]).any():
        ax.fill_between(stats.index, stats["min"], stats["max"], color=line.get_color(), alpha=0.2, linewidth=0)
    return line

