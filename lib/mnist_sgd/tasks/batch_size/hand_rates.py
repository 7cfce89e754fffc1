"""Task 3's chosen rates against the hand-made reports' learning rates: how each hand rate did in
the sweep (outside the target, slower than the chosen rate, diverged), the divergence at η = 0.1
that every hand-made report saw, and the hand setting's test accuracy re-run here; and, as a hand
rate may miss the target narrowly, the choice redone on the same sweeps at other targets
(``target_choices``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science import criteria
from mnist_sgd.show import references
from mnist_sgd.show.commentary import agrees_with_hand
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.batch_size.per_batch import mean_sd_rounded
from mnist_sgd.tasks.rounding import listed

# By hand, η = 0.1 diverged at every batch size (TASKS.md's reference figures)
HAND_DIVERGING_LR = 0.1

# a hand rate that ended within this many points (% of L*) above the target missed it narrowly
NARROW_MISS_PCT = 1.0


def hand_rate_outcomes(rates: pd.DataFrame) -> pd.DataFrame:
    """Per batch size with a hand-made rate, how that rate did in the sweep (``rates``: one row
    per batch size and rate, as ``criteria.target_ranking`` gives them): ``outcome`` 'chosen' (it
    is the chosen rate), 'diverged', 'slower' (it reached the target, in ``times`` as many
    iterations as the chosen rate), 'outside' (it ended ``end_pct`` % above L*, outside the target)
    or 'not swept' (no rate of the sweep within 1% of it)."""
    rows = []
    for b, sweep in rates.groupby("batch_size"):
        hand = references.batch_size(int(b))["lr"]
        if hand is None:
            continue
        good = sweep[sweep["chosen"].astype(bool)].iloc[0]
        same = sweep[np.isclose(sweep["lr"], hand, rtol=0.01)]
        row = {"batch_size": int(b), "hand_lr": hand, "outcome": "not swept", "times": math.nan, "end_pct": math.nan}
        if len(same):
            r = same.iloc[0]
            if bool(r["chosen"]):
                row["outcome"] = "chosen"
            elif r["diverged_seeds"] > 0:
                row["outcome"] = "diverged"
            elif bool(r["reached"]):
                row.update(outcome="slower", times=r["t_target"] / good["t_target"])
            else:
                row.update(outcome="outside", end_pct=r["end_excess_pct"])
        rows.append(row)
    return pd.DataFrame(rows, columns=["batch_size", "hand_lr", "outcome", "times", "end_pct"])


def hand_rates_brief(s: pd.DataFrame, rates: pd.DataFrame) -> str:
    """The hand-made rates beside the sweeps in two sentences: the rates, where η = 0.1 diverged by
    hand and here, how the hand rates did in words (their numbers are in the per-run detail,
    ``hand_rates_detail``), and the hand setting's test accuracy re-run here."""
    out = hand_rate_outcomes(rates)
    text = _hand_rates_named(out) + _divergence_text(s)
    said = {
        "chosen": "is the chosen rate",
        "outside": "ended outside the target",
        "slower": "took more iterations than the chosen rate",
        "diverged": "diverged",
        "not swept": "was not in the sweep",
    }
    groups = [
        f"{what} at B = {listed([f'{b:,}' for b in out.loc[out['outcome'] == key, 'batch_size']])}"
        for key, what in said.items()
        if (out["outcome"] == key).any()
    ]
    if groups:
        text += f" Here the hand rate {listed(groups)}."
    return f"{text} {hand_accuracy_text(s)}".rstrip()


def hand_rates_detail(rates: pd.DataFrame, target_pct: float) -> str:
    """For the per-run detail: how each hand-made rate did in the sweep of its batch size, with its
    numbers; '' where the hand-made reports give no rate."""
    out = hand_rate_outcomes(rates)
    return "" if out.empty else _hand_outcomes_text(out, "", target_pct).strip()


def _hand_outcomes_text(out: pd.DataFrame, text: str, target_pct: float) -> str:
    """``text`` followed by how each hand rate did in the sweep of its batch size; a miss of the
    target (``target_pct``, % of L*) by less than ``NARROW_MISS_PCT`` is said to be narrow."""
    chosen = out[out["outcome"] == "chosen"]["batch_size"].tolist()
    if len(chosen) == len(out):
        return text + " Every hand rate is the chosen rate here."
    said = []
    subject = "it" if chosen else "the hand rate"

    def outside(g: pd.DataFrame) -> str:
        narrow = bool((g["end_pct"] - target_pct < NARROW_MISS_PCT).all())
        where = f"just outside the {target_pct:g}% target" if narrow else "outside the target"
        return f"ended {listed([f'{v:.1f}%' for v in g['end_pct']])} above L*, {where}"

    for outcome, what in (
        ("outside", outside),
        ("slower", lambda g: f"took {listed([f'{v:.2g}×' for v in g['times']])} as many iterations as the chosen rate"),
        ("diverged", lambda g: "diverged"),
        ("not swept", lambda g: "was not in the sweep"),
    ):
        group = out[out["outcome"] == outcome]
        if len(group):
            said.append(f"at B = {listed([f'{b:,}' for b in group['batch_size']])} {subject} {what(group)}")
            subject = "it"
    lead = (
        f"Only at B = {listed([f'{b:,}' for b in chosen])} is the hand rate the good one here; "
        if chosen
        else "In the sweeps, "
    )
    return f"{text} {lead}{'; '.join(said)}."


