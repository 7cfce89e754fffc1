"""Profile validation: every kind of bad value is refused, naming file, key and value."""

from __future__ import annotations

import pytest

from mnist_sgd.build import params
from mnist_sgd.build.params import NotebookSpec, P, ParamError, expand_jobs, load_profile
from mnist_sgd.science import architectures


@pytest.fixture
def specs(monkeypatch):
    fake = {
        "10_demo": NotebookSpec(
            {
                "batch_size": P("int", 1, 60000, grid=True),
                "lr": P("float", 0, None, lo_open=True, grid=True),
                "dataset_size": P("int", 1, params.TRAIN_IMAGES),
                "seeds": P("int", 1, 20),
                "lrs": P("floats", 0, None, lo_open=True),
                "device": P("str", choices=("auto", "cpu", "cuda")),
            }
        ),
        "11_summary": NotebookSpec({"target": P("float", 0, 1)}, needs=("10_demo",)),
    }
    monkeypatch.setattr(params, "SPECS", fake)
    return fake


def write(tmp_path, text):
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return str(path)


def refused(tmp_path, text) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ParamError) as err:
        load_profile(path)
    message = str(err.value)
    assert path in message
    return message


def test_valid_profile_expands_the_grid(tmp_path, specs):
    profile = load_profile(write(tmp_path, "10_demo:\n  batch_size: [1, 10]\n  lr: [0.1, 0.01]\n11_summary: {}\n"))
    jobs = expand_jobs(profile)
    assert [j.job_id for j in jobs] == [
        "10_demo__batch_size-1__lr-0.1",
        "10_demo__batch_size-1__lr-0.01",
        "10_demo__batch_size-10__lr-0.1",
        "10_demo__batch_size-10__lr-0.01",
        "11_summary",
    ]
    assert jobs[0].parameters == {"batch_size": 1, "lr": 0.1, "job": "10_demo__batch_size-1__lr-0.1"}
    assert jobs[-1].needs == ("10_demo",)


def test_unknown_key_suggests_the_right_one(tmp_path, specs):
    message = refused(tmp_path, "10_demo:\n  batch_sise: 10\n")
    assert "batch_sise" in message and "did you mean 'batch_size'" in message


def test_unknown_notebook(tmp_path, specs):
    assert "did you mean '10_demo'" in refused(tmp_path, "10_dmeo: {}\n")


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("batch_size: ten", "'ten'"),
        ("batch_size: 0", "= 0"),
        ("batch_size: -5", "= -5"),
        ("batch_size: 2.5", "= 2.5"),
        ("batch_size: true", "= True"),
        ("batch_size: []", "grid is empty"),
        ("lr: 0", "lr = 0"),
        ("lr: -0.1", "lr = -0.1"),
        ("lr: .nan", "nan"),
        ("lr: .inf", "inf"),
        ("lr: [0.1, ten]", "lr[1]"),
        ("dataset_size: 60001", "60001"),
        ("dataset_size: 0", "dataset_size = 0"),
        ("seeds: [1, 2]", "a list is not allowed"),
        ("lrs: 0.1", "non-empty list"),
        ("lrs: []", "non-empty list"),
        ("device: gpu", "auto, cpu, cuda"),
    ],
)
def test_bad_values_are_refused(tmp_path, specs, line, needle):
    message = refused(tmp_path, f"10_demo:\n  {line}\n")
    key = line.split(":")[0]
    assert f"10_demo.{key}" in message and needle in message


def test_every_problem_is_listed_one_per_line(tmp_path, specs):
    message = refused(tmp_path, "10_demo:\n  batch_size: 0\n  lr: -1\n  colour: red\n")
    assert len(message.splitlines()) == 3


def test_yaml_syntax_error_gives_line_and_column(tmp_path, specs):
    message = refused(tmp_path, "10_demo:\n  batch_size: [1, 10\n  lr: 0.1\n")
    assert "line" in message and "column" in message


def test_missing_profile_lists_the_available_ones(specs):
    with pytest.raises(ParamError, match="profile not found; available profiles: .*quick"):
        load_profile("no-such-profile")


def test_summary_without_its_inputs_is_refused(tmp_path, specs):
    assert "reads the results of 10_demo" in refused(tmp_path, "11_summary: {}\n")


