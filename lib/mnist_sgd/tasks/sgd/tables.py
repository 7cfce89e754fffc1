"""Task 2's tables: the exact optimum, as the body shows it, and the constants of the loss's
curvature that Tasks 3 and 4 use, as the per-run detail shows them."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science.linear import Reference


def optimum_table(ref: Reference, loss_at_zero: float) -> pd.DataFrame:
    """The exact optimum against the start W = 0, one quantity per row, each with the precision
    it is quoted at in the text."""
    rows = [
        ("training loss at the optimum, L*", f"{ref.train_loss_star:.5f}"),
        ("training accuracy at the optimum", f"{100 * ref.train_acc_star:.2f}%"),
        ("test accuracy at the optimum", f"{100 * ref.test_acc_star:.2f}%"),
        ("training loss at W = 0", f"{loss_at_zero:.5f}"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])


def curvature_table(ref: Reference) -> pd.DataFrame:
    """The constants of H = XᵀX/N that Tasks 3 and 4 use, one per row with what it is, each to
    three significant figures (m*, a batch size, to two: 8.7, as Task 4 quotes it)."""
    rows = [
        ("λ_max, largest eigenvalue of H", f"{ref.lambda_max:.3g}", "the curvature of the steepest direction"),
        ("2/λ_max", f"{ref.lr_stability:.3g}", "the full-batch stability limit of the learning rate (Task 3)"),
        ("trace of H", f"{ref.trace_H:.3g}", "the mean squared norm of an image, ‖x‖²"),
        ("rank of H", f"{ref.rank_H}", f"below {ref.W_star.shape[0]}: some pixels are zero in every image"),
        ("β = max ‖x‖²", f"{ref.beta:.3g}", "the largest squared norm of an image (Task 3's theory step size)"),
        ("m* = β/λ_max + 1", f"{ref.m_star:.2g}", "the critical batch size of that theory (Task 4)"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "what it is"])
