"""Task 8's commentary follows the tables it is given: every verdict comes from a rule on the
numbers, and a point the models do not allow is left out."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import FIRST, FIRST_01, FIRST_LR, LR
from mnist_sgd.show import references
from mnist_sgd.tasks.architectures.commentary import (
    best_text,
    dips_text,
    hand_text,
    model_text,
    noise_text,
    quick_look_text,
)
from mnist_sgd.tasks.architectures.comparison import (
    cnn_text,
    comparison_text,
    decay_text,
    distance,
    fit_text,
    inputs_text,
    judged,
    step_size_text,
)
from mnist_sgd.tasks.architectures.dips import COLUMNS
from mnist_sgd.tasks.architectures.wording import told_apart

NAMES = {s.model: s.short for s in architectures.SETUPS}
HAND_500 = references.value(8, "test accuracy", "mlp500-300")
HAND_FIRST = references.value(8, "test accuracy", "mlp128-first")


def model(name: str, **values) -> dict:
    """A row of ``tables.model_stats`` for ``name``: an MLP 128-sized model, 3 seeds, 40 epochs,
    fitted (99.8% train, 98.0% test), noise 0.1 point from its seeds; ``values`` override."""
    row = {
        "model": name, "name": NAMES[name], "seeds": 3, "diverged_seeds": 0, "epochs": 40,
        "final_test_acc": 0.98, "final_test_acc_sd": 0.001, "final_train_acc": 0.998, "final_train_acc_sd": 0.0005,
        "gap": 0.018, "gap_sd": 0.001, "best_epoch": 40, "best_test": 0.98, "fluctuation": 0.1, "noise": 0.1,
        "noise_source": "seeds", "init_norm": 6.8, "final_norm": 16.0, "norm_growth": 0.05,
        "final_train_loss": 0.02, "decay_term": 0.0128, "decay_to_loss": 0.64, "steps": 37520, "lr": LR,
        "parameters": 101770, "shared_parameters": 0, "mult_adds": 101632, "shared_mult_adds": 0,
        "seconds_per_epoch": 1.2, "pixel_mean": 0.13, "pixel_mean_square": 0.1, "train_images": 60000,
    }  # fmt: skip
    return {**row, **values}


FIRST_ROW = {"epochs": 10, "steps": 9380, "lr": FIRST_LR, "final_train_acc": 0.946, "gap": 0.001, "gap_sd": 0.001,
             "final_test_acc": 0.945, "norm_growth": math.nan, "decay_to_loss": 0.02, "best_epoch": 10}  # fmt: skip


def stats(**overrides: dict) -> pd.DataFrame:
    """The five models, each overridden by ``overrides[key]`` (a Setup's key, '-' as '_')."""
    rows = [
        model(FIRST, **FIRST_ROW),
        model(FIRST_01, **{**FIRST_ROW, "final_test_acc": 0.93, "final_train_acc": 0.93, "gap": 0.0}),
        model("MLP 128"),
        model("MLP 500-300", seeds=1, noise_source="epochs", noise=0.08, fluctuation=0.08, final_test_acc=0.9816,
              final_train_acc=1.0, gap=0.0184, gap_sd=math.nan, parameters=545810, mult_adds=545000,
              seconds_per_epoch=5.0),
        model("CNN", seeds=1, noise_source="epochs", noise=0.05, fluctuation=0.05, final_test_acc=0.9919,
              final_train_acc=0.9999, gap=0.008, gap_sd=math.nan, parameters=225034, shared_parameters=18816,
              mult_adds=2631040, shared_mult_adds=2424960, seconds_per_epoch=28.0, decay_to_loss=30.0),
    ]  # fmt: skip
    keys = [s.key.replace("-", "_") for s in architectures.SETUPS]
    return pd.DataFrame([{**r, **overrides.get(k, {})} for r, k in zip(rows, keys, strict=True)])


def curves(points: dict[str, dict[int, tuple[float, float]]]) -> pd.DataFrame:
    """``seed_curves`` from model -> epoch -> (mean, sd) in fractions (sd NaN: one seed)."""
    return pd.DataFrame(
        [{"model": m, "epoch": e, "mean": mean, "sd": sd, "seeds": 3} for m, c in points.items()
         for e, (mean, sd) in c.items()]
    )  # fmt: skip


def losses(first: float, main: float) -> pd.DataFrame:
    return pd.DataFrame({"model": [FIRST, "MLP 128"], "epoch": [10, 10], "train_loss": [first, main]})


def test_two_values_are_told_apart_beyond_twice_their_noise():
    assert told_apart(0.5, 0.2) and not told_apart(0.4, 0.2) and not told_apart(5.0, math.nan)


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


def test_the_noise_says_where_it_comes_from_and_checks_the_stand_in():
    text = noise_text(stats())
    assert "The first run, the first run on [0, 1] and the MLP 128 ran 3 seeds each" in text
    assert "The MLP 500-300 and the CNN ran one seed each" in text
    assert "The CNN ran one seed;" in noise_text(stats().drop(index=3))
    assert "0.08 points for the MLP 500-300, 0.05 points for the CNN" in text
    assert "the fluctuation is the larger, so it does not understate" in text  # MLP 128: 0.1 against 0.1
    smaller = noise_text(stats(mlp128={"fluctuation": 0.05, "noise": 0.1}))
    assert "the fluctuation is 2.0 times smaller, so a one-seed model's noise may be understated" in smaller
    assert "twice their combined noise" in text


def test_the_step_size_is_compared_after_the_first_run_s_epochs():
    c = curves({FIRST: {5: (0.93, 0.001), 10: (0.945, 0.001)}, "MLP 128": {10: (0.97, 0.001)}})
    text = step_size_text(stats(), c, losses(0.2, 0.05))
    assert (
        "After 10 epochs, the first run's length, the MLP 128 (η = 0.04) is 2.50 points above the first run "
        "(η = 0.01; 18 times the combined noise)" in text
    )
    assert "its training loss is 4.0 times lower: with the same number of steps, a step 4 times as long" in text
    close = curves({FIRST: {5: (0.93, 0.001), 10: (0.945, 0.001)}, "MLP 128": {10: (0.946, 0.001)}})
    assert (
        step_size_text(stats(), close, losses(0.2, 0.05)).count(
            "within twice the combined noise), and its training loss is 4.0 times lower."
        )
        == 1
    )
    assert "still rising when it stopped (up 1.50 points over its last 5 epochs)" in text
    flat = curves({FIRST: {5: (0.945, 0.001), 10: (0.945, 0.001)}, "MLP 128": {10: (0.97, 0.001)}})
    assert "had levelled off" in step_size_text(stats(), flat, losses(0.2, 0.05))
    assert step_size_text(stats().iloc[1:], c, losses(0.2, 0.05)) is None  # no first run


def test_the_inputs_text_computes_what_the_rescaling_changes():
    c = curves({FIRST: {10: (0.945, 0.001)}, FIRST_01: {10: (0.93, 0.001)}})
    text = inputs_text(stats(), c)
    q2 = 4 * 0.1 - 4 * 0.13 + 1  # the mean of (2x - 1)^2
    ratio = (1 + 784 * q2) / (1 + 784 * 0.1)
    assert "is 1.50 points above the first run on [0, 1] (11 times the combined noise)" in text
    assert f"{ratio:.1f} times as large on average (the mean squared pixel goes from 0.100 to {q2:.3f})" in text
    assert "the mean pixel goes from 0.130 to -0.740" in text and "was not tested" in text
    assert inputs_text(stats().drop(index=1), c) is None


def test_the_fit_text_explains_the_gaps():
    text = fit_text(stats())
    assert "The MLP 128, the MLP 500-300 and the CNN end with at least 99.5% of the training images right" in text
    assert "The CNN's gap is the smallest of them, 2.3 times smaller than the MLP 500-300's" in text
    assert "how well they generalise, not how well they fit" in text
    assert "The first run and the first run on [0, 1] end below 99.5%" in text
    assert "the gap of the first run and the first run on [0, 1] is not told apart from zero" in text
    close = fit_text(stats(cnn={"gap": 0.0183}))
    assert "their gaps are not told apart" in close


def test_the_decay_text_gives_the_shrink_the_growth_and_the_share_of_the_objective():
    text = decay_text(stats())
    at_lr = 100 * architectures.decay_shrink(LR, 37520)
    assert f"shrink them to {at_lr:.1f}% of their size over the 37,520 steps of 40 epochs at η = 0.04" in text
    assert f"{100 * architectures.decay_shrink(FIRST_LR, 9380):.1f}% over the 9,380 steps" in text
    assert text.count("of their size") == 1
    assert "every model ends with larger weights than it started with" in text
    assert "the norm still changed by +5.0%" in text
    assert "exceeds the last epoch's training loss for the CNN" in text
    assert "not measured" in text
    shrunk = decay_text(stats(cnn={"final_norm": 5.0}))
    assert "The first run, the first run on [0, 1], the MLP 128 and the MLP 500-300 ends with larger" in shrunk


def test_the_cnn_text_ties_weight_sharing_to_the_counts():
    text = cnn_text(stats())
    assert (
        "The CNN has 225,034 parameters, 0.41 times the MLP 500-300's 545,810, and ends 1.03 points above it in test "
        "accuracy (11 times the combined noise); its train–test gap is 1.04 points smaller" in text
    )
    assert "convolutions hold 18,816 of its 225,034 parameters (8%) but do 2,424,960 of its 2,631,040" in text
    assert "a convolution weight is used about 129 times per image" in text
    assert "2,424,960 weights instead of 18,816" in text and "locality" in text and "weight sharing" in text
    assert "Both fit the training set" in text and "4.8 times the MLP 500-300's multiply-adds" in text
    assert "an epoch 5.6 times as long" in text
    unresolved = cnn_text(stats(cnn={"final_test_acc": 0.982, "gap": 0.0183}))
    assert "ends 0.04 points above it in test accuracy (within twice the combined noise)" in unresolved
    assert "its train–test gap is 0.01 points smaller (within twice the combined noise)" in unresolved
    assert "Both fit" not in unresolved  # the gaps are not told apart: nothing said of why they differ
    assert cnn_text(stats().iloc[:3]) is None  # no CNN


def test_the_hand_figures_are_judged_by_the_noise():
    history = pd.DataFrame({"model": FIRST, "seed": [0, 0, 1, 1], "epoch": [1, 2, 1, 2],
                            "test_acc": [0.88, 0.90, 0.87, 0.91]})  # fmt: skip
    text = hand_text(stats(mlp500_300={"final_test_acc": HAND_500 - 0.0015}), history)
    assert f"The first run: {100 * (0.945 - HAND_FIRST):+.2f} points from the hand-made figure of 86.75%" in text
    assert "Every seed was above the hand figure from epoch 1 on" in text
    assert "the first run on [0, 1] ends" in text and "does not account for it either" in text
    assert "the cause of the difference is left open" in text
    assert "The MLP 500-300: -0.15 points from the hand-made figure of about 98.3%, within twice" in text
    assert "more than twice its noise" in hand_text(stats(mlp500_300={"final_test_acc": HAND_500 - 0.005}), history)


def test_the_dips_text_says_back_only_within_the_tolerance():
    found = pd.DataFrame(
        [("MLP 128", 0, 18, 1.39, 1.2, 0.95, math.nan, 0.63, 0.2), ("MLP 128", 1, 24, 1.1, 0.9, 0.1, 25, 0.0, 0.2),
         ("CNN", 0, 30, 1.2, 1.0, 0.5, 33, 0.0, 0.1)],
        columns=COLUMNS,
    )  # fmt: skip
    text = dips_text(found, stats())
    assert "the MLP 128, 2 dips in 2 of its 3 seeds, the largest −1.39 points (seed 0, epoch 18)" in text
    assert "the CNN, 1 dip in its one run, −1.20 points (seed 0, epoch 30)" in text
    assert "At 3 of the 3 the training accuracy" in text and "worse for that epoch" in text
    assert "1 of the 3 was back one epoch later, 1 later (at most 3 epochs after the dip)" in text
    assert "1 not within the run (the last epoch 0.63 points below that level)" in text
    test_only = dips_text(found.assign(train_fall=0.1), stats())
    assert "on the test images more than on the training ones" in test_only
    assert "No run's test accuracy fell by more than 1 point" in dips_text(found.iloc[:0], stats())


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


def test_the_comparison_leaves_out_the_points_the_models_do_not_allow():
    only = stats().iloc[[2]]  # the MLP 128 alone
    text = comparison_text(only, curves({"MLP 128": {10: (0.97, 0.001)}}), losses(0.2, 0.05))
    assert "**Step size.**" not in text and "**Inputs" not in text and "CNN" not in text
    assert "**Weight decay.**" in text and "**Capacity, fit and the train–test gap.**" in text
    assert pytest.approx(0.64) == only["decay_to_loss"].iloc[0]


def test_a_difference_reads_as_a_distance_and_its_verdict():
    assert distance(-9.22) == "9.22 points below" and distance(1.5) == "1.50 points above"
    assert distance(0.001) == "level with" and distance(-1.32, "smaller", "larger") == "1.32 points larger"
    assert (
        judged(2.5, 0.1414) == "18 times the combined noise" and judged(0.1, 0.1) == "within twice the combined noise"
    )
    assert judged(9.22, math.nan) == ""  # said once per paragraph instead


def test_an_unmeasured_noise_is_said_once_per_paragraph():
    text = cnn_text(stats(cnn={"noise": math.nan}))
    assert "ends 1.03 points above it in test accuracy; its train–test gap is 1.04 points smaller." in text
    assert text.count("not measured") == 1
    assert text.endswith(
        "The noise of the CNN is not measured here, so no difference involving it is judged against the noise."
    )
    c = curves({FIRST: {10: (0.945, math.nan)}, "MLP 128": {10: (0.97, math.nan)}})
    step = step_size_text(stats(first={"noise": math.nan}, mlp128={"noise": math.nan}), c, losses(0.2, 0.05))
    assert "is 2.50 points above the first run (η = 0.01), and its training loss" in step
    assert step.count("not measured") == 1 and "the first run and the MLP 128 is not measured" in step
    assert "+2.50" not in step
    # a noise read from the seeds at that epoch is measured even when the model's final one is not
    seeded = curves({FIRST: {10: (0.945, 0.001)}, "MLP 128": {10: (0.97, 0.001)}})
    judged_step = step_size_text(stats(first={"noise": math.nan}), seeded, losses(0.2, 0.05))
    assert "18 times the combined noise" in judged_step and "not measured" not in judged_step


def test_capacity_is_tied_to_the_parameters_and_the_gaps():
    text = fit_text(stats())
    assert text.startswith(
        "**Capacity, fit and the train–test gap.** Parameters (what a network can fit): 101,770 for the MLP 128, "
        "225,034 for the CNN and 545,810 for the MLP 500-300."
    )
    # the MLP 500-300's gap 1.84 against the MLP 128's 1.80: within the noise, so capacity did not widen it
    assert (
        "The MLP 500-300, with 5.4 times the MLP 128's parameters, has a gap 0.04 points larger than the MLP 128's "
        "(within twice the combined noise): here the extra capacity did not widen the gap." in text
    )
    wide = fit_text(stats(mlp500_300={"gap": 0.030}))
    assert "has a gap 1.20 points larger than the MLP 128's (9 times the combined noise): the extra capacity" in wide
    assert "has the same gap as the MLP 128" in fit_text(stats(mlp500_300={"gap": 0.018}))
