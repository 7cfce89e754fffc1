"""Running the planned jobs on a Dask cluster and writing what comes back into the report folder.

Each job goes to Dask with the jobs it reads as dependencies; a worker runs it in a scratch
folder of its own (``worker.py``) and hands its outputs back; only the driver writes the
report folder, a job's outputs only when it succeeded, its stamp last.
"""

from __future__ import annotations

import signal
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnist_sgd.build import identity, params, schedule, worker
from mnist_sgd.build.cluster import Cluster, connect
from mnist_sgd.build.params import Job
from mnist_sgd.build.plan import files_read, order, plan, read_notebooks, static_parts, upstream_of
from mnist_sgd.build.worker import JobInput, JobOutcome
from mnist_sgd.store import paths, stamps
from mnist_sgd.store.files import atomic_write_bytes, atomic_write_text

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
    results = paths.results_of(report)
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


def _executing_keys(dask_worker: Any) -> list[Any]:
    """The keys of the tasks a Dask worker is executing (run on the worker by ``Client.run``)."""
    return [ts.key for ts in dask_worker.state.all_running_tasks]


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
        """The jobs the workers are executing now: asked of each worker, as the scheduler also
        counts the jobs it has handed to a worker that is still busy with another."""
        executing = self.cluster.client.run(_executing_keys)
        keys = {key for worker_keys in executing.values() for key in worker_keys}
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
