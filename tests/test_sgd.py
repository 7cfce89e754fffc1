"""The hand-written minibatch SGD: its arithmetic, divergence handling, curves and rules."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
import torch

from mnist_sgd.science.criteria import (
    choose_lr,
    converged_iterations,
    end_excess,
    iterations_needed,
    loss_changes,
    lr_ranking,
)
from mnist_sgd.science.data import load_mnist, one_hot
from mnist_sgd.science.linear import gradient, loss
from mnist_sgd.science.sgd import CURVE_COLUMNS, Evaluator, checkpoint_schedule, train_sgd


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


def test_choose_lr_skips_learning_rates_with_a_diverged_seed():
    runs = pd.DataFrame(
        {
            "lr": [0.1, 0.1, 0.2, 0.2, 0.4, 0.4],
            "seed": [0, 1, 0, 1, 0, 1],
            "diverged": [False, False, False, False, True, False],
            "final_train_loss": [0.30, 0.32, 0.25, 0.27, math.nan, 0.10],
            "final_test_acc": [0.8] * 6,
        }
    )
    assert choose_lr(runs) == 0.2
    with pytest.raises(ValueError, match="diverged"):
        choose_lr(runs[runs["lr"] == 0.4])


def test_converged_iterations_on_synthetic_curves():
    t = np.unique(np.rint(np.geomspace(1, 64000, 120))).astype(int)
    settling = np.where(t < 1000, 2 - t / 1000, 1.0)  # linear descent, flat from t = 1000
    curve = pd.DataFrame({"t": t, "train_loss": settling})
    itr = converged_iterations(curve, rel_tol=0.05)
    # judged on the loss averaged over [s, 2s]: flat from the first window that starts past the descent
    assert 500 <= itr <= 1000
    assert converged_iterations(curve, rel_tol=10.0) == 1
    # Two seeds around the same mean give the mean's answer.
    noise = 0.3 * np.sin(t)
    seeds = pd.concat([curve.assign(train_loss=settling + noise), curve.assign(train_loss=settling - noise)])
    assert converged_iterations(seeds, rel_tol=0.05) == itr
    power_law = pd.DataFrame({"t": t, "train_loss": 1 / (1 + t)})  # halves per doubling, forever
    assert converged_iterations(power_law, rel_tol=0.05) is None
    diverged = curve.assign(train_loss=np.where(t > 2000, np.inf, settling))
    assert converged_iterations(diverged, rel_tol=0.05) is None


def test_a_noisy_plateau_converges_where_single_checkpoints_would_not():
    # SGD at B = 1: a flat mean with checkpoint-to-checkpoint noise of a few percent
    t = np.unique(np.rint(np.geomspace(1, 500000, 150))).astype(int)
    rng = np.random.default_rng(1)
    loss = 0.218 + 0.2 * np.exp(-t / 5000) + 0.0015 * rng.standard_normal(len(t))
    curve = pd.DataFrame({"t": t, "train_loss": loss})
    pointwise = np.abs(np.diff(loss[t > 40000])) / loss[t > 40000][1:]
    assert pointwise.max() > 0.01  # single checkpoints would keep failing a 1% tolerance
    itr = converged_iterations(curve, rel_tol=0.01)
    assert itr is not None and 10000 <= itr <= 60000
    changes = loss_changes(curve)
    descending = changes[(changes["t"] >= 500) & (changes["t"] <= 5000)]
    assert (changes["t"] * 4 <= t[-1]).all() and len(descending) and (descending["change"] < 0).all()


def test_the_budget_a_run_would_need_is_extrapolated():
    t = np.unique(np.rint(np.geomspace(1, 1_000_000, 200))).astype(int)
    curve = pd.DataFrame({"t": t, "train_loss": 1 + 10 / np.sqrt(t)})  # still settling like t^-1/2
    full = converged_iterations(curve, rel_tol=0.01)
    short = curve[curve["t"] <= full // 4]
    assert converged_iterations(short, rel_tol=0.01) is None
    needed = iterations_needed(short, rel_tol=0.01)
    assert needed is not None and full / 2 <= needed <= 2 * full
    flat_noise = pd.DataFrame({"t": t, "train_loss": 1 + 0.1 * (np.arange(len(t)) % 2)})
    assert iterations_needed(flat_noise, rel_tol=0.01) is None  # changes that do not shrink: no budget helps


def test_the_sweep_ranking_ties_within_the_seed_spread():
    runs = pd.DataFrame(
        {
            "lr": [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4],
            "diverged": [False] * 6 + [True, False],
            "final_train_loss": [0.40, 0.42, 0.250, 0.262, 0.245, 0.250, math.nan, 0.1],
            "final_test_acc": [0.8] * 8,
        }
    )
    ranking = lr_ranking(runs).set_index("lr")
    assert ranking.loc[0.3, "rank"] == 1 and ranking.loc[0.4, "rank"] == 0
    assert ranking["tied"].to_dict() == {0.1: False, 0.2: True, 0.3: True, 0.4: False}
    assert choose_lr(runs) == 0.2  # the smaller of the tied rates
    apart = runs.assign(final_train_loss=[0.40, 0.42, 0.300, 0.302, 0.245, 0.250, math.nan, 0.1])
    assert choose_lr(apart) == 0.3
    assert end_excess(pd.DataFrame({"t": [0, 50, 100], "train_loss": [9.0, 2.0, 3.0]}), optimum=1.0) == 1.5
