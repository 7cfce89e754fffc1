"""What a job's result depends on, and whether the result on disk is still that result.

A job's identity is a SHA-256 over its parts:

- ``notebook``: the notebook's cells as written (outputs and counts ignored);
- ``parameters``: the values it runs with;
- ``code``: the library modules the job's own notebook imports, directly or through other
  modules, found by following the imports (``notebook_code``): editing a module re-runs only
  the jobs whose notebooks reach it (and their readers); one no notebook reaches (the build,
  the stitching, the comparison, the benchmark) re-runs nothing;
- ``environment``: the installed version of every pinned package (read from the
  installed distributions), Python's version, the torch build and the device class;
- ``reads``: the SHA-256 of each file of the report folder it reads (``bench.json``);
- ``upstream``: the SHA-256 of the stamp of each job whose results it reads. A stamp lists
  every output of its job with its SHA-256 and run time, so when an upstream job runs again
  and its tables change, its readers run again too.

A job is current when its stamp (``executed/<job>.json``) holds the same identity and every
output the stamp lists is present with the SHA-256 it had when written.
"""

from __future__ import annotations

import ast
import hashlib
import json
import platform
import re
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

from mnist_sgd.store import paths
from mnist_sgd.store.stamps import read_stamp, sha256_file, stamp_path

PACKAGE = Path(__file__).resolve().parents[1]
PACKAGE_NAME = PACKAGE.name  # "mnist_sgd"

# The modules a worker runs besides the jobs' own (with what they import): a worker must
# have them as the driver does (editing the rest, the driver's, during a build does not stop
# its workers).
WORKER_ENTRY = ("worker.py", "execute.py")

# How each part of an identity is named when it explains why a job runs again.
PART_NAMES = {
    "notebook": "its notebook changed",
    "parameters": "its parameters changed",
    "code": "the library code changed",
    "environment": "the environment changed",
    "reads": "a file it reads changed",
    "upstream": "the results it reads changed",
}


def notebook_code(text: str) -> str:
    """The ``code`` part of a job: the hash of the library modules its notebook (``text``, as
    the driver read it) reaches, ``notebook_modules``."""
    return _modules_hash(notebook_modules(text))


def notebook_modules(text: str) -> list[Path]:
    """The library's module files the code cells of one notebook (its text) import, followed
    through the library as ``module_closure`` does."""
    return module_closure(_cells_imports(text))


