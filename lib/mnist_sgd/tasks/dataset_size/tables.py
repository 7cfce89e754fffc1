"""Task 5's tables: the runs each training-set size's job makes on its random subsets, the
summary across sizes, and the tables the sections show, laid out from those rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science import linear, sgd
from mnist_sgd.science.data import MNIST, one_hot
from mnist_sgd.science.experiments import peak_of_mean
from mnist_sgd.show.present import fixed, progress
from mnist_sgd.tasks.dataset_size.commentary import share_of, spread
from mnist_sgd.tasks.dataset_size.subsets import run_read_at, same_passes, split_run, subset_rows


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
    fit_share: float,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SGD and the closed form on ``subsets`` random subsets of ``dataset_size`` training images
    (``subset_rows``; subset k trained with sampler seed k). Each subset is first split
    (``subsets.split_run``): SGD on ``fit_share`` of its images, measured on the rest, stops
    where its accuracy there is highest; the run on the whole subset is then read at as many
    passes over its data (``subsets.same_passes``), as well as at the end of ``iterations``.

    Returns (runs, curves, split_curves): one row per subset (the split run's stop and its own
    test accuracy there; the run on the whole subset at that stop, ``stop_*``, and at the end;
    the closed form's columns, from the SVD of the subset; ``fit_share`` and ``rel_tol``, the
    fall of the loss over the last doubling of t below which it counts as small), the curves
    of the runs on the whole subsets and those of the split runs (with ``heldout_acc``, the
    accuracy on the images each leaves out). The training accuracy along the curves is exact up
    to ``sgd.TRAIN_ACC_SAMPLES`` images.
    """
    n_train = mnist.x_train.shape[0]
    whole = dataset_size == n_train
    rows, curve_frames, split_frames, closed = [], [], [], None
    for k in progress(range(subsets), desc=f"N'={dataset_size}"):
        rows_k = subset_rows(n_train, dataset_size, k)
        x, labels = mnist.x_train[rows_k], mnist.y_train[rows_k]
        y = one_hot(labels)
        if closed is None or not whole:  # the whole set is the same for every k: one evaluator, one SVD
            evaluator = sgd.Evaluator(x, labels, mnist.x_test, mnist.y_test)
            cf = _closed_form_columns(linear.LeastSquaresSVD.from_data(x, y), lr, x, y, labels, mnist)
            closed = (evaluator, cf)
        evaluator, cf = closed
        split, split_curves = split_run(mnist, dataset_size, k, fit_share, batch_size, lr, iterations, checkpoints)
        t_read = same_passes(int(split["split_stop_t"]), dataset_size, int(split["fit_images"]))
        run, reading = run_read_at(x, y, batch_size, lr, iterations, k, checkpoints, evaluator, t_read)
        summary = run.summary()
        rows.append(
            {
                "dataset_size": dataset_size,
                "subset": k,
                "batch_size": batch_size,
                "lr": lr,
                "iterations": iterations,
                "rel_tol": rel_tol,
                "fit_share": fit_share,
                "diverged": run.diverged,
                "final_train_loss": summary["final_train_loss"],
                # exact accuracy on the whole subset (the curves' train_acc uses at most 10,000 of its rows)
                "final_train_acc": np.nan if run.diverged else linear.accuracy(run.W, x, labels),
                "final_test_acc": summary["final_test_acc"],
                "final_norm": float(run.W.norm()),
                "train_seconds": run.train_seconds,
                **split,
                **reading,
                **cf,
            }
        )
        curve_frames.append(run.curves.assign(dataset_size=dataset_size, subset=k))
        split_frames.append(split_curves.assign(dataset_size=dataset_size, subset=k))
    return pd.DataFrame(rows), pd.concat(curve_frames, ignore_index=True), pd.concat(split_frames, ignore_index=True)


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


def subsets_table(runs: pd.DataFrame, curves: pd.DataFrame, whole: bool = False) -> pd.DataFrame:
    """One size's runs as shown, one row per subset of ``subset_runs``: where its split run
    stopped and that run's own test accuracy there, the iteration at which the run on the whole
    subset is read and its test accuracy there, then that run at the end of its iterations
    (with how much its loss fell over the second half of the run, ``last_doubling`` of
    ``curves``) beside the closed form on the same subset. On the ``whole`` training set the
    rows differ only by their sampler seed, and are named so."""
    doubling = last_doubling(curves).set_index("subset")
    fall = pd.Series(doubling.loc[runs["subset"], "loss_fall"].to_numpy(), index=runs.index)
    share = share_of(runs)
    return pd.DataFrame(
        {
            "sampler seed" if whole else "subset": runs["subset"],
            f"run on {share}: stopped at t": runs["split_stop_t"].map(lambda v: f"{int(v):,}"),
            f"run on {share}: test acc. there (%)": _percent(runs["split_test_acc"]),
            "run on all: read at t": runs["stop_t"].map(lambda v: f"{int(v):,}"),
            "run on all: test acc. there (%)": _percent(runs["stop_test_acc"]),
            "end: training loss": fixed(runs["final_train_loss"], 4),
            "loss fall over the second half (%)": _percent(fall),
            "end: training acc. (%)": _percent(runs["final_train_acc"]),
            "end: test acc. (%)": _percent(runs["final_test_acc"]),
            "closed form: test acc. (%)": _percent(runs["closed_form_test_acc"]),
        }
    )


