"""Did it reproduce? Compare the result tables of this build with another build's.

For every table ``results/<job>.<table>.csv`` present in both builds, rows are matched on
the table's key columns and every other column is compared according to its class
(declared below, in one place): exact, deterministic float, seed-dependent, rounding error,
timing (reported as ratios, never expected to match) or run condition (shown as
provenance, not compared). Builds on the same environment and run conditions must agree to
the last bits of a float64; otherwise floats may move in float32's last bits and
seed-dependent values within their spread over seeds.

The command line (``make compare``, ``make snapshot``) is ``compare_cli.py``. The record it
writes, ``compare.json``, is read back by ``results.reproduced_against`` for the provenance
appendix, so that no job depends on the comparison's code.
"""

from __future__ import annotations

import fcntl
import html
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths
from .files import atomic_write_text
from .results import tables_of
from .stamps import read_stamp, sha256_file

# ---------------------------------------------------------------------------------------
# What is compared and how: the one place to edit when a notebook gains a table or column.
# ---------------------------------------------------------------------------------------

# Key columns per table kind ("<notebook>.<table>"): the columns that name a row, so that
# rows are matched on what they are, not where they are. () is a one-row table. A kind not
# listed here is matched by row order, with a warning (a new table should be added here).
KEYS: dict[str, tuple[str, ...]] = {
    "01_data.class_counts": ("digit",),
    "02_sgd.reference": (),
    "02_sgd.checks": (),
    "02_sgd.curves": ("t",),
    "02_sgd.hand": ("seed",),
    "03_batch_size.sweep": ("batch_size", "lr", "seed"),
    "03_batch_size.runs": ("batch_size", "lr", "seed"),
    "03_batch_size.curves": ("batch_size", "lr", "seed", "t"),
    "03_batch_size.halved": ("batch_size", "lr", "seed", "t"),
    "03_batch_size.hand": ("batch_size", "lr", "seed"),
    "03_batch_size.chosen": ("batch_size",),
    "04_batch_size_summary.batch_size_summary": ("batch_size",),
    "05_dataset_size.runs": ("dataset_size", "subset"),
    "05_dataset_size.curves": ("dataset_size", "subset", "t"),
    "05_dataset_size_summary.dataset_size_summary": ("dataset_size",),
    "06_pytorch.equivalence": ("implementation",),
    "06_pytorch.gradient_check": (),
    "06_pytorch.runs": ("implementation", "seed"),
    "06_pytorch.curves": ("implementation", "seed", "t"),
    "07_mlp_grid.runs": ("arch", "batch_size", "lr", "seed"),
    "07_mlp_grid.history": ("arch", "batch_size", "lr", "seed", "epoch"),
    "07_mlp_summary.cells": ("batch_size", "lr"),
    "08_architectures.runs": ("model", "seed"),
    "08_architectures.history": ("model", "seed", "epoch"),
}

# Key columns that draw a random replicate (a seed, or a random subset of the data): the
# spread of a quantity across them is the yardstick for seed-dependent values.
SEED_COLUMNS = ("seed", "subset")

# Timing columns: wall-clock seconds depend on the machine and its load, so they are
# reported as ratios (other / this) and never make a comparison fail. Any column whose
# name contains "seconds" or ends in "_s" is one; others are listed here.
TIMING_COLUMNS: set[str] = {"epoch_seconds", "eval_seconds", "seconds_per_epoch", "seconds_target"}

# The conditions a build ran under (torch threads, device, jobs in parallel): they explain
# timings and are shown with the provenance, but are not results.
CONDITION_COLUMNS = ("threads", "device", "parallel_jobs")

# Integer-valued columns that pandas reads as floats when some cells are empty (a run that
# did not diverge has no diverged_at): compared exactly, as counts and iterations are.
EXACT_COLUMNS: set[str] = {
    "diverged_at",
    "t_target",
    "itr",
    "iterations",
    "rank",
    "rank_H",
    "parameters",
    "steps",
    "epochs",
    "seeds",
    "subsets",
    "converged_subsets",
    "diverged_seeds",
    "train_acc_images",
}

# Deterministic floats agree when |a - b| <= rtol * max(|a|, |b|) + ATOL. A build is
# deterministic for one environment and one set of run conditions: there RTOL only allows
# the last bits of a float64. With other torch threads (or packages, or device) torch sums
# its float32 losses in another order: measured between a -j 1 and a -j 2 quick build, the
# losses moved by up to 4e-7 relative (float32's epsilon is 1.2e-7), so RTOL_ELSEWHERE
# allows a few float32 units in the last place. ATOL lets quantities that are pure rounding
# error (a closed-form loss of 1e-29 on a subset it fits exactly) agree.
RTOL = 1e-9
RTOL_ELSEWHERE = 1e-6
ATOL = 1e-12

