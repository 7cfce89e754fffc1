"""The generated commentary of Task 5: its numbers and verdicts follow the tables it is given."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show import references
from mnist_sgd.tasks.dataset_size.budget import budget_text
from mnist_sgd.tasks.dataset_size.commentary import answer_text, few_held_out, gap_text, longer_text, subsets_text
from mnist_sgd.tasks.dataset_size.limit_commentary import dip_brief, limit_text, overfit_brief, threshold_text
from mnist_sgd.tasks.dataset_size.readings import (
    HandReport,
    agrees_at_setting,
    answer_caption,
    answer_table,
    hand_reports,
    hand_text,
    quoted,
    readings_caption,
    readings_table,
    stated_setting,
)
from mnist_sgd.tasks.dataset_size.tables import at_stop


def one_size(rank=(100, 100), size=100, iterations=500, cf_loss=(1e-29, 3e-29), train_loss=(0.015, 0.017)):
    """Two subsets of one size, as tables_dataset_size.subset_runs writes them (batch size 100)."""
    return pd.DataFrame(
        {
            "dataset_size": [size] * 2,
            "subset": [0, 1],
            "batch_size": [100] * 2,
            "lr": [0.01] * 2,
            "iterations": [iterations] * 2,
            "final_train_loss": list(train_loss),
            "final_train_acc": [1.0, 0.99],
            "final_test_acc": [0.61, 0.63],
            "closed_form_train_loss": list(cf_loss),
            "closed_form_train_acc": [1.0, 1.0],
            "closed_form_test_acc": [0.57, 0.59],
            "rank": list(rank),
            "fit_share": [0.8] * 2,
            "fit_images": [round(0.8 * size)] * 2,
            "validation_images": [size - round(0.8 * size)] * 2,
            "split_stop_t": [96, 48],
            "split_test_acc": [0.59, 0.6],
            "stop_t": [120, 60],
            "stop_train_acc": [0.9, 0.92],
            "stop_test_acc": [0.64, 0.66],
        }
    )


def checkpoints(test_acc):
    ts = [0, 10, 100, 500]
    return pd.DataFrame({"t": ts * 2, "test_acc": list(test_acc) * 2})


def test_one_size_at_the_end_of_its_runs():
    text = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]))
    # the accuracies and the loss's last fall are the tables' to show
    assert text.startswith("**N' = 100.** The 500 iterations are 500 passes over the subset. Along the runs")
    # the subsets' own accuracies are the table's: only their means are said
    assert not [v for v in ("61.00", "63.00", "64.00", "66.00", "99.50", "58.00") if v in text]
    assert "levelled" not in text and "converged" not in text and "ITR" not in text  # no convergence verdict
    none = subsets_text(one_size(size=50000), checkpoints([0.1, 0.7, 0.65, 0.62]))
    assert none.startswith("**N' = 50,000.** The 500 iterations are 1 pass over the subset.")
    assert "are 2.5 passes over" in subsets_text(one_size(size=20000), checkpoints([0.1, 0.7, 0.65, 0.62]))


def test_a_peak_along_the_runs_and_the_stop_chosen_within_the_subset():
    dropped = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]))
    assert "highest at t = 10, 70.00%, 8.00 points above its value at the end." in dropped
    # a small fall is said too: the answer across sizes names every size where the accuracy fell
    flat = subsets_text(one_size(), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "highest at t = 100, 62.50%, 0.50 points above its value at the end." in flat
    last = subsets_text(one_size(), checkpoints([0.1, 0.6, 0.61, 0.62]))
    assert "highest at t = 500, 62.00%, at the end." in last
    # the split runs' stops, one per subset in the order of the subsets, and the runs on all images read there
    assert (
        " The runs on 80% of each subset stopped where their accuracy on the other 20 images was highest (t = 96, 48, "
        "one stop per subset); read after as many passes (t = 120, 60), the runs on all 100 images reach 65.00% test "
        "accuracy (mean), against 62.00% at t = 500 and 59.50% for the runs on 80% at their stop." in flat
    )
    assert "Separate runs" not in flat and "held-out" not in flat and "rough" not in flat
    reordered = subsets_text(one_size().assign(subset=[1, 0]), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "(t = 48, 96, one stop per subset); read after as many passes (t = 60, 120)" in reordered
    whole = subsets_text(one_size(size=60000), checkpoints([0.1, 0.62, 0.625, 0.62]))
    assert "accuracy on the other 12,000 images was highest" in whole and "runs on all 60,000 images" in whole


def test_the_rank_says_whether_an_exact_fit_exists():
    exact = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]))
    # numbers only: what an exact fit and the minimum-norm solution mean is said once, with the limit
    assert "Rank of X': 100 = N', so each subset is fitted exactly; SGD's training loss is 0.016 (mean)." in exact
    short = subsets_text(
        one_size(rank=(98, 99), cf_loss=(0.01, 0.02), train_loss=(0.011, 0.021)), checkpoints([0.1, 0.7, 0.6, 0.6])
    )
    assert (
        "Rank of X': 98, 99 < N', so no exact fit exists; SGD ends 7.5% above the least-squares minimum, 0.0150 "
        "(mean)." in short
    )
    assert "fitted exactly" not in short


def test_the_slowest_direction_is_set_against_the_budget():
    far = subsets_text(
        one_size().assign(smallest_singular=[0.02, 0.03], slowest_steps=[2.5e7, 1.1e7]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
    )
    assert "Slowest direction: N'/(η s²) = 1.1e+07 to 2.5e+07 iterations, 2.2e+04 times the run or more." in far
    assert "minimum-norm" not in far  # the template said under every size is said once, with the limit
    near = subsets_text(
        one_size().assign(smallest_singular=[1.1, 1.1], slowest_steps=[300.0, 400.0]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
    )
    assert "= 3e+02 to 4e+02 iterations, within the run." in near
    mixed = subsets_text(
        one_size().assign(smallest_singular=[1.1, 0.1], slowest_steps=[300.0, 4000.0]),
        checkpoints([0.1, 0.7, 0.65, 0.62]),
    )
    assert "beyond the run for some subsets." in mixed


# ---------------------------------------------------------------------------------------
# Across sizes: a made-up table of four sizes, as tables.size_summary writes it.
# ---------------------------------------------------------------------------------------


def sizes(
    test=(0.60, 0.70, 0.80, 0.81),
    spread=0.01,
    sd=0.004,
    train=(1.0, 1.0, 0.90, 0.812),
    loss_fall=(0.9998, 0.28, 0.092, 0.0013),
    test_change=(-0.0001, -0.042, -0.025, -0.002),
    peak=(0.70, 0.82, 0.83, 0.815),
    closed_test=(0.60, 0.30, 0.65, 0.812),
    closed_sd=(0.004, 0.004, 0.004, 0.0),
    stop=(0.65, 0.80, 0.81, 0.815),
    stop_train=(1.0, 0.99, 0.95, 0.82),
):
    """N' = 100, 500, 1,000 and 60,000, 5 subsets each, 30,000 iterations of B = 100; every
    test accuracy with the s.d. ``sd`` over subsets; read at the end (``test``, ``train``) and at
    the stop chosen on 20% of each subset (``stop``, ``stop_train``)."""
    return pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 60000],
            "subsets": [5] * 4,
            "rel_tol": [0.01] * 4,
            "batch_size": [100] * 4,
            "lr": [0.0215] * 4,
            "iterations": [30000] * 4,
            "loss_fall": list(loss_fall),
            "test_change": list(test_change),
            "test_change_sd": [0.0002, 0.0046, 0.0029, 0.007],
            "test_acc": list(test),
            "test_acc_min": [v - spread for v in test],
            "test_acc_max": [v + spread for v in test],
            "test_acc_sd": [sd] * 4,
            "train_acc": list(train),
            "train_acc_sd": [0.0] * 4,
            "train_acc_min": [min(v, 1.0) for v in train],
            "gap_sd": [sd] * 4,
            "peak_test_acc": list(peak),
            "closed_form_test_acc": list(closed_test),
            "closed_form_test_acc_sd": list(closed_sd),
            "fit_share": [0.8] * 4,
            "fit_images": [80, 400, 800, 48000],
            "validation_images": [20, 100, 200, 12000],
            "stop_test_acc": list(stop),
            "stop_test_acc_sd": [sd] * 4,
            "stop_train_acc": list(stop_train),
            "stop_train_acc_sd": [0.002] * 4,
            "stop_train_acc_min": [min(v, 1.0) for v in stop_train],
            "stop_gap_sd": [sd] * 4,
            "stop_t_min": [40, 200, 500, 10000],
            "stop_t_max": [90, 400, 500, 30000],
            "fall_from_t": [13294] * 4,
        }
    )


def stopped_at(test=(0.60, 0.70, 0.80, 0.81), train=(1.0, 1.0, 0.90, 0.812)):
    """``sizes()`` read at the stop (``tables.at_stop``), the stop reading ``test`` and ``train``:
    what the answer's sentences are given. The end of the run reads otherwise (5 points lower,
    every image fitted), so a sentence reading it would fail."""
    end = tuple(v - 0.05 for v in test)
    return at_stop(sizes(test=end, train=(1.0,) * 4, stop=test, stop_train=train))


def falls_of(per_size=((0.9998,) * 5, (0.28,) * 5, (0.09,) * 5, (0.02, 0.0, 0.0, -0.01, 0.0))):
    """The loss fall per subset of ``sizes()``' four sizes, as tables.last_doubling writes it."""
    return pd.DataFrame(
        [
            {"dataset_size": n, "subset": k, "loss_fall": v}
            for n, values in zip([100, 500, 1000, 60000], per_size, strict=True)
            for k, v in enumerate(values)
        ]
    )


