"""The two folders of a comparison: what a report folder holds, where it came from, and snapshots of it."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from mnist_sgd.compare.tables import CONDITION_COLUMNS, shown
from mnist_sgd.store import paths
from mnist_sgd.store.files import atomic_write_text
from mnist_sgd.store.lock import not_being_built
from mnist_sgd.store.results import tables_of
from mnist_sgd.store.stamps import read_stamp, sha256_file

HTML_FILE, SNAPSHOT_FILE = "compare.html", "snapshot.json"


class BadInput(Exception):
    """A folder or name that cannot be compared: one line saying what and what was expected."""


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
    for path in sorted(paths.executed_of(folder).glob("*.json")):
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
            text = (paths.executed_of(folder) / name).read_text()
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
                conditions[column].update(shown(v) for v in values)
    finished = sorted(str(s["finished"]) for s in stamps.values() if s.get("finished"))
    return {
        "name": build_name(folder),
        "folder": str(folder),
        "profile": _read_json(paths.results_of(folder) / "manifest.json").get("profile") or "unknown",
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
            paths.results_of(tmp).mkdir()
            paths.executed_of(tmp).mkdir()
            for path in paths.results_of(report).iterdir():
                if path.suffix in (".csv", ".json") and not path.name.startswith("."):
                    shutil.copy2(path, paths.results_of(tmp) / path.name)
            for path in paths.executed_of(report).glob("*.json"):
                shutil.copy2(path, paths.executed_of(tmp) / path.name)
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
