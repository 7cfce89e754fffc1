"""Across batch sizes. Task 3's answer: one row per batch size at its chosen rate, with ITR, the
training seconds to it and the test accuracy after equal samples (``ends``); the table, its
caption and the short paragraphs that answer the task from it, the hand-made rates set beside
the sweeps among them, and the choice redone at other targets (``hand_rates.target_choices``).
Also what Task 4 reads from the runs beside its table (``run_facts``, ``noise_near``), and the
wording and timing rules every batch-size text shares."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science.criteria import beyond_load, differ
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.batch_size.ends import equal_samples, gap_verdict, seed_ends, settled
from mnist_sgd.tasks.batch_size.hand_rates import hand_rates_brief, hand_rates_detail, itr_fewer_at_looser, target_text
from mnist_sgd.tasks.batch_size.per_batch import mean_rounded, mean_sd_rounded
from mnist_sgd.tasks.rounding import listed, two_figures


def run_facts(rates: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, what is read from the runs beside the tables: the largest rate of the
    sweep at which no seed diverged (``largest_stable``, ``largest_finite``; NaN if none) and the
    checkpoints each run at the chosen rate was evaluated at (``checkpoints``, t = 0 included)."""
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
    rounded to three figures): a chosen rate is known to no better than that."""
    steps = [(s["lr"].max() / s["lr"].min()) ** (1 / (s["lr"].nunique() - 1)) for _, s in rates.groupby("batch_size")]
    return float(np.median(steps))


def largest_finite(rates: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, the largest rate of the sweep at which no seed diverged (``largest_stable``)."""
    finite = rates[(rates["diverged_seeds"] == 0) & np.isfinite(rates["mean_loss"])]
    return finite.groupby("batch_size")["lr"].max().rename("largest_stable").reset_index()


