"""The sentences every task's commentary shares: the learning rate and where it comes from,
a trend along a grid, a hand-made figure set against this build's, and the warning of a
quick look on part of the training set. Each task's own
commentary is in ``commentary_<task>.py``; every number in the text is computed from the
table it is given, so the prose cannot contradict the plots."""

from __future__ import annotations

from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.show.present import plural


def learning_rate_text(lr: float, source: str) -> str:
    """The learning rate a section's runs use and where it comes from (``source``, as
    ``experiments.task3_lr`` words it)."""
    return f"Learning rate η = {lr:g}: {source}."


def trend(values: list[float]) -> str:
    """'falls', 'rises' or 'is not monotone' for a sequence ordered by batch size."""
    pairs = list(zip(values, values[1:]))
    if all(b < a for a, b in pairs):
        return "falls"
    if all(b > a for a, b in pairs):
        return "rises"
    return "is not monotone"


def agrees_with_hand(diff_points: float, sd_points: float) -> bool:
    """A hand figure (one run, rounded to 0.1 point) agrees with the same setting re-run here when
    they differ by at most two s.d. of a single run over seeds plus that rounding."""
    return abs(diff_points) <= 2 * sd_points + 0.05


def hand_setting_text(theirs: float, ours: float, sd: float, seeds: int) -> str:
    """A hand-made test accuracy against the same setting re-run here (fractions; ``sd`` over
    ``seeds``): the two figures, their difference and whether seed noise covers it."""
    diff = 100 * (ours - theirs)
    verdict = (
        "agrees: the difference is within two s.d. of a single run plus the hand figure's rounding"
        if agrees_with_hand(diff, 100 * sd)
        else "differs by more than a single run's seed noise; the hand-made report does not state its seed, "
        "sampling or data scaling, so the cause cannot be pinned down from here"
    )
    return (
        f"{100 * theirs:.1f}% test accuracy; that setting re-run here gives {100 * ours:.2f}% ± {100 * sd:.2f} "
        f"({plural(seeds, 'seed')}), {diff:+.2f} points: it {verdict}"
    )


def quick_look_text(train_images: int) -> str | None:
    """The warning that a section trained on its first ``train_images`` training images only, so
    that its accuracies are not comparable with the hand-made reference figures; None when it
    trained on the whole training set (``TRAIN_IMAGES``)."""
    if train_images >= TRAIN_IMAGES:
        return None
    return (
        f"**Quick look:** trained on the first {train_images:,} training images only; the accuracies below "
        f"are not comparable with the reference figures."
    )
