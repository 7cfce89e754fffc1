"""Which library modules a job's identity covers: the notebooks' imports, followed through the library."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mnist_sgd import identity, paths

# The build's own modules: they run, schedule, check, stitch or time the jobs, and no notebook
# reaches them, so editing them re-runs nothing.
BUILD = {
    "pipeline",
    "cluster",
    "worker",
    "execute",
    "stitch",
    "params",
    "identity",
    "hygiene",
    "compare",
    "compare_cli",
    "naive",
    *(p.stem for p in identity.PACKAGE.glob("bench*.py") if p.stem != "bench_report"),
}


def write_notebook(folder, name, *cells):
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[new_markdown_cell("# not code: import mnist_sgd.pipeline"), *map(new_code_cell, cells)])
    nbformat.write(nb, folder / f"{name}.ipynb")


def names(files, package=None):
    return {p.relative_to(package or identity.PACKAGE).as_posix() for p in files}


def test_the_jobs_modules_are_those_the_notebooks_reach_and_none_of_the_build():
    modules = names(identity.job_modules())
    # files, stamps and schedule are reached only through other modules (results, provenance)
    reached = {"__init__.py", "results.py", "files.py", "stamps.py", "schedule.py", "bench_report.py"}
    assert reached <= modules
    assert not {f"{m}.py" for m in BUILD} & modules, sorted({f"{m}.py" for m in BUILD} & modules)


def test_a_worker_hashes_its_own_modules_besides_the_jobs():
    own = names(identity.module_closure(["mnist_sgd.worker", "mnist_sgd.execute"]))
    assert {"worker.py", "execute.py", "identity.py", "stamps.py", "paths.py", "files.py"} <= own
    assert "pipeline.py" not in own


def test_a_notebook_importing_one_module_gives_that_modules_closure(tmp_path):
    write_notebook(
        tmp_path,
        "one",
        "%matplotlib inline\nfrom mnist_sgd.results import read_tables\n!echo the shell",
        "import pandas as pd  # not the library",
    )
    assert names(identity.job_modules(tmp_path)) == {"__init__.py", "results.py", "paths.py", "files.py", "stamps.py"}


def test_magics_and_shell_lines_do_not_hide_a_cells_imports(tmp_path):
    write_notebook(
        tmp_path,
        "magic",
        "%%time\nfrom mnist_sgd import stamps",
        "listing = !ls\nimport mnist_sgd.files",  # IPython syntax: parsed as IPython turns it into Python
        "if True:\n    %time x = 1\n    from mnist_sgd.paths import ROOT",
    )
    assert names(identity.job_modules(tmp_path)) == {"__init__.py", "stamps.py", "files.py", "paths.py"}


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A made-up library (named as the real one) to follow imports through."""
    root = tmp_path / "lib" / identity.PACKAGE_NAME
    (root / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": (
            "from typing import TYPE_CHECKING\n\n"
            "if TYPE_CHECKING:\n    from . import typing_only\nelse:\n    from .otherwise import thing\n\n\n"
            "def late():\n    from .c import helper\n    return helper\n"
        ),
        "typing_only.py": "from . import never\n",
        "never.py": "",
        "otherwise.py": "thing = 1\n",
        "c.py": "import mnist_sgd.sub.e\nfrom mnist_sgd import d\n\n\ndef helper():\n    pass\n",
        "d.py": "",
        "sub/__init__.py": "",
        "sub/e.py": "from .. import f\nfrom .g import name\n",
        "f.py": "",
        "g.py": "",  # not sub/g.py: `from .g import name` in sub/e.py names nothing here
        "sub/g.py": "name = 1\n",
        "unused.py": "",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    monkeypatch.setattr(identity, "PACKAGE", root)
    return root


def test_imports_inside_functions_are_followed_and_type_checking_ones_are_not(package, tmp_path):
    notebooks = tmp_path / "notebooks"
    write_notebook(notebooks, "nb", "from mnist_sgd import a")
    found = names(identity.job_modules(notebooks), package)
    assert found == {
        "__init__.py",
        "a.py",
        "otherwise.py",  # the else of `if TYPE_CHECKING:` does run
        "c.py",  # imported inside a function only
        "d.py",
        "sub/__init__.py",
        "sub/e.py",
        "f.py",
        "sub/g.py",
    }


def test_the_closure_follows_a_module_edited_since_it_was_last_asked(package, tmp_path):
    notebooks = tmp_path / "notebooks"
    write_notebook(notebooks, "nb", "import mnist_sgd.d")
    assert names(identity.job_modules(notebooks), package) == {"__init__.py", "d.py"}
    (package / "d.py").write_text("from . import unused\n")
    assert names(identity.job_modules(notebooks), package) == {"__init__.py", "d.py", "unused.py"}


def test_every_code_cell_of_the_notebooks_parses():
    """A cell that does not parse would be left out of the closure (it runs nothing either)."""
    for path in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "code":
                assert identity._parse_cell("".join(cell["source"])) is not None, f"{path.name}, cell {i}"
