"""How two builds' result tables are compared: the rules, in one place, and the matching.

For every table ``results/<job>.<table>.csv`` present in both builds, rows are matched on
the table's key columns and every other column is compared according to its class
(declared below): exact, deterministic float, seed-dependent, rounding error, timing
(reported as ratios, never expected to match) or run condition (shown as provenance, not
compared). Builds on the same environment and run conditions must agree to the last bits
of a float64; otherwise floats may move in float32's last bits and seed-dependent values
within their spread over seeds.

The rest of the comparison: the two folders (``folders.py``), the comparison of two builds
and its record (``comparison.py``), its page (``page.py``), its command line (``cli.py``).
The record, ``compare.json``, is read back by ``store.results.reproduced_against`` for the
provenance appendix, so that no job depends on the comparison's code.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# ---------------------------------------------------------------------------------------
# What is compared and how: the one place to edit when a notebook gains a table or column.
# ---------------------------------------------------------------------------------------

# Key columns per table kind ("<notebook>.<table>"): the columns that name a row, so that
# rows are matched on what they are, not where they are. () is a one-row table. A kind not
# listed here is matched by row order, with a warning (a new table should be added here).
KEYS: dict[str, tuple[str, ...]] = {
    "01_data.class_counts": ("digit",),
    "02_sgd.reference": (),
    "02_sgd.checks": (),
    "02_sgd.curves": ("t",),
    "02_sgd.hand": ("seed",),
    "03_batch_size.sweep": ("batch_size", "lr", "seed"),
    "03_batch_size.sweep_curves": ("batch_size", "lr", "seed", "t"),
    "03_batch_size.runs": ("batch_size", "lr", "seed"),
    "03_batch_size.curves": ("batch_size", "lr", "seed", "t"),
    "03_batch_size.halved": ("batch_size", "lr", "seed", "t"),
    "03_batch_size.hand": ("batch_size", "lr", "seed"),
    "03_batch_size.chosen": ("batch_size",),
    "03_batch_size.rates": ("batch_size", "lr"),
    "03_batch_size_summary.target_choices": ("batch_size", "target_pct"),
    "03_batch_size_summary.itr": ("batch_size",),
    "04_batch_size_summary.batch_size_summary": ("batch_size",),
    "05_dataset_size.runs": ("dataset_size", "subset"),
    "05_dataset_size.curves": ("dataset_size", "subset", "t"),
    "05_dataset_size.split_curves": ("dataset_size", "subset", "t"),
    "05_dataset_size.hand_setting": ("dataset_size", "subset"),
    "05_dataset_size_summary.dataset_size_summary": ("dataset_size",),
    "05_dataset_size_summary.exact_fits": ("dataset_size", "subset"),
    "05_dataset_size_summary.thresholds": ("subset",),
    "06_pytorch.equivalence": ("implementation",),
    "06_pytorch.gradient_check": (),
    "06_pytorch.runs": ("implementation", "seed"),
    "06_pytorch.curves": ("implementation", "seed", "t"),
    "06_pytorch.hand_rates": ("rate", "implementation", "seed"),
    "07_mlp_grid.runs": ("arch", "batch_size", "lr", "seed"),
    "07_mlp_grid.history": ("arch", "batch_size", "lr", "seed", "epoch"),
    "07_mlp_summary.cells": ("batch_size", "lr"),
    "07_mlp_summary.backward_check": ("lr", "images"),
    "08_architectures.runs": ("model", "seed"),
    "08_architectures.history": ("model", "seed", "epoch"),
    "08_architectures_summary.models": ("model",),
    "08_architectures_summary.models_late": ("model",),
    "08_architectures_summary.accuracy_by_epoch": ("model", "epoch"),
}

# Key columns that draw a random replicate (a seed, or a random subset of the data): the
# spread of a quantity across them is the yardstick for seed-dependent values.
SEED_COLUMNS = ("seed", "subset")

# Timing columns: wall-clock seconds depend on the machine and its load, so they are
# reported as ratios (other / this) and never make a comparison fail. Any column whose
# name contains "seconds" or ends in "_s" is one; others are listed here.
TIMING_COLUMNS: set[str] = {"epoch_seconds", "eval_seconds", "seconds_per_epoch", "seconds_target"}

# The conditions a build ran under (torch threads, device, jobs in parallel): they explain
# timings and are shown with the provenance, but are not results.
CONDITION_COLUMNS = ("threads", "device", "parallel_jobs")

# Integer-valued columns that pandas reads as floats when some cells are empty (a run that
# did not diverge has no diverged_at): compared exactly, as counts and iterations are.
EXACT_COLUMNS: set[str] = {
    "diverged_at",
    "t_target",
    "itr",
    "iterations",
    "rank",
    "rank_H",
    "parameters",
    "steps",
    "epochs",
    "seeds",
    "subsets",
    "diverged_seeds",
    "train_acc_images",
}

# Deterministic floats agree when |a - b| <= rtol * max(|a|, |b|) + ATOL. A build is
# deterministic for one environment and one set of run conditions: there RTOL only allows
# the last bits of a float64. With other torch threads (or packages, or device) torch sums
# its float32 losses in another order: measured between a -j 1 and a -j 2 quick build, the
# losses moved by up to 4e-7 relative (float32's epsilon is 1.2e-7), so RTOL_ELSEWHERE
# allows a few float32 units in the last place. ATOL lets quantities that are pure rounding
# error (a closed-form loss of 1e-29 on a subset it fits exactly) agree.
RTOL = 1e-9
RTOL_ELSEWHERE = 1e-6
ATOL = 1e-12

# Columns that measure rounding error (a gradient check, the distance between two
# implementations' weights): their digits are noise, what must reproduce is that they are
# small. They agree when both are below ROUNDOFF_BOUND, and as floats otherwise.
ROUNDOFF_COLUMNS: set[str] = {
    "relative_difference",
    "gradient_max_abs_diff",
    "gradient_rel_diff",
    "max_deviation",
    "formula_vs_autograd",
    "weights_rel_diff",
    "loss_rel_diff",
    "nudge_weights_rel_diff",
    "nudge_loss_rel_diff",
    "step_rel_diff",
}
ROUNDOFF_BOUND = 1e-5

# Column classes, from strictest to not compared.
EXACT, FLOAT, SEED, ROUNDOFF, TIMING, CONDITION = "exact", "float", "seed-dependent", "rounding", "timing", "condition"


# ---------------------------------------------------------------------------------------
# Column classes and row keys
# ---------------------------------------------------------------------------------------


def table_kind(name: str) -> str:
    """'03_batch_size__batch_size-10.runs' -> '03_batch_size.runs': grid jobs share a kind."""
    job, _, table = name.rpartition(".")
    return f"{job.split('__')[0]}.{table}"


def is_timing(column: str) -> bool:
    return "seconds" in column or column.endswith("_s") or column in TIMING_COLUMNS


def column_class(column: str, columns: list[pd.Series], seeded: bool) -> str:
    """How a column should agree between builds. ``columns`` holds it in both builds: a
    float in either makes it a float (an edited count 800 -> 800.5 is still caught)."""
    if column in CONDITION_COLUMNS:
        return CONDITION
    if is_timing(column):
        return TIMING
    if column in ROUNDOFF_COLUMNS:
        return ROUNDOFF
    if column in EXACT_COLUMNS or not any(pd.api.types.is_float_dtype(c) for c in columns):
        return EXACT  # integers, booleans, strings: identities and counts
    return SEED if seeded else FLOAT


def key_columns(kind: str, frames: list[pd.DataFrame]) -> tuple[list[str] | None, list[str]]:
    """The declared key columns of a table kind, or None (match by row order) with why."""
    if kind not in KEYS:
        return None, [f"no key columns declared for '{kind}' (compare.KEYS): rows matched by row order"]
    keys = list(KEYS[kind])
    absent = [k for k in keys if any(k not in f.columns for f in frames)]
    if absent:
        return None, [f"key column(s) {', '.join(absent)} missing: rows matched by row order"]
    return keys, []


def row_keys(df: pd.DataFrame, keys: list[str] | None) -> tuple[list[tuple], list[str]]:
    """One hashable key per row. A key that repeats gets its occurrence number appended, so
    that no row is dropped (and the repetition is reported: the declared key is too short)."""
    if keys is None:
        return [("row", i + 1) for i in range(len(df))], []
    raw = [tuple(_plain(v) for v in row) for row in df[keys].itertuples(index=False)] if keys else [()] * len(df)
    seen: Counter = Counter()
    out = []
    for key in raw:
        seen[key] += 1
        out.append(key if seen[key] == 1 else (*key, ("#", seen[key])))
    repeated = [k for k, n in seen.items() if n > 1]
    warnings = (
        [f"{len(repeated)} key(s) repeat (e.g. {describe_key(keys, repeated[0])}): matched by occurrence"]
        if repeated
        else []
    )
    return out, warnings


def describe_key(keys: list[str] | None, key: tuple) -> str:
    if keys is None:
        return f"row {key[1]}"
    parts = [f"{k}={shown(v)}" for k, v in zip(keys, key)]
    parts += [f"occurrence {v[1]}" for v in key[len(keys) :]]
    return ", ".join(parts) or "(the one row)"


def seed_spreads(df: pd.DataFrame, keys: list[str], column: str) -> dict[tuple, float]:
    """The range (max - min) of a column over the seeds of each group of otherwise equal
    keys: how much this quantity moves when only the random draw changes."""
    group = [k for k in keys if k not in SEED_COLUMNS]
    values = pd.to_numeric(df[column], errors="coerce")
    if not group:
        spread = float(values.max() - values.min()) if values.notna().any() else 0.0
        return {(): spread}
    ranges = values.groupby([df[g] for g in group], dropna=False).agg(lambda s: s.max() - s.min())
    # keys as compare_frames builds them (plain Python values), whatever pandas grouped by
    return {
        tuple(_plain(x) for x in (k if isinstance(k, tuple) else (k,))): (0.0 if pd.isna(v) else float(v))
        for k, v in ranges.items()
    }


# ---------------------------------------------------------------------------------------
# Comparing values
# ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones, and NaN as None, so that keys hash and compare alike."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def shown(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "(empty)"
    return repr(value) if isinstance(value, float) else str(value)


def _number(value: Any) -> float | None:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def agreement(a: Any, b: Any, cls: str, rtol: float = RTOL, spread: float = 0.0) -> tuple[str, float, float]:
    """('identical' | 'within' | 'differs', relative difference, allowed absolute difference)."""
    a, b = _plain(a), _plain(b)
    x, y = _number(a), _number(b)
    if a == b or (x is not None and y is not None and x == y):
        return "identical", 0.0, 0.0
    if x is None or y is None or math.isinf(x) or math.isinf(y):  # text, empty vs a value, inf
        return "differs", math.inf, 0.0
    rel = abs(x - y) / max(abs(x), abs(y))
    if cls == EXACT:
        return "differs", rel, 0.0
    if cls == ROUNDOFF and max(abs(x), abs(y)) <= ROUNDOFF_BOUND:
        return "within", rel, 2 * ROUNDOFF_BOUND  # both below the bound: at most that far apart
    allowed = rtol * max(abs(x), abs(y)) + ATOL
    if cls == SEED:
        allowed = max(allowed, spread)
    return ("within" if abs(x - y) <= allowed else "differs"), rel, allowed


@dataclass
class Difference:
    """One value (or row, or column) that is not identical in the two builds."""

    table: str
    key: str
    column: str
    this: str
    other: str
    cls: str
    rel: float
    allowed: float
    ok: bool
    delta: float = math.inf  # |a - b|

    @property
    def used(self) -> float:
        """|a - b| over what its class allows: > 1 differs; ranks differences of all scales alike."""
        return self.delta / self.allowed if self.allowed else math.inf


@dataclass
class TableResult:
    name: str
    status: str = "identical"  # identical | within tolerance | differs
    rows: int = 0
    values: int = 0
    warnings: list[str] = field(default_factory=list)
    diffs: list[Difference] = field(default_factory=list)
    ratios: dict[str, list[float]] = field(default_factory=dict)  # timing column -> other / this
    edited: list[str] = field(default_factory=list)  # builds whose copy no longer matches its stamp


def compare_frames(name: str, this: pd.DataFrame, other: pd.DataFrame, same: bool) -> TableResult:
    """Compare one table of the two builds. ``same``: the builds ran on the same environment
    and run conditions, where the project is deterministic: floats are held to RTOL, and so
    are seed-dependent values (their spread over seeds would hide a real change). Otherwise
    floats are held to RTOL_ELSEWHERE and seed-dependent values may move within their spread."""
    rtol = RTOL if same else RTOL_ELSEWHERE
    result = TableResult(name)
    keys, result.warnings = key_columns(table_kind(name), [this, other])
    this_keys, w1 = row_keys(this, keys)
    other_keys, w2 = row_keys(other, keys)
    result.warnings += sorted(set(w1 + w2))
    this_at = {k: i for i, k in enumerate(this_keys)}
    other_at = {k: i for i, k in enumerate(other_keys)}
    matched = [k for k in this_keys if k in other_at]
    result.rows = len(matched)

    def add(
        key: str,
        column: str,
        a: str,
        b: str,
        cls: str,
        rel: float = math.inf,
        allowed: float = 0.0,
        ok: bool = False,
        delta: float = math.inf,
    ) -> None:
        result.diffs.append(Difference(name, key, column, a, b, cls, rel, allowed, ok, delta))

    for key in this_keys:
        if key not in other_at:
            add(describe_key(keys, key), "(row)", "present", "missing", "row")
    for key in other_keys:
        if key not in this_at:
            add(describe_key(keys, key), "(row)", "missing", "present", "row")
    key_list = keys or []
    key_set = set(key_list)
    for column in [c for c in this.columns if c not in other.columns]:
        add("(all rows)", column, "present", "missing", "column")
    for column in [c for c in other.columns if c not in this.columns]:
        add("(all rows)", column, "missing", "present", "column")

    seeded = any(k in SEED_COLUMNS for k in key_list)
    for column in [c for c in this.columns if c in other.columns and c not in key_set]:
        cls = column_class(column, [this[column], other[column]], seeded)
        if cls == CONDITION:
            continue
        a_values, b_values = this[column].tolist(), other[column].tolist()
        if cls == TIMING:
            pairs = [(_number(a_values[this_at[k]]), _number(b_values[other_at[k]])) for k in matched]
            result.ratios[column] = [
                b / a for a, b in pairs if a and b and a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)
            ]
            continue
        spreads = (seed_spreads(this, key_list, column), seed_spreads(other, key_list, column)) if cls == SEED else None
        for key in matched:
            a, b = a_values[this_at[key]], b_values[other_at[key]]
            spread = 0.0
            if spreads and not same:
                # the smaller of the two builds' spreads: a value edited or broken in one seed
                # widens that build's spread by the change itself, and must not excuse itself
                group = tuple(v for k, v in zip(key_list, key) if k not in SEED_COLUMNS)
                spread = min(s.get(group, 0.0) for s in spreads)
            result.values += 1
            verdict, rel, allowed = agreement(a, b, cls, rtol, spread)
            if verdict != "identical":
                x, y = _number(a), _number(b)
                delta = abs(x - y) if x is not None and y is not None else math.inf
                add(describe_key(keys, key), column, shown(a), shown(b), cls, rel, allowed, verdict == "within", delta)
    if any(not d.ok for d in result.diffs):
        result.status = "differs"
    elif result.diffs:
        result.status = "within tolerance"
    return result
