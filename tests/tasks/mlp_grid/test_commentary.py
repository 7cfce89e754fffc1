"""Task 7's commentary follows the cells it is given: the learning rate, the batch size, the scope and timing, the grid and the hand-made grid."""

from __future__ import annotations

import math

import pandas as pd
from made_up import grid

from mnist_sgd.show import provenance
from mnist_sgd.tasks.mlp_grid import tables as mlp_tables
from mnist_sgd.tasks.mlp_grid.commentary import (
    mlp_batch_text,
    mlp_grid_commentary,
    mlp_lr_text,
    mlp_reference_summary_text,
    mlp_scope_text,
    mlp_timing_note,
)

LN10 = math.log(10)


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


def cells(changes: dict | None = None) -> pd.DataFrame:
    rows = []
    for b, spe in [(8, 10.0), (32, 4.0), (128, 2.0)]:
        for lr, acc, loss1 in [(0.01, 0.97, 0.40), (0.1, 0.98, 0.20), (1.0, 0.95, 0.30)]:
            rows.append(
                {
                    "batch_size": b,
                    "lr": lr,
                    "status": "converged",
                    "diverged": False,
                    "diverged_seeds": 0,
                    "seeds": 1,
                    "test_acc": acc + b / 1e4,
                    "loss_epoch1": loss1 + b / 1e3,
                    "rises": 1.0,
                    "max_rise": 0.01,
                    "completed": 20,
                    "seconds_per_epoch": spe,
                    "train_images": 60000,
                }
            )
    table = pd.DataFrame(rows)
    for (b, lr, column), value in (changes or {}).items():
        table.loc[(table["batch_size"] == b) & (table["lr"] == lr), column] = value
    return table


def test_the_learning_rate_text_names_the_best_and_the_fastest_per_batch_size():
    text = mlp_lr_text(cells())
    assert "- **B = 8:** the best final test accuracy is at η = 0.1: η = 0.1 (98.08%)" in text
    assert "the fastest descent (lowest loss after epoch 1) is at η = 0.1" in text
    assert "from one in between in 3" in text
    stuck = mlp_lr_text(cells({(8, 1.0, "status"): "stuck at chance", (8, 1.0, "test_acc"): 0.1}))
    assert "η = 1 stuck at chance (no learning)" in stuck
    one = cells()
    assert "cannot be compared" in mlp_lr_text(one[one["lr"] == 0.1])


def test_the_batch_size_text_uses_the_images_of_an_epoch():
    text = mlp_batch_text(cells(), "Timing note.")
    # 60,000 images: 7,500 steps at B = 8 (10 s: 1.333 ms per step), 469 at B = 128 (2 s: 4.26 ms)
    assert "per step it costs 1.33 ms against 4.26 ms" in text
    small = cells()
    small["train_images"] = 5000  # a quick look at 5,000 images: 625 and 40 steps per epoch
    assert "per step it costs 16 ms against 50 ms" in mlp_batch_text(small, "Timing note.")
    assert text.endswith("Timing note.") and "time per epoch falls as B grows" in text
    assert "roughly comparable" in mlp_batch_text(cells(), None)


def test_the_reference_summary_counts_and_compares():
    compared = pd.DataFrame(
        {
            "batch_size": [32, 8],
            "lr": [0.1, 0.1],
            "epochs": [20, math.nan],
            "ref_test": [98.33, 97.80],
            "test": [98.10, math.nan],
            "test_diff": [-0.23, math.nan],
            "train_diff": [-0.5, math.nan],
        }
    )
    text = mlp_reference_summary_text(compared, 5, 20)
    assert text.startswith("1 of the 5 reference cells has results here.") and "-0.23" not in text
    assert "largest: 0.23 at B = 32, η = 0.1" in text
    assert "nothing to compare" in mlp_reference_summary_text(compared.assign(test=math.nan), 5, 20)


def test_the_scope_text_counts_the_cells_and_warns_of_a_shorter_or_uneven_budget():
    grid = cells().assign(epochs=20)
    ran = grid[~((grid["batch_size"] == 8) & (grid["lr"] == 1.0))]
    text = mlp_scope_text(ran, 20)
    assert text.startswith("This profile ran **8 of the 9 cells** spanned by batch sizes 8, 32, 128")
    assert "learning rates 0.01, 0.1, 1, with 20 epochs per run and 1 seed per cell." in text
    assert "shorter budget" not in text and "not directly comparable" not in text
    short = mlp_scope_text(ran.assign(epochs=5), 20)
    assert "with 5 epochs per run" in short and "The assignment asks for 20 epochs" in short
    assert "not directly comparable" not in short
    uneven = mlp_scope_text(ran.assign(epochs=[20] * 7 + [5]), 20)
    assert (
        "with 5 or 20 epochs per run" in uneven and "shorter budget" in uneven and "not directly comparable" in uneven
    )


def test_the_timing_note_needs_one_set_of_conditions():
    runs = pd.DataFrame({"threads": [1, 1], "device": ["cpu", "cpu"], "parallel_jobs": [2, 2]})
    assert mlp_timing_note(runs) == provenance.timing_note({"threads": 1, "device": "cpu", "parallel_jobs": 2})
    assert mlp_timing_note(runs.assign(threads=[1, 4])) is None
