"""Task 7's tables follow the runs they are given: mean ± s.d. over every seed, each scored at its
end; a cell's status names the mix of its seeds', in full in the tables and in a word per
outcome on the heat map; the loss figure's axis stops a little above chance."""

from __future__ import annotations

import math

import pandas as pd
from made_up import grid

from mnist_sgd.show import references
from mnist_sgd.tasks.mlp_grid.tables import (
    LOSS_TOP,
    cells_table,
    grid_cells,
    heatmap_cells,
    loss_axis_top,
    off_axis,
    reference_cells,
    reference_comparison,
    reference_table,
    short_status,
)


def test_cells_are_means_and_sample_sds_over_every_seed_scored_at_its_end():
    r, history = grid()
    cells = grid_cells(r, history).set_index(["batch_size", "lr"])
    assert len(cells) == 6 and cells["seeds"].tolist() == [1, 3, 1, 1, 3, 3]
    at = cells.loc[(8, 0.1)]
    assert math.isclose(at["test_acc"], 0.982) and math.isclose(at["test_acc_sd"], 0.001)  # s.d. with n - 1
    assert math.isnan(cells.loc[(8, 0.01), "test_acc_sd"])  # one seed: no s.d.
    # the seed that diverged counts, scored as it stopped: (0.981 + 0.980 + 0.098) / 3
    mixed = cells.loc[(128, 1.0)]
    assert math.isclose(mixed["test_acc"], (0.981 + 0.980 + 0.098) / 3)
    assert mixed["status"] == "2 converged, 1 learnt, then diverged" and not mixed["all_converged"]
    assert mixed["diverged_seeds"] == 1 and not mixed["diverged"] and mixed["completed"] == 2
    assert cells.loc[(8, 1.0), "status"] == "stuck at chance" and cells["all_converged"].sum() == 4
    # the gap, in points, per seed then averaged; the loss of the first epoch
    assert math.isclose(at["gap"], 100 * ((0.999 - 0.982) + (0.998 - 0.981) + (0.999 - 0.983)) / 3)
    assert math.isclose(cells.loc[(128, 0.01), "loss_epoch1"], 0.36)


def test_the_cells_table_shows_mean_and_sd_and_the_value_alone_for_one_seed():
    r, history = grid()
    shown = cells_table(grid_cells(r, history))
    assert list(shown.columns) == [
        "B",
        "η",
        "seeds",
        "status",
        "test acc. (%)",
        "train acc. (%)",
        "train − test (points)",
        "loss after epoch 1",
        "epochs the loss rose",
        "s per epoch",
    ]
    assert shown["test acc. (%)"].tolist()[:2] == ["97.50", "98.20\u00a0±\u00a00.10"]
    assert shown["η"].tolist()[:3] == ["0.01", "0.1", "1"]


def compared_cells() -> pd.DataFrame:
    """Two cells: B = 32 at η = 0.1 (a reference cell, 3 seeds) and B = 64 at η = 1 (none)."""
    return pd.DataFrame(
        {
            "batch_size": [32, 64],
            "lr": [0.1, 1.0],
            "seeds": [3, 1],
            "converged_seeds": [3, 0],
            "epochs": [3, 3],
            "status": ["converged", "stuck at chance"],
            "test_acc": [0.9750, 0.1135],
            "test_acc_sd": [0.001, math.nan],
            "train_acc": [0.9900, 0.1124],
            "train_acc_sd": [0.002, math.nan],
        }
    )


def test_every_reference_cell_is_compared_and_the_gap_is_here_minus_the_reference():
    reference = references.mlp_grid()
    merged = reference_cells(compared_cells())
    assert len(merged) == len(reference) and merged["ref_test"].tolist() == reference["ref_test"].tolist()
    compared = reference_comparison(compared_cells())
    ran = compared[(compared["batch_size"] == 32) & (compared["lr"] == 0.1)].iloc[0]
    ref = reference[(reference["batch_size"] == 32) & (reference["lr"] == 0.1)].iloc[0]
    assert math.isclose(ran["test_diff"], 97.5 - 100 * ref["ref_test"])
    assert math.isclose(ran["train_diff"], 99.0 - 100 * ref["ref_train"])
    assert math.isclose(ran["test_sd_pts"], 0.1)
    assert compared["test_diff"].notna().sum() == 1  # B = 64 is no reference cell; the others were not run


def test_the_reference_table_says_which_cells_were_not_run():
    shown = reference_table(reference_comparison(compared_cells()))
    assert list(shown.columns[:3]) == ["B", "η", "seeds here"]
    assert list(shown.columns[-3:]) == ["train, reference (%)", "train, here (%)", "here − ref. "]
    at = shown[(shown["B"] == 32) & (shown["η"] == "0.1")].iloc[0]
    assert at["seeds here"] == "3" and at["test, here (%)"] == "97.50\u00a0±\u00a00.10" and at["here − ref."] == "-0.83"
    assert (shown["seeds here"] == "not run").sum() == len(shown) - 1


def test_the_reference_table_counts_the_seeds_that_failed():
    # B = 32, η = 0.1 with one of its three seeds failed: the table's mean includes it, and says so
    shown = reference_table(reference_comparison(compared_cells().assign(converged_seeds=[2, 0])))
    assert shown.loc[(shown["B"] == 32) & (shown["η"] == "0.1"), "seeds here"].iloc[0] == "3, 1 failed"


def test_the_heat_map_labels_each_outcome_in_a_word():
    cells = pd.DataFrame(
        {"seeds": [3, 1, 1, 3], "converged_seeds": [3, 0, 0, 1], "diverged_seeds": [0, 0, 1, 1],
         "status": ["converged", "learnt, then stuck at chance", "diverged from the start", "a long mix"]}
    )  # fmt: skip
    assert heatmap_cells(cells)["status"].tolist() == [
        "converged",
        "stuck",
        "diverged",
        "1 converged, 1 stuck, 1 diverged",
    ]
    assert short_status(2, 0, 1) == "2 converged, 1 diverged"  # netplots breaks the line at ", 1"


def loss_history(losses: dict[int, list[float]]) -> pd.DataFrame:
    """One row per epoch of each seed at B = 8, η = 1 with its training loss."""
    return pd.DataFrame(
        [{"batch_size": 8, "lr": 1.0, "seed": seed, "epoch": e, "full_train_loss": v}
         for seed, values in losses.items() for e, v in enumerate(values, start=1)]
    )  # fmt: skip


def test_the_loss_axis_ends_a_little_above_chance_and_names_the_epochs_above_it():
    # seed 1 learnt, blew up to 3e14 in epoch 2, then sat at chance: the axis stops at 1.5 ln 10
    history = loss_history({0: [0.5, 0.2, 0.1], 1: [1.2, 3e14, 2.302, 40.0]})
    top = loss_axis_top(history)
    assert math.isclose(top, 1.5 * math.log(10)) and top == LOSS_TOP
    above = off_axis(history, top)
    assert above[["seed", "epoch"]].values.tolist() == [[1, 2], [1, 4]] and above["full_train_loss"].max() == 3e14
    # when every loss is below that, the axis spans them all, ln 10 included, and nothing is off it
    calm = loss_history({0: [0.5, 0.2, 0.1]})
    assert math.isclose(loss_axis_top(calm), 1.1 * math.log(10)) and off_axis(calm, loss_axis_top(calm)).empty
    stuck = loss_history({0: [2.4, 2.3, 2.3]})  # at chance: a quarter above its highest loss
    assert math.isclose(loss_axis_top(stuck), 3.0) and off_axis(stuck, 3.0).empty
