"""The figures of the hand-made reports (../shared/TASKS.md), in one place.

Every notebook that compares with them reads them from here, so a figure is typed once,
with what it is and the setting it was obtained under. Values are fractions (accuracy)
unless ``unit`` says otherwise; ``setting`` says what is known of how they were obtained.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Reference:
    task: int
    what: str  # the quantity, e.g. "test accuracy"
    key: str  # the grid value it belongs to (N', "B=32, lr=0.1", a model name)
    value: float
    setting: str  # what is known of how it was obtained
    unit: str = "fraction"
    eta_t: float | None = None  # learning rate × iterations of the hand-made run, when known
    label: str = ""  # a short name for a legend


# Task 2: the setting of the hand-made test accuracy, re-run by Task 2
TASK2_HAND = {"batch_size": 100, "lr": 0.001, "iterations": 1000}
_T2 = "linear, B = 100, learning rate 0.001, 1,000 iterations, one run; seed not stated"
# Task 3: the setting the hand-made test accuracies were obtained in, re-run by Task 3
TASK3_HAND_LR = 0.001
TASK3_HAND_ITERATIONS = 6000
_T3 = f"η = {TASK3_HAND_LR:g}, {TASK3_HAND_ITERATIONS:,} iterations, one run, seed not stated"
_T3_LR = "found by hand, the search not stated"
_T3_TIME = "50 × 60,000 / B iterations; machine, learning rate and what was timed not stated"
_T5 = "linear, full batches (B = N'); η·t = 6 (learning rate × iterations); the rest of the setting is not stated"
_T5_OTHER = "linear, B = 100, 500 iterations; learning rate not stated"
_T7 = "MLP 784-512-256-10, ReLU, cross-entropy, plain SGD, 20 epochs, one run; initialisation and seed not stated"
# Task 7: (batch size, learning rate) -> (test, train) accuracy after 20 epochs
_T7_CELLS = {
    (32, 0.1): (0.9833, 1.0),
    (32, 1.0): (0.9542, 0.9714),
    (32, 0.01): (0.9747, 0.9852),
    (8, 0.1): (0.9780, 0.9915),
    (128, 0.1): (0.9803, 0.9988),
}
_T8 = "SGD, weight decay 1e-4, batch 64, inputs in [-1, 1]; initialisation and seed not stated"

REFERENCES: tuple[Reference, ...] = (
    Reference(2, "test accuracy", "hand setting", 0.823, _T2),
    *(
        Reference(3, "test accuracy", f"B={b}", v, _T3)
        for b, v in [(1, 0.827), (10, 0.854), (100, 0.853), (1000, 0.853)]
    ),
    *(
        Reference(3, "learning rate", f"B={b}", v, _T3_LR, unit="lr")
        for b, v in [(1, 0.001), (10, 0.01), (100, 0.01), (1000, 0.01)]
    ),
    *(
        Reference(3, "seconds for 50 epochs", f"B={b}", v, _T3_TIME, unit="s")
        for b, v in [(1, 246.0), (10, 38.0), (100, 24.0), (1000, 21.0)]
    ),
    Reference(6, "test accuracy", "10 epochs", 0.827, "quoted as 'about', after 10 epochs"),
    Reference(6, "test accuracy", "best", 0.857, "the highest figure quoted"),
    *(
        Reference(5, "test accuracy", str(n), v, _T5, eta_t=6.0, label="one report, full batches, η·t = 6")
        for n, v in [(100, 0.70), (500, 0.80), (1000, 0.83), (10000, 0.85)]
    ),
    *(
        Reference(5, "test accuracy (another report)", str(n), v, _T5_OTHER, label="another report, 500 iterations")
        for n, v in [(100, 0.67), (500, 0.78), (1000, 0.74), (10000, 0.79)]
    ),
    *(Reference(7, "test accuracy", f"B={b}, lr={lr:g}", test, _T7) for (b, lr), (test, _) in _T7_CELLS.items()),
    *(Reference(7, "train accuracy", f"B={b}, lr={lr:g}", train, _T7) for (b, lr), (_, train) in _T7_CELLS.items()),
    Reference(8, "test accuracy", "mlp128-first", 0.8675, f"one hidden layer of 128, lr 0.01, 10 epochs; {_T8}"),
    Reference(
        8, "test accuracy", "mlp500-300", 0.983, f"two hidden layers 500-300, lr 0.04, 40 epochs; {_T8}; 'about'"
    ),
    Reference(8, "test accuracy", "cnn", 0.991, f"the CNN of Task 8, lr 0.04, 40 epochs; {_T8}; 'about'"),
)


def table(task: int) -> pd.DataFrame:
    """The references of one task: columns task, what, key, value, setting, unit, eta_t, label."""
    rows = [r.__dict__ for r in REFERENCES if r.task == task]
    return pd.DataFrame(rows, columns=["task", "what", "key", "value", "setting", "unit", "eta_t", "label"])


def value(task: int, what: str, key: str) -> float | None:
    """One reference value, None when the hand-made reports give none for it."""
    found = [r.value for r in REFERENCES if (r.task, r.what, r.key) == (task, what, key)]
    return found[0] if found else None


def setting(task: int, key: str) -> str:
    """The setting of a task's reference for ``key`` ('' when there is none)."""
    found = [r.setting for r in REFERENCES if (r.task, r.key) == (task, key)]
    return found[0] if found else ""


def settings(task: int) -> dict[str, str]:
    """What each kind of figure of a task is and how it was obtained: {what: setting}."""
    return {r.what: r.setting for r in REFERENCES if r.task == task}


def batch_size(b: int) -> dict[str, float | None]:
    """Task 3's hand-made figures for batch size ``b``: test_acc (at ``TASK3_HAND_LR`` and
    ``TASK3_HAND_ITERATIONS``), lr (the rate chosen by hand) and seconds_50_epochs; None
    where the reports give none."""
    key = f"B={b}"
    return {
        "test_acc": value(3, "test accuracy", key),
        "lr": value(3, "learning rate", key),
        "seconds_50_epochs": value(3, "seconds for 50 epochs", key),
    }


def mlp_grid() -> pd.DataFrame:
    """Task 7's reference cells: batch_size, lr, ref_test, ref_train (fractions), setting."""
    return pd.DataFrame(
        [
            {"batch_size": b, "lr": lr, "ref_test": test, "ref_train": train, "setting": _T7}
            for (b, lr), (test, train) in _T7_CELLS.items()
        ]
    )
