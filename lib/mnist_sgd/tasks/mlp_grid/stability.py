"""Task 7's first answer, read in η/B: where the cells stop training on every seed, how each
failed cell failed (with what a network stuck at chance answers), and how the final test accuracy
of the ranked cells goes with η/B (``stability_text``); and, at one rate, whether the smallest
batch's loss settles (``settling_text``). Every ranking follows ``ties``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.science.net_runs import rises
from mnist_sgd.tasks.mlp_grid.cell import LOSS, cell_label
from mnist_sgd.tasks.mlp_grid.tables import eta_over_b, listed, ratio_said, span
from mnist_sgd.tasks.mlp_grid.ties import apart, name, rankable, threshold
from mnist_sgd.tasks.rounding import two_figures

if TYPE_CHECKING:
    import torch


def by_eta_b(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` with their η/B (column eta_b), in its order."""
    return cells.assign(eta_b=eta_over_b(cells)).sort_values(["eta_b", "batch_size"])


def clean_split(cells: pd.DataFrame) -> bool:
    """Whether η/B splits ``cells`` into those where every seed trained and those where some seed
    failed, every one of the first below every one of the second (both kinds present)."""
    c = by_eta_b(cells)
    ok = c["all_converged"].astype(bool)
    return bool(ok.any() and (~ok).any() and c.loc[ok, "eta_b"].max() < c.loc[~ok, "eta_b"].min())


def trained_at_larger(cells: pd.DataFrame, lr: float, batch_size: int) -> pd.DataFrame:
    """The cells of ``cells`` at rate ``lr`` and a batch larger than ``batch_size`` where every seed
    trained: those that show a rate too long for one batch size is not too long for all."""
    return cells[(cells["lr"] == lr) & (cells["batch_size"] > batch_size) & cells["all_converged"].astype(bool)]


def _boundary(cells: pd.DataFrame) -> str:
    """Where in η/B the cells stop training on every seed: a clean split (``clean_split``), naming
    the failed cells (how each failed, the table's outcome and the detail's ``failures_text`` say),
    or the cells that break it. A rate that failed at one batch size but trained at a larger one,
    the learning rate's paragraph says (``mechanisms.learning_rate_text``)."""
    c = by_eta_b(cells)
    ok, bad = c[c["all_converged"].astype(bool)], c[~c["all_converged"].astype(bool)]
    if bad.empty:
        return f"Every setting trained on every seed, up to η/B = {ratio_said(ok['eta_b'].max())}. "
    if ok.empty:
        return "In every setting some seed failed. "
    if not clean_split(cells):
        top = ok.iloc[-1]
        return (
            "The settings where some seed failed are not simply those of the largest η/B: "
            + listed([f"{cell_label(r.batch_size, r.lr)} ({ratio_said(r.eta_b)})" for r in bad.itertuples()])
            + f" failed, while {cell_label(top['batch_size'], top['lr'])} trained at {ratio_said(top['eta_b'])}. "
        )
    which = "the one" if len(bad) == 1 else f"the {len(bad)}"
    failed = listed([cell_label(r.batch_size, r.lr) for r in bad.itertuples()])
    lo, hi = ratio_said(ok["eta_b"].max()), ratio_said(bad["eta_b"].min())
    # a handful of settings place the limit: said as the interval the grid leaves, not as a measured value
    text = (
        f"Every setting up to η/B = {lo} trained on every seed; {which} of larger η/B ({failed}) did not: the grid "
        f"places the limit between {lo} and {hi}, and no closer. "
    )
    largest = c[c["batch_size"] == c["batch_size"].max()]
    if largest["eta_b"].max() <= ok["eta_b"].max():  # no cell of the largest batch tests the limit
        text += (
            f"Whether η/B alone sets it, the grid cannot say: B = {int(largest['batch_size'].iloc[0])} was run only up "
            f"to η/B = {ratio_said(largest['eta_b'].max())}. "
        )
    return text


