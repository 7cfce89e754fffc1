"""Tasks 3 and 4's tables: the row each batch size's job writes, the summary across batch
sizes, and the tables the sections show, laid out from those rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science import criteria, linear
from mnist_sgd.science.experiments import first_reaching
from mnist_sgd.show import provenance, references
from mnist_sgd.show.present import fixed_columns, plural


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
    rel_tol: float,
    cap: int,
    start: int,
    n_train: int,
) -> pd.DataFrame:
    """Task 3's one-row table for a batch size: the chosen rate and ITR, where the runs ended,
    and the evidence for a noise floor (at η and η/2) and for the hand-made setting.

    ``runs``/``curves``: the seeds at the chosen rate ``lr`` (``curves`` with an ``excess``
    column over L*); ``halved``: the same at ``lr``/2; ``hand_runs``: the hand-made setting;
    ``ranking``: the sweep's ``criteria.lr_ranking``; ``cap``: the horizon of every run, after
    the sweep doubled it from ``start`` as needed; ``n_train``: the training images (for the
    time of 50 epochs).

    Every quantity compared across batch sizes is read at the end of the run (the loss
    and its gap to L* averaged over the last doubling, [cap/2, cap], as the criterion
    reads it; the accuracies at the last checkpoint), so that every B is read at the
    horizon its rate was chosen at; only ``itr`` and ``itr_seconds`` are read at ITR.
    """
    found = criteria.converged_iterations(curves, rel_tol)
    converged = found is not None
    itr = int(found) if found is not None else cap
    at_itr = curves[curves["t"] == itr]["train_seconds"]
    at_end = curves[curves["t"] == curves["t"].max()]
    changes = criteria.loss_changes(curves)
    L_star = ref.train_loss_star
    end_excess = criteria.end_excess(curves, L_star)
    row = {
        "batch_size": batch_size,
        "lr": lr,
        "itr": itr,
        "converged": converged,
        "cap": cap,
        "start": start,
        "seeds": len(runs),
        "rel_tol": rel_tol,
        "itr_needed": math.nan if converged else (criteria.iterations_needed(curves, rel_tol) or math.nan),
        "itr_seconds_mean": at_itr.mean() if converged else math.nan,
        "itr_seconds_std": at_itr.std(ddof=0) if converged else math.nan,
        "train_seconds_mean": at_end["train_seconds"].mean(),
        "train_seconds_std": at_end["train_seconds"].std(ddof=0),
        "final_train_loss": L_star + end_excess,
        "excess": end_excess,
        "excess_pct": 100 * end_excess / L_star,
        "final_test_acc": at_end["test_acc"].mean(),
        "final_test_acc_std": at_end["test_acc"].std(ddof=0),
        "final_train_acc": at_end["train_acc"].mean(),
        # where the run ended, at η and at η/2: the evidence for a noise floor or for descent still under way
        "last_change": changes["change"].iloc[-1] if len(changes) else math.nan,
        "half_end_excess_pct": 100 * criteria.end_excess(halved, L_star) / L_star,
        "hand_test_acc": hand_runs["final_test_acc"].mean(),
        "hand_test_acc_std": hand_runs["final_test_acc"].std(ddof=0),
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
            tied=ranking["tied"].map({True: "tied", False: ""}),
            chosen=ranking["chosen"].map({True: "chosen", False: ""}),
        )[["lr", "diverged_seeds", "mean_loss", "sd_loss", "mean_test_acc", "tied", "chosen"]]
        .rename(
            columns={
                "lr": "η",
                "diverged_seeds": "seeds diverged",
                "mean_loss": "mean final loss",
                "sd_loss": "s.d.",
                "mean_test_acc": "mean test acc. (%)",
                "tied": "tie",
                "chosen": "rule",
            }
        )
    )


def batch_size_summary(chosen: pd.DataFrame, curves: pd.DataFrame, target_excess: float) -> pd.DataFrame:
    """Task 4's table: Task 3's row of each batch size (``chosen``), with when the excess loss
    first falls under ``target_excess`` (``curves`` with an ``excess`` column and, where
    measured, ``noise_scale``) and the hand-made figures of that batch size.

    The crossing is interpolated between checkpoints (``first_reaching``) for each seed;
    ``t_target``, ``samples_target`` and ``seconds_target`` are means over the seeds with
    their s.d. and ``noise_target`` the gradient noise scale B_noise there (seed mean). A
    target counts as reached only if every seed reached it.
    """
    rows = []
    for _, row in chosen.sort_values("batch_size").iterrows():
        b = int(row["batch_size"])
        hand = references.batch_size(b)
        mine = curves[curves["batch_size"] == b]
        hits = first_reaching(mine, "excess", target_excess)
        reached = hits["t"].notna().all()
        t_mean, t_sd = _over_seeds(hits["t"], reached)
        sec_mean, sec_sd = _over_seeds(hits["train_seconds"], reached)
        noise = hits["noise_scale"].mean() if reached and "noise_scale" in hits else np.nan
        rows.append(
            {
                "batch_size": b,
                "lr": row["lr"],
                "eta_star": row["eta_star"],
                "eta_max": row["eta_max"],
                "smallest_diverging": row["smallest_diverging"],
                "itr": int(row["itr"]),
                "converged": bool(row["converged"]),
                "cap": int(row["cap"]),
                "seeds": int(row["seeds"]),
                "itr_needed": row["itr_needed"],
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
            "test acc. here, η here, end of run": table["final_test_acc"].map(lambda v: f"{100 * v:.2f}%"),
            "50 epochs by hand (s)": given(table["hand_seconds_50"], "{:g}"),
            "50 epochs here (s, extrapolated)": table["seconds_50_epochs"].map(lambda v: f"{v:.1f}"),
        }
    )


def hand_caption(seeds: int) -> str:
    """The caption of ``hand_table``: where each hand-made figure comes from, and how this
    build's were measured."""
    return (
        "The hand-made figures beside this build's. By hand: "
        + "; ".join(f"{what}, {setting}" for what, setting in references.settings(3).items())
        + f". Here: the hand setting re-run with {plural(seeds, 'seed')} (mean ± s.d.); the "
        f"50-epoch times are the training loop's measured time per iteration at the chosen rate, times the "
        f"iterations of 50 epochs."
    )
