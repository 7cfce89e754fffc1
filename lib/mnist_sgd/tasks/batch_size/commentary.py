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
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import or_not_reached, plural
from mnist_sgd.tasks.batch_size.across import least, listed, mean_sd_rounded, two_figures

# a batch increase "pays" when it buys at least this share of the ideal (proportional) cut in
# iterations: where a critical batch size says the returns turn, they should fall below it
PAYS = 0.5

# a cut in iterations "about" the factor the rate rose: within this factor of it
ABOUT = 1.5


# η/B equal to this relative difference: the grid's rates are rounded to three figures
SAME_PER_SAMPLE = 0.01


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
        "The chosen rates, the critical batch size and the gradient noise against the theory, and the hand-made "
        f"reports' figures are [in the per-run detail]({behind})."
    )
    return "\n\n".join(out)


def _rate_trend(t: pd.DataFrame) -> str:
    """How the chosen rate moves with the batch size, and what set it: where η/B is the same, a
    horizon of the same samples (Task 3's rule takes the smallest rate converged within it, and
    at the same η/B a run takes the same average step per sample); where the rate is the
    sweep's largest finite one, the grid."""
    lr = t["lr"].tolist()
    if len(set(lr)) == 1:
        return "The sweeps chose the same rate at every batch size (Task 3's table)."
    moves = {"rises": "grows", "falls": "shrinks"}.get(trend(lr), "is not monotone")
    text = f"The chosen learning rate {moves} with the batch size (Task 3's table)."
    same = same_rate_per_sample(t)
    if len(same) >= 2:
        text += f" η/B is the same at B = {listed([f'{b:,}' for b in same])}"
        horizons = t.set_index("batch_size").loc[same, "cap"] * pd.Series(same, index=same)
        if horizons.nunique() == 1:
            text += (
                ", whose horizons are the same number of samples: at the same η/B a run takes the same average step "
                "per sample, so the smallest rate that converges within the same samples (Task 3's rule) grows in "
                "proportion to B"
            )
        text += "."
    capped = t[t["lr"] == t["largest_stable"]]["batch_size"].tolist()
    if capped:
        text += f" At B = {listed([f'{b:,}' for b in capped])} it stops at the grid's largest finite rate (Task 3)."
    return text


def same_rate_per_sample(t: pd.DataFrame) -> list[int]:
    """The batch sizes whose η/B is that of the smallest batch size, smallest first (just it
    when no other shares it)."""
    per_sample = t["lr"] / t["batch_size"]
    first = per_sample.iloc[0]
    return [int(b) for b, v in zip(t["batch_size"], per_sample, strict=True) if abs(v / first - 1) <= SAME_PER_SAMPLE]


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
        f"{_ranked(reached, 't_target', 'iterations')}, {_ranked(reached, 'samples_target', 'samples')}. Rates tuned "
        "to reach the target soonest could rank the batch sizes differently."
    )


def _ranked(reached: pd.DataFrame, column: str, what: str) -> str:
    """'B = 1,000 needed the fewest iterations', 'B = 1 and 10 tie for the fewest samples', with,
    for a tie in samples among batch sizes of the same η/B, that the rates make it."""
    first, won = fewest(reached, column)
    if won:
        return f"B = {first[0]:,} needed the fewest {what}"
    text = f"B = {listed([f'{b:,}' for b in sorted(first)])} tie for the fewest {what}"
    same = same_rate_per_sample(reached)
    if column == "samples_target" and set(first) <= set(same):
        text += (
            ", as their equal η/B makes them: their curves against the samples lie on top of each other in the "
            "figure's middle panel"
        )
        more = [b for b in same if b not in first]
        if more:
            text += (
                f"; B = {listed([f'{b:,}' for b in more])}, at the same η/B, needed more, beyond the spread (the "
                "gradient-noise model in the per-run detail says why)"
            )
    return text


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
    """How much of the ideal cut in iterations each batch increase bought, where the two
    theories of a critical batch size put the turn (one sentence; the theory in the detail), and
    whether the rate, grown less than B at the turn, explains it as well."""
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
            "the gradient noise scale (the batch size at which a batch gradient's noise is as large as the gradient "
            f"itself; McCandlish et al., 2018), measured near the target at {two_figures(low)} to "
            f"{two_figures(high)}, {_turn_text(shares, low, high)}"
        )
    theories.append(
        "the critical batch size of Ma, Bassily & Belkin (the batch beyond which, for a model that fits its data "
        f"exactly, a larger one buys almost no cut; Task 2's table) {_turn_text(shares, m_star, m_star)}"
    )
    text += f" Of two theories of where the returns turn, {'; '.join(theories)}."
    turn = shares[shares["share"] < PAYS]  # the first step that did not pay is where the returns turned
    return f"{text} {_rate_at_turn(reached, turn.iloc[0])}".rstrip() if len(turn) else text


def _rate_at_turn(reached: pd.DataFrame, step: pd.Series) -> str:
    """For a step that bought less than ``PAYS`` of the ideal cut: whether the rate grew less
    than B there, and if so whether that alone accounts for the cut (the iterations fell by the
    factor the rate rose, within a factor ``ABOUT``): a longer step alone cuts the iterations
    about in proportion, so then the runs cannot tell the rate from the gradient noise. Empty
    where the rate grew as B did."""
    r = reached.set_index("batch_size")
    a, b = int(step["a"]), int(step["b"])
    rose = r.loc[b, "lr"] / r.loc[a, "lr"]
    if rose >= (b / a) * (1 - SAME_PER_SAMPLE):
        return ""
    cut = r.loc[a, "t_target"] / r.loc[b, "t_target"]
    text = f"But from B = {a:,} to {b:,} the rate rose only {rose:.2g}×, and the iterations fell {cut:.2g}-fold: "
    if 1 / ABOUT <= cut / rose <= ABOUT:
        return text + (
            "about what the longer step alone gives, so the rate alone can explain the turn, and these runs do not "
            "separate it from the gradient noise."
        )
    return text + "not what the longer step alone gives, so the rate does not explain the turn alone."


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
    """The end of a clause whose subject is a critical batch size: where it puts the turn."""
    half = f"{PAYS:.0%} of the ideal cut"
    return {
        "early": f"puts it too early (a step beyond it still bought at least {half})",
        "late": f"puts it too late (a step below it bought less than {half})",
        "agrees": "is of the same order as the measured turn",
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
