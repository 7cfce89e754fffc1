"""The comparison of two builds: every table both hold, and what it found, as text and as a record."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mnist_sgd.compare.folders import edited_tables, provenance
from mnist_sgd.compare.tables import CONDITION_COLUMNS, RTOL, RTOL_ELSEWHERE, Difference, TableResult, compare_frames
from mnist_sgd.store.results import tables_of
from mnist_sgd.store.stamps import sha256_file


@dataclass
class Comparison:
    this: dict[str, Any]
    other: dict[str, Any]
    same: bool  # same environment and run conditions: a build is deterministic there
    results: list[TableResult]
    only_this: list[str]
    only_other: list[str]
    digests: dict[str, str]  # this build's compared tables and their SHA-256, to tell a later edit

    @property
    def reproduced(self) -> bool:
        return not self.only_this and not self.only_other and all(r.status != "differs" for r in self.results)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def counts(self) -> list[int]:
        """Tables compared, identical, within tolerance, differing, only here, only there."""
        return [
            len(self.results),
            self.count("identical"),
            self.count("within tolerance"),
            self.count("differs"),
            len(self.only_this),
            len(self.only_other),
        ]

    def differences(self) -> list[Difference]:
        """Every non-identical value, beyond tolerance first, then by the share of its tolerance
        used (a relative difference would rank the noise of a 1e-29 loss first)."""
        diffs = [d for r in self.results for d in r.diffs]
        return sorted(diffs, key=lambda d: (d.ok, -d.used, -d.rel, d.table, d.key, d.column))

    def environment_changes(self) -> list[str]:
        a, b = self.this["environment"], self.other["environment"]
        return [
            f"{k}: {a.get(k, 'absent')} / {b.get(k, 'absent')}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)
        ]

    def environment_verdict(self) -> str:
        if not self.this["environment"] or not self.other["environment"]:
            return "not recorded in both builds (no stamps executed/<job>.json)"
        changes = self.environment_changes()
        return "same" if not changes else "differs: " + "; ".join(changes)

    def tolerance_text(self) -> str:
        if self.same:
            return (
                f"floats and seed-dependent values within {RTOL:g} relative (same environment and "
                "conditions: a build is deterministic there)"
            )
        return (
            f"floats within {RTOL_ELSEWHERE:g} relative (float32 sums in another order), seed-dependent "
            "values within their spread over seeds"
        )

    def condition_changes(self) -> list[str]:
        a, b = self.this["conditions"], self.other["conditions"]
        return [
            f"{k}: {', '.join(a.get(k, ['absent']))} / {', '.join(b.get(k, ['absent']))}"
            for k in CONDITION_COLUMNS
            if a.get(k) != b.get(k)
        ]

    def all_ratios(self) -> list[float]:
        return [x for r in self.results for values in r.ratios.values() for x in values]


def compare(this_dir: Path, other_dir: Path) -> Comparison:
    """Compare every table present in both builds."""
    this_tables, other_tables = tables_of(this_dir), tables_of(other_dir)
    this_prov, other_prov = provenance(this_dir, this_tables), provenance(other_dir, other_tables)
    # the project is deterministic for one environment and one number of threads on one device
    # (parallel_jobs only sets the threads): there, everything must agree to the last bits
    same = (
        bool(this_prov["environment"])
        and this_prov["environment"] == other_prov["environment"]
        and all(this_prov["conditions"].get(k) == other_prov["conditions"].get(k) for k in ("threads", "device"))
    )
    edited = {"this build": edited_tables(this_dir, this_tables), "other build": edited_tables(other_dir, other_tables)}
    results = []
    for name in sorted(set(this_tables) & set(other_tables)):
        result = compare_frames(name, pd.read_csv(this_tables[name]), pd.read_csv(other_tables[name]), same)
        result.edited = [who for who, names in edited.items() if name in names]
        results.append(result)
    return Comparison(
        this_prov,
        other_prov,
        same,
        results,
        only_this=sorted(set(this_tables) - set(other_tables)),
        only_other=sorted(set(other_tables) - set(this_tables)),
        digests={f"results/{p.name}": sha256_file(p) for p in this_tables.values()},
    )


def _ratio_text(ratios: list[float]) -> str:
    if not ratios:
        return "no timings to compare"
    s = pd.Series(ratios)
    return f"{len(s)} timings, other/this median {s.median():.3g} (range {s.min():.3g} to {s.max():.3g})"


def summary_text(c: Comparison, html_path: Path | None, top: int = 8) -> str:
    """The short terminal report: counts, what differs between the builds, largest differences."""
    lines = [
        f"this:  {c.this['name']} (profile {c.this['profile']}, commit {c.this['commit']})",
        f"other: {c.other['name']} (profile {c.other['profile']}, commit {c.other['commit']})",
    ]
    lines.append("environment: " + c.environment_verdict())
    if conditions := c.condition_changes():
        lines.append("conditions (this / other): " + "; ".join(conditions))
    lines.append("tolerance: " + c.tolerance_text())
    header = ["", "compared", "identical", "within tolerance", "differing", "only here", "only there"]
    row = ["tables", *c.counts()]
    widths = [max(len(h), 6) for h in header]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
    values = sum(r.values for r in c.results)
    diffs = c.differences()
    lines.append(
        f"values: {values} compared, {sum(not d.ok for d in diffs)} differing, "
        f"{sum(d.ok for d in diffs)} within tolerance; {_ratio_text(c.all_ratios())}"
    )
    for name in c.only_this:
        lines.append(f"  only in this build: results/{name}.csv")
    for name in c.only_other:
        lines.append(f"  only in the other build: results/{name}.csv")
    for r in c.results:
        for warning in r.warnings:
            lines.append(f"  warning: {r.name}: {warning}")
        for who in r.edited:
            lines.append(f"  note: {r.name}: the {who}'s copy was changed after its job wrote it (stamp SHA-256)")
    if diffs:
        lines.append("largest differences (this -> other):")
        for d in diffs[:top]:
            verdict = "within tolerance" if d.ok else "DIFFERS"
            rel = "" if math.isinf(d.rel) else f", rel. {d.rel:.2g}"
            used = "" if math.isinf(d.used) else f", {d.used:.2g} of allowed"
            lines.append(f"  {d.table} [{d.key}] {d.column}: {d.this} -> {d.other} ({d.cls}{rel}{used}) {verdict}")
        if len(diffs) > top:
            lines.append(f"  ... {len(diffs) - top} more in {html_path or 'compare.html'}")
    verdict = "REPRODUCED: everything that should match does" if c.reproduced else "DIFFERS"
    lines.append(verdict + (f"; details in {html_path}" if html_path else ""))
    return "\n".join(lines)


def record(c: Comparison) -> dict[str, Any]:
    """compare.json: the other build's name and the result, with this build's tables' SHA-256
    so that a later reader can tell the comparison still speaks for the tables on disk."""
    return {
        "other": c.other["name"],
        "other_folder": c.other["folder"],
        "compared": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "reproduced": c.reproduced,
        "tables": len(c.results),
        "identical": c.count("identical"),
        "within_tolerance": c.count("within tolerance"),
        "differing": c.count("differs"),
        "only_this": c.only_this,
        "only_other": c.only_other,
        "digests": c.digests,
    }
