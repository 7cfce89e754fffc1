"""Commentary written from result tables: every number and every comparison in the text
is computed here from the table it is given, so the prose cannot contradict the plots."""

from __future__ import annotations

import math

import pandas as pd

from .present import fixed, mean_sd, mean_sds, plural
from .sgd import intervals_overlap


def learning_rate_text(lr: float, source: str) -> str:
    """The learning rate a section's runs use and where it comes from (``source``, as
    ``experiments.task3_lr`` words it)."""
    return f"Learning rate η = {lr:g}: {source}."


def _fmt_int(value: float) -> str:
    return "not reached" if not math.isfinite(value) else f"{int(round(value)):,}"


def _trend(values: list[float]) -> str:
    """'falls', 'rises' or 'is not monotone' for a sequence ordered by batch size."""
    pairs = list(zip(values, values[1:]))
    if all(b < a for a, b in pairs):
        return "falls"
    if all(b > a for a, b in pairs):
        return "rises"
    return "is not monotone"


# Halving η at a pure noise floor halves the excess over L* (it is ∝ η); below this ratio
# the floor dominates, at 1 or above the smaller step is still behind: unfinished descent.
FLOOR_RATIO = 0.75


def lr_choice_text(
    ranking: pd.DataFrame, batch_size: int, horizon: int, eta_star: float, eta_max: float, lr_stability: float
) -> str:
    """What the learning-rate sweep of one batch size chose, how close the runner-up was,
    and where the choice sits against the theory.

    ``ranking``: ``sgd.lr_ranking`` of the sweep (columns lr, seeds, diverged_seeds,
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


def agrees_with_hand(diff_points: float, sd_points: float) -> bool:
    """A hand figure (one run, rounded to 0.1 point) agrees with the same setting re-run here when
    they differ by at most two s.d. of a single run over seeds plus that rounding."""
    return abs(diff_points) <= 2 * sd_points + 0.05


def hand_setting_text(theirs: float, ours: float, sd: float, seeds: int) -> str:
    """A hand-made test accuracy against the same setting re-run here (fractions; ``sd`` over
    ``seeds``): the two figures, their difference and whether seed noise covers it."""
    diff = 100 * (ours - theirs)
    verdict = (
        "agrees: the difference is within two s.d. of a single run plus the hand figure's rounding"
        if agrees_with_hand(diff, 100 * sd)
        else "differs by more than a single run's seed noise; the hand-made report does not state its seed, "
        "sampling or data scaling, so the cause cannot be pinned down from here"
    )
    return (
        f"{100 * theirs:.1f}% test accuracy; that setting re-run here gives {100 * ours:.2f}% ± {100 * sd:.2f} "
        f"({plural(seeds, 'seed')}), {diff:+.2f} points: it {verdict}"
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
            f"{_trend(iters)} with the batch size ({', '.join(f'B = {b}: {_fmt_int(i)}' for b, i in zip(rb, iters))}), "
            f"while the number of samples processed (iterations × B) {_trend(samples)} "
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
    lr_trend = _trend(t["lr"].tolist())
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
                f", where an epoch is the most steps ({60000 // tb[0]:,}): a fixed cost per step, such as an "
                f"interpreted loop's, weighs most there"
            )
        out.append(text + ".")
    if not out:
        return f"The hand-made reports give no figure for B = {', '.join(map(str, bs))}."
    return " ".join(out)  # under its own heading


def dataset_size_commentary(table: pd.DataFrame, gap_points: float = 1.0) -> str:
    """What more training data buys, from one row per training-set size N'.

    ``table`` columns: dataset_size, subsets, converged_subsets (how many subsets met the
    convergence criterion), test_acc, test_acc_min, test_acc_max, train_acc (SGD at the end
    of its runs, fractions; mean, min and max over subsets), final_train_loss (SGD, mean), closed_form_test_acc,
    closed_form_train_acc, closed_form_train_loss (least squares on the same subsets,
    means). ``gap_points``: the train/test gap, in accuracy points, counted as closed.
    Works with any number of rows (one or more sizes).
    """
    t = table.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in t["dataset_size"]]
    test = (100 * t["test_acc"]).tolist()
    train = (100 * t["train_acc"]).tolist()
    gap = [a - b for a, b in zip(train, test)]
    cf_test = (100 * t["closed_form_test_acc"]).tolist()
    out = []

    if len(t) < 2:
        return (
            f"Only one training-set size was run (N' = {ns[0]:,}), so there is nothing to compare: SGD reached "
            f"{test[0]:.2f}% test accuracy and {train[0]:.2f}% on its training subset (a gap of {gap[0]:.2f} points); "
            f"the closed form on the same subsets reached {cf_test[0]:.2f}% on the test set."
        )

    out.append(_gains_text(ns, test))

    text = (
        "**Train/test gap.** The training accuracy (on the subset trained on) minus the test accuracy is "
        + ", ".join(f"{g:.2f}" for g in gap)
        + f" points for N' = {', '.join(f'{n:,}' for n in ns)}: it "
        f"{_trend(gap).replace('falls', 'shrinks').replace('rises', 'grows')} with the data."
    )
    closed = [i for i in range(len(ns)) if abs(gap[i]) < gap_points and all(abs(g) < gap_points for g in gap[i:])]
    if closed:
        i = closed[0]
        text += f" It is below {gap_points:g} point{'s' if gap_points != 1 else ''} from N' = {ns[i]:,} on" + (
            f" (at N' = {ns[i - 1]:,} it was still {gap[i - 1]:.2f})." if i > 0 else ", the smallest size run."
        )
    else:
        smallest = min(range(len(gap)), key=lambda j: abs(gap[j]))
        text += (
            f" It does not stay below {gap_points:g} point{'s' if gap_points != 1 else ''} within the sizes run "
            f"(smallest: {gap[smallest]:.2f} at N' = {ns[smallest]:,})."
        )
    out.append(text)

    diff = [s - c for s, c in zip(test, cf_test)]
    above = [n for n, d in zip(ns, diff) if d > 0]
    text = (
        "**SGD against the closed form.** On the same subsets, SGD's test accuracy minus the least-squares "
        "solution's is " + ", ".join(f"{d:+.2f}" for d in diff) + f" points for N' = {', '.join(f'{n:,}' for n in ns)}."
    )
    interpolating = [n for n, loss in zip(ns, t["closed_form_train_loss"]) if loss < 1e-6]
    if interpolating:
        text += (
            f" At N' = {', '.join(f'{n:,}' for n in interpolating)} the closed form fits its training subset exactly "
            f"(training loss below 1e-6)"
        )
        sgd_loss = dict(zip(ns, t["final_train_loss"]))
        spread = dict(zip(ns, (100 * (t["test_acc_max"] - t["test_acc_min"])).tolist()))
        margin = dict(zip(ns, diff))
        better = [n for n in interpolating if n in above and margin[n] > spread[n]]
        unclear = [n for n in interpolating if abs(margin[n]) <= spread[n]]
        if better:
            text += (
                f"; SGD, whose training loss there is still {', '.join(fixed([sgd_loss[n] for n in better]))} at the "
                f"end of its runs, has the higher test accuracy at N' = {', '.join(f'{n:,}' for n in better)}, by more "
                f"than the spread of SGD over subsets: the exact fit of the few training images generalises worse "
                f"than SGD stopped before it"
            )
        else:
            text += "; SGD's test accuracy is not higher there by more than its spread over subsets"
        if unclear:
            text += (
                f" (at N' = {', '.join(f'{n:,}' for n in unclear)} the difference is within SGD's min-max range over "
                f"subsets, {', '.join(f'{spread[n]:.2f}' for n in unclear)} points)"
            )
        text += "."
    out.append(text)

    unconverged = [n for n, c, s in zip(ns, t["converged_subsets"], t["subsets"]) if c < s]
    if unconverged:
        out.append(
            f"At N' = {', '.join(f'{n:,}' for n in unconverged)} not every subset met the convergence criterion "
            f"within the iterations run, so those points describe SGD after a fixed budget rather than at rest."
        )
    if {"rank_min", "rank_max"} <= set(t.columns):
        out.append(double_descent_text(t))
    return "\n\n".join(out)


def _step_factor(a: int, b: int) -> str:
    ratio = b / a
    return f"×{ratio:.0f}" if abs(ratio - round(ratio)) < 1e-9 else f"×{ratio:.2g}"


def _gains_text(ns: list[int], test: list[float]) -> str:
    """The gain of each step of the grid, with a rate in the unit of that step: per tenfold
    only for a tenfold step; steps of other sizes are compared per doubling of N'."""
    parts, per_doubling = [], []
    for a, b, d in zip(ns, ns[1:], [y - x for x, y in zip(test, test[1:])]):
        doublings = math.log2(b / a)
        per_doubling.append(d / doublings)
        if abs(b / a - 10) < 1e-9:
            parts.append(f"{a:,}→{b:,}: {d:+.2f} points ({d:+.2f} per tenfold)")
        elif abs(b / a - 2) < 1e-9:
            parts.append(f"{a:,}→{b:,} (a doubling): {d:+.2f} points")
        else:
            parts.append(f"{a:,}→{b:,} ({_step_factor(a, b)}): {d:+.2f} points ({d / doublings:+.2f} per doubling)")
    text = (
        f"**Test accuracy against data.** SGD's test accuracy {_trend(test)} with the training-set size, from "
        f"{test[0]:.2f}% at N' = {ns[0]:,} to {test[-1]:.2f}% at N' = {ns[-1]:,}. Per step of the grid: "
        + ", ".join(parts)
        + "."
    )
    if len(per_doubling) >= 2:
        shown = ", ".join(f"{p:+.2f}" for p in per_doubling)
        if all(b < a for a, b in zip(per_doubling, per_doubling[1:])):
            text += (
                f" Per doubling of N' the gain ({shown} points) falls at every step of the grid: diminishing returns."
            )
        elif all(b > a for a, b in zip(per_doubling, per_doubling[1:])):
            text += f" Per doubling of N' the gain ({shown} points) rises at every step of the grid."
        else:
            text += f" Per doubling of N' the gain ({shown} points) is not monotone across the grid."
    return text


