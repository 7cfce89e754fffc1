"""Task 8's commentary follows the tables of models it is given."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import architectures, net_runs
from mnist_sgd.science.architectures import FIRST, FIRST_01, FIRST_LR, LR
from mnist_sgd.show import references
from mnist_sgd.tasks.architectures.commentary import (
    first_run_comparison_text,
    model_text,
    models_text,
    quick_look_text,
    reference_text,
)


def summary(diverged_cnn: bool = False) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"model": FIRST, "parameters": 101770, "seconds_per_epoch": 4.0, "final_test_acc": 0.9712, "epochs": 3},
            {"model": "MLP 128", "parameters": 101770, "seconds_per_epoch": 4.0, "final_test_acc": 0.9801, "epochs": 5},
            {"model": "CNN", "parameters": 431080, "seconds_per_epoch": 14.0, "final_test_acc": 0.9919, "epochs": 5},
        ]
    ).assign(diverged=[False, False, diverged_cnn], diverged_at=[math.nan, math.nan, 2 if diverged_cnn else math.nan])


def history() -> pd.DataFrame:
    return pd.DataFrame(
        [{"model": "MLP 128", "epoch": e, "test_acc": 0.95 + e / 200} for e in range(1, 6)]
        + [{"model": "CNN", "epoch": e, "test_acc": 0.98 + e / 500} for e in range(1, 6)]
    )


def test_the_models_text_names_the_best_the_smallest_and_the_time_ratio():
    text = models_text(summary(), history())
    assert "**CNN**: 431,080 parameters, 14 s per epoch, final test accuracy 99.19%" in text
    assert f"**comparison** at η = {LR:g}: the highest final test accuracy is the CNN's" in text
    assert "the fewest parameters are the MLP 128's" in text and "takes 3.5× as long as one of the MLP 128" in text
    # the first run against the same network at the task's rate, and at the first run's 3 epochs
    assert f"η = {LR:g} reached 98.01% after 5 epochs against 97.12% for η = {FIRST_LR:g} after 3" in text
    assert f"after the same 3 epochs, η = {LR:g} had 96.50%" in text
    assert "diverged" not in text


def test_a_diverged_model_is_named_and_left_out_of_the_comparison():
    text = models_text(summary(diverged_cnn=True), history())
    assert "**diverged**: CNN (epoch 2)" in text and "**CNN**:" not in text
    assert "**comparison**" not in text  # one model at η = LR is left: nothing to compare it with


def test_the_reference_text_gives_the_gap_and_flags_fewer_epochs():
    ref = pd.DataFrame(
        [
            {"model": "CNN", "ref_key": "cnn", "ref_text": "about 99.10%", "ref_test": 0.991, "asked": 40,
             "epochs_done": 40, "final_test_acc": 0.9919, "diverged": False},
            {"model": "MLP 128", "ref_key": "mlp128", "ref_text": "98.00%", "ref_test": 0.98, "asked": 20,
             "epochs_done": 5, "final_test_acc": 0.9750, "diverged": False},
            {"model": "MLP 500-300", "ref_key": "mlp500", "ref_text": "98.30%", "ref_test": 0.983, "asked": 20,
             "epochs_done": 3, "final_test_acc": math.nan, "diverged": True},
        ]
    )  # fmt: skip
    text = reference_text(ref, {"cnn": "by hand A", "mlp128": "by hand B", "mlp500": "by hand C"})
    assert "- CNN: 99.19% here, 0.09 points above the reference (about 99.10%; by hand: by hand A)." in text
    assert "- MLP 128: 97.50% here, 0.50 points below the reference" in text
    assert "this run had 5 of the reference's 20 epochs, so this is not a like-for-like comparison" in text
    assert "- MLP 500-300: no final accuracy here (the run diverged)." in text


def test_the_quick_look_warning_appears_only_below_the_whole_training_set():
    assert quick_look_text(pd.DataFrame({"train_images": [2000, 60000]})).startswith(
        "**Quick look:** trained on the first 2,000 training images only"
    )
    assert quick_look_text(pd.DataFrame({"train_images": [60000, 60000]})) is None


def first_runs(diverged_01: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two first runs, 2 epochs each: inputs in [-1, 1] reaches 88% then 90%, inputs in [0, 1] 85% then 87%."""
    runs = pd.DataFrame(
        {
            "model": [FIRST, FIRST_01],
            "final_test_acc": [0.90, math.nan if diverged_01 else 0.87],
            "epochs": [2, 2],
            "diverged": [False, diverged_01],
        }
    )
    curves = pd.DataFrame(
        {"model": [FIRST, FIRST, FIRST_01, FIRST_01], "epoch": [1, 2, 1, 2], "test_acc": [0.88, 0.90, 0.85, 0.87]}
    )
    return runs, curves


def test_the_first_run_is_compared_with_its_hand_figure_and_the_other_inputs():
    hand = references.value(8, "test accuracy", "mlp128-first")
    runs, curves = first_runs()
    text = first_run_comparison_text(runs, curves, 0.2)
    assert text is not None
    assert f"90.00% here after 2 epochs against {100 * hand:.2f}% by hand" in text
    assert "Under the alternatives tested here, with everything else equal: inputs in [0, 1]: 87.00%." in text
    assert "The inputs in [-1, 1] run passed the hand figure after epoch 1 (88.00%)." in text
    alone = first_run_comparison_text(*first_runs(diverged_01=True), 0.2)
    assert alone is not None and "alternatives" not in alone and "The inputs in [0, 1] run" not in alone
    assert first_run_comparison_text(runs.assign(diverged=True), curves, 0.2) is None
    assert first_run_comparison_text(runs[runs["model"] != FIRST], curves, 0.2) is None


