"""Tasks 3 and 4's tables: the row each batch size's job writes, the summary across batch
sizes, and the tables the sections show, laid out from those rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science import criteria, linear
from mnist_sgd.show import provenance, references
from mnist_sgd.show.commentary import agrees_with_hand
from mnist_sgd.show.present import fixed_columns, plural
from mnist_sgd.tasks.batch_size.per_batch import mean_sd_rounded


def chosen_row(
    batch_size: int,
    lr: float,
    *,
    runs: pd.DataFrame,
    curves: pd.DataFrame,
    halved: pd.DataFrame,
    hand_runs: pd.DataFrame,
    ranking: pd.DataFrame,
    ref: linear.Reference,
    target_pct: float,
    cap: int,
    start: int,
    n_train: int,
) -> pd.DataFrame:
    """Task 3's one-row table for a batch size: the chosen rate and its first crossing of the
    target, where the runs ended, and the evidence for a noise floor (at η and η/2) and for the
    hand-made setting.

    ``runs``/``curves``: the seeds at the chosen rate ``lr`` (``curves`` with an ``excess``
    column over L*); ``halved``: the same at ``lr``/2; ``hand_runs``: the hand-made setting;
    ``ranking``: the sweep's ``criteria.target_ranking``; ``cap``: the length of every run, after
    the sweep doubled it from ``start`` as needed; ``n_train``: the training images (for the
    time of 50 epochs).

    ``itr`` is the first crossing: when the loss first comes within ``target_pct`` % of L*
    (``criteria.first_reaching``, mean and s.d. over seeds), the training time to it likewise
    (``seconds_to_target``); ``converged`` when every seed got there and the end of the run is
    still within it. The loss and its gap to L* are read at the end of the run (averaged over its
    last doubling, [cap/2, cap]), the accuracies at the last checkpoint.
    """
    L_star = ref.train_loss_star
    hits = criteria.first_reaching(curves, "excess", target_pct / 100 * L_star)
    # the gap at η/2 over the gap at η, seed by seed: both rates ran the same seeds
    half_ratio = pd.Series(
        {
            seed: criteria.end_excess(halved[halved["seed"] == seed], L_star) / criteria.end_excess(run, L_star)
            for seed, run in curves.groupby("seed")
        }
    )
    end_excess = criteria.end_excess(curves, L_star)
    converged = bool(hits["t"].notna().all()) and end_excess <= target_pct / 100 * L_star
    at_end = curves[curves["t"] == curves["t"].max()]

    def over_seeds(column: str) -> tuple[float, float]:
        return _over_seeds(hits[column], converged)

    (itr, itr_sd) = over_seeds("t")
    itr_seconds, itr_seconds_sd = _over_seeds(seconds_to_target(hits, curves), converged)
    row = {
        "batch_size": batch_size,
        "lr": lr,
        "target_pct": target_pct,
        "converged": converged,
        "itr": itr,
        "itr_sd": itr_sd,
        "cap": cap,
        "start": start,
        "seeds": len(runs),
        "itr_seconds_mean": itr_seconds,
        "itr_seconds_std": itr_seconds_sd,
        "train_seconds_mean": at_end["train_seconds"].mean(),
        "train_seconds_std": at_end["train_seconds"].std(ddof=0),
        "final_train_loss": L_star + end_excess,
        "excess": end_excess,
        "excess_pct": 100 * end_excess / L_star,
        "final_test_acc": at_end["test_acc"].mean(),
        "final_test_acc_std": at_end["test_acc"].std(ddof=0),
        "final_train_acc": at_end["train_acc"].mean(),
        # where the runs ended at η/2: a gap to L* that halves with η is SGD's noise, not unfinished descent
        "half_end_excess_pct": 100 * criteria.end_excess(halved, L_star) / L_star,
        "half_ratio": half_ratio.mean(),
        "half_ratio_sd": half_ratio.std(ddof=0),
        "hand_test_acc": hand_runs["final_test_acc"].mean(),
        "hand_test_acc_std": hand_runs["final_test_acc"].std(ddof=0),
        "hand_seeds": len(hand_runs),
        "seconds_50_epochs": runs["train_seconds"].mean() / cap * 50 * n_train / batch_size,
        "eta_star": linear.eta_star(batch_size, ref.beta, ref.lambda_max),
        "eta_max": linear.eta_max(batch_size, ref.beta, ref.lambda_max),
        "lr_stability": ref.lr_stability,
        "smallest_diverging": ranking.loc[ranking["diverged_seeds"] > 0, "lr"].min(),
        "train_loss_star": L_star,
        "test_acc_star": ref.test_acc_star,
        **provenance.run_conditions("cpu"),  # the linear runs use CPU tensors
    }
    return pd.DataFrame([row])


def sweep_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """The learning-rate sweep as shown: one row per rate, the rule's verdict in words."""
    return (
        fixed_columns(ranking, ["mean_loss", "sd_loss"], 4)
        .assign(
            lr=ranking["lr"].map(lambda v: f"{v:.3g}"),
            mean_test_acc=100 * ranking["mean_test_acc"],
            t_target=[
                mean_sd_rounded(m, s) if ok else ("reached, ended outside" if math.isfinite(m) else "not reached")
                for m, s, ok in zip(ranking["t_target"], ranking["t_target_sd"], ranking["reached"], strict=True)
            ],
            chosen=ranking["chosen"].map({True: "chosen", False: ""}),
        )[["lr", "diverged_seeds", "mean_loss", "sd_loss", "mean_test_acc", "t_target", "chosen"]]
        .rename(
            columns={
                "lr": "η",
                "diverged_seeds": "seeds diverged",
                "mean_loss": "mean final loss",
                "sd_loss": "s.d.",
                "mean_test_acc": "mean test acc. (%)",
                "t_target": "iterations to the target",
                "chosen": "rule",
            }
        )
    )


