"""Did it reproduce? `make compare` on copies of one real quick build, and its rules on made-up tables.

The real build is the session's quick build (conftest's ``quick`` fixture, shared with the
report and pipeline tests), so this file adds no pipeline run to ``make test``. Each test
compares two copies of it, edited where the test says.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from mnist_sgd.compare import cli as compare_cli
from mnist_sgd.compare import folders
from mnist_sgd.compare import tables as compare
from mnist_sgd.store import paths, results

EDITED = "03_batch_size__batch_size-10.runs"  # a seeded table every profile writes


def copy_build(source, target):
    """What a copy from another machine holds: the tables and the stamps (and executed notebooks)."""
    target.mkdir(parents=True)
    shutil.copytree(source / "results", target / "results")
    shutil.copytree(source / "executed", target / "executed")
    return target


def run(*args):
    """The command line in this process: exit code, stdout, stderr."""
    return compare_cli.main([str(a) for a in args])


@pytest.fixture(scope="module")
def built(quick, tmp_path_factory):
    return copy_build(quick[0], tmp_path_factory.mktemp("compare") / "built")


@pytest.fixture
def pair(built, tmp_path):
    """This build and the other one, two folders holding the same real build."""
    return copy_build(built, tmp_path / "a"), copy_build(built, tmp_path / "b")


def edit(folder, table, change):
    path = folder / "results" / f"{table}.csv"
    df = pd.read_csv(path)
    change(df)
    df.to_csv(path, index=False)


def timing_columns(df):
    return [c for c in df.columns if compare.is_timing(c)]


# ---- two builds, edited copies, bad input -------------------------------------------------


def test_two_builds_compare_as_identical_apart_from_timings(pair):
    a, b = pair
    # the other build ran elsewhere: every time 1.5 times as long, on other threads
    for path in (b / "results").glob("*.csv"):
        df = pd.read_csv(path)
        for column in timing_columns(df):
            df[column] = df[column] * 1.5
        if "threads" in df:
            df["threads"] = 7
        df.to_csv(path, index=False)
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(a)}
    done = subprocess.run(
        ["make", "-s", "compare", f"OTHER={b}"], cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tables = len(results.tables_of(a))
    assert re.search(rf"^tables\s+{tables}\s+{tables}(\s+0){{4}}$", done.stdout, re.M), done.stdout
    assert "0 differing" in done.stdout and "REPRODUCED" in done.stdout
    assert "other/this median 1.5" in done.stdout
    assert re.search(r"conditions \(this / other\): threads: \d+ / 7", done.stdout)
    saved = json.loads((a / "compare.json").read_text())
    assert saved["reproduced"] and saved["identical"] == tables and saved["differing"] == 0
    page = (a / "compare.html").read_text()
    assert "<script" not in page and "<link" not in page and "http" not in page  # self-contained
    env_torch = folders.provenance(a, results.tables_of(a))["environment"]["torch"]
    assert env_torch in page and "condition: threads" in page and "Reproduced" in page
    # the provenance appendix can say so, while the tables are still those compared
    assert results.reproduced_against(a) == str(b)
    edit(a, EDITED, lambda d: d.__setitem__("train_seconds", d["train_seconds"] * 2))
    assert results.reproduced_against(a) is None


def test_an_edited_number_is_named_and_fails(pair, capsys):
    a, b = pair
    df = pd.read_csv(b / "results" / f"{EDITED}.csv")
    row = df.index[df["seed"] == 1][0]
    old = float(df.loc[row, "final_test_acc"])
    new = round(old - 0.25, 4)
    edit(b, EDITED, lambda d: d.__setitem__("final_test_acc", d["final_test_acc"].where(d["seed"] != 1, new)))
    assert run(b, "--report", a) == 1
    out = capsys.readouterr().out
    batch, lr = df.loc[row, "batch_size"], df.loc[row, "lr"]
    line = next(ln for ln in out.splitlines() if "final_test_acc" in ln)
    assert EDITED in line and f"batch_size={batch}, lr={float(lr)!r}, seed=1" in line
    assert f"{old!r} -> {new!r}" in line and "DIFFERS" in line
    assert "changed after its job wrote it" in out  # the stamp says the copy was edited
    page = (a / "compare.html").read_text()
    assert f"<td>{old!r}</td><td>{new!r}</td>" in page and f"{EDITED}: 1 difference(s)" in page
    assert results.reproduced_against(a) is None
    # an edited count is caught too, however small
    shutil.copy(a / "results" / f"{EDITED}.csv", b / "results")
    iterations = int(pd.read_csv(b / "results" / "02_sgd.checks.csv")["iterations"][0])
    edit(b, "02_sgd.checks", lambda d: d.__setitem__("iterations", d["iterations"] + 1))
    assert run(b, "--report", a) == 1
    assert (
        f"02_sgd.checks [(the one row)] iterations: {iterations} -> {iterations + 1} (exact, rel. "
        in capsys.readouterr().out
    )


def test_an_edited_timing_alone_passes_as_a_ratio(pair, capsys):
    a, b = pair
    edit(b, EDITED, lambda d: d.__setitem__("train_seconds", d["train_seconds"] * 3))
    assert run(b, "--report", a) == 0
    out = capsys.readouterr().out
    assert "0 differing" in out and "range 1 to 3" in out
    page = (a / "compare.html").read_text()
    assert f"<tr><td>{EDITED}</td><td>train_seconds</td>" in page


def test_a_missing_table_is_reported_not_a_crash(pair, capsys):
    a, b = pair
    (b / "results" / f"{EDITED}.csv").unlink()
    (a / "results" / "02_sgd.checks.csv").unlink()
    assert run(b, "--report", a) == 1
    out = capsys.readouterr().out
    assert f"only in this build: results/{EDITED}.csv" in out
    assert "only in the other build: results/02_sgd.checks.csv" in out
    assert "results/02_sgd.checks.csv" in (a / "compare.html").read_text()


def test_bad_input_exits_2_with_one_clear_line(pair, tmp_path, capsys):
    a, _ = pair
    snapshots = tmp_path / "snapshots"
    missing = tmp_path / "nowhere"
    assert run(missing, "--report", a, "--snapshots", snapshots) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(missing) in err and "expected a report folder" in err
    empty = tmp_path / "empty"
    (empty / "results").mkdir(parents=True)
    assert run(empty, "--report", a) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(empty) in err and "results/<job>.<table>.csv" in err
    assert run("", "--report", a, "--snapshots", snapshots) == 2
    assert "give OTHER=" in capsys.readouterr().err
    assert run(a, "--report", empty) == 2  # this build is not one either
    assert "this build" in capsys.readouterr().err
    assert not (a / "compare.json").exists()


def test_a_folder_being_built_is_not_read(pair, capsys):
    a, b = pair
    (b / ".lock").write_text("pid 1, since 12:00:00: pipeline --profile quick\n")
    with open(b / ".lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running build holds it
        assert run(b, "--report", a) == compare_cli.EXIT_BUSY
    assert "is being built by another build (pid 1" in capsys.readouterr().err
    assert run(b, "--report", a) == 0  # released


def test_a_snapshot_is_whole_and_named_by_its_name(pair, tmp_path, capsys):
    a, _ = pair
    snapshots = tmp_path / "snapshots"
    assert run("--snapshot", "before", "--report", a, "--snapshots", snapshots) == 0
    kept = snapshots / "before"
    assert sorted(p.name for p in snapshots.iterdir()) == ["before"]  # no temporary folder left
    assert {p.name for p in (kept / "results").iterdir()} == {p.name for p in (a / "results").iterdir()}
    assert {p.name for p in (kept / "executed").iterdir()} == {p.name for p in (a / "executed").glob("*.json")}
    assert json.loads((kept / "snapshot.json").read_text())["name"] == "before"
    assert run("--snapshot", "before", "--report", a, "--snapshots", snapshots) == 2  # never overwritten
    assert run("--snapshot", "../x", "--report", a, "--snapshots", snapshots) == 2
    capsys.readouterr()
    assert run("before", "--report", a, "--snapshots", snapshots) == 0
    assert "other: snapshot before" in capsys.readouterr().out
    assert results.reproduced_against(a) == "snapshot before"


def test_every_table_of_a_real_build_has_unique_declared_keys(built):
    """A new table or a key that no longer names a row shows up here, not as a silent
    row-order comparison."""
    for name, path in results.tables_of(built).items():
        kind = compare.table_kind(name)
        assert kind in compare.KEYS, f"{name}: declare its key columns in compare.KEYS"
        keys, warnings = compare.key_columns(kind, [pd.read_csv(path)])
        assert not warnings, (name, warnings)
        assert not compare.row_keys(pd.read_csv(path), keys)[1], f"{name}: key {keys} repeats"


# ---- the rules, on small made-up tables ---------------------------------------------------


def frames(this, other):
    return pd.DataFrame(this), pd.DataFrame(other)


def test_column_classes():
    ints, floats = pd.Series([1, 2]), pd.Series([0.5, 0.25])
    holes = pd.Series([np.nan, 120.0])  # a run that did not diverge has no diverged_at
    assert compare.column_class("iterations", [ints, ints], seeded=True) == compare.EXACT
    assert compare.column_class("diverged", [pd.Series([True, False])] * 2, seeded=True) == compare.EXACT
    assert compare.column_class("implementation", [pd.Series(["a", "b"])] * 2, seeded=False) == compare.EXACT
    assert compare.column_class("diverged_at", [holes, holes], seeded=True) == compare.EXACT
    assert compare.column_class("final_test_acc", [floats, floats], seeded=False) == compare.FLOAT
    assert compare.column_class("final_test_acc", [floats, floats], seeded=True) == compare.SEED
    assert compare.column_class("count", [ints, floats], seeded=False) == compare.FLOAT  # 800 -> 800.5 is seen
    for timing in ("train_seconds", "train_seconds_mean", "epoch_seconds", "step_s", "seconds_per_epoch"):
        assert compare.column_class(timing, [floats, floats], seeded=True) == compare.TIMING
    assert compare.column_class("relative_difference", [floats, floats], seeded=False) == compare.ROUNDOFF
    for condition in ("threads", "device", "parallel_jobs"):
        assert compare.column_class(condition, [ints, ints], seeded=False) == compare.CONDITION
    assert compare.table_kind("07_mlp_grid__batch_size-128__lr-0.1.history") == "07_mlp_grid.history"


def test_rows_are_matched_on_their_keys_not_their_order():
    this, other = frames(
        {"batch_size": [10, 100], "lr": [0.1, 0.2], "seed": [0, 0], "final_test_acc": [0.8, 0.9]},
        {"batch_size": [100, 10], "lr": [0.2, 0.1], "seed": [0, 0], "final_test_acc": [0.9, 0.8]},
    )
    result = compare.compare_frames("03_batch_size__batch_size-10.runs", this, other, same=True)
    assert result.status == "identical" and result.rows == 2 and not result.warnings
    other.loc[0, "lr"] = 0.3  # a row that is not in this build, and one that is not in the other
    result = compare.compare_frames("03_batch_size__batch_size-10.runs", this, other, same=True)
    assert result.status == "differs" and result.rows == 1
    assert {(d.key, d.this, d.other) for d in result.diffs} == {
        ("batch_size=100, lr=0.2, seed=0", "present", "missing"),
        ("batch_size=100, lr=0.3, seed=0", "missing", "present"),
    }


def test_a_table_without_declared_keys_is_matched_by_row_order_with_a_warning():
    this, other = frames({"x": [1, 2], "y": [0.5, 0.25]}, {"x": [2, 1], "y": [0.25, 0.5]})
    result = compare.compare_frames("42_new.table", this, other, same=True)
    assert "rows matched by row order" in result.warnings[0] and "'42_new.table'" in result.warnings[0]
    assert result.status == "differs" and {d.key for d in result.diffs} == {"row 1", "row 2"}
    repeated = compare.compare_frames(
        "01_data.class_counts", *frames({"digit": [1, 1], "n": [3, 4]}, {"digit": [1, 1], "n": [3, 4]}), same=True
    )
    assert repeated.status == "identical" and "repeat" in repeated.warnings[0]


def test_floats_agree_within_the_declared_tolerance_and_counts_exactly():
    def verdict(a, b, cls=compare.FLOAT):
        return compare.agreement(a, b, cls)[0]

    assert verdict(0.2, 0.2) == "identical" and verdict(np.nan, np.nan) == "identical"
    assert verdict(0.2, 0.2 * (1 + 1e-12)) == "within"
    assert verdict(0.2, 0.2 * (1 + 1e-7)) == "differs"
    assert verdict(1e-29, 3e-29) == "within"  # rounding noise, below the absolute floor
    assert verdict(0.2, np.nan) == "differs" and verdict("a", "b", compare.EXACT) == "differs"
    assert verdict(800, 800.0, compare.EXACT) == "identical" and verdict(800, 801, compare.EXACT) == "differs"
    assert verdict(True, False, compare.EXACT) == "differs"
    # on another environment or other threads, float32 sums may move in their last bits, no more
    assert verdict(0.2, 0.2 * (1 + 4e-7), compare.FLOAT) == "differs"
    assert compare.agreement(0.2, 0.2 * (1 + 4e-7), compare.FLOAT, rtol=compare.RTOL_ELSEWHERE)[0] == "within"
    assert compare.agreement(0.2, 0.2 * (1 + 4e-6), compare.FLOAT, rtol=compare.RTOL_ELSEWHERE)[0] == "differs"
    # rounding error agrees while it stays rounding error, whatever its digits
    assert verdict(3.2e-7, 9.4e-7, compare.ROUNDOFF) == "within"
    assert verdict(3.2e-7, 0.01, compare.ROUNDOFF) == "differs"


def test_seed_dependent_values_may_move_within_their_seed_spread_on_another_environment():
    # final_test_acc moves by 0.02 between seeds 0 and 1 at lr 0.1, not at all at lr 0.2
    table = {
        "batch_size": [10] * 4,
        "lr": [0.1, 0.1, 0.2, 0.2],
        "seed": [0, 1, 0, 1],
        "final_test_acc": [0.80, 0.82, 0.85, 0.85],
    }
    other = pd.DataFrame(table)
    other.loc[0, "final_test_acc"] = 0.805  # within the spread of both builds (0.02, 0.015)
    other.loc[2, "final_test_acc"] = 0.95  # widens the other build's spread, but this one has none
    name = "03_batch_size__batch_size-10.runs"
    across = compare.compare_frames(name, pd.DataFrame(table), other, same=False)
    verdicts = {d.key: d.ok for d in across.diffs}
    assert verdicts == {"batch_size=10, lr=0.1, seed=0": True, "batch_size=10, lr=0.2, seed=0": False}
    assert next(d for d in across.diffs if d.ok).allowed == pytest.approx(0.015)
    # on one environment the build is deterministic: the spread excuses nothing
    same = compare.compare_frames(name, pd.DataFrame(table), other, same=True)
    assert not any(d.ok for d in same.diffs) and same.status == "differs"
    # a table without seeds holds the same column to the float tolerance
    plain = compare.compare_frames(
        "03_batch_size__batch_size-10.chosen",
        *frames({"batch_size": [10], "final_test_acc": [0.80]}, {"batch_size": [10], "final_test_acc": [0.805]}),
        same=False,
    )
    assert plain.status == "differs" and plain.diffs[0].cls == compare.FLOAT
