"""Why Task 7's cells differ, each mechanism tied to numbers of the grid. The section's two
answers: the learning rate at the batch size the assignment varies it at (a short step descends
slowly, a long one overshoots, and the runs that failed), and the batch size at the rate it varies
that at (updates per epoch, the loss per epoch and per update, the cost of an update). Behind
them, in the detail: the noise of a minibatch gradient (η/B) and the gap between training and test
accuracy. Written from ``tables.grid_cells``, the runs and the per-epoch history; every ranking
follows ``ties``."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd

from mnist_sgd.science import net_runs
from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.mlp_grid.cell import KEYS, LOSS, asked_cells, cell_label, steps_per_epoch
from mnist_sgd.tasks.mlp_grid.tables import listed, two_figures
from mnist_sgd.tasks.mlp_grid.ties import rank, rankable, ranking_text, said, separated

if TYPE_CHECKING:
    import torch

FIT = 0.995  # a cell "fits the training set" when its final training accuracy is at least this


def _times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def focus(cells: pd.DataFrame, key: str) -> float | None:
    """The value of ``key`` ('batch_size' or 'lr') at which the section varies the other: the one
    the assignment varies it at (the most frequent among the cells it asks), when two or more
    cells ran there; else the value with the most cells run, two at least; None when no value of
    ``key`` has two cells."""
    counts = cells.groupby(key).size()
    counts = counts[counts >= 2]
    if counts.empty:
        return None
    index = KEYS.index(key)
    asked = Counter(cell[index] for cell in asked_cells()).most_common(1)[0][0]
    return float(asked) if asked in counts.index else float(counts.idxmax())


def _short_step(at: pd.DataFrame, b: float) -> str:
    """At batch size ``b`` (the rows ``at``, by rate): the loss after epoch 1 at the smallest rate
    against the next, and whether the smallest rate has fit the training set by the end; '' when
    the two are not both ranked."""
    lo, next_ = at.iloc[0], at.iloc[1]
    if not rankable(at.iloc[:2]).all():
        return ""
    slower = separated(lo["loss_epoch1"], lo["loss_epoch1_sd"], next_["loss_epoch1"], next_["loss_epoch1_sd"])
    if not (slower and lo["loss_epoch1"] > next_["loss_epoch1"]):
        return (
            f"At B = {int(b)} a shorter step is not slower here: after epoch 1 the loss at η = {lo['lr']:g} is not "
            f"above that at η = {next_['lr']:g} beyond the spread of the seeds. "
        )
    text = (
        f"A short step descends slowly: at B = {int(b)}, after epoch 1 the loss at η = {lo['lr']:g} is "
        f"{lo['loss_epoch1'] / next_['loss_epoch1']:.2g} times that at η = {next_['lr']:g}"
    )
    if lo["train_acc"] < FIT:
        text += ", and by the end of its run it has still not fit the training set"
    return text + ". "


def _failed_seeds(runs: pd.DataFrame) -> str:
    """'in epochs 13 and 18, after having learnt: their best test accuracies were 96.46% and
    96.18%' for the runs of one cell that diverged."""
    epochs = listed([str(int(e)) for e in runs["diverged_at"]])
    text = f"in epoch{'s' if len(runs) > 1 else ''} {epochs}"
    learnt = runs[runs["status"] == net_runs.LEARNT_THEN_DIVERGED]
    if len(learnt) == len(runs):
        best = listed([pct(v) for v in learnt["best_test_acc"]])
        whose = "their best test accuracies were" if len(runs) > 1 else "its best test accuracy was"
        text += f", after having learnt: {whose} {best}"
    elif len(learnt) == 0:
        text += ", from the start"
    return text


