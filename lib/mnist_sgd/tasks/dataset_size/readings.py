"""Task 5's readings of SGD's test accuracy per training-set size (at the end of the run, the
best along it, stopped early on held-out images) beside the hand-made reports' figures, as one
table, its caption and the few sentences that read it."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.tasks.dataset_size.commentary import COARSE_STEP_POINTS, joined

NBSP = "\u00a0"  # keeps a value and its iteration on one line of a table cell


def hand_columns(refs: pd.DataFrame) -> dict[str, dict[int, float]]:
    """The hand-made figures by report: its short label (as ``references.table(5)`` gives it)
    and its test accuracy (a fraction) by N'."""
    return {
        group["label"].iloc[0]: {int(k): float(v) for k, v in zip(group["key"], group["value"], strict=True)}
        for _, group in refs.groupby("what", sort=False)
    }


def _t_range(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def readings_table(t: pd.DataFrame, refs: pd.DataFrame) -> pd.DataFrame:
    """One row per N': SGD's test accuracy (%, subset means) at the end of the run, best along
    the run (with its t), stopped early (with the range of t of the subsets' stops) and the
    held-out runs at their end; full-batch gradient descent at the first hand-made report's
    η·t, computed exactly (where computed); each hand-made report's figure (blank where it gives
    none). ``t``: ``tables.size_summary``; ``refs``: ``references.table(5)``."""
    t = t.sort_values("dataset_size")
    shown = pd.DataFrame(
        {
            "N'": t["dataset_size"].map(lambda v: f"{v:,}"),
            "end of run": (100 * t["test_acc"]).map(lambda v: f"{v:.2f}"),
            "best along the run (t)": [
                f"{100 * a:.2f}{NBSP}({p:,})" for a, p in zip(t["peak_test_acc"], t["peak_t"], strict=True)
            ],
            "stopped early (t)": [
                f"{100 * a:.2f}{NBSP}({_t_range(lo, hi)})"
                for a, lo, hi in zip(t["early_test_acc"], t["early_t_min"], t["early_t_max"], strict=True)
            ],
            "held-out runs, end": (100 * t["heldout_end_test_acc"]).map(lambda v: f"{v:.2f}"),
        }
    )
    if "gd_hand_test_acc" in t.columns:
        eta_t = float(refs["eta_t"].dropna().iloc[0])
        shown[f"full batches, η·t = {eta_t:g}"] = [
            "" if pd.isna(v) else f"{100 * v:.2f}" for v in t["gd_hand_test_acc"]
        ]
    for label, figures in hand_columns(refs).items():
        shown[f"by hand: {label}"] = [
            f"{100 * figures[n]:.0f}" if n in figures else "" for n in t["dataset_size"].astype(int)
        ]
    return shown


def readings_caption(t: pd.DataFrame, refs: pd.DataFrame, lr: float) -> str:
    """The caption of ``readings_table``."""
    eta_t = float(refs["eta_t"].dropna().iloc[0])
    settings = "; ".join(f"{g['label'].iloc[0]}: {g['setting'].iloc[0]}" for _, g in refs.groupby("what", sort=False))
    return (
        f"SGD's test accuracy (%, means over subsets; B = 100, η = {lr:g}, {int(t['iterations'].max()):,} iterations) "
        f"read four ways: at the end of the run; at the highest point of the mean test curve, with its t (chosen on "
        f"the test set, so an upper bound); stopped at the best held-out accuracy, with the range of t of the subsets' "
        f"stops; and those held-out runs at their end. Full batches: gradient descent on the same subsets after "
        f"η·t = {eta_t:g} (t = {eta_t / lr:,.0f}), computed exactly. By hand: the hand-made reports' figures "
        f"({settings})."
    )


def readings_text(t: pd.DataFrame, refs: pd.DataFrame, lr: float) -> str:
    """What the table says: how rough the early stop is where the held-out part is small,
    whether stopping early paid, and which reading the hand-made figures are closest to."""
    t = t.sort_values("dataset_size").reset_index(drop=True)
    held = [int(h) for h in t["heldout_images"]]
    coarse = [int(n) for n, h in zip(t["dataset_size"], held, strict=True) if 100 / h >= COARSE_STEP_POINTS]
    gain = 100 * (t["early_test_acc"] - t["heldout_end_test_acc"])
    helped = [(int(n), g) for n, g in zip(t["dataset_size"], gain, strict=True) if round(g, 2) > 0]
    out = [
        "**Stopping early.** "
        + (
            f"The held-out parts are {joined(held)} images, so the accuracy the stop is chosen on moves in steps of "
            f"{joined([f'{100 / h:.2g}' for h in held])} points; at N' = {joined(coarse)} that step is too coarse to "
            "tell nearby checkpoints apart, and the early-stopped figure there is a rough one. "
            if coarse
            else ""
        )
        + (
            f"Stopping on the held-out images beat the same runs at their end at N' = {joined([n for n, _ in helped])} "
            f"(by {joined([f'{g:.2f}' for _, g in helped])} points)."
            if helped
            else "Stopping on the held-out images beat the same runs at their end at no N'."
        )
    ]
    first = refs[refs["eta_t"].notna()]
    hand = {int(k): float(v) for k, v in zip(first["key"], first["value"], strict=True)}
    common = [n for n in t["dataset_size"].astype(int) if n in hand]
    if common:
        at = t.set_index("dataset_size").loc[common]
        kinds = {"end of run": "test_acc", "best along the run": "peak_test_acc", "stopped early": "early_test_acc"}
        if "gd_hand_test_acc" in at.columns and at["gd_hand_test_acc"].notna().all():
            kinds["full batches"] = "gd_hand_test_acc"
        dist = {k: (100 * (at[c] - pd.Series(hand).loc[common])).abs().mean() for k, c in kinds.items()}
        near = min(dist, key=lambda k: dist[k])
        eta_t = float(first["eta_t"].iloc[0])
        iterations = int(t["iterations"].max())
        spread = 100 * (at["test_acc_max"] - at["test_acc_min"]).max()
        out.append(
            f"**Against the hand-made figures.** The first report stopped at η·t = {eta_t:g}, where these runs go on to "
            f"η·t = {lr * iterations:,.0f}. From its figures the readings lie on average "
            + ", ".join(f"{d:.2f} points ({k})" for k, d in dist.items())
            + f"; the closest is “{near}”. The second report's learning rate is not stated, so no reading here repeats "
            f"its setting. Each hand figure is one subset and one run; here the subsets' end-of-run accuracies span up "
            f"to {spread:.2f} points at one N', about what a single subset can differ from a mean by."
        )
    return "\n\n".join(out)
