"""Task 7's commentary on the grid of batch sizes and learning rates, written from the table of
its cells (``tables.grid_cells``) and its runs: what the build ran and how two cells are compared
(said once, in plain words), the caption of the loss figure and of the section's table, the rules
the detail states once (how runs are scored, the statuses, when the loss rose), and the one-line
answer the report's summary quotes. Every number in the text is computed here from those tables,
so the prose cannot contradict the tables and figures. The learning rate and the batch size
compared, with their mechanisms, are ``mechanisms``; the hand-made figures, ``hand``."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.show import provenance
from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.mlp_grid.cell import KEYS, LOSS, asked_cells, cell_label
from mnist_sgd.tasks.mlp_grid.tables import CLASSES, failures, listed, off_axis
from mnist_sgd.tasks.mlp_grid.ties import comparison_rule, rank, rankable


def cell_count(cells: pd.DataFrame) -> int:
    """The cells that were run: one count for every text and table of Task 7."""
    return len(cells)


def mlp_scope_text(cells: pd.DataFrame, assignment_epochs: int) -> str:
    """What was run of the grid: the cells against those its batch sizes and rates
    span, the epochs per run, the seeds of the cells the assignment asks and of the others,
    a warning when the epochs are not the assignment's ``assignment_epochs`` or differ between
    cells, then how two cells are compared (``ties.comparison_rule``), where the seeds are first
    said. ``cells``: one row per cell with batch_size, lr, seeds, epochs."""
    batches = sorted(cells["batch_size"].unique())
    lrs = sorted(cells["lr"].unique())
    epochs_run = sorted(cells["epochs"].unique())
    asked = cells[[(int(b), float(lr)) in asked_cells() for b, lr in zip(cells["batch_size"], cells["lr"])]]
    other = cells.drop(asked.index)
    parts = []
    for group, what in [(asked, "the assignment asks"), (other, "it does not ask")]:
        if len(group):
            which = "" if len(group) > 1 else f" ({cell_label(group['batch_size'].iloc[0], group['lr'].iloc[0])})"
            parts.append(
                f"{plural(sorted(group['seeds'].unique()), 'seed')} for each of the {plural(len(group), 'cell')}"
                f"{which} {what}"
            )
    text = (
        f"**{cell_count(cells)} of the {len(batches) * len(lrs)} cells** spanned by batch sizes "
        f"{', '.join(str(b) for b in batches)} and learning rates {', '.join(f'{lr:g}' for lr in lrs)} were run, "
        f"with {plural(epochs_run, 'epoch')} per run: " + " and ".join(parts) + "."
    )
    if epochs_run != [assignment_epochs]:
        text += f" The assignment asks for {assignment_epochs} epochs: final values here are those of a shorter budget."
    if len(epochs_run) > 1:
        text += " The cells ran different numbers of epochs, so their final values are not directly comparable."
    return f"{text} {comparison_rule()}"


def mlp_terms_text(majority: float) -> str:
    """The rules the detail states once, those the body does not say: the statuses
    (``net_runs.stuck_rule`` with ``majority``, the share of the most frequent training digit,
    and what a network stuck at chance answers) and when the loss rose."""
    return (
        f"Status: {net_runs.stuck_rule(majority)}. A network stuck at chance answers one digit for every image, not "
        "necessarily the most frequent one, and scores that digit's share of the images. The curves: "
        f"{net_runs.rise_rule()}."
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
        "Training loss after each epoch (log scale), one panel per batch size, one line per seed, colour and line "
        f"style by learning rate. Thin grey line: ln {CLASSES} = {chance:.3f}, the loss of uniform "
        "outputs, near which a run stuck at chance stays."
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
        text += " A cross under the top edge: the epoch in which a run diverged, in its rate's colour."
    return text


def mlp_timing_note(runs: pd.DataFrame) -> str:
    """``provenance.timing_note`` of the conditions (threads, device, parallel jobs) every run in
    ``runs`` was timed under, or, when they differ, that the times are only roughly comparable."""
    conditions = runs[["threads", "device", "parallel_jobs"]].drop_duplicates()
    if len(conditions) == 1:
        return provenance.timing_note(conditions.iloc[0])
    return (
        "The cells were timed under different conditions (threads, device, parallel jobs), so their times are only "
        "roughly comparable; times are measured and vary between builds."
    )


def table_caption() -> str:
    """The caption of the section's table (``tables.grid_table``)."""
    return (
        "Every cell: how its seeds ended, the training loss after epoch 1 and the final accuracies, mean ± s.d. over "
        "the seeds (the value alone for one); where some seeds failed, those of the seeds that converged. By hand: "
        "the figures the assignment quotes (one run each)."
    )


def accuracy_said(cell: pd.Series) -> str:
    """A cell's final test accuracy for prose, never a mean over seeds that learnt and seeds that
    failed: '98.43%'; '10.28% (stuck at chance)'; '95.21% on the surviving seed (2 of 3
    diverged)'. ``cell``: a row of ``tables.grid_cells``."""
    value = pct(cell["test_acc"])
    if cell["converged_seeds"] == cell["seeds"]:
        return value
    left = int(cell["converged_seeds"])
    if not left:
        return f"{value} ({failures(cell)})"
    on = "on the surviving seed" if left == 1 else f"over the {left} surviving seeds"
    return f"{value} {on} ({failures(cell)})"


def grid_answer(cells: pd.DataFrame) -> str:
    """Task 7's one-line answer: the cell with the highest final test accuracy among the ranked
    ones (several seeds, all converged: ``ties.rankable``) and the cells tied with it, the cells
    where runs failed and how, and the count of cells."""
    ranked = cells[rankable(cells)]
    parts = []
    if len(ranked):
        r = rank(ranked, "test_acc")
        best = ranked.loc[ranked["test_acc"].idxmax()] if r is None else r.best
        text = f"best final test accuracy {pct(best['test_acc'])} at {cell_label(best['batch_size'], best['lr'])}"
        if r is not None and not r.tied.empty:
            text += ", tied with " + ", ".join(cell_label(b, lr) for b, lr in zip(r.tied["batch_size"], r.tied["lr"]))
        if len(ranked) == 1 < len(cells):
            text += " (the only cell run with several seeds that all converged)"
        elif len(ranked) < len(cells):
            text += f" (of the {len(ranked)} cells run with several seeds that all converged)"
        parts.append(text)
    failed = cells[~cells["all_converged"].astype(bool)].sort_values(KEYS)
    if len(failed):
        parts.append(
            "runs failed at "
            + listed([f"{cell_label(c['batch_size'], c['lr'])} ({failures(c)})" for _, c in failed.iterrows()])
        )
    return "; ".join(parts) + f" ({plural(cell_count(cells), 'cell')}, {plural(int(cells['epochs'].max()), 'epoch')})"
