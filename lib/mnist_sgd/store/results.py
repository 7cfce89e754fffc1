"""Tidy result tables: written atomically per job, read back across jobs.

Each job writes ``results/<job>.<table>.csv``. The pipeline writes
``results/manifest.json`` listing the jobs of the current run, so a summary notebook
reads exactly the jobs of its own profile, not leftovers of another one.
"""

from __future__ import annotations

import json
import re
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


def write_table(df: pd.DataFrame, job: str, table: str) -> None:
    """Save one tidy table of a job (into its staging folder under the pipeline). Returns
    nothing, so a cell ending with it shows no path of the machine in the report."""
    atomic_write_text(paths.output_dir() / f"{job}.{table}.csv", df.to_csv(index=False))


def write_manifest(report: Path, profile: str, jobs: list[dict[str, Any]], start_order: str) -> None:
    """List the jobs of this run in ``report``'s results, with the sentence saying how the build
    chose which job to start next (the build's driver writes it; the appendix reads it, so
    that no notebook imports the build's code)."""
    payload = json.dumps({"profile": profile, "start_order": start_order, "jobs": jobs}, indent=1)
    atomic_write_text(paths.results_of(report) / MANIFEST, payload)


def read_manifest(report: Path | None = None) -> dict[str, Any]:
    """The jobs of the last run in ``report`` (default: this kernel's report folder)."""
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
    frames = []
    for job in jobs_of(notebook):
        path = table_path(job, table)
        if not path.exists():
            raise FileNotFoundError(f"{path}: missing; run the job {job} first (make report)")
        frames.append(pd.read_csv(path).assign(job=job))
    if not frames:
        raise FileNotFoundError(f"no '{table}' results of {notebook} in {paths.results_dir()}; run make report first")
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
