"""The backward-pass check compares two real trainings and says how far apart they end."""

from __future__ import annotations

import pandas as pd
import torch

from mnist_sgd.science import nets
from mnist_sgd.science.data import MNIST
from mnist_sgd.tasks.mlp_grid.backward import backward_check, backward_text, nudged, within_nudge


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
    assert row["nudge_weights_rel_diff"] > 0  # the control run starts elsewhere, so it ends elsewhere
    assert within_nudge(row)


def test_the_nudge_moves_every_weight_by_one_rounding_unit_up():
    model = nets.build("mlp32-16", 0)
    before = [p.detach().clone() for p in model.parameters()]
    after = list(nudged(model).parameters())
    for p, q in zip(before, after, strict=True):
        assert (q > p).all()
        assert torch.equal(torch.nextafter(q, torch.full_like(q, -torch.inf)), p)  # one unit, not more


def test_a_written_out_step_that_differs_is_caught(monkeypatch):
    """A manual step at twice the rate ends far from autograd's, further than the nudge: the check can fail."""
    step = nets.manual_epoch
    monkeypatch.setattr(nets, "manual_epoch", lambda layers, x, y, order, b, lr: step(layers, x, y, order, b, 2 * lr))
    row = backward_check(images(), "mlp32-16", images=200, batch_size=32, lr=0.1).iloc[0]
    assert row["weights_rel_diff"] > 1e-3
    assert not within_nudge(row)


CHECKS = pd.DataFrame(
    {
        "batch_size": 32,
        "epochs": 1,
        "lr": [0.1, 1.0, 1.0],
        "images": [2000, 512, 2000],
        "steps": [63, 16, 63],
        "weights_rel_diff": [3.2e-7, 8e-7, 0.33],
        "loss_rel_diff": [1.5e-7, 0.0, 5.7e-3],
        "nudge_weights_rel_diff": [3.1e-3, 0.22, 0.334],
        "nudge_loss_rel_diff": [4.4e-6, 1.8e-3, 5.0e-3],
    }
)


def test_the_sentence_says_the_same_step_only_where_the_two_ways_agree_to_rounding():
    text = backward_text(CHECKS)
    assert "torch." not in text and "autograd" not in text  # plain words, no module names
    assert "written-out" not in text and "nudged" not in text  # the report's own words, defined where they are used
    assert "as a *rounding control* showing what rounding alone does" in text
    assert (
        "- η = 0.1, 63 steps (2,000 images): the hand-written step 3.2e-07 (epoch losses 1.5e-07), the rounding "
        "control" in text
    )
    assert (
        "- η = 1, 16 steps (512 images): the hand-written step 8.0e-07 (identical epoch losses), the rounding control 2.2e-01"
        in text
    )
    assert (
        "At every check the hand-written step ends no further from automatic differentiation than the rounding" in text
    )
    assert "(η = 0.1 over 63 steps and η = 1 over 16 steps) they take the same step" in text
    assert (
        "Over 63 steps at η = 1 they drift apart (over 16 they still agree), no further than the rounding control:"
        in text
    )
    alone = backward_text(CHECKS.iloc[[2]])
    assert "same step" not in alone and "still agree" not in alone and "no further than the rounding control" in alone


def test_a_drift_beyond_the_nudge_is_not_called_rounding():
    """Equal as printed counts as no further; beyond it, the text says how many times as far."""
    level = CHECKS.iloc[2].copy()
    level["weights_rel_diff"] = 0.3349  # 3.3e-01, as the rounding control's 0.334
    assert within_nudge(level)
    further = CHECKS.assign(nudge_weights_rel_diff=[3.1e-3, 0.22, 0.11])
    text = backward_text(further)
    assert "At every check" not in text and "drift apart" not in text
    assert (
        "At η = 1 over 63 steps the hand-written step ends 3 times as far from automatic differentiation as the "
        in text
    )
    assert "does not show that difference to be rounding alone" in text
