"""The project's own files: pins, notebooks kept clean, the front door."""

from __future__ import annotations

import json
import re
import subprocess

import yaml

from mnist_sgd.store import paths


def test_environment_yml_installs_the_same_pins():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ["-r requirements.txt"], "environment.yml must take its pins from requirements.txt"


def test_requirements_are_all_pinned_exactly():
    lines = [ln.split("#")[0].strip() for ln in (paths.ROOT / "requirements.txt").read_text().splitlines()]
    reqs = [ln for ln in lines if ln]
    assert reqs and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^=\s]*", r) for r in reqs), reqs
    assert "torch==2.14.1" in reqs and "torchvision==0.29.1" in reqs


def test_notebooks_are_committed_clean_with_one_parameters_cell():
    for path in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert not any(c.get("outputs") or c.get("execution_count") for c in code), f"{path.name} has outputs"
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: expected one cell tagged 'parameters'"


def test_make_help_lists_every_target():
    makefile = (paths.ROOT / "Makefile").read_text()
    targets = re.findall(r"^([a-z]+):(?!=)", makefile, re.M)
    out = subprocess.run(["make", "-s", "help"], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout
    for target in targets:
        assert f"make {target}" in out, f"'make {target}' has no help line"
    for needed in ("report", "quick", "test", "lab", "clean", "bench", "data"):
        assert needed in targets


def test_ci_runs_the_readme_test_command():
    assert "make test" in (paths.ROOT / ".ci" / "run").read_text()
    readme = (paths.ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme


def test_yaml_is_only_read_with_the_safe_loader():
    for path in (paths.ROOT / "lib").rglob("*.py"):
        text = path.read_text()
        assert "yaml.load(" not in text and "yaml.unsafe_load" not in text and "FullLoader" not in text, path
