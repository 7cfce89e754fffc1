"""The summary's answers and its paragraph on how the report was made follow the tables they are given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science.criteria import DIFFER_RULE, HAND_RULE
from mnist_sgd.show import references
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
    mlp_grid_answer,
    provenance_text,
    reading_text,
    settings_note,
    sgd_answer,
)


def test_the_data_answer_counts_the_images_of_every_class():
    counts = pd.DataFrame({"label": [0, 1], "train": [30000, 25000], "test": [5000, 4000], "job": "01_data"})
    assert data_answer(counts).startswith(
        "55,000 training and 9,000 test images, each a 784-vector of pixels scaled to [0, 1]"
    )


def test_the_sgd_answer_quotes_the_optimum_and_the_gradient_check_relative_to_its_size():
    reference = pd.DataFrame({"train_loss_star": [0.195501], "test_acc_star": [0.8534], "job": "02_sgd"})
    checks = pd.DataFrame({"gradient_max_abs_diff": [1.23e-16], "gradient_rel_diff": [3.24e-16], "job": "02_sgd"})
    assert sgd_answer(reference, checks) == (
        "Written by hand, batches drawn with replacement: its gradient agrees with automatic differentiation to "
        "3.2e-16 of the gradient's largest entry. The yardstick: L* = 0.19550, the lowest training loss (exact least "
        "squares, 85.34% test accuracy)."
    )
    older = sgd_answer(reference, checks.drop(columns="gradient_rel_diff"))
    assert "agrees with automatic differentiation to 1.2e-16 in any entry." in older
    stepped = sgd_answer(reference, checks.assign(step_rel_diff=8.9e-7))
    assert (
        "largest entry; the float32 step of the linear runs (Tasks 2-5) to 8.9e-07 of its largest entry (rounding)."
        in stepped
    )


def chosen(**changes) -> pd.DataFrame:
    """Task 3's made-up rows, B = 100 listed before 10: every B converged, the accuracies within the spread."""
    return pd.DataFrame(
        {
            "batch_size": [100, 10, 1000],
            "lr": [0.0215, 0.00464, 0.0464],
            "target_pct": 5.0,
            "converged": True,
            "itr": [1204.3, 8196.5, 480.7],
            "itr_sd": [30.0, 580.0, 18.0],
            "cap": [5000, 50000, 4000],
            "itr_seconds_mean": [0.1224, 0.208, 0.806],
            "final_test_acc": [0.8528, 0.8497, 0.856],
            "final_test_acc_std": [0.0018, 0.0031, 0.0018],
        }
    ).assign(**changes)


def itr(**changes) -> pd.DataFrame:
    """Task 3's made-up ITR per batch size, where the loss stays within the target."""
    return pd.DataFrame(
        {
            "batch_size": [10, 100, 1000],
            "settled_t": [20_120.0, 1_204.3, 480.7],
            "settled_t_sd": [1_500.0, 30.0, 18.0],
            "settled_seconds": [0.52, 0.1224, 0.806],
        }
    ).assign(**changes)


def test_the_batch_sizes_are_answered_smallest_first_in_the_rules_terms():
    assert batch_size_answer(chosen(), itr()).replace("\u00a0", " ") == (
        "Chosen for the fewest iterations to the target: η = 0.00464, 0.0215 and 0.0464 for B = 10, 100 and 1,000. "
        "The loss reaches the target and stays there from ITR = 20,100 ± 1,500, 1,200 ± 30 and 481 ± 18 "
        "iterations on, after 0.52, 0.12 and 0.81 s of training, and still falls slowly after."
    )
    unmet = batch_size_answer(chosen(converged=[True, False, True]), itr())  # B = 10 did not
    assert (
        "ITR = 1,200 ± 30 and 481 ± 18 iterations on, after 0.12 and 0.81 s of training at B = 100 and 1,000, and"
        in unmet.replace("\u00a0", " ")
    )
    assert "At B = 10 the loss did not stay within the target for a doubling of t in 50,000 iterations." in unmet
    unsettled = batch_size_answer(chosen(), itr(settled_t=[math.nan, 1_204.3, 480.7]))  # a seed ended above it
    assert "At B = 10 the loss did not stay within the target" in unsettled


