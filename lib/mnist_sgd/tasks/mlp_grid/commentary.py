"""Task 7's commentary on the grid of batch sizes and learning rates, written from the table of
its cells (``tables.grid_cells``) and its runs: what the build ran and which cells are ranked
(said once, in plain words), the caption of the loss figure and of the section's table, the rules
the detail states once (how an accuracy is read and judged, how runs are scored, the statuses,
when the loss rose). Every number in the text is computed here from those tables, so the prose
cannot contradict the tables and figures. The learning rate and the batch size compared, with
their mechanisms, are ``mechanisms``; the hand-made figures, ``hand``."""

from __future__ import annotations

import math

import pandas as pd
import torch

from mnist_sgd.science import net_runs
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.architectures.tables import FLUCTUATION_EPOCHS
from mnist_sgd.tasks.mlp_grid.cell import KEYS, LOSS, cell_label
from mnist_sgd.tasks.mlp_grid.tables import CLASSES, LATE_EPOCHS, listed, off_axis
from mnist_sgd.tasks.mlp_grid.ties import which_are_ranked


def cell_count(cells: pd.DataFrame) -> int:
    """The settings that were run: one count for every text and table of Task 7."""
    return len(cells)


HAND_WRITTEN = (
    "Each step is plain SGD; for speed its gradients come from a backward pass written by hand rather than from "
    "autograd, and they match automatic differentiation to within rounding (per-run detail)."
)


def mlp_scope_text(cells: pd.DataFrame, assignment_epochs: int) -> str:
    """What was run of the grid: the settings against those its batch sizes and rates span, the
    epochs and seeds per setting, a warning when the epochs are not the assignment's
    ``assignment_epochs`` or differ between settings, and which settings are ranked
    (``ties.which_are_ranked``); how an accuracy is read and judged is the detail's
    (``reading_text``). ``cells``: one row per setting with batch_size, lr, seeds and epochs."""
    batches = sorted(cells["batch_size"].unique())
    lrs = sorted(cells["lr"].unique())
    epochs_run = sorted(cells["epochs"].unique())
    seeds = sorted(int(n) for n in cells["seeds"].unique())
    n, spanned = cell_count(cells), len(batches) * len(lrs)
    sizes = ("batch size " if len(batches) == 1 else "batch sizes ") + ", ".join(str(b) for b in batches)
    rates = ("learning rate " if len(lrs) == 1 else "learning rates ") + ", ".join(f"{lr:g}" for lr in lrs)
    each = f"{plural(seeds[0], 'seed')} each" if len(seeds) == 1 else f"{seeds[0]} to {seeds[-1]} seeds per setting"
    text = (
        f"**{'All ' + str(n) if n == spanned else f'{n} of the {spanned}'} settings** of {sizes} and {rates} "
        f"were run for {plural(epochs_run, 'epoch')}, {each}."
    )
    if epochs_run != [assignment_epochs]:
        text += f" The assignment asks for {assignment_epochs} epochs: final values here are those of a shorter budget."
    if len(epochs_run) > 1:
        text += " The settings ran different numbers of epochs, so their final values are not directly comparable."
    # the gradients are the report's own: a reader comparing with autograd's should know it here
    return text + f" {which_are_ranked(seeds[0])} {HAND_WRITTEN}"


def reading_text(cells: pd.DataFrame) -> str:
    """For the detail, how a final accuracy is read (after the last epoch; against each seed's mean
    over its last ``LATE_EPOCHS``, the largest difference of a trained setting's mean test accuracy,
    ``late_test_acc``) and how it is judged (``_swing_rule``). ``cells``: one row per setting
    (``tables.grid_cells``), with all_converged, test_acc, late_test_acc and swing."""
    text = "A run's final accuracies are those after its last epoch (a run that diverged: as it stopped)."
    ok = cells[cells["all_converged"].astype(bool)]
    moved = (100 * (ok["late_test_acc"] - ok["test_acc"]).abs()).dropna()
    if len(moved):
        text += (
            f" Read instead as each seed's mean over its last {plural(LATE_EPOCHS, 'epoch')}, the mean test accuracy "
            f"of a setting where every seed trained moves by at most {moved.max():.2f} points."
        )
    return text + _swing_rule(cells["swing"] if "swing" in cells else pd.Series(dtype=float))


def _swing_rule(swing: pd.Series) -> str:
    """How a final accuracy is judged, said once: with its seeds' s.d. combined with one run's
    swing from epoch to epoch (``swing``, points per setting, ``tables.swings``), against another
    setting (``ties.noise``) and against a hand figure (``hand.agrees``) alike; '' when no swing
    is measured."""
    swing = swing.dropna()
    if swing.empty:
        return ""
    low, high = f"{swing.min():.2f}", f"{swing.max():.2f}"
    by = f"{low} points" if low == high else f"{low} to {high} points, depending on the setting"
    return (
        f" One run's test accuracy fluctuates from epoch to epoch by {by} (its s.d. about a straight line through its "
        f"last {FLUCTUATION_EPOCHS} epochs), which a few seeds can miss: a final accuracy, or a train–test gap, is "
        "judged with its seeds' s.d. s combined with that fluctuation w, √(s² + w²), against another setting and "
        "against a hand figure alike (w being that accuracy's own fluctuation)."
    )


