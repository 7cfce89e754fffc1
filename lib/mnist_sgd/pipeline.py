"""Run a profile: validate it, execute each job with papermill, then stitch the report.

A job runs again only when its identity (``identity.py``: notebook, parameters, library
code, environment, files and upstream results it reads) changed or when an output it
wrote is missing or altered. Each job runs in a process of its own (``execute.py``) and
writes into a staging folder; its outputs are moved into the report only when it
succeeded, and its stamp is written last. One build holds a report folder at a time
(``.lock``); Ctrl-C stops the running jobs and their kernels, keeps what finished, and
the next run resumes.

    python -m mnist_sgd.pipeline --profile quick -j 2
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import execute, identity, params, paths
from .params import Job, ParamError, Profile, expand_jobs, load_profile
from .results import write_manifest

STAGING = ".staging"  # one folder per running job, inside the report folder
STOP_GRACE = 6.0  # seconds a stopped job gets to shut its kernel down before it is killed
EXIT_BUSY = 75  # EX_TEMPFAIL: another build holds the report folder; try again later
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
# The order jobs start in, as the provenance appendix states it. Longest first keeps every
# worker busy to the end instead of leaving one long job alone on the last core.
START_ORDER = (
    "Among the jobs whose inputs are ready, the runner starts the one that took longest in the previous "
    "build that ran it (its stamp's run time); a job with no recorded time (new, or never finished here) "
    "counts as longer than any other, and ties keep the profile's order."
)


def report_folder(profile: Profile) -> Path:
    """The folder a profile builds into: report/ for full, report/<profile>/ for others,
    or MNIST_SGD_REPORT_DIR when set (tests build into temporary folders)."""
    if "MNIST_SGD_REPORT_DIR" in os.environ:
        return Path(os.environ["MNIST_SGD_REPORT_DIR"]).resolve()
    base = paths.ROOT / "report"
    return base if profile.name == "full" else base / profile.name


@dataclass
class Failure:
    job_id: str
    notebook: Path | None
    cell: str
    error: str

    def describe(self) -> str:
        where = f"\n  executed notebook: {self.notebook}" if self.notebook else ""
        cell = "\n".join(f"    | {line}" for line in self.cell.splitlines()) or "    (no cell)"
        return f"FAILED {self.job_id}{where}\n  failing cell:\n{cell}\n  error: {self.error}"


class Interrupted(Exception):
    """Ctrl-C (or SIGTERM) stopped the build; ``finished`` jobs are stamped and kept."""

    def __init__(self, finished: list[str], stopped: list[str]):
        super().__init__("interrupted")
        self.finished, self.stopped = finished, stopped


class Busy(Exception):
    """Another build holds the report folder."""


class BuildLock:
    """An exclusive lock on a report folder, released when the process ends, however it ends."""

    def __init__(self, report: Path):
        self.report, self.path = report, report / ".lock"
        self.fd = -1

    def __enter__(self) -> BuildLock:
        self.report.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self.path.read_text(errors="replace").strip() or "unknown"
            os.close(self.fd)
            raise Busy(holder) from None
        os.ftruncate(self.fd, 0)
        command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))
        os.write(self.fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}: {command}\n".encode())
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def remove_leftovers(report: Path) -> None:
    """Temporary files of a build that was killed: never read, dropped under the lock only."""
    shutil.rmtree(report / STAGING, ignore_errors=True)
    for path in report.glob("**/.*.part"):
        path.unlink(missing_ok=True)


def upstream_of(job: Job, jobs: list[Job]) -> list[Job]:
    return [u for u in jobs if u.notebook in job.needs]


def read_notebooks(jobs: list[Job]) -> dict[str, str]:
    """Each notebook's text, read once: the jobs run exactly what was hashed, even if a
    notebook is edited while the build runs."""
    return {j.notebook: j.path.read_text() for j in jobs}


def static_parts(jobs: list[Job], report: Path, sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every part of each job's identity except its upstream results."""
    code, env = identity.code_hash(), identity.environment()
    notebooks = {name: identity.notebook_hash(text) for name, text in sources.items()}
    return {
        j.job_id: {
            "notebook": notebooks[j.notebook],
            "parameters": j.parameters,
            "code": code,
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


def expected_seconds(report: Path, jobs: list[Job]) -> dict[str, float]:
    """Each job's run time in the last build that finished it (infinite when none is recorded)."""
    stamps = {j.job_id: identity.read_stamp(report, j.job_id) for j in jobs}
    return {job_id: float(stamp.get("seconds", math.inf)) if stamp else math.inf for job_id, stamp in stamps.items()}


def longest_first(jobs: list[Job], seconds: dict[str, float]) -> list[Job]:
    """``jobs`` by expected run time, longest first; a stable sort keeps the given order on ties."""
    return sorted(jobs, key=lambda j: -seconds[j.job_id])


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


@dataclass
class Running:
    job: Job
    proc: subprocess.Popen
    staging: Path
    parts: dict[str, Any]


def start(job: Job, report: Path, source: str, parts: dict[str, Any], threads: int, workers: int) -> Running:
    """Start a job in its own process and session (a terminal's Ctrl-C reaches the pipeline only)."""
    staging = report / STAGING / job.job_id
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "results").mkdir(parents=True)
    (staging / execute.INPUT).write_text(source)
    spec = {
        "notebook": str(staging / execute.INPUT),
        "parameters": job.parameters,
        "kernel": paths.KERNEL_NAME,
        "cwd": str(job.path.parent),
    }
    (staging / execute.SPEC).write_text(json.dumps(spec))
    env = {
        **os.environ,
        "MNIST_SGD_REPORT_DIR": str(report),
        "MNIST_SGD_OUTPUT_DIR": str(staging / "results"),
        "MNIST_SGD_PIPELINE": "1",
        "MNIST_SGD_PARALLEL_JOBS": str(workers),
        **{var: str(threads) for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
    }
    with open(staging / "log.txt", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mnist_sgd.execute", str(staging)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Running(job, proc, staging, parts)


def finish(run: Running, report: Path, build: str) -> Failure | None:
    """Move a finished job's outputs into the report, stamp last; or describe its failure."""
    job_id = run.job.job_id
    final = identity.executed_path(report, job_id)
    failed = final.with_name(f"{job_id}.failed.ipynb")
    try:
        outcome = json.loads((run.staging / execute.OUTCOME).read_text())
    except (OSError, ValueError):
        log = (run.staging / "log.txt").read_text(errors="replace").strip().splitlines()[-5:]
        code = run.proc.returncode
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return Failure(
            job_id,
            None,
            "",
            f"the job's process ended without a result ({how})" + "".join(f"\n    {line}" for line in log),
        )
    staged_nb = run.staging / execute.NOTEBOOK
    if outcome["ok"] and identity.code_hash() != run.parts["code"]:
        # the kernel imported the library as it was on disk: its result belongs to neither version
        outcome = {
            "ok": False,
            "cell": "",
            "error": "the library (lib/mnist_sgd) changed while the job ran; "
            "its result was discarded: run the build again",
        }
    if not outcome["ok"]:
        notebook = None
        if staged_nb.exists():
            failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged_nb, failed)
            notebook = failed
        return Failure(job_id, notebook, outcome["cell"], outcome["error"])
    # the stamp goes first and comes back last: a build stopped in between re-runs the job
    identity.stamp_path(report, job_id).unlink(missing_ok=True)
    results = report / "results"
    results.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((run.staging / "results").iterdir()):
        os.replace(path, results / path.name)
        written.append(results / path.name)
    for stale in results.glob(f"{job_id}.*"):  # tables an earlier version of the job wrote
        if stale not in written:
            stale.unlink()
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged_nb, final)
    failed.unlink(missing_ok=True)
    identity.write_stamp(
        report, job_id, run.parts, [final, *written], outcome["seconds"], time.strftime("%Y-%m-%dT%H:%M:%S%z"), build
    )
    shutil.rmtree(run.staging, ignore_errors=True)
    return None


def stop(running: list[Running]) -> None:
    """SIGTERM each job (papermill's client shuts its kernel down); SIGKILL a job or a
    kernel still there after the grace period, so that no process outlives the build."""
    for run in running:
        if run.proc.poll() is None:
            os.killpg(run.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for run in running:
        try:
            run.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(run.proc.pid, signal.SIGKILL)
            run.proc.wait()
    kernels = [int(p.read_text()) for r in running if (p := r.staging / execute.KERNEL_PID).exists()]
    while (alive := [pid for pid in kernels if process_exists(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in alive:
        kill_quietly(pid)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_quietly(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # a kernel leads a session of its own (jupyter_client)
    except (ProcessLookupError, PermissionError):
        pass


def run_jobs(jobs: list[Job], report: Path, workers: int, log=print) -> list[Failure]:
    """Execute what is not current, ``workers`` at a time, each after the jobs it reads.

    Returns the failures; raises Interrupted on Ctrl-C, after stopping every running job."""
    from tqdm import tqdm

    build = time.strftime("%Y-%m-%dT%H:%M:%S%z")  # names this build in the stamps it writes
    sources = read_notebooks(jobs)
    static = static_parts(jobs, report, sources)
    todo = plan(jobs, report, static)
    log(f"{len(jobs)} jobs, {len(jobs) - len(todo)} up to date, {len(todo)} to run ({workers} at a time)")
    for job_id, reason in todo.items():
        log(f"  {job_id}: {reason}")
    failures: list[Failure] = []
    if not todo:
        return failures
    threads = max(1, (os.cpu_count() or 1) // workers)
    # the loop below starts the first ready job of this list (see START_ORDER)
    pending = [j for j in order(jobs) if j.job_id in todo]
    pending = longest_first(pending, expected_seconds(report, pending))
    running: list[Running] = []
    finished: list[str] = []
    failed_notebooks: set[str] = set()
    bar = tqdm(total=len(todo), unit="job", file=sys.stderr, dynamic_ncols=True)
    try:
        while pending or running:
            for job in list(pending):
                if len(running) >= workers:
                    break
                if any(n in failed_notebooks for n in job.needs):
                    pending.remove(job)
                    failures.append(Failure(job.job_id, None, "", "not run: a job it depends on failed"))
                    failed_notebooks.add(job.notebook)
                    bar.update(1)
                elif not any(u in pending or u in [r.job for r in running] for u in upstream_of(job, jobs)):
                    pending.remove(job)
                    parts = job_parts(job, jobs, report, static)
                    running.append(start(job, report, sources[job.notebook], parts, threads, workers))
            names = ", ".join(r.job.job_id for r in running)
            if names != bar.postfix:
                bar.set_postfix_str(names)
            time.sleep(0.1)
            for run in [r for r in running if r.proc.poll() is not None]:
                running.remove(run)
                failure = finish(run, report, build)
                if failure:
                    failures.append(failure)
                    failed_notebooks.add(run.job.notebook)
                    bar.write(failure.describe())
                else:
                    finished.append(run.job.job_id)
                bar.update(1)
    except KeyboardInterrupt:
        # a second Ctrl-C while the jobs stop: kill them outright
        def kill_all(*_: object) -> None:
            for r in running:
                os.killpg(r.proc.pid, signal.SIGKILL)

        signal.signal(signal.SIGINT, kill_all)
        bar.close()
        stop(running)
        shutil.rmtree(report / STAGING, ignore_errors=True)
        raise Interrupted(finished, [r.job.job_id for r in running]) from None
    bar.close()
    shutil.rmtree(report / STAGING, ignore_errors=True)
    return failures


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", help="profile name in params/ or a YAML path")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="jobs run in parallel")
    parser.add_argument("--no-pdf", action="store_true", help="build the HTML only")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        print(f"error: -j/--jobs = {args.jobs}: expected an integer >= 1", file=sys.stderr)
        return 2
    try:
        profile = load_profile(args.profile)
    except ParamError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    jobs = expand_jobs(profile)
    report = report_folder(profile)
    # the kernels and the report's stitching find the folder here
    os.environ["MNIST_SGD_REPORT_DIR"] = str(report)
    # Ctrl-C stops a build even when started from a script that ignores it, and `kill` as Ctrl-C does
    previous = {sig: signal.signal(sig, raise_keyboard_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with BuildLock(report):
            return build(profile, jobs, report, args)
    except Busy as err:
        print(
            f"error: {report} is being built by another build ({err}). One build holds a report folder at "
            "a time: wait for it to end (or stop it: Ctrl-C in its terminal), then run this command again. "
            "Another profile builds into its own folder and can run alongside.",
            file=sys.stderr,
        )
        return EXIT_BUSY
    except Interrupted as err:
        print(
            f"\ninterrupted: {len(err.finished)} job(s) finished in this run and are kept"
            + (f"; stopped: {', '.join(err.stopped)}" if err.stopped else "")
            + ". Run the same command again to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("\ninterrupted; nothing half-written was kept. Run the same command again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as err:
        if err.errno != errno.ENOSPC:
            raise
        print(
            f"error: no space left on the device while writing {err.filename or 'a file'}. Nothing incomplete "
            "was left under a final name and finished jobs are kept: free some space and run the same "
            "command again.",
            file=sys.stderr,
        )
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def build(profile: Profile, jobs: list[Job], report: Path, args: argparse.Namespace) -> int:
    """Everything a build does while it holds the report folder's lock."""
    from .data import DataError, ensure_data

    remove_leftovers(report)
    try:
        ensure_data()
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    write_manifest(
        profile.name,
        [
            {"job_id": j.job_id, "notebook": j.notebook, "needs": list(j.needs), "parameters": j.parameters}
            for j in jobs
        ],
    )
    start_time = time.perf_counter()
    failures = run_jobs(jobs, report, args.jobs)
    if failures:
        print(f"\n{len(failures)} job(s) failed; the report was not built:", file=sys.stderr)
        for failure in failures:
            print(failure.describe(), file=sys.stderr)
        return 1
    from .stitch import build_report

    stamps = {j.job_id: identity.stamp_digest(report, j.job_id) for j in jobs}
    outputs = build_report(profile, jobs, stamps, pdf=not args.no_pdf)
    print(f"report ready in {time.perf_counter() - start_time:.1f} s: " + ", ".join(str(p) for p in outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
