"""Task 3's commentary on one batch size: the learning rate its sweep chose and at which
horizon, its ITR, what the remaining gap to L* is made of, and the hand-made setting, each
sentence written from the tables its section computed."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.show.commentary import hand_setting_text
from mnist_sgd.show.present import fixed, mean_sd, plural

# Halving η at a pure noise floor halves the excess over L* (it is ∝ η); below this ratio
# the floor dominates, at 1 or above the smaller step is still behind: unfinished descent.
FLOOR_RATIO = 0.75


def lr_choice_text(
    ranking: pd.DataFrame,
    batch_size: int,
    start: int,
    horizon: int,
    eta_star: float,
    eta_max: float,
    lr_stability: float,
) -> str:
    """What the learning-rate sweep of one batch size chose, at which horizon, how close the
    runner-up was, and where the choice sits against the theory.

    ``ranking``: ``criteria.lr_ranking`` of the sweep (columns lr, seeds, diverged_seeds,
    mean_loss, sd_loss, itr, converged, rank, tied, chosen). ``start``: the first horizon;
    ``horizon``: the one the sweep ended at (``start`` doubled as often as needed).
    """
    r = ranking.sort_values("lr")
    chosen = r[r["chosen"]].iloc[0]
    best = r[r["rank"] == 1].iloc[0]
    seeds = int(r["seeds"].max())
    doublings = round(math.log2(horizon / start)) if horizon > start else 0
    grown = (
        f"grown from {start:,} by {plural(doublings, 'doubling')}"
        if doublings
        else "the first horizon, long enough for the rule"
    )
    converged = r[r["converged"]]
    text = (
        f"Swept at {horizon:,} iterations ({grown}; {plural(seeds, 'seed')} per rate), "
        f"{plural(len(converged), 'stable rate')} converged "
        + (f"(η = {', '.join(f'{v:g}' for v in converged['lr'])})" if len(converged) else "")
        + f" and the rule picks **η = {chosen['lr']:g}** for B = {batch_size}"
        + (f", converged from ITR = {int(chosen['itr']):,}. " if chosen["converged"] else ", which has not converged. ")
    )
    diverged = r[r["diverged_seeds"] > 0]["lr"].tolist()
    text += f"Runs diverged at η ≥ {min(diverged):g}. " if diverged else "No run of the grid diverged. "
    others = r[r["tied"] & (r["lr"] != best["lr"])]
    if len(others):
        lowest = "lowest converged loss" if len(converged) else "lowest loss"
        broken = "goes to the rate that converged first" if len(converged) else "goes to the lowest, as none converged"
        text += (
            f"The {lowest} was at η = {best['lr']:g} ({best['mean_loss']:.5f} ± {best['sd_loss']:.5f}); "
            f"η = {', '.join(f'{v:g}' for v in others['lr'])} ended within the seeds' spread of it (mean ± s.d. "
            f"intervals overlap): a tie, which {broken}. "
        )
    else:
        second = r[r["rank"] == 2]
        if len(second):
            s2 = second.iloc[0]
            gap = s2["mean_loss"] - best["mean_loss"]
            spread = s2["sd_loss"] + best["sd_loss"]
            text += (
                f"The runner-up, η = {s2['lr']:g}, ended {100 * gap / best['mean_loss']:.2f}% higher "
                f"({s2['mean_loss']:.5f} against {best['mean_loss']:.5f}), "
                + (
                    f"{gap / spread:.1f} times the seeds' spread (the sum of the two s.d.): no tie. "
                    if spread > 0
                    else "with no spread over seeds: no tie. "
                )
            )
    # the asterisks escaped: two of them in one paragraph would set the text between them in italics
    text += (
        "Theory: η\\*(B) = {}, the bound of its convergence guarantee 2η\\*(B) = {}, and 2/λ_max = {}, "
        "where full-batch descent diverges. "
    ).format(*fixed([eta_star, eta_max, lr_stability], 4))
    return text + f"The chosen rate is {chosen['lr'] / eta_star:.2f} × η\\*(B)."


def floor_verdict(ratio: float) -> str:
    """'noise floor', 'descending' or 'both', from the excess at η/2 over the excess at η."""
    if not math.isfinite(ratio):
        return "unknown"
    if ratio < FLOOR_RATIO:
        return "noise floor"
    return "descending" if ratio >= 1 else "both"


def itr_text(row: pd.Series | dict) -> str:
    """ITR of one batch size, or why there is none, and where the run ended.

    ``row``: the ``chosen`` table of Task 3: batch_size, lr, itr, converged, cap,
    itr_needed (NaN when converged or when no trend can be extrapolated), seeds,
    itr_seconds_mean/std (training seconds to ITR, NaN when not converged),
    train_seconds_mean/std (to the end of the run), final_train_loss, excess_pct (over the
    last doubling of the run), final_test_acc(_std) (at its end), train_loss_star,
    test_acc_star, rel_tol and last_change (signed change of the last judged window,
    fraction).
    """
    b, lr, cap = int(row["batch_size"]), row["lr"], int(row["cap"])
    over = f"(mean ± s.d. over {plural(int(row['seeds']), 'seed')}, evaluation excluded)"
    whole = f"{mean_sd(row['train_seconds_mean'], row['train_seconds_std'])} s"
    if row["converged"]:
        text = (
            f"**B = {b}: η = {lr:g}, ITR = {int(row['itr']):,} iterations**, reached after "
            f"{mean_sd(row['itr_seconds_mean'], row['itr_seconds_std'])} s of training {over}; from there to the end "
            f"of the run, {cap:,} iterations ({whole}), the loss moved by less than {100 * row['rel_tol']:g}% per "
            f"doubling of t (the last: {100 * row['last_change']:+.2f}%)."
        )
    else:
        text = (
            f"**B = {b}: η = {lr:g}, not converged within {cap:,} iterations**, the longest horizon allowed "
            f"({whole} of training {over}): over the last window the loss still changed by "
            f"{100 * row['last_change']:+.2f}% per doubling of t, more than the tolerance ({100 * row['rel_tol']:g}%). "
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
    text += (
        f" At the end of the run the training loss averaged {row['final_train_loss']:.4f} over the last doubling, "
        f"{row['excess_pct']:.2f}% above L* = {row['train_loss_star']:.4f}, and the test accuracy was "
        f"{100 * row['final_test_acc']:.2f}% ± {100 * row['final_test_acc_std']:.2f} (W*: "
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
                f'{100 * row["rel_tol"]:g}% per doubling of t, which is what "approximately converged" means here; '
                "ITR follows the criterion, and the η/2 test says the gap that remains would still shrink, slowly, "
                "with a longer run."
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
        parts.append(f"The rate chosen by hand was {hand['lr']:g} (here, by the rule above: {row['lr']:g})")
    if hand["test_acc"] is not None:
        parts.append(
            f"at η = {hand_lr:g} and {hand_iterations:,} iterations the hand-made run reached "
            + hand_setting_text(hand["test_acc"], row["hand_test_acc"], row["hand_test_acc_std"], int(row["seeds"]))
        )
    if hand["seconds_50_epochs"] is not None:
        parts.append(
            f"50 epochs took {hand['seconds_50_epochs']:g} s by hand; here the training loop would take about "
            f"{row['seconds_50_epochs']:.1f} s (extrapolated from the time per iteration measured over the runs at "
            f"the chosen rate, evaluation excluded; the hand-made report gives neither its machine nor what it timed)"
        )
    if not parts:
        return f"The hand-made reports give no figure for B = {b}."
    return f"**Compared with the hand-made reports (B = {b}).** " + "; ".join(parts) + "."
