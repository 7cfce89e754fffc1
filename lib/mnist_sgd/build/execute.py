"""Execute one job in a process of its own: ``python -m mnist_sgd.build.execute <staging folder>``.

The worker (``worker.py``) starts one such process per job, in a session of its own, so
that a terminal's Ctrl-C reaches the build's driver alone and the driver decides how jobs
stop (SIGTERM: papermill's client then shuts the kernel down). The staging folder holds
``job.json`` (what to run) and ``input.ipynb`` (the notebook as hashed); papermill writes the executed notebook there and the
notebook writes its result tables to ``results/`` in it (``MNIST_SGD_OUTPUT_DIR``); the
outcome goes to ``outcome.json``. The driver writes the outputs into the report only when
the job succeeded, so a failed or stopped job never replaces a good result.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from mnist_sgd.store.files import atomic_write_text

SPEC, INPUT, NOTEBOOK, OUTCOME, KERNEL_PID = "job.json", "input.ipynb", "executed.ipynb", "outcome.json", "kernel.pid"
# jupyter_client's words for a kernel that never answered its first request
KERNEL_NEVER_READY = ("Kernel died before replying to kernel_info", "Kernel didn't respond in")


def exit_with_parent() -> None:
    """Exit if the worker disappears (killed with SIGKILL): the kernel, whose parent
    this process is, then exits too (ipykernel watches its parent), so nothing lingers."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def kernel_manager(staging: Path) -> type:
    """papermill's kernel manager, recording the kernel's pid so that a stopped build can
    make sure the kernel is gone."""
    from jupyter_client.manager import AsyncKernelManager

    class PidRecordingKernelManager(AsyncKernelManager):
        async def _async_post_start_kernel(self, **kw) -> None:
            await super()._async_post_start_kernel(**kw)
            pid = getattr(self.provisioner, "pid", None)
            if pid:
                atomic_write_text(staging / KERNEL_PID, str(pid))

    return PidRecordingKernelManager


def run(staging: Path) -> dict:
    """Execute the notebook described in ``staging/job.json``; the outcome as a dict."""
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    spec = json.loads((staging / SPEC).read_text())
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            spec["notebook"],
            str(staging / NOTEBOOK),
            parameters=spec["parameters"],
            kernel_name=spec["kernel"],
            cwd=spec["cwd"],
            progress_bar=False,
            log_output=False,
            kernel_manager_class=kernel_manager(staging),
            # the kernel's own log lines (transport warnings, shutdown) would garble the progress bar
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as err:
        return {"ok": False, "cell": err.source, "error": f"{err.ename}: {err.evalue}"}
    except DeadKernelError as err:
        return {
            "ok": False,
            "lost": True,  # not the notebook's fault: the worker tries once more
            "cell": "",
            "error": f"kernel died while running the notebook (killed, e.g. by the out-of-memory killer?): {err}",
        }
    except RuntimeError as err:
        if not str(err).startswith(KERNEL_NEVER_READY):
            return {"ok": False, "cell": "", "error": f"RuntimeError: {err}"}
        # the kernel died or stayed silent before running anything (two kernels starting at once
        # can pick the same port; a busy machine can outwait the start): not the notebook's fault,
        # the worker tries once more
        return {"ok": False, "lost": True, "cell": "", "error": f"the kernel did not start: {err}"}
    except Exception as err:  # notebook unreadable, kernel failed to start, ...: report it
        return {"ok": False, "cell": "", "error": f"{type(err).__name__}: {err}"}
    return {"ok": True, "seconds": round(time.perf_counter() - start, 2)}


def main(argv: list[str]) -> int:
    staging = Path(argv[0])
    exit_with_parent()
    outcome = run(staging)
    atomic_write_text(staging / OUTCOME, json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
