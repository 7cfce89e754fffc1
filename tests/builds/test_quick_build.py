"""The real quick profile, built whole: interrupted, resumed, and reproduced to the last bit."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import processes_of, result_tables


def test_interrupted_run_resumes_and_results_are_deterministic(tmp_path, quick):
    """Ctrl-C a real quick build half-way, run it again, compare with an uninterrupted build."""
    import signal
    import time

    import pandas as pd

    cmd = [sys.executable, "-m", "mnist_sgd.build.cli", "--profile", "quick", "-j", "2", "--no-pdf"]
    stopped = tmp_path / "stopped"
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(stopped)}
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.time() + 300
    while time.time() < deadline and len(list((stopped / "executed").glob("*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    time.sleep(2)
    assert not processes_of(stopped), "a job or kernel outlived the build"
    done_before = {p.stem for p in (stopped / "executed").glob("*.json")}
    assert done_before, "nothing finished before the interruption"

    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done_before)} up to date" in resumed.stdout
    assert not list(stopped.rglob("*.part"))

    a, b = result_tables(stopped), result_tables(quick[0])  # against an uninterrupted build
    assert a.keys() == b.keys() and len(a) > 3
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