def test_the_loss_fall_is_said_per_subset_where_only_its_mean_is_small():
    text = budget_text(sizes(), falls_of())
    assert text == (
        "**The training loss at the end.** From t = 13,294, the checkpoint nearest the middle of the run, to its end "
        "the training loss still fell by more than 1% on average at N' = 100, 500 and 1,000 (at N' = 100 with the test accuracy "
        "within its spread of no change); at N' = 60,000 by less than 1% on average over the subsets, though by more "
        "in 1 of 5 at 60,000 (the loss fall per subset is under each size)."
    )
    # no verdict of convergence: only what was measured
    assert "levelled" not in text and "stopped moving" not in text
    # at N' = 100 every image is fitted: its fall is of a loss next to zero, and that is said
    fitted = budget_text(sizes().assign(final_train_loss=[2.1e-11, 0.04, 0.1, 0.2]), falls_of())
    assert (
        "(at N' = 100 with the test accuracy within its spread of no change); at N' = 100 it ends at 2.1e-11, every "
        "image fitted exactly, so what still falls is a loss already next to zero; at N' = 60,000" in fitted
    )
    settled = budget_text(sizes(loss_fall=(0.001, 0.002, 0.003, 0.001)), falls_of())
    assert settled.startswith("**The training loss at the end.** From t = 13,294, the checkpoint nearest the middle")
    assert "to its end at N' = 100, 500, 1,000 and 60,000 by less than 1% on average" in settled
    assert "though by more in 5 of 5 at 100, 5 of 5 at 500, 5 of 5 at 1,000 and 1 of 5 at 60,000" in settled
    # where no subset's loss fell by more, that is said, not "0 of 5"
    every = budget_text(sizes(), falls_of(per_size=((0.9998,) * 5, (0.28,) * 5, (0.09,) * 5, (0.004,) * 5)))
    assert every.endswith("; at N' = 60,000 by less than 1% in every subset.") and "0 of 5" not in every
    some = budget_text(
        sizes(loss_fall=(0.001, 0.002, 0.003, 0.001)), falls_of(per_size=((0.0,) * 5,) * 3 + ((0.02,) * 5,))
    )
    assert some.endswith("by less than 1% on average over the subsets, though by more in 5 of 5 at 60,000 (the loss "
                         "fall per subset is under each size).")  # fmt: skip


