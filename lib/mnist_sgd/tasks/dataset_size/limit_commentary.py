"""Task 5's commentary on where SGD would end: where the images of a subset stop being linearly
independent, the exact fit's dip at that size, and where the runs stop on the way to it; each
sentence written from the tables the section computed (``limit``)."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.commentary import trend
from mnist_sgd.tasks.dataset_size.commentary import joined, shown, spread_mean


def threshold_text(th: pd.DataFrame, pixels: int, whole: tuple[int, int, int] | None = None) -> str:
    """Where the images of a subset stop being linearly independent, subset by subset, in plain
    words: below that threshold the weights of a digit can fit every image exactly.

    ``th``: one row per subset (``limit.thresholds``: subset, threshold N*, lit_pixels at N*);
    ``pixels``: the pixels of an image; ``whole``: (images, rank, lit pixels) of the whole
    training set, when known.
    """
    th = th.sort_values("subset")
    n_star, lit = th["threshold"].astype(int).tolist(), th["lit_pixels"].astype(int).tolist()
    text = (
        "**Why a few hundred images are fitted exactly.** The weights of a digit can give every training image "
        "exactly its target as long as no image is a weighted sum of the others (the images are linearly "
        f"independent). Adding a subset's images one at a time, this holds up to {joined(n_star)} images for "
        f"{_subsets(len(th))} (its threshold N*), fewer than the {pixels:,} weights because those images leave "
        f"some pixels blank in every one: they use only {_span(lit)} pixels."
    )
    if whole is not None:
        images, rank, lit_all = whole
        text += (
            f" Past the threshold the independent images still grow, slowly: the {images:,} training images hold only "
            f"{rank:,} independent ones, on {lit_all:,} pixels."
        )
    return text


def _span(values: list[int]) -> str:
    return f"{min(values):,}" if min(values) == max(values) else f"{min(values):,} to {max(values):,}"


def _subsets(count: int) -> str:
    return "subset 0" if count == 1 else f"subsets 0-{count - 1}" if count > 2 else "subsets 0 and 1"


def limit_text(limit: pd.DataFrame, th: pd.DataFrame, sizes: pd.DataFrame) -> str:
    """Where SGD from W = 0 would end as t grows (the exact least-squares fit with the smallest
    weights), its dip in test accuracy at the threshold, and why the runs do not show it: after
    their iterations they sit on gradient descent's path, far from that fit.

    ``limit``: ``limit.limit_summary`` (per size: limit_test_acc, limit_norm_median,
    gd_budget_test_acc, slowest_steps_min, lr, budget_iterations); ``th``: ``limit.thresholds``;
    ``sizes``: the runs per size (dataset_size, test_acc: SGD at the end of its iterations, mean
    over subsets). The accuracy is read by its mean over subsets, the size of the weights by its
    median (it spreads over decades between subsets).
    """
    lim = limit.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in lim["dataset_size"]]
    acc = [shown(100 * v) for v in lim["limit_test_acc"]]
    norm = lim["limit_norm_median"].tolist()
    worst, near = _lowest_and_nearest(lim, th)
    jump = max(range(1, len(ns)), key=lambda i: norm[i] / norm[i - 1]) if len(ns) > 1 else 0
    text = (
        "**Where SGD would end.** Started from W = 0, SGD only ever adds combinations of the subset's images to W, "
        "so as t grows it heads for the least-squares fit with the smallest weights, the limit (black), and at a "
        "constant rate stays near it within its noise. That fit's test "
        f"accuracy is lowest at N' = {ns[worst]:,}, {acc[worst]:.2f}%"
        + (", the grid size nearest the thresholds" if worst == near else "")
    )
    if worst == near and jump == near:
        text += (
            f": there an exact fit still exists, but only with very large weights (‖W‖, median over subsets, jumps "
            f"from {norm[jump - 1]:.3g} at N' = {ns[jump - 1]:,} to {norm[jump]:.3g}), which follow each image's "
            "details rather than the digit."
        )
    else:
        text += "."
    budget = int(lim["budget_iterations"].iloc[0])
    gd = [shown(100 * v) for v in lim["gd_budget_test_acc"]]
    rises = trend(gd) == "rises"
    text += (
        f" Near the thresholds the runs stop far from it: after as many steps as the runs ({budget:,}), full-batch gradient descent, "
        f"SGD's average path, {_trend_words(gd, ns)}"
    )
    sgd = sizes.set_index("dataset_size")["test_acc"]
    run_sizes = [int(n) for n in sizes["dataset_size"] if int(n) in ns]
    off = {n: abs(shown(100 * sgd.loc[n]) - gd[ns.index(n)]) for n in run_sizes}
    if off:
        far = max(off, key=lambda n: off[n])
        text += f", and SGD's means lie within {off[far]:.2f} points of it (the most at N' = {far:,})"
    slow = float(lim["slowest_steps_min"].iloc[worst])  # the least any subset needs at the dip
    if slow > budget:
        return text + (
            f". At N' = {ns[worst]:,}, closing two thirds of the way to the exact fit along the direction the images "
            f"span most weakly would take {slow:.1e} iterations or more, against {budget:,}"
            + (": the runs show no dip only because they stop." if rises else ".")
        )
    return text + f". At N' = {ns[worst]:,} the runs come near the exact fit within their {budget:,} iterations."


def overfit_brief(sizes: pd.DataFrame) -> str:
    """For the answer, in plain words: the sizes whose runs classify every training image correctly
    after their iterations (their test accuracy is the table's), and the train–test gap at the
    largest size (or from the smallest size to the largest when no size fits every image); '' with
    fewer than two sizes. The gaps as the tables round them (``spread_mean``). ``sizes``:
    ``tables.size_summary`` (dataset_size, train_acc, test_acc, gap_sd)."""
    s = sizes.sort_values("dataset_size").reset_index(drop=True)
    if len(s) < 2:
        return ""
    gap = [
        spread_mean(100 * (a - b), 100 * sd)
        for a, b, sd in zip(s["train_acc"], s["test_acc"], s["gap_sd"], strict=True)
    ]
    ends = [f"{int(n):,}" for n in s["dataset_size"].iloc[[0, -1]]]
    fitted = s[s["train_acc"] >= 1.0]
    if fitted.empty:
        return (
            f"**Over-fitting.** With more images the train–test gap closes, from {gap[0]} points at N' = {ends[0]} "
            f"to {gap[-1]} at N' = {ends[1]}."
        )
    return (
        f"**Over-fitting.** On {joined([f'{int(n):,}' for n in fitted['dataset_size']])} images the runs end "
        f"classifying every training image correctly; with more images the train–test gap closes, to {gap[-1]} "
        f"points at N' = {ends[1]}."
    )


def dip_brief(limit: pd.DataFrame, th: pd.DataFrame) -> str:
    """For the answer, one sentence: where the exact fit's test accuracy is lowest, when that is the
    grid size nearest the subsets' thresholds, and why (double descent); '' otherwise.
    ``limit``: ``limit.limit_summary``; ``th``: ``limit.thresholds``."""
    lim = limit.sort_values("dataset_size").reset_index(drop=True)
    worst, near = _lowest_and_nearest(lim, th)
    if worst != near:
        return ""
    lo, hi = int(th["threshold"].min()), int(th["threshold"].max())
    return (
        f"The limit's test accuracy dips to {100 * lim['limit_test_acc'][worst]:.1f}% at "
        f"N' = {int(lim['dataset_size'][worst]):,}, near the most images a subset can fit exactly ({_span([lo, hi])}), "
        "where that fit needs very large weights (double descent)."
    )


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
