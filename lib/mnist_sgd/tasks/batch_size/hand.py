"""All batch sizes of Task 3 against the hand-made reports, in the per-run detail: their table
with this report's times, and what the table does not say (the times per step, and those of
whole runs that evaluated every step). The hand-made rates are set beside the sweeps in Task 3's
answer (``hand_rates.hand_rates_brief``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mnist_sgd.science.criteria import beyond_load
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.sgd import TRAIN_ACC_SAMPLES
from mnist_sgd.show import references
from mnist_sgd.show.commentary import trend
from mnist_sgd.tasks.batch_size.across import load_split
from mnist_sgd.tasks.batch_size.per_batch import mean_sd_rounded
from mnist_sgd.tasks.batch_size.tables import hand_table
from mnist_sgd.tasks.rounding import listed, two_figures


def hand_comparison_table(table: pd.DataFrame) -> pd.DataFrame:
    """``tables.hand_table`` with this build's 50-epoch times to two significant figures (they
    are extrapolated from a time per iteration that varies with the machine's load), the re-run
    rounded to the spread over its seeds, and without the end-of-run accuracy Task 3's table gives."""
    column = "50 epochs here (s, extrapolated)"
    rerun = [
        f"{mean_sd_rounded(100 * m, 100 * s)}%"
        for m, s in zip(table["hand_test_acc"], table["hand_test_acc_std"], strict=True)
    ]
    return (
        hand_table(table)
        .assign(**{column: [two_figures(v) for v in table["seconds_50_epochs"]], "same setting here": rerun})
        .drop(columns=["test acc. here, η here, end of run"])
    )


def batch_hand_summary_text(table: pd.DataFrame) -> str:
    """What the hand-made reports' timings say, beside their table (``hand_comparison_table``, whose
    rates and accuracies the text does not repeat; the rates are set beside the sweeps in Task 3's
    answer): the times per step, by hand and here, and the whole runs that evaluated every step.

    ``table`` columns: batch_size, hand_seconds_50 and seconds_50_epochs (hand figure, and this
    build's training loop extrapolated), train_seconds_mean and cap (the training seconds of a
    run and its iterations) and checkpoints (``run_facts``).
    """
    t = table.sort_values("batch_size")
    out = []
    times = t.dropna(subset=["hand_seconds_50"])
    if len(times) >= 2:
        out.append(_step_times_text(times))
    evaluated = t[t["batch_size"] == references.TASK2_HAND["batch_size"]]
    if len(evaluated):
        out.append(_evaluated_runs_text(evaluated.iloc[0]))
    if not out:
        return f"The hand-made reports give no time for B = {listed([f'{int(b):,}' for b in t['batch_size']])}."
    return " ".join(out)  # under its own heading


def hand_times_brief(table: pd.DataFrame) -> str:
    """The hand-made 50-epoch times in a sentence beside this build's (``seconds_50_epochs``,
    extrapolated, to two figures), whether they fall in the same order, and the least here with the
    batch sizes the machine's load cannot tell from it (``across.load_split``); '' with fewer than two
    hand times."""
    if "hand_seconds_50" not in table:
        return ""
    t = table.dropna(subset=["hand_seconds_50"]).set_index("batch_size").sort_index()
    if len(t) < 2:
        return ""
    here, close, _ = load_split(t["seconds_50_epochs"].rename("seconds_target").reset_index())
    same = list(t["hand_seconds_50"].sort_values().index) == list(t["seconds_50_epochs"].sort_values().index)
    tied = f", B = {listed([f'{b:,}' for b in close])} within the machine's load of it" if close else ""
    return (
        f"By hand, 50 epochs took {listed([f'{v:g}' for v in t['hand_seconds_50']])} s at "
        f"B = {listed([f'{b:,}' for b in t.index])}; here, extrapolated from the time per step, "
        f"{listed([two_figures(v) for v in t['seconds_50_epochs']])} s ({'the same order' if same else 'another order'}: "
        f"least at B = {here:,}{tied})."
    )


# TASKS.md's hand-made timings of whole runs that evaluated at every iteration (batch size not
# stated): iterations, seconds per run, what was evaluated
HAND_EVALUATED_RUNS = ((1000, 350.0, "full-set metrics"), (6000, 6.0, "the test accuracy"))