def across_facts(chosen: pd.DataFrame, curves: pd.DataFrame, halved: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Task 3's ``chosen`` rows, smallest batch first, with where each seed ended (``seed_ends``;
    where ``chosen`` already has a column of it, chosen's), the test accuracy after equal samples
    (``ends.equal_samples``),
    the sweep's largest finite rate (``largest_finite``), the checkpoints' spacing
    (``checkpoint_spacing``) and where the loss stays within the target (``ends.settled``)."""
    L_star = float(chosen["train_loss_star"].iloc[0])
    ends = seed_ends(curves, halved, L_star)
    return (
        chosen.merge(ends.drop(columns=[c for c in ends.columns if c != "batch_size" and c in chosen]), on="batch_size")
        .merge(settled(curves, L_star, float(chosen["target_pct"].iloc[0])), on="batch_size")
        .merge(equal_samples(chosen, curves), on="batch_size")
        .merge(largest_finite(rates), on="batch_size", how="left")
        .merge(checkpoint_spacing(curves), on="batch_size")
        .sort_values("batch_size")
        .reset_index(drop=True)
    )


def across_table(facts: pd.DataFrame) -> pd.DataFrame:
    """Task 3's rows (``across_facts``) as shown: the chosen rate; ITR, where the loss stays within
    the target (``ends.settled``), and the training seconds the runs had taken there; the first
    crossing, which chose the rate; the run length; and the test accuracy after the same samples
    at every batch size (``equal_samples``), not at the end of runs of different lengths. Each
    mean with its s.d. over seeds, rounded to what the seeds resolve; the seconds as
    ``seconds_shown``, a whole run's beside its length."""
    s = facts.sort_values("batch_size")
    met = s["converged"].astype(bool) & s["settled_t"].map(math.isfinite)
    samples = int(s["equal_samples"].iloc[0])
    return pd.DataFrame(
        {
            "B": s["batch_size"].map(lambda v: f"{v:,}"),
            "η": s["lr"].map(lambda v: f"{v:.3g}"),
            "ITR (iterations)": [
                mean_sd_rounded(m, sd) if ok else "not reached"
                for m, sd, ok in zip(s["settled_t"], s["settled_t_sd"], met, strict=True)
            ],
            "training s to ITR": [
                seconds_shown(m) if ok else "–" for m, ok in zip(s["settled_seconds"], met, strict=True)
            ],
            "first crossing": [
                mean_sd_rounded(m, sd) if ok else "–"
                for m, sd, ok in zip(s["itr"], s["itr_sd"], s["converged"].astype(bool), strict=True)
            ],
            "run length: iterations (training s)": [
                f"{int(n):,}\u00a0({seconds_shown(sec)})"
                for n, sec in zip(s["cap"], s["train_seconds_mean"], strict=True)
            ],
            f"test acc. after {samples:,} samples (%)": _rounded(
                100 * s["equal_test_acc"], 100 * s["equal_test_acc_sd"]
            ),
        }
    )


def seconds_shown(mean: float) -> str:
    """'0.81', '1,600': a time, the mean over seeds, to two significant figures and no s.d.: the
    machine's load moves the same step's time between jobs far more than the seeds do."""
    return two_figures(mean)


def _rounded(means: pd.Series, sds: pd.Series) -> list[str]:
    return [mean_sd_rounded(m, sd) for m, sd in zip(means, sds, strict=True)]


def across_caption(facts: pd.DataFrame, step: float) -> str:
    """The caption of ``across_table``: how finely the grid (rates ``step`` times apart) places η, the
    seeds, and where runs that went on beyond the common samples were read instead of their end."""
    samples = int(facts["equal_samples"].iloc[0])
    longer = facts[facts["cap"] * facts["batch_size"] > samples]
    # a run read before its ITR is compared before it stays within the target: said where it is read
    early = longer["equal_t"] < longer["settled_t"]
    went_on = (
        f" (B = {listed([f'{int(b):,}' for b in longer['batch_size']])}: at the checkpoint "
        f"t = {listed([f'{int(t):,}' for t in longer['equal_t']])}"
        + (", before its ITR" if early.all() else ", some before their ITR" if early.any() else "")
        + ")"
        if len(longer)
        else ""
    )
    return (
        f"Per batch size at its chosen rate η, a rate of the sweep's grid known to a factor of {step:.3g} (the grid's "
        f"step); mean ± s.d. over {plural(sorted(set(facts['seeds'])), 'seed')}; seconds: means, without evaluation. Test "
        f"accuracy after {samples:,} samples, where the shortest runs ended{went_on}."
    )


def across_text(facts: pd.DataFrame, rates: pd.DataFrame, choices: pd.DataFrame, behind: str) -> str:
    """Task 3's answer in three short paragraphs from ``across_facts`` and the sweeps' ``rates``: how
    ITR moves with B and what the loss does after it, the test accuracy after equal samples, the hand
    rates. The numbers are the table's, so the text says what they mean; ``behind``: the detail's anchor."""
    s = facts.sort_values("batch_size").reset_index(drop=True)
    return "\n\n".join(
        [
            "**ITR.** " + " ".join(filter(None, [_itr_text(s), after_itr_text(s)])),
            "**Accuracy.** " + _accuracy_text(s),
            "**The hand-made reports.** " + hand_rates_brief(s, rates),
            "The sweeps, ITR beside the first crossing, the other targets and the runs at η/2: "
            f"[in the per-run detail]({behind}).",
        ]
    )


def after_itr_text(s: pd.DataFrame) -> str:
    """That the loss still falls after ITR, to where the runs ended (``gap_pct``, over their second
    half), and whether the runs at η/2 (``half_ratio``) say it was still falling there."""
    lo, hi = s["gap_pct"].min(), s["gap_pct"].max()
    ended = f"{lo:.1f}%" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}% to {hi:.1f}%"
    falling = any(
        gap_verdict(r, sd) != "noise floor" for r, sd in zip(s["half_ratio"], s["half_ratio_sd"], strict=True)
    )
    still = ", and the runs at η/2 show it still falling there" if falling else ""
    return (
        f"After ITR the loss still falls, to {ended} above L* at the end of the runs (over their second half){still}."
    )


