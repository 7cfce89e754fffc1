"""Task 7's tables follow the runs they are given: mean ± s.d. over the seeds, each scored after
its last epoch, and over the seeds that converged where some failed (never a mean of runs that learnt and
runs that failed); a cell's outcome in plain words; the section's one table beside the hand
figures; the loss figure's axis stops a little above chance."""

from __future__ import annotations

import math

import pandas as pd
from made_up import grid_read_late as grid

from mnist_sgd.show import references
from mnist_sgd.tasks.mlp_grid.tables import (
    LOSS_TOP,
    cells_table,
    eta_over_b,
    failures,
    grid_cells,
    grid_table,
    heatmap_cells,
    late_accuracies,
    listed,
    loss_axis_top,
    off_axis,
    outcome,
    pm,
    ratio_said,
    reference_cells,
    reference_comparison,
    short_status,
    swings,
    two_figures,
    two_significant,
)


def test_cells_are_means_and_sample_sds_over_their_seeds_scored_at_the_end():
    r, history = grid()
    cells = grid_cells(r, history).set_index(["batch_size", "lr"])
    assert len(cells) == 6 and cells["seeds"].tolist() == [1, 3, 1, 1, 3, 3]
    at = cells.loc[(8, 0.1)]
    assert math.isclose(at["test_acc"], 0.982) and math.isclose(at["test_acc_sd"], 0.001)  # s.d. with n - 1
    assert math.isnan(cells.loc[(8, 0.01), "test_acc_sd"])  # one seed: no s.d.
    assert cells.loc[(8, 1.0), "status"] == "stuck at chance" and cells["all_converged"].sum() == 4
    assert math.isclose(cells.loc[(8, 1.0), "test_acc"], 0.1009)  # a failed run alone: as it ended
    # the gap, in points, per seed then averaged; the loss of the first epoch
    assert math.isclose(at["gap"], 100 * ((0.999 - 0.982) + (0.998 - 0.981) + (0.999 - 0.983)) / 3)
    assert math.isclose(cells.loc[(128, 0.01), "loss_epoch1"], 0.36)


def test_a_cell_where_some_seeds_failed_is_valued_over_those_that_converged():
    r, history = grid()
    mixed = grid_cells(r, history).set_index(["batch_size", "lr"]).loc[(128, 1.0)]
    # not (0.981 + 0.980 + 0.098) / 3, a mean that describes no run: the two that converged
    assert math.isclose(mixed["test_acc"], (0.981 + 0.980) / 2) and mixed["counted_seeds"] == 2
    assert mixed["status"] == "2 trained, 1 learnt, then diverged" and not mixed["all_converged"]
    assert mixed["diverged_seeds"] == 1 and mixed["stuck_seeds"] == 0 and not mixed["diverged"]
    assert mixed["completed"] == 3  # the fewest epochs of the seeds counted
    # the loss after epoch 1 over every seed that completed it, the one that diverged later included
    assert math.isclose(mixed["loss_epoch1"], (0.012 + 0.012 + 0.9) / 3)


def test_a_cells_time_is_over_every_seed_a_failed_one_over_the_epochs_it_completed():
    r, history = grid()
    # B = 128, η = 1: two seeds converged (3 epochs), one diverged after 2; make the failed one slower
    failed = (r["batch_size"] == 128) & (r["lr"] == 1.0) & r["diverged"].astype(bool)
    r.loc[failed, "seconds_per_epoch"] = 5.0
    mixed = grid_cells(r, history).set_index(["batch_size", "lr"]).loc[(128, 1.0)]
    assert math.isclose(mixed["seconds_per_epoch"], (2.0 * 3 + 2.0 * 3 + 5.0 * 2) / 8)  # mean over the 8 epochs
    assert math.isclose(mixed["seconds_per_epoch_sd"], pd.Series([2.0, 2.0, 5.0]).std())  # of the seeds' means
    assert mixed["counted_seeds"] == 2  # the accuracies stay those of the seeds that converged


def test_a_cells_outcome_says_how_many_seeds_failed_and_whose_values_are_shown():
    cell = pd.Series({"seeds": 3, "converged_seeds": 1, "stuck_seeds": 0, "diverged_seeds": 2})
    assert failures(cell) == "2 of 3 diverged"
    assert outcome(cell) == "2 of 3 diverged"
    both = cell.copy()
    both[["converged_seeds", "stuck_seeds", "diverged_seeds"]] = [2, 1, 0]
    assert outcome(both) == "1 of 3 stuck at chance"
    alone = pd.Series({"seeds": 1, "converged_seeds": 0, "stuck_seeds": 1, "diverged_seeds": 0})
    assert outcome(alone) == "stuck at chance"
    fine = pd.Series({"seeds": 3, "converged_seeds": 3, "stuck_seeds": 0, "diverged_seeds": 0})
    assert outcome(fine) == "trained" and failures(fine) == ""


