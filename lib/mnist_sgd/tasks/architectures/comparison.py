"""Task 8's comparison of the models, one point per paragraph, each explained and tied to a number
of the tables above it: the step size, the input scaling, capacity, the fit and the train-test
gap, weight decay, and why a CNN suits images. A difference reads as a distance ('9.22 points
below'), judged against the noise by the rule of the noise paragraph; when some model's noise is
not measured, a paragraph says so once, at its end, instead of beside each number."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import FIRST, FIRST_01, FIRST_LR, LR, WEIGHT_DECAY
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.architectures.tables import GROWTH_EPOCHS
from mnist_sgd.tasks.architectures.wording import and_list, cap, combined, mean_at, row_of, the_names, told_apart

FIT = 0.995  # a model "fits" the training set when its final training accuracy is at least this
PIXELS = 784


def distance(diff: float, up: str = "above", down: str = "below", level: str = "level with") -> str:
    """A signed difference in points as prose: '9.22 points below', '1.50 points above'; ``level``
    when it rounds to zero."""
    if f"{abs(diff):.2f}" == "0.00":
        return level
    return f"{abs(diff):.2f} points {up if diff > 0 else down}"


def judged(diff: float, noise: float) -> str:
    """The verdict of a difference against its noise, for a parenthesis after it: '3 times the
    combined noise', 'within twice the combined noise'; '' when the noise is not measured (which
    ``unmeasured`` says once for the paragraph)."""
    if not math.isfinite(noise):
        return ""
    return (
        f"{abs(diff) / noise:.0f} times the combined noise"
        if told_apart(diff, noise)
        else "within twice the combined noise"
    )


def _in_parentheses(text: str) -> str:
    """' (text)' after a number, or nothing when there is no text (an unmeasured noise)."""
    return f" ({text})" if text else ""


def unmeasured(noises: list[tuple[pd.Series, float]]) -> str:
    """' The noise of the CNN is not measured here, so no difference involving it is judged
    against the noise.': said once, at the end of a paragraph, for the models (rows of
    ``model_stats``) whose noise, as the paragraph used it, is NaN; '' when every one is measured."""
    names = list(dict.fromkeys(row["name"] for row, noise in noises if not math.isfinite(noise)))
    if not names:
        return ""
    them = "it" if len(names) == 1 else "them"
    return (
        f" The noise of {the_names(names)} is not measured here, so no difference involving {them} is judged "
        "against the noise."
    )


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
    verdict = judged(diff, noise)
    text = (
        f"**Step size.** After {plural(e, 'epoch')}, the first run's length, the MLP 128 (η = {LR:g}) is "
        f"{distance(diff)} the first run (η = {FIRST_LR:g}{'; ' + verdict if verdict else ''}), and its training "
        "loss is "
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
        gain, gain_noise = b[0] - start[0], combined(b[1], start[1])
        moved, over = f"{'up' if gain > 0 else 'down'} {abs(gain):.2f} points", f"over its last {plural(k, 'epoch')}"
        if told_apart(gain, gain_noise) and gain > 0:
            text += f" The first run was still rising when it stopped ({moved} {over}), so it had not converged."
        elif math.isfinite(gain_noise):
            text += f" The first run had levelled off ({moved} {over}, {judged(gain, gain_noise)})."
        else:
            text += f" The first run moved {moved} {over}."
    return text + unmeasured([(first, b[1]), (main, a[1])])


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
        f"{distance(diff)} the first run on [0, 1]{_in_parentheses(judged(diff, noise))}. Mapping a pixel x "
        f"to 2x − 1 turns the black background's 0 into −1 and makes an image's squared length {ratio:.1f} times as "
        f"large on average (the mean squared pixel goes from {q:.3f} to {q2:.3f}). One SGD step on an image moves the "
        "first layer's pre-activations for that image in proportion to 1 + its squared length, so on inputs in "
        f"[−1, 1] the first layer learns as if with a step {ratio:.1f} times as large. The rescaling does not centre the "
        f"inputs (the mean pixel goes from {m:.3f} to {2 * m - 1:.3f}), so the argument for zero-mean inputs does not "
        "apply here. Whether the larger step accounts for the whole difference was not tested."
        + unmeasured([(a, x[1]), (b, y[1])])
    )


def capacity_text(stats: pd.DataFrame) -> str | None:
    """The parameters of each architecture run (the first runs share the MLP 128's), and what
    capacity does to the fit and the gap; None when only the first runs were run."""
    models = stats[~stats["model"].isin([FIRST, FIRST_01])]
    if models.empty:
        return None
    counts = and_list([f"{r.parameters:,} for the {r.name}" for r in models.sort_values("parameters").itertuples()])
    return (
        f"Parameters (what a network can fit): {counts}. More parameters let a network fit more of the training "
        "set, including what holds only for the training images; that part does not carry to new images and shows "
        "as the train–test gap."
    )


def _mlp_capacity_text(few: pd.Series, many: pd.Series, noise: float) -> str:
    """The MLP with more parameters against the one with fewer, both fitting the training set:
    whether its train-test gap is larger (``noise``: of the difference, in points), as the
    capacity argument predicts."""
    diff = 100 * (many["gap"] - few["gap"])
    verdict = judged(diff, noise)
    apart = distance(diff, "larger", "smaller", level="")
    than = f"a gap {apart} than the {few['name']}'s" if apart else f"the same gap as the {few['name']}"
    text = (
        f"The {many['name']}, with {many['parameters'] / few['parameters']:.1f} times the {few['name']}'s parameters, "
        f"has {than}{_in_parentheses(verdict)}"
    )
    if not math.isfinite(noise):
        return text + "."
    if told_apart(diff, noise) and diff > 0:
        return text + ": the extra capacity went into what holds only for the training images."
    return text + ": here the extra capacity did not widen the gap."


def fit_text(stats: pd.DataFrame) -> str | None:
    """Capacity, then the train-test gap: which models fit the training set, whose gap is the
    smallest among them and whether it is told apart from the largest, and for the others whether
    their gap is told apart from zero (they stopped while still learning)."""
    ok = stats[stats["final_train_acc"].map(math.isfinite)]
    if ok.empty:
        return None
    gap_noise = (100 * ok["gap_sd"]).where(ok["gap_sd"].map(math.isfinite), ok["noise"])  # points
    fitted = ok[ok["final_train_acc"] >= FIT]
    others = ok[ok["final_train_acc"] < FIT]
    parts = ["**Capacity, fit and the train–test gap.**"]
    capacity = capacity_text(ok)
    if capacity:
        parts.append(capacity)
    noises: list[tuple[pd.Series, float]] = []  # of the differences judged
    if len(fitted):
        parts.append(
            f"{cap(the_names(fitted['name']))} {'ends' if len(fitted) == 1 else 'end'} with at least {100 * FIT:g}% of "
            "the training images right: "
            + ("it fits" if len(fitted) == 1 else "they fit")
            + " the training set, and the test accuracy is the training accuracy less the train–test gap."
        )
    mlps = fitted[~fitted["model"].isin(["CNN", FIRST, FIRST_01])]
    if len(mlps) >= 2:
        few, many = mlps.loc[mlps["parameters"].idxmin()], mlps.loc[mlps["parameters"].idxmax()]
        noises += [(few, gap_noise[few.name]), (many, gap_noise[many.name])]
        parts.append(_mlp_capacity_text(few, many, combined(gap_noise[few.name], gap_noise[many.name])))
    if len(fitted) >= 2:
        small, large = fitted.loc[fitted["gap"].idxmin()], fitted.loc[fitted["gap"].idxmax()]
        diff = 100 * (large["gap"] - small["gap"])
        noise = combined(gap_noise[small.name], gap_noise[large.name])
        noises += [(small, gap_noise[small.name]), (large, gap_noise[large.name])]
        parts.append(
            f"The {small['name']}'s gap is the smallest of them, "
            + (
                f"{large['gap'] / small['gap']:.1f} times smaller than the {large['name']}'s"
                if small["gap"] > 0
                else f"against the {large['name']}'s"
            )
            + _in_parentheses(judged(diff, noise))
            + (
                ": what separates these models on new images is how well they generalise, not how well they fit."
                if told_apart(diff, noise)
                else ("; their gaps are not told apart." if math.isfinite(noise) else ".")
            )
        )
    if len(others):
        level = [
            r.name
            for r in others.itertuples()
            if r.gap <= 0 or (math.isfinite(gap_noise[r.Index]) and not told_apart(100 * r.gap, gap_noise[r.Index]))
        ]
        parts.append(
            f"{cap(the_names(others['name']))} {'ends' if len(others) == 1 else 'end'} below {100 * FIT:g}% on the "
            "training set"
            + (
                f"; the gap of {the_names(level)} is not told apart from zero: "
                + ("it stopped" if len(level) == 1 else "they stopped")
                + " while still learning, limited by the training "
                + ("it" if len(level) == 1 else "they")
                + " had rather than by over-fitting."
                if level
                else "."
            )
        )
    return " ".join(parts) + unmeasured(noises)


def decay_text(stats: pd.DataFrame) -> str | None:
    """What weight decay does here: how much it alone would shrink the weights over each learning
    rate's longest run, whether the weights grew anyway (and still grew at the end), and how its
    term compares with the training loss at the end. Says that no run without it was made."""
    ok = stats[stats["final_norm"].map(math.isfinite) & (stats["steps"] > 0)]
    if ok.empty:
        return None
    longest = ok.sort_values("steps").groupby("lr", sort=False).tail(1).sort_values("lr", ascending=False)
    shrink = [
        f"{100 * architectures.decay_shrink(r.lr, int(r.steps)):.1f}%{' of their size' if i == 0 else ''} over the "
        f"{int(r.steps):,} steps of {plural(int(r.epochs), 'epoch')} at η = {r.lr:g}"
        for i, r in enumerate(longest.itertuples())
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


def _sharing_text(cnn: pd.Series) -> str:
    """Where the CNN's parameters and multiply-adds sit, and what locality and weight sharing are,
    with the counts: how often a convolution weight is used per image, and how many weights the
    same outputs would need unshared."""
    shared, shared_ma = int(cnn["shared_parameters"]), int(cnn["shared_mult_adds"])
    return (
        f"Its two convolutions hold {shared:,} of its {int(cnn['parameters']):,} parameters "
        f"({100 * shared / cnn['parameters']:.0f}%) but do {shared_ma:,} of its {int(cnn['mult_adds']):,} "
        f"multiply-adds per image ({100 * shared_ma / cnn['mult_adds']:.0f}%): each 3 × 3 filter is applied at every "
        f"position of the image, so a convolution weight is used about {shared_ma / shared:.0f} times per image, "
        "where a weight of an MLP is used once. That is what a CNN assumes about images: locality (a unit looks at "
        "a small patch, where the strokes of a digit are, not at all 784 pixels) and weight sharing (the same "
        "filter everywhere, so a stroke is recognised wherever it is; the 2 × 2 pooling adds tolerance to shifts of "
        f"a pixel). Unshared, the same outputs would need a weight per multiply-add, {shared_ma:,} weights instead "
        f"of {shared:,}, each learnt from the examples at its own position, as an MLP must."
    )


def cnn_text(stats: pd.DataFrame) -> str | None:
    """Why the CNN suits images, against the largest MLP at η = LR: parameters and test accuracy,
    the train-test gaps, where its parameters and multiply-adds sit (``_sharing_text``), what that
    does to the gap, and what the sharing costs in time; None without the CNN and an MLP at η = LR
    that did not diverge."""
    ok = stats[stats["final_test_acc"].map(math.isfinite)]
    cnn = row_of(ok, "CNN")
    mlps = ok[~ok["model"].isin(["CNN", FIRST, FIRST_01])]
    if cnn is None or mlps.empty:
        return None
    mlp = mlps.loc[mlps["parameters"].idxmax()]
    noise = combined(cnn["noise"], mlp["noise"])
    diff, gap_diff = 100 * (cnn["final_test_acc"] - mlp["final_test_acc"]), 100 * (mlp["gap"] - cnn["gap"])
    ratio = cnn["parameters"] / mlp["parameters"]
    text = (
        f"**Why a CNN suits images.** The CNN has {int(cnn['parameters']):,} parameters, {ratio:.2f} times the "
        f"{mlp['name']}'s {int(mlp['parameters']):,}, and ends {distance(diff)} it in test accuracy"
        + _in_parentheses(judged(diff, noise))
        + f"; its train–test gap is {distance(gap_diff, 'smaller', 'larger', 'the same')}"
        + _in_parentheses(judged(gap_diff, noise))
        + f". {_sharing_text(cnn)}"
    )
    both_fit = min(cnn["final_train_acc"], mlp["final_train_acc"]) >= FIT
    if both_fit and told_apart(gap_diff, noise) and gap_diff > 0:
        text += (
            " Both fit the training set, and the CNN's gap is the smaller: features that must hold at every position "
            "carry less of what holds only for the training images to the test set, "
            + (
                "with fewer parameters too."
                if ratio < 1
                else "though it has more parameters: the constraint, not the count, narrows the gap."
            )
        )
    return (
        text + f" The price of the sharing is computation: {cnn['mult_adds'] / mlp['mult_adds']:.1f} times the "
        f"{mlp['name']}'s multiply-adds per image, and an epoch {cnn['seconds_per_epoch'] / mlp['seconds_per_epoch']:.1f} "
        "times as long." + unmeasured([(cnn, cnn["noise"]), (mlp, mlp["noise"])])
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
