"""All batch sizes of Task 3 against the hand-made reports: their table with this report's
times, and what the table does not say (the rates, where η = 0.1 diverged, the accuracies
re-run in the hand setting, the times per step and of whole runs that evaluated every step)."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.sgd import TRAIN_ACC_SAMPLES
from mnist_sgd.show import references
from mnist_sgd.show.commentary import agrees_with_hand, trend
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.batch_size.across import listed, two_figures
from mnist_sgd.tasks.batch_size.tables import hand_table


def hand_comparison_table(table: pd.DataFrame) -> pd.DataFrame:
    """``tables.hand_table`` with this build's 50-epoch times to two significant figures: they
    are extrapolated from a time per iteration that varies with the machine's load."""
    column = "50 epochs here (s, extrapolated)"
    return hand_table(table).assign(**{column: [two_figures(v) for v in table["seconds_50_epochs"]]})


def batch_hand_summary_text(table: pd.DataFrame) -> str:
    """All batch sizes against the hand-made reports, beside their table (``hand_comparison_table``):
    what the table does not say, the rates' ranking, where η = 0.1 diverged, the accuracies'
    differences and the times per step.

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
        larger = int((rates["hand_lr"] < rates["lr"]).sum())
        out.append(
            f"The sweep chose a larger rate than the hand-made reports at {larger} of "
            f"{plural(len(rates), 'batch size')} (by hand the rates were not compared at the horizon of the runs they "
            "were used for)."
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
        out.append(_step_times_text(times))
    evaluated = t[t["batch_size"] == references.TASK2_HAND["batch_size"]]
    if len(evaluated):
        out.append(_evaluated_runs_text(evaluated.iloc[0]))
    if not out:
        return f"The hand-made reports give no figure for B = {', '.join(map(str, bs))}."
    return " ".join(out)  # under its own heading


# TASKS.md's hand-made timings of whole runs that evaluated at every iteration (batch size not
# stated): iterations, seconds per run, what was evaluated
HAND_EVALUATED_RUNS = ((1000, 350.0, "full-set metrics"), (6000, 6.0, "the test accuracy"))


def _step_times_text(times: pd.DataFrame) -> str:
    """The 50-epoch times of the table, by hand and here, per step: how many times as long the
    hand-made loop took, and whether that factor moves with B (four timings of two unknown loops
    on two machines say no more than that)."""
    tb = times["batch_size"].astype(int).to_numpy()
    steps = 50 * TRAIN_IMAGES / tb
    hand = 1000 * times["hand_seconds_50"].to_numpy() / steps
    here = 1000 * times["seconds_50_epochs"].to_numpy() / steps
    factors = (hand / here).tolist()
    moves = {"rises": "growing with B", "falls": "shrinking as B grows"}.get(
        trend(factors), "with no steady trend in B"
    )
    return (
        f"Per step the hand-made loop took {listed([two_figures(v) for v in hand])} ms against "
        f"{listed([two_figures(v) for v in here])} ms here (B = {listed([f'{b:,}' for b in tb])}): "
        f"{listed([f'{_about(f)}×' for f in factors])} as long, {moves}."
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
        + " and ".join(f"{two_figures(v)} ms" for v in per_iteration)
        + f" per iteration, against {two_figures(step_ms)} ms for a training step at B = {b:,} here "
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
