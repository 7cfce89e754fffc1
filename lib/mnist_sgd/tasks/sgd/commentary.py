"""Task 2's commentary: the gradient check, the demonstration run and the hand-made
setting, each sentence written from the numbers the section computed."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.commentary import hand_setting_text


def gradient_check_text(batch_size: int, difference: float) -> str:
    """The hand-written gradient against autograd's, on one batch."""
    return (
        f"On a random batch of {batch_size} samples and a random $W$ (float64), the hand-written gradient "
        f"$X_b^\\top(X_bW - Y_b)/B$ and autograd's gradient of the batch loss differ by at most "
        f"**{difference:.1e}** in any entry."
    )


def demonstration_text(
    iterations: int, seconds: float, train_loss: float, test_acc: float, loss_star: float, acc_star: float
) -> str:
    """Where the demonstration run ended, against the optimum W*."""
    return (
        f"After {iterations:,} iterations ({seconds:.2f} s of training) the training loss is {train_loss:.4f}, "
        f"{100 * (train_loss / loss_star - 1):.1f}% above $L^\\star$ = {loss_star:.4f}, and the test accuracy is "
        f"{100 * test_acc:.2f}% against {100 * acc_star:.2f}% for $W^\\star$."
    )


def hand_run_text(
    hand: dict[str, float], hand_test_acc: float, runs: pd.DataFrame, loss_star: float, lr: float, demo_test_acc: float
) -> str:
    """The hand-made setting re-run over seeds (``runs``: one row per seed, with final_test_acc
    and final_train_loss) against the hand-made figure ``hand_test_acc``, and against the
    demonstration run."""
    acc, sd = runs["final_test_acc"].mean(), runs["final_test_acc"].std(ddof=0)
    loss = runs["final_train_loss"].mean()
    return (
        f"By hand, at B = {hand['batch_size']}, η = {hand['lr']:g} and {hand['iterations']:,} iterations, the run "
        f"reached {hand_setting_text(hand_test_acc, acc, sd, len(runs))}. At that rate the run is far from "
        f"the optimum: its training loss is {loss:.4f}, {100 * (loss / loss_star - 1):.1f}% above L*; the "
        f"demonstration above, at η = {lr:g}, ends at {100 * demo_test_acc:.2f}%."
    )
