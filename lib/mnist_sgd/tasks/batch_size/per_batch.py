"""Task 3's commentary on one batch size: the learning rate its sweep chose, when its loss first
came within the target, and what the remaining gap to L* is made of, each sentence written from
the tables its section computed; and the rounding that every Task 3 text shares (a mean and its
s.d. to the digits the seeds resolve)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science.criteria import differ
from mnist_sgd.show.present import mean_sd, plural
from mnist_sgd.tasks.rounding import time_spread


def _shown_place(mean: float, sd: float) -> int:
    """The decimal place a mean and its s.d. over seeds are shown to: that of the spread's second
    significant figure, and no finer than the mean's third (the digits beyond say nothing the seeds
    can tell apart)."""
    places = [2 - math.floor(math.log10(abs(mean)))] if mean else []
    if sd > 0:
        places.append(1 - math.floor(math.log10(sd)))
    return min(places) if places else 0


def mean_rounded(mean: float, sd: float) -> float:
    """The mean as ``mean_sd_rounded`` shows it, as a number: 112,000 for 111,843 ± 5,000."""
    return round(mean, _shown_place(mean, sd)) if math.isfinite(mean) else math.nan


def mean_sd_rounded(mean: float, sd: float) -> str:
    """'112,000 ± 5,000', '0.233 ± 0.040': a mean and its s.d. over seeds rounded to the same
    place (``_shown_place``); no-break spaces, as ``mean_sds``."""
    if not math.isfinite(mean):
        return "n/a"
    place = _shown_place(mean, sd)

    def shown(v: float) -> str:
        return f"{v:,.{place}f}" if place > 0 else f"{round(v, place):,.0f}"

    return f"{shown(mean)}\u00a0±\u00a0{shown(sd)}"


# the asterisks escaped: two of them in one paragraph would set the text between them in italics
THEORY_TEXT = (
    "**The theory's lines on the sweeps.** 2/λ_max (Task 2's table) is the step beyond which full-batch "
    "gradient descent diverges. η\\*(B) = B/(β + (B − 1)λ_max), with β the largest ‖x‖² of a training image, "
    "is the minibatch step of Ma, Bassily & Belkin, *The Power of Interpolation* (ICML 2018), and 2η\\*(B) the "
    "largest step for which their analysis guarantees convergence. It guarantees convergence below that bound "
    "only, and only for a model that fits its data exactly; least squares on MNIST does not (L\\* > 0), so a rate above "
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
) -> str:
    """What the learning-rate sweep of one batch size chose, how the neighbouring rates did,
    whether the grid's edge rather than the rule set the choice, and the theory's step sizes.

    ``ranking``: ``criteria.target_ranking`` of the sweep (columns lr, seeds, diverged_seeds,
    mean_loss, end_excess_pct, t_target, t_target_sd, reached, chosen). ``start``: the first
    run length; ``horizon``: the one the sweep ended at (``start`` doubled as often as needed).
    """
    r = ranking.sort_values("lr").reset_index(drop=True)
    at = int(r.index[r["chosen"]][0])
    chosen = r.loc[at]
    seeds = int(r["seeds"].max())
    doublings = round(math.log2(horizon / start)) if horizon > start else 0
    grown = f", grown from {start:,} by {plural(doublings, 'doubling')}" if doublings else ""
    text = f"Swept with runs of {horizon:,} iterations{grown}, {plural(seeds, 'seed')} per rate. "
    if not chosen["reached"]:
        text += (
            f"No rate came within the target in that time; the rule falls back on the lowest final loss, "
            f"**η = {chosen['lr']:g}**. "
        )
    else:
        text += (
            f"The fastest to the target: **η = {chosen['lr']:g}**, in "
            f"{mean_sd_rounded(chosen['t_target'], chosen['t_target_sd'])} iterations. "
        )
        text += _neighbours(r, at)
    diverged = r[r["diverged_seeds"] > 0]["lr"].tolist()
    text += f"Runs diverged at η ≥ {min(diverged):g}. " if diverged else "No run of the grid diverged. "
    text += _grid_edge(r, chosen, lr_stability)
    return text + f"Theory: η\\*(B) = {eta_star:.2g}, and 2η\\*(B) = {eta_max:.2g} bounds its guarantee."


def _neighbours(r: pd.DataFrame, at: int) -> str:
    """How the rates either side of the chosen one did: slower to the target, or never within it."""
    parts = []
    for i, side in ((at - 1, "smaller"), (at + 1, "larger")):
        if not 0 <= i < len(r):
            continue
        n = r.loc[i]
        if n["diverged_seeds"] > 0:
            parts.append(f"the next {side} rate, {n['lr']:g}, diverged")
        elif n["reached"]:
            parts.append(f"the next {side} rate, {n['lr']:g}, took {mean_sd_rounded(n['t_target'], n['t_target_sd'])}")
        else:
            parts.append(
                f"the next {side} rate, {n['lr']:g}, ended {n['end_excess_pct']:.1f}% above L*, outside the target"
            )
    return (parts[0][0].upper() + "; ".join(parts)[1:] + ". ") if parts else ""


def _grid_edge(r: pd.DataFrame, chosen: pd.Series, lr_stability: float) -> str:
    """When the chosen rate is the grid's largest finite one, the grid, not the rule, may have
    set it: a faster rate may lie above it, up to the smallest diverging one and below
    2/λ_max, beyond which even full-batch descent diverges."""
    finite = r[(r["diverged_seeds"] == 0) & np.isfinite(r["mean_loss"])]
    if chosen["lr"] < finite["lr"].max():
        return ""
    diverging = r.loc[r["diverged_seeds"] > 0, "lr"].min()  # NaN when none diverged
    bounded = lr_stability > chosen["lr"] and not lr_stability >= diverging
    where = (
        f"between it and {diverging:g}, the smallest that diverged" if math.isfinite(diverging) else "above it"
    ) + (", below 2/λ_max" if bounded else "")
    return f"It is also the grid's largest finite rate: a faster one may lie {where}. "


def floor_verdict(ratio: float, ratio_sd: float = 0.0) -> str:
    """What the gap at η/2 over the gap at η, per seed (mean ``ratio``, s.d. ``ratio_sd``), says of
    the gap: 'noise floor' within the spread over seeds of 0.5 (SGD's noise is ∝ η), 'descending'
    within it of 1 or above (a slow descent, which a smaller step travels no faster), 'both'
    between; 'unknown' when not known."""
    if not math.isfinite(ratio):
        return "unknown"
    sd = ratio_sd if math.isfinite(ratio_sd) else 0.0
    if not differ(ratio, sd, 0.5, 0.0):
        return "noise floor"
    return "descending" if ratio > 1 or not differ(ratio, sd, 1.0, 0.0) else "both"


def itr_text(row: pd.Series | dict) -> str:
    """When the loss of one batch size first came within the target, or why it did not, and where
    the run ended (ITR, where it stays within the target, is read across batch sizes).

    ``row``: the ``chosen`` table of Task 3: batch_size, lr, target_pct, itr, itr_sd,
    converged, cap, seeds, itr_seconds_mean/std (training seconds to ITR), train_seconds_mean/std
    (to the end of the run), final_train_loss, excess_pct (over the last doubling of the run),
    final_test_acc(_std) (at its end) and test_acc_star.
    """
    b, lr, cap = int(row["batch_size"]), row["lr"], int(row["cap"])
    over = f"mean ± s.d. over {plural(int(row['seeds']), 'seed')}, evaluation excluded"
    whole = f"{time_spread(row['train_seconds_mean'], row['train_seconds_std'])} s"
    if row["converged"]:
        text = (
            f"**B = {b:,}: η = {lr:g}, first within {row['target_pct']:g}% of L* after "
            f"{mean_sd_rounded(row['itr'], row['itr_sd'])} iterations**, "
            f"{time_spread(row['itr_seconds_mean'], row['itr_seconds_std'])} s of training ({over}). The runs went on "
            f"to {cap:,} iterations ({whole})."
        )
    else:
        text = (
            f"**B = {b:,}: η = {lr:g} did not stay within {row['target_pct']:g}% of L* in {cap:,} iterations** "
            f"({whole} of training, {over})."
        )
    accuracy = mean_sd(100 * row["final_test_acc"], 100 * row["final_test_acc_std"])
    text += (
        f" At the end the training loss averaged {row['final_train_loss']:.4f} over the last doubling of t, "
        f"{row['excess_pct']:.2f}% above L*, and the test accuracy was {accuracy}% (W*: "
        f"{100 * row['test_acc_star']:.2f}%)."
    )
    return text + "\n\n" + floor_text(row)


def floor_text(row: pd.Series | dict) -> str:
    """What the gap to L* at the end is made of: SGD's noise at this step, or descent still under
    way. Evidence: the same seeds and run length at η/2 (the noise's share of the gap is ∝ η), read
    seed by seed (``half_ratio`` and its s.d.: both rates ran the same seeds)."""
    ratio, sd = row["half_ratio"], row["half_ratio_sd"]
    verdict = floor_verdict(ratio, sd)
    text = (
        f"**What the remaining gap is.** At η/2 = {row['lr'] / 2:g} the same seeds ended {row['half_end_excess_pct']:.2f}% "
        f"above L*: seed by seed, {ratio:.2f}\u00a0±\u00a0{sd:.2f} times the gap at η, "
    )
    if verdict == "noise floor":
        return text + (
            "half within the spread, so the gap is SGD's noise at this step; a longer run would not close it, "
            "a smaller step would, more slowly."
        )
    if verdict == "descending":
        return text + (
            "not smaller beyond the spread, so the gap is mostly a slow descent still under way, which a "
            "smaller step travels no faster; a longer run would close it, slowly."
        )
    return text + "between half and the same: part noise, part slow descent."
