"""Which library modules a job's identity covers: the notebooks' imports, followed through the library."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mnist_sgd.build import identity
from mnist_sgd.store import paths


def write_notebook(folder, name, *cells):
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[new_markdown_cell("# not code: import mnist_sgd.build.cli"), *map(new_code_cell, cells)])
    nbformat.write(nb, folder / f"{name}.ipynb")


def names(files, package=None):
    return {p.relative_to(package or identity.PACKAGE).as_posix() for p in files}


def test_nothing_a_notebook_reaches_imports_the_build_stitch_compare_or_bench():
    reached = identity.job_modules()
    assert not identity.outside_jobs(reached), identity.outside_jobs(reached)
    # the appendices read what the build writes (the manifest, the stamps, bench.json), not its code
    assert {"store/results.py", "store/stamps.py", "tasks/speed/tables.py", "show/provenance.py"} <= names(reached)


def test_the_boundary_check_can_fail():
    modules = [identity.PACKAGE / "show" / "present.py", identity.PACKAGE / "build" / "schedule.py"]
    assert identity.outside_jobs(modules) == ["build/schedule.py"]


def test_each_notebook_has_its_own_code_identity():
    """A notebook's code part covers the modules it reaches, not those of every notebook."""
    books = {p.stem: p.read_text() for p in sorted(paths.NOTEBOOKS.glob("*.ipynb"))}
    reached = {name: names(identity.notebook_modules(text)) for name, text in books.items()}
    assert "tasks/mlp_grid/commentary.py" in reached["07_mlp_summary"]
    assert "tasks/mlp_grid/commentary.py" not in reached["03_batch_size"]
    assert "science/sgd.py" in reached["03_batch_size"] and "science/sgd.py" not in reached["08_architectures"]
    codes = {name: identity.notebook_code(text) for name, text in books.items()}
    assert codes["03_batch_size"] != codes["07_mlp_grid"] != codes["99_provenance"]


def test_editing_a_module_changes_the_code_of_the_notebooks_that_reach_it_only(tmp_path, monkeypatch):
    package = tmp_path / "lib" / identity.PACKAGE_NAME
    for name, text in {
        "__init__.py": "",
        "one.py": "X = 1\n",
        "two.py": "from mnist_sgd import shared\n",
        "shared.py": "",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    monkeypatch.setattr(identity, "PACKAGE", package)
    books = tmp_path / "notebooks"
    write_notebook(books, "a", "from mnist_sgd import one")
    write_notebook(books, "b", "from mnist_sgd import two")
    texts = {p.stem: p.read_text() for p in books.glob("*.ipynb")}
    before = {name: identity.notebook_code(text) for name, text in texts.items()}
    (package / "shared.py").write_text("Y = 2\n")
    after = {name: identity.notebook_code(text) for name, text in texts.items()}
    assert after["a"] == before["a"] and after["b"] != before["b"]


def test_a_worker_hashes_its_own_modules_besides_the_jobs():
    own = names(identity.module_closure(["mnist_sgd.build.worker", "mnist_sgd.build.execute"]))
    assert {"build/worker.py", "build/execute.py", "build/identity.py", "store/stamps.py", "store/paths.py"} <= own
    assert "build/cli.py" not in own


def test_a_notebook_importing_one_module_gives_that_modules_closure(tmp_path):
    write_notebook(
        tmp_path,
        "one",
        "%matplotlib inline\nfrom mnist_sgd.store.results import read_tables\n!echo the shell",
        "import pandas as pd  # not the library",
    )
    assert names(identity.job_modules(tmp_path)) == {
        "__init__.py",
        "store/__init__.py",
        "store/results.py",
        "store/paths.py",
        "store/files.py",
        "store/stamps.py",
    }


def test_magics_and_shell_lines_do_not_hide_a_cells_imports(tmp_path):
    write_notebook(
        tmp_path,
        "magic",
        "%%time\nfrom mnist_sgd.store import stamps",
        "listing = !ls\nimport mnist_sgd.store.files",  # IPython syntax: parsed as IPython turns it into Python
        "if True:\n    %time x = 1\n    from mnist_sgd.store.paths import ROOT",
    )
    assert names(identity.job_modules(tmp_path)) == {
        "__init__.py",
        "store/__init__.py",
        "store/stamps.py",
        "store/files.py",
        "store/paths.py",
    }


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
