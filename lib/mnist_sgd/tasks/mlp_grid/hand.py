"""Task 7 against the hand-made reports: each cell the assignment asks, this build's final
accuracies (mean ± s.d. over its seeds) beside the hand figure, tied or not by the rule of
``ties``, a hand figure (one run) given the largest s.d. any ranked cell's seeds showed. A cell
where some seed did not converge is not ranked: the text names each failed run and sets the
seeds that survived against the hand figure, without a verdict. The body says the verdicts in
a few sentences (``hand_text``); the detail gives each cell (``mlp_references_text``)."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.mlp_grid.cell import cell_label, over_seeds
from mnist_sgd.tasks.mlp_grid.tables import failures
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


def _side(values: pd.Series, ref: float, borrowed: float) -> tuple[str, str | None]:
    """This build's values (fractions, every seed converged) against one hand figure (points,
    ± ``borrowed`` assumed): the text and the verdict, None for one seed (not ranked)."""
    values = values.dropna()
    mean = 100 * values.mean()
    v = verdict(mean, 100 * values.std(ddof=1), ref, borrowed) if len(values) >= 2 else None
    return f"{over_seeds(values)} against {ref:.2f}%, {difference_text(mean - ref, v)}", v


def _failed(r: pd.Series) -> str:
    """'seed 2 learnt, then diverged (best 96.50% in epoch 6, 9.80% as it stopped)'."""
    best = f"best {pct(r['best_test_acc'])} in epoch {int(r['best_epoch'])}, " if not pd.isna(r["best_epoch"]) else ""
    end = "as it stopped" if bool(r["diverged"]) else "at the end"
    return f"seed {int(r['seed'])} {r['status']} ({best}{pct(r['final_test_acc'])} {end})"


def _converged_line(
    label: str, seeds: int, ok: pd.DataFrame, ref_test: float, ref_train: float, borrowed: dict[str, float]
) -> tuple[str, str | None]:
    """The bullet of a cell whose every seed converged, and its verdict in test accuracy."""
    test, vt = _side(ok["final_test_acc"], ref_test, borrowed["test"])
    train, _ = _side(ok["final_train_acc"], ref_train, borrowed["train"])
    return f"- **{label}** ({plural(seeds, 'seed')}): test {test}; training {train}.", vt


def _failed_line(label: str, cell: pd.Series, mine: pd.DataFrame, ref_test: float, ref_train: float) -> str:
    """The bullet of a cell where some seed did not converge: each failed run, then the seeds that
    converged against the hand figures, their difference given but not ranked."""
    ok = mine[mine["status"] == net_runs.CONVERGED]
    bad = mine[mine["status"] != net_runs.CONVERGED]
    text = f"- **{label}** ({plural(len(mine), 'seed')}; {failures(cell)}): " + "; ".join(
        _failed(r) for _, r in bad.iterrows()
    )
    if len(ok):
        test = 100 * ok["final_test_acc"].mean() - ref_test
        train = 100 * ok["final_train_acc"].mean() - ref_train
        which = "the surviving seed ends" if len(ok) == 1 else f"the {len(ok)} surviving seeds end"
        text += (
            f"; {which} at {over_seeds(ok['final_test_acc'])} test and {over_seeds(ok['final_train_acc'])} training "
            f"accuracy against {ref_test:.2f}% and {ref_train:.2f}% by hand, differences of {test:+.2f} and "
            f"{train:+.2f} points, not ranked"
        )
    return text + "."


def _verdicts(compared: pd.DataFrame, runs: pd.DataFrame, cells: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """Each asked cell that ran, against its hand figures: its bullet (``_converged_line`` or
    ``_failed_line``) and, for a ranked cell (several seeds, all converged), its verdict in test
    accuracy."""
    runs = runs.astype({"lr": float})
    borrowed = {side: 100 * borrowed_sd(cells, f"{side}_acc") for side in ("test", "train")}
    lines, verdicts = [], {}
    for _, c in compared.dropna(subset=["seeds"]).iterrows():
        label = cell_label(c["batch_size"], c["lr"])
        mine = runs[(runs["batch_size"] == c["batch_size"]) & (runs["lr"] == c["lr"])]
        ok = mine[mine["status"] == net_runs.CONVERGED]
        if len(ok) == len(mine):
            line, v = _converged_line(label, int(c["seeds"]), ok, c["ref_test"], c["ref_train"], borrowed)
            if v is not None:
                verdicts[label] = v
        else:
            line = _failed_line(label, c, mine, c["ref_test"], c["ref_train"])
        lines.append(line)
    return lines, verdicts


def hand_text(compared: pd.DataFrame, runs: pd.DataFrame, cells: pd.DataFrame) -> str:
    """The hand-made figures in a few sentences for the body: what they are, how many of the asked
    cells whose seeds all converged are tied with theirs, above or below, and, for each asked cell
    where some seed failed, the surviving seeds against the hand run and what one run there says.

    ``compared``: ``tables.reference_comparison``; ``runs``: one row per run with status, final
    accuracies; ``cells``: ``tables.grid_cells``."""
    ran = compared.dropna(subset=["seeds"])
    if ran.empty:
        return "None of the cells the assignment asks was run, so there is nothing to compare."
    _, verdicts = _verdicts(compared, runs, cells)
    text = (
        "The hand figures are one run each, of an unstated initialisation, input scaling and seed; each is given "
        "the widest spread our seeds showed. "
    )
    if verdicts:
        words = list(verdicts.values())
        beyond = [f"{label}, {word}" for label, word in verdicts.items() if word != "tied"]
        text += (
            f"Of the {plural(len(words), 'asked cell')} whose seeds all converged, {words.count('tied')} "
            f"{'is' if words.count('tied') == 1 else 'are'} tied with the hand figure in final test accuracy"
            + (f" and {len(beyond)} {'is' if len(beyond) == 1 else 'are'} not ({'; '.join(beyond)})" if beyond else "")
            + ". "
        )
    for _, c in ran[ran["failed"] > 0].iterrows():  # how many seeds failed, the table beside says
        text += f"At {cell_label(c['batch_size'], c['lr'])}"
        if c["converged_seeds"]:
            which = "our surviving seed" if c["converged_seeds"] == 1 else "our surviving seeds"
            text += (
                f" the hand run converged, as {which} did ({difference_text(c['test_diff'], None)} in test accuracy), "
                "while our other seeds failed"
            )
        else:
            text += " the hand run converged, while every one of our seeds failed"
        text += ": a single run at that setting says how a run can end, not how often. "
    return text.rstrip()


def mlp_references_text(compared: pd.DataFrame, runs: pd.DataFrame, cells: pd.DataFrame, assignment_epochs: int) -> str:
    """Each asked cell against the hand figures, what can and cannot explain a difference beyond
    the seeds' spread, the time of a run against the hand-made minutes, and a warning when the
    epochs are not the assignment's.

    ``compared``: ``tables.reference_comparison`` (one row per hand-made cell; ref_test, ref_train in
    points, seeds NaN where the cell was not run); ``runs``: one row per run with status, final
    and best accuracies, diverged; ``cells``: ``tables.grid_cells`` (the s.d. a hand figure is
    given, ``ties.borrowed_sd``).
    """
    ran = compared.dropna(subset=["seeds"])
    if ran.empty:
        return "None of the cells the assignment asks was run, so there is nothing to compare."
    lines, verdicts = _verdicts(compared, runs, cells)
    borrowed = {side: 100 * borrowed_sd(cells, f"{side}_acc") for side in ("test", "train")}
    spread = (
        f"With the spread a hand figure is given (± {borrowed['test']:.2f} points in test and ± "
        f"{borrowed['train']:.2f} in training accuracy):"
        if math.isfinite(borrowed["test"])
        else "With no ranked cell to lend a hand figure a spread, none is ranked:"
    )
    text = f"{spread}\n\n" + "\n".join(lines)
    beyond = [label for label, w in verdicts.items() if w != "tied"]
    text += "\n\n"
    if beyond:
        seeds = sorted(runs["seed"].unique())
        text += (
            f"At {' and '.join(beyond)} the difference is beyond the spread of the seeds, so another seed would not "
            "explain it. The hand report states neither its initialisation, nor its input scaling, nor its seed (here: "
            f"PyTorch's default initialisation, inputs in [0, 1], seeds {', '.join(str(int(s)) for s in seeds)}), "
            "so which of these makes the difference is left open. "
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
    per epoch (training only; 2 significant figures, as times vary by tens of per cent between
    runs), fastest and slowest cell, against the hand report's "5 to 30
    minutes, depending on your computer"."""
    per_run = cells["seconds_per_epoch"] * assignment_epochs / 60
    fast, slow = cells.loc[per_run.idxmin()], cells.loc[per_run.idxmax()]
    measured = "" if (cells["epochs"] >= assignment_epochs).all() else ", extrapolated from the epochs run"
    span = f"{per_run.min():.2g} minutes ({cell_label(fast['batch_size'], fast['lr'])})"
    if len(cells) > 1:
        span += f" to {per_run.max():.2g} minutes ({cell_label(slow['batch_size'], slow['lr'])})"
    return (
        f'By hand, each run took "{HAND_RUN_MINUTES[0]} to {HAND_RUN_MINUTES[1]} minutes, depending on your '
        f'computer"; here a run of {assignment_epochs} epochs trains in {span}, evaluation excluded{measured}'
        + (": an epoch at a smaller batch is more steps." if slow["batch_size"] < fast["batch_size"] else ".")
    )
