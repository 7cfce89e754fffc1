"""Task 2's commentary: the gradient check, the demonstration run and the hand-made
setting, each sentence written from the numbers the section computed."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.commentary import agrees_with_hand


def gradient_check_text(batch_size: int, relative: float, step: float) -> str:
    """The hand-written gradient against automatic differentiation's, on one batch: their largest
    entry-wise difference ``relative`` to the gradient's largest entry (both in float64); and one
    step of the runs' own float32 code against the step that gradient gives, ``step`` relative to
    the step's largest entry."""
    return (
        f"**Check.** On a random batch of {batch_size} images and a random $W$, $g_t$ above differs from automatic "
        f"differentiation's gradient by at most {relative:.1e} of its largest entry (float64: the formula is right); "
        f"one float32 step of the linear runs' code, by at most {step:.1e} of the step's largest entry (rounding)."
    )


def demonstration_rate_text(lr: float, hand_lr: float, lr_stability: float, best_by_hand: float | None = None) -> str:
    """Why the demonstration runs at ``lr``: the rate the hand reports found best at its batch size
    (``best_by_hand``) when it is that one, else against the hand reports' rate ``hand_lr`` and
    the stability limit 2/λ_max (``lr_stability``), beyond which even full-batch descent
    diverges. The rate for each batch size is Task 3's to choose."""
    limit = "$2/\\lambda_{\\max}$"
    if best_by_hand is not None and lr == best_by_hand:
        why = (
            f"the rate the hand reports found best at this batch size, below {limit} = {lr_stability:.3g} "
            f"($\\lambda_{{\\max}}$ = {2 / lr_stability:.3g})"
        )
    elif hand_lr < lr < lr_stability:
        why = (
            f"between the hand reports' {hand_lr:g} and {lr_stability:.3g}, the rate beyond which even full-batch "
            f"descent diverges ({limit})"
        )
    else:
        why = f"while the hand reports used {hand_lr:g} and even full-batch descent diverges beyond {limit} = {lr_stability:.3g}"
    return f"The demonstration runs at η = {lr:g}, {why}; Task 3 chooses the rate for each batch size."


def demonstration_text(train_loss: float, test_acc: float, loss_star: float) -> str:
    """Where the demonstration run (one seed) ended, against the optimum W* (its loss
    ``loss_star``; its accuracies are the table's beside it): the test accuracy of one seed is
    not compared with W*'s, as one seed gives no spread to judge a difference of tenths by."""
    return (
        f"At the end of the run the training loss is {train_loss:.4f}, {100 * (train_loss / loss_star - 1):.1f}% "
        f"above $L^\\star$, and the test accuracy {100 * test_acc:.1f}% (one seed, so no spread is "
        "given)."
    )


def hand_run_text(hand: dict[str, float], hand_test_acc: float, runs: pd.DataFrame, loss_star: float) -> str:
    """The hand-made setting re-run over seeds (``runs``: one row per seed, with final_test_acc
    and final_train_loss) against the hand-made figure ``hand_test_acc``: whether they agree
    (``agrees_with_hand``; the rule is stated once, on the summary page), and how far that
    setting is from the optimum. The s.d. is over seeds, with n - 1 in the denominator."""
    acc, sd = 100 * runs["final_test_acc"].mean(), 100 * runs["final_test_acc"].std(ddof=1)
    loss = runs["final_train_loss"].mean()
    if agrees_with_hand(acc - 100 * hand_test_acc, sd):
        verdict = "which agrees with it, within the spread and the figure's rounding"
    else:
        verdict = (
            "which differs from it beyond the spread; the hand-made report states neither its seed nor its sampling"
        )
    return (
        f"By hand, at B = {hand['batch_size']}, η = {hand['lr']:g} and {hand['iterations']:,} iterations, the run "
        f"reached {100 * hand_test_acc:.1f}% test accuracy; the same setting re-run here over {len(runs)} seeds gives "
        f"{acc:.2f}% ± {sd:.2f}, {verdict}. At that rate the run has not got far: its training loss "
        f"is still {100 * (loss / loss_star - 1):.1f}% above $L^\\star$."
    )
