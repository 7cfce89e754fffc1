"""Task 2's short paragraphs follow the numbers they are given."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.tasks.sgd.commentary import (
    demonstration_rate_text,
    demonstration_text,
    gradient_check_text,
    hand_run_text,
)


def test_the_gradient_check_and_the_demonstration_state_their_numbers():
    text = gradient_check_text(100, 3.2e-16, 4.1e-7)
    # relative to the gradient's size, so that it reads the same whatever the scale of W
    assert "batch of 100 images" in text and "by at most 3.2e-16 of its largest entry" in text
    assert "one float32 step of the linear runs' code, by at most 4.1e-07 of the step's largest entry" in text
    text = demonstration_text(0.2151, 0.8523, 0.1955)
    assert text == (
        "At the end of the run the training loss is 0.2151, 10.0% above $L^\\star$, and the test accuracy 85.2% "
        "(one seed, so no spread is given)."
    )
    # one seed gives no spread: its accuracy is not set against W*'s, which the table beside it shows
    assert "0.1955" not in text and "W^" not in text


def test_the_demonstration_rate_is_placed_between_the_hand_rate_and_the_stability_limit():
    text = demonstration_rate_text(0.01, 0.001, 0.0525)
    assert text == (
        "The demonstration runs at η = 0.01, between the hand reports' 0.001 and 0.0525, the rate beyond which even "
        "full-batch descent diverges ($2/\\lambda_{\\max}$); Task 3 chooses the rate for each batch size."
    )
    best = demonstration_rate_text(0.01, 0.001, 0.0525, best_by_hand=0.01)
    assert "η = 0.01, the rate the hand reports found best at this batch size, below" in best
    assert "($\\lambda_{\\max}$ = 38.1)" in best  # the constant the limit comes from, in the body
    beyond = demonstration_rate_text(0.1, 0.001, 0.0525)
    assert "between" not in beyond and "diverges beyond $2/\\lambda_{\\max}$ = 0.0525" in beyond


def test_the_hand_setting_is_set_against_the_seeds():
    runs = pd.DataFrame({"final_test_acc": [0.82, 0.83, 0.84], "final_train_loss": [0.30, 0.30, 0.30]})
    hand = {"batch_size": 100, "lr": 0.001, "iterations": 1000}
    text = hand_run_text(hand, 0.823, runs, 0.2)
    assert text.startswith("By hand, at B = 100, η = 0.001 and 1,000 iterations, the run reached 82.3% test accuracy")
    # the s.d. over seeds with n - 1: 1.00 point
    assert "re-run here over 3 seeds gives 83.00% ± 1.00, which agrees with it, within the spread" in text
    assert "two s.d." not in text and "0.1 point" not in text  # the rule is stated once, on the summary page
    assert text.endswith("its training loss is still 50.0% above $L^\\star$.")
    tight = runs.assign(final_test_acc=[0.840, 0.841, 0.842])  # 1.8 points off, s.d. 0.1
    far = hand_run_text(hand, 0.823, tight, 0.2)
    assert "which differs from it beyond the spread" in far and "agrees" not in far