def first_sentence(end: pd.DataFrame) -> str:
    """The answer's first sentence, on the final accuracy, for the sizes ``end``."""
    return answer_text(at_stop(end), end).split(". ")[0] + "."


def test_the_answer_is_the_final_accuracy_then_where_the_stop_matters_and_the_limit():
    # s.d. 0.4 point: a step counts beyond 2√(0.4² + 0.4²) = 1.13 points. At the end 60/70/80/81: every step but
    # the last counts; at the stop 65/80/81/81.5: above the end beyond the spread at 100 and 500; the limit
    # 60/30/65/81.2: reached at 100 and 60,000, not at 500 and 1,000.
    text = answer_text(at_stop(sizes()), sizes()).replace("\u00a0", " ")
    assert text == (
        "**The answer.** After 30,000 iterations (50 epochs of the whole training set), the final test accuracy rises "
        "with N', from 60.0 ± 0.4% at N' = 100 to 81.0 ± 0.4% at N' = 60,000, beyond the spread at each step except "
        "from 1,000 to 60,000, where only the means differ, by more than two standard errors. The runs at N' = 100 "
        "and 60,000 have reached the limit's accuracy, within the spread; at 500 and 1,000 they have not.\n\n"
        "**When training stops.** The same 30,000 steps at every size make 30,000 passes over the 100 images of the "
        "smallest set and are enough for the training loss at N' = 60,000 to settle (it fell by 0.13% over the "
        "second half of the run). At N' = 100, 500 and 1,000 it still fell by 100%, 28% and 9.2% over the second half: there "
        "the answer is this budget's. Stopping early does better beyond the spread at N' = 100 and 500 (65.0 ± 0.4% "
        "and 80.0 ± 0.4%; the stop chosen at N' = 100 on only 20 held-out images): the runs over-fit their few "
        "images, and there the answer depends on when training stops."
    )
    unsettled = answer_text(at_stop(sizes()), sizes(loss_fall=(0.9998, 0.28, 0.092, 0.03)))
    assert (
        "are not enough for the training loss at N' = 60,000 to settle (it fell by 3% over the second half of "
        in (unsettled)
        and "run): the answer is this budget's. At" in unsettled
    )
    fitted = sizes().assign(final_train_loss=[2.1e-11, 0.04, 0.1, 0.2])  # N' = 100: a fall of a loss next to zero
    assert "At N' = 500 and 1,000 it still fell by 28% and 9.2% over the second half" in answer_text(
        at_stop(fitted), fitted
    )
    rose = answer_text(at_stop(sizes()), sizes(loss_fall=(0.9998, 0.28, 0.092, -0.0011)))
    assert "to settle (it rose by 0.11% over the second half of the run)" in rose  # SGD's noise about its limit
    every = sizes(closed_test=(0.60, 0.70, 0.80, 0.81))
    assert "At every size the runs have reached the limit's accuracy, within the spread.\n\n" in answer_text(
        at_stop(every), every
    )
    near = sizes(stop=(0.60, 0.70, 0.80, 0.81))
    assert "Stopping early" not in answer_text(at_stop(near), near)
    # the final steps named, the fewer kind as the exception
    assert first_sentence(sizes(test=(0.60, 0.70, 0.80, 0.815))).endswith("beyond the spread at each step.")
    assert first_sentence(sizes(test=(0.60, 0.605, 0.61, 0.85))).endswith(
        "within the spread at each step except from 1,000 to 60,000."
    )
    # within the spread (1.13 points) at each step, the means of two steps apart (0.8 points: 2 standard errors 0.51)
    assert first_sentence(sizes(test=(0.60, 0.608, 0.616, 0.618))).endswith(
        "within the spread at each step; from 100 to 500 and from 500 to 1,000 only the means differ, by more than "
        "two standard errors."
    )
    assert "the final test accuracy is not monotone in N'" in first_sentence(sizes(test=(0.60, 0.70, 0.80, 0.78)))


