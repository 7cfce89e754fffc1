"""The Dask cluster a build runs its jobs on: a LocalCluster sized like ``-j`` by default,
or an existing scheduler (``--scheduler tcp://host:8786`` or ``--scheduler-file``)."""

from __future__ import annotations

import importlib.util
import logging
import signal
from collections import Counter
from dataclasses import dataclass
from typing import Any

WAIT_FOR_WORKERS = 120.0  # seconds an existing scheduler gets to show one worker
RETRIES_OF_A_DEAD_WORKER = 1  # a task whose worker died runs once more elsewhere, then fails


class ClusterError(Exception):
    """The scheduler cannot be reached or has no worker."""


@dataclass
class Cluster:
    client: Any  # distributed.Client
    local: Any | None  # the LocalCluster this build started, closed with it

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()

    def slots(self) -> dict[str, int]:
        """Jobs that run at once on each host: the threads of its workers, one job each."""
        workers = self.client.scheduler_info()["workers"].values()
        counts: Counter[str] = Counter()
        for w in workers:
            counts[w["host"]] += w["nthreads"]
        return dict(counts)

    def has_gpus(self) -> bool:
        """Whether some worker was started with ``--resources GPU=<n>``."""
        workers = self.client.scheduler_info()["workers"].values()
        return any(w.get("resources", {}).get("GPU") for w in workers)

    def dashboard(self) -> str | None:
        """The dashboard's address, when there is one (it needs bokeh, which is optional)."""
        if importlib.util.find_spec("bokeh") is None:
            return None
        return self.client.dashboard_link


def connect(jobs: int, scheduler: str | None = None, scheduler_file: str | None = None) -> Cluster:
    """A client of the given scheduler, or of a new LocalCluster of ``jobs`` single-job workers."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler or scheduler_file:
        where = scheduler or f"the scheduler file {scheduler_file}"
        try:
            client = Client(scheduler, scheduler_file=scheduler_file, timeout="20s")
        except (OSError, TimeoutError, ValueError) as err:
            raise ClusterError(f"cannot reach the Dask scheduler at {where}: {err}") from None
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
        except TimeoutError:
            client.close()
            raise ClusterError(
                f"the Dask scheduler at {where} has no worker after {WAIT_FOR_WORKERS:.0f} s: start some "
                "(`dask worker <address>` from this project's environment)"
            ) from None
        return Cluster(client, None)
    # the worker processes ignore a terminal's Ctrl-C: the driver gets it and stops their jobs itself
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with dask.config.set(
            {
                "distributed.scheduler.allowed-failures": RETRIES_OF_A_DEAD_WORKER,
                # a worker holds only the job it runs: the others wait at the scheduler, in priority order
                "distributed.scheduler.worker-saturation": 1.0,
                # a job of unknown length counts as long, so that a job whose inputs are ready goes to a free
                # worker rather than behind a running one
                "distributed.scheduler.unknown-task-duration": "1h",
                # the workers only wait for their jobs' processes: the machinery that watches a busy
                # Python worker (thread sampling, event-loop ticks every 20 ms, work stealing) would
                # only take CPU from the jobs
                "distributed.worker.profile.enabled": False,
                "distributed.admin.system-monitor.gil.enabled": False,
                "distributed.admin.system-monitor.interval": "5s",
                "distributed.admin.tick.interval": "1s",
                "distributed.scheduler.work-stealing": False,
            }
        ):
            local = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,  # one job per worker process; each job gets its share of the cores
                processes=True,
                memory_limit=0,  # a job's memory is in its kernel, outside the worker's own accounting
                dashboard_address=":8787" if importlib.util.find_spec("bokeh") else None,
                silence_logs=logging.ERROR,
            )
    finally:
        signal.signal(signal.SIGINT, previous)
    return Cluster(Client(local), local)
