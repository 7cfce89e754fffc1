"""Why Task 7's cells differ, each mechanism tied to numbers of the grid: the updates an epoch
makes at each batch size, the length of a step against the curvature of the loss (slow descent
at a small η, overshoot at a large one), the noise of a minibatch gradient (η/B), and the gap
between training and test accuracy (generalisation). Written from ``tables.grid_cells`` and
the per-epoch history; every comparison follows the rule of ``ties``."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.mlp_grid.cell import cell_label, steps_per_epoch
from mnist_sgd.tasks.mlp_grid.ties import Ranking, borrowed_sd, rank, ranking_text, rise_size, said

FIT = 0.995  # a cell "fits the training set" when its final training accuracy is at least this


def _sd(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.std(ddof=1)) if len(values) >= 2 else math.nan


def _times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def per_update_losses(cells: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """For each cell whose learning rate was run at two or more batch sizes: the mean minibatch
    loss over as many updates as one epoch of the smallest of those batch sizes makes (the
    first k epochs, k = those updates / the cell's updates per epoch, rounded), per seed and
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
            h = history[(history["batch_size"] == c.batch_size) & (history["lr"] == lr) & (history["epoch"] <= k)]
            per_seed = h.groupby("seed")["train_loss"].mean()
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
        example = cells[cells["lr"] == (wins or judged)[0]].sort_values("batch_size")
        text += (
            f"More updates go further in one epoch: the loss after epoch 1 is lowest at the smallest batch, by the "
            f"ranking rule, at {len(wins)} of the {plural(len(judged), 'learning rate')} (at η = {example['lr'].iloc[0]:g}: "
            + ", ".join(
                f"{said(r.loss_epoch1, r.loss_epoch1_sd, r.seeds, digits=0).replace(', 1 seed', ' (1 seed)')} at "
                f"B = {r.batch_size}"
                for r in example.itertuples(index=False)
            )
            + "). "
        )
    windows = per_update_losses(cells, history)
    if len(windows):
        first = windows.iloc[0]
        per = windows[windows["lr"] == first["lr"]]
        text += (
            f"Per update it is another matter. Over the first {int(first['updates']):,} updates ("
            + ", ".join(f"{plural(int(r.epochs_used), 'epoch')} at B = {r.batch_size}" for r in per.itertuples())
            + "), the mean minibatch loss is, "
        )
        sd = borrowed_sd(windows, "window")
        parts, small_ahead, compared = [], [], []
        for lr, at in windows.groupby("lr"):
            ranked = ranking_text(at, "batch_size", "window", sd, highest=False)
            r = rank(at, "window", sd, highest=False)
            if ranked and r is not None:
                parts.append(f"at η = {lr:g}, {ranked}")
                compared.append(lr)
                if r.unique and r.best["batch_size"] == at["batch_size"].min():
                    small_ahead.append(lr)
        text += "; ".join(parts) + ". "
        if compared and not small_ahead:
            text += (
                "Per update, then, a larger batch does as well or better at every η compared: it averages more "
                "examples, so its gradient is less noisy (below); per epoch the smaller batch wins by its number of "
                "updates. "
            )
        elif compared:
            text += (
                "The smallest batch is ahead per update too at η = "
                + ", ".join(f"{lr:g}" for lr in small_ahead)
                + ": there its lead is not only its number of updates. "
            )
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
        f"against {span(lrs[1])} at η = {lrs[1]:g}, higher at η = {lo:g} by the ranking rule at {slower} of the "
        f"{plural(judged, 'batch size')}"
        if slower
        else f"Here a shorter step does not descend more slowly in epoch 1: η = {lo:g} is not behind η = {lrs[1]:g} "
        "by the ranking rule at any batch size"
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
        return text + f"No sign of it up to η = {hi:g} here: no loss curve rose (rule above) and every run converged."
    if by["rose"].sum() == 0:
        text += "No loss curve rose, at any η (rule above). "
    else:
        top = by["max_rise"].idxmax()
        more = by.loc[hi, "rise_epochs"] / by.loc[hi, "runs"] > (lower["rise_epochs"] / lower["runs"]).max()
        text += (
            ("The curves show it at the largest rate: the loss rose in " if more else "The loss rose in ")
            + ", ".join(rose(lr) for lr in reversed(lrs))
            + f" (rule above; the largest rise, {rise_size(by.loc[top, 'max_rise'])} the lowest loss before, "
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
            "The best η at each batch size (final test accuracy, cells where every seed converged): "
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
        ranked = ranking_text(fit, "cell", "gap", borrowed_sd(cells, "gap"), highest=False)
        if ranked:
            text += f"Among them, the gap is {ranked}. "
    if len(under):
        smaller = len(fit) > 0 and under["gap"].max() < fit["gap"].min()
        text += (
            f"The {plural(len(under), 'cell')} that {'does' if len(under) == 1 else 'do'} not fit the training set "
            f"(final training accuracy below {100 * FIT:g}%) {'has' if len(under) == 1 else 'have'} "
            + ", ".join(
                f"{pct(r.train_acc)} training and {pct(r.test_acc)} test accuracy at {cell_label(r.batch_size, r.lr)}"
                for r in under.sort_values("train_acc").itertuples(index=False)
            )
            + (": smaller gaps than any cell that fits, " if smaller else ": ")
            + "their test accuracy is held back by optimisation (the training set is not yet fit), not only by "
            "generalisation."
        )
    return text


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
        at = h.pivot_table(index="seed", columns="epoch", values=["train_loss", "test_acc"])
        factors.append(float((at[("train_loss", mid)] / at[("train_loss", epochs)]).mean()))
        changes.append(float(100 * (at[("test_acc", epochs)] - at[("test_acc", mid)]).mean()))
    return (
        f"From epoch {mid} to {epochs}, their training loss fell by a factor of {min(factors):.2g} to "
        f"{max(factors):.2g} while their test accuracy changed by {min(changes):+.2f} to {max(changes):+.2f} points "
        "(means over the seeds): once the training set is fit, plain SGD (no weight decay, no early stopping) keeps "
        "lowering the training loss, not the test error. "
    )