def double_descent_text(t: pd.DataFrame) -> str:
    """Where the minimum-norm least squares is worst, named against the rank of X'.

    ``t`` columns: dataset_size, closed_form_test_acc, rank_min, rank_max (of X' over the
    subsets). An exact fit exists while rank X' = N'; past the largest rank a subset can
    have, it does not. The test accuracy of the minimum-norm fit dips where N' reaches the
    rank (the interpolation threshold), because the smallest non-zero singular value of X'
    is smallest there and the fit's norm largest: the double-descent peak of the error.
    """
    ns = [int(n) for n in t["dataset_size"]]
    cf = (100 * t["closed_form_test_acc"]).tolist()
    full = [n for n, lo in zip(ns, t["rank_min"]) if lo == n]
    short = [(n, int(lo), int(hi)) for n, lo, hi in zip(ns, t["rank_min"], t["rank_max"]) if lo < n]
    worst = cf.index(min(cf))
    text = (
        f"**The closed form's dip: double descent.** The least-squares solution's test accuracy is lowest at "
        f"N' = {ns[worst]:,} ({cf[worst]:.2f}%, against {', '.join(f'{c:.2f}%' for c in cf)} for N' = "
        f"{', '.join(f'{n:,}' for n in ns)})."
    )
    ranks = ", ".join(f"N' = {n:,}: {lo}" + (f"-{hi}" if hi != lo else "") for n, lo, hi in short)
    if full:
        text += f" Up to N' = {max(full):,} every subset has rank X' = N' and is fitted exactly"
        text += f"; above it the rank is below N' ({ranks})" if short else ""
        text += "."
    elif short:
        text += f" No subset has rank X' = N' ({ranks})."
    if full and short and ns[worst] in (max(full), min(n for n, _, _ in short)):
        lo = max(full)
        text += (
            f" The interpolation threshold, where the number of images reaches the number of independent directions "
            f"they span, therefore lies between N' = {lo:,} and the rank reached at N' = {short[0][0]:,} "
            f"({short[0][2]} at most), not at the 784 pixels: the images span fewer directions than they have pixels "
            f"(a pixel never lit in a subset adds none), at most {max(hi for _, _, hi in short)} in these subsets. "
            f"The dip at N' = {ns[worst]:,} is the double-descent peak of the test error of the minimum-norm fit: at "
            f"the threshold an exact fit still exists but is badly conditioned, its smallest non-zero singular values "
            f"near zero."
        )
        if "test_acc" in t.columns:
            sgd = (100 * t["test_acc"]).tolist()
            text += (
                " SGD's test accuracy at the same sizes, "
                + ", ".join(f"{v:.2f}%" for v in sgd)
                + (
                    ", has no dip: it rises at every step."
                    if _trend(sgd) == "rises"
                    else ", does not rise at every step either."
                )
            )
    if "closed_form_norm" in t.columns:
        norms = t["closed_form_norm"].tolist()
        top = norms.index(max(norms))
        text += (
            " The norm of the closed-form weights, ‖W*‖, is "
            + ", ".join(f"{v:.3g}" for v in norms)
            + f" for the same sizes: largest at N' = {ns[top]:,}"
            + (", where the test accuracy dips." if top == worst else ".")
        )
    return text


