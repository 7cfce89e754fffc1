"""What a finished job leaves in its report folder besides its tables, read back: its
executed notebook (``executed/<job>.ipynb``) and its stamp (``executed/<job>.json``).

Notebooks read stamps too (the provenance appendix, the comparison with another build, the
start order), so the jobs' identity covers this module: it holds the reading alone, and
``identity.py``, which writes stamps and hashes the jobs, stays the build's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mnist_sgd.store import paths


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def executed_path(report: Path, job_id: str) -> Path:
    return paths.executed_of(report) / f"{job_id}.ipynb"


def stamp_path(report: Path, job_id: str) -> Path:
    return paths.executed_of(report) / f"{job_id}.json"


def read_stamp(report: Path, job_id: str) -> dict[str, Any] | None:
    """The stamp of a finished job, or None when it is missing or unreadable."""
    try:
        stamp = json.loads(stamp_path(report, job_id).read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and isinstance(stamp.get("outputs"), dict) else None