# Columns that measure rounding error (a gradient check, the distance between two
# implementations' weights): their digits are noise, what must reproduce is that they are
# small. They agree when both are below ROUNDOFF_BOUND, and as floats otherwise.
ROUNDOFF_COLUMNS: set[str] = {"relative_difference", "gradient_max_abs_diff", "max_deviation", "formula_vs_autograd"}
ROUNDOFF_BOUND = 1e-5

# Column classes, from strictest to not compared.
EXACT, FLOAT, SEED, ROUNDOFF, TIMING, CONDITION = "exact", "float", "seed-dependent", "rounding", "timing", "condition"

HTML_FILE, SNAPSHOT_FILE = "compare.html", "snapshot.json"


class BadInput(Exception):
    """A folder or name that cannot be compared: one line saying what and what was expected."""


class Busy(Exception):
    """A build holds the folder: its tables may be half replaced."""


# ---------------------------------------------------------------------------------------
# Column classes and row keys
# ---------------------------------------------------------------------------------------


def table_kind(name: str) -> str:
    """'03_batch_size__batch_size-10.runs' -> '03_batch_size.runs': grid jobs share a kind."""
    job, _, table = name.rpartition(".")
    return f"{job.split('__')[0]}.{table}"


def is_timing(column: str) -> bool:
    return "seconds" in column or column.endswith("_s") or column in TIMING_COLUMNS


def column_class(column: str, columns: list[pd.Series], seeded: bool) -> str:
    """How a column should agree between builds. ``columns`` holds it in both builds: a
    float in either makes it a float (an edited count 800 -> 800.5 is still caught)."""
    if column in CONDITION_COLUMNS:
        return CONDITION
    if is_timing(column):
        return TIMING
    if column in ROUNDOFF_COLUMNS:
        return ROUNDOFF
    if column in EXACT_COLUMNS or not any(pd.api.types.is_float_dtype(c) for c in columns):
        return EXACT  # integers, booleans, strings: identities and counts
    return SEED if seeded else FLOAT


def key_columns(kind: str, frames: list[pd.DataFrame]) -> tuple[list[str] | None, list[str]]:
    """The declared key columns of a table kind, or None (match by row order) with why."""
    if kind not in KEYS:
        return None, [f"no key columns declared for '{kind}' (compare.KEYS): rows matched by row order"]
    keys = list(KEYS[kind])
    absent = [k for k in keys if any(k not in f.columns for f in frames)]
    if absent:
        return None, [f"key column(s) {', '.join(absent)} missing: rows matched by row order"]
    return keys, []


def row_keys(df: pd.DataFrame, keys: list[str] | None) -> tuple[list[tuple], list[str]]:
    """One hashable key per row. A key that repeats gets its occurrence number appended, so
    that no row is dropped (and the repetition is reported: the declared key is too short)."""
    if keys is None:
        return [("row", i + 1) for i in range(len(df))], []
    raw = [tuple(_plain(v) for v in row) for row in df[keys].itertuples(index=False)] if keys else [()] * len(df)
    seen: Counter = Counter()
    out = []
    for key in raw:
        seen[key] += 1
        out.append(key if seen[key] == 1 else (*key, ("#", seen[key])))
    repeated = [k for k, n in seen.items() if n > 1]
    warnings = (
        [f"{len(repeated)} key(s) repeat (e.g. {describe_key(keys, repeated[0])}): matched by occurrence"]
        if repeated
        else []
    )
    return out, warnings


def describe_key(keys: list[str] | None, key: tuple) -> str:
    if keys is None:
        return f"row {key[1]}"
    parts = [f"{k}={_fmt(v)}" for k, v in zip(keys, key)]
    parts += [f"occurrence {v[1]}" for v in key[len(keys) :]]
    return ", ".join(parts) or "(the one row)"


def seed_spreads(df: pd.DataFrame, keys: list[str], column: str) -> dict[tuple, float]:
    """The range (max - min) of a column over the seeds of each group of otherwise equal
    keys: how much this quantity moves when only the random draw changes."""
    group = [k for k in keys if k not in SEED_COLUMNS]
    values = pd.to_numeric(df[column], errors="coerce")
    if not group:
        spread = float(values.max() - values.min()) if values.notna().any() else 0.0
        return {(): spread}
    ranges = values.groupby([df[g] for g in group], dropna=False).agg(lambda s: s.max() - s.min())
    # keys as compare_frames builds them (plain Python values), whatever pandas grouped by
    return {
        tuple(_plain(x) for x in (k if isinstance(k, tuple) else (k,))): (0.0 if pd.isna(v) else float(v))
        for k, v in ranges.items()
    }


