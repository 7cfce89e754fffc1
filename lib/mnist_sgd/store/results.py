"""Tidy result tables: written atomically per job, read back across jobs.

Each job writes ``results/<job>.<table>.csv``. The pipeline writes
``results/manifest.json`` listing the jobs of the current run, so a summary notebook
reads exactly the jobs of its own profile, not leftovers of another one.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd

from mnist_sgd.store import paths
from mnist_sgd.store.files import atomic_write_text
from mnist_sgd.store.stamps import sha256_file

MANIFEST = "manifest.json"
TABLE_NAME = re.compile(r"^(?P<job>.+)\.(?P<table>[A-Za-z0-9_]+)\.csv$")  # <job>.<table>.csv; jobs may hold dots
COMPARE_RECORD = "compare.json"  # what ``make compare`` found, written by compare_cli


def table_path(job: str, table: str) -> Path:
    return paths.results_dir() / f"{job}.{table}.csv"


_said: set[str] = set()  # the one-line notices of an interactive session, each said once


def _say_once(key: str, text: str) -> None:
    if key not in _said:
        _said.add(key)
        print(text)


def write_table(df: pd.DataFrame, job: str, table: str) -> None:
    """Save one tidy table of a job (into its staging folder under the pipeline, into the
    lab's scratch folder outside a build, saying so once). Returns nothing, so a cell ending
    with it shows no path of the machine in the report."""
    if not paths.in_build():
        _say_once(
            "write",
            f"Interactive run, not a build: this session's tables go to {paths.output_dir()} "
            "(only make report writes a report's results/).",
        )
    atomic_write_text(paths.output_dir() / f"{job}.{table}.csv", df.to_csv(index=False))


def reading_text(folder: Path) -> str:
    """The line an interactive session shows before it reads tables: which folder, and what it holds."""
    if paths.reads_lab():
        return f"Reading this lab's scratch tables in {paths.results_of(folder)} (MNIST_SGD_LAB_READS=lab), not a built report."
    manifest = paths.results_of(folder) / MANIFEST
    if not manifest.exists():
        return f"Reading {folder}: no build there (no {MANIFEST})."
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(manifest.stat().st_mtime))
    profile = read_manifest(folder).get("profile")
    return (
        f"Reading the built report in {folder} (profile {profile}, built {built}); "
        "MNIST_SGD_LAB_READS=lab reads this lab's scratch tables instead."
    )


def _reading(folder: Path) -> None:
    if not paths.in_build():
        _say_once("read", reading_text(folder))


def write_manifest(report: Path, profile: str, jobs: list[dict[str, Any]], start_order: str) -> None:
    """List the jobs of this run in ``report``'s results, with the sentence saying how the build
    chose which job to start next (the build's driver writes it; the appendix reads it, so
    that no notebook imports the build's code)."""
    payload = json.dumps({"profile": profile, "start_order": start_order, "jobs": jobs}, indent=1)
    atomic_write_text(paths.results_of(report) / MANIFEST, payload)


def read_manifest(report: Path | None = None) -> dict[str, Any]:
    """The jobs of the last run in ``report`` (default: the folder this kernel reads)."""
    if report is None:
        _reading(paths.read_folder())
    path = (paths.results_of(report) if report else paths.results_dir()) / MANIFEST
    return json.loads(path.read_text()) if path.exists() else {"profile": None, "jobs": []}


def jobs_of(notebook: str) -> list[str]:
    """The job ids of ``notebook`` in the current run (all found on disk if no manifest)."""
    listed = [j["job_id"] for j in read_manifest()["jobs"] if j["notebook"] == notebook]
    if listed:
        return listed
    found = {p.name.rsplit(".", 2)[0] for p in paths.results_dir().glob(f"{notebook}*.csv")}  # <job>.<table>.csv
    return sorted(j for j in found if j == notebook or j.startswith(f"{notebook}__"))


def read_tables(notebook: str, table: str) -> pd.DataFrame:
    """One table concatenated over every job of ``notebook``, with a ``job`` column."""
    _reading(paths.read_folder())
    frames = []
    for job in jobs_of(notebook):
        path = table_path(job, table)
        if not path.exists():
            raise FileNotFoundError(f"{path}: missing; run the job {job} first (make report)")
        frames.append(pd.read_csv(path).assign(job=job))
    if not frames:
        hint = (
            f"run {notebook} in this lab first"
            if paths.reads_lab()
            else "run make report first (or, in JupyterLab, "
            "MNIST_SGD_REPORT_DIR=report/<profile> for another profile's build)"
        )
        raise FileNotFoundError(f"no '{table}' results of {notebook} in {paths.results_dir()}; {hint}")
    return pd.concat(frames, ignore_index=True)


def tables_of(folder: Path) -> dict[str, Path]:
    """'<job>.<table>' -> path, for every result table of the build in ``folder``."""
    found = {}
    for path in sorted(paths.results_of(folder).glob("*.csv")):
        if TABLE_NAME.match(path.name):
            found[path.name[:-4]] = path
    return found


def reproduced_against(report: Path | None = None) -> str | None:
    """The name of the build this one was last compared with (``snapshot <NAME>`` or a
    folder) when that comparison found nothing differing and this build's result tables
    are still those compared; else None. For the provenance appendix: "reproduced against ..."."""
    folder = report or paths.report_dir()
    try:
        saved = json.loads((folder / COMPARE_RECORD).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or not saved.get("reproduced") or not isinstance(saved.get("digests"), dict):
        return None
    now = {f"results/{p.name}": sha256_file(p) for p in tables_of(folder).values()}
    return str(saved["other"]) if now == saved["digests"] else None