def test_empty_file_is_refused(tmp_path, specs):
    assert "expected a mapping" in refused(tmp_path, "")


def test_real_profiles_are_valid():
    for name in ("quick", "full", "long"):
        assert expand_jobs(load_profile(name))


def test_profiles_cover_every_parameter_cell():
    """Each notebook's parameters cell declares exactly the keys of its spec (plus job)."""
    import ast

    import nbformat

    from mnist_sgd.store import paths

    for notebook, spec in params.SPECS.items():
        nb = nbformat.read(paths.NOTEBOOKS / f"{notebook}.ipynb", as_version=4)
        cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1, f"{notebook}: expected one cell tagged 'parameters'"
        names = {node.target.id for node in ast.parse(cells[0].source).body if isinstance(node, ast.AnnAssign)}
        assert names == set(spec.params) | {"job"}, notebook


def test_task8_runs_one_job_per_model_and_refuses_an_unknown_one(tmp_path):
    jobs = [j for j in expand_jobs(load_profile("full")) if j.notebook.startswith("08_")]
    assert [j.job_id for j in jobs] == [f"08_architectures__model-{k}" for k in architectures.KEYS] + [
        "08_architectures_summary"
    ]
    assert jobs[-1].needs == ("08_architectures",)
    assert load_profile("full").notebooks["08_architectures"]["cnn_epochs"] == architectures.ASKED_EPOCHS["cnn"]
    message = refused(tmp_path, "08_architectures:\n  model: [cnn, resnet]\n")
    assert "08_architectures.model[1] = 'resnet'" in message and "cnn" in message
    with pytest.raises(ValueError, match="unknown Task 8 model 'resnet'"):
        architectures.setup("resnet")


def test_a_profile_inherits_from_its_base_and_overrides_key_by_key(tmp_path, specs):
    (tmp_path / "base.yaml").write_text("10_demo:\n  batch_size: [1, 10]\n  seeds: 3\n  lr: 0.1\n11_summary: {}\n")
    (tmp_path / "child.yaml").write_text("base: base.yaml\n10_demo:\n  seeds: 5\n")
    profile = load_profile(str(tmp_path / "child.yaml"))
    assert list(profile.notebooks) == ["10_demo", "11_summary"]  # the base's order
    assert profile.notebooks["10_demo"] == {"batch_size": [1, 10], "seeds": 5, "lr": 0.1}
    assert profile.name == "child"
    # a grandchild goes through both
    (tmp_path / "grandchild.yaml").write_text("base: child.yaml\n10_demo:\n  lr: 0.2\n")
    assert load_profile(str(tmp_path / "grandchild.yaml")).notebooks["10_demo"]["seeds"] == 5


def test_a_bad_base_is_refused_with_the_base_named(tmp_path, specs):
    (tmp_path / "base.yaml").write_text("10_demo:\n  seeds: 99\n")
    (tmp_path / "child.yaml").write_text("base: base.yaml\n10_demo:\n  seeds: 5\n")
    with pytest.raises(ParamError, match=r"base\.yaml: 10_demo\.seeds = 99: expected an integer >= 1 and <= 20"):
        load_profile(str(tmp_path / "child.yaml"))
    # the child's own problems name the child
    (tmp_path / "base.yaml").write_text("10_demo:\n  seeds: 2\n")
    message = refused(tmp_path, "base: base.yaml\n10_demo:\n  sedes: 5\n")
    assert "did you mean 'seeds'" in message
    assert "profile not found" in refused(tmp_path, "base: nowhere.yaml\n10_demo: {}\n")
    assert "expected the name of a profile" in refused(tmp_path, "base: [1]\n10_demo: {}\n")
    (tmp_path / "a.yaml").write_text("base: b.yaml\n10_demo: {}\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n10_demo: {}\n")
    with pytest.raises(ParamError, match="name each other as base"):
        load_profile(str(tmp_path / "a.yaml"))


def test_a_fraction_given_in_percent_reads_so_in_the_prose():
    assert params.P("float", 0, 1, percent=True).prints(0.01) == "1%"
    assert params.P("float", 0, 1).prints(0.01) == "0.01"
    assert params.P("int", percent=True).prints(True) == "yes"
