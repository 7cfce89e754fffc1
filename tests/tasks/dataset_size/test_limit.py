"""Task 5's exact limit follows the subsets it is computed on: the minimum-norm fit, gradient
descent at a budget, and the interpolation threshold of each subset."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from mnist_sgd.science import linear
from mnist_sgd.science.data import MNIST, one_hot
from mnist_sgd.tasks.dataset_size import limit
from mnist_sgd.tasks.dataset_size.subsets import subset_order, subset_rows


def dark_mnist() -> MNIST:
    """40 training images of 30 pixels of which 6 are never lit: 24 independent directions."""
    g = torch.Generator().manual_seed(1)
    x = torch.rand(40, 30, generator=g)
    x[:, 24:] = 0.0
    labels, x_test = torch.randint(10, (40,), generator=g), torch.rand(20, 30, generator=g)
    return MNIST(x, labels, x_test, torch.randint(10, (20,), generator=g))


def test_subsets_of_one_seed_are_nested_prefixes_of_its_order():
    order = subset_order(50, 2)
    assert sorted(order.tolist()) == list(range(50))
    assert set(subset_rows(50, 10, 2).tolist()) == set(order[:10].tolist()) < set(subset_rows(50, 20, 2).tolist())


def test_the_exact_fits_are_the_pseudo_inverse_and_gradient_descent_on_each_subset():
    mnist = dark_mnist()
    fits = limit.exact_fits(mnist, [10, 40], 2, 0.05, {"budget": 30, "short": 3})
    assert list(zip(fits["dataset_size"], fits["subset"])) == [(10, 0), (10, 1), (40, 0), (40, 1)]
    assert list(fits["rank"]) == [10, 10, 24, 24] and list(fits["lit_pixels"]) == [24] * 4
    assert (
        (fits["budget_iterations"] == 30).all() and (fits["short_iterations"] == 3).all() and (fits["lr"] == 0.05).all()
    )
    rows = subset_rows(40, 10, 1)
    x, y = mnist.x_train[rows].double(), one_hot(mnist.y_train[rows]).double()
    W = torch.linalg.pinv(x) @ y
    row = fits.iloc[1]
    assert row["limit_norm"] == pytest.approx(float(W.norm()), rel=1e-10)
    assert row["limit_test_acc"] == linear.accuracy(W, mnist.x_test.double(), mnist.y_test)
    assert row["limit_train_loss"] < 1e-25  # 10 independent images: an exact fit
    W_gd = torch.zeros(30, 10, dtype=torch.float64)
    for _ in range(3):
        W_gd = W_gd - 0.05 * linear.gradient(W_gd, x, y)
    assert row["gd_short_norm"] == pytest.approx(float(W_gd.norm()), rel=1e-10)
    assert row["gd_budget_norm"] < row["limit_norm"]
    assert (fits.loc[fits["dataset_size"] == 40, "limit_train_loss"] > 0.01).all()  # 40 images, rank 24: no exact fit


def test_the_threshold_is_where_the_images_stop_being_independent():
    th = limit.thresholds(dark_mnist(), 3)
    assert list(th["subset"]) == [0, 1, 2]
    assert list(th["threshold"]) == [24, 24, 24] and list(th["lit_pixels"]) == [24, 24, 24]
    g = torch.Generator().manual_seed(2)
    x = torch.randint(128, (40, 30), generator=g) / 256  # sums of two pixels stay exact in float32
    order = subset_order(40, 0)
    x[order[7]] = x[order[3]] + x[order[5]]  # subset 0's eighth image is a sum of two before it
    th = limit.thresholds(MNIST(x, torch.zeros(40, dtype=torch.long), x[:5], torch.zeros(5, dtype=torch.long)), 2)
    assert th["threshold"].iloc[0] == 7 and th["threshold"].iloc[1] >= 7


def test_the_summary_of_the_limit():
    fits = limit.exact_fits(dark_mnist(), [10, 40], 2, 0.05, {"budget": 30})
    table = limit.limit_summary(fits)
    assert list(table["dataset_size"]) == [10, 40] and list(table["subsets"]) == [2, 2]
    small = fits[fits["dataset_size"] == 10]
    assert table.loc[0, "limit_norm"] == pytest.approx(small["limit_norm"].mean())
    assert table.loc[0, "limit_norm_median"] == pytest.approx(small["limit_norm"].median())
    assert table.loc[0, "limit_test_acc_min"] == small["limit_test_acc"].min()
    assert table.loc[0, "slowest_steps_min"] == small["slowest_steps"].min()
    assert (table.loc[1, "rank_min"], table.loc[1, "rank_max"]) == (24, 24) and table.loc[1, "budget_iterations"] == 30


def test_the_grid_holds_the_runs_sizes_and_the_whole_set_is_read_from_the_runs():
    assert limit.grid([100, 333, 60000]) == sorted({*limit.EXACT_SIZES, 333})
    mnist = dark_mnist()
    assert limit.whole_set(mnist, pd.DataFrame({"dataset_size": [10], "rank_max": [10]})) is None
    assert limit.whole_set(mnist, pd.DataFrame({"dataset_size": [10, 40], "rank_max": [10, 24]})) == (40, 24, 24)
