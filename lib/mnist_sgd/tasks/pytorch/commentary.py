"""Task 6's commentary: the conversion of the learning rate, the same steps on the same batches,
the PyTorch loop against the hand-written SGD, and the hand-made figures, each sentence written
from the tables the section computes."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import criteria, spreads
from mnist_sgd.show.commentary import agrees_with_hand
from mnist_sgd.show.present import number, plural
from mnist_sgd.tasks.pytorch.tables import CONVERTED, HAND, LOADER, UNCONVERTED
from mnist_sgd.tasks.rounding import distance, two_figures

# how the text names each way of running a rate in the check of the hand-made figures
WAYS = {HAND: "the hand-written SGD", CONVERTED: "the converted loop", UNCONVERTED: "the unconverted loop"}
# the gradient ratio is computed in float64, whose rounding leaves about 1e-16: a tolerance far above that
# and far below the 10% a wrong k or a missing factor 2 would make
RATIO_TOLERANCE = 1e-12


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def shown(value: float, digits: int) -> float:
    """``value`` rounded as it is printed with ``digits`` decimals, so that a difference quoted
    in the text is the difference of the numbers shown."""
    return float(f"{value:.{digits}f}")


def same_steps_text(converted: float, unconverted: float, steps: int, batch_size: int, detail: str) -> str:
    """How far the PyTorch weights end from the hand-written ones after ``steps`` shared batches
    (relative differences), with the rate converted and not; ``detail``: the link to the table."""
    rounding = "float32 rounding" if converted < 1e-5 else "NOT below 1e-5, more than float32 rounding"
    return (
        f"**Same steps.** Given the same {steps:,} batches of B = {batch_size}, the PyTorch weights end "
        f"{converted:.1e} (relative) from the hand-written ones with the rate converted ({rounding}), and "
        f"{unconverted:.2f} with it unconverted ({detail})."
    )


# a ratio of the two implementations' s.d.s worth saying (their seeds are few)
SPREAD_RATIO = 3.0


def _spread_words(apart: bool) -> str:
    return "beyond the spread" if apart else "within the spread"


def beyond_chance(ratio: float, seeds: int) -> bool:
    """Whether a ratio of two s.d.s over ``seeds`` seeds each exceeds what chance gives
    (``spreads.sd_ratio_by_chance``); False with fewer than 3 seeds, which set no bound."""
    return seeds >= 3 and ratio > spreads.sd_ratio_by_chance(seeds)


def sd_ratio_said(ratio: float, seeds: int) -> str:
    """Whether a ratio of two s.d.s over ``seeds`` seeds each is beyond chance (``beyond_chance``),
    with the bound it was judged against."""
    if seeds < 3:
        return f"a rough ratio, from {seeds} seeds each"
    bound = spreads.sd_ratio_by_chance(seeds)
    chance = f"{seeds} seeds each give by chance (one time in {round(1 / spreads.CHANCE)} beyond {bound:.2g} times)"
    return f"beyond what {chance}" if beyond_chance(ratio, seeds) else f"which {chance}"


def accuracy_text(by: pd.DataFrame, iterations: int, batch_size: int, train_images: int, seeds: int) -> str:
    """The test accuracy of the two implementations, each sampling its own way, told apart by
    ``criteria.differ`` on the means and s.d. over ``seeds`` seeds; when one s.d. is
    ``SPREAD_RATIO`` times the other, whether that is beyond chance (``sd_ratio_said``).
    ``by``: ``tables.implementation_summary``."""
    hand_row, fw_row = by.loc[HAND], by.loc[LOADER]
    # the difference as the table shows the two accuracies
    diff = shown(100 * fw_row["test_acc"], 2) - shown(100 * hand_row["test_acc"], 2)
    apart = criteria.differ(fw_row["test_acc"], fw_row["test_sd"], hand_row["test_acc"], hand_row["test_sd"])
    epochs = iterations * batch_size / train_images
    low, high = sorted([hand_row["test_sd"], fw_row["test_sd"]])
    ratio = high / low if low > 0 else math.inf
    rough = ""
    if ratio >= SPREAD_RATIO:
        larger = "loader" if fw_row["test_sd"] == high else "hand-written SGD"
        rough = f" The {larger}'s s.d. is {two_figures(ratio)} times the other's, {sd_ratio_said(ratio, seeds)}."
    # given the same batches the two take the same steps: only the sampling differs
    return (
        f"**Accuracy.** After {iterations:,} iterations ({number(epochs, 2)} epochs) the PyTorch loop's test accuracy is "
        f"{distance(diff)} the hand-written SGD's, {_spread_words(apart)}, as only the sampling differs.{rough}"
    )


def losses_text(by: pd.DataFrame, seeds: int) -> str:
    """What the two implementations' final training losses say of the sampling, told apart by
    ``criteria.differ``; when within the spread, whether the loader's varies much less from seed to
    seed (``SPREAD_RATIO``), said to two figures, and whether beyond chance (``sd_ratio_said``, over
    ``seeds`` seeds each). ``by``: ``tables.implementation_summary``."""
    hand_row, fw_row = by.loc[HAND], by.loc[LOADER]
    if criteria.differ(
        fw_row["train_loss"], fw_row["train_loss_sd"], hand_row["train_loss"], hand_row["train_loss_sd"]
    ):
        lower = "the loader's" if fw_row["train_loss"] < hand_row["train_loss"] else "sampling with replacement"
        return f"**Training loss.** {cap(lower)} ends lower in training loss, beyond the spread."
    text = "**Training loss.** The two mean final training losses are within the spread of each other"
    ratio = hand_row["train_loss_sd"] / fw_row["train_loss_sd"] if fw_row["train_loss_sd"] > 0 else math.inf
    if ratio >= SPREAD_RATIO:
        # sampling without replacement visits every image once an epoch: a cause only if not chance
        why = ": each of its epochs visits every image once" if beyond_chance(ratio, seeds) else ""
        text += (
            f", but the loader's varies about {two_figures(ratio)} times less from seed to seed, "
            f"{sd_ratio_said(ratio, seeds)}{why}"
        )
    return text + "."


def cap(text: str) -> str:
    """``text`` with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def time_text(by: pd.DataFrame, iterations: int, batch_size: int, loader_seconds: float, detail: str) -> str:
    """The time per step of the PyTorch loop against the hand-written SGD's, about (2 significant
    figures), and the share of it that drawing the same batches from the loader alone takes
    (``loader_seconds``, no training): where most of the difference goes; ``detail``: the link to
    the seed-by-seed times (``time_detail``)."""
    fw_us, hand_us = (1e6 * by.loc[name, "seconds"] / iterations for name in (LOADER, HAND))
    # the ratio of the unrounded means, to two figures (the table shows each mean to up to three)
    ratio = two_figures(fw_us / hand_us)
    loader_us = 1e6 * loader_seconds / iterations
    return (
        f"**Time.** The PyTorch loop takes about {ratio} times as long per step as the hand-written one. Drawing its "
        f"batches from the loader alone, with no training, takes {100 * loader_us / fw_us:.2g}% of that time: the "
        f"loader fetches the {batch_size} rows of a batch one by one and stacks them ({detail})."
    )


