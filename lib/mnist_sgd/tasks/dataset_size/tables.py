"""Task 5's tables: the runs each training-set size's job makes on its random subsets, the
summary across sizes, and the tables the sections show, laid out from those rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science import linear, sgd
from mnist_sgd.science.data import MNIST, one_hot
from mnist_sgd.science.experiments import held_out_run, peak_of_mean
from mnist_sgd.show.present import fixed, progress
from mnist_sgd.tasks.dataset_size.commentary import shown


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

    Returns (runs, curves): one row per subset (the SGD numbers at the end of the
    ``iterations``, the closed form's, from the SVD of the subset, the early-stopped run's, and
    ``rel_tol``, the fall of the loss over the last doubling of t below which it counts as
    small), and the SGD curves of every subset.
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


def subsets_table(runs: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """One size's runs as shown, one row per subset of ``subset_runs``: SGD at the end of its
    iterations (with how much its loss fell over the last doubling of t, ``last_doubling`` of
    ``curves``) beside the closed form on the same subset."""
    doubling = last_doubling(curves).set_index("subset")
    fall = pd.Series(doubling.loc[runs["subset"], "loss_fall"].to_numpy(), index=runs.index)
    return pd.DataFrame(
        {
            "subset": runs["subset"],
            "training loss": fixed(runs["final_train_loss"], 4),
            f"loss fall from t = {int(doubling['fall_from_t'].min()):,} (%)": _percent(fall),
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
        "Loss fall: how much the training loss fell from that t to the end, in % of its value there. Training "
        f"accuracy is on the whole subset, test accuracy on the {test_images:,} test images; training s is measured "
        "and varies between builds."
    )


def last_doubling(curves: pd.DataFrame) -> pd.DataFrame:
    """Per size and subset of ``curves``: what the last doubling of t still changed, from the
    checkpoint nearest half the run (``fall_from_t``) to its end: ``loss_fall``, the fall of the
    training loss as a share of its value there, and ``test_change``, the change of the test
    accuracy (fractions). Measured, not judged: where the loss still falls, the accuracies of a
    fixed budget depend on where the run was cut."""
    rows = []
    for (size, subset), run in curves.groupby(["dataset_size", "subset"]):
        at = run.set_index("t").sort_index()
        end = at.index[-1]
        start = at.index[int(abs(at.index.to_numpy() - end / 2).argmin())]
        rows.append(
            {
                "dataset_size": size,
                "subset": subset,
                "fall_from_t": int(start),
                "loss_fall": 1 - at.loc[end, "train_loss"] / at.loc[start, "train_loss"],
                "test_change": at.loc[end, "test_acc"] - at.loc[start, "test_acc"],
            }
        )
    return pd.DataFrame(rows)


def size_summary(runs: pd.DataFrame, curves: pd.DataFrame, hand: pd.DataFrame | None = None) -> pd.DataFrame:
    """Task 5's table across sizes, one row per training-set size: the means (and s.d., min and
    max) over its subsets of ``subset_runs``' runs (the train/test gap per subset as ``gap``),
    what the last doubling of t still changed (``last_doubling``: ``fall_from_t``, ``loss_fall``
    and ``test_change`` with their s.d.), the peak of the subset-mean test
    curve (``peak_of_mean``), what stopping early gained over the same held-out runs at their
    end, per subset (``early_gain_min``, ``early_gain_max``, ``early_gain_subsets``: how many
    gained), and, given ``hand`` (``hand_setting_runs`` of every size), the runs at a hand-made
    report's setting (``hand_lr``, ``hand_iterations``, ``hand_test_acc`` with ``_sd``, ``_min``,
    ``_max``). Every s.d. is over the subsets, with n - 1 in the denominator (five subsets give
    a rough one; the larger estimate keeps a verdict from resting on a lucky draw)."""
    runs = runs.assign(
        early_gain=runs["early_test_acc"] - runs["heldout_end_test_acc"],
        gap=runs["final_train_acc"] - runs["final_test_acc"],
    ).merge(last_doubling(curves), on=["dataset_size", "subset"])
    table = (
        runs.groupby("dataset_size")
        .agg(
            subsets=("subset", "count"),
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
            train_acc_sd=("final_train_acc", "std"),
            gap_sd=("gap", "std"),
            fall_from_t=("fall_from_t", "min"),
            loss_fall=("loss_fall", "mean"),
            loss_fall_sd=("loss_fall", "std"),
            test_change=("test_change", "mean"),
            test_change_sd=("test_change", "std"),
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
    table = table.merge(peak_of_mean(curves, "dataset_size"), on="dataset_size")
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
    the test accuracy of the separate runs trained on part of each subset and stopped early on
    the rest (the stopping point the data choose), then SGD on the whole subset at the end of its
    iterations (its training and test accuracy, their gap, how much its loss fell over the last
    doubling of t), and the least-squares solution's test accuracy; every value mean ± s.d. over
    subsets, as the figures."""
    at = f"at {int(table['iterations'].max()):,}"
    return pd.DataFrame(
        {
            "N'": table["dataset_size"].map(lambda v: f"{v:,}"),
            f"runs on {trained_share(table)}, stopped early: test acc. (%)": _mean_sd(
                table["early_test_acc"], table["early_test_acc_sd"]
            ),
            f"{at}: train acc. (%)": _mean_sd(table["train_acc"], table["train_acc_sd"]),
            f"{at}: test acc. (%)": _mean_sd(table["test_acc"], table["test_acc_sd"]),
            # the mean between the two columns as shown, so the gap matches them to the last digit
            f"{at}: train − test (points)": [
                f"{shown(100 * a) - shown(100 * b):.2f}\u00a0±\u00a0{100 * sd:.2f}"
                for a, b, sd in zip(table["train_acc"], table["test_acc"], table["gap_sd"], strict=True)
            ],
            f"{at}: loss fall from t = {int(table['fall_from_t'].min()):,} (%)": _mean_sd(
                table["loss_fall"], table["loss_fall_sd"]
            ),
            "least squares: test acc. (%)": _mean_sd(table["closed_form_test_acc"], table["closed_form_test_acc_sd"]),
        }
    )


def trained_share(table: pd.DataFrame) -> str:
    """'80%': the share of each subset the stopped-early runs train on (the rest is held out)."""
    held = float((table["heldout_images"] / table["dataset_size"]).iloc[0])
    return f"{100 * (1 - held):.0f}%"


def sizes_caption(table: pd.DataFrame) -> str:
    """The caption of ``sizes_table``: the runs' setting, read from ``size_summary``."""
    first = table.iloc[0]
    return (
        f"Per size (B = {int(first['batch_size'])}, η = {first['lr']:g}): separate runs on {trained_share(table)} of "
        f"each subset, stopped at their best accuracy on the rest; the runs on the whole subset after "
        f"{int(table['iterations'].max()):,} iterations, and the fall of their training loss over the second half "
        "of the run, from the checkpoint nearest its middle (% of its value there); the least-squares solution. "
        "Means ± s.d. over "
        f"{int(table['subsets'].max())} subsets."
    )


def _mean_sd(mean: pd.Series, sd: pd.Series) -> list[str]:
    """Fractions as 'mean ± s.d.' in percent with two decimals, a no-break space keeping each on
    one line."""
    return [f"{100 * m:.2f}\u00a0±\u00a0{100 * d:.2f}" for m, d in zip(mean, sd, strict=True)]
