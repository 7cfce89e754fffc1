"""Task 5's commentary on the limit: where the images of a subset stop being linearly
independent, the exact limit's dip and norm against N', and where the runs stop on the way to
it; each sentence written from the tables the section computed (``limit``)."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.commentary import trend
from mnist_sgd.tasks.dataset_size.commentary import joined, shown


def threshold_text(th: pd.DataFrame, pixels: int, whole: tuple[int, int, int] | None = None) -> str:
    """Where the images of a subset stop being linearly independent, subset by subset.

    ``th``: one row per subset (``limit.thresholds``: subset, threshold N*, lit_pixels at N*);
    ``pixels``: the pixels of an image; ``whole``: (images, rank, lit pixels) of the whole
    training set, when known.
    """
    th = th.sort_values("subset")
    n_star, lit = th["threshold"].astype(int).tolist(), th["lit_pixels"].astype(int).tolist()
    text = (
        "**The interpolation threshold.** The first N' images of a subset stay linearly independent (rank X' = N', "
        f"so X'W = Y' has exact solutions) up to N* = {', '.join(f'{v:,}' for v in n_star)} for "
        f"{_subsets(len(th))}; from N* + 1 images on, rank X' < N' and no exact fit exists. Those N* images light "
        f"{', '.join(f'{v:,}' for v in lit)} of the {pixels:,} pixels (the others are zero in every one of them): the "
        f"threshold lies below both {pixels:,} and the number of lit pixels"
        + (
            f", at {int(min(n_star)):,}"
            if min(n_star) == max(n_star)
            else f", between {min(n_star):,} and {max(n_star):,}"
        )
        + " images."
    )
    if whole is not None:
        images, rank, lit_all = whole
        text += (
            f" Past it the rank still grows, slowly: the whole training set ({images:,} images) lights {lit_all:,} "
            f"pixels and has rank {rank:,}."
        )
    return text


def _subsets(count: int) -> str:
    return "subset 0" if count == 1 else f"subsets 0-{count - 1}" if count > 2 else "subsets 0 and 1"


def limit_text(limit: pd.DataFrame, th: pd.DataFrame, sizes: pd.DataFrame) -> str:
    """The exact limit of SGD from W = 0 against N', and where the runs stop on the way to it.

    ``limit``: ``limit.limit_summary`` (per size: limit_test_acc, limit_norm_median,
    gd_budget_test_acc, gd_budget_norm, smallest_singular, slowest_steps_min, lr,
    budget_iterations); ``th``: ``limit.thresholds``; ``sizes``: the runs per size
    (dataset_size, test_acc: SGD at the budget, mean over subsets). The accuracy is read by
    its mean over subsets, the norm by its median (it spreads over decades between subsets).
    """
    lim = limit.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in lim["dataset_size"]]
    acc = [shown(100 * v) for v in lim["limit_test_acc"]]
    norm = lim["limit_norm_median"].tolist()
    worst, near = _lowest_and_nearest(lim, th)
    top = norm.index(max(norm))
    lo, hi = int(th["threshold"].min()), int(th["threshold"].max())
    jump = max(range(1, len(ns)), key=lambda i: norm[i] / norm[i - 1]) if len(ns) > 1 else 0
    text = (
        f"**The limit's dip and norm.** The limit's test accuracy (mean over subsets) is lowest at N' = {ns[worst]:,}, "
        f"{acc[worst]:.2f}%" + (", the grid size nearest the thresholds" if worst == near else "") + "."
    )
    if jump:
        text += (
            f" Its norm ‖W‖ (median over subsets) jumps most between N' = {ns[jump - 1]:,} and {ns[jump]:,}, from "
            f"{norm[jump - 1]:.3g} to {norm[jump]:.3g} (×{norm[jump] / norm[jump - 1]:.2g}), and is largest at "
            f"N' = {ns[top]:,} ({norm[top]:.3g})"
            + (f"; at N' = {ns[-1]:,} it is {norm[-1]:.3g}." if top != len(ns) - 1 else ".")
        )
    if worst == near and jump == near:
        text += (
            f" Both happen at the threshold, where the smallest non-zero singular value of X' falls from "
            f"{lim.loc[0, 'smallest_singular']:.2g} at N' = {ns[0]:,} to {lim.loc[near, 'smallest_singular']:.2g} "
            "(means): an exact fit still exists but leans on directions the images barely span, which the inverse 1/s "
            "of the fit amplifies."
        )
        past = lim.loc[[i for i, n in enumerate(ns) if n > hi], "smallest_singular"]
        if top != near and norm[top] > 10 * norm[jump - 1] and len(past):
            text += (
                " Past the threshold the norm stays high and varies from subset to subset (the ranges in the second table below) while "
                f"the accuracy recovers: directions of tiny singular value remain (the smallest s is {past.max():.2g} "
                "or less at every size past the thresholds), and the large weights along them change few test "
                "predictions, as the recovering accuracy shows: there the norm no longer follows the accuracy."
            )
    run_sizes = [int(n) for n in sizes["dataset_size"] if int(n) in ns]
    if len(run_sizes) >= 2:
        on_grid = lim.set_index("dataset_size").loc[run_sizes]
        grid_worst, grid_top = int(on_grid["limit_test_acc"].idxmin()), int(on_grid["limit_norm_median"].idxmax())
        text += f" On the runs' sizes alone (N' = {joined(run_sizes)}) the limit's accuracy is lowest at {grid_worst:,}"
        if grid_worst == grid_top:
            text += " and its norm largest there too."
        else:
            text += (
                f" but its norm largest at {grid_top:,} ({joined([f'{v:.3g}' for v in on_grid['limit_norm_median']])})"
            )
            if grid_worst < lo and grid_top > hi:
                text += (
                    f": {grid_worst:,} lies just below the thresholds, where the accuracy has fallen but the norm has "
                    f"not jumped yet, {grid_top:,} past them, where the norm is still high; the denser grid puts both "
                    f"changes at N' = {ns[near]:,}, between the two."
                    if worst == near and jump == near
                    else f": {grid_worst:,} lies below the thresholds, {grid_top:,} past them."
                )
            else:
                text += "."

    lr, budget = float(lim["lr"].iloc[0]), int(lim["budget_iterations"].iloc[0])
    gd = [shown(100 * v) for v in lim["gd_budget_test_acc"]]
    rises = trend(gd) == "rises"
    text += (
        f"\n\n**Where the runs stop.** After the runs' {budget:,} iterations (η = {lr:g}), gradient descent's test "
        f"accuracy {_trend_words(gd, ns)}"
        + (": at that budget there is no dip" if rises else "")
        + f"; its norm stays between {min(lim['gd_budget_norm']):.3g} and {max(lim['gd_budget_norm']):.3g}."
    )
    sgd = sizes.set_index("dataset_size")["test_acc"]
    off = {n: abs(shown(100 * sgd.loc[n]) - gd[ns.index(n)]) for n in run_sizes}
    if off:
        far = max(off, key=lambda n: off[n])
        text += (
            f" SGD's subset means at the runs' sizes lie within {off[far]:.2f} points of it (the most at N' = {far:,}), "
            "as they should: SGD's expected iterate is gradient descent's at the same step and t."
        )
    slow = lim["slowest_steps_min"].tolist()  # per size, the least any subset's slowest direction needs
    past = [slow[i] for i, n in enumerate(ns) if n > hi]
    needs = (
        f"at N' = {ns[worst]:,} the slowest direction of every subset needs N'/(η s²) ≥ {slow[worst]:.1e} iterations "
        "to close a share 1 − 1/e of its gap"
        + (f", and at every size past the thresholds at least {min(past):.1e}" if past else "")
    )
    if slow[worst] > budget:
        text += f" The limit's dip is out of reach of such runs: {needs}, against {budget:,}."
        if rises:
            text += (
                f" So SGD shows no dip only because the runs stop at {budget:,} iterations: its expected iterate tends "
                "to the limit, dip included, as t grows."
            )
    else:
        text += f" The runs come near the limit's dip: {needs}, within the budget of {budget:,}."
    return text


def _lowest_and_nearest(lim: pd.DataFrame, th: pd.DataFrame) -> tuple[int, int]:
    """Positions in ``lim`` (sorted by size) of the limit's lowest test accuracy as shown, and of
    the grid size nearest the thresholds of ``th`` (from N* to N* + 1 counts as distance 0)."""
    acc = [shown(100 * v) for v in lim["limit_test_acc"]]
    ns = lim["dataset_size"].astype(int).tolist()
    lo, hi = int(th["threshold"].min()), int(th["threshold"].max())
    return acc.index(min(acc)), min(range(len(ns)), key=lambda i: max(lo - ns[i], ns[i] - hi - 1, 0))


def _trend_words(values: list[float], ns: list[int]) -> str:
    """How ``values`` (percent, as shown) move along the sizes ``ns``, with where they drop, so a
    single dip does not read as an erratic curve: 'rises at every size of the grid, from 60.73% at
    N' = 100 to 84.73% at N' = 10,000', or 'rises with N' except one dip, from 60.73% at N' = 100 to
    60.28% at N' = 200, and reaches 84.73% at N' = 10,000'."""
    ends = f"{values[0]:.2f}% at N' = {ns[0]:,} to {values[-1]:.2f}% at N' = {ns[-1]:,}"
    verdict = trend(values)
    if verdict in ("rises", "falls"):
        return f"{verdict} at every size of the grid, from {ends}"
    steps = list(zip(values, values[1:], ns, ns[1:], strict=False))
    downs = [s for s in steps if s[1] < s[0]]
    ups = [s for s in steps if s[1] > s[0]]
    if values[-1] >= values[0]:  # rising overall: name the drops
        moves, word, how = downs, "dip", "rises"
    else:
        moves, word, how = ups, "rise", "falls"
    said = "; ".join(f"from {a:.2f}% at N' = {m:,} to {b:.2f}% at N' = {n:,}" for a, b, m, n in moves)
    count = "one " + word if len(moves) == 1 else f"{len(moves)} {word}s"
    return f"{how} with N' except {count}, {said}, and reaches {values[-1]:.2f}% at N' = {ns[-1]:,}"
