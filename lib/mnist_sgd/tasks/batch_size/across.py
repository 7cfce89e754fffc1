"""Across batch sizes. Task 3's answer: one row per batch size at its good rate, with ITR, the
training seconds to it, where the runs ended at η and at η/2 and the test accuracy; the table,
its caption and the short paragraphs that answer the task from it, the hand-made rates set
beside the sweeps among them, and the choice redone at other targets (``hand_rates.target_choices``). Also
what Task 4 reads from the runs beside its table (``run_facts``, ``noise_near``), and the wording
and timing rules every batch-size text shares."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science import criteria
from mnist_sgd.science.criteria import beyond_load, differ
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.batch_size.hand_rates import hand_rates_brief, hand_rates_detail, loosest_target, target_text
from mnist_sgd.tasks.batch_size.per_batch import floor_verdict, mean_sd_rounded
from mnist_sgd.tasks.rounding import listed, time_spread, two_figures


def seed_ends(curves: pd.DataFrame, halved: pd.DataFrame, train_loss_star: float) -> pd.DataFrame:
    """Where each seed's run ended, at the good rate (``curves``) and at η/2 (``halved``: the same
    seeds and run length), as mean and s.d. (ddof 0) over the seeds, one row per batch size: the
    gap to L* over the second half of the run, in % of L*, at η (``gap_pct``), and each seed's gap
    at η/2 over its own at η (``half_ratio``). The ratio is taken seed by seed because both rates
    ran the same seeds: its spread is the seeds' own, which the ratio of two means would hide."""
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
    """Each seed's gap to L* over the last doubling of its run, in % of L*, by seed."""
    return pd.Series(
        {
            seed: 100 * criteria.end_excess(run, train_loss_star) / train_loss_star
            for seed, run in curves.groupby("seed")
        }
    )


