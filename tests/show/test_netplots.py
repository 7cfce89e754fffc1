"""The networks' figures: the heat map hatches and annotates a cell where some seed failed, and
its colour scale spans the cells whose every seed converged."""

from __future__ import annotations

import math

from made_up import grid_read_late as grid

from mnist_sgd.show import netplots
from mnist_sgd.tasks.mlp_grid.tables import grid_cells


def test_the_colour_scale_spans_the_cells_whose_every_seed_converged():
    r, history = grid()
    lo, hi = netplots.colour_limits(grid_cells(r, history), ["test_acc"])
    assert lo == 92.0 and math.isclose(hi, 98.2)  # neither the stuck cell (10.09%) nor the mixed one


def test_the_heat_map_hatches_every_cell_where_some_seed_failed():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r, history = grid()
    cells = grid_cells(r, history)
    fig, ax = plt.subplots()
    netplots.heatmap(ax, cells, "test_acc", "test", *netplots.colour_limits(cells, ["test_acc"]))
    texts = [t.get_text() for t in ax.texts]
    assert "10.09%\nstuck at chance" in texts
    assert "98.05%\n± 0.07\n2 trained,\n1 learnt, then diverged" in texts  # the surviving seeds' values
    assert "98.20%\n± 0.10" in texts and "97.50%" in texts
    assert sum(p.get_hatch() == "///" for p in ax.patches) == 2
    plt.close(fig)
