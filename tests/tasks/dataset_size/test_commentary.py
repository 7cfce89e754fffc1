"""The generated commentary of Task 5: its numbers and verdicts follow the table it is given."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show import references
from mnist_sgd.show.commentary import learning_rate_text
from mnist_sgd.tasks.dataset_size.commentary import (
    REACHED_OPTIMUM,
    STOPPED_MOVING,
    converged_by_text,
    counted,
    criterion_text,
    dataset_size_commentary,
    subsets_text,
)
from mnist_sgd.tasks.dataset_size.limit_commentary import budget_text, limit_in_brief, limit_text, threshold_text
from mnist_sgd.tasks.dataset_size.readings import readings_caption, readings_table, readings_text


def table(test, train, closed_test=None, closed_loss=None, sizes=(100, 1000, 10000, 60000), converged=None):
    n = len(sizes)
    closed_test = closed_test or [t - 0.01 for t in test]
    return pd.DataFrame(
        {
            "dataset_size": list(sizes),
            "subsets": [5] * n,
            "converged_subsets": converged or [5] * n,
            "test_acc": test,
            "test_acc_min": [t - 0.005 for t in test],
            "test_acc_max": [t + 0.005 for t in test],
            "train_acc": train,
            "final_train_loss": [0.01, 0.15, 0.19, 0.2][:n],
            "closed_form_test_acc": closed_test,
            "closed_form_train_acc": [1.0, 0.95, 0.87, 0.852][:n],
            "closed_form_train_loss": closed_loss or [1e-29, 0.08, 0.18, 0.196][:n],
        }
    )


def test_tenfold_gains_and_where_the_gap_closes():
    text = dataset_size_commentary(table([0.60, 0.80, 0.845, 0.853], [1.0, 0.90, 0.85, 0.855]))
    assert "from 60.00% at N' = 100 to 85.30% at N' = 60,000" in text
    assert "100→1,000: +20.00 points (+20.00 per tenfold)" in text
    assert "1,000→10,000: +4.50 points (+4.50 per tenfold)" in text
    assert "diminishing returns" in text
    # gaps 40, 10, 0.5, 0.2: below 1 point from 10,000 on
    assert "40.00, 10.00, 0.50, 0.20 points" in text
    assert "below 1 point from N' = 10,000 on (at N' = 1,000 it was still 10.00)" in text


def test_the_text_changes_with_the_numbers():
    a = dataset_size_commentary(table([0.60, 0.80, 0.845, 0.853], [1.0, 0.90, 0.85, 0.855]))
    b = dataset_size_commentary(table([0.60, 0.70, 0.845, 0.853], [1.0, 0.90, 0.87, 0.855]))
    assert a != b
    assert "100→1,000: +10.00 points" in b
    assert "not monotone" in b  # gains per tenfold 10, 14.5, ...
    assert "below 1 point only at the largest size, N' = 60,000 (at N' = 10,000 it was still 2.50)" in b


def test_gap_that_never_closes_and_a_looser_threshold():
    t = table([0.60, 0.80, 0.83, 0.84], [1.0, 0.90, 0.859, 0.86])
    assert (
        "does not stay below 1 point within the sizes run (smallest: 2.00 at N' = 60,000)" in dataset_size_commentary(t)
    )
    assert "below 3 points from N' = 10,000 on" in dataset_size_commentary(t, gap_points=3.0)


def test_sgd_against_an_interpolating_closed_form():
    better = dataset_size_commentary(
        table([0.60, 0.80, 0.845, 0.853], [1.0, 0.9, 0.85, 0.855], closed_test=[0.55, 0.79, 0.84, 0.853])
    )
    assert "+5.00, +1.00, +0.50, +0.00 points" in better
    assert "At N' = 100 the closed form fits its training subset exactly" in better
    assert "; at N' = 100 SGD, whose training loss there is still" in better
    assert "after its budget, has the higher test accuracy, by more than the spread" in better
    worse = dataset_size_commentary(
        table([0.60, 0.80, 0.845, 0.853], [1.0, 0.9, 0.85, 0.855], closed_test=[0.65, 0.79, 0.84, 0.853])
    )
    assert "SGD's test accuracy is not higher there" in worse
    close = dataset_size_commentary(
        table([0.60, 0.80, 0.845, 0.853], [1.0, 0.9, 0.85, 0.855], closed_test=[0.595, 0.79, 0.84, 0.853])
    )
    assert "is not higher there by more than its spread over subsets (at N' = 100 the difference is within" in close


def test_any_subset_of_sizes_works():
    two = dataset_size_commentary(table([0.62, 0.81], [1.0, 0.88], sizes=(100, 500), converged=[0, 3]))
    assert "100→500 (×5): +19.00 points (+8.18 per doubling)" in two
    assert "per tenfold" not in two  # a fivefold step is not quoted per tenfold
    one = dataset_size_commentary(table([0.62], [1.0], sizes=(500,)))
    assert "Only one training-set size was run (N' = 500)" in one and "62.00%" in one


def one_size(
    converged=(True, False),
    by=(REACHED_OPTIMUM, None),
    rank=(100, 100),
    size=100,
    iterations=500,
    cf_loss=(1e-29, 3e-29),
    train_loss=(0.015, 0.017),
):
    """Two subsets of one size, as tables_dataset_size.subset_runs writes them (batch size 100)."""
    return pd.DataFrame(
        {
            "dataset_size": [size] * 2,
            "subset": [0, 1],
            "batch_size": [100] * 2,
            "lr": [0.01] * 2,
            "iterations": [iterations] * 2,
            "itr": [200 if c else iterations for c in converged],
            "converged": list(converged),
            "converged_by": list(by),
            "final_train_loss": list(train_loss),
            "final_train_acc": [1.0, 0.99],
            "final_test_acc": [0.61, 0.63],
            "closed_form_train_loss": list(cf_loss),
            "closed_form_train_acc": [1.0, 1.0],
            "closed_form_test_acc": [0.57, 0.59],
            "rank": list(rank),
            "heldout_images": [size // 5] * 2,
            "early_t": [120, 60],
            "early_test_acc": [0.64, 0.66],
            "heldout_end_test_acc": [0.6, 0.62],
        }
    )


def checkpoints(test_acc):
    ts = [0, 10, 100, 500]
    return pd.DataFrame({"t": ts * 2, "test_acc": list(test_acc) * 2})


def test_the_learning_rate_and_where_it_comes_from():
    assert learning_rate_text(0.0215, "given as a parameter") == "Learning rate η = 0.0215: given as a parameter."


def test_the_criterion_is_one_sentence_naming_both_tests():
    text = criterion_text(0.01)
    assert text.startswith(
        "A run has converged at the first checkpoint from which one of two tests holds until the end"
    )
    assert text.endswith(".") and text.count(". ") == 0  # one sentence
    assert (
        f"its training loss has {STOPPED_MOVING} (Task 3's test: averaged over each doubling of t, it changes by "
        in text
    )
    assert "less than 1% from one doubling to the next)" in text
    assert f"or it has {REACHED_OPTIMUM} (it stays within 1% of the way from its value at t = 0 down to the" in text
    assert "within 0.5% of the way" in criterion_text(0.005)


def test_which_test_dated_the_runs_is_said():
    assert converged_by_text(5, 0) == "the loss stopped moving"
    assert converged_by_text(0, 2) == "the loss reached the optimum"
    assert converged_by_text(3, 2) == "the loss stopped moving in 3 and reached the optimum in 2"


def test_one_size_at_the_end_of_its_runs():
    text = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.01)
    assert text.startswith(f"**N' = 100.** {criterion_text(0.01)} By this criterion, 1 of 2 runs converged within 500")
    assert (
        "within 500 iterations, at ITR = 200 at the latest (the loss reached the optimum). After 500 iterations "
        in text
    )
    assert "(500 passes over" in text
    assert "SGD reaches 62.00% test accuracy (min 61.00%, max 63.00%) and 99.50% on its training subset" in text
    assert "a train/test gap of 37.50 points" in text
    assert "reaches 58.00% test accuracy and 100.00% training accuracy" in text
    both = subsets_text(
        one_size(converged=(True, True), by=(STOPPED_MOVING, STOPPED_MOVING)), checkpoints([0.1] * 4), 0.01
    )
    assert "both runs converged within 500 iterations, at ITR = 200 at the latest (the loss stopped moving)." in both
    none = subsets_text(
        one_size(converged=(False, False), by=(None, None), size=50000), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.05
    )
    assert "By this criterion, none of the 2 runs converged within 500 iterations. After 500 iterations (1 pass" in none
    assert "within 5% of the way" in none
    assert "(2.5 passes" in subsets_text(one_size(size=20000), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.01)


def test_a_peak_along_the_runs_and_stopping_early():
    dropped = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.01)
    assert "highest at t = 10, 70.00%, 8.00 points above its value at the end: training longer on these 100" in dropped
    flat = subsets_text(one_size(), checkpoints([0.1, 0.62, 0.625, 0.62]), 0.01)
    assert "highest at t = 100, 62.50%; at the end it is 62.00%." in flat and "training longer" not in flat
    assert "best accuracy on 20 held-out images of each subset (training on the other 80) gives 65.00%" in flat
    # one stop per subset, in the order of the subsets, even when two subsets stop at the same t
    assert "(mean; stopped at t = 120, 60, one stop per subset), against 61.00% for the same runs at t = 500." in flat
    same = subsets_text(one_size().assign(early_t=[60, 60]), checkpoints([0.1, 0.62, 0.625, 0.62]), 0.01)
    assert "stopped at t = 60, 60, one stop per subset" in same
    reordered = subsets_text(one_size().assign(subset=[1, 0]), checkpoints([0.1, 0.62, 0.625, 0.62]), 0.01)
    assert "stopped at t = 60, 120, one stop per subset" in reordered


def test_a_small_held_out_part_is_caveated_with_its_step():
    small = subsets_text(one_size(), checkpoints([0.1, 0.62, 0.625, 0.62]), 0.01)
    assert "On 20 images the held-out accuracy moves in steps of 1/20 = 5 points" in small
    assert "the early-stopped accuracy at this size is a rough figure" in small
    hundred = subsets_text(one_size(size=500), checkpoints([0.1, 0.62, 0.625, 0.62]), 0.01)
    assert "steps of 1/100 = 1 point:" in hundred  # a step of one point still gets the caveat
    large = subsets_text(one_size(size=1000), checkpoints([0.1, 0.62, 0.625, 0.62]), 0.01)
    assert "rough figure" not in large and "200 held-out images" in large


def test_the_rank_says_whether_an_exact_fit_exists():
    exact = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.01)
    assert "Every subset's X' has rank 100 = N'" in exact
    assert "training loss is 3e-29 at most" in exact and "SGD's training loss is 0.016 (mean) after 500" in exact
    short = subsets_text(
        one_size(rank=(98, 99), cf_loss=(0.01, 0.02), train_loss=(0.011, 0.021)),
        checkpoints([0.1, 0.7, 0.6, 0.6]),
        0.01,
    )
    assert "The subsets' X' have rank 98, 99 < N' = 100, so X'W = Y' cannot be met exactly" in short
    assert "minimum on the subsets is 0.0150 (mean), and SGD ends 7.5% above it." in short
    assert "Every subset" not in short


def test_the_slowest_direction_is_set_against_the_budget():
    far = subsets_text(
        one_size().assign(smallest_singular=[0.02, 0.03], slowest_steps=[2.5e7, 1.1e7]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
        0.01,
    )
    assert "singular value s of X' (0.02 to 0.03 over the subsets)" in far
    assert "N'/(η s²) = 1.1e+07 to 2.5e+07 iterations at η = 0.01, at least 2.2e+04 times the run's 500" in far
    assert "still far from the limit" in far
    near = subsets_text(
        one_size().assign(smallest_singular=[1.1, 1.1], slowest_steps=[300.0, 400.0]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
        0.01,
    )
    assert "= 3e+02 to 4e+02 iterations at η = 0.01, within the run's 500 iterations." in near
    mixed = subsets_text(
        one_size().assign(smallest_singular=[1.1, 0.1], slowest_steps=[300.0, 4000.0]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
        0.01,
    )
    assert "beyond the run's 500 iterations for some of the subsets." in mixed


def test_counts_are_said_in_words():
    assert counted(0, 5, "subset") == "none of the 5 subsets"
    assert counted(5, 5, "subset") == "all 5 subsets"
    assert counted(3, 5, "subset") == "3 of 5 subsets"
    assert counted(2, 2, "run") == "both runs" and counted(0, 2, "run") == "none of the 2 runs"
    assert counted(1, 1, "run") == "the one run" and counted(0, 1, "run") == "no run"


def test_final_means_the_budget_and_the_convergence_is_counted_per_size():
    t = pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 10000, 60000],
            "iterations": [30000] * 5,
            "subsets": [5] * 5,
            "converged_subsets": [5, 0, 0, 3, 5],
            "stopped_moving_subsets": [0, 0, 0, 2, 5],
            "reached_optimum_subsets": [5, 0, 0, 1, 0],
        }
    )
    text = budget_text(t, 0.01)
    assert "the one at the budget of 30,000 iterations of every run" in text
    assert f"whether or not the run has converged by then. {criterion_text(0.01)} By this criterion, " in text
    assert (
        "all 5 subsets at N' = 100 (the loss reached the optimum), none of the 5 subsets at N' = 500 and 1,000, "
        "3 of 5 subsets at N' = 10,000 (the loss stopped moving in 2 and reached the optimum in 1) and all 5 subsets "
        "at N' = 60,000 (the loss stopped moving) had converged within the budget." in text
    )
    assert text.endswith(
        "At N' = 500, 1,000 and 10,000 the figures therefore describe SGD after a fixed budget, not at rest."
    )
    done = budget_text(
        t.assign(
            converged_subsets=[5] * 5, stopped_moving_subsets=[0, 0, 5, 5, 5], reached_optimum_subsets=[5, 5, 0, 0, 0]
        ),
        0.01,
    )
    assert (
        "all 5 subsets at N' = 100 and 500 (the loss reached the optimum) and all 5 subsets at N' = 1,000, 10,000 "
        "and 60,000 (the loss stopped moving) had converged" in done
    )
    assert "fixed budget" not in done
    mixed = budget_text(t.assign(iterations=[1000, 2000, 3000, 4000, 5000]), 0.01)
    assert "the iteration budget of each size (1,000 at N' = 100, 2,000 at N' = 500" in mixed


def three(end=(0.607, 0.658, 0.742, 0.844), peak=(0.699, 0.820, 0.832, 0.853), early=(0.66, 0.78, 0.81, 0.84)):
    return pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 10000],
            "iterations": [30000] * 4,
            "test_acc": list(end),
            "test_acc_min": [e - 0.02 for e in end],
            "test_acc_max": [e + 0.02 for e in end],
            "peak_test_acc": list(peak),
            "peak_t": [60, 300, 900, 20000],
            "early_test_acc": list(early),
            "early_t_min": [40, 200, 500, 10000],
            "early_t_max": [90, 400, 500, 30000],
            "heldout_end_test_acc": [0.58, 0.64, 0.73, 0.842],
            "heldout_images": [20, 100, 200, 2000],
            "at_hand_budget_acc": [0.69, 0.80, 0.82, 0.84],
            "at_hand_budget_t": [279] * 4,
        }
    )


def test_the_readings_table_gives_every_reading_and_the_hand_figures_where_there_are_some():
    table = readings_table(three().assign(gd_hand_test_acc=[0.70, 0.80, 0.83, float("nan")]), references.table(5))
    assert list(table.columns) == [
        "N'",
        "end of run",
        "best along the run (t)",
        "stopped early (t)",
        "held-out runs, end",
        "full batches, η·t = 6",
        "by hand: one report, full batches, η·t = 6",
        "by hand: another report, 500 iterations",
    ]
    first = table.iloc[0]
    assert (first["end of run"], first["best along the run (t)"], first["stopped early (t)"]) == (
        "60.70",
        "69.90\u00a0(60)",
        "66.00\u00a0(40–90)",
    )
    assert table.iloc[2]["stopped early (t)"] == "81.00\u00a0(500)"  # every subset stopped at the same t
    assert list(table["full batches, η·t = 6"]) == ["70.00", "80.00", "83.00", ""]
    assert list(table["by hand: another report, 500 iterations"]) == ["67", "78", "74", "79"]
    caption = readings_caption(three(), references.table(5), lr=0.0215)
    assert "η·t = 6 (t = 279)" in caption and "500 iterations; learning rate not stated" in caption


def test_the_readings_say_how_rough_the_stop_is_whether_it_paid_and_the_closest_reading():
    text = readings_text(three(), references.table(5), lr=0.0215)
    assert "The held-out parts are 20, 100, 200 and 2,000 images" in text
    assert "steps of 5, 1, 0.5 and 0.05 points; at N' = 100 and 500 that step is too coarse" in text
    assert "beat the same runs at their end at N' = 100, 500 and 1,000 (by 8.00, 14.00 and 8.00 points)" in text
    # first report 70/80/83/85: end of run 8.22 points off on average, best along the run 0.65
    assert "8.22 points (end of run), 0.65 points (best along the run)" in text
    assert "the closest is “best along the run”" in text and "go on to η·t = 645" in text
    fine = readings_text(three().assign(heldout_images=[200, 1000, 2000, 20000]), references.table(5), lr=0.0215)
    assert "too coarse" not in fine
    worse = readings_text(three(early=(0.57, 0.6, 0.7, 0.8)), references.table(5), lr=0.0215)
    assert "beat the same runs at their end at no N'." in worse
    exact = readings_text(three().assign(gd_hand_test_acc=[0.70, 0.80, 0.83, 0.85]), references.table(5), lr=0.0215)
    assert "0.00 points (full batches); the closest is “full batches”" in exact


def thresholds_of(values=(557, 552, 555), lit=(586, 571, 581)):
    lit = lit[: len(values)]
    return pd.DataFrame({"subset": range(len(values)), "threshold": list(values), "lit_pixels": list(lit)})


def test_the_threshold_is_named_per_subset_against_the_pixels():
    text = threshold_text(thresholds_of(), 784, (60000, 712, 717))
    assert "up to N* = 557, 552, 555 for subsets 0-2" in text
    assert "Those N* images light 586, 571, 581 of the 784 pixels" in text
    assert "between 552 and 557 images" in text
    assert "the whole training set (60,000 images) lights 717 pixels and has rank 712" in text
    one = threshold_text(thresholds_of((30,), (40,)), 50)
    assert "N* = 30 for subset 0" in one and ", at 30 images." in one and "whole training set" not in one


def limit_of(acc, norm, gd=(0.60, 0.66, 0.70, 0.72, 0.76), slow=(8e3, 2e8, 4e19, 1e15, 1e16)):
    """Five sizes of the exact grid, the thresholds between 550 and 557."""
    return pd.DataFrame(
        {
            "dataset_size": [100, 500, 550, 600, 1000],
            "limit_test_acc": list(acc),
            "limit_norm_median": list(norm),
            "gd_budget_test_acc": list(gd),
            "gd_budget_norm": [2.2, 4.8, 4.7, 4.6, 3.9],
            "smallest_singular": [1.1, 0.018, 0.0002, 0.0001, 0.001],
            "slowest_steps_min": list(slow),
            "lr": [0.01] * 5,
            "budget_iterations": [30000] * 5,
        }
    )


def sgd_at(test=(0.6074, 0.6981, 0.7660)):
    return pd.DataFrame({"dataset_size": [100, 500, 1000, 60000], "test_acc": [*test, 0.85]})


def test_the_limit_dips_and_its_norm_jumps_at_the_threshold():
    lim = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0))
    text = limit_text(lim, thresholds_of((550, 557)), sgd_at())
    assert "lowest at N' = 550, 12.60%, the grid size nearest the thresholds." in text
    assert "jumps most between N' = 500 and 550, from 65 to 4e+03 (×62), and is largest at N' = 600 (4.7e+03)" in text
    assert "at N' = 1,000 it is 870." in text
    assert "Both happen at the threshold, where the smallest non-zero singular value of X' falls from 1.1" in text
    assert "to 0.0002 (means)" in text
    # past the threshold the norm stays high: the smallest s past 557 is 0.001 at most
    assert "the smallest s is 0.001 or less at every size past the thresholds" in text
    # the runs' grid alone puts the dip and the largest norm on different sizes, either side of the threshold
    assert "lowest at 500 but its norm largest at 1,000 (2.2, 65 and 870): 500 lies just below the thresholds" in text
    assert "the denser grid puts both changes at N' = 550, between the two." in text
    assert "rises at every size of the grid, from 60.00% at N' = 100 to 76.00% at N' = 1,000: at that budget" in text
    assert "its norm stays between 2.2 and 4.8" in text
    # SGD 60.74, 69.81, 76.60 against gradient descent 60.00, 66.00, 76.00: 3.81 points at most, at 500
    assert "within 3.81 points of it (the most at N' = 500)" in text
    assert "at N' = 550 the slowest direction of every subset needs N'/(η s²) ≥ 4.0e+19 iterations" in text
    assert "at every size past the thresholds at least 1.0e+15, against 30,000" in text
    assert "So SGD shows no dip only because the runs stop at 30,000 iterations" in text


def test_the_limit_text_follows_other_numbers():
    # the dip away from the threshold, and gradient descent not monotone at the budget
    lim = limit_of(
        acc=(0.607, 0.269, 0.30, 0.32, 0.636), norm=(2.2, 65.0, 5e3, 5.1e4, 9.2e4), gd=(0.60, 0.66, 0.65, 0.72, 0.76)
    )
    text = limit_text(lim, thresholds_of((550, 557)), sgd_at())
    assert "lowest at N' = 500, 26.90%." in text and "Both happen" not in text
    assert "is largest at N' = 1,000 (9.2e+04)." in text
    assert ": 500 lies below the thresholds, 1,000 past them." in text
    assert "is not monotone across the grid, from 60.00%" in text and "no dip" not in text
    # a budget long enough for the slowest direction at the dip
    reached = limit_text(
        limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0), slow=(1e2,) * 5),
        thresholds_of((550, 557)),
        sgd_at(),
    )
    assert "The runs come near the limit's dip" in reached and "only because" not in reached


def test_the_jump_counts_at_the_threshold_when_it_ends_at_the_nearest_grid_size():
    lim = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0))
    assert "Both happen at the threshold" in limit_text(lim, thresholds_of((552, 557)), sgd_at())  # 550: nearest
    # a jump that ends at a size other than the one nearest the thresholds is not tied to them
    late = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 80.0, 4.7e3, 870.0))
    assert "Both happen" not in limit_text(late, thresholds_of((552, 557)), sgd_at())


def test_the_limit_in_brief_links_to_the_detail_and_says_the_runs_are_far_from_it():
    lim = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0))
    text = limit_in_brief(lim, thresholds_of((550, 557)), "job--more")
    assert text.count(". ") == 1 and "[in the per-run detail](#job--more)" in text  # two sentences, one link
    assert (
        "that limit's test accuracy dips to 12.60% at N' = 550, next to the interpolation thresholds (N* = 550 to 557"
        in text
    )
    # the slowest direction at 550 needs 4e19 iterations; gradient descent at the budget rises at every size
    assert (
        "needs at least 4.0e+19 iterations of η = 0.01 to close a share 1 − 1/e of its gap, against the budget of 30,000"
        in text
    )
    assert "which SGD follows on average, has no dip: a training loss that has converged does not mean weights" in text


def test_the_limit_in_brief_follows_other_numbers():
    # lowest at the first size, away from the thresholds; gradient descent at the budget not monotone
    lim = limit_of(acc=(0.10, 0.269, 0.30, 0.32, 0.636), norm=(2.2,) * 5, gd=(0.60, 0.66, 0.65, 0.72, 0.76))
    text = limit_in_brief(lim, thresholds_of((552,)), "more")
    assert "is lowest at N' = 100, 10.00% (the interpolation thresholds are at N* = 552 images)." in text
    assert "needs at least 8.0e+03 iterations" not in text  # 8e3 is within the budget of 30,000
    assert (
        "The runs can come near it: there the slowest direction of the quickest subset needs 8.0e+03 iterations" in text
    )
    far = limit_in_brief(
        limit_of(acc=(0.5, 0.269, 0.30, 0.32, 0.636), norm=(2.2,) * 5, gd=(0.60, 0.66, 0.65, 0.72, 0.76)),
        thresholds_of((552,)),
        "more",
    )
    assert "gradient descent at the budget, which SGD follows on average, is at 66.00% there, not 26.90%" in far
