"""The result tables: a build writes a report's results/, an interactive run the lab's scratch
folder; a reader reads the one or the other, says which, and never mixes them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mnist_sgd.store import paths, results

JOB, OTHER = "03_batch_size__batch_size-10", "03_batch_size__batch_size-100"


@pytest.fixture
def interactive(report_dir, monkeypatch):
    """A kernel outside a build, whose one-line notices have not been said yet."""
    monkeypatch.delenv("MNIST_SGD_OUTPUT_DIR", raising=False)
    monkeypatch.delenv("MNIST_SGD_LAB_READS", raising=False)
    monkeypatch.setattr(results, "_said", set())
    return report_dir


def write(folder, job, value):
    (folder / "results").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"a": [value]}).to_csv(folder / "results" / f"{job}.chosen.csv", index=False)


def test_outside_a_build_tables_go_to_the_lab_which_is_said_once(interactive, capsys):
    results.write_table(pd.DataFrame({"a": [1]}), JOB, "runs")
    results.write_table(pd.DataFrame({"a": [1]}), JOB, "curves")
    said = capsys.readouterr().out
    assert said.count("Interactive run") == 1 and str(paths.results_of(paths.lab_dir())) in said
    assert (paths.lab_dir() / "results" / f"{JOB}.runs.csv").exists()
    assert not (interactive / "results").exists()  # the built report is not written


def test_in_a_build_tables_go_to_the_jobs_staging_folder_and_nothing_is_said(
    interactive, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("MNIST_SGD_OUTPUT_DIR", str(tmp_path / "staging"))
    results.write_table(pd.DataFrame({"a": [1]}), JOB, "runs")
    assert (tmp_path / "staging" / f"{JOB}.runs.csv").exists() and capsys.readouterr().out == ""
    assert not paths.lab_dir().exists()


def test_a_reader_reads_the_built_report_or_the_lab_never_both(interactive, monkeypatch, capsys):
    write(interactive, JOB, 1)
    manifest = {"profile": "quick", "jobs": [{"job_id": JOB, "notebook": "03_batch_size"}]}
    (interactive / "results" / "manifest.json").write_text(json.dumps(manifest))
    write(paths.lab_dir(), OTHER, 2)
    built = results.read_tables("03_batch_size", "chosen")
    assert built["job"].tolist() == [JOB] and built["a"].tolist() == [1]
    assert capsys.readouterr().out.startswith(f"Reading the built report in {interactive} (profile quick, built ")
    monkeypatch.setenv("MNIST_SGD_LAB_READS", "lab")
    monkeypatch.setattr(results, "_said", set())
    scratch = results.read_tables("03_batch_size", "chosen")
    assert scratch["job"].tolist() == [OTHER] and scratch["a"].tolist() == [2]
    assert capsys.readouterr().out.startswith("Reading this lab's scratch tables in ")
    with pytest.raises(FileNotFoundError, match="run 08_architectures in this lab first"):
        results.read_tables("08_architectures", "runs")


def test_a_build_reads_its_own_folder_even_when_the_lab_is_asked_for(interactive, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_SGD_OUTPUT_DIR", str(tmp_path / "staging"))
    monkeypatch.setenv("MNIST_SGD_LAB_READS", "lab")
    write(interactive, JOB, 1)
    assert results.read_tables("03_batch_size", "chosen")["a"].tolist() == [1] and capsys.readouterr().out == ""
