"""A cell of Task 7's grid as its own section says it: its label and its paragraph (divergence,
seeds stuck at chance and their constant answer, time per epoch)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mnist_sgd.science import nets
from mnist_sgd.show import provenance
from mnist_sgd.show.present import fixed, mean_spread, plural

if TYPE_CHECKING:
    import torch


def cell_label(b: float, lr: float) -> str:
    return f"B = {int(b)}, η = {lr:g}"


def cell_setting(runs: pd.DataFrame) -> str:
    """The cell the runs of one job share and the epochs asked of them, as the section names
    it: 'B = 128, η = 0.1, 3 epochs'. ``runs``: one row per seed (``net_runs.runs_table``)."""
    r = runs.iloc[0]
    return f"{cell_label(r['batch_size'], r['lr'])}, {plural(int(r['epochs']), 'epoch')}"


def _stuck_text(runs: pd.DataFrame, y_train: torch.Tensor, y_test: torch.Tensor) -> str:
    """The runs stuck at chance, and each one of them that answers one digit for every image
    (its accuracies are that digit's share of the test and of the training labels); '' when
    no run is stuck."""
    stuck = runs[runs["status"] == "stuck at chance"]
    if stuck.empty:
        return ""
    who = "Every run" if len(stuck) == len(runs) else f"{len(stuck)} of {len(runs)} runs"
    text = f"**{who} stuck at chance:** the network stopped learning. "
    for r in stuck.itertuples(index=False):
        digit = nets.constant_answer(r.final_test_acc, y_test)
        if digit is not None and digit == nets.constant_answer(r.final_train_acc, y_train):
            text += (
                f"Seed {r.seed} scores exactly the share of the digit {digit} in the test and the training set: "
                f"it answers {digit} for every image, its output no longer depends on the input (the usual cause "
                f"is ReLU units that died after too long a step; the units are not inspected here). "
            )
    return text


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
    """The paragraph under one cell of the grid: the runs that diverged (and, when every one
    did, the epochs they diverged in), the final accuracies and loss of the others, those
    stuck at chance and the rule that calls them so, then the training time per epoch and per
    step under the conditions ``cond``.

    ``runs``: one row per seed with status (``net_runs.with_status``), train_images, epochs;
    ``history``: one row per seed and completed epoch; ``y_train``, ``y_test``: the labels the
    runs were trained and tested on (a stuck run may score exactly one digit's share of them).
    """
    text = f"**{cell_setting(runs)}.** "
    diverged = int(runs["diverged"].sum())
    done = runs[~runs["diverged"]]
    if diverged == len(runs):
        epochs = ", ".join(str(int(e)) for e in runs["diverged_at"])
        text += f"Every run diverged (the loss became non-finite in epoch {epochs}), so there is no final accuracy. "
    else:
        if diverged:
            text += (
                f"{diverged} of {len(runs)} seeds diverged; the numbers that follow are over the {len(done)} that "
                "did not. "
            )
        text += (
            f"Final test accuracy {mean_spread(done['final_test_acc'])}, final training accuracy "
            f"{mean_spread(done['final_train_acc'])}, final training loss "
            f"{done['final_train_loss'].mean():.4g}. "
        )
        text += _stuck_text(runs, y_train, y_test)
        text += f"Rule: {nets.stuck_rule(nets.majority_share(y_train))}. "
    return text + _epoch_time_text(runs, history, cond)


def steps_per_epoch(table: pd.DataFrame) -> np.ndarray:
    """The SGD steps of one epoch for each row (train_images and batch_size columns): the last
    batch of an epoch may be smaller, so the division rounds up."""
    return -(-table["train_images"].to_numpy() // table["batch_size"].to_numpy())
