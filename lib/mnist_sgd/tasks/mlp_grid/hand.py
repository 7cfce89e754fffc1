"""Task 7 against the hand-made reports: each cell the assignment asks, this build's final
accuracies (mean ± s.d. over its seeds) beside the hand figure, tied or not by the rule of
``ties``; a cell where some seed did not converge is compared through the seeds that did, and
its failed runs are named with their best epoch and their end."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.mlp_grid.cell import cell_label, over_seeds
from mnist_sgd.tasks.mlp_grid.ties import borrowed_sd, separated


def verdict(here: float, here_half: float, ref: float, ref_half: float) -> str:
    """'tied', 'above' or 'below': here against the reference, both in points, by ``separated``."""
    if not separated(here, here_half, ref, ref_half):
        return "tied"
    return "above" if here > ref else "below"


def _side(values: pd.Series, ref: float, borrowed: float) -> tuple[str, str]:
    """This build's values (fractions) against one hand figure (points): the text and the verdict."""
    values = values.dropna()
    mean = 100 * values.mean()
    half = 100 * values.std(ddof=1) if len(values) >= 2 else borrowed
    v = verdict(mean, half, ref, borrowed)
    diff = mean - ref
    return f"{over_seeds(values)} against {ref:.2f}% ({diff:+.2f} points: {v})", v


def _failed(r: pd.Series) -> str:
    """'seed 1 learnt, then stuck at chance: best 88.43% (epoch 1), ended at 11.35%'."""
    best = f"best {pct(r['best_test_acc'])} (epoch {int(r['best_epoch'])}), " if not pd.isna(r["best_epoch"]) else ""
    return f"seed {int(r['seed'])} {r['status']}: {best}ended at {pct(r['final_test_acc'])}"


def mlp_references_text(compared: pd.DataFrame, runs: pd.DataFrame, cells: pd.DataFrame, assignment_epochs: int) -> str:
    """Each asked cell against the hand figures, then the counts of tied, above and below, what
    can and cannot explain a difference, and the failures the hand report does not have.

    ``compared``: ``tables.reference_comparison`` (one row per hand-made cell; ref_test, ref_train in
    points, seeds NaN where the cell was not run); ``runs``: one row per run with status, final
    and best accuracies; ``cells``: ``tables.grid_cells`` (the borrowed s.d. of the tie rule).
    """
    runs = runs.astype({"lr": float})
    borrowed = {side: 100 * borrowed_sd(cells, f"{side}_acc") for side in ("test", "train")}
    lines, verdicts, failures, beyond = [], [], [], []
    for c in compared.itertuples(index=False):
        label = cell_label(c.batch_size, c.lr)
        if pd.isna(c.seeds):  # the table shows the hand figures of a cell not run
            continue
        mine = runs[(runs["batch_size"] == c.batch_size) & (runs["lr"] == c.lr)]
        ok = mine[mine["status"] == net_runs.CONVERGED]
        head = f"- **{label}** ({plural(int(c.seeds), 'seed')}"
        if len(ok) == len(mine):
            test, vt = _side(ok["final_test_acc"], c.ref_test, borrowed["test"])
            train, _ = _side(ok["final_train_acc"], c.ref_train, borrowed["train"])
            lines.append(f"{head}): test {test}; training {train}.")
            verdicts.append(vt)
            beyond += [label] if vt != "tied" else []
            continue
        failures.append((label, len(mine) - len(ok), len(mine)))
        text = (
            f"{head}: {c.status}): over every seed, test {over_seeds(mine['final_test_acc'])} and training "
            f"{over_seeds(mine['final_train_acc'])}, against {c.ref_test:.2f}% and {c.ref_train:.2f}% by hand"
        )
        if len(ok):
            test, vt = _side(ok["final_test_acc"], c.ref_test, borrowed["test"])
            train, _ = _side(ok["final_train_acc"], c.ref_train, borrowed["train"])
            text += f"; the {plural(len(ok), 'seed')} that converged: test {test}, training {train}"
            verdicts.append(vt)
            beyond += [label] if vt != "tied" else []
        text += "; " + "; ".join(_failed(r) for _, r in mine[mine["status"] != net_runs.CONVERGED].iterrows())
        lines.append(text + ".")
    ran = compared.dropna(subset=["seeds"])
    seeds = sorted(runs["seed"].unique())
    if ran.empty:
        return "None of the cells the assignment asks was run in this build, so there is nothing to compare."
    text = (
        "**Against the hand-made figures**, cell by cell (final accuracies here against the hand figure; the "
        "verdict by the ranking rule, the hand figure being one run):\n\n" + "\n".join(lines) + "\n\n"
    )
    text += (
        f"In test accuracy, {verdicts.count('tied')} of the {plural(len(verdicts), 'cell')} compared are tied with "
        f"the hand figure, {verdicts.count('above')} above it and {verdicts.count('below')} below. "
    )
    if beyond:
        text += (
            f"At {', '.join(beyond)} the gap is beyond the spread of the seeds, so another seed would not explain it. "
            "The hand report states neither its initialisation, nor its input scaling, nor its seed (here: "
            f"PyTorch's default initialisation, inputs in [0, 1], seeds {', '.join(str(int(s)) for s in seeds)}), "
            "and gives one run per cell, so which of these makes the difference is left open. "
        )
    if failures:
        text += (
            "The hand report has one run per cell and none that failed; here "
            + ", ".join(f"{n} of the {m} runs at {label}" for label, n, m in failures)
            + " did not converge, so one run at that setting can end either way: a single hand figure there says how "
            "a run can end, not how often. "
        )
    short = ran[ran["epochs"] < assignment_epochs]
    if len(short):
        text += (
            f"{plural(len(short), 'cell')} ran {plural(sorted(int(e) for e in short['epochs'].unique()), 'epoch')} "
            f"instead of the assignment's {assignment_epochs}: not a like-for-like comparison."
        )
    return text.rstrip()
