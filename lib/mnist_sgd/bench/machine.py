"""Section 6 of ``make bench``: the machine's limits, and the SGD steps against them.

Memory bandwidth and sgemm throughput bound what any implementation could do: the B = 1000
step is set against its bytes and FLOPs at those rates, the B = 1 step against the cost of
one empty torch call, and, when section 2 ran, the Task 3 deliverable against the least
time its steps, evaluations and Evaluator build allow.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from mnist_sgd.bench.core import DEFAULT_CHECKPOINTS, TARGETS, Row, Setup, Stats, run_in_turn
from mnist_sgd.science.sgd import checkpoint_schedule, train_sgd
from mnist_sgd.tasks.speed.tables import fmt_value


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
    iterations, d = cfg.s2_iterations, s.mnist.x_train.shape[1]
    k = s.y_onehot.shape[1]
    steps = sum(iterations * max(b / bandwidth, f / throughput) for b, f in map(step_cost, cfg.batch_sizes))
    scored = ev.x_acc.shape[0] + (0 if ev.x_test is None else ev.x_test.shape[0])
    per_checkpoint = 4.0 * scored * d / bandwidth + 2.0 * d * d * k / throughput
    n_checkpoints = sum(len(checkpoint_schedule(iterations, DEFAULT_CHECKPOINTS)) for _ in cfg.batch_sizes)
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
    reps = cfg.machine_reps
    n_floats, n = cfg.copy_floats, cfg.gemm_n
    src, dst = torch.rand(n_floats), torch.empty(n_floats)
    a, b = torch.rand(n, n), torch.rand(n, n)
    c = torch.empty(n, n)
    m, y, ev = s.mnist, s.y_onehot, s.evaluator
    it1, it1000 = cfg.step_iterations["1"], cfg.step_iterations["1000"]
    step_seconds: dict[int, list[float]] = {1: [], 1000: []}

    def step(B: int, iterations: int) -> Callable[[], None]:
        def run() -> None:
            # checkpoints=2: only t = 0, 1 and the end are evaluated; train_seconds excludes them
            result = train_sgd(m.x_train, y, B, cfg.lr, iterations, cfg.seed, checkpoints=2, evaluator=ev)
            step_seconds[B].append(result.train_seconds / iterations)

        return run

    calls = cfg.empty_calls
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
