"""SGD's rules, read from a run's table: the learning rate chosen over seeds, when a loss has converged, how far from the optimum it ends, where to stop early."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def intervals_overlap(m1: float, s1: float, m2: float, s2: float) -> bool:
    """Whether mean ± s.d. intervals overlap: the seeds cannot tell the two apart (the report's
    one rule for a tie, between learning rates and between timings)."""
    return abs(m1 - m2) <= s1 + s2


def lr_ranking(runs: pd.DataFrame, itr: pd.Series | None = None) -> pd.DataFrame:
    """The learning rates of a sweep, ranked, with the choice and the rates tied with it.

    ``runs`` has one row per run with at least ``lr``, ``diverged``, ``final_train_loss``
    and ``final_test_acc`` (the rows of ``SGDRun.summary``). ``itr`` maps a rate to the
    iteration from which its seed-mean loss has converged (``converged_iterations``; NaN
    for a rate that did not converge within the horizon); None: no rate is known to have
    converged. One row per learning rate: ``seeds``, ``diverged_seeds``, ``mean_loss``,
    ``sd_loss`` (over seeds, population s.d.), ``min_loss``, ``max_loss``,
    ``mean_test_acc``, ``itr``, ``converged``, ``rank`` (1 = the best; 0 for the rates
    no candidate), ``tied`` and ``chosen``.

    The rule: the candidates are the rates at which no seed diverged and whose loss
    converged within the horizon (or, when none did, every stable rate). The best is the
    candidate with the lowest mean final loss: the lowest plateau SGD reaches in the
    horizon. A candidate is tied with it when their mean ± s.d. intervals overlap (the
    seeds cannot tell the plateaus apart); among the tied rates the one that converged
    first (smallest ITR; when none converged, the best itself) is chosen: the same loss,
    sooner. Raises ValueError if every learning rate had a diverged run.
    """
    by_lr = (
        runs.groupby("lr")
        .agg(
            seeds=("diverged", "size"),
            diverged_seeds=("diverged", "sum"),
            mean_loss=("final_train_loss", "mean"),
            sd_loss=("final_train_loss", lambda v: float(np.std(v))),
            min_loss=("final_train_loss", "min"),
            max_loss=("final_train_loss", "max"),
            mean_test_acc=("final_test_acc", "mean"),
        )
        .reset_index()
    )
    by_lr["itr"] = by_lr["lr"].map(itr) if itr is not None else math.nan
    stable = (by_lr["diverged_seeds"] == 0) & np.isfinite(by_lr["mean_loss"])
    if not stable.any():
        raise ValueError(f"every learning rate had a diverged run: {sorted(by_lr['lr'])}")
    by_lr["converged"] = stable & by_lr["itr"].notna()
    candidates = by_lr["converged"] if by_lr["converged"].any() else stable
    by_lr["rank"] = by_lr["mean_loss"].where(candidates).rank(method="first").fillna(0).astype(int)
    best = by_lr[by_lr["rank"] == 1].iloc[0]
    overlaps = [
        intervals_overlap(m, s, best["mean_loss"], best["sd_loss"])
        for m, s in zip(by_lr["mean_loss"], by_lr["sd_loss"])
    ]
    by_lr["tied"] = candidates & pd.Series(overlaps, index=by_lr.index)
    if by_lr["converged"].any():  # the earliest of the tied to converge, the larger rate on an equal ITR
        first = by_lr[by_lr["tied"]].sort_values(["itr", "lr"], ascending=[True, False]).index[0]
    else:
        first = best.name
    by_lr["chosen"] = by_lr.index == first
    return by_lr


def horizon_too_short(ranking: pd.DataFrame) -> bool:
    """Whether a sweep's horizon is too short to choose a rate by ``lr_ranking``'s rule: no
    stable rate converged, or a stable rate that did not converge already ends lower than
    the best converged one (beyond the seeds' spread), so its plateau, still to come,
    would be lower still and the comparison is not yet fair."""
    if not ranking["converged"].any():
        return True
    best = ranking[ranking["rank"] == 1].iloc[0]
    unsettled = ranking[
        (ranking["diverged_seeds"] == 0) & ~ranking["converged"] & (ranking["mean_loss"] < best["mean_loss"])
    ]
    return any(
        not intervals_overlap(m, s, best["mean_loss"], best["sd_loss"])
        for m, s in zip(unsettled["mean_loss"], unsettled["sd_loss"])
    )


def choose_lr(runs: pd.DataFrame, itr: pd.Series | None = None) -> float:
    """The learning rate ``lr_ranking`` chooses (see its rule)."""
    ranking = lr_ranking(runs, itr)
    return float(ranking.loc[ranking["chosen"], "lr"].iloc[0])


def rate_itrs(curves: pd.DataFrame, rel_tol: float, window: float = 2.0) -> pd.Series:
    """Per learning rate of a sweep's ``curves`` (columns lr, seed, t, train_loss): the ITR
    of its seed-mean curve (``converged_iterations``), NaN where it did not converge."""
    return pd.Series(
        {
            lr: math.nan if (found := converged_iterations(group, rel_tol, window)) is None else found
            for lr, group in curves.groupby("lr")
        },
        dtype=np.float64,
    )


def loss_changes(curve: pd.DataFrame, window: float = 2.0) -> pd.DataFrame:
    """How much the loss still moves, per ``window``-fold increase of t, on a smoothed curve.

    L(t) is ``train_loss`` averaged over all rows with the same ``t`` (the seed-mean on a
    shared checkpoint grid). M(s) is the mean of L over the checkpoints in [s, window*s]:
    averaging over a whole window removes most of SGD's step-to-step noise, which at
    B = 1 moves single checkpoints by several percent around a flat mean. For each
    checkpoint s > 0 whose next window ends within the run (window² * s <= the last t),
    ``change`` = (M(window*s) - M(s)) / M(window*s): negative while the loss descends;
    NaN where [window*s, window²*s] holds no checkpoint (no mean to compare with).
    Columns: t, mean_loss (M(s)), change. Empty if no window fits or L is not finite.
    """
    mean = curve.groupby("t")["train_loss"].mean().sort_index()
    t, loss = mean.index.to_numpy(dtype=np.float64), mean.to_numpy(dtype=np.float64)
    if len(t) == 0 or not np.isfinite(loss).all():
        return pd.DataFrame(columns=["t", "mean_loss", "change"])
    sums = np.concatenate([[0.0], np.cumsum(loss)])

    def window_mean(start: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(t, start, side="left")
        hi = np.searchsorted(t, window * start, side="right")
        with np.errstate(invalid="ignore"):  # an empty window's mean is NaN: no evidence either way
            return (sums[hi] - sums[lo]) / (hi - lo)

    s = t[(t > 0) & (window * window * t <= t[-1])]
    here, later = window_mean(s), window_mean(window * s)
    return pd.DataFrame({"t": s.astype(np.int64), "mean_loss": here, "change": (later - here) / np.abs(later)})


def converged_iterations(curve: pd.DataFrame, rel_tol: float, window: float = 2.0) -> int | None:
    """ITR: the first checkpoint t from which the smoothed loss has stopped moving.

    With the changes of ``loss_changes(curve, window)``: the smallest judged checkpoint t
    such that every judged checkpoint s >= t has ``|change| <= rel_tol`` (from t on, the
    loss averaged over each doubling of the iterations, when window = 2, moves by less
    than ``rel_tol`` to the next). So the criterion holds over a stretch of at least
    two windows after t, up to the end of the run. A window without checkpoints is no
    evidence that the loss stopped moving: it counts as moving. None if the last judged
    window still moves more, if no window fits in the run, or if the loss is not finite.
    """
    changes = loss_changes(curve, window)
    if changes.empty:
        return None
    # "not within", rather than "beyond", the tolerance: a NaN change (an empty window) fails
    failing = np.flatnonzero(~(np.abs(changes["change"].to_numpy()) <= rel_tol))
    if len(failing) == 0:
        return int(changes["t"].iloc[0])
    if failing[-1] + 1 == len(changes):
        return None
    return int(changes["t"].iloc[failing[-1] + 1])


def iterations_needed(curve: pd.DataFrame, rel_tol: float, window: float = 2.0, points: int = 4) -> float | None:
    """For a run that did not converge, the ITR it would reach if the trend went on.

    Fits log|change| against log t over the last ``points`` judged windows of
    ``loss_changes`` and solves for |change| = ``rel_tol`` (a power law: for a loss whose
    approach slows like t^-p it is exact, for a faster, exponential approach it
    over-estimates). The run would have to last ``window²`` times longer than the result
    for the criterion to be checked. None when the changes do not shrink with t (the
    loss fluctuates rather than descends: noise at this step size), or with fewer than
    two windows.
    """
    changes = loss_changes(curve, window).tail(points)
    changes = changes[changes["change"].abs() > 0]
    if len(changes) < 2:
        return None
    slope, intercept = np.polyfit(
        np.log(changes["t"].to_numpy(dtype=np.float64)), np.log(changes["change"].abs().to_numpy()), 1
    )
    if slope >= 0:
        return None
    return float(np.exp((math.log(rel_tol) - intercept) / slope))


def end_excess(curve: pd.DataFrame, optimum: float, window: float = 2.0) -> float:
    """The seed-mean loss over the last window of the run, [last t / window, last t], minus
    ``optimum``: where the run ended, with checkpoint noise averaged out."""
    mean = curve.groupby("t")["train_loss"].mean().sort_index()
    last = float(mean.index[-1])
    return float(mean[mean.index >= last / window].mean() - optimum)


def converged_to_optimum(curve: pd.DataFrame, optimum: float, rel_tol: float) -> int | None:
    """The first checkpoint t > 0 from which the run stays within ``rel_tol`` of the way
    from its start to the optimum: (L(s) - L*) <= rel_tol * (L(0) - L*) for every s >= t.

    Judged on the excess over ``optimum`` (L*, e.g. the closed-form least squares on the
    same data), not on the loss's own relative change: when L* = 0 (an exact fit exists)
    the loss keeps halving forever, so a relative-change test never passes even at 1e-11.
    ``curve`` as in ``converged_iterations`` (seed-mean per t, must include t = 0). None if
    the end is not within the tolerance or the loss is not finite.
    """
    mean = curve.groupby("t")["train_loss"].mean().sort_index()
    t, loss = mean.index.to_numpy(dtype=np.float64), mean.to_numpy(dtype=np.float64)
    if len(t) < 2 or t[0] != 0 or not np.isfinite(loss).all():
        return None
    scale = loss[0] - optimum
    if scale <= 0:
        return None
    within = (loss - optimum) <= rel_tol * scale
    if not within[-1]:
        return None
    outside = np.flatnonzero(~within)
    first = 1 if len(outside) == 0 else outside[-1] + 1
    return int(t[max(first, 1)])


def early_stop(curve: pd.DataFrame, column: str = "heldout_acc") -> pd.Series:
    """The checkpoint row with the highest ``column`` (the earliest among ties): where a run
    stopped by a held-out score would have stopped."""
    values = curve[column].to_numpy(dtype=np.float64)
    return curve.iloc[int(np.nanargmax(values))]
