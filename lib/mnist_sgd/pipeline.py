"""Run a profile: validate it, execute each job with papermill, then stitch the report.

A job is identified by the content of its notebook (sources, not outputs), its
parameters, the library's code and the identities of the jobs whose results it reads;
a job whose identity has not changed since its last successful run is not executed
again. Executed notebooks are written under a temporary name and renamed only on
success, so an interrupted run resumes cleanly.

    python -m mnist_sgd.pipeline --profile quick -j 2
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import params, paths
from .files import atomic_write_text
from .params import Job, ParamError, expand_jobs, load_profile
from .results import write_manifest

PACKAGE = Path(__file__).resolve().parent


# Modules that build and run the report but are never imported by a notebook, so
# editing them does not change any job's result.
NOT_IN_JOBS = {"pipeline.py", "stitch.py", "params.py", "bench.py", "naive.py"}


def code_hash() -> str:
    """Hash of the library modules notebooks use: a change there re-runs every job."""
    digest = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*.py") if p.name not in NOT_IN_JOBS):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def notebook_hash(path: Path) -> str:
    """Hash of a notebook's cells as written (outputs and counts ignored)."""
    nb = nbformat.read(path, as_version=4)
    cells = [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def job_hashes(jobs: list[Job]) -> dict[str, str]:
    """Identity of each job, the identities of the jobs it reads included."""
    lib = code_hash()
    nb_hashes = {nb: notebook_hash(paths.NOTEBOOKS / f"{nb}.ipynb") for nb in {j.notebook for j in jobs}}
    hashes: dict[str, str] = {}
    pending = list(jobs)
    while pending:  # upstream jobs first, whatever their place in the report
        ready = [j for j in pending if all(u.job_id in hashes for u in jobs if u.notebook in j.needs)]
        for job in ready:
            upstream = sorted(hashes[u.job_id] for u in jobs if u.notebook in job.needs)
            inputs = [file_hash(paths.report_dir() / name) for name in params.SPECS[job.notebook].reads]
            key = json.dumps([nb_hashes[job.notebook], job.parameters, lib, upstream, inputs], sort_keys=True)
            hashes[job.job_id] = hashlib.sha256(key.encode()).hexdigest()
            pending.remove(job)
        if not ready:
            raise RuntimeError(f"jobs whose inputs can never be ready: {[j.job_id for j in pending]}")
    return hashes


def executed_path(job_id: str) -> Path:
    return paths.executed_dir() / f"{job_id}.ipynb"


def stamp_path(job_id: str) -> Path:
    return paths.executed_dir() / f"{job_id}.json"


def is_current(job_id: str, digest: str) -> bool:
    stamp = stamp_path(job_id)
    if not (stamp.exists() and executed_path(job_id).exists()):
        return False
    try:
        return json.loads(stamp.read_text()).get("hash") == digest
    except json.JSONDecodeError:
        return False


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


def execute(job: Job, digest: str) -> Failure | None:
    """Execute one job with papermill; on success rename into place and stamp it."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    final = executed_path(job.job_id)
    tmp = final.with_name(f".{final.stem}.running.ipynb")
    failed = final.with_name(f"{final.stem}.failed.ipynb")
    final.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(job.path), str(tmp), parameters=job.parameters, kernel_name=paths.KERNEL_NAME,
            cwd=str(paths.NOTEBOOKS), progress_bar=False, log_output=False,
            # the kernel's own log lines (transport warnings, shutdown) would garble the progress bar
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as err:
        if tmp.exists():
            os.replace(tmp, failed)
        return Failure(job.job_id, failed, err.source, f"{err.ename}: {err.evalue}")
    except Exception as err:  # kernel died, notebook unreadable, ...: report, go on
        tmp.unlink(missing_ok=True)
        return Failure(job.job_id, None, "", f"{type(err).__name__}: {err}")
    seconds = time.perf_counter() - start
    os.replace(tmp, final)
    failed.unlink(missing_ok=True)
    stamp = {"hash": digest, "seconds": round(seconds, 2), "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    atomic_write_text(stamp_path(job.job_id), json.dumps(stamp))
    return None


def set_threads(workers: int) -> int:
    """Share the cores between parallel kernels (inherited through the environment)."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ["MNIST_SGD_PARALLEL_JOBS"] = str(workers)
    return threads


def remove_leftovers() -> None:
    """Temporary files of a run that was killed: never read, safe to drop."""
    for pattern in ("executed/.*.running.ipynb", "**/.*.part"):
        for path in paths.report_dir().glob(pattern):
            path.unlink(missing_ok=True)


def run_jobs(jobs: list[Job], hashes: dict[str, str], workers: int, log=print) -> list[Failure]:
    """Execute what is not current, in parallel, respecting ``needs``; return failures."""
    from tqdm import tqdm

    remove_leftovers()

    todo = [j for j in jobs if not is_current(j.job_id, hashes[j.job_id])]
    log(f"{len(jobs)} jobs, {len(jobs) - len(todo)} up to date, {len(todo)} to run ({workers} at a time)")
    failures: list[Failure] = []
    if not todo:
        return failures
    pending = list(todo)
    failed_notebooks: set[str] = set()
    running: dict[cf.Future, Job] = {}
    bar = tqdm(total=len(todo), unit="job", file=sys.stderr, dynamic_ncols=True)

    def ready(job: Job) -> bool:
        upstream = [j for j in todo if j.notebook in job.needs]
        return all(j not in pending and j not in running.values() for j in upstream)

    with cf.ThreadPoolExecutor(max_workers=workers) as pool:
        while pending or running:
            for job in list(pending):
                if len(running) >= workers:
                    break
                if any(n in failed_notebooks for n in job.needs):
                    pending.remove(job)
                    failures.append(Failure(job.job_id, None, "", "not run: a job it depends on failed"))
                    failed_notebooks.add(job.notebook)
                    bar.update(1)
                elif ready(job):
                    pending.remove(job)
                    running[pool.submit(execute, job, hashes[job.job_id])] = job
            bar.set_postfix_str(", ".join(j.job_id for j in running.values()))
            if not running:
                continue
            finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                job = running.pop(future)
                failure = future.result()
                if failure:
                    failures.append(failure)
                    failed_notebooks.add(job.notebook)
                    bar.write(failure.describe())
                bar.update(1)
    bar.close()
    return failures


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
    hashes = job_hashes(jobs)
    # the full report in report/, any other profile beside it, so neither overwrites the other
    if "MNIST_SGD_REPORT_DIR" not in os.environ and profile.name != "full":
        os.environ["MNIST_SGD_REPORT_DIR"] = str(paths.report_dir() / profile.name)
    os.environ["MNIST_SGD_REPORT_DIR"] = str(paths.report_dir().resolve())
    os.environ["MNIST_SGD_PIPELINE"] = "1"
    set_threads(args.jobs)

    from .data import DataError, ensure_data

    try:
        ensure_data()
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    write_manifest(profile.name, [
        {"job_id": j.job_id, "notebook": j.notebook, "needs": list(j.needs), "parameters": j.parameters} for j in jobs
    ])
    start = time.perf_counter()
    failures = run_jobs(jobs, hashes, args.jobs)
    if failures:
        print(f"\n{len(failures)} job(s) failed; the report was not built:", file=sys.stderr)
        for failure in failures:
            print(failure.describe(), file=sys.stderr)
        return 1
    from .stitch import build_report

    outputs = build_report(profile, jobs, hashes, pdf=not args.no_pdf)
    print(f"report ready in {time.perf_counter() - start:.1f} s: " + ", ".join(str(p) for p in outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
