"""The pre-commit checks: notebooks stored without outputs, YAML that parses."""

from __future__ import annotations

import json
import shutil

from mnist_sgd import hygiene, paths


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
