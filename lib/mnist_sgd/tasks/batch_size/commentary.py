"""Task 4's commentary: what the batch size does across all of Task 3's runs, each sentence
written from the table the summary computed (Task 3's per-batch-size text: ``per_batch``)."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science.criteria import intervals_overlap
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.noise import fit_steps_model
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import fixed, mean_sds, plural
from mnist_sgd.tasks.batch_size.across import listed
from mnist_sgd.tasks.batch_size.per_batch import FLOOR_RATIO, floor_verdict


def batch_size_commentary(
    table: pd.DataFrame, m_star: float, target_pct: float, train_loss_star: float, *, behind: str
) -> str:
    """The role of the batch size, from one row per B.

    ``table`` columns: batch_size, lr, eta_star, eta_max, smallest_diverging (smallest
    learning rate of the sweep at which a seed diverged, NaN if none), itr,
    final_test_acc (fraction, at the end of the run), t_target (iterations for every seed to reach
    ``target_pct``% above L*, NaN if never), seconds_target and seconds_target_sd
    (training seconds to it, mean and s.d. over seeds), noise_target (B_noise there),
    excess_pct, last_change (signed change per doubling over the last window, fraction);
    from ``across.seed_ends``: gap_pct(_sd) and half_ratio(_sd) (the excess over L* at the end
    and each seed's ratio of it at η/2 to it at η); from ``across.run_facts``: largest_stable
    and noise_end. ``train_loss_star``: L*, the least-squares optimum of the training set.
    ``behind``: the anchor of the figures set in the per-run detail.
    """
    t = table.sort_values("batch_size").reset_index(drop=True)
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
    if t["noise_end"].notna().all():
        out.append(_noise_scale_paragraph(t, target_pct, behind))
    out.append(_test_accuracy_paragraph(t))
    return "\n\n".join(out)


def _test_accuracy_paragraph(t: pd.DataFrame) -> str:
    """The test accuracies at the end of the runs across batch sizes, the highest named only when
    its mean ± s.d. over seeds (``final_test_acc_std``, when given) does not overlap the lowest's."""
    acc = (100 * t["final_test_acc"]).tolist()
    sd = (100 * t["final_test_acc_std"]).tolist() if "final_test_acc_std" in t.columns else [math.nan] * len(acc)
    hi, lo = acc.index(max(acc)), acc.index(min(acc))
    spread = acc[hi] - acc[lo]
    tied = not math.isfinite(sd[hi] + sd[lo]) or intervals_overlap(acc[hi], sd[hi], acc[lo], sd[lo])
    who = (
        "all within the seeds' spread of each other"
        if tied
        else f"B = {t['batch_size'].iloc[hi]} highest, beyond the seeds' spread"
    )
    verdict = (
        "the batch size changes the cost of getting there far more than where the runs end"
        if tied or spread < 1.0
        else "the batch size also changes where the runs end"
    )
    return (
        f"**Test accuracy.** At the end of the runs the test accuracy ranges from {acc[lo]:.2f}% to {acc[hi]:.2f}% "
        f"across batch sizes ({who}): {verdict}."
    )


def _lr_paragraph(t: pd.DataFrame, train_loss_star: float) -> str:
    """The chosen rates against η*(B), with what that theory assumes and what its bound says."""
    bs = t["batch_size"].tolist()
    ratio = (t["lr"] / t["eta_star"]).tolist()
    return (
        f"**Learning rate.** {_rate_trend(t)} Relative to the theory "
        f"η\\*(B), the chosen rates are {', '.join(f'{r}×' for r in fixed(ratio, 2))} for B = {', '.join(map(str, bs))}. "
        f"That theory (Ma, Bassily & Belkin) assumes a model that fits every training sample exactly (L* = 0); here "
        f"L* = {train_loss_star:.4f}, so η\\*(B) is not the best step (the best rate at a finite horizon balances "
        f"speed against the noise floor, which is zero only under interpolation). " + _guarantee_text(t)
    )


def _rate_trend(t: pd.DataFrame) -> str:
    """How the chosen rate moves with the batch size, and why only where it grows."""
    lr, bs = t["lr"].tolist(), t["batch_size"].tolist()
    if len(set(lr)) == 1:
        return f"The sweeps chose the same rate, η = {lr[0]:g}, at every batch size."
    moves = {"rises": "grows", "falls": "shrinks"}.get(trend(lr), "is not monotone")
    text = (
        f"The chosen learning rate {moves} with the batch size, from {lr[0]:g} at B = {bs[0]} to {lr[-1]:g} "
        f"at B = {bs[-1]}"
    )
    if moves == "grows":
        return text + ": a larger batch averages more gradients, so its step is less noisy and can be longer."
    return text + "."


def _guarantee_text(t: pd.DataFrame) -> str:
    """What 2η*(B) is, against where the sweeps' runs stayed finite and where they diverged:
    the bound guarantees convergence below it, it does not say where runs diverge."""
    stable = t["largest_stable"] > t["eta_max"]
    early = t["smallest_diverging"] <= t["eta_max"]
    verdicts = []
    if stable.any():
        verdicts.append(
            f"at B = {listed([f'{b:,}' for b in t.loc[stable, 'batch_size'].tolist()])} rates above 2η\\*(B) stayed finite, as a "
            "sufficient condition allows"
        )
    if early.any():
        verdicts.append(
            f"at B = {listed([f'{b:,}' for b in t.loc[early, 'batch_size'].tolist()])} a rate at or below 2η\\*(B) diverged, which "
            "the guarantee excludes for a model that fits its data exactly"
        )
    if not verdicts:
        verdicts.append(
            "every rate that stayed finite lay below 2η\\*(B) and every divergence above it: at the sweep's "
            "spacing the bound and the divergence point cannot be told apart"
        )
    return (
        "2η\\*(B) is the largest step for which their analysis guarantees that SGD converges, a sufficient condition "
        "set through β by the sample of largest norm, not the rate at which runs diverge. In the sweeps "
        + "; ".join(_sweep_ends(r) for _, r in t.iterrows())
        + ": "
        + "; ".join(verdicts)
        + "."
    )


def _sweep_ends(row: pd.Series) -> str:
    """One batch size's sweep around 2η*(B): its largest finite rate and its smallest diverging one."""
    finite = row["largest_stable"]
    diverged = row["smallest_diverging"]
    return (
        f"B = {int(row['batch_size']):,}: "
        + (f"finite up to η = {finite:g}" if math.isfinite(finite) else "no rate finite")
        + (f", first diverging at {diverged:g}" if math.isfinite(diverged) else ", none diverging")
        + f", 2η\\*(B) = {row['eta_max']:.4f}"
    )


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


def trend_beyond_spread(values: list[float], sds: list[float]) -> str:
    """'falls', 'rises' or 'is not monotone' along a grid, a step counted only when the two values'
    mean ± s.d. intervals do not overlap (a step within the seeds' spread is no step); 'does not
    change beyond the seeds' spread' when no step is."""
    steps = [
        0 if intervals_overlap(a, sa, b, sb) else (1 if b > a else -1)
        for a, sa, b, sb in zip(values, sds, values[1:], sds[1:], strict=False)
    ]
    if not any(steps):
        return "does not change beyond the seeds' spread"
    if all(x >= 0 for x in steps):
        return "rises"
    if all(x <= 0 for x in steps):
        return "falls"
    return "is not monotone"


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
        + f"; mean ± s.d. over {plural(seeds, 'seed')}; a step within the seeds' spread is no step), the number of "
        f"iterations {trend_beyond_spread(iters, reached['t_target_sd'].tolist())} with the batch size "
        f"({', '.join(f'B = {b}: {m:,.0f} ± {sd:,.0f}' for b, m, sd in zip(rb, iters, reached['t_target_sd']))}), "
        f"while the samples processed (iterations × B) {trend_beyond_spread(samples, reached['samples_target_sd'].tolist())} "
        f"({', '.join(f'{m:,.0f} ± {sd:,.0f}' for m, sd in zip(samples, reached['samples_target_sd']))})."
    )
    least, won = fewest(reached, "samples_target")
    if won:
        text += f" B = {least[0]} needed the fewest samples, by more than the seeds' spread."
    else:
        text += (
            f" B = {listed([f'{b:,}' for b in sorted(least)])} tie for the fewest samples: their mean ± s.d. intervals overlap, "
            "so these runs cannot rank them."
        )
    return text


