"""Task 2's tables: the gradient check, the exact optimum, as the body shows it, and the
constants of the loss's curvature that Tasks 3 and 4 use, as the per-run detail shows them."""

from __future__ import annotations

import pandas as pd
import torch

from mnist_sgd.science import framework, linear, sgd
from mnist_sgd.science.linear import Reference


def relative_max_difference(g: torch.Tensor, g_ref: torch.Tensor) -> float:
    """max |g - g_ref| / max |g_ref|: the largest entry-wise difference, in units of the
    reference's largest entry, so that it reads as a share of the gradient's size whatever
    the scale of the weights it was taken at."""
    return ((g - g_ref).abs().max() / g_ref.abs().max()).item()


def gradient_check(x: torch.Tensor, y_onehot: torch.Tensor, batch_size: int, seed: int) -> dict[str, float]:
    """The hand-written batch gradient X_bᵀ(X_b W − Y_b)/B against automatic differentiation's
    gradient of the same loss, in float64, on ``batch_size`` rows drawn with replacement and a
    random W (entries of s.d. 0.01), both drawn with
    ``seed``: the largest entry-wise difference (``gradient_max_abs_diff``), the gradient's
    largest entry (``gradient_max_abs``) and their ratio (``gradient_rel_diff``)."""
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(x.shape[1], y_onehot.shape[1], generator=gen, dtype=torch.float64) * 0.01
    rows = torch.randint(0, len(x), (batch_size,), generator=gen)
    xb, yb = x[rows].double(), y_onehot[rows].double()
    by_autograd, _ = framework.loss_gradients(W, xb, yb)
    by_hand = linear.gradient(W, xb, yb)
    return {
        "gradient_max_abs_diff": (by_hand - by_autograd).abs().max().item(),
        "gradient_max_abs": by_autograd.abs().max().item(),
        "gradient_rel_diff": relative_max_difference(by_hand, by_autograd),
        "step_rel_diff": step_check(x, y_onehot, W, rows, by_autograd),
    }


def step_check(
    x: torch.Tensor, y_onehot: torch.Tensor, W: torch.Tensor, rows: torch.Tensor, by_autograd: torch.Tensor
) -> float:
    """One step of the code every run uses (``sgd.Stepper``: float32, in place, weights kept
    transposed) from ``W`` on the batch ``rows``, against the same step taken with automatic
    differentiation's float64 gradient ``by_autograd``: the largest entry-wise difference of
    the moves, in units of the move's largest entry. The formula is checked in float64 above;
    this checks the code path, whose float32 rounding it measures."""
    lr = 0.01  # any rate: the difference is relative to the move it makes
    stepper = sgd.Stepper(x, y_onehot, len(rows), lr)
    stepper.V.copy_(W.T)
    stepper.run(rows.unsqueeze(0))
    moved = stepper.W.double() - W.float().double()  # from the float32 weights it started at
    return relative_max_difference(moved, -lr * by_autograd)


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


def curvature_table(ref: Reference, lit_pixels: int) -> pd.DataFrame:
    """The constants of H = XᵀX/N that Tasks 3 and 4 use, one per row with what it is, each to
    three significant figures (m*, a batch size, to two: 8.7, as Task 4 quotes it). ``lit_pixels``:
    the pixels non-zero in some training image, which bound the rank."""
    pixels = ref.W_star.shape[0]
    rank_why = f"below {pixels}: {pixels - lit_pixels} pixels are zero in every image" + (
        f", and the other {lit_pixels} span {ref.rank_H} dimensions only" if ref.rank_H < lit_pixels else ""
    )
    rows = [
        ("λ_max, largest eigenvalue of H", f"{ref.lambda_max:.3g}", "the curvature of the steepest direction"),
        ("2/λ_max", f"{ref.lr_stability:.3g}", "the full-batch stability limit of the learning rate (Task 3)"),
        ("trace of H", f"{ref.trace_H:.3g}", "the mean squared norm of an image, ‖x‖²"),
        ("rank of H", f"{ref.rank_H}", rank_why),
        (
            "β = max ‖x‖²",
            f"{ref.beta:.3g}",
            "the largest squared norm of an image (with λ_max, it sets the step of Task 4's theory)",
        ),
        ("m* = β/λ_max + 1", f"{ref.m_star:.2g}", "the critical batch size of that theory (Task 4)"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "what it is"])
