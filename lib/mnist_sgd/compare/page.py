"""compare.html: both builds' provenance, the largest differences, and every value beyond tolerance."""

from __future__ import annotations

import html
import math
import time
from collections.abc import Collection
from typing import Any

import pandas as pd

from mnist_sgd.compare.comparison import Comparison
from mnist_sgd.compare.tables import ATOL, CONDITION_COLUMNS, ROUNDOFF_BOUND, RTOL, RTOL_ELSEWHERE, Difference

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 76em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-family: ui-monospace, monospace; }
.ok { color: #176317; } .bad { color: #a31515; font-weight: 600; } .warn { color: #8a5a00; }
code { font-family: ui-monospace, monospace; }
"""


def _table(header: list[str], rows: list[list[Any]], numeric: Collection[int] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{html.escape(str(v))}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _diff_rows(diffs: list[Difference], with_table: bool) -> list[list[Any]]:
    return [
        ([d.table] if with_table else [])
        + [
            d.key,
            d.column,
            d.this,
            d.other,
            d.cls,
            "" if math.isinf(d.rel) else f"{d.rel:.3g}",
            f"{d.allowed:.3g}" if d.allowed else "",
            "" if math.isinf(d.used) else f"{d.used:.3g}",
            "within tolerance" if d.ok else "DIFFERS",
        ]
        for d in diffs
    ]


DIFF_HEADER = [
    "row key",
    "column",
    "this",
    "other",
    "class",
    "rel. difference",
    "allowed |a-b|",
    "|a-b| / allowed",
    "verdict",
]


def html_page(c: Comparison, limit: int = 300) -> str:
    """compare.html: provenance of both builds and what differs between them, then the
    largest differences, then for each differing table the rows that differ."""
    esc = html.escape
    verdict = (
        "<p class=ok><b>Reproduced</b>: everything that should match does.</p>"
        if c.reproduced
        else "<p class=bad>Differs: see below.</p>"
    )
    keys = sorted(set(c.this["environment"]) | set(c.other["environment"]))
    prov_rows = [
        [label, str(c.this[k]), str(c.other[k])]
        for label, k in [
            ("build", "name"),
            ("folder", "folder"),
            ("profile", "profile"),
            ("commit", "commit"),
            ("jobs (stamps)", "jobs"),
            ("jobs finished", "finished"),
        ]
    ]
    prov_rows += [
        [
            f"condition: {k}",
            ", ".join(c.this["conditions"].get(k, ["-"])),
            ", ".join(c.other["conditions"].get(k, ["-"])),
        ]
        for k in CONDITION_COLUMNS
    ]
    prov_rows += [[k, c.this["environment"].get(k, "absent"), c.other["environment"].get(k, "absent")] for k in keys]
    # names, folders and times always differ: flag only what can explain a difference in results
    prov_rows = [
        [*row, "" if row[0] in ("build", "folder", "jobs finished") else "same" if row[1] == row[2] else "differs"]
        for row in prov_rows
    ]
    changes = c.environment_changes() + c.condition_changes()
    if c.this["profile"] != c.other["profile"]:
        changes.insert(0, f"profile: {c.this['profile']} / {c.other['profile']}")
    if c.this["commit"] != c.other["commit"]:
        changes.insert(0, f"commit: {c.this['commit']} / {c.other['commit']}")
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Did it reproduce? "
        f"{esc(c.this['name'])} vs {esc(c.other['name'])}</title><style>{STYLE}</style></head><body>",
        f"<h1>Did it reproduce?</h1><p>This build <code>{esc(c.this['name'])}</code> compared with "
        f"<code>{esc(c.other['name'])}</code>, {time.strftime('%Y-%m-%d %H:%M %Z')}.</p>",
        verdict,
        "<h2>The two builds</h2>",
        "<p>What differs between them: "
        + (esc("; ".join(changes)) if changes else "nothing (same commit, profile, environment and run conditions)")
        + ".</p>",
        _table(["", "this build", "other build", ""], prov_rows),
        "<h2>Summary</h2>",
        _table(
            [
                "tables compared",
                "identical",
                "within tolerance",
                "differing",
                "only in this build",
                "only in the other",
            ],
            [c.counts()],
            numeric={0, 1, 2, 3, 4, 5},
        ),
        "<p>Rows are matched on each table's key columns. Exact columns (counts, integers, booleans, text) "
        f"must be equal; columns measuring rounding error agree when both are below {ROUNDOFF_BOUND:g}; "
        + (
            (
                f"both builds ran on the same environment and run conditions, where the project is deterministic, "
                f"so every other number must agree within {RTOL:g} relative + {ATOL:g} absolute"
            )
            if c.same
            else (
                f"the builds ran on other environments or run conditions, so deterministic floats must agree "
                f"within {RTOL_ELSEWHERE:g} relative + {ATOL:g} absolute (torch's float32 sums in another order), "
                "and seed-dependent values (tables with a seed or subset column) within the spread (max &minus; "
                "min) of that value over the seeds of its row's group, the smaller of the two builds' spreads"
            )
        )
        + ". Timings are not expected to match: they are given as ratios below.</p>",
    ]
    missing = [[f"results/{n}.csv", "only in this build"] for n in c.only_this] + [
        [f"results/{n}.csv", "only in the other build"] for n in c.only_other
    ]
    if missing:
        parts += ["<h2>Missing tables</h2>", _table(["table", "where"], missing)]
    notes = [[r.name, w] for r in c.results for w in r.warnings]
    notes += [
        [r.name, f"the {who}'s copy was changed after its job wrote it (SHA-256 differs from its stamp)"]
        for r in c.results
        for who in r.edited
    ]
    if notes:
        parts += ["<h2>Warnings</h2>", _table(["table", "warning"], notes)]
    diffs = c.differences()
    parts.append("<h2>Largest differences</h2>")
    parts.append(
        _table(["table", *DIFF_HEADER], _diff_rows(diffs[:40], True))
        if diffs
        else "<p>None: every compared value is identical.</p>"
    )
    for r in c.results:
        if r.status == "differs":
            shown = [d for d in r.diffs if not d.ok]
            parts.append(f"<h3>{esc(r.name)}: {len(shown)} difference(s) beyond tolerance</h3>")
            parts.append(_table(DIFF_HEADER, _diff_rows(shown[:limit], False)))
            if len(shown) > limit:
                parts.append(f"<p>... and {len(shown) - limit} more.</p>")
    timing = [
        [r.name, col, len(v), f"{pd.Series(v).median():.3g}", f"{min(v):.3g}", f"{max(v):.3g}"]
        for r in c.results
        for col, v in r.ratios.items()
        if v
    ]
    parts.append("<h2>Timings (other / this)</h2>")
    parts.append(
        _table(["table", "column", "values", "median ratio", "min", "max"], timing, numeric={2, 3, 4, 5})
        if timing
        else "<p>No timings to compare.</p>"
    )
    parts.append("<h2>Every table</h2>")
    parts.append(
        _table(
            ["table", "rows matched", "values compared", "verdict"],
            [[r.name, r.rows, r.values, r.status] for r in c.results],
            numeric={1, 2},
        )
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)