def test_the_sections_table_shows_every_cell_in_the_order_of_eta_over_b_beside_its_hand_figure():
    r, history = grid()
    shown = grid_table(grid_cells(r, history))
    assert list(shown.columns) == [
        "η/B",
        "B",
        "η",
        "seeds",
        "outcome",
        "train (%)",
        "test (%)",
        "train by hand",
        "test by hand",
    ]  # the caption says the reading: after the last epoch, ours and the hand runs' alike
    assert "loss after epoch 1" not in shown  # the detail's table gives it
    assert shown["η/B"].tolist() == ["7.81 × 10⁻⁵", "7.81 × 10⁻⁴", "1.25 × 10⁻³", "7.81 × 10⁻³", "0.0125", "0.125"]
    assert shown["test (%)"].tolist()[:3] == ["92.00", "97.50\u00a0±\u00a00.10", "97.50"]
    row = shown[(shown["B"] == 8) & (shown["η"] == "0.1")].iloc[0]  # a cell the assignment asks
    assert row["test by hand"] == "97.80" and row["train by hand"] == "99.15"
    assert row["train (%)"] == "99.87\u00a0±\u00a00.06"
    # one number of decimals down an accuracy column, whatever the s.d.: not pm's 99.9 ± 0.1 beside 98.20 ± 0.03
    wide = grid_cells(r, history)
    spread = grid_table(wide.assign(train_acc_sd=wide["train_acc_sd"].where(wide["batch_size"] != 8, 0.001)))
    assert spread.loc[(spread["B"] == 8) & (spread["η"] == "0.1"), "train (%)"].item() == "99.87\u00a0±\u00a00.10"
    assert shown.loc[shown["η"] == "0.01", "test by hand"].tolist() == ["", ""]  # no hand figure
    mixed = shown[(shown["B"] == 128) & (shown["η"] == "1")].iloc[0]
    assert mixed["outcome"] == "1 of 3 diverged"
    assert mixed["test (%)"] == "98.05\u00a0±\u00a00.07"  # the two that converged, not 68.63 ± 50.95
    cells = grid_cells(r, history)
    assert "seeds" not in grid_table(cells.assign(seeds=3))  # one count for every cell: the text says it


def test_one_rounding_of_a_value_over_seeds_and_of_a_ratio():
    assert pm(0.1038, 0.01523, ".3f") == "0.104\u00a0±\u00a00.015"  # an s.d. starting with 1: 2 figures
    assert pm(98.2933, 0.0252) == "98.29\u00a0±\u00a00.03" and pm(99.8783, 0.0988) == "99.9\u00a0±\u00a00.1"
    assert pm(100.0, 0.0) == "100.00\u00a0±\u00a00.00" and pm(2.328, math.nan, ".3f") == "2.328"
    assert pm(math.nan, 0.1) == "" and pm(0.0209, 0.0004) == "0.0209\u00a0±\u00a00.0004"
    assert ratio_said(1 / 32) == "0.0313" and ratio_said(0.01 / 128) == "7.81 × 10⁻⁵" and ratio_said(0.125) == "0.125"
    assert eta_over_b(pd.DataFrame({"lr": [0.1], "batch_size": [8]})).tolist() == [0.0125]


def test_the_detail_table_gives_what_the_sections_table_leaves_out():
    r, history = grid()
    shown = cells_table(grid_cells(r, history))
    assert list(shown.columns) == [
        "B",
        "η",
        "seeds",
        "status",
        "loss after epoch 1",
        "train − test (points)",
        "epochs the loss rose",
        "s per epoch",
        "ms per update",
    ]
    # 10 s per epoch of 7,500 updates at B = 8 (one seed: the mean alone), rounded as every value over seeds
    assert shown["s per epoch"].tolist()[:2] == ["10.00", "10.00\u00a0±\u00a00.00"]
    assert shown["ms per update"].tolist()[0] == "1.3" and shown["ms per update"].tolist()[-1] == "4.3"
    # the loss after epoch 1, over every seed that completed it (B = 128, η = 1: the one that diverged later too)
    assert shown["loss after epoch 1"].tolist()[-1] == "0.3\u00a0±\u00a00.5"


def test_times_keep_two_significant_figures_and_their_spread_the_same_decimals():
    assert two_figures(14.73, math.nan) == "15" and two_figures(6.49, 1.234) == "6.5\u00a0±\u00a01.2"
    assert two_figures(123.4, 5.0) == "120\u00a0±\u00a05"  # no exponent
    assert two_figures(14.35, 0.49) == "14\u00a0±\u00a00.5"  # a spread is not rounded away
    assert two_significant(5.02) == "5.0" and two_significant(0.904) == "0.90" and two_significant(123.4) == "120"
    assert listed(["a"]) == "a" and listed(["a", "b", "c"]) == "a, b and c"
    settings = ["B = 8, η = 0.1", "B = 32, η = 0.1", "B = 128, η = 1"]  # names with commas: semicolons between them
    assert listed(settings) == "B = 8, η = 0.1; B = 32, η = 0.1; and B = 128, η = 1"
    assert listed(settings[:2]) == "B = 8, η = 0.1 and B = 32, η = 0.1"


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


