"""Task 2's short paragraphs follow the numbers they are given."""

from __future__ import annotations

import pandas as pd

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
