"""The networks' figures: the heat map hatches and annotates a stuck cell."""

from __future__ import annotations

from made_up import grid

from mnist_sgd.show import netplots
from mnist_sgd.tasks.mlp_grid import tables as mlp_tables


def test_the_heat_map_hatches_and_annotates_a_stuck_cell():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r, history = grid()
    cells = mlp_tables.grid_cells(r, history)
    fig, ax = plt.subplots()
    image = netplots.heatmap(ax, cells, "test_acc", "test", *netplots.colour_limits(cells, ["test_acc"]))
    texts = [t.get_text() for t in ax.texts]
    assert "10.09%\nstuck at chance" in texts
    assert any(p.get_hatch() == "///" for p in ax.patches)
    assert image.norm.vmin == 92.0  # the stuck cell is off the scale
    plt.close(fig)
