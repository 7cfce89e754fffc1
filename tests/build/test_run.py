"""A build to trust: outputs checked, the environment and upstream results in a job's
identity, Ctrl-C, one build per folder, and faults. Real processes where it matters."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import FIXTURES, kernel_of, processes_of, profile_file, run, wait_for

from mnist_sgd.build import cli as pipeline
from mnist_sgd.build import identity, worker
from mnist_sgd.build import plan as build_plan
from mnist_sgd.build import run as build_run
from mnist_sgd.build.params import expand_jobs, load_profile
from mnist_sgd.store import files, paths, stamps

pytestmark = pytest.mark.slow  # builds in real processes
BUILD = [sys.executable, str(FIXTURES / "build.py"), "--no-pdf", "-j", "2", "--profile"]


def start_build(profile: Path, report: Path) -> subprocess.Popen:
    """A fixture build as a real process, leading its own process group as a terminal's job does."""
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(report)}
    return subprocess.Popen(
        [*BUILD, str(profile)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_deleted_or_edited_output_reruns_its_job_and_the_jobs_that_read_it(tmp_path, fixture_notebooks):
    path = profile_file(tmp_path, "ok:\n  value: [1, 2]\nreader: {}\n")
    run(path, fixture_notebooks)
    results = fixture_notebooks / "results"
    assert (results / "reader.txt").read_text() == "6"

    (results / "ok__value-2.txt").write_text("40")
    executed, failures, log = run(path, fixture_notebooks)
    assert failures == [] and executed == ["ok__value-2", "reader"]
    assert "results/ok__value-2.txt changed since it was written" in log
    assert (results / "reader.txt").read_text() == "6", "the edited table was replaced by the job's own"

    (results / "reader.txt").unlink()
    executed, _, log = run(path, fixture_notebooks)
    assert executed == ["reader"] and "results/reader.txt is missing" in log

    (fixture_notebooks / "executed" / "ok__value-1.ipynb").write_text("{not a notebook")
    (fixture_notebooks / "executed" / "ok__value-2.json").write_text("{not json")
    executed, _, log = run(path, fixture_notebooks)
    assert executed == ["ok__value-1", "ok__value-2", "reader"]
    assert "executed/ok__value-1.ipynb changed since it was written" in log and "stamp is unreadable" in log
    assert run(path, fixture_notebooks)[0] == []


def test_a_reader_reruns_when_the_results_it_read_changed_even_if_their_identity_did_not(tmp_path, fixture_notebooks):
    path = profile_file(tmp_path, "ok:\n  value: [1]\nreader: {}\n")
    run(path, fixture_notebooks)
    stamp = stamps.stamp_path(fixture_notebooks, "ok__value-1")
    recorded = json.loads(stamp.read_text())
    stamp.write_text(json.dumps({**recorded, "seconds": recorded["seconds"] + 1}))  # as after a re-run
    executed, _, log = run(path, fixture_notebooks)
    assert executed == ["reader"] and "the results it reads changed (ok__value-1)" in log


def test_a_changed_installed_version_reruns_every_job(tmp_path, fixture_notebooks):
    path = profile_file(tmp_path, "ok:\n  value: [1, 2]\n")
    run(path, fixture_notebooks)
    for job_id in ("ok__value-1", "ok__value-2"):  # as if they had run with another numpy
        stamp = stamps.read_stamp(fixture_notebooks, job_id)
        stamp["parts"]["environment"]["numpy"] = "1.0.0"
        stamp["hash"] = identity.identity(stamp["parts"])
        stamps.stamp_path(fixture_notebooks, job_id).write_text(json.dumps(stamp))
    executed, _, log = run(path, fixture_notebooks)
    assert executed == ["ok__value-1", "ok__value-2"]
    assert f"the environment changed (numpy 1.0.0 -> {identity.metadata.version('numpy')})" in log


def test_the_environment_names_packages_python_torch_build_and_device():
    env = identity.environment()
    assert env["torch"] == identity.metadata.version("torch") and env["numpy"] == identity.metadata.version("numpy")
    assert env["python"].startswith("3.11") and env["device"] in ("cpu", "cuda")
    assert "git_version" in env["torch build"] and "cuda" in env["torch build"]


def test_a_file_read_is_hashed_in_the_folder_the_job_reads(tmp_path, fixture_notebooks, monkeypatch):
    (fixture_notebooks).mkdir(parents=True)
    (fixture_notebooks / "input.txt").write_text("first")
    path = profile_file(tmp_path, "watcher: {}\n")
    run(path, fixture_notebooks)
    assert run(path, fixture_notebooks)[0] == []
    (fixture_notebooks / "input.txt").write_text("second")
    executed, _, log = run(path, fixture_notebooks)
    assert executed == ["watcher"] and "a file it reads changed" in log
    assert (fixture_notebooks / "results" / "watcher.txt").read_text() == "second"


def test_a_profile_other_than_full_builds_in_its_own_folder(monkeypatch):
    monkeypatch.delenv("MNIST_SGD_REPORT_DIR", raising=False)
    root = paths.ROOT / "report"
    assert paths.report_folder(load_profile("quick").name) == root / "quick"
    assert paths.report_folder(load_profile("full").name) == root


def test_ctrl_c_stops_the_build_and_its_kernels_and_the_next_build_resumes(tmp_path):
    report = tmp_path / "report"
    profile = profile_file(tmp_path, "ok:\n  value: [1, 2, 3]\nsleepy:\n  seconds: 120\n")
    proc = start_build(profile, report)
    wait_for(lambda: kernel_of(report, "sleepy") and list(report.glob("executed/ok__*.json")))
    start = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    # promptly, not at once: closing the kernels and the local cluster takes seconds more on a busy machine
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - start < 30
    assert "interrupted" in err and "Run the same command again to resume" in err
    wait_for(lambda: not processes_of(report), timeout=3)
    finished = len(list(report.glob("executed/*.json")))
    assert finished >= 1 and not (report / "executed" / "sleepy.json").exists()

    profile.write_text("ok:\n  value: [1, 2, 3]\nsleepy:\n  seconds: 0\n")
    rerun = start_build(profile, report)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"4 jobs, {finished} up to date" in out


def test_a_killed_build_leaves_no_process_behind(tmp_path):
    report = tmp_path / "report"
    proc = start_build(profile_file(tmp_path, "sleepy:\n  seconds: 120\n"), report)
    wait_for(lambda: kernel_of(report, "sleepy"))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_for(lambda: not processes_of(report), timeout=5)


def test_a_second_build_of_one_folder_is_refused_and_leaves_the_first_alone(tmp_path):
    report = tmp_path / "report"
    first = start_build(profile_file(tmp_path, "sleepy:\n  seconds: 120\n"), report)
    wait_for(lambda: kernel_of(report, "sleepy"))
    kernel = kernel_of(report, "sleepy")
    (tmp_path / "second").mkdir()
    second = start_build(profile_file(tmp_path / "second", "ok:\n  value: 1\n"), report)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 75
    assert f"is being built by another build (pid {first.pid}" in err
    assert kernel_of(report, "sleepy") == kernel, "the live build's job was disturbed"

    other = start_build(profile_file(tmp_path / "second", "ok:\n  value: 1\n"), tmp_path / "other")
    assert other.communicate(timeout=120) and other.returncode == 0, "another folder builds alongside"
    os.killpg(first.pid, signal.SIGINT)
    first.communicate(timeout=10)


def test_a_killed_kernel_fails_its_job_and_the_others_go_on(tmp_path):
    report = tmp_path / "report"
    proc = start_build(profile_file(tmp_path, "dies: {}\nok:\n  value: 1\n"), report)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "FAILED dies" in err and "kernel died" in err
    assert (report / "executed" / "ok__value-1.json").exists()
    assert not (report / "executed" / "dies.ipynb").exists()


def test_a_full_disk_gives_one_clear_error_and_no_corrupt_file(tmp_path, fixture_notebooks, monkeypatch, capsys):
    path = profile_file(tmp_path, "ok:\n  value: 1\n")
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd, mode):
            self.f = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, payload):
            self.f.write(payload[: len(payload) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fdopen", Full)
    assert pipeline.main(["--profile", str(path), "--no-pdf"]) == 1
    err = capsys.readouterr().err
    assert "no space left on the device while writing" in err and "Traceback" not in err
    assert not list(fixture_notebooks.rglob("*.part")) and not list(fixture_notebooks.rglob("*.json"))
    monkeypatch.setattr(files.os, "fdopen", real_fdopen)
    assert pipeline.main(["--profile", str(path), "--no-pdf"]) == 0


def test_outputs_are_listed_with_their_hashes_in_the_stamp(tmp_path, fixture_notebooks):
    name = "ok__value-1.txt"
    run(profile_file(tmp_path, "ok:\n  value: 1\n"), fixture_notebooks)
    stamp = stamps.read_stamp(fixture_notebooks, "ok__value-1")
    assert stamp["outputs"][f"results/{name}"] == stamps.sha256_file(fixture_notebooks / "results" / name)
    assert set(stamp["outputs"]) == {"executed/ok__value-1.ipynb", f"results/{name}"}


def job_input(tmp_path: Path, report: Path, profile: str, job_id: str) -> worker.JobInput:
    """What the driver would send a worker for ``job_id``."""
    jobs = expand_jobs(load_profile(str(profile_file(tmp_path, profile))))
    sources = build_plan.read_notebooks(jobs)
    static = build_plan.static_parts(jobs, report, sources)
    return build_run.job_inputs(jobs, report, build_plan.plan(jobs, report, static), sources, static)[job_id]


def test_a_job_whose_library_changed_while_it_ran_is_not_kept(tmp_path, fixture_notebooks, monkeypatch):
    task = job_input(tmp_path, fixture_notebooks, "ok:\n  value: 1\n", "ok__value-1")
    monkeypatch.setattr(identity, "notebook_code", lambda text: "library edited meanwhile")
    outcome = worker.run_job(task)
    assert not outcome.ok and "changed while the job ran" in outcome.error
    assert build_run.store(outcome, fixture_notebooks) is not None
    assert not stamps.stamp_path(fixture_notebooks, "ok__value-1").exists()
    assert not (fixture_notebooks / "results" / "ok__value-1.txt").exists()


def test_a_worker_of_another_version_refuses_the_job_and_names_both(tmp_path, fixture_notebooks, monkeypatch):
    task = job_input(tmp_path, fixture_notebooks, "ok:\n  value: 1\n", "ok__value-1")
    monkeypatch.setattr(identity, "worker_hash", lambda: "0123456789ab")
    outcome = worker.run_job(task)
    assert not outcome.ok and outcome.notebook is None
    assert f"library: {task.versions['library']} on the driver, 0123456789ab here" in outcome.error
    assert "make venv" in outcome.error


def test_a_job_runs_the_notebook_as_it_was_hashed(tmp_path, fixture_notebooks, monkeypatch):
    """Editing a notebook while a build runs does not change what the build's jobs execute."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(FIXTURES, notebooks)
    monkeypatch.setattr(paths, "NOTEBOOKS", notebooks)
    real = build_plan.read_notebooks

    def read_then_edit(jobs):
        sources = real(jobs)
        shutil.copy(notebooks / "broken.ipynb", notebooks / "ok.ipynb")  # the edit lands mid-build
        return sources

    monkeypatch.setattr(build_run, "read_notebooks", read_then_edit)
    _, failures, _ = run(profile_file(tmp_path, "ok:\n  value: 1\n"), fixture_notebooks)
    assert failures == [] and (fixture_notebooks / "results" / "ok__value-1.txt").read_text() == "2"