def test_a_stop_chosen_on_few_images_is_said():
    assert few_held_out(sizes()) == "at N' = 100 on only 20 held-out images"
    assert few_held_out(sizes().assign(validation_images=[20, 40, 200, 12000])) == (
        "at N' = 100 on only 20 held-out images; at N' = 500 on only 40 held-out images"
    )
    assert few_held_out(sizes().assign(validation_images=50)) == ""
    assert few_held_out(sizes().drop(columns=["validation_images"])) == ""
    assert "the stop chosen" not in answer_text(at_stop(sizes()), sizes().assign(validation_images=50))


def test_the_answer_table_reads_the_end_the_limit_and_the_stop():
    t = sizes(stop=(0.855451, 0.80, 0.81, 0.8527), stop_train=(0.856549, 0.99, 0.95, 0.86))
    table = answer_table(t)
    assert list(table.columns) == [
        "N'",
        "final: after 30,000 iterations (%)",
        "the limit, t → ∞ (%)",
        "stopped early (%)",
    ]
    rows = table.apply(lambda c: c.astype(str).str.replace("\u00a0", " "))
    # each mean to the place its s.d. over subsets allows: 0.4 point, so to 0.1
    assert list(rows.iloc[0]) == ["100", "60.0 ± 0.4", "60.0 ± 0.4", "85.5 ± 0.4"]
    # the whole set is read at its stop too; the limit the same for its 5 runs
    assert list(rows.iloc[3]) == ["60,000", "81.0 ± 0.4", "81.2 ± 0.0", "85.3 ± 0.4"]
    caption = answer_caption(t)
    assert caption == (
        "Test accuracy per size (B = 100, η = 0.0215): mean ± s.d. over 5 subsets (at N' = 60,000, the whole set: "
        "over 5 sampler seeds)."
    )
    # the limit and the rule of the stop are the method's, said once
    assert "within the spread" not in caption and "least-squares" not in caption and "80%" not in caption