def time_detail(ratios: list[float]) -> str:
    """The PyTorch loop's time against the hand-written SGD's seed by seed (``ratios``:
    ``tables.step_time_ratios``)."""
    lo, hi = two_figures(min(ratios)), two_figures(max(ratios))
    span = f"{lo} to {hi} times" if lo != hi else f"{lo} times"
    return (
        f"**Time.** Seed by seed, each pair run back to back, the PyTorch loop took {span} as long as the hand-written "
        "SGD."
    )


def _runs_named(rows: pd.DataFrame) -> list[str]:
    """The runs of ``rows`` by name, rate by rate: 'every run at η = 0.0215' when all the ways of
    a rate are among them, else 'the unconverted loop at η = 0.001'."""
    names = []
    for lr, group in rows.groupby("lr", sort=False):
        if len(group) == len(WAYS):
            names.append(f"every run at η = {lr:g}")
        else:
            names += [f"{WAYS[way]} at η = {lr:g}" for way in group["implementation"]]
    return names


def _agreeing(figure: float, summary: pd.DataFrame) -> pd.DataFrame:
    """The runs of ``summary`` that agree with a hand-made ``figure`` (``agrees_with_hand``)."""
    diffs = 100 * (summary["test_acc"] - figure)
    return summary[[agrees_with_hand(d, 100 * sd) for d, sd in zip(diffs, summary["test_sd"].fillna(0), strict=True)]]


