"""Task 5's commentary: on one training-set size, where its runs ended, what stopping early
gave, and what the rank of its subsets says of the closed form, each sentence written from
the tables the section computed."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import fixed, number, plural

# A held-out accuracy moving in steps of this many points or more is too coarse to stop on without a caveat.
COARSE_STEP_POINTS = 1.0


def subsets_text(runs: pd.DataFrame, curves: pd.DataFrame, rel_tol: float) -> str:
    """The paragraph under one size's table: convergence and accuracies at the budget of the
    runs, the test accuracy along them and stopped early, and the rank of the subsets.

    ``runs``: one row per subset of one size (``tables_dataset_size.subset_runs``), ``curves``:
    their checkpoints; ``rel_tol``: the convergence criterion the runs were judged by.
    """
    return _end_of_runs(runs, rel_tol) + _along_the_runs(runs, curves) + _rank(runs)


def counted(count: int, total: int, noun: str) -> str:
    """How many of ``total`` things, in words: 'none of the 5 runs', 'all 5 runs', 'both runs',
    '3 of 5 runs', 'no run' and 'the one run' (of one)."""
    if total == 1:
        return f"the one {noun}" if count else f"no {noun}"
    if count == 0:
        return f"none of the {total} {noun}s"
    if count == total:
        return f"both {noun}s" if total == 2 else f"all {total} {noun}s"
    return f"{count} of {total} {noun}s"


# The two tests of the convergence criterion, in the words the runs' table records
# (``converged_by``) and every text names them by.
STOPPED_MOVING = "stopped moving"
REACHED_OPTIMUM = "reached the optimum"


def criterion_text(rel_tol: float) -> str:
    """The convergence criterion the runs are judged by (``tables.converged_at``), as every
    Task 5 text states it: one sentence naming its two tests as ``converged_by`` records them."""
    tol = f"{100 * rel_tol:g}%"
    return (
        "A run has converged at the first checkpoint from which one of two tests holds until the end of the run: "
        f"its training loss has {STOPPED_MOVING} (Task 3's test: averaged over each doubling of t, it changes by "
        f"less than {tol} from one doubling to the next), or it has {REACHED_OPTIMUM} (it stays within {tol} of the "
        "way from its value at t = 0 down to the subset's least-squares minimum)."
    )


def converged_by_text(stopped: int, reached: int) -> str:
    """Which test of the criterion dated the converged runs (``stopped`` and ``reached`` of
    them): 'the loss stopped moving', 'the loss reached the optimum', or, when both did some,
    'the loss stopped moving in 3 and reached the optimum in 2'."""
    if stopped and reached:
        return f"the loss {STOPPED_MOVING} in {stopped} and {REACHED_OPTIMUM} in {reached}"
    return f"the loss {STOPPED_MOVING if stopped else REACHED_OPTIMUM}"


def shown(value: float, digits: int = 2) -> float:
    """``value`` rounded as it is printed with ``digits`` decimals: differences quoted in the
    text are taken between the values as shown, so they match the tables to the last digit."""
    return float(f"{value:.{digits}f}")


def _size_and_iterations(runs: pd.DataFrame) -> tuple[int, int]:
    """N' and the iterations of the runs (the same for every subset of a size)."""
    return int(runs["dataset_size"].iloc[0]), int(runs["iterations"].iloc[0])


