"""Profiles: read ``params/<profile>.yaml``, validate it, expand grids into jobs.

A profile maps notebook names (in report order) to parameter overrides. Each notebook's
parameters are declared in ``SPECS`` with their type and allowed range; a key marked
``grid`` may be given a list, which expands into one execution per value (several grid
keys expand into their product). Anything unknown, mistyped or out of range is refused
before anything runs, with the file, key, value and what is allowed.
"""

from __future__ import annotations

import difflib
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mnist_sgd.science import architectures
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.store import paths


class ParamError(ValueError):
    """A profile that cannot be run; ``str()`` is one line per problem."""


@dataclass(frozen=True)
class P:
    """One parameter: kind is int, float, str, bool, ints or floats (lists)."""

    kind: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False  # lo itself not allowed (e.g. a learning rate > 0)
    grid: bool = False
    choices: tuple[str, ...] = ()
    symbol: str = ""  # how the report names a grid value of this key ("B" reads "B = 100"); "": the key
    names: tuple[tuple[str, str], ...] = ()  # (value, name) pairs: a value the report names in words
    percent: bool = False  # a fraction the report's prose gives in percent (0.01 reads "1%")

    def prints(self, value: object) -> str:
        """The value as the report's prose gives it: "1%" for a fraction in percent, else ``format_value``."""
        if self.percent and isinstance(value, int | float) and not isinstance(value, bool):
            return f"{100 * value:g}%"
        return format_value(value)

    def reads(self, key: str, value: object) -> str:
        """A grid value as a reader writes it: "B = 100", or a value's name ("MLP 500-300")."""
        return dict(self.names).get(str(value)) or f"{self.symbol or key} = {self.prints(value)}"

    def allowed(self) -> str:
        item = {"ints": "int", "floats": "float"}.get(self.kind, self.kind)
        text = {"int": "an integer", "float": "a finite number", "str": "a string", "bool": "true or false"}[item]
        if self.kind in ("ints", "floats"):
            text = f"a non-empty list of {text.split(' ', 1)[1]}s"
        bounds = []
        if self.lo is not None:
            bounds.append(f"{'>' if self.lo_open else '>='} {self.lo:g}")
        if self.hi is not None:
            bounds.append(f"<= {self.hi:g}")
        if bounds:
            text += " " + " and ".join(bounds)
        if self.choices:
            text += f" among {', '.join(self.choices)}"
        if self.grid:
            text += " (or a non-empty list of such values: one run each)"
        return text


