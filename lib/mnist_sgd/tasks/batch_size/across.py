"""Across batch sizes. Task 3's answer: one row per batch size, its chosen rate, ITR, the training
seconds to ITR and to the end of the run, and the training loss and test accuracy at the end of
the run, where the method reads every quantity compared across batch sizes, with where each seed
ended at η and at η/2; the table's caption and the sentences that answer each question of the
task from it. What Task 4 reads from the runs beside its table, and every batch size against
the hand-made reports (Task 4's commentary: ``commentary``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mnist_sgd.science import criteria
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.sgd import TRAIN_ACC_SAMPLES
from mnist_sgd.show import provenance, references
from mnist_sgd.show.commentary import agrees_with_hand
from mnist_sgd.show.present import fixed, mean_sds, plural


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


def run_facts(sweeps: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, what the commentary reads from the runs beside Task 4's table: the
    largest rate of the sweep at which no seed diverged (``largest_stable``, NaN if none), the
    checkpoints each run at the chosen rate was evaluated at (``checkpoints``, t = 0
    included) and the gradient noise scale over the last doubling of those runs (``noise_end``,
    seed mean), where it is read when no two batch sizes reached the target."""
    finite = ~sweeps.groupby(["batch_size", "lr"])["diverged"].any()
    rows = []
    for b, mine in curves.groupby("batch_size"):
        rates = finite.loc[b]
        noise = mine.groupby("t")["noise_scale"].mean()
        rows.append(
            {
                "batch_size": b,
                "largest_stable": rates[rates].index.max() if rates.any() else math.nan,
                "checkpoints": int(mine.groupby("seed")["t"].nunique().max()),
                "noise_end": noise[noise.index >= noise.index.max() / 2].mean(),
            }
        )
    return pd.DataFrame(rows)


def across_table(chosen: pd.DataFrame, ends: pd.DataFrame) -> pd.DataFrame:
    """Task 3's ``chosen`` rows as shown, smallest batch first: ITR with the horizon in brackets
    ("not met" where the criterion did not hold), seconds to ITR and to the end, the excess over
    L* and its ratio at η/2 (``seed_ends``), and the test accuracy at the end; spreads with the
    decimals of their means."""
    s = chosen.merge(ends, on="batch_size").sort_values("batch_size")
    return pd.DataFrame(
        {
            "B": s["batch_size"].map(lambda v: f"{v:,}"),
            "η": s["lr"].map(lambda v: f"{v:.3g}"),
            "ITR (horizon)": [
                f"{i:,} ({c:,})" if ok else f"not met ({c:,})"
                for i, c, ok in zip(s["itr"], s["cap"], s["converged"], strict=True)
            ],
            "training s to ITR": [
                text if ok else "–"
                for text, ok in zip(mean_sds(s["itr_seconds_mean"], s["itr_seconds_std"]), s["converged"], strict=True)
            ],
            "training s, whole run": mean_sds(s["train_seconds_mean"], s["train_seconds_std"]),
            "excess over L* (%)": mean_sds(s["gap_pct"], s["gap_pct_sd"]),
            "excess ratio η/2 : η": mean_sds(s["half_ratio"], s["half_ratio_sd"], 2),
            "test acc. (%)": mean_sds(100 * s["final_test_acc"], 100 * s["final_test_acc_std"]),
        }
    )


def across_caption(chosen: pd.DataFrame, conditions: dict[str, Any]) -> str:
    """The caption of ``across_table``: where each number is read and how the seconds were measured."""
    return (
        f"Per batch size at its chosen learning rate η, mean ± s.d. over {plural(sorted(set(chosen['seeds'])), 'seed')}: "
        f"ITR and, in brackets, the horizon of the runs; training seconds to ITR (– where the criterion was not met) "
        f"and for the whole run; at the end of the run, the excess of the training loss over "
        f"L* = {float(chosen['train_loss_star'].iloc[0]):.5f} (averaged over the last doubling, in % of L*), each "
        f"seed's excess at η/2 (the same seeds and horizon) over its own at η, and the test accuracy. Seconds of "
        f"training alone, with {provenance.conditions_text(conditions)}."
    )


