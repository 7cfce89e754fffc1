"""What a build would do: each job's identity as it stands, and the jobs that must run, with why.

The driver plans before it runs anything; ``make plan`` prints the same plan and runs nothing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mnist_sgd.build import identity, params, schedule
from mnist_sgd.build.params import Job
from mnist_sgd.show.present import duration
from mnist_sgd.store import stamps
from mnist_sgd.store.results import MANIFEST


def upstream_of(job: Job, jobs: list[Job]) -> list[Job]:
    return [u for u in jobs if u.notebook in job.needs]


def read_notebooks(jobs: list[Job]) -> dict[str, str]:
    """Each notebook's text, read once: the jobs run exactly what was hashed, even if a
    notebook is edited while the build runs."""
    return {j.notebook: j.path.read_text() for j in jobs}


def static_parts(jobs: list[Job], report: Path, sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every part of each job's identity except its upstream results."""
    env = identity.environment()
    notebooks = {name: identity.notebook_hash(text) for name, text in sources.items()}
    code = {name: identity.notebook_code(text) for name, text in sources.items()}
    return {
        j.job_id: {
            "notebook": notebooks[j.notebook],
            "parameters": j.parameters,
            "code": code[j.notebook],
            "environment": env,
            "reads": {name: identity.file_digest(report / name) for name in params.SPECS[j.notebook].reads},
        }
        for j in jobs
    }


def job_parts(job: Job, jobs: list[Job], report: Path, static: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The whole identity of a job, as its upstream jobs' stamps stand now."""
    upstream = {u.job_id: identity.stamp_digest(report, u.job_id) for u in upstream_of(job, jobs)}
    return {**static[job.job_id], "upstream": dict(sorted(upstream.items()))}


def order(jobs: list[Job]) -> list[Job]:
    """The jobs with each after the jobs it reads, otherwise in profile order."""
    done: list[Job] = []
    pending = list(jobs)
    while pending:
        ready = [j for j in pending if all(u in done for u in upstream_of(j, jobs))]
        if not ready:
            raise RuntimeError(f"jobs whose inputs can never be ready: {[j.job_id for j in pending]}")
        done += ready
        pending = [j for j in pending if j not in ready]
    return done


def plan(jobs: list[Job], report: Path, static: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The jobs that must run, each with the reason; a job runs again when one it reads does."""
    todo: dict[str, str] = {}
    for job in order(jobs):
        rerun = [u.job_id for u in upstream_of(job, jobs) if u.job_id in todo]
        shown = ", ".join(rerun[:3]) + (f" and {len(rerun) - 3} more" if len(rerun) > 3 else "")
        reason = (
            f"it reads jobs that run again ({shown})"
            if rerun
            else identity.why_stale(report, job.job_id, job_parts(job, jobs, report, static))
        )
        if reason:
            todo[job.job_id] = reason
    return todo


def files_read(job: Job, jobs: list[Job], report: Path, todo: dict[str, str]) -> dict[str, bytes]:
    """The files of the report folder a job reads that no job of this build hands over: the
    manifest, the outputs and stamps of its upstream jobs that stay as they are, and the
    files its notebook reads (``bench.json``). They travel with the job to its worker."""
    names = [f"results/{MANIFEST}", *params.SPECS[job.notebook].reads]
    for u in upstream_of(job, jobs):
        if u.job_id not in todo:
            stamp = stamps.read_stamp(report, u.job_id) or {}
            names += [n for n in stamp.get("outputs", {}) if n.startswith("results/")]
            names.append(stamps.stamp_path(report, u.job_id).relative_to(report).as_posix())
    return {name: (report / name).read_bytes() for name in names if (report / name).exists()}


def plan_lines(jobs: list[Job], report: Path, workers: int) -> list[str]:
    """What a build of ``jobs`` into ``report`` would run, with why and for how long, as the
    lines ``make plan`` prints; nothing is run or written."""
    sources = read_notebooks(jobs)
    todo = plan(jobs, report, static_parts(jobs, report, sources))
    if not todo:
        return [f"{len(jobs)} jobs, {len(jobs)} up to date, 0 to run: a build would only stitch the report"]
    stale = [j for j in jobs if j.job_id in todo]
    seconds = schedule.expected_seconds(report, stale)
    width = max(len(j.job_id) for j in stale)
    lines = [f"{len(jobs)} jobs, {len(jobs) - len(todo)} up to date, {len(todo)} would run (dry run: nothing is run)"]
    for job in schedule.longest_first(stale, seconds):
        expected = seconds[job.job_id]
        shown = f"~{duration(expected)}" if math.isfinite(expected) else "time unknown"
        lines.append(f"  {job.job_id:<{width}}  {shown:>14}  {todo[job.job_id]}")
    unknown = [j for j in stale if not math.isfinite(seconds[j.job_id])]
    known = sum(s for s in seconds.values() if math.isfinite(s))
    wall = schedule.expected_wall(
        stale, {k: 0.0 if math.isinf(v) else v for k, v in seconds.items()}, workers, lambda j: upstream_of(j, stale)
    )
    lines.append(
        f"expected: {duration(known)} of job time, about {duration(wall)} on {workers} worker(s)"
        + (f", plus {len(unknown)} job(s) of unknown time" if unknown else "")
        + " (times from the last stamps, else the committed table)"
    )
    return lines
