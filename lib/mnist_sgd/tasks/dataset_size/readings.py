"""Task 5's readings of SGD's test accuracy per training-set size (at the end of the run, the
best along it, stopped early on held-out images, at a hand-made report's iteration count)
beside the hand-made reports' figures: the table and its caption, what stopping early gained,
and the comparison with the hand-made reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from mnist_sgd.tasks.dataset_size.commentary import joined, shown

NBSP = "\u00a0"  # keeps a value and its iteration on one line of a table cell
ORDINALS = ("first", "second", "third", "fourth")
# the iteration count in a hand-made report's stated setting ("B = 100, 500 iterations")
ITERATIONS = re.compile(r"(\d[\d,]*) iterations")


@dataclass(frozen=True)
class HandReport:
    """One hand-made report's figures for Task 5: its name here, what the assignment states of
    its setting, the iterations it ran (None when not stated) and its test accuracy by N'."""

    label: str
    setting: str
    iterations: int | None
    figures: dict[int, float]


def hand_reports(refs: pd.DataFrame) -> list[HandReport]:
    """The hand-made reports of ``references.table(5)``, in its order. Only a stated iteration
    count is taken from a report's setting: the assignment states no batch size, rate or
    iteration count for the first report, so none is attributed to it (its ``eta_t`` is not
    used), and a report without one is compared with the readings only as figures."""
    reports = []
    for i, (_, group) in enumerate(refs.groupby("what", sort=False)):
        setting = str(group["setting"].iloc[0])
        found = ITERATIONS.search(setting)
        reports.append(
            HandReport(
                label=f"{ORDINALS[i]} report",
                setting=setting if found else "setting not stated",
                iterations=int(found.group(1).replace(",", "")) if found else None,
                figures={int(k): float(v) for k, v in zip(group["key"], group["value"], strict=True)},
            )
        )
    return reports


def read_at(reports: list[HandReport]) -> int | None:
    """The iteration at which the runs are read for a hand-made report: the first stated one."""
    return next((r.iterations for r in reports if r.iterations is not None), None)