def _closest(target: float, candidates: dict[str, float]) -> str:
    return min(candidates, key=lambda k: abs(candidates[k] - target))


def dataset_size_stopping_text(t: pd.DataFrame, heldout_fraction: float) -> str:
    """End of run, best along the run and stopped early, per N'.

    ``t`` columns: dataset_size, iterations, test_acc (end of run, subset mean),
    peak_test_acc and peak_t (highest point of the subset-mean test curve and its t),
    early_test_acc (mean over subsets of the test accuracy where each run, trained without
    its held-out part, had its best held-out accuracy), early_t_min, early_t_max, and
    heldout_end_test_acc (the same held-out runs at their end).
    """
    t = t.sort_values("dataset_size")
    lines = []
    for r in t.itertuples(index=False):
        stop = f"{r.early_t_min:,}" if r.early_t_min == r.early_t_max else f"{r.early_t_min:,}-{r.early_t_max:,}"
        lines.append(
            f"- N' = {r.dataset_size:,}: end of run (t = {r.iterations:,}) {100 * r.test_acc:.2f}%; best along the run "
            f"{100 * r.peak_test_acc:.2f}% at t = {r.peak_t:,}; stopped early {100 * r.early_test_acc:.2f}% (t = {stop}), "
            f"against {100 * r.heldout_end_test_acc:.2f}% for the same runs at their end."
        )
    gain = 100 * (t["early_test_acc"] - t["heldout_end_test_acc"])
    helped = [int(n) for n, g in zip(t["dataset_size"], gain) if g > 0]
    share = f"{100 * heldout_fraction:.0f}%"
    return (
        "**End of run, best along the run, stopped early.** The best along the run is read off the test set itself, "
        "so it is an upper bound, not an estimate. The early-stopped value is honest: each subset was split at random, "
        f"{share} of its N' images held out and never trained on, SGD run on the other "
        f"{100 - 100 * heldout_fraction:.0f}% with the same settings, stopped at the checkpoint of highest accuracy on "
        "the held-out images, and its test accuracy there is reported (a model that saw fewer images than N').\n\n"
        + "\n".join(lines)
        + "\n\n"
        + (
            f"Stopping on the held-out images beat running to the end at N' = {', '.join(f'{n:,}' for n in helped)}"
            f" (by {', '.join(f'{g:.2f}' for g in gain[gain > 0])} points)"
            if helped
            else "Stopping on the held-out images beat running to the end at no N'"
        )
        + ": the longer run fits the few training images ever more closely at the expense of the test images."
    )


