"""Where a report came from: commit, machine, packages, data, parameters and run times.

Also the one wording of what measured times depend on (``conditions_text``,
``timing_note``) and of the task jobs' time (``job_time_text``), so that every section,
the summary and the appendices quote them alike.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import datetime
from importlib import metadata
from typing import Any

import pandas as pd
import torch

from mnist_sgd.show.present import duration, plural
from mnist_sgd.store import paths
from mnist_sgd.store.results import read_manifest
from mnist_sgd.store.stamps import read_stamp


def git_state() -> dict[str, str | bool]:
    """The commit the notebooks and library were run from, and whether the tree was dirty."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=paths.ROOT, capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, RuntimeError, subprocess.TimeoutExpired):
        return {"commit": "unknown (not a git checkout)", "dirty": False}
    return {"commit": commit, "dirty": dirty}


def cpu_model() -> str:
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return platform.processor() or platform.machine()
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else platform.machine()


def run_conditions(device: str) -> dict[str, str | int]:
    """What training times depend on besides the code: torch threads, device, parallel jobs."""
    return {
        "threads": torch.get_num_threads(),
        "device": device,
        "parallel_jobs": int(os.environ.get("MNIST_SGD_PARALLEL_JOBS", "1")),
    }


def conditions_text(cond: dict[str, Any]) -> str:
    """The conditions as a phrase, e.g. '1 torch thread on cpu, 2 jobs of the report running in parallel'."""
    return (
        f"{plural(int(cond['threads']), 'torch thread')} on {cond['device']}, "
        f"{plural(int(cond['parallel_jobs']), 'job')} of the report running in parallel"
    )


def timing_note(cond: dict[str, Any]) -> str:
    """The sentence a section that quotes times gives once: they are measured, under what, and vary."""
    return (
        f"*Timing:* the times are measured ({conditions_text(cond)}) and vary between builds with the load "
        f"of the machine; they are not reproducible to the digit."
    )


def report_conditions() -> dict[str, str | int]:
    """The conditions of this build's jobs, on the device the networks use."""
    return run_conditions("cuda" if torch.cuda.is_available() else "cpu")


