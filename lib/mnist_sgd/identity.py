"""What a job's result depends on, and whether the result on disk is still that result.

A job's identity is a SHA-256 over its parts:

- ``notebook``: the notebook's cells as written (outputs and counts ignored);
- ``parameters``: the values it runs with;
- ``code``: the library modules notebooks import;
- ``environment``: the installed version of every pinned package (read from the
  installed distributions), Python's version, the torch build and the device class;
- ``reads``: the SHA-256 of each file of the report folder it reads (``bench.json``);
- ``upstream``: the SHA-256 of the stamp of each job whose results it reads. A stamp lists
  every output of its job with its SHA-256 and run time, so when an upstream job runs again
  and its tables change, its readers run again too.

A job is current when its stamp (``executed/<job>.json``) holds the same identity and every
output the stamp lists is present with the SHA-256 it had when written.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

from . import paths

PACKAGE = Path(__file__).resolve().parent

# Modules that build, check or time the report but are never imported by a notebook, so
# editing them does not change any job's result.
NOT_IN_JOBS = {
    "pipeline.py",
    "cluster.py",
    "worker.py",
    "stitch.py",
    "params.py",
    "identity.py",
    "execute.py",
    "hygiene.py",
    "bench.py",
    "bench_sgd.py",
    "bench_task3.py",
    "bench_loss.py",
    "bench_mlp.py",
    "bench_profile.py",
    "bench_machine.py",
    "bench_cnn.py",
    "bench_runner.py",
    "naive.py",
}

# The modules a worker runs besides the jobs' own: a worker must have them as the driver does
# (editing the rest, the driver's, during a build does not stop its workers).
WORKER_CODE = {"worker.py", "execute.py"}

# How each part of an identity is named when it explains why a job runs again.
PART_NAMES = {
    "notebook": "its notebook changed",
    "parameters": "its parameters changed",
    "code": "the library code changed",
    "environment": "the environment changed",
    "reads": "a file it reads changed",
    "upstream": "the results it reads changed",
}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_hash() -> str:
    """Hash of the library modules notebooks use: a change there re-runs every job."""
    return _modules_hash(lambda name: name not in NOT_IN_JOBS)


def _modules_hash(included: Callable[[str], bool]) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*.py") if included(p.name)):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def notebook_hash(text: str) -> str:
    """Hash of a notebook's cells as written (outputs and counts ignored)."""
    nb = nbformat.reads(text, as_version=4)
    cells = [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def pinned_packages() -> list[str]:
    """The names of the packages requirements.txt pins."""
    lines = (paths.ROOT / "requirements.txt").read_text().splitlines()
    return [name for line in lines if (name := line.split("#")[0].strip().split("==")[0].strip())]


def installed_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def torch_build() -> dict[str, str]:
    """The torch build as installed (version, commit, CUDA/ROCm), read without importing torch."""
    try:
        text = Path(str(metadata.distribution("torch").locate_file("torch/version.py"))).read_text()
    except (metadata.PackageNotFoundError, OSError):
        return {"torch build": "not installed"}
    fields = dict(re.findall(r"^(__version__|git_version|cuda|hip)\b[^=]*=\s*(.+)$", text, re.M))
    return {"torch build": " ".join(f"{k.strip('_')} {v.strip()}" for k, v in sorted(fields.items()))}


def device_class(build: dict[str, str]) -> str:
    """'cuda' when the notebooks will find a GPU, else 'cpu' (the rule of nets.device)."""
    text = build["torch build"]
    gpu_build = "cuda None" not in text or "hip None" not in text
    # a GPU build without a GPU device node cannot see a GPU: skip importing torch (1.5 s)
    if not gpu_build or not (
        list(Path("/dev").glob("nvidia[0-9]*")) or Path("/dev/dxg").exists() or Path("/dev/kfd").exists()
    ):
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@cache
def environment() -> dict[str, str]:
    """Everything installed that can change a result: the jobs' kernel runs on this same
    environment (the project's kernel is installed into .venv, the pipeline runs from it)."""
    env = {name: installed_version(name) for name in pinned_packages()}
    build = torch_build()
    return {**env, "python": platform.python_version(), **build, "device": device_class(build)}


def identity(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def executed_path(report: Path, job_id: str) -> Path:
    return report / "executed" / f"{job_id}.ipynb"


def stamp_path(report: Path, job_id: str) -> Path:
    return report / "executed" / f"{job_id}.json"


def read_stamp(report: Path, job_id: str) -> dict[str, Any] | None:
    """The stamp of a finished job, or None when it is missing or unreadable."""
    try:
        stamp = json.loads(stamp_path(report, job_id).read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and isinstance(stamp.get("outputs"), dict) else None


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, or "missing": an absent file is a state a job can depend on."""
    return sha256_file(path) if path.exists() else "missing"


def stamp_digest(report: Path, job_id: str) -> str:
    """What a reader of this job's results depends on: its stamp, as bytes."""
    return file_digest(stamp_path(report, job_id))


def _changed_parts(old: dict[str, Any], new: dict[str, Any]) -> str:
    changed = [key for key in new if old.get(key) != new[key]]
    if "environment" in changed:
        before, after = old.get("environment") or {}, new["environment"]
        diffs = [f"{k} {before.get(k, 'absent')} -> {v}" for k, v in after.items() if before.get(k) != v]
        return f"the environment changed ({'; '.join(diffs)})"
    if "upstream" in changed:
        before = old.get("upstream") or {}
        jobs = [job for job, digest in new["upstream"].items() if before.get(job) != digest]
        return f"the results it reads changed ({', '.join(jobs) or 'another set of jobs'})"
    return ", ".join(PART_NAMES[k] for k in changed) or "its identity changed"


def why_stale(report: Path, job_id: str, parts: dict[str, Any]) -> str | None:
    """None when the job's outputs are current for these parts, else why it must run."""
    stamp = read_stamp(report, job_id)
    if stamp is None:
        return "never run here" if not stamp_path(report, job_id).exists() else "its stamp is unreadable"
    if stamp.get("hash") != identity(parts):
        return _changed_parts(stamp.get("parts") or {}, parts)
    for name, digest in stamp["outputs"].items():
        path = report / name
        if not path.exists():
            return f"{name} is missing"
        if sha256_file(path) != digest:
            return f"{name} changed since it was written"
    return None


def stamp_text(
    parts: dict[str, Any], outputs: dict[str, bytes], seconds: float, finished: str, build: str, where: dict[str, Any]
) -> str:
    """A finished job's stamp: its identity, the parts, every output (report-folder path)
    with its SHA-256, the build that ran it (the time that build started, so that a job
    kept from an earlier build is told from one run in this build) and where it ran (host,
    device, threads). The worker that ran the job writes it; the driver stores it as is."""
    stamp = {
        "hash": identity(parts),
        "seconds": seconds,
        "finished": finished,
        "build": build,
        **where,
        "parts": parts,
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(outputs.items())},
    }
    return json.dumps(stamp, indent=1)


def worker_hash() -> str:
    """Hash of the code a worker runs: the jobs' modules and the worker's own (``WORKER_CODE``)."""
    return _modules_hash(lambda name: name not in NOT_IN_JOBS or name in WORKER_CODE)[:12]


def versions() -> dict[str, str]:
    """What a worker must share with the driver to run its jobs: the library and the
    environment, the device aside (a GPU worker may run the jobs of a CPU driver)."""
    env = {k: v for k, v in environment().items() if k != "device"}
    return {"library": worker_hash(), **env}