def dataset_size_references_text(t: pd.DataFrame, refs: pd.DataFrame, lr: float) -> str:
    """'Compared with the hand-made reports' for Task 5.

    ``t`` as for ``dataset_size_stopping_text`` plus, optionally, ``at_hand_budget_acc``
    (the subset-mean test accuracy at the checkpoint nearest t = eta_t / lr) and
    ``at_hand_budget_t``. ``refs``: ``references.table(5)`` (columns what, key, value,
    setting, eta_t); ``lr`` the learning rate of these runs.
    """
    t = t.sort_values("dataset_size").set_index("dataset_size")
    out = ["**Compared with the hand-made reports.**"]
    for _what, group in refs.groupby("what", sort=False):
        group = group.assign(n=group["key"].astype(int)).sort_values("n")
        out.append(
            f"By hand ({group['setting'].iloc[0]}): "
            + ", ".join(f"{100 * v:.0f}%" for v in group["value"])
            + f" for N' = {', '.join(f'{n:,}' for n in group['n'])}."
        )
    iters = int(t["iterations"].iloc[0])
    out.append(
        f"Here (B = 100, η = {lr:g}, {iters:,} iterations, so η·t = {lr * iters:,.0f}): end of run "
        + ", ".join(f"{100 * v:.2f}%" for v in t["test_acc"])
        + "; best along the run "
        + ", ".join(f"{100 * v:.2f}%" for v in t["peak_test_acc"])
        + "; stopped early "
        + ", ".join(f"{100 * v:.2f}%" for v in t["early_test_acc"])
        + "."
    )
    first = refs[refs["eta_t"].notna()]
    if len(first):
        hand = {int(k): v for k, v in zip(first["key"], first["value"])}
        common = [n for n in t.index if n in hand]
        kinds = {"end of run": "test_acc", "best along the run": "peak_test_acc", "stopped early": "early_test_acc"}
        if "at_hand_budget_acc" in t.columns:
            kinds["at the hand-made budget"] = "at_hand_budget_acc"
        dist = {k: sum(abs(100 * (t.loc[n, c] - hand[n])) for n in common) / len(common) for k, c in kinds.items()}
        near = _closest(0.0, dist)
        eta_t = float(first["eta_t"].iloc[0])
        text = (
            f"The hand-made runs stopped at η·t = {eta_t:g}, {lr * iters / eta_t:,.0f} times sooner than these. "
            f"Against the first report's figures the mean distance is "
            + ", ".join(f"{d:.2f} points ({k})" for k, d in dist.items())
            + f": the closest of our readings is “{near}”."
        )
        if "at_hand_budget_acc" in t.columns:
            text += (
                f" At the checkpoint nearest η·t = {eta_t:g} (t ≈ {eta_t / lr:,.0f}) our subset-mean test accuracy is "
                + ", ".join(f"{100 * v:.2f}%" for v in t.loc[common, "at_hand_budget_acc"])
                + f" for N' = {', '.join(f'{n:,}' for n in common)}."
            )
        if {"test_acc_min", "test_acc_max"} <= set(t.columns):
            spread = 100 * (t.loc[common, "test_acc_max"] - t.loc[common, "test_acc_min"])
            text += (
                " The hand figures come from one subset and one run each; our subsets' end-of-run test accuracies "
                f"span {', '.join(f'{s:.2f}' for s in spread)} points (min to max) at the same N', so a single "
                "subset's figure can differ from a mean by about that much."
            )
        out.append(text)
    return " ".join(out[:1]) + " " + " ".join(out[1:])