def format_value(value: object) -> str:
    """A parameter's value as the report prints it: 60,000; 0.001; yes."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class NotebookSpec:
    params: dict[str, P]
    needs: tuple[str, ...] = ()  # notebooks whose results this one reads; EVERYTHING: all task notebooks
    reads: tuple[str, ...] = ()  # files of the report folder it reads, written outside the pipeline
    gpu: bool = False  # trains networks: runs on a GPU worker when the cluster has one


EVERYTHING = ("*",)  # the summary and the appendix read every task's results


LR = P("float", 0, 10, lo_open=True)
SEED = P("int", 0, 2**31 - 1)
SEEDS = P("int", 1, 20)
ITERATIONS = P("int", 1, 10_000_000)
CHECKPOINTS = P("int", 2, 10_000)
EPOCHS = P("int", 1, 1000)
TRAIN_SIZE = P("int", 1, TRAIN_IMAGES)
LR_GRID = P("float", 0, 10, lo_open=True, grid=True, symbol="η")
BATCH_GRID = P("int", 1, TRAIN_IMAGES, grid=True, symbol="B")

SPECS: dict[str, NotebookSpec] = {
    "00_summary": NotebookSpec({}, needs=EVERYTHING),
    "01_data": NotebookSpec({"n_images": P("int", 1, 100)}),
    "02_sgd": NotebookSpec(
        {
            "batch_size": P("int", 1, TRAIN_IMAGES),
            "lr": LR,
            "iterations": ITERATIONS,
            "checkpoints": CHECKPOINTS,
            "seed": SEED,
            "seeds": SEEDS,
        }
    ),
    "03_batch_size": NotebookSpec(
        {
            "batch_size": BATCH_GRID,
            "lr_min": LR,
            "lr_max": LR,
            "lr_points": P("int", 2, 50),
            "seeds": SEEDS,
            "iterations": ITERATIONS,
            "samples": P("int", 1, 10**9),
            "max_doublings": P("int", 0, 10),
            "checkpoints": CHECKPOINTS,
            "target_pct": P("float", 0, 100, lo_open=True),
            # one quick run each: enough of them that their s.d. is itself sound
            "hand_seeds": P("int", 1, 1000),
        }
    ),
    "03_batch_size_summary": NotebookSpec({}, needs=("03_batch_size",)),
    "04_batch_size_summary": NotebookSpec({}, needs=("03_batch_size", "03_batch_size_summary")),  # and its ITR
    "05_dataset_size": NotebookSpec(
        {
            "dataset_size": P("int", 1, TRAIN_IMAGES, grid=True, symbol="N'"),
            "batch_size": P("int", 1, TRAIN_IMAGES),
            "lr": LR,
            "lr_from_task3": P("bool"),
            "subsets": SEEDS,
            "iterations": ITERATIONS,
            "checkpoints": CHECKPOINTS,
            "rel_tol": P("float", 0, 1, lo_open=True, percent=True),
            # the share of each subset that trains the run choosing the stop; the rest chooses it
            "fit_share": P("float", 0.5, 0.95, percent=True),
        },
        needs=("03_batch_size",),
    ),
    "05_dataset_size_summary": NotebookSpec({}, needs=("05_dataset_size",)),
    "06_pytorch": NotebookSpec(
        {
            "batch_size": P("int", 1, TRAIN_IMAGES),
            "lr": LR,
            "equivalence_steps": ITERATIONS,
            "iterations": ITERATIONS,
            "lr_from_task3": P("bool"),
            "checkpoints": CHECKPOINTS,
            "seeds": SEEDS,
        },
        needs=("03_batch_size",),
    ),
    "07_mlp_grid": NotebookSpec(
        {"batch_size": BATCH_GRID, "lr": LR_GRID, "epochs": EPOCHS, "seeds": SEEDS, "train_size": TRAIN_SIZE}, gpu=True
    ),
    "07_mlp_summary": NotebookSpec({}, needs=("07_mlp_grid",)),
    "08_architectures": NotebookSpec(
        {
            # a model reads as its tables and figures name it ("MLP 500-300"), not as its key
            "model": P(
                "str",
                grid=True,
                choices=architectures.KEYS,
                names=tuple((k, architectures.setup(k).model) for k in architectures.KEYS),
            ),
            "mlp_epochs": EPOCHS,
            "first_run_epochs": EPOCHS,
            "cnn_epochs": EPOCHS,
            "cnn_eval_every": P("int", 1, 1000),
            "seeds": SEEDS,  # of the first runs and the MLP 128
            "large_seeds": SEEDS,  # of the MLP 500-300 and the CNN
            "train_size": TRAIN_SIZE,
        },
        gpu=True,
    ),
    "08_architectures_summary": NotebookSpec({}, needs=("08_architectures",)),
    "90_speed": NotebookSpec({}, reads=("bench.json",)),
    "99_provenance": NotebookSpec({}, needs=EVERYTHING, reads=("compare.json",)),  # "reproduced against ..."
}


@dataclass(frozen=True)
class Job:
    notebook: str
    job_id: str
    parameters: dict[str, Any]
    needs: tuple[str, ...] = ()
    grid: dict[str, Any] = field(default_factory=dict)  # the grid values this job runs

    @property
    def path(self) -> Path:
        return paths.NOTEBOOKS / f"{self.notebook}.ipynb"


@dataclass
class Profile:
    name: str
    path: Path
    notebooks: dict[str, dict[str, Any]] = field(default_factory=dict)


def profile_path(name_or_path: str) -> Path:
    """A profile name (``quick``) or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    return paths.PARAMS / f"{name_or_path}.yaml"


def _check_scalar(where: str, value: Any, spec: P, kind: str) -> str | None:
    """An error message for one value, or None if it is allowed."""
    bad = f"{where} = {value!r}: expected {spec.allowed()}"
    if kind == "bool":
        return None if isinstance(value, bool) else bad
    if kind == "str":
        if not isinstance(value, str):
            return bad
        return None if not spec.choices or value in spec.choices else bad
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return bad
    if kind == "int" and not (isinstance(value, int) or float(value).is_integer()):
        return bad
    if not math.isfinite(value):
        return bad
    if spec.lo is not None and (value < spec.lo or (spec.lo_open and value == spec.lo)):
        return bad
    if spec.hi is not None and value > spec.hi:
        return bad
    return None


def check_value(where: str, value: Any, spec: P) -> str | None:
    """Validate one parameter value (a grid list, a list kind or a scalar)."""
    if spec.kind in ("ints", "floats"):
        if not isinstance(value, list) or not value:
            return f"{where} = {value!r}: expected {spec.allowed()}"
        errors = [_check_scalar(f"{where}[{i}]", v, spec, spec.kind[:-1]) for i, v in enumerate(value)]
        return next((e for e in errors if e), None)
    if isinstance(value, list):
        if not spec.grid:
            return f"{where} = {value!r}: a list is not allowed here, expected {spec.allowed()}"
        if not value:
            return f"{where} = []: the grid is empty, expected {spec.allowed()}"
        errors = [_check_scalar(f"{where}[{i}]", v, spec, spec.kind) for i, v in enumerate(value)]
        return next((e for e in errors if e), None)
    return _check_scalar(where, value, spec, spec.kind)


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


