"""Task 3's commentary on one batch size: the learning rate its sweep chose and at which
horizon, its ITR, what the remaining gap to L* is made of, and the hand-made setting, each
sentence written from the tables its section computed; and the rounding that every Task 3
text shares (ITR to what the checkpoints resolve, times to the seeds' spread)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mnist_sgd.show.commentary import hand_setting_text
from mnist_sgd.show.present import mean_sd, plural

# Halving η at a pure noise floor halves the excess over L* (it is ∝ η); below this ratio
# the floor dominates, at 1 or above the smaller step is still behind: unfinished descent.
FLOOR_RATIO = 0.75


def checkpoint_spacing(checkpoint_t: Iterable[float], t: float) -> float:
    """How far apart the checkpoints around ``t`` lie, as a fraction of it: the next checkpoint
    over ``t``, less 1 (the previous one at the last checkpoint); NaN with fewer than two
    checkpoints or ``t`` beyond the last. A t read off them is known to no better than that."""
    grid = np.unique(np.asarray(list(checkpoint_t), dtype=np.float64))
    at = int(np.searchsorted(grid, t))
    if len(grid) < 2 or at >= len(grid):
        return math.nan
    return float(grid[at + 1] / grid[at] - 1 if at + 1 < len(grid) else grid[at] / grid[at - 1] - 1)


def figures_for(spacing: float) -> int:
    """The significant figures a count known to a relative ``spacing`` can be given with: 2 for
    checkpoints 1-10% apart, 3 for 0.1-1%, at least 1; 3 when the spacing is not known."""
    return max(1, 1 + math.floor(-math.log10(spacing))) if spacing > 0 else 3


def to_figures(value: float, figures: int) -> int:
    """A positive count rounded to ``figures`` significant figures: 172,541 -> 170,000 with 2."""
    return int(round(value, figures - 1 - math.floor(math.log10(value)))) if value > 0 else int(value)


def itr_figures(checkpoint_t: Iterable[float], itr: float) -> int:
    """The significant figures ITR can be given with, read off by the criterion at one of the
    checkpoints ``checkpoint_t``: as many as their spacing around it resolves."""
    return figures_for(checkpoint_spacing(checkpoint_t, itr))


def mean_sd_rounded(mean: float, sd: float) -> str:
    """'112,000 ± 5,000', '0.233 ± 0.040': a mean and its s.d. over seeds rounded to the same
    place, that of the spread's second significant figure, and no finer than the mean's third
    (the digits beyond say nothing the seeds can tell apart); no-break spaces, as ``mean_sds``."""
    if not math.isfinite(mean):
        return "n/a"
    places = [2 - math.floor(math.log10(abs(mean)))] if mean else []
    if sd > 0:
        places.append(1 - math.floor(math.log10(sd)))
    place = min(places) if places else 0

    def shown(v: float) -> str:
        return f"{v:,.{place}f}" if place > 0 else f"{round(v, place):,.0f}"

    return f"{shown(mean)}\u00a0±\u00a0{shown(sd)}"


# the asterisks escaped: two of them in one paragraph would set the text between them in italics
THEORY_TEXT = (
    "**The theory's lines on the sweeps.** 2/λ_max (Task 2's table) is the step beyond which full-batch "
    "gradient descent diverges. η\\*(B) = B/(β + (B − 1)λ_max), with β the largest ‖x‖² of a training image, "
    "is the minibatch step of Ma, Bassily & Belkin, *The Power of Interpolation* (ICML 2018), and 2η\\*(B) the "
    "largest step for which their analysis guarantees convergence. That guarantee is a sufficient condition, "
    "proved for a model that fits its data exactly; least squares on MNIST does not (L\\* > 0), so a rate above "
    "2η\\*(B) may still be stable: the sweeps show where the runs diverge."
)


def lr_choice_text(
    ranking: pd.DataFrame,
    batch_size: int,
    start: int,
    horizon: int,
    eta_star: float,
    eta_max: float,
    lr_stability: float,
    figures: int = 3,
) -> str:
    """What the learning-rate sweep of one batch size chose, at which horizon, how close the
    runner-up was, whether the grid's edge rather than the rule set the choice, and the
    theory's step sizes at this B.

    ``ranking``: ``criteria.lr_ranking`` of the sweep (columns lr, seeds, diverged_seeds,
    mean_loss, sd_loss, itr, converged, rank, tied, chosen). ``start``: the first horizon;
    ``horizon``: the one the sweep ended at (``start`` doubled as often as needed).
    ``figures``: the significant figures of ITR (``itr_figures``; 3 when the checkpoints are
    not known).
    """
    r = ranking.sort_values("lr")
    chosen = r[r["chosen"]].iloc[0]
    best = r[r["rank"] == 1].iloc[0]
    seeds = int(r["seeds"].max())
    doublings = round(math.log2(horizon / start)) if horizon > start else 0
    grown = (
        f"grown from {start:,} by {plural(doublings, 'doubling')}, each continuing the runs"
        if doublings
        else "the first horizon, long enough for the rule"
    )
    text = f"Swept at {horizon:,} iterations ({grown}; {plural(seeds, 'seed')} per rate), " + _picked(
        r, chosen, batch_size, figures
    )
    diverged = r[r["diverged_seeds"] > 0]["lr"].tolist()
    text += f"Runs diverged at η ≥ {min(diverged):g}. " if diverged else "No run of the grid diverged. "
    text += _runner_up(r, best)
    text += _grid_edge(r, chosen, lr_stability)
    return text + f"Theory: η\\*(B) = {eta_star:.2g}, and 2η\\*(B) = {eta_max:.2g} bounds its guarantee."


def _picked(r: pd.DataFrame, chosen: pd.Series, batch_size: int, figures: int) -> str:
    """Which rates converged and which one the rule picked."""
    converged = r[r["converged"]]
    pick = f"**η = {chosen['lr']:g}** for B = {batch_size:,}"
    since = f"converged from ITR = {to_figures(chosen['itr'], figures):,}. " if chosen["converged"] else ""
    if converged.empty:
        return f"no stable rate converged; the rule picks {pick}, which has not converged. "
    if len(converged) == 1:
        return f"only η = {chosen['lr']:g} converged, so the rule picks {pick}, {since}"
    rates = ", ".join(f"{v:g}" for v in converged["lr"])
    return f"{len(converged)} stable rates converged (η = {rates}) and the rule picks {pick}, {since}"


def _runner_up(r: pd.DataFrame, best: pd.Series) -> str:
    """The rates tied with the best and how the tie was broken, or how far the runner-up ended
    from it."""
    converged = r["converged"].any()
    others = r[r["tied"] & (r["lr"] != best["lr"])]
    if len(others):
        lowest = "lowest converged loss" if converged else "lowest loss"
        broken = "goes to the rate that converged first" if converged else "goes to the lowest, as none converged"
        return (
            f"The {lowest} was at η = {best['lr']:g} ({best['mean_loss']:.5f} ± {best['sd_loss']:.5f}); "
            f"η = {', '.join(f'{v:g}' for v in others['lr'])} ended within the seeds' spread of it (mean ± s.d. "
            f"intervals overlap): a tie, which {broken}. "
        )
    second = r[r["rank"] == 2]
    if second.empty:
        return ""
    s2 = second.iloc[0]
    gap = s2["mean_loss"] - best["mean_loss"]
    spread = s2["sd_loss"] + best["sd_loss"]
    return (
        f"The runner-up, η = {s2['lr']:g}, ended {100 * gap / best['mean_loss']:.2f}% higher "
        f"({s2['mean_loss']:.5f} against {best['mean_loss']:.5f}), "
        + (
            f"{gap / spread:.1f} times the seeds' spread (the sum of the two s.d.): no tie. "
            if spread > 0
            else "with no spread over seeds: no tie. "
        )
    )


def _grid_edge(r: pd.DataFrame, chosen: pd.Series, lr_stability: float) -> str:
    """When the chosen rate is the grid's largest finite one, the grid, not the rule, may have
    set it: a rate converging sooner may lie above it, up to the smallest diverging one and
    below 2/λ_max, beyond which even full-batch descent diverges."""
    finite = r[(r["diverged_seeds"] == 0) & np.isfinite(r["mean_loss"])]
    if chosen["lr"] < finite["lr"].max():
        return ""
    diverging = r.loc[r["diverged_seeds"] > 0, "lr"].min()  # NaN when none diverged
    bounded = lr_stability > chosen["lr"] and not lr_stability >= diverging
    where = (
        f"between it and {diverging:g}, the smallest that diverged" if math.isfinite(diverging) else "above it"
    ) + (", below 2/λ_max" if bounded else "")
    return f"It is also the grid's largest finite rate: a rate converging sooner may lie {where}. "


def floor_verdict(ratio: float) -> str:
    """'noise floor', 'descending' or 'both', from the excess at η/2 over the excess at η."""
    if not math.isfinite(ratio):
        return "unknown"
    if ratio < FLOOR_RATIO:
        return "noise floor"
    return "descending" if ratio >= 1 else "both"


def itr_text(row: pd.Series | dict, figures: int = 3) -> str:
    """ITR of one batch size, or why there is none, and where the run ended.

    ``row``: the ``chosen`` table of Task 3: batch_size, lr, itr, converged, cap,
    itr_needed (NaN when converged or when no trend can be extrapolated), seeds,
    itr_seconds_mean/std (training seconds to ITR, NaN when not converged),
    train_seconds_mean/std (to the end of the run), final_train_loss, excess_pct (over the
    last doubling of the run), final_test_acc(_std) (at its end), test_acc_star, rel_tol and
    last_change (signed change of the last judged window, fraction). ``figures``: the
    significant figures of ITR (``itr_figures``; 3 when the checkpoints are not known).
    """
    b, lr, cap = int(row["batch_size"]), row["lr"], int(row["cap"])
    over = f"(mean ± s.d. over {plural(int(row['seeds']), 'seed')}, evaluation excluded)"
    whole = f"{mean_sd_rounded(row['train_seconds_mean'], row['train_seconds_std'])} s"
    tolerance = f"{100 * row['rel_tol']:g}%"
    if row["converged"]:
        text = (
            f"**B = {b:,}: η = {lr:g}, ITR = {to_figures(row['itr'], figures):,} iterations**, reached after "
            f"{mean_sd_rounded(row['itr_seconds_mean'], row['itr_seconds_std'])} s of training {over}; from there to "
            f"the end of the run, {cap:,} iterations ({whole}), the loss moved by less than {tolerance} per doubling "
            f"of t (the last: {100 * row['last_change']:+.2f}%)."
        )
    else:
        text = (
            f"**B = {b:,}: η = {lr:g}, not converged within {cap:,} iterations**, the longest horizon allowed "
            f"({whole} of training {over}): over the last window the loss still changed by "
            f"{100 * row['last_change']:+.2f}% per doubling of t, more than the tolerance ({tolerance}). "
        )
        needed = row.get("itr_needed", math.nan)
        if needed is not None and math.isfinite(needed):
            text += (
                f"At the trend of its last windows it would meet the criterion near t ≈ {needed:,.0f} (a run of "
                f"about {4 * needed:,.0f} iterations to check it)."
            )
        else:
            text += (
                "Its changes do not shrink with t: they are SGD's noise at this step, larger than the tolerance, "
                "so no budget would do at this η; a smaller step would."
            )
    accuracy = mean_sd(100 * row["final_test_acc"], 100 * row["final_test_acc_std"])
    text += (
        f" At the end of the run the training loss averaged {row['final_train_loss']:.4f} over the last doubling, "
        f"{row['excess_pct']:.2f}% above L*, and the test accuracy was {accuracy}% (W*: "
        f"{100 * row['test_acc_star']:.2f}%)."
    )
    return text + "\n\n" + floor_text(row)


def floor_text(row: pd.Series | dict) -> str:
    """What the gap to L* at the end is made of: SGD's noise floor or descent still under way.
    Evidence: the same seeds and horizon at η/2 (a noise floor is ∝ η). The criterion
    (the loss stopped moving) and this test (why it is not at L*) answer different
    questions; the text says how they fit together at this B."""
    full, half = row["excess_pct"], row["half_end_excess_pct"]
    ratio = half / full if full > 0 else math.nan
    verdict = floor_verdict(ratio)
    text = (
        f"**What the remaining gap is.** The same seeds at η/2 = {row['lr'] / 2:g} ended {half:.2f}% above L*, "
        f"{ratio:.2f} times the gap at η: "
    )
    if verdict == "noise floor":
        return text + (
            "close to the halving a noise floor predicts (the stationary excess of constant-step SGD is ∝ η). "
            "So the plateau the criterion found is SGD's noise floor for this step: a longer run would not lower it, "
            "a smaller step would, at the price of a slower descent."
        )
    if verdict == "descending":
        still = "" if row["converged"] else "; the criterion agrees: the run has not converged"
        return text + (
            "not lower but higher, so the gap at η is not noise but descent still under way, along directions of "
            f"low curvature that a smaller step travels more slowly{still}."
            + (
                f" The criterion is met all the same: what is left moves the loss by less than "
                f"{100 * row['rel_tol']:g}% per doubling of t, which is what approximately converged means here; a "
                "longer run would still lower it, slowly."
                if row["converged"]
                else ""
            )
        )
    return text + (
        "between the halving of a pure noise floor (0.5) and no change (1): the gap is part noise floor, part "
        "descent still under way."
    )


def hand_batch_text(row: pd.Series | dict, hand: dict[str, float | None], hand_lr: float, hand_iterations: int) -> str:
    """One batch size against the hand-made reports.

    ``row``: Task 3's ``chosen`` row with lr, final_test_acc, seeds, hand_test_acc and
    hand_test_acc_std (the hand setting re-run here, fractions), seconds_50_epochs
    (this run's training loop extrapolated to 50 epochs). ``hand``:
    ``references.batch_size(B)`` (test_acc, lr, seconds_50_epochs, None when not given).
    """
    b = int(row["batch_size"])
    parts = []
    if hand["lr"] is not None:
        parts.append(f"The rate chosen by hand was {hand['lr']:g} (here, by the rule: {row['lr']:g})")
    if hand["test_acc"] is not None:
        parts.append(
            f"at η = {hand_lr:g} and {hand_iterations:,} iterations the hand-made run reached "
            + hand_setting_text(hand["test_acc"], row["hand_test_acc"], row["hand_test_acc_std"], int(row["seeds"]))
        )
    if hand["seconds_50_epochs"] is not None:
        parts.append(
            f"50 epochs took {hand['seconds_50_epochs']:g} s by hand; here the training loop would take about "
            f"{row['seconds_50_epochs']:.1f} s (extrapolated from its measured time per iteration, evaluation "
            "excluded; the hand-made report gives neither its machine nor what it timed)"
        )
    if not parts:
        return f"The hand-made reports give no figure for B = {b:,}."
    return f"**Compared with the hand-made reports (B = {b:,}).** " + "; ".join(parts) + "."
