"""Task 5's readings of SGD's test accuracy per training-set size: the answer's table (the
accuracy at the end of a fixed budget, the answer, where SGD heads with unlimited steps, and at the
stop chosen within the subsets), and the
readings along the run (at the stop, at the end, the best along it, runs at a hand-made report's
setting) beside the hand-made reports' figures: their table and caption, and the comparison with
the hand-made reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.show.commentary import agrees_with_hand
from mnist_sgd.tasks.dataset_size.commentary import joined, rounded, sizes_named, spread_mean
from mnist_sgd.tasks.dataset_size.tables import at_stop, mean_sd
from mnist_sgd.tasks.rounding import two_figures

NBSP = "\u00a0"  # keeps a value and its iteration on one line of a table cell
ORDINALS = ("first", "second", "third", "fourth")
# the batch size and iteration count in a hand-made report's stated setting ("B = 100, 500 iterations")
BATCH_SIZE = re.compile(r"B = (\d[\d,]*)")
ITERATIONS = re.compile(r"(\d[\d,]*) iterations")


@dataclass(frozen=True)
class HandReport:
    """One hand-made report's figures for Task 5: its name here, what the assignment states of
    its setting, the iterations it ran and its batch size (None when not stated) and its test
    accuracy by N'."""

    label: str
    setting: str
    iterations: int | None
    batch_size: int | None
    figures: dict[int, float]


def hand_reports(refs: pd.DataFrame) -> list[HandReport]:
    """The hand-made reports of ``references.table(5)``, in its order. Only a stated iteration
    count (and batch size) is taken from a report's setting: the assignment states no batch
    size, rate or iteration count for the first report, so none is attributed to it (its
    ``eta_t`` is not used), and a report without one is compared with the readings only as
    figures."""
    reports = []
    for i, (_, group) in enumerate(refs.groupby("what", sort=False)):
        setting = str(group["setting"].iloc[0])
        found, batch = ITERATIONS.search(setting), BATCH_SIZE.search(setting)
        reports.append(
            HandReport(
                label=f"{ORDINALS[i]} report",
                setting=setting if found else "setting not stated",
                iterations=int(found.group(1).replace(",", "")) if found else None,
                batch_size=int(batch.group(1).replace(",", "")) if found and batch else None,
                figures={int(k): float(v) for k, v in zip(group["key"], group["value"], strict=True)},
            )
        )
    return reports


def stated_setting(reports: list[HandReport]) -> tuple[int, int] | None:
    """(batch size, iterations) of the first hand-made report that states both: the setting
    the runs re-run at the hand reports' rate; None when no report states them."""
    return next(((r.batch_size, r.iterations) for r in reports if r.batch_size and r.iterations), None)


def answer_table(t: pd.DataFrame) -> pd.DataFrame:
    """Task 5's answer as shown, one row per N' of ``tables.size_summary`` (``t``): the final test
    accuracy, at the end of the runs' iterations; the exact least-squares fit's (the limit, t → ∞),
    against which a run is read as finished (``commentary.at_the_limit``); and the same runs' at the
    stop their split runs chose. Every value mean ± s.d. over subsets (the iterations of the stop, the
    training accuracies and the gaps are the per-run detail's)."""
    t = t.sort_values("dataset_size").reset_index(drop=True)
    stop = at_stop(t)
    return pd.DataFrame(
        {
            "N'": t["dataset_size"].map(lambda v: f"{v:,}"),
            f"final: after {int(t['iterations'].max()):,} iterations (%)": mean_sd(t["test_acc"], t["test_acc_sd"]),
            "the limit, t → ∞ (%)": mean_sd(t["closed_form_test_acc"], t["closed_form_test_acc_sd"]),
            "stopped early (%)": mean_sd(stop["test_acc"], stop["test_acc_sd"]),
        }
    )


def answer_caption(t: pd.DataFrame) -> str:
    """The caption of ``answer_table``: what is shown and the runs' setting (the limit and the rule of
    the stop are the method's)."""
    first, k = t.iloc[0], int(t["subsets"].max())
    whole = t["dataset_size"] >= TRAIN_IMAGES  # the whole set has one subset: its runs differ by their sampler seed
    seeds = f" (at N' = {TRAIN_IMAGES:,}, the whole set: over {k} sampler seeds)" if whole.any() else ""
    return (
        f"Test accuracy per size (B = {int(first['batch_size'])}, η = {first['lr']:g}): mean ± s.d. over "
        f"{k} subsets{seeds}."
    )


