"""Section 5 of ``make bench``: the full profile's own job timings, per task.

Nothing is run here: the rows are read from the stamps of the last ``make report``
(``report/executed/*.json``), so the table puts the cost of every task next to the
benchmarks. Without a built report the section says so in one row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from mnist_sgd.bench.core import Row
from mnist_sgd.show.present import duration
from mnist_sgd.store import paths
from mnist_sgd.store.stamps import read_stamp


def section_profile(report: Path, log: Callable[[Row], None]) -> list[Row]:
    """The rows of the section, from the stamps in ``report`` (the full profile's folder)."""
    from mnist_sgd.store.results import read_manifest

    executed = paths.executed_of(report)
    names = sorted(p.stem for p in executed.glob("*.json")) if executed.is_dir() else []
    listed = {j["job_id"] for j in read_manifest(report)["jobs"]}
    stamps = {job: read_stamp(report, job) for job in names if job in listed or not listed}
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
