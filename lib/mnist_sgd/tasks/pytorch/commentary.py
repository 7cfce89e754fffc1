"""Task 6's commentary: the conversion of the learning rate, the same steps on the same batches,
the PyTorch loop against the hand-written SGD, and the hand-made figures, each sentence written
from the tables the section computes."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.commentary import agrees_with_hand
from mnist_sgd.show.present import number
from mnist_sgd.tasks.batch_size.across import listed
from mnist_sgd.tasks.pytorch.tables import CONVERTED, HAND, LOADER, UNCONVERTED, three_figures

# how the text names each way of running a rate in the check of the hand-made figures
WAYS = {HAND: "by the hand-written SGD", CONVERTED: "converted", UNCONVERTED: "not converted"}
# the gradient ratio is computed in float64, whose rounding leaves about 1e-16: a tolerance far above that
# and far below the 10% a wrong k or a missing factor 2 would make
RATIO_TOLERANCE = 1e-12


def shown(value: float, digits: int) -> float:
    """``value`` rounded as it is printed with ``digits`` decimals, so that a difference quoted
    in the text is the difference of the numbers shown."""
    return float(f"{value:.{digits}f}")


def same_steps_text(
    converted: float, unconverted: float, steps: int, batch_size: int, factor: float, detail: str
) -> str:
    """How far the PyTorch weights end from the hand-written ones after ``steps`` shared batches
    (relative differences), with the rate converted and not; ``detail``: the link to the table."""
    rounding = "float32 rounding" if converted < 1e-5 else "NOT below 1e-5, more than float32 rounding"
    return (
        f"**Same steps.** Given the same {steps:,} batches of B = {batch_size}, the PyTorch weights end "
        f"{converted:.1e} (relative) from the hand-written ones with the rate converted ({rounding}), and "
        f"{unconverted:.2f} away with η unconverted, its steps {factor:g} times too short (the table, and the "
        f"factor measured on one batch, {detail})."
    )


def accuracy_text(by: pd.DataFrame, iterations: int, batch_size: int, train_images: int) -> str:
    """The test accuracy of the two implementations, each sampling its own way, and what their
    training losses say of the sampling. ``by``: ``tables.implementation_summary``."""
    hand_row, fw_row = by.loc[HAND], by.loc[LOADER]
    # the difference and the ranges as the table shows them
    diff = shown(100 * fw_row["test_acc"], 2) - shown(100 * hand_row["test_acc"], 2)
    spread = max(shown(100 * row["test_max"], 2) - shown(100 * row["test_min"], 2) for row in (hand_row, fw_row))
    epochs = iterations * batch_size / train_images
    if fw_row["train_loss_max"] < hand_row["train_loss_min"]:
        losses = "every run of the loader ends below every run with replacement in training loss"
    elif hand_row["train_loss_max"] < fw_row["train_loss_min"]:
        losses = "every run with replacement ends below every run of the loader in training loss"
    else:
        losses = "their final training losses overlap across seeds: no effect of it shows beyond the seeds"
    return (
        f"**Accuracy.** After {number(epochs, 2)} epochs the PyTorch loop's test accuracy is {diff:+.2f} points from "
        f"the hand-written SGD's, {'within' if abs(diff) <= spread else 'beyond'} the seeds' range (up to "
        f"{spread:.2f} points). Given the same batches the two take the same steps, so only the sampling differs; "
        f"{losses}."
    )


def time_text(
    by: pd.DataFrame,
    iterations: int,
    batch_size: int,
    loader_seconds: float,
    hand_steps: list[float],
    ratios: list[float],
) -> str:
    """The time per step of the two implementations, about (2 significant figures) and its range
    seed by seed (``ratios``: ``tables.step_time_ratios``), the loader's share of it
    (``loader_seconds``: drawing the same batches with no training), and how much the same
    hand-written loop varied across the section's runs (``hand_steps``: its seconds per step in each)."""
    fw_us, hand_us = (1e6 * by.loc[name, "seconds"] / iterations for name in (LOADER, HAND))
    loader_us = 1e6 * loader_seconds / iterations
    low, high = 1e6 * min(hand_steps), 1e6 * max(hand_steps)
    lo, hi = f"{min(ratios):.2g}", f"{max(ratios):.2g}"
    span = f" ({lo} to {hi} times seed by seed, each pair run back to back)" if lo != hi else ""
    return (
        f"**Time.** The PyTorch loop takes about {fw_us / hand_us:.2g} times as long per step{span}. Drawing the same "
        "batches "
        f"from the loader alone, with no training, takes {100 * loader_us / fw_us:.0f}% of its time: the loader "
        f"fetches the {batch_size} rows of a batch one by one and stacks them. Times measured while other jobs of "
        f"the report share the machine vary between runs: the same hand-written loop took {three_figures(low)} to "
        f"{three_figures(high)} µs per step in this section."
    )


