"""What the benchmark's sections share: the sizes (``FULL``, ``QUICK``) and the targets, the
data they time on (``setup``), how they time (``run_in_turn``) and what they report (``Row``,
``comparison``). The sections build on it and the command line (``cli.py``) runs them.

Method: the variants of a comparison run in turn (A B A B ...), after a short warm-up of
each, for several repetitions; a row reports medians, the min-max spread, and the ratio of
the medians (its spread from the per-repetition ratios). Targets are printed next to the
measured ratios; nothing is asserted: times never fail anything.
"""

from __future__ import annotations

import inspect
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from mnist_sgd.bench import naive
from mnist_sgd.science.data import MNIST, load_mnist, one_hot
from mnist_sgd.science.linear import Gram
from mnist_sgd.science.sgd import Evaluator, train_sgd
from mnist_sgd.tasks.speed.tables import TASK3_BATCH_SIZES

DEFAULT_CHECKPOINTS = inspect.signature(train_sgd).parameters["checkpoints"].default


@dataclass(frozen=True)
class Sizes:
    """Every size the bench uses; ``QUICK`` replaces them all with toy ones."""

    batch_sizes: tuple[int, ...] = tuple(TASK3_BATCH_SIZES)
    lr: float = 0.001
    seed: int = 0
    train_rows: int | None = None  # None: all 60,000
    test_rows: int | None = None  # None: all 10,000
    s1_iterations: int = 2000
    s1_reps: int = 3
    s2_iterations: int = 6000
    s2_reps: int = 2
    ref_b_iterations: int = 200  # reference (b) is timed on this many iterations and scaled
    warmup_iterations: int = 20
    loss_reps: int = 7
    loss_calls: dict[str, int] = field(default_factory=lambda: {"gram": 20, "pass": 3})  # calls per repetition
    mlp_steps: int = 300
    mlp_reps: int = 3
    mlp_lr: float = 0.01
    copy_floats: int = 1 << 25  # 128 MB per tensor
    gemm_n: int = 2048
    machine_reps: int = 5
    step_iterations: dict[str, int] = field(default_factory=lambda: {"1": 5000, "1000": 300})
    empty_calls: int = 20000
    cnn_steps: int = 150  # CNN training steps of batch 64 timed, scaled to an epoch
    cnn_eval_rows: int = 10000  # images scored, scaled to 70,000
    cnn_reps: int = 3
    runner_jobs: int = 20  # empty jobs per round, section 8
    runner_reps: int = 2


FULL = Sizes()
QUICK = Sizes(
    train_rows=2000,
    test_rows=1000,
    s1_iterations=12,
    s1_reps=2,
    s2_iterations=16,
    s2_reps=2,
    ref_b_iterations=4,
    warmup_iterations=2,
    loss_reps=2,
    loss_calls={"gram": 2, "pass": 1},
    mlp_steps=4,
    mlp_reps=2,
    copy_floats=1 << 18,
    gemm_n=128,
    machine_reps=2,
    step_iterations={"1": 50, "1000": 5},
    empty_calls=200,
    cnn_steps=3,
    cnn_eval_rows=256,
    cnn_reps=2,
    runner_jobs=4,
    runner_reps=1,
)


TARGETS = {
    "s2_vs_a": 20.0,  # Task 3 deliverable, total, reference (a) / project, at least
    "s2_vs_b": 100.0,  # the same against reference (b)
    "mlp": 2.5,  # DataLoader loop / project epoch loop, at least
    "limit_factor": 3.0,  # B = 1000 step time / bound, at most
    "step_b1": 25e-6,  # seconds per B = 1 step, at most
    "task3_bound_factor": 2.0,  # Task 3 deliverable / its bound at the machine's limits, at most
    "cnn_flop_factor": 1.5,  # CNN training epoch / its FLOP bound, at most
    "cnn_eval_share": 0.40,  # scoring 70,000 images / one CNN training epoch, at most
}


@dataclass
class Stats:
    """Median and min-max of repeated measurements (each already per unit, e.g. per call)."""

    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def lo(self) -> float:
        return min(self.values)

    @property
    def hi(self) -> float:
        return max(self.values)

    def scaled(self, factor: float) -> Stats:
        return Stats([v * factor for v in self.values])


