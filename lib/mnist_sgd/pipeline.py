"""Run a profile: validate it, execute its jobs on a Dask cluster, then stitch the report.

This process is the build's driver. It decides which jobs must run: a job runs again only
when its identity (``identity.py``: notebook, parameters, library code, environment,
files and upstream results it reads) changed or when an output it wrote is missing or
altered. It submits those jobs to Dask, each with the jobs it reads as dependencies, to a
LocalCluster of ``-j`` workers or to an existing scheduler (``cluster.py``). A worker runs
a job in a scratch folder of its own (``worker.py``) and hands its outputs back; only the
driver writes the report folder, a job's outputs only when it succeeded, its stamp last.
One build holds a report folder at a time (``.lock``); Ctrl-C stops the cluster's work
for this build, keeps what finished, and the next run resumes.

    python -m mnist_sgd.pipeline --profile quick -j 2
    python -m mnist_sgd.pipeline --profile quick --scheduler tcp://127.0.0.1:8786
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import os
import signal
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import identity, params, paths, schedule, stamps, worker
from .cluster import Cluster, ClusterError, connect
from .files import atomic_write_bytes, atomic_write_text
from .params import Job, ParamError, Profile, expand_jobs, load_profile
from .results import MANIFEST, write_manifest
from .worker import JobInput, JobOutcome

EXIT_BUSY = 75  # EX_TEMPFAIL: another build holds the report folder; try again later
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
STOP_WAIT = 2 * worker.STOP_GRACE + 5  # seconds the workers get to stop their jobs after Ctrl-C


@dataclass
class Failure:
    job_id: str
    notebook: Path | None
    cell: str
    error: str

    def describe(self) -> str:
        where = f"\n  executed notebook: {self.notebook}" if self.notebook else ""
        cell = "".join(f"\n    | {line}" for line in self.cell.splitlines())
        return (
            f"FAILED {self.job_id}{where}" + (f"\n  failing cell:{cell}" if cell else "") + f"\n  error: {self.error}"
        )


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


def store(outcome: JobOutcome, report: Path) -> Failure | None:
    """Write a finished job's outputs into the report, stamp last; or describe its failure."""
    job_id = outcome.job_id
    final = stamps.executed_path(report, job_id)
    failed = final.with_name(f"{job_id}.failed.ipynb")
    if not outcome.ok:
        notebook = None
        if outcome.notebook is not None:
            atomic_write_bytes(failed, outcome.notebook)
            notebook = failed
        return Failure(job_id, notebook, outcome.cell, outcome.error)
    assert outcome.notebook is not None
    # the stamp goes first and comes back last: a build stopped in between re-runs the job
    stamps.stamp_path(report, job_id).unlink(missing_ok=True)
    results = report / "results"
    written = [results / name for name in outcome.results]
    for path, data in zip(written, outcome.results.values()):
        atomic_write_bytes(path, data)
    for stale in results.glob(f"{job_id}.*"):  # tables an earlier version of the job wrote
        if stale not in written:
            stale.unlink()
    atomic_write_bytes(final, outcome.notebook)
    failed.unlink(missing_ok=True)
    atomic_write_text(stamps.stamp_path(report, job_id), outcome.stamp)
    return None


def lost(job_id: str, err: BaseException) -> Failure:
    """A job whose task raised: its process or kernel died twice, or the worker could not run it."""
    from distributed import KilledWorker

    if isinstance(err, KilledWorker):
        return Failure(job_id, None, "", "the Dask worker running it died, and again on the retry")
    if isinstance(err, worker.JobLost):
        return Failure(job_id, None, "", f"{err} (and again on the retry)")
    if isinstance(err, ModuleNotFoundError):
        return Failure(
            job_id, None, "", f"the Dask worker cannot import this project ({err}): start it from the project's .venv"
        )
    return Failure(job_id, None, "", f"{type(err).__name__}: {err}")