def _by_subset(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.sort_values("subset") if "subset" in runs.columns else runs


def _end_of_runs(runs: pd.DataFrame, rel_tol: float) -> str:
    """The criterion, how many runs met it and by which test, and the accuracies of SGD at the
    budget and of the closed form."""
    dataset_size, iterations = _size_and_iterations(runs)
    converged = int(runs["converged"].sum())
    train, test = shown(100 * runs["final_train_acc"].mean()), shown(100 * runs["final_test_acc"].mean())
    passes = iterations * int(runs["batch_size"].iloc[0]) / dataset_size
    tests = converged_by_text(
        int((runs["converged_by"] == STOPPED_MOVING).sum()), int((runs["converged_by"] == REACHED_OPTIMUM).sum())
    )
    return (
        f"**N' = {dataset_size:,}.** {criterion_text(rel_tol)} By this criterion, "
        f"{counted(converged, len(runs), 'run')} converged within {iterations:,} iterations"
        + (
            f", at ITR = {int(runs.loc[runs['converged'], 'itr'].max()):,} at the latest ({tests}). "
            if converged
            else ". "
        )
        + f"After {iterations:,} iterations ({number(passes)} pass{'' if passes == 1 else 'es'} over the subset) SGD "
        f"reaches {test:.2f}% test accuracy (min {100 * runs['final_test_acc'].min():.2f}%, "
        f"max {100 * runs['final_test_acc'].max():.2f}%) and {train:.2f}% on its training "
        f"subset: a train/test gap of {train - test:.2f} points. The least-squares solution on the same subsets reaches "
        f"{100 * runs['closed_form_test_acc'].mean():.2f}% test accuracy and "
        f"{100 * runs['closed_form_train_acc'].mean():.2f}% training accuracy."
    )


def heldout_step_text(held: int) -> str:
    """The resolution of an accuracy measured on ``held`` images: '1/20 = 5 points'."""
    return f"1/{held:,} = {100 / held:.2g} point{'' if 100 / held == 1 else 's'}"


def _along_the_runs(runs: pd.DataFrame, curves: pd.DataFrame) -> str:
    """The peak of the subset-mean test curve against its end, and the runs stopped early on
    held-out images against the same runs at the end, with one stop per subset and the
    resolution of the held-out accuracy they were chosen on."""
    dataset_size, iterations = _size_and_iterations(runs)
    held = int(runs["heldout_images"].iloc[0])
    mean_test = curves.groupby("t")["test_acc"].mean()
    t_peak, final_mean = int(mean_test.idxmax()), mean_test.iloc[-1]
    stops = ", ".join(f"{int(v):,}" for v in _by_subset(runs)["early_t"])
    text = (
        f" Along the runs the mean test accuracy was highest at t = {t_peak:,}, {100 * mean_test.max():.2f}%"
        + (
            f", {100 * (mean_test.max() - final_mean):.2f} points above its value at the end: training longer on "
            f"these {dataset_size:,} images lowered the test accuracy."
            if mean_test.max() - final_mean > 0.01  # a drop of more than 1 point, not the noise of a plateau
            else f"; at the end it is {100 * final_mean:.2f}%."
        )
        + f" Chosen without the test set, stopping at the best accuracy on {plural(held, 'held-out image')} "
        f"of each subset (training on the other {dataset_size - held:,}) gives "
        f"{100 * runs['early_test_acc'].mean():.2f}% test accuracy (mean; stopped at t = {stops}, one stop per "
        f"subset), against {100 * runs['heldout_end_test_acc'].mean():.2f}% for the same runs at t = {iterations:,}."
    )
    if 100 / held >= COARSE_STEP_POINTS:
        text += (
            f" On {plural(held, 'image')} the held-out accuracy moves in steps of {heldout_step_text(held)}: "
            "checkpoints a step apart or less tie (the earliest is taken), so where to stop is chosen coarsely and the "
            "early-stopped accuracy at this size is a rough figure."
        )
    return text


def _rank(runs: pd.DataFrame) -> str:
    """Whether the subsets can be fitted exactly (rank N'), SGD's training loss against the
    closed form's, and how many steps the slowest direction of X' needs against the budget."""
    dataset_size, iterations = _size_and_iterations(runs)
    ranks = ", ".join(str(r) for r in sorted(set(runs["rank"])))
    if (runs["rank"] == dataset_size).all():
        text = (
            f" Every subset's X' has rank {ranks} = N' (its images are linearly independent), so the least-squares "
            f"system X'W = Y' is solved exactly: the closed form's training loss is "
            f"{runs['closed_form_train_loss'].max():.2g} at most, zero up to rounding, and it is the minimum-norm one "
            f"among all exact fits. SGD's training loss is {runs['final_train_loss'].mean():.3g} (mean) after "
            f"{iterations:,} iterations."
        )
    else:
        text = (
            f" The subsets' X' have rank {ranks} < N' = {dataset_size:,}, so X'W = Y' cannot be met exactly: the "
            f"least-squares minimum on the subsets is {runs['closed_form_train_loss'].mean():.4f} (mean), and SGD ends "
            f"{100 * (runs['final_train_loss'] / runs['closed_form_train_loss'] - 1).mean():.1f}% above it."
        )
    if "slowest_steps" not in runs.columns:
        return text
    slow, lr = runs["slowest_steps"], float(runs["lr"].iloc[0])
    if slow.max() <= iterations:
        verdict = f"within the run's {iterations:,} iterations."
    elif slow.min() > iterations:
        verdict = (
            f"at least {slow.min() / iterations:.2g} times the run's {iterations:,} iterations: in that direction the "
            "runs are still far from the limit."
        )
    else:
        verdict = f"beyond the run's {iterations:,} iterations for some of the subsets."
    return text + (
        f" SGD from W = 0 tends to the minimum-norm solution; its slowest direction, along the smallest non-zero "
        f"singular value s of X' ({_span(runs['smallest_singular'])} over the subsets), closes a share 1 − 1/e of its "
        f"gap only after N'/(η s²) = {_span(slow)} iterations at η = {lr:g}, {verdict}"
    )


def _span(values: pd.Series) -> str:
    """'0.012' or '0.012 to 0.03': the range of a positive quantity with two significant digits."""
    lo, hi = f"{values.min():.2g}", f"{values.max():.2g}"
    return lo if lo == hi else f"{lo} to {hi}"


def dataset_size_commentary(table: pd.DataFrame, gap_points: float = 1.0) -> str:
    """What more training data buys, from one row per training-set size N'.

    ``table`` columns: dataset_size, subsets, converged_subsets (how many subsets met the
    convergence criterion), test_acc, test_acc_min, test_acc_max, train_acc (SGD at the
    budget of its runs, fractions; mean, min and max over subsets), final_train_loss (SGD, mean), closed_form_test_acc,
    closed_form_train_acc, closed_form_train_loss (least squares on the same subsets,
    means). ``gap_points``: the train/test gap, in accuracy points, counted as closed.
    Works with any number of rows (one or more sizes).
    """
    t = table.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in t["dataset_size"]]
    # as the tables show them (two decimals), so every difference below matches them
    test = [shown(100 * v) for v in t["test_acc"]]
    train = [shown(100 * v) for v in t["train_acc"]]
    gap = [a - b for a, b in zip(train, test)]
    cf_test = [shown(100 * v) for v in t["closed_form_test_acc"]]
    out = []

    if len(t) < 2:
        return (
            f"Only one training-set size was run (N' = {ns[0]:,}), so there is nothing to compare: SGD reached "
            f"{test[0]:.2f}% test accuracy and {train[0]:.2f}% on its training subset (a gap of {gap[0]:.2f} points); "
            f"the closed form on the same subsets reached {cf_test[0]:.2f}% on the test set."
        )

    out.append(_gains_text(ns, test))

    text = (
        "**Train/test gap.** The training accuracy (on the subset trained on) minus the test accuracy is "
        + ", ".join(f"{g:.2f}" for g in gap)
        + f" points for N' = {', '.join(f'{n:,}' for n in ns)}: it "
        f"{trend(gap).replace('falls', 'shrinks').replace('rises', 'grows')} with the data."
    )
    closed = [i for i in range(len(ns)) if abs(gap[i]) < gap_points and all(abs(g) < gap_points for g in gap[i:])]
    if closed:
        i = closed[0]
        where = f"only at the largest size, N' = {ns[i]:,}" if i == len(ns) - 1 else f"from N' = {ns[i]:,} on"
        text += f" It is below {gap_points:g} point{'s' if gap_points != 1 else ''} {where}" + (
            f" (at N' = {ns[i - 1]:,} it was still {gap[i - 1]:.2f})." if i > 0 else ", the smallest size run."
        )
    else:
        smallest = min(range(len(gap)), key=lambda j: abs(gap[j]))
        text += (
            f" It does not stay below {gap_points:g} point{'s' if gap_points != 1 else ''} within the sizes run "
            f"(smallest: {gap[smallest]:.2f} at N' = {ns[smallest]:,})."
        )
    out.append(text)

    diff = [s - c for s, c in zip(test, cf_test)]
    above = [n for n, d in zip(ns, diff) if d > 0]
    text = (
        "**SGD against the closed form.** On the same subsets, SGD's test accuracy minus the least-squares "
        "solution's is " + ", ".join(f"{d:+.2f}" for d in diff) + f" points for N' = {', '.join(f'{n:,}' for n in ns)}."
    )
    interpolating = [n for n, loss in zip(ns, t["closed_form_train_loss"]) if loss < 1e-6]
    if interpolating:
        text += (
            f" At N' = {', '.join(f'{n:,}' for n in interpolating)} the closed form fits its training subset exactly "
            f"(training loss below 1e-6)"
        )
        sgd_loss = dict(zip(ns, t["final_train_loss"]))
        spread = dict(zip(ns, (100 * (t["test_acc_max"] - t["test_acc_min"])).tolist()))
        margin = dict(zip(ns, diff))
        better = [n for n in interpolating if n in above and margin[n] > spread[n]]
        unclear = [n for n in interpolating if abs(margin[n]) <= spread[n]]
        if better:
            text += (
                f"; at N' = {', '.join(f'{n:,}' for n in better)} SGD, whose training loss there is still "
                f"{', '.join(fixed([sgd_loss[n] for n in better]))} after its budget, has the higher test accuracy, by "
                f"more than the spread of SGD over subsets: the exact fit of the few training images generalises "
                f"worse than SGD stopped before it"
            )
        else:
            text += "; SGD's test accuracy is not higher there by more than its spread over subsets"
        if unclear:
            text += (
                f" (at N' = {', '.join(f'{n:,}' for n in unclear)} the difference is within SGD's min-max range over "
                f"subsets, {', '.join(f'{spread[n]:.2f}' for n in unclear)} points)"
            )
        text += "."
    out.append(text)

    return "\n\n".join(out)


