"""Helpers of the pipeline tests: the fixture notebooks, profiles, and the processes of a build."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from mnist_sgd import paths, pipeline
from mnist_sgd.params import expand_jobs, load_profile

FIXTURES = paths.ROOT / "tests" / "fixtures"
QUICK = [sys.executable, "-m", "mnist_sgd.pipeline", "--profile", "quick", "-j", "2"]


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
    failures = pipeline.run_jobs(jobs, report, workers=2, log=lines.append)
    executed = [line.split(":")[0].strip() for line in lines[1:]]
    return executed, failures, "\n".join(lines)


def processes_of(report: Path) -> list[str]:
    """Every live process started for this report folder (workers and kernels)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            env = (proc / "environ").read_bytes().split(b"\0")
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"MNIST_SGD_REPORT_DIR={report}".encode() in env and proc.name != str(os.getpid()):
            found.append(f"{proc.name}: {cmd}")
    return found
