"""Task 7's tables of the grid, read by its summary: the grid's cells, the section's one table
(every cell beside the hand-made figures), the detail's table and heat map labels, the hand-made
reference cells beside this build's, and the epochs whose loss the loss figure cannot show. A
cell's numbers are means over its seeds, each seed's accuracies its final ones, after its last
epoch (a run that diverged: as it stopped), as the assignment asks and as the hand figures are
read, with their sample standard deviation (NaN for one seed); where some seeds failed and some
trained, over those that trained (``counted``); the loss after epoch 1 over every seed that
completed it. A run that neither diverged nor got stuck at chance *trained* (``cell.TRAINED``)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from mnist_sgd.science.net_runs import CONVERGED, rises
from mnist_sgd.show import references
from mnist_sgd.tasks.architectures.tables import fluctuation
from mnist_sgd.tasks.mlp_grid.cell import KEYS, LOSS, TRAINED, status_counts, steps_per_epoch
from mnist_sgd.tasks.notation import scientific

CLASSES = 10
# The loss figure's axis ends a little above ln 10, the loss of uniform outputs: a run stuck at
# chance sits just under it, a run that learns below it; a loss above it is a run blowing up,
# which on a log axis of 1e14 would squash every curve that learns.
LOSS_TOP = 1.5 * math.log(CLASSES)
# The detail checks the final (last-epoch) accuracies against each seed's mean over this many last
# epochs, a reading that one epoch's fluctuation moves less (``late_accuracies``).
LATE_EPOCHS = 3


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'; items that hold commas themselves, three or more, apart by
    semicolons: 'B = 8, η = 0.1; B = 32, η = 0.1; and B = 128, η = 1'."""
    if len(items) >= 3 and any(", " in item for item in items):
        return "; ".join(items[:-1]) + "; and " + items[-1]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def span(values: list[float] | pd.Series, spec: str) -> str:
    """'3.1 to 27': the lowest and highest of ``values`` formatted by ``spec``, or one value when
    they are the same as printed ('1.57', not '1.57 to 1.57')."""
    low, high = format(min(values), spec), format(max(values), spec)
    return low if low == high else f"{low} to {high}"


def pm(mean: float, sd: float, alone: str = ".2f") -> str:
    """'98.29 ± 0.03', '0.104 ± 0.015': the one rounding of a value over seeds, in the tables and the
    text alike. The s.d. to 1 significant figure, 2 when its first digit is a 1 (a 1 alone would
    round it by up to a third), and the mean to the same decimal place; an s.d. of 0 keeps
    ``alone``'s decimals. The mean alone, formatted by ``alone``, when there is no s.d. (one seed); '' when
    missing. No-break spaces keep a table cell on one line."""
    if not math.isfinite(mean):
        return ""
    if not math.isfinite(sd):
        return format(mean, alone)
    if sd == 0:
        return f"{format(mean, alone)}\u00a0±\u00a0{format(0.0, alone)}"
    figures = 2 if f"{sd:e}".startswith("1") else 1
    exponent = int(f"{sd:.{figures - 1}e}".split("e")[1])  # of the s.d. as rounded: 0.096 is 0.1
    places = max(0, figures - 1 - exponent)
    return f"{mean:.{places}f}\u00a0±\u00a0{sd:.{places}f}"


def eta_over_b(cells: pd.DataFrame) -> pd.Series:
    """η/B of each cell: the learning rate per example of a batch (an epoch's steps add up to
    the training images times η/B)."""
    return cells["lr"].astype(float) / cells["batch_size"].astype(float)


def ratio_said(value: float) -> str:
    """η/B to 3 significant figures, rounded half up (an exact ratio of two settings, so no spread
    decides its digits), in powers of ten below 0.01 as Task 4 writes it: '0.0313', '7.81 × 10⁻⁵'."""
    exact = Decimal(repr(float(value)))
    return scientific(float(exact.quantize(Decimal(1).scaleb(exact.adjusted() - 2), rounding=ROUND_HALF_UP)))


def _seed_rises(history: pd.DataFrame) -> pd.DataFrame:
    """Per seed of each cell: the epochs its loss rose (``net_runs.rises``) and the epochs it
    completed."""
    rows = []
    for (b, lr, seed), h in history.groupby([*KEYS, "seed"]):
        count, _ = rises(h.sort_values("epoch")[LOSS])
        rows.append({"batch_size": b, "lr": lr, "seed": seed, "rises": count, "done": len(h)})
    return pd.DataFrame(rows, columns=[*KEYS, "seed", "rises", "done"])


