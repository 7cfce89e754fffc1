"""The generated commentary of Task 5: its numbers and verdicts follow the table it is given."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show import references
from mnist_sgd.show.commentary import learning_rate_text
from mnist_sgd.tasks.dataset_size.commentary import (
    dataset_size_commentary,
    dataset_size_references_text,
    dataset_size_stopping_text,
    double_descent_text,
    subsets_text,
)


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
    assert "below 1 point from N' = 60,000 on (at N' = 10,000 it was still 2.50)" in b


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
    assert "has the higher test accuracy at N' = 100, by more than the spread" in better
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
    assert "not every subset met the convergence criterion" in two and "At N' = 100, 500" in two
    one = dataset_size_commentary(table([0.62], [1.0], sizes=(500,)))
    assert "Only one training-set size was run (N' = 500)" in one and "62.00%" in one


def one_size(
    converged=(True, False),
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
            "batch_size": [100] * 2,
            "iterations": [iterations] * 2,
            "itr": [200 if c else iterations for c in converged],
            "converged": list(converged),
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


def test_one_size_at_the_end_of_its_runs():
    text = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.01)
    assert text.startswith("**N' = 100.** 1 of 2 runs met the convergence criterion (training loss within 0.01 of")
    assert "within 500 iterations, at ITR = 200 at the latest. After 500 iterations (500 passes over" in text
    assert "SGD reaches 62.00% test accuracy (min 61.00%, max 63.00%) and 99.50% on its training subset" in text
    assert "a train/test gap of 37.50 points" in text
    assert "reaches 58.00% test accuracy and 100.00% training accuracy" in text
    none = subsets_text(one_size(converged=(False, False), size=50000), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.05)
    assert "**N' = 50,000.** 0 of 2 runs met" in none and "within 0.05 of" in none
    assert "within 500 iterations. After 500 iterations (1 pass over the subset)" in none
    assert "(2.5 passes" in subsets_text(one_size(size=20000), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.01)


def test_a_peak_along_the_runs_and_stopping_early():
    dropped = subsets_text(one_size(), checkpoints([0.1, 0.7, 0.65, 0.62]), 0.01)
    assert "highest at t = 10, 70.00%, 8.00 points above its value at the end: training longer on these 100" in dropped
    flat = subsets_text(one_size(), checkpoints([0.1, 0.62, 0.625, 0.62]), 0.01)
    assert "highest at t = 100, 62.50%; at the end it is 62.00%." in flat and "training longer" not in flat
    assert "best accuracy on 20 held-out images of each subset (training on the other 80) gives 65.00%" in flat
    assert "(mean; stopped at t = 60, 120), against 61.00% for the same runs at t = 500." in flat


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
            "at_hand_budget_acc": [0.69, 0.80, 0.82, 0.84],
            "at_hand_budget_t": [279] * 4,
        }
    )


def test_the_three_values_per_size_follow_the_table():
    text = dataset_size_stopping_text(three(), 0.2)
    assert (
        "N' = 100: end of run (t = 30,000) 60.70%; best along the run 69.90% at t = 60; stopped early 66.00% (t = 40-90)"
        in text
    )
    assert (
        "N' = 1,000: end of run (t = 30,000) 74.20%; best along the run 83.20% at t = 900; stopped early 81.00% (t = 500)"
        in text
    )
    assert "20% of its N' images held out" in text
    assert "beat running to the end at N' = 100, 500, 1,000 (by 8.00, 14.00, 8.00 points)" in text
    other = dataset_size_stopping_text(three(early=(0.57, 0.6, 0.7, 0.8)), 0.25)
    assert "beat running to the end at no N'" in other and "25% of its N' images" in other


def test_the_comparison_with_the_hand_made_reports():
    text = dataset_size_references_text(three(), references.table(5), lr=0.0215)
    assert text.startswith("**Compared with the hand-made reports.**")
    assert "70%, 80%, 83%, 85% for N' = 100, 500, 1,000, 10,000" in text
    assert "67%, 78%, 74%, 79%" in text and "500 iterations" in text
    assert "η·t = 645" in text and "η·t = 6," in text and "108 times sooner" in text
    # first report 70/80/83/85: end of run 8.22 points off on average, best along the run 0.65
    assert "8.22 points (end of run), 0.65 points (best along the run)" in text
    assert "the closest of our readings is “best along the run”" in text
    assert "(t ≈ 279) our subset-mean test accuracy is 69.00%, 80.00%, 82.00%, 84.00%" in text
    end_first = dataset_size_references_text(
        three(peak=(0.5,) * 4, early=(0.5,) * 4).drop(columns=["at_hand_budget_acc"]), references.table(5), lr=0.0215
    )
    assert "the closest of our readings is “end of run”" in end_first


def test_double_descent_is_named_at_the_rank():
    t = pd.DataFrame(
        {
            "dataset_size": [100, 500, 1000, 10000],
            "closed_form_test_acc": [0.60, 0.269, 0.70, 0.85],
            "rank_min": [100, 500, 570, 710],
            "rank_max": [100, 500, 640, 712],
        }
    )
    text = double_descent_text(t)
    assert "lowest at N' = 500 (26.90%" in text
    assert "Up to N' = 500 every subset has rank X' = N'" in text
    assert "N' = 1,000: 570-640" in text and "N' = 10,000: 710-712" in text
    assert "between N' = 500 and the rank reached at N' = 1,000 (640 at most), not at the 784 pixels" in text
    assert "at most 712 in these subsets" in text
    with_sgd = double_descent_text(t.assign(test_acc=[0.607, 0.658, 0.742, 0.844]))
    assert "SGD's test accuracy at the same sizes, 60.70%, 65.80%, 74.20%, 84.40%, has no dip" in with_sgd
    assert "double-descent peak" in text
    normed = double_descent_text(t.assign(closed_form_norm=[3.0, 250.0, 20.0, 5.0]))
    assert "‖W*‖, is 3, 250, 20, 5 for the same sizes: largest at N' = 500, where the test accuracy dips." in normed
    no_dip = double_descent_text(t.assign(closed_form_test_acc=[0.60, 0.7, 0.8, 0.85]))
    assert "lowest at N' = 100" in no_dip and "double-descent peak" not in no_dip


def test_the_main_commentary_carries_the_double_descent_paragraph():
    t = pd.DataFrame(
        {
            "dataset_size": [500, 1000],
            "subsets": [5, 5],
            "converged_subsets": [5, 5],
            "test_acc": [0.66, 0.74],
            "test_acc_min": [0.65, 0.73],
            "test_acc_max": [0.67, 0.75],
            "train_acc": [1.0, 0.95],
            "final_train_loss": [1e-11, 0.05],
            "closed_form_test_acc": [0.269, 0.70],
            "closed_form_train_acc": [1.0, 0.96],
            "closed_form_train_loss": [1e-30, 0.04],
            "rank_min": [500, 570],
            "rank_max": [500, 640],
        }
    )
    text = dataset_size_commentary(t)
    assert "500→1,000 (a doubling): +8.00 points" in text and "per tenfold" not in text
    assert "double descent" in text