def hand_accuracy_text(s: pd.DataFrame) -> str:
    """The hand-made test accuracies against our re-run of their setting (``hand_test_acc`` and its
    s.d. over ``hand_seeds`` seeds), judged by ``agrees_with_hand``: the ones outside a single
    run's spread named with both figures, their cause left open (the hand-made reports give no
    seed or sampling to check against); '' where there is no hand figure or no re-run."""
    rows = []
    for _, r in s.iterrows():
        hand = references.batch_size(int(r["batch_size"]))["test_acc"]
        if hand is not None and math.isfinite(r.get("hand_test_acc", math.nan)):
            rows.append((int(r["batch_size"]), hand, 100 * r["hand_test_acc"], 100 * r["hand_test_acc_std"], r))
    if not rows:
        return ""
    setting = f"η = {references.TASK3_HAND_LR:g}, {references.TASK3_HAND_ITERATIONS:,} iterations"
    apart = [row for row in rows if not agrees_with_hand(row[2] - 100 * row[1], row[3])]
    if not apart:
        seeds = plural(sorted({int(r["hand_seeds"]) for *_, r in rows}), "seed")
        return (
            f"Re-run over {seeds}, the hand setting ({setting}) agrees with every hand-made test accuracy, within a "
            "single run's spread."
        )
    seeds = plural(sorted({int(r["hand_seeds"]) for *_, r in apart}), "seed")
    figures = listed(
        [f"{mean_sd_rounded(m, sd)}% at B = {b:,}, against {100 * h:.1f}% by hand" for b, h, m, sd, _ in apart]
    )
    agree = [b for b, *_ in rows if b not in {row[0] for row in apart}]
    rest = f"; at B = {listed([f'{b:,}' for b in agree])} the hand figures agree" if agree else ""
    return (
        f"Re-run over {seeds}, the hand setting ({setting}) gives {figures}, outside a single run's spread "
        f"(cause unknown){rest}."
    )


def _hand_rates_named(out: pd.DataFrame) -> str:
    """'By hand the rates were 0.001 at B = 1 and 0.01 at B = 10, 100 and 1,000, and '."""
    if out.empty:
        return "By hand "
    groups = out.groupby("hand_lr", sort=False)["batch_size"].apply(list)
    rates = listed([f"{lr:g} at B = {listed([f'{b:,}' for b in bs])}" for lr, bs in groups.items()])
    return f"By hand the rates were {rates}, and "


def _divergence_text(s: pd.DataFrame) -> str:
    """Where the hand-made reports' diverging rate diverged here: at every batch size or not, with
    the batch sizes where a smaller rate already did."""
    text = f"η = {HAND_DIVERGING_LR:g} diverged at every batch size"
    diverges = s["smallest_diverging"] <= HAND_DIVERGING_LR * 1.01
    if diverges.all():
        text += "; here too"
        earlier = s[s["smallest_diverging"] < HAND_DIVERGING_LR / 1.01]
        if len(earlier):
            text += ", " + listed(
                [
                    f"at B = {int(b):,} already from {v:g}"
                    for b, v in zip(earlier["batch_size"], earlier["smallest_diverging"])
                ]
            )
        return text + "."
    where = s.loc[diverges, "batch_size"].tolist()
    return text + (f"; here only at B = {listed([f'{int(b):,}' for b in where])}." if where else "; here at none.")


# the targets (% of L*) at which Task 3's choice is redone beside its own: one stricter, one looser
OTHER_TARGETS = (2.0, 10.0)


