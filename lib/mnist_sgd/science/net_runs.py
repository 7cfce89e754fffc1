"""A network's runs as tidy tables (one row per run, one per run and epoch, tagged with the
conditions their times were measured under), and what is read from them: status (whether a
run learnt, and how it ended), rises of the loss, epoch-to-epoch noise."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science import nets
from mnist_sgd.show import provenance

# A run "stuck at chance" has stopped learning (typically dead ReLUs after a too-long step):
# its loss sits at ln(classes), the cross-entropy of uniform outputs, and it predicts about
# as well as always answering the most frequent class. A run "learnt" when some epoch's loss
# fell below that band; a run that stopped learning or diverged is told apart by that.
STUCK_LOSS_TOL = 0.05  # final training loss within 5% of ln(classes)
STUCK_ACC_POINTS = 2.0  # training accuracy within 2 points of the majority class's share
CONVERGED = "converged"
STUCK = "stuck at chance"
LEARNT_THEN_STUCK = "learnt, then stuck at chance"
LEARNT_THEN_DIVERGED = "learnt, then diverged"
DIVERGED_AT_ONCE = "diverged from the start"
STATUSES = (CONVERGED, LEARNT_THEN_STUCK, STUCK, LEARNT_THEN_DIVERGED, DIVERGED_AT_ONCE)


def majority_share(labels: torch.Tensor) -> float:
    """Share of the most frequent label: the accuracy of always answering it."""
    return torch.bincount(labels).max().item() / len(labels)


def constant_answer(accuracy: float, labels: torch.Tensor) -> int | None:
    """The label whose share in ``labels`` equals ``accuracy`` to within one image, i.e. the
    answer a model that always gives the same one would score that accuracy with; None if none."""
    shares = torch.bincount(labels, minlength=10).to(torch.float64) / len(labels)
    close = torch.nonzero((shares - accuracy).abs() <= 0.5 / len(labels)).flatten()
    return int(close[0]) if len(close) == 1 else None


def learnt(min_train_loss: float, classes: int = 10) -> bool:
    """Whether some epoch's training loss fell below the chance band, (1 - ``STUCK_LOSS_TOL``)
    ln(classes); False when no epoch completed (NaN)."""
    return bool(min_train_loss < (1 - STUCK_LOSS_TOL) * math.log(classes))


def run_status(
    diverged: bool,
    final_train_loss: float,
    final_train_acc: float,
    majority: float,
    classes: int = 10,
    min_train_loss: float = math.nan,
) -> str:
    """One of ``STATUSES``. A run whose loss became non-finite diverged: 'learnt, then diverged'
    when some completed epoch's loss (``min_train_loss``, the lowest) was below the chance band
    (``learnt``), else 'diverged from the start'. A run that ended with its training loss within
    ``STUCK_LOSS_TOL`` of ln(classes) and its training accuracy within ``STUCK_ACC_POINTS`` points
    of ``majority`` is stuck at chance: 'learnt, then stuck at chance' or 'stuck at chance' by the
    same test. Every other run is 'converged': it ended having learnt something."""
    before = learnt(min_train_loss, classes)
    if diverged or not math.isfinite(final_train_loss):
        return LEARNT_THEN_DIVERGED if before else DIVERGED_AT_ONCE
    chance_loss = math.log(classes)
    if (
        abs(final_train_loss - chance_loss) <= STUCK_LOSS_TOL * chance_loss
        and abs(100 * (final_train_acc - majority)) <= STUCK_ACC_POINTS
    ):
        return LEARNT_THEN_STUCK if before else STUCK
    return CONVERGED


def stuck_rule(majority: float, classes: int = 10) -> str:
    """The rule of ``run_status`` in words, with its numbers."""
    chance = math.log(classes)
    return (
        f"a run is *stuck at chance* when its final training loss is within {100 * STUCK_LOSS_TOL:g}% of "
        f"ln {classes} = {chance:.3f} (the loss of uniform outputs) and its training accuracy within "
        f"{STUCK_ACC_POINTS:g} points of {100 * majority:.2f}% (always answering the most frequent digit); "
        f"it *diverged* when its loss became non-finite (the run then stops, and is scored as it stopped); "
        f"either is prefixed *learnt, then* when the loss of some epoch before had fallen below "
        f"{(1 - STUCK_LOSS_TOL) * chance:.3f} ({100 * STUCK_LOSS_TOL:g}% under ln {classes}), and a run that "
        f"diverged without having learnt *diverged from the start*; every other run *converged*: it ended "
        "having learnt something"
    )


def conditions() -> dict[str, Any]:
    """Under what the training times are measured: torch threads, device, parallel jobs."""
    return provenance.run_conditions(str(nets.device()))


def runs_table(runs: Iterable[nets.NetRun], cond: dict[str, Any], **extra: Any) -> pd.DataFrame:
    """One row per run: ``NetRun.summary()``, the conditions and any ``extra`` columns."""
    return pd.DataFrame([{**extra, **run.summary(), **cond} for run in runs])


def with_status(runs: pd.DataFrame, majority: float) -> pd.DataFrame:
    """``runs`` (one row per run) with a ``status`` column from ``run_status`` (``min_train_loss``
    read when the table has it)."""
    lowest = runs["min_train_loss"] if "min_train_loss" in runs else pd.Series(math.nan, index=runs.index)
    status = [
        run_status(bool(r.diverged), r.final_train_loss, r.final_train_acc, majority, min_train_loss=low)
        for r, low in zip(runs.itertuples(index=False), lowest, strict=True)
    ]
    return runs.assign(status=status)


def history_table(runs: Iterable[nets.NetRun], **extra: Any) -> pd.DataFrame:
    """One row per run and completed epoch, with the run's configuration as columns."""
    frames = []
    for run in runs:
        keys = {**extra, "arch": run.arch, "seed": run.seed, "batch_size": run.batch_size, "lr": run.lr}
        frames.append(run.history.assign(**keys)[[*keys, *nets.HISTORY_COLUMNS]])
    return pd.concat(frames, ignore_index=True)