@dataclass
class Build:
    """One build's jobs on a cluster: what was submitted and what came back."""

    jobs: list[Job]
    report: Path
    cluster: Cluster
    futures: dict[str, Any]  # job id -> its Dask future, for the jobs to run
    stop_event: str
    finished: list[str]
    failures: list[Failure]

    def running(self) -> list[str]:
        """The jobs the workers are running now."""
        keys = {k for tasks in self.cluster.client.processing().values() for k in tasks}
        return [job_id for job_id, f in self.futures.items() if f.key in keys]

    def collect(self, job_id: str, bar: Any) -> None:
        """Take a done job's outcome and write it (or its failure)."""
        try:
            outcome = self.futures[job_id].result()
        except Exception as err:
            job = next(j for j in self.jobs if j.job_id == job_id)
            failed_upstream = {u.job_id for u in upstream_of(job, self.jobs)} & {f.job_id for f in self.failures}
            failure: Failure | None = (
                Failure(job_id, None, "", "not run: a job it reads failed") if failed_upstream else lost(job_id, err)
            )
        else:
            if outcome.stopped:
                return
            failure = store(outcome, self.report)
        if failure:
            self.failures.append(failure)
            if not failure.error.startswith("not run:"):
                bar.write(failure.describe())
        else:
            self.finished.append(job_id)
        bar.update(1)

    def stop(self, bar: Any) -> list[str]:
        """Ctrl-C: tell the workers to stop this build's jobs, keep those that finish
        meanwhile, cancel the rest; the jobs that were stopped."""
        from distributed import Event

        running = self.running()
        Event(self.stop_event, client=self.cluster.client).set()
        deadline = time.monotonic() + STOP_WAIT
        while any(not self.futures[j].done() for j in running) and time.monotonic() < deadline:
            time.sleep(0.1)
        for job_id in [j for j in running if self.futures[j].done()]:
            self.collect(job_id, bar)
        self.cluster.client.cancel(list(self.futures.values()), force=True)
        return [j for j in running if j not in self.finished]


def job_inputs(
    jobs: list[Job],
    report: Path,
    todo: dict[str, str],
    sources: dict[str, str],
    static: dict[str, dict[str, Any]],
    stop_event: str = "",
    slots: dict[str, int] | None = None,
) -> dict[str, JobInput]:
    """What each job to run takes to its worker: ``stop_event`` names the build's stop signal,
    ``slots`` the jobs each host of the cluster runs at once (``Cluster.slots``)."""
    build = time.strftime("%Y-%m-%dT%H:%M:%S%z")  # names this build in the stamps it writes
    label = f"{socket.gethostname()}:{report}"
    versions = identity.versions()
    return {
        j.job_id: JobInput(
            job_id=j.job_id,
            source=sources[j.notebook],
            parameters=j.parameters,
            static=static[j.job_id],
            upstream=sorted(u.job_id for u in upstream_of(j, jobs)),
            files=files_read(j, jobs, report, todo),
            versions=versions,
            build=build,
            label=label,
            stop_event=stop_event,
            slots=slots or {},
        )
        for j in jobs
        if j.job_id in todo
    }


def submit(
    jobs: list[Job], report: Path, cluster: Cluster, inputs: dict[str, JobInput], stop_event: str
) -> dict[str, Any]:
    """Hand every job to Dask in one graph, each with the jobs it reads as dependencies."""
    import dask

    gpus = cluster.has_gpus()
    priority = schedule.priorities(report, [j for j in jobs if j.job_id in inputs])
    tasks: dict[str, Any] = {}
    for job in order([j for j in jobs if j.job_id in inputs]):
        deps = [tasks[u.job_id] for u in upstream_of(job, jobs) if u.job_id in tasks]
        # Dask groups tasks by a key's first item: the jobs that read none form one large group, which
        # its scheduler queues and hands out by priority, one job per free worker slot
        group = "mnist-sgd-reader" if deps else "mnist-sgd-job"
        with dask.annotate(
            priority=priority[job.job_id],
            retries=1,  # JobLost: the job's process or kernel died (a notebook error is an outcome, not raised)
            **({"resources": {"GPU": 1}} if gpus and params.SPECS[job.notebook].gpu else {}),
        ):
            tasks[job.job_id] = dask.delayed(worker.run_job, pure=False)(
                inputs[job.job_id], *deps, dask_key_name=(group, f"{job.job_id}@{stop_event}")
            )
    # one graph: the scheduler sees the whole group at once (submitted one by one, the first few would skip the queue)
    futures = cluster.client.compute(list(tasks.values()), optimize_graph=False)
    return dict(zip(tasks, futures))


