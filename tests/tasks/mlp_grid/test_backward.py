"""The backward-pass check compares two real trainings and says how far apart they end."""

from __future__ import annotations

import pandas as pd
import torch

from mnist_sgd.science import nets
from mnist_sgd.science.data import MNIST
from mnist_sgd.tasks.mlp_grid.backward import backward_brief, backward_check, backward_text


def images(n: int = 300, seed: int = 0) -> MNIST:
    """Random 784-pixel images whose label depends on the pixels."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n + 100, 784, generator=g)
    y = x[:, :10].argmax(1)
    return MNIST(x[:n], y[:n], x[n:], y[n:])


def test_the_two_ways_take_the_same_steps_up_to_rounding():
    check = backward_check(images(), "mlp32-16", images=200, batch_size=32, lr=0.1)
    row = check.iloc[0]
    assert row["steps"] == 7  # 200 images in batches of 32: the last one smaller
    assert 0 <= row["weights_rel_diff"] < 1e-5 and 0 <= row["loss_rel_diff"] < 1e-5


def test_a_written_out_step_that_differs_is_caught(monkeypatch):
    """A manual step at twice the rate ends far from autograd's: the check can fail."""
    step = nets.manual_epoch
    monkeypatch.setattr(nets, "manual_epoch", lambda layers, x, y, order, b, lr: step(layers, x, y, order, b, 2 * lr))
    row = backward_check(images(), "mlp32-16", images=200, batch_size=32, lr=0.1).iloc[0]
    assert row["weights_rel_diff"] > 1e-3


def test_the_sentence_says_the_same_step_only_where_the_two_ways_agree_to_rounding():
    checks = pd.DataFrame(
        {
            "batch_size": 32,
            "lr": [0.1, 1.0, 1.0],
            "images": [2000, 512, 2000],
            "steps": [63, 16, 63],
            "weights_rel_diff": [3.2e-7, 8e-7, 0.33],
            "loss_rel_diff": [1.5e-7, 0.0, 5.7e-3],
        }
    )
    text = backward_text(checks)
    assert "torch." not in text and "autograd" not in text  # plain words, no module names
    assert "at η = 0.1 over 63 steps, weights at most 3.2e-07 of the largest weight apart and epoch losses" in text
    assert "at η = 1 over 16 steps, weights at most 8.0e-07 of the largest weight apart and identical epoch" in text
    assert "take the same step, up to float32 rounding (η = 0.1, 1)" in text
    assert "Over 63 steps at η = 1 they drift apart, although they agree to rounding over 16:" in text
    alone = backward_text(checks.iloc[[2]])
    assert "same step" not in alone and "does not separate a different step from a grown rounding" in alone


def test_the_body_says_where_the_written_out_step_and_autograd_agree_and_where_they_drift():
    checks = pd.DataFrame({"lr": [0.1, 1.0, 1.0], "steps": [63, 16, 63], "weights_rel_diff": [2e-7, 3e-7, 0.33]})
    assert backward_brief(checks) == (
        "The runs compute each step by a written-out backward pass, not by automatic differentiation; both take the "
        "same step at η = 0.1, but at η = 1 they drift apart along a run, so which seeds fail there depends on how "
        "the step is computed."
    )
    agree = backward_brief(checks.assign(weights_rel_diff=1e-7))
    assert agree.endswith("both take the same step at η = 0.1, 1.") and "drift" not in agree
