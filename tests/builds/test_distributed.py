"""The build on Dask distributed: a scheduler and workers started apart from the build, with
no access to its report folder; a worker killed mid-build; a worker of another version.
Loopback only; every process a test starts, it stops."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import FIXTURES, QUICK, kernel_of, processes_of, profile_file, result_tables, wait_for

from mnist_sgd.build import identity
from mnist_sgd.store import paths, stamps

pytestmark = pytest.mark.slow  # builds in real processes
DASK = Path(sys.executable).parent / "dask"
FIXTURE_BUILD = [sys.executable, str(FIXTURES / "build.py"), "--no-pdf", "--profile"]


@contextmanager
def cluster(folder: Path, workers: int, pythonpath: Path | None = None) -> Iterator[str]:
    """`dask scheduler` on 127.0.0.1 and ``workers`` `dask worker` processes, started from
    ``folder`` (not the project) with MNIST_SGD_REPORT_DIR at an empty folder of their own;
    yields the scheduler's address and stops them all."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty-report").mkdir(exist_ok=True)
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(folder / "empty-report")}
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    scheduler_file = folder / "scheduler.json"
    quiet = {"cwd": folder, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                scheduler_file,
                "--no-dashboard",
            ],
            start_new_session=True,
            **quiet,
        )
    ]
    try:
        wait_for(scheduler_file.exists)
        for _ in range(workers):
            procs.append(
                subprocess.Popen(
                    [DASK, "worker", "--scheduler-file", scheduler_file, "--nthreads", "1", "--no-dashboard"],
                    start_new_session=True,
                    **quiet,
                )
            )
        yield json.loads(scheduler_file.read_text())["address"]
    finally:
        for proc in reversed(procs):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_the_quick_build_on_a_scheduler_elsewhere_gives_the_same_tables(tmp_path, quick):
    report = tmp_path / "report"
    with cluster(tmp_path / "elsewhere", workers=2) as address:
        env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(report)}
        done = subprocess.run(
            [*QUICK, "--no-pdf", "--scheduler", address], env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"on the Dask scheduler {address}: 2 job slots on 1 host(s)" in done.stdout
    assert not list((tmp_path / "elsewhere" / "empty-report").iterdir()), "a worker wrote into its report folder"
    a, b = result_tables(report), result_tables(quick[0])  # against the build on the default LocalCluster
    assert a.keys() == b.keys() and len(a) > 3
    for name in a:
        assert a[name].equals(b[name]), name


def test_a_worker_killed_mid_job_is_replaced_and_nothing_runs_twice(tmp_path):
    report = tmp_path / "report"
    profile = profile_file(tmp_path, "ok:\n  value: [1, 2]\nsleepy:\n  seconds: 8\n")
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(report)}
    build = [*FIXTURE_BUILD, str(profile), "-j", "2"]
    proc = subprocess.Popen(build, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: kernel_of(report, "sleepy"))
    # the kernel's parent is the job's process, whose parent is the Dask worker process
    job = int(Path(f"/proc/{kernel_of(report, 'sleepy')}/stat").read_text().split(") ")[1].split()[1])
    dask_worker = int(Path(f"/proc/{job}/stat").read_text().split(") ")[1].split()[1])
    os.kill(dask_worker, signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert stamps.read_stamp(report, "sleepy") and not list(report.rglob("*.part"))
    again = subprocess.run(build, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "3 jobs, 3 up to date, 0 to run" in again.stdout
    wait_for(lambda: not processes_of(report), timeout=10)


def test_a_worker_of_another_library_version_is_refused_and_nothing_is_written(tmp_path):
    other = tmp_path / "other"  # the project as another commit left it
    shutil.copytree(paths.ROOT / "lib", other / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(paths.ROOT / "requirements.txt", other)
    with open(other / "lib" / "mnist_sgd" / "sgd.py", "a") as f:
        f.write("\n# another version\n")
    report = tmp_path / "report"
    with cluster(tmp_path / "elsewhere", workers=1, pythonpath=other / "lib") as address:
        env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(report)}
        done = subprocess.run(
            [*FIXTURE_BUILD, str(profile_file(tmp_path, "ok:\n  value: 1\n")), "--scheduler", address],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 1
    assert f"library: {identity.worker_hash()} on the driver, " in done.stderr and "make venv" in done.stderr
    assert not (report / "executed").exists() or not list((report / "executed").iterdir())
    assert not list((report / "results").glob("ok__*"))


def test_the_network_jobs_ask_for_a_gpu_when_the_cluster_has_one(tmp_path, fixture_notebooks, monkeypatch):
    from dataclasses import replace

    from distributed import Client, LocalCluster

    from mnist_sgd.build import params
    from mnist_sgd.build import plan as build_plan
    from mnist_sgd.build import run as build_run
    from mnist_sgd.build.cluster import Cluster
    from mnist_sgd.build.params import expand_jobs, load_profile

    monkeypatch.setitem(params.SPECS, "ok", replace(params.SPECS["ok"], gpu=True))
    jobs = expand_jobs(load_profile(str(profile_file(tmp_path, "ok:\n  value: 1\nreader: {}\n"))))
    sources = build_plan.read_notebooks(jobs)
    static = build_plan.static_parts(jobs, fixture_notebooks, sources)
    todo = build_plan.plan(jobs, fixture_notebooks, static)
    inputs = build_run.job_inputs(jobs, fixture_notebooks, todo, sources, static)
    local = LocalCluster(n_workers=1, threads_per_worker=1, resources={"GPU": 1}, dashboard_address=None)
    cluster = Cluster(Client(local), local)
    try:
        assert cluster.has_gpus()
        futures = build_run.submit(jobs, fixture_notebooks, cluster, inputs, "test-stop")
        assert [o.ok for o in cluster.client.gather(list(futures.values()))] == [True, True]
        wanted = cluster.client.run_on_scheduler(
            lambda dask_scheduler: {str(k): ts.resource_restrictions for k, ts in dask_scheduler.tasks.items()}
        )
        assert wanted[str(futures["ok__value-1"].key)] == {"GPU": 1}
        assert not wanted[str(futures["reader"].key)]
    finally:
        cluster.close()
