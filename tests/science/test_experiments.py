"""The experiments' building blocks: the sweep taken to a longer horizon, where a held-out score stops a run, the peak and budget of a mean curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from mnist_sgd.science.criteria import early_stop
from mnist_sgd.science.data import load_mnist, one_hot
from mnist_sgd.science.experiments import peak_of_mean, repeat, sweep_to_convergence
from mnist_sgd.science.sgd import Evaluator, train_sgd


def test_early_stop_picks_the_earliest_best_heldout_score():
    c = pd.DataFrame({"t": [1, 2, 4, 8], "heldout_acc": [0.5, 0.7, 0.7, 0.6], "test_acc": [0.4, 0.65, 0.66, 0.6]})
    best = early_stop(c)
    assert best["t"] == 2 and best["test_acc"] == 0.65  # the earliest of the tied best


def test_the_heldout_accuracy_is_recorded_along_a_run():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 784, generator=g)
    labels = torch.randint(10, (60,), generator=g)
    ev = Evaluator(x[:40], labels[:40], x[40:], labels[40:], x_heldout=x[40:50], labels_heldout=labels[40:50])
    y = torch.nn.functional.one_hot(labels[:40], 10).float()
    run = train_sgd(x[:40], y, 10, 0.001, 50, seed=0, checkpoints=5, evaluator=ev)
    assert "heldout_acc" in run.curves.columns and run.curves["heldout_acc"].between(0, 1).all()


def test_peak_of_the_mean_curve():
    c = pd.DataFrame({"n": [1] * 6, "t": [1, 10, 100] * 2, "test_acc": [0.5, 0.9, 0.7, 0.5, 0.7, 0.7]})
    peak = peak_of_mean(c, "n").iloc[0]
    assert peak["peak_test_acc"] == 0.8 and peak["peak_t"] == 10


def test_a_doubled_sweep_takes_its_runs_on_and_its_chosen_rate_is_the_run_repeated():
    m = load_mnist()
    x, labels = m.x_train[:1500], m.y_train[:1500]
    ev = Evaluator(x, labels, m.x_test[:500], m.y_test[:500], train_acc_samples=None)
    y = one_hot(labels)
    swept = sweep_to_convergence(x, y, 10, [0.001, 0.01, 5.0], 2, 40, 1, 0.01, 1e-7, ev, checkpoints=10)
    assert swept.horizon == 80  # a target no run meets: one doubling, the cap
    assert set(swept.runs.loc[swept.runs["lr"] == 5.0, "iterations"]) == {40}  # diverged: not taken on
    assert set(swept.runs.loc[swept.runs["lr"] < 1, "iterations"]) == {80}
    runs, curves = swept.at_rate(0.01, ev)
    fresh_runs, fresh = repeat(x, y, 10, 0.01, 2, 80, ev, checkpoints=10)
    ends = curves.groupby("seed").last()
    fresh_ends = fresh.groupby("seed").last()
    for column in ("train_loss", "test_acc", "train_acc"):
        assert np.allclose(ends[column], fresh_ends[column], rtol=1e-9), column
    assert np.allclose(runs["final_test_acc"], fresh_runs["final_test_acc"])
    with pytest.raises(ValueError, match="no stable runs"):
        swept.at_rate(5.0, ev)
