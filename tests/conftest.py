"""Shared fixtures: a throw-away report folder for anything that runs the pipeline."""

from __future__ import annotations

import pytest


@pytest.fixture
def report_dir(tmp_path, monkeypatch):
    """Point every generated path at a temporary folder."""
    folder = tmp_path / "report"
    monkeypatch.setenv("MNIST_SGD_REPORT_DIR", str(folder))
    return folder
