"""Task 6's paragraphs follow the numbers they are given: the rate conversion, the same-batches equivalence, the hand-made range and the comparison."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.tasks.pytorch.commentary import equivalence_text, lr_conversion_text, ratio_within


def test_the_learning_rate_conversion_says_when_the_ratio_is_off():
    assert ratio_within(0.2 + 1e-9) and not ratio_within(0.21)
    assert "within 1e-6 of 2/k = 0.2" in lr_conversion_text(0.2, 1e-12, 5.0, 0.01)
    off = lr_conversion_text(0.21, 1e-3, 5.0, 0.01)
    assert "NOT within" in off and "**5 × η**: η = 0.01 here becomes 0.05" in off


def test_the_equivalence_says_when_the_weights_are_not_close():
    assert "**3.0e-07** relative (below 1e-5" in equivalence_text(3e-7, 0.8, 500, 5.0)
    text = equivalence_text(2e-5, 0.8, 500, 5.0)
    assert "NOT below 1e-5" in text and "4.0e+04 times farther" in text and "steps 5 times too short" in text


def test_the_framework_version_is_set_against_each_hand_made_figure():
    from mnist_sgd.show import references
    from mnist_sgd.tasks.pytorch.commentary import framework_hand_text

    refs = references.table(6)
    text = framework_hand_text(0.8534, 0.8447, 0.8608, 5.0, refs)
    assert "82.7%" in text and "85.7%" in text
    assert "85.34% (from 84.47% to 86.08% over seeds): +2.64 points from 82.7% and -0.36 points from 85.7%." in text
    assert "after 5 epochs" in text and "span 1.61 points" in text and "do not bound a range" in text
    assert "no figure" in framework_hand_text(0.8, 0.8, 0.8, 5.0, refs.iloc[:0])


def test_the_framework_comparison_follows_its_table():
    from mnist_sgd.tasks.pytorch.commentary import framework_comparison_text

    by = pd.DataFrame(
        {
            "train_loss": [0.2026, 0.2018],
            "train_loss_min": [0.2011, 0.2017],
            "train_loss_max": [0.2042, 0.2019],
            "test_acc": [0.8509, 0.8534],
            "test_min": [0.8490, 0.8447],
            "test_max": [0.8528, 0.8608],
            "seconds": [0.732, 4.529],
            "seconds_sd": [0.097, 0.111],
        },
        index=["hand-written", "PyTorch DataLoader"],
    )
    text = framework_comparison_text(by, 3000, 100, 60000, 3, 2.233, "Timing note.")
    assert "+0.25 points" in text and "up to 1.61 points, so the difference is within the seed noise" in text
    assert "3,000 iterations are 5 epochs" in text and "ranges of the final training loss over seeds overlap" in text
    assert "6.2 × as long (1266 µs more per step)" in text and text.endswith("Timing note.")
    apart = by.assign(
        train_loss_min=[0.2030, 0.2010],
        train_loss_max=[0.2040, 0.2015],
        test_min=[0.85, 0.853],
        test_max=[0.851, 0.854],
        test_acc=[0.8505, 0.8535],
    )
    text = framework_comparison_text(apart, 3000, 100, 60000, 3, 2.233, "Timing note.")
    assert "larger than the seed noise" in text and "every run without replacement ends below" in text


def test_every_difference_is_taken_between_the_values_as_shown():
    from mnist_sgd.tasks.pytorch.commentary import framework_comparison_text

    by = pd.DataFrame(
        {
            "train_loss": [0.203504, 0.203096],  # shown 0.20350 and 0.20310
            "train_loss_min": [0.20303, 0.20307],
            "train_loss_max": [0.20392, 0.20312],
            "test_acc": [0.85544, 0.85646],  # shown 85.54 and 85.65: +0.11, though the unrounded gap is 0.102
            "test_min": [0.85354, 0.85264],  # shown 85.35 and 85.26
            "test_max": [0.85706, 0.85934],  # shown 85.71 and 85.93: ranges 0.36 and 0.67
            "seconds": [0.8274, 5.4994],  # shown 0.827 and 5.499
            "seconds_sd": [0.042, 0.435],
        },
        index=["hand-written", "PyTorch DataLoader"],
    )
    text = framework_comparison_text(by, 3000, 100, 60000, 3, 2.5074, "Timing note.")
    assert "85.65% test accuracy against 85.54% for the hand-written one, a difference of +0.11 points" in text
    assert "up to 0.67 points" in text
    assert "−0.20% relative" in text or "-0.20% relative" in text  # 0.20310 / 0.20350 − 1
    # 5.499 / 0.827 = 6.65, and the µs per step as the table shows them: 1833 − 276 = 1557
    assert "6.6 × as long (1557 µs more per step)" in text
    assert "takes 2.507 s (836 µs per batch): 46% of the idiomatic loop's time" in text
