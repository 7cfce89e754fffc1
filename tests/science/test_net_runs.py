"""What is read from a network's runs: the epoch-to-epoch noise of one seed."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import net_runs


def test_epoch_noise_is_the_median_late_spread():
    h = pd.DataFrame(
        {"batch_size": 8, "lr": 0.1, "seed": 0, "epoch": range(1, 7), "test_acc": [0.5, 0.97, 0.98, 0.97, 0.98, 0.97]}
    )
    assert abs(net_runs.epoch_noise(h, last=5) - 100 * pd.Series([0.97, 0.98, 0.97, 0.98, 0.97]).std()) < 1e-9
    assert math.isnan(net_runs.epoch_noise(h, last=10))