def _sd(values: pd.Series) -> float:
    """Sample standard deviation; NaN for fewer than two values."""
    values = values.dropna()
    return float(values.std(ddof=1)) if len(values) >= 2 else math.nan


def counted(seeds: pd.DataFrame) -> pd.DataFrame:
    """The seeds of one cell whose values the cell reports: those that converged when some did
    and some did not (the accuracy a failed run ends at says how it failed, and a mean over both
    kinds describes no run), else every seed. ``seeds``: one row per seed with ``status``."""
    ok = seeds[seeds["status"] == CONVERGED]
    return ok if 0 < len(ok) < len(seeds) else seeds


def _epoch_time(seeds: pd.DataFrame) -> tuple[float, float]:
    """The training time per epoch of a cell over every seed, a failed one over the epochs it
    completed (an epoch costs the same work whatever the weights hold, so its time is as
    meaningful as a converged run's): the mean over all those epochs, as each run's own text
    gives it, and the s.d. of the seeds' means. ``seeds``: ``seconds_per_epoch`` and ``done``
    (epochs completed) per seed."""
    timed = seeds[["seconds_per_epoch", "done"]].dropna()
    timed = timed[timed["done"] > 0]
    if timed.empty:
        return math.nan, math.nan
    mean = float((timed["seconds_per_epoch"] * timed["done"]).sum() / timed["done"].sum())
    return mean, _sd(timed["seconds_per_epoch"])