def test_the_gap_closes_where_the_table_shows_it_does_and_why_is_said():
    # read at the stop (``tables.at_stop``), as the answer is
    text = gap_text(stopped_at(), 784, (550, 557))
    # gaps 40, 30, 10, 0.2: past the thresholds (1,000) still 10 points, below 1 point only at the largest size
    assert text.startswith("**The train/test gap** shrinks with the data. Up to 550 to 557 images, depending on")
    assert "the images are linearly independent: the 784 weights of each digit can fit every one exactly" in text
    assert "(every training image is classified correctly at N' = 100 and 500), so they follow" in text
    # the gap past the thresholds is quoted as computed from the table's columns
    assert text.endswith(
        "Past that size no exact fit exists, but the gap closes slowly: it is below 1 point only at N' = 60,000."
    )
    assert "10.00" not in text  # the gaps are the table's
    two = gap_text(stopped_at(train=(1.0, 1.0, 0.9043, 0.83)), 784, (450, 450))
    assert two.endswith("no exact fit exists, but the gap closes slowly, and it stays above 1 point at every size run.")
    assert "meet" not in text  # past the thresholds the gap closes gradually, not at once
    early = gap_text(stopped_at(train=(1.0, 0.99, 0.805, 0.812)), 784, (552, 552))
    assert "Up to 552 images, depending" in early and "classified correctly at N' = 100)" in early
    assert early.endswith("Past that size no exact fit exists; the gap stays below 1 point from N' = 1,000 on.")
    open_gap = gap_text(stopped_at(train=(1.0, 1.0, 0.9, 0.85)), 784, (550, 557), gap_points=2.0)
    assert open_gap.endswith("closes slowly, and it stays above 2 points at every size run.")


def test_training_longer_names_every_size_that_fell_and_where_sgd_heads():
    text = longer_text(sizes())
    # peaks 10, 12, 3 and 0.5 points above the end: every size fell, the last by less than a point
    assert text.startswith(
        "**Training longer.** At every size the mean test accuracy peaked along the run, then fell: by "
        "more than 1 point at N' = 100, 500 and 1,000, by less at 60,000."
    )
    assert "](#" not in text  # said in the per-run detail itself: no pointer
    # the same test accuracy as shown at 100; least squares lower beyond the spread at 500 and 1,000, not at
    # 60,000 (0.2 points)
    assert text.endswith(
        "From W = 0, SGD heads for the limit (the next part): at N' = 100 the runs end at its test accuracy; at N' = 500 "
        "and 1,000 its test accuracy is lower still."
    )
    flat = longer_text(sizes(peak=(0.60, 0.70, 0.80, 0.81), closed_test=(0.59, 0.69, 0.79, 0.805)))
    assert flat == (
        "**Training longer.** At no size did the mean test accuracy fall along the run. From W = 0, SGD heads for "
        "the limit (the next part)."
    )
    some = longer_text(sizes(peak=(0.605, 0.70, 0.80, 0.81)))
    assert "At N' = 100 the mean test accuracy peaked along the run, then fell: by less than 1 point." in some
    assert some.count("N' = 100") == 2  # named once where it fell, once where SGD ends at the exact fit's accuracy
    assert "stopped early" not in some


# ---------------------------------------------------------------------------------------
# The readings and the hand-made reports.
# ---------------------------------------------------------------------------------------


def three(end=(0.607, 0.658, 0.742, 0.844), peak=(0.699, 0.820, 0.832, 0.853), stop=(0.66, 0.78, 0.81, 0.84)):
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
            "stop_test_acc": list(stop),
            "stop_test_acc_sd": [0.02, 0.007, 0.005, 0.002],
            "test_acc_sd": [0.024, 0.014, 0.010, 0.003],
            "stop_t_min": [40, 200, 500, 10000],
            "stop_t_max": [90, 400, 500, 30000],
            "hand_lr": [0.001] * 4,
            "hand_iterations": [500] * 4,
            "hand_batch_size": [100] * 4,
            "hand_test_acc": [0.6778, 0.7769, 0.7831, 0.7981],
            "hand_test_acc_sd": [0.030, 0.0095, 0.0114, 0.0059],
        }
    )


def test_the_hand_made_reports_are_read_without_a_setting_the_assignment_does_not_state():
    first, second = hand_reports(references.table(5))
    # the assignment states no batch size, rate or iteration count for the first report
    assert (first.label, first.setting, first.iterations, first.batch_size) == (
        "first report",
        "setting not stated",
        None,
        None,
    )
    assert first.figures == {100: 0.70, 500: 0.80, 1000: 0.83, 10000: 0.85}
    assert (second.label, second.iterations, second.batch_size) == ("second report", 500, 100)
    assert "500 iterations" in second.setting and second.figures[10000] == 0.79
    # the setting the runs re-run at the hand reports' rate: the first report stating both
    assert stated_setting([first, second]) == (100, 500) and stated_setting([first]) is None


