"""Task 8's commentary follows the tables it is given: every verdict comes from a rule on the
numbers, and a point the models do not allow is left out."""

from __future__ import annotations

import math

import pandas as pd
from made_up import arch_stats

from mnist_sgd.science import architectures
from mnist_sgd.show import references
from mnist_sgd.tasks.architectures.commentary import best_text, model_text, quick_look_text

HAND_500 = references.value(8, "test accuracy", "mlp500-300")
HAND_FIRST = references.value(8, "test accuracy", "mlp128-first")


def stats(**overrides: dict) -> pd.DataFrame:
    """The five models, the MLP 500-300 and the CNN with one seed each (their noise: their fluctuation)."""
    return arch_stats(large_seeds=1, **overrides)


def test_the_model_text_gives_the_epochs_seeds_and_evaluation_and_names_a_diverged_seed():
    cnn = architectures.setup("cnn")
    runs = pd.DataFrame({"epochs": 5, "eval_every": 2, "device": "cpu", "seed": [0, 1], "diverged": [False, True],
                         "diverged_at": [math.nan, 3]})  # fmt: skip
    history = pd.DataFrame({"test_acc": [math.nan, 0.9, 0.91], "eval_seconds": [0.0, 0.5, 0.7]})
    text = model_text(cnn, runs, history)
    assert text.startswith(
        f"Trained for 5 epochs of the {architectures.ASKED_EPOCHS['cnn']} the assignment asks for (fewer, to fit this "
        "build's budget), with seeds 0 and 1, evaluated every 2 epochs and after the last; device: cpu."
    )
    assert "An evaluation took 0.6 s" in text  # the mean over the evaluated epochs only
    assert text.endswith("Seed 1: the loss became non-finite in epoch 3 and the run stopped.")
    assert "accuracy" not in text  # the accuracies are in the comparison, printed once


def test_the_quick_look_warning_appears_only_below_the_whole_training_set():
    assert quick_look_text(pd.DataFrame({"train_images": [2000, 60000]})).startswith("**Quick look:**")
    assert quick_look_text(pd.DataFrame({"train_images": [60000, 60000]})) is None


def test_the_best_text_separates_the_last_the_within_and_the_gain():
    text = best_text(
        stats(
            mlp128={"best_epoch": 39, "best_test": 0.9805},  # 0.05 points: within 2 * 0.1 / √3
            mlp500_300={"best_epoch": 37, "best_test": 0.9840},  # 0.24 points: more than 2 * 0.08
        )
    )
    assert text.startswith("**Best epoch or last** (†). The first run, the first run on [0, 1] and the CNN are best")
    assert "the last epoch of the MLP 128 is within twice the fluctuation of the best" in text
    assert "would have gained 0.24 points for the MLP 500-300" in text
