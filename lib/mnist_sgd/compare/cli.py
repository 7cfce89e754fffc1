"""Did it reproduce? Compare this build's result tables with another build's, or keep a
snapshot of them to compare with later: the command line of ``compare.py``.

    python -m mnist_sgd.compare.cli OTHER [--report DIR | --profile P]   (make compare OTHER=...)
    python -m mnist_sgd.compare.cli --snapshot NAME [--report DIR | --profile P]   (make snapshot NAME=...)

OTHER is another report folder (``report/``, ``report/<profile>/``, a copy from another
machine) or the NAME of a snapshot kept in ``report/snapshots/<NAME>/``. This build is
``--report``, else the folder ``--profile`` builds into, worked out once as the build does
(``paths.report_folder``).

Writes ``compare.html`` and ``compare.json`` into this build's folder. Exit code 0 when
everything that should match does, 1 when something differs or is missing, 2 for bad
input, 75 when a build holds one of the folders.

A module apart from ``compare.py`` because the provenance appendix imports that one, which
makes it part of every job's identity; this one uses the build's code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mnist_sgd.build.params import ParamError, load_profile
from mnist_sgd.compare.comparison import compare, record, summary_text
from mnist_sgd.compare.folders import HTML_FILE, BadInput, build_name, check_report_folder, resolve_other, snapshot
from mnist_sgd.compare.page import html_page
from mnist_sgd.store import paths
from mnist_sgd.store.files import atomic_write_text
from mnist_sgd.store.lock import Busy, not_being_built
from mnist_sgd.store.results import COMPARE_RECORD

EXIT_OK, EXIT_DIFFERS, EXIT_BAD_INPUT, EXIT_BUSY = 0, 1, 2, 75  # 75: as the pipeline, a build holds the folder


def this_report(args: argparse.Namespace) -> Path:
    """--report, else the folder the profile builds into (MNIST_SGD_REPORT_DIR honoured)."""
    if args.report:
        return Path(args.report).expanduser().resolve()
    try:
        return paths.report_folder(load_profile(args.profile).name)
    except ParamError as err:
        raise BadInput(str(err)) from None


def run(args: argparse.Namespace, report: Path) -> int:
    snapshots = Path(args.snapshots).expanduser() if args.snapshots else paths.ROOT / "report" / "snapshots"
    if args.snapshot is not None:
        target = snapshot(report, args.snapshot, snapshots)
        print(f"snapshot of {build_name(report)} kept in {target}; compare with it: make compare OTHER={args.snapshot}")
        return EXIT_OK
    check_report_folder(report, "this build")
    other = resolve_other(args.other or "", snapshots)
    with not_being_built(report), not_being_built(other):
        result = compare(report, other)
    html_path = report / HTML_FILE
    atomic_write_text(html_path, html_page(result))
    atomic_write_text(report / COMPARE_RECORD, json.dumps(record(result), indent=1))
    print(summary_text(result, html_path))
    return EXIT_OK if result.reproduced else EXIT_DIFFERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist_sgd.compare.cli", description=__doc__.split("\n\n")[0])
    parser.add_argument("other", nargs="?", help="another report folder, or the NAME of a snapshot")
    parser.add_argument("--report", help="this build's folder (default: the folder of --profile)")
    parser.add_argument("--profile", default="full", help="profile whose folder is this build (default: full)")
    parser.add_argument("--snapshot", metavar="NAME", help="instead of comparing, keep a snapshot of this build")
    parser.add_argument("--snapshots", help="the folder of snapshots (default: report/snapshots)")
    args = parser.parse_args(argv)
    try:
        report = this_report(args)  # worked out once, and passed to what needs it
        return run(args, report)
    except BadInput as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Busy as err:
        print(f"error: {err}; run this again when the build has ended", file=sys.stderr)
        return EXIT_BUSY


if __name__ == "__main__":
    sys.exit(main())
