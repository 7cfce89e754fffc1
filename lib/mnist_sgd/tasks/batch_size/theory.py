"""Task 4's batch sizes against the theory, in the per-run detail: the chosen rates against the
minibatch step sizes of Ma, Bassily & Belkin and each sweep's limits, the critical batch size m*,
and the gradient noise scale B_noise with the steps model of McCandlish et al."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science.criteria import differ
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.noise import fit_steps_model
from mnist_sgd.tasks.batch_size.commentary import PAYS, cut_shares, rate_explains_turn, turn_step
from mnist_sgd.tasks.rounding import last_place, listed, two_figures


def theory_commentary(table: pd.DataFrame, m_star: float, target_pct: float) -> str:
    """The theory behind the answer, for the per-run detail: the chosen rates against η*(B) and
    the sweeps against 2η*(B), the critical batch size m*, and the gradient noise scale with
    McCandlish et al.'s steps model.

    ``table`` columns: batch_size, lr, eta_star, eta_max, largest_stable and
    smallest_diverging (the sweep's largest finite rate and smallest diverging one, NaN if
    none), t_target and t_target_sd; from ``across.noise_near``: noise_mean, noise_low,
    noise_high and near_target (False where it was read over the last doubling instead).
    """
    t = table.sort_values("batch_size").reset_index(drop=True)
    out = [_eta_star_paragraph(t)]
    reached = t[t["t_target"].notna()]
    if len(reached) >= 2:
        out.append(_m_star_paragraph(cut_shares(reached), m_star))
    if np.isfinite(t["noise_mean"]).all():
        out.append(_noise_paragraph(t, target_pct))
        turn = turn_step(cut_shares(reached)) if len(reached) >= 2 else None
        if turn is not None:
            out.append(_turn_paragraph(reached, turn))
    return "\n\n".join(out)


def _turn_paragraph(reached: pd.DataFrame, turn: pd.Series) -> str:
    """The noise scale measured near the target against the turn of the returns (Task 4's answer),
    and, where the good rate stopped growing there (``rate_explains_turn``), why these runs cannot
    put the turn down to the noise alone."""
    shares = cut_shares(reached)
    low, high = float(reached["noise_mean"].min()), float(reached["noise_mean"].max())
    return (
        f"**The turn against the noise.** The noise scales measured, {two_figures(low)} to {two_figures(high)}, "
        f"{_turn_text(shares, low, high)} (from B = {int(turn['a']):,} to {int(turn['b']):,}): beyond the noise "
        "scale a larger batch removes little noise that matters."
        + (
            " But there the good rate also stopped growing with B (Task 4's answer), so these runs cannot tell the "
            "two causes apart."
            if rate_explains_turn(reached, turn)
            else ""
        )
    )


def turn_verdict(shares: pd.DataFrame, low: float, high: float) -> str:
    """Where a critical batch size in [low, high] puts the turn of the returns, against the
    shares bought: 'early' when a step entirely beyond it still paid (``PAYS``), 'late' when a
    step entirely below it did not, else 'agrees'."""
    if any(s["share"] >= PAYS for _, s in shares.iterrows() if s["a"] >= low):
        return "early"
    if any(s["share"] < PAYS for _, s in shares.iterrows() if s["b"] <= high):
        return "late"
    return "agrees"


def _turn_text(shares: pd.DataFrame, low: float, high: float) -> str:
    """The end of a clause whose subject is a critical batch size: where it lies against the turn."""
    half = f"{PAYS:.0%} of the ideal cut"
    return {
        "early": f"lie below the turn: a step beyond them still bought at least {half}",
        "late": f"lie above the turn: a step below them bought less than {half}",
        "agrees": "are of the same order as the turn",
    }[turn_verdict(shares, low, high)]


def _eta_star_paragraph(t: pd.DataFrame) -> str:
    """The good rates against η*(B), and the sweeps against the bound 2η*(B) of its guarantee."""
    ratios = (t["lr"] / t["eta_star"]).tolist()
    return (
        f"**The good rates against η\\*(B).** They are {listed([f'{r:.2g}×' for r in ratios])} η\\*(B) for "
        f"B = {listed([f'{b:,}' for b in t['batch_size']])}. As L* > 0 here, η\\*(B) need not be the fastest step to "
        "the target: a larger step descends faster but leaves a larger gap of SGD's noise, which vanishes only when "
        "the model fits its data exactly. " + _guarantee_text(t)
    )


def _guarantee_text(t: pd.DataFrame) -> str:
    """Where the sweeps' runs stayed finite and where they diverged, against 2η*(B): the bound
    guarantees convergence below it, it does not say where runs diverge."""
    stable = t["largest_stable"] > t["eta_max"]
    early = t["smallest_diverging"] <= t["eta_max"]
    verdicts = []
    if stable.any():
        verdicts.append(
            f"at B = {listed([f'{b:,}' for b in t.loc[stable, 'batch_size']])} rates above 2η\\*(B) stayed finite, "
            "as a sufficient condition allows"
        )
    if early.any():
        verdicts.append(
            f"at B = {listed([f'{b:,}' for b in t.loc[early, 'batch_size']])} a rate at or below 2η\\*(B) diverged, "
            "which the guarantee excludes for a model that fits its data exactly"
        )
    if not verdicts:
        verdicts.append(
            "every rate that stayed finite lay below 2η\\*(B) and every divergence above it: at the sweep's "
            "spacing the bound and the divergence point cannot be told apart"
        )
    return "In the sweeps " + "; ".join(_sweep_ends(r) for _, r in t.iterrows()) + ": " + "; ".join(verdicts) + "."


def _sweep_ends(row: pd.Series) -> str:
    """One batch size's sweep around 2η*(B): its largest finite rate and its smallest diverging one."""
    finite = row["largest_stable"]
    diverged = row["smallest_diverging"]
    return (
        f"B = {int(row['batch_size']):,}: "
        + (f"finite up to η = {finite:g}" if math.isfinite(finite) else "no rate finite")
        + (f", first diverging at {diverged:g}" if math.isfinite(diverged) else ", none diverging")
        + f", 2η\\*(B) = {row['eta_max']:.2g}"
    )


def _m_star_paragraph(shares: pd.DataFrame, m_star: float) -> str:
    """m*, derived for interpolation (L* = 0), against the steps beyond it, and why L* > 0 lets a
    larger batch keep paying past it."""
    beyond = shares[shares["a"] >= m_star]
    paid = beyond[beyond["share"] >= PAYS]
    text = (
        f"**Critical batch size.** The data give m* = β/λ_max + 1 = {two_figures(m_star)}: for a model that fits its data "
        "exactly (L* = 0) a batch larger than m* buys almost no further cut in iterations (Ma, Bassily & Belkin), "
        "where the ideal cut is k times fewer iterations for a k times larger batch. "
        "Here L* > 0: at the optimum the gradients of single samples do not vanish, their noise sets a floor ∝ η/B "
        "that a larger batch keeps lowering, so a target close to L* can keep rewarding larger batches past m*"
    )
    if len(paid):
        steps = listed([f"{a:,}→{b:,}" for a, b in zip(paid["a"], paid["b"], strict=True)])
        return text + f", as the step {steps} did: beyond m*, it still bought at least {PAYS:.0%} of the ideal cut."
    if len(beyond):
        return text + f"; here no step beyond m* bought {PAYS:.0%} of the ideal cut, as the theory predicts."
    return text + "; no step of the grid lies beyond m*."


def _noise_paragraph(t: pd.DataFrame, target_pct: float) -> str:
    """The gradient noise scale near the target (or at the end of the runs), which batch sizes
    lie below it, what McCandlish et al.'s model makes of it, and the model fitted to the
    iterations measured."""
    near = bool(t["near_target"].all())
    where = (
        f"the checkpoints within a doubling of t centred on each batch size's crossing of {target_pct:g}% of L* "
        "(from t/√2 to √2·t)"
        if near
        else "the checkpoints of the last doubling of each run, as not every batch size reached the target"
    )
    values = [
        f"{two_figures(m)} ({two_figures(lo)} to {two_figures(hi)}) at B = {b:,}"
        for b, m, lo, hi in zip(t["batch_size"], t["noise_mean"], t["noise_low"], t["noise_high"], strict=True)
    ]
    text = (
        "**Gradient noise.** The noise scale B_noise = tr(Σ)/|G|², with G the gradient of the training loss, Σ the "
        "covariance of a single image's gradient around G and tr the sum of a matrix's diagonal, is the batch size "
        "at which a batch gradient's noise is as large as the gradient itself (McCandlish et al., 2018). It is "
        f"computed over the {TRAIN_IMAGES:,} training "
        "images at every checkpoint, and moves from one checkpoint to the next (drawn in the gradient-noise figure), "
        "so it is read as "
        f"the seed mean averaged over {where}: {listed(values)}, the range over those checkpoints in brackets. "
        + _below_and_above(t)
        + " In their model a batch of B needs (1 + B_noise/B) times the fewest steps to a given loss and "
        "(1 + B/B_noise) times the fewest samples: "
        + "; ".join(
            f"B = {b:,}: {_three_figures(1 + v / b)}× the steps, {_three_figures(1 + b / v)}× the samples"
            for b, v in zip(t["batch_size"], [_shown(v) for v in t["noise_mean"]], strict=True)
        )
        + "."
    )
    reached = t.dropna(subset=["t_target"])
    if near and len(reached) >= 2:
        text += " " + _steps_fit_text(reached)
    return text


def _steps_fit_text(reached: pd.DataFrame) -> str:
    """McCandlish et al.'s steps model fitted to the iterations to the target, against the
    noise scale measured there: the mean, and each batch size's range."""
    s_min, b_crit = fit_steps_model(reached["batch_size"].to_numpy(), reached["t_target"].to_numpy())
    text = "Fitted to the iterations measured (least squares on the relative error), S = S_min·(1 + B_noise/B) "
    if not (s_min > 0 and b_crit > 0):  # NaN when S_min is not positive: not a fit
        return text + "has no positive S_min and B_noise: these runs do not bear the model out."
    noise = reached["noise_mean"]
    ratio = _shown(b_crit) / _shown(noise.mean())  # of the figures shown, so that the reader's division agrees
    text += (
        f"gives S_min ≈ {two_figures(s_min)} and B_noise ≈ {two_figures(b_crit)}, {ratio:.2g} times the mean "
        f"measured near the target ({two_figures(noise.mean())}): "
    )
    if not 0.3 <= ratio <= 3:
        return text + "not the same order, so these runs do not bear the model out quantitatively."
    return text + f"the same order; {_against_ranges(reached, b_crit)} (the model assumes the best rate at each B)."


def _against_ranges(reached: pd.DataFrame, value: float) -> str:
    """Where ``value`` lies against each batch size's range of the noise scale measured: 'it lies
    within the range measured at B = 10 and 100, below it at B = 1 and 1,000'. Compared as shown,
    to two figures: a value printed as a range's end is within it."""

    sides: dict[str, list[str]] = {"within": [], "below": [], "above": []}
    v = _shown(value)
    for b, lo, hi in zip(reached["batch_size"], reached["noise_low"], reached["noise_high"], strict=True):
        sides["below" if v < _shown(lo) else "above" if v > _shown(hi) else "within"].append(f"{int(b):,}")
    said = [(side, bs) for side, bs in sides.items() if bs]
    if len(said) == 1:
        return f"it lies {said[0][0]} the range measured at every batch size"
    return "it lies " + ", ".join(
        f"{side} {'the range measured' if i == 0 else 'it'} at B = {listed(bs)}" for i, (side, bs) in enumerate(said)
    )


def _below_and_above(t: pd.DataFrame) -> str:
    """Which batch sizes lie below the noise scale measured at their own runs, which above; what
    the model expects of a step up in B between two below it (nearly the whole cut in steps), and
    what the steps measured bought (``cut_shares``, judged by ``criteria.differ``)."""
    pairs = list(zip(t["batch_size"].astype(int), t["noise_mean"], strict=True))
    below = [b for b, v in pairs if b < v]
    above = [b for b, v in pairs if b >= v]
    parts = []
    if below:
        parts.append(_lie(below, "below"))
    if above:
        parts.append(_lie(above, "above"))
    text = " and ".join(parts) + "."
    reached = t.dropna(subset=["t_target"])
    steps = cut_shares(reached) if len(reached) >= 2 else pd.DataFrame(columns=["a", "b", "share", "share_sd"])
    inside = steps[steps["a"].isin(below) & steps["b"].isin(below)]
    if inside.empty:
        return text
    groups: dict[str, list[str]] = {"did, within the seeds' spread": [], "bought less than the whole cut": []}
    groups["bought more than the whole cut"] = []
    for _, r in inside.iterrows():
        apart = differ(r["share"], r["share_sd"], 1.0, 0.0)
        kind = (
            "did, within the seeds' spread"
            if not apart
            else f"bought {'less' if r['share'] < 1 else 'more'} than the whole cut"
        )
        groups[kind].append(f"{int(r['a']):,} to {int(r['b']):,}")
    said = [
        f"the step{'s' if len(steps) > 1 else ''} from B = {listed(steps)} {kind}"
        for kind, steps in groups.items()
        if steps
    ]
    return (
        text
        + " Below it, their model expects a larger batch to cut the steps almost in proportion: "
        + "; ".join(said)
        + " (Task 4's table)."
    )


def _lie(batch_sizes: list[int], side: str) -> str:
    """'B = 10 lies below its own B_noise', 'B = 10 and 100 lie above their own B_noise'."""
    one = len(batch_sizes) == 1
    verb, whose = ("lies", "its") if one else ("lie", "their")
    return f"B = {listed([f'{b:,}' for b in batch_sizes])} {verb} {side} {whose} own B_noise"


def _shown(value: float) -> float:
    """A value as the text shows it, to two significant figures: what is computed from it then
    agrees with the reader's own arithmetic."""
    return float(two_figures(value).replace(",", ""))


def _three_figures(value: float) -> str:
    """A factor computed from figures shown to two, to three significant figures, so that it is the
    rounding of the reader's own arithmetic: '281', '1.00'."""
    place = last_place(value, 3)
    return f"{round(value, place):,.{max(0, place)}f}"