def _against(figure: float, summary: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The runs of ``summary`` that agree with a hand-made ``figure``, and the clause that says
    which (the one run's accuracy beside it when only one agrees: the table is the per-run
    detail's), or which comes nearest."""
    agree = _agreeing(figure, summary)
    if len(agree) == 1:
        run = agree.iloc[0]
        value = f"{100 * run['test_acc']:.2f} ± {100 * run['test_sd']:.2f}%"
        return agree, f"{100 * figure:.1f}% agrees only with {_runs_named(agree)[0]} ({value})"
    if len(agree):
        return agree, f"{100 * figure:.1f}% agrees with {listed(_runs_named(agree))}"
    diffs = 100 * (summary["test_acc"] - figure)
    nearest = diffs.abs().idxmin()
    name = _runs_named(summary.loc[[nearest]])[0]
    return (
        agree,
        f"no run here agrees with {100 * figure:.1f}% (the nearest, {name}, ends {diffs[nearest]:+.2f} points from it)",
    )


def own_figure_text(summary: pd.DataFrame, own: tuple[float, float]) -> str:
    """The hand reports' own hand-written SGD at ``own`` (rate, test accuracy) against the runs
    here at that rate that do take the hand-written steps (all but the unconverted loop)."""
    rate, acc = own
    at_rate = summary[(summary["lr"] == rate) & (summary["implementation"] != UNCONVERTED)]
    agree = _agreeing(acc, at_rate)
    ways = [WAYS[way] for way in agree["implementation"]]
    here = (
        f"here {listed(ways)} {'agree' if len(ways) > 1 else 'agrees'} with it"
        if ways
        else "here no run at that rate agrees with it"
    )
    return (
        f"At η = {rate:g} the hand reports' own hand-written SGD reached {100 * acc:.1f}% after as many iterations "
        f"(Task 3), and {here}."
    )


def hand_figures_text(summary: pd.DataFrame, refs: pd.DataFrame, factor: float, batch_size: int, detail: str) -> str:
    """The hand-made figures of the PyTorch version (``refs``: ``references.table(6)``) against
    the runs of ``tables.hand_rate_summary`` at ``batch_size`` (their table ``detail``'s link away):
    which runs agree with each (within the spread and the figure's rounding; the rule is stated
    once, on the summary page), and whether the rate passed unconverted is consistent with the
    lower one, assuming the hand runs used that batch size (the assignment gives none for them)."""
    if refs.empty:
        return "The hand-made reports give no figure for the PyTorch version."
    listed_refs = listed(
        [f"{100 * v:.1f}% ({setting})" for v, setting in zip(refs["value"], refs["setting"], strict=True)]
    )
    checks = [_against(v, summary) for v in refs["value"]]
    low_agree = checks[int(refs["value"].to_numpy().argmin())][0]
    first = summary.iloc[0]
    # no bold lead: the section's heading already says "The hand-made figures"
    text = (
        f"By hand the PyTorch version reached {listed_refs}; their rate and batch size are not given. "
        f"Run here for {plural(int(first['epochs']), 'epoch')} of B = {int(first['batch_size'])} ({detail}), "
        f"{' and '.join(sentence for _, sentence in checks)}"
    )
    if len(low_agree) and (low_agree["implementation"] == UNCONVERTED).all():
        return text + (
            f": if the hand runs used B = {batch_size}, the lower figure is consistent with a rate given to PyTorch "
            f"without the factor {factor:g} (one explanation, not a proven cause)."
        )
    if len(low_agree):
        return text + ", so the runs do not single out the missing conversion as the cause of the lower figure."
    return text + ", so these runs do not explain the lower figure."


def converted_text(summary: pd.DataFrame) -> str:
    """Whether the converted loop and the hand-written SGD differ at any rate of
    ``tables.hand_rate_summary`` (``criteria.differ``)."""
    pair = summary.set_index(["rate", "implementation"])
    apart = [
        f"{pair.loc[(rate, HAND), 'lr']:g}"
        for rate in summary["rate"].unique()
        if criteria.differ(
            pair.loc[(rate, CONVERTED), "test_acc"],
            pair.loc[(rate, CONVERTED), "test_sd"],
            pair.loc[(rate, HAND), "test_acc"],
            pair.loc[(rate, HAND), "test_sd"],
        )
    ]
    rates = {1: "", 2: " at either rate"}.get(summary["rate"].nunique(), " at every rate")
    if not apart:
        return f"The converted loop and the hand-written SGD end within the spread of each other{rates}."
    return f"The converted loop and the hand-written SGD end apart, beyond the spread, at η = {listed(apart)}."


def lr_conversion_text(ratio: float, deviation: float, factor: float, lr: float, classes: int = 10) -> str:
    """The measured ratio of nn.MSELoss's gradient to the hand-written loss's, against 2/k
    (``ratio_within``: ``RATIO_TOLERANCE``), and the learning rate it converts to."""
    predicted = 2 / classes
    verdict = (
        "float64 rounding, far below the 10% a wrong factor would make"
        if ratio_within(ratio, classes)
        else f"NOT within {RATIO_TOLERANCE:.0e}: more than float64 rounding"
    )
    return (
        f"The measured ratio of the gradients differs from 2/k = {predicted:g} by {abs(ratio - predicted):.1e}, and no "
        f"entry of the one gradient departs from {predicted:g} times the other by more than {deviation:.1e} of the "
        f"largest entry: {verdict}. So the learning rate given to PyTorch's optimiser is **{factor:g} × η**: "
        f"η = {lr:g} here becomes {lr * factor:g}."
    )


def ratio_within(ratio: float, classes: int = 10) -> bool:
    """Whether the measured gradient ratio is 2/k to within ``RATIO_TOLERANCE``."""
    return abs(ratio - 2 / classes) < RATIO_TOLERANCE