def test_every_reference_cell_is_compared_with_its_hand_figures_in_percent():
    reference = references.mlp_grid()
    merged = reference_cells(compared_cells())
    assert len(merged) == len(reference) and merged["ref_test"].tolist() == reference["ref_test"].tolist()
    compared = reference_comparison(compared_cells())
    ran = compared[(compared["batch_size"] == 32) & (compared["lr"] == 0.1)].iloc[0]
    ref = reference[(reference["batch_size"] == 32) & (reference["lr"] == 0.1)].iloc[0]
    assert math.isclose(ran["ref_test"], 100 * ref["ref_test"]) and math.isclose(
        ran["ref_train"], 100 * ref["ref_train"]
    )
    assert compared["failed"].notna().sum() == 1  # B = 64 is no reference cell; the others were not run


def test_the_heat_map_labels_each_outcome_in_a_word():
    cells = pd.DataFrame(
        {"seeds": [3, 1, 1, 3], "converged_seeds": [3, 0, 0, 1], "stuck_seeds": [0, 1, 0, 1],
         "diverged_seeds": [0, 0, 1, 1],
         "status": ["converged", "learnt, then stuck at chance", "diverged from the start", "a long mix"]}
    )  # fmt: skip
    assert heatmap_cells(cells)["status"].tolist() == ["trained", "stuck", "diverged", "1 trained, 1 stuck, 1 diverged"]
    assert short_status(2, 0, 1) == "2 trained, 1 diverged"  # netplots breaks the line at ", 1"


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


def test_a_seeds_final_accuracies_are_its_last_epochs_and_its_late_reading_the_mean_over_its_last_3():
    runs, history = grid()
    at = (history["batch_size"] == 8) & (history["lr"] == 0.1) & (history["seed"] == 0)
    history.loc[at, "test_acc"] = [0.90, 0.98, 0.97]  # the last epoch reads 0.97, its 3 epochs 0.95 on average
    runs.loc[(runs["batch_size"] == 8) & (runs["lr"] == 0.1) & (runs["seed"] == 0), "final_test_acc"] = 0.97
    late = late_accuracies(runs, history).set_index(["batch_size", "lr", "seed"])
    assert math.isclose(late.loc[(8, 0.1, 0), "late_test_acc"], (0.90 + 0.98 + 0.97) / 3)
    assert math.isclose(late.loc[(8, 0.1, 0), "late_train_acc"], 0.999)  # its epochs average to the final one
    assert math.isclose(late.loc[(128, 1.0, 2), "late_test_acc"], 0.098)  # diverged: as it stopped
    cells = grid_cells(runs, history).set_index(["batch_size", "lr"])
    # the final accuracy: the last epoch's, as the assignment asks and the hand figures are read
    assert math.isclose(cells.loc[(8, 0.1), "test_acc"], (0.97 + 0.981 + 0.983) / 3)
    # the mean over the last 3 epochs, the detail's check of it
    assert math.isclose(cells.loc[(8, 0.1), "late_test_acc"], ((0.90 + 0.98 + 0.97) / 3 + 0.981 + 0.983) / 3)
    assert math.isclose(cells.loc[(128, 1.0), "late_test_acc"], (0.981 + 0.980) / 2)  # over the seeds that trained


def test_a_cells_swing_is_its_trained_seeds_sd_about_a_line_through_their_last_epochs():
    """Each trained seed of a 20-epoch cell zigzags ±0.1 point about a straight line: a swing of about 0.1 point; a
    diverged seed does not count, and a cell with no trained seed has none."""
    rows, history = [], []
    for seed, status in enumerate(["converged", "converged", "diverged"]):
        rows.append({"batch_size": 32, "lr": 0.1, "seed": seed, "status": status})
        history += [
            {"batch_size": 32, "lr": 0.1, "seed": seed, "epoch": e, "test_acc": 0.97 + 0.0005 * e + 0.001 * (-1) ** e}
            for e in range(1, 21)
        ]
    runs, history = pd.DataFrame(rows), pd.DataFrame(history)
    swing = swings(history, runs)
    # residuals ±0.1 point about the line through epochs 11-20: their s.d. with 2 fitted parameters, √(10 × 0.01 / 8)
    assert list(swing) == [(32.0, 0.1)] and math.isclose(swing[(32.0, 0.1)], math.sqrt(0.1 / 8), rel_tol=0.05)
    assert swings(history, runs.assign(status="diverged")) == {}
    r, h = grid()
    assert grid_cells(r, h)["swing"].isna().all()  # 3 epochs: too few in the second half to read a swing