def mlp_terms_text(runs: pd.DataFrame, y_train: torch.Tensor) -> str:
    """The rules the detail states once, those the body does not say: the statuses
    (``net_runs.stuck_rule`` with the share of the most frequent training digit, ``runs``'
    majority, named as a share, not as what a stuck network answers), what a network stuck at chance
    answers and the limit of the rule (``_stuck_limit``), and when the loss rose."""
    majority = float(runs["majority"].iloc[0])
    shares = torch.bincount(y_train, minlength=CLASSES).double() / len(y_train)
    top = int(torch.argmax(shares))
    # the last clause of the rule names the remaining runs "converged"; the body calls them trained. A network
    # stuck at chance answers one digit, not necessarily the most frequent: the rule's window is named as a share
    rule = (
        net_runs.stuck_rule(majority)
        .split("; every other run")[0]
        .replace("(always answering the most frequent digit)", f"(the share of the most frequent digit, {top})")
    )
    return (
        f"Status: {rule}; every other run *trained*. {_stuck_limit(runs, y_train, shares, majority)} The curves: "
        f"{net_runs.rise_rule()}."
    )


def _stuck_limit(runs: pd.DataFrame, y_train: torch.Tensor, shares: torch.Tensor, majority: float) -> str:
    """What a network stuck at chance scores (one digit's share of the images) and which digits' shares
    of ``y_train`` lie outside the rule's window around ``majority``, whose constant answer the rule
    would call trained, with whether any run counted as trained here scores a digit's share
    (``net_runs.constant_answer`` on its final training accuracy)."""
    text = "A network stuck at chance answers one digit for every image and scores that digit's share of the images"
    window = net_runs.STUCK_ACC_POINTS / 100
    outside = [d for d in range(CLASSES) if abs(float(shares[d]) - majority) > window]
    if not outside:
        return (
            text
            + f"; every digit's share of the training images lies within those {net_runs.STUCK_ACC_POINTS:g} points."
        )
    trained = runs[runs["status"] == net_runs.CONVERGED]
    posing = [r for r in trained.itertuples() if net_runs.constant_answer(r.final_train_acc, y_train) is not None]
    names = listed([f"{d} ({100 * float(shares[d]):.2f}%)" for d in outside])
    one = len(outside) == 1
    return (
        text
        + f"; every digit's share of the training images lies within those {net_runs.STUCK_ACC_POINTS:g} points but "
        f"{'that' if one else 'those'} of {names}, so the rule would count a network answering "
        f"{'it' if one else 'one of them'} as trained"
        + (
            "; no run counted as trained here scores a digit's share."
            if not posing
            else f"; {plural(len(posing), 'run')} counted as trained here {'scores' if len(posing) == 1 else 'score'} one."
        )
    )


def _left_axis(run: pd.DataFrame) -> str:
    """'B = 8, η = 1, seed 0: epoch 2 (3.3e+14)' for one run's epochs above the axis."""
    r = run.iloc[0]
    epochs = run["epoch"].astype(int).tolist()
    when = f"epoch {epochs[0]}" if len(epochs) == 1 else "epochs " + ", ".join(str(e) for e in epochs)
    peak = f"{run[LOSS].max():.2g}" + ("" if len(epochs) == 1 else " at most")
    return f"{cell_label(r['batch_size'], r['lr'])}, seed {int(r['seed'])}: {when} ({peak})"


def loss_figure_caption(history: pd.DataFrame, runs: pd.DataFrame, top: float) -> str:
    """The caption of the training-loss figure drawn with its axis ending at ``top``
    (``tables.loss_axis_top``): what the lines are, the line of uniform outputs, and each run
    whose loss left the axis, with the epochs it did (marked on the top edge) and how high it
    went; the crosses of the runs that diverged, when there are any (``runs``: diverged)."""
    chance = math.log(CLASSES)
    text = (
        "Training loss after each epoch (log scale): a panel per batch size, a line per seed, colour and style by "
        f"learning rate; grey line: ln {CLASSES} (a stuck run's loss)."
    )
    above = off_axis(history, top)
    if len(above):
        text += (
            f" The axis ends at {top:.2f} ({top / chance:.2g} × ln {CLASSES}), above the loss of every run while it "
            "learns; an epoch whose loss is higher is drawn as a triangle on the top edge, at its epoch. Those "
            "epochs, with the loss reached: "
            + "; ".join(_left_axis(run) for _, run in above.groupby([*KEYS, "seed"], sort=False))
            + "."
        )
    if runs["diverged"].astype(bool).any():
        text += " Cross: a run diverged."
    return text


def table_caption() -> str:
    """The caption of the section's table (``tables.grid_table``): what each column holds, ours
    after the last epoch and the hand runs' at theirs."""
    return (
        "Every setting by η/B: how its seeds ended, its final accuracies (mean ± s.d. over the seeds that "
        "trained, or every seed where none did) and the hand-made figures (one run each)."
    )
