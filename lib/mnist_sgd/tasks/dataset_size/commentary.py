"""Task 5's commentary: on one training-set size (its grid job's paragraph), and across sizes
(the answer: where the runs stand at the end of their budget, what more data buys, the
train/test gap and why, and what training longer does), each sentence written from the
tables the section computed."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import number, plural

# A held-out accuracy moving in steps of this many points or more is too coarse to stop on without a caveat.
COARSE_STEP_POINTS = 1.0
# A drop of the mean test curve from its peak to the end smaller than this many points is the noise of a plateau.
DROP_POINTS = 1.0
# A closed-form training loss below this is an exact fit (zero up to float64 rounding).
EXACT_FIT_LOSS = 1e-6


def subsets_text(runs: pd.DataFrame, curves: pd.DataFrame) -> str:
    """The paragraph under one size's table: convergence and accuracies at the budget of the
    runs, the test accuracy along them and stopped early, and the rank of the subsets.

    ``runs``: one row per subset of one size (``tables.subset_runs``), ``curves``: their
    checkpoints. The convergence criterion is the method's, stated once at the task's head.
    """
    return _end_of_runs(runs) + _along_the_runs(runs, curves) + _rank(runs)


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
# (``converged_by``) and the method names them by.
STOPPED_MOVING = "stopped moving"
REACHED_OPTIMUM = "reached the optimum"


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
    """How many runs met the criterion and by which test, and the accuracies of SGD at the
    budget and of the closed form."""
    dataset_size, iterations = _size_and_iterations(runs)
    converged = int(runs["converged"].sum())
    train, test = shown(100 * runs["final_train_acc"].mean()), shown(100 * runs["final_test_acc"].mean())
    passes = iterations * int(runs["batch_size"].iloc[0]) / dataset_size
    tests = converged_by_text(
        int((runs["converged_by"] == STOPPED_MOVING).sum()), int((runs["converged_by"] == REACHED_OPTIMUM).sum())
    )
    who = counted(converged, len(runs), "run")
    return (
        f"**N' = {dataset_size:,}.** {who[:1].upper()}{who[1:]} converged within {iterations:,} iterations"
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
            if 100 * (mean_test.max() - final_mean) > DROP_POINTS
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


# ---------------------------------------------------------------------------------------
# Across sizes: the answer, from one row per size of ``tables.size_summary``.
# ---------------------------------------------------------------------------------------


def still_descending(row: pd.Series) -> bool:
    """Whether no run of a size converged and its loss was still falling at the end: the
    subset-mean loss, averaged over a doubling of t, fell by more than the criterion's
    tolerance to the next doubling at the last one checked (``last_change``)."""
    return int(row["converged_subsets"]) == 0 and float(row["last_change"]) < -float(row["rel_tol"])


def run_status(row: pd.Series) -> str:
    """Where the runs of one size stand at the end of their budget, for the table: 'all 5
    converged', '3 of 5 converged', 'none converged: still descending' (``still_descending``)
    or 'none converged'."""
    converged, total = int(row["converged_subsets"]), int(row["subsets"])
    if converged == total:
        return f"all {total} converged" if total > 2 else "converged"
    if converged:
        return f"{converged} of {total} converged"
    return "none converged: still descending" if still_descending(row) else "none converged"


def _sizes(ns: list[int]) -> str:
    return "N' = " + joined(ns)


def status_text(t: pd.DataFrame) -> str:
    """What the accuracies at the end of the runs are: the one iteration budget in passes over
    the smallest and the largest subset, and, where no run converged and the loss was still
    descending (``still_descending``), that those accuracies are the budget's, not SGD's at rest,
    with how fast the loss still fell.

    ``t`` columns: dataset_size, iterations, batch_size, subsets, converged_subsets, rel_tol,
    last_change (``tables.size_summary``).
    """
    t = t.sort_values("dataset_size").reset_index(drop=True)
    first, last = t.iloc[0], t.iloc[-1]
    iterations = sorted({int(i) for i in t["iterations"]})
    passes = [number(int(r["iterations"]) * int(r["batch_size"]) / int(r["dataset_size"])) for r in (first, last)]
    budget = f"{iterations[0]:,} iterations" if len(iterations) == 1 else "iteration budgets"
    text = (
        f"**At the end of the budget.** The same {budget} are {passes[0]} passes over the subset at "
        f"N' = {int(first['dataset_size']):,} but {passes[1]} at N' = {int(last['dataset_size']):,}."
    )
    falling = t[[still_descending(row) for _, row in t.iterrows()]]
    if not falling.empty:
        drops = [f"{-100 * c:.2g}%" for c in falling["last_change"]]
        text += (
            f" At {_sizes(falling['dataset_size'].astype(int).tolist())} no run converged: the accuracies there are "
            f"those after {budget}, still descending (the training loss, averaged over a doubling of t, still fell by "
            f"{joined(drops)} to the next)."
        )
    return text


def _steps(t: pd.DataFrame) -> list[tuple[int, int, float, bool]]:
    """The steps of the grid (``t`` sorted by size): from, to, the change of the test accuracy
    in points as shown, and whether it is beyond the spread over subsets (the two sizes'
    [min, max] ranges do not overlap)."""
    steps = []
    for (_, a), (_, b) in zip(t.iloc[:-1].iterrows(), t.iloc[1:].iterrows()):
        change = shown(100 * b["test_acc"]) - shown(100 * a["test_acc"])
        apart = b["test_acc_min"] > a["test_acc_max"] or b["test_acc_max"] < a["test_acc_min"]
        steps.append((int(a["dataset_size"]), int(b["dataset_size"]), change, bool(apart)))
    return steps


def _step_words(steps: list[tuple[int, int, float, bool]]) -> str:
    return joined([f"from {a:,} to {b:,} ({d:+.2f} points)" for a, b, d, _ in steps])


# a trend along the sizes, as a verb followed by its object
_MOVES = {"rises": "rises with", "falls": "falls with", "is not monotone": "is not monotone in"}


def gains_text(t: pd.DataFrame) -> str:
    """How the test accuracy at the end of the runs moves with N', a step of the grid counted
    as a change only beyond the spread over subsets (``_steps``); the steps within it are
    quoted with their change.

    ``t`` columns: dataset_size, test_acc, test_acc_min, test_acc_max (``tables.size_summary``).
    """
    t = t.sort_values("dataset_size").reset_index(drop=True)
    steps = _steps(t)
    beyond, within = [s for s in steps if s[3]], [s for s in steps if not s[3]]
    text = f"**More data.** SGD's test accuracy {_MOVES[trend([shown(100 * v) for v in t['test_acc']])]} N'."
    if not within:
        return text + " Every step of the grid moves it beyond the spread over subsets (the ranges do not overlap)."
    if not beyond:
        return text + f" No step of the grid moves it beyond the spread over subsets: {_step_words(within)}."
    if steps[: len(beyond)] == beyond:  # the first steps only
        first = f"Every step up to N' = {beyond[-1][1]:,} moves"
    else:
        first = f"The step{'s' if len(beyond) > 1 else ''} {joined([f'from {a:,} to {b:,}' for a, b, _, _ in beyond])}"
        first += " move" if len(beyond) > 1 else " moves"
    one = len(within) == 1
    text += (
        f" {first} it beyond the spread over subsets (the ranges in the table do not overlap); "
        f"{'the step' if one else 'the steps'} {_step_words(within)} {'stays' if one else 'stay'} within it"
    )
    if steps[-len(within) :] == within:  # the last steps only: the accuracy has levelled off
        return text + f": past {within[0][0]:,} images, more data no longer changes it measurably."
    return text + "."


def gap_text(t: pd.DataFrame, pixels: int, fit_up_to: tuple[int, int], gap_points: float = 1.0) -> str:
    """The train/test gap against N' (closed: below ``gap_points`` from some size on) and why:
    a linear classifier with ``pixels`` weights per output fits a few hundred images (almost)
    exactly, which generalises poorly; past ``fit_up_to`` images (the lowest and highest of the
    subsets' thresholds, computed by ``limit.thresholds``) no exact fit exists. The thresholds
    lie below ``pixels`` (the images do not span every pixel), so the count of weights is not
    the reason given."""
    t = t.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in t["dataset_size"]]
    gap = [shown(100 * a) - shown(100 * b) for a, b in zip(t["train_acc"], t["test_acc"])]
    unit = f"{gap_points:g} point{'s' if gap_points != 1 else ''}"
    text = f"**The train/test gap** {trend(gap).replace('falls', 'shrinks').replace('rises', 'grows')} with the data"
    closed = [i for i in range(len(ns)) if all(abs(g) < gap_points for g in gap[i:])]
    if not closed:
        text += f" and does not stay below {unit} within the sizes run."
    elif closed[0] == len(ns) - 1:
        text += f" and falls below {unit} only at the largest size, N' = {ns[-1]:,}."
    else:
        text += f" and stays below {unit} from N' = {ns[closed[0]]:,} on."
    fitted = [n for n, low in zip(ns, t["train_acc_min"]) if low == 1.0]
    lo, hi = fit_up_to
    return text + (
        f" **Why:** with {pixels:,} weights per digit, a few hundred images can be fitted almost exactly"
        + (f" (at {_sizes(fitted)} every training image is classified correctly)" if fitted else "")
        + ", and such weights follow those images rather than the digits. Past "
        + (f"{lo:,}" if lo == hi else f"{lo:,} to {hi:,}")
        + " images (depending on the subset; fewer than the weights, as some pixels are dark in every image and the rest "
        "are partly redundant) the "
        "images stop being independent of one another and no exact fit exists; as the weights come to serve many "
        "examples of each digit, the gap closes."
    )


def longer_text(t: pd.DataFrame) -> str:
    """What training longer does: the sizes whose mean test curve fell from its peak by more
    than ``DROP_POINTS`` by the end, and, where the least-squares solution fits the subsets
    exactly, where SGD stands against that fit, which it heads for from W = 0.

    ``t`` columns: dataset_size, test_acc, peak_test_acc, closed_form_test_acc,
    closed_form_train_loss, subsets, reached_optimum_subsets (``tables.size_summary``).
    """
    t = t.sort_values("dataset_size").reset_index(drop=True)
    drop = 100 * (t["peak_test_acc"] - t["test_acc"])
    fell = [int(n) for n, d in zip(t["dataset_size"], drop) if d > DROP_POINTS]
    text = "**Training longer.** " + (
        f"At {_sizes(fell)} the test accuracy peaked early and then fell (figure below): SGD went on fitting the few "
        "training images, heading from W = 0 for"
        if fell
        else "At no size did the test accuracy fall along the runs by more than a point. From W = 0, SGD heads for"
    )
    text += " the least-squares fit of smallest norm"
    exact = t[t["closed_form_train_loss"] < EXACT_FIT_LOSS]
    if exact.empty:
        return text + "."
    reached = [
        int(n) for n, r, s in zip(exact["dataset_size"], exact["reached_optimum_subsets"], exact["subsets"]) if r == s
    ]
    above = [
        (int(r["dataset_size"]), shown(100 * r["test_acc"]) - shown(100 * r["closed_form_test_acc"]))
        for _, r in exact.iterrows()
        if int(r["dataset_size"]) not in reached
    ]
    text += ", which generalises worse still where the subsets can be fitted exactly"
    parts = [f"at {_sizes(reached)} the runs have reached it"] if reached else []
    if above:
        parts.append(
            f"at {_sizes([n for n, _ in above])} they are {joined([f'{d:.2f}' for _, d in above])} points "
            f"{'above' if all(d > 0 for _, d in above) else 'away from'} it"
        )
    return text + (": " + "; ".join(parts) if parts else "") + "."