def failures_text(cells: pd.DataFrame, runs: pd.DataFrame, y_train: torch.Tensor, y_test: torch.Tensor) -> str:
    """How many runs converged, then each cell where some seed did not: the seeds that diverged
    (when, and what they had learnt first) and the runs stuck at chance (the one digit a network
    that no longer depends on its input answers, checked on both sets with ``y_train`` and
    ``y_test``); then each one-seed cell that converged at a rate where another cell failed,
    which one run cannot rank."""
    runs = runs.astype({"lr": float})
    ok = int((runs["status"] == net_runs.CONVERGED).sum())
    text = f"Of the {plural(len(runs), 'run')}, {ok} converged."
    bad = cells[~cells["all_converged"].astype(bool)].sort_values(["lr", "batch_size"])
    for c in bad.itertuples(index=False):
        mine = runs[(runs["batch_size"] == c.batch_size) & (runs["lr"] == c.lr)]
        of = "the one run" if c.seeds == 1 else None
        diverged = mine[mine["diverged"].astype(bool)]
        if len(diverged):  # how many, the table beside says
            who = of or ("the seed that diverged" if len(diverged) == 1 else "the seeds that diverged")
            text += (
                f" At {cell_label(c.batch_size, c.lr)}, {who} (the loss became infinite or not a number) did so "
                f"{_failed_seeds(diverged)}."
            )
        stuck = mine[(~mine["diverged"].astype(bool)) & (mine["status"] != net_runs.CONVERGED)]
        for r in stuck.itertuples(index=False):
            who = of or f"seed {int(r.seed)}"
            digit = net_runs.constant_answer(r.final_test_acc, y_test)
            same = digit is not None and digit == net_runs.constant_answer(r.final_train_acc, y_train)
            answer = (
                f"it answers {digit} for every image, so its accuracy is that digit's share of the images"
                if same
                else "its accuracy is near that of a constant answer"
            )
            text += (
                f" At {cell_label(c.batch_size, c.lr)}, {who} got stuck at chance: its output no longer depends on the "
                f"image; {answer}."
            )
    single = cells[(cells["seeds"] == 1) & cells["all_converged"].astype(bool) & cells["lr"].isin(bad["lr"])]
    for c in single.itertuples(index=False):
        text += (
            f" At {cell_label(c.batch_size, c.lr)} the one run converged: that shows a run can converge there, not how "
            "often, so the cell is not ranked."
        )
    return text


def lr_text(cells: pd.DataFrame, runs: pd.DataFrame, y_train: torch.Tensor, y_test: torch.Tensor) -> str | None:
    """The learning rate, high against low, at the batch size ``focus`` picks: what a step is, a
    short step descending slowly, the final test accuracy ranked, a long step overshooting and the
    runs that failed (``failures_text``); None when no batch size ran two rates."""
    b = focus(cells, "batch_size")
    if b is None:
        return None
    at = cells[cells["batch_size"] == b].sort_values("lr")
    hi = float(cells["lr"].max())
    text = "An SGD step moves the weights by η times the minibatch gradient. " + _short_step(at, b)
    ranked = ranking_text(at, "lr", "test_acc", percent=True, values=False)
    if ranked:
        text += f"At B = {int(b)}, the final test accuracy is {ranked}. "
    # the textbook reason, not a finding: the network's curvature is not measured here
    text += (
        "A long step can overshoot: on a quadratic valley, a learning rate above 2 divided by the valley's curvature "
        "makes each step land past the bottom, higher than where it started, so the overshoot grows without bound "
        "(the textbook reason; this network's curvature is not measured here). "
    )
    if cells["all_converged"].astype(bool).all():
        return text + f"No run failed here, up to η = {hi:g}."
    return text + failures_text(cells, runs, y_train, y_test)