def _noise_scale_paragraph(t: pd.DataFrame, target_pct: float, behind: str) -> str:
    """The gradient noise scale measured along the runs against the batch sizes, and what
    McCandlish et al.'s model makes of it for the steps and samples to a given loss: read at
    the target where two batch sizes or more reached it (with the model fitted to their steps),
    else over the last doubling of the runs. Its figures are at the anchor ``behind``."""
    reached = t.dropna(subset=["t_target", "noise_target"])
    at_target = len(reached) >= 2
    rows = reached if at_target else t
    rb = rows["batch_size"].astype(int).tolist()
    noise = rows["noise_target" if at_target else "noise_end"].tolist()
    where = f"when each came within {target_pct:g}% of L*" if at_target else "over the last doubling of each run"
    text = (
        "**Gradient noise.** The noise scale B_noise = tr(Σ)/|G|², the batch size at which a batch gradient's noise "
        f"is as large as the gradient itself (McCandlish et al., 2018), computed over the {TRAIN_IMAGES:,} training "
        "images, was "
        + listed([f"{v:,.0f} at B = {b:,}" for b, v in zip(rb, noise, strict=True)])
        + f" {where}. "
        + _below_and_above(rb, noise)
        + " In their model a batch of B needs (1 + B_noise/B) times the fewest steps to a given loss and "
        "(1 + B/B_noise) times the fewest samples: "
        + "; ".join(
            f"B = {b:,}: {1 + v / b:.2g}× the steps, {1 + b / v:.2g}× the samples"
            for b, v in zip(rb, noise, strict=True)
        )
        + "."
    )
    if at_target:
        text += " " + _steps_fit_text(reached)
    drawn = "The noise along the runs and the fit are" if at_target else "The noise along the runs is"
    return f"{text} {drawn} drawn [in the per-run detail]({behind})."


