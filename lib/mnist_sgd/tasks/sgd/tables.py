"""Task 2's table: the closed-form reference quantities, as the section shows them."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science.linear import Reference


def reference_table(ref: Reference, loss_at_zero: float) -> pd.DataFrame:
    """The exact optimum and the spectrum of H, one quantity per row, each with the precision
    it is quoted at in the text."""
    rows = [
        ("training loss at the optimum, L*", f"{ref.train_loss_star:.5f}"),
        ("training accuracy at the optimum", f"{100 * ref.train_acc_star:.2f}%"),
        ("test accuracy at the optimum", f"{100 * ref.test_acc_star:.2f}%"),
        ("training loss at W = 0", f"{loss_at_zero:.5f}"),
        ("largest eigenvalue of H, λ_max", f"{ref.lambda_max:.3f}"),
        ("trace of H", f"{ref.trace_H:.3f}"),
        ("rank of H", f"{ref.rank_H}"),
        ("β = max ||x||²", f"{ref.beta:.1f}"),
        ("full-batch stability limit 2/λ_max", f"{ref.lr_stability:.5f}"),
        ("critical batch size m* = β/λ_max + 1", f"{ref.m_star:.2f}"),
        ("same with tr(H): tr(H)/λ_max + 1", f"{ref.m_star_trace:.2f}"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])
