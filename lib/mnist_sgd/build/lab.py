"""`make lab`: JupyterLab on the project, set so that exploring never touches a built report.

The server opens the project root, so ``notebooks/`` and the built ``report/`` (its HTML,
its executed notebooks) sit side by side. A notebook run there writes its tables into the
lab's scratch folder (``report/lab/``, ``paths.output_dir``); the summaries read the built
report of ``--profile`` and say so in their first output; the tracked notebooks are saved
without outputs (``hygiene.strip_on_save``), so ``git status`` stays clean.

    python -m mnist_sgd.build.lab --profile quick [jupyter lab options, e.g. --no-browser]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mnist_sgd.build.params import ParamError, load_profile
from mnist_sgd.store import paths

KERNEL = "mnist-sgd"  # the kernel `make venv` installs into .venv
SAVE_HOOK = "mnist_sgd.build.hygiene.strip_on_save"


def lab_command(root: Path, options: list[str]) -> list[str]:
    """The ``jupyter lab`` command line: the project root, localhost only (token on), the
    project's kernel, the hook that saves tracked notebooks clean, then ``options``."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1"]
    command += [f"--MultiKernelManager.default_kernel_name={KERNEL}", f"--ContentsManager.pre_save_hook={SAVE_HOOK}"]
    if os.geteuid() == 0:  # containers run as root; Jupyter refuses it unless told
        command.append("--allow-root")
    return command + options


def lab_environment(report: Path) -> dict[str, str]:
    """The server's environment, inherited by its kernels: the built report the summaries read."""
    return {**os.environ, "MNIST_SGD_REPORT_DIR": str(report)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", help="whose built report the summaries read (name or YAML path)")
    parser.add_argument("--root", type=Path, default=paths.ROOT, help="the folder the lab opens (default: the project)")
    args, options = parser.parse_known_args(argv)
    try:
        profile = load_profile(args.profile)
    except ParamError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report = paths.report_folder(profile.name)
    print(
        f"JupyterLab on {args.root}: the summaries read the {profile.name} build in {report}; "
        f"interactive runs write their tables to {paths.results_of(paths.lab_dir())}",
        flush=True,
    )
    command = lab_command(args.root.resolve(), options)
    os.execve(command[0], command, lab_environment(report))  # Jupyter owns the terminal, Ctrl-C included


if __name__ == "__main__":
    sys.exit(main())