# ---------------------------------------------------------------------------------------
# Comparing values
# ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones, and NaN as None, so that keys hash and compare alike."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _fmt(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "(empty)"
    return repr(value) if isinstance(value, float) else str(value)


def _number(value: Any) -> float | None:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def agreement(a: Any, b: Any, cls: str, rtol: float = RTOL, spread: float = 0.0) -> tuple[str, float, float]:
    """('identical' | 'within' | 'differs', relative difference, allowed absolute difference)."""
    a, b = _plain(a), _plain(b)
    x, y = _number(a), _number(b)
    if a == b or (x is not None and y is not None and x == y):
        return "identical", 0.0, 0.0
    if x is None or y is None or math.isinf(x) or math.isinf(y):  # text, empty vs a value, inf
        return "differs", math.inf, 0.0
    rel = abs(x - y) / max(abs(x), abs(y))
    if cls == EXACT:
        return "differs", rel, 0.0
    if cls == ROUNDOFF and max(abs(x), abs(y)) <= ROUNDOFF_BOUND:
        return "within", rel, 2 * ROUNDOFF_BOUND  # both below the bound: at most that far apart
    allowed = rtol * max(abs(x), abs(y)) + ATOL
    if cls == SEED:
        allowed = max(allowed, spread)
    return ("within" if abs(x - y) <= allowed else "differs"), rel, allowed


@dataclass
class Difference:
    """One value (or row, or column) that is not identical in the two builds."""

    table: str
    key: str
    column: str
    this: str
    other: str
    cls: str
    rel: float
    allowed: float
    ok: bool
    delta: float = math.inf  # |a - b|

    @property
    def used(self) -> float:
        """|a - b| over what its class allows: > 1 differs; ranks differences of all scales alike."""
        return self.delta / self.allowed if self.allowed else math.inf


@dataclass
class TableResult:
    name: str
    status: str = "identical"  # identical | within tolerance | differs
    rows: int = 0
    values: int = 0
    warnings: list[str] = field(default_factory=list)
    diffs: list[Difference] = field(default_factory=list)
    ratios: dict[str, list[float]] = field(default_factory=dict)  # timing column -> other / this
    edited: list[str] = field(default_factory=list)  # builds whose copy no longer matches its stamp


def compare_frames(name: str, this: pd.DataFrame, other: pd.DataFrame, same: bool) -> TableResult:
    """Compare one table of the two builds. ``same``: the builds ran on the same environment
    and run conditions, where the project is deterministic: floats are held to RTOL, and so
    are seed-dependent values (their spread over seeds would hide a real change). Otherwise
    floats are held to RTOL_ELSEWHERE and seed-dependent values may move within their spread."""
    rtol = RTOL if same else RTOL_ELSEWHERE
    result = TableResult(name)
    keys, result.warnings = key_columns(table_kind(name), [this, other])
    this_keys, w1 = row_keys(this, keys)
    other_keys, w2 = row_keys(other, keys)
    result.warnings += sorted(set(w1 + w2))
    this_at = {k: i for i, k in enumerate(this_keys)}
    other_at = {k: i for i, k in enumerate(other_keys)}
    matched = [k for k in this_keys if k in other_at]
    result.rows = len(matched)

    def add(
        key: str,
        column: str,
        a: str,
        b: str,
        cls: str,
        rel: float = math.inf,
        allowed: float = 0.0,
        ok: bool = False,
        delta: float = math.inf,
    ) -> None:
        result.diffs.append(Difference(name, key, column, a, b, cls, rel, allowed, ok, delta))

    for key in this_keys:
        if key not in other_at:
            add(describe_key(keys, key), "(row)", "present", "missing", "row")
    for key in other_keys:
        if key not in this_at:
            add(describe_key(keys, key), "(row)", "missing", "present", "row")
    key_list = keys or []
    key_set = set(key_list)
    for column in [c for c in this.columns if c not in other.columns]:
        add("(all rows)", column, "present", "missing", "column")
    for column in [c for c in other.columns if c not in this.columns]:
        add("(all rows)", column, "missing", "present", "column")

    seeded = any(k in SEED_COLUMNS for k in key_list)
    for column in [c for c in this.columns if c in other.columns and c not in key_set]:
        cls = column_class(column, [this[column], other[column]], seeded)
        if cls == CONDITION:
            continue
        a_values, b_values = this[column].tolist(), other[column].tolist()
        if cls == TIMING:
            pairs = [(_number(a_values[this_at[k]]), _number(b_values[other_at[k]])) for k in matched]
            result.ratios[column] = [
                b / a for a, b in pairs if a and b and a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)
            ]
            continue
        spreads = (seed_spreads(this, key_list, column), seed_spreads(other, key_list, column)) if cls == SEED else None
        for key in matched:
            a, b = a_values[this_at[key]], b_values[other_at[key]]
            spread = 0.0
            if spreads and not same:
                # the smaller of the two builds' spreads: a value edited or broken in one seed
                # widens that build's spread by the change itself, and must not excuse itself
                group = tuple(v for k, v in zip(key_list, key) if k not in SEED_COLUMNS)
                spread = min(s.get(group, 0.0) for s in spreads)
            result.values += 1
            verdict, rel, allowed = agreement(a, b, cls, rtol, spread)
            if verdict != "identical":
                x, y = _number(a), _number(b)
                delta = abs(x - y) if x is not None and y is not None else math.inf
                add(describe_key(keys, key), column, _fmt(a), _fmt(b), cls, rel, allowed, verdict == "within", delta)
    if any(not d.ok for d in result.diffs):
        result.status = "differs"
    elif result.diffs:
        result.status = "within tolerance"
    return result


