"""How fast the project is: the library against naive reference loops and the machine's limits.

``python -m mnist_sgd.bench`` (``make bench``) prints one table and writes
``report/bench.json`` (``paths.report_dir() / "bench.json"``, atomically), which the
appendix notebook ``90_speed`` shows. Sections (the ``section`` of each row):

1. Linear SGD, one run per batch size (2,000 iterations, same seed and lr): the
   project's ``train_sgd`` with its checkpoint recording against the naive loops of
   ``naive.py``: (a) test accuracy at every iteration, (b) full training loss, training
   and test accuracy at every iteration ((b) timed on a few hundred iterations and
   scaled linearly: its per-iteration cost is constant).
2. Task 3's deliverable: B = 1, 10, 100, 1000 with 6,000 iterations each, curves
   recorded, one seed; project total (including the one Evaluator build a sweep needs)
   against (a) and (b) totals, with targets, and per-B ratios.
3. The full training loss: ``Gram.loss`` against a pass over the training set.
4. One MLP epoch (784-512-256-10, batch 32): the project's epoch loop against the usual
   loop over a torchvision ``DataLoader``; a fixed number of steps each, scaled to an epoch.
5. The full profile's wall time per task, read from ``report/executed/*.json``.
6. The machine's limit: memory bandwidth and sgemm throughput, the B = 1000 step against
   its bandwidth/compute bound, the B = 1 step against the cost of one empty torch call.
7. The Task 8 CNN on one torch thread (as a build's jobs run): a training epoch against its
   FLOP bound (FLOPs per image x 60,000 over the one-thread sgemm rate), and scoring the
   70,000 images as a share of that epoch.
8. The job runner: empty jobs on a Dask LocalCluster against a thread pool (``bench_runner``).

Method: the variants of a comparison run in turn (A B A B ...), after a short warm-up
of each, for several repetitions; a row reports medians, the min-max spread, and the
ratio of the medians (its spread from the per-repetition ratios). Targets are printed
next to the measured ratios; nothing is asserted: times never fail anything.
``--quick`` shrinks every measurement (a subset of the data, a few iterations) to check
the machinery end to end; its numbers mean nothing.

The formatting of the rows (``fmt_*``), the appendix's page (``headline``) and its full
table (``report_table``) live in ``bench_report``, which the command line and the report
share: the notebooks import that module only, so editing a benchmark re-runs no job.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from . import naive, paths
from .bench_report import FILENAME, TASK3_BATCH_SIZES, fmt_value, table_lines
from .data import MNIST, load_mnist, one_hot
from .files import atomic_write_text
from .identity import read_stamp
from .linear import Gram
from .linear import loss as direct_loss
from .present import duration, plural
from .sgd import Evaluator, checkpoint_schedule, train_sgd

if TYPE_CHECKING:  # imported where used: the networks' module loads only for their sections
    from .nets import CNN

DEFAULT_CHECKPOINTS = inspect.signature(train_sgd).parameters["checkpoints"].default
MLP_ARCH = "mlp512-256"

# Every size the bench uses; --quick replaces them all.
FULL: dict[str, Any] = {
    "batch_sizes": TASK3_BATCH_SIZES,
    "lr": 0.001,
    "seed": 0,
    "train_rows": None,  # None: all 60,000
    "test_rows": None,  # None: all 10,000
    "s1_iterations": 2000,
    "s1_reps": 3,
    "s2_iterations": 6000,
    "s2_reps": 2,
    "ref_b_iterations": 200,  # reference (b) is timed on this many iterations and scaled
    "warmup_iterations": 20,
    "loss_reps": 7,
    "loss_calls": {"gram": 20, "pass": 3},  # calls per timed repetition
    "mlp_steps": 300,
    "mlp_reps": 3,
    "mlp_lr": 0.01,
    "copy_floats": 1 << 25,  # 128 MB per tensor
    "gemm_n": 2048,
    "machine_reps": 5,
    "step_iterations": {"1": 5000, "1000": 300},
    "empty_calls": 20000,
    "cnn_steps": 150,  # CNN training steps of batch 64 timed, scaled to an epoch
    "cnn_eval_rows": 10000,  # images scored, scaled to 70,000
    "cnn_reps": 3,
    "runner_jobs": 20,  # empty jobs per round, section 8
    "runner_reps": 2,
}
QUICK: dict[str, Any] = {
    **FULL,
    "train_rows": 2000,
    "test_rows": 1000,
    "s1_iterations": 12,
    "s1_reps": 2,
    "s2_iterations": 16,
    "s2_reps": 2,
    "ref_b_iterations": 4,
    "warmup_iterations": 2,
    "loss_reps": 2,
    "loss_calls": {"gram": 2, "pass": 1},
    "mlp_steps": 4,
    "mlp_reps": 2,
    "copy_floats": 1 << 18,
    "gemm_n": 128,
    "machine_reps": 2,
    "step_iterations": {"1": 50, "1000": 5},
    "empty_calls": 200,
    "cnn_steps": 3,
    "cnn_eval_rows": 256,
    "cnn_reps": 2,
    "runner_jobs": 4,
    "runner_reps": 1,
}
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


# ---------------------------------------------------------------------------------------
# The data and the conditions


@dataclass
class Setup:
    cfg: dict[str, Any]
    mnist: MNIST
    y_onehot: torch.Tensor
    evaluator: Evaluator
    gram_seconds: float
    numpy: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # X, Y, X_test, y_test


def setup(cfg: dict[str, Any]) -> Setup:
    full = load_mnist()
    n_train, n_test = cfg["train_rows"] or len(full.x_train), cfg["test_rows"] or len(full.x_test)
    m = MNIST(full.x_train[:n_train], full.y_train[:n_train], full.x_test[:n_test], full.y_test[:n_test])
    y = one_hot(m.y_train)
    start = time.perf_counter()
    gram = Gram.from_data(m.x_train, y)
    gram_seconds = time.perf_counter() - start
    evaluator = Evaluator.from_mnist(m, gram=gram)
    arrays = (m.x_train.numpy(), y.numpy(), m.x_test.numpy(), m.y_test.numpy())
    return Setup(cfg, m, y, evaluator, gram_seconds, arrays)


def conditions(quick: bool, cfg: dict[str, Any], gram_seconds: float) -> dict[str, Any]:
    import torchvision

    from .provenance import cpu_model

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": quick,
        "torch_threads": torch.get_num_threads(),
        "cpu": cpu_model(),
        "cores": os.cpu_count() or 1,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "load_average_start": _loadavg(),
        "gram_build_seconds": gram_seconds,
        "settings": cfg,
        "targets": TARGETS,
    }


def _loadavg() -> list[float] | None:
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


# ---------------------------------------------------------------------------------------
# Sections 1 and 2: linear SGD


def _sgd_variants(
    s: Setup, B: int, iterations: int
) -> tuple[dict[str, Callable[[], Any]], dict[str, Callable[[], Any]]]:
    cfg, m = s.cfg, s.mnist
    X, Y, Xt, yt = s.numpy
    lr, seed, nb = cfg["lr"], cfg["seed"], cfg["ref_b_iterations"]

    def variants(it: int, it_b: int) -> dict[str, Callable[[], Any]]:
        return {
            "project": lambda: train_sgd(m.x_train, s.y_onehot, B, lr, it, seed, evaluator=s.evaluator),
            "a": lambda: naive.sgd_test_every_iteration(X, Y, Xt, yt, B, lr, it, seed),
            "b": lambda: naive.sgd_full_every_iteration(X, Y, Xt, yt, B, lr, it_b, seed),
        }

    w = cfg["warmup_iterations"]
    return variants(iterations, min(nb, iterations)), variants(min(w, iterations), min(w, nb))


def _b_note(timed: int, iterations: int) -> str:
    if timed >= iterations:
        return ""
    return f"(b) timed on {timed:,} iterations and scaled ×{iterations / timed:g} (its per-iteration cost is constant)"


def section_sgd_runs(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    cfg = s.cfg
    iterations, reps = cfg["s1_iterations"], cfg["s1_reps"]
    timed_b = min(cfg["ref_b_iterations"], iterations)
    rows = []
    for B in cfg["batch_sizes"]:
        variants, warmup = _sgd_variants(s, B, iterations)
        t = run_in_turn(variants, reps, warmup)
        b = t["b"].scaled(iterations / timed_b)
        what = f"B = {B}, {iterations:,} iterations"
        project_note = (
            f"project: train_sgd with its default checkpoints ({len(checkpoint_schedule(iterations, DEFAULT_CHECKPOINTS))} "
            "measured) and a shared Evaluator"
        )
        for row in (
            comparison(
                1,
                f"sgd_B{B}_vs_a",
                what,
                t["project"],
                "(a) test accuracy every iteration",
                t["a"],
                short=f"B = {B}, {iterations:,} it. vs (a)",
                note=project_note,
            ),
            comparison(
                1,
                f"sgd_B{B}_vs_b",
                what,
                t["project"],
                "(b) train loss + accuracies every iteration",
                b,
                short=f"B = {B}, {iterations:,} it. vs (b)",
                note=_b_note(timed_b, iterations),
            ),
        ):
            rows.append(row)
            log(row)
    return rows


def section_task3(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    cfg = s.cfg
    iterations, reps = cfg["s2_iterations"], cfg["s2_reps"]
    timed_b = min(cfg["ref_b_iterations"], iterations)
    per_b: dict[int, dict[str, Stats]] = {}
    build: list[float] = []
    for B in cfg["batch_sizes"]:
        variants, warmup = _sgd_variants(s, B, iterations)
        for fn in warmup.values():
            fn()
        per_b[B] = {name: Stats([]) for name in variants}
    for _ in range(reps):
        # The one evaluator a sweep builds (Gram pass and subset), counted in the project total.
        start = time.perf_counter()
        Evaluator.from_mnist(s.mnist)
        build.append(time.perf_counter() - start)
        for B in cfg["batch_sizes"]:
            variants, _ = _sgd_variants(s, B, iterations)
            for name, fn in variants.items():
                start = time.perf_counter()
                fn()
                per_b[B][name].values.append(time.perf_counter() - start)
    scale = iterations / timed_b
    rows = []
    for B in cfg["batch_sizes"]:
        t = per_b[B]
        what = f"B = {B}, {iterations:,} iterations"
        rows.append(
            comparison(2, f"task3_B{B}_vs_a", what, t["project"], "(a)", t["a"], short=f"Task 3, B = {B} vs (a)")
        )
        rows.append(
            comparison(
                2,
                f"task3_B{B}_vs_b",
                what,
                t["project"],
                "(b)",
                t["b"].scaled(scale),
                short=f"Task 3, B = {B} vs (b)",
                note=_b_note(timed_b, iterations),
            )
        )
        for row in rows[-2:]:
            log(row)

    def total(name: str, factor: float = 1.0) -> Stats:
        return Stats([sum(per_b[B][name].values[r] * factor for B in per_b) for r in range(reps)])

    project = Stats([p + g for p, g in zip(total("project").values, build)])
    bs = ", ".join(str(b) for b in cfg["batch_sizes"])
    what = f"Task 3 deliverable: B = {bs}, {iterations:,} iterations each, one seed"
    build_note = f"project total includes one Evaluator build (median {statistics.median(build):.2f} s)"
    for row in (
        comparison(
            2,
            "task3_total_vs_a",
            what,
            project,
            "(a) total",
            total("a"),
            short="Task 3 total vs (a)",
            target=TARGETS["s2_vs_a"],
            target_on="ratio",
            target_op=">=",
            note=build_note,
        ),
        comparison(
            2,
            "task3_total_vs_b",
            what,
            project,
            "(b) total",
            total("b", scale),
            short="Task 3 total vs (b)",
            target=TARGETS["s2_vs_b"],
            target_on="ratio",
            target_op=">=",
            note=f"{build_note}; {_b_note(timed_b, iterations)}",
        ),
    ):
        rows.append(row)
        log(row)
    return rows


# ---------------------------------------------------------------------------------------
# Section 3: the full training loss


def section_loss(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    cfg = s.cfg
    W = torch.randn(784, 10, generator=torch.Generator().manual_seed(0)) * 0.01
    x, y, gram = s.mnist.x_train, s.y_onehot, s.evaluator.gram
    k_gram, k_pass = cfg["loss_calls"]["gram"], cfg["loss_calls"]["pass"]

    def gram_loss() -> None:
        for _ in range(k_gram):
            gram.loss(W)

    def pass_loss() -> None:
        for _ in range(k_pass):
            direct_loss(W, x, y)

    t = run_in_turn({"gram": gram_loss, "pass": pass_loss}, cfg["loss_reps"])
    per_call_gram, per_call_pass = t["gram"].scaled(1 / k_gram), t["pass"].scaled(1 / k_pass)
    saved = per_call_pass.median - per_call_gram.median
    repaid = f"repaid after ~{s.gram_seconds / saved:,.0f} evaluations" if saved > 0 else "not repaid here"
    row = comparison(
        3,
        "full_loss",
        f"full training loss ({len(x):,} samples), per evaluation",
        per_call_gram,
        "a float32 pass over the samples (linear.loss)",
        per_call_pass,
        short="full loss: Gram vs a data pass",
        note=f"Gram.loss (float64, 784×784 statistics); building the Gram took {s.gram_seconds:.2f} s once, {repaid}",
    )
    log(row)
    return [row]


# ---------------------------------------------------------------------------------------
# Section 4: one MLP epoch


def section_mlp(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    from torch.utils.data import DataLoader
    from torchvision.datasets import MNIST as TorchvisionMNIST
    from torchvision.transforms import ToTensor

    from . import nets

    cfg = s.cfg
    steps, batch, lr, seed = cfg["mlp_steps"], 32, cfg["mlp_lr"], cfg["seed"]
    full = load_mnist()  # the whole training set: an epoch is over 60,000 images in both variants
    cpu = torch.device("cpu")
    epoch_steps = math.ceil(len(full.x_train) / batch)

    model_p = nets.build(MLP_ARCH, seed)
    opt_p = nets._optimizer(model_p, lr, 0.0, cpu)
    shuffle = torch.Generator().manual_seed(seed)

    def project(n: int) -> None:
        order = torch.randperm(len(full.x_train), generator=shuffle)[: n * batch]
        model_p.train()
        nets._epoch(model_p, opt_p, full.x_train, full.y_train, order, batch)

    dataset = TorchvisionMNIST(root=str(paths.DATA), train=True, download=False, transform=ToTensor())
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, generator=torch.Generator().manual_seed(seed))
    model_r = nets.build(MLP_ARCH, seed)
    opt_r = nets._optimizer(model_r, lr, 0.0, cpu)

    def reference(n: int) -> None:
        model_r.train()
        naive.mlp_dataloader_steps(model_r, opt_r, loader, n)

    w = max(1, min(steps, 20))
    t = run_in_turn(
        {"project": lambda: project(steps), "reference": lambda: reference(steps)},
        cfg["mlp_reps"],
        warmup={"project": lambda: project(w), "reference": lambda: reference(w)},
    )
    factor = epoch_steps / steps
    row = comparison(
        4,
        "mlp_epoch",
        f"MLP 784-512-256-10 epoch, batch {batch} (seconds per epoch)",
        t["project"].scaled(factor),
        "DataLoader(torchvision MNIST, ToTensor, shuffle), same model and fused SGD",
        t["reference"].scaled(factor),
        short="MLP epoch vs DataLoader loop",
        target=TARGETS["mlp"],
        target_on="ratio",
        target_op=">=",
        note=f"{steps:,} steps timed for each, scaled ×{factor:.4g} to an epoch of {epoch_steps:,} steps; "
        f"project: nets' epoch loop on tensors; {plural(torch.get_num_threads(), 'torch thread')}",
    )
    log(row)
    return [row]


# ---------------------------------------------------------------------------------------
# Section 5: the full profile's own job timings


def section_profile(log: Callable[[Row], None]) -> list[Row]:
    from .results import read_manifest

    executed = paths.executed_dir()
    names = sorted(p.stem for p in executed.glob("*.json")) if executed.is_dir() else []
    listed = {j["job_id"] for j in read_manifest()["jobs"]}
    stamps = {job: read_stamp(paths.report_dir(), job) for job in names if job in listed or not listed}
    jobs = {j: v for j, v in stamps.items() if v is not None and isinstance(v.get("seconds"), int | float)}
    if not jobs:
        row = Row(
            5,
            "profile_missing",
            "run make report first",
            note=f"no job timings in {executed} (the full profile has not been built)",
        )
        log(row)
        return [row]
    groups: dict[str, dict[str, list[float]]] = {}
    for job, stamp in sorted(jobs.items()):
        notebook = job.split("__")[0]
        task = notebook.split("_")[0]
        groups.setdefault(task, {}).setdefault(notebook, []).append(float(stamp["seconds"]))
    rows = []
    for task, notebooks in groups.items():
        seconds = sum(sum(v) for v in notebooks.values())
        parts = ", ".join(f"{nb} ({len(v)} job{'s' if len(v) > 1 else ''})" for nb, v in notebooks.items())
        rows.append(
            Row(
                5,
                f"profile_{task}",
                f"task {task}: {parts}",
                project=seconds,
                reps=sum(len(v) for v in notebooks.values()),
                note="sum of the jobs' own run times",
            )
        )
    total = sum(float(s["seconds"]) for s in jobs.values())
    span = _wall_span(jobs.values())
    rows.append(
        Row(
            5,
            "profile_total",
            f"all {len(jobs)} jobs",
            project=total,
            reps=len(jobs),
            note="sum of job times"
            + (f"; wall clock of the build ~{duration(span)} (jobs run in parallel)" if span is not None else ""),
        )
    )
    for row in rows:
        log(row)
    return rows


def _wall_span(stamps) -> float | None:
    starts, ends = [], []
    for s in stamps:
        try:
            end = dt.datetime.strptime(s["finished"], "%Y-%m-%dT%H:%M:%S%z").timestamp()
        except (KeyError, TypeError, ValueError):
            return None
        ends.append(end)
        starts.append(end - float(s["seconds"]))
    return max(ends) - min(starts) if ends else None


# ---------------------------------------------------------------------------------------
# Section 6: against the machine's limit


def step_cost(B: int, d: int = 784, k: int = 10) -> tuple[float, float]:
    """(bytes, FLOPs) of one ``train_sgd`` step, counting every operand each op reads or writes.

    Index draw (written once, read by both gathers): 3 x 8B. Gather of the rows of X:
    B*d floats read and written; of the targets: k*B read and written. Residual
    ``r = V xb^T - yb^T``: reads V (k*d), xb (B*d), yb (k*B), writes r (k*B). Update
    ``V -= lr/B r xb``: reads r (k*B) and xb (B*d), reads and writes V (2*k*d).
    FLOPs: 2*B*d*k for each of the two products, plus the element-wise terms.
    """
    floats = 2 * B * d + 2 * k * B + (k * d + B * d + k * B + k * B) + (k * B + B * d + 2 * k * d)
    flops = 2 * B * d * k * 2 + k * B + k * d
    return 4.0 * floats + 3 * 8.0 * B, float(flops)


def task3_bound(s: Setup, bandwidth: float, throughput: float) -> tuple[float, str]:
    """The least time the machine allows for the Task 3 deliverable as section 2 times it,
    and how it adds up: every step at max(bytes / bandwidth, FLOPs / throughput), every
    checkpoint's evaluation at the bytes of the images it scores over the bandwidth (plus the
    Gram loss at the throughput), and the one Evaluator build (a pass over X and the d x d
    Gram product; float64, bounded with the float32 rate: a lower bound)."""
    cfg, ev = s.cfg, s.evaluator
    iterations, d = cfg["s2_iterations"], s.mnist.x_train.shape[1]
    k = s.y_onehot.shape[1]
    steps = sum(iterations * max(b / bandwidth, f / throughput) for b, f in map(step_cost, cfg["batch_sizes"]))
    scored = ev.x_acc.shape[0] + (0 if ev.x_test is None else ev.x_test.shape[0])
    per_checkpoint = 4.0 * scored * d / bandwidth + 2.0 * d * d * k / throughput
    n_checkpoints = sum(len(checkpoint_schedule(iterations, DEFAULT_CHECKPOINTS)) for _ in cfg["batch_sizes"])
    n = s.mnist.x_train.shape[0]
    build = max(4.0 * n * d / bandwidth, 2.0 * n * d * (d + k) / throughput)
    total = steps + n_checkpoints * per_checkpoint + build
    note = (
        f"bound {fmt_value(total, 's')}: steps {fmt_value(steps, 's')}, {n_checkpoints:,} checkpoints × "
        f"{fmt_value(per_checkpoint, 's')} ({scored:,} images scored each), Evaluator build {fmt_value(build, 's')}"
    )
    return total, note


def section_machine(s: Setup, log: Callable[[Row], None], task3: Row | None = None) -> list[Row]:
    """The machine's limits, the steps against them and, when section 2 ran (``task3``, its
    row of the whole deliverable), the Task 3 deliverable against them."""
    cfg = s.cfg
    reps = cfg["machine_reps"]
    n_floats, n = cfg["copy_floats"], cfg["gemm_n"]
    src, dst = torch.rand(n_floats), torch.empty(n_floats)
    a, b = torch.rand(n, n), torch.rand(n, n)
    c = torch.empty(n, n)
    m, y, ev = s.mnist, s.y_onehot, s.evaluator
    it1, it1000 = cfg["step_iterations"]["1"], cfg["step_iterations"]["1000"]
    step_seconds: dict[int, list[float]] = {1: [], 1000: []}

    def step(B: int, iterations: int) -> Callable[[], None]:
        def run() -> None:
            # checkpoints=2: only t = 0, 1 and the end are evaluated; train_seconds excludes them
            result = train_sgd(m.x_train, y, B, cfg["lr"], iterations, cfg["seed"], checkpoints=2, evaluator=ev)
            step_seconds[B].append(result.train_seconds / iterations)

        return run

    calls = cfg["empty_calls"]
    one, other = torch.ones(1), torch.ones(1)

    def empty_calls() -> None:
        for _ in range(calls):
            torch.add(one, other)

    t = run_in_turn(
        {
            "copy": lambda: dst.copy_(src),
            "gemm": lambda: torch.mm(a, b, out=c),
            "step1000": step(1000, it1000),
            "step1": step(1, it1),
            "empty": empty_calls,
        },
        reps,
        warmup={
            "copy": lambda: dst.copy_(src),
            "gemm": lambda: torch.mm(a, b, out=c),
            "step1000": step(1000, min(it1000, 20)),
            "step1": step(1, min(it1, 200)),
            "empty": empty_calls,
        },
    )
    step1000, step1 = Stats(step_seconds[1000][-reps:]), Stats(step_seconds[1][-reps:])
    bytes_copy, flops_gemm = 2.0 * 4 * n_floats, 2.0 * n**3
    bw = Stats([bytes_copy / v for v in t["copy"].values])
    gf = Stats([flops_gemm / v for v in t["gemm"].values])
    rows = [
        Row(
            6,
            "bandwidth",
            f"memory bandwidth: copy of {4 * n_floats / 2**20:,.0f} MB float32 (read + write)",
            unit="GB/s",
            project=bw.median / 1e9,
            project_lo=bw.lo / 1e9,
            project_hi=bw.hi / 1e9,
            reps=reps,
            note="best of the rounds used as the limit",
        ),
        Row(
            6,
            "sgemm",
            f"sgemm {n} x {n} (2n^3 / time)",
            unit="GFLOP/s",
            project=gf.median / 1e9,
            project_lo=gf.lo / 1e9,
            project_hi=gf.hi / 1e9,
            reps=reps,
            note="best of the rounds used as the limit",
        ),
    ]
    nbytes, flops = step_cost(1000)
    t_bw, t_fl = nbytes / bw.hi, flops / gf.hi
    bound = max(t_bw, t_fl)
    compulsory = 4.0 * 1000 * 784 / bw.hi  # only the 1,000 rows of X must come from memory
    factor = step1000.median / bound
    factor_spread = (step1000.lo / bound, step1000.hi / bound)
    rows.append(
        Row(
            6,
            "step_B1000_limit",
            "B = 1000 SGD step against the machine's bound",
            short="B = 1000 step / bound",
            project=step1000.median,
            project_lo=step1000.lo,
            project_hi=step1000.hi,
            reference_label="max(bytes / bandwidth, FLOPs / throughput)",
            reference=bound,
            ratio=factor,
            ratio_lo=factor_spread[0],
            ratio_hi=factor_spread[1],
            ratio_kind="x over the bound (step / bound)",
            target=TARGETS["limit_factor"],
            target_on="ratio",
            target_op="<=",
            reps=reps,
            note=f"{nbytes / 1e6:.1f} MB moved → {t_bw * 1e6:,.0f} µs, {flops / 1e6:.1f} MFLOP → {t_fl * 1e6:,.0f} µs; "
            f"{100 * bound / step1000.median:.0f}% of the limit; against the compulsory traffic alone "
            f"(the B rows of X, {compulsory * 1e6:,.0f} µs) ×{step1000.median / compulsory:.2g}; "
            f"train_sgd timing over {it1000:,} steps",
            extra={
                "bytes": nbytes,
                "flops": flops,
                "bound_bandwidth_s": t_bw,
                "bound_compute_s": t_fl,
                "percent_of_limit": 100 * bound / step1000.median,
            },
        ).judge()
    )
    if task3 is not None and task3.project is not None:
        bound3, how = task3_bound(s, bw.hi, gf.hi)
        lo, hi = task3.project_lo or task3.project, task3.project_hi or task3.project
        rows.append(
            Row(
                6,
                "task3_bound",
                "Task 3 deliverable (as section 2 times it) against the machine's bound",
                short="Task 3 / bound",
                project=task3.project,
                project_lo=lo,
                project_hi=hi,
                reference_label="the steps, evaluations and Evaluator build at the machine's limits",
                reference=bound3,
                ratio=task3.project / bound3,
                ratio_lo=lo / bound3,
                ratio_hi=hi / bound3,
                ratio_kind="x over the bound (deliverable / bound)",
                target=TARGETS["task3_bound_factor"],
                target_on="ratio",
                target_op="<=",
                reps=task3.reps,
                note=how,
            ).judge()
        )
    empty = t["empty"].scaled(1 / calls)
    rows.append(
        Row(
            6,
            "step_B1",
            "B = 1 SGD step (seconds per step)",
            short="B = 1 step / empty call",
            project=step1.median,
            project_lo=step1.lo,
            project_hi=step1.hi,
            reference_label="one empty torch call (torch.add on 1-element tensors)",
            reference=empty.median,
            reference_lo=empty.lo,
            reference_hi=empty.hi,
            ratio=step1.median / empty.median,
            ratio_kind="empty calls per step (step / call)",
            target=TARGETS["step_b1"],
            target_on="project",
            target_op="<=",
            reps=reps,
            note=f"train_sgd timing over {it1:,} steps; the step makes 4 torch calls plus the loop",
        ).judge()
    )
    for row in rows:
        log(row)
    return rows


# ---------------------------------------------------------------------------------------
# Section 7: the CNN against its FLOP bound


def cnn_flops(model: CNN) -> tuple[float, float]:
    """(forward, training) FLOPs per image of the Task 8 CNN: 2 per multiply-add of its
    convolutions and dense layers (pooling and ReLU are a rounding error); training counts
    the backward pass as twice the forward (gradients of the inputs and of the weights)."""
    macs = 0.0
    size = 28
    for conv in (model.conv1, model.conv2):
        size -= conv.kernel_size[0] - 1  # no padding
        macs += size * size * conv.out_channels * conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
        size //= 2  # max-pool 2
    macs += sum(fc.in_features * fc.out_features for fc in (model.fc1, model.fc2))
    return 2 * macs, 6 * macs


def section_cnn(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    from . import nets

    cfg = s.cfg
    batch, steps, reps, seed = 64, cfg["cnn_steps"], cfg["cnn_reps"], cfg["seed"]
    full = load_mnist()  # an epoch is over the 60,000 training images, scoring over all 70,000
    cpu = torch.device("cpu")
    x = nets._inputs(full.x_train, True, cpu)
    rows_scored = min(cfg["cnn_eval_rows"], len(x))
    model = nets.cnn(seed)
    opt = nets._optimizer(model, 0.04, 1e-4, cpu)
    shuffle = torch.Generator().manual_seed(seed)
    n = cfg["gemm_n"]
    a, b, c = torch.rand(n, n), torch.rand(n, n), torch.empty(n, n)

    def train_steps(k: int) -> None:
        model.train()
        nets._epoch(model, opt, x, full.y_train, torch.randperm(len(x), generator=shuffle)[: k * batch], batch)

    def score() -> None:
        model.eval()
        nets.accuracy(model, x[:rows_scored], full.y_train[:rows_scored])

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # each job of a build runs on one thread (two jobs on two cores)
    try:
        t = run_in_turn(
            {"train": lambda: train_steps(steps), "score": score, "gemm": lambda: torch.mm(a, b, out=c)},
            reps,
            warmup={
                "train": lambda: train_steps(min(steps, 10)),
                "score": score,
                "gemm": lambda: torch.mm(a, b, out=c),
            },
        )
    finally:
        torch.set_num_threads(threads)
    images = len(full.x_train)
    epoch = t["train"].scaled(images / (steps * batch))
    scoring = t["score"].scaled((len(full.x_train) + len(full.x_test)) / rows_scored)
    rate = 2.0 * n**3 / t["gemm"].lo  # the best round: the limit
    forward, training = cnn_flops(model)
    bound = training * images / rate
    factors = [v / bound for v in epoch.values]
    shares = [sc / ep for sc, ep in zip(scoring.values, epoch.values)]
    rows = [
        Row(
            7,
            "cnn_epoch_limit",
            "CNN training epoch (60,000 images, batch 64) against its FLOP bound",
            short="CNN epoch / FLOP bound",
            project=epoch.median,
            project_lo=epoch.lo,
            project_hi=epoch.hi,
            reference_label="training FLOPs / one-thread sgemm rate",
            reference=bound,
            ratio=epoch.median / bound,
            ratio_lo=min(factors),
            ratio_hi=max(factors),
            ratio_kind="x over the bound (epoch / bound)",
            target=TARGETS["cnn_flop_factor"],
            target_on="ratio",
            target_op="<=",
            reps=reps,
            note=f"{training / 1e6:.1f} MFLOP per image (forward {forward / 1e6:.2f}, backward twice that) at "
            f"{rate / 1e9:.0f} GFLOP/s (sgemm {n} x {n}, one thread); {steps:,} steps timed, scaled to "
            f"{math.ceil(images / batch):,}",
            extra={"flops_per_image": training, "sgemm_flops_per_s": rate},
        ).judge(),
        Row(
            7,
            "cnn_eval_share",
            "CNN scoring of the 70,000 images against one training epoch",
            short="CNN scoring / epoch",
            project=scoring.median,
            project_lo=scoring.lo,
            project_hi=scoring.hi,
            reference_label="CNN training epoch",
            reference=epoch.median,
            reference_lo=epoch.lo,
            reference_hi=epoch.hi,
            ratio=statistics.median(shares),
            ratio_lo=min(shares),
            ratio_hi=max(shares),
            ratio_kind="share of an epoch (scoring / epoch)",
            target=TARGETS["cnn_eval_share"],
            target_on="ratio",
            target_op="<=",
            reps=reps,
            note=f"nets.accuracy on {rows_scored:,} images in chunks of {nets.EVAL_CHUNK}, scaled to 70,000; "
            "one thread",
        ).judge(),
    ]
    for row in rows:
        log(row)
    return rows


def _clean(value: Any) -> Any:
    """NaN and infinities as null, so the file is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