def _cell(b: float, lr: float) -> str:
    return f"B = {int(b)}, η = {lr:g}"


def mlp_grid_commentary(cells: pd.DataFrame, resolution: float) -> str:
    """Status of each cell, the best learning rate per batch size against the noise scale
    η/B, and what one seed can resolve.

    ``cells`` columns: batch_size, lr, status ('converged', 'stuck at chance', 'diverged'),
    test_acc (fraction), final_loss. ``resolution``: the per-epoch noise of one run's test
    accuracy in points (``netplots.epoch_noise``); a gap under twice it is not resolved.
    """
    c = cells.sort_values(["batch_size", "lr"]).assign(noise=lambda d: d["lr"] / d["batch_size"])
    counts = c["status"].value_counts()
    out = []
    text = (
        "**Status of the cells.** "
        + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in ("converged", "stuck at chance", "diverged"))
        + f" of {len(c)}."
    )
    bad = c[c["status"] != "converged"]
    if len(bad):
        text += (
            " Not learning: "
            + "; ".join(
                f"{_cell(r.batch_size, r.lr)} {r.status}"
                + (
                    f" (final training loss {r.final_loss:.3f} against ln 10 = {math.log(10):.3f}, test accuracy "
                    f"{100 * r.test_acc:.2f}%)"
                    if r.status == "stuck at chance"
                    else ""
                )
                for r in bad.itertuples(index=False)
            )
            + "."
        )
    out.append(text)

    ok = c[c["status"] == "converged"].dropna(subset=["test_acc"])
    best = []
    for b, at in ok.groupby("batch_size"):
        if len(at) >= 2:
            ranked = at.sort_values("test_acc", ascending=False)
            best.append((int(b), ranked.iloc[0], ranked.iloc[1]))
    if len(best) >= 2:
        lrs = [r["lr"] for _, r, _ in best]
        trend = _trend(lrs)
        verb = {"rises": "grows with B", "falls": "shrinks as B grows"}.get(
            trend, "never shrinks as B grows" if all(b >= a for a, b in zip(lrs, lrs[1:])) else "is not monotone in B"
        )
        text = (
            "**The best learning rate and the noise scale η/B.** Among the cells that learnt, the best final test "
            "accuracy is at "
            + ", ".join(f"η = {r['lr']:g} for B = {b}" for b, r, _ in best)
            + f": the best η {verb}. The gradient of a batch averages B per-example gradients, so the noise an SGD "
            "step adds scales with η/B: a larger batch tolerates, and needs, a larger step for the same noise. "
            "η/B of these best cells: " + ", ".join(f"{r['noise']:.3g} (B = {b})" for b, r, _ in best) + "."
        )
        lo, hi = min(r["noise"] for _, r, _ in best), max(r["noise"] for _, r, _ in best)
        if len(bad):
            above = bad[bad["noise"] > hi]
            text += (
                " The cells that did not learn have η/B = "
                + ", ".join(f"{r.noise:.3g} ({_cell(r.batch_size, r.lr)})" for r in bad.itertuples(index=False))
                + (": all above every best cell's, too noisy a step." if len(above) == len(bad) else ".")
            )
        text += (
            f" The grid steps η tenfold, so the best η/B is located only to within that factor "
            f"({lo:.3g} to {hi:.3g} here)."
        )
        out.append(text)
        if math.isfinite(resolution):
            gaps = [(b, 100 * (r["test_acc"] - s["test_acc"]), s["lr"]) for b, r, s in best]
            unresolved = [(b, g, lr) for b, g, lr in gaps if g < 2 * resolution]
            text = (
                f"**What one seed resolves.** Each cell ran one seed; the test accuracy of one run moves by "
                f"{resolution:.2f} points (median s.d. over its last epochs) from epoch to epoch, so gaps under "
                f"{2 * resolution:.2f} points are not resolved. The best η beats the next best by "
                + ", ".join(f"{g:.2f} points at B = {b} (η = {lr:g} next)" for b, g, lr in gaps)
                + ": "
            )
            text += (
                (
                    "unresolved at "
                    + ", ".join(f"B = {b}" for b, _, _ in unresolved)
                    + ", where the best η is a tie within the noise"
                )
                if unresolved
                else "all resolved"
            ) + "."
            out.append(text)
    return "\n\n".join(out)


