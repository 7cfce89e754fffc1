"""Task 7's commentary follows the table of cells it is given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd import provenance
from mnist_sgd.commentary_mlp import (
    mlp_batch_text,
    mlp_lr_text,
    mlp_reference_summary_text,
    mlp_scope_text,
    mlp_timing_note,
)


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
