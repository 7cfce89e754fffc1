"""Repeated SGD runs: learning-rate sweeps and seed repeats, as tidy tables.

The notebooks of the linear tasks share these loops; each returns plain DataFrames
(one row per run, or one row per run and checkpoint) ready for ``results.write_table``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science import criteria
from mnist_sgd.science.sgd import Evaluator, Training, remeasure, train_sgd
from mnist_sgd.show.present import progress


def lr_grid(lr_min: float, lr_max: float, points: int) -> list[float]:
    """Geometrically spaced learning rates, rounded to 3 significant digits."""
    return [float(f"{v:.3g}") for v in np.geomspace(lr_min, lr_max, points)]


@dataclass
class Sweep:
    """A learning-rate sweep at the horizon it ended at: one row per run, the runs' loss
    curves, ``criteria.target_ranking`` at that horizon, and the runs themselves, kept with
    their weights at every checkpoint so that the chosen rate's runs can be measured in
    full (``at_rate``) without being trained again."""

    runs: pd.DataFrame
    curves: pd.DataFrame
    ranking: pd.DataFrame
    horizon: int
    trainings: dict[tuple[float, int], Training]

    def at_rate(self, lr: float, evaluator: Evaluator) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The runs at ``lr`` as ``repeat`` returns them, every checkpoint measured by ``evaluator``."""
        done = [
            remeasure(training.recorder.result(lr, seed, self.horizon), evaluator)
            for (rate, seed), training in sorted(self.trainings.items())
            if rate == lr
        ]
        if not done:
            raise ValueError(f"the sweep has no stable runs at lr = {lr:g}")
        runs = pd.DataFrame([run.summary() for run in done])
        curves = [run.curves.assign(seed=run.seed, batch_size=run.batch_size, lr=lr) for run in done]
        return runs, pd.concat(curves, ignore_index=True)


def _run_all(
    trainings: dict[tuple[float, int], Training], horizon: int, checkpoints: int, evaluator: Evaluator, desc: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Take every run of ``trainings`` to ``horizon``: (one row per run, the loss curves).
    The accuracies are measured once, on each run's last weights: measuring them at every
    checkpoint of every run would cost more than the training."""
    rows, curves = [], []
    for (lr, seed), training in progress(list(trainings.items()), desc=desc):
        run = training.run_to(horizon, checkpoints)
        row = run.summary()
        if not run.diverged:
            final = evaluator.evaluate(run.W)
            row.update(final_test_acc=final["test_acc"], final_train_acc=final["train_acc"])
        rows.append(row)
        curves.append(run.curves[["t", "train_loss"]].assign(batch_size=run.batch_size, lr=lr, seed=seed))
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True)


def sweep_to_convergence(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    lrs: list[float],
    seeds: int,
    horizon: int,
    max_doublings: int,
    optimum: float,
    target_pct: float,
    evaluator: Evaluator,
    checkpoints: int = 150,
) -> Sweep:
    """Every (learning rate, seed) run to ``horizon`` iterations, the horizon doubled (at most
    ``max_doublings`` times) while ``criteria.horizon_too_short``: no rate's loss came within
    ``target_pct`` % of ``optimum`` (``criteria.target_ranking``), or the chosen one came so late
    that the runs' end does not show it stays there.

    A doubling takes the runs of the rates at which no seed diverged further, from where
    they stand (the same steps as a run started afresh at the longer horizon); a rate with a
    diverged seed stays out of the ranking at any horizon, and its rows are kept as they are.
    """
    loss_only = evaluator.loss_only()
    trainings = {
        (lr, seed): Training(x, y, batch_size, lr, seed, loss_only, keep_weights=True)
        for lr in lrs
        for seed in range(seeds)
    }
    diverged = pd.DataFrame()
    while True:
        desc = f"sweep B={batch_size}, {horizon:,} iterations"
        runs, curves = _run_all(trainings, horizon, checkpoints, evaluator, desc)
        runs = pd.concat([diverged, runs], ignore_index=True) if len(diverged) else runs
        ranking = criteria.target_ranking(runs, curves, optimum, target_pct / 100)
        if not criteria.horizon_too_short(ranking, horizon) or max_doublings == 0:
            return Sweep(runs, curves, ranking, horizon, trainings)
        unstable = set(ranking.loc[ranking["diverged_seeds"] > 0, "lr"])
        diverged = runs[runs["lr"].isin(unstable)]
        trainings = {key: training for key, training in trainings.items() if key[0] not in unstable}
        horizon, max_doublings = 2 * horizon, max_doublings - 1


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


def peak_of_mean(curves: pd.DataFrame, by: str, column: str = "test_acc") -> pd.DataFrame:
    """Per value of ``by``: the highest point of the mean curve of ``column`` over the rows
    with the same t (the seed- or subset-mean), and the t where it is (the earliest on ties)."""
    rows = []
    for key, group in curves.groupby(by):
        mean = group.groupby("t")[column].mean().sort_index()
        rows.append({by: key, f"peak_{column}": float(mean.max()), "peak_t": int(mean.idxmax())})
    return pd.DataFrame(rows)