@dataclass
class Row:
    """One line of the table. ``project``/``reference`` are in ``unit`` (seconds unless
    stated); ``ratio`` is described by ``ratio_kind``; a target applies to ``target_on``
    (``"ratio"`` or ``"project"``) with ``target_op`` (``">="`` or ``"<="``)."""

    section: int
    key: str
    label: str
    short: str = ""  # a few words, for the chart
    unit: str = "s"
    project: float | None = None
    project_lo: float | None = None
    project_hi: float | None = None
    reference_label: str = ""
    reference: float | None = None
    reference_lo: float | None = None
    reference_hi: float | None = None
    ratio: float | None = None
    ratio_lo: float | None = None
    ratio_hi: float | None = None
    ratio_kind: str = ""
    target: float | None = None
    target_on: str = ""
    target_op: str = ""
    met: bool | None = None
    reps: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def judge(self) -> Row:
        if self.target is not None:
            value = self.ratio if self.target_on == "ratio" else self.project
            if value is not None and math.isfinite(value):
                self.met = bool(value >= self.target) if self.target_op == ">=" else bool(value <= self.target)
        return self


def run_in_turn(
    variants: dict[str, Callable[[], Any]], reps: int, warmup: dict[str, Callable[[], Any]] | None = None
) -> dict[str, Stats]:
    """Seconds per call of each variant: one warm-up call each (``warmup`` if given, e.g.
    a shortened version), then ``reps`` rounds running the variants in turn (A B A B ...)."""
    for fn in (warmup or variants).values():
        fn()
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(reps):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            seconds[name].append(time.perf_counter() - start)
    return {name: Stats(values) for name, values in seconds.items()}


def comparison(
    section: int, key: str, label: str, project: Stats, reference_label: str, reference: Stats, **kwargs: Any
) -> Row:
    """A speed-up row: ratio = median(reference) / median(project), spread from the rounds."""
    pairs = [r / p for p, r in zip(project.values, reference.values) if p > 0]
    return Row(
        section,
        key,
        label,
        project=project.median,
        project_lo=project.lo,
        project_hi=project.hi,
        reference_label=reference_label,
        reference=reference.median,
        reference_lo=reference.lo,
        reference_hi=reference.hi,
        ratio=reference.median / project.median,
        ratio_lo=min(pairs) if pairs else None,
        ratio_hi=max(pairs) if pairs else None,
        ratio_kind="speed-up (reference / project)",
        reps=len(project.values),
        **kwargs,
    ).judge()


@dataclass
class Setup:
    cfg: Sizes
    mnist: MNIST
    y_onehot: torch.Tensor
    evaluator: Evaluator
    gram_seconds: float
    numpy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # X, Y, X_test, y_test


def setup(cfg: Sizes) -> Setup:
    full = load_mnist()
    n_train, n_test = cfg.train_rows or len(full.x_train), cfg.test_rows or len(full.x_test)
    m = MNIST(full.x_train[:n_train], full.y_train[:n_train], full.x_test[:n_test], full.y_test[:n_test])
    y = one_hot(m.y_train)
    start = time.perf_counter()
    gram = Gram.from_data(m.x_train, y)
    gram_seconds = time.perf_counter() - start
    evaluator = Evaluator.from_mnist(m, gram=gram)
    arrays = (m.x_train.numpy(), y.numpy(), m.x_test.numpy(), m.y_test.numpy())
    return Setup(cfg, m, y, evaluator, gram_seconds, arrays)


def sgd_variants(
    s: Setup, B: int, iterations: int
) -> tuple[dict[str, Callable[[], Any]], dict[str, Callable[[], Any]]]:
    """The project's run and references (a) and (b) at batch size ``B``, then the same
    shortened for the warm-up; (b) runs at most ``ref_b_iterations``, to be scaled."""
    cfg, m = s.cfg, s.mnist
    X, Y, Xt, yt = s.numpy
    lr, seed, nb = cfg.lr, cfg.seed, cfg.ref_b_iterations

    def variants(it: int, it_b: int) -> dict[str, Callable[[], Any]]:
        return {
            "project": lambda: train_sgd(m.x_train, s.y_onehot, B, lr, it, seed, evaluator=s.evaluator),
            "a": lambda: naive.sgd_test_every_iteration(X, Y, Xt, yt, B, lr, it, seed),
            "b": lambda: naive.sgd_full_every_iteration(X, Y, Xt, yt, B, lr, it_b, seed),
        }

    w = cfg.warmup_iterations
    return variants(iterations, min(nb, iterations)), variants(min(w, iterations), min(w, nb))


def b_note(timed: int, iterations: int) -> str:
    """The note of a row against (b) when (b) was timed on fewer iterations and scaled; empty otherwise."""
    if timed >= iterations:
        return ""
    return f"(b) timed on {timed:,} iterations and scaled ×{iterations / timed:g} (its per-iteration cost is constant)"
