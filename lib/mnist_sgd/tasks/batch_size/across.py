"""Task 3's answer across batch sizes: one row per batch size, its chosen rate, ITR, the training
seconds to ITR and to the end of the run, and the training loss and test accuracy at the end of
the run, where the method reads every quantity compared across batch sizes; the table's caption
and the sentences that answer each question of the task from it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mnist_sgd.show import provenance
from mnist_sgd.show.present import fixed, mean_sds, plural


def across_table(chosen: pd.DataFrame) -> pd.DataFrame:
    """Task 3's ``chosen`` rows as shown, smallest batch first: ITR with the horizon in brackets
    ("not met" where the criterion did not hold), seconds to ITR and to the end, the excess over
    L* and the test accuracy at the end; spreads with the decimals of their means."""
    s = chosen.sort_values("batch_size")
    return pd.DataFrame(
        {
            "B": s["batch_size"].map(lambda v: f"{v:,}"),
            "η": s["lr"].map(lambda v: f"{v:.3g}"),
            "ITR (horizon)": [
                f"{i:,} ({c:,})" if ok else f"not met ({c:,})"
                for i, c, ok in zip(s["itr"], s["cap"], s["converged"], strict=True)
            ],
            "training s to ITR": [
                text if ok else "–"
                for text, ok in zip(mean_sds(s["itr_seconds_mean"], s["itr_seconds_std"]), s["converged"], strict=True)
            ],
            "training s, whole run": mean_sds(s["train_seconds_mean"], s["train_seconds_std"]),
            "excess over L* (%)": fixed(s["excess_pct"]),
            "test acc. (%)": mean_sds(100 * s["final_test_acc"], 100 * s["final_test_acc_std"]),
        }
    )


def across_caption(chosen: pd.DataFrame, conditions: dict[str, Any]) -> str:
    """The caption of ``across_table``: where each number is read and how the seconds were measured."""
    return (
        f"Per batch size at its chosen learning rate η, mean ± s.d. over {plural(sorted(set(chosen['seeds'])), 'seed')}: "
        f"ITR and, in brackets, the horizon of the runs; training seconds to ITR (– where the criterion was not met) "
        f"and for the whole run; at the end of the run, the excess of the training loss over "
        f"L* = {float(chosen['train_loss_star'].iloc[0]):.5f} (averaged over the last doubling, in % of L*) and the "
        f"test accuracy. Seconds of training alone, with {provenance.conditions_text(conditions)}."
    )


def across_text(chosen: pd.DataFrame) -> str:
    """One or two sentences per question of Task 3, each read from a column of ``across_table``."""
    s = chosen.sort_values("batch_size")
    sizes = listed([f"{b:,}" for b in s["batch_size"]])
    lr = s["lr"]
    lr_trend = (
        f", growing with B ({lr.iloc[-1] / lr.iloc[0]:,.0f} times larger at B = {s['batch_size'].iloc[-1]:,} than at "
        f"B = {s['batch_size'].iloc[0]:,})"
        if len(s) > 1 and lr.is_monotonic_increasing and lr.is_unique
        else ""
    )
    met, unmet = s[s["converged"]], s[~s["converged"]]
    if unmet.empty:
        held = "The convergence criterion held within the horizon at every batch size"
    else:
        held = (
            f"The convergence criterion held within the horizon at {len(met)} of {len(s)} batch sizes; at "
            f"B = {listed([f'{b:,}' for b in unmet['batch_size']])} it did not within the longest horizon allowed, "
            f"{listed([f'{c:,}' for c in unmet['cap']])} iterations, so no ITR is claimed there"
        )
    itr = ""
    if len(met):
        itr = f": ITR = {listed([f'{i:,}' for i in met['itr']])} at B = {listed([f'{b:,}' for b in met['batch_size']])}"
        if len(met) > 1 and met["itr"].is_monotonic_decreasing and met["itr"].is_unique:
            itr += ", fewer iterations as B grows"
    low, high = s.loc[s["excess_pct"].idxmin()], s.loc[s["excess_pct"].idxmax()]
    worst, best = s.loc[s["final_test_acc"].idxmin()], s.loc[s["final_test_acc"].idxmax()]
    excess = fixed([low["excess_pct"], high["excess_pct"]])
    accuracy = fixed([100 * worst["final_test_acc"], 100 * best["final_test_acc"]])
    gap, sd = fixed([100 * (best["final_test_acc"] - worst["final_test_acc"]), 100 * s["final_test_acc_std"].max()])
    to_itr = (
        f"Training to ITR took {listed([f'{v:.3g} s' for v in met['itr_seconds_mean']])} at "
        f"B = {listed([f'{b:,}' for b in met['batch_size']])}; "
        if len(met)
        else ""
    )
    return "\n\n".join(
        [
            f"**A good learning rate.** The rule of the method above chose η = {listed([f'{v:.3g}' for v in lr])} "
            f"for B = {sizes}{lr_trend}.",
            f"**ITR.** {held}{itr}.",
            f"**The training loss** (top row of the figure) at the end of the run lies {excess[0]}% above L* at "
            f"B = {low['batch_size']:,} and {excess[1]}% at B = {high['batch_size']:,}, the nearest and the farthest; "
            f"whether that gap is a noise floor or a descent still under way is Task 4's question.",
            f"**Training time.** {to_itr}the whole run took "
            f"{listed([f'{v:.3g} s' for v in s['train_seconds_mean']])} at B = {sizes}.",
            f"**Test accuracy** (bottom row). At the end of the run it lies between {accuracy[0]}% "
            f"(B = {worst['batch_size']:,}) and {accuracy[1]}% (B = {best['batch_size']:,}): {gap} points apart, "
            f"against a spread over seeds of up to {sd} points (s.d.).",
        ]
    )


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
