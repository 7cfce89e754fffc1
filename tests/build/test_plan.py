"""The plan of a build on the fixture notebooks: which jobs run and why, a bad profile refused, the start order."""

from __future__ import annotations

import math
import shutil

import pytest
from helpers import profile_file, run

from mnist_sgd.build import cli as pipeline
from mnist_sgd.build import identity, params, schedule
from mnist_sgd.build import plan as build_plan
from mnist_sgd.build.params import expand_jobs, load_profile
from mnist_sgd.show import provenance
from mnist_sgd.store import files, paths, results, stamps


def test_unchanged_jobs_are_skipped_and_a_changed_parameter_reruns_only_its_job(tmp_path, fixture_notebooks):
    path = profile_file(tmp_path, "ok:\n  value: [1, 2]\n")
    executed, failures, _ = run(path, fixture_notebooks)
    assert failures == [] and executed == ["ok__value-1", "ok__value-2"]
    assert (paths.results_dir() / "ok__value-2.txt").read_text() == "4"

    assert run(path, fixture_notebooks)[:2] == ([], [])

    path.write_text("ok:\n  value: [1, 3]\n")
    executed, failures, log = run(path, fixture_notebooks)
    assert failures == [] and executed == ["ok__value-3"] and "ok__value-3: never run here" in log


def test_an_edited_notebook_reruns(tmp_path, fixture_notebooks, monkeypatch):
    path = profile_file(tmp_path, "ok:\n  value: 1\n")
    run(path, fixture_notebooks)
    monkeypatch.setattr(identity, "notebook_hash", lambda p: "edited")
    executed, _, log = run(path, fixture_notebooks)
    assert executed == ["ok__value-1"] and "its notebook changed" in log


