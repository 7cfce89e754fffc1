"""Task 7 against the hand-made reports: each cell the assignment asks, this build's final
accuracies (mean ± s.d. over its seeds) beside the hand figure, tied or not by the rule of
``ties`` (stated once, in the section's terms). A cell where some seed did not converge is not
ranked against the hand figure: its mean over every seed (the table's) mixes in the failed runs,
so the text says so, names each failed run, and gives the seeds that converged apart, without a
verdict."""

from __future__ import annotations

import math

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


def difference_text(diff: float, verdict_word: str | None) -> str:
    """A difference from a hand figure (points) in words that agree with its verdict: '0.49
    points above', '1.80 points below'; when tied, 'a difference of -0.08 points: tied' (a
    direction beside 'tied' would read as a ranking), and with no verdict (``None``: the
    difference is not ranked) 'a difference of +0.88 points'."""
    if verdict_word in ("above", "below"):
        return f"{abs(diff):.2f} points {verdict_word}"
    return f"a difference of {diff:+.2f} points" + (f": {verdict_word}" if verdict_word else "")


def _side(values: pd.Series, ref: float, borrowed: float) -> tuple[str, str]:
    """This build's values (fractions, every seed converged) against one hand figure (points,
    ± ``borrowed`` assumed): the text and the verdict."""
    values = values.dropna()
    mean = 100 * values.mean()
    half = 100 * values.std(ddof=1) if len(values) >= 2 else borrowed
    v = verdict(mean, half, ref, borrowed)
    return f"{over_seeds(values)} against {ref:.2f}%, {difference_text(mean - ref, v)}", v


def _failed(r: pd.Series) -> str:
    """'seed 2 learnt, then diverged (best 96.50% in epoch 6, 9.80% as it stopped)'."""
    best = f"best {pct(r['best_test_acc'])} in epoch {int(r['best_epoch'])}, " if not pd.isna(r["best_epoch"]) else ""
    end = "as it stopped" if bool(r["diverged"]) else "at the end"
    return f"seed {int(r['seed'])} {r['status']} ({best}{pct(r['final_test_acc'])} {end})"


def _converged_line(
    label: str, seeds: int, ok: pd.DataFrame, ref_test: float, ref_train: float, borrowed: dict[str, float]
) -> tuple[str, str]:
    """The bullet of a cell whose every seed converged, and its verdict in test accuracy."""
    test, vt = _side(ok["final_test_acc"], ref_test, borrowed["test"])
    train, _ = _side(ok["final_train_acc"], ref_train, borrowed["train"])
    return f"- **{label}** ({plural(seeds, 'seed')}): test {test}; training {train}.", vt


def _failed_line(label: str, status: str, mine: pd.DataFrame, ref_test: float, ref_train: float) -> str:
    """The bullet of a cell where some seed did not converge: its mean over every seed against
    the hand figures (what the table shows) and why it is far from them, each failed run, then
    the seeds that converged, whose difference is given but not ranked."""
    ok = mine[mine["status"] == net_runs.CONVERGED]
    bad = mine[mine["status"] != net_runs.CONVERGED]
    test, train = 100 * mine["final_test_acc"].mean() - ref_test, 100 * mine["final_train_acc"].mean() - ref_train
    text = (
        f"- **{label}** ({plural(len(mine), 'seed')}: {status}): over every seed, test "
        f"{over_seeds(mine['final_test_acc'])} and training {over_seeds(mine['final_train_acc'])} against "
        f"{ref_test:.2f}% and {ref_train:.2f}% by hand (differences of {test:+.2f} and {train:+.2f} points), "
        f"because {'a run' if len(bad) == 1 else 'runs'} failed: " + "; ".join(_failed(r) for _, r in bad.iterrows())
    )
    if len(ok):
        diff = 100 * ok["final_test_acc"].mean() - ref_test
        text += (
            f". The {plural(len(ok), 'seed')} that converged end at {over_seeds(ok['final_test_acc'])} test "
            f"accuracy, {difference_text(diff, None)}"
        )
    return text + "."


def _counts_text(verdicts: list[str], failed: list[str]) -> str:
    """'Of the 4 cells whose every seed converged, 3 are tied with the hand figure in test
    accuracy, 1 above it and 0 below; B = 32, η = 1, where some seed failed, is not ranked.'"""
    text = (
        f"Of the {plural(len(verdicts), 'cell')} whose every seed converged, {verdicts.count('tied')} "
        f"{'is' if verdicts.count('tied') == 1 else 'are'} tied with the hand figure in test accuracy, "
        f"{verdicts.count('above')} above it and {verdicts.count('below')} below"
        if verdicts
        else "No cell compared had every seed converged"
    )
    if failed:
        text += f"; {', '.join(failed)}, where some seed failed, {'is' if len(failed) == 1 else 'are'} not ranked"
    return text + ". "