def target_choices(itr_10: list[float]) -> pd.DataFrame:
    """Task 3's rule redone at 2% (never reached), 5% and 10%, at B = 10 and 100."""
    return pd.DataFrame(
        {
            "batch_size": [10, 10, 10, 100, 100, 100],
            "target_pct": [2.0, 5.0, 10.0] * 2,
            "lr": 0.01,
            "reached": [False, True, True] * 2,
            "itr": [math.nan, 8000.0, itr_10[0], math.nan, 1200.0, itr_10[1]],
            "itr_sd": [math.nan, 500.0, 100.0, math.nan, 30.0, 10.0],
        }
    )


def test_the_batch_sizes_say_how_much_itr_owes_to_the_target():
    text = batch_size_answer(chosen(), itr(), target_choices([2000.0, 200.0]))  # 4 and 6 times fewer at 10%
    assert text.endswith("and still falls slowly after. At a 10% target the first crossing comes 4 to 6 times sooner.")
    looser = batch_size_answer(chosen(), itr(), target_choices([2000.0, 300.0]))
    assert looser.endswith("At a 10% target the first crossing comes 4 times sooner.")
    # the chosen rate at 10% differs from the one at 5% at B = 10: said
    moved = target_choices([2000.0, 200.0]).assign(lr=[0.01, 0.01, 0.001, 0.01, 0.01, 0.01])
    assert batch_size_answer(chosen(), itr(), moved).endswith(
        "comes 4 to 6 times sooner, and the chosen rate changes at B = 10."
    )
    stricter_only = target_choices([2000.0, 200.0]).query("target_pct < 10")
    assert batch_size_answer(chosen(), itr(), stricter_only) == batch_size_answer(chosen(), itr())


