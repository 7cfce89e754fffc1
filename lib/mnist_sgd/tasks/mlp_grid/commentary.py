"""Task 7's commentary on the grid of batch sizes and learning rates, written from the table of
its cells (``tables.grid_cells``) and its runs: what the profile ran, the rules the text uses
(stated once, so that no later sentence repeats them), the caption of the loss figure, how the
runs ended, and the learning rate and the batch size compared, each ranking made by the rule of
``ties``. Every number and comparison in the text is computed here from those tables, so the
prose cannot contradict the tables and figures. The mechanisms behind the rankings are
``mechanisms``; the hand-made figures, ``hand``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.show import provenance
from mnist_sgd.show.present import fixed, pct, plural
from mnist_sgd.tasks.mlp_grid.cell import KEYS, LOSS, asked_cells, cell_label, steps_per_epoch
from mnist_sgd.tasks.mlp_grid.tables import CLASSES, off_axis
from mnist_sgd.tasks.mlp_grid.ties import NAMES, borrowed_sd, rank, ranking_text, rise_size, said, tie_rule


def cell_count(cells: pd.DataFrame) -> int:
    """The cells the profile ran: one count for every text and table of Task 7."""
    return len(cells)


def mlp_scope_text(cells: pd.DataFrame, assignment_epochs: int) -> str:
    """What this profile ran of the grid: the cells against those its batch sizes and rates
    span, the epochs per run, the seeds of the cells the assignment asks and of the others,
    and a warning when the epochs are not the assignment's ``assignment_epochs`` or differ
    between cells. ``cells``: one row per cell with batch_size, lr, seeds, epochs."""
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
        f"This build ran **{cell_count(cells)} of the {len(batches) * len(lrs)} cells** spanned by batch sizes "
        f"{', '.join(str(b) for b in batches)} and learning rates {', '.join(f'{lr:g}' for lr in lrs)}, "
        f"with {plural(epochs_run, 'epoch')} per run: " + " and ".join(parts) + "."
    )
    if epochs_run != [assignment_epochs]:
        text += f" The assignment asks for {assignment_epochs} epochs: final values here are those of a shorter budget."
    if len(epochs_run) > 1:
        text += " The cells ran different numbers of epochs, so their final values are not directly comparable."
    return text


def mlp_terms_text(cells: pd.DataFrame, majority: float) -> str:
    """The rules every statement of Task 7 uses, each stated once with its numbers: the final
    accuracies, mean ± s.d., the statuses (``net_runs.stuck_rule`` with ``majority``, the share of
    the most frequent training digit), when the loss rose, and when two values are ranked."""
    borrowed = 100 * borrowed_sd(cells, "test_acc")
    return (
        "*Terms.* The *final* accuracies are those of the network at the end of the run, on the whole training "
        "and test sets; a run that diverged is scored as it stopped. *Training loss* is the loss on all the "
        "training images, measured after each epoch. A number of a cell run with several seeds is the mean ± the sample standard "
        f"deviation over them. Status: {net_runs.stuck_rule(majority)}. Noise of a curve: "
        f"{net_runs.rise_rule()}. Rankings, in every comparison of this section: {tie_rule(borrowed)}."
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
        "Training loss (on all the training images after each epoch, log scale) of every run of the grid, one panel per batch "
        "size, one line per seed, colour and line style by the learning rate. Dotted grey line: "
        f"ln {CLASSES} = {chance:.3f}, the loss of uniform outputs, near which a run stuck at chance stays."
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
        text += (
            " A cross just under the top edge marks the epoch in which a run diverged (its loss became non-finite), "
            "in its rate's colour."
        )
    return text


def mlp_timing_note(runs: pd.DataFrame) -> str | None:
    """``provenance.timing_note`` of the conditions (threads, device, parallel jobs) every run
    in ``runs`` was timed under; None when the runs were timed under different conditions."""
    conditions = runs[["threads", "device", "parallel_jobs"]].drop_duplicates()
    return provenance.timing_note(conditions.iloc[0]) if len(conditions) == 1 else None


def _failed_run(r: pd.Series) -> str:
    """'seed 1 peaked at 88.43% test accuracy in epoch 1 and ended at 11.35%'."""
    end = f"ended at {pct(r['final_test_acc'])}"
    if r["diverged"]:
        end = f"diverged in epoch {int(r['diverged_at'])}, scoring {pct(r['final_test_acc'])} as it stopped"
    if pd.isna(r["best_epoch"]):
        return f"seed {int(r['seed'])} {end}"
    return f"seed {int(r['seed'])} peaked at {pct(r['best_test_acc'])} test accuracy in epoch {int(r['best_epoch'])} and {end}"


def mlp_status_text(cells: pd.DataFrame, runs: pd.DataFrame) -> str:
    """How the runs ended: the runs and cells by status, then each cell where some seed did not
    converge, with its status, its final test accuracy and each failed run's best epoch and end.
    ``runs``: one row per run with status, seed, best_test_acc, best_epoch, final_test_acc,
    diverged, diverged_at."""
    counts = runs["status"].value_counts()
    text = (
        f"**How the runs ended.** {plural(len(runs), 'run')} in {plural(cell_count(cells), 'cell')}: "
        + ", ".join(f"{int(counts[s])} {s}" for s in net_runs.STATUSES if counts.get(s, 0))
        + f". {int(cells['all_converged'].sum())} of the {cell_count(cells)} cells have every seed converged."
    )
    runs = runs.astype({"lr": float})
    for c in cells[~cells["all_converged"].astype(bool)].sort_values(["batch_size", "lr"]).itertuples(index=False):
        failed = runs[(runs["batch_size"] == c.batch_size) & (runs["lr"] == c.lr)]
        failed = failed[failed["status"] != net_runs.CONVERGED]
        text += (
            f" {cell_label(c.batch_size, c.lr)}: {c.status}, final test accuracy "
            f"{said(c.test_acc, c.test_acc_sd, c.seeds, percent=True).replace(', 1 seed', ' (1 seed)')}"
        )
        if c.seeds == 1 and c.status == net_runs.STUCK:
            text += f", final training loss {c.final_loss:.3f} against ln 10 = {math.log(10):.3f}"
        learnt = failed[failed["status"].isin([net_runs.LEARNT_THEN_STUCK, net_runs.LEARNT_THEN_DIVERGED])]
        text += ("; " + "; ".join(_failed_run(r) for _, r in learnt.iterrows()) if len(learnt) else "") + "."
    return text


def _rises_text(at: pd.DataFrame, key: str) -> str | None:
    """'the loss rose in 0, 0, 6.33 ± 1 epochs per seed at η = 0.01, 0.1, 1' over every curve of
    ``at``, those of seeds that failed included (a diverged run: its completed epochs); None when
    some curve has fewer than two completed epochs."""
    at = at.dropna(subset=["rises"])
    if at.empty or at["completed"].min() < 2:
        return None
    if (at["rises"] == 0).all():
        return (
            f"no loss curve rose, on any seed (over at least {plural(int(at['completed'].min()), 'completed epoch')} "
            "each)"
        )
    values = [
        said(r["rises"], r["rises_sd"], int(r["seeds"]), digits=0).replace(", 1 seed", "") for _, r in at.iterrows()
    ]
    top = at.loc[at["max_rise"].idxmax()]
    return (
        f"the loss rose in {', '.join(values)} epochs per seed at {NAMES[key]} = "
        + ", ".join(f"{v:g}" for v in at[key])
        + f" (the largest rise: {rise_size(top['max_rise'])} the lowest loss before, at "
        f"{cell_label(top['batch_size'], top['lr'])})"
    )


def _not_converged(at: pd.DataFrame, key: str) -> str | None:
    """'η = 1: 2 converged, 1 learnt, then stuck at chance' for the rows of ``at`` where some
    seed did not converge (left out of the accuracy's ranking, by the terms); None when every
    seed did."""
    bad = at[~at["all_converged"].astype(bool)]
    if bad.empty:
        return None
    return "; ".join(f"{NAMES[key]} = {r[key]:g}: {r['status']}" for _, r in bad.iterrows())


def _comparison_lines(cells: pd.DataFrame, key: str, across: str) -> list[tuple[float, list[str]]]:
    """For each value of ``across`` with two or more cells: the parts of its line comparing the
    values of ``key`` (failures, final test accuracy and loss after epoch 1 ranked by the tie
    rule, the rises)."""
    acc_sd, loss_sd = borrowed_sd(cells, "test_acc"), borrowed_sd(cells, "loss_epoch1")
    out = []
    for value in sorted(cells[across].unique()):
        at = cells[cells[across] == value].sort_values(key)
        if len(at) < 2:
            continue
        parts = []
        bad = _not_converged(at, key)
        if bad:
            parts.append(bad)
        acc = ranking_text(at[at["all_converged"].astype(bool)], key, "test_acc", acc_sd, percent=True)
        if acc:
            parts.append(f"final test accuracy {acc}")
        loss = ranking_text(at, key, "loss_epoch1", loss_sd, highest=False)
        if loss:
            parts.append(f"loss after epoch 1 {loss}")
        rises = _rises_text(at, key)
        if rises:
            parts.append(rises)
        out.append((value, parts))
    return out


def mlp_lr_text(cells: pd.DataFrame) -> str:
    """The learning rate, high against low, at each batch size run with two or more rates: the
    cells where some seed did not converge, then the final test accuracy (cells where every
    seed converged) and the loss after epoch 1 ranked by the tie rule, and the rises of the loss.

    ``cells``: ``tables.grid_cells``.
    """
    lines = [
        f"- **B = {int(b)}:** " + "; ".join(parts) + "." for b, parts in _comparison_lines(cells, "lr", "batch_size")
    ]
    if not lines:
        return "No batch size was run with two or more learning rates, so the learning rate cannot be compared here."
    return "\n".join(lines)


def _time_part(at: pd.DataFrame) -> str | None:
    """Time per epoch against B at one learning rate, and per step; None for fewer than two."""
    timed = at.dropna(subset=["seconds_per_epoch"])
    if len(timed) < 2:
        return None
    spe = timed["seconds_per_epoch"].to_numpy()
    steps = steps_per_epoch(timed)
    falling = bool(np.all(np.diff(spe) < 0))
    first_ms, last_ms = fixed([1000 * spe[0] / steps[0], 1000 * spe[-1] / steps[-1]])
    return (
        "time per epoch "
        + ("falls as B grows" if falling else "does not fall steadily with B")
        + ": "
        + ", ".join(f"{s} s at B = {int(b)}" for b, s in zip(timed["batch_size"], fixed(list(spe)), strict=True))
        + f" (B = {int(timed['batch_size'].iloc[0])} takes {spe[0] / spe[-1]:.1f}× as long as "
        f"B = {int(timed['batch_size'].iloc[-1])}; per step it costs {first_ms} ms against {last_ms} ms)"
    )


def mlp_batch_text(cells: pd.DataFrame, timing_note: str | None) -> str:
    """The batch size, large against small, at each learning rate run with two or more: the
    time per epoch and per step, then as ``mlp_lr_text`` with the roles swapped.

    ``cells``: ``tables.grid_cells``. ``timing_note``: the sentence on how the times were measured
    when every cell was timed under the same conditions, None when the conditions differ.
    """
    lines = []
    for lr, parts in _comparison_lines(cells, "batch_size", "lr"):
        time_part = _time_part(cells[cells["lr"] == lr].sort_values("batch_size"))
        lines.append(f"- **η = {lr:g}:** " + "; ".join(([time_part] if time_part else []) + parts) + ".")
    if not lines:
        return "No learning rate was run with two or more batch sizes, so the batch size cannot be compared here."
    text = "\n".join(lines)
    if timing_note is not None:
        return (
            text
            + "\n\nAll cells were timed under the same conditions (training only, evaluation excluded). "
            + (timing_note)
        )
    return text + (
        "\n\nThe cells were timed under different conditions (threads, device, parallel jobs), so their times are only "
        "roughly comparable; times are measured and vary between builds."
    )


def grid_answer(cells: pd.DataFrame) -> str:
    """Task 7's one-line answer: the cell with the highest final test accuracy among those whose
    every seed converged (and the cells tied with it), the lowest cell with its status, and the
    count of cells."""
    ok = cells[cells["all_converged"].astype(bool)]
    worst = cells.loc[cells["test_acc"].idxmin()]
    text = ""
    if len(ok):
        r = rank(ok, "test_acc", borrowed_sd(cells, "test_acc"))
        best = ok.loc[ok["test_acc"].idxmax()] if r is None else r.best
        text = f"best final test accuracy {pct(best['test_acc'])} at {cell_label(best['batch_size'], best['lr'])}"
        if r is not None and not r.tied.empty:
            text += ", tied with " + ", ".join(cell_label(b, lr) for b, lr in zip(r.tied["batch_size"], r.tied["lr"]))
        text += "; "
    return (
        text
        + f"lowest {pct(worst['test_acc'])} at {cell_label(worst['batch_size'], worst['lr'])}"
        + ("" if worst["status"] == net_runs.CONVERGED else f" ({worst['status']})")
        + f" ({plural(cell_count(cells), 'cell')}, {plural(int(cells['epochs'].max()), 'epoch')})"
    )
