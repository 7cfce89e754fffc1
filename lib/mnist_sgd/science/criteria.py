"""The report's rules, read from a run's table: when two results differ, the learning rate chosen by
how soon its loss comes within a target of the optimum, when a loss has levelled off, how far from the
optimum it ends, where to stop early."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# The report's one rule for telling two results apart, in words (stated once, on the summary page)
DIFFER_RULE = (
    "two of our results differ when further apart than 2√(σ₁² + σ₂²), σ being each one's s.d. over seeds (or "
    "subsets): far enough apart that one run of each would be told apart, which asks more than a test of the means"
)
# a hand-made figure is one run: its own spread is that of one run of ours at its setting
HAND_RULE = (
    "one of our results and a hand-made figure (a single run) differ when further apart than 2σ plus the figure's "
    "rounding, σ being the s.d. of one run at that setting"
)


# The same training step has taken up to about twice as long in one job of the report as in another
# (B = 100: 92 µs per step in Task 3's job, 153 to 235 µs in Task 6's), as the machine's two cores are
# shared: two jobs' times are told apart only when one is more than this factor of the other.
LOAD_FACTOR = 2.0


def differ(m1: float, s1: float, m2: float, s2: float) -> bool:
    """Whether two results, means m with s.d. s over seeds, differ by ``DIFFER_RULE``: by more than
    2·√(s1² + s2²). False when a spread is not known (NaN): no evidence of a difference."""
    return abs(m1 - m2) > 2 * math.hypot(s1, s2)


def beyond_load(ratio: float) -> bool:
    """Whether a time is longer than another by more than the machine's load can make it: their
    ratio (≥ 1, of means over seeds) above ``LOAD_FACTOR``. The ratio alone: the spread over seeds of a
    time is far smaller than what the load does to it."""
    return ratio > LOAD_FACTOR


def first_reaching(curves: pd.DataFrame, column: str, threshold: float) -> pd.DataFrame:
    """Per seed, when ``column`` first falls to ``threshold``: t, train_seconds (where the curves
    have it) and, when the curves have it, noise_scale (NaN if never).

    The crossing is interpolated between the last checkpoint above the threshold and the
    first at or below it, linearly in (log t, log value) where both are positive (a loss
    gap decays roughly as a power of t between nearby checkpoints), so the time resolution
    is finer than the checkpoint spacing; train_seconds and noise_scale are interpolated
    at that t, linearly in t.
    """
    extra = [c for c in ("train_seconds", "noise_scale") if c in curves.columns]
    rows = []
    for seed, curve in curves.groupby("seed"):
        curve = curve.sort_values("t")
        below = np.flatnonzero(curve[column].to_numpy(dtype=np.float64) <= threshold)
        row: dict[str, float] = {"seed": seed, "t": np.nan, **dict.fromkeys(extra, np.nan)}
        if len(below):
            j = int(below[0])
            hit = curve.iloc[j]
            t = float(hit["t"])
            if j > 0:
                before = curve.iloc[j - 1]
                t = crossing_time(before["t"], before[column], hit["t"], hit[column], threshold)
                share = (t - before["t"]) / (hit["t"] - before["t"])
                for name in extra:
                    row[name] = float(before[name] + share * (hit[name] - before[name]))
            else:
                row.update({name: float(hit[name]) for name in extra})
            row["t"] = t
        rows.append(row)
    return pd.DataFrame(rows)


def crossing_time(t0: float, v0: float, t1: float, v1: float, threshold: float) -> float:
    """Where a curve through (t0, v0) and (t1, v1), v0 > threshold >= v1, crosses the threshold:
    interpolated in (log t, log v) when all are positive, else linearly."""
    if v1 == threshold:
        return float(t1)
    if min(t0, v1, threshold) > 0:
        share = math.log(v0 / threshold) / math.log(v0 / v1)
        return float(math.exp(math.log(t0) + share * math.log(t1 / t0)))
    return float(t0 + (v0 - threshold) / (v0 - v1) * (t1 - t0))


def target_ranking(runs: pd.DataFrame, curves: pd.DataFrame, optimum: float, target: float) -> pd.DataFrame:
    """The learning rates of a sweep, judged by how soon their loss comes within ``target`` of
    ``optimum`` (a fraction: 0.05 is within 5% of L*), and the one chosen.

    ``runs``: one row per run with ``lr``, ``seed``, ``diverged``, ``final_train_loss`` and
    ``final_test_acc``; ``curves``: the runs' checkpoints (lr, seed, t, train_loss). One row per
    learning rate: ``seeds``, ``diverged_seeds``, ``mean_loss``, ``sd_loss`` (final loss over
    seeds, population s.d.), ``min_loss``, ``max_loss``, ``mean_test_acc``, ``end_excess_pct``
    (the seed-mean loss over the run's last doubling, % above ``optimum``), ``t_target`` and
    ``t_target_sd`` (``first_reaching`` the target, mean and s.d. over seeds; NaN unless every
    seed got there), ``reached`` and ``chosen``.

    The rule: a rate has (approximately) converged, ``reached``, when no seed diverged, every
    seed came within the target and the run's end is still within it (the target was not
    crossed by a passing fluctuation). The chosen rate is the one that reached it in the
    fewest iterations (the smaller rate on a tie); when none did, the stable rate that ends
    lowest. Neither depends on how long the runs last, once they last past the crossing.
    Raises ValueError if every learning rate had a diverged run.
    """
    rows = []
    for lr, group in runs.groupby("lr"):
        diverged = int(group["diverged"].sum())
        finals = group["final_train_loss"].to_numpy(dtype=np.float64)
        mine = curves[curves["lr"] == lr]
        stable = diverged == 0 and bool(np.isfinite(finals).all())
        end = 100 * end_excess(mine, optimum) / optimum if stable else math.nan
        hits = first_reaching(mine.assign(excess=mine["train_loss"] - optimum), "excess", target * optimum)
        every = stable and len(hits) == len(group) and bool(hits["t"].notna().all())
        rows.append(
            {
                "lr": lr,
                "seeds": len(group),
                "diverged_seeds": diverged,
                "mean_loss": float(np.mean(finals)),
                "sd_loss": float(np.std(finals)),
                "min_loss": float(np.min(finals)),
                "max_loss": float(np.max(finals)),
                "mean_test_acc": float(group["final_test_acc"].mean()) if "final_test_acc" in group else math.nan,
                "end_excess_pct": end,
                "t_target": float(hits["t"].mean()) if every else math.nan,
                "t_target_sd": float(hits["t"].std(ddof=0)) if every else math.nan,
                "reached": every and end <= 100 * target,
                "stable": stable,
            }
        )
    by_lr = pd.DataFrame(rows)
    if not by_lr["stable"].any():
        raise ValueError(f"every learning rate had a diverged run: {sorted(by_lr['lr'])}")
    if by_lr["reached"].any():
        first = by_lr[by_lr["reached"]].sort_values(["t_target", "lr"]).index[0]
    else:
        first = by_lr[by_lr["stable"]].sort_values(["mean_loss", "lr"]).index[0]
    by_lr["chosen"] = by_lr.index == first
    return by_lr.drop(columns="stable")


def horizon_too_short(ranking: pd.DataFrame, horizon: int, margin: float = 4.0) -> bool:
    """Whether a sweep's runs end too soon to trust ``target_ranking``'s choice: no rate reached
    the target, or the chosen one reached it later than ``horizon / margin`` (its end, averaged
    over the last doubling, would then lie too close to the crossing to show that it stays)."""
    chosen = ranking[ranking["chosen"]].iloc[0]
    return not bool(chosen["reached"]) or float(chosen["t_target"]) * margin > horizon


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
