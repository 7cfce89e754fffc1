"""Task 6's commentary: the idiomatic PyTorch loop against the hand-written SGD, and both
against the hand-made reports, written from the tables the section computes."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show.present import fixed, number


def shown(value: float, digits: int) -> float:
    """``value`` rounded as it is printed with ``digits`` decimals, so that a difference quoted
    in the text is the difference of the numbers shown."""
    return float(f"{value:.{digits}f}")


def _value(text: str) -> float:
    """A number back from its printed form ('1,234.5')."""
    return float(text.replace(",", ""))


def framework_comparison_text(
    by: pd.DataFrame,
    iterations: int,
    batch_size: int,
    train_images: int,
    seeds: int,
    loader_seconds: float,
    timing_note: str,
) -> str:
    """Accuracy and time of the two implementations, each sampling its own way.

    ``by``: one row per implementation, indexed "hand-written" and "PyTorch DataLoader",
    with train_loss (mean, _min, _max over seeds), test_acc, test_min, test_max (fractions),
    seconds and seconds_sd (training only). ``loader_seconds``: drawing the same batches
    from the DataLoader alone. ``timing_note``: how the times were measured.
    """
    hand_row, fw_row = by.loc["hand-written"], by.loc["PyTorch DataLoader"]
    # every difference and ratio below is taken between the values as the table and the text show them
    fw_test, hand_test = shown(100 * fw_row["test_acc"], 2), shown(100 * hand_row["test_acc"], 2)
    acc_diff = fw_test - hand_test
    spread = max(shown(100 * row["test_max"], 2) - shown(100 * row["test_min"], 2) for row in (hand_row, fw_row))
    loss_diff_pct = 100 * (shown(fw_row["train_loss"], 5) / shown(hand_row["train_loss"], 5) - 1)
    epochs = iterations * batch_size / train_images
    unseen = (1 - 1 / train_images) ** train_images  # share of images an epoch's worth of draws with replacement misses
    # every duration of the paragraph with the same decimals, the spreads with those of the means
    means = [fw_row["seconds"], hand_row["seconds"], loader_seconds]
    fw_s, hand_s, loader_text = fixed(means)
    speed = _value(fw_s) / _value(hand_s)
    per_step = shown(1e6 * fw_row["seconds"] / iterations, 0) - shown(1e6 * hand_row["seconds"] / iterations, 0)
    loader_share = _value(loader_text) / _value(fw_s)
    if seeds > 1:
        fw_sd, hand_sd = fixed([fw_row["seconds_sd"], hand_row["seconds_sd"]], like=means)
        fw_s, hand_s = f"{fw_s} ± {fw_sd}", f"{hand_s} ± {hand_sd}"
    text = (
        f"**Accuracy.** The idiomatic loop ends at {fw_test:.2f}% test accuracy against "
        f"{hand_test:.2f}% for the hand-written one, a difference of {acc_diff:+.2f} points; the "
        f"seed-to-seed range within either implementation is up to {spread:.2f} points, so the difference is "
        + ("within the seed noise. " if abs(acc_diff) <= spread else "larger than the seed noise. ")
        + f"Its final training loss is {loss_diff_pct:+.2f}% relative to the hand-written one's. Given the same batches the two "
        f"take the same steps (shown above), so what differs here is how batches are sampled: {iterations:,} iterations are "
        f"{number(epochs, 2)} epochs; without replacement every image is "
        f"used exactly once per epoch, while an epoch's worth of draws with replacement misses a share "
        f"(1 − 1/N)^N = {100 * unseen:.1f}% of the images and repeats others, which adds sampling noise to the gradient "
        + (
            "(here every run without replacement ends below every run with replacement in training loss)."
            if fw_row["train_loss_max"] < hand_row["train_loss_min"]
            else "(here, however, every run with replacement ends below every run without replacement in training loss)."
            if hand_row["train_loss_max"] < fw_row["train_loss_min"]
            else "(here the ranges of the final training loss over seeds overlap, so no effect of the sampling shows "
            "beyond the seed noise)."
        )
    )
    text += (
        f"\n\n**Time.** The idiomatic loop took {fw_s} s of training against {hand_s} s ("
        + (f"mean ± s.d. over {seeds} seeds" if seeds > 1 else "one seed")
        + f"), {speed:.1f} × as long ({per_step:.0f} µs more per step). Drawing the same {iterations:,} batches "
        f"from the DataLoader alone, with no training, takes {loader_text} s "
        f"({1e6 * loader_seconds / iterations:.0f} µs per batch): {100 * loader_share:.0f}% of the idiomatic "
        f"loop's time. With a TensorDataset the loader indexes the {batch_size} rows one by one in Python and stacks them; "
        f"the hand-written loop gathers a batch with one `index_select` into a reused buffer and updates W in place, "
        f"without autograd or an optimiser object.\n\n{timing_note}"
    )
    return text


def framework_hand_text(ours: float, low: float, high: float, epochs: float, refs: pd.DataFrame) -> str:
    """The framework version's test accuracy (mean, min, max over seeds, fractions, after
    ``epochs``) against each hand-made figure of ``refs`` (``references.table(6)``: key,
    value, setting), whose settings are not stated."""
    values = dict(zip(refs["key"], refs["value"]))
    if not values:
        return "The hand-made reports give no figure for the framework version."
    listed = "; ".join(f"{100 * v:.1f}% ({setting})" for v, setting in zip(refs["value"], refs["setting"]))
    apart = " and ".join(f"{100 * ours - 100 * v:+.2f} points from {100 * v:.1f}%" for v in refs["value"])
    return (
        f"**Compared with the hand-made reports.** By hand the framework version reached {listed}; their "
        f"learning rate, batch size and seed are not stated. Here, after "
        f"{number(epochs, 2)} epochs, the idiomatic loop reaches {100 * ours:.2f}% (from {100 * low:.2f}% to "
        f"{100 * high:.2f}% over seeds): {apart}. The hand-made figures come from different settings that are not "
        f"stated, so they do not bound a range, and what separates them cannot be attributed; the seeds here alone "
        f"span {shown(100 * high, 2) - shown(100 * low, 2):.2f} points."
    )


def lr_conversion_text(ratio: float, deviation: float, factor: float, lr: float, classes: int = 10) -> str:
    """The measured ratio of nn.MSELoss's gradient to the hand-written loss's, against 2/k,
    and the learning rate it converts to (``ratio_within``: the 1e-6 tolerance)."""
    predicted = 2 / classes
    within = "within" if ratio_within(ratio, classes) else "NOT within"
    return (
        f"The measured ratio of the gradients is {ratio:.12f}, {within} 1e-6 of 2/k = {predicted:g} (largest "
        f"entry-wise deviation {deviation:.1e} of the largest gradient entry), so the learning rate given to "
        f"`torch.optim.SGD` is **{factor:g} × η**: η = {lr:g} here becomes {lr * factor:g}."
    )


def ratio_within(ratio: float, classes: int = 10) -> bool:
    """Whether the measured gradient ratio is 2/k to within 1e-6."""
    return abs(ratio - 2 / classes) < 1e-6


def equivalence_text(converted: float, unconverted: float, steps: int, factor: float) -> str:
    """How far torch.optim.SGD's weights end from the hand-written ones, with the learning
    rate converted and not (relative differences of the weights, same batches)."""
    below = "below" if converted < 1e-5 else "NOT below"
    return (
        f"With the converted learning rate the final weights differ from the hand-written ones by **{converted:.1e}** "
        f"relative ({below} 1e-5: float32 rounding of differently ordered sums, accumulated over {steps:,} steps). "
        f"Passing η unconverted gives weights {unconverted:.2f} relative away ({unconverted / converted:.1e} times "
        f"farther): the optimiser then takes steps {factor:g} times too short."
    )
