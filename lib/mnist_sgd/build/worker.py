"""Run one job on whichever machine holds it, with no shared filesystem.

The build's driver sends a ``JobInput``: the notebook as hashed, its parameters, the
files of the report folder it reads (cached upstream tables and stamps, the manifest,
``bench.json``) and the identity parts it was planned with. Upstream jobs that run in the
same build hand their ``JobOutcome`` over through the scheduler. ``run_job`` rebuilds the
report folder the notebook expects in a scratch folder, executes the notebook there in a
process of its own (``execute.py``) and returns everything it wrote; only the driver
writes the real report.

A notebook error is an outcome, not an exception (running it again would fail again). A
job whose process or kernel died raises ``JobLost``, which the scheduler retries once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mnist_sgd.build import execute, identity
from mnist_sgd.store import paths

STOP_GRACE = 6.0  # seconds a stopped job gets to shut its kernel down before it is killed
POLL = 1.0  # seconds between checks of the job's process and of the build's stop signal


@dataclass
class JobInput:
    job_id: str
    source: str  # the notebook's text, as hashed by the driver
    parameters: dict[str, Any]
    static: dict[str, Any]  # the identity parts known before the job runs (identity.py)
    upstream: list[str]  # the jobs whose results it reads, in the order of its identity
    files: dict[str, bytes]  # report-folder path -> content, for what is not handed over by an upstream job
    versions: dict[str, str]  # the driver's library and package versions (identity.versions)
    build: str  # the time the build started: named in the stamp
    label: str  # the build, as ``host:report-folder``, for the kernel's environment
    stop_event: str = ""  # name of the Dask Event the driver sets on Ctrl-C ("" outside Dask)
    slots: dict[str, int] = field(default_factory=dict)  # jobs run at once on each host


@dataclass
class JobOutcome:
    job_id: str
    ok: bool
    error: str = ""
    cell: str = ""
    notebook: bytes | None = None  # the executed notebook (also of a failed run, when there is one)
    results: dict[str, bytes] = field(default_factory=dict)  # file name in results/ -> content
    stamp: str = ""  # the stamp the driver writes last, as text
    seconds: float = 0.0
    stopped: bool = False  # stopped by the build's Ctrl-C


class JobLost(RuntimeError):
    """The job's process or kernel died (a killed process, the out-of-memory killer)."""


_data_checked = False


def check_data_once() -> None:
    """Fetch and verify the MNIST files on this machine, once per worker process."""
    global _data_checked
    if not _data_checked:
        from mnist_sgd.science.data import ensure_data

        ensure_data()
        _data_checked = True


def version_mismatch(expected: dict[str, str]) -> str:
    """What differs between the driver's versions and this machine's, or ""."""
    here = identity.versions()
    diffs = [f"{k}: {v} on the driver, {here.get(k, 'absent')} here" for k, v in expected.items() if here.get(k) != v]
    if not diffs:
        return ""
    return (
        f"the worker on {socket.gethostname()} (library {identity.PACKAGE}, Python {sys.executable}) refuses the "
        f"job: its versions differ from the driver's ({'; '.join(diffs)}). Start every worker from the same commit "
        "and pins (`make venv` on each machine, or the same image)."
    )