def run_facts(rates: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, what is read from the runs beside the tables: the largest rate of the
    sweep at which no seed diverged (``largest_stable``, ``largest_finite``; NaN if none) and the
    checkpoints each run at the good rate was evaluated at (``checkpoints``, t = 0 included)."""
    checkpoints = curves.groupby(["batch_size", "seed"])["t"].nunique().groupby("batch_size").max()
    return (
        checkpoints.rename("checkpoints")
        .astype(int)
        .reset_index()
        .merge(largest_finite(rates), on="batch_size", how="left")[["batch_size", "largest_stable", "checkpoints"]]
    )


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


def grid_step(rates: pd.DataFrame) -> float:
    """The factor between neighbouring rates of the sweeps, from their ends (the rates themselves are
    rounded to three figures): a good rate is known to no better than that."""
    steps = [(s["lr"].max() / s["lr"].min()) ** (1 / (s["lr"].nunique() - 1)) for _, s in rates.groupby("batch_size")]
    return float(np.median(steps))


def largest_finite(rates: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, the largest rate of the sweep at which no seed diverged (``largest_stable``)."""
    finite = rates[(rates["diverged_seeds"] == 0) & np.isfinite(rates["mean_loss"])]
    return finite.groupby("batch_size")["lr"].max().rename("largest_stable").reset_index()


def across_facts(chosen: pd.DataFrame, curves: pd.DataFrame, halved: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Task 3's ``chosen`` rows, smallest batch first, with where each seed ended (``seed_ends``;
    where ``chosen`` already has a column of it, chosen's), the sweep's largest finite rate
    (``largest_finite``) and the checkpoints' spacing (``checkpoint_spacing``)."""
    L_star = float(chosen["train_loss_star"].iloc[0])
    ends = seed_ends(curves, halved, L_star)
    return (
        chosen.merge(ends.drop(columns=[c for c in ends.columns if c != "batch_size" and c in chosen]), on="batch_size")
        .merge(largest_finite(rates), on="batch_size", how="left")
        .merge(checkpoint_spacing(curves), on="batch_size")
        .sort_values("batch_size")
        .reset_index(drop=True)
    )


def across_table(facts: pd.DataFrame) -> pd.DataFrame:
    """Task 3's rows (``across_facts``) as shown: the good rate, ITR and the seconds to it, the
    run length and its training seconds, the gap to L* at the end and the test accuracy at the
    end; each mean with its s.d. over seeds, rounded to what the seeds resolve. The runs at η/2
    are read in the per-run detail (``half_text``)."""
    s = facts.sort_values("batch_size")
    met = s["converged"].astype(bool)
    return pd.DataFrame(
        {
            "B": s["batch_size"].map(lambda v: f"{v:,}"),
            "η": s["lr"].map(lambda v: f"{v:.3g}"),
            "ITR (iterations)": [
                mean_sd_rounded(m, sd) if ok else "not reached"
                for m, sd, ok in zip(s["itr"], s["itr_sd"], met, strict=True)
            ],
            "training s to ITR": [
                time_spread(m, sd) if ok else "–"
                for m, sd, ok in zip(s["itr_seconds_mean"], s["itr_seconds_std"], met, strict=True)
            ],
            "run length": s["cap"].map(lambda v: f"{int(v):,}"),
            "training s, whole run": [
                time_spread(m, sd) for m, sd in zip(s["train_seconds_mean"], s["train_seconds_std"], strict=True)
            ],
            "end gap to L* (%)": _rounded(s["gap_pct"], s["gap_pct_sd"]),
            "test acc. (%)": _rounded(100 * s["final_test_acc"], 100 * s["final_test_acc_std"]),
        }
    )


def _rounded(means: pd.Series, sds: pd.Series) -> list[str]:
    return [mean_sd_rounded(m, sd) for m, sd in zip(means, sds, strict=True)]


def across_caption(facts: pd.DataFrame) -> str:
    """The caption of ``across_table``: where each number is read."""
    return (
        f"Per batch size at its good rate η, mean ± s.d. over {plural(sorted(set(facts['seeds'])), 'seed')}: ITR and "
        "the training seconds to it (ITR × the run's mean training time per step); the run length and its training "
        "seconds (evaluation excluded); at its end, the training loss's gap to L* (% of L*, over the run's second "
        "half) and the test accuracy."
    )


def across_text(facts: pd.DataFrame, rates: pd.DataFrame, choices: pd.DataFrame, behind: str) -> str:
    """Task 3's answer in three short paragraphs, read from ``across_facts``, the sweeps' ``rates``
    and the choice redone at other targets (``target_choices``): ITR and what moves it beyond the
    seeds, the ends of the runs, and the hand-made reports. The numbers are the tables', so the
    text says what they mean rather than repeating them. ``behind``: the anchor of this section's
    per-run detail."""
    s = facts.sort_values("batch_size").reset_index(drop=True)
    return "\n\n".join(
        [
            "**ITR.** " + " ".join(filter(None, [_itr_text(s), itr_spread_text(s, rates, choices)])),
            "**Time, loss and accuracy.** " + _ends_text(s),
            "**The hand-made reports.** " + hand_rates_brief(s, rates),
            "How the grid, the target and the hand rates fare in the sweeps, the runs at η/2 and the batch sizes at "
            f"equal samples are [in the per-run detail]({behind}).",
        ]
    )


def rate_detail_text(facts: pd.DataFrame, rates: pd.DataFrame, choices: pd.DataFrame) -> str:
    """For the per-run detail: how finely the grid places each good rate, whether it holds at the
    other targets, and how each hand-made rate did in its sweep."""
    s = facts.sort_values("batch_size").reset_index(drop=True)
    target = float(s["target_pct"].iloc[0])
    return " ".join(
        filter(None, [_rate_text(s, rates), target_text(choices, target), hand_rates_detail(rates, target)])
    )


def itr_spread_text(s: pd.DataFrame, rates: pd.DataFrame, choices: pd.DataFrame) -> str:
    """What moves ITR beyond the seeds: the grid's next smaller rate that reached the target, how
    many times as many iterations it took (the grid places the good rate no finer), and ITR at the
    loosest other target against ITR at the report's, each as a range over the batch sizes."""
    target = float(s["target_pct"].iloc[0])
    slower = {}
    for b, sweep in rates.groupby("batch_size"):
        good = sweep[sweep["chosen"].astype(bool)]
        below = sweep[sweep["reached"].astype(bool) & (sweep["lr"] < good["lr"].max())] if len(good) else good
        if len(below):
            slower[int(b)] = below.sort_values("lr")["t_target"].iloc[-1] / good["t_target"].iloc[0]
    looser = loosest_target(choices, target)
    parts = []
    if slower:
        parts.append(f"the grid's next smaller rate took {_span(slower)} times as many iterations")
    if looser is not None:
        by_b = choices.pivot_table(index="batch_size", columns="target_pct", values="itr")
        fewer = (by_b[target] / by_b[looser]).dropna()
        if len(fewer):
            most = int(fewer.idxmax())
            parts.append(
                f"at a {looser:g}% target ITR is {_span(fewer.to_dict())} times smaller "
                f"({fewer[most]:.2g} at B = {most:,})"
            )
    lead = f"Its ± covers the seeds only; the rate grid and the {target:g}% target move it far more: "
    return (f"{lead}{listed(parts)}. " if parts else "") + _checkpoint_text(s)


def checkpoint_spacing(curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, the factor in t between the last two checkpoints (``spacing``): even in log t, as at ITR."""
    ts = curves.drop_duplicates(["batch_size", "t"]).groupby("batch_size")["t"]
    return ts.agg(lambda t: t.max() / t.nlargest(2).min()).rename("spacing").reset_index()


def _checkpoint_text(s: pd.DataFrame) -> str:
    """The checkpoints ITR is read at, and which way a denser reading would move it."""
    small, large = s.iloc[0], s.iloc[-1]  # a dip below the target between two checkpoints goes unseen
    return (
        f"ITR is read at checkpoints spaced by a factor of {small['spacing']:.3g} in t at B = {small['batch_size']:,} "
        f"({large['spacing']:.3g} at B = {large['batch_size']:,}); SGD's noise can take the loss below the target "
        "between two checkpoints, so a denser reading would give a smaller ITR, most at small B, where the noise is "
        "largest."
    )


def _span(values: dict[int, float]) -> str:
    """'1.3 to 1.7', or '1.4' for one value or equal ones, two significant figures."""
    lo, hi = f"{min(values.values()):.2g}", f"{max(values.values()):.2g}"
    return lo if lo == hi else f"{lo} to {hi}"


def _ends_text(s: pd.DataFrame) -> str:
    """Where the table's times are read, that the runs ended within the target, and the test
    accuracy at the end across batch sizes."""
    met = s[s["converged"].astype(bool)]
    ended = ""
    if len(met):
        whose = (
            "Every run" if len(met) == len(s) else f"At B = {listed([f'{b:,}' for b in met['batch_size']])} every run"
        )
        ended = f" {whose} ended within the target, on average over the second half of the run."
    return "The table gives the training time to ITR and over the whole run." + ended + " " + _accuracy_text(s)


def _rate_text(s: pd.DataFrame, rates: pd.DataFrame) -> str:
    """How finely the grid places the good rate, and where the grid's top, not the rule, may have
    set it."""
    text = f"The sweep's rates are {grid_step(rates):.3g} times apart, so each good rate is known to that factor."
    for _, row in s[s["lr"] >= s["largest_stable"]].iterrows():
        text += " " + _grid_edge_text(row)
    return text


def _grid_edge_text(row: pd.Series) -> str:
    """A good rate that is the largest finite one of its sweep: a faster one can only lie below the
    smallest rate that diverged or 2/λ_max, beyond which even full-batch descent diverges (Task 2
    gives it), whichever is lower; that bound over the good rate bounds what ITR could lose, as the
    iterations to the target scale about as 1/η."""
    b, lr, diverging, limit = int(row["batch_size"]), row["lr"], row["smallest_diverging"], row["lr_stability"]
    head = f"At B = {b:,} it is also the largest rate that did not diverge"
    if limit > lr and not (limit >= diverging):  # with no diverging rate (NaN) the limit bounds
        where = "the full-batch limit of Task 2"
        bound = limit
    elif math.isfinite(diverging):
        bound, where = diverging, f"{diverging:g}, where the runs diverged"
    else:
        return f"{head}; a faster one may lie above it."
    return (
        f"{head}; a faster one lies below {where}, at most {bound / lr:.3g} times higher, so ITR could be at most "
        "about that factor lower."
    )


def _itr_text(s: pd.DataFrame) -> str:
    """How ITR moves with B, and where no ITR is claimed."""
    met, unmet = s[s["converged"].astype(bool)], s[~s["converged"].astype(bool)]
    parts = []
    if len(met) > 1:
        parts.append(f"ITR {trend_beyond_spread(met['itr'].tolist(), met['itr_sd'].tolist())} as B grows.")
    if len(unmet):
        parts.append(
            f"At B = {listed([f'{b:,}' for b in unmet['batch_size']])} no rate stayed within the target in the "
            "longest runs allowed, so no ITR is claimed there."
        )
    return " ".join(parts)


def half_text(facts: pd.DataFrame) -> str:
    """For the per-run detail: the rule that reads the runs at η/2, each batch size's ratio, and
    what the rule makes of it (``gap_readings``)."""
    s = facts.sort_values("batch_size")
    ratios = listed(
        [
            f"{mean_sd_rounded(r, sd)} at B = {int(b):,}"
            for b, r, sd in zip(s["batch_size"], s["half_ratio"], s["half_ratio_sd"], strict=True)
        ]
    )
    said = gap_readings(s["batch_size"].tolist(), s["half_ratio"].tolist(), s["half_ratio_sd"].tolist())
    return (
        "SGD's noise keeps the loss above L* by an amount about proportional to the step η; a descent that has not "
        "finished is not sped up by a smaller step. So the same seeds ran again at η/2, and each seed's end gap at "
        "η/2 is divided by its own at η. The rule: a ratio within the seeds' spread of 0.5 means the gap is noise; "
        "within it of 1, or above 1, unfinished descent; in between, part of each. The ratios (mean ± s.d. over "
        f"seeds) are {ratios}. " + (f"So the end gap {' '.join(said)}" if said else "")
    ).rstrip()


# what the runs at η/2 do to the gap left at the end, and what that says of it, by ``gap_verdict``
GAP_READINGS = {
    "noise floor": ("halves", "what is left at η is SGD's noise"),
    "both": ("shrinks, but by less than half", "part noise, part unfinished descent"),
    "descending": ("stays the same, within the seeds' spread,", "unfinished descent"),
    "grows": ("grows", "unfinished descent, slower at the smaller step"),
}


def gap_verdict(ratio: float, ratio_sd: float) -> str:
    """``per_batch.floor_verdict``, with a gap that grows at η/2 beyond the seeds' spread told
    apart from one that stays the same ('grows')."""
    verdict = floor_verdict(ratio, ratio_sd)
    return "grows" if verdict == "descending" and ratio > 1 and differ(ratio, ratio_sd, 1.0, 0.0) else verdict


def gap_readings(batch_sizes: list[int], half_ratios: list[float], half_ratio_sds: list[float]) -> list[str]:
    """What the runs at η/2 say of the gap left at the end, batch sizes grouped by reading
    (``GAP_READINGS``, from each seed's gap at η/2 over its gap at η, mean and s.d.), a sentence
    each, the first of which continues 'So the end gap ': ['halves at B = 1 and 10: what is
    left ...', 'It grows at B = 100: ...']."""
    verdicts = [gap_verdict(r, sd) for r, sd in zip(half_ratios, half_ratio_sds, strict=True)]
    groups = {v: [b for b, w in zip(batch_sizes, verdicts, strict=True) if w == v] for v in GAP_READINGS}
    said = [
        f"{GAP_READINGS[v][0]} at B = {listed([f'{b:,}' for b in bs])}: {GAP_READINGS[v][1]}."
        for v, bs in sorted(groups.items(), key=lambda item: min(item[1], default=math.inf))
        if bs
    ]
    return [text if i == 0 else f"It {text}" for i, text in enumerate(said)]


def _accuracy_text(s: pd.DataFrame) -> str:
    """The test accuracy at the end across batch sizes: a highest named only when it differs from
    the lowest beyond the seeds' spread."""
    acc, sd = 100 * s["final_test_acc"], 100 * s["final_test_acc_std"]
    hi, lo = acc.idxmax(), acc.idxmin()
    # a s.d. from a few seeds is itself uncertain: the verdict says on how many it rests
    few = f" ({plural(sorted(set(s['seeds'])), 'seed')}: a rough s.d.)"
    if not differ(acc[hi], sd[hi], acc[lo], sd[lo]):
        return f"At the end of the runs the test accuracies do not differ beyond the seeds' spread{few}."
    return (
        f"At the end of the runs B = {int(s['batch_size'][hi]):,} is highest and B = {int(s['batch_size'][lo]):,} "
        f"lowest in test accuracy, beyond the seeds' spread{few}."
    )


# the bottom of the test-accuracy axis (%): the early checkpoints below it would squeeze the
# curves' approach to the end into a sliver; the caption says where each curve starts
ACCURACY_FLOOR = 60.0


def curves_caption(curves: pd.DataFrame) -> str:
    """The caption of the training-loss and test-accuracy panels (one column per batch size): what
    is drawn and, where the accuracy axis cuts a curve's start, where that curve starts (the seed
    mean at its first checkpoint after t = 0)."""
    text = (
        "Training loss (top) and test accuracy (bottom) at each batch size's good rate against the iteration t, on "
        "the same log t axis in every panel; line: seed mean, band: min to max; dashed: L* and the accuracy of W*; "
        "dotted: the target and ITR."
    )
    run = curves[curves["t"] > 0]
    first = run[run["t"] == run.groupby("batch_size")["t"].transform("min")]
    start = 100 * first.groupby("batch_size")["test_acc"].mean()
    below = start[start < ACCURACY_FLOOR]
    if below.empty:
        return text
    starts = f"{below.min():.0f}%" if len(below) == 1 else f"{below.min():.0f}% to {below.max():.0f}%"
    return text + (
        f" The accuracy axis starts at {ACCURACY_FLOOR:g}%; the curves of B = "
        f"{listed([f'{int(b):,}' for b in below.index])} start below it, at {starts}."
    )


def equal_samples_text(chosen: pd.DataFrame, curves: pd.DataFrame) -> str:
    """Where the batch sizes stand after the same number of samples, when their runs differ in
    samples (t × B): the end of the run compares each B at its own length, so a B that ran
    more samples is also read where the others stopped, the fewest samples any run processed,
    and set beside the others' ends there. The gap is the seed mean averaged over the last
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
        f"The runs are not the same number of samples long: "
        f"{listed([f'{int(v):,}' for v in samples])} at B = {listed([f'{b:,}' for b in s['batch_size']])}. "
        f"Read after {common:,} samples, where the shortest ended, the gap to L* (seed mean, over the last "
        f"doubling) is {read}: after the same samples B = {highest:,} is the furthest from L*, "
        f"{two_figures(excess[highest] / excess[nearest])} times as far as the next (B = {nearest:,})."
    )


def trend_beyond_spread(values: list[float], sds: list[float]) -> str:
    """'falls', 'rises' or 'is not monotone' along a grid, a step counted only when its two values
    differ beyond the seeds' spread (``criteria.differ``); 'does not change beyond the seeds'
    spread' when no step does."""
    steps = [
        (1 if b > a else -1) if differ(a, sa, b, sb) else 0
        for a, sa, b, sb in zip(values, sds, values[1:], sds[1:], strict=False)
    ]
    if not any(steps):
        return "does not change beyond the seeds' spread"
    if all(x >= 0 for x in steps):
        return "rises"
    if all(x <= 0 for x in steps):
        return "falls"
    return "is not monotone"


def load_split(reached: pd.DataFrame) -> tuple[int, dict[int, float], dict[int, float]]:
    """The batch size with the least training time to the target (``reached``: batch_size,
    seconds_target), and each other's time over it, split into those the machine's load could
    account for and those beyond it (``beyond_load``), by batch size."""
    seconds = reached.set_index("batch_size")["seconds_target"]
    fast = int(seconds.idxmin())
    ratios = {int(b): s / seconds[fast] for b, s in seconds.drop(index=fast).items()}
    beyond = {b: x for b, x in ratios.items() if beyond_load(seconds[b] / seconds[fast])}
    return fast, {b: x for b, x in ratios.items() if b not in beyond}, beyond