def subsets_caption(runs: pd.DataFrame, test_images: int) -> str:
    """The caption of ``subsets_table``: the size and the settings of its runs, the stop, and
    what each accuracy is measured on (``test_images``: the size of the test set)."""
    first = runs.iloc[0]
    size, fit = int(first["dataset_size"]), int(first["fit_images"])
    return (
        f"N' = {size:,}: SGD (B = {int(first['batch_size'])}, η = {first['lr']:g}) on each subset and the "
        f"least-squares solution on the same subset. Run on {share_of(runs)}: SGD on {fit:,} of the subset's images, "
        f"stopped at the checkpoint where its accuracy on the other {int(first['validation_images']):,} was highest; "
        f"run on all: SGD on all {size:,} images, read after as many passes over them (t × {size:,}/{fit:,}, "
        f"rounded). End: after {int(first['iterations']):,} iterations; loss fall: how much the training loss fell "
        "from the checkpoint nearest the middle of the run to its end, in % of its value there. Training accuracy at "
        f"the end is on {_train_images(size)}, test accuracy on the {test_images:,} test images."
    )


def _train_images(size: int) -> str:
    """The training images a run's end is scored on: every one of a subset up to the number the
    curves score, a fixed sample of that many beyond."""
    return (
        "every image of the subset" if size <= sgd.TRAIN_ACC_SAMPLES else f"a fixed {sgd.TRAIN_ACC_SAMPLES:,} of them"
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
    max) over its subsets of ``subset_runs``' runs on the whole subset, at the stop their split
    runs chose (``stop_*``; ``stop_gap``: training minus test accuracy there; ``split_test_acc``:
    the split runs' own test accuracy at their stop; ``fit_share``, ``fit_images`` and
    ``validation_images``: how the subsets were split) and at the end of the iterations (the train/test gap per subset as ``gap``), what the last
    doubling of t still changed (``last_doubling``: ``fall_from_t``, ``loss_fall`` and
    ``test_change`` with their s.d.), the peak of the subset-mean test curve
    (``peak_of_mean``), and, given ``hand`` (``hand_setting_runs`` of every size), the runs at a
    hand-made report's setting (``hand_lr``, ``hand_iterations``, ``hand_test_acc`` with
    ``_sd``, ``_min``, ``_max``). Every s.d. is over the subsets, with n - 1 in the denominator
    (five subsets give a rough one; the larger estimate keeps a verdict from resting on a lucky
    draw)."""
    runs = runs.assign(
        stop_gap=runs["stop_train_acc"] - runs["stop_test_acc"], gap=runs["final_train_acc"] - runs["final_test_acc"]
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
            fit_share=("fit_share", "first"),
            fit_images=("fit_images", "first"),
            validation_images=("validation_images", "first"),
            split_test_acc=("split_test_acc", "mean"),
            split_test_acc_sd=("split_test_acc", "std"),
            stop_test_acc=("stop_test_acc", "mean"),
            stop_test_acc_sd=("stop_test_acc", "std"),
            stop_train_acc=("stop_train_acc", "mean"),
            stop_train_acc_sd=("stop_train_acc", "std"),
            stop_train_acc_min=("stop_train_acc", "min"),
            stop_gap_sd=("stop_gap", "std"),
            stop_t_min=("stop_t", "min"),
            stop_t_max=("stop_t", "max"),
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


# the columns of a reading, as ``size_summary`` names them at the end of the iterations
READING = ("test_acc", "test_acc_sd", "train_acc", "train_acc_sd", "train_acc_min", "gap_sd")


def at_stop(table: pd.DataFrame) -> pd.DataFrame:
    """The sizes of ``size_summary`` read at the stop, under the names of the reading at the end
    (``READING``), so that the same text and figures serve both."""
    return table.drop(columns=list(READING)).rename(columns={f"stop_{c}": c for c in READING}).reset_index(drop=True)


def sizes_table(table: pd.DataFrame) -> pd.DataFrame:
    """SGD on the whole subset at the end of its iterations as shown, one row per size of
    ``size_summary``: what the answer's table (its test accuracies) leaves out, the final training
    accuracy, the gap between training and test accuracy and how much its loss fell over the second
    half of the run; every value mean ± s.d. over subsets, as the figures."""
    return pd.DataFrame(
        {
            "N'": table["dataset_size"].map(lambda v: f"{v:,}"),
            "final training acc. (%)": mean_sd(table["train_acc"], table["train_acc_sd"]),
            "training − test (points)": gap_column(table),
            "loss fall over the second half (%)": mean_sd(table["loss_fall"], table["loss_fall_sd"]),
        }
    )


def sizes_caption(table: pd.DataFrame) -> str:
    """The caption of ``sizes_table``: the runs' setting, read from ``size_summary``."""
    first = table.iloc[0]
    return (
        f"Per size (B = {int(first['batch_size'])}, η = {first['lr']:g}): SGD on the whole subset after "
        f"{int(table['iterations'].max()):,} iterations, its final training accuracy, training minus test accuracy "
        "and the fall of its training loss over the second half of the run, from the checkpoint nearest its middle "
        f"(% of its value there). Means ± s.d. over {int(table['subsets'].max())} subsets."
    )


def gap_column(table: pd.DataFrame) -> list[str]:
    """Training minus test accuracy in points, 'mean ± s.d.' rounded as its own spread allows
    (the mean of the subsets' gaps is the difference of the two means); '—' where there is none."""
    return [
        "—" if np.isnan(a) else spread(100 * (a - b), 100 * sd)
        for a, b, sd in zip(table["train_acc"], table["test_acc"], table["gap_sd"], strict=True)
    ]


def mean_sd(mean: pd.Series, sd: pd.Series, scale: float = 100) -> list[str]:
    """Fractions as 'mean ± s.d.' in percent or points (``scale``), rounded as the spread allows
    (``spread``); '—' where there is no value."""
    return ["—" if np.isnan(m) else spread(scale * m, scale * d) for m, d in zip(mean, sd, strict=True)]