def itr_detail_text(s: pd.DataFrame, rates: pd.DataFrame, choices: pd.DataFrame) -> str:
    """For the detail: ITR beside the first crossing, the runs' length after it, what moves the counts."""
    known = s[s["settled_t"].map(math.isfinite)]
    # over ITR as the table shows it, so that a reader dividing the table's two columns finds the same
    shown_itr = [mean_rounded(m, sd) for m, sd in zip(known["settled_t"], known["settled_t_sd"], strict=True)]
    lasts = (
        f"The runs last {_span(dict(zip(known['batch_size'], known['cap'] / shown_itr)))} times ITR."
        if len(known)
        else ""
    )
    return " ".join(filter(None, [settled_text(s), lasts, itr_spread_text(s, rates, choices)]))


def settled_text(s: pd.DataFrame) -> str:
    """How much earlier than ITR (``settled_t``) the loss first came within the target (``itr``):
    the ratio of the two per batch size, as a range, said as the loss going back above the target
    for a while in between where the ratio is above 1.1 (a checkpoint or two is the spacing, not a
    return); where some seed's loss left the target at its last checkpoint, said."""
    met = s[s["converged"].astype(bool)]
    ratios = {int(b): t / itr for b, t, itr in zip(met["batch_size"], met["settled_t"], met["itr"], strict=True)}
    known = {b: r for b, r in ratios.items() if math.isfinite(r)}
    parts = []
    if known:
        back = [b for b, r in known.items() if r > 1.1]
        if not back:
            parts.append("The loss stays within the target from its first crossing on, within a checkpoint or two.")
        else:
            where = "every batch size" if len(back) == len(known) else f"B = {listed([f'{b:,}' for b in back])}"
            parts.append(
                f"The loss first comes within the target {_span(known)} times earlier than ITR: at {where} SGD's "
                "noise takes it back above the target for a while after that first crossing, which is what chose η."
            )
    unsettled = [b for b, r in ratios.items() if not math.isfinite(r)]
    if unsettled:
        parts.append(
            f"At B = {listed([f'{b:,}' for b in unsettled])} some seed's loss does not stay within the target for a "
            "doubling of t before its run ends, so no ITR is given."
        )
    return " ".join(parts)


def rate_detail_text(facts: pd.DataFrame, rates: pd.DataFrame, choices: pd.DataFrame) -> str:
    """For the per-run detail: ITR beside the first crossing (``itr_detail_text``), how finely the
    grid places each chosen rate, whether it holds at the other targets, how each hand-made rate
    did in its sweep, and the checkpoints ITR is read at."""
    s = facts.sort_values("batch_size").reset_index(drop=True)
    target = float(s["target_pct"].iloc[0])
    return " ".join(
        filter(
            None,
            [
                itr_detail_text(s, rates, choices),
                _rate_text(s, rates),
                target_text(choices, target),
                hand_rates_detail(rates, target),
                _checkpoint_text(s),
            ],
        )
    )


def itr_spread_text(s: pd.DataFrame, rates: pd.DataFrame, choices: pd.DataFrame) -> str:
    """What moves the counts beyond the seeds: the first crossing at the loosest other target
    against the report's, as a range over the batch sizes; said to move it mostly when that moves
    it more than the grid's next smaller rate does (``next_rate_slower``)."""
    target = float(s["target_pct"].iloc[0])
    covers = f"The ± covers the seeds; the checkpoints are at most {_spacing_pct(s['spacing'].max())} apart in t"
    found = itr_fewer_at_looser(choices, target)
    if found is None or found[1].empty:
        return covers + "."
    looser, fewer = found
    mostly = " mostly" if fewer.max() > max(next_rate_slower(rates).values(), default=0.0) else ""
    return (
        f"{covers}. The first crossing depends{mostly} on that {target:g}%: at a {looser:g}% target it is "
        f"{_span(fewer.to_dict())} times smaller (most at B = {int(fewer.idxmax()):,})."
    )


def next_rate_slower(rates: pd.DataFrame) -> dict[int, float]:
    """Per batch size, how many times as many iterations the grid's next smaller rate that reached
    the target took as the chosen rate: the grid places the chosen rate no finer."""
    slower = {}
    for b, sweep in rates.groupby("batch_size"):
        good = sweep[sweep["chosen"].astype(bool)]
        below = sweep[sweep["reached"].astype(bool) & (sweep["lr"] < good["lr"].max())] if len(good) else good
        if len(below):
            slower[int(b)] = below.sort_values("lr")["t_target"].iloc[-1] / good["t_target"].iloc[0]
    return slower