def batch_size_summary(chosen: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Task 4's table: Task 3's row of each batch size (``chosen``) with the iterations to
    within ``target_pct`` % of L*, counted in iterations, samples and seconds, and the gradient
    noise scale B_noise there (``curves`` with an ``excess`` column and, where measured,
    ``noise_scale``), and the hand-made figures of that batch size.

    The crossing is interpolated between checkpoints (``criteria.first_reaching``) for each seed,
    as Task 3's first crossing, and timed as it (``seconds_to_target``): ``t_target``,
    ``samples_target`` and ``seconds_target`` are means over the seeds with their s.d.; NaN unless every seed reached the
    target.
    """
    rows = []
    for _, row in chosen.sort_values("batch_size").iterrows():
        b = int(row["batch_size"])
        hand = references.batch_size(b)
        mine = curves[curves["batch_size"] == b]
        hits = criteria.first_reaching(mine, "excess", row["target_pct"] / 100 * row["train_loss_star"])
        reached = bool(hits["t"].notna().all())
        t_mean, t_sd = _over_seeds(hits["t"], reached)
        sec_mean, sec_sd = _over_seeds(seconds_to_target(hits, mine), reached)
        noise = hits["noise_scale"].mean() if reached and "noise_scale" in hits else np.nan
        rows.append(
            {
                "batch_size": b,
                "lr": row["lr"],
                "target_pct": row["target_pct"],
                "eta_star": row["eta_star"],
                "eta_max": row["eta_max"],
                "smallest_diverging": row["smallest_diverging"],
                "itr": row["itr"],
                "itr_sd": row["itr_sd"],
                "converged": bool(row["converged"]),
                "cap": int(row["cap"]),
                "seeds": int(row["seeds"]),
                "itr_seconds_mean": row["itr_seconds_mean"],
                "itr_seconds_std": row["itr_seconds_std"],
                "train_seconds_mean": row["train_seconds_mean"],
                "train_seconds_std": row["train_seconds_std"],
                "final_train_loss": row["final_train_loss"],
                "excess_pct": row["excess_pct"],
                "final_test_acc": row["final_test_acc"],
                "t_target": t_mean,
                "t_target_sd": t_sd,
                "samples_target": t_mean * b,
                "samples_target_sd": t_sd * b,
                "seconds_target": sec_mean,
                "seconds_target_sd": sec_sd,
                "noise_target": noise,
                "hand_lr": hand["lr"],
                "hand_ref_test_acc": hand["test_acc"],
                "hand_test_acc": row["hand_test_acc"],
                "hand_test_acc_std": row["hand_test_acc_std"],
                "hand_seconds_50": hand["seconds_50_epochs"],
                "seconds_50_epochs": row["seconds_50_epochs"],
            }
        )
    return pd.DataFrame(rows).astype({"hand_lr": float, "hand_ref_test_acc": float, "hand_seconds_50": float})


def seconds_to_target(hits: pd.DataFrame, curves: pd.DataFrame) -> pd.Series:
    """Per seed of ``hits`` (``criteria.first_reaching``), the training seconds to its crossing:
    its t there times that seed's mean training time per step over its whole run (``curves``:
    t and train_seconds per checkpoint). The clock read at the crossing itself is noisy (the
    start-up's and the machine's load of the moment); the whole run's mean per step is not."""
    last = curves.sort_values("t").groupby("seed").last()
    per_step = (last["train_seconds"] / last["t"]).reindex(hits["seed"]).to_numpy()
    return pd.Series(hits["t"].to_numpy() * per_step, index=hits.index)


