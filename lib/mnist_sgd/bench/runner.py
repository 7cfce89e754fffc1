"""Section 8 of ``make bench``: what the job runner costs per job.

Jobs of an empty notebook (its parameters cell only), as many at a time as the machine
has cores, run two ways: by ``worker.run_job`` in a thread pool (a job's own cost, as the
runner before Dask paid it: a process, a kernel, papermill; no scheduler), and on a
LocalCluster of as many workers, its start and close included (every build that runs a
job pays them). The difference is what Dask adds, per job.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import nbformat

from mnist_sgd.bench.core import Row, Sizes, comparison, run_in_turn
from mnist_sgd.build import identity, worker
from mnist_sgd.build.cluster import connect
from mnist_sgd.store import paths


def empty_jobs(count: int) -> list[worker.JobInput]:
    """``count`` jobs of a notebook that only sets its parameter."""
    cell = nbformat.v4.new_code_cell('job: str = "empty"', metadata={"tags": ["parameters"]})
    kernel = {"name": paths.KERNEL_NAME, "display_name": "Python 3 (mnist-sgd)", "language": "python"}
    source = nbformat.writes(nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": kernel}))
    versions, code = identity.versions(), identity.notebook_code(source)
    return [
        worker.JobInput(
            job_id=f"empty-{i}",
            source=source,
            parameters={"job": f"empty-{i}"},
            static={"code": code},
            upstream=[],
            files={},
            versions=versions,
            build="bench",
            label="bench",
        )
        for i in range(count)
    ]


def _check(outcomes: list[worker.JobOutcome]) -> None:
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"the empty notebook failed: {failed[0].error}")


def in_threads(tasks: list[worker.JobInput], parallel: int) -> Callable[[], None]:
    def run() -> None:
        with ThreadPoolExecutor(parallel) as pool:
            _check(list(pool.map(worker.run_job, tasks)))

    return run


def on_dask(tasks: list[worker.JobInput], parallel: int) -> Callable[[], None]:
    def run() -> None:
        import dask

        cluster = connect(parallel)
        try:
            graph = [
                dask.delayed(worker.run_job, pure=False)(t, dask_key_name=("mnist-sgd-job", t.job_id)) for t in tasks
            ]
            _check(cluster.client.gather(cluster.client.compute(graph, optimize_graph=False)))
        finally:
            cluster.close()

    return run


def section_runner(cfg: Sizes, log: Callable[[Row], None]) -> list[Row]:
    count, parallel = cfg.runner_jobs, len(os.sched_getaffinity(0))
    tasks = empty_jobs(count)
    timed = run_in_turn({"dask": on_dask(tasks, parallel), "threads": in_threads(tasks, parallel)}, cfg.runner_reps)
    dask_s, threads_s = timed["dask"].scaled(1 / count), timed["threads"].scaled(1 / count)
    rows = [
        comparison(
            8,
            "runner_dask",
            f"{count} empty jobs, {parallel} at a time, on a Dask LocalCluster (its start and close included), per job",
            dask_s,
            "in a thread pool (the runner before Dask), per job",
            threads_s,
            short="runner: Dask vs thread pool",
            note="a ratio below 1 is Dask's overhead",
        ),
        Row(
            8,
            "runner_dask_extra",
            "what Dask adds to each job (median per job, Dask minus thread pool)",
            project=dask_s.median - threads_s.median,
            reps=len(dask_s.values),
        ),
    ]
    for row in rows:
        log(row)
    return rows