def machine() -> dict[str, str | int]:
    """CPU, cores, GPU and the threads each job used."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    run = report_conditions()
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count() or 1,
        "gpu": gpu,
        "torch threads per job": run["threads"],
        "jobs in parallel": run["parallel_jobs"],
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def package_versions() -> pd.DataFrame:
    """Installed version of every pinned requirement."""
    rows = []
    for line in (paths.ROOT / "requirements.txt").read_text().splitlines():
        name = line.split("#")[0].strip().split("==")[0]
        if name:
            try:
                rows.append({"package": name, "version": metadata.version(name)})
            except metadata.PackageNotFoundError:
                rows.append({"package": name, "version": "not installed"})
    return pd.DataFrame(rows)


# What each job's stamp says of where it ran, and the heading it has in the appendix.
WHERE = {"host": "host", "device": "device", "threads": "torch threads per job"}


def job_times(reader: str) -> pd.DataFrame:
    """Run time of each job that job ``reader`` reads the results of (all finished before it)."""
    jobs = read_manifest()["jobs"]
    needs: list[str] = next((j.get("needs", []) for j in jobs if j["job_id"] == reader), [])
    rows = []
    for job in (j for j in jobs if j["notebook"] in needs):
        info = read_stamp(paths.report_dir(), job["job_id"])
        if info is not None:
            rows.append(
                {
                    "job": job["job_id"],
                    "notebook": job["notebook"],
                    "seconds": info["seconds"],
                    "finished": info["finished"],
                    "build": info.get("build"),  # absent in a stamp older than the field
                    **{key: info.get(key, "not recorded") for key in WHERE},
                }
            )
    return pd.DataFrame(rows, columns=["job", "notebook", "seconds", "finished", "build", *WHERE])


def where_jobs_ran(times: pd.DataFrame) -> pd.DataFrame:
    """The hosts, devices and thread counts the jobs of ``times`` ran with, and how many jobs each."""
    if times.empty:
        return pd.DataFrame(columns=[*WHERE.values(), "jobs", "notebooks"])
    groups = times.astype({key: str for key in WHERE}).groupby(list(WHERE), sort=True)
    table = groups.agg(jobs=("job", "size"), notebooks=("notebook", lambda n: ", ".join(sorted(set(n)))))
    return table.reset_index().rename(columns=WHERE)


def wall_seconds(times: pd.DataFrame) -> float | None:
    """From the start of the first job of ``times`` to the end of the last, when they ran in one
    build; None when they did not (a job left unchanged keeps its time from an earlier build).
    One build: every stamp names the same ``build`` (when the column is there)."""
    if times.empty:
        return None
    if "build" in times and (times["build"].isna().any() or times["build"].nunique() > 1):
        return None
    ends = [datetime.strptime(f, "%Y-%m-%dT%H:%M:%S%z").timestamp() for f in times["finished"]]
    span = max(ends) - min(end - s for end, s in zip(ends, times["seconds"]))
    # jobs of one build overlap or follow each other, so their span cannot exceed their sum (plus a second
    # each: the finishing times are whole seconds)
    return span if span <= times["seconds"].sum() + len(times) else None


def job_time_text(times: pd.DataFrame) -> str:
    """The task jobs' time, defined, worded and formatted the same wherever it is quoted: job
    time is the sum of their run times; the wall time is given apart, when there is one."""
    if times.empty:
        return "No task job has a recorded run time."
    wall = wall_seconds(times)
    return (
        f"The {plural(len(times), 'task job')} took {duration(times['seconds'].sum())} of job time (the sum of their "
        f"run times, each from the start of its kernel to the end of its last cell)"
        + (
            f"; their wall time, from the start of the first to the end of the last, was {duration(wall)}."
            if wall is not None
            else "; they were not all run in this build (a job left unchanged keeps its time from an earlier build), "
            "so there is no one wall time."
        )
    )


def profile_text(profile: str, git: dict[str, str | bool], written: str) -> str:
    """The appendix's first line: the profile, when it was written and from which commit
    (``git``: ``git_state``), and whether the working tree had changes."""
    return (
        f"Profile **{profile}**, appendix written {written}, from commit `{git['commit']}`"
        + (" **with uncommitted changes**" if git["dirty"] else " (clean working tree)")
        + "."
    )


def reproduced_text(reproduced: str | None) -> str | None:
    """The sentence saying this build reproduced another (``results.reproduced_against``), or
    None. A snapshot is named; any other folder is a path on someone's machine, so it is not."""
    if not reproduced:
        return None
    other = reproduced if reproduced.startswith("snapshot ") else "another build"
    return (
        f"**Reproduced** against {other}: `make compare` found every number of the result tables equal to its "
        "own, within the tolerances stated in the README (timings aside)."
    )


def versions_text(versions: pd.DataFrame) -> str:
    """The installed version of each pinned requirement (``package_versions``), in one sentence."""
    return (
        "Installed versions of the pinned requirements: "
        + ", ".join(f"{r.package} {r.version}" for r in versions.itertuples())
        + "."
    )


def start_order_text() -> str:
    """How the runner chose which job to start next, in one sentence: the runner's own wording,
    written into the manifest by the build, so that the appendix cannot drift from what it does."""
    return str(read_manifest().get("start_order", ""))


def _value(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return json.dumps(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def parameters() -> pd.DataFrame:
    """Every parameter of every job of the current run, one row per job: the job as its
    notebook and grid values (text that wraps), the other parameters beside it."""
    rows = []
    for job in read_manifest()["jobs"]:
        values = {k: v for k, v in job.get("parameters", {}).items() if k != "job"}
        grid = [part.split("-", 1)[0] for part in job["job_id"].split("__")[1:]]  # <notebook>__<key>-<value>...
        label = job["notebook"] + "".join(f", {k} = {_value(values[k])}" for k in grid if k in values)
        rest = ", ".join(f"{k} = {_value(v)}" for k, v in values.items() if k not in grid)
        rows.append({"job": label, "parameters": rest or "(defaults)"})
    return pd.DataFrame(rows, columns=["job", "parameters"])