def model_run(epochs: int, eval_every: int = 1, diverged_at: int | None = None) -> pd.DataFrame:
    """One model's runs table: 225,034 parameters, 1.5 s of training per epoch, 98% test and 99% training accuracy."""
    return pd.DataFrame(
        [
            {"parameters": 225034, "epochs": epochs, "eval_every": eval_every, "device": "cpu",
             "diverged": diverged_at is not None, "diverged_at": diverged_at, "seconds_per_epoch": 1.5,
             "final_test_acc": 0.98, "final_train_acc": 0.99}
        ]
    )  # fmt: skip


def test_the_model_text_says_the_setting_the_times_and_the_accuracies():
    cnn = architectures.setup("cnn")
    # evaluated after epochs 2, 4 and 5 (the last): 1.25 s of evaluation over 5 epochs
    history = pd.DataFrame({"eval_seconds": [0.0, 0.5, 0.0, 0.5, 0.25]})
    text = model_text(cnn, model_run(5, eval_every=2), history)
    assert text == (
        f"**CNN**: 225,034 parameters, η = {LR:g}, inputs in [-1, 1], 5 epochs of the "
        f"{architectures.ASKED_EPOCHS['cnn']} the assignment asks for (fewer to fit this profile's budget), evaluated "
        "every 2; device: cpu. 1.50 s of training per epoch and 0.250 s of evaluation; final test accuracy 98.00%, "
        "final training accuracy 99.00% (whole training set)."
    )


def test_the_model_text_of_the_asked_epochs_evaluated_every_epoch_says_neither():
    first01 = architectures.setup("first-inputs01")
    asked = architectures.ASKED_EPOCHS[first01.budget]
    text = model_text(first01, model_run(asked), pd.DataFrame({"eval_seconds": [0.2] * asked}))
    assert text.startswith(
        f"**{FIRST_01}**: 225,034 parameters, η = {FIRST_LR:g}, inputs in [0, 1], {asked} epochs; device: cpu. "
    )
    assert "assignment" not in text and "evaluated every" not in text and "0.200 s of evaluation" in text


def test_a_diverged_model_says_where_and_gives_no_times():
    text = model_text(architectures.setup("mlp128"), model_run(3, diverged_at=2), pd.DataFrame({"eval_seconds": [0.2]}))
    assert text.endswith("; device: cpu. The loss became non-finite in epoch 2: the run diverged and stopped.")
    assert "3 epochs of the 40" in text and "s of training" not in text and "accuracy" not in text


def test_dips_are_found_and_described():
    from mnist_sgd.tasks.architectures.commentary import dips_text

    h = pd.DataFrame(
        {"model": "MLP 500-300", "epoch": range(1, 7), "test_acc": [0.97, 0.975, 0.9356, 0.976, 0.977, 0.9356]}
    )
    found = net_runs.dips(h, points=1.0)
    assert found["epoch"].tolist() == [3, 6]
    text = dips_text(found, 1.0, resolution=0.2)
    assert (
        "MLP 500-300: 93.56% at epoch 3 (from 97.50%, back to 97.60% one epoch later), 93.56% at epoch 6 (from 97.70%, the last epoch)"
        in text
    )
    assert "every fall is more than twice that" in text
    assert "In 1 of 2 dips the accuracy later regained its level before the dip (at epoch 4)" in text
    assert "not every dip can be told apart from a lasting loss" in text
    healed = h.assign(test_acc=[0.97, 0.975, 0.9356, 0.976, 0.977, 0.98])
    assert "not a lasting loss of accuracy" in dips_text(net_runs.dips(healed), 1.0, 0.2)
    assert "not every fall is more than twice that" in dips_text(found, 1.0, resolution=2.5)
    assert "No run's test accuracy fell by more than 1 point" in dips_text(net_runs.dips(h.head(2)), 1.0, 0.2)


def test_first_run_text_follows_the_numbers():
    from mnist_sgd.tasks.architectures.commentary import first_run_text

    text = first_run_text(0.9457, 0.8675, {"inputs in [0, 1]": 0.92}, 10, resolution=0.2)
    assert "94.57% here after 10 epochs against 86.75% by hand (+7.82 points)" in text
    assert (
        "inputs in [0, 1]: 92.00%" in text
        and "The closest to the hand figure is inputs in [0, 1], +5.25 points" in text
    )
    assert "cannot be known" in text and "39 times the per-epoch noise" in text
    assert "None of them comes closer" in first_run_text(0.9457, 0.8675, {"x": 0.97}, 10, 0.2)
    timed = first_run_text(
        0.9457, 0.8675, {}, 10, 0.2, curves={"inputs in [-1, 1]": [0.8902, 0.9049], "slow": [0.5, 0.6]}
    )
    assert "The inputs in [-1, 1] run passed the hand figure after epoch 1 (89.02%)" in timed
    assert "The slow run never reached the hand figure in 2 epochs" in timed
