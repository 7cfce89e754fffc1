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

import copy
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from mnist_sgd.science.data import MNIST, one_hot
from mnist_sgd.science.linear import Gram
from mnist_sgd.science.noise import NoiseScale

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
        noise_scale: bool = False,
    ) -> None:
        self.gram = gram if gram is not None else Gram.from_data(x_train, one_hot(labels_train))
        # B_noise at every checkpoint (~2 ms, but a pass over the data to set up), so only where asked
        self.noise = NoiseScale(x_train, one_hot(labels_train), self.gram) if noise_scale else None
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
        # each scored set also stored transposed, for the faster layout of the product (see _accuracy32)
        self._scored = {
            name: (x.T.contiguous(), labels)
            for name, x, labels in (
                ("train_acc", self.x_acc, self.labels_acc),
                ("test_acc", x_test, labels_test),
                ("heldout_acc", x_heldout, labels_heldout),
            )
            if x is not None and labels is not None
        }

    @property
    def columns(self) -> list[str]:
        """The curve columns this evaluator fills."""
        return (
            CURVE_COLUMNS
            + (["heldout_acc"] if self.x_heldout is not None else [])
            + (["noise_scale"] if self.noise is not None else [])
        )

    @classmethod
    def from_mnist(cls, mnist: MNIST, **kwargs: Any) -> Evaluator:
        return cls(mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test, **kwargs)

    def loss_only(self) -> Evaluator:
        """The same evaluator measuring the training loss only (from the Gram matrix, ~1 ms):
        for sweeps, whose many curves need the loss at every checkpoint and the accuracies
        only once, at the end."""
        light = copy.copy(self)
        light._scored, light.noise = {}, None
        return light

    def loss_at_zero(self) -> float:
        return self.gram.loss_at_zero()

    def evaluate(self, W: torch.Tensor) -> dict[str, float]:
        """``train_loss``, ``train_acc`` and ``test_acc`` of ``W``."""
        with torch.inference_mode():
            out = {"train_loss": self.gram.loss(W), "test_acc": math.nan}
            out.update({name: _accuracy32(W, xt, labels) for name, (xt, labels) in self._scored.items()})
            if self.noise is not None:
                out["noise_scale"] = self.noise(W)
            return out


