"""Made-up tables and values that tests of several modules share."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science import linear, net_runs


def table(
    t_target,
    seconds,
    excess,
    acc,
    lr=(0.002, 0.005, 0.02, 0.04),
    seconds_sd=(0.01,) * 4,
    half=(6.0, 5.0, 4.0, 3.0),
    t_sd=(0.0,) * 4,
    noise=(math.nan,) * 4,
):
    sizes = np.array([1, 10, 100, 1000])
    return pd.DataFrame(
        {
            "batch_size": sizes,
            "lr": list(lr),
            "eta_star": [0.0034, 0.016, 0.025, 0.026],
            "eta_max": [0.0068, 0.031, 0.049, 0.052],
            "smallest_diverging": [0.0215, 0.1, 0.1, math.nan],
            "itr": [200000, 15000, 3000, 1500],
            "excess_pct": list(excess),
            "final_test_acc": list(acc),
            "t_target": list(t_target),
            "t_target_sd": list(t_sd),
            "samples_target": list(np.array(t_target, dtype=float) * sizes),
            "samples_target_sd": list(np.array(t_sd, dtype=float) * sizes),
            "checkpoint_ratio": [1.09] * 4,
            "noise_target": list(noise),
            "seeds": [3] * 4,
            "seconds_target": list(seconds),
            "seconds_target_sd": list(seconds_sd),
            "train_seconds_mean": [2.0, 0.4, 0.5, 2.2],
            "half_end_excess_pct": list(half),
            "last_change": [-0.001, -0.008, -0.007, -0.004],
        }
    )


def reference(train_loss_star: float = 0.2) -> linear.Reference:
    return linear.Reference(
        n_train=1000,
        train_loss_star=train_loss_star,
        train_acc_star=0.9,
        test_acc_star=0.86,
        lambda_max=5.0,
        trace_H=50.0,
        rank_H=700,
        beta=100.0,
        lr_stability=0.4,
        m_star=21.0,
        m_star_trace=11.0,
        eigenvalues=np.array([5.0, 1.0]),
        W_star=torch.zeros(784, 10),
    )


def grid():
    rows = [
        (8, 0.01, 0, False, 0.01, 0.99, 0.975, 3, 1.0, 1, 1),
        (8, 0.1, 0, False, 0.005, 0.999, 0.982, 3, 1.0, 1, 1),
        (8, 1.0, 0, False, 2.33, 0.1022, 0.1009, 3, 1.0, 1, 1),
        (128, 0.01, 0, False, 0.3, 0.92, 0.92, 3, 1.0, 1, 1),
        (128, 0.1, 0, False, 0.05, 0.985, 0.975, 3, 1.0, 1, 1),
        (128, 1.0, 0, False, 0.01, 0.998, 0.981, 3, 1.0, 1, 1),
    ]
    r = net_runs.with_status(runs(rows), majority=0.1124)
    history = pd.DataFrame(
        [
            {
                "batch_size": b,
                "lr": lr,
                "seed": 0,
                "epoch": e,
                "train_loss": loss * (1 + 0.1 * (3 - e)),
                "test_acc": acc - 0.001 * (e % 2),
                "epoch_seconds": 1.0,
            }
            for b, lr, _, _, loss, _, acc, *_ in rows
            for e in (1, 2, 3)
        ]
    )
    return r, history


def stuck(test_acc: float, train_acc: float) -> dict:
    return {"status": "stuck at chance", "final_train_loss": 2.3, "final_test_acc": test_acc,
            "final_train_acc": train_acc}  # fmt: skip


def runs(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "batch_size",
            "lr",
            "seed",
            "diverged",
            "final_train_loss",
            "final_train_acc",
            "final_test_acc",
            "epochs",
            "seconds_per_epoch",
            "threads",
            "parallel_jobs",
        ],
    ).assign(train_images=60000)
