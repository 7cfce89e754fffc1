"""Task 7's classification of runs (converged / stuck at chance / diverged), the colour scale
that a stuck cell does not swamp, what one seed resolves, and the grid commentary."""

from __future__ import annotations

import math

import pandas as pd
import torch

from mnist_sgd.science import net_runs, nets
from mnist_sgd.show import netplots
from mnist_sgd.tasks.mlp_grid import tables as mlp_tables
from mnist_sgd.tasks.mlp_grid.commentary import mlp_grid_commentary

LN10 = math.log(10)


def test_a_run_at_ln10_and_chance_accuracy_is_stuck():
    assert nets.run_status(False, 2.33, 0.1022, majority=0.1124) == "stuck at chance"  # the B = 8, η = 1 run
    assert nets.run_status(False, 0.02, 0.995, majority=0.1124) == "converged"
    assert nets.run_status(True, math.nan, math.nan, majority=0.1124) == "diverged"
    assert nets.run_status(False, math.inf, 0.1, majority=0.1124) == "diverged"
    # both conditions are needed: a chance-level loss with real accuracy, or the reverse, is not stuck
    assert nets.run_status(False, 2.30, 0.40, majority=0.1124) == "converged"
    assert nets.run_status(False, 1.50, 0.11, majority=0.1124) == "converged"
    # the 5% edge: ln 10 * 1.05 = 2.418
    assert nets.run_status(False, 2.41, 0.11, majority=0.1124) == "stuck at chance"
    assert nets.run_status(False, 2.43, 0.11, majority=0.1124) == "converged"


def test_majority_share_and_the_rule_in_words():
    assert nets.majority_share(torch.tensor([1, 1, 1, 2])) == 0.75
    rule = nets.stuck_rule(0.1124)
    assert "within 5% of ln 10 = 2.303" in rule and "within 2 points of 11.24%" in rule


def runs(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "batch_size",
            "lr",
            "seed",
            "diverged",
            "final_train_loss",
            "final_train_acc",
            "final_test_acc",
            "epochs",
            "seconds_per_epoch",
            "threads",
            "parallel_jobs",
        ],
    ).assign(train_images=60000)


def grid():
    rows = [
        (8, 0.01, 0, False, 0.01, 0.99, 0.975, 3, 1.0, 1, 1),
        (8, 0.1, 0, False, 0.005, 0.999, 0.982, 3, 1.0, 1, 1),
        (8, 1.0, 0, False, 2.33, 0.1022, 0.1009, 3, 1.0, 1, 1),
        (128, 0.01, 0, False, 0.3, 0.92, 0.92, 3, 1.0, 1, 1),
        (128, 0.1, 0, False, 0.05, 0.985, 0.975, 3, 1.0, 1, 1),
        (128, 1.0, 0, False, 0.01, 0.998, 0.981, 3, 1.0, 1, 1),
    ]
    r = net_runs.with_status(runs(rows), majority=0.1124)
    history = pd.DataFrame(
        [
            {
                "batch_size": b,
                "lr": lr,
                "seed": 0,
                "epoch": e,
                "train_loss": loss * (1 + 0.1 * (3 - e)),
                "test_acc": acc - 0.001 * (e % 2),
                "epoch_seconds": 1.0,
            }
            for b, lr, _, _, loss, _, acc, *_ in rows
            for e in (1, 2, 3)
        ]
    )
    return r, history


def test_cells_carry_the_status_and_the_colour_scale_ignores_the_stuck_cell():
    r, history = grid()
    assert r.loc[(r["batch_size"] == 8) & (r["lr"] == 1.0), "status"].item() == "stuck at chance"
    cells = mlp_tables.grid_cells(r, history)
    assert cells.set_index(["batch_size", "lr"]).loc[(8, 1.0), "status"] == "stuck at chance"
    assert (cells["status"] == "converged").sum() == 5
    lo, hi = netplots.colour_limits(cells, ["test_acc"])
    assert lo == 92.0 and abs(hi - 98.2) < 1e-9  # not 10.09


def test_epoch_noise_is_the_median_late_spread():
    h = pd.DataFrame(
        {"batch_size": 8, "lr": 0.1, "seed": 0, "epoch": range(1, 7), "test_acc": [0.5, 0.97, 0.98, 0.97, 0.98, 0.97]}
    )
    assert abs(net_runs.epoch_noise(h, last=5) - 100 * pd.Series([0.97, 0.98, 0.97, 0.98, 0.97]).std()) < 1e-9
    assert math.isnan(net_runs.epoch_noise(h, last=10))


