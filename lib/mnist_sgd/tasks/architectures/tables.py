"""Task 8's tables: the models' runs in the order of the task, their seeds aggregated (the test
accuracy per epoch, and one row of results per model), and the tables the summary shows (the
test accuracy at a few epochs, fit and weights, size and cost), laid out from the ``runs`` and
``history`` tables of its jobs."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable
from typing import Any

import numpy as np
import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import WEIGHT_DECAY
from mnist_sgd.show import provenance
from mnist_sgd.tasks.rounding import two_figures

EVERY = 10  # the detail's table shows every 10th epoch (and the first and each model's last); the body's, no more
BEST_MARK = "†"  # beside the cell of a model's best epoch
FLUCTUATION_EPOCHS = 10  # a run's noise is read about a line through (at most) this many last epochs
GROWTH_EPOCHS = 10  # the weight norm's growth is read over the last this many epochs


def in_task_order(table: pd.DataFrame) -> pd.DataFrame:
    """``table``'s rows with their models in the order of the task (``architectures.SETUPS``),
    whatever order their jobs ran in; rows of one model keep their order."""
    rank = {s.model: i for i, s in enumerate(architectures.SETUPS)}
    return table.sort_values("model", key=lambda c: c.map(rank), kind="stable").reset_index(drop=True)


def task_models(models: Iterable[str]) -> list[str]:
    """The models named in ``models``, once each, in the order of the task."""
    return [s.model for s in architectures.by_model(list(models))]


def seed_curves(history: pd.DataFrame, value: str = "test_acc") -> pd.DataFrame:
    """``value`` after each epoch over the seeds of each model: columns model, epoch, seeds (how
    many were evaluated at that epoch), mean, sd (sample s.d., NaN for one seed), min, max;
    epochs no seed was evaluated at are left out. Models in the order of the task."""
    evaluated = history.dropna(subset=[value])
    stats = (
        evaluated.groupby(["model", "epoch"])[value]
        .agg(seeds="count", mean="mean", sd=lambda v: v.std(ddof=1), min="min", max="max")
        .reset_index()
    )
    return in_task_order(stats.sort_values(["model", "epoch"]))


def best_epochs(curves: pd.DataFrame) -> dict[str, int]:
    """Each model's best epoch: where its mean over seeds (``seed_curves``) is highest, the first
    such epoch on a tie."""
    return {
        m: int(c.loc[c["mean"].idxmax(), "epoch"]) for m, c in curves.sort_values("epoch").groupby("model", sort=False)
    }


def epoch_rows(curves: pd.DataFrame, every: int | None = EVERY) -> list[int]:
    """The epochs a table of the test accuracy shows: the first, every ``every``-th (none when
    ``every`` is None) and each model's last, among the epochs some model was evaluated at: the same
    grid for every model."""
    evaluated = set(curves["epoch"].astype(int))
    last = curves.groupby("model")["epoch"].max().astype(int)
    grid = range(every, max(evaluated, default=0) + 1, every) if every else ()
    return sorted({1, *grid, *last} & evaluated)


def _mean_sd_cell(mean: float, sd: float, seeds: int, of: int) -> str:
    """'97.69 ± 0.05' (percent, two decimals); the mean alone for one seed; '(2 of 3 seeds)' after
    it when some of the model's seeds had stopped. No-break spaces keep the cell on one line."""
    text = f"{100 * mean:.2f}" + (f"\u00a0±\u00a0{100 * sd:.2f}" if seeds > 1 else "")
    return text + (f" ({seeds} of {of} seeds)" if seeds < of else "")


