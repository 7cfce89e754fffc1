"""The order a build starts its jobs in, and the sentence the provenance appendix gives it.

One module for both, and one the jobs' identity covers, so that the appendix cannot
describe another policy than the one that ran.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from .stamps import read_stamp

if TYPE_CHECKING:  # for the hints alone: the jobs' identity covers this module, not the build's params
    from .params import Job

# Longest first keeps every worker busy to the end instead of leaving one long job alone
# on the last core.
START_ORDER = (
    "Every job is handed to the Dask scheduler with a priority: the longer it took in the previous build that "
    "ran it (its stamp's run time), the higher; a job with no recorded time (new, or never finished here) "
    "counts as longer than any other, and ties keep the profile's order. Among the jobs whose inputs are "
    "ready, a free worker takes the one of highest priority."
)


def expected_seconds(report: Path, jobs: list[Job]) -> dict[str, float]:
    """Each job's run time in the last build that finished it (infinite when none is recorded)."""
    stamps = {j.job_id: read_stamp(report, j.job_id) for j in jobs}
    return {job_id: float(stamp.get("seconds", math.inf)) if stamp else math.inf for job_id, stamp in stamps.items()}


def longest_first(jobs: list[Job], seconds: dict[str, float]) -> list[Job]:
    """``jobs`` by expected run time, longest first; a stable sort keeps the given order on ties."""
    return sorted(jobs, key=lambda j: -seconds[j.job_id])


def priorities(report: Path, jobs: list[Job]) -> dict[str, int]:
    """Each job's Dask priority (higher starts first): its rank in ``longest_first``."""
    ranked = longest_first(jobs, expected_seconds(report, jobs))
    return {job.job_id: len(ranked) - i for i, job in enumerate(ranked)}