def joined(items: list) -> str:
    """'a', 'a and b', 'a, b and c' (numbers with thousands separators)."""
    words = [f"{v:,}" if isinstance(v, int) else str(v) for v in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _step_factor(a: int, b: int) -> str:
    ratio = b / a
    return f"×{ratio:.0f}" if abs(ratio - round(ratio)) < 1e-9 else f"×{ratio:.2g}"


def _gains_text(ns: list[int], test: list[float]) -> str:
    """The gain of each step of the grid, with a rate in the unit of that step: per tenfold
    only for a tenfold step; steps of other sizes are compared per doubling of N'."""
    parts, per_doubling = [], []
    for a, b, d in zip(ns, ns[1:], [y - x for x, y in zip(test, test[1:])]):
        doublings = math.log2(b / a)
        per_doubling.append(d / doublings)
        if abs(b / a - 10) < 1e-9:
            parts.append(f"{a:,}→{b:,}: {d:+.2f} points ({d:+.2f} per tenfold)")
        elif abs(b / a - 2) < 1e-9:
            parts.append(f"{a:,}→{b:,} (a doubling): {d:+.2f} points")
        else:
            parts.append(f"{a:,}→{b:,} ({_step_factor(a, b)}): {d:+.2f} points ({d / doublings:+.2f} per doubling)")
    text = (
        f"**Test accuracy against data.** SGD's test accuracy {trend(test)} with the training-set size, from "
        f"{test[0]:.2f}% at N' = {ns[0]:,} to {test[-1]:.2f}% at N' = {ns[-1]:,}. Per step of the grid: "
        + ", ".join(parts)
        + "."
    )
    if len(per_doubling) >= 2:
        shown = ", ".join(f"{p:+.2f}" for p in per_doubling)
        if all(b < a for a, b in zip(per_doubling, per_doubling[1:])):
            text += (
                f" Per doubling of N' the gain ({shown} points) falls at every step of the grid: diminishing returns."
            )
        elif all(b > a for a, b in zip(per_doubling, per_doubling[1:])):
            text += f" Per doubling of N' the gain ({shown} points) rises at every step of the grid."
        else:
            text += (
                f" Per doubling of N' the gain ({shown} points) is not monotone across the grid (**Where SGD would "
                f"end**, above, says how the fit SGD tends to changes where the subsets stop being fitted exactly)."
            )
    return text
