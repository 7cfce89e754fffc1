"""Task 2's commentary: the gradient check, the demonstration run and the hand-made
setting, each sentence written from the numbers the section computed."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.commentary import agrees_with_hand


def gradient_check_text(batch_size: int, difference: float) -> str:
    """The hand-written gradient against automatic differentiation's, on one batch."""
    return (
        f"**Check.** On a random batch of {batch_size} images and a random $W$, the gradient $g_t$ above and the one "
        f"automatic differentiation computes differ by at most {difference:.1e} in any entry."
    )


def demonstration_text(train_loss: float, test_acc: float, loss_star: float, acc_star: float) -> str:
    """Where the demonstration run ended, against the optimum W* (its loss ``loss_star`` and test
    accuracy ``acc_star``, which the table beside it shows and the text does not repeat)."""
    return (
        f"At the end of the run the training loss is {train_loss:.4f}, {100 * (train_loss / loss_star - 1):.1f}% "
        f"above $L^\\star$, and the test accuracy {100 * test_acc:.2f}%, {100 * (test_acc - acc_star):+.2f} points "
        f"from that of $W^\\star$."
    )


def hand_run_text(hand: dict[str, float], hand_test_acc: float, runs: pd.DataFrame, loss_star: float) -> str:
    """The hand-made setting re-run over seeds (``runs``: one row per seed, with final_test_acc
    and final_train_loss) against the hand-made figure ``hand_test_acc``: whether they agree
    (``agrees_with_hand``, the rule stated here for the whole report), and how far that setting
    is from the optimum."""
    acc, sd = 100 * runs["final_test_acc"].mean(), 100 * runs["final_test_acc"].std(ddof=0)
    loss = runs["final_train_loss"].mean()
    rule = "a single run's seed noise (two s.d.) plus the figure's rounding to 0.1 point"
    if agrees_with_hand(acc - 100 * hand_test_acc, sd):
        verdict = f"which agrees with it: {rule} covers the difference"
    else:
        verdict = (
            f"which differs from it by more than {rule}; the hand-made report states neither its seed nor its sampling"
        )
    return (
        f"By hand, at B = {hand['batch_size']}, η = {hand['lr']:g} and {hand['iterations']:,} iterations, the run "
        f"reached {100 * hand_test_acc:.1f}% test accuracy; the same setting re-run here gives {acc:.2f}% ± {sd:.2f} "
        f"(mean ± s.d. over {len(runs)} seeds), {verdict}. At that rate the run has not got far: its training loss "
        f"is still {100 * (loss / loss_star - 1):.1f}% above $L^\\star$."
    )