def _step_times_text(times: pd.DataFrame) -> str:
    """The 50-epoch times of the table, by hand and here, per step: how many times as long the
    hand-made loop took, and whether that factor moves with B (four timings of two unknown loops
    on two machines say no more than that)."""
    sizes = times["batch_size"].astype(int).to_numpy()
    steps = 50 * TRAIN_IMAGES / sizes
    hand = 1000 * times["hand_seconds_50"].to_numpy() / steps
    here = 1000 * times["seconds_50_epochs"].to_numpy() / steps
    factors = (hand / here).tolist()
    moves = {"rises": "growing with B", "falls": "shrinking as B grows"}.get(
        trend(factors), "with no steady trend in B"
    )
    floor = ""
    if len(here) > 1 and not beyond_load(max(here[0], here[1]) / min(here[0], here[1])):
        floor = (
            f" Here a step at B = {sizes[1]:,} cost {_about(here[1] / here[0])}× one at B = {sizes[0]:,}, for "
            f"{sizes[1] / sizes[0]:g}× the images, within the machine's load of each other: with so few images a "
            "step's fixed cost (starting its two matrix products), not its arithmetic, likely sets its time (argued, "
            "not measured)."
        )
    return (
        f"Per step the hand-made loop took {listed([two_figures(v) for v in hand])} ms against "
        f"{listed([two_figures(v) for v in here])} ms here (B = {listed([f'{b:,}' for b in sizes])}): "
        f"{listed([f'{_about(f)}×' for f in factors])} as long, {moves}.{floor}{_more_than_in_proportion(sizes, here)}"
    )


def _more_than_in_proportion(sizes: np.ndarray, here: np.ndarray) -> str:
    """Where a step here cost more times as much as its batch grew (B, ms per step, smallest B
    first): its cost per image, judged against the machine's load; '' where none did."""
    said = []
    for a, b, ms_a, ms_b in zip(sizes[:-1], sizes[1:], here[:-1], here[1:], strict=True):
        if ms_b / ms_a > b / a:
            per_image = (ms_b / b) / (ms_a / a)
            load = "beyond" if beyond_load(per_image) else "within"
            said.append(
                f" From B = {a:,} to {b:,} a step here cost {_about(ms_b / ms_a)}× as much for {b / a:g}× the images: "
                f"{_about(per_image)}× as much per image, {load} what the machine's load can cause."
            )
    return "".join(said)


def _evaluated_runs_text(row: pd.Series) -> str:
    """The hand-made timings of whole runs that evaluated at every iteration, against this build's
    training step at the hand-made batch size, and why they differ: what is evaluated, and when."""
    b = int(row["batch_size"])
    step_ms = 1000 * row["train_seconds_mean"] / row["cap"]
    per_iteration = [1000 * seconds / iterations for iterations, seconds, _ in HAND_EVALUATED_RUNS]
    return (
        "The hand-made reports also timed whole runs that evaluated every iteration: "
        + " and ".join(
            f"about {seconds:g} s for {iterations:,} iterations with {what}"
            for iterations, seconds, what in HAND_EVALUATED_RUNS
        )
        + ", or "
        + " and ".join(f"{two_figures(v)} ms" for v in per_iteration)
        + f" per iteration, against {two_figures(step_ms)} ms per training step at B = {b:,} here (their batch "
        f"size is not stated). Full-set metrics after every step are a pass over all {TRAIN_IMAGES:,} training "
        f"images, {TRAIN_IMAGES // b:,} times a step's data: such a run times its evaluation, not its training. "
        f"Here a run of {int(row['cap']):,} iterations is evaluated at {int(row['checkpoints']):,} distinct checkpoints, "
        "outside the timed training; the training loss comes exactly from XᵀX/N and XᵀY/N, computed once, and the "
        f"training accuracy from a fixed subset of {TRAIN_ACC_SAMPLES:,} images."
    )


def _about(ratio: float) -> str:
    """A ratio to two significant digits, written out: '4.3', '1,500'."""
    rounded = float(f"{ratio:.2g}")
    return f"{rounded:g}" if rounded < 100 else f"{rounded:,.0f}"
