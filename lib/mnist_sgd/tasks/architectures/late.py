"""Task 8's models as the comparison reads them: past the swings of the test accuracy from one
epoch to the next (``late_stats``: each seed's mean over its last epochs, then the mean over the
seeds, ± their s.d. combined with what the swing leaves in such a mean), and named in plain words (``plain_names``: the MLP 128 at the first setting's
learning rate says what it is, where the result tables call it a "first run")."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import FIRST, FIRST_01, FIRST_LR
from mnist_sgd.science.nets import TRAIN_ACC_IMAGES
from mnist_sgd.tasks.architectures.tables import fit_table

LAST = 5  # a seed is read as its mean over this many last evaluated epochs: one epoch's reading swings
PLAIN = {FIRST: f"MLP 128 at η = {FIRST_LR:g}", FIRST_01: f"MLP 128 at η = {FIRST_LR:g} on [0, 1]"}


def plain_name(model: str) -> str:
    """A model's name in the summary's tables, legend and prose: ``PLAIN`` for the first runs, else its short name."""
    return PLAIN.get(model, architectures.by_model([model])[0].short)


def plain_names(stats: pd.DataFrame) -> pd.DataFrame:
    """``stats`` with each model's ``name`` in plain words (``plain_name``)."""
    return stats.assign(name=stats["model"].map(plain_name))


def plain_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A table with one column per model's short name, its columns named by ``plain_name``."""
    return table.rename(columns={s.short: plain_name(s.model) for s in architectures.SETUPS})


def seed_means(history: pd.DataFrame, last: int = LAST) -> pd.DataFrame:
    """Per run (model, seed) that reached its model's last evaluated epoch: the mean test and
    training accuracy over its last ``last`` evaluated epochs and their difference (train − test),
    fractions. A run that stopped early (diverged) is left out, as in the final results."""
    evaluated = history.dropna(subset=["test_acc"])
    end = evaluated.groupby("model")["epoch"].transform("max")
    done = evaluated.groupby(["model", "seed"])["epoch"].transform("max") == end
    tail = evaluated[done].sort_values("epoch").groupby(["model", "seed"], sort=False).tail(last)
    means = tail.groupby(["model", "seed"], sort=False)[["test_acc", "train_acc"]].mean().reset_index()
    return means.assign(gap=means["train_acc"] - means["test_acc"])


def late_noise(sd: float, fluctuation: float, last: int = LAST) -> float:
    """The noise (points) of a model read as its seeds' means over their last ``last`` epochs: the
    seeds' s.d. ``sd`` of those means combined with what one run's fluctuation from epoch to epoch
    (``fluctuation``, points) leaves in a mean of ``last`` epochs, √(sd² + fluctuation² / last): a
    few seeds can miss the swing, so it is counted whatever they show. ``sd`` alone when the
    fluctuation is not measured."""
    if not math.isfinite(fluctuation):
        return sd
    return math.hypot(sd, fluctuation / math.sqrt(last))


def late_stats(stats: pd.DataFrame, history: pd.DataFrame, last: int = LAST) -> pd.DataFrame:
    """``stats`` with the final test and training accuracy, the gap and the noise read over the
    seeds of ``seed_means``: means, their s.d.s, and as the noise of the test accuracy and of the gap
    (``gap_noise``, points) ``late_noise``; the noise of a one-seed model stays its fluctuation
    (its ``gap_noise`` NaN: ``comparison.gap_noise_of`` then takes that noise)."""
    out = stats.copy()
    for model, m in seed_means(history, last).groupby("model", sort=False):
        i = out.index[out["model"] == model]
        sd = m["test_acc"].std(ddof=1)
        seeds = math.isfinite(sd)
        fluctuation = out.loc[i, "fluctuation"].iloc[0]
        values = {
            "final_test_acc": m["test_acc"].mean(),
            "final_test_acc_sd": sd,
            "final_train_acc": m["train_acc"].mean(),
            "final_train_acc_sd": m["train_acc"].std(ddof=1),
            "gap": m["gap"].mean(),
            "gap_sd": m["gap"].std(ddof=1),
            # the gap holds the test accuracy, and so its swing
            "gap_noise": late_noise(100 * m["gap"].std(ddof=1), fluctuation, last) if seeds else math.nan,
            "noise": late_noise(100 * sd, fluctuation, last) if seeds else fluctuation,
            "noise_source": "seeds" if seeds else "epochs",
        }
        for column, value in values.items():
            out.loc[i, column] = value
    return out


def late_fit_table(late: pd.DataFrame) -> pd.DataFrame:
    """``tables.fit_table`` of ``late_stats``: the training accuracy and the gap as the comparison reads them, the
    gap ± the noise its verdicts use (``gap_noise``, where measured)."""
    noise = late["gap_noise"] / 100  # fit_table takes fractions
    return fit_table(late.assign(gap_sd=noise.where(noise.map(math.isfinite), late["gap_sd"]))).rename(
        columns={"final train (%)": "train (%)"}
    )


def late_fit_caption(last: int = LAST) -> str:
    """The caption of ``late_fit_table``."""
    return (
        f"Each seed's mean over its last {last} epochs, then the mean over the seeds: the training accuracy (on a "
        f"fixed {TRAIN_ACC_IMAGES:,} training images, the whole set after the last epoch), ± the seeds' s.d., and how "
        "far the test accuracy is below it, ± the seeds' s.d. combined with what the test accuracy's fluctuation leaves in "
        f"a mean of {last} epochs, as in the text. At the end: the norm ‖θ‖ of all the parameters (and at "
        "initialisation); weight decay's term λ‖θ‖²/2 divided by the last epoch's training loss (the mean of its "
        "minibatch losses)."
    )
