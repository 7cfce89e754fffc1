"""The batch-size commentary is written from the table it is given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.commentary import batch_size_commentary


def table(t_target, seconds, excess, acc, lr=(0.002, 0.005, 0.02, 0.04)):
    return pd.DataFrame({
        "batch_size": [1, 10, 100, 1000], "lr": list(lr), "eta_star": [0.0034, 0.016, 0.025, 0.026],
        "itr": [200000, 15000, 3000, 1500], "excess_pct": list(excess), "final_test_acc": list(acc),
        "t_target": list(t_target), "seconds_target": list(seconds), "train_seconds_mean": [2.0, 0.4, 0.5, 2.2],
    })


BASE = table([math.nan, 9000, 1400, 500], [math.nan, 0.25, 0.25, 0.86], [12, 4.2, 3.1, 2.5], [0.835, 0.848, 0.856, 0.854])


def test_numbers_and_comparisons_come_from_the_table():
    text = batch_size_commentary(BASE, m_star=8.7, target_pct=5)
    assert "B = 1 never came within 5% of L*" in text
    assert "iterations falls with the batch size" in text and "samples processed (iterations × B) rises" in text
    assert "fewest samples were needed at B = 10" in text
    assert "the gap falls with the batch size" in text
    assert "83.50% to 85.60%" in text


def test_the_text_changes_when_the_numbers_change():
    other = table([50000, 9000, 1400, 500], [3.0, 0.25, 0.1, 0.86], [2, 4.2, 3.1, 6.0], [0.85, 0.848, 0.856, 0.854])
    before, after = batch_size_commentary(BASE, 8.7, 5), batch_size_commentary(other, 8.7, 5)
    assert before != after
    assert "never came within" not in after
    assert "fastest to within 5% of L* was B = 100" in after
    assert "the gap is not monotone" in after
    assert "fewest samples were needed at B = 1." in after


def test_diminishing_returns_are_judged_from_the_data():
    # ideal cuts below m*, poor ones above: diminishing returns
    shrinking = table([10000, 1000, 500, 400], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4)
    assert "diminishing returns beyond the critical batch size" in batch_size_commentary(shrinking, 50, 5)
    # the opposite: the text must not claim them
    growing = table([10000, 5000, 500, 50], [1, 1, 1, 1], [3, 3, 3, 3], [0.85] * 4)
    assert "do not show the diminishing returns" in batch_size_commentary(growing, 50, 5)


def test_a_single_batch_size_has_nothing_to_compare():
    assert "nothing to compare" in batch_size_commentary(BASE.iloc[:1], 8.7, 5)


def test_numbers_of_one_kind_in_a_sentence_share_their_decimals():
    text = batch_size_commentary(BASE, m_star=8.7, target_pct=5)
    assert "12.0%, 4.2%, 3.1%, 2.5% above L*" in text  # not "12%, 4.2%"
    assert "0.59×, 0.31×, 0.80×, 1.54×" in text  # not "0.8×" beside "1.5×"
    assert "B = 10: 0.250 s, B = 100: 0.250 s, B = 1000: 0.860 s" in text
    assert "divided the iterations by 6.4 (10→100, ×10 batch), 2.8 (100→1000" in text
