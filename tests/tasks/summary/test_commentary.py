"""The summary's answers and its paragraph on how the report was made follow the tables they are given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.show import references
from mnist_sgd.tasks.batch_size.commentary import trend_beyond_spread
from mnist_sgd.tasks.pytorch.tables import UNCONVERTED
from mnist_sgd.tasks.summary.commentary import (
    answer_list,
    architectures_answer,
    batch_size_answer,
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
    assert data_answer(counts).startswith(
        "55,000 training and 9,000 test images, each a 784-vector of pixels scaled to [0, 1]"
    )


def test_the_sgd_answer_quotes_the_gradient_check_and_the_optimum():
    reference = pd.DataFrame({"train_loss_star": [0.195501], "test_acc_star": [0.8534], "job": "02_sgd"})
    checks = pd.DataFrame({"gradient_max_abs_diff": [1.23e-16], "job": "02_sgd"})
    assert sgd_answer(reference, checks) == (
        "The hand-written batch gradient agrees with automatic differentiation to 1.2e-16; the exact least-squares "
        "optimum has training loss L* = 0.19550, the lowest any W can have (no run of SGD ends below it), and 85.34% "
        "test accuracy."
    )


def test_the_batch_sizes_are_answered_in_one_sentence_smallest_first_converged_or_not():
    chosen = pd.DataFrame(
        {
            "batch_size": [100, 10, 1000],
            "lr": [0.0373, 0.00518, 0.05],
            "converged": [True, False, True],
            "itr": [1200, 800, 400],
            "cap": [10000, 800, 4000],
            "itr_seconds_mean": [0.109, math.nan, 0.5],
            "final_test_acc": [0.8541, 0.8432, 0.85],
            "excess_pct": [5.62, 13.94, 1.0],
        }
    )
    assert batch_size_answer(chosen) == (
        "Good learning rates are η = 0.00518, 0.0373 and 0.05 for B = 10, 100 and 1,000 (the smallest rate whose loss "
        "converged within the run). The training loss converged at about ITR = 1,200 and 400 iterations (B = 100 and 1,000; two significant figures, as the checkpoints "
        "allow), after 0.11 s and 0.5 s of training; at B = 10 not "
        "within 800 iterations, the longest horizon allowed. At the end of the runs the loss is 13.9%, 5.6% and 1.0% "
        "above L* and the test accuracy 84.3%, 85.4% and 85.0%."
    )
    none_met = batch_size_answer(chosen[chosen["batch_size"] == 10])
    assert "within the run). The training loss did not converge at B = 10 within 800 iterations" in none_met


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
    won = batch_size_role_answer(batch_size_summary([1.0, 3.0], [0.1, 0.1]), 5.0)
    assert won == (
        "From B = 10 to 100, the number of iterations needed to come within 5% of L* falls (about 500 to 100) and the "
        "number of samples processed rises (about 5,000 to 10,000): a larger batch averages out more of the gradient's "
        "noise per step, but each step costs more samples. To come within 5% of L*, B = 100 needed the fewest "
        "iterations, B = 10 the fewest samples and B = 10 the least training time."
    )
    tie = batch_size_role_answer(batch_size_summary([1.2, 1.0], [0.5, 0.5], t_sd=60))
    assert "B = 10 and 100 tied for the fewest samples (within the seeds' spread)" in tie
    assert tie.endswith("B = 10 and 100 tied for the least training time (within the seeds' spread).")
    none = batch_size_summary([1.0, 1.0], [0.1, 0.1]).assign(t_target=math.nan)
    assert batch_size_role_answer(none) == "No batch size came within the target of L* in the iterations run."


def test_the_batch_size_trade_is_explained_only_when_the_clocks_move_apart():
    both_fall = batch_size_summary([1.0, 3.0], [0.1, 0.1]).assign(samples_target=[5000, 4000, math.nan])
    text = batch_size_role_answer(both_fall, 5.0)
    assert "the number of samples processed falls (about 5,000 to 4,000). To come" in text
    assert "noise" not in text
    one = batch_size_role_answer(batch_size_summary([1.0, 3.0], [0.1, 0.1]).iloc[[0, 2]], 5.0)
    assert one.startswith("To come within 5% of L*, B = 10 needed the fewest iterations")


def dataset_sizes(test_acc: list[float]) -> pd.DataFrame:
    """Two sizes, the larger listed first, with a train/test gap that closes from 30 to 2 points."""
    return pd.DataFrame(
        {
            "dataset_size": [5000, 100],
            "iterations": [3000, 3000],
            "test_acc": test_acc,
            "train_acc": [test_acc[0] + 0.02, test_acc[1] + 0.30],
            "early_test_acc": [0.8600, 0.5919],
            "job": "05_dataset_size_summary",
        }
    )


def test_the_dataset_sizes_are_answered_smallest_first_with_the_trend_and_the_gap():
    assert dataset_size_answer(dataset_sizes([0.8612, 0.6217])) == (
        "After 3,000 iterations, the test accuracy rises with the number of training images: 62.2% and 86.1% for "
        "N' = 100 and 5,000 (means over subsets), while the gap between training and test accuracy goes from 30.0 "
        "points to 2.0: a few images are fitted closely and generalise poorly. Stopping early on held-out images "
        "gives 59.2% and 86.0%."
    )
    falls = dataset_size_answer(dataset_sizes([0.60, 0.6217]))
    assert "the test accuracy falls with the number of training images" in falls
    assert "generalise" not in falls


def test_the_framework_answer_quotes_the_converted_rate_only():
    equivalence = pd.DataFrame(
        {"torch_lr": [math.nan, 0.05], "steps": [300, 1500], "relative_difference": [0.4, 3.2e-7], "job": "06_pytorch"}
    )
    assert framework_answer(equivalence).endswith(
        "after 1,500 steps differ from the hand-written ones by a relative 3.2e-07."
    )


# seeds converged, stuck and diverged of a made-up cell, by its status
_COUNTS = {
    "converged": (3, 0, 0),
    "stuck at chance": (0, 3, 0),
    "diverged": (0, 0, 3),
    "2 converged, 1 learnt, then diverged": (2, 0, 1),
}


def mlp_cells(statuses: list[str], test_acc: list[float], batch_sizes: list[int], lrs: list[float]) -> pd.DataFrame:
    """Cells of three seeds each, with a s.d. of 0.1 points; a cell converged when its status says so."""
    return pd.DataFrame(
        {
            "batch_size": batch_sizes,
            "lr": lrs,
            "seeds": 3,
            "epochs": 20,
            "status": statuses,
            "all_converged": [s == "converged" for s in statuses],
            "converged_seeds": [_COUNTS[s][0] for s in statuses],
            "stuck_seeds": [_COUNTS[s][1] for s in statuses],
            "diverged_seeds": [_COUNTS[s][2] for s in statuses],
            "test_acc": test_acc,
            "test_acc_sd": 0.001,
            "job": "07_mlp_summary",
        }
    )


def test_the_mlp_grid_gives_the_sections_verdict_on_the_best_and_the_worst():
    cells = mlp_cells(
        ["converged", "stuck at chance", "diverged"], [0.644, 0.0941, math.nan], [128, 128, 8], [0.1, 1, 0.1]
    )
    assert mlp_grid_answer(cells) == (
        "Best final test accuracy 64.40% at B = 128, η = 0.1 (the only cell run with several seeds that all "
        "converged); runs failed at B = 128, η = 1 (3 of 3 stuck at chance) (2 cells, 20 epochs)."
    )


def test_the_mlp_grid_answers_the_learning_rate_at_the_asked_batch_and_the_batch_at_the_asked_rate():
    learnt = "2 converged, 1 learnt, then diverged"
    cells = mlp_cells(
        ["converged", "converged", learnt, "converged", "converged"],
        [0.9747, 0.9833, 0.9523, 0.9780, 0.9803],
        [32, 32, 32, 8, 128],
        [0.01, 0.1, 1, 0.1, 0.1],
    )
    assert mlp_grid_answer(cells) == (
        "At B = 32, the test accuracy after 20 epochs is 97.47% at η = 0.01, 98.33% at η = 0.1 and 95.23% over the 2 "
        "surviving seeds (1 of 3 diverged) at η = 1; at η = 0.1 it is 97.80% at B = 8, 98.33% at B = 32 and 98.03% "
        "at B = 128 (means over seeds). Best final test accuracy 98.33% at B = 32, η = 0.1 (of the 4 cells run with "
        "several seeds that all converged); runs failed at B = 32, η = 1 (1 of 3 diverged) (5 cells, 20 epochs)."
    )


def test_the_architectures_quote_the_hand_made_figure_where_there_is_one():
    models = pd.DataFrame(
        {
            "model": ["MLP 128", "CNN", "MLP 500-300"],
            "name": ["MLP 128", "CNN", "MLP 500-300"],
            "final_test_acc": [0.5364, 0.4439, 0.97],
            "epochs": [1, 2, 3],
        }
    )
    assert architectures_answer(models, {"MLP 128": None, "CNN": 0.991}) == (
        "The MLP 500-300 ends with the highest test accuracy. Final test accuracy (mean over seeds): MLP 128 53.64% after 1 epoch; CNN 44.39% after 2 epochs "
        "(by hand 99.10%); MLP 500-300 97.00% after 3 epochs."
    )


def test_the_answers_are_a_list_each_led_by_its_linked_question():
    rows = [{"task": "[1. Data](#01_data)", "answer": "Yes."}, {"task": "[2. SGD](#02_sgd)", "answer": "No."}]
    assert answer_list(rows) == "- **[1. Data](#01_data).** Yes.\n- **[2. SGD](#02_sgd).** No."


def test_the_hand_made_accuracies_are_those_of_the_references():
    hand = hand_test_accuracies()
    assert hand["CNN"] == references.value(8, "test accuracy", "cnn") and hand["CNN"] is not None
    assert hand["MLP 128"] is None


def test_how_the_report_was_made_says_whether_the_tree_was_dirty():
    machine = {"cpu": "Some CPU", "cores": 1, "gpu": "none"}
    clean = how_made_text("2026-01-02", "quick", {"commit": "abc123", "dirty": False}, machine)
    assert clean.startswith("Built 2026-01-02 with the **quick** settings from commit `abc123`, on Some CPU (1 core,")
    dirty = how_made_text("2026-01-02", "full", {"commit": "abc123", "dirty": True}, machine)
    assert "the **full** settings from commit `abc123` (with uncommitted changes), on Some CPU" in dirty


def test_the_batch_sizes_say_what_the_runs_at_half_the_rate_show():
    chosen = pd.DataFrame(
        {
            "batch_size": [1, 100],
            "lr": [0.0002, 0.02],
            "converged": [True, True],
            "itr": [1000, 100],
            "cap": [4000, 400],
            "itr_seconds_mean": [1.0, 0.1],
            "final_test_acc": [0.85, 0.85],
            "excess_pct": [2.0, 2.0],
            "half_end_excess_pct": [2.2, 1.9],  # ratios 1.1 (descending) and 0.95 (between)
        }
    )
    assert batch_size_answer(chosen).endswith(
        "By the same seeds run at η/2: at B = 1 the loss is still descending, slowly; at B = 100 the gap shrank only "
        "a little, so it is mostly a slow descent."
    )


def test_a_step_within_the_seeds_spread_is_no_step_of_a_trend():
    assert trend_beyond_spread([111_890, 104_958, 120_427, 480_710], [5_138, 7_000, 3_396, 18_043]) == "rises"
    assert trend_beyond_spread([100, 50, 200], [1, 1, 1]) == "is not monotone"
    assert trend_beyond_spread([100, 101], [5, 5]) == "does not change beyond the seeds' spread"
    assert trend_beyond_spread([100, 50], [1, 1]) == "falls"


def test_the_dataset_sizes_say_where_the_runs_had_converged_by_the_end():
    sizes = dataset_sizes([0.8612, 0.6217]).assign(subsets=5, converged_subsets=[5, 0])
    assert dataset_size_answer(sizes).startswith(
        "After 3,000 iterations (no subset had converged at N' = 100; every subset at N' = 5,000), the test"
    )
    partly = dataset_size_answer(sizes.assign(converged_subsets=[0, 3]))
    assert "(3 of 5 subsets had converged at N' = 100; none at N' = 5,000)" in partly


def test_an_iteration_count_is_quoted_to_two_significant_figures():
    chosen = pd.DataFrame(
        {"batch_size": [1], "lr": [0.0002], "converged": [True], "itr": [172_541], "cap": [400_000],
         "itr_seconds_mean": [4.7612], "final_test_acc": [0.85], "excess_pct": [2.0]}
    )  # fmt: skip
    assert "at about ITR = 170,000 iterations (B = 1;" in batch_size_answer(
        chosen
    ) and "after 4.8 s" in batch_size_answer(chosen)


def test_the_framework_answer_gives_the_hand_rate_passed_unconverted_beside_the_hand_figure():
    equivalence = pd.DataFrame({"torch_lr": [0.05], "steps": [1500], "relative_difference": [3.2e-7]})
    runs = pd.DataFrame(
        {
            "rate": ["the hand reports'", "the hand reports'", "the hand reports'", "this report's"],
            "implementation": [UNCONVERTED, UNCONVERTED, "hand-written", UNCONVERTED],
            "lr": [0.001, 0.001, 0.001, 0.02],
            "epochs": 10,
            "final_test_acc": [0.8260, 0.8268, 0.85, 0.86],
        }
    )
    assert framework_answer(equivalence, runs).endswith(
        "Given the hand reports' η = 0.001 unconverted, 10 epochs end at 82.64% test accuracy (mean over 2 seeds), "
        "beside the hand-made framework figure, about 82.7% after as many epochs."
    )
    assert framework_answer(equivalence, runs[runs["rate"] == "this report's"]) == framework_answer(equivalence)


def test_the_test_accuracies_of_task_3_carry_the_seeds_spread_to_a_tenth_of_a_point():
    chosen = pd.DataFrame(
        {"batch_size": [1, 1000], "lr": [0.0002, 0.05], "converged": [True, True], "itr": [1000, 600],
         "cap": [4000, 4000], "itr_seconds_mean": [1.0, 0.7], "final_test_acc": [0.85072, 0.856],
         "final_test_acc_std": [0.0041, 0.0022], "excess_pct": [2.0, 2.3]}
    )  # fmt: skip
    assert "the test accuracy 85.1 ± 0.4% and 85.6 ± 0.2%." in batch_size_answer(chosen)
