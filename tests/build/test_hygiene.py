"""The pre-commit checks: notebooks stored without outputs and in their shape, YAML that parses."""

from __future__ import annotations

import json
import shutil

import pytest

from mnist_sgd.build import hygiene
from mnist_sgd.store import paths


def test_outputs_are_stripped_and_the_parameters_tag_kept(tmp_path):
    path = tmp_path / "nb.ipynb"
    shutil.copy(paths.NOTEBOOKS / "02_sgd.ipynb", path)
    assert not hygiene.strip_outputs(path)  # committed notebooks are already clean
    nb = json.loads(path.read_text())
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    nb["cells"][1]["execution_count"] = 3
    path.write_text(json.dumps(nb))
    assert hygiene.strip_outputs(path)
    cleaned = json.loads(path.read_text())
    assert cleaned["cells"][1]["outputs"] == [] and cleaned["cells"][1]["execution_count"] is None
    assert "parameters" in cleaned["cells"][1]["metadata"]["tags"]
    assert hygiene.main(["strip", str(path)]) == 0


def test_yaml_that_does_not_parse_is_named(tmp_path, capsys):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("a: 1\n")
    bad.write_text("a: [1\n")
    assert hygiene.main(["yaml", str(good)]) == 0
    assert hygiene.main(["yaml", str(good), str(bad)]) == 1
    assert str(bad) in capsys.readouterr().err
    assert hygiene.main(["nothing"]) == 2


def notebook(tmp_path, *sources: str):
    path = tmp_path / "nb.ipynb"
    cells = [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "n = 1\n" * 100}]
    cells += [{"cell_type": "code", "metadata": {}, "source": s} for s in sources]
    path.write_text(json.dumps({"cells": cells}))
    return path


def test_a_notebook_keeps_to_showing_and_saying(tmp_path):
    drawing = "fig, ax = plt.subplots()\nax.plot(\n" + "    1,\n" * 80 + ")\n"
    computing = "%matplotlib inline\nimport math\n" + "x = math.pi\n" * hygiene.MAX_CODE_LINES
    assert hygiene.shape_problems(notebook(tmp_path, drawing, computing)) == []
    too_long = hygiene.shape_problems(notebook(tmp_path, computing, "y = 2\n"))
    assert too_long == [
        f"nb.ipynb: {hygiene.MAX_CODE_LINES + 1} lines of code besides figures and imports (at most 60)"
    ]
    defining = hygiene.shape_problems(notebook(tmp_path, "def helper():\n    return 1\n"))
    assert defining == ["nb.ipynb: defines helper (line 1 of its cell): move it into the library"]
    assert hygiene.main(["shape", str(notebook(tmp_path, "class A:\n    pass\n"))]) == 1


def test_every_committed_notebook_is_stored_clean(tmp_path):
    # as the lab saves it (outputs stripped, keys sorted): a lab session then leaves the checkout as committed
    for notebook in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        copy = tmp_path / notebook.name
        shutil.copy(notebook, copy)
        assert not hygiene.strip_outputs(copy), f"{notebook.name} is not stored as the lab saves it"


def test_every_notebook_keeps_its_shape():
    assert [p for nb in sorted(paths.NOTEBOOKS.glob("*.ipynb")) for p in hygiene.shape_problems(nb)] == []


@pytest.mark.parametrize("where", ["notebooks/02_sgd.ipynb", "report/executed/02_sgd.ipynb"])
def test_the_lab_saves_only_tracked_notebooks_clean(where):
    committed = (paths.NOTEBOOKS / "02_sgd.ipynb").read_text()
    nb = json.loads(committed)
    nb["metadata"]["language_info"] |= {"version": "3.11.9", "codemirror_mode": {"name": "ipython"}}
    nb["cells"][2] |= {"execution_count": 4, "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}]}
    nb["cells"][2]["metadata"] = {"scrolled": True, "execution": {"iopub.status.busy": "2026-12-03"}}
    model = {"type": "notebook", "content": nb}
    hygiene.strip_on_save(model, where)
    saved = json.dumps(model["content"], indent=1, ensure_ascii=False, sort_keys=True) + "\n"  # as Jupyter writes
    assert (saved == committed) == where.startswith("notebooks/")
