"""Where Task 3's runs stand at their end and after equal numbers of samples: each seed's gap to
L* at the chosen rate and at η/2 (``seed_ends``), what the runs at η/2 say of that gap
(``half_text``), and the batch sizes read after the same samples, where the shortest runs
ended (``equal_samples``, ``equal_samples_text``): a run of more samples is compared there, not
at its own end."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import criteria
from mnist_sgd.science.criteria import differ
from mnist_sgd.tasks.batch_size.per_batch import floor_verdict, mean_sd_rounded
from mnist_sgd.tasks.batch_size.tables import seconds_to_target
from mnist_sgd.tasks.rounding import listed, two_figures


def seed_ends(curves: pd.DataFrame, halved: pd.DataFrame, train_loss_star: float) -> pd.DataFrame:
    """Where each seed's run ended, at the chosen rate (``curves``) and at η/2 (``halved``: the same
    seeds and run length), as mean and s.d. (ddof 0) over the seeds, one row per batch size: the
    gap to L* over the second half of the run, in % of L*, at η (``gap_pct``), and each seed's gap
    at η/2 over its own at η (``half_ratio``). The ratio is taken seed by seed because both rates
    ran the same seeds: its spread is the seeds' own, which the ratio of two means would hide."""
    rows = []
    for b, mine in curves.groupby("batch_size"):
        gap = _end_gaps_pct(mine, train_loss_star)
        half = _end_gaps_pct(halved[halved["batch_size"] == b], train_loss_star)
        ratio = half / gap  # aligned on the seed
        rows.append(
            {
                "batch_size": b,
                "gap_pct": gap.mean(),
                "gap_pct_sd": gap.std(ddof=0),
                "half_ratio": ratio.mean(),
                "half_ratio_sd": ratio.std(ddof=0),
            }
        )
    return pd.DataFrame(rows)


# ITR's window: from ITR on, the loss stays within the target until this many times ITR. A window
# that grows with t, like the checkpoints, reads convergence the same way at every batch size, and
# does not depend on how long the run went on after it (as "to the end of the run" would).
SETTLED_WINDOW = 2.0


def settled_at(run: pd.DataFrame, threshold: float) -> int | None:
    """The index in ``run`` (one seed's checkpoints, sorted by t > 0) of the first checkpoint from
    which ``train_loss`` stays at or below ``threshold`` up to ``SETTLED_WINDOW`` times its t; None
    when no checkpoint has that window inside the run."""
    t, within = run["t"].to_numpy(), (run["train_loss"] <= threshold).to_numpy()
    for i in range(len(t)):
        end = SETTLED_WINDOW * t[i]
        if end > t[-1]:
            return None
        if within[(t >= t[i]) & (t <= end)].all():
            return i
    return None


def settled(curves: pd.DataFrame, train_loss_star: float, target_pct: float) -> pd.DataFrame:
    """Per batch size, ITR: the first checkpoint from which each seed's loss at the chosen rate
    (``curves``) stays within the target (``target_pct`` % above ``train_loss_star``) up to
    ``SETTLED_WINDOW`` times its t (``settled_at``), and the training seconds to it, read as the first
    crossing's are (``tables.seconds_to_target``: that t times the run's mean time per step): mean and s.d. (ddof 0) over the seeds (``settled_t``, ``settled_t_sd``,
    ``settled_seconds``, ``settled_seconds_sd``; NaN unless every seed has one). The rate was chosen
    by the *first* entry into the target; this one asks the loss to stay, so that noise dipping the
    loss below the target for a moment does not count as converged."""
    threshold = train_loss_star * (1 + target_pct / 100)
    rows = []
    for b, mine in curves.groupby("batch_size"):
        mine = mine[mine["t"] > 0]
        hits = []
        for seed, run in mine.groupby("seed"):
            run = run.sort_values("t")
            at = settled_at(run, threshold)
            hits.append({"seed": seed, "t": math.nan if at is None else float(run["t"].iloc[at])})
        found = pd.DataFrame(hits)
        ts, seconds = found["t"].tolist(), seconds_to_target(found, mine).tolist()
        every = all(math.isfinite(t) for t in ts)
        row: dict[str, float] = {"batch_size": b}
        for key, values in (("settled_t", ts), ("settled_seconds", seconds)):
            row[key] = float(pd.Series(values).mean()) if every else math.nan
            row[f"{key}_sd"] = float(pd.Series(values).std(ddof=0)) if every else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _end_gaps_pct(curves: pd.DataFrame, train_loss_star: float) -> pd.Series:
    """Each seed's gap to L* over the last doubling of its run, in % of L*, by seed."""
    return pd.Series(
        {
            seed: 100 * criteria.end_excess(run, train_loss_star) / train_loss_star
            for seed, run in curves.groupby("seed")
        }
    )