def per_update_losses(cells: pd.DataFrame, history: pd.DataFrame, lr: float) -> pd.DataFrame:
    """For the ranked cells at ``lr`` (``ties.rankable``): the training loss (whole set) after as
    many updates as one epoch of the smallest of their batch sizes makes (after epoch k, k = those
    updates / the cell's updates per epoch, rounded), per seed and then mean and s.d. over the
    seeds: columns batch_size, lr, epochs_used, updates, window, window_sd, seeds, all_converged.
    Cells whose seeds completed fewer than k epochs are left out."""
    at = cells[(cells["lr"] == lr) & rankable(cells)].sort_values("batch_size")
    history = history.astype({"lr": float})
    cols = ["batch_size", "lr", "epochs_used", "updates", "window", "window_sd", "seeds", "all_converged"]
    if at.empty:
        return pd.DataFrame(columns=cols)
    steps = dict(zip(at["batch_size"], steps_per_epoch(at), strict=True))
    updates = steps[min(steps)]
    rows = []
    for c in at.itertuples(index=False):
        k = max(1, round(updates / steps[c.batch_size]))
        if c.completed < k:
            continue
        h = history[(history["batch_size"] == c.batch_size) & (history["lr"] == lr) & (history["epoch"] == k)]
        per_seed = h.groupby("seed")[LOSS].first()
        rows.append(
            {
                "batch_size": c.batch_size,
                "lr": lr,
                "epochs_used": k,
                "updates": k * steps[c.batch_size],
                "window": per_seed.mean(),
                "window_sd": per_seed.std(ddof=1) if len(per_seed) >= 2 else float("nan"),
                "seeds": c.seeds,
                "all_converged": c.all_converged,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def _per_update_text(windows: pd.DataFrame) -> str:
    """The training loss after the same number of updates at each batch size, ranked, and what
    the largest batch does against the smallest: lower (its gradient averages more examples),
    tied, or higher; '' for fewer than two batch sizes."""
    ranked = ranking_text(windows, "batch_size", "window", highest=False)
    if not ranked:
        return ""
    small, large = windows.iloc[0], windows.iloc[-1]
    text = (
        f"Per update, after as many updates as one epoch at B = {int(small['batch_size'])} makes ("
        + ", ".join(
            f"{plural(int(r.epochs_used), 'epoch')} at B = {int(r.batch_size)}" for r in windows.iloc[1:].itertuples()
        )
        + f"), the training loss is {ranked}. "
    )
    if not separated(large["window"], large["window_sd"], small["window"], small["window_sd"]):
        return text + f"B = {int(large['batch_size'])} and B = {int(small['batch_size'])} are tied per update. "
    if large["window"] > small["window"]:
        return text + "The smallest batch is ahead per update too: its lead is not only its number of updates. "
    return text + (
        f"An update on B = {int(large['batch_size'])} averages more examples than one on B = "
        f"{int(small['batch_size'])}, so its gradient is less noisy. "
    )


def batch_text(cells: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """The batch size, large against small, at the rate ``focus`` picks: updates per epoch, the
    loss per epoch (ranked) and per update, the cost of an update and of an epoch (``_cost_text``),
    and the final test accuracy ranked; None when no rate ran two batch sizes."""
    lr = focus(cells, "lr")
    if lr is None:
        return None
    at = cells[cells["lr"] == lr].sort_values("batch_size")
    images = int(at["train_images"].max())
    steps = dict(zip(at["batch_size"].astype(int), steps_per_epoch(at), strict=True))
    text = (
        f"At η = {lr:g}, an epoch of {images:,} images is "
        + listed([f"{steps[b]:,} updates at B = {b}" for b in steps])
        + ". "
    )
    per_epoch = rank(at, "loss_epoch1", highest=False)
    if per_epoch is not None and per_epoch.unique and per_epoch.best["batch_size"] == at["batch_size"].min():
        text += "Per epoch the smallest batch goes furthest: its loss after epoch 1 is the lowest. "
    elif per_epoch is not None:
        text += "Per epoch the smallest batch is not the furthest here after epoch 1. "
    text += _per_update_text(per_update_losses(cells, history, lr))
    text += _cost_text(cells, int(at["batch_size"].min()), int(at["batch_size"].max()))
    ranked = ranking_text(at, "batch_size", "test_acc", percent=True, values=False)
    if ranked:
        text += f"At η = {lr:g}, the final test accuracy is {ranked}."
    return text.rstrip()


def _two(value: float) -> str:
    """A measured time to 2 significant figures, trailing zero kept and no exponent: '0.90', '5.0', '120'."""
    text = f"{value:#.2g}".rstrip(".")
    return two_figures(value, math.nan) if "e" in text else text


def _between(low: float, high: float) -> str:
    """A measured range to 2 significant figures: '0.56 to 0.90', or one value when they round alike."""
    lo, hi = _two(low), _two(high)
    return lo if lo == hi else f"{lo} to {hi}"


def _cost_text(cells: pd.DataFrame, b0: int, b1: int) -> str:
    """The cost of an update and of an epoch at batch size ``b0`` against ``b1`` (> ``b0``), each
    as the range over every cell run at that batch size: the rate does not change the work of a
    step, so that range is how much the machine's load moved the time. Only what holds across the
    ranges is claimed: an update costing more, less than in proportion to its examples (or at
    least in proportion), an epoch of one batch size taking longer than of the other."""
    ms = cells.assign(ms=1000 * cells["seconds_per_epoch"] / steps_per_epoch(cells)).groupby("batch_size")
    per_update, per_epoch = ms["ms"].agg(["min", "max"]), ms["seconds_per_epoch"].agg(["min", "max"])
    (u0, v0), (u1, v1) = per_update.loc[b0], per_update.loc[b1]
    more, least, most = b1 / b0, u1 / v0, v1 / u0  # the ratio of the times, at its lowest and highest
    cost = (
        "far less than in proportion"
        if most < more / 2
        else "less than in proportion"
        if most < more
        else "at least in proportion"
        if least >= more
        else "by an amount the machine's load leaves unclear"
    )
    ratio = _times(least) if _times(least) == _times(most) else f"{_times(least)} to {_times(most)}"
    (e0, f0), (e1, f1) = per_epoch.loc[b0], per_epoch.loc[b1]
    epoch = (
        ", so an epoch of small batches takes longer: "
        if e0 > f1
        else ", so an epoch of large batches takes longer: "
        if e1 > f0
        else "; an epoch takes, with overlapping ranges, "
    )
    head = (
        f"An update costs more on a larger batch, {cost}" if least > 1 else f"An update on a larger batch costs {cost}"
    )
    return (
        f"{head}: {_between(u0, v0)} ms at B = {b0} against {_between(u1, v1)} ms at B = {b1} ({_times(more)} the "
        f"examples for {ratio} the time){epoch}{_between(e0, f0)} s at B = {b0} against {_between(e1, f1)} s at "
        f"B = {b1} (training only; each a range over the cells at that batch size: the rate does not change the work "
        "of a step, so the range is the machine's load). "
    )


def noise_text(cells: pd.DataFrame) -> str | None:
    """The noise of a minibatch gradient, η/B: the cells by η/B against how their seeds ended, and
    how often the loss of the cells that converged rose, against η/B; None for fewer than two
    cells."""
    if len(cells) < 2:
        return None
    c = cells.assign(noise=cells["lr"] / cells["batch_size"]).sort_values("noise")
    ok = c[c["all_converged"].astype(bool)]
    bad = c[~c["all_converged"].astype(bool)]
    text = (
        "**Gradient noise.** A minibatch gradient is the mean of B per-example gradients: the full gradient plus "
        "a noise whose variance is 1/B of one example's. Over a stretch of training in which the weights travel a "
        "given distance (η × steps fixed), the steps add a noise whose variance scales with η/B, so a small batch "
        "and a long step are noisy alike. η/B of the cells: "
        + ", ".join(f"{r.noise:.3g} ({cell_label(r.batch_size, r.lr)})" for r in c.itertuples(index=False))
        + ". "
    )
    if len(bad) and len(ok):
        if ok["noise"].max() < bad["noise"].min():
            text += (
                f"Every cell up to η/B = {ok['noise'].max():.3g} converged on every seed, and every cell from "
                f"{bad['noise'].min():.3g} up did not. "
            )
        else:
            text += (
                "The cells where some seed did not converge are not simply the noisiest: "
                + ", ".join(f"{cell_label(r.batch_size, r.lr)} ({r.noise:.3g})" for r in bad.itertuples())
                + f" failed, while {cell_label(ok.iloc[-1]['batch_size'], ok.iloc[-1]['lr'])} converged at "
                f"{ok['noise'].max():.3g}. "
            )
    rose = ok.dropna(subset=["rises"])
    if len(rose) >= 2 and (rose["rises"] == 0).all():
        text += "No epoch of the cells that converged counts as a rise of the loss."
    elif len(rose) >= 2:
        values = [
            f"{said(r.rises, r.rises_sd, r.seeds, digits=1)} at {cell_label(r.batch_size, r.lr)}"
            for r in rose.itertuples(index=False)
        ]
        steady = bool((rose["rises"].diff().dropna() >= 0).all())
        text += (
            "In the cells that converged, the epochs in which the loss on the whole training set rose, per seed, in "
            "the order of η/B: "
            + ", ".join(values)
            + (
                ". They grow with η/B: between epochs the loss jumps by the noise the last steps leave in the weights."
                if steady and rose["rises"].iloc[-1] > rose["rises"].iloc[0]
                else ". They do not grow steadily with η/B."
            )
        )
    return text.rstrip()


def gap_text(cells: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """Generalisation: the train - test gap of the cells where every seed converged, those that
    fit the training set (``FIT``) against those that did not, and what the second half of the
    epochs did to their training loss and test accuracy; None when no cell converged."""
    ok = cells[cells["all_converged"].astype(bool)].sort_values("gap")
    if ok.empty:
        return None
    text = (
        "**Generalisation.** The gap between final training and test accuracy, in points: "
        + ", ".join(f"{said(r.gap, r.gap_sd, r.seeds)} at {cell_label(r.batch_size, r.lr)}" for r in ok.itertuples())
        + ". "
    )
    fit, under = ok[ok["train_acc"] >= FIT], ok[ok["train_acc"] < FIT]
    if len(fit):
        text += (
            f"The {plural(len(fit), 'cell')} that {'fits' if len(fit) == 1 else 'fit'} the training set (final "
            f"training accuracy at least {100 * FIT:g}%) {'has a gap' if len(fit) == 1 else 'have gaps'} of "
            + (
                f"{fit['gap'].min():.2f} points and a test accuracy of {pct(fit['test_acc'].min())}"
                if len(fit) == 1
                else f"{fit['gap'].min():.2f} to {fit['gap'].max():.2f} points and test accuracies of "
                f"{pct(fit['test_acc'].min())} to {pct(fit['test_acc'].max())}"
            )
            + ": the errors made on the test set are errors of generalisation. "
        )
        late = _second_half(fit, history)
        if late is not None:
            text += late
        ranked = ranking_text(fit, "cell", "gap", highest=False, digits=2)
        if ranked:
            text += f"Among the ranked cells that fit the training set, the gap is {ranked}. "
    if len(under):
        smaller = len(fit) > 0 and _all_smaller(under, fit)
        text += (
            f"The {plural(len(under), 'cell')} that {'does' if len(under) == 1 else 'do'} not fit the training set "
            + ("" if len(fit) else f"(final training accuracy below {100 * FIT:g}%) ")  # else defined just above
            + f"{'has' if len(under) == 1 else 'have'} "
            + ", ".join(
                f"{pct(r.train_acc)} training and {pct(r.test_acc)} test accuracy at {cell_label(r.batch_size, r.lr)}"
                for r in under.sort_values("train_acc").itertuples(index=False)
            )
            + (": smaller gaps than any cell that fits, " if smaller else ": ")
            + "their test accuracy is held back by optimisation (the training set is not yet fit), not only by "
            "generalisation."
        )
    return text.rstrip()


def _all_smaller(under: pd.DataFrame, fit: pd.DataFrame) -> bool:
    """Whether the gap of every cell of ``under`` is below that of every cell of ``fit`` by the
    rule of ``ties``: ranked cells only, each by its own spread."""
    if not (rankable(under).all() and rankable(fit).all()):
        return False
    return all(
        u.gap < f.gap and separated(u.gap, u.gap_sd, f.gap, f.gap_sd)
        for u in under.itertuples(index=False)
        for f in fit.itertuples(index=False)
    )


def _second_half(fit: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """'From epoch 10 to 20 their training loss fell by a factor of 3.1 to 27 while their test
    accuracy changed by -0.05 to +0.21 points.' for the cells ``fit``; None for fewer than four
    epochs."""
    epochs = int(fit["epochs"].min())
    if epochs < 4 or fit["completed"].min() < epochs:
        return None
    mid = epochs // 2
    factors, changes = [], []
    history = history.astype({"lr": float})
    for c in fit.itertuples(index=False):
        h = history[(history["batch_size"] == c.batch_size) & (history["lr"] == c.lr)]
        at = h.pivot_table(index="seed", columns="epoch", values=[LOSS, "test_acc"])
        factors.append(float((at[(LOSS, mid)] / at[(LOSS, epochs)]).mean()))
        changes.append(float(100 * (at[("test_acc", epochs)] - at[("test_acc", mid)]).mean()))
    fell = f"{min(factors):.2g}" + ("" if f"{min(factors):.2g}" == f"{max(factors):.2g}" else f" to {max(factors):.2g}")
    changed = f"{min(changes):+.2f}" + (
        "" if f"{min(changes):+.2f}" == f"{max(changes):+.2f}" else f" to {max(changes):+.2f}"
    )
    return (
        f"From epoch {mid} to {epochs}, their training loss fell by a factor of {fell} while their test accuracy "
        f"changed by {changed} points "
        "(means over the seeds): once the training set is fit, plain SGD (no weight decay, no early stopping) keeps "
        "lowering the training loss, not the test error. "
    )
