"""Task 5's exact limit: where SGD from W = 0 heads as t grows, on a dense grid of sizes N'.

SGD from W = 0 on the quadratic loss converges to the minimum-norm least-squares fit
``X'^+ Y'`` of its subset, and its expected iterate at step t is gradient descent's at the
same step. Both come exactly from one SVD of the subset (``linear.LeastSquaresSVD``: a
subset of 1,500 images takes ~0.1 s), so this grid is much denser than the runs' grid.
"""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science import linear
from mnist_sgd.science.data import MNIST, one_hot
from mnist_sgd.show.present import progress
from mnist_sgd.tasks.dataset_size.subsets import subset_order, subset_rows

# From 100 to 10,000 images, denser between 300 and 1,500, where the images stop being
# linearly independent (the rank of X' falls below N' between 550 and 600 images on MNIST).
EXACT_SIZES = (100, 200, 300, 400, 500, 550, 600, 650, 700, 750, 800, 900, 1000, 1250, 1500, 2000, 5000, 10000)


def exact_fits(mnist: MNIST, sizes: list[int], subsets: int, lr: float, budgets: dict[str, int]) -> pd.DataFrame:
    """One row per (size, subset k) of the subsets ``subset_rows`` draws (the runs' subsets where
    the sizes meet): the rank of X', the pixels its images light, its smallest non-zero
    singular value and the steps of ``lr`` that direction needs (``slowest_steps``), the
    minimum-norm fit's test accuracy, training loss and norm (``limit_*``), and, for each
    ``budgets`` name -> t, gradient descent's test accuracy and norm after t steps of ``lr``
    (``gd_<name>_test_acc``, ``gd_<name>_norm``)."""
    n_train = mnist.x_train.shape[0]
    x_test = mnist.x_test.double()  # once: every accuracy below is of float64 weights
    rows = []
    for n in progress(sizes, desc="exact fits"):
        for k in range(subsets):
            chosen = subset_rows(n_train, n, k)
            x, y = mnist.x_train[chosen].double(), one_hot(mnist.y_train[chosen]).double()
            fit = linear.LeastSquaresSVD.from_data(x, y)
            W = fit.minimum_norm()
            row = {
                "dataset_size": n,
                "subset": k,
                "rank": fit.rank,
                "lit_pixels": int(fit.columns.sum()),
                "smallest_singular": fit.s[-1].item(),
                "slowest_steps": fit.slowest_steps(lr),
                "limit_test_acc": linear.accuracy(W, x_test, mnist.y_test),
                "limit_train_loss": linear.loss(W, x, y),
                "limit_norm": float(W.norm()),
            }
            for name, t in budgets.items():
                W_t = fit.gradient_descent(lr, t)
                row[f"gd_{name}_test_acc"] = linear.accuracy(W_t, x_test, mnist.y_test)
                row[f"gd_{name}_norm"] = float(W_t.norm())
            rows.append(row)
    return pd.DataFrame(rows).assign(lr=lr, **{f"{name}_iterations": t for name, t in budgets.items()})


def thresholds(mnist: MNIST, subsets: int) -> pd.DataFrame:
    """The interpolation threshold of each subset k: the largest N* such that its first N*
    images (``subset_order``, so the subset of N* images) are linearly independent, rank X' = N'
    (``linear.independent_rows``); and the pixels those N* images light. Below N* every
    subset of k is fitted exactly; from N* + 1 on none is."""
    n_train, pixels = mnist.x_train.shape
    rows = []
    for k in range(subsets):
        x = mnist.x_train[subset_order(n_train, k)[: pixels + 1]]
        n_star = linear.independent_rows(x)
        rows.append({"subset": k, "threshold": n_star, "lit_pixels": int((x[:n_star] != 0).any(dim=0).sum())})
    return pd.DataFrame(rows)


def limit_summary(fits: pd.DataFrame) -> pd.DataFrame:
    """One row per size of ``exact_fits``: the rank (min, max), and every accuracy and norm
    (mean, median, min and max over the subsets: ``<column>``, ``<column>_median``,
    ``<column>_min``, ``<column>_max``). Norms are compared by their median: past the
    threshold they spread over decades between subsets, and one subset can make the mean."""
    measures = [
        c for c in fits.columns if c.endswith(("_test_acc", "_norm")) or c in ("smallest_singular", "slowest_steps")
    ]
    grouped = fits.groupby("dataset_size")
    table = grouped[measures].mean()
    for name, stat in (("median", grouped[measures].median()), ("min", grouped[measures].min())):
        table = table.join(stat.add_suffix(f"_{name}"))
    table = table.join(grouped[measures].max().add_suffix("_max"))
    table["subsets"] = grouped["subset"].count()
    table["rank_min"], table["rank_max"] = grouped["rank"].min(), grouped["rank"].max()
    for column in [c for c in fits.columns if c == "lr" or c.endswith("_iterations")]:
        table[column] = grouped[column].first()
    return table.reset_index().sort_values("dataset_size", ignore_index=True)


def grid(run_sizes: list[int]) -> list[int]:
    """The sizes of the exact grid: ``EXACT_SIZES`` and every size the runs used within its
    range, so the limit is known wherever a run's figures are compared with it."""
    return sorted(set(EXACT_SIZES) | {int(n) for n in run_sizes if int(n) <= max(EXACT_SIZES)})


def whole_set(mnist: MNIST, sizes: pd.DataFrame) -> tuple[int, int, int] | None:
    """(images, rank of X, lit pixels) of the whole training set, the rank read from the runs
    per size (``sizes``: dataset_size, rank_max) when they include it; None otherwise."""
    n_train = mnist.x_train.shape[0]
    row = sizes[sizes["dataset_size"] == n_train]
    if row.empty:
        return None
    return n_train, int(row["rank_max"].iloc[0]), int((mnist.x_train != 0).any(dim=0).sum())
