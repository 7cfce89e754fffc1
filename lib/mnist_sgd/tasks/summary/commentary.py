"""The summary's answers, one per question of the assignment, and the paragraph on how the
report was made: each written from the result tables of the section that answers it, so the
summary quotes the same numbers as the section."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.show import provenance, references
from mnist_sgd.show.present import mean_sd, pct, plural
from mnist_sgd.tasks.batch_size.commentary import fewest


def data_answer(counts: pd.DataFrame) -> str:
    """Task 1's answer: the number of training and test images. ``counts``: one row per class,
    with the columns train and test (images of that class)."""
    return (
        f"{counts['train'].sum():,} training and {counts['test'].sum():,} test images, 784 pixels in [0, 1], "
        f"labels one-hot; all four files match their MD5"
    )


def sgd_answer(reference: pd.DataFrame, checks: pd.DataFrame) -> str:
    """Task 2's answer: the gradient check and the exact optimum. ``reference``: one row with
    train_loss_star and test_acc_star; ``checks``: one row with gradient_max_abs_diff."""
    ref, check = reference.iloc[0], checks.iloc[0]
    return (
        f"gradient equals autograd's to {check['gradient_max_abs_diff']:.1e}; the exact optimum has "
        f"L* = {ref['train_loss_star']:.5f} and {pct(ref['test_acc_star'])} test accuracy"
    )


def batch_size_answers(chosen: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Task 3's answers, one per batch size, smallest first: (question, answer, job that answers
    it). ``chosen``: one row per batch size with batch_size, lr, converged, itr, cap (the
    horizon), itr_seconds_mean/std (training seconds to ITR), seeds, final_test_acc and
    excess_pct (at the end of the run) and job."""
    rows = []
    for _, row in chosen.sort_values("batch_size").iterrows():
        answer = (
            f"η = {row['lr']:g}, "
            + (
                f"converged from ITR = {row['itr']:,} iterations, "
                f"{mean_sd(row['itr_seconds_mean'], row['itr_seconds_std'])} s of training (mean ± s.d. over "
                f"{plural(row['seeds'], 'seed')})"
                if row["converged"]
                else f"not converged in {row['cap']:,} iterations, the longest horizon allowed"
            )
            + f"; after {row['cap']:,} iterations the loss is {row['excess_pct']:.2f}% above L* and the test "
            f"accuracy {pct(row['final_test_acc'])}"
        )
        rows.append((f"3. B = {row['batch_size']}", answer, row["job"]))
    return rows


def batch_size_role_answer(table: pd.DataFrame) -> str:
    """Task 4's answer: which batch size reaches the target in the fewest iterations, samples and
    seconds, each named only when the seeds' spread separates it from the others (a tie
    otherwise). ``table``: one row per batch size with batch_size and, per clock, the mean
    over seeds and its s.d.: t_target(_sd), samples_target(_sd), seconds_target(_sd) (NaN
    where a seed never reached the target)."""
    reached = table.dropna(subset=["t_target"])
    if not len(reached):
        return "no batch size reached the target within its iterations"
    parts = []
    for column, what in (
        ("t_target", "the fewest iterations"),
        ("samples_target", "the fewest samples"),
        ("seconds_target", "the least training time"),
    ):
        least, won = fewest(reached, column)
        parts.append(
            f"{what} at B = {least[0]}"
            if won
            else f"{what}: a tie between B = {', '.join(map(str, least))} (within the seeds' spread)"
        )
    return "to come within the target of L*: " + "; ".join(parts)


def dataset_size_answer(sizes: pd.DataFrame) -> str:
    """Task 5's answer: the test accuracy at the end, at best and when stopped early, for each
    dataset size, smallest first. ``sizes``: one row per size with dataset_size, test_acc,
    peak_test_acc and early_test_acc (means over subsets)."""
    return (
        "test accuracy at the end of the run / best along it / stopped early on held-out images: "
        + ", ".join(
            f"{pct(r['test_acc'])} / {pct(r['peak_test_acc'])} / {pct(r['early_test_acc'])} at "
            f"N' = {r['dataset_size']:,}"
            for _, r in sizes.sort_values("dataset_size").iterrows()
        )
        + " (means over subsets)"
    )


def framework_answer(equivalence: pd.DataFrame) -> str:
    """Task 6's answer: how close the framework's weights come to the hand-written ones.
    ``equivalence``: rows with torch_lr (NaN where the rate was not converted), steps and
    relative_difference; the first row with a converted rate is quoted."""
    converted = equivalence[equivalence["torch_lr"].notna()].iloc[0]
    return (
        f"nn.Linear + MSELoss + optim.SGD at lr 5η reproduces the hand-written weights after "
        f"{converted['steps']:,} steps to a relative difference of {converted['relative_difference']:.1e}"
    )


def mlp_grid_answer(cells: pd.DataFrame) -> str:
    """Task 7's answer: the best and the worst cell of the η × B grid by test accuracy, the
    worst's status when it did not converge. ``cells``: one row per cell with batch_size, lr,
    test_acc (NaN for a cell without one, left out), status and epochs."""
    cells = cells.dropna(subset=["test_acc"])
    best = cells.loc[cells["test_acc"].idxmax()]
    worst = cells.loc[cells["test_acc"].idxmin()]
    return (
        f"best test accuracy {pct(best['test_acc'])} at B = {best['batch_size']}, η = {best['lr']:g}; "
        f"worst {pct(worst['test_acc'])} at B = {worst['batch_size']}, η = {worst['lr']:g}"
        + ("" if worst["status"] == "converged" else f" ({worst['status']})")
        + f" ({plural(len(cells), 'cell')}, {plural(int(cells['epochs'].max()), 'epoch')})"
    )


def hand_test_accuracies() -> dict[str, float | None]:
    """Task 8's hand-made test accuracy of each model, by model name (None where there is none)."""
    return {s.model: references.value(8, "test accuracy", s.ref_key) for s in architectures.SETUPS}


def architectures_answer(runs: pd.DataFrame, hand: dict[str, float | None]) -> str:
    """Task 8's answer: each model's final test accuracy, with the hand-made figure where there
    is one. ``runs``: one row per model with model, final_test_acc and epochs; ``hand``: the
    hand-made test accuracy by model name (missing or None where there is none)."""
    return "; ".join(
        f"{r['model']}: {pct(r['final_test_acc'])} after {plural(r['epochs'], 'epoch')}"
        + (f" (by hand: {pct(hand[r['model']])})" if hand.get(r["model"]) else "")
        for _, r in runs.iterrows()
    )


def how_made_text(
    built: str,
    profile: str,
    git: dict[str, str | bool],
    machine: dict[str, str | int],
    times: pd.DataFrame,
    conditions: dict[str, Any],
) -> str:
    """The paragraph on how the report was made: date ``built``, ``profile``, commit (and whether
    the tree had uncommitted changes), machine, the task jobs' time (``times``, as
    ``provenance.job_times``) and the note on measured times under ``conditions``."""
    return (
        f"Built {built} with the **{profile}** profile from commit `{git['commit']}`"
        + (" (with uncommitted changes)" if git["dirty"] else "")
        + f", on {machine['cpu']} ({plural(int(machine['cores']), 'core')}, GPU: {machine['gpu']}). "
        f"{provenance.job_time_text(times)} Each section was executed by papermill from the notebook of the same name "
        f"in `notebooks/`; every number in the text is computed by the notebook. The provenance appendix lists every "
        f"parameter, package version and job time.\n\n{provenance.timing_note(conditions)}"
    )
