"""Task 7's commentary on the grid of batch sizes and learning rates: the paragraph under each
cell, written from the runs of its seeds, and the comparison of the cells, written from the
table of its cells (``mlp_tables.grid_cells``). Every number and comparison in the text is
computed here from those tables, so the prose cannot contradict the tables and heat maps."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from mnist_sgd.science import nets
from mnist_sgd.show import provenance
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import fixed, pct, plural
from mnist_sgd.tasks.mlp_grid.cell import cell_label, steps_per_epoch

NAMES = {"lr": "η", "batch_size": "B"}


def _listing(df: pd.DataFrame, key: str, value: str, fmt: Callable[[list[float]], list[str]] = fixed) -> str:
    """'η = 0.1 (98.33%), η = 1 (95.42%)' in the order of ``df``; ``fmt`` formats the whole list
    of values at once, so that they share their decimals."""
    return ", ".join(f"{NAMES[key]} = {k:g} ({v})" for k, v in zip(df[key], fmt(df[value].tolist()), strict=True))


def _percents(values: list[float]) -> list[str]:
    return [pct(v) for v in values]


def _noisiest(df: pd.DataFrame, key: str) -> str | None:
    """Which setting of ``key`` has the noisiest loss curve, or None when that cannot be judged
    (fewer than two settings, or fewer than three completed epochs)."""
    df = df.dropna(subset=["rises"])
    if len(df) < 2 or df["completed"].min() < 3:
        return None
    name = NAMES[key]
    if (df["rises"] == 0).all():
        return (
            f"no loss curve rose from one epoch to the next (over at least {df['completed'].min():.0f} epochs "
            "each), so none is noisier than the others"
        )
    top = df.sort_values(["rises", "max_rise"], ascending=False).iloc[0]
    others = df[df[key] != top[key]]
    return (
        f"the noisiest curve is {name} = {top[key]:g}: its loss rose in {top['rises']:.3g} of "
        f"{top['completed'] - 1:.0f} epoch-to-epoch steps (largest rise {100 * top['max_rise']:.2g}%), against "
        + ", ".join(f"{r['rises']:.3g} for {name} = {r[key]:g}" for _, r in others.iterrows())
    )


def mlp_scope_text(cells: pd.DataFrame, assignment_epochs: int) -> str:
    """What this profile ran of the grid: the cells against those its batch sizes and rates
    span, the epochs and seeds per cell, and a warning when the epochs are not the
    assignment's ``assignment_epochs`` or differ between cells. ``cells`` as in ``mlp_lr_text``,
    plus epochs."""
    batches = sorted(cells["batch_size"].unique())
    lrs = sorted(cells["lr"].unique())
    epochs_run = sorted(cells["epochs"].unique())
    text = (
        f"This profile ran **{len(cells)} of the {len(batches) * len(lrs)} cells** spanned by batch sizes "
        f"{', '.join(str(b) for b in batches)} and learning rates {', '.join(f'{lr:g}' for lr in lrs)}, "
        f"with {plural(epochs_run, 'epoch')} per run and {plural(sorted(cells['seeds'].unique()), 'seed')} per cell."
    )
    if epochs_run != [assignment_epochs]:
        text += f" The assignment asks for {assignment_epochs} epochs: final values here are those of a shorter budget."
    if len(epochs_run) > 1:
        text += " The cells ran different numbers of epochs, so their final values are not directly comparable."
    return text


def mlp_timing_note(runs: pd.DataFrame) -> str | None:
    """``provenance.timing_note`` of the conditions (threads, device, parallel jobs) every run
    in ``runs`` was timed under; None when the runs were timed under different conditions."""
    conditions = runs[["threads", "device", "parallel_jobs"]].drop_duplicates()
    return provenance.timing_note(conditions.iloc[0]) if len(conditions) == 1 else None


def mlp_lr_text(cells: pd.DataFrame) -> str:
    """The learning rate, high against low, at each batch size run with two or more rates.

    ``cells``: one row per (batch_size, lr) with status, diverged, diverged_seeds, seeds,
    test_acc, loss_epoch1, rises, max_rise, completed (``mlp_tables.grid_cells``).
    """
    summary, lines = [], []
    for b in sorted(cells["batch_size"].unique()):
        at = cells[cells["batch_size"] == b].sort_values("lr")
        if len(at) < 2:
            continue
        parts = []
        diverged = at[at["diverged"]]
        if len(diverged):
            parts.append(f"η = {', '.join(f'{lr:g}' for lr in diverged['lr'])} diverged")
        stuck = at[at["status"] == "stuck at chance"]
        if len(stuck):
            parts.append(f"η = {', '.join(f'{lr:g}' for lr in stuck['lr'])} stuck at chance (no learning)")
        for r in at[(at["diverged_seeds"] > 0) & ~at["diverged"]].itertuples(index=False):
            parts.append(f"at η = {r.lr:g}, {r.diverged_seeds} of {r.seeds} seeds diverged")
        acc = at.dropna(subset=["test_acc"]).sort_values("test_acc", ascending=False)
        best = acc["lr"].iloc[0] if len(acc) >= 2 else None
        if best is not None:
            parts.append(
                f"the best final test accuracy is at η = {best:g}: " + _listing(acc, "lr", "test_acc", _percents)
            )
        fast = at.dropna(subset=["loss_epoch1"]).sort_values("loss_epoch1")
        fastest = fast["lr"].iloc[0] if len(fast) >= 2 else None
        if fastest is not None:
            parts.append(
                f"the fastest descent (lowest loss after epoch 1) is at η = {fastest:g}: "
                + _listing(fast, "lr", "loss_epoch1")
            )
        noise = _noisiest(at[at["status"] == "converged"], "lr")  # a stuck curve is flat, not calm
        if noise:
            parts.append(noise)
        summary.append({"lrs": at["lr"].tolist(), "best": best, "fastest": fastest, "diverged": len(diverged)})
        lines.append(f"- **B = {b}:** " + "; ".join(parts) + ".")
    if not lines:
        return "No batch size was run with two or more learning rates, so the learning rate cannot be compared here."
    text = "\n".join(lines)
    judged = [s for s in summary if s["best"] is not None]
    if judged:
        hi = sum(s["best"] == max(s["lrs"]) for s in judged)
        lo = sum(s["best"] == min(s["lrs"]) for s in judged)
        text += (
            f"\n\nAcross the {plural(len(judged), 'batch size')} compared, the best final test accuracy came from "
            f"the highest learning rate run in {hi}, from the lowest in {lo} and from one in between in "
            f"{len(judged) - hi - lo}."
        )
    judged = [s for s in summary if s["fastest"] is not None]
    if judged:
        hi = sum(s["fastest"] == max(s["lrs"]) for s in judged)
        text += f" The highest learning rate gave the fastest first epoch in {hi} of {len(judged)}."
    n_div = sum(s["diverged"] for s in summary)
    if n_div:
        text += f" {plural(n_div, 'cell')} of the grid diverged."
    return text


def mlp_batch_text(cells: pd.DataFrame, timing_note: str | None) -> str:
    """The batch size, large against small, at each learning rate run with two or more.

    ``cells`` as in ``mlp_lr_text``, plus seconds_per_epoch and train_images (the images of
    one epoch, from which the steps per epoch follow). ``timing_note``: the sentence on
    how the times were measured when every cell was timed under the same conditions,
    None when the conditions differ.
    """
    falls: list[bool] = []  # per learning rate: did the time per epoch fall steadily with B
    best_at: list[str] = []  # per learning rate: smallest, largest or between, the best B
    lines = []
    for lr in sorted(cells["lr"].unique()):
        at = cells[cells["lr"] == lr].sort_values("batch_size")
        if len(at) < 2:
            continue
        parts = []
        timed = at.dropna(subset=["seconds_per_epoch"])
        if len(timed) >= 2:
            spe = timed["seconds_per_epoch"].to_numpy()
            steps = steps_per_epoch(timed)
            falling = bool(np.all(np.diff(spe) < 0))
            first_ms, last_ms = fixed([1000 * spe[0] / steps[0], 1000 * spe[-1] / steps[-1]])
            parts.append(
                "time per epoch "
                + ("falls as B grows" if falling else "does not fall steadily with B")
                + ": "
                + _listing(timed, "batch_size", "seconds_per_epoch", lambda v: [f"{s} s" for s in fixed(v)])
                + f" (B = {timed['batch_size'].iloc[0]} takes {spe[0] / spe[-1]:.1f}× as long as "
                f"B = {timed['batch_size'].iloc[-1]}; per step it costs {first_ms} ms against {last_ms} ms)"
            )
            falls.append(falling)
        acc = at.dropna(subset=["test_acc"])
        if len(acc) >= 2:
            best = acc.loc[acc["test_acc"].idxmax()]
            parts.append(
                f"the best final test accuracy is at B = {int(best['batch_size'])}: "
                + _listing(acc, "batch_size", "test_acc", _percents)
            )
            where = (
                "smallest"
                if best["batch_size"] == acc["batch_size"].min()
                else "largest"
                if best["batch_size"] == acc["batch_size"].max()
                else "between"
            )
            best_at.append(where)
        fast = at.dropna(subset=["loss_epoch1"])
        if len(fast) >= 2:
            first = fast.loc[fast["loss_epoch1"].idxmin()]
            parts.append(
                f"the lowest loss after epoch 1 is at B = {int(first['batch_size'])}: "
                + _listing(fast, "batch_size", "loss_epoch1")
            )
        noise = _noisiest(at[at["status"] == "converged"], "batch_size")
        if noise:
            parts.append(noise)
        if parts:
            lines.append(f"- **η = {lr:g}:** " + "; ".join(parts) + ".")
    if not lines:
        return "No learning rate was run with two or more batch sizes, so the batch size cannot be compared here."
    text = "\n".join(lines)
    if falls:
        text += (
            f"\n\nTime per epoch fell steadily with the batch size at {sum(falls)} of the "
            f"{plural(len(falls), 'learning rate')} compared."
        )
    if best_at:
        text += (
            f" The best final test accuracy came from the smallest batch in {best_at.count('smallest')}, from the "
            f"largest in {best_at.count('largest')} and from one in between in {best_at.count('between')} of "
            f"{plural(len(best_at), 'learning rate')}."
        )
    if timing_note is not None:
        text += (
            " All cells were timed under the same conditions (training only, evaluation excluded).\n\n" + timing_note
        )
    else:
        text += (
            " The cells were timed under different conditions (threads, device, parallel jobs), so their times "
            "are only roughly comparable; times are measured and vary between builds."
        )
    return text


def mlp_reference_summary_text(compared: pd.DataFrame, references: int, assignment_epochs: int) -> str:
    """How far this build's cells are from the hand-made reference cells, on average.

    ``compared``: one row per reference cell with batch_size, lr, epochs (NaN when not run
    here), ref_test, test, test_diff, train_diff (percent and percentage points; test NaN
    when the cell was not run or diverged). ``references``: how many reference cells exist.
    """
    both = compared.dropna(subset=["test"])
    if both.empty:
        return "None of the reference cells was run by this profile (or all of them diverged), so there is nothing to compare."
    worst = both.loc[both["test_diff"].abs().idxmax()]
    text = (
        f"{len(both)} of the {references} reference cells {'has' if len(both) == 1 else 'have'} results here. "
        f"Test accuracy differs from the reference by {both['test_diff'].abs().mean():.2f} points on average "
        f"(largest: {abs(worst['test_diff']):.2f} at B = {int(worst['batch_size'])}, η = {worst['lr']:g}); it is higher "
        f"here in {int((both['test_diff'] > 0).sum())} of {len(both)}. Training accuracy differs by "
        f"{both['train_diff'].abs().mean():.2f} points on average. "
    )
    short = both[both["epochs"] < assignment_epochs]
    if len(short):
        below = int((short["test_diff"] < 0).sum())
        text += (
            f"{len(short)} of these cells ran {plural(sorted(short['epochs'].unique()), 'epoch')} instead of the "
            f"assignment's {assignment_epochs}, so they are not a like-for-like comparison"
            + (f" ({below} of them below the reference, as a shorter training would explain). " if below else ". ")
        )
    if len(both) >= 2:
        ref_best = both.loc[both["ref_test"].idxmax()]
        here_best = both.loc[both["test"].idxmax()]
        same = (ref_best["batch_size"], ref_best["lr"]) == (here_best["batch_size"], here_best["lr"])
        text += (
            f"Among these {len(both)} cells, the best test accuracy here is at B = {int(here_best['batch_size'])}, "
            f"η = {here_best['lr']:g}, and the reference's best is at B = {int(ref_best['batch_size'])}, "
            f"η = {ref_best['lr']:g}" + (": the same cell." if same else ".")
        )
    return text


def mlp_grid_commentary(cells: pd.DataFrame, resolution: float) -> str:
    """Status of each cell, the best learning rate per batch size against the noise scale
    η/B, and what one seed can resolve.

    ``cells`` columns: batch_size, lr, status ('converged', 'stuck at chance', 'diverged'),
    test_acc (fraction), final_loss. ``resolution``: the per-epoch noise of one run's test
    accuracy in points (``net_runs.epoch_noise``); a gap under twice it is not resolved.
    """
    c = cells.sort_values(["batch_size", "lr"]).assign(noise=lambda d: d["lr"] / d["batch_size"])
    counts = c["status"].value_counts()
    out = []
    text = (
        "**Status of the cells.** "
        + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in nets.STATUSES)
        + f" of {len(c)}."
    )
    bad = c[c["status"] != "converged"]
    if len(bad):
        text += (
            " Not learning: "
            + "; ".join(
                f"{cell_label(r.batch_size, r.lr)} {r.status}"
                + (
                    f" (final training loss {r.final_loss:.3f} against ln 10 = {math.log(10):.3f}, test accuracy "
                    f"{100 * r.test_acc:.2f}%)"
                    if r.status == "stuck at chance"
                    else ""
                )
                for r in bad.itertuples(index=False)
            )
            + "."
        )
    out.append(text)

    ok = c[c["status"] == "converged"].dropna(subset=["test_acc"])
    best = []
    for b, at in ok.groupby("batch_size"):
        if len(at) >= 2:
            ranked = at.sort_values("test_acc", ascending=False)
            best.append((int(b), ranked.iloc[0], ranked.iloc[1]))
    if len(best) >= 2:
        lrs = [r["lr"] for _, r, _ in best]
        direction = trend(lrs)
        verb = {"rises": "grows with B", "falls": "shrinks as B grows"}.get(
            direction,
            "never shrinks as B grows" if all(b >= a for a, b in zip(lrs, lrs[1:])) else "is not monotone in B",
        )
        text = (
            "**The best learning rate and the noise scale η/B.** Among the cells that learnt, the best final test "
            "accuracy is at "
            + ", ".join(f"η = {r['lr']:g} for B = {b}" for b, r, _ in best)
            + f": the best η {verb}. The gradient of a batch averages B per-example gradients, so the noise an SGD "
            "step adds scales with η/B: a larger batch tolerates, and needs, a larger step for the same noise. "
            "η/B of these best cells: " + ", ".join(f"{r['noise']:.3g} (B = {b})" for b, r, _ in best) + "."
        )
        lo, hi = min(r["noise"] for _, r, _ in best), max(r["noise"] for _, r, _ in best)
        if len(bad):
            above = bad[bad["noise"] > hi]
            text += (
                " The cells that did not learn have η/B = "
                + ", ".join(f"{r.noise:.3g} ({cell_label(r.batch_size, r.lr)})" for r in bad.itertuples(index=False))
                + (": all above every best cell's, too noisy a step." if len(above) == len(bad) else ".")
            )
        text += (
            f" The grid steps η tenfold, so the best η/B is located only to within that factor "
            f"({lo:.3g} to {hi:.3g} here)."
        )
        out.append(text)
        if math.isfinite(resolution):
            gaps = [(b, 100 * (r["test_acc"] - s["test_acc"]), s["lr"]) for b, r, s in best]
            unresolved = [(b, g, lr) for b, g, lr in gaps if g < 2 * resolution]
            text = (
                f"**What one seed resolves.** Each cell ran one seed; the test accuracy of one run moves by "
                f"{resolution:.2f} points (median s.d. over its last epochs) from epoch to epoch, so gaps under "
                f"{2 * resolution:.2f} points are not resolved. The best η beats the next best by "
                + ", ".join(f"{g:.2f} points at B = {b} (η = {lr:g} next)" for b, g, lr in gaps)
                + ": "
            )
            text += (
                (
                    "unresolved at "
                    + ", ".join(f"B = {b}" for b, _, _ in unresolved)
                    + ", where the best η is a tie within the noise"
                )
                if unresolved
                else "all resolved"
            ) + "."
            out.append(text)
    return "\n\n".join(out)


def mlp_references_text(compared: pd.DataFrame, resolution: float) -> str:
    """'Compared with the hand-made reports' for Task 7.

    ``compared``: one row per reference cell with batch_size, lr, ref_test, ref_train
    (fractions), setting, and this report's test_acc, train_acc, status, epochs (NaN / missing
    when the cell was not run). ``resolution`` as in ``mlp_grid_commentary``.
    """
    c = compared.sort_values(["batch_size", "lr"])
    text = (
        f"**Compared with the hand-made reports.** By hand ({c['setting'].iloc[0]}), test / train accuracy: "
        + "; ".join(
            f"{cell_label(r.batch_size, r.lr)}: {100 * r.ref_test:.2f}% / {100 * r.ref_train:.2f}%"
            for r in c.itertuples(index=False)
        )
        + "."
    )
    ran = c.dropna(subset=["test_acc"])
    if ran.empty:
        return text + " None of these cells was run here."
    seeds = plural(sorted({int(n) for n in ran["seeds"]}), "seed") + " per cell, " if "seeds" in ran else ""
    text += (
        " Here (PyTorch's default initialisation, inputs in [0, 1], "
        + seeds
        + plural(sorted({int(e) for e in ran["epochs"]}), "epoch")
        + "): "
        + "; ".join(
            f"{cell_label(r.batch_size, r.lr)}: {100 * r.test_acc:.2f}% / {100 * r.train_acc:.2f}%"
            + ("" if r.status == "converged" else f" ({r.status})")
            for r in ran.itertuples(index=False)
        )
        + "."
    )
    bad = ran[ran["status"] != "converged"]
    if len(bad):
        text += (
            " The hand-made report has no run that stopped learning; ours at "
            + ", ".join(cell_label(r.batch_size, r.lr) for r in bad.itertuples(index=False))
            + " did; with one run on each side, what makes the difference (initialisation, seed, input scaling) "
            "cannot be told."
        )
    ok = ran[ran["status"] == "converged"]
    if len(ok) and math.isfinite(resolution):
        diff = 100 * (ok["test_acc"] - ok["ref_test"])
        inside = int((diff.abs() < 2 * resolution).sum())
        text += (
            " Among the cells that learnt, ours minus the hand figure is "
            + ", ".join(f"{d:+.2f}" for d in diff)
            + f" test points; {inside} of {len(ok)} within twice the "
            f"per-epoch noise of one run ({2 * resolution:.2f} points), which is all one seed on each side can "
            "resolve."
        )
    return text