def half_text(facts: pd.DataFrame) -> str:
    """For the per-run detail: the rule that reads the runs at η/2, each batch size's ratio, and
    what the rule makes of it (``gap_readings``)."""
    s = facts.sort_values("batch_size")
    ratios = listed(
        [
            f"{mean_sd_rounded(r, sd)} at B = {int(b):,}"
            for b, r, sd in zip(s["batch_size"], s["half_ratio"], s["half_ratio_sd"], strict=True)
        ]
    )
    said = gap_readings(s["batch_size"].tolist(), s["half_ratio"].tolist(), s["half_ratio_sd"].tolist())
    return (
        "SGD's noise keeps the loss above L* by an amount about proportional to the step η; a descent that has not "
        "finished is not sped up by a smaller step. So the same seeds ran again at η/2, and each seed's end gap at "
        "η/2 is divided by its own at η. The rule: a ratio within the spread of 0.5 means the gap is noise; "
        "within it of 1, or above 1, unfinished descent; in between, part of each. The ratios (mean ± s.d. over "
        f"seeds) are {ratios}. " + (f"So the end gap {' '.join(said)}" if said else "")
    ).rstrip()


# what the runs at η/2 do to the gap left at the end, and what that says of it, by ``gap_verdict``
GAP_READINGS = {
    "noise floor": ("halves", "what is left at η is SGD's noise"),
    "both": ("shrinks, but by less than half", "part noise, part unfinished descent"),
    "descending": ("stays the same, within the spread,", "unfinished descent"),
    "grows": ("grows", "unfinished descent, slower at the smaller step"),
}


def gap_verdict(ratio: float, ratio_sd: float) -> str:
    """``per_batch.floor_verdict``, with a gap that grows at η/2 beyond the spread told
    apart from one that stays the same ('grows')."""
    verdict = floor_verdict(ratio, ratio_sd)
    return "grows" if verdict == "descending" and ratio > 1 and differ(ratio, ratio_sd, 1.0, 0.0) else verdict


def gap_readings(batch_sizes: list[int], half_ratios: list[float], half_ratio_sds: list[float]) -> list[str]:
    """What the runs at η/2 say of the gap left at the end, batch sizes grouped by reading
    (``GAP_READINGS``, from each seed's gap at η/2 over its gap at η, mean and s.d.), a sentence
    each, the first of which continues 'So the end gap ': ['halves at B = 1 and 10: what is
    left ...', 'It grows at B = 100: ...']."""
    verdicts = [gap_verdict(r, sd) for r, sd in zip(half_ratios, half_ratio_sds, strict=True)]
    groups = {v: [b for b, w in zip(batch_sizes, verdicts, strict=True) if w == v] for v in GAP_READINGS}
    said = [
        f"{GAP_READINGS[v][0]} at B = {listed([f'{b:,}' for b in bs])}: {GAP_READINGS[v][1]}."
        for v, bs in sorted(groups.items(), key=lambda item: min(item[1], default=math.inf))
        if bs
    ]
    return [text if i == 0 else f"It {text}" for i, text in enumerate(said)]


def equal_samples_text(chosen: pd.DataFrame, curves: pd.DataFrame) -> str:
    """Where the batch sizes stand after the same number of samples, when their runs differ in
    samples (t × B): the end of the run compares each B at its own length, so a B that ran
    more samples is also read where the others stopped, the fewest samples any run processed,
    and set beside the others' ends there. The gap is the seed mean averaged over the last
    doubling up to there, as at the end of a run."""
    s = chosen.sort_values("batch_size")
    samples = s["cap"] * s["batch_size"]
    common = int(samples.min())
    if (samples == common).all():
        return "Every batch size ran the same number of samples, so the end of the run compares them at equal samples."
    L_star = float(s["train_loss_star"].iloc[0])
    excess = {
        int(b): 100
        * criteria.end_excess(curves[(curves["batch_size"] == b) & (curves["t"] * b <= common)], L_star)
        / L_star
        for b in s["batch_size"]
    }
    read = listed([f"{v:.2f}% at B = {b:,}" for b, v in excess.items()])
    highest = max(excess, key=excess.__getitem__)
    nearest = max((b for b in excess if b != highest), key=excess.__getitem__)
    return (
        f"The runs are not the same number of samples long: "
        f"{listed([f'{int(v):,}' for v in samples])} at B = {listed([f'{b:,}' for b in s['batch_size']])}. "
        f"Read after {common:,} samples, where the shortest ended, the gap to L* (seed mean, over the last "
        f"doubling) is {read}: after the same samples B = {highest:,} is the furthest from L*, "
        f"{two_figures(excess[highest] / excess[nearest])} times as far as the next (B = {nearest:,})."
    )


def equal_samples(chosen: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per batch size, its runs read after the fewest samples (t × B) any batch size's runs
    processed (``equal_samples``): each seed at its last checkpoint up to there (``equal_t``, the
    largest over seeds), the test accuracy's mean and s.d. (ddof 0) over the seeds
    (``equal_test_acc``, ``equal_test_acc_sd``, fractions). Where a batch size's runs ended
    there, it is their end."""
    s = chosen.sort_values("batch_size")
    common = int((s["cap"] * s["batch_size"]).min())
    rows = []
    for b in s["batch_size"]:
        mine = curves[(curves["batch_size"] == b) & (curves["t"] * b <= common)]
        last = mine.sort_values("t").groupby("seed").last()  # each seed's last checkpoint within the samples
        rows.append(
            {
                "batch_size": int(b),
                "equal_samples": common,
                "equal_t": int(last["t"].max()),
                "equal_test_acc": last["test_acc"].mean(),
                "equal_test_acc_sd": last["test_acc"].std(ddof=0),
            }
        )
    return pd.DataFrame(rows)
