"""Shared fixtures: a throw-away report folder for anything that runs the pipeline."""

from __future__ import annotations

import pytest
from helpers import FIXTURES, fixture_specs

from mnist_sgd import params, paths


@pytest.fixture
def report_dir(tmp_path, monkeypatch):
    """Point every generated path at a temporary folder."""
    folder = tmp_path / "report"
    monkeypatch.setenv("MNIST_SGD_REPORT_DIR", str(folder))
    return folder


@pytest.fixture
def fixture_notebooks(monkeypatch, report_dir):
    """The pipeline on the tiny notebooks of tests/fixtures, into a temporary report folder."""
    monkeypatch.setattr(paths, "NOTEBOOKS", FIXTURES)
    monkeypatch.setattr(params, "SPECS", fixture_specs())
    return report_dir
