"""Task 4's batch sizes against the theory, in the per-run detail, in words a student who knows
SGD can follow: the chosen rates against the best step η*(B) of Ma, Bassily & Belkin and the sweeps
against the bound of its guarantee, their critical batch size m*, and the gradient noise scale
B_noise with the steps model of McCandlish et al., whose fit is said to be a consistency check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mnist_sgd.science.criteria import differ
from mnist_sgd.science.noise import fit_steps_model
from mnist_sgd.tasks.batch_size.commentary import PAYS, cut_shares, rate_explains_turn, turn_step
from mnist_sgd.tasks.rounding import listed, two_figures


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


def _eta_star_paragraph(t: pd.DataFrame) -> str:
    """The chosen rates against η*(B), and the sweeps against the bound 2η*(B) of its guarantee."""
    ratios = (t["lr"] / t["eta_star"]).tolist()
    return (
        "**The best step.** For a model that fits every image exactly (this one cannot: L* > 0), Ma, Bassily & "
        "Belkin (2018) derive the best step for a batch of B, η\\*(B) = B/(β + (B − 1)λ_max) (β, λ_max: Task 2's "
        "table), which grows with B, then levels off, and guarantee convergence below 2η\\*(B) only. The chosen rates "
        f"are {listed([f'{r:.2g}×' for r in ratios])} η\\*(B) at B = {listed([f'{b:,}' for b in t['batch_size']])} "
        "(with L* > 0, η\\*(B) need not be the fastest); " + _guarantee_text(t)
    )


def _guarantee_text(t: pd.DataFrame) -> str:
    """Where the sweeps' runs stayed finite and where they diverged, against 2η*(B): the bound
    guarantees convergence below it, it does not say where runs diverge."""
    stable = t["largest_stable"] > t["eta_max"]
    early = t["smallest_diverging"] <= t["eta_max"]
    verdicts = []
    if stable.any():
        verdicts.append(
            f"at B = {listed([f'{b:,}' for b in t.loc[stable, 'batch_size']])} rates above 2η\\*(B) did not diverge"
        )
    if early.any():
        verdicts.append(
            f"at B = {listed([f'{b:,}' for b in t.loc[early, 'batch_size']])} a rate at or below 2η\\*(B) diverged, "
            "which the guarantee rules out only for a model that fits its data exactly"
        )
    if not verdicts:
        verdicts.append("every rate that did not diverge lay below 2η\\*(B), every divergence above it")
    return "; ".join(verdicts) + "."


def _m_star_paragraph(shares: pd.DataFrame, m_star: float) -> str:
    """m*, derived for a model that fits its data exactly, against the steps beyond it, and why
    L* > 0 lets a larger batch keep paying past it."""
    beyond = shares[shares["a"] >= m_star]
    paid = beyond[beyond["share"] >= PAYS]
    text = (
        f"**The critical batch size** m* = β/λ_max + 1 = {two_figures(m_star)}: past it, for such a model, a larger "
        "batch hardly cuts the iterations. Here single images' gradients stay noisy at the best fit, keeping the "
        "loss above L* by an amount growing with η/B, so a larger batch can still pay past m* "
        f"(cut the iterations by at least {PAYS:.0%} of the factor by which it grew)"
    )
    if len(paid):
        return (
            text
            + f": from B = {listed([f'{a:,} to {b:,}' for a, b in zip(paid['a'], paid['b'], strict=True)])} it did."
        )
    if len(beyond):
        return text + "; here no step beyond m* did, as the theory predicts."
    return text + "; no step of the grid lies beyond m*."


def _noise_paragraph(t: pd.DataFrame, target_pct: float) -> str:
    """The gradient noise scale, defined in words, near the target (or at the end of the runs),
    which batch sizes lie below it, and McCandlish et al.'s steps model fitted to the iterations
    measured, said to be a consistency check."""
    near = bool(t["near_target"].all())
    where = (
        f"from t/√2 to √2·t around each batch size's crossing of the {target_pct:g}% target"
        if near
        else "of the last doubling of each run, as not every batch size reached the target"
    )
    values = [
        f"{two_figures(m)} ({two_figures(lo)} to {two_figures(hi)}) at B = {b:,}"
        for b, m, lo, hi in zip(t["batch_size"], t["noise_mean"], t["noise_low"], t["noise_high"], strict=True)
    ]
    text = (
        "**Gradient noise.** McCandlish et al. (2018) measure it by B_noise: the variance of one image's gradient, "
        "summed over all weights, over the squared length of the full gradient. A batch of B divides that variance "
        f"by B, so at B = B_noise a batch's noise is as large as the gradient. Averaged over the checkpoints {where} "
        f"(seed mean; it moves along a run, range in brackets), it is {listed(values)}. " + _below_and_above(t)
    )
    reached = t.dropna(subset=["t_target"])
    if near and len(reached) >= 2:
        text += " " + _steps_fit_text(reached)
    return text


def _steps_fit_text(reached: pd.DataFrame) -> str:
    """McCandlish et al.'s steps model fitted to the iterations to the target, against the noise
    scale measured there; two parameters fitted to a few batch sizes, so a consistency check."""
    s_min, b_crit = fit_steps_model(reached["batch_size"].to_numpy(), reached["t_target"].to_numpy())
    n = len(reached)
    text = (
        f"Fitted to the {n} batch sizes' iterations to the target, their model S = S_min·(1 + B_noise/B) (S_min: the "
        "fewest, with a huge batch) "
    )
    if not (s_min > 0 and b_crit > 0):  # NaN when S_min is not positive: not a fit
        return text + "gives no positive S_min and B_noise: these runs do not bear the model out."
    noise = reached["noise_mean"]
    ratio = _shown(b_crit) / _shown(noise.mean())  # of the figures shown, so that the reader's division agrees
    text += (
        f"gives S_min ≈ {two_figures(s_min)} and B_noise ≈ {two_figures(b_crit)}, {ratio:.2g} times the mean "
        f"measured ({two_figures(noise.mean())})"
    )
    if not 0.3 <= ratio <= 3:
        return text + ": not the same order, so these runs do not bear the model out."
    # two parameters through a handful of points fit almost any smooth fall: agreement shows little
    return (
        text + f": the same order. With 2 parameters fitted to {n} points almost any smooth fall fits, so this is a "
        "consistency check, not evidence for the model."
    )


def _below_and_above(t: pd.DataFrame) -> str:
    """Which batch sizes lie below the noise scale measured at their own runs, which above; what
    the model expects of a step up in B between two below it (about the proportional cut), and
    what the steps measured did (``cut_shares``, judged by ``criteria.differ``)."""
    pairs = list(zip(t["batch_size"].astype(int), t["noise_mean"], strict=True))
    below = [b for b, v in pairs if b < v]
    above = [b for b, v in pairs if b >= v]
    # B_noise lies above the batch sizes below it
    sides = [f"{side} B = {listed([f'{b:,}' for b in bs])}" for bs, side in ((below, "above"), (above, "below")) if bs]
    text = "So B_noise lies " + ", ".join(sides) + "."
    reached = t.dropna(subset=["t_target"])
    steps = cut_shares(reached) if len(reached) >= 2 else pd.DataFrame(columns=["a", "b", "share", "share_sd"])
    inside = steps[steps["a"].isin(below) & steps["b"].isin(below)]
    if inside.empty:
        return text
    same = "did, within the spread"
    groups: dict[str, list[str]] = {same: [], "fell by less": [], "fell by more": []}
    for _, r in inside.iterrows():
        apart = differ(r["share"], r["share_sd"], 1.0, 0.0)
        groups[same if not apart else f"fell by {'less' if r['share'] < 1 else 'more'}"].append(
            f"{int(r['a']):,} to {int(r['b']):,}"
        )
    said = [f"from B = {listed(which)} they {kind}" for kind, which in groups.items() if which]
    return (
        text + " Well below B_noise the model expects the iterations to fall about as much as the batch grew, and by "
        "less as B nears it: " + "; ".join(said) + "."
    )


def _turn_paragraph(reached: pd.DataFrame, turn: pd.Series) -> str:
    """The noise scale measured near the target against the first step up in B that did not pay
    (Task 4's answer), and, where the chosen rate stopped growing there (``rate_explains_turn``),
    why these runs cannot put that step down to the noise alone."""
    shares = cut_shares(reached)
    low, high = float(reached["noise_mean"].min()), float(reached["noise_mean"].max())
    return (
        f"**Where a larger batch stops paying.** The first step up in B that did not pay was from "
        f"B = {int(turn['a']):,} to {int(turn['b']):,} (Task 4's answer); the B_noise values measured, "
        f"{two_figures(low)} to {two_figures(high)}, {_turn_text(shares, low, high)}."
        + (
            " But there the chosen rate also stopped growing, so these runs cannot tell the two causes apart."
            if rate_explains_turn(reached, turn)
            else ""
        )
    )


def turn_verdict(shares: pd.DataFrame, low: float, high: float) -> str:
    """Where a critical batch size in [low, high] puts the first step that did not pay, against
    the shares bought: 'early' when a step entirely beyond it still paid (``PAYS``), 'late' when a
    step entirely below it did not, else 'agrees'."""
    if any(s["share"] >= PAYS for _, s in shares.iterrows() if s["a"] >= low):
        return "early"
    if any(s["share"] < PAYS for _, s in shares.iterrows() if s["b"] <= high):
        return "late"
    return "agrees"


def _turn_text(shares: pd.DataFrame, low: float, high: float) -> str:
    """The end of a clause whose subject is the noise scales: where they lie against that step, and
    so whether the model's reading (past B_noise a larger batch removes little noise) fits it."""
    model = "past B_noise a larger batch removes little noise that matters"
    return {
        "early": f"lie below it, yet a step beyond them still paid, against the model ({model})",
        "late": f"lie above it, yet a step below them did not pay, against the model ({model})",
        "agrees": f"are of the same order, as the model expects: {model}",
    }[turn_verdict(shares, low, high)]


def _shown(value: float) -> float:
    """A value as the text shows it, to two significant figures: what is computed from it then
    agrees with the reader's own arithmetic."""
    return float(two_figures(value).replace(",", ""))