def across_text(chosen: pd.DataFrame, ends: pd.DataFrame) -> str:
    """One or two sentences per question of Task 3, each read from a column of ``across_table``."""
    s = chosen.merge(ends, on="batch_size").sort_values("batch_size")
    sizes = listed([f"{b:,}" for b in s["batch_size"]])
    lr = s["lr"]
    lr_trend = (
        f", growing with B ({lr.iloc[-1] / lr.iloc[0]:,.0f} times larger at B = {s['batch_size'].iloc[-1]:,} than at "
        f"B = {s['batch_size'].iloc[0]:,})"
        if len(s) > 1 and lr.is_monotonic_increasing and lr.is_unique
        else ""
    )
    met, unmet = s[s["converged"]], s[~s["converged"]]
    if unmet.empty:
        held = "The convergence criterion held within the horizon at every batch size"
    else:
        held = (
            f"The convergence criterion held within the horizon at {len(met)} of {len(s)} batch sizes; at "
            f"B = {listed([f'{b:,}' for b in unmet['batch_size']])} it did not within the longest horizon allowed, "
            f"{listed([f'{c:,}' for c in unmet['cap']])} iterations, so no ITR is claimed there"
        )
    itr = ""
    if len(met):
        itr = f": ITR = {listed([f'{i:,}' for i in met['itr']])} at B = {listed([f'{b:,}' for b in met['batch_size']])}"
        if len(met) > 1 and met["itr"].is_monotonic_decreasing and met["itr"].is_unique:
            itr += ", fewer iterations as B grows"
    low, high = s.loc[s["gap_pct"].idxmin()], s.loc[s["gap_pct"].idxmax()]
    worst, best = s.loc[s["final_test_acc"].idxmin()], s.loc[s["final_test_acc"].idxmax()]
    excess = mean_sds([low["gap_pct"], high["gap_pct"]], [low["gap_pct_sd"], high["gap_pct_sd"]])
    accuracy = fixed([100 * worst["final_test_acc"], 100 * best["final_test_acc"]])
    gap, sd = fixed([100 * (best["final_test_acc"] - worst["final_test_acc"]), 100 * s["final_test_acc_std"].max()])
    to_itr = (
        f"Training to ITR took {listed([f'{v:.3g} s' for v in met['itr_seconds_mean']])} at "
        f"B = {listed([f'{b:,}' for b in met['batch_size']])}; "
        if len(met)
        else ""
    )
    return "\n\n".join(
        [
            f"**A good learning rate.** The rule of the method above chose η = {listed([f'{v:.3g}' for v in lr])} "
            f"for B = {sizes}{lr_trend}.",
            f"**ITR.** {held}{itr}.",
            f"**The training loss** (top row of the figure) at the end of the run lies {excess[0]}% above L* at "
            f"B = {low['batch_size']:,} and {excess[1]}% at B = {high['batch_size']:,}, the nearest and the farthest "
            f"(mean ± s.d. over seeds); the same seeds at η/2 are Task 4's evidence on whether that gap is a noise "
            f"floor or a descent still under way.",
            f"**Training time.** {to_itr}the whole run took "
            f"{listed([f'{v:.3g} s' for v in s['train_seconds_mean']])} at B = {sizes}.",
            f"**Test accuracy** (bottom row). At the end of the run it lies between {accuracy[0]}% "
            f"(B = {worst['batch_size']:,}) and {accuracy[1]}% (B = {best['batch_size']:,}): {gap} points apart, "
            f"against a spread over seeds of up to {sd} points (s.d.).",
        ]
    )