def test_the_readings_table_gives_every_reading_and_the_hand_figures_where_there_are_some():
    table = readings_table(three(), hand_reports(references.table(5)))
    assert list(table.columns) == [
        "N'",
        "at the stop (t)",
        "end of run",
        "best of the mean curve (t)",
        "η = 0.001, t = 500",
        "by hand: first report",
        "by hand: second report",
    ]
    first = table.iloc[0]
    # the means to the place their s.d. over subsets allows; the stop with the range of its t over subsets
    assert (first["at the stop (t)"], first["end of run"], first["best of the mean curve (t)"]) == (
        "66.0\u00a0(40–90)",
        "60.7",
        "69.9\u00a0(60)",
    )
    assert first["η = 0.001, t = 500"] == "67.8\u00a0±\u00a03.0"
    assert list(table["by hand: second report"]) == ["67", "78", "74", "79"]
    without = readings_table(three().drop(columns=["hand_test_acc"]), hand_reports(references.table(5)))
    assert not [c for c in without.columns if c.startswith("η")]
    assert [v.split("\u00a0")[0] for v in table["at the stop (t)"]] == ["66.0", "78.0", "81.0", "84.0"]
    assert table["at the stop (t)"].iloc[2] == "81.0\u00a0(500)"  # every subset stopped at the same t
    assert list(table["end of run"]) == ["60.7", "65.8", "74.2", "84.4"]
    # a spread of 2 points leaves no decimal: 66.3 ± 2.4 is shown 66 (its s.d.'s second figure is a whole point)
    coarse = readings_table(three().assign(stop_test_acc_sd=0.24), hand_reports(references.table(5)))
    assert coarse["at the stop (t)"].iloc[1] == "78\u00a0(200–400)"


def test_the_readings_caption_says_each_reading_once_and_each_report_by_what_is_stated():
    caption = readings_caption(three(), hand_reports(references.table(5)))
    assert caption.startswith("SGD's test accuracy (%, means over subsets; B = 100, η = 0.0215, 30,000 iterations)")
    assert (
        "read at the stop chosen within the subsets (t: the range over subsets), at the end of the run (the answer), "
        "and at" in caption
    )
    assert "and runs of B = 100 at η = 0.001, t = 500 on the same subsets (mean ± s.d. over subsets)" in caption
    assert "(first report: setting not stated; second report: " in caption and "500 iterations" in caption
    assert "η·t" not in caption and "full batches" not in caption
    assert caption.count("first report") == 1
    assert "separate runs" not in caption and "80%" not in caption


def test_the_hand_made_reports_are_compared_with_the_readings_they_can_be_set_against():
    text = hand_text(three(), hand_reports(references.table(5)))
    assert text.startswith("**The hand-made reports.** The first report's figures")
    # first report 70/80/83/85: the runs at their stop (66.0/78.0/81.0/84.0 as shown) 2.25 points away on average,
    # the end accuracy 8.2; figure by figure at the stop: 70 is 4.0 off (<= 2 × 2 + 0.5: agrees), 80 is 2.0
    # (> 2 × 0.7 + 0.5), 83 is 2.0 (> 2 × 0.5 + 0.5), 85 is 1.0 (> 2 × 0.2 + 0.5): those beyond named with their
    # distance, to two figures
    assert (
        "The first report's figures (setting not stated) lie closest to the accuracy stopped early, 2.2 points away on "
        "average (matched after the fact); beyond the spread and its rounding: its 80% at N' = 500 (2.0 points), 83% "
        "at N' = 1,000 (2.0 points) and 85% at N' = 10,000 (1.0 points), left open." in text
    )
    assert "upper bound" not in text and "best along" not in text  # the test-chosen reading is the table's only
    assert "η·t" not in text and "full batches" not in text
    # second report 67/78/74/79 against the runs at η = 0.001: 74 is 4.3 points below 78.3 as shown, beyond
    # 2 × 1.14 + 0.5
    assert (
        "Runs at the second report's B = 100 and 500 iterations, with the hand reports' η = 0.001 (its own rate is "
        "not stated), agree with its 67%, 78% and 79% at N' = 100, 500 and 10,000 within the spread and rounding; its "
        "74% at N' = 1,000 lies 4.3 points below them, left open." in text.replace("\u00a0", " ")
    )
    assert hand_text(three().iloc[:0], hand_reports(references.table(5))) == ""


def test_a_hand_figure_is_judged_by_the_one_rule_with_its_rounding():
    # a whole percent is rounded by 0.5 point: agrees_with_hand's 0.1-point rounding is widened by the rest
    assert agrees_at_setting(0.74, 0.7831, 0.0114) is False  # 4.31 > 2 × 1.14 + 0.5
    assert agrees_at_setting(0.79, 0.7981, 0.0059) is True  # 0.81 <= 2 × 0.59 + 0.5
    assert agrees_at_setting(0.80, 0.7981, 0.0) is True  # within the rounding alone
    assert agrees_at_setting(0.803, 0.7981, 0.0) is False  # quoted to 0.1 point: 0.49 > 0.05
    assert (quoted(0.67), quoted(0.823)) == ("67%", "82.3%")


