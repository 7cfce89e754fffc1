"""Task 8's models as the comparison reads them: after the last epoch, as the hand-made figures
are, each difference judged with the seeds' s.d. combined with one run's fluctuation from epoch
to epoch (``final_stats``, by ``late_noise``, which Task 7 uses alike), and a mean over each
seed's last epochs only as a check of that reading (``late_means``); and named in plain words
(``plain_names``: the MLP 128 at the first setting's learning rate says what it is, where the
result tables call it a "first run")."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import FIRST, FIRST_01, FIRST_LR
from mnist_sgd.tasks.architectures.tables import fit_table
from mnist_sgd.tasks.architectures.wording import mean_at, row_of, the_names

LAST = 5  # the check reads a seed as its mean over this many last evaluated epochs
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


def late_noise(sd: float, fluctuation: float, last: int = LAST) -> float:
    """The noise (points) of a value read as the seeds' mean over their last ``last`` epochs (1:
    after the last epoch alone): the seeds' s.d. ``sd`` combined with what one run's fluctuation
    from epoch to epoch (``fluctuation``, points) leaves in a mean of ``last`` epochs,
    √(sd² + fluctuation² / last): a few seeds can miss the swing, so it is counted whatever they
    show. ``sd`` alone when the fluctuation is not measured."""
    if not math.isfinite(fluctuation):
        return sd
    return math.hypot(sd, fluctuation / math.sqrt(last))


def final_stats(stats: pd.DataFrame) -> pd.DataFrame:
    """``stats`` (``tables.model_stats``: each model after its last epoch) with the noise every
    verdict on them uses, in points: ``noise``, of the test accuracy, and ``gap_noise``, of the
    train-test gap (which holds the test accuracy, and so its swing), each the seeds' s.d.
    combined with one run's fluctuation (``late_noise`` of one epoch). A one-seed model keeps its
    noise, its fluctuation (its ``gap_noise`` NaN: ``comparison.gap_noise_of`` then takes it)."""
    seeds = stats["noise_source"] == "seeds"
    noise = [late_noise(100 * sd, f, 1) for sd, f in zip(stats["final_test_acc_sd"], stats["fluctuation"], strict=True)]
    gap = [late_noise(100 * sd, f, 1) for sd, f in zip(stats["gap_sd"], stats["fluctuation"], strict=True)]
    return stats.assign(
        noise=pd.Series(noise, index=stats.index).where(seeds, stats["noise"]),
        gap_noise=pd.Series(gap, index=stats.index).where(seeds, math.nan),
    )


def reading_at(curves: pd.DataFrame, stats: pd.DataFrame, model: str, epoch: int) -> tuple[float, float] | None:
    """A model's mean test accuracy after ``epoch`` (points) and the noise a verdict on it uses: the
    seeds' s.d. at that epoch combined with one run's fluctuation (``late_noise`` of one epoch), as
    ``final_stats`` reads the last epoch; the model's noise with one seed; None when not evaluated."""
    at, row = mean_at(curves, stats, model, epoch), row_of(stats, model)
    c = curves[(curves["model"] == model) & (curves["epoch"] == epoch)]
    if at is None or row is None or not math.isfinite(c["sd"].iloc[0]):
        return at
    return at[0], late_noise(at[1], row["fluctuation"], 1)


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


def late_means(history: pd.DataFrame, last: int = LAST) -> pd.DataFrame:
    """The check's reading, per model: ``seed_means``' test accuracy averaged over the seeds
    (``late_test_acc``, fractions) and how many seeds it holds."""
    means = seed_means(history, last).groupby("model", sort=False)["test_acc"].agg(["mean", "count"])
    return means.rename(columns={"mean": "late_test_acc", "count": "seeds"}).reset_index()


def late_check_text(stats: pd.DataFrame, late: pd.DataFrame, last: int = LAST) -> str | None:
    """The one-line check of the final reading: for the models trained longest (the shorter runs
    were still rising, so a mean of their last epochs lags their end), how far the mean over each
    seed's last ``last`` epochs is from the test accuracy after the last epoch, at most; None
    without such a model."""
    longest = stats[stats["epochs"] == stats["epochs"].max()].merge(late, on="model", suffixes=("", "_late"))
    longest = longest[longest["epochs"] > last]
    if longest.empty:
        return None
    moved = 100 * (longest["late_test_acc"] - longest["final_test_acc"])
    return (
        f"**Check.** Averaged over each seed's last {last} epochs instead, the test accuracy of "
        f"{the_names(longest['name'])} moves by {moved.abs().max():.2f} points at most."
    )


def final_fit_table(stats: pd.DataFrame) -> pd.DataFrame:
    """``tables.fit_table`` of ``final_stats``: the training accuracy and the gap after the last
    epoch, the gap ± the noise its verdicts use (``gap_noise``, where measured)."""
    noise = stats["gap_noise"] / 100  # fit_table takes fractions
    return fit_table(stats.assign(gap_sd=noise.where(noise.map(math.isfinite), stats["gap_sd"]))).rename(
        columns={"final train (%)": "train (%)"}
    )


def final_fit_caption() -> str:
    """The caption of ``final_fit_table``."""
    return (
        "After the last epoch, mean over the seeds: the training accuracy (whole training set) ± the seeds' s.d.; how "
        "far the test accuracy is below it, ± the seeds' s.d. combined with one run's fluctuation, as in the text; "
        "the norm ‖θ‖ of all the parameters (and at initialisation); weight decay's term λ‖θ‖²/2 divided by the last "
        "epoch's training loss (the mean of its minibatch losses)."
    )