def checkpoint_spacing(curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, the factor in t between the last two checkpoints (``spacing``): even in log t, as at ITR."""
    ts = curves.drop_duplicates(["batch_size", "t"]).groupby("batch_size")["t"]
    return ts.agg(lambda t: t.max() / t.nlargest(2).min()).rename("spacing").reset_index()


def _spacing_pct(spacing: float) -> str:
    """A factor between neighbouring checkpoints in t (``checkpoint_spacing``) as a percentage: '3.4%'."""
    return f"{two_figures(100 * (float(spacing) - 1))}%"


def _checkpoint_text(s: pd.DataFrame) -> str:
    """The checkpoints ITR and the first crossing are read at, and which way a denser reading would
    move them."""
    small, large = s.iloc[0], s.iloc[-1]  # a dip below the target between two checkpoints goes unseen
    return (
        f"Both counts are read at checkpoints {_spacing_pct(small['spacing'])} apart in t at "
        f"B = {small['batch_size']:,} ({_spacing_pct(large['spacing'])} at B = {large['batch_size']:,}); "
        "SGD's noise can take the loss below the target "
        "between two checkpoints, or back above it, so a denser reading would give a smaller first crossing and "
        "perhaps a larger ITR, most at small B, where the noise is largest."
    )


def _span(values: dict[int, float]) -> str:
    """'1.3 to 1.7', or '1.4' for one value or equal ones, two significant figures."""
    lo, hi = f"{min(values.values()):.2g}", f"{max(values.values()):.2g}"
    return lo if lo == hi else f"{lo} to {hi}"


def _rate_text(s: pd.DataFrame, rates: pd.DataFrame) -> str:
    """How finely the grid places the chosen rate, and where the grid's top, not the rule, may have
    set it."""
    text = f"The sweep's rates are {grid_step(rates):.3g} times apart, so each chosen rate is known to that factor"
    slower = next_rate_slower(rates)
    text += f"; at the next smaller rate the first crossing took {_span(slower)} times as long." if slower else "."
    for _, row in s[s["lr"] >= s["largest_stable"]].iterrows():
        text += " " + _grid_edge_text(row)
    return text


def _grid_edge_text(row: pd.Series) -> str:
    """A chosen rate that is the largest finite one of its sweep: a faster one can only lie below the
    smallest rate that diverged or 2/λ_max, beyond which even full-batch descent diverges (Task 2
    gives it), whichever is lower; that bound over the chosen rate bounds what the first crossing
    could lose, as the iterations to the target scale about as 1/η."""
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
        f"{head}; a faster one lies below {where}, at most {bound / lr:.3g} times higher, so the first crossing "
        "could be at most about that factor lower."
    )


def _itr_text(s: pd.DataFrame) -> str:
    """How ITR moves with B, and where no ITR is claimed."""
    met = s[s["converged"].astype(bool) & s["settled_t"].map(math.isfinite)]
    unmet = s[~s["converged"].astype(bool)]
    parts = []
    if len(met) > 1:
        within = f"within {float(met['target_pct'].iloc[0]):g}% of L* and stay there"  # the target, not L* itself
        trend = trend_beyond_spread(met["settled_t"].tolist(), met["settled_t_sd"].tolist())
        parts.append(f"ITR, the iterations to come {within} (not to reach L* itself), {trend} as B grows.")
    if len(unmet):
        parts.append(
            f"At B = {listed([f'{b:,}' for b in unmet['batch_size']])} no rate stayed within the target in the "
            "longest runs allowed, so no ITR is claimed there."
        )
    return " ".join(parts)


def _accuracy_text(s: pd.DataFrame) -> str:
    """The test accuracy after equal samples (``equal_test_acc``) across batch sizes: a highest
    named only when it differs from the lowest beyond the spread."""
    acc, sd = 100 * s["equal_test_acc"], 100 * s["equal_test_acc_sd"]
    hi, lo = acc.idxmax(), acc.idxmin()
    # a s.d. from a few seeds is itself uncertain: the verdict says on how many it rests
    few = f" ({plural(sorted(set(s['seeds'])), 'seed')}: a rough s.d.)"
    after = f"After the same {int(s['equal_samples'].iloc[0]):,} samples"
    if not differ(acc[hi], sd[hi], acc[lo], sd[lo]):
        return f"{after} the test accuracies do not differ beyond the spread{few}."
    return (
        f"{after} B = {int(s['batch_size'][hi]):,} is highest and B = {int(s['batch_size'][lo]):,} lowest in test "
        f"accuracy, beyond the spread{few}."
    )


# the bottom of the test-accuracy axis (%): the early checkpoints below it would squeeze the
# curves' approach to the end into a sliver; the caption says where each curve starts
ACCURACY_FLOOR = 60.0


def curves_caption(curves: pd.DataFrame) -> str:
    """The caption of the training-loss and test-accuracy panels (one column per batch size): what
    is drawn and, where the accuracy axis cuts a curve's start, where that curve starts (the seed
    mean at its first checkpoint after t = 0)."""
    text = (
        "The training loss less L* (top, log scale; the loss itself on the right-hand axis) and the test accuracy "
        "(bottom) at each batch size's chosen rate against the iteration t, on the same log t axis in every panel; "
        "line: seed mean, band: min to max; dotted: the target; dashed: the accuracy of W*; grey vertical line: ITR."
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


def trend_beyond_spread(values: list[float], sds: list[float]) -> str:
    """'falls', 'rises' or 'is not monotone' along a grid, a step counted only when its two values
    differ beyond the spread (``criteria.differ``); 'does not change beyond the seeds'
    spread' when no step does."""
    steps = [
        (1 if b > a else -1) if differ(a, sa, b, sb) else 0
        for a, sa, b, sb in zip(values, sds, values[1:], sds[1:], strict=False)
    ]
    if not any(steps):
        return "does not change beyond the spread"
    if all(x >= 0 for x in steps):
        return "rises"
    if all(x <= 0 for x in steps):
        return "falls"
    return "is not monotone"


