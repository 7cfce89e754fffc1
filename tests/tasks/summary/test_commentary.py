"""The summary's answers and its paragraph on how the report was made follow the tables they are given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.show import references
from mnist_sgd.show.present import mean_sd
from mnist_sgd.tasks.summary.commentary import (
    architectures_answer,
    batch_size_answers,
    batch_size_role_answer,
    data_answer,
    dataset_size_answer,
    framework_answer,
    hand_test_accuracies,
    how_made_text,
    mlp_grid_answer,
    sgd_answer,
)


def test_the_data_answer_counts_the_images_of_every_class():
    counts = pd.DataFrame({"label": [0, 1], "train": [30000, 25000], "test": [5000, 4000], "job": "01_data"})
    assert data_answer(counts).startswith("55,000 training and 9,000 test images, 784 pixels in [0, 1]")


def test_the_sgd_answer_quotes_the_gradient_check_and_the_optimum():
    reference = pd.DataFrame({"train_loss_star": [0.195501], "test_acc_star": [0.8534], "job": "02_sgd"})
    checks = pd.DataFrame({"gradient_max_abs_diff": [1.23e-16], "job": "02_sgd"})
    assert sgd_answer(reference, checks) == (
        "gradient equals autograd's to 1.2e-16; the exact optimum has L* = 0.19550 and 85.34% test accuracy"
    )


def test_each_batch_size_is_answered_in_order_converged_or_not():
    chosen = pd.DataFrame(
        {
            "batch_size": [100, 10],
            "lr": [0.0373, 0.00518],
            "converged": [True, False],
            "itr": [1200, 800],
            "cap": [10000, 800],
            "itr_seconds_mean": [0.109, math.nan],
            "itr_seconds_std": [0.001, math.nan],
            "seeds": [3, 1],
            "final_test_acc": [0.8541, 0.8432],
            "excess_pct": [5.62, 13.94],
            "job": ["03_batch_size__batch_size-100", "03_batch_size__batch_size-10"],
        }
    )
    (q10, small, job10), (q100, large, job100) = batch_size_answers(chosen)
    assert (q10, job10, q100, job100) == (
        "3. B = 10",
        "03_batch_size__batch_size-10",
        "3. B = 100",
        "03_batch_size__batch_size-100",
    )
    assert small == (
        "η = 0.00518, not converged in 800 iterations, the longest horizon allowed; after 800 iterations the loss "
        "is 13.94% above L* and the test accuracy 84.32%"
    )
    # the table cell's no-break spaces come with mean_sd
    assert large.startswith(f"η = 0.0373, converged from ITR = 1,200 iterations, {mean_sd(0.109, 0.001)} s of ")
    assert "over 3 seeds" in large and "after 10,000 iterations the loss is 5.62% above L*" in large


def batch_size_summary(seconds: list[float], sds: list[float], t_sd: float = 0.0) -> pd.DataFrame:
    """B = 10 reaches the target in most iterations but fewest samples; B = 1000 never reaches it."""
    return pd.DataFrame(
        {
            "batch_size": [10, 100, 1000],
            "t_target": [500, 100, math.nan],
            "t_target_sd": [t_sd, t_sd, math.nan],
            "samples_target": [5000, 10000, math.nan],
            "samples_target_sd": [10 * t_sd, 100 * t_sd, math.nan],
            "seconds_target": [*seconds, math.nan],
            "seconds_target_sd": [*sds, math.nan],
            "job": "04_batch_size_summary",
        }
    )


def test_the_role_of_the_batch_size_names_a_winner_or_a_tie_or_none():
    won = batch_size_role_answer(batch_size_summary([1.0, 3.0], [0.1, 0.1]))
    assert won == (
        "to come within the target of L*: the fewest iterations at B = 100; the fewest samples at B = 10; "
        "the least training time at B = 10"
    )
    tie = batch_size_role_answer(batch_size_summary([1.2, 1.0], [0.5, 0.5], t_sd=60))
    assert "the fewest samples: a tie between B = 10, 100 (within the seeds' spread)" in tie
    assert tie.endswith("the least training time: a tie between B = 100, 10 (within the seeds' spread)")
    none = batch_size_summary([1.0, 1.0], [0.1, 0.1]).assign(t_target=math.nan)
    assert batch_size_role_answer(none) == "no batch size reached the target within its iterations"


def test_the_dataset_sizes_are_answered_smallest_first():
    sizes = pd.DataFrame(
        {
            "dataset_size": [5000, 100],
            "test_acc": [0.8612, 0.6217],
            "peak_test_acc": [0.8650, 0.6798],
            "early_test_acc": [0.8600, 0.5919],
            "job": "05_dataset_size_summary",
        }
    )
    assert dataset_size_answer(sizes) == (
        "test accuracy at the end of the run / best along it / stopped early on held-out images: "
        "62.17% / 67.98% / 59.19% at N' = 100, 86.12% / 86.50% / 86.00% at N' = 5,000 (means over subsets)"
    )


def test_the_framework_answer_quotes_the_converted_rate_only():
    equivalence = pd.DataFrame(
        {"torch_lr": [math.nan, 0.05], "steps": [300, 1500], "relative_difference": [0.4, 3.2e-7], "job": "06_pytorch"}
    )
    assert framework_answer(equivalence).endswith("after 1,500 steps to a relative difference of 3.2e-07")


def mlp_cells(worst_status: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "batch_size": [128, 128, 8],
            "lr": [0.1, 1.0, 0.1],
            "test_acc": [0.644, 0.0941, math.nan],  # the last cell has no accuracy: left out
            "status": ["converged", worst_status, "diverged"],
            "epochs": [1, 3, 7],
            "job": "07_mlp_summary",
        }
    )


def test_the_mlp_grid_names_the_best_and_the_worst_and_its_status_when_not_converged():
    assert mlp_grid_answer(mlp_cells("converged")) == (
        "best test accuracy 64.40% at B = 128, η = 0.1; worst 9.41% at B = 128, η = 1 (2 cells, 3 epochs)"
    )
    assert "worst 9.41% at B = 128, η = 1 (still improving) (2 cells" in mlp_grid_answer(mlp_cells("still improving"))


def test_the_architectures_quote_the_hand_made_figure_where_there_is_one():
    runs = pd.DataFrame(
        {
            "model": ["MLP 128", "CNN", "MLP 500-300"],
            "final_test_acc": [0.5364, 0.4439, 0.97],
            "epochs": [1, 2, 3],
            "job": "08_architectures",
        }
    )
    text = architectures_answer(runs, {"MLP 128": None, "CNN": 0.991})
    assert text == (
        "MLP 128: 53.64% after 1 epoch; CNN: 44.39% after 2 epochs (by hand: 99.10%); MLP 500-300: 97.00% after 3 epochs"
    )


def test_the_hand_made_accuracies_are_those_of_the_references():
    hand = hand_test_accuracies()
    assert hand["CNN"] == references.value(8, "test accuracy", "cnn") and hand["CNN"] is not None
    assert hand["MLP 128"] is None


def test_how_the_report_was_made_says_whether_the_tree_was_dirty():
    times = pd.DataFrame(
        {
            "job": ["a", "b"],
            "notebook": ["01_data", "02_sgd"],
            "seconds": [60.0, 30.0],
            "finished": ["2026-01-01T10:01:00+0000", "2026-01-01T10:01:30+0000"],
            "build": ["x", "x"],
        }
    )
    machine = {"cpu": "Some CPU", "cores": 1, "gpu": "none"}
    conditions = {"threads": 2, "device": "cpu", "parallel_jobs": 3}
    clean = how_made_text("2026-01-02", "quick", {"commit": "abc123", "dirty": False}, machine, times, conditions)
    assert clean.startswith(
        "Built 2026-01-02 with the **quick** profile from commit `abc123`, on Some CPU (1 core, GPU: none). "
        "The 2 task jobs took 1 min 30 s of job time"
    )
    assert "their wall time, from the start of the first to the end of the last, was 1 min 30 s." in clean
    assert clean.endswith(
        "(2 torch threads on cpu, 3 jobs of the report running in parallel) and vary between "
        "builds with the load of the machine; they are not reproducible to the digit."
    )
    dirty = how_made_text("2026-01-02", "full", {"commit": "abc123", "dirty": True}, machine, times, conditions)
    assert "the **full** profile from commit `abc123` (with uncommitted changes), on Some CPU" in dirty
