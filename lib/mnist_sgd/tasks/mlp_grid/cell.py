"""A cell of Task 7's grid as its own job runs and says it: how many seeds it runs (more for a
cell the assignment asks), its label, its table of seeds and its paragraph (how each seed ended,
the final accuracies over the seeds, each run that learnt and then failed with its best epoch
and its end, the constant answer of a network that stopped depending on its input, time per
epoch). What only the summary reads is in ``tables``, so that editing it re-runs no training."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.show import provenance, references
from mnist_sgd.show.present import fixed, pct, plural

if TYPE_CHECKING:
    import torch

KEYS = ["batch_size", "lr"]  # what names a cell of the grid
# The training loss a cell is read by: on the whole training set after each epoch (and after the last),
# not the mean of the minibatch losses taken while the weights move during the epoch.
LOSS = "full_train_loss"
FINAL_LOSS = "final_full_train_loss"


def asked_cells() -> list[tuple[int, float]]:
    """The cells the assignment asks for, in its order: those it gives hand-made figures for."""
    return [(int(b), float(lr)) for b, lr in references.mlp_grid()[KEYS].itertuples(index=False)]


def seeds_for(batch_size: int, lr: float, seeds: int, asked_seeds: int) -> int:
    """How many seeds a cell runs: ``asked_seeds`` for a cell the assignment asks, else ``seeds``."""
    return asked_seeds if (batch_size, float(lr)) in asked_cells() else seeds


def seeds_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs of one cell as shown, one row per seed (``net_runs.with_status``): its status, the
    final accuracies in percent and training loss (blank for a run that diverged), its best test
    accuracy and the epoch of it, the epoch it diverged in (blank when it did not) and the
    training time per epoch, under their display names."""
    table = runs[
        [
            "seed",
            "status",
            "final_test_acc",
            "final_train_acc",
            FINAL_LOSS,
            "best_test_acc",
            "best_epoch",
            "diverged_at",
            "seconds_per_epoch",
        ]
    ].copy()
    table[["final_train_acc", "final_test_acc", "best_test_acc"]] *= 100
    for column in ("diverged_at", "best_epoch"):  # None in a column of runs that all went on, NaN beside a number
        table[column] = table[column].map(lambda e: "" if pd.isna(e) else str(int(e)))
    return table.rename(
        columns={
            "final_test_acc": "final test acc. (%)",
            "final_train_acc": "final train acc. (%)",
            FINAL_LOSS: "final training loss",
            "best_test_acc": "best test acc. (%)",
            "best_epoch": "best at epoch",
            "diverged_at": "diverged in epoch",
            "seconds_per_epoch": "s per epoch (training)",
        }
    )


def seeds_caption(runs: pd.DataFrame) -> str:
    """The caption of ``seeds_table``: the cell, its epochs, and where the figures come from."""
    return (
        f"{cell_setting(runs)}: one row per seed; final accuracies of the network at the end of the run (as it "
        "stopped, for a run that diverged) on the whole training and test sets; best: the epoch with the highest "
        "test accuracy; training time measured."
    )


def cell_label(b: float, lr: float) -> str:
    return f"B = {int(b)}, η = {lr:g}"


def cell_setting(runs: pd.DataFrame) -> str:
    """The cell the runs of one job share and the epochs asked of them, as the section names
    it: 'B = 128, η = 0.1, 3 epochs'. ``runs``: one row per seed (``net_runs.runs_table``)."""
    r = runs.iloc[0]
    return f"{cell_label(r['batch_size'], r['lr'])}, {plural(int(r['epochs']), 'epoch')}"


def status_counts(statuses: pd.Series) -> str:
    """The statuses of a cell's seeds: the status itself when they share it, else the count of
    each in the order of ``net_runs.STATUSES``: '2 converged, 1 learnt, then stuck at chance'."""
    counts = Counter(statuses)
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{counts[s]} {s}" for s in net_runs.STATUSES if counts[s])


def over_seeds(values: pd.Series) -> str:
    """Fractions as a percentage for prose: '95.62% ± 0.12' (mean ± sample s.d.) for several,
    the value alone for one; 'n/a' for none."""
    values = values.dropna()
    if len(values) < 2:
        return pct(values.iloc[0]) if len(values) else "n/a"
    return f"{pct(values.mean())} ± {100 * values.std(ddof=1):.2f}"


def _constant(r: Any, y_train: torch.Tensor, y_test: torch.Tensor) -> str:
    """', the share of the digit d in the test and the training set: it answers d for every
    image' when both accuracies of ``r`` are one digit's share, else ''."""
    digit = net_runs.constant_answer(r.final_test_acc, y_test)
    if digit is None or digit != net_runs.constant_answer(r.final_train_acc, y_train):
        return ""
    return f", the share of the digit {digit} in the test and the training set: it answers {digit} for every image"