def mlp_references_text(compared: pd.DataFrame, resolution: float) -> str:
    """'Compared with the hand-made reports' for Task 7.

    ``compared``: one row per reference cell with batch_size, lr, ref_test, ref_train
    (fractions), setting, and this report's test_acc, train_acc, status, epochs (NaN / missing
    when the cell was not run). ``resolution`` as in ``mlp_grid_commentary``.
    """
    c = compared.sort_values(["batch_size", "lr"])
    text = (
        f"**Compared with the hand-made reports.** By hand ({c['setting'].iloc[0]}), test / train accuracy: "
        + "; ".join(
            f"{_cell(r.batch_size, r.lr)}: {100 * r.ref_test:.2f}% / {100 * r.ref_train:.2f}%"
            for r in c.itertuples(index=False)
        )
        + "."
    )
    ran = c.dropna(subset=["test_acc"])
    if ran.empty:
        return text + " None of these cells was run here."
    seeds = plural(sorted({int(n) for n in ran["seeds"]}), "seed") + " per cell, " if "seeds" in ran else ""
    text += (
        " Here (PyTorch's default initialisation, inputs in [0, 1], "
        + seeds
        + plural(sorted({int(e) for e in ran["epochs"]}), "epoch")
        + "): "
        + "; ".join(
            f"{_cell(r.batch_size, r.lr)}: {100 * r.test_acc:.2f}% / {100 * r.train_acc:.2f}%"
            + ("" if r.status == "converged" else f" ({r.status})")
            for r in ran.itertuples(index=False)
        )
        + "."
    )
    bad = ran[ran["status"] != "converged"]
    if len(bad):
        text += (
            " The hand-made report has no run that stopped learning; ours at "
            + ", ".join(_cell(r.batch_size, r.lr) for r in bad.itertuples(index=False))
            + " did; with one run on each side, what makes the difference (initialisation, seed, input scaling) "
            "cannot be told."
        )
    ok = ran[ran["status"] == "converged"]
    if len(ok) and math.isfinite(resolution):
        diff = 100 * (ok["test_acc"] - ok["ref_test"])
        inside = int((diff.abs() < 2 * resolution).sum())
        text += (
            " Among the cells that learnt, ours minus the hand figure is "
            + ", ".join(f"{d:+.2f}" for d in diff)
            + f" test points; {inside} of {len(ok)} within twice the "
            f"per-epoch noise of one run ({2 * resolution:.2f} points), which is all one seed on each side can "
            "resolve."
        )
    return text