SECTIONS = {
    1: "linear SGD runs",
    2: "Task 3 deliverable",
    3: "full training loss",
    4: "MLP epoch",
    5: "full profile per task",
    6: "machine limit",
    7: "CNN against its bound",
    8: "job runner",
}


def main(argv: list[str] | None = None) -> int:
    from .bench_runner import section_runner  # it builds on this module's rows

    parser = argparse.ArgumentParser(prog="python -m mnist_sgd.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shrink every measurement (checks the machinery only)")
    parser.add_argument("--only", type=int, nargs="+", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--out", type=Path, help=f"where to write the JSON (default: <report dir>/{FILENAME})")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    sections = args.only or sorted(SECTIONS)
    began = time.perf_counter()

    def log(row: Row) -> None:
        text = f"{row.label}" + (f" vs {row.reference_label}" if row.reference_label else "")
        measured = fmt_value(row.project, row.unit)
        if row.reference is not None:
            measured += f" vs {fmt_value(row.reference, row.unit)}"
        if row.ratio is not None:
            measured += f" ({row.ratio:.3g}×)"
        print(
            f"[bench {time.perf_counter() - began:6.1f} s] {row.section}. {text}"
            + (f": {measured}" if measured else ""),
            file=sys.stderr,
            flush=True,
        )

    print(
        f"[bench] {'quick' if args.quick else 'full'} mode, {plural(torch.get_num_threads(), 'torch thread')}; "
        f"loading MNIST and building the Gram",
        file=sys.stderr,
        flush=True,
    )
    s = setup(cfg)
    cond = conditions(args.quick, cfg, s.gram_seconds)
    rows: list[Row] = []
    for number in sections:
        runner = {
            1: lambda: section_sgd_runs(s, log),
            2: lambda: section_task3(s, log),
            3: lambda: section_loss(s, log),
            4: lambda: section_mlp(s, log),
            5: lambda: section_profile(log),
            6: lambda: section_machine(s, log, next((r for r in rows if r.key == "task3_total_vs_a"), None)),
            7: lambda: section_cnn(s, log),
            8: lambda: section_runner(cfg, log),
        }[number]
        rows.extend(runner())
    cond["load_average_end"] = _loadavg()
    cond["seconds"] = time.perf_counter() - began
    payload = {
        "conditions": cond,
        "sections": {str(k): v for k, v in SECTIONS.items()},
        "rows": [asdict(r) for r in rows],
    }
    payload = _clean(payload)
    out = args.out or paths.report_dir() / FILENAME
    atomic_write_text(out, json.dumps(payload, indent=1))

    mode = "QUICK MODE: toy sizes, the numbers mean nothing. " if args.quick else ""
    print(
        f"\n{mode}{plural(cond['torch_threads'], 'torch thread')}, {cond['cpu']}, torch {cond['torch']}, {cond['date']}; "
        f"load average {cond['load_average_start']} -> {cond['load_average_end']}"
    )
    print("Medians over the rounds, [min – max]; ratio = median / median, [min – max] over the rounds.\n")
    for line in table_lines(payload["rows"]):
        print(line)
    print(f"\nwrote {out} ({cond['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