def accuracy_by_epoch_table(
    curves: pd.DataFrame,
    seeds: dict[str, int],
    every: int | None = EVERY,
    best_row: bool = True,
    skip: Collection[int] = (),
) -> pd.DataFrame:
    """A table of the test accuracy (%): one row per epoch of ``epoch_rows`` (``every``) but those of
    ``skip`` (the rows another table already shows), then, with ``best_row``, a row ``BEST_MARK`` with each model's best epoch (``best_epochs``: its value, and
    the epoch in brackets); one column per model (its short name) in the order of the task; mean ±
    s.d. over the seeds (``seeds``: each model's number of seeds), blank where a model was not
    evaluated."""
    rows = [e for e in epoch_rows(curves, every) if e not in skip]
    best = best_epochs(curves)
    table = pd.DataFrame({"epoch": [str(e) for e in rows] + ([f"best\u00a0{BEST_MARK}"] if best_row else [])})
    for s in architectures.by_model(curves["model"].tolist()):
        c = curves[curves["model"] == s.model].set_index("epoch")

        def cell(e: int, c: pd.DataFrame = c, of: int = seeds[s.model]) -> str:
            return _mean_sd_cell(c.at[e, "mean"], c.at[e, "sd"], int(c.at[e, "seeds"]), of)

        top = best[s.model]
        table[s.short] = ["" if e not in c.index else cell(e) for e in rows] + (
            [f"{cell(top)} ({top})"] if best_row else []
        )
    return table


def fluctuation(history: pd.DataFrame, last: int = FLUCTUATION_EPOCHS) -> pd.Series:
    """What one run's test accuracy moves by from epoch to epoch, in points, per model: the s.d.
    of its residuals about a least-squares line through its last ``last`` evaluated epochs
    within the second half of the run (so a still-rising start does not count), averaged over
    the model's seeds; NaN for a model none of whose runs has 3 such epochs."""
    spreads: dict[str, list[float]] = {}
    for (model, _), h in history.dropna(subset=["test_acc"]).groupby(["model", "seed"], sort=False):
        h = h.sort_values("epoch")
        tail = h[h["epoch"] > h["epoch"].max() / 2].tail(last)
        spreads.setdefault(model, [])
        if len(tail) >= 3:
            x, y = tail["epoch"].to_numpy(float), 100 * tail["test_acc"].to_numpy(float)
            residuals = y - np.polyval(np.polyfit(x, y, 1), x)
            spreads[model].append(float(np.sqrt((residuals**2).sum() / (len(tail) - 2))))
    return pd.Series({m: float(np.mean(v)) if v else math.nan for m, v in spreads.items()}, dtype=float)


def _growth(history: pd.DataFrame, epochs: int = GROWTH_EPOCHS) -> pd.Series:
    """The relative growth of the mean weight norm over each model's last ``epochs`` epochs;
    NaN for a run shorter than twice that."""
    out = {}
    for model, h in history.groupby("model", sort=False):
        norm = h.groupby("epoch")["weight_norm"].mean().sort_index()
        last = int(norm.index.max())
        out[model] = norm[last] / norm[last - epochs] - 1 if last >= 2 * epochs and last - epochs in norm else math.nan
    return pd.Series(out, dtype=float)