def test_the_hand_text_follows_which_figures_agree():
    report = HandReport("second report", "B = 100, 500 iterations", 500, 100, {100: 0.66, 500: 0.78})
    text = hand_text(three(), [report])
    assert text.endswith("agree with its 66% and 78% at N' = 100 and 500 within the spread and rounding.")
    assert "left open" not in text
    above = hand_text(three(), [HandReport("second report", "500 iterations", 500, 100, {1000: 0.90})])
    # 90 against 78.3 as shown: 11.7 points, to two figures
    assert above.endswith(
        "(its own rate is not stated), do not agree with its 90% at N' = 1,000: it lies 12 points above them, left open."
    )
    one = hand_text(three(), [HandReport("second report", "500 iterations", 500, 100, {500: 0.78})])
    assert one.endswith("agree with its 78% at N' = 500 within the spread and rounding.")


def test_the_best_point_of_the_test_curve_is_named_where_a_report_lies_closer_to_it():
    t = three()
    at_peak = HandReport(
        "first report", "setting not stated", None, None, dict(zip(t["dataset_size"], t["peak_test_acc"]))
    )
    assert hand_text(t, [at_peak]).endswith(
        " Closer still, 0 points on average, lies the highest point of the mean test curve, where a run stops when "
        "the test set chooses its stop."
    )
    at_stop_only = HandReport(
        "first report", "setting not stated", None, None, dict(zip(t["dataset_size"], t["stop_test_acc"]))
    )
    assert "Closer still" not in hand_text(t, [at_stop_only])


def test_a_report_without_a_setting_can_lie_closest_to_the_end_of_the_run():
    report = HandReport("first report", "setting not stated", None, None, {100: 0.607, 500: 0.658})
    text = hand_text(three(), [report])
    assert text.endswith(
        "lie closest to the final accuracy, after 30,000 iterations, 0 points away on average (matched after the "
        "fact), each within the spread and its rounding."
    )
    # a figure beyond the closest reading's spread is named; the sizes without a stop are left out of both
    off = HandReport("first report", "setting not stated", None, None, {100: 0.66, 500: 0.80})
    assert hand_text(three(), [off]).endswith(
        "beyond the spread and its rounding: its 80% at N' = 500 (2.0 points), left open."
    )


def thresholds_of(values=(557, 552, 555), lit=(586, 571, 581)):
    lit = lit[: len(values)]
    return pd.DataFrame({"subset": range(len(values)), "threshold": list(values), "lit_pixels": list(lit)})


def test_the_threshold_is_named_per_subset_against_the_pixels():
    text = threshold_text(thresholds_of(), 784, (60000, 712, 717))
    assert "this holds up to 557, 552 and 555 images for subsets 0-2 (its threshold N*)" in text
    assert "fewer than the 784 weights because" in text and "they use only 571 to 586 pixels." in text
    assert "the 60,000 training images hold only 712 independent ones, on 717 pixels." in text
    # plain words: no matrix rank, no norm names
    assert "rank" not in text and "Frobenius" not in text and "min-norm" not in text
    one = threshold_text(thresholds_of((30,), (40,)), 50)
    assert "up to 30 images for subset 0" in one and "use only 40 pixels." in one and "training images" not in one


def limit_of(acc, norm, gd=(0.60, 0.66, 0.70, 0.72, 0.76), slow=(8e3, 2e8, 4e19, 1e15, 1e16)):
    """Five sizes of the exact grid, the thresholds between 550 and 557."""
    return pd.DataFrame(
        {
            "dataset_size": [100, 500, 550, 600, 1000],
            "limit_test_acc": list(acc),
            "limit_norm_median": list(norm),
            "gd_budget_test_acc": list(gd),
            "slowest_steps_min": list(slow),
            "lr": [0.01] * 5,
            "budget_iterations": [30000] * 5,
        }
    )


def sgd_at(test=(0.6074, 0.6981, 0.7660)):
    return pd.DataFrame({"dataset_size": [100, 500, 1000, 60000], "test_acc": [*test, 0.85]})


