"""Why Task 7's cells differ, each mechanism tied to numbers of the grid: the updates an epoch
makes at each batch size, the length of a step against the curvature of the loss (slow descent
at a small η, overshoot at a large one), the noise of a minibatch gradient (η/B), and the gap
between training and test accuracy (generalisation). Written from ``tables.grid_cells`` and
the per-epoch history; every comparison follows the rule of ``ties``."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.mlp_grid.cell import LOSS, cell_label, steps_per_epoch
from mnist_sgd.tasks.mlp_grid.ties import (
    Ranking,
    borrowed_sd,
    half_widths,
    rank,
    ranking_text,
    rise_size,
    said,
    separated,
)

FIT = 0.995  # a cell "fits the training set" when its final training accuracy is at least this


def _sd(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.std(ddof=1)) if len(values) >= 2 else math.nan


def _times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def per_update_losses(cells: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """For each cell whose learning rate was run at two or more batch sizes: the training loss
    (whole set) after as many updates as one epoch of the smallest of those batch sizes makes
    (after epoch k, k = those updates / the cell's updates per epoch, rounded), per seed and
    then mean and s.d. over the seeds: columns batch_size, lr, epochs_used, updates, window,
    window_sd, seeds, all_converged. Cells whose seeds completed fewer than k epochs are left
    out."""
    rows = []
    history = history.astype({"lr": float})
    for lr, at in cells.groupby("lr"):
        if len(at) < 2:
            continue
        steps = dict(zip(at["batch_size"], steps_per_epoch(at), strict=True))
        updates = steps[min(steps)]
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
                    "window_sd": _sd(per_seed),
                    "seeds": c.seeds,
                    "all_converged": c.all_converged,
                }
            )
    cols = ["batch_size", "lr", "epochs_used", "updates", "window", "window_sd", "seeds", "all_converged"]
    return pd.DataFrame(rows, columns=cols)


def _values_at(at: pd.DataFrame, column: str, sd: float) -> str:
    """'B = 8: 0.227 ± 0.002; B = 32: 0.451, 1 seed, ± 0.05 assumed' for the rows of ``at``."""
    return "; ".join(
        f"B = {int(r['batch_size'])}: {said(r[column], r[f'{column}_sd'], int(r['seeds']), digits=0, assumed=sd)}"
        for _, r in at.sort_values("batch_size").iterrows()
    )


def _first_epoch_text(cells: pd.DataFrame, wins: list[float], judged: list[float], sd: float) -> str:
    """Whether more updates go further in one epoch: at how many of the learning rates ``judged``
    the loss after epoch 1 is lowest at the smallest batch (``wins``), with the values at one."""
    lr = (wins or judged)[0]
    values = f"(at η = {lr:g}, {_values_at(cells[cells['lr'] == lr], 'loss_epoch1', sd)})"
    if not wins:
        where = "" if len(judged) == 1 else f"at any of the {len(judged)} learning rates "
        return f"Here more updates do not make the loss after epoch 1 lowest at the smallest batch {where}{values}. "
    if len(judged) == 1:
        where = ""
    elif len(wins) == len(judged):
        where = f"at every one of the {len(judged)} learning rates "
    else:
        where = f"at {len(wins)} of the {len(judged)} learning rates, η = {', '.join(f'{v:g}' for v in wins)} "
    return (
        f"More updates go further in one epoch: the loss after epoch 1 is lowest at the smallest batch {where}"
        f"{values}. "
    )


def _largest_against_smallest(at: pd.DataFrame, sd: float) -> str:
    """'lower', 'higher' or 'tied': the loss after the window at the largest batch of ``at``
    against the smallest's, by the intervals of ``ties`` (a one-seed value ± ``sd``)."""
    at = at.sort_values("batch_size")
    small, large = at.iloc[0], at.iloc[-1]
    half = half_widths(at, "window", sd)
    if not separated(large["window"], half.iloc[-1], small["window"], half.iloc[0]):
        return "tied"
    return "lower" if large["window"] < small["window"] else "higher"


def _per_update_text(windows: pd.DataFrame, wins: list[float]) -> str:
    """The training loss after the same number of updates at each batch size, ranked at
    each learning rate, and what the largest batch does against the smallest there: lower (its
    gradient is less noisy), tied, or higher (the smallest batch's lead is not only its number of
    updates); ``wins``: the learning rates at which the smallest batch is ahead after one epoch.
    '' when no learning rate has two batch sizes to compare."""
    sd = borrowed_sd(windows, "window")
    parts: list[str] = []
    outcome: dict[str, list[float]] = {"lower": [], "tied": [], "higher": []}
    for lr, rows in windows.groupby("lr"):
        ranked = ranking_text(rows, "batch_size", "window", sd, highest=False)
        if ranked:
            parts.append(f"at η = {lr:g}, {ranked}")
            outcome[_largest_against_smallest(rows, sd)].append(float(lr))
    if not parts:
        return ""
    first = windows.iloc[0]
    per = windows[windows["lr"] == first["lr"]]
    text = (
        f"Per update: after the first {int(first['updates']):,} updates ("
        + ", ".join(f"{plural(int(r.epochs_used), 'epoch')} at B = {r.batch_size}" for r in per.itertuples())
        + "), the training loss is, "
        + "; ".join(parts)
        + ". "
    )

    def at(lrs: list[float]) -> str:
        return "η = " + ", ".join(f"{lr:g}" for lr in lrs)

    if outcome["lower"]:
        text += (
            f"Per update the largest batch is lower than the smallest at {at(outcome['lower'])}: it averages more "
            "examples, so its gradient is less noisy (below)"
            + ("; per epoch the smaller batch is ahead by its number of updates. " if wins else ". ")
        )
    if outcome["tied"]:
        text += f"The two are tied per update at {at(outcome['tied'])}. "
    if outcome["higher"]:
        too = " too" if all(lr in wins for lr in outcome["higher"]) else ""  # ahead per epoch as well
        text += (
            f"The smallest batch is lower per update{too} at "
            f"{at(outcome['higher'])}: there its lead is not only its number of updates. "
        )
    return text


def updates_text(cells: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """Updates per epoch at each batch size, what they do to the loss after one epoch, and the
    loss over the same number of updates instead; None for fewer than two batch sizes."""
    b = sorted(cells["batch_size"].unique())
    if len(b) < 2:
        return None
    images = int(cells["train_images"].max())
    steps = {int(x): int(-(-images // x)) for x in b}
    largest = max(steps)
    text = (
        f"**Updates per epoch.** An epoch of {images:,} images is "
        + ", ".join(f"{steps[x]:,} updates at B = {x}" for x in steps)
        + ": "
        + " and ".join(f"B = {x} makes {_times(steps[x] / steps[largest])}" for x in steps if x != largest)
        + f" as many per epoch as B = {largest}. "
    )
    loss_sd = borrowed_sd(cells, "loss_epoch1")
    wins, judged = [], []
    for lr, at in cells.groupby("lr"):
        r = rank(at, "loss_epoch1", loss_sd, highest=False)
        if r is not None:
            judged.append(lr)
            if r.unique and r.best["batch_size"] == at["batch_size"].min():
                wins.append(lr)
    if judged:
        text += _first_epoch_text(cells, wins, judged, loss_sd)
    windows = per_update_losses(cells, history)
    if len(windows):
        text += _per_update_text(windows, wins)
    ms = (1000 * cells["seconds_per_epoch"] / steps_per_epoch(cells)).groupby(cells["batch_size"]).mean()
    lo, hi = int(ms.index.min()), int(ms.index.max())
    text += (
        f"An update costs more on a larger batch, but far less than in proportion: {ms[lo]:.2f} ms at B = {lo} against "
        f"{ms[hi]:.2f} ms at B = {hi} ({_times(hi / lo)} the examples for {_times(ms[hi] / ms[lo])} the time, mean "
        "over the learning rates), so an epoch of small batches takes longer."
    )
    return text


def _by_lr(cells: pd.DataFrame) -> pd.DataFrame:
    """Per learning rate: runs, runs whose loss rose, mean rises per run, the largest rise, runs
    that did not converge."""
    c = cells.assign(rise_epochs=cells["rises"] * cells["seeds"], failed=cells["seeds"] - cells["converged_seeds"])
    return c.groupby("lr").agg(
        runs=("seeds", "sum"),
        rose=("rose_seeds", "sum"),
        rise_epochs=("rise_epochs", "sum"),
        max_rise=("max_rise", "max"),
        failed=("failed", "sum"),
    )


def step_text(cells: pd.DataFrame) -> str | None:
    """The step size against the curvature of the loss: slow descent at the smallest η,
    overshoot (rises, failures) at the largest; None for fewer than two learning rates."""
    lrs = sorted(cells["lr"].unique())
    if len(lrs) < 2:
        return None
    lo, hi = lrs[0], lrs[-1]
    by = _by_lr(cells)

    def span(lr: float) -> str:
        v = cells.loc[cells["lr"] == lr, "loss_epoch1"]
        return f"{v.min():.3g}" if len(v) == 1 or v.min() == v.max() else f"{v.min():.3g} to {v.max():.3g}"

    loss_sd = borrowed_sd(cells, "loss_epoch1")
    slower = judged = 0
    for _, at in cells[cells["lr"].isin([lo, lrs[1]])].groupby("batch_size"):
        r = rank(at, "loss_epoch1", loss_sd, highest=False)
        if r is not None:
            judged += 1
            slower += int(r.unique and r.best["lr"] == lrs[1])
    text = "**The step size.** An SGD step moves the weights by η times the minibatch gradient. "
    text += (
        f"A short step descends slowly: after epoch 1 the loss is {span(lo)} at η = {lo:g} (over the batch sizes) "
        f"against {span(lrs[1])} at η = {lrs[1]:g}, higher at η = {lo:g} at {slower} of the "
        f"{plural(judged, 'batch size')}"
        if slower
        else f"Here a shorter step does not descend more slowly in epoch 1: η = {lo:g} is not behind η = {lrs[1]:g} "
        "at any batch size"
    )
    slow = cells[(cells["lr"] == lo) & cells["all_converged"].astype(bool)]
    slow = slow[slow["train_acc"] < FIT]
    if len(slow):
        s = slow.loc[slow["train_acc"].idxmin()]
        steps = int(steps_per_epoch(s.to_frame().T)[0])
        text += (
            f", and {cell_label(s['batch_size'], lo)} ends at {pct(s['train_acc'])} training accuracy: "
            f"{plural(int(s['epochs']), 'epoch')} of {steps:,} steps of η = {lo:g} have not fit the training set"
        )
    text += (
        ". A long step overshoots: along a direction in which the loss curves sharply (curvature above 2/η, which "
        f"is {2 / hi:g} at η = {hi:g}), a step of that length lands past the bottom of the valley, higher on the far "
        "side than where it started, so the loss goes up instead of down; repeated, the overshoot grows without bound "
        "(divergence). "
    )

    def rose(lr: float) -> str:
        r = by.loc[lr]
        mean = r["rise_epochs"] / r["runs"]
        return f"{int(r['rose'])} of {plural(int(r['runs']), 'run')} at η = {lr:g} ({mean:.2g} epochs per run)"

    lower = by.drop(index=hi)
    if by["rose"].sum() == 0 and by["failed"].sum() == 0:
        return text + f"No sign of it up to η = {hi:g} here: no loss curve rose and every run converged."
    if by["rose"].sum() == 0:
        text += "No loss curve rose, at any η. "
    else:
        top = by["max_rise"].idxmax()
        more = by.loc[hi, "rise_epochs"] / by.loc[hi, "runs"] > (lower["rise_epochs"] / lower["runs"]).max()
        text += (
            ("The curves show it at the largest rate: the loss rose in " if more else "The loss rose in ")
            + ", ".join(rose(lr) for lr in reversed(lrs))
            + f" (the largest rise, {rise_size(by.loc[top, 'max_rise'])} the lowest loss before, "
            f"at η = {top:g}). "
        )
    failed = by[by["failed"] > 0]
    if len(failed):
        text += (
            "Runs that did not converge: "
            + ", ".join(f"{int(r.failed)} of {int(r.runs)} at η = {lr:g}" for lr, r in failed.iterrows())
            + " ("
            + "; ".join(
                f"{cell_label(c.batch_size, c.lr)}: {c.status}"
                for c in cells[~cells["all_converged"].astype(bool)].itertuples(index=False)
            )
            + ")."
        )
        if (cells["status"].str.contains("stuck at chance")).any():
            text += (
                " A network stuck at chance is the overshoot's other outcome: a step that throws a ReLU unit to "
                "where it outputs 0 for every image leaves it without gradient for good, and when the units die the "
                "output no longer depends on the input."
            )
    else:
        text += "Every run converged, at every η."
    return text


def noise_text(cells: pd.DataFrame) -> str | None:
    """The noise of a minibatch gradient, η/B: the cells by η/B against their status, and the best
    η at each batch size (where the ranking resolves it); None for fewer than two cells."""
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
                f"{bad['noise'].min():.3g} up did not: "
                + "; ".join(f"{cell_label(r.batch_size, r.lr)}, {r.status}" for r in bad.itertuples(index=False))
                + ". "
            )
        else:
            text += (
                "The cells where some seed did not converge are not simply the noisiest: "
                + "; ".join(f"{cell_label(r.batch_size, r.lr)} ({r.noise:.3g}), {r.status}" for r in bad.itertuples())
                + f", while {cell_label(ok.iloc[-1]['batch_size'], ok.iloc[-1]['lr'])} converged at "
                f"{ok['noise'].max():.3g}. "
            )
    acc_sd = borrowed_sd(cells, "test_acc")
    resolved: list[tuple[int, Ranking]] = []
    tied: list[tuple[int, Ranking]] = []
    for b, at in ok.groupby("batch_size"):
        r = rank(at, "test_acc", acc_sd)
        if r is None:
            continue
        (resolved if r.unique else tied).append((int(b), r))
    if resolved or tied:
        text += (
            "The best η at each batch size, by final test accuracy: "
            + "; ".join(
                f"B = {b}: η = {r.best['lr']:g} (η/B = {r.best['lr'] / b:.3g})"
                if r.unique
                else f"B = {b}: tied between η = " + " and ".join(f"{lr:g}" for lr in [r.best["lr"], *r.tied["lr"]])
                for b, r in sorted(resolved + tied, key=lambda t: t[0])
            )
            + ". "
        )
        best = [r.best["lr"] for _, r in sorted(resolved, key=lambda t: t[0])]
        if len(best) < 2:
            text += "Fewer than two batch sizes resolve their best η, so whether it grows with B is not resolved here."
        elif all(y >= x for x, y in zip(best, best[1:], strict=False)) and best[-1] > best[0]:
            text += (
                "Where it is resolved, the best η grows with B: a larger batch, with less noise per step, tolerates a "
                "longer step. The grid steps η tenfold, so the best η/B is located only to within that factor."
            )
        else:
            text += "Where it is resolved, the best η does not grow with B."
    return text


def gap_text(cells: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """Generalisation: the train - test gap of the cells where every seed converged, those that
    fit the training set (``FIT``) against those that did not, and what the second half of the
    epochs did to their training loss and test accuracy; None when no cell converged."""
    ok = cells[cells["all_converged"].astype(bool)].sort_values("gap")
    if ok.empty:
        return None
    text = (
        "**Generalisation.** The gap between final training and test accuracy, in points: "
        + ", ".join(
            f"{said(r.gap, r.gap_sd, r.seeds).replace(', 1 seed', '')} at {cell_label(r.batch_size, r.lr)}"
            for r in ok.itertuples(index=False)
        )
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
        ranked = ranking_text(fit, "cell", "gap", borrowed_sd(cells, "gap"), highest=False, digits=2)
        if ranked:
            text += f"Among them, the gap is {ranked}. "
    if len(under):
        smaller = len(fit) > 0 and _all_smaller(under, fit, borrowed_sd(cells, "gap"))
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
    return text


def _all_smaller(under: pd.DataFrame, fit: pd.DataFrame, sd: float) -> bool:
    """Whether the gap of every cell of ``under`` is ranked below that of every cell of ``fit``,
    by the intervals of ``ties`` (a one-seed gap ± ``sd``)."""
    u_half, f_half = half_widths(under, "gap", sd), half_widths(fit, "gap", sd)
    return all(
        u < f and separated(u, uh, f, fh)
        for u, uh in zip(under["gap"], u_half, strict=True)
        for f, fh in zip(fit["gap"], f_half, strict=True)
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
