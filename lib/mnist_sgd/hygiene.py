"""Checks run before each commit (.pre-commit-config.yaml): notebooks stored without
outputs, and YAML files that parse. ``python -m mnist_sgd.hygiene strip|yaml FILE...``"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def strip_outputs(path: Path) -> bool:
    """Remove outputs and execution counts from a notebook, keeping everything else (its
    ``parameters`` tag included). True when the file changed."""
    text = path.read_text()
    nb = json.loads(text)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    stripped = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if stripped != text:
        path.write_text(stripped)
    return stripped != text


def yaml_problem(path: Path) -> str | None:
    """Why a YAML file does not parse, or None."""
    try:
        yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        return f"{path}: {str(err).splitlines()[0]}"
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in ("strip", "yaml"):
        print("usage: python -m mnist_sgd.hygiene strip|yaml FILE...", file=sys.stderr)
        return 2
    files = [Path(a) for a in argv[1:]]
    if argv[0] == "strip":
        changed = [p for p in files if strip_outputs(p)]
        for p in changed:
            print(f"{p}: outputs removed (stage the file again)")
        return 1 if changed else 0
    problems = [m for m in (yaml_problem(p) for p in files) if m]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