def end_losses(at: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Per seed of each ranked cell of ``at`` (``ties.rankable``): the training loss on the whole set
    after its last epoch (``LOSS``) and the epochs its loss rose (``net_runs.rises``): columns
    batch_size, seed, epochs, end and rises."""
    history = history.astype({"lr": float})
    rows = []
    for c in at[rankable(at)].itertuples(index=False):
        h = history[(history["batch_size"] == c.batch_size) & (history["lr"] == c.lr)].sort_values("epoch")
        for seed, run in h.groupby("seed"):
            rows.append(
                {
                    "batch_size": int(c.batch_size),
                    "seed": seed,
                    "epochs": int(run["epoch"].max()),
                    "end": float(run[LOSS].iloc[-1]),
                    "rises": rises(run[LOSS])[0],
                }
            )
    return pd.DataFrame(rows, columns=["batch_size", "seed", "epochs", "end", "rises"])


def settling_text(at: pd.DataFrame, history: pd.DataFrame) -> str:
    """'its loss rose in 8 of 20 epochs on each seed (B = 32's in none) and ends at 6.3e-04 to
    6.2e-03 against B = 32's 4.3e-04 to 4.4e-04; at η/B = 0.0125 the noise of its steps keeps it
    from settling', when every seed of the smallest batch of ``at`` (one rate) ends above
    every seed of the batch size that ends lowest and its loss rose in more epochs on every seed
    than on any of that one's (``end_losses``); '' otherwise. Each seed's values, not a mean: the
    losses of a noisy batch spread over an order of magnitude, and the comparison is seed by seed."""
    ends = end_losses(at, history)
    if ends["batch_size"].nunique() < 2 or ends["batch_size"].min() != at["batch_size"].min():
        return ""  # the smallest batch not ranked (one seed, or some failed): nothing to say of it
    small = ends[ends["batch_size"] == ends["batch_size"].min()]
    others = ends[ends["batch_size"] != ends["batch_size"].min()]
    low_b = int(others.groupby("batch_size")["end"].max().idxmin())
    low = others[others["batch_size"] == low_b]
    if not (small["end"].min() > low["end"].max() and small["rises"].min() > low["rises"].max()):
        return ""
    epochs = int(small["epochs"].max())
    rose = span(small["rises"].tolist(), "d")
    each = "on each seed" if small["rises"].nunique() == 1 else "per seed"
    theirs = "none" if low["rises"].max() == 0 else f"{span(low['rises'].tolist(), 'd')}"
    return (
        f"its loss rose in {rose} of {epochs} epochs {each} (B = {low_b}'s in {theirs}) and ends at "
        f"{span(small['end'].tolist(), '.1e')} against B = {low_b}'s {span(low['end'].tolist(), '.1e')}: the noise of "
        "its small batches keeps it from settling"
    )


def _failed_seeds(runs: pd.DataFrame) -> str:
    """'late, in epochs 13 and 18, after learning' for the runs of one cell that diverged."""
    epochs = listed([str(int(e)) for e in runs["diverged_at"]])
    learnt = runs[runs["status"] == net_runs.LEARNT_THEN_DIVERGED]
    where = f"in epoch{'s' if len(runs) > 1 else ''} {epochs}"
    if len(learnt) == len(runs):
        return f"late, {where}, after learning"
    return where + (", from the start" if learnt.empty else "")


def _failures(cells: pd.DataFrame, runs: pd.DataFrame, y_train: torch.Tensor, y_test: torch.Tensor) -> str:
    """Each setting where some seed did not train, in the order of η/B: the seeds that diverged
    (when, and what they had learnt first) and the runs stuck at chance (the one digit a network
    that no longer depends on its input answers, checked on both sets with ``y_train`` and
    ``y_test``). What set a divergence off is not measured, and the text says so."""
    runs = runs.astype({"lr": float})
    text = ""
    for c in by_eta_b(cells[~cells["all_converged"].astype(bool)]).itertuples(index=False):
        mine = runs[(runs["batch_size"] == c.batch_size) & (runs["lr"] == c.lr)]
        label = cell_label(c.batch_size, c.lr)
        diverged = mine[mine["diverged"].astype(bool)]
        if len(diverged):  # how many, the table beside says
            who = (
                "the run"
                if c.seeds == 1
                else "the seed that diverged"
                if len(diverged) == 1
                else "the seeds that diverged"
            )
            text += f"At {label} {who} did so {_failed_seeds(diverged)}. "
        stuck = mine[(~mine["diverged"].astype(bool)) & (mine["status"] != net_runs.CONVERGED)]
        if len(stuck):
            text += f"At {label} {_stuck_text(stuck, int(c.seeds), y_train, y_test)}. "
    return text


def _stuck_text(stuck: pd.DataFrame, seeds: int, y_train: torch.Tensor, y_test: torch.Tensor) -> str:
    """'every seed got stuck at chance, never having learnt: each answers one digit for every image
    (7, 0 and 1), whose shares ... (``_shares``)' for the runs of one cell stuck at chance
    (``seeds``: the cell's seeds): the digit a run answers when both its accuracies are that
    digit's share, else that its accuracy is near a constant answer's."""
    digits = []
    for r in stuck.itertuples():
        digit = net_runs.constant_answer(r.final_test_acc, y_test)
        digits.append(
            digit if digit is not None and digit == net_runs.constant_answer(r.final_train_acc, y_train) else None
        )
    one = len(stuck) == 1
    who = (
        "the run"
        if seeds == 1
        else "every seed"
        if len(stuck) == seeds
        else f"seed{'' if one else 's'} {listed([str(int(s)) for s in stuck['seed']])}"
    )
    never = "" if (stuck["status"] != net_runs.STUCK).any() else ", never having learnt"
    answered = [d for d in digits if d is not None]
    if len(answered) < len(digits):
        answer = (
            "its accuracy is near that of a constant answer" if one else "their accuracies are near a constant answer's"
        )
    else:
        answer = (
            f"it answers {answered[0]}"
            if one
            else f"each answers one digit for every image ({listed([str(d) for d in answered])})"
        ) + _shares(stuck, answered, y_train)
    return f"{who} got stuck at chance{never}: {answer}"


def _shares(stuck: pd.DataFrame, digits: list[int], y_train: torch.Tensor) -> str:
    """' for every image, whose share of the training images (10.44%) lies within the rule's 2
    points' for one run, ', whose shares of the training images (10.44%, 9.87% and 11.24%) each lie
    within the rule's 2 points' for several: the share in ``y_train`` of each digit answered by a
    run of ``stuck`` (in order), and whether every one lies within ``net_runs.STUCK_ACC_POINTS`` of
    the runs' majority share, the window of the rule (a run called stuck has its share inside it, so
    this is the rule read back; the text says it only where it holds); no share without the
    majority."""
    one = len(digits) == 1
    lead = " for every image" if one else ""
    if "majority" not in stuck:
        return lead
    shares = [float((y_train == d).double().mean()) for d in digits]
    inside = all(
        abs(100 * (v - m)) <= net_runs.STUCK_ACC_POINTS for v, m in zip(shares, stuck["majority"], strict=True)
    )
    values = listed([f"{100 * v:.2f}%" for v in shares])
    if not inside:
        return f"{lead}, scoring {values} of the training images"
    lie = "lies" if one else "each lie"
    return (
        f"{lead}, whose share{'' if one else 's'} of the training images ({values}) {lie} within the rule's "
        f"{net_runs.STUCK_ACC_POINTS:g} points"
    )


def _between(a: pd.Series, b: pd.Series, why: bool = True) -> str:
    """'B = 32, η = 0.1 and B = 8, η = 0.1: 0.14 points, against 0.10' (the difference ``ties.apart``
    tells apart, ``ties.threshold``), with ' (0.06 from the s.d.s alone; the runs' epoch-to-epoch
    fluctuation added)' when a swing raised it; without what was added when not ``why`` (a list
    says it once)."""
    least, swung = threshold(a, b, "test_acc")
    if not math.isfinite(least):
        return f"{name(a, 'setting')} and {name(b, 'setting')}: {_points(a, b)}, no spread to judge it by"
    against = f"against {two_figures(100 * least)}"
    if swung:
        alone = 2 * math.hypot(a["test_acc_sd"], b["test_acc_sd"])
        added = "; the runs' epoch-to-epoch fluctuation added" if why else ""
        against += f" ({two_figures(100 * alone)} from the s.d.s alone{added})"
    return f"{name(a, 'setting')} and {name(b, 'setting')}: {_points(a, b)}, {against}"


def _points(a: pd.Series, b: pd.Series) -> str:
    """'0.14 points': how far apart two cells' test accuracies are."""
    return f"{100 * abs(a['test_acc'] - b['test_acc']):.2f} points"