def _failed_text(r: Any, y_train: torch.Tensor, y_test: torch.Tensor, epochs: int) -> str:
    """How one run that did not converge failed: when it diverged, where it was best before
    (test accuracy, epoch, that network's training accuracy), and where it ended."""
    end = f"{pct(r.final_test_acc)} test and {pct(r.final_train_acc)} training accuracy"
    best = ""
    if math.isfinite(r.best_test_acc) and r.status in (net_runs.LEARNT_THEN_STUCK, net_runs.LEARNT_THEN_DIVERGED):
        best = f"its best test accuracy was {pct(r.best_test_acc)}, in epoch {int(r.best_epoch)}" + (
            f" (training accuracy {pct(r.best_train_acc)} for that network)" if math.isfinite(r.best_train_acc) else ""
        )
    if r.status in (net_runs.LEARNT_THEN_DIVERGED, net_runs.DIVERGED_AT_ONCE):
        text = f"Seed {r.seed} {r.status}: its loss became non-finite in epoch {int(r.diverged_at)}"
        text += f", after {best.removeprefix('its ')}" if best else ""
        weights = (
            "its weights are NaN, and stay so under further steps, so its output is the same for every image and "
            f"these are its accuracies after the {epochs} epochs"
            if not r.weights_finite
            else "its weights are still finite"
        )
        return f"{text}. As it stopped it scores {end}{_constant(r, y_train, y_test)} ({weights}). "
    text = f"Seed {r.seed} {r.status}" + (f": {best}; it ended at {end}" if best else f": it ended at {end}")
    cause = "dead ReLU units after too long a step are the usual cause, not inspected here"
    return f"{text}{_constant(r, y_train, y_test)} (its output no longer depends on the input; {cause}). "


def _epoch_time_text(runs: pd.DataFrame, history: pd.DataFrame, cond: dict[str, Any]) -> str:
    """The training time per epoch and per step over the epochs in ``history``, with the
    conditions it was measured under; '' when no epoch completed."""
    spe = history["epoch_seconds"]
    if spe.empty:
        return ""
    steps = int(steps_per_epoch(runs)[0])
    over = plural(len(spe), "epoch") + (f" of {plural(history['seed'].nunique(), 'seed')}" if len(runs) > 1 else "")
    mean_s, low, high = fixed([spe.mean(), spe.min(), spe.max()])
    spread = f"mean over {over}, range {low} to {high} s" if len(spe) > 1 else "one epoch"
    return (
        f"Training took {mean_s} s per epoch ({steps:,} steps, so {1000 * spe.mean() / steps:.3g} ms "
        f"per step; {spread}), evaluation excluded.\n\n{provenance.timing_note(cond)}"
    )


def cell_text(
    runs: pd.DataFrame, history: pd.DataFrame, y_train: torch.Tensor, y_test: torch.Tensor, cond: dict[str, Any]
) -> str:
    """The paragraph under one cell of the grid: how its seeds ended, the final accuracies and
    loss over every seed (and over those that converged, when some did not), each run that
    did not converge (``_failed_text``), then the training time per epoch and per step under
    the conditions ``cond``.

    ``runs``: one row per seed with status (``net_runs.with_status``), the columns of
    ``NetRun.summary``, train_images, epochs; ``history``: one row per seed and completed
    epoch; ``y_train``, ``y_test``: the labels the runs were trained and tested on (a network
    that stopped depending on its input scores exactly one digit's share of them).
    """
    n = len(runs)
    text = f"**{cell_setting(runs)}.** "
    if n == 1:
        text += f"Status: {runs['status'].iloc[0]}. "
    elif runs["status"].nunique() == 1:
        text += f"{n} seeds, {'both' if n == 2 else 'all'} {runs['status'].iloc[0]}. "
    else:
        text += f"{n} seeds: {status_counts(runs['status'])}. "
    text += (
        f"Final test accuracy {over_seeds(runs['final_test_acc'])}, final training accuracy "
        f"{over_seeds(runs['final_train_acc'])}" + (f" (mean ± s.d. over the {n} seeds)" if n > 1 else "")
    )
    finite = runs[FINAL_LOSS].dropna()
    if len(finite):
        text += f", final training loss {finite.mean():.4g}" + (
            f" (mean over the {plural(len(finite), 'seed')} that did not diverge)" if len(finite) < n else ""
        )
    text += ". "
    ok = runs[runs["status"] == net_runs.CONVERGED]
    if 0 < len(ok) < n:
        text += (
            f"Over the {plural(len(ok), 'seed')} that converged: test {over_seeds(ok['final_test_acc'])}, "
            f"training {over_seeds(ok['final_train_acc'])}. "
        )
    epochs = int(runs["epochs"].max())
    for r in runs[runs["status"] != net_runs.CONVERGED].itertuples(index=False):
        text += _failed_text(r, y_train, y_test, epochs)
    return text + _epoch_time_text(runs, history, cond)


def steps_per_epoch(table: pd.DataFrame) -> np.ndarray:
    """The SGD steps of one epoch for each row (train_images and batch_size columns): the last
    batch of an epoch may be smaller, so the division rounds up."""
    return -(-table["train_images"].to_numpy() // table["batch_size"].to_numpy())
