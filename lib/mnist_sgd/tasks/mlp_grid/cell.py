"""A cell of Task 7's grid as its own job says it: its label, its table of seeds and its
paragraph (how each seed ended, the final accuracies over the seeds that trained, each run that
failed with its best epoch and its end, the constant answer of a network that stopped depending
on its input, time per epoch). A run that neither diverged nor got stuck at chance *trained*
(``TRAINED``; the runs' table marks it ``net_runs.CONVERGED``, a word Task 3 keeps for reaching
its target). What only the summary reads is in ``tables``, so that editing it re-runs no training."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.show import provenance, references
from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.rounding import two_figures

if TYPE_CHECKING:
    import torch

KEYS = ["batch_size", "lr"]  # what names a cell of the grid
# The training loss a cell is read by: on the whole training set after each epoch (and after the last),
# not the mean of the minibatch losses taken while the weights move during the epoch.
LOSS = "full_train_loss"
FINAL_LOSS = "final_full_train_loss"
TRAINED = "trained"  # the word for a run the runs' table marks ``net_runs.CONVERGED``


def asked_cells() -> list[tuple[int, float]]:
    """The cells the assignment asks for, in its order: those it gives hand-made figures for."""
    return [(int(b), float(lr)) for b, lr in references.mlp_grid()[KEYS].itertuples(index=False)]


def seeds_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs of one cell as shown, one row per seed (``net_runs.with_status``): its status (``said``),
    the final accuracies in percent (blank when its weights became NaN: such a network answers one
    digit for every image, so its accuracy is that digit's share, not a result) and training loss
    (blank for a run that diverged), its best test accuracy and the epoch of it, the epoch it diverged
    in (blank when it did not) and the training time per epoch (2 significant figures), under their
    display names."""
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
    table.loc[~runs["weights_finite"].astype(bool), ["final_train_acc", "final_test_acc"]] = math.nan
    table["status"] = table["status"].map(said)
    table["seconds_per_epoch"] = table["seconds_per_epoch"].map(lambda t: "" if pd.isna(t) else two_figures(t))
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
        f"{cell_setting(runs)}: one row per seed; final accuracies of the network at the end of the run on the "
        "whole training and test sets (blank where its weights became NaN); best: the epoch with the highest test "
        "accuracy; training time measured."
    )


def cell_label(b: float, lr: float) -> str:
    return f"B = {int(b)}, η = {lr:g}"


def cell_setting(runs: pd.DataFrame) -> str:
    """The cell the runs of one job share and the epochs asked of them, as the section names
    it: 'B = 128, η = 0.1, 3 epochs'. ``runs``: one row per seed (``net_runs.runs_table``)."""
    r = runs.iloc[0]
    return f"{cell_label(r['batch_size'], r['lr'])}, {plural(int(r['epochs']), 'epoch')}"


def said(status: str) -> str:
    """A run's status as the report says it: ``TRAINED`` for ``net_runs.CONVERGED``, else itself."""
    return TRAINED if status == net_runs.CONVERGED else status


def status_counts(statuses: pd.Series) -> str:
    """The statuses of a cell's seeds (``said``): the status itself when they share it, else the
    count of each in the order of ``net_runs.STATUSES``: '2 trained, 1 learnt, then stuck at chance'."""
    counts = Counter(statuses)
    if len(counts) == 1:
        return said(next(iter(counts)))
    return ", ".join(f"{counts[s]} {said(s)}" for s in net_runs.STATUSES if counts[s])


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
    """The training time per epoch and per step over the epochs in ``history`` (2 significant
    figures: the machine's load moves them), with the conditions it was measured under; '' when
    no epoch completed."""
    spe = history["epoch_seconds"]
    if spe.empty:
        return ""
    steps = int(steps_per_epoch(runs)[0])
    over = plural(len(spe), "epoch") + (f" of {plural(history['seed'].nunique(), 'seed')}" if len(runs) > 1 else "")
    spread = (
        f"mean over {over}, range {two_figures(spe.min())} to {two_figures(spe.max())} s"
        if len(spe) > 1
        else "one epoch"
    )
    return (
        f"Training took {two_figures(spe.mean())} s per epoch ({steps:,} steps, so "
        f"{two_figures(1000 * spe.mean() / steps)} ms per step; {spread}), evaluation excluded.\n\n"
        f"{provenance.timing_note(cond)}"
    )


def _accuracies(runs: pd.DataFrame) -> str:
    """The final accuracies and training loss over the seeds that trained: mean ± s.d. when every
    seed did, the survivors' own figure when some failed (a mean with a failed run describes no
    run), nothing when none did (each failed seed is said on its own)."""
    ok = runs[runs["status"] == net_runs.CONVERGED]
    if ok.empty:
        return ""
    n = len(ok)
    values = (
        f"final test accuracy {over_seeds(ok['final_test_acc'])}, final training accuracy "
        f"{over_seeds(ok['final_train_acc'])}, final training loss {ok[FINAL_LOSS].mean():.2g}"
    )
    if n == len(runs):
        return values[:1].upper() + values[1:] + (f" (mean ± s.d. over the {n} seeds). " if n > 1 else ". ")
    which = "the seed that trained" if n == 1 else f"the {n} seeds that trained"
    return f"Over {which}: {values}" + (" (mean ± s.d.). " if n > 1 else ". ")


def cell_text(
    runs: pd.DataFrame, history: pd.DataFrame, y_train: torch.Tensor, y_test: torch.Tensor, cond: dict[str, Any]
) -> str:
    """The paragraph under one cell of the grid: how its seeds ended, the final accuracies and
    loss over the seeds that trained (``_accuracies``), each run that did not train
    (``_failed_text``), then the training time per epoch and per step under the conditions
    ``cond``.

    ``runs``: one row per seed with status (``net_runs.with_status``), the columns of
    ``NetRun.summary``, train_images, epochs; ``history``: one row per seed and completed
    epoch; ``y_train``, ``y_test``: the labels the runs were trained and tested on (a network
    that stopped depending on its input scores exactly one digit's share of them).
    """
    n = len(runs)
    text = f"**{cell_setting(runs)}.** "
    if n == 1:
        text += f"Status: {said(runs['status'].iloc[0])}. "
    elif runs["status"].nunique() == 1:
        text += f"{n} seeds, {'both' if n == 2 else 'all'} {said(runs['status'].iloc[0])}. "
    else:
        text += f"{n} seeds: {status_counts(runs['status'])}. "
    text += _accuracies(runs)
    epochs = int(runs["epochs"].max())
    for r in runs[runs["status"] != net_runs.CONVERGED].itertuples(index=False):
        text += _failed_text(r, y_train, y_test, epochs)
    return text + _epoch_time_text(runs, history, cond)


def steps_per_epoch(table: pd.DataFrame) -> np.ndarray:
    """The SGD steps of one epoch for each row (train_images and batch_size columns): the last
    batch of an epoch may be smaller, so the division rounds up."""
    return -(-table["train_images"].to_numpy() // table["batch_size"].to_numpy())
