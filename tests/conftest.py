"""Shared fixtures: a throw-away report folder for anything that runs the pipeline."""

from __future__ import annotations

import os
import subprocess

import pytest
from helpers import FIXTURES, QUICK, fixture_specs

from mnist_sgd.build import params
from mnist_sgd.store import paths

# Tests that execute notebooks in kernels (the real quick build, the fixture notebooks) are
# marked slow: `make check` leaves them out, `make test` runs everything.
SLOW_FIXTURES = {"quick", "fixture_notebooks"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def report_dir(tmp_path, monkeypatch):
    """Point every generated path at a temporary folder."""
    folder = tmp_path / "report"
    monkeypatch.setenv("MNIST_SGD_REPORT_DIR", str(folder))
    monkeypatch.setenv("MNIST_SGD_LAB_DIR", str(tmp_path / "lab"))  # what a test writes outside a build
    return folder


@pytest.fixture
def fixture_notebooks(monkeypatch, report_dir):
    """The pipeline on the tiny notebooks of tests/fixtures, into a temporary report folder."""
    monkeypatch.setattr(paths, "NOTEBOOKS", FIXTURES)
    monkeypatch.setattr(params, "SPECS", fixture_specs())
    return report_dir


@pytest.fixture(scope="session")
def quick(tmp_path_factory):
    """The quick profile built once by the real pipeline into a temporary folder, read by the
    report tests and compared with by the interruption test."""
    report = tmp_path_factory.mktemp("quick") / "report"
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(report)}
    # alone the quick build takes minutes; beside a full build, several times that: the timeout catches a hang only
    first = subprocess.run(QUICK, env=env, capture_output=True, text=True, timeout=2400)
    assert first.returncode == 0, first.stdout + first.stderr
    return report, env
