"""Every path the project uses, from one place.

The report folder can be moved (tests build into a temporary folder) by setting
``MNIST_SGD_REPORT_DIR``; everything generated lives under it. A job run by the pipeline
writes its tables into its own staging folder, ``MNIST_SGD_OUTPUT_DIR``. A notebook run
outside a build (in JupyterLab) writes into the lab's scratch folder, ``report/lab/``
(``MNIST_SGD_LAB_DIR``), never into a built report; it reads the built report, or the
scratch tables when ``MNIST_SGD_LAB_READS=lab``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
DATA = Path(os.environ.get("MNIST_SGD_DATA_DIR", ROOT / "data"))
RAW = DATA / "MNIST" / "raw"
KERNEL_NAME = "mnist-sgd"

# The layout of a report folder: what only a build writes.
RESULTS = "results"  # results/<job>.<table>.csv and the manifest
EXECUTED = "executed"  # executed/<job>.ipynb and its stamp executed/<job>.json
LOCK = ".lock"  # held by the build that writes the folder


def results_of(report: Path) -> Path:
    return report / RESULTS


def executed_of(report: Path) -> Path:
    return report / EXECUTED


def lock_file(report: Path) -> Path:
    return report / LOCK


def report_folder(profile: str) -> Path:
    """The folder the profile named ``profile`` builds into: report/ for full, report/<profile>/
    for others, or MNIST_SGD_REPORT_DIR when set (tests build into temporary folders). The
    command-line drivers (pipeline, compare, bench) work it out once and pass it."""
    if "MNIST_SGD_REPORT_DIR" in os.environ:
        return Path(os.environ["MNIST_SGD_REPORT_DIR"]).resolve()
    base = ROOT / "report"
    return base if profile == "full" else base / profile


def report_dir() -> Path:
    """The folder of the report being built, read from the environment at every call: for
    code running inside a job's kernel, where the environment is how the worker tells it its
    folder (and tests move it). The drivers use ``report_folder``."""
    return Path(os.environ.get("MNIST_SGD_REPORT_DIR", ROOT / "report"))


def executed_dir() -> Path:
    return executed_of(report_dir())


def in_build() -> bool:
    """True in a job the pipeline runs (its worker names the job's staging folder)."""
    return "MNIST_SGD_OUTPUT_DIR" in os.environ


def lab_dir() -> Path:
    """The scratch folder of interactive runs: what a notebook writes outside a build."""
    return Path(os.environ.get("MNIST_SGD_LAB_DIR", ROOT / "report" / "lab"))


def reads_lab() -> bool:
    """True when an interactive run asked to read the lab's scratch tables, not the built report."""
    return not in_build() and os.environ.get("MNIST_SGD_LAB_READS") == "lab"


def read_folder() -> Path:
    """The folder whose tables a notebook reads: the build's, else the built report (or the
    lab's scratch folder when asked), never a mix of the two."""
    return lab_dir() if reads_lab() else report_dir()


def results_dir() -> Path:
    return results_of(read_folder())


def output_dir() -> Path:
    """Where a notebook writes its result tables: the job's staging folder when the
    pipeline runs it (moved into results/ only if the job succeeds), else the lab's
    scratch folder: only a build writes a report's results/."""
    staged = os.environ.get("MNIST_SGD_OUTPUT_DIR")
    return Path(staged) if staged else results_of(lab_dir())
