"""The pipeline: job identity and caching, failing notebooks, and a real quick build."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from helpers import processes_of, profile_file, run

from mnist_sgd import files, identity, params, paths, pipeline, provenance, schedule, stamps


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


TIMING = re.compile(r"seconds|_s$|^seconds")


def _tables(report):
    """Every result table, timing columns dropped."""
    import pandas as pd

    out = {}
    for path in sorted((report / "results").glob("*.csv")):
        df = pd.read_csv(path)
        out[path.name] = df[[c for c in df.columns if not TIMING.search(c)]]
    return out


def test_interrupted_run_resumes_and_results_are_deterministic(tmp_path, quick):
    """Ctrl-C a real quick build half-way, run it again, compare with an uninterrupted build."""
    import signal
    import time

    import pandas as pd

    cmd = [sys.executable, "-m", "mnist_sgd.pipeline", "--profile", "quick", "-j", "2", "--no-pdf"]
    stopped = tmp_path / "stopped"
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(stopped)}
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.time() + 300
    while time.time() < deadline and len(list((stopped / "executed").glob("*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    time.sleep(2)
    assert not processes_of(stopped), "a job or kernel outlived the build"
    done_before = {p.stem for p in (stopped / "executed").glob("*.json")}
    assert done_before, "nothing finished before the interruption"

    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done_before)} up to date" in resumed.stdout
    assert not list(stopped.rglob("*.part"))

    a, b = _tables(stopped), _tables(quick[0])  # against an uninterrupted build
    assert a.keys() == b.keys() and len(a) > 3
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_longest_recorded_job_starts_first_and_unknown_times_count_as_longest(tmp_path):
    jobs = [params.Job("nb", name, {}) for name in ("short", "new", "long", "also_new", "tie")]
    for name, seconds in (("short", 5.0), ("long", 300.0), ("tie", 5.0)):
        stamp = identity.stamp_text({}, {}, seconds, "2026-01-01T00:00:00+0000", "2026-01-01T00:00:00+0000", {})
        files.atomic_write_text(stamps.stamp_path(tmp_path, name), stamp)
    seconds = schedule.expected_seconds(tmp_path, jobs)
    assert seconds == {"short": 5.0, "new": float("inf"), "long": 300.0, "also_new": float("inf"), "tie": 5.0}
    started = [j.job_id for j in schedule.longest_first(jobs, seconds)]
    assert started == ["new", "also_new", "long", "short", "tie"]
    priority = schedule.priorities(tmp_path, jobs)
    assert sorted(priority, key=lambda j: -priority[j]) == started
    assert "longer it took" in provenance.start_order_text()
