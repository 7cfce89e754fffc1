"""What the report and the command line show of ``bench.json``: the formatters of the
benchmark's rows and the speed appendix's prose and table.

Kept apart from ``bench`` (which measures) so that the notebooks import only this module:
editing a benchmark changes no job of the report.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import pandas as pd

from mnist_sgd.show.present import duration, fixed, plural

FILENAME = "bench.json"
TASK3_BATCH_SIZES = [1, 10, 100, 1000]  # the batch sizes of Task 3, timed by the benchmark's section 2


# ---------------------------------------------------------------------------------------
# Output


def _missing(v: float | None) -> bool:
    return v is None or not math.isfinite(v)


def _scale(v: float, unit: str) -> tuple[float, str]:
    """The unit a value reads best in: seconds become ms, µs or ns below one."""
    if unit != "s":
        return 1.0, unit
    return next(
        ((scale, name) for name, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)) if abs(v) >= scale), (1e-9, "ns")
    )


def fmt_duration(v: float | None) -> str:
    """A measured time: '41.1 s', '3.35 ms', '101 µs'; a minute and more as ``present.duration``."""
    return fmt_value(v, "s")


def fmt_value(v: float | None, unit: str) -> str:
    return fmt_spread(v, None, None, unit)


def fmt_spread(v: float | None, lo: float | None, hi: float | None, unit: str) -> str:
    """'41.1 s [40.2 – 43.0 s]': a median and the min-max over the rounds, in the unit and with
    the decimals of the median."""
    if v is None or _missing(v):
        return ""
    bounds = (lo, hi) if lo is not None and hi is not None and not _missing(lo) and not _missing(hi) else None
    if unit == "s" and abs(v) >= 60:
        return duration(v) + (f" [{duration(bounds[0])} – {duration(bounds[1])}]" if bounds else "")
    scale, name = _scale(v, unit)
    median, low, high = fixed([v / scale, (lo or 0) / scale, (hi or 0) / scale], like=[v / scale])
    return f"{median} {name}" + (f" [{low} – {high} {name}]" if bounds else "")


def fmt_ratio(row: dict[str, Any]) -> str:
    if _missing(row.get("ratio")):
        return ""
    ratio, lo, hi = fixed([row["ratio"], row.get("ratio_lo"), row.get("ratio_hi")], like=[row["ratio"]])
    return f"{ratio}×" + ("" if _missing(row.get("ratio_lo")) or _missing(row.get("ratio_hi")) else f" [{lo} – {hi}]")


def fmt_target(row: dict[str, Any]) -> str:
    if _missing(row.get("target")):
        return ""
    value = fmt_duration(row["target"]) if row["target_on"] == "project" else f"{row['target']:g}×"
    return f"{row['target_op'].replace('>=', '≥').replace('<=', '≤')} {value}"


def fmt_met(row: dict[str, Any]) -> str:
    return "" if row.get("met") is None else ("yes" if row["met"] else "no")


def fmt_label(row: dict[str, Any]) -> str:
    return row["label"] + (f" vs {row['reference_label']}" if row["reference_label"] else "")


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    header = ["sec", "row", "project [min – max]", "reference [min – max]", "ratio [min – max]", "target", "met"]
    lines = []
    for r in rows:
        lines.append(
            [
                str(r["section"]),
                fmt_label(r),
                fmt_spread(r["project"], r.get("project_lo"), r.get("project_hi"), r["unit"]),
                fmt_spread(r["reference"], r.get("reference_lo"), r.get("reference_hi"), r["unit"]),
                fmt_ratio(r),
                fmt_target(r),
                fmt_met(r),
            ]
        )
    label_width = 56
    wrapped = [textwrap.wrap(cells[1], label_width) or [""] for cells in lines]
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
    widths[1] = max(len(header[1]), *(len(part) for parts in wrapped for part in parts))

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    indent = " " * (widths[0] + 2)
    out = [line(header), line(["-" * w for w in widths])]
    for r, cells, parts in zip(rows, lines, wrapped):
        out.append(line([cells[0], parts[0], *cells[2:]]))
        out.extend(indent + part for part in parts[1:])
        if r["note"]:
            out.extend(
                textwrap.wrap(r["note"], 110, initial_indent=indent + "  note: ", subsequent_indent=indent + "  ")
            )
    return out


# ---------------------------------------------------------------------------------------
# The report's speed appendix: one page of prose and a chart, the full table for the web page

# the rows of the chart: every speed-up of the project's loops over a naive one
CHART_KEYS = [
    *(f"task3_B{b}_vs_a" for b in TASK3_BATCH_SIZES),
    "task3_total_vs_a",
    *(f"task3_B{b}_vs_b" for b in TASK3_BATCH_SIZES),
    "task3_total_vs_b",
    "full_loss",
    "mlp_epoch",
]
# section 5 repeats job times of some earlier build of the report; the provenance appendix gives this build's
REPORT_SECTIONS = [1, 2, 3, 4, 6, 7]


def speed_phrase(ratio: float) -> str:
    """'the project 12× faster' or '... 1.4× slower' for a ratio reference time / project time."""
    shown = ratio if ratio >= 1 else 1 / ratio
    return f"the project {fixed([shown], 2)[0]}× {'faster' if ratio >= 1 else 'slower'}"


# the report leaves out a section that prints this (the stitcher's LEFT_OUT; notebooks do not
# import the stitcher)
LEFT_OUT = "<!-- left out of the report -->"


def missing_text() -> str:
    """The appendix when the benchmark was not run: one plain sentence (how to run it is the
    README's), marked so that the report leaves the appendix out."""
    return f"The speed of this code was not measured for this report.\n\n{LEFT_OUT}"


def headline(payload: dict[str, Any]) -> str:
    """What was measured, where, and the ratios a reader looks for, as Markdown."""
    cond = payload["conditions"]
    rows = {r["key"]: r for r in payload["rows"]}
    load = cond.get("load_average_start")
    out = [
        f"**What and where.** Measured on {cond['date'][:10]} on {cond['cpu']} ({plural(cond['cores'], 'core')}), "
        f"with {plural(cond['torch_threads'], 'torch thread')}, torch {cond['torch']} and numpy {cond['numpy']}"
        + (
            f"; the load average was {load[0]:.1f} at the start (other work on the machine slows every row)"
            if load
            else ""
        )
        + ". Each variant of a comparison ran in turn with the other (A B A B ...) after a warm-up; a time is the "
        "median over the rounds. Times vary between runs of the benchmark and are not reproducible to the digit: "
        "the ratios are what to read."
        + (
            " **These numbers come from a `--quick` run at toy sizes: they check the machinery and mean nothing.**"
            if cond["quick"]
            else ""
        )
    ]
    naive = []
    if {"task3_total_vs_a", "task3_total_vs_b"} <= set(rows):
        a, b = rows["task3_total_vs_a"], rows["task3_total_vs_b"]
        settings = cond["settings"]
        naive.append(
            f"Task 3's runs (B = {', '.join(map(str, settings['batch_sizes']))}, {settings['s2_iterations']:,} "
            f"iterations each, learning curves recorded) took {fmt_duration(a['project'])} with the project's loop. "
            f"A naive loop that computes the test accuracy after every iteration took {fmt_duration(a['reference'])} "
            f"({speed_phrase(a['ratio'])}), and one that also computes the training loss and "
            f"accuracy on all images after every iteration {fmt_duration(b['reference'])} "
            f"({speed_phrase(b['ratio'])})."
        )
    if "mlp_epoch" in rows:
        m = rows["mlp_epoch"]
        naive.append(
            f"An epoch of the MLP of Task 7 (batch 32) takes {fmt_duration(m['project'])} against "
            f"{fmt_duration(m['reference'])} with the usual loop over a torchvision DataLoader "
            f"({speed_phrase(m['ratio'])})."
        )
    if "full_loss" in rows:
        f = rows["full_loss"]
        naive.append(
            f"The exact training loss from the Gram matrix takes {fmt_duration(f['project'])} against "
            f"{fmt_duration(f['reference'])} for a pass over the images ({speed_phrase(f['ratio'])})."
        )
    if naive:
        out.append("**Against naive loops.** " + " ".join(naive))
    machine = []
    if {"step_B1000_limit", "bandwidth", "sgemm"} <= set(rows):
        s, bw, gf = rows["step_B1000_limit"], rows["bandwidth"], rows["sgemm"]
        machine.append(
            f"A B = 1000 step takes {fmt_duration(s['project'])}, {s['ratio']:.1f}× the least time the machine's "
            f"memory bandwidth ({fmt_value(bw['project_hi'], bw['unit'])}) and matrix-multiply throughput "
            f"({fmt_value(gf['project_hi'], gf['unit'])}) allow for the bytes it moves and the operations it makes."
        )
    if "task3_bound" in rows:
        t3 = rows["task3_bound"]
        machine.append(
            f"Task 3's deliverable takes {fmt_duration(t3['project'])}, {t3['ratio']:.1f}× the least time the same "
            f"limits allow for its steps, its checkpoints' evaluations and its one Evaluator build "
            f"({fmt_duration(t3['reference'])})."
        )
    if "step_B1" in rows:
        s = rows["step_B1"]
        machine.append(
            f"A B = 1 step takes {fmt_duration(s['project'])}, the time of {s['ratio']:.1f} empty torch calls "
            f"({fmt_duration(s['reference'])} each): at that size the cost of calling torch, not arithmetic, sets "
            f"the pace."
        )
    if machine:
        out.append("**Against the machine.** " + " ".join(machine))
    return "\n\n".join(out)


def report_table(payload: dict[str, Any]) -> pd.DataFrame:
    """Every row but the job times, formatted as the command line prints them."""
    sections = payload["sections"]
    rows = [r for r in payload["rows"] if r["section"] in REPORT_SECTIONS]
    return pd.DataFrame(
        {
            "measurement": [f"{sections[str(r['section'])]}: {fmt_label(r)}" for r in rows],
            "project [min – max]": [
                fmt_spread(r["project"], r.get("project_lo"), r.get("project_hi"), r["unit"]) for r in rows
            ],
            "reference [min – max]": [
                fmt_spread(r["reference"], r.get("reference_lo"), r.get("reference_hi"), r["unit"]) for r in rows
            ],
            "ratio [min – max]": [fmt_ratio(r) for r in rows],
            "target": [fmt_target(r) for r in rows],
            "met": [fmt_met(r) for r in rows],
            "note": [r["note"] for r in rows],
        }
    )
