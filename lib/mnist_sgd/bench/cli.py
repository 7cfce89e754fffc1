"""How fast the project is: the library against naive reference loops and the machine's limits.

``python -m mnist_sgd.bench.cli`` (``make bench``) prints one table and writes
``report/bench.json`` (``bench.json`` in the full profile's report folder, atomically), which the
appendix notebook ``90_speed`` shows. Sections (the ``section`` of each row), each in its
own module:

1. Linear SGD (``sgd.py``), one run per batch size (2,000 iterations, same seed and
   lr): the project's ``train_sgd`` with its checkpoint recording against the naive loops
   of ``naive.py``: (a) test accuracy at every iteration, (b) full training loss, training
   and test accuracy at every iteration ((b) timed on a few hundred iterations and
   scaled linearly: its per-iteration cost is constant).
2. Task 3's deliverable (``task3.py``): B = 1, 10, 100, 1000 with 6,000 iterations
   each, curves recorded, one seed; project total (including the one Evaluator build a
   sweep needs) against (a) and (b) totals, with targets, and per-B ratios.
3. The full training loss (``loss.py``): ``Gram.loss`` against a pass over the
   training set.
4. One MLP epoch, 784-512-256-10, batch 32 (``mlp.py``): the project's epoch loop
   against the usual loop over a torchvision ``DataLoader``; a fixed number of steps each,
   scaled to an epoch.
5. The full profile's wall time per task (``profile.py``), read from
   ``report/executed/*.json``.
6. The machine's limit (``machine.py``): memory bandwidth and sgemm throughput, the
   B = 1000 step against its bandwidth/compute bound, the B = 1 step against the cost of
   one empty torch call.
7. The Task 8 CNN on one torch thread, as a build's jobs run (``cnn.py``): a training
   epoch against its FLOP bound (FLOPs per image x 60,000 over the one-thread sgemm rate),
   and scoring the 70,000 images as a share of that epoch.
8. The job runner (``runner.py``): empty jobs on a Dask LocalCluster against a thread
   pool.

What the sections share (sizes, targets, timing, rows) is ``core.py``; this module is the
command line, which runs the sections and writes the file.
``--quick`` shrinks every measurement (a subset of the data, a few iterations) to check
the machinery end to end; its numbers mean nothing.

The formatting of the rows (``fmt_*``), the appendix's page (``headline``) and its full
table (``report_table``) live in ``tasks/speed/tables.py``, which the command line and the report
share: the notebooks import that module only, so editing a benchmark re-runs no job.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mnist_sgd.bench import cnn as bench_cnn
from mnist_sgd.bench import loss as bench_loss
from mnist_sgd.bench import machine as bench_machine
from mnist_sgd.bench import mlp as bench_mlp
from mnist_sgd.bench import profile as bench_profile
from mnist_sgd.bench import runner as bench_runner
from mnist_sgd.bench import sgd as bench_sgd
from mnist_sgd.bench import task3 as bench_task3
from mnist_sgd.bench.core import FULL, QUICK, TARGETS, Row, Sizes, setup
from mnist_sgd.show.present import plural
from mnist_sgd.store import paths
from mnist_sgd.store.files import atomic_write_text
from mnist_sgd.tasks.speed.tables import FILENAME, fmt_value, table_lines

# ---------------------------------------------------------------------------------------
# The data and the conditions


def conditions(quick: bool, cfg: Sizes, gram_seconds: float) -> dict[str, Any]:
    import torchvision

    from mnist_sgd.show.provenance import cpu_model

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
        "settings": asdict(cfg),
        "targets": TARGETS,
    }


def _loadavg() -> list[float] | None:
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


# ---------------------------------------------------------------------------------------
# What sections 1 and 2 share: the linear SGD runs they time


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

    parser = argparse.ArgumentParser(prog="python -m mnist_sgd.bench.cli", description=__doc__.split("\n\n")[0])
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
