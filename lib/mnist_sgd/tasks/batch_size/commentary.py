"""Task 4's commentary: what the batch size does across all of Task 3's runs, each sentence
written from the table the summary computed. The answer (``batch_size_commentary``) reads the
cost of reaching the target on three clocks and what a larger batch buys; the theory behind
it, the rates against η*(B), the critical batch size and the gradient noise, is set in the
per-run detail (``theory_commentary``). Task 3's per-batch-size text: ``per_batch``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science.criteria import intervals_overlap
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.noise import fit_steps_model
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import or_not_reached, plural
from mnist_sgd.tasks.batch_size.across import least, listed, mean_sd_rounded, two_figures

# a batch increase "pays" when it buys at least this share of the ideal (proportional) cut in
# iterations: where a critical batch size says the returns turn, they should fall below it
PAYS = 0.5


def clocks_table(table: pd.DataFrame, target_pct: float) -> pd.DataFrame:
    """Task 4's numbers as shown, one row per batch size of ``tables.batch_size_summary``: the
    iterations, samples and training seconds to the target, each mean and s.d. over seeds
    rounded to the seeds' spread ("not reached" where a seed never came there)."""

    def shown(column: str) -> list[str]:
        texts = [mean_sd_rounded(m, s) for m, s in zip(table[column], table[f"{column}_sd"], strict=True)]
        return or_not_reached(table[column], texts)

    return pd.DataFrame(
        {
            "B": table["batch_size"].map(lambda v: f"{v:,}"),
            f"iterations to {target_pct:g}%": shown("t_target"),
            f"samples to {target_pct:g}%": shown("samples_target"),
            f"training s to {target_pct:g}%": shown("seconds_target"),
        }
    )


def clocks_caption(seeds: int) -> str:
    """The caption of ``clocks_table``."""
    return (
        "Per batch size at its chosen rate: the iterations, samples processed (iterations × B) and training seconds "
        f"each seed took to reach the target, interpolated between checkpoints; mean ± s.d. over "
        f"{plural(seeds, 'seed')}, rounded to their spread."
    )


def batch_size_commentary(table: pd.DataFrame, m_star: float, target_pct: float, *, behind: str) -> str:
    """The role of the batch size, from one row per B, each paragraph a reading of the table
    beside it (whose numbers it does not repeat) or of Task 3's.

    ``table`` columns: batch_size, lr, t_target (iterations for every seed to reach
    ``target_pct``% above L*, NaN if never) and t_target_sd, samples_target(_sd),
    seconds_target(_sd), seeds, final_test_acc and final_test_acc_std (fraction, at the end
    of the run); from ``across.noise_near``: noise_mean (the gradient noise scale near the
    target). ``m_star``: the critical batch size of Ma, Bassily & Belkin. ``behind``: the
    anchor of the per-run detail, where the theory is.
    """
    t = table.sort_values("batch_size").reset_index(drop=True)
    if len(t) < 2:
        return "Only one batch size was run, so there is nothing to compare."
    out = [f"**Learning rate.** {_rate_trend(t)}"]
    reached = t[t["t_target"].notna()]
    missing = t[t["t_target"].isna()]["batch_size"].tolist()
    if missing:
        out.append(
            f"B = {listed([f'{b:,}' for b in missing])} never came within {target_pct:g}% of L* in the iterations run."
        )
    if len(reached) >= 2:
        out.append(_clocks_paragraph(reached))
        out.append(_returns_paragraph(reached, m_star))
        out.append(_wall_clock_paragraph(reached))
    out.append(_where_runs_end(t))
    out.append(
        "The chosen rates, the critical batch size and the gradient noise against the theory, the runs at η/2 and "
        f"the hand-made reports' figures are [in the per-run detail]({behind})."
    )
    return "\n\n".join(out)


def _rate_trend(t: pd.DataFrame) -> str:
    """How the chosen rate moves with the batch size, and why only where it grows."""
    lr = t["lr"].tolist()
    if len(set(lr)) == 1:
        return "The sweeps chose the same rate at every batch size (Task 3's table)."
    moves = {"rises": "grows", "falls": "shrinks"}.get(trend(lr), "is not monotone")
    text = f"The chosen learning rate {moves} with the batch size (Task 3's table)"
    if moves == "grows":
        return text + ": a larger batch averages more gradients, so its step is less noisy and can be longer."
    return text + "."


def fewest(table: pd.DataFrame, column: str) -> tuple[list[int], bool]:
    """The batch sizes with the least ``column`` (mean over seeds, with ``column``_sd), and
    whether that is a win: ([B], True) when its mean ± s.d. overlaps no other's; otherwise
    every B tied with it, least first, and False. ([], False) when none has a value."""
    tied = least(table, column, f"{column}_sd")
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


