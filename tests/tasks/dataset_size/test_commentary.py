"""The generated commentary of Task 5: its numbers and verdicts follow the tables it is given."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show import references
from mnist_sgd.tasks.dataset_size.commentary import (
    REACHED_OPTIMUM,
    STOPPED_MOVING,
    converged_by_text,
    counted,
    gains_text,
    gap_text,
    longer_text,
    run_status,
    status_text,
    subsets_text,
)
from mnist_sgd.tasks.dataset_size.limit_commentary import limit_in_brief, limit_text, threshold_text
from mnist_sgd.tasks.dataset_size.readings import (
    HandReport,
    early_text,
    hand_reports,
    hand_text,
    read_at,
    readings_caption,
    readings_table,
)


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


def test_which_test_dated_the_runs_is_said():
    assert converged_by_text(5, 0) == "the loss stopped moving"
    assert converged_by_text(0, 2) == "the loss reached the optimum"
    assert converged_by_text(3, 2) == "the loss stopped moving in 3 and reached the optimum in 2"


def test_one_size_at_the_end_of_its_runs():
    text = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]))
    # the criterion is stated once, in the method: the paragraph starts with the count
    assert text.startswith("**N' = 100.** 1 of 2 runs converged within 500 iterations")
    assert (
        "within 500 iterations, at ITR = 200 at the latest (the loss reached the optimum). After 500 iterations "
        in text
    )
    assert "(500 passes over" in text
    assert "SGD reaches 62.00% test accuracy (min 61.00%, max 63.00%) and 99.50% on its training subset" in text
    assert "a train/test gap of 37.50 points" in text
    assert "reaches 58.00% test accuracy and 100.00% training accuracy" in text
    both = subsets_text(one_size(converged=(True, True), by=(STOPPED_MOVING, STOPPED_MOVING)), checkpoints([0.1] * 4))
    assert text != both
    assert (
        "**N' = 100.** Both runs converged within 500 iterations, at ITR = 200 at the latest (the loss stopped" in both
    )
    none = subsets_text(
        one_size(converged=(False, False), by=(None, None), size=50000), checkpoints([0.1, 0.7, 0.65, 0.62])
    )
    assert "**N' = 50,000.** None of the 2 runs converged within 500 iterations. After 500 iterations (1 pass" in none
    assert "(2.5 passes" in subsets_text(one_size(size=20000), checkpoints([0.1, 0.7, 0.65, 0.62]))


def test_a_peak_along_the_runs_and_stopping_early():
    dropped = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]))
    assert "highest at t = 10, 70.00%, 8.00 points above its value at the end: training longer on these 100" in dropped
    flat = subsets_text(one_size(), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "highest at t = 100, 62.50%; at the end it is 62.00%." in flat and "training longer" not in flat
    assert "best accuracy on 20 held-out images of each subset (training on the other 80) gives 65.00%" in flat
    # one stop per subset, in the order of the subsets, even when two subsets stop at the same t
    assert "(mean; stopped at t = 120, 60, one stop per subset), against 61.00% for the same runs at t = 500." in flat
    same = subsets_text(one_size().assign(early_t=[60, 60]), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "stopped at t = 60, 60, one stop per subset" in same
    reordered = subsets_text(one_size().assign(subset=[1, 0]), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "stopped at t = 60, 120, one stop per subset" in reordered


def test_a_small_held_out_part_is_caveated_with_its_step():
    small = subsets_text(one_size(), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "On 20 images the held-out accuracy moves in steps of 1/20 = 5 points" in small
    assert "the early-stopped accuracy at this size is a rough figure" in small
    hundred = subsets_text(one_size(size=500), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "steps of 1/100 = 1 point:" in hundred  # a step of one point still gets the caveat
    large = subsets_text(one_size(size=1000), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "rough figure" not in large and "200 held-out images" in large


def test_the_rank_says_whether_an_exact_fit_exists():
    exact = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]))
    assert "Every subset's X' has rank 100 = N'" in exact
    assert "training loss is 3e-29 at most" in exact and "SGD's training loss is 0.016 (mean) after 500" in exact
    short = subsets_text(
        one_size(rank=(98, 99), cf_loss=(0.01, 0.02), train_loss=(0.011, 0.021)), checkpoints([0.1, 0.7, 0.6, 0.6])
    )
    assert "The subsets' X' have rank 98, 99 < N' = 100, so X'W = Y' cannot be met exactly" in short
    assert "minimum on the subsets is 0.0150 (mean), and SGD ends 7.5% above it." in short
    assert "Every subset" not in short


def test_the_slowest_direction_is_set_against_the_budget():
    far = subsets_text(
        one_size().assign(smallest_singular=[0.02, 0.03], slowest_steps=[2.5e7, 1.1e7]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
    )
    assert "singular value s of X' (0.02 to 0.03 over the subsets)" in far
    assert "N'/(η s²) = 1.1e+07 to 2.5e+07 iterations at η = 0.01, at least 2.2e+04 times the run's 500" in far
    assert "still far from the limit" in far
    near = subsets_text(
        one_size().assign(smallest_singular=[1.1, 1.1], slowest_steps=[300.0, 400.0]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
    )
    assert "= 3e+02 to 4e+02 iterations at η = 0.01, within the run's 500 iterations." in near
    mixed = subsets_text(
        one_size().assign(smallest_singular=[1.1, 0.1], slowest_steps=[300.0, 4000.0]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
    )
    assert "beyond the run's 500 iterations for some of the subsets." in mixed


def test_counts_are_said_in_words():
    assert counted(0, 5, "subset") == "none of the 5 subsets"
    assert counted(5, 5, "subset") == "all 5 subsets"
    assert counted(3, 5, "subset") == "3 of 5 subsets"
    assert counted(2, 2, "run") == "both runs" and counted(0, 2, "run") == "none of the 2 runs"
    assert counted(1, 1, "run") == "the one run" and counted(0, 1, "run") == "no run"


# ---------------------------------------------------------------------------------------
# Across sizes: a made-up table of four sizes, as tables.size_summary writes it.
# ---------------------------------------------------------------------------------------


def sizes(
    test=(0.60, 0.70, 0.80, 0.81),
    spread=0.01,
    train=(1.0, 1.0, 0.90, 0.812),
    converged=(5, 0, 0, 5),
    reached=(5, 0, 0, 0),
    last_change=(-10.0, -0.3, -0.1, -0.002),
    peak=(0.70, 0.82, 0.83, 0.815),
    closed_test=(0.60, 0.30, 0.65, 0.812),
    closed_loss=(1e-29, 1e-28, 0.07, 0.19),
):
    """N' = 100, 500, 1,000 and 60,000, 5 subsets each, 30,000 iterations of B = 100."""
    return pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 60000],
            "subsets": [5] * 4,
            "converged_subsets": list(converged),
            "reached_optimum_subsets": list(reached),
            "rel_tol": [0.01] * 4,
            "batch_size": [100] * 4,
            "lr": [0.0215] * 4,
            "iterations": [30000] * 4,
            "last_change": list(last_change),
            "test_acc": list(test),
            "test_acc_min": [v - spread for v in test],
            "test_acc_max": [v + spread for v in test],
            "train_acc": list(train),
            "train_acc_min": [min(v, 1.0) for v in train],
            "peak_test_acc": list(peak),
            "closed_form_test_acc": list(closed_test),
            "closed_form_train_loss": list(closed_loss),
        }
    )


