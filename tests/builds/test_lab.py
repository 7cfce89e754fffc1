"""Exploring in JupyterLab leaves the built report alone: a real server, started as `make lab`
starts it, runs notebooks with their defaults through its REST and kernel websocket API and
saves them, as a user does, next to the session's quick build."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from helpers import QUICK

from mnist_sgd.store import paths

TOKEN = uuid.uuid4().hex
RUN = ("03_batch_size", "07_mlp_grid")  # the two notebooks whose defaults train the most
SUMMARY = "04_batch_size_summary"  # reads 03's tables: of the built report, not of this session
RUN_SECONDS = 300  # per notebook, on a machine busy with other tests: the defaults take under a minute idle


def digests(folder: Path) -> dict[str, str]:
    """Every file's SHA-256 but Jupyter's checkpoints (``.ipynb_checkpoints/``, git-ignored)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    }


def git_status() -> str:
    """``git status`` of the whole checkout (nothing to compare without git)."""
    if not (paths.ROOT / ".git").exists():
        return ""
    return subprocess.run(["git", "status", "--porcelain"], cwd=paths.ROOT, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running server: its REST API, and one kernel's channels over the websocket."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Authorization", f"token {TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, {}

    def wait_up(self, server: subprocess.Popen, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert server.poll() is None, "the lab server exited"
            try:
                if self.call("GET", "/api/status")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError("the lab server did not answer")

    async def run_cells(self, kernel: str, cells: list[dict]) -> None:
        """Execute each code cell in the kernel, as the lab's Run All does, filling its outputs."""
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = self.base.replace("http", "ws") + f"/api/kernels/{kernel}/channels"
        ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {TOKEN}"}))
        try:
            await ready(ws)
            for count, cell in enumerate((c for c in cells if c["cell_type"] == "code"), start=1):
                content = {"code": "".join(cell["source"]), "silent": False, "store_history": True}
                content |= {"user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
                msg_id = await send(ws, "execute_request", content)
                cell["outputs"], cell["execution_count"] = [], count
                while True:
                    kind, got = await reply_to(ws, msg_id, RUN_SECONDS)
                    if kind == "error":
                        raise AssertionError("\n".join(got["traceback"]))
                    if kind in ("stream", "display_data", "execute_result"):
                        cell["outputs"].append({"output_type": kind, **got})
                    if kind == "status" and got["execution_state"] == "idle":
                        break
        finally:
            ws.close()


async def send(ws, msg_type: str, content: dict) -> str:
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": msg_type, "session": TOKEN, "username": "test", "version": "5.3"}
    message = {"header": header | {"date": ""}, "parent_header": {}, "metadata": {}, "content": content}
    await ws.write_message(json.dumps(message | {"channel": "shell"}))
    return msg_id


async def reply_to(ws, msg_id: str, seconds: float) -> tuple[str, dict]:
    """The next message the kernel sends in answer to ``msg_id`` (its type and content)."""
    while True:
        text = await asyncio.wait_for(ws.read_message(), seconds)
        assert text is not None, "the kernel's websocket closed"
        message = json.loads(text)
        if message.get("parent_header", {}).get("msg_id") == msg_id:
            return message["msg_type"], message["content"]


async def ready(ws, seconds: float = 120) -> None:
    """Wait until the kernel answers on its channels, as the lab waits for kernel_info before
    it runs a cell (a request sent while a slow kernel is still starting can be lost)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        msg_id = await send(ws, "kernel_info_request", {})
        try:
            while (await reply_to(ws, msg_id, 5))[0] != "kernel_info_reply":
                pass
            return
        except TimeoutError:
            continue
    raise AssertionError(f"the kernel did not answer in {seconds:g} s")


def lab_texts(nb: dict) -> str:
    return "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"])


def test_a_lab_session_runs_and_saves_notebooks_and_leaves_the_built_report_and_git_alone(quick, tmp_path):
    report, _ = quick
    before, tracked = digests(report), digests(paths.NOTEBOOKS)
    status_before = git_status()  # clean on a fresh clone; as it was, on a checkout being edited
    checkpoints = paths.NOTEBOOKS / ".ipynb_checkpoints"
    had_checkpoints = checkpoints.exists()
    root = tmp_path / "project"  # the project as the lab shows it: its notebooks and this report
    root.mkdir()
    (root / "notebooks").symlink_to(paths.NOTEBOOKS)
    (root / "report").symlink_to(report)
    lab_dir, port = tmp_path / "lab", free_port()
    env = {**os.environ, "MNIST_SGD_REPORT_DIR": str(report), "MNIST_SGD_LAB_DIR": str(lab_dir)}
    command = [sys.executable, "-m", "mnist_sgd.build.lab", "--profile", "quick", "--root", str(root)]
    command += ["--no-browser", f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lab, seconds = Lab(port), {}
    try:
        lab.wait_up(server)
        for notebook in (*RUN, SUMMARY):
            path = f"notebooks/{notebook}.ipynb"
            status, session = lab.call("POST", "/api/sessions", {"path": path, "type": "notebook", "name": ""})
            assert status == 201, status
            nb = lab.call("GET", f"/api/contents/{path}")[1]["content"]
            started = time.monotonic()
            asyncio.run(lab.run_cells(session["kernel"]["id"], nb["cells"]))
            seconds[notebook] = time.monotonic() - started
            said = lab_texts(nb)
            assert f"tables go to {paths.results_of(lab_dir)}" in said and said.count("Interactive run") == 1
            if notebook == SUMMARY:
                assert said.startswith(f"Reading the built report in {report} (profile quick, built ")
            status, saved = lab.call(
                "PUT", f"/api/contents/{path}", {"type": "notebook", "format": "json", "content": nb}
            )
            assert status == 200 and saved["path"] == path
            lab.call("DELETE", f"/api/sessions/{session['id']}")
        status, executed = lab.call("GET", "/api/contents/report/executed/03_batch_size__batch_size-10.ipynb")
        assert status == 200 and executed["type"] == "notebook"
        assert any(c.get("outputs") for c in executed["content"]["cells"])  # as the build ran it
    finally:
        server.terminate()
        log = server.communicate(timeout=60)[0]
        if not had_checkpoints:  # the saves' checkpoints: leave the checkout as found
            shutil.rmtree(checkpoints, ignore_errors=True)
    print("seconds of the defaults, run through the lab:", {k: round(v, 1) for k, v in seconds.items()})
    assert f"the summaries read the quick build in {report}" in log
    assert digests(report) == before  # the built report, byte for byte
    assert digests(paths.NOTEBOOKS) == tracked  # saved as committed
    written = {p.name.rsplit(".", 2)[0] for p in (lab_dir / "results").glob("*.csv")}  # <job>.<table>.csv
    assert {"03_batch_size__batch_size-100", "07_mlp_grid__batch_size-32__lr-0.1"} <= written
    assert all(name.startswith((*RUN, SUMMARY)) for name in written), written
    assert git_status() == status_before
    plan = subprocess.run(QUICK + ["--dry-run"], env=env, capture_output=True, text=True, timeout=300)
    assert "0 to run" in plan.stdout, plan.stdout + plan.stderr