def _over_seeds(values: pd.Series, reached: bool) -> tuple[float, float]:
    """Mean and s.d. over seeds, NaN unless every seed reached the target."""
    return (float(values.mean()), float(values.std(ddof=0))) if reached else (np.nan, np.nan)


def hand_table(table: pd.DataFrame) -> pd.DataFrame:
    """The hand-made figures beside this build's, one row per batch size of ``batch_size_summary``
    (blank where the hand-made reports give no figure)."""

    def given(values: pd.Series, form: str) -> pd.Series:
        return values.map(lambda v: "" if pd.isna(v) else form.format(v))

    return pd.DataFrame(
        {
            "B": table["batch_size"],
            "η by hand": given(table["hand_lr"], "{:g}"),
            "η here": table["lr"].map(lambda v: f"{v:g}"),
            f"test acc. by hand, η = {references.TASK3_HAND_LR:g}": given(100 * table["hand_ref_test_acc"], "{:.1f}%"),
            "same setting here": [
                f"{100 * m:.2f}\u00a0±\u00a0{100 * s:.2f}%"
                for m, s in zip(table["hand_test_acc"], table["hand_test_acc_std"])
            ],
            "agrees?": [
                "" if pd.isna(h) else ("yes" if agrees_with_hand(100 * (m - h), 100 * s) else "no")
                for h, m, s in zip(table["hand_ref_test_acc"], table["hand_test_acc"], table["hand_test_acc_std"])
            ],
            "test acc. here, η here, end of run": table["final_test_acc"].map(lambda v: f"{100 * v:.2f}%"),
            "50 epochs by hand (s)": given(table["hand_seconds_50"], "{:g}"),
            "50 epochs here (s, extrapolated)": table["seconds_50_epochs"].map(lambda v: f"{v:.1f}"),
        }
    )


def hand_caption(seeds: int) -> str:
    """The caption of ``hand_table``: where each hand-made figure comes from, and how this
    build's were measured."""
    return (
        "The hand-made figures beside ours. By hand: "
        + "; ".join(f"{what} ({setting})" for what, setting in references.settings(3).items())
        + f". Here: the hand setting re-run with {plural(seeds, 'seed')} (mean ± s.d.), and whether the hand figure "
        f"agrees with it within a single run's spread and its rounding; the "
        f"50-epoch times are the training loop's measured time per iteration at the chosen rate, times the "
        f"iterations of 50 epochs."
    )