def test_the_status_of_the_runs_is_said_per_size():
    t = sizes()
    assert [run_status(row) for _, row in t.iterrows()] == [
        "all 5 converged",
        "none converged: still descending",
        "none converged: still descending",
        "all 5 converged",
    ]
    mixed = t.assign(converged_subsets=[5, 3, 0, 5], last_change=[-10.0, -0.3, -0.005, -0.002])
    # 3 of 5; none converged but the loss moving by less than the tolerance is not called descending
    assert [run_status(row) for _, row in mixed.iterrows()][1:3] == ["3 of 5 converged", "none converged"]


def test_the_budget_is_said_in_passes_and_the_sizes_still_descending_are_named():
    text = status_text(sizes())
    assert text.startswith(
        "**At the end of the budget.** The same 30,000 iterations are 30,000 passes over the subset at N' = 100 but 50 "
        "at N' = 60,000."
    )
    assert (
        "At N' = 500 and 1,000 no run converged: the accuracies there are those after 30,000 iterations, still "
        "descending (the training loss, averaged over a doubling of t, still fell by 30% and 10% to the next)." in text
    )
    settled = status_text(sizes(converged=(5, 5, 5, 5)))
    assert "still descending" not in settled and settled.endswith("but 50 at N' = 60,000.")


def test_a_step_of_the_grid_counts_only_beyond_the_spread_over_subsets():
    # ranges ±1 point: 60→70→80 apart, 80→81 touching (79-81 against 80-82): within
    text = gains_text(sizes())
    assert "SGD's test accuracy rises with N'." in text
    assert "Every step up to N' = 1,000 moves it beyond the spread over subsets" in text
    assert (
        "the step from 1,000 to 60,000 (+1.00 points) stays within it: past 1,000 images, more data no longer" in text
    )
    wide = gains_text(sizes(spread=0.06))  # every range overlaps the next
    assert "No step of the grid moves it beyond the spread over subsets: from 100 to 500 (+10.00 points)" in wide
    apart = gains_text(sizes(test=(0.60, 0.70, 0.80, 0.85)))
    assert "Every step of the grid moves it beyond the spread over subsets" in apart
    middle = gains_text(sizes(test=(0.60, 0.605, 0.80, 0.85)))  # a step within the spread in the middle
    assert "The steps from 500 to 1,000 and from 1,000 to 60,000 move it beyond the spread" in middle
    one = gains_text(sizes(test=(0.60, 0.605, 0.80, 0.805)))
    assert "The step from 500 to 1,000 moves it beyond" in one and "the steps from 100 to 500 (+0.50 points) and" in one
    assert "the step from 100 to 500 (+0.50 points) stays within it." in middle
    assert "not monotone in N'" in gains_text(sizes(test=(0.60, 0.70, 0.80, 0.78)))