def _clocks_paragraph(reached: pd.DataFrame) -> str:
    """Iterations and samples to the target, ranked only where the seeds separate them, and the
    caveat of the rates they were run at."""
    iters = trend_beyond_spread(reached["t_target"].tolist(), reached["t_target_sd"].tolist())
    samples = trend_beyond_spread(reached["samples_target"].tolist(), reached["samples_target_sd"].tolist())
    return (
        f"**Iterations against samples.** To reach the target, the number of iterations {iters} with the batch size "
        f"and the number of samples processed {samples} (a step within the seeds' spread counts as none): "
        f"{_ranked(reached, 't_target', 'iterations')}, {_ranked(reached, 'samples_target', 'samples')}. These counts "
        "are taken at the rates Task 3 chose for the lowest loss at the end of its horizon, not for reaching the "
        "target soonest; rates tuned to the target could rank the batch sizes differently."
    )


def _ranked(reached: pd.DataFrame, column: str, what: str) -> str:
    """'B = 1,000 needed the fewest iterations', 'B = 1 and 10 tie for the fewest samples'."""
    first, won = fewest(reached, column)
    if won:
        return f"B = {first[0]:,} needed the fewest {what}"
    return f"B = {listed([f'{b:,}' for b in sorted(first)])} tie for the fewest {what}"


def cut_shares(reached: pd.DataFrame) -> pd.DataFrame:
    """For each step to the next batch size that reached the target, the share of the ideal cut
    in iterations it bought: (t_a / t_b) / (B_b / B_a), 1 when a batch k times larger needs k
    times fewer iterations; with its s.d. from the seeds' s.d. of the two counts (relative
    errors added in quadrature: different runs, independent). Columns: a, b, share, share_sd."""
    r = reached.sort_values("batch_size")
    rows = []
    for (_, lo), (_, hi) in zip(r.iterrows(), r.iloc[1:].iterrows(), strict=False):
        share = (lo["t_target"] / hi["t_target"]) / (hi["batch_size"] / lo["batch_size"])
        rel = math.hypot(lo["t_target_sd"] / lo["t_target"], hi["t_target_sd"] / hi["t_target"])
        rows.append({"a": int(lo["batch_size"]), "b": int(hi["batch_size"]), "share": share, "share_sd": share * rel})
    return pd.DataFrame(rows, columns=["a", "b", "share", "share_sd"])


def _returns_paragraph(reached: pd.DataFrame, m_star: float) -> str:
    """How much of the ideal cut in iterations each batch increase bought, and where the two
    theories of a critical batch size put the turn (one sentence; the theory in the detail)."""
    shares = cut_shares(reached)
    said = []
    for _, s in shares.iterrows():
        # whole percents: the seeds' spread is several of them
        text = f"{int(s['a']):,}→{int(s['b']):,}: {100 * s['share']:.0f}\u00a0±\u00a0{100 * s['share_sd']:.0f}%"
        if intervals_overlap(s["share"], s["share_sd"], 1.0, 0.0):
            text += " (consistent with the ideal within the seeds' spread)"
        elif s["share"] > 1:
            text += " (more than the ideal, beyond the seeds' spread)"
        said.append(text)
    moves = trend_beyond_spread(shares["share"].tolist(), shares["share_sd"].tolist())
    verdict = {
        "falls": "the returns diminish as B grows",
        "rises": "the returns grow with B",
        "is not monotone": "the returns do not move steadily with B",
    }.get(moves, "the returns do not change beyond the seeds' spread")
    text = (
        "**What a larger batch buys.** A batch k times larger would ideally need k times fewer iterations. The share "
        f"of that cut each step bought was {listed(said)}: {verdict}."
    )
    theories = []
    noise = reached["noise_mean"] if "noise_mean" in reached.columns else pd.Series(dtype=float)
    if len(noise) and np.isfinite(noise).all():
        low, high = float(noise.min()), float(noise.max())
        theories.append(
            f"the gradient noise scale measured near the target, B_noise ≈ {two_figures(low)} to {two_figures(high)} "
            f"(McCandlish et al., 2018), {_turn_text(shares, low, high, 'it')}"
        )
    theories.append(
        "the critical batch size m* of Ma, Bassily & Belkin (Task 2's table), derived for a model that fits its data "
        f"exactly, {_turn_text(shares, m_star, m_star, 'm*')}"
    )
    lead = "; ".join(theories)
    return f"{text} Of two theories of where the returns turn, {lead}."


def turn_verdict(shares: pd.DataFrame, low: float, high: float) -> str:
    """Where a critical batch size in [low, high] puts the turn of the returns, against the
    shares bought: 'early' when a step entirely beyond it still paid (``PAYS``), 'late' when a
    step entirely below it did not, else 'agrees'."""
    if any(s["share"] >= PAYS for _, s in shares.iterrows() if s["a"] >= low):
        return "early"
    if any(s["share"] < PAYS for _, s in shares.iterrows() if s["b"] <= high):
        return "late"
    return "agrees"


def _turn_text(shares: pd.DataFrame, low: float, high: float, name: str) -> str:
    """The end of a clause whose subject is a critical batch size: where it puts the turn."""
    half = f"{PAYS:.0%} of the ideal cut"
    return {
        "early": f"puts it too early (a step beyond {name} still bought at least {half})",
        "late": f"puts it too late (a step below {name} bought less than {half})",
        "agrees": "agrees with the measured turn",
    }[turn_verdict(shares, low, high)]


