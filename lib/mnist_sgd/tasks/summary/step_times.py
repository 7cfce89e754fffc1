"""One training step timed in several jobs of the report: the linear model's step at B = 100 on the
whole training set, which Task 3's runs at their chosen rate, Task 5's runs on the whole set and
Task 6's hand-written loop all take. How far apart its times lie is what the machine's load does
to a time, measured rather than assumed."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science.criteria import LOAD_FACTOR
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.pytorch.tables import HAND  # Task 6's name for the loop Tasks 3 and 5 run too
from mnist_sgd.tasks.rounding import listed

SAME_STEP_BATCH = 100  # the batch size every one of those jobs runs


def same_step_micros(
    batch_runs: pd.DataFrame | None, size_runs: pd.DataFrame | None, framework_runs: pd.DataFrame | None
) -> pd.DataFrame:
    """Microseconds per step of every run that takes the same step, one row per run (task, micros):
    ``batch_runs``, Task 3's runs at its chosen rates (batch_size, iterations, train_seconds,
    diverged); ``size_runs``, Task 5's (dataset_size, batch_size, iterations, train_seconds), of which
    those on the whole training set; ``framework_runs``, Task 6's (implementation,
    batch_size, iterations, train_seconds), of which the hand-written loop's. A job that did not run
    is None and adds no row."""
    parts = []
    if batch_runs is not None:
        mine = batch_runs[(batch_runs["batch_size"] == SAME_STEP_BATCH) & ~batch_runs["diverged"].astype(bool)]
        parts.append(mine.assign(task="Task 3"))
    if size_runs is not None:
        whole = size_runs[size_runs["dataset_size"] == TRAIN_IMAGES]
        parts.append(whole[whole["batch_size"] == SAME_STEP_BATCH].assign(task="Task 5"))
    if framework_runs is not None:
        hand = framework_runs[framework_runs["implementation"] == HAND]
        parts.append(hand[hand["batch_size"] == SAME_STEP_BATCH].assign(task="Task 6"))
    if not parts:
        return pd.DataFrame(columns=["task", "micros"])
    runs = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"task": runs["task"], "micros": 1e6 * runs["train_seconds"] / runs["iterations"]})


def times_text(cores: int, parallel: int, step_micros: pd.DataFrame | None) -> str:
    """The glossary's entry on times: where they were measured, how far apart the same step's times
    lie across jobs (``step_micros``; left out when no two runs took it), and the factor beyond which
    one time counts as longer (``LOAD_FACTOR``)."""
    text = f"measured on a shared {cores}-core machine running {plural(parallel, 'run')} at a time."
    if step_micros is not None and len(step_micros) > 1:
        lo, hi = step_micros["micros"].min(), step_micros["micros"].max()
        tasks = listed(sorted(set(step_micros["task"])))
        text += (
            f" The same step (the linear model's at B = 100 on the whole training set) took {lo:.0f} to {hi:.0f} µs "
            f"across the {len(step_micros)} runs of {tasks} that take it: up to {hi / lo:.1f}× as long in one run as "
            "in another."
        )
        if hi / lo > LOAD_FACTOR:  # the machine was busier than the rule allows for: its time verdicts do not hold
            return text + (
                f" That is more than the {LOAD_FACTOR:g}× the report's time comparisons allow for: in this build other "
                "work shared the machine, so no time here is told apart from another; rebuild on a quiet machine."
            )
    return text + (
        f" So one time counts as longer than another only beyond {LOAD_FACTOR:g}×, allowing also for the spread "
        "over seeds; a time is quoted as its mean over seeds."
    )