def model_stats(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per model, in the order of the task, over its seeds (means over the seeds that did
    not diverge; ``_sd``: their sample s.d.): model, name (``Setup.short``), seeds, diverged_seeds, epochs (completed by every
    seed), final_test_acc and final_train_acc (with their _sd), gap (train - test, fractions), best_epoch and best_test
    (``best_epochs``), fluctuation (points, ``fluctuation``), noise (points: the seeds' s.d. of
    the final test accuracy when two or more seeds finished, else the fluctuation) and its
    noise_source ("seeds" or "epochs"), the weight norms at start and end, norm_growth (over the
    last ``GROWTH_EPOCHS``), final_train_loss, decay_term (λ‖θ‖²/2 at the end) and its ratio
    to the loss, steps (SGD steps per seed), the model's size (parameters, shared_parameters,
    mult_adds, shared_mult_adds), seconds_per_epoch, and the pixel statistics it trained on."""
    curves = seed_curves(history)
    best = best_epochs(curves)
    noise_by_epochs = fluctuation(history)
    growth = _growth(history)
    rows = []
    for model in task_models(runs["model"]):
        r = runs[runs["model"] == model]
        done = r[~r["diverged"].astype(bool)]
        h = history[history["model"] == model]
        s = architectures.by_model([model])[0]
        gap = done["final_train_acc"] - done["final_test_acc"]
        decay = WEIGHT_DECAY / 2 * done["final_norm"] ** 2
        sd = 100 * done["final_test_acc"].std(ddof=1) if len(done) > 1 else math.nan
        c = curves[(curves["model"] == model) & (curves["epoch"] == best.get(model, -1))]
        epochs = int(h.groupby("seed")["epoch"].max().min()) if len(h) else 0
        rows.append(
            {
                "model": model,
                "name": s.short,
                "seeds": len(r),
                "diverged_seeds": len(r) - len(done),
                "epochs": epochs,
                "final_test_acc": done["final_test_acc"].mean(),
                "final_test_acc_sd": done["final_test_acc"].std(ddof=1),
                "final_train_acc": done["final_train_acc"].mean(),
                "final_train_acc_sd": done["final_train_acc"].std(ddof=1),
                "gap": gap.mean(),
                "gap_sd": gap.std(ddof=1),
                "best_epoch": best.get(model, math.nan),
                "best_test": c["mean"].iloc[0] if len(c) else math.nan,
                "fluctuation": noise_by_epochs.get(model, math.nan),
                "noise": sd if math.isfinite(sd) else noise_by_epochs.get(model, math.nan),
                "noise_source": "seeds" if math.isfinite(sd) else "epochs",
                "init_norm": r["init_norm"].mean(),
                "final_norm": done["final_norm"].mean(),
                "norm_growth": growth.get(model, math.nan),
                "final_train_loss": done["final_train_loss"].mean(),
                "decay_term": decay.mean(),
                "decay_to_loss": (decay / done["final_train_loss"]).mean(),
                "steps": epochs * architectures.steps_per_epoch(int(r["train_images"].iloc[0])),
                "lr": s.lr,
                "parameters": int(r["parameters"].iloc[0]),
                "shared_parameters": int(r["shared_parameters"].iloc[0]),
                "mult_adds": int(r["mult_adds"].iloc[0]),
                "shared_mult_adds": int(r["shared_mult_adds"].iloc[0]),
                "seconds_per_epoch": r["seconds_per_epoch"].mean(),
                "pixel_mean": r["pixel_mean"].iloc[0],
                "pixel_mean_square": r["pixel_mean_square"].iloc[0],
                "train_images": int(r["train_images"].iloc[0]),
            }
        )
    return pd.DataFrame(rows)


def _cells(means: pd.Series, sds: pd.Series, seeds: pd.Series, digits: int = 2, scale: float = 100) -> list[str]:
    """Means (× ``scale``) with ± their s.d. where there are several seeds, ``digits`` decimals."""
    return [
        ""
        if not math.isfinite(m)
        else f"{scale * m:.{digits}f}" + (f"\u00a0±\u00a0{scale * s:.{digits}f}" if n > 1 else "")
        for m, s, n in zip(means, sds, seeds, strict=True)
    ]


def fit_table(stats: pd.DataFrame) -> pd.DataFrame:
    """``model_stats`` as the fit-and-weights table: per model (short name), the final training
    accuracy (%) and train - test gap (points), mean ± s.d. over the seeds; the weight norm at the
    start and at the end; weight decay's term λ‖θ‖²/2 at the end over the last epoch's training loss."""
    done = stats["seeds"] - stats["diverged_seeds"]
    return pd.DataFrame(
        {
            "model": stats["name"],
            "final train (%)": _cells(stats["final_train_acc"], stats["final_train_acc_sd"], done),
            "train − test (points)": _cells(stats["gap"], stats["gap_sd"], done),
            "‖θ‖ at start": stats["init_norm"].map(lambda v: f"{v:.1f}"),
            "‖θ‖ at end": stats["final_norm"].map(lambda v: "" if not math.isfinite(v) else f"{v:.1f}"),
            # two significant figures each, a trailing zero kept ('0.020', '7.0'): one precision down the column
            "decay term ÷ loss": stats["decay_to_loss"].map(lambda v: "" if not math.isfinite(v) else two_figures(v)),
        }
    )


def seeds_table(runs: pd.DataFrame, name: Callable[[str], str]) -> pd.DataFrame:
    """Each run after its last epoch: one row per model (named by ``name``), in the order of the
    task, its epochs, then one column per seed, 'test / train' accuracy (%, the training accuracy
    on the whole set), or the epoch in which a run diverged; blank where a model ran fewer seeds."""
    rows = []
    for model in task_models(runs["model"]):
        r = runs[runs["model"] == model].sort_values("seed")
        row = {"model": name(model), "epochs": str(int(r["epochs"].max()))}
        for run in r.itertuples():
            row[f"seed {int(run.seed)}"] = (
                f"diverged in epoch {int(run.diverged_at)}"
                if run.diverged
                else f"{100 * run.final_test_acc:.2f} / {100 * run.final_train_acc:.2f}"
            )
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


SEEDS_CAPTION = (
    "Each run after its last epoch: test / training accuracy (%) per seed, the training accuracy on the whole "
    "training set."
)


def cost_table(stats: pd.DataFrame) -> pd.DataFrame:
    """One row per architecture of ``stats`` (the MLP 128's three models are one): parameters,
    those in convolutions, multiply-adds per image, training seconds per epoch (mean over every
    seed of the architecture's models, to two significant figures)."""
    arch = stats["model"].map({s.model: s.arch for s in architectures.SETUPS})
    name = {s.arch: s.short for s in architectures.SETUPS if not s.first_run}
    grouped = stats.assign(arch=arch).groupby("arch", sort=False)
    rows = []
    for a, g in grouped:
        seconds = (g["seconds_per_epoch"] * g["seeds"]).sum() / g["seeds"].sum()
        rows.append(
            {
                "architecture": name.get(a, a),
                "parameters": f"{int(g['parameters'].iloc[0]):,}",
                "in convolutions": f"{int(g['shared_parameters'].iloc[0]):,}",
                "multiply-adds per image": f"{int(g['mult_adds'].iloc[0]):,}",
                "s per epoch": f"{seconds:.2g}",  # measured beside other jobs: two figures are what it tells
            }
        )
    return pd.DataFrame(rows)


def norm_curves(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """The weight norm of each run (model, seed) at the start (epoch 0, from ``runs``) and after
    each completed epoch (from ``history``): columns model, seed, epoch, weight_norm."""
    start = runs[["model", "seed"]].assign(epoch=0, weight_norm=runs["init_norm"])
    return in_task_order(pd.concat([start, history[["model", "seed", "epoch", "weight_norm"]]], ignore_index=True))


def seeds_phrase(stats: pd.DataFrame) -> str:
    """'3 seeds: first run, MLP 128; 1 seed: MLP 500-300, CNN'."""
    groups = [(int(n), g["name"].tolist()) for n, g in stats.groupby("seeds", sort=False)]
    return "; ".join(f"{n} seed{'s' if n > 1 else ''}: {', '.join(names)}" for n, names in groups)


def cost_caption(cond: dict[str, Any] | pd.Series) -> str:
    """The caption of ``cost_table``: what was counted and measured, under the conditions ``cond``."""
    return (
        "Size and cost per architecture (the MLP 128's three models are one): parameters, those in the convolutions "
        "(each applied at every position of the image), multiply-adds of the convolutions and dense layers for one "
        "image, and the training time per epoch (measured, evaluation excluded; "
        f"{provenance.conditions_text(cond)}; mean over the seeds)."
    )