def _wall_clock_paragraph(reached: pd.DataFrame) -> str:
    """Training seconds to the target, with a winner named only when the seeds' spread allows,
    and why a batch size in between wins."""
    fastest, won = fewest(reached, "seconds_target")
    if not won:
        return (
            f"**Wall-clock time.** B = {listed([f'{b:,}' for b in sorted(fastest)])} tie for the least training time "
            "to the target, within the seeds' spread."
        )
    text = (
        f"**Wall-clock time.** B = {fastest[0]:,} reached the target in the least training time, beyond the seeds' "
        "spread"
    )
    if reached["batch_size"].min() < fastest[0] < reached["batch_size"].max():
        text += ": the smaller batches took more steps, the larger ones more samples"
    return text + "."


def _where_runs_end(t: pd.DataFrame) -> str:
    """The test accuracy at the end (Task 3's table) against the cost of getting there."""
    acc, sd = t["final_test_acc"], t["final_test_acc_std"]
    hi, lo = acc.idxmax(), acc.idxmin()
    if intervals_overlap(acc[hi], sd[hi], acc[lo], sd[lo]):
        return (
            "**Where the runs end.** The batch size changes the cost of reaching the target far more than the test "
            "accuracy at the end, where the batch sizes do not differ beyond the seeds' spread (Task 3)."
        )
    return (
        f"**Where the runs end.** The batch size also changes the test accuracy at the end: B = "
        f"{int(t['batch_size'][hi]):,} ends highest, beyond the seeds' spread (Task 3)."
    )


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
    return "\n\n".join(out)


def _eta_star_paragraph(t: pd.DataFrame) -> str:
    """The chosen rates against η*(B), and the sweeps against the bound 2η*(B) of its guarantee."""
    ratios = (t["lr"] / t["eta_star"]).tolist()
    return (
        f"**The chosen rates against η\\*(B).** They are {listed([f'{r:.2g}×' for r in ratios])} η\\*(B) for "
        f"B = {listed([f'{b:,}' for b in t['batch_size']])}. As L* > 0 here, η\\*(B) is not the best step: at a "
        "finite horizon the best rate balances speed against a noise floor that vanishes only when the model fits "
        "its data exactly. " + _guarantee_text(t)
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
        f"**Critical batch size.** The data give m* = β/λ_max + 1 = {m_star:.3g}: for a model that fits its data "
        "exactly (L* = 0) a batch larger than m* buys almost no further cut in iterations (Ma, Bassily & Belkin). "
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
        "**Gradient noise.** The noise scale B_noise = tr(Σ)/|G|², the batch size at which a batch gradient's noise "
        f"is as large as the gradient itself (McCandlish et al., 2018), is computed over the {TRAIN_IMAGES:,} training "
        "images at every checkpoint, and moves from one checkpoint to the next (drawn in the gradient-noise figure), "
        "so it is read as "
        f"the seed mean averaged over {where}: {listed(values)}, the range over those checkpoints in brackets. "
        + _below_and_above(t)
        + " In their model a batch of B needs (1 + B_noise/B) times the fewest steps to a given loss and "
        "(1 + B/B_noise) times the fewest samples: "
        + "; ".join(
            f"B = {b:,}: {two_figures(1 + v / b)}× the steps, {two_figures(1 + b / v)}× the samples"
            for b, v in zip(t["batch_size"], t["noise_mean"], strict=True)
        )
        + "."
    )
    reached = t.dropna(subset=["t_target"])
    if near and len(reached) >= 2:
        text += " " + _steps_fit_text(reached)
    return text


def _steps_fit_text(reached: pd.DataFrame) -> str:
    """McCandlish et al.'s steps model fitted to the iterations to the target, against the
    noise scale measured there."""
    s_min, b_crit = fit_steps_model(reached["batch_size"].to_numpy(), reached["t_target"].to_numpy())
    text = "Fitted to the iterations measured (least squares on the relative error), S = S_min·(1 + B_noise/B) "
    if not (s_min > 0 and b_crit > 0):  # NaN when S_min is not positive: not a fit
        return text + "has no positive S_min and B_noise: these runs do not bear the model out."
    noise = reached["noise_mean"]
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
        text + f"gives S_min ≈ {two_figures(s_min)} and B_noise ≈ {two_figures(b_crit)}, {ratio:.1f} times the "
        f"mean measured near the target ({two_figures(noise.mean())}): {verdict}."
    )


def _below_and_above(t: pd.DataFrame) -> str:
    """Which batch sizes lie below the noise scale measured at their own runs, which above, and
    what that means for a step."""
    pairs = list(zip(t["batch_size"].astype(int), t["noise_mean"], strict=True))
    below = [b for b, v in pairs if b < v]
    above = [b for b, v in pairs if b >= v]
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
    verb, whose = ("lies", "its") if one else ("lie", "their")
    return f"B = {listed([f'{b:,}' for b in batch_sizes])} {verb} {side} {whose} own B_noise"
