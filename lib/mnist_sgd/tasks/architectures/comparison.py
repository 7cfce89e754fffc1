"""Task 8's comparison of the models, one point per paragraph, each explained and tied to a number
of the tables above it: the step size, the input scaling, the fit and the train-test gap, weight
decay, and why a CNN suits images."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import FIRST, FIRST_01, FIRST_LR, LR, WEIGHT_DECAY
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.architectures.tables import GROWTH_EPOCHS
from mnist_sgd.tasks.architectures.wording import (
    and_list,
    cap,
    combined,
    mean_at,
    row_of,
    the_names,
    told_apart,
    verdict,
)

FIT = 0.995  # a model "fits" the training set when its final training accuracy is at least this
PIXELS = 784


def step_size_text(stats: pd.DataFrame, curves: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """The 128-unit network at η = LR against its first run at η = FIRST_LR after the first run's
    epochs, the training losses there, and whether the first run was still improving; None
    without both models, or when they share no evaluated epoch."""
    first, main = row_of(stats, FIRST), row_of(stats, "MLP 128")
    if first is None or main is None or first["epochs"] == 0:
        return None
    e = int(first["epochs"])
    a, b = mean_at(curves, stats, "MLP 128", e), mean_at(curves, stats, FIRST, e)
    if a is None or b is None:
        return None
    diff, noise = a[0] - b[0], combined(a[1], b[1])
    loss = history[history["epoch"] == e].groupby("model")["train_loss"].mean()
    ratio = loss[FIRST] / loss["MLP 128"]
    text = (
        f"**Step size.** After {plural(e, 'epoch')}, the first run's length, the MLP 128 (η = {LR:g}) is {diff:+.2f} "
        f"points from the first run (η = {FIRST_LR:g}; {verdict(diff, noise)}), and its training loss is "
        + (f"{ratio:.1f} times lower" if ratio > 1 else f"{1 / ratio:.1f} times higher")
        + (
            f": with the same number of steps, a step {LR / FIRST_LR:g} times as long gets further down the loss."
            if ratio > 1 and diff > 0 and told_apart(diff, noise)
            else "."
        )
    )
    k = min(5, e - 1)
    start = mean_at(curves, stats, FIRST, e - k) if k > 0 else None
    if start is not None:
        gain = b[0] - start[0]
        text += (
            f" The first run was still rising when it stopped ({gain:+.2f} points over its last {plural(k, 'epoch')}),"
            " so it had not converged."
            if told_apart(gain, combined(b[1], start[1])) and gain > 0
            else f" The first run had levelled off ({gain:+.2f} points over its last {plural(k, 'epoch')})."
        )
    return text


def inputs_text(stats: pd.DataFrame, curves: pd.DataFrame) -> str | None:
    """The first run on inputs in [-1, 1] against the same run on inputs in [0, 1], and what the
    rescaling changes: the squared length of an image (how far one step moves the first layer's
    pre-activations) and the mean pixel; None without both runs."""
    a, b = row_of(stats, FIRST), row_of(stats, FIRST_01)
    if a is None or b is None or a["epochs"] == 0 or a["epochs"] != b["epochs"]:
        return None
    e = int(a["epochs"])
    x, y = mean_at(curves, stats, FIRST, e), mean_at(curves, stats, FIRST_01, e)
    if x is None or y is None:
        return None
    diff, noise = x[0] - y[0], combined(x[1], y[1])
    m, q = a["pixel_mean"], a["pixel_mean_square"]
    q2 = 4 * q - 4 * m + 1  # the mean of (2x - 1)^2
    ratio = (1 + PIXELS * q2) / (1 + PIXELS * q)
    return (
        f"**Inputs in [−1, 1] or [0, 1].** After {plural(e, 'epoch')}, the first run (inputs in [−1, 1]) is "
        f"{diff:+.2f} points from the first run on [0, 1] ({verdict(diff, noise)}). Mapping a pixel x "
        f"to 2x − 1 turns the black background's 0 into −1 and makes an image's squared length {ratio:.1f} times as "
        f"large on average (the mean squared pixel goes from {q:.3f} to {q2:.3f}). One SGD step on an image moves the "
        "first layer's pre-activations for that image in proportion to 1 + its squared length, so on inputs in "
        f"[−1, 1] the first layer learns as if with a step {ratio:.1f} times as large. The rescaling does not centre the "
        f"inputs (the mean pixel goes from {m:.3f} to {2 * m - 1:.3f}), so the argument for zero-mean inputs does not "
        "apply here. Whether the larger step accounts for the whole difference was not tested."
    )


def fit_text(stats: pd.DataFrame) -> str | None:
    """The train-test gap: which models fit the training set, whose gap is the smallest among
    them and whether it is told apart from the largest, and for the others whether their gap is
    told apart from zero (they stopped while still learning)."""
    ok = stats[stats["final_train_acc"].map(math.isfinite)]
    if ok.empty:
        return None
    gap_noise = (100 * ok["gap_sd"]).where(ok["gap_sd"].map(math.isfinite), ok["noise"])  # points
    fitted = ok[ok["final_train_acc"] >= FIT]
    others = ok[ok["final_train_acc"] < FIT]
    parts = ["**Fit and the train–test gap.**"]
    if len(fitted):
        parts.append(
            f"{cap(the_names(fitted['name']))} {'ends' if len(fitted) == 1 else 'end'} with at least {100 * FIT:g}% of the training images right: "
            + ("it fits" if len(fitted) == 1 else "they fit")
            + " the training set, and the test accuracy is the training accuracy less the train–test gap."
        )
    if len(fitted) >= 2:
        small, large = fitted.loc[fitted["gap"].idxmin()], fitted.loc[fitted["gap"].idxmax()]
        diff = 100 * (large["gap"] - small["gap"])
        noise = combined(gap_noise[small.name], gap_noise[large.name])
        parts.append(
            f"The {small['name']}'s gap is the smallest of them, "
            + (
                f"{large['gap'] / small['gap']:.1f} times smaller than the {large['name']}'s"
                if small["gap"] > 0
                else f"against the {large['name']}'s"
            )
            + f" ({verdict(diff, noise)}): "
            + (
                "what separates these models on new images is how well they generalise, not how well they fit."
                if told_apart(diff, noise)
                else "their gaps are not told apart."
            )
        )
    if len(others):
        level = [
            r.name
            for r in others.itertuples()
            if r.gap <= 0 or (math.isfinite(gap_noise[r.Index]) and not told_apart(100 * r.gap, gap_noise[r.Index]))
        ]
        parts.append(
            f"{cap(the_names(others['name']))} {'ends' if len(others) == 1 else 'end'} below {100 * FIT:g}% on the training set"
            + (
                f"; the gap of {the_names(level)} is not told apart from zero: "
                + ("it stopped" if len(level) == 1 else "they stopped")
                + " while still learning, limited by the training it had rather than by over-fitting."
                if level
                else "."
            )
        )
    return " ".join(parts)


def decay_text(stats: pd.DataFrame) -> str | None:
    """What weight decay does here: how much it alone would shrink the weights over each learning
    rate's longest run, whether the weights grew anyway (and still grew at the end), and how its
    term compares with the training loss at the end. Says that no run without it was made."""
    ok = stats[stats["final_norm"].map(math.isfinite) & (stats["steps"] > 0)]
    if ok.empty:
        return None
    longest = ok.sort_values("steps").groupby("lr", sort=False).tail(1).sort_values("lr", ascending=False)
    shrink = [
        f"{100 * architectures.decay_shrink(r.lr, int(r.steps)):.1f}% of their size over the {int(r.steps):,} steps "
        f"of {plural(int(r.epochs), 'epoch')} at η = {r.lr:g}"
        for r in longest.itertuples()
    ]
    grew = ok[ok["final_norm"] > ok["init_norm"]]
    text = (
        f"**Weight decay.** With λ = {WEIGHT_DECAY:g}, each step multiplies every parameter by 1 − ηλ before the "
        f"gradient's step; alone, this would shrink them to {and_list(shrink)}. "
        + (
            "The gradient of the loss outweighs it: every model ends with larger weights than it started with (‖θ‖ in "
            "the table)"
            if len(grew) == len(ok)
            else (cap(the_names(grew["name"])) if len(grew) else "No model")
            + " ends with larger weights than it started with (‖θ‖ in the table)"
        )
    )
    growing = ok[ok["norm_growth"].map(math.isfinite)]
    if len(growing):
        lo, hi = 100 * growing["norm_growth"].min(), 100 * growing["norm_growth"].max()
        span = f"{lo:+.1f}%" if math.isclose(lo, hi, abs_tol=0.05) else f"{lo:+.1f}% to {hi:+.1f}%"
        text += f", and over the last {GROWTH_EPOCHS} epochs of {the_names(growing['name'])} the norm still changed by {span}"
    text += "."
    above = ok[ok["decay_to_loss"] > 1]
    text += (
        " As the training loss approaches zero, the decay term λ‖θ‖²/2 becomes a larger part of what SGD minimises: "
        + (
            f"at the end it exceeds the last epoch's training loss for {the_names(above['name'])}. Once the "
            "training images are right, the cross-entropy can still fall by scaling the weights up (more confident "
            "outputs); it is the decay that pulls against that growth."
            if len(above)
            else "at the end it is still below the training loss for every model, so the loss is the larger part of "
            "the objective."
        )
    )
    return text + " No model was trained here without weight decay, so its effect on the test accuracy is not measured."


def cnn_text(stats: pd.DataFrame) -> str | None:
    """Why the CNN suits images, against the largest MLP at η = LR: parameters and test accuracy,
    the train-test gaps, where its parameters and multiply-adds sit, and what the sharing costs in
    time; None without the CNN and an MLP at η = LR that did not diverge."""
    ok = stats[stats["final_test_acc"].map(math.isfinite)]
    cnn = row_of(ok, "CNN")
    mlps = ok[~ok["model"].isin(["CNN", FIRST, FIRST_01])]
    if cnn is None or mlps.empty:
        return None
    mlp = mlps.loc[mlps["parameters"].idxmax()]
    diff, noise = 100 * (cnn["final_test_acc"] - mlp["final_test_acc"]), combined(cnn["noise"], mlp["noise"])
    gap_diff = 100 * (mlp["gap"] - cnn["gap"])
    text = (
        f"**Why a CNN suits images.** The CNN has {cnn['parameters'] / mlp['parameters']:.2f} times the parameters of "
        f"the {mlp['name']} and ends {diff:+.2f} points from it on the test set ({verdict(diff, noise)}); its "
        f"train–test gap is {gap_diff:.2f} points "
        + ("smaller" if gap_diff > 0 else "larger")
        + f" ({verdict(gap_diff, combined(cnn['noise'], mlp['noise']))}). Only "
        f"{100 * cnn['shared_parameters'] / cnn['parameters']:.0f}% of its parameters are in its two convolutions, "
        f"yet they do {100 * cnn['shared_mult_adds'] / cnn['mult_adds']:.0f}% of its multiply-adds: each 3 × 3 filter "
        "is applied at every position of the image. That is what a CNN assumes about images: locality (a unit looks "
        "at a small patch, where the strokes of a digit are) and weight sharing (the same filter everywhere, so a "
        "stroke is recognised wherever it is; the 2 × 2 pooling adds tolerance to shifts of a pixel). An MLP has one "
        "weight per pixel and unit and must learn each feature at each position from the examples."
    )
    both_fit = min(cnn["final_train_acc"], mlp["final_train_acc"]) >= FIT
    if both_fit and told_apart(diff, noise) and diff > 0 and told_apart(gap_diff, combined(cnn["noise"], mlp["noise"])):
        text += (
            f" Both fit the training set; the {mlp['name']} carries more of what holds only for the training images "
            "to the test set (its larger gap)."
        )
    return text + (
        f" The price of the sharing is computation: {cnn['mult_adds'] / mlp['mult_adds']:.1f} times the "
        f"{mlp['name']}'s multiply-adds per image, and an epoch {cnn['seconds_per_epoch'] / mlp['seconds_per_epoch']:.1f} "
        "times as long."
    )


def comparison_text(stats: pd.DataFrame, curves: pd.DataFrame, history: pd.DataFrame) -> str:
    """The comparison of the models, one bullet per point that the models run allow."""
    parts = [
        step_size_text(stats, curves, history),
        inputs_text(stats, curves),
        fit_text(stats),
        decay_text(stats),
        cnn_text(stats),
    ]
    return "\n".join(f"- {p}" for p in parts if p)
