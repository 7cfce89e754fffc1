"""Section 2 of ``make bench``: Task 3's deliverable, all its batch sizes, against the naive loops.

What Task 3 asks for as a whole (every batch size, curves recorded, one seed), timed as a
sweep runs it: the project's total includes the one Evaluator build a sweep needs. The
targets apply to the totals; the per-B rows show where the time goes.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from mnist_sgd.bench.core import TARGETS, Row, Setup, Stats, b_note, comparison, sgd_variants
from mnist_sgd.science.sgd import Evaluator


def section_task3(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    cfg = s.cfg
    iterations, reps = cfg.s2_iterations, cfg.s2_reps
    timed_b = min(cfg.ref_b_iterations, iterations)
    per_b: dict[int, dict[str, Stats]] = {}
    build: list[float] = []
    for B in cfg.batch_sizes:
        variants, warmup = sgd_variants(s, B, iterations)
        for fn in warmup.values():
            fn()
        per_b[B] = {name: Stats([]) for name in variants}
    for _ in range(reps):
        # The one evaluator a sweep builds (Gram pass and subset), counted in the project total.
        start = time.perf_counter()
        Evaluator.from_mnist(s.mnist)
        build.append(time.perf_counter() - start)
        for B in cfg.batch_sizes:
            variants, _ = sgd_variants(s, B, iterations)
            for name, fn in variants.items():
                start = time.perf_counter()
                fn()
                per_b[B][name].values.append(time.perf_counter() - start)
    scale = iterations / timed_b
    rows = []
    for B in cfg.batch_sizes:
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
                note=b_note(timed_b, iterations),
            )
        )
        for row in rows[-2:]:
            log(row)

    def total(name: str, factor: float = 1.0) -> Stats:
        return Stats([sum(per_b[B][name].values[r] * factor for B in per_b) for r in range(reps)])

    project = Stats([p + g for p, g in zip(total("project").values, build)])
    bs = ", ".join(str(b) for b in cfg.batch_sizes)
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
            note=f"{build_note}; {b_note(timed_b, iterations)}",
        ),
    ):
        rows.append(row)
        log(row)
    return rows
