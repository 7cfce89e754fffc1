"""The order a build starts its jobs in, what each job is expected to cost, and the sentence
the provenance appendix gives the policy (written into the manifest by the build).

Longest first keeps every worker busy to the end instead of leaving one long job alone on
the last core. A job's expected run time is its stamp's (the last build that ran it here);
without one, the committed table ``params/job_seconds.csv`` (measured on a full build, so
that the first build of a fresh clone starts its longest jobs first too); a job in neither
counts as longer than any other.

    python -m mnist_sgd.build.schedule --record   # refresh the table from the full build's stamps
"""

from __future__ import annotations

import argparse
import csv
import heapq
import io
import math
import sys
from collections.abc import Callable
from pathlib import Path

from mnist_sgd.build.params import Job
from mnist_sgd.store import paths
from mnist_sgd.store.files import atomic_write_text
from mnist_sgd.store.stamps import read_stamp

MEASURED = paths.PARAMS / "job_seconds.csv"  # job,seconds: one full build's run times

START_ORDER = (
    "Every job is handed to the Dask scheduler with a priority: the longer it is expected to take, the higher. "
    "A job's expected time is its run time in the previous build that ran it (its stamp's), or, with no "
    "stamp, its time in a committed table measured on a full build; a job in neither counts as longer than "
    "any other, and ties keep the profile's order. Among the jobs whose inputs are ready, a free worker "
    "takes the one of highest priority."
)


def measured_seconds(table: Path = MEASURED) -> dict[str, float]:
    """The committed run times, job id -> seconds (empty when the table is absent)."""
    if not table.exists():
        return {}
    return {row["job"]: float(row["seconds"]) for row in csv.DictReader(io.StringIO(table.read_text()))}


def expected_seconds(report: Path, jobs: list[Job], table: Path = MEASURED) -> dict[str, float]:
    """Each job's expected run time: its stamp's, else the committed table's, else infinite."""
    measured = measured_seconds(table)
    expected = {}
    for job in jobs:
        stamp = read_stamp(report, job.job_id)
        seconds = stamp.get("seconds") if stamp else None
        expected[job.job_id] = float(seconds) if seconds is not None else measured.get(job.job_id, math.inf)
    return expected


def longest_first(jobs: list[Job], seconds: dict[str, float]) -> list[Job]:
    """``jobs`` by expected run time, longest first; a stable sort keeps the given order on ties."""
    return sorted(jobs, key=lambda j: -seconds[j.job_id])


def priorities(report: Path, jobs: list[Job], table: Path = MEASURED) -> dict[str, int]:
    """Each job's Dask priority (higher starts first): its rank in ``longest_first``."""
    ranked = longest_first(jobs, expected_seconds(report, jobs, table))
    return {job.job_id: len(ranked) - i for i, job in enumerate(ranked)}


def expected_wall(
    jobs: list[Job], seconds: dict[str, float], slots: int, upstream: Callable[[Job], list[Job]]
) -> float:
    """The wall time of running ``jobs`` on ``slots`` workers as the scheduler does: a free
    worker takes the ready job of highest priority, a job is ready when the jobs it reads
    (among ``jobs``) have finished."""
    ranked = longest_first(jobs, seconds)
    rank = {j.job_id: i for i, j in enumerate(ranked)}
    waiting = {j.job_id: {u.job_id for u in upstream(j) if u.job_id in rank} for j in jobs}
    ready = [(rank[j.job_id], j.job_id) for j in jobs if not waiting[j.job_id]]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []  # (finish time, job)
    now, free = 0.0, slots
    while ready or running:
        while ready and free:
            _, job_id = heapq.heappop(ready)
            heapq.heappush(running, (now + seconds[job_id], job_id))
            free -= 1
        now, done = heapq.heappop(running)
        free += 1
        for job_id, needs in waiting.items():
            if done in needs:
                needs.discard(done)
                if not needs:
                    heapq.heappush(ready, (rank[job_id], job_id))
    return now


def record(report: Path, jobs: list[Job], table: Path = MEASURED) -> int:
    """Write the run times of ``jobs``' stamps in ``report`` into ``table``; how many."""
    rows = [
        (j.job_id, stamp["seconds"]) for j in jobs if (stamp := read_stamp(report, j.job_id)) and "seconds" in stamp
    ]
    text = "job,seconds\n" + "".join(f"{job},{seconds:.0f}\n" for job, seconds in rows)
    atomic_write_text(table, text)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    from mnist_sgd.build.params import ParamError, expand_jobs, load_profile

    parser = argparse.ArgumentParser(prog="python -m mnist_sgd.build.schedule", description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help=f"write the stamps' run times into {MEASURED.name}")
    parser.add_argument("--profile", default="full", help="the profile whose build is read (default: full)")
    args = parser.parse_args(argv)
    if not args.record:
        parser.print_help()
        return 2
    try:
        profile = load_profile(args.profile)
    except ParamError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report = paths.report_folder(profile.name)
    count = record(report, expand_jobs(profile))
    print(f"{count} run times of {report} written to {MEASURED}")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
