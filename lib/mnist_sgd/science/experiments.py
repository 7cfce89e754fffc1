"""Repeated SGD runs: learning-rate sweeps and seed repeats, as tidy tables.

The notebooks of the linear tasks share these loops; each returns plain DataFrames
(one row per run, or one row per run and checkpoint) ready for ``results.write_table``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science.criteria import early_stop
from mnist_sgd.science.data import one_hot
from mnist_sgd.science.sgd import Evaluator, train_sgd
from mnist_sgd.show.present import progress


def lr_grid(lr_min: float, lr_max: float, points: int) -> list[float]:
    """Geometrically spaced learning rates, rounded to 3 significant digits."""
    return [float(f"{v:.3g}") for v in np.geomspace(lr_min, lr_max, points)]


def sweep(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    lrs: list[float],
    seeds: int,
    iterations: int,
    evaluator: Evaluator,
    checkpoints: int = 10,
) -> pd.DataFrame:
    """Final metrics of every (learning rate, seed) run: one row per run."""
    rows = []
    for lr in progress(lrs, desc=f"sweep B={batch_size}"):
        for seed in range(seeds):
            run = train_sgd(x, y, batch_size, lr, iterations, seed, checkpoints, evaluator)
            rows.append(run.summary())
    return pd.DataFrame(rows)


def repeat(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    lr: float,
    seeds: int,
    iterations: int,
    evaluator: Evaluator,
    checkpoints: int = 150,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same configuration over several seeds: (one row per run, curves with a seed column)."""
    runs, curves = [], []
    for seed in progress(range(seeds), desc=f"B={batch_size}, lr={lr:g}"):
        run = train_sgd(x, y, batch_size, lr, iterations, seed, checkpoints, evaluator)
        runs.append(run.summary())
        curves.append(run.curves.assign(seed=seed, batch_size=batch_size, lr=lr))
    return pd.DataFrame(runs), pd.concat(curves, ignore_index=True)


def first_reaching(curves: pd.DataFrame, column: str, threshold: float) -> pd.DataFrame:
    """Per seed, the first checkpoint where ``column`` <= threshold (t and train_seconds; NaN if never)."""
    rows = []
    for seed, curve in curves.groupby("seed"):
        hit = curve[curve[column] <= threshold]
        first = hit.iloc[0] if len(hit) else None
        rows.append(
            {
                "seed": seed,
                "t": np.nan if first is None else float(first["t"]),
                "train_seconds": np.nan if first is None else float(first["train_seconds"]),
            }
        )
    return pd.DataFrame(rows)


def task3_lr(batch_size: int, given: float) -> tuple[float, str]:
    """Task 3's chosen learning rate for ``batch_size`` when its results exist, else ``given``;
    with a sentence saying which."""
    from mnist_sgd.store.results import read_tables

    try:
        chosen = read_tables("03_batch_size", "chosen")
    except FileNotFoundError:
        chosen = None
    row = None if chosen is None else chosen[chosen["batch_size"] == batch_size]
    if row is None or row.empty:
        return given, f"given as a parameter (no Task 3 result for B = {batch_size} was found)"
    return float(row["lr"].iloc[0]), f"Task 3's choice for B = {batch_size}, read from its results"


def holdout_split(n: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Row positions 0..n-1 split at random into (kept for training, held out), the held-out
    part ``round(fraction * n)`` rows (at least 1 when n >= 2), both sorted."""
    held = min(max(int(round(fraction * n)), 1 if n >= 2 else 0), n - 1)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[held:].sort().values, order[:held].sort().values


def held_out_run(
    x: torch.Tensor,
    labels: torch.Tensor,
    x_test: torch.Tensor,
    labels_test: torch.Tensor,
    batch_size: int,
    lr: float,
    iterations: int,
    checkpoints: int,
    heldout_fraction: float,
    seed: int,
) -> dict[str, float]:
    """SGD on ``x`` minus a held-out part, stopped where the held-out accuracy peaks (early stopping)."""
    kept, held = holdout_split(x.shape[0], heldout_fraction, seed=seed)
    evaluator = Evaluator(x[kept], labels[kept], x_test, labels_test, x_heldout=x[held], labels_heldout=labels[held])
    run = train_sgd(
        x[kept],
        one_hot(labels[kept]),
        batch_size,
        lr,
        iterations,
        seed=seed,
        checkpoints=checkpoints,
        evaluator=evaluator,
    )
    best = early_stop(run.curves[run.curves["t"] > 0])
    return {
        "heldout_images": int(held.shape[0]),
        "early_t": int(best["t"]),
        "early_heldout_acc": best["heldout_acc"],
        "early_test_acc": best["test_acc"],
        "heldout_end_test_acc": run.summary()["final_test_acc"],
    }


def peak_of_mean(curves: pd.DataFrame, by: str, column: str = "test_acc") -> pd.DataFrame:
    """Per value of ``by``: the highest point of the mean curve of ``column`` over the rows
    with the same t (the seed- or subset-mean), and the t where it is (the earliest on ties)."""
    rows = []
    for key, group in curves.groupby(by):
        mean = group.groupby("t")[column].mean().sort_index()
        rows.append({by: key, f"peak_{column}": float(mean.max()), "peak_t": int(mean.idxmax())})
    return pd.DataFrame(rows)


def at_budget(curves: pd.DataFrame, by: str, t_target: float, column: str = "test_acc") -> pd.DataFrame:
    """Per value of ``by``: the mean curve of ``column`` at the checkpoint t > 0 nearest
    ``t_target`` on a log scale (checkpoints are spaced geometrically), and that t."""
    rows = []
    for key, group in curves[curves["t"] > 0].groupby(by):
        mean = group.groupby("t")[column].mean().sort_index()
        t = mean.index.to_numpy(dtype=np.float64)
        i = int(np.argmin(np.abs(np.log(t) - np.log(t_target))))
        rows.append({by: key, "at_hand_budget_acc": float(mean.iloc[i]), "at_hand_budget_t": int(t[i])})
    return pd.DataFrame(rows)
