"""How fast the project is: the library against naive reference loops and the machine's limits.

``python -m mnist_sgd.bench`` (``make bench``) prints one table and writes
``report/bench.json`` (``bench.json`` in the full profile's report folder, atomically), which the
appendix notebook ``90_speed`` shows. Sections (the ``section`` of each row), each in its
own module:

1. Linear SGD (``bench_sgd``), one run per batch size (2,000 iterations, same seed and
   lr): the project's ``train_sgd`` with its checkpoint recording against the naive loops
   of ``naive.py``: (a) test accuracy at every iteration, (b) full training loss, training
   and test accuracy at every iteration ((b) timed on a few hundred iterations and
   scaled linearly: its per-iteration cost is constant).
2. Task 3's deliverable (``bench_task3``): B = 1, 10, 100, 1000 with 6,000 iterations
   each, curves recorded, one seed; project total (including the one Evaluator build a
   sweep needs) against (a) and (b) totals, with targets, and per-B ratios.
3. The full training loss (``bench_loss``): ``Gram.loss`` against a pass over the
   training set.
4. One MLP epoch, 784-512-256-10, batch 32 (``bench_mlp``): the project's epoch loop
   against the usual loop over a torchvision ``DataLoader``; a fixed number of steps each,
   scaled to an epoch.
5. The full profile's wall time per task (``bench_profile``), read from
   ``report/executed/*.json``.
6. The machine's limit (``bench_machine``): memory bandwidth and sgemm throughput, the
   B = 1000 step against its bandwidth/compute bound, the B = 1 step against the cost of
   one empty torch call.
7. The Task 8 CNN on one torch thread, as a build's jobs run (``bench_cnn``): a training
   epoch against its FLOP bound (FLOPs per image x 60,000 over the one-thread sgemm rate),
   and scoring the 70,000 images as a share of that epoch.
8. The job runner (``bench_runner``): empty jobs on a Dask LocalCluster against a thread
   pool.

This module holds what the sections share: the sizes (``FULL``, ``QUICK``) and the targets,
the data they time on (``setup``), how they time (``run_in_turn``) and what they report
(``Row``, ``comparison``), and the command line. The section modules build on it, so the
command line imports them when it runs.

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
from typing import Any

import numpy as np
import torch

from . import naive, paths
from .bench_report import FILENAME, TASK3_BATCH_SIZES, fmt_value, table_lines
from .data import MNIST, load_mnist, one_hot
from .files import atomic_write_text
from .linear import Gram
from .present import plural
from .sgd import Evaluator, train_sgd

DEFAULT_CHECKPOINTS = inspect.signature(train_sgd).parameters["checkpoints"].default

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
# What sections 1 and 2 share: the linear SGD runs they time


def sgd_variants(
    s: Setup, B: int, iterations: int
) -> tuple[dict[str, Callable[[], Any]], dict[str, Callable[[], Any]]]:
    """The project's run and references (a) and (b) at batch size ``B``, then the same
    shortened for the warm-up; (b) runs at most ``ref_b_iterations``, to be scaled."""
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


def b_note(timed: int, iterations: int) -> str:
    """The note of a row against (b) when (b) was timed on fewer iterations and scaled; empty otherwise."""
    if timed >= iterations:
        return ""
    return f"(b) timed on {timed:,} iterations and scaled ×{iterations / timed:g} (its per-iteration cost is constant)"


# ---------------------------------------------------------------------------------------
# The command line


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
    # The sections build on this module: imported once it is loaded.
    from . import bench_cnn, bench_loss, bench_machine, bench_mlp, bench_profile, bench_runner, bench_sgd, bench_task3

    parser = argparse.ArgumentParser(prog="python -m mnist_sgd.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shrink every measurement (checks the machinery only)")
    parser.add_argument("--only", type=int, nargs="+", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--out", type=Path, help=f"where to write the JSON (default: <report dir>/{FILENAME})")
    args = parser.parse_args(argv)
    report = paths.report_folder("full")  # worked out once, as the build does, and passed to what needs it
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
            1: lambda: bench_sgd.section_sgd_runs(s, log),
            2: lambda: bench_task3.section_task3(s, log),
            3: lambda: bench_loss.section_loss(s, log),
            4: lambda: bench_mlp.section_mlp(s, log),
            5: lambda: bench_profile.section_profile(report, log),
            6: lambda: bench_machine.section_machine(
                s, log, next((r for r in rows if r.key == "task3_total_vs_a"), None)
            ),
            7: lambda: bench_cnn.section_cnn(s, log),
            8: lambda: bench_runner.section_runner(cfg, log),
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
    out = args.out or report / FILENAME
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