def threads_here(slots: dict[str, int]) -> tuple[int, int]:
    """(threads for one job, jobs at once) on this host: its cores shared by its job slots."""
    cores = len(os.sched_getaffinity(0))
    try:
        from distributed import get_worker

        here = get_worker()
    except (ImportError, ValueError):  # called outside a Dask worker
        return cores, 1
    host = here.address.split("://")[-1].rsplit(":", 1)[0]  # as the scheduler names it
    jobs = slots.get(host) or here.state.nthreads  # a worker that joined after the build started
    return max(1, cores // jobs), jobs


def job_environment() -> dict[str, str]:
    """This process's environment without what Dask's nanny set for the worker process itself.
    Its MALLOC_TRIM_THRESHOLD_=65536 in particular, inherited by a kernel, turns every large
    torch allocation into an mmap: millions of page faults, network jobs 2.5 times slower."""
    import dask

    for_the_worker = dask.config.get("distributed.nanny.pre-spawn-environ", {})
    return {k: v for k, v in os.environ.items() if k not in for_the_worker}


def stop_requested(name: str) -> Callable[[], bool]:
    """A check of the build's stop signal: the Dask Event ``name`` (never set outside Dask)."""
    if not name:
        return lambda: False
    from distributed import Event

    event = Event(name)
    return lambda: event.is_set()


def run_job(job: JobInput, *upstream: JobOutcome) -> JobOutcome:
    """Execute one job in a scratch folder; its outputs come back in the outcome."""
    failed = [u.job_id for u in upstream if not u.ok]
    if failed:
        return JobOutcome(job.job_id, ok=False, error=f"not run: a job it reads failed ({', '.join(failed)})")
    if refused := version_mismatch(job.versions):
        return JobOutcome(job.job_id, ok=False, error=refused)
    stop = stop_requested(job.stop_event)
    if stop():  # handed out after the build's Ctrl-C, before the driver cancelled it
        return JobOutcome(job.job_id, ok=False, error="stopped by Ctrl-C", stopped=True)
    check_data_once()
    scratch = Path(tempfile.mkdtemp(prefix=f"mnist-sgd-{job.job_id}-"))
    try:
        return _run_in(scratch, job, upstream, stop)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_in(scratch: Path, job: JobInput, upstream: tuple[JobOutcome, ...], stop: Callable[[], bool]) -> JobOutcome:
    report, staging = scratch / "report", scratch / "staging"
    files = dict(job.files)
    for u in upstream:  # the upstream jobs of this build hand their outputs over
        files.update({f"results/{name}": data for name, data in u.results.items()})
        files[f"executed/{u.job_id}.json"] = u.stamp.encode()
    for name, data in files.items():
        (report / name).parent.mkdir(parents=True, exist_ok=True)
        (report / name).write_bytes(data)
    paths.results_of(staging).mkdir(parents=True)
    (staging / execute.INPUT).write_text(job.source)
    spec = {
        "notebook": str(staging / execute.INPUT),
        "parameters": job.parameters,
        "kernel": paths.KERNEL_NAME,
        "cwd": str(staging),
    }
    (staging / execute.SPEC).write_text(json.dumps(spec))
    threads, jobs = threads_here(job.slots)
    env = {
        **job_environment(),
        "MNIST_SGD_REPORT_DIR": str(report),
        "MNIST_SGD_OUTPUT_DIR": str(paths.results_of(staging)),
        "MNIST_SGD_BUILD": job.label,
        "MNIST_SGD_JOB": job.job_id,
        "MNIST_SGD_PARALLEL_JOBS": str(jobs),
        **{var: str(threads) for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
    }
    with open(staging / "log.txt", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mnist_sgd.build.execute", str(staging)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a terminal's Ctrl-C reaches the driver, which decides
        )
    while proc.poll() is None:
        if stop():
            terminate(proc, staging)
            return JobOutcome(job.job_id, ok=False, error="stopped by Ctrl-C", stopped=True)
        try:
            proc.wait(timeout=POLL)
        except subprocess.TimeoutExpired:
            pass
    return collect(job, report, staging, proc.returncode, threads)


def collect(job: JobInput, report: Path, staging: Path, returncode: int, threads: int) -> JobOutcome:
    """The outcome of a finished job process, with its stamp when it succeeded."""
    try:
        outcome = json.loads((staging / execute.OUTCOME).read_text())
    except (OSError, ValueError):
        tail = (staging / "log.txt").read_text(errors="replace").strip().splitlines()[-5:]
        how = f"killed by signal {-returncode}" if returncode < 0 else f"exit code {returncode}"
        raise JobLost(
            f"the job's process ended without a result ({how})" + "".join(f"\n    {t}" for t in tail)
        ) from None
    if outcome.get("lost"):
        raise JobLost(outcome["error"])
    executed = staging / execute.NOTEBOOK
    notebook = executed.read_bytes() if executed.exists() else None
    if not outcome["ok"]:
        return JobOutcome(job.job_id, ok=False, error=outcome["error"], cell=outcome["cell"], notebook=notebook)
    if identity.notebook_code(job.source) != job.static["code"]:
        # the kernel imported the library as it was on disk: its result belongs to neither version
        error = "the library (lib/mnist_sgd) changed while the job ran; its result was discarded: run the build again"
        return JobOutcome(job.job_id, ok=False, error=error)
    assert notebook is not None
    results = {p.name: p.read_bytes() for p in sorted(paths.results_of(staging).iterdir())}
    stamps = {u: (paths.executed_of(report) / f"{u}.json").read_bytes() for u in job.upstream}
    parts = {**job.static, "upstream": {u: hashlib.sha256(stamps[u]).hexdigest() for u in sorted(stamps)}}
    outputs = {f"executed/{job.job_id}.ipynb": notebook, **{f"results/{n}": d for n, d in results.items()}}
    where = {"host": socket.gethostname(), "device": identity.environment()["device"], "threads": threads}
    stamp = identity.stamp_text(
        parts, outputs, outcome["seconds"], time.strftime("%Y-%m-%dT%H:%M:%S%z"), job.build, where
    )
    return JobOutcome(job.job_id, ok=True, notebook=notebook, results=results, stamp=stamp, seconds=outcome["seconds"])


def terminate(proc: subprocess.Popen, staging: Path) -> None:
    """SIGTERM the job (papermill's client shuts its kernel down); SIGKILL the job and its
    kernel if still there after the grace period, so that no process outlives the build."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    pid_file = staging / execute.KERNEL_PID
    if pid_file.exists():
        kernel = int(pid_file.read_text())
        deadline = time.monotonic() + STOP_GRACE
        while process_exists(kernel) and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            os.killpg(kernel, signal.SIGKILL)  # a kernel leads a session of its own (jupyter_client)
        except (ProcessLookupError, PermissionError):
            pass


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