def equal_samples_text(chosen: pd.DataFrame, curves: pd.DataFrame) -> str | None:
    """Where the batch sizes stand after the same number of samples, when their horizons differ
    in samples (t × B): the end of the run compares each B at its own horizon, so a B that ran
    more samples is also read where the others stopped, the fewest samples any run processed.
    The excess is the seed mean averaged over the last doubling up to there, as at the end of a
    run. None when every horizon is the same number of samples."""
    s = chosen.sort_values("batch_size")
    samples = s["cap"] * s["batch_size"]
    common = int(samples.min())
    longer = s[samples > common]
    if longer.empty:
        return None
    L_star = float(s["train_loss_star"].iloc[0])
    read = []
    for _, row in longer.iterrows():
        b = int(row["batch_size"])
        mine = curves[(curves["batch_size"] == b) & (curves["t"] * b <= common)]
        read.append(f"{100 * criteria.end_excess(mine, L_star) / L_star:.2f}% at B = {b:,}")
    shorter = s[samples == common]
    return (
        f"**At equal samples.** The horizons are not the same number of samples: "
        f"{listed([f'{int(v):,}' for v in samples])} at B = {listed([f'{b:,}' for b in s['batch_size']])}. "
        f"Read after {common:,} samples, where the runs of B = {listed([f'{b:,}' for b in shorter['batch_size']])} "
        f"ended, the excess over L* (seed mean, over the last doubling) is {listed(read)}."
    )


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def batch_hand_summary_text(table: pd.DataFrame) -> str:
    """All batch sizes against the hand-made reports: rates, accuracies in the hand setting, times.

    ``table`` columns: batch_size, lr, hand_lr (NaN when not given), hand_ref_test_acc,
    hand_test_acc, hand_test_acc_std (the hand setting re-run here), hand_seconds_50
    and seconds_50_epochs (hand figure, and this build's training loop extrapolated),
    train_seconds_mean and cap (the training seconds of a run and its iterations) and
    checkpoints (``run_facts``); optionally smallest_diverging (smallest rate of the sweep
    that diverged, NaN if none).
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
        out.append(_epoch_times_text(times))
    evaluated = t[t["batch_size"] == references.TASK2_HAND["batch_size"]]
    if len(evaluated):
        out.append(_evaluated_runs_text(evaluated.iloc[0]))
    if not out:
        return f"The hand-made reports give no figure for B = {', '.join(map(str, bs))}."
    return " ".join(out)  # under its own heading


# TASKS.md's hand-made timings of whole runs that evaluated at every iteration (batch size not
# stated): iterations, seconds per run, what was evaluated
HAND_EVALUATED_RUNS = ((1000, 350.0, "full-set metrics"), (6000, 6.0, "the test accuracy"))


def _epoch_times_text(times: pd.DataFrame) -> str:
    """The 50-epoch times by hand and here, per step against B, and what splitting a step into a
    fixed cost and a cost per sample says about the factor between them."""
    tb = times["batch_size"].astype(int).to_numpy()
    steps = 50 * TRAIN_IMAGES / tb
    hand = 1000 * times["hand_seconds_50"].to_numpy() / steps
    here = 1000 * times["seconds_50_epochs"].to_numpy() / steps
    return (
        "For 50 epochs the hand-made times were "
        + ", ".join(f"{v:g} s" for v in times["hand_seconds_50"])
        + "; this build's training loop, extrapolated from its measured time per iteration, would take "
        + ", ".join(f"{v} s" for v in fixed(times["seconds_50_epochs"]))
        + f" for B = {', '.join(map(str, tb))}. Per step that is "
        + ", ".join(f"{v:.3g}" for v in hand)
        + " ms by hand against "
        + ", ".join(f"{v:.3g}" for v in here)
        + " ms here, "
        + ", ".join(f"{_about(f)}×" for f in hand / here)
        + " as long. "
        + _step_split_text(tb, hand, here)
    )


def step_costs(batch_sizes: np.ndarray, seconds: np.ndarray) -> tuple[float, float]:
    """(fixed, per_sample) of the time of a step ≈ fixed + per_sample·B, by least squares on the
    relative error: the times span decades, and on their own scale the largest batch alone
    would set both."""
    b = np.asarray(batch_sizes, dtype=np.float64)
    s = np.asarray(seconds, dtype=np.float64)
    design = np.column_stack([1.0 / s, b / s])  # (fixed + per_sample·B_i) / s_i ≈ 1
    (fixed_cost, per_sample), *_ = np.linalg.lstsq(design, np.ones_like(s), rcond=None)
    return float(fixed_cost), float(per_sample)


def _step_split_text(batch_sizes: np.ndarray, hand: np.ndarray, here: np.ndarray) -> str:
    """Where the factor between two loops' times per step comes from: at small B it tends to the
    ratio of their fixed costs per step, at large B to that of their costs per sample."""
    (hand_fixed, hand_sample), (fixed_cost, per_sample) = step_costs(batch_sizes, hand), step_costs(batch_sizes, here)
    split = "Split into a fixed cost per step and a cost per sample (a + b·B, fitted to each loop's times)"
    if min(hand_fixed, hand_sample, fixed_cost, per_sample) <= 0:
        return split + ", these times give a part at or below zero, so they show no more than the factors."
    by_step, by_sample = hand_fixed / fixed_cost, hand_sample / per_sample
    ratios = (
        f", the hand-made loop's fixed cost is {_about(by_step)}× this build's and its cost per sample "
        f"{_about(by_sample)}×, so the factor goes from about the first at small B to the second at large B: "
    )
    return (
        split
        + ratios
        + (
            "the gap is mostly a fixed cost per step, such as an interpreted loop's, which weighs most where an "
            "epoch is the most steps."
            if by_step > by_sample
            else "the gap lies in the arithmetic on each sample, not in a fixed cost per step, and weighs most where "
            "a step carries the most samples."
        )
    )


def _evaluated_runs_text(row: pd.Series) -> str:
    """The hand-made timings of whole runs that evaluated at every iteration, against this build's
    training step at the hand-made batch size, and why they differ: what is evaluated, and when."""
    b = int(row["batch_size"])
    step_ms = 1000 * row["train_seconds_mean"] / row["cap"]
    per_iteration = [1000 * seconds / iterations for iterations, seconds, _ in HAND_EVALUATED_RUNS]
    return (
        "The hand-made reports also timed whole runs that evaluated at every iteration: "
        + " and ".join(
            f"about {seconds:g} s for {iterations:,} iterations with {what}"
            for iterations, seconds, what in HAND_EVALUATED_RUNS
        )
        + ", "
        + " and ".join(f"{v:.3g} ms" for v in per_iteration)
        + f" per iteration, against {step_ms:.3g} ms for a training step at B = {b:,} here "
        + f"({' and '.join(f'{_about(v / step_ms)}×' for v in per_iteration)}; their batch size is not stated). "
        + f"Full-set metrics after every step are a pass over all {TRAIN_IMAGES:,} training images, "
        f"{TRAIN_IMAGES // b:,} times a step's data, so such a run times its evaluation more than its training; "
        f"this build evaluates at {int(row['checkpoints']):,} checkpoints of a {int(row['cap']):,}-iteration run, "
        "takes the training loss exactly from XᵀX/N and XᵀY/N, computed once, without a pass over the images, "
        f"scores the training accuracy on a fixed subset of {TRAIN_ACC_SAMPLES:,} images, and times training "
        "apart, so what its evaluations cost is not in these tables."
    )


def _about(ratio: float) -> str:
    """A ratio to two significant digits, written out: '4.3', '1,500'."""
    rounded = float(f"{ratio:.2g}")
    return f"{rounded:g}" if rounded < 100 else f"{rounded:,.0f}"
