"""The generated commentary of Task 5: its numbers and verdicts follow the table it is given."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.commentary import dataset_size_commentary


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
