"""Task 8's tables: the models' runs in the order of the task, and the tables its summary
shows (accuracy per epoch, size, time and accuracy, the hand-made figures beside this
report's), laid out from the ``runs`` and ``history`` tables of its jobs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import ASKED_EPOCHS
from mnist_sgd.show import provenance, references


def in_task_order(table: pd.DataFrame) -> pd.DataFrame:
    """``table``'s rows with their models in the order of the task (``architectures.SETUPS``),
    whatever order their jobs ran in; rows of one model keep their order."""
    rank = {s.model: i for i, s in enumerate(architectures.SETUPS)}
    return table.sort_values("model", key=lambda c: c.map(rank), kind="stable").reset_index(drop=True)


def _task_models(models: Iterable[str]) -> list[str]:
    """The models named in ``models``, once each, in the order of the task."""
    return [s.model for s in architectures.by_model(list(models))]


def accuracy_by_epoch_table(history: pd.DataFrame, models: Iterable[str]) -> pd.DataFrame:
    """The test accuracy (%) after each epoch, one row per epoch and one column per model of
    ``models`` in the order of the task (blank where a model was not evaluated)."""
    order = _task_models(models)
    wide = history.pivot(index="epoch", columns="model", values="test_acc")
    wide = (100 * wide.reindex(columns=order)).reset_index()
    return wide.rename(columns={m: f"{m} (%)" for m in order})


def models_table(summary: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per model of ``summary``: parameters, epochs asked and completed, time per epoch,
    final train and test accuracy (%), and the best test accuracy (%) with its epoch."""
    best = history.dropna(subset=["test_acc"]).sort_values("test_acc").groupby("model").tail(1).set_index("model")
    table = summary[["model", "parameters", "epochs", "seconds_per_epoch", "final_train_acc", "final_test_acc"]].copy()
    table["best_test_acc"] = table["model"].map(best["test_acc"]) * 100
    table["best_epoch"] = table["model"].map(best["epoch"]).map(lambda e: "" if pd.isna(e) else str(int(e)))
    table[["final_train_acc", "final_test_acc"]] *= 100
    table["epochs_done"] = table["model"].map(history.groupby("model").size())
    return table[
        [
            "model",
            "parameters",
            "epochs",
            "epochs_done",
            "seconds_per_epoch",
            "final_train_acc",
            "final_test_acc",
            "best_test_acc",
            "best_epoch",
        ]
    ].rename(
        columns={
            "epochs_done": "epochs completed",
            "seconds_per_epoch": "s per epoch",
            "final_train_acc": "final train (%)",
            "final_test_acc": "final test (%)",
            "best_test_acc": "best test (%)",
            "best_epoch": "at epoch",
        }
    )


def models_caption(cond: dict[str, Any] | pd.Series) -> str:
    """The caption of ``models_table``: what was measured, under the conditions ``cond``."""
    return (
        f"Parameters, training time per epoch (measured, evaluation excluded; {provenance.conditions_text(cond)}) "
        "and accuracy (final train: on the whole training set; test: on the whole test set)."
    )


def _reference_text(key: str, value: float) -> str:
    """A hand-made figure as quoted: '86.75%', or 'about 99.10%' when its setting says 'about'."""
    return ("about " if "'about'" in references.setting(8, key) else "") + f"{100 * value:.2f}%"


def reference_rows(summary: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per model of ``summary`` that has a hand-made figure, in the order of the task:
    model, ref_key, asked (the reference's epochs), ref_test (fraction), ref_text (as quoted),
    and this report's final_test_acc, diverged and epochs_done (epochs completed)."""
    rows = []
    for s in architectures.by_model(summary["model"].tolist()):
        value = references.value(8, "test accuracy", s.ref_key)
        if value is not None:
            rows.append(
                {
                    "model": s.model,
                    "ref_key": s.ref_key,
                    "asked": ASKED_EPOCHS[s.budget],
                    "ref_test": value,
                    "ref_text": _reference_text(s.ref_key, value),
                }
            )
    columns = ["model", "ref_key", "asked", "ref_test", "ref_text"]
    ref = pd.DataFrame(rows, columns=columns).merge(summary[["model", "final_test_acc", "diverged"]], on="model")
    ref["epochs_done"] = ref["model"].map(history.groupby("model").size())
    return ref


def reference_table(ref: pd.DataFrame) -> pd.DataFrame:
    """``reference_rows`` as shown: the epochs and the figure of each hand-made reference beside
    this report's epochs and final test accuracy (%), and the gap in points."""
    return pd.DataFrame(
        {
            "model": ref["model"],
            "epochs (reference)": ref["asked"],
            "test, reference": ref["ref_text"],
            "epochs here": ref["epochs_done"],
            "test here (%)": 100 * ref["final_test_acc"],
            "here − reference (points)": 100 * (ref["final_test_acc"] - ref["ref_test"]),
        }
    )


def reference_caption(seed: int) -> str:
    """The caption of ``reference_table``: where each side's figures come from."""
    return (
        "Final test accuracy: hand-made reference figures (quoted from the assignment; their settings below) and "
        f"this report (the setting above: PyTorch's default initialisation, seed {seed})."
    )