def _runs_named(rows: pd.DataFrame, grouped: bool = True) -> list[str]:
    """The runs of ``rows`` by name, rate by rate: 'every run at η = 0.0215' when all the ways
    of a rate are among them (and ``grouped``), else 'η = 0.001 not converted'."""
    names = []
    for lr, group in rows.groupby("lr", sort=False):
        if grouped and len(group) == len(WAYS):
            names.append(f"every run at η = {lr:g}")
        else:
            names += [f"η = {lr:g} {WAYS[way]}" for way in group["implementation"]]
    return names


def _against(figure: float, summary: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The runs of ``summary`` that agree with a hand-made ``figure`` (``agrees_with_hand``, the
    rule of Task 2), and the sentence that says which, or which comes nearest."""
    diffs = 100 * (summary["test_acc"] - figure)
    agree = summary[[agrees_with_hand(d, 100 * sd) for d, sd in zip(diffs, summary["test_sd"].fillna(0), strict=True)]]
    if len(agree):
        only = "only " if len(agree) == 1 else ""
        return agree, f"{100 * figure:.1f}% agrees {only}with {listed(_runs_named(agree))}"
    nearest = diffs.abs().idxmin()
    name = _runs_named(summary.loc[[nearest]])[0]
    return (
        agree,
        f"no run here agrees with {100 * figure:.1f}% (the nearest, {name}, ends {diffs[nearest]:+.2f} points from it)",
    )


def hand_figures_text(
    summary: pd.DataFrame, refs: pd.DataFrame, factor: float, own: tuple[float, float] | None, batch_size: int
) -> str:
    """The hand-made figures of the PyTorch version (``refs``: ``references.table(6)``) against
    the runs of ``tables.hand_rate_summary`` at ``batch_size``: which runs agree with each, and
    whether the rate passed unconverted explains the lower one, if the hand runs used that batch
    size (the hand reports state none). ``own``: (rate, test accuracy) of the hand reports' own
    hand-written SGD after as many iterations, or None."""
    if refs.empty:
        return "The hand-made reports give no figure for the PyTorch version."
    listed_refs = listed(
        [f"{100 * v:.1f}% ({setting})" for v, setting in zip(refs["value"], refs["setting"], strict=True)]
    )
    checks = [_against(v, summary) for v in refs["value"]]
    low_agree = checks[int(refs["value"].to_numpy().argmin())][0]
    text = (
        f"**The hand-made figures.** By hand the PyTorch version reached {listed_refs}, rate and batch size not "
        f"stated. The table runs this report's rate and the hand reports' own, three ways each. By Task 2's rule, "
        f"{'; '.join(sentence for _, sentence in checks)}. "
    )
    if len(low_agree) and (low_agree["implementation"] == UNCONVERTED).all():
        text += (
            f"So, assuming the hand runs used B = {batch_size} as these do, a rate passed to the loss without the "
            f"factor {factor:g} explains the lower figure"
        )
        if own is not None:
            rate, acc = own
            at_rate = summary[(summary["lr"] == rate) & (summary["implementation"] != UNCONVERTED)]
            with_own = _against(acc, at_rate)[0]
            text += (
                f": at η = {rate:g} and as many iterations, the hand reports' own hand-written SGD reached "
                f"{100 * acc:.1f}% (Task 3's figure), "
                + (
                    f"which {listed(_runs_named(with_own, grouped=False))} {'agree' if len(with_own) > 1 else 'agrees'}"
                    " with here"
                    if len(with_own)
                    else "which no run at that rate agrees with here"
                )
            )
        text += ". "
    elif len(low_agree):
        text += "So the runs do not single out the missing conversion as the cause of the lower figure. "
    else:
        text += "So these runs do not explain the lower figure. "
    pair = summary.set_index(["rate", "implementation"])["test_acc"].unstack()
    apart = 100 * (pair[CONVERTED] - pair[HAND]).abs().max()
    spread = 100 * (summary["test_max"] - summary["test_min"]).max()
    rates = {1: "", 2: " at either rate"}.get(summary["rate"].nunique(), " at every rate")
    return text + (
        f"The converted loop and the hand-written SGD end at most {apart:.2f} points apart{rates}, "
        f"{'within' if apart <= spread else 'beyond'} the seeds' range (up to {spread:.2f} points)."
    )


def lr_conversion_text(ratio: float, deviation: float, factor: float, lr: float, classes: int = 10) -> str:
    """The measured ratio of nn.MSELoss's gradient to the hand-written loss's, against 2/k,
    and the learning rate it converts to (``ratio_within``: ``RATIO_TOLERANCE``)."""
    predicted = 2 / classes
    within = "within" if ratio_within(ratio, classes) else "NOT within"
    return (
        f"The measured ratio of the gradients is {ratio:.12f}: {within} {RATIO_TOLERANCE:.0e} of 2/k = {predicted:g}, "
        "a tolerance far above float64 rounding and far below what a wrong factor would give (largest entry-wise "
        f"deviation {deviation:.1e} of the largest gradient entry), so the learning rate given to "
        f"PyTorch's optimiser is **{factor:g} × η**: η = {lr:g} here becomes {lr * factor:g}."
    )


def ratio_within(ratio: float, classes: int = 10) -> bool:
    """Whether the measured gradient ratio is 2/k to within ``RATIO_TOLERANCE``."""
    return abs(ratio - 2 / classes) < RATIO_TOLERANCE