BASE_KEY = "base"  # a profile may name another as its base and give only what differs


def _not_found() -> str:
    known = sorted(p.stem for p in paths.PARAMS.glob("*.yaml"))
    return f"profile not found; available profiles: {', '.join(known)}"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ParamError(f"{path}: YAML does not parse at {where}: {problem}") from None
    if not isinstance(raw, dict) or not raw:
        raise ParamError(f"{path}: expected a mapping of notebook names to parameters, got {type(raw).__name__}")
    return raw


def _base_path(path: Path, base: Any) -> Path:
    """The file a profile's ``base:`` names: a profile name, or a YAML path relative to the profile."""
    if not isinstance(base, str) or not base:
        raise ParamError(f"{path}: {BASE_KEY} = {base!r}: expected the name of a profile or a path to a YAML file")
    candidate = profile_path(base)
    if candidate.suffix in (".yaml", ".yml") and not candidate.is_absolute():
        return path.parent / candidate
    return candidate


def _merged_notebooks(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The notebooks of the profile at ``path``, its base's values overridden by its own,
    and the problems found in its own keys (a base's problems raise, naming the base)."""
    raw = _read_yaml(path)
    notebooks: dict[str, dict[str, Any]] = {}
    if BASE_KEY in raw:
        base = _base_path(path, raw.pop(BASE_KEY))
        if base.resolve() in chain:
            raise ParamError(
                f"{path}: {BASE_KEY} = {base}: profiles that name each other as base: "
                + " -> ".join(str(p) for p in (*chain, base.resolve()))
            )
        if not base.is_file():
            raise ParamError(f"{path}: {BASE_KEY} = {base}: {_not_found()}")
        base_notebooks, base_errors = _merged_notebooks(base, (*chain, base.resolve()))
        if base_errors:
            raise ParamError("\n".join(base_errors))
        notebooks = {n: dict(v) for n, v in base_notebooks.items()}
    errors = []
    for notebook, values in raw.items():
        if notebook not in SPECS:
            errors.append(
                f"{path}: unknown notebook '{notebook}'{_suggest(str(notebook), list(SPECS))}; known: {', '.join(SPECS)}"
            )
            continue
        values = values or {}
        if not isinstance(values, dict):
            errors.append(f"{path}: {notebook} = {values!r}: expected a mapping of parameter names to values")
            continue
        spec = SPECS[notebook].params
        for key, value in values.items():
            if key not in spec:
                errors.append(
                    f"{path}: unknown key '{notebook}.{key}'{_suggest(str(key), list(spec))}; allowed: {', '.join(spec)}"
                )
                continue
            problem = check_value(f"{notebook}.{key}", value, spec[key])
            if problem:
                errors.append(f"{path}: {problem}")
        notebooks[notebook] = {**notebooks.get(notebook, {}), **values}
    return notebooks, errors


def load_profile(name_or_path: str) -> Profile:
    """Read and validate a profile; raise ParamError naming file, key, value and rule.

    A profile may name a base (``base: full``): it runs the base's notebooks, in the
    base's order, with the values the profile gives replacing the base's key by key;
    notebooks only the profile names come after. The base is validated the same way.
    """
    path = profile_path(name_or_path)
    if not path.is_file():
        raise ParamError(f"{path}: {_not_found()}")
    notebooks, errors = _merged_notebooks(path, (path.resolve(),))
    for notebook in notebooks:
        missing = [n for n in SPECS[notebook].needs if n not in notebooks and SPECS[notebook].needs != EVERYTHING]
        if missing:
            errors.append(
                f"{path}: {notebook} reads the results of {', '.join(missing)}, which the profile does not run"
            )
    if errors:
        raise ParamError("\n".join(errors))
    return Profile(path.stem, path, notebooks)


def _format(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def resolve_needs(notebook: str, profile: Profile) -> tuple[str, ...]:
    """The notebooks of the profile whose results ``notebook`` reads."""
    needs = SPECS[notebook].needs
    if needs == EVERYTHING:
        return tuple(n for n in profile.notebooks if SPECS[n].needs != EVERYTHING)
    return needs


def expand_jobs(profile: Profile) -> list[Job]:
    """One job per notebook and combination of grid values, in profile order."""
    jobs = []
    for notebook, values in profile.notebooks.items():
        spec = SPECS[notebook]
        # a grid key given one value is still part of the job's name
        grid = {k: v if isinstance(v, list) else [v] for k, v in values.items() if spec.params[k].grid}
        fixed = {k: v for k, v in values.items() if k not in grid}
        for combo in itertools.product(*grid.values()):
            chosen = dict(zip(grid, combo))
            suffix = "".join(f"__{k}-{_format(v)}" for k, v in chosen.items())
            job_id = f"{notebook}{suffix}"
            parameters = {**fixed, **chosen, "job": job_id}
            jobs.append(Job(notebook, job_id, parameters, resolve_needs(notebook, profile), chosen))
    return jobs