def _t_range(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def readings_table(t: pd.DataFrame, reports: list[HandReport]) -> pd.DataFrame:
    """One row per N': SGD's test accuracy (%, subset means) at the end of the run, best along
    the run (with its t), stopped early (with the range of t of the subsets' stops), the
    held-out runs at their end, at a hand-made report's iteration count (and the subsets'
    min–max beside it) when ``t`` has it; each hand-made report's figure (blank where it gives none).
    ``t``: ``tables.size_summary``; ``reports``: ``hand_reports``."""
    t = t.sort_values("dataset_size")
    table = pd.DataFrame(
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
    if "at_t" in t.columns:
        # the subsets' range in a column of its own: beside the mean, the cell ran into the next column
        at = f"at t = {int(t['at_t'].iloc[0]):,}"
        table[at] = (100 * t["at_t_test_acc"]).map(lambda v: f"{v:.2f}").to_numpy()
        table[f"{at}: min–max"] = [
            f"{100 * lo:.2f}–{100 * hi:.2f}"
            for lo, hi in zip(t["at_t_test_acc_min"], t["at_t_test_acc_max"], strict=True)
        ]
    for report in reports:
        table[f"by hand: {report.label}"] = [
            f"{100 * report.figures[n]:.0f}" if n in report.figures else "" for n in t["dataset_size"].astype(int)
        ]
    return table


def readings_caption(t: pd.DataFrame, reports: list[HandReport]) -> str:
    """The caption of ``readings_table``."""
    first = t.iloc[0]
    at = (
        f"; and at t = {int(first['at_t']):,}, interpolated linearly between the checkpoints around it, with the "
        "subsets' min–max"
        if "at_t" in t.columns
        else ""
    )
    return (
        f"SGD's test accuracy (%, means over subsets; B = {int(first['batch_size'])}, η = {first['lr']:g}, "
        f"{int(t['iterations'].max()):,} iterations) read at the end of the run; at the highest point of the mean test "
        "curve, with its t (chosen on the test set, so an upper bound); stopped at the best held-out accuracy, with the "
        f"range of t of the subsets' stops; those held-out runs at their end{at}. By hand: the hand-made reports' "
        f"figures ({'; '.join(f'{r.label}: {r.setting}' for r in reports)})."
    )


def early_text(t: pd.DataFrame) -> str:
    """What stopping early gained over the same held-out runs at their end, per subset (min to
    max), with the sizes where not every subset gained. (How coarse a small held-out part makes
    the stop is said with each size's runs.)"""
    t = t.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in t["dataset_size"]]
    gains = [
        f"{100 * lo:+.2f} to {100 * hi:+.2f} points at N' = {n:,}"
        for n, lo, hi in zip(ns, t["early_gain_min"], t["early_gain_max"], strict=True)
    ]
    short = [
        f"{int(k)} of {int(s)} at N' = {n:,}"
        for n, k, s in zip(ns, t["early_gain_subsets"], t["subsets"], strict=True)
        if k < s
    ]
    return (
        "**Stopping early.** Against the same held-out runs at their end, subset by subset, stopping early changed the "
        f"test accuracy by {joined(gains)} (min to max over subsets)"
        + (f"; the subsets that gained: {joined(short)}." if short else ".")
    )


def hand_text(t: pd.DataFrame, reports: list[HandReport], more: str) -> str:
    """The answer's paragraphs on stopping early (the sizes where it gained in every subset,
    with a link to ``more`` for the gains) and on the hand-made reports: a report with a stated
    iteration count against the runs read there (``_at_its_iterations``), the others against
    the reading they lie closest to (``_closest_reading``)."""
    t = t.sort_values("dataset_size").reset_index(drop=True)
    every = [int(n) for n, k, s in zip(t["dataset_size"], t["early_gain_subsets"], t["subsets"], strict=True) if k == s]
    early = (
        "**Stopping early** on the held-out images "
        + (
            f"beat the same runs at their end in every subset at N' = {joined(every)} "
            if every
            else "did not beat the same runs at their end in every subset at any size "
        )
        + f"(the gains [in the per-run detail](#{more}))."
    )
    at = t.set_index("dataset_size")
    said = [
        _at_its_iterations(at, report)
        if report.iterations is not None and "at_t" in at.columns
        else _closest_reading(at, report)
        for report in reports
        if any(n in report.figures for n in at.index.astype(int))
    ]
    return early + ("\n\n**The hand-made reports.** " + " ".join(said) if said else "")


def _closest_reading(at: pd.DataFrame, report: HandReport) -> str:
    """A report without a stated setting against the reading of the runs (``at``: the table
    by size) it lies closest to, on average over its sizes, and against the end of the run."""
    common = [n for n in at.index.astype(int) if n in report.figures]
    hand = pd.Series(report.figures).loc[common]
    kinds = {"the end of the run": "test_acc", "the best along the run": "peak_test_acc"}
    kinds |= {"stopping early": "early_test_acc"}
    if "at_t" in at.columns:
        kinds[f"the reading at t = {int(at['at_t'].iloc[0]):,}"] = "at_t_test_acc"
    dist = {k: float((100 * (at.loc[common, c] - hand)).abs().mean()) for k, c in kinds.items()}
    near = min(dist, key=lambda k: dist[k])
    end = f", {dist['the end of the run']:.2f} from the end of the run" if near != "the end of the run" else ""
    return f"The {report.label}'s figures ({report.setting}) lie closest to {near}: {dist[near]:.2f} points away on average{end}."


def _at_its_iterations(at: pd.DataFrame, report: HandReport) -> str:
    """A report with a stated iteration count against the runs read there (``at``: the table by
    size, with ``at_t``): each figure within the subsets' range, or below or above every subset
    with its distance from their mean; a difference the runs do not explain is left open."""
    common = [n for n in at.index.astype(int) if n in report.figures]
    hand, rows = pd.Series(report.figures).loc[common], at.loc[common]
    sides = {
        "within the subsets' range": [
            n for n in common if rows.loc[n, "at_t_test_acc_min"] <= hand[n] <= rows.loc[n, "at_t_test_acc_max"]
        ],
        "below every subset": [n for n in common if hand[n] < rows.loc[n, "at_t_test_acc_min"]],
        "above every subset": [n for n in common if hand[n] > rows.loc[n, "at_t_test_acc_max"]],
    }
    parts = []
    for where, sizes in sides.items():
        if not sizes:
            continue
        part = f"its {joined([f'{100 * hand[n]:.0f}%' for n in sizes])} at N' = {joined(sizes)} lie{'s' if len(sizes) == 1 else ''} {where}"
        if not where.startswith("within"):
            gaps = [abs(100 * hand[n] - shown(100 * rows.loc[n, "at_t_test_acc"])) for n in sizes]
            part += f", by {joined([f'{g:.2f}' for g in gaps])} points from their mean"
        parts.append(part)
    first = rows.iloc[0]
    text = (
        f"The {report.label} ({report.setting}) compares with these runs at t = {report.iterations:,} (interpolated "
        f"between the checkpoints {int(first['at_t_from']):,} and {int(first['at_t_to']):,}; bars in the figure): "
        f"{'; '.join(parts)}."
    )
    off = [n for n in common if n not in sides["within the subsets' range"]]
    if off:
        one = len(off) == 1
        text += (
            f" Nothing in these runs explains {'that gap' if one else 'those gaps'}, the one at N' = {max(off):,} "
            f"included: {'it is' if one else 'they are'} left open."
        )
    return text