def run_jobs(
    jobs: list[Job],
    report: Path,
    workers: int,
    log=print,
    scheduler: str | None = None,
    scheduler_file: str | None = None,
) -> list[Failure]:
    """Execute what is not current on a Dask cluster, each job after the jobs it reads.

    Returns the failures; raises Interrupted on Ctrl-C, after stopping this build's jobs."""
    from tqdm import tqdm

    sources = read_notebooks(jobs)
    static = static_parts(jobs, report, sources)
    todo = plan(jobs, report, static)
    if not todo:
        log(f"{len(jobs)} jobs, {len(jobs)} up to date, 0 to run")
        return []
    cluster = connect(workers, scheduler, scheduler_file)
    try:
        slots = cluster.slots()
        where = (
            f"on the Dask scheduler {scheduler or scheduler_file}: {sum(slots.values())} job slots on "
            f"{len(slots)} host(s)"
            if cluster.local is None
            else f"{workers} at a time"
        )
        log(f"{len(jobs)} jobs, {len(jobs) - len(todo)} up to date, {len(todo)} to run ({where})")
        for job_id, reason in todo.items():
            log(f"  {job_id}: {reason}")
        if address := cluster.dashboard():
            log(f"Dask dashboard: {address}")
        stop_event = f"mnist-sgd-stop-{uuid.uuid4().hex[:12]}"
        inputs = job_inputs(jobs, report, todo, sources, static, stop_event, slots)
        build = Build(jobs, report, cluster, submit(jobs, report, cluster, inputs, stop_event), stop_event, [], [])
        pending = set(build.futures)
        bar = tqdm(total=len(todo), unit="job", file=sys.stderr, dynamic_ncols=True)
        try:
            asked = 0.0
            while pending:
                done = [j for j in build.futures if j in pending and build.futures[j].done()]
                for job_id in done:
                    pending.discard(job_id)
                    build.collect(job_id, bar)
                if done or time.monotonic() - asked > 5:  # which jobs run: asked of the scheduler now and then
                    bar.set_postfix_str(", ".join(build.running()))
                    asked = time.monotonic()
                time.sleep(0.5)
        except KeyboardInterrupt:
            # a second Ctrl-C while the jobs stop: close the cluster at once (its workers' jobs die with them)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            bar.close()
            stopped = build.stop(bar)
            raise Interrupted(build.finished, stopped) from None
        bar.close()
        return build.failures
    finally:
        cluster.close()


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", help="profile name in params/ or a YAML path")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="jobs run in parallel")
    parser.add_argument("--no-pdf", action="store_true", help="build the HTML only")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786) to run the jobs on")
    parser.add_argument("--scheduler-file", help="the scheduler file a running Dask scheduler wrote")
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
    report = paths.report_folder(profile.name)  # worked out once, and passed to what needs it
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
        report,
        profile.name,
        [
            {"job_id": j.job_id, "notebook": j.notebook, "needs": list(j.needs), "parameters": j.parameters}
            for j in jobs
        ],
    )
    start_time = time.perf_counter()
    try:
        failures = run_jobs(jobs, report, args.jobs, scheduler=args.scheduler, scheduler_file=args.scheduler_file)
    except ClusterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 4
    if failures:
        print(f"\n{len(failures)} job(s) failed; the report was not built:", file=sys.stderr)
        for failure in failures:
            print(failure.describe(), file=sys.stderr)
        return 1
    from .stitch import build_report

    digests = {j.job_id: identity.stamp_digest(report, j.job_id) for j in jobs}
    outputs = build_report(profile, jobs, digests, report, pdf=not args.no_pdf)
    print(f"report ready in {time.perf_counter() - start_time:.1f} s: " + ", ".join(str(p) for p in outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
