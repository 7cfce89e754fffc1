"""Task 5's commentary: on one training-set size (its grid job's paragraph), and across sizes
(the answer: the final test accuracy, stopped early, against N' beside the end of the runs and the limit; then what the
second half of the run still changed, the train/test gap and why, and what training longer
does), each sentence written from the tables the section computed."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from mnist_sgd.science import criteria
from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.science.means import means_differ
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import number
from mnist_sgd.tasks.batch_size.per_batch import mean_sd_rounded
from mnist_sgd.tasks.rounding import two_figures

# A fall of the mean test curve from its peak to the end by more than this many points is told apart from a small one.
DROP_POINTS = 1.0
# A final training loss below this is an exact fit: the images are fitted to rounding, and a fall of it is no progress.
EXACT_FIT_LOSS = 1e-6


def fitted_exactly(t: pd.DataFrame) -> pd.Series:
    """Per size of ``t``, whether its runs end with every image fitted (``final_train_loss`` below
    ``EXACT_FIT_LOSS``): a loss still falling there is one already next to zero. All False when the
    table has no final loss."""
    if "final_train_loss" not in t.columns:
        return pd.Series(False, index=t.index)
    return t["final_train_loss"] < EXACT_FIT_LOSS


def subsets_text(runs: pd.DataFrame, curves: pd.DataFrame) -> str:
    """The paragraph under one size's table: the budget in passes over the subset, the test
    accuracy along the runs and at their stop, and the rank of the subsets.

    ``runs``: one row per subset of one size (``tables.subset_runs``), ``curves``: their
    checkpoints.
    """
    return _end_of_runs(runs) + _along_the_runs(runs, curves) + _rank(runs)


def shown(value: float, digits: int = 2) -> float:
    """``value`` rounded as it is printed with ``digits`` decimals: differences quoted in the
    text are taken between the values as shown, so they match the tables to the last digit."""
    return float(f"{value:.{digits}f}")


def spread(mean: float, sd: float) -> str:
    """'66.5 ± 3.7': a mean and its s.d. over subsets (percent or points) rounded to the place the
    spread allows (``mean_sd_rounded``, the rounding every table of the report shares)."""
    return mean_sd_rounded(mean, sd)


def spread_mean(mean: float, sd: float) -> str:
    """'66.5': ``mean`` as ``spread`` shows it, to be quoted alone."""
    return spread(mean, sd).split("\u00a0")[0]


def rounded(mean: float, sd: float) -> float:
    """``spread_mean`` as a number: differences are taken between the values as shown, so that the
    text matches the tables to the last digit."""
    return float(spread_mean(mean, sd).replace(",", ""))


def joined(items: list) -> str:
    """'a', 'a and b', 'a, b and c' (numbers with thousands separators)."""
    words = [f"{v:,}" if isinstance(v, int) else str(v) for v in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _size_and_iterations(runs: pd.DataFrame) -> tuple[int, int]:
    """N' and the iterations of the runs (the same for every subset of a size)."""
    return int(runs["dataset_size"].iloc[0]), int(runs["iterations"].iloc[0])