# ---------------------------------------------------------------------------------------
# Builds: what a report folder holds, and where it came from
# ---------------------------------------------------------------------------------------


def check_report_folder(folder: Path, role: str) -> None:
    if not folder.is_dir():
        raise BadInput(f"{folder}: no such folder ({role}: expected a report folder, e.g. report/ or report/quick/)")
    if not tables_of(folder):
        raise BadInput(
            f"{folder} is not a report folder ({role}): expected result tables "
            f"results/<job>.<table>.csv in it (a build's report/ or report/<profile>/, a copy of one, "
            f"or a snapshot)" + ("; build it with make report" if role == "this build" else "")
        )


def snapshot_names(snapshots: Path) -> list[str]:
    return (
        sorted(p.name for p in snapshots.iterdir() if p.is_dir() and not p.name.startswith("."))
        if snapshots.is_dir()
        else []
    )


def resolve_other(text: str, snapshots: Path) -> Path:
    """OTHER as given: a folder, else the name of a snapshot."""
    names = snapshot_names(snapshots)
    known = f"snapshots in {snapshots}: {', '.join(names)}" if names else f"no snapshots in {snapshots} yet"
    if not text:
        raise BadInput(f"no build to compare with: give OTHER=<report folder or snapshot name> ({known})")
    path = Path(text).expanduser()
    if not path.is_dir() and "/" not in text and (snapshots / text).is_dir():
        path = snapshots / text
    if not path.is_dir():
        raise BadInput(
            f"OTHER={text}: no such folder and no snapshot of that name "
            f"(expected a report folder such as report/quick, or a snapshot name; {known})"
        )
    check_report_folder(path, "OTHER")
    return path.resolve()


def build_name(folder: Path) -> str:
    """A short name for a build: its snapshot NAME, its path in the project, or its path."""
    record = _read_json(folder / SNAPSHOT_FILE)
    if record.get("name"):
        return f"snapshot {record['name']}"
    try:
        return folder.resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        return str(folder)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def stamps_of(folder: Path) -> dict[str, dict[str, Any]]:
    """job -> stamp, for every readable stamp of a build."""
    stamps = {}
    for path in sorted((folder / "executed").glob("*.json")):
        stamp = read_stamp(folder, path.stem)
        if stamp is not None:
            stamps[path.stem] = stamp
    return stamps


def recorded_commit(folder: Path) -> str:
    """The commit the build ran from, as its provenance appendix (or snapshot) recorded it."""
    record = _read_json(folder / SNAPSHOT_FILE)
    if record.get("commit"):
        return str(record["commit"])
    for name in ("99_provenance.ipynb", "00_summary.ipynb"):
        try:
            text = (folder / "executed" / name).read_text()
        except OSError:
            continue
        # the appendix says: from commit `abc123` (clean working tree) / **with uncommitted changes**,
        # the summary (with uncommitted changes); {...} is the notebook's source, not its output
        match = re.search(
            r"from commit `([^`{}]+)`( \*\*with uncommitted changes\*\*| \(with uncommitted changes\))?", text
        )
        if match:
            return match.group(1) + (" (with uncommitted changes)" if match.group(2) else "")
    return "not recorded"