def moves_with_b(values: list[float], sds: list[float], sizes: list[int]) -> str:
    """How a plural quantity moves along the batch sizes ``sizes`` (``trend_beyond_spread``), in
    words: 'rise with B', 'fall with B', 'are not monotone in B' or 'do not change beyond the
    spread over seeds'; a rise or fall names the steps that go the other way within that spread, so
    that the sentence never contradicts the table beside it."""
    verdict = trend_beyond_spread(values, sds)
    sign = {"rises": 1, "falls": -1}.get(verdict)
    if sign is None:
        return "are not monotone in B" if verdict == "is not monotone" else "do not change beyond the spread"
    words = f"{'rise' if sign > 0 else 'fall'} with B"
    against = [
        f"from B = {a:,} to {b:,}"
        for a, b, x, y in zip(sizes, sizes[1:], values, values[1:], strict=False)
        if (y - x) * sign < 0
    ]
    if not against:
        return words
    return f"{words}, except {listed(against)}, where they {'fall' if sign > 0 else 'rise'} within the spread"


def load_split(reached: pd.DataFrame) -> tuple[int, dict[int, float], dict[int, float]]:
    """The fastest batch size to the target (``reached``: batch_size, seconds_target, where known
    seconds_target_sd) and each other's time over it, split into those within the machine's load and
    those beyond (``beyond_load`` of its mean less one s.d. over the fastest's mean plus one s.d.)."""
    at = reached.set_index("batch_size")
    seconds = at["seconds_target"]
    sd = at["seconds_target_sd"].fillna(0.0) if "seconds_target_sd" in at.columns else 0.0 * seconds
    fast = int(seconds.idxmin())
    ratios = {int(b): s / seconds[fast] for b, s in seconds.drop(index=fast).items()}
    beyond = {b: x for b, x in ratios.items() if beyond_load((seconds[b] - sd[b]) / (seconds[fast] + sd[fast]))}
    return fast, {b: x for b, x in ratios.items() if b not in beyond}, beyond
