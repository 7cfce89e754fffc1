"""Across batch sizes. Task 3's answer: one row per batch size, its chosen rate, ITR, the training
seconds to ITR and to the end of the run, and the training loss and test accuracy at the end of
the run, where the method reads every quantity compared across batch sizes, with where each seed
ended at η and at η/2; the table's caption and the sentences that answer each question of the
task from it. What Task 4 reads from the runs beside its table, and every batch size against
the hand-made reports (Task 4's commentary: ``commentary``)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mnist_sgd.science import criteria
from mnist_sgd.science.criteria import intervals_overlap
from mnist_sgd.show import provenance
from mnist_sgd.show.present import mean_sds, plural
from mnist_sgd.tasks.batch_size.per_batch import (
    FLOOR_RATIO,
    checkpoint_spacing,
    figures_for,
    floor_verdict,
    mean_sd_rounded,
    to_figures,
)


def seed_ends(curves: pd.DataFrame, halved: pd.DataFrame, train_loss_star: float) -> pd.DataFrame:
    """Where each seed's run ended, at the chosen rate (``curves``) and at η/2 (``halved``: the
    same seeds and horizon), as mean and s.d. (ddof 0) over the seeds, one row per batch size:
    the excess over L* over the last doubling of the run at η, in % of L* (``gap_pct``), and
    each seed's excess at η/2 over its own at η (``half_ratio``). The ratio is taken seed by
    seed because both rates ran the same seeds: its spread is the seeds' own, which the ratio
    of two means would hide."""
    rows = []
    for b, mine in curves.groupby("batch_size"):
        gap = _end_gaps_pct(mine, train_loss_star)
        half = _end_gaps_pct(halved[halved["batch_size"] == b], train_loss_star)
        ratio = half / gap  # aligned on the seed
        rows.append(
            {
                "batch_size": b,
                "gap_pct": gap.mean(),
                "gap_pct_sd": gap.std(ddof=0),
                "half_ratio": ratio.mean(),
                "half_ratio_sd": ratio.std(ddof=0),
            }
        )
    return pd.DataFrame(rows)


def _end_gaps_pct(curves: pd.DataFrame, train_loss_star: float) -> pd.Series:
    """Each seed's excess over L* over the last doubling of its run, in % of L*, by seed."""
    return pd.Series(
        {
            seed: 100 * criteria.end_excess(run, train_loss_star) / train_loss_star
            for seed, run in curves.groupby("seed")
        }
    )


def _stable(sweeps: pd.DataFrame) -> pd.Series:
    """(batch_size, lr) -> whether no seed of the sweep diverged at that rate."""
    return ~sweeps.groupby(["batch_size", "lr"])["diverged"].any()


