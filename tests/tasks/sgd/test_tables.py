"""Task 2's tables quote each quantity of the optimum and of the curvature."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from made_up import reference

from mnist_sgd.tasks.sgd.tables import curvature_table, gradient_check, optimum_table, relative_max_difference


def test_the_gradient_check_is_relative_to_the_gradients_largest_entry():
    g = torch.Generator().manual_seed(0)
    x, labels = torch.rand(50, 784, generator=g), torch.randint(10, (50,), generator=g)
    check = gradient_check(x, torch.nn.functional.one_hot(labels, 10).float(), 8, 0)
    assert check["gradient_rel_diff"] < 1e-12  # the formula is autograd's gradient up to float64 rounding
    assert check["gradient_rel_diff"] == pytest.approx(check["gradient_max_abs_diff"] / check["gradient_max_abs"])
    # the runs' own float32 step: rounding, not zero (the check would not see a float64 path) and not more
    assert 0 < check["step_rel_diff"] < 1e-5
    assert check["gradient_max_abs"] > 0
    # and it would catch a formula off by a factor: the difference is then half the largest entry
    ref = torch.tensor([[2.0, -4.0], [1.0, 0.5]])
    assert relative_max_difference(ref / 2, ref) == 0.5 and relative_max_difference(ref, ref) == 0.0


def test_the_optimum_table_quotes_each_quantity():
    shown = optimum_table(reference(), 0.45)
    values = dict(zip(shown["quantity"], shown["value"]))
    assert values == {
        "training loss at the optimum, L*": "0.20000",
        "training accuracy at the optimum": "90.00%",
        "test accuracy at the optimum": "86.00%",
        "training loss at W = 0": "0.45000",
    }


def test_the_curvature_table_says_what_each_constant_is_with_a_few_figures():
    shown = curvature_table(replace(reference(), m_star=8.747737), lit_pixels=717)
    values = dict(zip(shown["quantity"], shown["value"]))
    assert values["rank of H"] == "700" and values["λ_max, largest eigenvalue of H"] == "5"
    assert values["β = max ‖x‖²"] == "100" and values["2/λ_max"] == "0.4"
    why = dict(zip(shown["quantity"], shown["what it is"]))["rank of H"]
    assert why == "below 784: 67 pixels are zero in every image, and the other 717 span 700 dimensions only"
    # when the lit pixels account for the whole rank, nothing more is said
    full = curvature_table(replace(reference(), m_star=8.747737), lit_pixels=700)
    assert (
        dict(zip(full["quantity"], full["what it is"]))["rank of H"] == "below 784: 84 pixels are zero in every image"
    )
    assert values["m* = β/λ_max + 1"] == "8.7"  # a batch size, to two figures as Task 4 quotes it
    assert list(shown.columns) == ["quantity", "value", "what it is"] and shown["what it is"].str.len().min() > 0
    assert not any("tr(H)/λ_max" in q for q in shown["quantity"])  # the trace variant serves no task
