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

    python -m mnist_sgd.build.cli --profile quick -j 2
    python -m mnist_sgd.build.cli --profile full --dry-run   # what would run, and why (make plan)
    python -m mnist_sgd.build.cli --profile quick --scheduler tcp://127.0.0.1:8786
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import time
from pathlib import Path

from mnist_sgd.build import identity, schedule
from mnist_sgd.build.cluster import ClusterError
from mnist_sgd.build.params import Job, ParamError, Profile, expand_jobs, load_profile
from mnist_sgd.build.plan import plan_lines
from mnist_sgd.build.run import Interrupted, run_jobs
from mnist_sgd.store import paths
from mnist_sgd.store.lock import BuildLock, Busy
from mnist_sgd.store.results import write_manifest

EXIT_BUSY = 75  # EX_TEMPFAIL: another build holds the report folder; try again later
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def remove_leftovers(report: Path) -> None:
    """Temporary files of a build that was killed: never read, dropped under the lock only."""
    for path in report.glob("**/.*.part"):
        path.unlink(missing_ok=True)


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", help="profile name in params/ or a YAML path")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="jobs run in parallel")
    parser.add_argument("--no-pdf", action="store_true", help="build the HTML only")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the jobs a build would run, why, and the expected time; run nothing",
    )
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
    if args.dry_run:  # reads the stamps only: no lock, no data, nothing written
        try:
            print("\n".join(plan_lines(jobs, report, args.jobs)), flush=True)
        except BrokenPipeError:  # `make plan | head`: the reader took what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    # Ctrl-C stops a build even when started from a script that ignores it, and `kill` as Ctrl-C does
    previous = {sig: signal.signal(sig, raise_keyboard_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with BuildLock(report):
            return build(profile, jobs, report, args)
    except Busy as err:
        print(
            f"error: {err}. One build holds a report folder at "
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
    from mnist_sgd.science.data import DataError, ensure_data

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
        schedule.START_ORDER,
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
    from mnist_sgd.stitch.assemble import build_report

    digests = {j.job_id: identity.stamp_digest(report, j.job_id) for j in jobs}
    outputs = build_report(profile, jobs, digests, report, pdf=not args.no_pdf)
    print(f"report ready in {time.perf_counter() - start_time:.1f} s: " + ", ".join(str(p) for p in outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
