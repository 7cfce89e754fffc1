"""The backward-pass check compares two real trainings and says how far apart they end."""

from __future__ import annotations

import pandas as pd
import torch

from mnist_sgd.science import nets
from mnist_sgd.science.data import MNIST
from mnist_sgd.tasks.mlp_grid.backward import backward_check, backward_text


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


def test_the_sentence_quotes_the_setting_and_the_differences_at_each_rate():
    checks = pd.concat(
        [backward_check(images(), "mlp32-16", images=200, batch_size=32, lr=lr) for lr in (0.1, 1.0)], ignore_index=True
    )
    text = backward_text(checks.assign(weights_rel_diff=[3.2e-7, 4e-7], loss_rel_diff=[1.5e-7, 0.0]))
    assert "first 200 training images (7 steps of B = 32)" in text
    assert "at η = 0.1, weights at most 3.2e-07 of the largest weight apart and epoch losses at most 1.5e-07" in text
    assert "at η = 1, weights at most 4.0e-07 of the largest weight apart and identical epoch losses" in text
