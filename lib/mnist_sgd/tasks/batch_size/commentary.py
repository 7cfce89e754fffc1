"""Task 4's commentary: what the batch size does across all of Task 3's runs, each sentence
written from the table the summary computed (Task 3's per-batch-size text: ``per_batch``)."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science.criteria import intervals_overlap
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.noise import fit_steps_model
from mnist_sgd.show.commentary import agrees_with_hand, trend
from mnist_sgd.show.present import fixed, mean_sds, plural
from mnist_sgd.tasks.batch_size.per_batch import FLOOR_RATIO, floor_verdict


def batch_size_commentary(table: pd.DataFrame, m_star: float, target_pct: float, train_loss_star: float) -> str:
    """The role of the batch size, from one row per B.

    ``table`` columns: batch_size, lr, eta_star, eta_max, smallest_diverging (smallest
    learning rate of the sweep at which a seed diverged, NaN if none), itr,
    final_test_acc (fraction, at the end of the run), t_target (iterations for every seed to reach
    ``target_pct``% above L*, NaN if never), seconds_target and seconds_target_sd
    (training seconds to it, mean and s.d. over seeds), excess_pct and
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
        out.append(_clocks_paragraph(reached, target_pct))
        out.append(_wall_clock_paragraph(reached, target_pct))
    missing = t[t["t_target"].isna()]["batch_size"].tolist()
    if missing:
        out.append(f"B = {', '.join(map(str, missing))} never came within {target_pct:g}% of L* in the iterations run.")
    out.append(_floor_paragraph(t))
    if len(reached) >= 2:
        out.append(_critical_batch(reached, m_star, train_loss_star, target_pct))
    if len(reached) >= 2 and reached["noise_target"].notna().all():
        out.append(_noise_scale_paragraph(reached, target_pct))
    acc = (100 * t["final_test_acc"]).tolist()
    spread = max(acc) - min(acc)
    verdict = (
        "the batch size changes the cost of getting there far more than where the runs end"
        if spread < 1.0
        else "the batch size also changes where the runs end"
    )
    out.append(
        f"**Test accuracy.** At the end of the runs the test accuracy ranges from {min(acc):.2f}% to {max(acc):.2f}% across batch sizes "
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


def fewest(table: pd.DataFrame, column: str) -> tuple[list[int], bool]:
    """The batch sizes with the least ``column`` (mean over seeds, with ``column``_sd), and
    whether that is a win: ([B], True) when its mean ± s.d. overlaps no other's; otherwise
    every B tied with it, least first, and False. ([], False) when none has a value."""
    ranked = table.dropna(subset=[column]).sort_values(column)
    if ranked.empty:
        return [], False
    first = ranked.iloc[0]
    tied = [
        int(r["batch_size"])
        for _, r in ranked.iterrows()
        if intervals_overlap(first[column], first[f"{column}_sd"], r[column], r[f"{column}_sd"])
    ]
    return tied, len(tied) == 1


def _clocks_paragraph(reached: pd.DataFrame, target_pct: float) -> str:
    """Iterations and samples to the target, ranked only where the seeds separate them."""
    rb = reached["batch_size"].astype(int).tolist()
    iters, samples = reached["t_target"].tolist(), reached["samples_target"].tolist()
    seeds = int(reached["seeds"].min())
    spacing = reached["checkpoint_ratio"].dropna()
    text = (
        f"**Iterations against samples.** To come within {target_pct:g}% of L* (each seed's crossing interpolated "
        f"between checkpoints"
        + (f" {100 * (spacing.min() - 1):.0f}-{100 * (spacing.max() - 1):.0f}% apart in t" if len(spacing) else "")
        + f"; mean ± s.d. over {plural(seeds, 'seed')}), the number of iterations {trend(iters)} with the batch size "
        f"({', '.join(f'B = {b}: {m:,.0f} ± {sd:,.0f}' for b, m, sd in zip(rb, iters, reached['t_target_sd']))}), "
        f"while the samples processed (iterations × B) {trend(samples)} "
        f"({', '.join(f'{m:,.0f} ± {sd:,.0f}' for m, sd in zip(samples, reached['samples_target_sd']))})."
    )
    least, won = fewest(reached, "samples_target")
    if won:
        text += f" B = {least[0]} needed the fewest samples, by more than the seeds' spread."
    else:
        text += (
            f" B = {joined(sorted(least))} tie for the fewest samples: their mean ± s.d. intervals overlap, "
            "so these runs cannot rank them."
        )
    return text


def _noise_scale_paragraph(reached: pd.DataFrame, target_pct: float) -> str:
    """The gradient noise scale measured at the target against the steps the batch sizes took,
    read through McCandlish et al.'s model S = S_min (1 + B_noise / B)."""
    rb = reached["batch_size"].astype(int).tolist()
    noise = reached["noise_target"].tolist()
    s_min, b_crit = fit_steps_model(reached["batch_size"].to_numpy(), reached["t_target"].to_numpy())
    level = sum(noise) / len(noise)
    fits = s_min > 0 and b_crit > 0  # NaN when S_min is not positive: not a fit
    text = (
        "**Gradient noise, measured.** A batch of B samples drawn with replacement estimates the full gradient G "
        "with a noise of covariance Σ/B, where Σ is the covariance of the per-sample gradients; the noise scale "
        "B_noise = tr(Σ)/|G|² (McCandlish et al., *An Empirical Model of Large-Batch Training*, 2018) is the batch "
        "size at which the noise's expected squared norm equals the gradient's own. Computed exactly over the "
        f"60,000 training images along the runs, at the moment each came within {target_pct:g}% of L* it was "
        + ", ".join(f"{v:,.0f} (B = {b})" for b, v in zip(rb, noise))
        + ". "
        + _below_and_above(rb, noise)
        + " The model predicts S = S_min·(1 + B_noise/B) steps to a fixed loss: fitted to the iterations measured "
        "(least squares on the relative error), "
        + (
            f"S_min = {s_min:,.0f} and B_noise = {b_crit:,.0f}"
            if fits
            else "no positive S_min and B_noise fit them, so these runs do not bear the model out."
        )
    )
    if not fits:
        return text
    inside = min(noise) <= b_crit <= max(noise)
    ratio = b_crit / level
    return text + (
        f", {ratio:.1f} times the mean measured at the target ({level:,.0f})"
        + (
            ", within the range measured: the steps saved by larger batches follow the noise they remove."
            if inside
            else (
                ": the same order, though outside the range measured (the model assumes the best rate at each B "
                "and one noise scale along the whole run)."
                if 0.3 <= ratio <= 3
                else ": not the same order, so these runs do not bear the model out quantitatively."
            )
        )
    )


def _below_and_above(batch_sizes: list[int], noise: list[float]) -> str:
    """Which batch sizes lie below the noise scale measured at their own crossing, which above,
    and what that means for a step."""
    below = [b for b, v in zip(batch_sizes, noise, strict=True) if b < v]
    above = [b for b, v in zip(batch_sizes, noise, strict=True) if b >= v]
    text = ""
    if below:
        text += (
            f"B = {joined(below)} {'lies' if len(below) == 1 else 'lie'} below the noise scale measured at their own crossing: there a single step's "
            "direction is mostly noise, which averages out only over many short steps, so the smaller the batch, the "
            "smaller the rate it can take."
        )
    if above:
        text += (
            f"{' ' if text else ''}B = {joined(above)} {'lies' if len(above) == 1 else 'lie'} above it: there a larger batch removes little noise that "
            "matters, so it saves few steps."
        )
    return text


def joined(items: list[int]) -> str:
    """'1', '1 and 10', '1, 10 and 100' (thousands separated)."""
    words = [f"{v:,}" for v in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _wall_clock_paragraph(reached: pd.DataFrame, target_pct: float) -> str:
    """Training seconds to the target, with a winner named only when the seeds' spread allows."""
    shown = mean_sds(reached["seconds_target"], reached["seconds_target_sd"])
    listed = ", ".join(f"B = {int(b)}: {s} s" for b, s in zip(reached["batch_size"], shown))
    fastest, won = fewest(reached, "seconds_target")
    if won:
        verdict = (
            f"B = {fastest[0]} was the fastest, by more than the spread over seeds (mean ± s.d. intervals do "
            f"not overlap)"
        )
    else:
        verdict = (
            f"B = {joined(sorted(fastest))} tie for the fastest: their mean ± s.d. intervals overlap, so "
            f"these timings cannot rank them"
        )
    return (
        f"**Wall-clock time.** Training seconds to within {target_pct:g}% of L* (mean ± s.d. over seeds, each "
        f"seed timed on its own run): {listed}. {verdict}. The seeds' spread in time is not the algorithm's: the "
        f"report's jobs run side by side on the machine's cores, so a run's seconds include the load of whatever "
        f"ran beside it, and only differences well beyond that spread are read."
    )


def _floor_paragraph(t: pd.DataFrame) -> str:
    """Across batch sizes: is the gap to L* at the end a noise floor or unfinished descent?"""
    bs = t["batch_size"].tolist()
    ratios = (t["half_end_excess_pct"] / t["excess_pct"]).tolist()
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
        "neighbourhood whose size grows with the gradient noise it sees, provided it has finished descending. Over the "
        "last doubling of each run the loss sat "
        + ", ".join(f"{f}%" for f in fixed(t["excess_pct"], 2))
        + f" above L* for B = {', '.join(map(str, bs))}, and was still changing by "
        + ", ".join(f"{100 * c:+.2f}%" for c in t["last_change"])
        + " per doubling of t. The same seeds at η/2 ended "
        + ", ".join(fixed(ratios, 2))
        + " times as far above L*. So B = "
        + "; B = ".join(f"{', '.join(map(str, g))}: {names[v]}" for v, g in groups.items())
        + f". The rule, applied to the gap at η/2 divided by the gap at η: below {FLOOR_RATIO:g} a noise floor, "
        "1 or more descent still under way, in between both."
    )


def _critical_batch(reached: pd.DataFrame, m_star: float, train_loss_star: float, target_pct: float) -> str:
    """How much of the ideal (proportional) cut in iterations each batch increase bought,
    read against m*, which is derived for interpolation (L* = 0)."""
    rb, iters = reached["batch_size"].tolist(), reached["t_target"].tolist()
    steps = [(rb[i], rb[i + 1], (iters[i] / iters[i + 1]) / (rb[i + 1] / rb[i])) for i in range(len(rb) - 1)]
    listed = ", ".join(f"{a}→{b}: {100 * e:.0f}%" for a, b, e in steps)
    text = (
        f"**Critical batch size.** The data give m* = β/λ_max + 1 = {m_star:.1f}. A batch k times larger would "
        f"ideally need k times fewer iterations; the share of that ideal cut actually obtained was {listed}."
    )
    rows = reached.reset_index(drop=True)
    for i, (a, b, e) in enumerate(steps):
        if e > 1:
            small, large = rows.iloc[i], rows.iloc[i + 1]
            text += (
                f" More than the ideal at {a}→{b} is possible because the rate changes with B: the chosen η grew "
                f"{large['lr'] / small['lr']:.3g}× for a {b / a:g}× batch, and the smaller batch's run ended "
                f"{small['excess_pct']:.2f}% above L*, "
                + (
                    "close to the target, so its last stretch to the target is slow: the count at the smaller batch "
                    "is inflated by its floor, not a gain per sample at the larger one."
                    if small["excess_pct"] > target_pct / 2
                    else "well below the target: the gain is the larger step the larger batch allows."
                )
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
