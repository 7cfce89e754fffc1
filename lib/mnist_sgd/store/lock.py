"""One build at a time per report folder: a lock on its ``.lock`` file.

A build holds it exclusively while it runs; the comparison takes it shared while it reads a
folder, so that it never reads tables a build is replacing. Both are released when the
process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mnist_sgd.store import paths


class Busy(Exception):
    """Another build holds the report folder."""

    def __init__(self, folder: Path, holder: str):
        super().__init__(f"{folder} is being built by another build ({holder})")
        self.folder, self.holder = folder, holder


def _holder(lock: Path) -> str:
    return lock.read_text(errors="replace").strip() or "unknown"


class BuildLock:
    """The exclusive lock of a build on its report folder; the lock file says who holds it."""

    def __init__(self, report: Path):
        self.report, self.path = report, paths.lock_file(report)
        self.fd = -1

    def __enter__(self) -> BuildLock:
        self.report.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(self.path)
            os.close(self.fd)
            raise Busy(self.report, holder) from None
        os.ftruncate(self.fd, 0)
        command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))
        os.write(self.fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}: {command}\n".encode())
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


@contextmanager
def not_being_built(folder: Path) -> Iterator[None]:
    """Read a folder only when no build holds it: a shared lock, which conflicts with a
    build's exclusive one (a folder never built has no lock file and needs none)."""
    lock = paths.lock_file(folder)
    if not lock.exists():
        yield
        return
    fd = os.open(lock, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(folder, _holder(lock)) from None
        yield
    finally:
        os.close(fd)