def _closeness(pair: tuple[pd.Series, pd.Series]) -> float:
    """A difference over the least it is told apart by; 0 when there is no spread (nothing judged)."""
    a, b = pair
    ratio = abs(a["test_acc"] - b["test_acc"]) / (threshold(a, b, "test_acc")[0] or 1e-12)
    return ratio if math.isfinite(ratio) else 0.0


def _ranked(cells: pd.DataFrame) -> list[pd.Series]:
    """The ranked cells (``ties.rankable``) with a test accuracy, in the order of η/B."""
    return [r for _, r in by_eta_b(cells[rankable(cells)].dropna(subset=["test_acc"])).iterrows()]


def _peak(rows: list[pd.Series]) -> int:
    """The index of the highest mean test accuracy among ``rows``."""
    return max(range(len(rows)), key=lambda i: rows[i]["test_acc"])


def _ranked_pairs(cells: pd.DataFrame) -> tuple[list[pd.Series], int, list[tuple[pd.Series, pd.Series]], list[bool]]:
    """The ranked cells in η/B (``_ranked``), the index of the highest final test accuracy, the
    pairs read for a trend (each step up to it, then it against each after) and whether each pair
    is apart (``ties.apart``)."""
    rows = _ranked(cells)
    if len(rows) < 2:
        return rows, 0, [], []
    peak = _peak(rows)
    pairs = list(zip(rows[:peak], rows[1 : peak + 1], strict=True)) + [(rows[peak], r) for r in rows[peak + 1 :]]
    return rows, peak, pairs, [apart(a, b, "test_acc") for a, b in pairs]


