"""Tasks 3 and 4's commentary: the learning rate each batch size's sweep chose, its ITR,
noise floor and hand-made setting, and what the batch size does across all of them, each
sentence written from the tables the sections computed."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science.criteria import intervals_overlap
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.show.commentary import agrees_with_hand, hand_setting_text, trend
from mnist_sgd.show.present import fixed, mean_sd, mean_sds, plural


def _fmt_int(value: float) -> str:
    return "not reached" if not math.isfinite(value) else f"{int(round(value)):,}"


# Halving η at a pure noise floor halves the excess over L* (it is ∝ η); below this ratio
# the floor dominates, at 1 or above the smaller step is still behind: unfinished descent.
FLOOR_RATIO = 0.75


def lr_choice_text(
    ranking: pd.DataFrame, batch_size: int, horizon: int, eta_star: float, eta_max: float, lr_stability: float
) -> str:
    """What the learning-rate sweep of one batch size chose, how close the runner-up was,
    and where the choice sits against the theory.

    ``ranking``: ``criteria.lr_ranking`` of the sweep (columns lr, seeds, diverged_seeds,
    mean_loss, sd_loss, rank, tied, chosen). ``horizon``: iterations of every sweep run.
    """
    r = ranking.sort_values("lr")
    chosen = r[r["chosen"]].iloc[0]
    best = r[r["rank"] == 1].iloc[0]
    seeds = int(r["seeds"].max())
    text = (
        f"Swept at the horizon of the runs below ({horizon:,} iterations, {plural(seeds, 'seed')} per rate), the "
        f"rule picks **η = {chosen['lr']:g}** for B = {batch_size}. "
    )
    diverged = r[r["diverged_seeds"] > 0]["lr"].tolist()
    text += f"Runs diverged at η ≥ {min(diverged):g}. " if diverged else "No run of the grid diverged. "
    others = r[r["tied"] & (r["lr"] != best["lr"])]
    if len(others):
        text += (
            f"The best mean loss was at η = {best['lr']:g} ({best['mean_loss']:.5f} ± {best['sd_loss']:.5f}); "
            f"η = {', '.join(f'{v:g}' for v in others['lr'])} ended within the seeds' spread of it (mean ± s.d. "
            f"intervals overlap): a tie, broken by the rule's choice of the smallest tied rate. "
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
    text += "Theory: η\\*(B) = {}, its limit 2η\\*(B) = {} and the full-batch limit 2/λ_max = {}. ".format(
        *fixed([eta_star, eta_max, lr_stability], 4)
    )
    return text + f"The chosen rate is {chosen['lr'] / eta_star:.2f} × η\\*(B)."


def floor_verdict(ratio: float) -> str:
    """'noise floor', 'descending' or 'both', from the excess at η/2 over the excess at η."""
    if not math.isfinite(ratio):
        return "unknown"
    if ratio < FLOOR_RATIO:
        return "noise floor"
    return "descending" if ratio >= 1 else "both"


def itr_text(row: pd.Series | dict) -> str:
    """ITR of one batch size, or why there is none, and what the gap to L* is made of.

    ``row``: the ``chosen`` table of Task 3: batch_size, lr, itr, converged, cap,
    itr_needed (NaN when converged or when no trend can be extrapolated), seeds,
    train_seconds_mean/std, final_train_loss, excess_pct, final_test_acc(_std),
    train_loss_star, test_acc_star, rel_tol, last_change (signed change of the last
    judged window, fraction), end_excess_pct and half_end_excess_pct (excess over L*
    averaged over the last doubling of the run, at η and at η/2, percent of L*).
    """
    b, lr = int(row["batch_size"]), row["lr"]
    took = (
        f"{mean_sd(row['train_seconds_mean'], row['train_seconds_std'])} s of training (mean ± s.d. over "
        f"{plural(int(row['seeds']), 'seed')}, evaluation excluded)"
    )
    if row["converged"]:
        text = f"**B = {b}: η = {lr:g}, ITR = {int(row['itr']):,} iterations**, reached in {took}. At ITR"
    else:
        text = (
            f"**B = {b}: η = {lr:g}, not converged within {int(row['cap']):,} iterations:** over the last window "
            f"the loss still changed by {100 * row['last_change']:+.2f}% per doubling of t, more than the tolerance "
            f"({100 * row['rel_tol']:g}%). "
        )
        needed = row.get("itr_needed", math.nan)
        if needed is not None and math.isfinite(needed):
            text += (
                f"At the trend of its last windows it would meet the criterion near t ≈ {needed:,.0f} (a run of "
                f"about {4 * needed:,.0f} iterations to check it). "
            )
        else:
            text += (
                "Its changes do not shrink with t: they are SGD's noise at this step, larger than the tolerance, "
                "so no budget would do at this η; a smaller step would. "
            )
        text += f"The {int(row['cap']):,} iterations took {took}. At the end of the run"
    text += (
        f" the training loss is {row['final_train_loss']:.4f}, {row['excess_pct']:.1f}% above L* = "
        f"{row['train_loss_star']:.4f}, and the test accuracy is {100 * row['final_test_acc']:.2f}% ± "
        f"{100 * row['final_test_acc_std']:.2f} (W*: {100 * row['test_acc_star']:.2f}%)."
    )
    return text + "\n\n" + floor_text(row)


def floor_text(row: pd.Series | dict) -> str:
    """Is the gap to L* at the end SGD's noise floor or unfinished descent? Evidence: the
    same seeds and horizon at η/2 (a noise floor is ∝ η) and the last window's change."""
    full, half = row["end_excess_pct"], row["half_end_excess_pct"]
    ratio = half / full if full > 0 else math.nan
    verdict = floor_verdict(ratio)
    text = (
        f"**Floor or descent.** Over the last doubling of the run the loss averaged {full:.2f}% above L* and was "
        f"still changing by {100 * row['last_change']:+.2f}% per doubling of t. The same seeds at η/2 = "
        f"{row['lr'] / 2:g} ended {half:.2f}% above L*, {ratio:.2f} times the gap at η: "
    )
    if verdict == "noise floor":
        return text + (
            "close to the halving a noise floor predicts (the stationary excess of constant-step SGD is "
            "∝ η), so at this B the run ends at SGD's noise floor for its step."
        )
    if verdict == "descending":
        return text + (
            "not lower but higher, so the gap at η is not noise: it is descent still under way, slow along "
            "the directions of low curvature, which a smaller step travels more slowly."
        )
    return text + (
        f"between the halving of a pure noise floor (0.5) and no change (1): the gap is part noise floor, "
        f"part descent still under way (the rule: below {FLOOR_RATIO:g} a floor, from 1 on descent)."
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


def fastest_to_target(table: pd.DataFrame) -> tuple[list[int], bool]:
    """The batch sizes fastest in training seconds to the target, and whether that is a
    win: ([B], True) when the fastest's mean ± s.d. over seeds does not overlap any
    other's; otherwise every B tied with it, fastest first, and False. ([], False) when
    no B reached the target. ``table``: batch_size, seconds_target (mean over seeds,
    NaN if not every seed reached it), seconds_target_sd."""
    reached = table.dropna(subset=["seconds_target"]).sort_values("seconds_target")
    if reached.empty:
        return [], False
    first = reached.iloc[0]
    tied = [
        int(r["batch_size"])
        for _, r in reached.iterrows()
        if intervals_overlap(
            first["seconds_target"], first["seconds_target_sd"], r["seconds_target"], r["seconds_target_sd"]
        )
    ]
    return tied, len(tied) == 1


def batch_size_commentary(table: pd.DataFrame, m_star: float, target_pct: float, train_loss_star: float) -> str:
    """The role of the batch size, from one row per B.

    ``table`` columns: batch_size, lr, eta_star, eta_max, smallest_diverging (smallest
    learning rate of the sweep at which a seed diverged, NaN if none), itr, excess_pct
    (at ITR), final_test_acc (fraction), t_target (iterations for every seed to reach
    ``target_pct``% above L*, NaN if never), seconds_target and seconds_target_sd
    (training seconds to it, mean and s.d. over seeds), end_excess_pct and
    half_end_excess_pct (percent above L* over the last doubling of the run, at η and at
    η/2), last_change (signed change per doubling over the last window, fraction).
    ``train_loss_star``: L*, the least-squares optimum of the training set.
    """
    t = table.sort_values("batch_size").reset_index(drop=True)
    bs = t["batch_size"].tolist()
    if len(t) < 2:
        return "Only one batch size was run, so there is nothing to compare."
    out = [_lr_paragraph(t, train_loss_star)]

    reached = t[t["t_target"].notna()]
    if len(reached) >= 2:
        iters = reached["t_target"].tolist()
        samples = (reached["t_target"] * reached["batch_size"]).tolist()
        rb = reached["batch_size"].tolist()
        text = (
            f"**Iterations against samples.** To come within {target_pct:g}% of L*, the number of iterations "
            f"{trend(iters)} with the batch size ({', '.join(f'B = {b}: {_fmt_int(i)}' for b, i in zip(rb, iters))}), "
            f"while the number of samples processed (iterations × B) {trend(samples)} "
            f"({', '.join(f'{_fmt_int(s)}' for s in samples)})."
        )
        best = rb[samples.index(min(samples))]
        text += f" The fewest samples were needed at B = {best}."
        steps = [(rb[i], rb[i + 1]) for i in range(len(rb) - 1)]
        gains = fixed([iters[i] / iters[i + 1] for i in range(len(rb) - 1)], 2)
        text += (
            " Each step up in batch size divided the iterations by "
            + ", ".join(f"{g} ({a}→{b}, ×{b // a if b % a == 0 else b / a:g} batch)" for (a, b), g in zip(steps, gains))
            + "."
        )
        out.append(text)
        out.append(_wall_clock_paragraph(reached, target_pct))
    missing = t[t["t_target"].isna()]["batch_size"].tolist()
    if missing:
        out.append(f"B = {', '.join(map(str, missing))} never came within {target_pct:g}% of L* in the iterations run.")
    out.append(_floor_paragraph(t))
    if len(reached) >= 2:
        out.append(_critical_batch(reached, m_star, train_loss_star))
    acc = (100 * t["final_test_acc"]).tolist()
    spread = max(acc) - min(acc)
    verdict = (
        "the batch size changes the cost of getting there far more than where the runs end"
        if spread < 1.0
        else "the batch size also changes where the runs end"
    )
    out.append(
        f"**Test accuracy.** At ITR (at the end, for a B that did not converge) the test accuracy ranges from {min(acc):.2f}% to {max(acc):.2f}% across batch sizes "
        f"(B = {bs[acc.index(max(acc))]} highest), a spread of {spread:.2f} points: {verdict}."
    )
    return "\n\n".join(out)


def _lr_paragraph(t: pd.DataFrame, train_loss_star: float) -> str:
    """The chosen rates against η*(B), with what that theory assumes and what holds without it."""
    bs = t["batch_size"].tolist()
    lr_trend = trend(t["lr"].tolist())
    ratio = (t["lr"] / t["eta_star"]).tolist()
    text = (
        f"**Learning rate.** The chosen learning rate {'grows' if lr_trend == 'rises' else lr_trend.replace('falls', 'shrinks')} "
        f"with the batch size, from {t['lr'].iloc[0]:g} at B = {bs[0]} to {t['lr'].iloc[-1]:g} at B = {bs[-1]}: a larger "
        f"batch averages more gradients, so its step is less noisy and can be longer. Relative to the theory "
        f"η\\*(B), the chosen rates are {', '.join(f'{r}×' for r in fixed(ratio, 2))} for B = {', '.join(map(str, bs))}. "
        f"That theory (Ma, Bassily & Belkin) assumes a model that fits every training sample exactly (L* = 0); here "
        f"L* = {train_loss_star:.4f}, so η\\*(B) is not the best step (the best rate at a finite horizon balances "
        f"speed against the noise floor, which is zero only under interpolation)."
    )
    limit = t.dropna(subset=["smallest_diverging"])
    if len(limit):
        above = limit["smallest_diverging"] > limit["eta_max"]
        text += (
            " What does not need L* = 0 is the stability side, set by the curvature alone: "
            + ("every" if above.all() else "not every")
            + " rate that diverged in the sweeps was above the limit 2η\\*(B) ("
            + "; ".join(
                f"B = {int(r['batch_size'])}: first divergence at {r['smallest_diverging']:g}, limit {r['eta_max']:.4f}"
                for _, r in limit.iterrows()
            )
            + ")."
        )
    return text


def _wall_clock_paragraph(reached: pd.DataFrame, target_pct: float) -> str:
    """Training seconds to the target, with a winner named only when the seeds' spread allows."""
    shown = mean_sds(reached["seconds_target"], reached["seconds_target_sd"])
    listed = ", ".join(f"B = {int(b)}: {s} s" for b, s in zip(reached["batch_size"], shown))
    fastest, won = fastest_to_target(reached)
    if won:
        verdict = (
            f"B = {fastest[0]} was the fastest, by more than the spread over seeds (mean ± s.d. intervals do "
            f"not overlap)"
        )
    else:
        verdict = (
            f"B = {', '.join(map(str, fastest))} tie for the fastest: their mean ± s.d. intervals overlap, so "
            f"these timings cannot rank them"
        )
    return (
        f"**Wall-clock time.** Training seconds to within {target_pct:g}% of L* (mean ± s.d. over seeds, each "
        f"seed timed on its own run): {listed}. {verdict}."
    )


def _floor_paragraph(t: pd.DataFrame) -> str:
    """Across batch sizes: is the gap to L* at the end a noise floor or unfinished descent?"""
    bs = t["batch_size"].tolist()
    ratios = (t["half_end_excess_pct"] / t["end_excess_pct"]).tolist()
    verdicts = [floor_verdict(r) for r in ratios]
    groups = {v: [b for b, w in zip(bs, verdicts) if w == v] for v in dict.fromkeys(verdicts)}
    names = {
        "noise floor": "at SGD's noise floor (halving η shrank the gap towards half)",
        "descending": "still descending (at η/2 the gap was not smaller but larger)",
        "both": "part floor, part descent",
        "unknown": "not classified (no gap to compare)",
    }
    return (
        "**Noise floor or still descending.** With a constant step SGD does not settle at the optimum but in a "
        "neighbourhood whose size grows with the gradient noise (∝ η/B), provided it has finished descending. Over the "
        "last doubling of each run the loss sat "
        + ", ".join(f"{f}%" for f in fixed(t["end_excess_pct"], 2))
        + f" above L* for B = {', '.join(map(str, bs))}, and was still changing by "
        + ", ".join(f"{100 * c:+.2f}%" for c in t["last_change"])
        + " per doubling of t. The same seeds at η/2 ended "
        + ", ".join(fixed(ratios, 2))
        + " times as far above L*. So B = "
        + "; B = ".join(f"{', '.join(map(str, g))}: {names[v]}" for v, g in groups.items())
        + f". The rule: below {FLOOR_RATIO:g} times a floor, from 1 on descent, between the two both."
    )


def _critical_batch(reached: pd.DataFrame, m_star: float, train_loss_star: float) -> str:
    """How much of the ideal (proportional) cut in iterations each batch increase bought,
    read against m*, which is derived for interpolation (L* = 0)."""
    rb, iters = reached["batch_size"].tolist(), reached["t_target"].tolist()
    steps = [(rb[i], rb[i + 1], (iters[i] / iters[i + 1]) / (rb[i + 1] / rb[i])) for i in range(len(rb) - 1)]
    listed = ", ".join(f"{a}→{b}: {100 * e:.0f}%" for a, b, e in steps)
    text = (
        f"**Critical batch size.** The data give m* = β/λ_max + 1 = {m_star:.1f}. A batch k times larger would "
        f"ideally need k times fewer iterations; the share of that ideal cut actually obtained was {listed}."
    )
    below = [e for a, b, e in steps if b <= m_star]
    above = [(a, b, e) for a, b, e in steps if a >= m_star]
    if below and above:
        lo, hi = sum(e for _, _, e in above) / len(above), sum(below) / len(below)
        text += (
            f" Below m* the increases bought {100 * hi:.0f}% of the ideal on average, above it {100 * lo:.0f}%: "
            + (
                "diminishing returns beyond the critical batch size, as Ma, Bassily & Belkin predict."
                if lo < hi
                else "these runs do not show the diminishing returns the theory predicts beyond m*."
            )
        )
    if above:
        text += (
            f" That prediction is made under interpolation (L* = 0), where beyond m* a larger batch buys almost no "
            f"cut in iterations. Here L* = {train_loss_star:.4f} > 0: at the optimum the gradients of single samples "
            f"do not vanish, their noise sets a floor ∝ η/B, and a larger batch keeps lowering it, so a loss target "
            f"close to L* can keep rewarding larger batches past m*. Measured beyond m*: "
            + ", ".join(f"{a}→{b} bought {100 * e:.0f}% of the ideal cut" for a, b, e in above)
            + "."
        )
    return text


def batch_hand_summary_text(table: pd.DataFrame) -> str:
    """All batch sizes against the hand-made reports: rates, accuracies in the hand setting, times.

    ``table`` columns: batch_size, lr, hand_lr (NaN when not given), hand_ref_test_acc,
    hand_test_acc, hand_test_acc_std (the hand setting re-run here), hand_seconds_50
    and seconds_50_epochs (hand figure, and this build's training loop extrapolated);
    optionally smallest_diverging (smallest rate of the sweep that diverged, NaN if none).
    """
    t = table.sort_values("batch_size")
    bs = [int(b) for b in t["batch_size"]]
    out = []
    rates = t.dropna(subset=["hand_lr"])
    if len(rates):
        lower = int((rates["hand_lr"] < rates["lr"]).sum())
        out.append(
            "By hand the learning rates were "
            + ", ".join(f"{v:g}" for v in rates["hand_lr"])
            + f" for B = {', '.join(str(int(b)) for b in rates['batch_size'])}; the sweep at each B's horizon chose "
            + ", ".join(f"{v:g}" for v in rates["lr"])
            + f", larger in {lower} of {plural(len(rates), 'case')}"
            + " (by hand the rates were not compared at the horizon of the runs they were used for)."
        )
    if "smallest_diverging" in t.columns:
        # by hand, η = 0.1 diverged at every batch size
        diverges = [int(b) for b, v in zip(t["batch_size"], t["smallest_diverging"]) if v <= 0.1]
        if len(diverges) == len(t):
            where = (
                "at every B run too (the smallest diverging rate of each sweep: "
                + ", ".join(f"{v:g}" for v in t["smallest_diverging"])
                + ")"
            )
        else:
            where = f"at B = {', '.join(map(str, diverges))} only" if diverges else "at no B of the sweeps"
        out.append(f"By hand η = 0.1 diverged at every batch size; here it diverged {where}.")
    accs = t.dropna(subset=["hand_ref_test_acc"])
    if len(accs):
        diffs = 100 * (accs["hand_test_acc"] - accs["hand_ref_test_acc"])
        within = [
            int(b)
            for b, d, sd in zip(accs["batch_size"], diffs, accs["hand_test_acc_std"])
            if agrees_with_hand(d, 100 * sd)
        ]
        out.append(
            "Re-run in the hand-made setting, the test accuracies differ from the hand figures by "
            + ", ".join(f"{d:+.2f}" for d in diffs)
            + " points"
            + (f"; within a single run's seed noise at B = {', '.join(map(str, within))}" if within else "")
            + "."
        )
    times = t.dropna(subset=["hand_seconds_50"])
    if len(times) >= 2:
        factor = (times["hand_seconds_50"] / times["seconds_50_epochs"]).tolist()
        tb = [int(b) for b in times["batch_size"]]
        largest = tb[factor.index(max(factor))]
        text = (
            "For 50 epochs the hand-made times were "
            + ", ".join(f"{v:g} s" for v in times["hand_seconds_50"])
            + "; this build's training loop, extrapolated from its measured time per iteration, would take "
            + ", ".join(f"{v} s" for v in fixed(times["seconds_50_epochs"]))
            + f" for B = {', '.join(map(str, tb))}: "
            + "the hand-made times are "
            + ", ".join(f"{f:.0f}×" for f in factor)
            + f" these, most at B = {largest}"
        )
        if largest == tb[0]:
            text += (
                f", where an epoch is the most steps ({TRAIN_IMAGES // tb[0]:,}): a fixed cost per step, such as an "
                f"interpreted loop's, weighs most there"
            )
        out.append(text + ".")
    if not out:
        return f"The hand-made reports give no figure for B = {', '.join(map(str, bs))}."
    return " ".join(out)  # under its own heading