def test_a_failing_notebook_fails_the_run_and_shows_the_cell(tmp_path, fixture_notebooks, capsys):
    path = profile_file(tmp_path, "ok:\n  value: 5\nbroken:\n  value: 1\n")
    code = pipeline.main(["--profile", str(path), "-j", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "FAILED broken" in err and "ratio = value / 0" in err and "ZeroDivisionError" in err
    assert "broken.failed.ipynb" in err and (paths.executed_dir() / "broken.failed.ipynb").exists()
    assert not (paths.executed_dir() / "broken.ipynb").exists()
    assert (paths.executed_dir() / "ok__value-5.ipynb").exists(), "the other job's result is kept"
    assert not (fixture_notebooks / "index.html").exists(), "no report without every section"


def test_bad_profile_is_refused_before_anything_runs(tmp_path, fixture_notebooks, capsys):
    path = profile_file(tmp_path, "ok:\n  valeu: 5\n")
    assert pipeline.main(["--profile", str(path)]) == 2
    err = capsys.readouterr().err
    assert "valeu" in err and "did you mean 'value'" in err
    assert not fixture_notebooks.exists()


def test_longest_expected_job_starts_first_and_unknown_times_count_as_longest(tmp_path):
    jobs = [params.Job("nb", name, {}) for name in ("short", "new", "long", "also_new", "tie", "measured")]
    for name, seconds in (("short", 5.0), ("long", 300.0), ("tie", 5.0), ("measured", 1.0)):
        stamp = identity.stamp_text({}, {}, seconds, "2026-01-01T00:00:00+0000", "2026-01-01T00:00:00+0000", {})
        files.atomic_write_text(stamps.stamp_path(tmp_path, name), stamp)
    # without a stamp, the committed table; a stamp wins over it
    table = tmp_path / "job_seconds.csv"
    table.write_text("job,seconds\nalso_new,100\nmeasured,900\n")
    seconds = schedule.expected_seconds(tmp_path, jobs, table)
    assert seconds == {"short": 5.0, "new": float("inf"), "long": 300.0, "also_new": 100.0, "tie": 5.0, "measured": 1.0}
    started = [j.job_id for j in schedule.longest_first(jobs, seconds)]
    assert started == ["new", "long", "also_new", "short", "tie", "measured"]
    priority = schedule.priorities(tmp_path, jobs, table)
    assert sorted(priority, key=lambda j: -priority[j]) == started


def test_a_fresh_clone_starts_its_longest_jobs_first(tmp_path):
    """No stamps at all: the committed table orders the full profile's jobs."""
    jobs = expand_jobs(load_profile("full"))
    seconds = schedule.expected_seconds(tmp_path, jobs)
    assert all(math.isfinite(s) for s in seconds.values()), [j for j, s in seconds.items() if math.isinf(s)]
    roots = [j.job_id for j in jobs if not j.needs]
    first = [j.job_id for j in schedule.longest_first([j for j in jobs if not j.needs], seconds)[:4]]
    assert first == sorted(roots, key=lambda j: -seconds[j])[:4]
    assert "08_architectures__model-cnn" in first


def test_the_expected_wall_time_follows_the_slots_and_the_dependencies():
    jobs = [params.Job("a", "a", {}), params.Job("b", "b", {}), params.Job("c", "c", {}, needs=("a",))]
    seconds = {"a": 10.0, "b": 4.0, "c": 3.0}
    upstream = lambda job: [u for u in jobs if u.notebook in job.needs]  # noqa: E731
    assert schedule.expected_wall(jobs, seconds, 1, upstream) == 17.0
    assert schedule.expected_wall(jobs, seconds, 2, upstream) == 13.0  # c waits for a


def test_the_appendix_reads_the_start_order_from_the_manifest(report_dir):
    results.write_manifest(report_dir, "quick", [], schedule.START_ORDER)
    assert provenance.start_order_text() == schedule.START_ORDER
    assert "expected to take" in provenance.start_order_text()


def stamp_every_job(jobs, report):
    """Stamps that make every job current, as a build would leave them (no outputs to check)."""
    sources = build_plan.read_notebooks(jobs)
    static = build_plan.static_parts(jobs, report, sources)
    for job in build_plan.order(jobs):
        parts = build_plan.job_parts(job, jobs, report, static)
        stamp = identity.stamp_text(parts, {}, 1.0, "2026-01-01T00:00:00+0000", "2026-01-01T00:00:00+0000", {})
        files.atomic_write_text(stamps.stamp_path(report, job.job_id), stamp)


def stale_after_editing(module, jobs, report):
    (identity.PACKAGE / module).write_text((identity.PACKAGE / module).read_text() + "\n# edited\n")
    sources = build_plan.read_notebooks(jobs)
    return build_plan.plan(jobs, report, build_plan.static_parts(jobs, report, sources))


@pytest.fixture
def library_copy(tmp_path, monkeypatch):
    """The library copied aside, so that a test can edit it and the plan follow the edit."""
    copy = tmp_path / "lib" / identity.PACKAGE_NAME
    shutil.copytree(identity.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(identity, "PACKAGE", copy)
    return copy


def test_an_edit_reruns_the_jobs_whose_notebooks_reach_it_and_their_readers_only(tmp_path, library_copy):
    jobs = expand_jobs(load_profile("full"))
    report = tmp_path / "report"
    stamp_every_job(jobs, report)
    assert build_plan.plan(jobs, report, build_plan.static_parts(jobs, report, build_plan.read_notebooks(jobs))) == {}

    # Task 7's cross-grid prose: its summary and the two notebooks that read every job; no training
    todo = stale_after_editing("tasks/mlp_grid/commentary.py", jobs, report)
    assert set(todo) == {"07_mlp_summary", "00_summary", "99_provenance"}
    assert todo["07_mlp_summary"] == "the library code changed"
    assert todo["00_summary"].startswith("it reads jobs that run again")

    # a grid cell's own paragraph: the grid's jobs and their readers
    stamp_every_job(jobs, report)
    todo = stale_after_editing("tasks/mlp_grid/cell.py", jobs, report)
    task7 = {j.job_id for j in jobs if j.notebook.startswith("07_")}
    assert set(todo) == task7 | {"00_summary", "99_provenance"}

    stamp_every_job(jobs, report)
    todo = stale_after_editing("science/sgd.py", jobs, report)
    linear = {j.notebook for j in jobs if j.job_id in todo} - {"00_summary", "99_provenance"}
    assert linear == {
        "02_sgd",
        "03_batch_size",
        "03_batch_size_summary",
        "04_batch_size_summary",
        "05_dataset_size",
        "05_dataset_size_summary",
        "06_pytorch",
    }


def test_the_dry_run_lists_what_would_run_and_writes_nothing(tmp_path, fixture_notebooks, capsys):
    path = profile_file(tmp_path, "ok:\n  value: [1, 2]\nreader: {}\n")
    assert pipeline.main(["--profile", str(path), "--dry-run", "-j", "2"]) == 0
    out = capsys.readouterr().out
    assert "3 jobs, 0 up to date, 3 would run (dry run: nothing is run)" in out
    assert "ok__value-1" in out and "never run here" in out and "on 2 worker(s)" in out
    assert not any(fixture_notebooks.rglob("*.json")) and not (fixture_notebooks / ".lock").exists()
