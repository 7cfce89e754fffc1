"""Checks run before each commit (.pre-commit-config.yaml): notebooks stored without
outputs and keeping their shape, and YAML files that parse; and the hook with which
``make lab`` saves the tracked notebooks as committed, whatever a session ran in them.
``python -m mnist_sgd.build.hygiene strip|shape|yaml FILE...``"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

# The notebook-level metadata every tracked notebook is committed with: the project's
# kernel, and the language without the patch version a session's kernel would record.
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (mnist-sgd)", "language": "python", "name": "mnist-sgd"},
    "language_info": {"name": "python", "version": "3.11"},
}
TRACKED = "notebooks/"  # where the tracked notebooks live, relative to the lab's root


def clean_notebook(nb: dict[str, Any]) -> None:
    """Bring a notebook (as JSON) to its committed form, in place: no outputs nor execution
    counts, cell metadata reduced to the tags (the ``parameters`` tag among them), and the
    project's notebook metadata (a session adds widths, scroll states, timings, its kernel's version)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        tags = cell.get("metadata", {}).get("tags")
        cell["metadata"] = {"tags": tags} if tags else {}
    nb["metadata"] = json.loads(json.dumps(NOTEBOOK_METADATA))


def strip_on_save(model: dict[str, Any], path: str, contents_manager: Any = None, **_: Any) -> None:
    """Jupyter's pre-save hook (``make lab`` sets it): a tracked notebook is saved clean, so
    running and saving it in the lab leaves ``git status`` as it was; any other file
    (a copy, a notebook of the built report) is saved as it is."""
    if model.get("type") == "notebook" and path.lstrip("/").startswith(TRACKED) and model.get("content"):
        clean_notebook(model["content"])


def strip_outputs(path: Path) -> bool:
    """Remove outputs and execution counts from a notebook, keeping everything else (its
    ``parameters`` tag included). True when the file changed."""
    text = path.read_text()
    nb = json.loads(text)
    clean_notebook(nb)
    stripped = json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if stripped != text:
        path.write_text(stripped)
    return stripped != text


# A notebook shows and says; the library computes. So a notebook defines no function and
# holds little code besides its figures: a statement that draws (or captions a figure) is
# not counted, nor are imports and the parameters cell.
MAX_CODE_LINES = 60
DRAWING = re.compile(r"\b(ax|axes|fig|plt|plots|netplots|figure_caption)\b")


def _code_cells(path: Path) -> list[str]:
    """The source of each code cell but the parameters cell, without IPython's magics."""
    cells = json.loads(path.read_text())["cells"]
    return [
        "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in "".join(c["source"]).splitlines())
        for c in cells
        if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", [])
    ]


def shape_problems(path: Path) -> list[str]:
    """What keeps a notebook from its shape: each function or class it defines, and more
    than ``MAX_CODE_LINES`` lines of code outside drawing statements and imports."""
    problems, lines = [], 0
    for source in _code_cells(path):
        tree = ast.parse(source)
        problems += [
            f"{path.name}: defines {node.name} (line {node.lineno} of its cell): move it into the library"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]
        text = source.splitlines()
        for statement in tree.body:
            span = text[statement.lineno - 1 : statement.end_lineno]
            if not isinstance(statement, (ast.Import, ast.ImportFrom)) and not DRAWING.search("\n".join(span)):
                lines += len(span)
    if lines > MAX_CODE_LINES:
        problems.append(f"{path.name}: {lines} lines of code besides figures and imports (at most {MAX_CODE_LINES})")
    return problems


def yaml_problem(path: Path) -> str | None:
    """Why a YAML file does not parse, or None."""
    try:
        yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        return f"{path}: {str(err).splitlines()[0]}"
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in ("strip", "shape", "yaml"):
        print("usage: python -m mnist_sgd.build.hygiene strip|shape|yaml FILE...", file=sys.stderr)
        return 2
    files = [Path(a) for a in argv[1:]]
    if argv[0] == "strip":
        changed = [p for p in files if strip_outputs(p)]
        for p in changed:
            print(f"{p}: outputs removed (stage the file again)")
        return 1 if changed else 0
    if argv[0] == "shape":
        problems = [m for p in files for m in shape_problems(p)]
    else:
        problems = [m for m in (yaml_problem(p) for p in files) if m]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