def test_grid_commentary_names_the_stuck_cell_and_the_noise_scale():
    r, history = grid()
    cells = mlp_tables.grid_cells(r, history)
    text = mlp_grid_commentary(cells, resolution=0.1)
    assert "5 converged, 1 stuck at chance, 0 diverged of 6" in text
    assert (
        "B = 8, η = 1 stuck at chance (final training loss 2.330 against ln 10 = 2.303, test accuracy 10.09%)" in text
    )
    assert "η = 0.1 for B = 8, η = 1 for B = 128: the best η grows with B" in text
    assert "0.0125 (B = 8), 0.00781 (B = 128)" in text
    assert "η/B = 0.125 (B = 8, η = 1): all above every best cell's" in text
    # gaps: B = 8: 98.2 - 97.5 = 0.70 (resolved at 2 × 0.1); B = 128: 98.1 - 97.5 = 0.60
    assert "0.70 points at B = 8 (η = 0.01 next)" in text and "all resolved" in text
    noisy = mlp_grid_commentary(cells, resolution=0.5)
    assert "unresolved at B = 8, B = 128" in noisy
    flat = cells.assign(test_acc=[0.975, 0.982, 0.1009, 0.92, 0.985, 0.981])
    assert "η = 0.1 for B = 8, η = 0.1 for B = 128: the best η never shrinks as B grows" in mlp_grid_commentary(
        flat, 0.1
    )


def test_the_comparison_with_the_hand_made_grid():
    from mnist_sgd.show import references
    from mnist_sgd.tasks.mlp_grid.commentary import mlp_references_text

    ref = references.mlp_grid()
    here = pd.DataFrame(
        {
            "batch_size": [32, 32, 8],
            "lr": [0.1, 1.0, 0.1],
            "test_acc": [0.9840, 0.1009, 0.9700],
            "train_acc": [1.0, 0.1022, 0.99],
            "status": ["converged", "stuck at chance", "converged"],
            "epochs": [20, 20, 20],
            "seeds": [1, 1, 1],
        }
    )
    text = mlp_references_text(ref.merge(here, on=["batch_size", "lr"], how="left"), resolution=0.1)
    assert text.startswith("**Compared with the hand-made reports.** By hand (MLP 784-512-256-10")
    assert "B = 32, η = 0.1: 98.33% / 100.00%" in text and "B = 128, η = 0.1: 98.03% / 99.88%" in text
    assert "B = 32, η = 1: 10.09% / 10.22% (stuck at chance)" in text
    assert "Here (PyTorch's default initialisation, inputs in [0, 1], 1 seed per cell, 20 epochs)" in text
    assert "ours at B = 32, η = 1 did" in text
    # B = 8: 97.00 - 97.80 = -0.80, B = 32: 98.40 - 98.33 = +0.07
    assert "-0.80, +0.07 test points; 1 of 2 within twice the per-epoch noise of one run (0.20 points)" in text


def test_dips_are_found_and_described():
    from mnist_sgd.tasks.architectures.commentary import dips_text

    h = pd.DataFrame(
        {"model": "MLP 500-300", "epoch": range(1, 7), "test_acc": [0.97, 0.975, 0.9356, 0.976, 0.977, 0.9356]}
    )
    found = net_runs.dips(h, points=1.0)
    assert found["epoch"].tolist() == [3, 6]
    text = dips_text(found, 1.0, resolution=0.2)
    assert (
        "MLP 500-300: 93.56% at epoch 3 (from 97.50%, back to 97.60% one epoch later), 93.56% at epoch 6 (from 97.70%, the last epoch)"
        in text
    )
    assert "every fall is more than twice that" in text
    assert "In 1 of 2 dips the accuracy later regained its level before the dip (at epoch 4)" in text
    assert "not every dip can be told apart from a lasting loss" in text
    healed = h.assign(test_acc=[0.97, 0.975, 0.9356, 0.976, 0.977, 0.98])
    assert "not a lasting loss of accuracy" in dips_text(net_runs.dips(healed), 1.0, 0.2)
    assert "not every fall is more than twice that" in dips_text(found, 1.0, resolution=2.5)
    assert "No run's test accuracy fell by more than 1 point" in dips_text(net_runs.dips(h.head(2)), 1.0, 0.2)


def test_first_run_text_follows_the_numbers():
    from mnist_sgd.tasks.architectures.commentary import first_run_text

    text = first_run_text(0.9457, 0.8675, {"inputs in [0, 1]": 0.92}, 10, resolution=0.2)
    assert "94.57% here after 10 epochs against 86.75% by hand (+7.82 points)" in text
    assert (
        "inputs in [0, 1]: 92.00%" in text
        and "The closest to the hand figure is inputs in [0, 1], +5.25 points" in text
    )
    assert "cannot be known" in text and "39 times the per-epoch noise" in text
    assert "None of them comes closer" in first_run_text(0.9457, 0.8675, {"x": 0.97}, 10, 0.2)
    timed = first_run_text(
        0.9457, 0.8675, {}, 10, 0.2, curves={"inputs in [-1, 1]": [0.8902, 0.9049], "slow": [0.5, 0.6]}
    )
    assert "The inputs in [-1, 1] run passed the hand figure after epoch 1 (89.02%)" in timed
    assert "The slow run never reached the hand figure in 2 epochs" in timed


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


def test_a_constant_answer_is_recognised_from_the_accuracy():
    labels = torch.tensor([7] * 1028 + [1] * 1135 + [0] * 7837)
    assert nets.constant_answer(0.1028, labels) == 7
    assert nets.constant_answer(0.1135, labels) == 1
    assert nets.constant_answer(0.2, labels) is None