def provenance(folder: Path, tables: dict[str, Path]) -> dict[str, Any]:
    """Where a build came from: profile, commit, environment (from its stamps), conditions
    (from its tables' threads/device/parallel_jobs columns), and its jobs' finishing times."""
    stamps = stamps_of(folder)
    envs = Counter(json.dumps(s.get("parts", {}).get("environment", {}), sort_keys=True) for s in stamps.values())
    environment = json.loads(envs.most_common(1)[0][0]) if envs else {}
    conditions: dict[str, set[str]] = {c: set() for c in CONDITION_COLUMNS}
    for path in tables.values():
        header = pd.read_csv(path, nrows=0).columns
        wanted = [c for c in CONDITION_COLUMNS if c in header]
        if wanted:
            for column, values in pd.read_csv(path, usecols=wanted).items():
                conditions[column].update(_fmt(v) for v in values)
    finished = sorted(str(s["finished"]) for s in stamps.values() if s.get("finished"))
    return {
        "name": build_name(folder),
        "folder": str(folder),
        "profile": _read_json(folder / "results" / "manifest.json").get("profile") or "unknown",
        "commit": recorded_commit(folder),
        "environment": environment,
        "environments": len(envs),  # > 1: jobs of this build ran on different environments
        "conditions": {k: sorted(v) for k, v in conditions.items() if v},
        "jobs": len(stamps),
        "finished": f"{finished[0]} .. {finished[-1]}" if finished else "not recorded",
        "snapshot": _read_json(folder / SNAPSHOT_FILE),
    }


def edited_tables(folder: Path, tables: dict[str, Path]) -> set[str]:
    """Tables whose bytes are not those their job's stamp recorded: changed after the build."""
    stamps = stamps_of(folder)
    edited = set()
    for name, path in tables.items():
        job = name.rpartition(".")[0]
        recorded = stamps.get(job, {}).get("outputs", {}).get(f"results/{path.name}")
        if recorded and recorded != sha256_file(path):
            edited.add(name)
    return edited


