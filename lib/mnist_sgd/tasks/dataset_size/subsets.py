"""Task 5's subsets and the stop chosen within them: which training images subset k of N'
images holds, how it is split into the images a run fits and those it is measured on, the run
on that split whose best accuracy there chooses the stop, and the run on the whole subset read
after as many passes over its data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science import linear, sgd
from mnist_sgd.science.criteria import early_stop
from mnist_sgd.science.data import MNIST, one_hot


def subset_order(n_train: int, k: int) -> torch.Tensor:
    """The order in which subset ``k`` draws the training rows: a permutation seeded with ``k``.
    The subset of N' images is its first N' rows, so the subsets of one k are nested."""
    return torch.randperm(n_train, generator=torch.Generator().manual_seed(k))


def _check_size(n_train: int, dataset_size: int) -> None:
    """Refuse a subset size outside 1..``n_train``, naming it."""
    if not 1 <= dataset_size <= n_train:
        raise ValueError(f"dataset_size must be in 1..{n_train}, got {dataset_size}")


def subset_rows(n_train: int, dataset_size: int, k: int) -> torch.Tensor:
    """The training rows of subset ``k``: the first ``dataset_size`` rows of ``subset_order``
    (drawn without replacement), sorted; every row when ``dataset_size`` is ``n_train``."""
    _check_size(n_train, dataset_size)
    if dataset_size == n_train:
        return torch.arange(n_train)
    return subset_order(n_train, k)[:dataset_size].sort().values


def fit_count(dataset_size: int, fit_share: float) -> int:
    """How many of a subset's ``dataset_size`` images the split run fits: ``fit_share`` of them,
    rounded, leaving at least one on each side of the split."""
    fit = round(fit_share * dataset_size)
    if not 1 <= fit < dataset_size:
        raise ValueError(f"a share of {fit_share:g} of {dataset_size} images leaves one side of the split empty")
    return fit


def split_rows(n_train: int, dataset_size: int, k: int, fit_share: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The rows of subset ``k`` that its split run fits and those it is measured on: the first
    ``fit_count`` of the subset's rows in ``subset_order``, and the rest of the subset (for the
    whole set, the rest of that order), both sorted. Together they are the subset's rows."""
    _check_size(n_train, dataset_size)
    order = subset_order(n_train, k)[:dataset_size]
    fit = fit_count(dataset_size, fit_share)
    return order[:fit].sort().values, order[fit:].sort().values


def split_budget(iterations: int, dataset_size: int, fit: int) -> int:
    """The split run's iterations: as many passes over its ``fit`` images as ``iterations`` make
    over the whole subset (rounded down), so that its stop read on the whole subset lies within
    that run."""
    return iterations * fit // dataset_size


def same_passes(t: int, dataset_size: int, fit: int) -> int:
    """The iteration of a run on all ``dataset_size`` images that has made as many passes over
    its data as a run on ``fit`` of them after ``t`` iterations (rounded to a whole step)."""
    return round(t * dataset_size / fit)


def split_run(
    mnist: MNIST,
    dataset_size: int,
    k: int,
    fit_share: float,
    batch_size: int,
    lr: float,
    iterations: int,
    checkpoints: int,
) -> tuple[dict[str, float], pd.DataFrame]:
    """SGD (sampler seed ``k``) on the images of subset ``k`` that ``split_rows`` gives it to fit,
    for ``split_budget`` iterations, measured at its checkpoints on the rest of the subset
    (``heldout_acc``); its stop is the checkpoint after the start where that accuracy is highest
    (``criteria.early_stop``: the earliest among ties).

    Returns the columns of one subset's row (fit_images, validation_images, split_iterations,
    split_stop_t, split_validation_acc, split_test_acc: the split run's own test accuracy at its
    stop) and the run's curves.
    """
    fit_rows, held = split_rows(mnist.x_train.shape[0], dataset_size, k, fit_share)
    x, labels = mnist.x_train[fit_rows], mnist.y_train[fit_rows]
    evaluator = sgd.Evaluator(
        x, labels, mnist.x_test, mnist.y_test, x_heldout=mnist.x_train[held], labels_heldout=mnist.y_train[held]
    )
    budget = split_budget(iterations, dataset_size, len(fit_rows))
    run = sgd.train_sgd(
        x, one_hot(labels), batch_size, lr, budget, seed=k, checkpoints=checkpoints, evaluator=evaluator
    )
    best = early_stop(run.curves[run.curves["t"] > 0])
    columns = {
        "fit_images": len(fit_rows),
        "validation_images": len(held),
        "split_iterations": budget,
        "split_stop_t": int(best["t"]),
        "split_validation_acc": best["heldout_acc"],
        "split_test_acc": best["test_acc"],
    }
    return columns, run.curves


def run_read_at(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    lr: float,
    iterations: int,
    seed: int,
    checkpoints: int,
    evaluator: sgd.Evaluator,
    t_read: int,
) -> tuple[sgd.SGDRun, dict[str, float]]:
    """SGD on (``x``, one-hot ``y``) as ``sgd.train_sgd`` runs it, measured at its checkpoints and
    also at iteration ``t_read`` (the same steps: the batches do not depend on where it is
    measured). Returns the run, whose curves keep only the usual checkpoints (the same t for
    every subset, so that their mean curve is one), and its accuracy at ``t_read`` (``stop_*``):
    on the test set, and on every training image (the curves' training accuracy uses at most
    ``sgd.TRAIN_ACC_SAMPLES`` of them); NaN if the run diverged before."""
    training = sgd.Training(x, y, batch_size, lr, seed, evaluator, keep_weights=True)
    schedule = sgd.checkpoint_schedule(iterations, checkpoints).tolist()
    with torch.inference_mode():  # as ``Training.run_to`` records
        training.recorder.record_to(sorted({*schedule, t_read}))
    run = training.recorder.result(lr, seed, iterations)
    assert run.snapshots is not None  # kept: the weights at t_read, to score on every training image
    reading = {"stop_t": t_read, "stop_train_acc": math.nan, "stop_test_acc": math.nan}
    hit = np.flatnonzero(run.curves["t"].to_numpy() == t_read)
    if hit.size:
        W = run.snapshots[int(hit[0])]
        reading.update(
            stop_train_acc=linear.accuracy(W, x, y.argmax(dim=1)),
            stop_test_acc=float(run.curves["test_acc"].iloc[hit[0]]),
        )
    run.curves = run.curves[run.curves["t"].isin(schedule)].reset_index(drop=True)
    run.snapshots = None
    return run, reading
