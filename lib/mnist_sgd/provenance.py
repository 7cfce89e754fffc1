"""Where a report came from: commit, machine, packages, data, parameters and run times."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from importlib import metadata

import pandas as pd
import torch

from . import paths
from .results import read_manifest


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


def machine() -> dict[str, str | int]:
    """CPU, cores, GPU and the threads each job used."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    run = run_conditions("cuda" if torch.cuda.is_available() else "cpu")
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


def job_times(reader: str) -> pd.DataFrame:
    """Run time of each job that job ``reader`` reads the results of (all finished before it)."""
    jobs = read_manifest()["jobs"]
    needs = next((j.get("needs", []) for j in jobs if j["job_id"] == reader), [])
    rows = []
    for job in (j for j in jobs if j["notebook"] in needs):
        stamp = paths.executed_dir() / f"{job['job_id']}.json"
        if stamp.exists():
            info = json.loads(stamp.read_text())
            rows.append({"job": job["job_id"], "notebook": job["notebook"], "seconds": info["seconds"],
                         "finished": info["finished"]})
    return pd.DataFrame(rows, columns=["job", "notebook", "seconds", "finished"])


def parameters() -> pd.DataFrame:
    """Every parameter of every job of the current run, one row per job."""
    rows = [
        {"job": job["job_id"], "parameters": ", ".join(
            f"{key} = {json.dumps(value)}" for key, value in job.get("parameters", {}).items() if key != "job"
        ) or "(defaults)"}
        for job in read_manifest()["jobs"]
    ]
    return pd.DataFrame(rows, columns=["job", "parameters"])
