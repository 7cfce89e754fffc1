"""Helpers of the pipeline tests: the fixture notebooks, profiles, and the processes of a build."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from pathlib import Path

from mnist_sgd.build import run as build_run
from mnist_sgd.build.params import expand_jobs, load_profile
from mnist_sgd.store import paths

FIXTURES = paths.ROOT / "tests" / "fixtures"
QUICK = [sys.executable, "-m", "mnist_sgd.build.cli", "--profile", "quick", "-j", "2"]


def fixture_specs() -> dict:
    spec = importlib.util.spec_from_file_location("fixture_build", FIXTURES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SPECS


def profile_file(tmp_path, text):
    path = tmp_path / "fixture.yaml"
    path.write_text(text)
    return path


def run(path, report):
    """Run a fixture profile in this process; the jobs executed, the failures and the log."""
    jobs = expand_jobs(load_profile(str(path)))
    lines: list[str] = []
    failures = build_run.run_jobs(jobs, report, workers=2, log=lines.append)
    executed = [line.split(":")[0].strip() for line in lines[1:]]
    return executed, failures, "\n".join(lines)


def _processes() -> list[tuple[int, bytes, str]]:
    """(pid, environment, command line) of every process this user can read."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            env = (proc / "environ").read_bytes()
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        found.append((int(proc.name), env, cmd))
    return found


def processes_of(report: Path) -> list[str]:
    """Every live process started for this report folder: the build's workers (they inherit its
    MNIST_SGD_REPORT_DIR) and its jobs and kernels (MNIST_SGD_BUILD names the folder)."""
    return [f"{pid}: {cmd}" for pid, env, cmd in _processes() if str(report).encode() in env]


def kernel_of(report: Path, job: str) -> int | None:
    """The pid of the kernel running ``job`` for this report folder, if there is one."""
    for pid, env, cmd in _processes():
        if str(report).encode() in env and f"MNIST_SGD_JOB={job}\0".encode() in env + b"\0" and "ipykernel" in cmd:
            return pid
    return None


def wait_for(condition, timeout: float = 240) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds (by default long enough for
    kernels to start on a machine busy with a build: waiting longer costs nothing when the condition holds)."""
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


TIMING = re.compile(r"seconds|_s$|^seconds")


def result_tables(report):
    """Every result table, timing columns dropped."""
    import pandas as pd

    out = {}
    for path in sorted((report / "results").glob("*.csv")):
        df = pd.read_csv(path)
        out[path.name] = df[[c for c in df.columns if not TIMING.search(c)]]
    return out