def _steps_fit_text(reached: pd.DataFrame) -> str:
    """McCandlish et al.'s steps model fitted to the iterations to the target, against the
    noise scale measured there."""
    s_min, b_crit = fit_steps_model(reached["batch_size"].to_numpy(), reached["t_target"].to_numpy())
    text = "Fitted to the iterations measured (least squares on the relative error), S = S_min·(1 + B_noise/B) "
    if not (s_min > 0 and b_crit > 0):  # NaN when S_min is not positive: not a fit
        return text + "has no positive S_min and B_noise: these runs do not bear the model out."
    noise = reached["noise_target"]
    ratio = b_crit / noise.mean()
    verdict = (
        "within the range measured: the steps saved by larger batches follow the noise they remove"
        if noise.min() <= b_crit <= noise.max()
        else "the same order, though outside the range measured (the model assumes the best rate at each B and one "
        "noise scale along the whole run)"
        if 0.3 <= ratio <= 3
        else "not the same order, so these runs do not bear the model out quantitatively"
    )
    return (
        text + f"gives S_min = {s_min:,.0f} and B_noise = {b_crit:,.0f}, {ratio:.1f} times the mean measured at "
        f"the target ({noise.mean():,.0f}): {verdict}."
    )


def _below_and_above(batch_sizes: list[int], noise: list[float]) -> str:
    """Which batch sizes lie below the noise scale measured at their own runs, which above, and
    what that means for a step."""
    below = [b for b, v in zip(batch_sizes, noise, strict=True) if b < v]
    above = [b for b, v in zip(batch_sizes, noise, strict=True) if b >= v]
    parts = []
    if below:
        parts.append(
            f"{_lie(below, 'below')}: there a step's direction is mostly noise, so a larger batch cuts the steps "
            "almost in proportion at little cost in samples"
        )
    if above:
        parts.append(
            f"{_lie(above, 'above')}: there a larger batch removes little noise that matters, so it saves few steps "
            "and costs samples almost in proportion"
        )
    return "; ".join(parts) + "."