def target_choices(
    sweeps: pd.DataFrame, curves: pd.DataFrame, train_loss_star: float, targets: list[float]
) -> pd.DataFrame:
    """Task 3's rule (``criteria.target_ranking``) applied to the sweeps' own runs (``sweeps``: one
    row per run; ``curves``: their checkpoints) at each target (% of L*): one row per batch size
    and target with the chosen rate (``lr``), whether it ``reached`` the target (else ``lr`` is the
    rate that ended lowest, as the rule falls back on) and ITR (``itr``, ``itr_sd``, NaN unless
    reached)."""
    rows = []
    for b, runs in sweeps.groupby("batch_size"):
        mine = curves[curves["batch_size"] == b]
        for pct in targets:
            ranking = criteria.target_ranking(runs, mine, train_loss_star, pct / 100)
            good = ranking[ranking["chosen"]].iloc[0]
            reached = bool(good["reached"])
            rows.append(
                {
                    "batch_size": int(b),
                    "target_pct": pct,
                    "lr": float(good["lr"]),
                    "reached": reached,
                    "itr": float(good["t_target"]) if reached else math.nan,
                    "itr_sd": float(good["t_target_sd"]) if reached else math.nan,
                }
            )
    return pd.DataFrame(rows, columns=["batch_size", "target_pct", "lr", "reached", "itr", "itr_sd"])


def loosest_target(choices: pd.DataFrame, target_pct: float) -> float | None:
    """The loosest target of ``choices`` (``target_choices``) above ``target_pct``, where the choice
    differs most from the report's; None when there is none."""
    looser = [float(p) for p in choices["target_pct"].unique() if p > target_pct]
    return max(looser) if looser else None


def target_table(choices: pd.DataFrame) -> pd.DataFrame:
    """``target_choices`` as shown: per batch size, the chosen rate and its first crossing at each
    target ('–' and 'not reached' where no rate's runs came and stayed within it)."""
    out = pd.DataFrame({"B": [f"{int(b):,}" for b in sorted(choices["batch_size"].unique())]})
    for pct, c in choices.groupby("target_pct"):
        c = c.sort_values("batch_size")
        out[f"η at {pct:g}%"] = [f"{lr:.3g}" if ok else "–" for lr, ok in zip(c["lr"], c["reached"], strict=True)]
        out[f"first within {pct:g}%"] = [
            mean_sd_rounded(m, sd) if ok else "not reached"
            for m, sd, ok in zip(c["itr"], c["itr_sd"], c["reached"], strict=True)
        ]
    return out


def target_caption(seeds: int) -> str:
    """The caption of ``target_table``."""
    return (
        "Task 3's rule redone on the same sweeps at other targets (% above L*): per batch size, the chosen rate and "
        f"the iterations until the loss first came within the target (mean ± s.d. over {plural(seeds, 'seed')})."
    )


def rate_moved(choices: pd.DataFrame, target_pct: float, other: float) -> list[int]:
    """The batch sizes whose chosen rate at the target ``other`` (%), where its runs reached it,
    is not the one chosen at ``target_pct`` (``choices``: ``target_choices``)."""
    main = choices[choices["target_pct"] == target_pct].set_index("batch_size")
    c = choices[choices["target_pct"] == other].set_index("batch_size")
    return [int(b) for b in c.index if c.loc[b, "reached"] and not math.isclose(c.loc[b, "lr"], main.loc[b, "lr"])]


def target_text(choices: pd.DataFrame, target_pct: float) -> str:
    """Whether the chosen rates hold at the other targets, the looser first: at each, the batch
    sizes whose rate changes (named the hand-made rate when it is), holds, or where no rate's runs
    reached it."""
    said = []
    for pct, c in sorted(choices[choices["target_pct"] != target_pct].groupby("target_pct"), reverse=True):
        c = c.set_index("batch_size")
        if not c["reached"].any():
            said.append(f"at {pct:g}% no rate's runs came and stayed within the target, at any batch size")
            continue
        moved = rate_moved(choices, target_pct, pct)
        missed = [int(b) for b in c.index if not c.loc[b, "reached"]]
        kept = [int(b) for b in c.index if int(b) not in moved + missed]
        parts = []
        if moved:
            hand = all(math.isclose(c.loc[b, "lr"], references.batch_size(b)["lr"] or math.nan) for b in moved)
            parts.append(f"the chosen rate changes at B = {_bs(moved)}" + (", to the hand-made rate," if hand else ""))
        if kept:
            parts.append(f"{'it' if parts else 'the chosen rate'} holds at B = {_bs(kept)}")
        if missed:
            parts.append(f"no rate reaches it at B = {_bs(missed)}")
        said.append(f"at {pct:g}% " + listed(parts))
    text = "; ".join(said)
    return f"{text[0].upper()}{text[1:]}." if text else ""


def _bs(batch_sizes: list[int]) -> str:
    return listed([f"{b:,}" for b in batch_sizes])


def itr_fewer_at_looser(choices: pd.DataFrame, target_pct: float) -> tuple[float, pd.Series] | None:
    """The loosest other target of ``choices`` (``hand_rates.target_choices``) and, by batch size,
    how many times smaller ITR is there than at ``target_pct``; None without another target."""
    looser = loosest_target(choices, target_pct)
    if looser is None:
        return None
    by_b = choices.pivot_table(index="batch_size", columns="target_pct", values="itr")
    return looser, (by_b[target_pct] / by_b[looser]).dropna()