def run_facts(sweeps: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, what is read from the runs beside the tables: the largest rate of the
    sweep at which no seed diverged (``largest_stable``, NaN if none) and the checkpoints each
    run at the chosen rate was evaluated at (``checkpoints``, t = 0 included)."""
    stable = _stable(sweeps)
    rows = []
    for b, mine in curves.groupby("batch_size"):
        rates = stable.loc[b]
        rows.append(
            {
                "batch_size": b,
                "largest_stable": rates[rates].index.max() if rates.any() else math.nan,
                "checkpoints": int(mine.groupby("seed")["t"].nunique().max()),
            }
        )
    return pd.DataFrame(rows)


def noise_near(curves: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, the gradient noise scale near the target: the seed mean at each checkpoint
    from t/√2 to √2·t, a doubling of t centred on the seeds' mean crossing t (``crossings``:
    batch_size, t_target); over the last doubling of the run where the target was not reached
    (``near_target`` False). A single checkpoint's scale moves by a factor of two or more from
    one to the next, so it is read as the mean over those checkpoints (``noise_mean``) with their
    range (``noise_low``, ``noise_high``); NaN where the runs did not measure it."""
    rows = []
    for _, row in crossings.iterrows():
        b, t_target = row["batch_size"], row["t_target"]
        per_t = curves[curves["batch_size"] == b].groupby("t")["noise_scale"].mean()
        near = bool(math.isfinite(t_target))
        low, high = (t_target / math.sqrt(2), t_target * math.sqrt(2)) if near else (per_t.index.max() / 2, math.inf)
        window = per_t[(per_t.index >= low) & (per_t.index <= high)]
        rows.append(
            {
                "batch_size": b,
                "noise_mean": window.mean(),
                "noise_low": window.min(),
                "noise_high": window.max(),
                "near_target": near,
            }
        )
    return pd.DataFrame(rows)


def smallest_converged(sweeps: pd.DataFrame, sweep_curves: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, the smallest rate of its sweep at which no seed diverged and whose
    seed-mean loss met the convergence criterion within the horizon (``smallest_converged``,
    NaN if none), read again from the sweep's curves with the criterion and tolerance the
    sweep used (``chosen``: rel_tol and cap per batch size)."""
    stable = _stable(sweeps)
    rows = []
    for _, row in chosen.iterrows():
        b = row["batch_size"]
        mine = sweep_curves[(sweep_curves["batch_size"] == b) & (sweep_curves["t"] <= row["cap"])]
        converged = [
            lr
            for lr, curve in mine.groupby("lr")
            if stable.get((b, lr), False) and criteria.converged_iterations(curve, row["rel_tol"]) is not None
        ]
        rows.append({"batch_size": b, "smallest_converged": min(converged) if converged else math.nan})
    return pd.DataFrame(rows)


def itr_spacing(chosen: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, how far apart the checkpoints around ITR lie, as a fraction of t
    (``itr_spacing``, ``per_batch.checkpoint_spacing``; NaN where the criterion was not met):
    ITR is known to no better than that."""
    rows = []
    for _, row in chosen.iterrows():
        b = row["batch_size"]
        grid = curves.loc[curves["batch_size"] == b, "t"]
        spacing = checkpoint_spacing(grid, row["itr"]) if row["converged"] else math.nan
        rows.append({"batch_size": b, "itr_spacing": spacing})
    return pd.DataFrame(rows)


def across_facts(
    chosen: pd.DataFrame, curves: pd.DataFrame, halved: pd.DataFrame, sweeps: pd.DataFrame, sweep_curves: pd.DataFrame
) -> pd.DataFrame:
    """Task 3's ``chosen`` rows, smallest batch first, with what its answer reads beside them:
    where each seed ended (``seed_ends``), the sweep's largest finite rate (``run_facts``), its
    smallest converged one (``smallest_converged``) and the checkpoint spacing at ITR
    (``itr_spacing``)."""
    L_star = float(chosen["train_loss_star"].iloc[0])
    return (
        chosen.merge(seed_ends(curves, halved, L_star), on="batch_size")
        .merge(run_facts(sweeps, curves), on="batch_size")
        .merge(smallest_converged(sweeps, sweep_curves, chosen), on="batch_size")
        .merge(itr_spacing(chosen, curves), on="batch_size")
        .sort_values("batch_size")
        .reset_index(drop=True)
    )


def across_table(facts: pd.DataFrame) -> pd.DataFrame:
    """Task 3's rows (``across_facts``) as shown: ITR rounded to the checkpoint spacing around it,
    with the horizon in brackets ("not met" where the criterion did not hold), seconds to ITR and
    to the end, the excess over L* and its ratio at η/2, and the test accuracy at the end; each
    mean with its spread over seeds."""
    s = facts.sort_values("batch_size")
    return pd.DataFrame(
        {
            "B": s["batch_size"].map(lambda v: f"{v:,}"),
            "η": s["lr"].map(lambda v: f"{v:.3g}"),
            "ITR (horizon)": [
                f"{to_figures(i, figures_for(gap)):,} ({c:,})" if ok else f"not met ({c:,})"
                for i, c, ok, gap in zip(s["itr"], s["cap"], s["converged"], s["itr_spacing"], strict=True)
            ],
            "training s to ITR": [
                mean_sd_rounded(m, sd) if ok else "–"
                for m, sd, ok in zip(s["itr_seconds_mean"], s["itr_seconds_std"], s["converged"], strict=True)
            ],
            "training s, whole run": [
                mean_sd_rounded(m, sd) for m, sd in zip(s["train_seconds_mean"], s["train_seconds_std"], strict=True)
            ],
            "excess over L* (%)": mean_sds(s["gap_pct"], s["gap_pct_sd"]),
            "excess ratio η/2 : η": mean_sds(s["half_ratio"], s["half_ratio_sd"], 2),
            "test acc. (%)": mean_sds(100 * s["final_test_acc"], 100 * s["final_test_acc_std"]),
        }
    )


def across_caption(facts: pd.DataFrame, conditions: dict[str, Any]) -> str:
    """The caption of ``across_table``: where each number is read, to what precision, and how the
    seconds were measured."""
    spacing = 100 * facts["itr_spacing"].dropna()
    spaced = (
        f" (rounded to the checkpoint spacing there, {_span(spacing.min(), spacing.max())}% of t)"
        if len(spacing)
        else ""
    )
    return (
        f"Per batch size at its chosen rate η, mean ± s.d. over {plural(sorted(set(facts['seeds'])), 'seed')}: "
        f"ITR{spaced} and the horizon; training seconds to ITR and in all (evaluation excluded; "
        f"{provenance.conditions_text(conditions)}); at the end of the run, the excess over L* in % of L* (over the "
        f"last doubling of t), its ratio at η/2 to η (same seeds), and the test accuracy."
    )


def _span(low: float, high: float) -> str:
    """'6-9', or '6' when both ends round alike."""
    a, b = f"{low:.0f}", f"{high:.0f}"
    return a if a == b else f"{a}-{b}"


def across_text(facts: pd.DataFrame, behind: str) -> str:
    """One short paragraph per question of Task 3, read from ``across_facts``; the numbers are the
    table's, so the text says what they mean rather than repeating them. ``behind``: the anchor
    of the comparison at equal samples, in the per-run detail."""
    s = facts.sort_values("batch_size").reset_index(drop=True)
    return "\n\n".join(
        [
            "**A good learning rate.** " + _rule_text(s),
            "**ITR.** " + _itr_text(s),
            "**Training time.** " + _time_text(s),
            "**Test accuracy** (bottom row of the figure). " + _accuracy_text(s),
            f"The batch sizes compared after equal numbers of samples, and the runs at η/2 against those at η, are "
            f"[in the per-run detail]({behind}).",
        ]
    )


def _rule_text(s: pd.DataFrame) -> str:
    """What the rule of the method picks in practice, and where the grid, not the rule, set the
    chosen rate: at its largest finite rate."""
    smallest = [
        int(b) for b, lr, low in zip(s["batch_size"], s["lr"], s["smallest_converged"], strict=True) if lr == low
    ]
    if not smallest:
        text = "No rate converged within the horizon at any batch size here, so the rule took the lowest end."
    else:
        where = (
            "at every batch size here" if len(smallest) == len(s) else f"at B = {listed([f'{b:,}' for b in smallest])}"
        )
        text = (
            f"The rule picked the smallest rate that converged within the horizon {where}: the choice depends on the "
            "horizon (a longer run lets smaller rates converge)."
        )
    for _, row in s[s["lr"] == s["largest_stable"]].iterrows():
        text += " " + _grid_edge_text(row)
    return text


def _grid_edge_text(row: pd.Series) -> str:
    """A chosen rate that is the largest finite one of its sweep: the grid leaves the rates above
    it untried, up to the next one (which diverged) and to 2/λ_max, beyond which even SGD's
    average step, full-batch descent's, diverges."""
    b, diverging, limit = int(row["batch_size"]), row["smallest_diverging"], row["lr_stability"]
    bounded = limit > row["lr"] and not (limit >= diverging)  # with no diverging rate (NaN) the limit bounds
    head = f"At B = {b:,} the chosen rate is also the grid's largest finite one"
    if math.isfinite(diverging):
        head += f" ({diverging:g} diverged): a rate converging sooner may lie in between"
    else:
        head += " (none diverged): a larger rate may converge sooner"
    if bounded:
        head += ", below 2/λ_max (Task 2's table), beyond which even full-batch descent diverges"
    return head + "."


def _itr_text(s: pd.DataFrame) -> str:
    """Where the criterion held, and beside it what the runs at η/2 say the remaining gap is."""
    met, unmet = s[s["converged"]], s[~s["converged"]]
    if unmet.empty:
        text = "The criterion held within the horizon at every batch size"
    else:
        text = (
            f"The criterion held within the horizon at {len(met)} of {len(s)} batch sizes; at "
            f"B = {listed([f'{b:,}' for b in unmet['batch_size']])} it did not within the longest horizon allowed, "
            f"so no ITR is claimed there"
        )
    if len(met) > 1 and met["itr"].is_monotonic_decreasing and met["itr"].is_unique:
        text += ", ITR falling as B grows"
    if len(met):
        text += "; converged means nearly flat, not finished"
    return f"{text}. {_gap_text(s)}"


# what the runs at η/2 say of the gap at η, by ``per_batch.floor_verdict``
GAP_READINGS = {
    "descending": "the loss is still descending, slowly",
    "both": "the gap shrank only a little, so it is mostly a slow descent",
    "noise floor": "the loss sits at SGD's noise floor",
}


def gap_readings(batch_sizes: list[int], half_ratios: list[float]) -> list[str]:
    """What the runs at η/2 say of the remaining gap, batch sizes grouped by reading (``GAP_READINGS``,
    from each excess at η/2 over the excess at η): ['at B = 1 and 10 the loss is still descending,
    slowly', ...]."""
    verdicts = [floor_verdict(r) for r in half_ratios]
    groups = {v: [b for b, w in zip(batch_sizes, verdicts, strict=True) if w == v] for v in GAP_READINGS}
    return [f"at B = {listed([f'{b:,}' for b in bs])} {GAP_READINGS[v]}" for v, bs in groups.items() if bs]


def _gap_text(s: pd.DataFrame) -> str:
    """The runs at η/2 grouped by what they say of the remaining gap, with the reading's rule."""
    said = gap_readings(s["batch_size"].tolist(), s["half_ratio"].tolist())
    if not said:
        return "The runs at η/2 give no gap to compare."
    return (
        f"By the same seeds at η/2 (the table's ratio: below {FLOOR_RATIO:g} read as a noise floor, from 1 up as "
        f"descent), " + "; ".join(said) + "."
    )


def _time_text(s: pd.DataFrame) -> str:
    """Which batch size trained fastest, to ITR and over the whole run, named only beyond the
    seeds' spread; whole runs compared only among those of the same length in samples (the
    most common one) when their lengths differ."""
    met = s[s["converged"]]
    samples = s["cap"] * s["batch_size"]
    equal = s[samples == samples.mode().iloc[0]]
    to_itr = least(met, "itr_seconds_mean", "itr_seconds_std") if len(met) > 1 else []
    whole = least(equal, "train_seconds_mean", "train_seconds_std") if len(equal) > 1 else []
    of_whole = (
        "for the whole run"
        if len(equal) == len(s)
        else "for the whole run among those that processed the same number of samples "
        f"(B = {listed([f'{b:,}' for b in equal['batch_size']])})"
    )
    if to_itr == whole and len(whole) == 1:
        return f"B = {whole[0]:,} took the least training time, beyond the seeds' spread, to ITR and {of_whole}."
    said = ([_fastest(to_itr, "to ITR")] if to_itr else []) + ([_fastest(whole, of_whole)] if whole else [])
    return " ".join(said) or "No two batch sizes converged or ran the same number of samples: no time is compared."


def _fastest(batch_sizes: list[int], what: str) -> str:
    if len(batch_sizes) == 1:
        return f"B = {batch_sizes[0]:,} took the least training time {what}, beyond the seeds' spread."
    return f"B = {listed([f'{b:,}' for b in batch_sizes])} tie for the least training time {what}."


def least(table: pd.DataFrame, column: str, sd_column: str) -> list[int]:
    """The batch size with the least ``column`` (mean over seeds, s.d. in ``sd_column``) and every
    one whose mean ± s.d. overlaps it, least first: one batch size where the seeds tell it apart."""
    ranked = table.dropna(subset=[column]).sort_values(column)
    if ranked.empty:
        return []
    first = ranked.iloc[0]
    return [
        int(r["batch_size"])
        for _, r in ranked.iterrows()
        if intervals_overlap(first[column], first[sd_column], r[column], r[sd_column])
    ]


def _accuracy_text(s: pd.DataFrame) -> str:
    """The test accuracy at the end across batch sizes: a highest named only beyond the seeds'
    spread of the lowest."""
    acc, sd = 100 * s["final_test_acc"], 100 * s["final_test_acc_std"]
    hi, lo = acc.idxmax(), acc.idxmin()
    if intervals_overlap(acc[hi], sd[hi], acc[lo], sd[lo]):
        return "At the end of the run the batch sizes do not differ beyond the seeds' spread."
    return (
        f"At the end of the run B = {int(s['batch_size'][hi]):,} is highest and B = {int(s['batch_size'][lo]):,} "
        "lowest, beyond the seeds' spread."
    )


def equal_samples_text(chosen: pd.DataFrame, curves: pd.DataFrame) -> str:
    """Where the batch sizes stand after the same number of samples, when their horizons differ
    in samples (t × B): the end of the run compares each B at its own horizon, so a B that ran
    more samples is also read where the others stopped, the fewest samples any run processed,
    and set beside the others' ends there. The excess is the seed mean averaged over the last
    doubling up to there, as at the end of a run."""
    s = chosen.sort_values("batch_size")
    samples = s["cap"] * s["batch_size"]
    common = int(samples.min())
    if (samples == common).all():
        return "Every batch size ran the same number of samples, so the end of the run compares them at equal samples."
    L_star = float(s["train_loss_star"].iloc[0])
    excess = {
        int(b): 100
        * criteria.end_excess(curves[(curves["batch_size"] == b) & (curves["t"] * b <= common)], L_star)
        / L_star
        for b in s["batch_size"]
    }
    read = listed([f"{v:.2f}% at B = {b:,}" for b, v in excess.items()])
    highest = max(excess, key=excess.__getitem__)
    nearest = max((b for b in excess if b != highest), key=excess.__getitem__)
    return (
        f"The horizons are not the same number of samples: "
        f"{listed([f'{int(v):,}' for v in samples])} at B = {listed([f'{b:,}' for b in s['batch_size']])}. "
        f"Read after {common:,} samples, where the shortest ended, the excess over L* (seed mean, over the last "
        f"doubling) is {read}: after the same samples B = {highest:,} is the furthest from L*, "
        f"{excess[highest] / excess[nearest]:.2g} times as far as the next (B = {nearest:,})."
    )


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def two_figures(value: float) -> str:
    """A positive amount to two significant figures, a trailing zero kept: '650', '81', '5.0', '0.027'."""
    if value >= 10:
        return f"{to_figures(value, 2):,}"
    return f"{value:.{1 - math.floor(math.log10(value))}f}"
