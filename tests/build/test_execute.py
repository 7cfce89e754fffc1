"""How a job's process reports the ways a notebook can fail to run."""

from __future__ import annotations

import json

import papermill
import pytest

from mnist_sgd.build import execute


def outcome_when_papermill_raises(tmp_path, monkeypatch, err: Exception) -> dict:
    spec = {"notebook": "nb.ipynb", "parameters": {}, "kernel": "python3", "cwd": str(tmp_path)}
    (tmp_path / execute.SPEC).write_text(json.dumps(spec))

    def fail(*args, **kwargs):
        raise err

    monkeypatch.setattr(papermill, "execute_notebook", fail)
    return execute.run(tmp_path)


@pytest.mark.parametrize(
    "message", ["Kernel died before replying to kernel_info", "Kernel didn't respond in 60 seconds"]
)
def test_a_kernel_that_never_became_ready_is_lost_and_tried_again(tmp_path, monkeypatch, message):
    """Two kernels starting at once can take the same port: the notebook never ran, so it is not its fault."""
    outcome = outcome_when_papermill_raises(tmp_path, monkeypatch, RuntimeError(message))
    assert outcome["lost"] and not outcome["ok"] and "did not start" in outcome["error"]


@pytest.mark.parametrize("err", [RuntimeError("something else"), ValueError("bad notebook")])
def test_other_errors_fail_the_job_without_a_retry(tmp_path, monkeypatch, err):
    outcome = outcome_when_papermill_raises(tmp_path, monkeypatch, err)
    assert not outcome.get("lost") and not outcome["ok"] and str(err) in outcome["error"]