def _accuracy32(W: torch.Tensor, XT: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy of W (d x k) on the images XT (d x n, one image per column). The scores are
    formed as W^T X^T (k x n): on one thread this runs about twice as fast as X W (n x k),
    whose skinny output the matrix product handles poorly (10,000 images: 8 ms against 17 ms).
    Float32 scores, like the model is trained in; a non-finite W scores as it may."""
    return (torch.mm(W.T.to(XT.dtype), XT).argmax(dim=0) == labels).to(torch.float64).mean().item()


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
    ``snapshots``, when kept, are the weights at each row of ``curves``, to measure them
    again later (``remeasure``) without training again.
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
    snapshots: list[torch.Tensor] | None = None

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


def remeasure(run: SGDRun, evaluator: Evaluator) -> SGDRun:
    """``run`` with every checkpoint measured again by ``evaluator`` from its kept snapshots:
    the curves a run with that evaluator would have recorded (the same t, samples, training
    seconds and minibatch loss), at the cost of the measurements only."""
    if run.snapshots is None:
        raise ValueError("the run kept no snapshots of its weights (train it with keep_weights=True)")
    kept = run.curves[["t", "samples", "train_seconds", "batch_loss"]].reset_index(drop=True)
    measured = pd.DataFrame([evaluator.evaluate(W) for W in run.snapshots])
    curves = pd.concat([kept, measured], axis=1)
    return dataclasses.replace(run, curves=curves[evaluator.columns], snapshots=None)


def draw_batches(n: int, steps: int, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """The batches of ``steps`` steps, one row of ``batch_size`` indices each, sampled uniformly
    from 0..n-1 *with replacement*: every index is drawn independently, so a batch may hold
    the same image twice and consecutive batches are independent."""
    return torch.randint(n, (steps, batch_size), generator=generator)


class Stepper:
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
    training = Training(
        x, y_onehot, batch_size, lr, seed, evaluator, indices, check_every, blowup=blowup, weight_limit=weight_limit
    )
    return training.run_to(iterations, checkpoints)


class Training:
    """One SGD run that can be taken further: ``run_to(T)`` trains from where it stands to
    iteration T. Batches are drawn from one seeded generator whose stream does not depend on
    how the steps are split, so a run taken to T in several calls makes the same steps as one
    taken there at once; only its checkpoints differ: each call adds those of
    ``checkpoint_schedule(T, checkpoints)`` past the current iteration.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y_onehot: torch.Tensor,
        batch_size: int,
        lr: float,
        seed: int,
        evaluator: Evaluator | None = None,
        indices: torch.Tensor | None = None,
        check_every: int = 64,
        *,
        blowup: float = 1e3,
        weight_limit: float = 1e6,
        keep_weights: bool = False,
    ) -> None:
        if evaluator is None:
            evaluator = Evaluator(x, y_onehot.argmax(dim=1))
        self.lr, self.seed = lr, seed
        n = x.shape[0]
        generator = torch.Generator().manual_seed(seed)
        chunk_steps = max(1, MAX_CHUNK_INDICES // batch_size)
        stepper = Stepper(x.to(torch.float32), y_onehot.to(torch.float32), batch_size, lr)
        W = stepper.W

        def advance(target: int) -> tuple[int, bool]:
            t = stepper.steps_done
            while t < target:
                steps = min(target - t, chunk_steps)
                chunk = draw_batches(n, steps, batch_size, generator) if indices is None else indices[t : t + steps]
                for block in chunk.split(check_every):
                    stepper.run(block)
                    t += block.shape[0]
                    if not W.abs().max().item() <= weight_limit:  # also true for NaN
                        return t, False
            return t, True

        self.recorder = Recorder(
            advance, lambda: W.contiguous(), stepper.batch_loss, evaluator, batch_size, blowup, keep_weights
        )

    def run_to(self, iterations: int, checkpoints: int = 200) -> SGDRun:
        """Train up to ``iterations`` (no further once diverged) and return the run so far."""
        with torch.inference_mode():
            self.recorder.record_to(checkpoint_schedule(iterations, checkpoints).tolist())
        return self.recorder.result(self.lr, self.seed, iterations)


class Recorder:
    """Drives a training loop from checkpoint to checkpoint and records its curves.

    ``advance(target)`` trains up to iteration ``target`` and returns the iteration reached
    and whether the weights are still healthy; only its time counts as training time. At
    each checkpoint the weights are evaluated; the run stops as diverged when they are not
    healthy or the training loss is not finite or exceeds ``blowup`` times the loss at 0.
    With ``keep_weights`` a copy of the weights is kept at every checkpoint (31 kB each).
    """

    def __init__(
        self,
        advance: Callable[[int], tuple[int, bool]],
        weights: Callable[[], torch.Tensor],
        batch_loss: Callable[[], float],
        evaluator: Evaluator,
        batch_size: int,
        blowup: float = 1e3,
        keep_weights: bool = False,
    ) -> None:
        self.advance, self.weights, self.batch_loss, self.evaluator = advance, weights, batch_loss, evaluator
        self.batch_size = batch_size
        self.limit_loss = blowup * evaluator.loss_at_zero()
        self.rows: list[dict[str, float]] = []
        self.snapshots: list[torch.Tensor] | None = [] if keep_weights else None
        self.seconds, self.t = 0.0, 0
        self.diverged_at: int | None = None

    def record_to(self, targets: list[int]) -> None:
        """Visit the checkpoints of ``targets`` not recorded yet, in order, until one diverges."""
        for target in targets:
            if self.diverged_at is not None:
                return
            if self.rows and target <= self.t:
                continue
            start = time.perf_counter()
            self.t, healthy = self.advance(target)
            self.seconds += time.perf_counter() - start
            W = self.weights()
            measured = self.evaluator.evaluate(W) if healthy else None
            if measured is None or not measured["train_loss"] <= self.limit_loss:
                self.diverged_at = self.t
                return
            self.rows.append(
                {
                    "t": self.t,
                    "samples": self.t * self.batch_size,
                    "train_seconds": self.seconds,
                    "batch_loss": self.batch_loss(),
                    **measured,
                }
            )
            if self.snapshots is not None:
                self.snapshots.append(W.clone())

    def result(self, lr: float, seed: int, iterations: int) -> SGDRun:
        """The run as recorded so far."""
        return SGDRun(
            batch_size=self.batch_size,
            lr=lr,
            seed=seed,
            iterations=iterations,
            curves=pd.DataFrame(self.rows, columns=getattr(self.evaluator, "columns", CURVE_COLUMNS)),
            W=self.weights(),
            diverged=self.diverged_at is not None,
            diverged_at=self.diverged_at,
            train_seconds=self.seconds,
            snapshots=None if self.snapshots is None else list(self.snapshots),
        )


def record_run(
    advance: Callable[[int], tuple[int, bool]],
    weights: Callable[[], torch.Tensor],
    batch_loss: Callable[[], float],
    evaluator: Evaluator,
    batch_size: int,
    lr: float,
    seed: int,
    iterations: int,
    checkpoints: int,
    blowup: float = 1e3,
) -> SGDRun:
    """A whole run of any training loop, checkpoint by checkpoint: see ``Recorder``."""
    recorder = Recorder(advance, weights, batch_loss, evaluator, batch_size, blowup)
    recorder.record_to(checkpoint_schedule(iterations, checkpoints).tolist())
    return recorder.result(lr, seed, iterations)