def dips_text(found: pd.DataFrame, points: float, resolution: float) -> str:
    """The one-epoch dips of the test accuracy (``netplots.dips``), and whether they recovered.

    ``resolution``: the per-epoch noise of one run, in points (median over runs).
    """
    if found.empty:
        return f"**Dips.** No run's test accuracy fell by more than {points:g} point{'s' if points != 1 else ''} from one epoch to the next."
    parts = []
    for model, d in found.groupby("model", sort=False):
        parts.append(
            f"{model}: "
            + ", ".join(
                f"{100 * r.test_acc:.2f}% at epoch {int(r.epoch)} (from {100 * r.before:.2f}%"
                + (f", back to {100 * r.after:.2f}% one epoch later)" if r.after == r.after else ", the last epoch)")
                for r in d.itertuples(index=False)
            )
        )
    back = found.dropna(subset=["back_at"])
    text = (
        f"**Dips.** The test accuracy fell by more than {points:g} point{'s' if points != 1 else ''} in one epoch at: "
        + "; ".join(parts)
        + f". The per-epoch noise of one run is {resolution:.2f} points: "
        + (
            "every fall is more than twice that. "
            if (100 * (found["before"] - found["test_acc"]) > 2 * resolution).all()
            else "not every fall is more than twice that. "
        )
        + f"In {len(back)} of {len(found)} dips the accuracy later regained its level before the dip"
        + (" (at epoch " + ", ".join(str(int(e)) for e in back["back_at"]) + ")" if len(back) else "")
    )
    text += (
        ": a dip is one evaluation of an SGD iterate that a constant step keeps moving around the minimum (a few "
        "unlucky last steps of the epoch), not a lasting loss of accuracy. "
        if len(back) == len(found)
        else "; the others did not regain it within the epochs run, so not every dip can be told apart from a lasting "
        "loss here. "
    )
    return text + (
        "The best-epoch column of the table shows what stopping at the best epoch would have given (read on the test "
        "set, so an upper bound)."
    )


def first_run_text(
    here: float,
    reference: float,
    alternatives: dict[str, float],
    epochs: int,
    resolution: float,
    curves: dict[str, list[float]] | None = None,
) -> str:
    """Why the first run (MLP 128, lr 0.01) differs from the hand figure: what can be tested here
    (``alternatives``: label -> test accuracy after the same ``epochs``) and what cannot be known.
    ``curves``: label -> test accuracy after each epoch (1, 2, ...), to say when each run first
    reached the hand figure."""
    text = (
        f"**The first run against the hand figure.** {100 * here:.2f}% here after {plural(epochs, 'epoch')} against "
        f"{100 * reference:.2f}% by hand ({100 * (here - reference):+.2f} points)."
    )
    if alternatives:
        text += (
            " Under the alternatives tested here, with everything else equal: "
            + ", ".join(f"{k}: {100 * v:.2f}%" for k, v in alternatives.items())
            + "."
        )
        near = min(alternatives, key=lambda k: abs(alternatives[k] - reference))
        if abs(alternatives[near] - reference) < abs(here - reference):
            text += f" The closest to the hand figure is {near}, {100 * (alternatives[near] - reference):+.2f} points from it."
        else:
            text += " None of them comes closer to the hand figure than the run as specified."
    for label, accs in (curves or {}).items():
        first = next((i + 1 for i, a in enumerate(accs) if a == a and a >= reference), None)
        text += (
            f" The {label} run passed the hand figure after epoch {first} ({100 * accs[first - 1]:.2f}%)."
            if first
            else f" The {label} run never reached the hand figure in {plural(len(accs), 'epoch')}."
        )
    text += (
        " The hand-made report does not state its initialisation, its seed, how its inputs were scaled in that run "
        "or how its accuracy was measured, so the cause of the difference cannot be known from it."
    )
    gap = abs(100 * (here - reference))
    if math.isfinite(resolution) and resolution > 0:
        text += (
            f" The gap is {gap / resolution:.0f} times the per-epoch noise of one run here ({resolution:.2f} points)"
            + (
                ": far more than the epoch-to-epoch noise of one run."
                if gap > 10 * resolution
                else ", not far beyond what one seed on each side can resolve."
                if gap > 2 * resolution
                else ": within what one seed on each side can resolve."
            )
        )
    return text