def _by_subset(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.sort_values("subset") if "subset" in runs.columns else runs


def _end_of_runs(runs: pd.DataFrame) -> str:
    """The budget in passes over the subset. (The accuracies and the loss's last fall are the
    tables': the subsets' in this size's, their means across sizes.)"""
    dataset_size, iterations = _size_and_iterations(runs)
    passes = iterations * int(runs["batch_size"].iloc[0]) / dataset_size
    return (
        f"**N' = {dataset_size:,}.** The {iterations:,} iterations are {number(passes)} pass"
        f"{'' if passes == 1 else 'es'} over the subset."
    )


def share_of(runs: pd.DataFrame) -> str:
    """The share of each subset its split run fits, as the prose gives it: '80%'."""
    return f"{100 * float(runs['fit_share'].iloc[0]):g}%"


def _along_the_runs(runs: pd.DataFrame, curves: pd.DataFrame) -> str:
    """The peak of the subset-mean test curve against its end; where the split runs stopped
    (one stop per subset) and where the runs on the whole subset are read, with the test
    accuracy there, at the end and of the split runs at their own stop (means)."""
    dataset_size, iterations = _size_and_iterations(runs)
    mean_test = curves.groupby("t")["test_acc"].mean()
    t_peak, final_mean = int(mean_test.idxmax()), mean_test.iloc[-1]
    drop = shown(100 * mean_test.max()) - shown(100 * final_mean)
    text = f" Along the runs the mean test accuracy was highest at t = {t_peak:,}, {100 * mean_test.max():.2f}%" + (
        f", {drop:.2f} points above its value at the end." if drop > 0 else ", at the end."
    )
    ordered = _by_subset(runs)
    stops = ", ".join(f"{int(v):,}" for v in ordered["split_stop_t"])
    reads = ", ".join(f"{int(v):,}" for v in ordered["stop_t"])
    share = share_of(runs)
    return text + (
        f" The runs on {share} of each subset stopped where their accuracy on the other "
        f"{int(runs['validation_images'].iloc[0]):,} images was highest (t = {stops}, one stop per subset); read after "
        f"as many passes (t = {reads}), the runs on all {dataset_size:,} images reach "
        f"{100 * runs['stop_test_acc'].mean():.2f}% test accuracy (mean), against "
        f"{100 * runs['final_test_acc'].mean():.2f}% at t = {iterations:,} and {100 * runs['split_test_acc'].mean():.2f}% "
        f"for the runs on {share} at their stop."
    )


def _rank(runs: pd.DataFrame) -> str:
    """The numbers of the subsets' exact fit, in a sentence: whether they are fitted exactly
    (rank N'), SGD's training loss against the closed form's, and the iterations the slowest
    direction of X' needs against the budget. What these mean (SGD from W = 0 tends to the
    minimum-norm fit, its slowest direction is that of the smallest singular value) is said once,
    where the limit is computed, not under every size."""
    dataset_size, iterations = _size_and_iterations(runs)
    ranks = ", ".join(str(r) for r in sorted(set(runs["rank"])))
    if (runs["rank"] == dataset_size).all():
        text = (
            f" Rank of X': {ranks} = N', so each subset is fitted exactly; SGD's training loss is "
            f"{runs['final_train_loss'].mean():.3g} (mean)."
        )
    else:
        text = (
            f" Rank of X': {ranks} < N', so no exact fit exists; SGD ends "
            f"{100 * (runs['final_train_loss'] / runs['closed_form_train_loss'] - 1).mean():.1f}% above the "
            f"least-squares minimum, {runs['closed_form_train_loss'].mean():.4f} (mean)."
        )
    if "slowest_steps" not in runs.columns:
        return text
    slow = runs["slowest_steps"]
    where = (
        "within the run"
        if slow.max() <= iterations
        else f"{slow.min() / iterations:.2g} times the run or more"
        if slow.min() > iterations
        else "beyond the run for some subsets"
    )
    return text + f" Slowest direction: N'/(η s²) = {_span(slow)} iterations, {where}."


def _span(values: pd.Series) -> str:
    """'0.012' or '0.012 to 0.03': the range of a positive quantity with two significant digits."""
    lo, hi = f"{values.min():.2g}", f"{values.max():.2g}"
    return lo if lo == hi else f"{lo} to {hi}"


# ---------------------------------------------------------------------------------------
# Across sizes: the answer, from one row per size of ``tables.size_summary``.
# ---------------------------------------------------------------------------------------


def sizes_named(ns: list[int]) -> str:
    """ "N' = 100, 500 and 1,000"."""
    return "N' = " + joined(ns)


class Step(NamedTuple):
    """One step of the grid in a test accuracy: from and to which size, the change in points as
    shown, whether it is beyond the spread (``criteria.differ``) and, if not, whether the means
    alone differ (``means.means_differ``, over the subsets)."""

    start: int
    end: int
    change: float
    apart: bool
    means_apart: bool


def steps_between(t: pd.DataFrame, key: str = "test_acc") -> list[Step]:
    """The steps of the grid (``t`` sorted by size) in the test accuracy ``key``, judged on the two
    sizes' means and s.d. over subsets (``key``_sd, ``subsets``)."""
    steps = []
    for (_, a), (_, b) in zip(t.iloc[:-1].iterrows(), t.iloc[1:].iterrows(), strict=True):
        change = shown(100 * b[key]) - shown(100 * a[key])
        apart = criteria.differ(a[key], a[f"{key}_sd"], b[key], b[f"{key}_sd"])
        means = means_differ(a[key], a[f"{key}_sd"], int(a["subsets"]), b[key], b[f"{key}_sd"], int(b["subsets"]))
        steps.append(Step(int(a["dataset_size"]), int(b["dataset_size"]), change, apart, not apart and means))
    return steps


# a trend along the sizes, as a verb followed by its object
MOVES = {"rises": "rises with", "falls": "falls with", "is not monotone": "is not monotone in"}


def _steps_said(steps: list[Step]) -> str:
    """'beyond the spread at each step except from 100 to 500 and from 10,000 to 60,000': the
    steps of the grid (``steps_between``), the fewer kind named as the exception; then the steps
    within the spread whose means differ (``means.MEANS_RULE``)."""
    beyond = [f"from {s.start:,} to {s.end:,}" for s in steps if s.apart]
    within = [f"from {s.start:,} to {s.end:,}" for s in steps if not s.apart]
    if not within or not beyond:
        said = f"{'beyond' if beyond else 'within'} the spread at each step"
    elif len(within) <= len(beyond):
        said = f"beyond the spread at each step except {joined(within)}"
    else:
        said = f"within the spread at each step except {joined(beyond)}"
    means = [f"from {s.start:,} to {s.end:,}" for s in steps if s.means_apart]
    if not means:
        return said
    if means == within and said.endswith(joined(within)):  # the exceptions just named
        return said + ", where only the means differ, by more than two standard errors"
    return said + f"; {joined(means)} only the means differ, by more than two standard errors"


def at_the_limit(t: pd.DataFrame) -> list[int]:
    """The sizes whose runs, at the end of their iterations, have reached where SGD converges: their
    test accuracy within the spread (``criteria.differ``) of the exact least-squares
    fit's (``closed_form_test_acc``). ``t``: ``tables.size_summary``."""
    return [
        int(r["dataset_size"])
        for _, r in t.iterrows()
        if not criteria.differ(r["test_acc"], r["test_acc_sd"], r["closed_form_test_acc"], r["closed_form_test_acc_sd"])
    ]


# fewer held-out images than this make the early stop a coarse choice: one image moves their accuracy by 2% or more
FEW_HELD_OUT = 50


def few_held_out(t: pd.DataFrame) -> str:
    """ "at N' = 100 on only 20 held-out images": the sizes whose stop is chosen on fewer than
    ``FEW_HELD_OUT`` images (``validation_images``), so on an accuracy in coarse steps; '' when none."""
    if "validation_images" not in t.columns:
        return ""
    few = t[t["validation_images"] < FEW_HELD_OUT].sort_values("dataset_size")
    return "; ".join(
        f"at N' = {int(r['dataset_size']):,} on only {int(r['validation_images'])} held-out images"
        for _, r in few.iterrows()
    )


def answer_text(stop: pd.DataFrame, end: pd.DataFrame) -> str:
    """Task 5's answer in the readings of its table: how the final test accuracy, after the fixed
    iterations, moves with N' (mean ± s.d. over subsets at both ends, as ``spread`` rounds them), with
    the steps of the grid beyond the spread named (``steps_between``); the sizes where stopping early
    does better beyond the spread (``lower_at_end``), where the answer depends on when training stops,
    with the sizes whose stop is chosen on few images (``few_held_out``); and the sizes whose runs have
    reached the limit's accuracy (``at_the_limit``) and those that have not. The budget of steps
    (``_budget_said``) and stopping early follow in a paragraph of their own: they qualify the answer.

    ``stop``: every size read at the stop (``tables.at_stop``), with dataset_size, test_acc and
    test_acc_sd; ``end``: every size at the end of the iterations (``tables.size_summary``), with
    dataset_size, iterations, test_acc(_sd), stop_test_acc(_sd), closed_form_test_acc(_sd) and,
    where known, validation_images.
    """
    at_stop = stop.sort_values("dataset_size").reset_index(drop=True).set_index("dataset_size", drop=False)
    at_end = end.sort_values("dataset_size").reset_index(drop=True)

    def pct(row: pd.Series) -> str:
        return f"{spread(100 * row['test_acc'], 100 * row['test_acc_sd'])}%"

    moves = MOVES[trend([shown(100 * v) for v in at_end["test_acc"]])]
    iterations = int(at_end["iterations"].max())
    epochs = iterations * int(at_end["batch_size"].iloc[0]) / TRAIN_IMAGES  # what the budget is on the whole set
    text = (
        f"**The answer.** After {iterations:,} iterations ({epochs:.3g} epochs of the whole training set), the final "
        f"test accuracy {moves} N', "
        f"from {pct(at_end.iloc[0])} at N' = {int(at_end['dataset_size'].iloc[0]):,} to {pct(at_end.iloc[-1])} at "
        f"N' = {int(at_end['dataset_size'].iloc[-1]):,}, {_steps_said(steps_between(at_end))}."
    )
    reached = at_the_limit(at_end)
    short = [n for n in at_end["dataset_size"].astype(int) if n not in reached]
    if not short:
        text += " At every size the runs have reached the limit's accuracy, within the spread."
    elif reached:
        text += f" The runs at {sizes_named(reached)} have reached the limit's accuracy, within the spread; at "
        text += f"{joined([f'{n:,}' for n in short])} they have not."
    else:
        text += " At no size have the runs reached the limit's accuracy."
    # the budget and the stop in a paragraph of their own: they qualify the answer, they do not give it
    stopping = _budget_said(at_end).strip()
    lower = lower_at_end(at_end)
    if lower:
        few = few_held_out(at_end[at_end["dataset_size"].isin(lower)])
        stopping += (
            f" Stopping early does better beyond the spread at {sizes_named(lower)} "
            f"({joined([pct(at_stop.loc[n]) for n in lower])}"
            f"{f'; the stop chosen {few}' if few else ''}): the runs over-fit their few images, and there the "
            "answer depends on when training stops."
        )
    return f"{text}\n\n**When training stops.** {stopping}"


def _budget_said(t: pd.DataFrame) -> str:
    """Why the one budget of steps serves every size: whether the training loss on the largest set
    settled (its loss changed by no more than ``rel_tol``, either way, over the second half of the run),
    how many passes it makes over the smallest, and the smaller sizes whose loss still fell by more.
    ``t``: sorted by size."""
    small, large = t.iloc[0], t.iloc[-1]
    passes = int(large["iterations"]) * int(large["batch_size"]) / int(small["dataset_size"])
    change = 100 * float(large["loss_fall"])  # a fall; below zero the loss rose, by its noise
    fell = f"it {'fell' if change >= 0 else 'rose'} by {abs(change):.2g}% over the second half of the run"
    settled = abs(float(large["loss_fall"])) <= float(large["rel_tol"])  # a rise beyond it is no rest either
    enough = "enough" if settled else "not enough"
    after = "" if settled else ": the answer is this budget's"
    text = (
        f" The same {int(large['iterations']):,} steps at every size make {number(passes, 2)} passes over the "
        f"{int(small['dataset_size']):,} images of the smallest set and are {enough} for the training loss at "
        f"N' = {int(large['dataset_size']):,} to settle ({fell}){after}."
    )
    smaller = t.iloc[:-1]  # those whose loss still fell, leaving out a loss already fitted to rounding's scale
    still = smaller[(smaller["loss_fall"] > smaller["rel_tol"]) & ~fitted_exactly(smaller)]
    if len(still):
        falls = joined([f"{two_figures(100 * v)}%" for v in still["loss_fall"]])
        text += (
            f" At {sizes_named(still['dataset_size'].astype(int).tolist())} it still fell by {falls} over the second "
            "half: there the answer is this budget's."
        )
    return text


def lower_at_end(t: pd.DataFrame) -> list[int]:
    """The sizes whose runs end their iterations below their accuracy at the stop, beyond the
    spread over subsets (``criteria.differ``). ``t``: ``tables.size_summary``."""
    return [
        int(r["dataset_size"])
        for _, r in t.iterrows()
        if r["test_acc"] < r["stop_test_acc"]
        and criteria.differ(r["test_acc"], r["test_acc_sd"], r["stop_test_acc"], r["stop_test_acc_sd"])
    ]


# A train/test gap of this many points or more is wide: most of the fit does not carry over to the test set.
WIDE_GAP_POINTS = 10.0


def gap_text(t: pd.DataFrame, pixels: int, fit_up_to: tuple[int, int], gap_points: float = 1.0, when: str = "") -> str:
    """The train/test gap against N' and why: up to ``fit_up_to`` images (the lowest and highest
    of the subsets' thresholds, ``limit.thresholds``) the images are linearly independent and the
    ``pixels`` weights per digit fit every one exactly, which generalises poorly; past them no
    exact fit exists, but the gap closes (below ``gap_points``) only where the table shows it
    does, slowly where it is still wide (``WIDE_GAP_POINTS``) past them. ``when`` says which reading
    the gaps are (' after the 30,000 iterations'). The gaps are the table's."""
    t = t.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in t["dataset_size"]]
    gap = [shown(100 * a) - shown(100 * b) for a, b in zip(t["train_acc"], t["test_acc"], strict=True)]
    unit = f"{gap_points:g} point{'s' if gap_points != 1 else ''}"
    lo, hi = fit_up_to
    fitted = [n for n, low in zip(ns, t["train_acc_min"], strict=True) if low == 1.0]
    text = (
        f"**The train/test gap{when}** {trend(gap).replace('falls', 'shrinks').replace('rises', 'grows')} with the "
        "data. Up "
        "to " + (f"{lo:,}" if lo == hi else f"{lo:,} to {hi:,}") + " images, depending on the subset, the images are "
        f"linearly independent: the {pixels:,} weights of each digit can fit every one exactly"
        + (f" (every training image is classified correctly at {sizes_named(fitted)})" if fitted else "")
        + ", so they follow those images rather than the digits."
    )
    # the gaps themselves are the table's: only whether the first size past the thresholds is still wide
    wide = any(n > hi and g >= WIDE_GAP_POINTS for n, g in zip(ns, gap, strict=True))
    text += " Past that size no exact fit exists" + (", but the gap closes slowly" if wide else "")
    gap_is = "it is" if wide else "the gap is"  # named just before when it closes slowly
    closed = [i for i in range(len(ns)) if all(abs(g) < gap_points for g in gap[i:])]
    if not closed:
        return text + f", and {gap_is.replace(' is', '')} stays above {unit} at every size run."
    if closed[0] == len(ns) - 1:
        return text + f": {gap_is} below {unit} only at N' = {ns[-1]:,}."
    return text + f"; {gap_is.replace(' is', '')} stays below {unit} from N' = {ns[closed[0]]:,} on."


