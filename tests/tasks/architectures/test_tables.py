"""Task 8's tables follow the runs they are given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science.architectures import FIRST
from mnist_sgd.show import references
from mnist_sgd.tasks.architectures.tables import (
    accuracy_by_epoch_table,
    in_task_order,
    models_caption,
    models_table,
    reference_caption,
    reference_rows,
    reference_table,
)

MODELS = ["CNN", "MLP 128", FIRST]  # not in the order of the task, as jobs may finish


def summary(diverged_cnn: bool = False) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": MODELS,
            "parameters": [225034, 101770, 101770],
            "epochs": [4, 4, 2],
            "seconds_per_epoch": [14.0, 0.6, 0.6],
            "final_train_acc": [0.995, 0.97, 0.93],
            "final_test_acc": [math.nan if diverged_cnn else 0.9910, 0.9650, 0.9200],
            "diverged": [diverged_cnn, False, False],
        }
    )


def history() -> pd.DataFrame:
    """The CNN evaluated at epochs 2 and 4 only, its best at epoch 2; the MLP 128 best at its
    last epoch; the first run stopped after 2 epochs."""
    rows = [("CNN", 1, math.nan), ("CNN", 2, 0.992), ("CNN", 3, math.nan), ("CNN", 4, 0.991)]
    rows += [("MLP 128", e, 0.95 + e / 400) for e in range(1, 5)]
    rows += [(FIRST, 1, 0.90), (FIRST, 2, 0.92)]
    return pd.DataFrame(rows, columns=["model", "epoch", "test_acc"])


def test_rows_are_put_in_the_order_of_the_task_keeping_each_model_s_order():
    ordered = in_task_order(history())
    assert ordered["model"].drop_duplicates().tolist() == [FIRST, "MLP 128", "CNN"]
    assert ordered.loc[ordered["model"] == "CNN", "epoch"].tolist() == [1, 2, 3, 4]
    assert ordered.index.tolist() == list(range(len(ordered)))


def test_the_accuracy_table_has_one_column_per_model_in_the_order_of_the_task():
    shown = accuracy_by_epoch_table(history(), MODELS)
    assert list(shown.columns) == ["epoch", f"{FIRST} (%)", "MLP 128 (%)", "CNN (%)"]
    assert shown["CNN (%)"].iloc[1] == 99.2 and math.isnan(shown["CNN (%)"].iloc[0])
    assert math.isnan(shown[f"{FIRST} (%)"].iloc[3])  # the run had stopped


def test_the_models_table_gives_the_best_epoch_and_the_epochs_completed():
    shown = models_table(summary(), history()).set_index("model")
    assert shown.loc["CNN", "best test (%)"] == 99.2 and shown.loc["CNN", "at epoch"] == "2"
    assert shown.loc["MLP 128", "at epoch"] == "4" and shown.loc["MLP 128", "final test (%)"] == 96.5
    assert shown.loc[FIRST, "epochs completed"] == 2 and shown.loc["CNN", "epochs completed"] == 4
    unevaluated = models_table(summary(), history().assign(test_acc=math.nan)).set_index("model")
    assert unevaluated.loc["CNN", "at epoch"] == "" and math.isnan(unevaluated.loc["CNN", "best test (%)"])


def test_the_captions_state_the_conditions_and_the_seed():
    caption = models_caption({"threads": 2, "device": "cpu", "parallel_jobs": 1})
    assert "2 torch threads on cpu, 1 job of the report running in parallel" in caption
    assert reference_caption(7).endswith("seed 7).")


def test_only_models_with_a_hand_figure_are_compared():
    ref = reference_rows(summary(), history())
    assert ref["model"].tolist() == [FIRST, "CNN"]  # the assignment gives none for the MLP 128
    first, cnn = ref.iloc[0], ref.iloc[1]
    assert first["ref_test"] == references.value(8, "test accuracy", "mlp128-first") and first["epochs_done"] == 2
    assert first["ref_text"] == f"{100 * first['ref_test']:.2f}%"
    assert cnn["ref_text"] == f"about {100 * cnn['ref_test']:.2f}%"  # its setting says 'about'
    shown = reference_table(ref)
    assert math.isclose(shown["here − reference (points)"].iloc[0], 100 * (0.92 - first["ref_test"]))
    assert shown["epochs here"].tolist() == [2, 4]


def test_a_diverged_model_keeps_its_row_without_a_gap():
    ref = reference_rows(summary(diverged_cnn=True), history())
    assert bool(ref["diverged"].iloc[1]) and math.isnan(reference_table(ref)["here − reference (points)"].iloc[1])