def mlp_references_text(compared: pd.DataFrame, runs: pd.DataFrame, cells: pd.DataFrame, assignment_epochs: int) -> str:
    """Each asked cell against the hand figures, then the counts of tied, above and below, what
    can and cannot explain a difference, and the failures the hand report does not have.

    ``compared``: ``tables.reference_comparison`` (one row per hand-made cell; ref_test, ref_train in
    points, seeds NaN where the cell was not run); ``runs``: one row per run with status, final
    and best accuracies, diverged; ``cells``: ``tables.grid_cells`` (the s.d. a hand figure is
    assumed to have, by the rule of ``ties``).
    """
    ran = compared.dropna(subset=["seeds"])
    if ran.empty:
        return "None of the cells the assignment asks was run in this build, so there is nothing to compare."
    runs = runs.astype({"lr": float})
    borrowed = {side: 100 * borrowed_sd(cells, f"{side}_acc") for side in ("test", "train")}
    lines, verdicts, beyond, failures = [], [], [], []
    for c in ran.itertuples(index=False):
        label = cell_label(c.batch_size, c.lr)
        mine = runs[(runs["batch_size"] == c.batch_size) & (runs["lr"] == c.lr)]
        ok = mine[mine["status"] == net_runs.CONVERGED]
        if len(ok) == len(mine):
            line, vt = _converged_line(label, int(c.seeds), ok, c.ref_test, c.ref_train, borrowed)
            verdicts.append(vt)
            beyond += [label] if vt != "tied" else []
        else:
            line = _failed_line(label, c.status, mine, c.ref_test, c.ref_train)
            failures.append((label, len(mine) - len(ok), len(mine)))
        lines.append(line)
    hand_sd = (
        f", assumed ± {borrowed['test']:.2f} points in test and ± {borrowed['train']:.2f} in training accuracy"
        if math.isfinite(borrowed["test"])
        else ""
    )
    text = (
        "**Against the hand-made figures**, cell by cell: the final accuracies here against each hand figure, one "
        f"run{hand_sd}, ranked by the rule of the terms above.\n\n" + "\n".join(lines) + "\n\n"
    )
    text += _counts_text(verdicts, [label for label, _, _ in failures])
    if beyond:
        seeds = sorted(runs["seed"].unique())
        text += (
            f"At {' and '.join(beyond)} the difference is beyond the spread of the seeds, so another seed would not "
            "explain it. The hand report states neither its initialisation, nor its input scaling, nor its seed (here: "
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
    text += run_time_text(cells, assignment_epochs) + " "
    short = ran[ran["epochs"] < assignment_epochs]
    if len(short):
        text += (
            f"{plural(len(short), 'cell')} ran {plural(sorted(int(e) for e in short['epochs'].unique()), 'epoch')} "
            f"instead of the assignment's {assignment_epochs}: not a like-for-like comparison."
        )
    return text.rstrip()


# The hand-made report's time for one MLP run of the assignment, in minutes (TASKS.md)
HAND_RUN_MINUTES = (5, 30)


def run_time_text(cells: pd.DataFrame, assignment_epochs: int) -> str:
    """The time of one run of ``assignment_epochs`` epochs here, from each cell's measured time
    per epoch (training only), fastest and slowest cell, against the hand report's "5 to 30
    minutes, depending on your computer"."""
    per_run = cells["seconds_per_epoch"] * assignment_epochs / 60
    fast, slow = cells.loc[per_run.idxmin()], cells.loc[per_run.idxmax()]
    measured = "" if (cells["epochs"] >= assignment_epochs).all() else ", extrapolated from the epochs run"
    return (
        f'By hand, each run took "{HAND_RUN_MINUTES[0]} to {HAND_RUN_MINUTES[1]} minutes, depending on your '
        f'computer"; here a run of {assignment_epochs} epochs trains in {per_run.min():.1f} minutes '
        f"({cell_label(fast['batch_size'], fast['lr'])}) to {per_run.max():.1f} minutes "
        f"({cell_label(slow['batch_size'], slow['lr'])}), evaluation excluded{measured}"
        + (": an epoch at a smaller batch is more steps." if slow["batch_size"] < fast["batch_size"] else ".")
    )
