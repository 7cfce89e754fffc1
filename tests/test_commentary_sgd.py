"""Task 2's and Task 6's short paragraphs follow the numbers they are given."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.tasks.pytorch.commentary import equivalence_text, lr_conversion_text, ratio_within
from mnist_sgd.tasks.sgd.commentary import demonstration_text, gradient_check_text, hand_run_text


def test_the_gradient_check_and_the_demonstration_state_their_numbers():
    assert "batch of 100 samples" in gradient_check_text(100, 3.2e-17) and "**3.2e-17**" in gradient_check_text(
        100, 3.2e-17
    )
    text = demonstration_text(1000, 0.51, 0.2151, 0.8523, 0.1955, 0.8603)
    assert "After 1,000 iterations (0.51 s of training) the training loss is 0.2151, 10.0% above" in text
    assert "85.23% against 86.03%" in text


def test_the_hand_setting_is_set_against_the_seeds_and_the_demonstration():
    runs = pd.DataFrame({"final_test_acc": [0.82, 0.83, 0.84], "final_train_loss": [0.30, 0.30, 0.30]})
    hand = {"batch_size": 100, "lr": 0.001, "iterations": 1000}
    text = hand_run_text(hand, 0.823, runs, 0.2, 0.01, 0.855)
    assert text.startswith("By hand, at B = 100, η = 0.001 and 1,000 iterations, the run reached ")
    assert "its training loss is 0.3000, 50.0% above L*" in text and "at η = 0.01, ends at 85.50%" in text


def test_the_learning_rate_conversion_says_when_the_ratio_is_off():
    assert ratio_within(0.2 + 1e-9) and not ratio_within(0.21)
    assert "within 1e-6 of 2/k = 0.2" in lr_conversion_text(0.2, 1e-12, 5.0, 0.01)
    off = lr_conversion_text(0.21, 1e-3, 5.0, 0.01)
    assert "NOT within" in off and "**5 × η**: η = 0.01 here becomes 0.05" in off


def test_the_equivalence_says_when_the_weights_are_not_close():
    assert "**3.0e-07** relative (below 1e-5" in equivalence_text(3e-7, 0.8, 500, 5.0)
    text = equivalence_text(2e-5, 0.8, 500, 5.0)
    assert "NOT below 1e-5" in text and "4.0e+04 times farther" in text and "steps 5 times too short" in text
