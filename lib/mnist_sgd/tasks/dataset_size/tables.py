"""Task 5's tables: the runs each training-set size's job makes on its random subsets, the
summary across sizes, and the tables the sections show, laid out from those rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science import criteria, linear, sgd
from mnist_sgd.science.data import MNIST, one_hot
from mnist_sgd.science.experiments import held_out_run, peak_of_mean
from mnist_sgd.show.present import fixed, progress
from mnist_sgd.tasks.dataset_size.commentary import REACHED_OPTIMUM, STOPPED_MOVING, run_status, shown, two_figures


def subset_order(n_train: int, k: int) -> torch.Tensor:
    """The order in which subset ``k`` draws the training rows: a permutation seeded with ``k``.
    The subset of N' images is its first N' rows, so the subsets of one k are nested."""
    return torch.randperm(n_train, generator=torch.Generator().manual_seed(k))


def subset_rows(n_train: int, dataset_size: int, k: int) -> torch.Tensor:
    """The training rows of subset ``k``: the first ``dataset_size`` rows of ``subset_order``
    (drawn without replacement), sorted; every row when ``dataset_size`` is ``n_train``."""
    if not 1 <= dataset_size <= n_train:
        raise ValueError(f"dataset_size must be in 1..{n_train}, got {dataset_size}")
    if dataset_size == n_train:
        return torch.arange(n_train)
    return subset_order(n_train, k)[:dataset_size].sort().values


def converged_at(curve: pd.DataFrame, optimum: float, rel_tol: float) -> tuple[int | None, str | None]:
    """ITR of one run and the test that dated it (``STOPPED_MOVING`` or ``REACHED_OPTIMUM``),
    or (None, None) when neither holds at the end of the run.

    Two tests, each a "from this checkpoint on to the end" time, and the earlier one counts:
    the loss has levelled off (``criteria.converged_iterations``: its average over each stretch
    from t to 2t moves by less than ``rel_tol`` to the next), which constant-step SGD meets at
    its noise floor on a subset it cannot fit exactly, where a floor above ``optimum`` may never
    come within ``rel_tol`` of the way to it; and ``criteria.converged_to_optimum`` (within
    ``rel_tol`` of the way from L(0) to ``optimum``), which catches a subset fitted exactly
    (L* = 0), whose loss keeps halving so that its relative change never falls below
    ``rel_tol``. On a tie the first test is named: on the full set SGD stops at a noise floor.
    """
    found = {
        STOPPED_MOVING: criteria.converged_iterations(curve, rel_tol),
        REACHED_OPTIMUM: criteria.converged_to_optimum(curve, optimum, rel_tol),
    }
    met = {test: t for test, t in found.items() if t is not None}
    if not met:
        return None, None
    first = min(met, key=lambda test: met[test])
    return met[first], first


def _closed_form_columns(
    fit: linear.LeastSquaresSVD, lr: float, x: torch.Tensor, y: torch.Tensor, labels: torch.Tensor, mnist: MNIST
) -> dict[str, Any]:
    """The minimum-norm least-squares solution of ``fit`` on the subset (``x``, one-hot ``y``,
    ``labels``), as columns: its training loss, training and test accuracy and norm, the rank of
    the subset, its smallest non-zero singular value and the steps of ``lr`` that direction needs."""
    W = fit.minimum_norm()
    return {
        # directly in float64: the Gram form cancels to rounding noise (even below 0) at an exact fit
        "closed_form_train_loss": linear.loss(W, x.to(torch.float64), y.to(torch.float64)),
        "closed_form_train_acc": linear.accuracy(W, x, labels),
        "closed_form_test_acc": linear.accuracy(W, mnist.x_test, mnist.y_test),
        "closed_form_norm": float(W.norm()),
        "rank": fit.rank,
        "smallest_singular": fit.s[-1].item(),
        "slowest_steps": fit.slowest_steps(lr),
    }


def subset_runs(
    mnist: MNIST,
    dataset_size: int,
    batch_size: int,
    lr: float,
    iterations: int,
    subsets: int,
    checkpoints: int,
    rel_tol: float,
    heldout_fraction: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SGD and the closed form on ``subsets`` random subsets of ``dataset_size`` training images
    (``subset_rows``; subset k trained with sampler seed k), each also trained without a
    ``heldout_fraction`` held out and stopped early on it (``held_out_run``).

    Returns (runs, curves): one row per subset (its ITR and the test that dated it, by
    ``converged_at`` against the subset's own optimum, the SGD numbers at the end of the
    ``iterations``, the closed form's, from the SVD of the subset, the early-stopped run's),
    and the SGD curves of every subset.
    """
    n_train = mnist.x_train.shape[0]
    whole = dataset_size == n_train
    rows, curve_frames, closed = [], [], None
    for k in progress(range(subsets), desc=f"N'={dataset_size}"):
        rows_k = subset_rows(n_train, dataset_size, k)
        x, labels = mnist.x_train[rows_k], mnist.y_train[rows_k]
        y = one_hot(labels)
        if closed is None or not whole:  # the whole set is the same for every k: one evaluator, one SVD
            evaluator = sgd.Evaluator(x, labels, mnist.x_test, mnist.y_test)
            cf = _closed_form_columns(linear.LeastSquaresSVD.from_data(x, y), lr, x, y, labels, mnist)
            closed = (evaluator, cf)
        evaluator, cf = closed
        run = sgd.train_sgd(x, y, batch_size, lr, iterations, seed=k, checkpoints=checkpoints, evaluator=evaluator)
        itr, converged_by = converged_at(run.curves, cf["closed_form_train_loss"], rel_tol)
        stop = held_out_run(
            x, labels, mnist.x_test, mnist.y_test, batch_size, lr, iterations, checkpoints, heldout_fraction, seed=k
        )
        summary = run.summary()
        rows.append(
            {
                "dataset_size": dataset_size,
                "subset": k,
                "batch_size": batch_size,
                "lr": lr,
                "iterations": iterations,
                "itr": itr if itr is not None else iterations,
                "converged": itr is not None,
                "converged_by": converged_by,
                "rel_tol": rel_tol,
                "diverged": run.diverged,
                "final_train_loss": summary["final_train_loss"],
                # exact accuracy on the whole subset (the curves' train_acc uses at most 10,000 of its rows)
                "final_train_acc": np.nan if run.diverged else linear.accuracy(run.W, x, labels),
                "final_test_acc": summary["final_test_acc"],
                "final_norm": float(run.W.norm()),
                "train_seconds": run.train_seconds,
                **cf,
                **stop,
            }
        )
        curve_frames.append(run.curves.assign(dataset_size=dataset_size, subset=k))
    return pd.DataFrame(rows), pd.concat(curve_frames, ignore_index=True)


