"""Task 8's commentary, written from its tables: each job's paragraph, the noise and the rule by
which two values are told apart, the hand-made figures, the dips and the best epochs (the
comparison of the models is in ``comparison``). A
number of the tables is not repeated here: the prose gives differences, ratios and verdicts."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science.architectures import ASKED_EPOCHS, Setup
from mnist_sgd.show import commentary
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.architectures.wording import and_list, cap, the_names


def quick_look_text(runs: pd.DataFrame) -> str | None:
    """``commentary.quick_look_text`` for the model that trained on the fewest images
    (``train_images`` of ``runs``): the warning that the accuracies are not comparable with
    the hand-made figures, or None when every model trained on the whole set."""
    return commentary.quick_look_text(int(runs["train_images"].min()))


def seeds_text(seeds: list[int]) -> str:
    """'seed 0', 'seeds 0, 1 and 2'."""
    return ("seed " if len(seeds) == 1 else "seeds ") + and_list([str(s) for s in seeds])


def model_text(setup: Setup, runs: pd.DataFrame, history: pd.DataFrame) -> str:
    """The paragraph under one model's job: the epochs it ran (against the assignment's, when
    fewer), its seeds, how often it was evaluated, the device and the time the evaluations took;
    then each seed that diverged. Its accuracies and training time are in the comparison, not
    here. ``runs``: the model's runs table (one row per seed); ``history``: its rows per epoch."""
    r = runs.iloc[0]
    epochs, asked, eval_every = int(r["epochs"]), ASKED_EPOCHS[setup.budget], int(r["eval_every"])
    evaluated = history.dropna(subset=["test_acc"])
    text = (
        f"Trained for {plural(epochs, 'epoch')}"
        + (f" of the {asked} the assignment asks for (fewer, to fit this build's budget)" if epochs < asked else "")
        + f", with {seeds_text(runs['seed'].astype(int).tolist())}"
        + (f", evaluated every {eval_every} epochs and after the last" if eval_every > 1 else "")
        + f"; device: {r['device']}."
    )
    if len(evaluated):
        text += f" An evaluation took {evaluated['eval_seconds'].mean():.2g} s (not counted in the training time)."
    for d in runs[runs["diverged"].astype(bool)].itertuples(index=False):
        text += f" Seed {int(d.seed)}: the loss became non-finite in epoch {int(d.diverged_at)} and the run stopped."
    return text


def best_text(stats: pd.DataFrame) -> str | None:
    """What stopping at the best epoch (of the mean over the seeds) would have gained over the last
    one, per model: nothing where the best is the last; within the tolerance (twice the
    fluctuation, divided by √seeds for a mean) or by how many points otherwise."""
    ok = stats[stats["best_test"].map(math.isfinite) & stats["final_test_acc"].map(math.isfinite)]
    if ok.empty:
        return None
    last, within, gains = [], [], []
    for r in ok.itertuples():
        gain = 100 * (r.best_test - r.final_test_acc)
        tol = 2 * r.fluctuation / math.sqrt(r.seeds - r.diverged_seeds) if math.isfinite(r.fluctuation) else 0.0
        if r.best_epoch == r.epochs:
            last.append(r.name)
        elif gain <= tol:
            within.append(r.name)
        else:
            gains.append(f"{gain:.2f} points for the {r.name}")
    parts = []
    if last:
        parts.append(
            f"{the_names(last)} {'is' if len(last) == 1 else 'are'} best at {'its' if len(last) == 1 else 'their'} last epoch"
        )
    if within:
        parts.append(
            f"the last epoch of {the_names(within)} is within twice the fluctuation of the best (for a mean over n seeds, "
            "the fluctuation divided by √n)"
        )
    if gains:
        parts.append("stopping at the best epoch instead of the last would have gained " + and_list(gains))
    return (
        "**Best epoch or last** (†). "
        + cap("; ".join(parts))
        + ". A best epoch is read on the test set, so what it gives is an upper bound on stopping early."
    )