# The loss "rose" in an epoch when it ended more than RISE_TOL above the lowest loss of the
# epochs before it: a bump of a few per cent is the noise of the epoch's mean, not a rise.
RISE_TOL = 0.10


def rises(losses: pd.Series) -> tuple[int, float]:
    """Epochs in which the training loss rose (more than ``RISE_TOL`` above the lowest loss of
    the epochs before), and the largest rise relative to that lowest loss (0 if none)."""
    values = losses.dropna().to_numpy(dtype=float)
    if len(values) < 2:
        return 0, 0.0
    change = values[1:] / np.minimum.accumulate(values)[:-1] - 1
    up = change[change > RISE_TOL]
    return int(len(up)), float(up.max()) if len(up) else 0.0


def rise_rule() -> str:
    """The rule of ``rises`` in words."""
    return (
        f"the loss *rose* in an epoch when that epoch's loss is more than {100 * RISE_TOL:g}% above the lowest "
        "loss of the epochs before it"
    )


def epoch_noise(history: pd.DataFrame, last: int = 5, keys: tuple[str, ...] = ("batch_size", "lr", "seed")) -> float:
    """What one seed can resolve: the median over runs of the standard deviation of the test
    accuracy (in points) over each run's last ``last`` evaluated epochs. Late in training the
    accuracy barely trends, so this spread is mostly the epoch-to-epoch noise of one run;
    NaN when no run has ``last`` evaluated epochs."""
    spreads = []
    for _, h in history.dropna(subset=["test_acc"]).groupby(list(keys)):
        tail = h.sort_values("epoch")["test_acc"].tail(last)
        if len(tail) == last:
            spreads.append(100 * tail.std(ddof=1))
    return float(np.median(spreads)) if spreads else math.nan