def hand_setting_runs(
    mnist: MNIST, dataset_size: int, batch_size: int, lr: float, iterations: int, subsets: int
) -> pd.DataFrame:
    """SGD at a hand-made report's setting (``batch_size``, ``lr``, ``iterations``) on the same
    ``subsets`` subsets as ``subset_runs`` (subset k with sampler seed k): one row per subset
    with dataset_size, subset, batch_size, lr, iterations, final_train_loss, final_test_acc and
    train_seconds. Only the end of a run is measured: the comparison needs its final accuracy."""
    n_train = mnist.x_train.shape[0]
    whole = dataset_size == n_train
    rows, evaluator = [], None
    for k in progress(range(subsets), desc=f"N'={dataset_size}, hand setting"):
        rows_k = subset_rows(n_train, dataset_size, k)
        x, labels = mnist.x_train[rows_k], mnist.y_train[rows_k]
        if evaluator is None or not whole:  # the whole set is the same for every k: one evaluator
            evaluator = sgd.Evaluator(x, labels, mnist.x_test, mnist.y_test)
        run = sgd.train_sgd(x, one_hot(labels), batch_size, lr, iterations, seed=k, checkpoints=2, evaluator=evaluator)
        final = run.summary()
        rows.append(
            {
                "dataset_size": dataset_size,
                "subset": k,
                **{key: final[key] for key in ("batch_size", "lr", "iterations")},
                **{key: final[key] for key in ("final_train_loss", "final_test_acc", "train_seconds")},
            }
        )
    return pd.DataFrame(rows)


def _percent(values: pd.Series) -> pd.Series:
    """Fractions as percentages with two decimals, for a table column."""
    return (100 * values).map(lambda v: f"{v:.2f}")