def test_the_gap_closes_where_it_stays_below_a_point_and_why_is_said():
    text = gap_text(sizes(), 784, (550, 557))
    # gaps 40, 30, 10, 0.2: below 1 point only at the largest size
    assert text.startswith(
        "**The train/test gap** shrinks with the data and falls below 1 point only at the largest size, N' = 60,000."
    )
    assert "**Why:** with 784 weights per digit, a few hundred images can be fitted almost exactly" in text
    assert "(at N' = 100 and 500 every training image is classified correctly)" in text
    # the thresholds, below the 784 weights, are where exact fits stop: not the count of weights
    assert "Past 550 to 557 images (depending on the subset; fewer than the weights" in text
    assert "no exact fit exists" in text and "outnumber" not in text
    assert "accuracy meet" not in text  # past the threshold the gap closes gradually, not at once
    early = gap_text(sizes(train=(1.0, 0.99, 0.805, 0.812)), 784, (552, 552))
    assert "Past 552 images (depending" in early
    assert "stays below 1 point from N' = 1,000 on." in early and "(at N' = 100 every training" in early
    open_gap = gap_text(sizes(train=(1.0, 1.0, 0.9, 0.85)), 784, (550, 557), gap_points=2.0)
    assert "does not stay below 2 points within the sizes run." in open_gap