def test_the_exact_fit_dips_at_the_threshold_and_the_runs_stop_short_of_it():
    lim = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0))
    text = limit_text(lim, thresholds_of((550, 557)), sgd_at())
    assert "That fit's test accuracy is lowest at N' = 550, 12.60%, the grid size nearest the thresholds: there" in text
    assert "jumps from 65 at N' = 500 to 4e+03), which follow each image's details rather than the digit." in text
    assert "rises at every size of the grid, from 60.00% at N' = 100 to 76.00% at N' = 1,000" in text
    # SGD 60.74, 69.81, 76.60 against gradient descent 60.00, 66.00, 76.00: 3.81 points at most, at 500
    assert "SGD's means lie within 3.81 points of it (the most at N' = 500)." in text
    assert text.endswith(
        "At N' = 550, closing two thirds of the way to the exact fit along the direction the images span most weakly "
        "would take 4.0e+19 iterations or more, against 30,000: the runs show no dip only because they stop."
    )
    for jargon in ("rank", "Frobenius", "min-norm", "1 − 1/e", "GD at the budget", "limit's dip"):
        assert jargon not in text


def test_the_answer_says_why_the_fit_dips_only_where_it_dips_at_the_threshold():
    lim = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0))
    assert dip_brief(lim, thresholds_of((550, 557))) == (
        "The limit's test accuracy dips to 12.6% at N' = 550, near the most images a subset can fit exactly (550 to 557), "
        "where that fit needs very large weights (double descent)."
    )
    # lowest away from the threshold: nothing to explain there
    flat = limit_of(acc=(0.607, 0.269, 0.30, 0.32, 0.636), norm=(2.2, 65.0, 5e3, 5.1e4, 9.2e4))
    assert dip_brief(flat, thresholds_of((550, 557))) == ""


def test_over_fitting_is_said_where_every_training_image_is_fitted():
    # sizes(): training 100% at 100 and 500 (their test accuracies are the table's); gap 0.2 ± 0.4 point at 60,000
    assert overfit_brief(sizes()) == (
        "**Over-fitting.** On 100 and 500 images the runs end classifying every training image correctly; with more "
        "images the train–test gap closes, to 0.20 points at N' = 60,000."
    )
    assert overfit_brief(sizes(train=(0.99, 0.95, 0.90, 0.812))) == (
        "**Over-fitting.** With more images the train–test gap closes, from 39.0 points at N' = 100 to 0.20 at "
        "N' = 60,000."
    )
    assert overfit_brief(sizes().iloc[:1]) == ""


def test_the_limit_text_follows_other_numbers():
    # the dip away from the threshold, and gradient descent not monotone at the budget
    lim = limit_of(
        acc=(0.607, 0.269, 0.30, 0.32, 0.636), norm=(2.2, 65.0, 5e3, 5.1e4, 9.2e4), gd=(0.60, 0.66, 0.65, 0.72, 0.76)
    )
    text = limit_text(lim, thresholds_of((550, 557)), sgd_at())
    assert "lowest at N' = 500, 26.90%. Near the thresholds the runs stop" in text and "very large weights" not in text
    # one drop, 66.00 -> 65.00 from 500 to 550, is named rather than calling the curve "not monotone"
    assert (
        "rises with N' except one dip, from 66.00% at N' = 500 to 65.00% at N' = 550, and reaches 76.00% at "
        "N' = 1,000," in text
    )
    assert "not monotone" not in text and "no dip" not in text
    two = limit_text(limit_of(acc=(0.607, 0.269, 0.30, 0.32, 0.636), norm=(2.2, 65.0, 5e3, 5.1e4, 9.2e4),
                              gd=(0.70, 0.66, 0.65, 0.72, 0.76)), thresholds_of((550, 557)), sgd_at())  # fmt: skip
    assert "rises with N' except 2 dips, from 70.00% at N' = 100 to 66.00% at N' = 500; from 66.00%" in two
    # a budget long enough for the slowest direction at the dip
    reached = limit_text(
        limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0), slow=(1e2,) * 5),
        thresholds_of((550, 557)),
        sgd_at(),
    )
    assert reached.endswith("At N' = 550 the runs come near the exact fit within their 30,000 iterations.")
    assert "only because" not in reached


def test_the_jump_counts_at_the_threshold_when_it_ends_at_the_nearest_grid_size():
    lim = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 4e3, 4.7e3, 870.0))
    assert "very large weights" in limit_text(lim, thresholds_of((552, 557)), sgd_at())  # 550: nearest
    # a jump that ends at a size other than the one nearest the thresholds is not tied to them
    late = limit_of(acc=(0.607, 0.269, 0.126, 0.32, 0.636), norm=(2.2, 65.0, 80.0, 4.7e3, 870.0))
    assert "very large weights" not in limit_text(late, thresholds_of((552, 557)), sgd_at())