def batch_size_summary(seconds: list[float], sds: list[float], t_sd: float = 0.0) -> pd.DataFrame:
    """B = 10 reaches the target in most iterations but fewest samples; B = 1000 never reaches it."""
    return pd.DataFrame(
        {
            "batch_size": [10, 100, 1000],
            "target_pct": 5.0,
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
        "From B = 10 to 100 the iterations to the target fall 5.0-fold and the samples (iterations × B) rise 2.0-fold: each larger "
        "step averages out more gradient noise but reads more images. To the first crossing, B = 10 needed the fewest "
        "samples. B = 10 trained fastest; the others took 3.0× as long or more, beyond the machine's load."
    )
    tie = batch_size_role_answer(batch_size_summary([1.2, 1.0], [0.5, 0.5], t_sd=60))
    assert "To the first crossing, B = 10 and 100 tie for the fewest samples." in tie
    assert tie.endswith(
        "B = 100 trained fastest, but its lead over B = 10 is within what the machine's load can cause."
    )
    none = batch_size_summary([1.0, 1.0], [0.1, 0.1]).assign(t_target=math.nan)
    assert batch_size_role_answer(none) == "No batch size came within 5% of L* in the iterations run."


def test_the_batch_size_trade_is_explained_only_when_the_clocks_move_apart():
    both_fall = batch_size_summary([1.0, 3.0], [0.1, 0.1]).assign(samples_target=[5000, 4000, math.nan])
    text = batch_size_role_answer(both_fall)
    assert text.startswith("From B = 10 to 100 the iterations to the target falls and the samples falls.")
    assert "noise" not in text and "load" in text
    one = batch_size_role_answer(batch_size_summary([1.0, 3.0], [0.1, 0.1]).iloc[[0, 2]])
    assert one == "Only B = 10 came within the target in the iterations run."


def dataset_sizes(stop_test_acc: list[float], sd: float = 0.01) -> pd.DataFrame:
    """Task 5's table across sizes, the larger listed first: two sizes read at the stop chosen on
    20% of each subset (a train/test gap that closes from 30 to 2 points, test accuracies with the
    s.d. ``sd``) and at the end of the budget (the same)."""
    stop_train = [stop_test_acc[0] + 0.02, stop_test_acc[1] + 0.30]
    return pd.DataFrame(
        {
            "dataset_size": [5000, 100],
            "iterations": [3000] * 2,
            "batch_size": [100] * 2,
            "fit_share": [0.8] * 2,
            "fit_images": [4000, 80],
            "validation_images": [1000, 20],
            "subsets": [5, 5],
            "stop_t_min": [40, 10],
            "stop_t_max": [90, 20],
            "stop_test_acc": stop_test_acc,
            "stop_test_acc_sd": [sd, sd],
            "stop_train_acc": stop_train,
            "stop_train_acc_sd": [0.0, 0.0],
            "stop_train_acc_min": stop_train,
            "stop_gap_sd": [0.0, 0.0],
            "test_acc": stop_test_acc,  # the end as the stop: a test of the fixed budget sets its own
            "test_acc_sd": [0.002, 0.002],
            "train_acc": [0.86, 1.0],
            "train_acc_sd": [0.0, 0.0],
            "train_acc_min": [0.86, 1.0],
            "gap_sd": [0.0, 0.0],
            "loss_fall": [0.002, 0.002],
            "rel_tol": 0.01,
            "test_change": [0.001, -0.001],
            "test_change_sd": [0.002, 0.002],
            "closed_form_test_acc": stop_test_acc,  # the runs end where SGD converges
            "closed_form_test_acc_sd": [0.002, 0.002],
            "job": "05_dataset_size_summary",
        }
    )


def test_the_dataset_sizes_are_answered_after_the_iterations():
    assert dataset_size_answer(dataset_sizes([0.8612, 0.6217])).replace("\u00a0", " ") == (
        "After 3,000 iterations, the final test accuracy rises with N': 62.2 ± 0.2% and 86.1 ± 0.2% for N' = 100 and "
        "5,000 (mean ± s.d. over subsets)."
    )
    falls = dataset_size_answer(dataset_sizes([0.60, 0.6217]))
    assert "the final test accuracy falls with N'" in falls
    # a spread of 12 points leaves no decimal worth quoting, and no step beyond it
    wide = dataset_size_answer(dataset_sizes([0.8612, 0.6217]).assign(test_acc_sd=0.12)).replace("\u00a0", " ")
    assert "rises with N' (0 of its 1 steps beyond the spread): 62 ± 12% and 86 ± 12%" in wide


def test_the_dataset_sizes_name_where_stopping_early_does_better():
    # at 100 the end (55% ± 0.2) lies below the stop (62.17% ± 1.0) beyond the spread
    sizes = dataset_sizes([0.8612, 0.6217]).assign(test_acc=[0.8612, 0.55])
    said = dataset_size_answer(sizes).replace("\u00a0", " ")
    assert said.endswith(
        " Stopped early it is higher beyond the spread at N' = 100 (62.2 ± 1.0%): the runs on few images over-fit, "
        "and there the answer depends on when training stops."
    )
    assert "Stopped early" not in dataset_size_answer(dataset_sizes([0.8612, 0.6217]))


def test_the_framework_answer_quotes_the_converted_rate_only():
    equivalence = pd.DataFrame(
        {"torch_lr": [math.nan, 0.05], "steps": [300, 1500], "relative_difference": [0.4, 3.2e-7], "job": "06_pytorch"}
    )
    assert framework_answer(equivalence).endswith(
        "(after 1,500 steps on the same batches the weights differ by a relative 3.2e-07)."
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


def test_the_mlp_grid_gives_the_stability_boundary_in_eta_over_b():
    cells = mlp_cells(
        ["converged", "stuck at chance", "converged"], [0.644, 0.0941, 0.97], [128, 128, 8], [0.1, 1, 0.01]
    )
    # η/B: 0.00078 and 0.00125 converged, 0.0078 failed
    # the rate that failed (η = 1) trained at no larger batch: nothing said of the batch size
    assert mlp_grid_answer(cells) == "Every seed trained up to η/B = 1.25 × 10⁻³, not from 7.81 × 10⁻³ up."
    mixed = mlp_cells(["converged", "stuck at chance"], [0.97, 0.0941], [8, 128], [0.1, 0.1])
    # η/B 0.0125 converged, 0.00078 failed: no boundary to state
    assert mlp_grid_answer(mixed).replace("\u00a0", " ") == (
        "At η = 0.1 it is 97.00% ± 0.10 at B = 8; at B = 128, 3 of 3 seeds stuck at chance."
    )


def test_the_mlp_grid_answers_the_learning_rate_at_the_asked_batch_and_the_batch_at_the_asked_rate():
    learnt = "2 converged, 1 learnt, then diverged"
    cells = mlp_cells(
        ["converged", "converged", learnt, "converged", "converged"],
        [0.9747, 0.9833, 0.9523, 0.9780, 0.9803],
        [32, 32, 32, 8, 128],
        [0.01, 0.1, 1, 0.1, 0.1],
    )
    assert mlp_grid_answer(cells).replace("\u00a0", " ") == (
        "At B = 32 the final test accuracy is 97.47% ± 0.10 at η = 0.01 and 98.33% ± 0.10 at η = 0.1; at η = 1, 1 of 3 "
        "seeds diverged. At η = 0.1 it is 97.80% ± 0.10 at B = 8 and 98.03% ± 0.10 at B = 128; every seed trained up "
        "to η/B = 0.0125, not from 0.0313 up."
    )
    assert "(" not in mlp_grid_answer(cells)  # batch sizes apart: no "the same", no values in brackets


def test_the_mlp_grid_says_when_the_batch_size_leaves_the_accuracy_the_same_and_needs_a_smaller_rate():
    cells = mlp_cells(
        ["converged", "converged", "2 converged, 1 learnt, then diverged", "converged", "converged", "converged"],
        [0.9747, 0.9836, 0.9446, 0.9832, 0.9803, 0.9832],
        [32, 32, 32, 8, 128, 128],
        [0.01, 0.1, 1, 0.1, 0.1, 1],
    ).assign(test_acc_sd=[0.0004, 0.0004, 0.0119, 0.0021, 0.0012, 0.0017], swing=[0.08, 0.04, 0.54, 0.2, 0.12, 0.3])
    # at η = 0.1 the three batch sizes are tied (one run's fluctuation, in points, counted as the section
    # counts it); η = 1 failed at B = 32 and trained at B = 128
    assert mlp_grid_answer(cells).replace("\u00a0", " ").split(". ", 1)[1] == (
        "At η = 0.1 the final test accuracies at B = 8 (98.32% ± 0.21) and B = 128 (98.03% ± 0.12) are within the "
        "spread of each other; η = 1 failed at B = 32 but trained at B = 128; every seed trained up to η/B = 0.0125, "
        "not from 0.0313 up."
    )
    apart = cells.assign(test_acc_sd=0.0001, swing=0.01)  # the same means told apart
    assert "within the spread" not in mlp_grid_answer(apart)
    assert "η = 1 failed at B = 32 but trained at B = 128; every seed trained" in mlp_grid_answer(apart)


def test_the_architectures_quote_the_hand_made_figure_where_there_is_one():
    models = pd.DataFrame(
        {
            "model": ["MLP 128", "CNN", "MLP 500-300"],
            "name": ["MLP 128", "CNN", "MLP 500-300"],
            "final_test_acc": [0.5364, 0.4439, 0.97],
            "final_test_acc_sd": [0.0012, 0.0004, math.nan],
            "epochs": [1, 2, 3],
        }
    )
    assert architectures_answer(models, {"MLP 128": None, "CNN": 0.991}) == (
        "The MLP 500-300 ends highest, at 97.00% after 3 epochs. The others: the MLP 128 53.64% ± 0.12 after 1 epoch; "
        "the CNN 44.39% ± 0.04 after 2 epochs (by hand about 99.1%)."  # as the hand-made report gave it
    )  # after each model's last epoch, ± the s.d. over its seeds as the section's table (none for one seed)


def test_the_answers_are_a_list_each_led_by_its_linked_question():
    rows = [{"task": "[1. Data](#01_data)", "answer": "Yes."}, {"task": "[2. SGD](#02_sgd)", "answer": "No."}]
    assert answer_list(rows) == "- **[1. Data](#01_data).** Yes.\n- **[2. SGD](#02_sgd).** No."


def test_the_hand_made_accuracies_are_those_of_the_references():
    hand = hand_test_accuracies()
    assert hand["CNN"] == references.value(8, "test accuracy", "cnn") and hand["CNN"] is not None
    assert hand["MLP 128"] is None


def test_only_a_report_built_with_other_settings_is_flagged_at_its_head():
    assert settings_note("full") == ""
    assert settings_note("quick") == "**Built with the shortened quick settings: these are not the report's numbers.**"


def test_the_numbers_are_explained_once_with_the_one_rule_and_a_glossary():
    text = reading_text(2, 2)
    assert DIFFER_RULE[1:] in text and text.count("2√(σ₁² + σ₂²)") == 1
    assert f"- **Against a hand-made figure**: O{HAND_RULE[1:]}." in text
    assert (
        ". *Within* is not *equal*: the seeds do not settle the difference (three seeds give only a rough s.d.). In "
        "Tasks 7 and 8 σ also counts one run's fluctuation"
        in text
        and "- **Only the means differ**: said beside a verdict within the spread when the two means are further "
        "apart than 2√(σ₁²/n₁ + σ₂²/n₂)"
        in text
        and "which asks more than a test of the means" in text
    )
    assert (
        "a shared 2-core machine running 2 runs at a time" in text
        and "running 1 run at" in reading_text(2, 1)
        and "So one time counts as longer than another only beyond 2×, allowing also for the spread over seeds" in text
    )
    # the same step timed in several jobs: how far apart its times lie is measured, not assumed
    assert "The same step" not in text
    micros = pd.DataFrame({"task": ["Task 3", "Task 3", "Task 6"], "micros": [125.4, 130.0, 197.2]})
    measured = reading_text(2, 2, step_micros=micros)
    assert (
        "The same step (the linear model's at B = 100 on the whole training set) took 125 to 197 µs across the 3 runs "
        "of Task 3 and Task 6 that take it: up to 1.6× as long in one run as in another." in measured
    )
    # a build disturbed beyond the rule's factor says that its time comparisons do not hold, rather than apply it
    busy = reading_text(2, 2, step_micros=micros.assign(micros=[125.4, 130.0, 450.0]))
    assert "up to 3.6× as long" in busy and "no time here is told apart from another" in busy
    assert "only beyond 2×" not in busy and "only beyond 2×" in measured
    # without Task 3, none of its terms
    assert "- **η/B**:" in text and "- **Seed**:" in text and "ITR" not in text and "target" not in text
    assert text.startswith("- **±**: the standard deviation (s.d.)") and text.count("- **") == 7 and "\n\n" not in text
    with_task3 = reading_text(2, 2, 5.0)
    assert "- **Target**: a training loss within 5% of L*." in with_task3
    assert "- **ITR**: the first checkpoint t from which the loss stays within the target up to 2t" in with_task3
    assert with_task3.count("- **") == 12


def test_an_iteration_count_is_rounded_as_its_table_and_a_time_to_two_significant_figures():
    one = batch_size_answer(
        chosen().iloc[[1]], itr(settled_t=172_541, settled_t_sd=11_000, settled_seconds=4.7612)
    ).replace("\u00a0", " ")
    assert "ITR = 173,000 ± 11,000 iterations on, after 4.8 s of training," in one  # Table 3: 173,000 ± 11,000


def test_the_framework_answer_gives_the_hand_rate_passed_unconverted_beside_the_hand_figure():
    equivalence = pd.DataFrame({"torch_lr": [0.05], "steps": [1500], "relative_difference": [3.2e-7]})
    runs = pd.DataFrame(
        {
            "rate": ["the hand reports'", "the hand reports'", "the hand reports'", "this report's"],
            "implementation": [UNCONVERTED, UNCONVERTED, "hand-written", UNCONVERTED],
            "lr": [0.001, 0.001, 0.001, 0.02],
            "epochs": 10,
            "batch_size": 100,
            "final_test_acc": [0.8260, 0.8268, 0.85, 0.86],
        }
    )
    assert framework_answer(equivalence, runs).endswith(
        "Given the hand reports' η = 0.001 unconverted, 10 epochs at B = 100 give 82.64% test accuracy, beside the "
        "hand-made about 82.7%."
    )
    assert framework_answer(equivalence, runs[runs["rate"] == "this report's"]) == framework_answer(equivalence)


def test_the_first_setting_is_named_for_what_it_is_and_its_check_on_0_1_left_to_the_section():
    from mnist_sgd.science.architectures import FIRST, FIRST_01

    models = pd.DataFrame(
        {
            "model": [FIRST, FIRST_01, "CNN"],
            "name": ["first run", "first run on [0, 1]", "CNN"],
            "final_test_acc": [0.9449, 0.9298, 0.9914],
            "epochs": [10, 10, 40],
        }
    )
    assert architectures_answer(models, {}) == (
        "The CNN ends highest, at 99.14% after 40 epochs. The others: the MLP 128 at η = 0.01 (the assignment's first "
        "setting) 94.49% after 10 epochs."
    )


def test_the_provenance_line_gives_the_commit_and_the_time_in_plain_words():
    git = {"commit": "abc123", "dirty": False}
    assert provenance_text("2026-01-02 10:00 UTC", git, [3000.0, 2760.0], 4000.0) == (
        "Built 2026-01-02 10:00 UTC from commit `abc123`. Its 2 runs (the training runs and the analyses built on "
        "them) took 1 h 36 min in all, 1 h 06 min from the first start to the last end."
    )
    kept = provenance_text("2026-01-02", {**git, "dirty": True}, [30.0], None)
    assert kept == (
        "Built 2026-01-02 from commit `abc123` with uncommitted changes. Its 1 run (the training runs and the "
        "analyses built on them) took 30.0 s in all; the runs whose code and inputs had not changed since an earlier "
        "build were kept from it, so there is no single elapsed time."
    )
    assert provenance_text("2026-01-02", git, [], None) == "Built 2026-01-02 from commit `abc123`."