def _t_range(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def _hand_setting_label(t: pd.DataFrame) -> str:
    """'η = 0.001, t = 500': the runs at a hand-made report's setting, as a column names them."""
    first = t.iloc[0]
    return f"η = {first['hand_lr']:g}, t = {int(first['hand_iterations']):,}"


def readings_table(t: pd.DataFrame, reports: list[HandReport]) -> pd.DataFrame:
    """One row per N': SGD's test accuracy (%, subset means as their spread allows) at the stop chosen
    within the subsets (with its t, the range over subsets), at the end of the run, the best of the
    subset-mean test curve (with its t), the runs at a hand-made report's
    setting (mean ± s.d. over subsets) when ``t`` has them, and each hand-made report's figure
    (blank where it gives none). ``t``: ``tables.size_summary``; ``reports``: ``hand_reports``."""
    t = t.sort_values("dataset_size")
    table = pd.DataFrame(
        {
            "N'": t["dataset_size"].map(lambda v: f"{v:,}"),
            "at the stop (t)": [
                f"{spread_mean(100 * m, 100 * sd)}{NBSP}({_t_range(int(lo), int(hi))})"
                for m, sd, lo, hi in zip(
                    t["stop_test_acc"], t["stop_test_acc_sd"], t["stop_t_min"], t["stop_t_max"], strict=True
                )
            ],
            "end of run": [
                spread_mean(100 * m, 100 * sd) for m, sd in zip(t["test_acc"], t["test_acc_sd"], strict=True)
            ],
            # one curve, no spread of its own: to the 0.1 point the readings beside it are shown to
            "best of the mean curve (t)": [
                f"{100 * a:.1f}{NBSP}({p:,})" for a, p in zip(t["peak_test_acc"], t["peak_t"], strict=True)
            ],
        }
    )
    if "hand_test_acc" in t.columns:
        table[_hand_setting_label(t)] = mean_sd(t["hand_test_acc"], t["hand_test_acc_sd"])
    for report in reports:
        table[f"by hand: {report.label}"] = [
            f"{100 * report.figures[n]:.0f}" if n in report.figures else "" for n in t["dataset_size"].astype(int)
        ]
    return table


def readings_caption(t: pd.DataFrame, reports: list[HandReport]) -> str:
    """The caption of ``readings_table``."""
    first = t.iloc[0]
    hand = (
        f"; and runs of B = {int(first['hand_batch_size'])} at {_hand_setting_label(t)} on the same subsets "
        "(mean ± s.d. over subsets)"
        if "hand_test_acc" in t.columns
        else ""
    )
    return (
        f"SGD's test accuracy (%, means over subsets; B = {int(first['batch_size'])}, η = {first['lr']:g}, "
        f"{int(t['iterations'].max()):,} iterations) read at the stop chosen within the subsets (t: the range over "
        "subsets), at the end of the run (the answer), and at the highest point of the subset-mean test curve, with its t (read on the test "
        "set, at one t for every subset: so it can lie below the mean of the subsets' own stops)"
        f"{hand}. By hand: the hand-made reports' figures "
        f"({'; '.join(f'{r.label}: {r.setting}' for r in reports)})."
    )


def hand_text(t: pd.DataFrame, reports: list[HandReport]) -> str:
    """The paragraph on the hand-made reports: a report with a stated setting against the runs
    at that setting and the hand reports' rate (``_at_its_setting``), the others against the
    reading they lie closest to (``_closest_reading``); '' when no report has a figure at the
    sizes run."""
    at = t.sort_values("dataset_size").set_index("dataset_size")
    said = [
        _at_its_setting(at, report)
        if report.iterations is not None and "hand_test_acc" in at.columns
        else _closest_reading(at, report)
        for report in reports
        if any(n in report.figures for n in at.index.astype(int))
    ]
    return "**The hand-made reports.** " + " ".join(said) if said else ""


def _closest_reading(at: pd.DataFrame, report: HandReport) -> str:
    """A report without a stated setting against the readings of the runs chosen without the test
    set (``at``: the table by size; at the stop, at the end of the run): the one it lies closest
    to on average over its sizes, then figure by figure whether it agrees with that reading by
    the rule for a hand-made figure (``agrees_at_setting``), those that do not with their distance,
    left open."""
    common = [n for n in at.index.astype(int) if n in report.figures]
    hand = pd.Series(report.figures).loc[common]

    # from the readings as the tables show them, so that a reader can check the distances
    def off_by(column: str, n: int) -> float:
        # rounded past the float noise of the subtraction, so that an exact match reads 0
        return round(abs(rounded(100 * at.loc[n, column], 100 * at.loc[n, f"{column}_sd"]) - 100 * hand[n]), 6)

    iterations = f"{int(at['iterations'].max()):,} iterations"
    kinds = {"the accuracy stopped early": "stop_test_acc", f"the final accuracy, after {iterations}": "test_acc"}
    dist = {k: round(float(pd.Series([off_by(c, n) for n in common]).mean()), 6) for k, c in kinds.items()}
    near = min(dist, key=lambda k: dist[k])
    column = kinds[near]
    text = (
        f"The {report.label}'s figures ({report.setting}) lie closest to {near}, {two_figures(dist[near])} points "
        "away on average (matched after the fact)"
    )
    off = [n for n in common if not agrees_at_setting(hand[n], at.loc[n, column], at.loc[n, f"{column}_sd"])]
    if not off:
        text += ", each within the spread and its rounding."
    else:
        gaps = joined([f"{quoted(hand[n])} at N' = {n:,} ({two_figures(off_by(column, n))} points)" for n in off])
        text += f"; beyond the spread and its rounding: its {gaps}, left open."
    # the highest point of the mean test curve, as the readings table shows it: no answer (the test set chose it)
    if "peak_test_acc" not in at.columns:
        return text
    # rounded past the float noise of the subtraction, as ``off_by`` is
    peak = round(
        float(pd.Series([abs(round(100 * at.loc[n, "peak_test_acc"], 1) - 100 * hand[n]) for n in common]).mean()), 6
    )
    if peak < dist[near]:
        text += (
            f" Closer still, {two_figures(peak)} points on average, lies the highest point of the mean test curve, "
            "where a run stops when the test set chooses its stop."
        )
    return text


# the rounding ``agrees_with_hand`` allows a hand-made figure, in points: a figure quoted to 0.1 point
ALLOWED_ROUNDING = 0.05


def rounding_points(figure: float) -> float:
    """Half the last digit of a hand-made accuracy (a fraction) as quoted, in points: 0.5 for a
    whole percent (67%), 0.05 for one decimal (82.3%)."""
    return 0.5 if abs(100 * figure - round(100 * figure)) < 1e-9 else 0.05


def quoted(figure: float) -> str:
    """A hand-made accuracy as the report quoted it: '67%', '82.3%'."""
    return f"{100 * figure:.0f}%" if rounding_points(figure) == 0.5 else f"{100 * figure:.1f}%"


def agrees_at_setting(figure: float, mean: float, sd: float) -> bool:
    """Whether a hand-made figure (one run on one subset) agrees with the runs at its setting
    (mean and s.d. over subsets, fractions): ``agrees_with_hand``, which allows a figure's
    rounding to 0.1 point; a figure rounded coarser first has the rest of its rounding taken off."""
    extra = rounding_points(figure) - ALLOWED_ROUNDING
    return agrees_with_hand(max(0.0, abs(100 * (mean - figure)) - extra), 100 * sd)


def _at_its_setting(at: pd.DataFrame, report: HandReport) -> str:
    """A report with a stated setting against the runs at that setting and the hand reports'
    rate (``at``: the table by size, with ``hand_*``): which figures agree (``agrees_at_setting``)
    and which do not, these with their distance from the runs' mean as shown, left open."""
    common = [n for n in at.index.astype(int) if n in report.figures]
    hand, rows = pd.Series(report.figures).loc[common], at.loc[common]
    agree = [
        n for n in common if agrees_at_setting(hand[n], rows.loc[n, "hand_test_acc"], rows.loc[n, "hand_test_acc_sd"])
    ]
    off = [n for n in common if n not in agree]
    first = rows.iloc[0]
    text = (
        f"Runs at the {report.label}'s B = {int(first['hand_batch_size'])} and {int(first['hand_iterations']):,} "
        f"iterations, with the hand reports' η = {first['hand_lr']:g} (its own rate is not stated), "
    )
    if agree:
        text += (
            f"agree with its {joined([quoted(hand[n]) for n in agree])} at {sizes_named(agree)} within the spread "
            "and rounding"
        )
    if not off:
        return text + "."
    gaps = joined(
        [
            two_figures(
                abs(100 * hand[n] - rounded(100 * rows.loc[n, "hand_test_acc"], 100 * rows.loc[n, "hand_test_acc_sd"]))
            )
            for n in off
        ]
    )
    sides = {"below" if hand[n] < rows.loc[n, "hand_test_acc"] else "above" for n in off}
    side = sides.pop() if len(sides) == 1 else "away from"
    figures = f"{joined([quoted(hand[n]) for n in off])} at {sizes_named(off)}"
    one = len(off) == 1
    if agree:
        text += f"; its {figures} lie{'s' if one else ''} {gaps} points {side} them, left open"
    else:
        text += (
            f"do not agree with its {figures}: {'it lies' if one else 'they lie'} {gaps} points {side} them, left open"
        )
    return text + "."
