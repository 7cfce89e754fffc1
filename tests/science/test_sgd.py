"""The hand-written minibatch SGD: its arithmetic, divergence handling, curves and rules."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
import torch

from mnist_sgd.science.data import load_mnist, one_hot
from mnist_sgd.science.linear import gradient, loss
from mnist_sgd.science.sgd import CURVE_COLUMNS, Evaluator, Training, checkpoint_schedule, remeasure, train_sgd


@pytest.fixture(scope="module")
def small():
    """2,000 MNIST training rows and the test set, with a shared evaluator."""
    m = load_mnist()
    x, labels = m.x_train[:2000], m.y_train[:2000]
    evaluator = Evaluator(x, labels, m.x_test, m.y_test, train_acc_samples=None)
    return x, one_hot(labels), evaluator


def test_full_batch_sgd_equals_gradient_descent(small):
    x, y, evaluator = small
    x, y = x[:500], y[:500]
    n, steps, lr = x.shape[0], 30, 0.04
    indices = torch.arange(n).repeat(steps, 1)
    run = train_sgd(x, y, n, lr, steps, seed=0, indices=indices, checkpoints=5)
    x64, y64 = x.to(torch.float64), y.to(torch.float64)
    W = torch.zeros(784, 10, dtype=torch.float64)
    for _ in range(steps):
        W -= lr * gradient(W, x64, y64)
    assert not run.diverged
    assert ((run.W.to(torch.float64) - W).norm() / W.norm()).item() < 1e-5
    assert run.curves["train_loss"].iloc[-1] == pytest.approx(loss(W, x64, y64), rel=1e-5)


def test_recorded_curves(small):
    x, y, evaluator = small
    run = train_sgd(x, y, 4, 0.01, 500, seed=1, checkpoints=20, evaluator=evaluator)
    c = run.curves
    assert list(c.columns) == CURVE_COLUMNS
    assert c["t"].iloc[0] == 0 and c["t"].iloc[-1] == 500 and c["t"].is_monotonic_increasing
    assert len(c) <= 20
    assert (c["samples"] == 4 * c["t"]).all()
    assert c["train_seconds"].is_monotonic_increasing and run.train_seconds == c["train_seconds"].iloc[-1]
    assert math.isnan(c["batch_loss"].iloc[0]) and c["batch_loss"].iloc[1:].notna().all()
    assert c["train_loss"].iloc[0] == pytest.approx(0.5)
    assert c["train_loss"].iloc[-1] < 0.35
    assert c[["train_acc", "test_acc"]].iloc[-1].between(0.5, 1).all()
    # The recorded training loss is the exact loss of the final weights on all of x.
    exact = loss(run.W.to(torch.float64), x.to(torch.float64), y.to(torch.float64))
    assert c["train_loss"].iloc[-1] == pytest.approx(exact, rel=1e-9)
    row = run.summary()
    assert row["final_train_loss"] == c["train_loss"].iloc[-1] and row["diverged"] is False
    assert set(row) == {
        "batch_size",
        "lr",
        "seed",
        "iterations",
        "diverged",
        "diverged_at",
        "final_train_loss",
        "final_test_acc",
        "final_train_acc",
        "train_seconds",
    }


def test_checkpoint_schedule_is_geometric_with_ends():
    t = checkpoint_schedule(10**6, 200)
    assert t[0] == 0 and t[-1] == 10**6 and len(t) <= 200
    assert (np.diff(t) > 0).all()
    ratios = t[-50:][1:] / t[-50:][:-1]
    assert ratios.max() / ratios.min() < 1.01
    assert checkpoint_schedule(3, 200).tolist() == [0, 1, 2, 3]


def test_large_step_diverges_silently(small, capfd, recwarn):
    x, y, evaluator = small
    run = train_sgd(x, y, 1, 1.0, 5000, seed=0, checkpoints=20, evaluator=evaluator)
    assert run.diverged and run.diverged_at is not None and 0 < run.diverged_at <= 5000
    row = run.summary()
    assert row["diverged"] and math.isnan(row["final_train_loss"])
    assert (run.curves["t"] < run.diverged_at).all()
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert len(recwarn) == 0


def test_slow_blowup_is_caught_at_a_checkpoint(small):
    x, y, evaluator = small
    # Just above gradient descent's limit 2/lambda_max: the loss grows slowly, W stays finite.
    run = train_sgd(x, y, 2000, 0.06, 100, seed=0, checkpoints=100, evaluator=evaluator)
    assert run.diverged and run.diverged_at < 100 and torch.isfinite(run.W).all()
    assert run.curves["train_loss"].max() <= 1e3 * 0.5


def test_same_seed_same_curves_other_seed_different(small):
    x, y, evaluator = small
    runs = [train_sgd(x, y, 8, 0.01, 300, seed=s, checkpoints=15, evaluator=evaluator) for s in (5, 5, 6)]
    without_time = [r.curves.drop(columns="train_seconds") for r in runs]
    pd.testing.assert_frame_equal(without_time[0], without_time[1])
    assert torch.equal(runs[0].W, runs[1].W)
    assert not without_time[0]["train_loss"].iloc[1:].equals(without_time[2]["train_loss"].iloc[1:])


def test_fixed_indices_are_used(small):
    x, y, evaluator = small
    indices = torch.randint(2000, (50, 3), generator=torch.Generator().manual_seed(0))
    a = train_sgd(x, y, 3, 0.01, 50, seed=0, indices=indices, checkpoints=5, evaluator=evaluator)
    b = train_sgd(x, y, 3, 0.01, 50, seed=99, indices=indices, checkpoints=5, evaluator=evaluator)
    assert torch.equal(a.W, b.W)
    with pytest.raises(ValueError, match="shape"):
        train_sgd(x, y, 3, 0.01, 49, seed=0, indices=indices, evaluator=evaluator)


class SlowEvaluator:
    """Wraps an evaluator and sleeps at every evaluation."""

    def __init__(self, inner: Evaluator, pause: float) -> None:
        self.inner, self.pause, self.calls = inner, pause, 0

    def loss_at_zero(self) -> float:
        return self.inner.loss_at_zero()

    def evaluate(self, W: torch.Tensor) -> dict[str, float]:
        self.calls += 1
        time.sleep(self.pause)
        return self.inner.evaluate(W)


def test_train_seconds_exclude_evaluation(small):
    x, y, evaluator = small
    slow = SlowEvaluator(evaluator, pause=0.02)
    start = time.perf_counter()
    run = train_sgd(x, y, 2, 0.01, 200, seed=0, checkpoints=30, evaluator=slow)
    wall = time.perf_counter() - start
    assert slow.calls == len(run.curves)
    assert 0 < run.train_seconds <= wall - slow.calls * slow.pause


def test_a_run_taken_further_makes_the_steps_of_a_fresh_run_and_keeps_its_checkpoints(small):
    x, y, evaluator = small
    fresh = train_sgd(x, y, 5, 0.01, 400, seed=3, checkpoints=12, evaluator=evaluator)
    training = Training(x, y, 5, 0.01, 3, evaluator, keep_weights=True)
    first = training.run_to(100, 12)
    taken = training.run_to(400, 12)
    assert torch.equal(taken.W, fresh.W)  # the batch stream does not depend on how the steps were split
    t = taken.curves["t"].tolist()
    assert t[: len(first.curves)] == first.curves["t"].tolist()  # the shorter run's checkpoints are kept
    later = [s for s in checkpoint_schedule(400, 12).tolist() if s > 100]
    assert t[len(first.curves) :] == later and t[-1] == 400
    common = taken.curves.merge(fresh.curves, on="t", suffixes=("", "_fresh"))
    assert len(common) >= len(later)
    assert np.allclose(common["train_loss"], common["train_loss_fresh"], rtol=1e-12)
    assert len(taken.snapshots) == len(taken.curves)


def test_remeasured_snapshots_give_the_curves_of_a_run_measured_in_full(small):
    x, y, evaluator = small
    full = train_sgd(x, y, 5, 0.01, 300, seed=4, checkpoints=10, evaluator=evaluator)
    light = Training(x, y, 5, 0.01, 4, evaluator.loss_only(), keep_weights=True).run_to(300, 10)
    assert light.curves["test_acc"].isna().all()
    again = remeasure(light, evaluator)
    assert list(again.curves.columns) == list(full.curves.columns) and again.snapshots is None
    for column in ("t", "samples", "train_loss", "train_acc", "test_acc", "batch_loss"):
        assert np.allclose(again.curves[column], full.curves[column], equal_nan=True), column
    with pytest.raises(ValueError, match="snapshots"):
        remeasure(full, evaluator)
