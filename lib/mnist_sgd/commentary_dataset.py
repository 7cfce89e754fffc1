"""Task 5's commentary on one training-set size: where its runs ended, what stopping early
gave, and what the rank of its subsets says of the closed form, each sentence written from
the tables the section computed."""

from __future__ import annotations

import pandas as pd

from .present import number, plural


def subsets_text(runs: pd.DataFrame, curves: pd.DataFrame, rel_tol: float) -> str:
    """The paragraph under one size's table: convergence and accuracies at the end of the runs,
    the test accuracy along them and stopped early, and the rank of the subsets.

    ``runs``: one row per subset of one size (``tables_dataset_size.subset_runs``), ``curves``:
    their checkpoints; ``rel_tol``: the convergence criterion the runs were judged by.
    """
    return _end_of_runs(runs, rel_tol) + _along_the_runs(runs, curves) + _rank(runs)


def _size_and_iterations(runs: pd.DataFrame) -> tuple[int, int]:
    """N' and the iterations of the runs (the same for every subset of a size)."""
    return int(runs["dataset_size"].iloc[0]), int(runs["iterations"].iloc[0])


def _end_of_runs(runs: pd.DataFrame, rel_tol: float) -> str:
    """How many runs converged, and the accuracies of SGD and of the closed form at the end."""
    dataset_size, iterations = _size_and_iterations(runs)
    converged = int(runs["converged"].sum())
    gap = 100 * (runs["final_train_acc"] - runs["final_test_acc"])
    passes = iterations * int(runs["batch_size"].iloc[0]) / dataset_size
    return (
        f"**N' = {dataset_size:,}.** {converged} of {plural(len(runs), 'run')} met the convergence criterion (training "
        f"loss within {rel_tol:g} of the way from L(0) to the subset's least-squares optimum) within {iterations:,} "
        "iterations"
        + (f", at ITR = {int(runs.loc[runs['converged'], 'itr'].max()):,} at the latest. " if converged else ". ")
        + f"After {iterations:,} iterations ({number(passes)} pass{'' if passes == 1 else 'es'} over the subset) SGD "
        f"reaches {100 * runs['final_test_acc'].mean():.2f}% test accuracy (min {100 * runs['final_test_acc'].min():.2f}%, "
        f"max {100 * runs['final_test_acc'].max():.2f}%) and {100 * runs['final_train_acc'].mean():.2f}% on its training "
        f"subset: a train/test gap of {gap.mean():.2f} points. The least-squares solution on the same subsets reaches "
        f"{100 * runs['closed_form_test_acc'].mean():.2f}% test accuracy and "
        f"{100 * runs['closed_form_train_acc'].mean():.2f}% training accuracy."
    )


def _along_the_runs(runs: pd.DataFrame, curves: pd.DataFrame) -> str:
    """The peak of the subset-mean test curve against its end, and the runs stopped early on
    held-out images against the same runs at the end."""
    dataset_size, iterations = _size_and_iterations(runs)
    held = int(runs["heldout_images"].iloc[0])
    mean_test = curves.groupby("t")["test_acc"].mean()
    t_peak, final_mean = int(mean_test.idxmax()), mean_test.iloc[-1]
    return (
        f" Along the runs the mean test accuracy was highest at t = {t_peak:,}, {100 * mean_test.max():.2f}%"
        + (
            f", {100 * (mean_test.max() - final_mean):.2f} points above its value at the end: training longer on "
            f"these {dataset_size:,} images lowered the test accuracy."
            if mean_test.max() - final_mean > 0.01  # a drop of more than 1 point, not the noise of a plateau
            else f"; at the end it is {100 * final_mean:.2f}%."
        )
        + f" Chosen without the test set, stopping at the best accuracy on {plural(held, 'held-out image')} "
        f"of each subset (training on the other {dataset_size - held:,}) gives "
        f"{100 * runs['early_test_acc'].mean():.2f}% test accuracy (mean; stopped at t = "
        f"{', '.join(f'{v:,}' for v in sorted(set(runs['early_t'])))}), against "
        f"{100 * runs['heldout_end_test_acc'].mean():.2f}% for the same runs at t = {iterations:,}."
    )


def _rank(runs: pd.DataFrame) -> str:
    """Whether the subsets can be fitted exactly (rank N'), and SGD's training loss against the
    closed form's."""
    dataset_size, iterations = _size_and_iterations(runs)
    ranks = ", ".join(str(r) for r in sorted(set(runs["rank"])))
    if (runs["rank"] == dataset_size).all():
        return (
            f" Every subset's X' has rank {ranks} = N' (its images are linearly independent), so the least-squares "
            f"system X'W = Y' is solved exactly: the closed form's training loss is "
            f"{runs['closed_form_train_loss'].max():.2g} at most, zero up to rounding, and it is the minimum-norm one "
            f"among all exact fits. SGD's training loss is {runs['final_train_loss'].mean():.3g} (mean) after "
            f"{iterations:,} iterations."
        )
    return (
        f" The subsets' X' have rank {ranks} < N' = {dataset_size:,}, so X'W = Y' cannot be met exactly: the "
        f"least-squares minimum on the subsets is {runs['closed_form_train_loss'].mean():.4f} (mean), and SGD ends "
        f"{100 * (runs['final_train_loss'] / runs['closed_form_train_loss'] - 1).mean():.1f}% above it."
    )