def _modules_hash(modules: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(modules):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Which modules the jobs can execute: the notebooks' imports, followed through the library
# ---------------------------------------------------------------------------------------


def job_modules(notebooks: Path = paths.NOTEBOOKS) -> list[Path]:
    """The library's module files a job can execute: those the code cells of the notebooks in
    ``notebooks`` import (``import mnist_sgd.x``, ``from mnist_sgd import x``, ``from
    mnist_sgd.x import y``), then those these modules import, and so on, whether at module
    level or inside a function (a notebook may call it), but not under ``if TYPE_CHECKING:``.

    The default is the project's notebooks folder as this module found it when imported, so
    the driver and its workers (other processes) agree even when a test points
    ``paths.NOTEBOOKS`` at notebooks of its own. Files are parsed once per version (size and
    modification time), so asking again costs a ``stat`` of each file."""
    wanted: set[str] = set()
    for book in sorted(notebooks.glob("*.ipynb")):
        wanted |= _notebook_imports(book, *_version(book))
    return module_closure(wanted)


def module_closure(names: Iterable[str]) -> list[Path]:
    """The files of the library modules ``names`` (dotted, ``mnist_sgd.x``) and of every library
    module they import, transitively; the packages that hold them included."""
    found: set[Path] = set()
    todo = [path for name in names for path in _files_of(name)]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.add(path)
        todo += [f for name in _module_imports(path, *_version(path)) for f in _files_of(name)]
    return sorted(found)


def _version(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join((PACKAGE_NAME, *(parts[:-1] if parts[-1] == "__init__" else parts)))


def _files_of(name: str) -> list[Path]:
    """The files importing library module ``name`` executes: the packages on its way and itself
    (none when it is not a module of the library, e.g. ``from mnist_sgd.x import a_function``)."""
    parts = name.split(".")
    if parts[0] != PACKAGE_NAME:
        return []
    files = [PACKAGE.joinpath(*parts[1:i], "__init__.py") for i in range(1, len(parts))]
    module = PACKAGE.joinpath(*parts[1:])
    if module.with_suffix(".py").is_file():
        return [*files, module.with_suffix(".py")]
    if (module / "__init__.py").is_file():
        return [*files, module / "__init__.py"]
    return []


@cache
def _module_imports(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """The modules a library file imports (absolute dotted names; the candidate submodules of
    ``from p import a`` included, kept by ``_files_of`` only when they are modules)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return frozenset(_imports(ast.parse(path.read_bytes(), str(path)), package))


@cache
def _notebook_imports(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    return _cells_imports(path.read_text())


@cache
def _cells_imports(text: str) -> frozenset[str]:
    names: set[str] = set()
    for cell in json.loads(text).get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            tree = _parse_cell("".join(source) if isinstance(source, list) else source)
            if tree is not None:
                names |= _imports(tree, None)
    return frozenset(names)


def _parse_cell(source: str) -> ast.Module | None:
    """A code cell as Python: the lines of IPython magics and shell commands (``%``, ``!``)
    left out. When it does not parse so (``x = !ls``), as IPython turns it into Python; None
    when not even that parses: such a cell runs nothing."""
    lines = [
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    ]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        pass
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _imports(tree: ast.AST, package: str | None) -> set[str]:
    """Every module an AST imports, at any depth, absolute; relative imports resolved against
    ``package`` (None: a notebook's cells). What ``if TYPE_CHECKING:`` guards is never run."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            elif package is None:
                base = ""
            else:
                parts = package.split(".")
                up = parts[: len(parts) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else [])) if up else ""
            if base:
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def notebook_hash(text: str) -> str:
    """Hash of a notebook's cells as written (outputs and counts ignored)."""
    nb = nbformat.reads(text, as_version=4)
    cells = [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def pinned_packages() -> list[str]:
    """The names of the packages requirements.txt pins."""
    lines = (paths.ROOT / "requirements.txt").read_text().splitlines()
    return [name for line in lines if (name := line.split("#")[0].strip().split("==")[0].strip())]


def installed_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def torch_build() -> dict[str, str]:
    """The torch build as installed (version, commit, CUDA/ROCm), read without importing torch."""
    try:
        text = Path(str(metadata.distribution("torch").locate_file("torch/version.py"))).read_text()
    except (metadata.PackageNotFoundError, OSError):
        return {"torch build": "not installed"}
    fields = dict(re.findall(r"^(__version__|git_version|cuda|hip)\b[^=]*=\s*(.+)$", text, re.M))
    return {"torch build": " ".join(f"{k.strip('_')} {v.strip()}" for k, v in sorted(fields.items()))}


def device_class(build: dict[str, str]) -> str:
    """'cuda' when the notebooks will find a GPU, else 'cpu' (the rule of nets.device)."""
    text = build["torch build"]
    gpu_build = "cuda None" not in text or "hip None" not in text
    # a GPU build without a GPU device node cannot see a GPU: skip importing torch (1.5 s)
    if not gpu_build or not (
        list(Path("/dev").glob("nvidia[0-9]*")) or Path("/dev/dxg").exists() or Path("/dev/kfd").exists()
    ):
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@cache
def environment() -> dict[str, str]:
    """Everything installed that can change a result: the jobs' kernel runs on this same
    environment (the project's kernel is installed into .venv, the pipeline runs from it)."""
    env = {name: installed_version(name) for name in pinned_packages()}
    build = torch_build()
    return {**env, "python": platform.python_version(), **build, "device": device_class(build)}


def identity(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, or "missing": an absent file is a state a job can depend on."""
    return sha256_file(path) if path.exists() else "missing"


def stamp_digest(report: Path, job_id: str) -> str:
    """What a reader of this job's results depends on: its stamp, as bytes."""
    return file_digest(stamp_path(report, job_id))


def _changed_parts(old: dict[str, Any], new: dict[str, Any]) -> str:
    changed = [key for key in new if old.get(key) != new[key]]
    if "environment" in changed:
        before, after = old.get("environment") or {}, new["environment"]
        diffs = [f"{k} {before.get(k, 'absent')} -> {v}" for k, v in after.items() if before.get(k) != v]
        return f"the environment changed ({'; '.join(diffs)})"
    if "upstream" in changed:
        before = old.get("upstream") or {}
        jobs = [job for job, digest in new["upstream"].items() if before.get(job) != digest]
        return f"the results it reads changed ({', '.join(jobs) or 'another set of jobs'})"
    return ", ".join(PART_NAMES[k] for k in changed) or "its identity changed"


def why_stale(report: Path, job_id: str, parts: dict[str, Any]) -> str | None:
    """None when the job's outputs are current for these parts, else why it must run."""
    stamp = read_stamp(report, job_id)
    if stamp is None:
        return "never run here" if not stamp_path(report, job_id).exists() else "its stamp is unreadable"
    if stamp.get("hash") != identity(parts):
        return _changed_parts(stamp.get("parts") or {}, parts)
    for name, digest in stamp["outputs"].items():
        path = report / name
        if not path.exists():
            return f"{name} is missing"
        if sha256_file(path) != digest:
            return f"{name} changed since it was written"
    return None


def stamp_text(
    parts: dict[str, Any], outputs: dict[str, bytes], seconds: float, finished: str, build: str, where: dict[str, Any]
) -> str:
    """A finished job's stamp: its identity, the parts, every output (report-folder path)
    with its SHA-256, the build that ran it (the time that build started, so that a job
    kept from an earlier build is told from one run in this build) and where it ran (host,
    device, threads). The worker that ran the job writes it; the driver stores it as is."""
    stamp = {
        "hash": identity(parts),
        "seconds": seconds,
        "finished": finished,
        "build": build,
        **where,
        "parts": parts,
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(outputs.items())},
    }
    return json.dumps(stamp, indent=1)


# The subpackages a notebook must never reach: they run, stitch, compare or time the jobs.
# Keeping them out keeps an edit there from re-running a job (tests/build/test_identity.py).
OUTSIDE_JOBS = ("build", "stitch", "compare", "bench")


def outside_jobs(modules: Iterable[Path]) -> list[str]:
    """Those of ``modules`` that belong to a subpackage of ``OUTSIDE_JOBS``, as package paths."""
    return sorted(
        path.relative_to(PACKAGE).as_posix() for path in modules if path.relative_to(PACKAGE).parts[0] in OUTSIDE_JOBS
    )


def worker_hash() -> str:
    """Hash of the code a worker runs: the jobs' modules and the worker's own (``WORKER_ENTRY``
    and what it imports)."""
    own = module_closure(_module_name(PACKAGE / name) for name in WORKER_ENTRY)
    return _modules_hash(set(job_modules()) | set(own))[:12]


def versions() -> dict[str, str]:
    """What a worker must share with the driver to run its jobs: the library and the
    environment, the device aside (a GPU worker may run the jobs of a CPU driver)."""
    env = {k: v for k, v in environment().items() if k != "device"}
    return {"library": worker_hash(), **env}