def _against_peak(cells: pd.DataFrame) -> list[tuple[pd.Series, pd.Series, bool]]:
    """The highest ranked cell against each other one, in η/B, and whether they are apart."""
    rows = _ranked(cells)
    if len(rows) < 2:
        return []
    top = rows[_peak(rows)]
    return [(top, r, apart(top, r, "test_acc")) for r in rows if r is not top]


def _trend(cells: pd.DataFrame) -> str:
    """How the final test accuracy of the ranked cells goes with η/B: a trend (``_ranked_pairs``),
    said with its closest call (``_between``), only when every pair of it is apart; else the
    highest mean (its value: the table's, and the learning rate's paragraph) and, against it, the
    shorter of the lists of cells beyond and within the spread (the other cells are in the other),
    with no order among those within (``_against_peak``; their numbers are the detail's,
    ``close_calls_text``); '' for < 2 cells."""
    rows, peak, pairs, judged = _ranked_pairs(cells)
    if not pairs:
        return ""
    top = name(rows[peak], "setting")
    lead = "**Final accuracy.** Among the settings where every seed trained, the final test accuracy"
    if all(judged):
        head = f"rises with η/B up to {top}" if peak else f"is highest at the smallest η/B, {top},"
        if peak < len(rows) - 1:
            head += " and is lower at " + listed([name(r, "setting") for r in rows[peak + 1 :]])
        every, first = ("each difference ", "the closest, ") if len(pairs) > 1 else ("", "")
        return f"{lead} {head}, {every}beyond the spread ({first}{_between(*min(pairs, key=_closeness))})."
    read = _against_peak(cells)
    below = [name(r, "setting") for _, r, j in read if j]
    within = [(t, r) for t, r, j in read if not j]
    if not within:
        closest = min(((t, r) for t, r, _ in read), key=_closeness)
        return f"{lead} is highest at {top}, beyond the spread of every other setting ({_between(*closest)})."
    if not below:
        largest = max(within, key=_closeness)
        return (
            f"{lead} has its highest mean at {top}, but every other setting is within the spread of it "
            f"({_between(*largest)}): no order is told."
        )
    # the shorter list by name: the table beside gives every setting
    close = [name(r, "setting") for _, r in within]
    few, where = (
        (close, "within the spread of it") if len(close) <= len(below) else (below, "below it, beyond the spread")
    )
    verb = "is" if len(few) == 1 else "are"
    return (
        f"**Final accuracy.** Where every seed trained, {top} has the highest mean final test accuracy; only "
        f"{listed(few)} {verb} {where}."
    )


def close_calls_text(cells: pd.DataFrame) -> str:
    """The settings within the spread of the highest final test accuracy, each with its
    difference and what it was judged against, when some are apart from it and some not (the body
    then names them without numbers); '' otherwise (the body says the one call that matters)."""
    _, _, _, judged = _ranked_pairs(cells)
    read = _against_peak(cells)
    within = [(t, r) for t, r, j in read if not j]
    if all(judged) or not within or len(within) == len(read):
        return ""
    swung = any(threshold(t, r, "test_acc")[1] for t, r in within)
    said = "; ".join(_between(t, r, why=False) for t, r in within)
    why = (
        " (each difference against the least told apart, the runs' epoch-to-epoch fluctuation counted)" if swung else ""
    )
    return f"Of the final test accuracies, those within the spread of the highest{why}: {said}."


def stability_text(cells: pd.DataFrame) -> str:
    """The body's first answer, in η/B: where in it the cells stop training on every seed
    (``_boundary``) and how the final test accuracy of the ranked cells goes with η/B (``_trend``).
    ``cells``: ``tables.grid_cells``. How each failed cell failed is the detail's
    (``failures_text``); why η/B, the detail's noise paragraph (``mechanisms.noise_text``)."""
    text = "**Which settings trained.** " + _boundary(cells)
    trend = _trend(cells)
    return text.rstrip() + (f"\n\n{trend}" if trend else "")


def failures_text(cells: pd.DataFrame, runs: pd.DataFrame, y_train: torch.Tensor, y_test: torch.Tensor) -> str:
    """For the per-run detail: how each setting where some seed did not train failed
    (``_failures``), and the close calls of the final accuracies (``close_calls_text``); ''
    when there is neither. ``runs``: one row per run with status, diverged, diverged_at and
    final accuracies."""
    return " ".join(t for t in (_failures(cells, runs, y_train, y_test).rstrip(), close_calls_text(cells)) if t)