def test_training_longer_names_the_sizes_that_fell_and_sgd_against_the_exact_fit():
    text = longer_text(sizes())
    # peaks 10, 12, 3 and 0.5 points above the end: the last is a plateau's noise
    assert text.startswith("**Training longer.** At N' = 100, 500 and 1,000 the test accuracy peaked early and then")
    # exact fits at 100 (reached by every run) and 500 (none: 40 points above it)
    assert "at N' = 100 the runs have reached it; at N' = 500 they are 40.00 points above it." in text
    flat = longer_text(sizes(peak=(0.605, 0.70, 0.80, 0.81), closed_loss=(0.1, 0.1, 0.1, 0.1)))
    assert flat == (
        "**Training longer.** At no size did the test accuracy fall along the runs by more than a point. From W = 0, "
        "SGD heads for the least-squares fit of smallest norm."
    )
    fitted = longer_text(sizes(peak=(0.605, 0.70, 0.80, 0.81)))
    assert "by more than a point. From W = 0, SGD heads for the least-squares fit of smallest norm, which" in fitted


# ---------------------------------------------------------------------------------------
# The readings and the hand-made reports.
# ---------------------------------------------------------------------------------------


def three(end=(0.607, 0.658, 0.742, 0.844), peak=(0.699, 0.820, 0.832, 0.853), early=(0.66, 0.78, 0.81, 0.84)):
    return pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 10000],
            "subsets": [5] * 4,
            "batch_size": [100] * 4,
            "lr": [0.0215] * 4,
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
            "early_gain_min": [-0.014, 0.15, 0.0975, 0.007],
            "early_gain_max": [0.0972, 0.20, 0.1112, 0.0157],
            "early_gain_subsets": [4, 5, 5, 5],
            "at_t": [500] * 4,
            "at_t_from": [391] * 4,
            "at_t_to": [513] * 4,
            "at_t_test_acc": [0.6642, 0.81, 0.8292, 0.8529],
            "at_t_test_acc_min": [0.6354, 0.8017, 0.8155, 0.8473],
            "at_t_test_acc_max": [0.6886, 0.8178, 0.8383, 0.8563],
        }
    )


def test_the_hand_made_reports_are_read_without_a_setting_the_assignment_does_not_state():
    first, second = hand_reports(references.table(5))
    # the assignment states no batch size, rate or iteration count for the first report
    assert (first.label, first.setting, first.iterations) == ("first report", "setting not stated", None)
    assert first.figures == {100: 0.70, 500: 0.80, 1000: 0.83, 10000: 0.85}
    assert (second.label, second.iterations) == ("second report", 500)
    assert "500 iterations" in second.setting and second.figures[10000] == 0.79
    assert read_at([first, second]) == 500 and read_at([first]) is None


def test_the_readings_table_gives_every_reading_and_the_hand_figures_where_there_are_some():
    table = readings_table(three(), hand_reports(references.table(5)))
    assert list(table.columns) == [
        "N'",
        "end of run",
        "best along the run (t)",
        "stopped early (t)",
        "held-out runs, end",
        "at t = 500",
        "at t = 500: min–max",
        "by hand: first report",
        "by hand: second report",
    ]
    first = table.iloc[0]
    assert (first["end of run"], first["best along the run (t)"], first["stopped early (t)"]) == (
        "60.70",
        "69.90\u00a0(60)",
        "66.00\u00a0(40–90)",
    )
    # the range in a column of its own, breakable: beside the mean it ran into the next column
    assert (first["at t = 500"], first["at t = 500: min–max"]) == ("66.42", "63.54–68.86")
    assert table.iloc[2]["stopped early (t)"] == "81.00\u00a0(500)"  # every subset stopped at the same t
    assert list(table["by hand: second report"]) == ["67", "78", "74", "79"]
    without = readings_table(three().drop(columns=["at_t"]), hand_reports(references.table(5)))
    assert not [c for c in without.columns if c.startswith("at t")]


def test_the_readings_caption_says_each_reading_once_and_each_report_by_what_is_stated():
    caption = readings_caption(three(), hand_reports(references.table(5)))
    assert caption.startswith("SGD's test accuracy (%, means over subsets; B = 100, η = 0.0215, 30,000 iterations)")
    assert "and at t = 500, interpolated linearly between the checkpoints around it" in caption
    assert "(first report: setting not stated; second report: " in caption and "500 iterations" in caption
    assert "η·t" not in caption and "full batches" not in caption and caption.count("η·t") == 0
    assert caption.count("first report") == 1


