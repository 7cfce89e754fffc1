"""Task 2's reference table quotes each quantity of the optimum."""

from __future__ import annotations

from made_up import reference

from mnist_sgd.tasks.sgd.tables import reference_table


def test_the_reference_table_quotes_each_quantity():
    shown = reference_table(reference(), 0.45)
    values = dict(zip(shown["quantity"], shown["value"]))
    assert values["training loss at the optimum, L*"] == "0.20000" and values["rank of H"] == "700"
    assert values["training loss at W = 0"] == "0.45000" and values["critical batch size m* = β/λ_max + 1"] == "21.00"