def late_accuracies(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with each seed's ``late_test_acc`` and ``late_train_acc``: its mean accuracies over
    its last ``LATE_EPOCHS`` epochs (``history``: test_acc and train_acc per epoch), except for a
    run that diverged, which keeps those it stopped at (its last epochs are not a reading of one
    network). Fractions, like the final ones, which they check (``grid_cells``: late_test_acc)."""
    runs = runs.astype({"lr": float}).drop(columns=["late_test_acc", "late_train_acc"], errors="ignore")
    ordered = history.astype({"lr": float}).sort_values("epoch")
    late = (
        ordered.groupby([*KEYS, "seed"])[["test_acc", "train_acc"]]
        .agg(lambda v: v.tail(LATE_EPOCHS).mean())
        .rename(columns={"test_acc": "late_test_acc", "train_acc": "late_train_acc"})
        .reset_index()
    )
    out = runs.merge(late, on=[*KEYS, "seed"], how="left")
    stopped = out["diverged"].astype(bool) | out["late_test_acc"].isna()
    out.loc[stopped, "late_test_acc"] = out.loc[stopped, "final_test_acc"]
    out.loc[stopped, "late_train_acc"] = out.loc[stopped, "final_train_acc"]
    return out


def swings(history: pd.DataFrame, runs: pd.DataFrame, column: str = "test_acc") -> dict[tuple[float, float], float]:
    """Per cell (batch_size, lr): how far one trained seed's ``column`` (an accuracy) swings from
    epoch to epoch, in points, read as Task 8 reads its test accuracy (``architectures.tables.
    fluctuation``: the s.d. about a straight line through its last epochs), the mean over the cell's
    trained seeds; a cell with none is left out. ``runs``: status per seed; ``history``: ``column``
    per seed and epoch."""
    ok = runs.astype({"lr": float})
    ok = ok[ok["status"] == CONVERGED][[*KEYS, "seed"]]
    h = history.astype({"lr": float}).merge(ok, on=[*KEYS, "seed"])
    keys = [f"{b}/{lr}" for b, lr in zip(h["batch_size"], h["lr"], strict=True)]  # a name per cell, as per model
    cell_of = dict(zip(keys, zip(h["batch_size"].astype(float), h["lr"], strict=True), strict=True))
    read = fluctuation(h.assign(model=keys, test_acc=h[column]))  # the accuracy read in place of the test one
    return {cell_of[key]: float(v) for key, v in read.items()}


def grid_cells(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per (batch_size, lr) cell of a grid.

    ``runs``: one row per seed with ``status`` (``net_runs.with_status``), final accuracies
    (scored after the last epoch, a diverged run as it stopped), ``seconds_per_epoch`` and
    ``train_images``; ``history``: per seed and epoch the loss and both accuracies.
    Each value ``v`` below is the mean over the cell's ``counted`` seeds (``counted_seeds`` of
    them: those that converged, where some seeds failed) with ``v_sd`` its sample s.d. (NaN for
    one seed): ``test_acc``, ``train_acc`` (the final accuracies), ``gap`` (train - test, points),
    ``late_test_acc`` (each seed's test accuracy over its last epochs, ``late_accuracies``: the
    detail's check of the final one), ``rises`` (the epochs a seed's loss rose, ``net_runs.rises``);
    ``loss_epoch1``, the loss after the first epoch, over every seed whose loss after it is finite
    (a seed that failed later had completed it like the others); ``seconds_per_epoch`` over every
    seed (``_epoch_time``) and ``eval_seconds``, the mean time of the evaluation after an epoch
    (both sets scored). Also: ``status`` (``status_counts``), ``all_converged``,
    ``converged_seeds``, ``diverged_seeds``, ``stuck_seeds``, ``diverged`` (every seed diverged),
    ``completed`` (the fewest epochs a counted seed completed), ``final_loss`` and ``final_loss_sd``
    (over the counted seeds that did not diverge), ``final_log_loss`` and ``final_log_loss_sd``, the
    same of its natural logarithm (by which two cells' final losses are compared), and ``swing`` and
    ``train_swing``, those of the test and training accuracy (points, ``swings``; NaN where no seed
    trained), which a verdict on an accuracy counts besides the seeds' s.d. (``ties.noise``,
    ``hand.agrees``).
    """
    # a learning rate read back from CSV may be an integer column (e.g. all cells at lr 1)
    runs, history = runs.astype({"lr": float}), history.astype({"lr": float})
    per_seed = late_accuracies(runs, history).merge(_seed_rises(history), on=[*KEYS, "seed"], how="left")
    first = history[history["epoch"] == 1][[*KEYS, "seed", LOSS]].rename(columns={LOSS: "loss1"})
    per_seed = per_seed.merge(first, on=[*KEYS, "seed"], how="left")
    per_seed["gap"] = 100 * (per_seed["final_train_acc"] - per_seed["final_test_acc"])
    per_seed["diverged"] = per_seed["diverged"].astype(bool)
    rows = []
    for (b, lr), c in per_seed.groupby(KEYS):
        converged, diverged = int((c["status"] == CONVERGED).sum()), int(c["diverged"].sum())
        shown = counted(c)
        row = {
            "batch_size": b,
            "lr": lr,
            "seeds": len(c),
            "counted_seeds": len(shown),
            "epochs": int(c["epochs"].max()),
            "status": status_counts(c["status"]),
            "converged_seeds": converged,
            "diverged_seeds": diverged,
            "stuck_seeds": len(c) - converged - diverged,
            "threads": c["threads"].max(),
            "parallel_jobs": c["parallel_jobs"].max(),
            "train_images": int(c["train_images"].max()),
            "final_loss": shown.loc[~shown["diverged"], "final_train_loss"].mean(),
            "final_loss_sd": _sd(shown.loc[~shown["diverged"], "final_train_loss"]),
            # losses spread over orders of magnitude between seeds: compared by their logarithm, as drawn
            "final_log_loss": np.log(shown.loc[~shown["diverged"], "final_train_loss"]).mean(),
            "final_log_loss_sd": _sd(np.log(shown.loc[~shown["diverged"], "final_train_loss"])),
            "completed": shown["done"].min(),
        }
        for column, source in [
            ("test_acc", "final_test_acc"),
            ("train_acc", "final_train_acc"),
            ("gap", "gap"),
            ("late_test_acc", "late_test_acc"),
            ("rises", "rises"),
        ]:
            row[column], row[f"{column}_sd"] = shown[source].mean(), _sd(shown[source])
        first_epoch = c["loss1"][np.isfinite(c["loss1"])]
        row["loss_epoch1"], row["loss_epoch1_sd"] = first_epoch.mean(), _sd(first_epoch)
        row["seconds_per_epoch"], row["seconds_per_epoch_sd"] = _epoch_time(c)
        timed = history[(history["batch_size"] == b) & (history["lr"] == lr)]
        row["eval_seconds"] = timed["eval_seconds"].mean() if "eval_seconds" in timed else math.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out["all_converged"] = out["converged_seeds"] == out["seeds"]
    out["diverged"] = out["diverged_seeds"] == out["seeds"]
    cells = list(zip(out["batch_size"].astype(float), out["lr"], strict=True))
    for name, column in (("swing", "test_acc"), ("train_swing", "train_acc")):
        swing = swings(history, runs, column)
        out[name] = [swing.get(cell, math.nan) for cell in cells]
    return out


def failures(cell: pd.Series) -> str:
    """How the seeds of a cell failed, in plain words: 'stuck at chance' (one seed), '2 of 3
    diverged' ('diverged': the loss became non-finite; 'stuck at chance': either having learnt
    first or not); '' when every seed trained."""
    seeds = int(cell["seeds"])
    failed = [(int(cell["stuck_seeds"]), "stuck at chance"), (int(cell["diverged_seeds"]), "diverged")]
    return "; ".join(what if n == seeds == 1 else f"{n} of {seeds} {what}" for n, what in failed if n)


def outcome(cell: pd.Series) -> str:
    """How a cell's seeds ended: 'trained', or its ``failures`` ('2 of 3 diverged'); the table's
    caption says that a cell's values are those of its surviving seeds."""
    return TRAINED if cell["converged_seeds"] == cell["seeds"] else failures(cell)


def cells_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Every cell run (``grid_cells``) with what the section's table leaves out: the status of
    its seeds in full, the loss after epoch 1, the gap between training and test accuracy, the
    epochs its loss rose and the training time per epoch (mean ± s.d. over the counted seeds, the
    mean alone for one, as every value over seeds: ``pm``; the times over every seed,
    ``_epoch_time``) and per update (2 significant figures: it varies by tens of per cent between
    runs)."""
    ms = 1000 * cells["seconds_per_epoch"] / steps_per_epoch(cells)
    return pd.DataFrame(
        {
            "B": cells["batch_size"].astype(int),
            "η": cells["lr"].map(lambda v: f"{v:g}"),
            "seeds": cells["seeds"],
            "status": cells["status"],
            "loss after epoch 1": [
                pm(m, s, ".3f") for m, s in zip(cells["loss_epoch1"], cells["loss_epoch1_sd"], strict=True)
            ],
            "train − test (points)": [pm(m, s) for m, s in zip(cells["gap"], cells["gap_sd"], strict=True)],
            "epochs the loss rose": [pm(m, s, ".1f") for m, s in zip(cells["rises"], cells["rises_sd"], strict=True)],
            # the one rounding of a value over seeds (``pm``), as every other column
            "s per epoch": [
                pm(m, s) for m, s in zip(cells["seconds_per_epoch"], cells["seconds_per_epoch_sd"], strict=True)
            ],
            "ms per update": [two_significant(v) for v in ms],
        }
    )


def two_figures(mean: float, sd: float) -> str:
    """A measured time to 2 significant figures, its s.d. to the same decimals, or to one
    significant figure when those would round it to 0: '9.9 ± 1.1', '14 ± 0.5', '10'."""
    text = f"{float(f'{mean:.2g}'):g}"  # no exponent: '120', not '1.2e+02'
    if not math.isfinite(sd):
        return text
    decimals = len(text.split(".")[1]) if "." in text else 0
    if 0 < sd < 0.5 * 10**-decimals:
        decimals = max(decimals, -math.floor(math.log10(sd)))
    return f"{text}\u00a0±\u00a0{sd:.{decimals}f}"


def two_significant(value: float) -> str:
    """A measured time to 2 significant figures, a trailing zero kept and no exponent: '0.90',
    '5.0', '120'."""
    text = f"{value:#.2g}".rstrip(".")
    return two_figures(value, math.nan) if "e" in text else text


def short_status(trained: int, stuck: int, diverged: int) -> str:
    """A cell's seeds by outcome in a word each: 'stuck', '2 trained, 1 diverged'."""
    present = [(n, word) for n, word in ((trained, TRAINED), (stuck, "stuck"), (diverged, "diverged")) if n]
    return present[0][1] if len(present) == 1 else ", ".join(f"{n} {word}" for n, word in present)


def heatmap_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` (``grid_cells``) with each status short enough for a cell of the heat map (the
    table under it gives them in full): ``short_status``, 'stuck' standing for stuck at chance
    and 'diverged' for either way of diverging, learnt first or not."""
    counts = zip(cells["converged_seeds"], cells["stuck_seeds"], cells["diverged_seeds"], strict=True)
    return cells.assign(status=[short_status(int(c), int(s), int(d)) for c, s, d in counts])


def loss_axis_top(history: pd.DataFrame) -> float:
    """Where the loss figure's axis ends: a quarter above the largest finite loss, but no higher
    than ``LOSS_TOP`` (a loss above it is drawn as a mark on the top edge, ``off_axis``) and no
    lower than a tenth above ln 10, so that the line of uniform outputs is always on the axis."""
    finite = history[LOSS][np.isfinite(history[LOSS])]
    highest = 1.25 * float(finite.max()) if len(finite) else LOSS_TOP
    return max(1.1 * math.log(CLASSES), min(LOSS_TOP, highest))


def off_axis(history: pd.DataFrame, top: float) -> pd.DataFrame:
    """The epochs whose finite training loss is above ``top``, the runs' keys first: batch_size,
    lr, seed, epoch and the loss (``LOSS``), in the order of the runs and their epochs."""
    above = history[np.isfinite(history[LOSS]) & (history[LOSS] > top)]
    return above[[*KEYS, "seed", "epoch", LOSS]].sort_values([*KEYS, "seed", "epoch"]).reset_index(drop=True)


def reference_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per hand-made reference cell (``references.mlp_grid``, fractions) with this
    build's columns of that cell from ``cells`` (missing when the cell was not run)."""
    return references.mlp_grid().merge(cells, on=KEYS, how="left")


def reference_comparison(cells: pd.DataFrame) -> pd.DataFrame:
    """``reference_cells`` with ref_test and ref_train in percent and failed (the seeds that did
    not converge; NaN where the cell was not run). The hand figures are set against each seed's
    final (last-epoch) accuracies, read from the runs (``hand``), as the cells' means are."""
    compared = reference_cells(cells)
    compared["failed"] = compared["seeds"] - compared["converged_seeds"]
    compared[["ref_test", "ref_train"]] *= 100
    return compared


def grid_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The section's one table: every cell (``grid_cells``) in the order of η/B (``eta_over_b``;
    the batch size breaks a tie), its seeds (left out when every cell ran as many), how they ended
    (``outcome``), the final accuracies in percent (mean ± s.d., the value alone for one seed), and
    the hand-made figures, each one run's last epoch, beside them where the assignment gives them
    (blank elsewhere). The loss after epoch 1 is the detail's table's (``cells_table``)."""
    cells = cells.assign(eta_b=eta_over_b(cells)).sort_values(["eta_b", "batch_size"])
    hand = cells[KEYS].merge(references.mlp_grid(), on=KEYS, how="left")

    def percent(column: str) -> list[str]:  # one number of decimals down an accuracy column, not pm's per row
        pairs = zip(100 * cells[column], 100 * cells[f"{column}_sd"], strict=True)
        return [
            "" if not math.isfinite(m) else f"{m:.2f}" + (f"\u00a0±\u00a0{s:.2f}" if math.isfinite(s) else "")
            for m, s in pairs
        ]

    def by_hand(column: str) -> list[str]:  # blank where the assignment gives no figure
        return ["" if pd.isna(v) else f"{100 * v:.2f}" for v in hand[column]]

    table = pd.DataFrame(
        {
            "η/B": cells["eta_b"].map(ratio_said).to_numpy(),
            "B": cells["batch_size"].astype(int).to_numpy(),
            "η": cells["lr"].map(lambda v: f"{v:g}").to_numpy(),
            "seeds": cells["seeds"].to_numpy(),
            "outcome": [outcome(c) for _, c in cells.iterrows()],
            # the caption says the reading: after the last epoch, the hand runs' as ours
            "train (%)": percent("train_acc"),
            "test (%)": percent("test_acc"),
            "train by hand": by_hand("ref_train"),
            "test by hand": by_hand("ref_test"),
        }
    )
    return table.drop(columns="seeds") if table["seeds"].nunique() == 1 else table  # one count: the text says it
