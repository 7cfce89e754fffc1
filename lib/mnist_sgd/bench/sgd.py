"""Section 1 of ``make bench``: linear SGD, one run per batch size, against the naive loops.

The project's ``train_sgd``, with the checkpoints it records by default and a shared
Evaluator, against the loops of ``naive.py`` that record (a) the test accuracy or (b) the
full training loss and both accuracies at every iteration, as straightforward code would:
what the curves cost each way, per batch size.
"""

from __future__ import annotations

from collections.abc import Callable

from mnist_sgd.bench.core import DEFAULT_CHECKPOINTS, Row, Setup, b_note, comparison, run_in_turn, sgd_variants
from mnist_sgd.science.sgd import checkpoint_schedule


def section_sgd_runs(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    cfg = s.cfg
    iterations, reps = cfg.s1_iterations, cfg.s1_reps
    timed_b = min(cfg.ref_b_iterations, iterations)
    rows = []
    for B in cfg.batch_sizes:
        variants, warmup = sgd_variants(s, B, iterations)
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
                note=b_note(timed_b, iterations),
            ),
        ):
            rows.append(row)
            log(row)
    return rows
