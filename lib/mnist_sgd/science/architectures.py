"""Task 8's models and their one SGD setting, shared by its per-model jobs and its summary.

Each model is one job of ``08_architectures`` (the grid key ``model`` takes the ``key`` of a
``Setup``), so the models train in parallel; ``08_architectures_summary`` reads their tables
back and compares them. The assignment's setting is fixed here, the epochs come from the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

BATCH, LR, FIRST_LR, WEIGHT_DECAY = 64, 0.04, 0.01, 1e-4
ASKED_EPOCHS = {"first": 10, "mlp": 40, "cnn": 40}  # what the assignment asks for, per budget


@dataclass(frozen=True)
class Setup:
    key: str  # the grid value that names the job: 08_architectures__model-<key>
    model: str  # the name in tables, figures and prose
    arch: str  # for nets.build
    lr: float
    normalize: bool  # inputs rescaled from [0, 1] to [-1, 1]
    budget: str  # whose epochs it runs: "first" (first_run_epochs), "mlp" or "cnn"
    ref_key: str  # the hand-made reference in references.py ("" when there is none)
    colour: int  # index into plots.OKABE_ITO

    @property
    def first_run(self) -> bool:
        return self.budget == "first"


SETUPS = (
    Setup("first", "MLP 128, η = 0.01 (first run)", "mlp128", FIRST_LR, True, "first", "mlp128-first", 5),
    Setup(
        "first-inputs01", "MLP 128, η = 0.01, inputs in [0, 1] (first run)", "mlp128", FIRST_LR, False, "first", "", 1
    ),
    Setup("mlp128", "MLP 128", "mlp128", LR, True, "mlp", "", 0),
    Setup("mlp500-300", "MLP 500-300", "mlp500-300", LR, True, "mlp", "mlp500-300", 2),
    Setup("cnn", "CNN", "cnn", LR, True, "cnn", "cnn", 3),
)
KEYS = tuple(s.key for s in SETUPS)
FIRST, FIRST_01 = SETUPS[0].model, SETUPS[1].model


def setup(key: str) -> Setup:
    """The setup a job's ``model`` parameter names."""
    for s in SETUPS:
        if s.key == key:
            return s
    raise ValueError(f"unknown Task 8 model {key!r}: expected one of {', '.join(KEYS)}")


def by_model(names: list[str]) -> list[Setup]:
    """The setups of the models named in a results table, in the order of ``SETUPS``."""
    return [s for s in SETUPS if s.model in set(names)]
