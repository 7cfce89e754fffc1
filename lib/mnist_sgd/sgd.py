"""Hand-written minibatch SGD for the linear least-squares classifier, with its curves.

One step, for a batch of B indices drawn uniformly with replacement::

    g = X_b^T (X_b W - Y_b) / B,    W <- W - lr * g,    W_0 = 0 (float32)

The loop does only fused tensor operations per step (two ``index_select`` into reused
buffers, one ``addmm`` for the residual, one in-place ``addmm_`` for the update): no
autograd, no optimizer object, no allocation. Batches come from a seeded
``torch.Generator``, drawn with ``torch.randint`` in chunks of whole steps between
checkpoints, so a run is determined by (seed, batch size, learning rate, iterations).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from .data import MNIST, one_hot
from .linear import Gram

CURVE_COLUMNS = ["t", "samples", "train_seconds", "train_loss", "batch_loss", "train_acc", "test_acc"]
# Indices pre-drawn at once at most (8 MB of int64), so long gaps between late
# checkpoints at B = 1000 do not allocate gigabytes.
MAX_CHUNK_INDICES = 1 << 20
# Training accuracy is measured on a fixed subset: on the full 60,000 rows the product
# took ~80-150 ms on the 2-core machine, more than a whole B = 1 run between checkpoints.
TRAIN_ACC_SAMPLES = 10_000


class Evaluator:
    """Measures a weight matrix on one data set; build it once, share it across a sweep.

    ``train_loss`` is the exact loss on the whole training set (from the float64
    ``Gram``, no data pass). ``train_acc`` is the accuracy on a fixed random subset of
    ``train_acc_samples`` training rows (drawn with ``subset_seed``; ``None`` means all
    rows). ``test_acc`` is on the whole test set, NaN when none is given.
    """

    def __init__(
        self,
        x_train: torch.Tensor,
        labels_train: torch.Tensor,
        x_test: torch.Tensor | None = None,
        labels_test: torch.Tensor | None = None,
        *,
        train_acc_samples: int | None = TRAIN_ACC_SAMPLES,
        subset_seed: int = 0,
        gram: Gram | None = None,
        x_heldout: torch.Tensor | None = None,
        labels_heldout: torch.Tensor | None = None,
    ) -> None:
        self.gram = gram if gram is not None else Gram.from_data(x_train, one_hot(labels_train))
        n = x_train.shape[0]
        if train_acc_samples is None or train_acc_samples >= n:
            self.x_acc, self.labels_acc = x_train, labels_train
        else:
            g = torch.Generator().manual_seed(subset_seed)
            rows = torch.randperm(n, generator=g)[:train_acc_samples].sort().values
            self.x_acc, self.labels_acc = x_train[rows], labels_train[rows]
        self.x_test, self.labels_test = x_test, labels_test
        # images of the same pool kept out of training, to choose where to stop without the test set
        self.x_heldout, self.labels_heldout = x_heldout, labels_heldout

    @property
    def columns(self) -> list[str]:
        """The curve columns this evaluator fills."""
        return CURVE_COLUMNS + (["heldout_acc"] if self.x_heldout is not None else [])
    @classmethod
    def from_mnist(cls, mnist: MNIST, **kwargs: Any) -> Evaluator:
        return cls(mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test, **kwargs)

    def loss_at_zero(self) -> float:
        return self.gram.loss_at_zero()

    def evaluate(self, W: torch.Tensor) -> dict[str, float]:
        """``train_loss``, ``train_acc`` and ``test_acc`` of ``W``."""
        with torch.inference_mode():
            train_acc = _accuracy32(W, self.x_acc, self.labels_acc)
            test_acc = math.nan if self.x_test is None else _accuracy32(W, self.x_test, self.labels_test)
            out = {"train_loss": self.gram.loss(W), "train_acc": train_acc, "test_acc": test_acc}
            if self.x_heldout is not None:
                out["heldout_acc"] = _accuracy32(W, self.x_heldout, self.labels_heldout)
            return out


def _accuracy32(W: torch.Tensor, X: torch.Tensor, labels: torch.Tensor) -> float:
    # Float32 scores, like the model is trained in; a non-finite W scores as it may.
    return (torch.mm(X, W.to(X.dtype)).argmax(dim=1) == labels).to(torch.float64).mean().item()


def checkpoint_schedule(iterations: int, checkpoints: int) -> np.ndarray:
    """Iterations at which a run is measured: 0, then ``checkpoints - 1`` points spaced
    geometrically from 1 to ``iterations`` (rounded, duplicates dropped, so early on it is
    every iteration and there are at most ``checkpoints`` points), always ending at
    ``iterations``. Even spacing in log t, for log-x plots."""
    if iterations <= 0:
        return np.array([0], dtype=np.int64)
    points = np.rint(np.geomspace(1, iterations, max(checkpoints - 1, 1))).astype(np.int64)
    return np.unique(np.concatenate([[0], points, [iterations]]))


@dataclass
class SGDRun:
    """One training run: its configuration, curves, final weights and divergence status.

    ``curves`` has one row per healthy checkpoint (columns ``CURVE_COLUMNS``); a diverged
    run stops at ``diverged_at`` and its curves end at the last checkpoint before it.
    """

    batch_size: int
    lr: float
    seed: int
    iterations: int
    curves: pd.DataFrame
    W: torch.Tensor
    diverged: bool = False
    diverged_at: int | None = None
    train_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """One row; the ``final_*`` values are NaN for a diverged run."""
        last = self.curves.iloc[-1] if len(self.curves) and not self.diverged else None
        final = {k: math.nan if last is None else float(last[k]) for k in ("train_loss", "test_acc", "train_acc")}
        return {
            "batch_size": self.batch_size,
            "lr": self.lr,
            "seed": self.seed,
            "iterations": self.iterations,
            "diverged": self.diverged,
            "diverged_at": self.diverged_at,
            "final_train_loss": final["train_loss"],
            "final_test_acc": final["test_acc"],
            "final_train_acc": final["train_acc"],
            "train_seconds": self.train_seconds,
        }


class _Stepper:
    """The preallocated buffers and the step loop of one run.

    The weights are kept transposed, ``V = W^T`` (10 x 784, contiguous), with the
    targets transposed to match: the residual ``V X_b^T - Y_b^T`` and the update
    ``V -= lr/B (V X_b^T - Y_b^T) X_b`` are then MKL products with 10 rows, which measured
    1.5-2x faster at B >= 10 than the same products laid out as 784 x 10 (at B = 1000,
    ~0.7 ms against ~1.5 ms per step) and no slower at B = 1.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, lr: float) -> None:
        self.x, self.yT = x, y.T.contiguous()
        self.V = torch.zeros(y.shape[1], x.shape[1], dtype=x.dtype)
        self.xb = torch.empty(batch_size, x.shape[1], dtype=x.dtype)
        self.ybT = torch.empty(y.shape[1], batch_size, dtype=x.dtype)
        self.rT = torch.zeros(y.shape[1], batch_size, dtype=x.dtype)
        self.alpha = -lr / batch_size
        self.steps_done = 0

    @property
    def W(self) -> torch.Tensor:
        """The weights as 784 x 10 (a view)."""
        return self.V.T

    def run(self, rows: torch.Tensor) -> None:
        """One SGD step per row of ``rows`` (each row the B indices of a batch)."""
        x, yT, V, xb, ybT, rT, alpha = self.x, self.yT, self.V, self.xb, self.ybT, self.rT, self.alpha
        for idx in rows.unbind(0):
            torch.index_select(x, 0, idx, out=xb)
            torch.index_select(yT, 1, idx, out=ybT)
            torch.addmm(ybT, V, xb.T, beta=-1, out=rT)  # r^T = W^T X_b^T - Y_b^T
            V.addmm_(rT, xb, alpha=alpha)  # W^T -= lr/B * r^T X_b
        self.steps_done += rows.shape[0]

    def batch_loss(self) -> float:
        """Minibatch loss of the last step, at the weights before that step's update."""
        return math.nan if self.steps_done == 0 else 0.5 * self.rT.square().sum().item() / self.rT.shape[1]