def test_stopping_early_is_said_with_the_gain_per_subset():
    text = early_text(three())
    assert text.startswith("**Stopping early.** Against the same held-out runs at their end, subset by subset")
    assert "-1.40 to +9.72 points at N' = 100, +15.00 to +20.00 points at N' = 500" in text
    assert "(min to max over subsets); the subsets that gained: 4 of 5 at N' = 100." in text
    every = early_text(three().assign(early_gain_subsets=[5] * 4))
    assert every.endswith("(min to max over subsets).") and "gained:" not in every


def test_the_hand_made_reports_are_compared_with_the_readings_they_can_be_set_against():
    text = hand_text(three(), hand_reports(references.table(5)), "job--more")
    assert text.startswith("**Stopping early** on the held-out images beat the same runs at their end in every subset")
    assert "beat the same runs at their end in every subset at N' = 500, 1,000 and 10,000 (the gains [in the" in text
    assert text.count("](#job--more)") == 1
    # first report 70/80/83/85: the best along the run is 0.65 points away on average, the end 8.22
    assert (
        "The first report's figures (setting not stated) lie closest to the best along the run: 0.65 points away on "
        "average, 8.22 from the end of the run." in text
    )
    assert "η·t" not in text and "full batches" not in text
    # second report 67/78/74/79 at t = 500: 67 within [63.54, 68.86]; the others below every subset
    assert "compares with these runs at t = 500 (interpolated between the checkpoints 391 and 513" in text
    assert "its 67% at N' = 100 lies within the subsets' range" in text
    assert "its 78%, 74% and 79% at N' = 500, 1,000 and 10,000 lie below every subset, by 3.00, 8.92 and 6.29" in text
    assert "the one at N' = 10,000 included: they are left open." in text


def test_a_hand_figure_within_the_spread_is_not_left_open():
    report = HandReport("second report", "B = 100, 500 iterations", 500, {100: 0.66, 500: 0.81})
    text = hand_text(three(), [report], "more")
    assert "its 66% and 81% at N' = 100 and 500 lie within the subsets' range." in text
    assert "left open" not in text
    above = hand_text(three(), [HandReport("second report", "500 iterations", 500, {1000: 0.90})], "more")
    assert "its 90% at N' = 1,000 lies above every subset, by 7.08 points from their mean." in above
    assert "that gap, the one at N' = 1,000 included: it is left open." in above


def test_a_report_without_a_setting_can_lie_closest_to_the_end_of_the_run():
    report = HandReport("first report", "setting not stated", None, {100: 0.607, 500: 0.658})
    text = hand_text(three(), [report], "more")
    assert "lie closest to the end of the run: 0.00 points away on average." in text


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


def test_the_limit_in_brief_is_one_sentence_with_its_link():
    lim = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0))
    text = limit_in_brief(lim, thresholds_of((550, 557)), "job--more")
    assert text.count(". ") == 0 and text.count("](#job--more)") == 1  # one sentence, one link
    assert text == (
        "The least-squares fit's test accuracy dips to 12.60% at N' = 550, where the subsets stop being fitted exactly; "
        "runs of 30,000 iterations stay far from it there (computed exactly "
        "[in the per-run detail](#job--more))."
    )


def test_the_limit_in_brief_follows_other_numbers():
    # lowest at the first size, away from the thresholds, and within reach of the budget there
    lim = limit_of(acc=(0.10, 0.269, 0.30, 0.32, 0.636), norm=(2.2,) * 5, gd=(0.60, 0.66, 0.65, 0.72, 0.76))
    text = limit_in_brief(lim, thresholds_of((552,)), "more")
    # the thresholds' values are quoted once, with the train/test gap
    assert "is lowest at N' = 100, 10.00%, away from where the subsets stop being fitted exactly;" in text
    assert "552" not in text
    assert "runs of 30,000 iterations can come near it there" in text  # 8e3 steps: within the budget