def longer_text(t: pd.DataFrame) -> str:
    """What training longer does: the sizes whose mean test curve fell from its peak by the end
    (by more than ``DROP_POINTS`` or by less), and where SGD heads from W = 0: t → ∞, the
    least-squares fit with the smallest weights, whose test accuracy the runs end at (the same as
    shown) where they do, and which is lower, beyond the spread over subsets (``criteria.differ``),
    where it is.

    ``t`` columns: dataset_size, test_acc, test_acc_sd, peak_test_acc, closed_form_test_acc,
    closed_form_test_acc_sd (``tables.size_summary``).
    """
    t = t.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in t["dataset_size"]]
    drop = [shown(100 * p) - shown(100 * e) for p, e in zip(t["peak_test_acc"], t["test_acc"], strict=True)]
    fell = [n for n, d in zip(ns, drop, strict=True) if d > 0]
    big = [n for n, d in zip(ns, drop, strict=True) if d > DROP_POINTS]
    small = [n for n in fell if n not in big]
    unit = f"{DROP_POINTS:g} point{'s' if DROP_POINTS != 1 else ''}"
    if not fell:
        text = "**Training longer.** At no size did the mean test accuracy fall along the run."
    else:
        where = "every size" if fell == ns else sizes_named(fell)
        # the sizes are named per part only when both parts are there
        parts = (
            [f"by more than {unit} at {sizes_named(big)}", f"by less at {joined(small)}"]
            if big and small
            else [f"by {'more' if big else 'less'} than {unit}"]
        )
        text = f"**Training longer.** At {where} the mean test accuracy peaked along the run, then fell: {', '.join(parts)}."
    reached = [
        n
        for n, a, b in zip(ns, t["test_acc"], t["closed_form_test_acc"], strict=True)
        if shown(100 * a) == shown(100 * b)
    ]
    lower = [
        int(r["dataset_size"])
        for _, r in t.iterrows()
        if r["closed_form_test_acc"] < r["test_acc"]
        and criteria.differ(r["closed_form_test_acc"], r["closed_form_test_acc_sd"], r["test_acc"], r["test_acc_sd"])
    ]
    parts = ([f"at {sizes_named(reached)} the runs end at its test accuracy"] if reached else []) + (
        [f"at {sizes_named(lower)} its test accuracy is lower still"] if lower else []
    )
    return (
        text
        + " From W = 0, SGD heads for the limit (the next part)"
        + (": " + "; ".join(parts) + "." if parts else ".")
    )