def train_sgd(
    x: torch.Tensor,
    y_onehot: torch.Tensor,
    batch_size: int,
    lr: float,
    iterations: int,
    seed: int,
    checkpoints: int = 200,
    evaluator: Evaluator | None = None,
    indices: torch.Tensor | None = None,
    check_every: int = 64,
    blowup: float = 1e3,
    weight_limit: float = 1e6,
) -> SGDRun:
    """Run minibatch SGD from W = 0 and record its curves.

    Checkpoints follow ``checkpoint_schedule(iterations, checkpoints)`` (t = 0, then
    geometric, last = ``iterations``). At each one the row holds ``t``, ``samples``
    (t * B), ``train_seconds`` (cumulative time of the training loop only: drawing
    indices, the steps and the cheap divergence checks, timed with ``perf_counter``;
    evaluation is excluded), the ``evaluator``'s ``train_loss`` (exact, full training
    set), ``train_acc`` (fixed training subset, see ``Evaluator``) and ``test_acc``, and
    ``batch_loss`` (minibatch loss of the last step; NaN at t = 0).

    Without an ``evaluator`` one is built on (x, labels of ``y_onehot``), with no test
    set; in a sweep pass a shared one, whose training set must be ``x``.

    ``indices`` (iterations x B, int64) replaces the random batches: step t uses row t,
    and ``seed`` is then unused.

    Divergence: every ``check_every`` steps (within each chunk) the largest ``|W|`` is
    read; if it is not finite or exceeds ``weight_limit``, the run stops. At every
    checkpoint the run also stops if the training loss is not finite or exceeds
    ``blowup`` times the loss at W = 0. ``diverged_at`` is the iteration at which it was
    detected. Nothing is printed or warned either way.
    """
    if batch_size < 1 or iterations < 0:
        raise ValueError(f"need batch_size >= 1 and iterations >= 0, got {batch_size} and {iterations}")
    if indices is not None and tuple(indices.shape) != (iterations, batch_size):
        raise ValueError(f"indices must have shape ({iterations}, {batch_size}), got {tuple(indices.shape)}")
    if evaluator is None:
        evaluator = Evaluator(x, y_onehot.argmax(dim=1))
    n = x.shape[0]
    generator = torch.Generator().manual_seed(seed)
    chunk_steps = max(1, MAX_CHUNK_INDICES // batch_size)
    stepper = _Stepper(x.to(torch.float32), y_onehot.to(torch.float32), batch_size, lr)
    W = stepper.W
    t = 0

    def advance(target: int) -> tuple[int, bool]:
        nonlocal t
        while t < target:
            steps = min(target - t, chunk_steps)
            chunk = torch.randint(n, (steps, batch_size), generator=generator) if indices is None else indices[t : t + steps]
            for block in chunk.split(check_every):
                stepper.run(block)
                t += block.shape[0]
                if not W.abs().max().item() <= weight_limit:  # also true for NaN
                    return t, False
        return t, True

    with torch.inference_mode():
        return record_run(advance, lambda: W.contiguous(), stepper.batch_loss, evaluator,
                          batch_size, lr, seed, iterations, checkpoints, blowup)


def record_run(
    advance: Callable[[int], tuple[int, bool]],
    weights: Callable[[], torch.Tensor],
    batch_loss: Callable[[], float],
    evaluator: Evaluator,
    batch_size: int, lr: float, seed: int, iterations: int, checkpoints: int, blowup: float = 1e3,
) -> SGDRun:
    """Drive a training loop from checkpoint to checkpoint and record its curves.

    ``advance(target)`` trains up to iteration ``target`` and returns the iteration reached
    and whether the weights are still healthy; only its time counts as training time. At
    each checkpoint the weights are evaluated; the run stops as diverged when they are not
    healthy or the training loss is not finite or exceeds ``blowup`` times the loss at 0.
    """
    limit_loss = blowup * evaluator.loss_at_zero()
    rows: list[dict[str, float]] = []
    seconds, t, diverged_at = 0.0, 0, None
    for target in checkpoint_schedule(iterations, checkpoints).tolist():
        start = time.perf_counter()
        t, healthy = advance(target)
        seconds += time.perf_counter() - start
        measured = evaluator.evaluate(weights()) if healthy else None
        if measured is None or not measured["train_loss"] <= limit_loss:
            diverged_at = t
            break
        rows.append({"t": t, "samples": t * batch_size, "train_seconds": seconds, "batch_loss": batch_loss(), **measured})
    return SGDRun(
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        iterations=iterations,
        curves=pd.DataFrame(rows, columns=getattr(evaluator, "columns", CURVE_COLUMNS)),
        W=weights(),
        diverged=diverged_at is not None,
        diverged_at=diverged_at,
        train_seconds=seconds,
    )


def choose_lr(runs: pd.DataFrame) -> float:
    """The learning rate with the lowest mean ``final_train_loss`` over its runs, among the
    learning rates for which no run (no seed) diverged.

    ``runs`` has one row per run with at least ``lr``, ``diverged`` and
    ``final_train_loss`` (the rows of ``SGDRun.summary``). Ties go to the smaller lr.
    Raises ValueError if every learning rate had a diverged run.
    """
    by_lr = runs.groupby("lr").agg(any_diverged=("diverged", "any"), loss=("final_train_loss", "mean"))
    stable = by_lr[~by_lr["any_diverged"] & np.isfinite(by_lr["loss"])]
    if stable.empty:
        raise ValueError(f"every learning rate had a diverged run: {sorted(by_lr.index)}")
    return float(stable["loss"].idxmin())


def converged_iterations(curve: pd.DataFrame, rel_tol: float, window: float = 2.0) -> int | None:
    """The first checkpoint t from which the training loss has stopped moving.

    The loss L(t) is ``train_loss`` averaged over all rows with the same ``t`` (so a
    curve of several seeds, on the same checkpoint grid, gives the seed-mean). For a
    checkpoint s, let s' be the last checkpoint <= ``window`` * s; its change is
    ``|L(s) - L(s')| / L(s')``. The result is the smallest checkpoint t > 0 such that
    every checkpoint s >= t with s' > s and ``window`` * s <= the last checkpoint has a
    change <= ``rel_tol`` (i.e. from t on, the loss moves by less than ``rel_tol`` per
    doubling of the iterations when window = 2). None if there is no such t, if no
    checkpoint has a full window after it, or if the loss is not finite.
    """
    mean = curve.groupby("t")["train_loss"].mean().sort_index()
    t, loss = mean.index.to_numpy(dtype=np.float64), mean.to_numpy(dtype=np.float64)
    if len(t) == 0 or not np.isfinite(loss).all():
        return None
    later = np.searchsorted(t, window * t, side="right") - 1
    here = np.arange(len(t))
    judged = here[(later > here) & (window * t <= t[-1]) & (t > 0)]
    if len(judged) == 0:
        return None
    change = np.abs(loss[judged] - loss[later[judged]]) / np.abs(loss[later[judged]])
    failing = np.flatnonzero(change > rel_tol)
    if len(failing) == 0:
        return int(t[judged[0]])
    if failing[-1] + 1 == len(judged):
        return None
    return int(t[judged[failing[-1] + 1]])


def converged_to_optimum(curve: pd.DataFrame, optimum: float, rel_tol: float) -> int | None:
    """The first checkpoint t > 0 from which the run stays within ``rel_tol`` of the way
    from its start to the optimum: (L(s) - L*) <= rel_tol * (L(0) - L*) for every s >= t.

    Judged on the excess over ``optimum`` (L*, e.g. the closed-form least squares on the
    same data), not on the loss's own relative change: when L* = 0 (an exact fit exists)
    the loss keeps halving forever, so a relative-change test never passes even at 1e-11.
    ``curve`` as in ``converged_iterations`` (seed-mean per t, must include t = 0). None if
    the end is not within the tolerance or the loss is not finite.
    """
    mean = curve.groupby("t")["train_loss"].mean().sort_index()
    t, loss = mean.index.to_numpy(dtype=np.float64), mean.to_numpy(dtype=np.float64)
    if len(t) < 2 or t[0] != 0 or not np.isfinite(loss).all():
        return None
    scale = loss[0] - optimum
    if scale <= 0:
        return None
    within = (loss - optimum) <= rel_tol * scale
    if not within[-1]:
        return None
    outside = np.flatnonzero(~within)
    first = 1 if len(outside) == 0 else outside[-1] + 1
    return int(t[max(first, 1)])


def early_stop(curve: pd.DataFrame, column: str = "heldout_acc") -> pd.Series:
    """The checkpoint row with the highest ``column`` (the earliest among ties): where a run
    stopped by a held-out score would have stopped."""
    values = curve[column].to_numpy(dtype=np.float64)
    return curve.iloc[int(np.nanargmax(values))]