def _lie(batch_sizes: list[int], side: str) -> str:
    """'B = 10 lies below its own B_noise', 'B = 10 and 100 lie above their own B_noise'."""
    one = len(batch_sizes) == 1
    return f"B = {listed([f'{b:,}' for b in batch_sizes])} {'lies' if one else 'lie'} {side} {'its' if one else 'their'} own B_noise"


def _wall_clock_paragraph(reached: pd.DataFrame, target_pct: float) -> str:
    """Training seconds to the target, with a winner named only when the seeds' spread allows."""
    shown = mean_sds(reached["seconds_target"], reached["seconds_target_sd"])
    times = ", ".join(f"B = {int(b)}: {s} s" for b, s in zip(reached["batch_size"], shown))
    fastest, won = fewest(reached, "seconds_target")
    if won:
        verdict = (
            f"B = {fastest[0]} was the fastest, by more than the spread over seeds (mean ± s.d. intervals do "
            f"not overlap)"
        )
    else:
        verdict = (
            f"B = {listed([f'{b:,}' for b in sorted(fastest)])} tie for the fastest: their mean ± s.d. intervals overlap, so "
            f"these timings cannot rank them"
        )
    return (
        f"**Wall-clock time.** Training seconds to within {target_pct:g}% of L* (mean ± s.d. over seeds, each "
        f"seed timed on its own run): {times}. {verdict}. The seeds' spread in time is not the algorithm's: the "
        f"report's jobs run side by side on the machine's cores, so a run's seconds include the load of whatever "
        f"ran beside it, and only differences well beyond that spread are read."
    )


def _floor_paragraph(t: pd.DataFrame) -> str:
    """Across batch sizes: is the gap to L* at the end a noise floor or unfinished descent? Read
    on each seed's ratio of its gap at η/2 to its gap at η (``across.seed_ends``)."""
    bs = t["batch_size"].tolist()
    verdicts = [floor_verdict(r) for r in t["half_ratio"]]
    groups = {v: [b for b, w in zip(bs, verdicts) if w == v] for v in dict.fromkeys(verdicts)}
    names = {
        "noise floor": "at SGD's noise floor (halving η shrank the gap towards half)",
        "descending": "still descending (at η/2 the gap was not smaller but larger)",
        "both": "between the two (the gap shrank at η/2, but by far less than the half a pure floor gives)",
        "unknown": "not classified (no gap to compare)",
    }
    return (
        "**Noise floor or still descending.** With a constant step SGD does not settle at the optimum but in a "
        "neighbourhood whose size grows with the gradient noise it sees, provided it has finished descending. Over the "
        "last doubling of each run the loss sat "
        + ", ".join(f"{f}%" for f in mean_sds(t["gap_pct"], t["gap_pct_sd"]))
        + f" above L* for B = {', '.join(map(str, bs))} (mean ± s.d. over seeds), and was still changing by "
        + ", ".join(f"{100 * c:+.2f}%" for c in t["last_change"])
        + " per doubling of t. Each seed at η/2 ended "
        + ", ".join(mean_sds(t["half_ratio"], t["half_ratio_sd"], 2))
        + " times as far above L* as the same seed at η. So B = "
        + "; B = ".join(f"{', '.join(map(str, g))}: {names[v]}" for v, g in groups.items())
        + f". The rule, applied to the mean of that ratio: below {FLOOR_RATIO:g} a noise floor, "
        "1 or more descent still under way, in between both."
    )


def _critical_batch(reached: pd.DataFrame, m_star: float, train_loss_star: float, target_pct: float) -> str:
    """How much of the ideal (proportional) cut in iterations each batch increase bought,
    read against m*, which is derived for interpolation (L* = 0)."""
    rb, iters = reached["batch_size"].tolist(), reached["t_target"].tolist()
    steps = [(rb[i], rb[i + 1], (iters[i] / iters[i + 1]) / (rb[i + 1] / rb[i])) for i in range(len(rb) - 1)]
    shares = ", ".join(f"{a}→{b}: {100 * e:.0f}%" for a, b, e in steps)
    text = (
        f"**Critical batch size.** The data give m* = β/λ_max + 1 = {m_star:.1f}. A batch k times larger would "
        f"ideally need k times fewer iterations; the share of that ideal cut actually obtained was {shares}."
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