@contextmanager
def not_being_built(folder: Path) -> Iterator[None]:
    """Read a folder only when no build holds it: a build replaces tables while it runs.
    A shared lock conflicts with the pipeline's exclusive one, and is released on exit."""
    lock = folder / ".lock"
    if not lock.exists():
        yield
        return
    fd = os.open(lock, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = lock.read_text(errors="replace").strip() or "unknown"
            raise Busy(f"{folder} is being built ({holder}); run this again when the build has ended") from None
        yield
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------
# The comparison of two builds
# ---------------------------------------------------------------------------------------


@dataclass
class Comparison:
    this: dict[str, Any]
    other: dict[str, Any]
    same: bool  # same environment and run conditions: a build is deterministic there
    results: list[TableResult]
    only_this: list[str]
    only_other: list[str]
    digests: dict[str, str]  # this build's compared tables and their SHA-256, to tell a later edit

    @property
    def reproduced(self) -> bool:
        return not self.only_this and not self.only_other and all(r.status != "differs" for r in self.results)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def counts(self) -> list[int]:
        """Tables compared, identical, within tolerance, differing, only here, only there."""
        return [
            len(self.results),
            self.count("identical"),
            self.count("within tolerance"),
            self.count("differs"),
            len(self.only_this),
            len(self.only_other),
        ]

    def differences(self) -> list[Difference]:
        """Every non-identical value, beyond tolerance first, then by the share of its tolerance
        used (a relative difference would rank the noise of a 1e-29 loss first)."""
        diffs = [d for r in self.results for d in r.diffs]
        return sorted(diffs, key=lambda d: (d.ok, -d.used, -d.rel, d.table, d.key, d.column))

    def environment_changes(self) -> list[str]:
        a, b = self.this["environment"], self.other["environment"]
        return [
            f"{k}: {a.get(k, 'absent')} / {b.get(k, 'absent')}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)
        ]

    def environment_verdict(self) -> str:
        if not self.this["environment"] or not self.other["environment"]:
            return "not recorded in both builds (no stamps executed/<job>.json)"
        changes = self.environment_changes()
        return "same" if not changes else "differs: " + "; ".join(changes)

    def tolerance_text(self) -> str:
        if self.same:
            return (
                f"floats and seed-dependent values within {RTOL:g} relative (same environment and "
                "conditions: a build is deterministic there)"
            )
        return (
            f"floats within {RTOL_ELSEWHERE:g} relative (float32 sums in another order), seed-dependent "
            "values within their spread over seeds"
        )

    def condition_changes(self) -> list[str]:
        a, b = self.this["conditions"], self.other["conditions"]
        return [
            f"{k}: {', '.join(a.get(k, ['absent']))} / {', '.join(b.get(k, ['absent']))}"
            for k in CONDITION_COLUMNS
            if a.get(k) != b.get(k)
        ]

    def all_ratios(self) -> list[float]:
        return [x for r in self.results for values in r.ratios.values() for x in values]


def compare(this_dir: Path, other_dir: Path) -> Comparison:
    """Compare every table present in both builds."""
    this_tables, other_tables = tables_of(this_dir), tables_of(other_dir)
    this_prov, other_prov = provenance(this_dir, this_tables), provenance(other_dir, other_tables)
    # the project is deterministic for one environment and one number of threads on one device
    # (parallel_jobs only sets the threads): there, everything must agree to the last bits
    same = (
        bool(this_prov["environment"])
        and this_prov["environment"] == other_prov["environment"]
        and all(this_prov["conditions"].get(k) == other_prov["conditions"].get(k) for k in ("threads", "device"))
    )
    edited = {"this build": edited_tables(this_dir, this_tables), "other build": edited_tables(other_dir, other_tables)}
    results = []
    for name in sorted(set(this_tables) & set(other_tables)):
        result = compare_frames(name, pd.read_csv(this_tables[name]), pd.read_csv(other_tables[name]), same)
        result.edited = [who for who, names in edited.items() if name in names]
        results.append(result)
    return Comparison(
        this_prov,
        other_prov,
        same,
        results,
        only_this=sorted(set(this_tables) - set(other_tables)),
        only_other=sorted(set(other_tables) - set(this_tables)),
        digests={f"results/{p.name}": sha256_file(p) for p in this_tables.values()},
    )


# ---------------------------------------------------------------------------------------
# Output: the terminal summary, compare.html and compare.json
# ---------------------------------------------------------------------------------------


def _ratio_text(ratios: list[float]) -> str:
    if not ratios:
        return "no timings to compare"
    s = pd.Series(ratios)
    return f"{len(s)} timings, other/this median {s.median():.3g} (range {s.min():.3g} to {s.max():.3g})"


def summary_text(c: Comparison, html_path: Path | None, top: int = 8) -> str:
    """The short terminal report: counts, what differs between the builds, largest differences."""
    lines = [
        f"this:  {c.this['name']} (profile {c.this['profile']}, commit {c.this['commit']})",
        f"other: {c.other['name']} (profile {c.other['profile']}, commit {c.other['commit']})",
    ]
    lines.append("environment: " + c.environment_verdict())
    if conditions := c.condition_changes():
        lines.append("conditions (this / other): " + "; ".join(conditions))
    lines.append("tolerance: " + c.tolerance_text())
    header = ["", "compared", "identical", "within tolerance", "differing", "only here", "only there"]
    row = ["tables", *c.counts()]
    widths = [max(len(h), 6) for h in header]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
    values = sum(r.values for r in c.results)
    diffs = c.differences()
    lines.append(
        f"values: {values} compared, {sum(not d.ok for d in diffs)} differing, "
        f"{sum(d.ok for d in diffs)} within tolerance; {_ratio_text(c.all_ratios())}"
    )
    for name in c.only_this:
        lines.append(f"  only in this build: results/{name}.csv")
    for name in c.only_other:
        lines.append(f"  only in the other build: results/{name}.csv")
    for r in c.results:
        for warning in r.warnings:
            lines.append(f"  warning: {r.name}: {warning}")
        for who in r.edited:
            lines.append(f"  note: {r.name}: the {who}'s copy was changed after its job wrote it (stamp SHA-256)")
    if diffs:
        lines.append("largest differences (this -> other):")
        for d in diffs[:top]:
            verdict = "within tolerance" if d.ok else "DIFFERS"
            rel = "" if math.isinf(d.rel) else f", rel. {d.rel:.2g}"
            used = "" if math.isinf(d.used) else f", {d.used:.2g} of allowed"
            lines.append(f"  {d.table} [{d.key}] {d.column}: {d.this} -> {d.other} ({d.cls}{rel}{used}) {verdict}")
        if len(diffs) > top:
            lines.append(f"  ... {len(diffs) - top} more in {html_path or 'compare.html'}")
    verdict = "REPRODUCED: everything that should match does" if c.reproduced else "DIFFERS"
    lines.append(verdict + (f"; details in {html_path}" if html_path else ""))
    return "\n".join(lines)


STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 76em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-family: ui-monospace, monospace; }
.ok { color: #176317; } .bad { color: #a31515; font-weight: 600; } .warn { color: #8a5a00; }
code { font-family: ui-monospace, monospace; }
"""


def _table(header: list[str], rows: list[list[Any]], numeric: Collection[int] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{html.escape(str(v))}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _diff_rows(diffs: list[Difference], with_table: bool) -> list[list[Any]]:
    return [
        ([d.table] if with_table else [])
        + [
            d.key,
            d.column,
            d.this,
            d.other,
            d.cls,
            "" if math.isinf(d.rel) else f"{d.rel:.3g}",
            f"{d.allowed:.3g}" if d.allowed else "",
            "" if math.isinf(d.used) else f"{d.used:.3g}",
            "within tolerance" if d.ok else "DIFFERS",
        ]
        for d in diffs
    ]


DIFF_HEADER = [
    "row key",
    "column",
    "this",
    "other",
    "class",
    "rel. difference",
    "allowed |a-b|",
    "|a-b| / allowed",
    "verdict",
]


def html_page(c: Comparison, limit: int = 300) -> str:
    """compare.html: provenance of both builds and what differs between them, then the
    largest differences, then for each differing table the rows that differ."""
    esc = html.escape
    verdict = (
        "<p class=ok><b>Reproduced</b>: everything that should match does.</p>"
        if c.reproduced
        else "<p class=bad>Differs: see below.</p>"
    )
    keys = sorted(set(c.this["environment"]) | set(c.other["environment"]))
    prov_rows = [
        [label, str(c.this[k]), str(c.other[k])]
        for label, k in [
            ("build", "name"),
            ("folder", "folder"),
            ("profile", "profile"),
            ("commit", "commit"),
            ("jobs (stamps)", "jobs"),
            ("jobs finished", "finished"),
        ]
    ]
    prov_rows += [
        [
            f"condition: {k}",
            ", ".join(c.this["conditions"].get(k, ["-"])),
            ", ".join(c.other["conditions"].get(k, ["-"])),
        ]
        for k in CONDITION_COLUMNS
    ]
    prov_rows += [[k, c.this["environment"].get(k, "absent"), c.other["environment"].get(k, "absent")] for k in keys]
    # names, folders and times always differ: flag only what can explain a difference in results
    prov_rows = [
        [*row, "" if row[0] in ("build", "folder", "jobs finished") else "same" if row[1] == row[2] else "differs"]
        for row in prov_rows
    ]
    changes = c.environment_changes() + c.condition_changes()
    if c.this["profile"] != c.other["profile"]:
        changes.insert(0, f"profile: {c.this['profile']} / {c.other['profile']}")
    if c.this["commit"] != c.other["commit"]:
        changes.insert(0, f"commit: {c.this['commit']} / {c.other['commit']}")
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Did it reproduce? "
        f"{esc(c.this['name'])} vs {esc(c.other['name'])}</title><style>{STYLE}</style></head><body>",
        f"<h1>Did it reproduce?</h1><p>This build <code>{esc(c.this['name'])}</code> compared with "
        f"<code>{esc(c.other['name'])}</code>, {time.strftime('%Y-%m-%d %H:%M %Z')}.</p>",
        verdict,
        "<h2>The two builds</h2>",
        "<p>What differs between them: "
        + (esc("; ".join(changes)) if changes else "nothing (same commit, profile, environment and run conditions)")
        + ".</p>",
        _table(["", "this build", "other build", ""], prov_rows),
        "<h2>Summary</h2>",
        _table(
            [
                "tables compared",
                "identical",
                "within tolerance",
                "differing",
                "only in this build",
                "only in the other",
            ],
            [c.counts()],
            numeric={0, 1, 2, 3, 4, 5},
        ),
        "<p>Rows are matched on each table's key columns. Exact columns (counts, integers, booleans, text) "
        f"must be equal; columns measuring rounding error agree when both are below {ROUNDOFF_BOUND:g}; "
        + (
            (
                f"both builds ran on the same environment and run conditions, where the project is deterministic, "
                f"so every other number must agree within {RTOL:g} relative + {ATOL:g} absolute"
            )
            if c.same
            else (
                f"the builds ran on other environments or run conditions, so deterministic floats must agree "
                f"within {RTOL_ELSEWHERE:g} relative + {ATOL:g} absolute (torch's float32 sums in another order), "
                "and seed-dependent values (tables with a seed or subset column) within the spread (max &minus; "
                "min) of that value over the seeds of its row's group, the smaller of the two builds' spreads"
            )
        )
        + ". Timings are not expected to match: they are given as ratios below.</p>",
    ]
    missing = [[f"results/{n}.csv", "only in this build"] for n in c.only_this] + [
        [f"results/{n}.csv", "only in the other build"] for n in c.only_other
    ]
    if missing:
        parts += ["<h2>Missing tables</h2>", _table(["table", "where"], missing)]
    notes = [[r.name, w] for r in c.results for w in r.warnings]
    notes += [
        [r.name, f"the {who}'s copy was changed after its job wrote it (SHA-256 differs from its stamp)"]
        for r in c.results
        for who in r.edited
    ]
    if notes:
        parts += ["<h2>Warnings</h2>", _table(["table", "warning"], notes)]
    diffs = c.differences()
    parts.append("<h2>Largest differences</h2>")
    parts.append(
        _table(["table", *DIFF_HEADER], _diff_rows(diffs[:40], True))
        if diffs
        else "<p>None: every compared value is identical.</p>"
    )
    for r in c.results:
        if r.status == "differs":
            shown = [d for d in r.diffs if not d.ok]
            parts.append(f"<h3>{esc(r.name)}: {len(shown)} difference(s) beyond tolerance</h3>")
            parts.append(_table(DIFF_HEADER, _diff_rows(shown[:limit], False)))
            if len(shown) > limit:
                parts.append(f"<p>... and {len(shown) - limit} more.</p>")
    timing = [
        [r.name, col, len(v), f"{pd.Series(v).median():.3g}", f"{min(v):.3g}", f"{max(v):.3g}"]
        for r in c.results
        for col, v in r.ratios.items()
        if v
    ]
    parts.append("<h2>Timings (other / this)</h2>")
    parts.append(
        _table(["table", "column", "values", "median ratio", "min", "max"], timing, numeric={2, 3, 4, 5})
        if timing
        else "<p>No timings to compare.</p>"
    )
    parts.append("<h2>Every table</h2>")
    parts.append(
        _table(
            ["table", "rows matched", "values compared", "verdict"],
            [[r.name, r.rows, r.values, r.status] for r in c.results],
            numeric={1, 2},
        )
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def record(c: Comparison) -> dict[str, Any]:
    """compare.json: the other build's name and the result, with this build's tables' SHA-256
    so that a later reader can tell the comparison still speaks for the tables on disk."""
    return {
        "other": c.other["name"],
        "other_folder": c.other["folder"],
        "compared": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "reproduced": c.reproduced,
        "tables": len(c.results),
        "identical": c.count("identical"),
        "within_tolerance": c.count("within tolerance"),
        "differing": c.count("differs"),
        "only_this": c.only_this,
        "only_other": c.only_other,
        "digests": c.digests,
    }


# ---------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------

SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def snapshot(report: Path, name: str, snapshots: Path) -> Path:
    """Keep a build's results for later comparison: results/ (tables and manifest), the
    stamps (environment, outputs' SHA-256) and where it came from, copied into a temporary
    folder and renamed into place, so a snapshot is whole or absent."""
    if not SNAPSHOT_NAME.match(name or ""):
        raise BadInput(
            f"NAME={name!r}: expected a snapshot name of letters, digits, '.', '_' or '-' "
            "(make snapshot NAME=before-upgrade)"
        )
    check_report_folder(report, "the build to snapshot")
    target = snapshots / name
    if target.exists():
        raise BadInput(f"{target} exists: choose another NAME, or delete that snapshot first")
    snapshots.mkdir(parents=True, exist_ok=True)
    with not_being_built(report):
        # a dot-name without '.part': the pipeline's clean-up unlinks '.*.part' files in report/
        tmp = Path(tempfile.mkdtemp(dir=snapshots, prefix=f".{name}.tmp-"))
        try:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes it private; a snapshot has the usual mode
            (tmp / "results").mkdir()
            (tmp / "executed").mkdir()
            for path in (report / "results").iterdir():
                if path.suffix in (".csv", ".json") and not path.name.startswith("."):
                    shutil.copy2(path, tmp / "results" / path.name)
            for path in (report / "executed").glob("*.json"):
                shutil.copy2(path, tmp / "executed" / path.name)
            info = {
                "name": name,
                "source": str(report.resolve()),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "commit": recorded_commit(report),
            }
            atomic_write_text(tmp / SNAPSHOT_FILE, json.dumps(info, indent=1))
            os.rename(tmp, target)  # atomic; fails rather than merge if the name appeared meanwhile
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target
