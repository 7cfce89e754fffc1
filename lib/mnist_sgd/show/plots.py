"""One figure style for the whole report.

Okabe-Ito colours (safe for colour-blind readers); each batch size keeps its colour in
every section; figures are numbered and captioned through ``caption``.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# each batch size of the report keeps one colour everywhere (yellow, hard to see on white, is left out)
BATCH_COLOURS = {
    1: OKABE_ITO[0],
    10: OKABE_ITO[1],
    100: OKABE_ITO[2],
    1000: OKABE_ITO[3],
    8: OKABE_ITO[4],
    32: OKABE_ITO[5],
    64: OKABE_ITO[7],
    128: "#7F4F24",
}
DIVERGED = "#999999"
WIDTH = 7.0  # inches: the widest figure (6.3 in on the PDF page, 7.1 in with the saved margin)


def use_style() -> None:
    """Apply the report's figure style (call once at the top of a notebook)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (WIDTH, 4.0),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "figure.constrained_layout.use": True,
            "axes.prop_cycle": cycler(color=OKABE_ITO),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.size": 10,
            "axes.titlesize": 10.5,
            "axes.labelsize": 10,
            "xtick.labelsize": 9.5,
            "ytick.labelsize": 9.5,
            "legend.fontsize": 9,
        }
    )


def batch_color(batch_size: int) -> str:
    """The colour of a batch size, the same in every figure."""
    others = [c for c in OKABE_ITO if c != "#F0E442"]
    return BATCH_COLOURS.get(batch_size, others[batch_size % len(others)])


def band(ax, df, x: str, y: str, label: str | None = None, color: str | None = None, **kwargs):
    """Mean of ``y`` over the rows sharing ``x`` (e.g. seeds), with a min-max band."""
    stats = df.groupby(x)[y].agg(["mean", "min", "max"]).sort_index()
    (line,) = ax.plot(stats.index, stats["mean"], label=label, color=color, **kwargs)
    if (stats["max"] > stats["min"]).any():
        ax.fill_between(stats.index, stats["min"], stats["max"], color=line.get_color(), alpha=0.2, linewidth=0)
    return line