def subsets_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One size's runs as shown, one row per subset of ``subset_runs``: SGD at the end of its
    iterations beside the closed form on the same subset."""
    return pd.DataFrame(
        {
            "subset": runs["subset"],
            # a short cell: the caption says what "no" means
            "levelled off at": [two_figures(i) if c else "no" for i, c in zip(runs["itr"], runs["converged"])],
            "training loss": fixed(runs["final_train_loss"], 4),
            "training acc. (%)": _percent(runs["final_train_acc"]),
            "test acc. (%)": _percent(runs["final_test_acc"]),
            "training s": fixed(runs["train_seconds"]),
            "closed form: training loss": fixed(runs["closed_form_train_loss"]),
            "closed form: rank of X'": runs["rank"],
            "closed form: test acc. (%)": _percent(runs["closed_form_test_acc"]),
        }
    )


def subsets_caption(runs: pd.DataFrame, test_images: int) -> str:
    """The caption of ``subsets_table``: the size and the settings of its runs, and what each
    accuracy is measured on (``test_images``: the size of the test set)."""
    first = runs.iloc[0]
    return (
        f"N' = {int(first['dataset_size']):,}: SGD after {int(first['iterations']):,} iterations "
        f"(B = {int(first['batch_size'])}, η = {first['lr']:g}) and the least-squares solution on the same subset. "
        f"Levelled off at: the iteration from which the training loss had levelled off, to two significant figures as "
        f"the checkpoints allow; no: not within the {int(first['iterations']):,} iterations. Training accuracy is on the whole subset, test "
        f"accuracy on the {test_images:,} test images; training s is measured and varies between builds."
    )


def last_change(curves: pd.DataFrame) -> pd.DataFrame:
    """Per size of ``curves``: how much the subset-mean training loss still moved at the end, as
    the levelling-off test of ``converged_at`` reads it (``criteria.loss_changes``: the loss
    averaged over a stretch from t to 2t against the next stretch, at the last one judged;
    negative while it descends; NaN for a run too short to judge)."""
    rows = []
    for size, group in curves.groupby("dataset_size"):
        changes = criteria.loss_changes(group)["change"]
        rows.append({"dataset_size": size, "last_change": float(changes.iloc[-1]) if len(changes) else np.nan})
    return pd.DataFrame(rows)


def noisy_rule(runs: pd.DataFrame) -> pd.DataFrame:
    """Per size of ``runs``: where the levelling-off test reacts to SGD's noise rather than to the
    loss still falling: ``noisy_subsets``, the runs not levelled off whose final training loss
    lies within the range of those that did (``levelled_loss_min``, ``levelled_loss_max``; NaN
    when none did)."""
    rows = []
    for size, r in runs.groupby("dataset_size"):
        done, open_ = r[r["converged"].astype(bool)], r[~r["converged"].astype(bool)]
        lo, hi = done["final_train_loss"].min(), done["final_train_loss"].max()
        noisy = int(open_["final_train_loss"].between(lo, hi).sum()) if len(done) else 0
        rows.append({"dataset_size": size, "noisy_subsets": noisy, "levelled_loss_min": lo, "levelled_loss_max": hi})
    return pd.DataFrame(rows)


def size_summary(runs: pd.DataFrame, curves: pd.DataFrame, hand: pd.DataFrame | None = None) -> pd.DataFrame:
    """Task 5's table across sizes, one row per training-set size: the means (and s.d., min and
    max) over its subsets of ``subset_runs``' runs, how many converged (``converged_subsets``; by
    each test of ``converged_at``: ``stopped_moving_subsets``, ``reached_optimum_subsets``) and
    how fast the loss still moved at the end (``last_change``), where that rule reacted to noise
    (``noisy_rule``), the peak of the subset-mean test
    curve (``peak_of_mean``), what stopping early gained over the same held-out runs at their
    end, per subset (``early_gain_min``, ``early_gain_max``, ``early_gain_subsets``: how many
    gained), and, given ``hand`` (``hand_setting_runs`` of every size), the runs at a hand-made
    report's setting (``hand_lr``, ``hand_iterations``, ``hand_test_acc`` with ``_sd``, ``_min``,
    ``_max``). Every s.d. is over the subsets, with n - 1 in the denominator (five subsets give
    a rough one; the larger estimate keeps a verdict from resting on a lucky draw)."""
    runs = runs.assign(early_gain=runs["early_test_acc"] - runs["heldout_end_test_acc"])
    table = (
        runs.groupby("dataset_size")
        .agg(
            subsets=("subset", "count"),
            converged_subsets=("converged", "sum"),
            stopped_moving_subsets=("converged_by", lambda by: int((by == STOPPED_MOVING).sum())),
            reached_optimum_subsets=("converged_by", lambda by: int((by == REACHED_OPTIMUM).sum())),
            rel_tol=("rel_tol", "first"),
            batch_size=("batch_size", "first"),
            lr=("lr", "first"),
            iterations=("iterations", "first"),
            test_acc=("final_test_acc", "mean"),
            test_acc_min=("final_test_acc", "min"),
            test_acc_max=("final_test_acc", "max"),
            test_acc_sd=("final_test_acc", "std"),
            train_acc=("final_train_acc", "mean"),
            train_acc_min=("final_train_acc", "min"),
            train_acc_max=("final_train_acc", "max"),
            final_train_loss=("final_train_loss", "mean"),
            train_seconds=("train_seconds", "mean"),
            closed_form_test_acc=("closed_form_test_acc", "mean"),
            closed_form_test_acc_min=("closed_form_test_acc", "min"),
            closed_form_test_acc_max=("closed_form_test_acc", "max"),
            closed_form_test_acc_sd=("closed_form_test_acc", "std"),
            closed_form_train_acc=("closed_form_train_acc", "mean"),
            closed_form_train_loss=("closed_form_train_loss", "mean"),
            rank_min=("rank", "min"),
            rank_max=("rank", "max"),
            closed_form_norm=("closed_form_norm", "mean"),
            final_norm=("final_norm", "mean"),
            early_test_acc=("early_test_acc", "mean"),
            early_test_acc_sd=("early_test_acc", "std"),
            early_t_min=("early_t", "min"),
            early_t_max=("early_t", "max"),
            heldout_end_test_acc=("heldout_end_test_acc", "mean"),
            heldout_images=("heldout_images", "first"),
            early_gain_min=("early_gain", "min"),
            early_gain_max=("early_gain", "max"),
            early_gain_subsets=("early_gain", lambda g: int((g > 0).sum())),
        )
        .reset_index()
        .sort_values("dataset_size")
    )
    table = (
        table.merge(peak_of_mean(curves, "dataset_size"), on="dataset_size")
        .merge(last_change(curves), on="dataset_size")
        .merge(noisy_rule(runs), on="dataset_size")
    )
    if hand is not None:
        at_hand = hand.groupby("dataset_size").agg(
            hand_lr=("lr", "first"),
            hand_iterations=("iterations", "first"),
            hand_batch_size=("batch_size", "first"),
            hand_test_acc=("final_test_acc", "mean"),
            hand_test_acc_sd=("final_test_acc", "std"),
            hand_test_acc_min=("final_test_acc", "min"),
            hand_test_acc_max=("final_test_acc", "max"),
        )
        table = table.merge(at_hand.reset_index(), on="dataset_size")
    return table


def sizes_table(table: pd.DataFrame) -> pd.DataFrame:
    """The numbers per training-set size as shown, one row per size of ``size_summary``: first
    the test accuracy of SGD stopped early on held-out images (the stopping point the data
    choose), then SGD at the end of its iterations (how many runs had levelled off,
    ``commentary.run_status``, its training and test accuracy and their gap), and the
    least-squares solution's test accuracy; accuracies mean ± s.d. over subsets, as the figures."""
    at = f"at {int(table['iterations'].max()):,}"
    return pd.DataFrame(
        {
            "N'": table["dataset_size"].map(lambda v: f"{v:,}"),
            "stopped early: test acc. (%)": _mean_sd(table["early_test_acc"], table["early_test_acc_sd"]),
            f"levelled off by {at[3:]}": [run_status(row) for _, row in table.iterrows()],
            f"{at}: train acc. (%)": _percent(table["train_acc"]),
            f"{at}: test acc. (%)": _mean_sd(table["test_acc"], table["test_acc_sd"]),
            # between the two columns as shown, so the gap matches them to the last digit
            f"{at}: train − test (points)": [
                f"{shown(100 * a) - shown(100 * b):.2f}" for a, b in zip(table["train_acc"], table["test_acc"])
            ],
            "least squares: test acc. (%)": _percent(table["closed_form_test_acc"]),
        }
    )


def sizes_caption(table: pd.DataFrame) -> str:
    """The caption of ``sizes_table``: the runs' setting, read from ``size_summary``."""
    first = table.iloc[0]
    iterations = int(table["iterations"].max())
    return (
        f"Per size, SGD (B = {int(first['batch_size'])}, η = {first['lr']:g}) stopped early on held-out images, then "
        f"after {iterations:,} iterations (how many runs had levelled off by then, its accuracies and their gap), "
        f"and the exact least-squares solution on the same subsets: means over {int(table['subsets'].max())} "
        "subsets, ± their s.d."
    )


def _mean_sd(mean: pd.Series, sd: pd.Series) -> list[str]:
    """Fractions as 'mean ± s.d.' in percent with two decimals, a no-break space keeping each on
    one line."""
    return [f"{100 * m:.2f}\u00a0±\u00a0{100 * d:.2f}" for m, d in zip(mean, sd, strict=True)]
