"""Task 8's answer in the body: how the architectures end (``ranking_text``) and why
(``comparison_text``), the compact table's caption (``compact_caption``) and its dips (``dip_note``); the
hand-made figures are ``hand``'s, the per-run detail ``detail``'s. The models are read after their
last epoch, with the noise ``late.final_stats`` gives them. A difference reads as a distance ('0.94
points above') with its verdict by the report's one rule, ``criteria.differ``, which the summary page
states: the section only says 'beyond' or 'within the spread'. A noise that is not measured is said
once, at the end of its paragraph. The prose repeats no number of the body's table."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science.architectures import FIRST, FIRST_01, FIRST_LR, LR
from mnist_sgd.science.criteria import differ
from mnist_sgd.science.means import means_bound, means_differ
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.architectures import dips
from mnist_sgd.tasks.architectures.late import plain_name, reading_at
from mnist_sgd.tasks.architectures.tables import BEST_MARK, EVERY, FLUCTUATION_EPOCHS, epoch_rows, seeds_phrase
from mnist_sgd.tasks.architectures.wording import and_list, cap, row_of, the_names
from mnist_sgd.tasks.rounding import distance

FIT = 0.995  # a model "fits" the training set when its final training accuracy is at least this
FIRST_RUNS = (FIRST, FIRST_01)  # the MLP 128 at η = FIRST_LR for fewer epochs: not architectures of their own


def shown(a: float, b: float) -> float:
    """``a`` − ``b`` (points) as a reader gets it from the two values printed to 2 decimals."""
    return round(a, 2) - round(b, 2)


def spread_name(stats: pd.DataFrame) -> str:
    """'the spread' when every model's noise comes from its seeds, else 'the noise'."""
    return "the spread" if (stats["noise_source"] == "seeds").all() else "the noise"


def measured(*noises: float) -> bool:
    """Whether every noise a verdict needs is known."""
    return all(math.isfinite(n) for n in noises)


def verdict(a: float, sa: float, b: float, sb: float, spread: str) -> str:
    """'beyond the spread' when ``criteria.differ`` tells a (± sa) from b (± sb), else
    'within the spread'; '' when a noise is not measured (``unmeasured`` says so once)."""
    if not measured(sa, sb):
        return ""
    return f"{'beyond' if differ(a, sa, b, sb) else 'within'} {spread}"


def against(a: float, sa: float, b: float, sb: float, spread: str) -> str:
    """``verdict`` as a clause after a difference: ', beyond the spread', or ''."""
    said = verdict(a, sa, b, sb, spread)
    return f", {said}" if said else ""


def told_apart(verdict: str, high: pd.Series, low: pd.Series) -> str:
    """' (against a bound of 0.45 points, one run's fluctuation counted)' after a 'within' ``verdict``: the distance
    two models' test accuracies (points, each noise with the fluctuation) would have to exceed, so that a
    borderline verdict can be checked where it is said, and whether their means over seeds alone differ
    (``means.MEANS_RULE``); '' after 'beyond'."""
    if not verdict.startswith("within"):
        return ""
    a, b = 100 * high["final_test_acc"], 100 * low["final_test_acc"]
    sa, sb, na, nb = high["noise"], low["noise"], int(high["seeds"]), int(low["seeds"])
    means = ""
    if means_differ(a, sa, na, b, sb, nb):
        means = f"; only the means differ: two standard errors are {means_bound(sa, na, sb, nb):.2f} points"
    return f" (against a bound of {2 * math.hypot(sa, sb):.2f} points, one run's fluctuation counted{means})"


def unmeasured(noises: list[tuple[pd.Series, float]]) -> str:
    """Said once, at a paragraph's end, for the models whose noise as it used them is NaN; or ''."""
    names = list(dict.fromkeys(row["name"] for row, noise in noises if not math.isfinite(noise)))
    if not names:
        return ""
    them = "it" if len(names) == 1 else "them"
    return f" The noise of {the_names(names)} is not measured here, so no difference involving {them} is judged."


def spread_text(stats: pd.DataFrame) -> str | None:
    """The noise of a one-seed model, said only if there is one: its fluctuation, checked on a
    model with both; None when every model's noise is its seeds' s.d. (the table's caption says
    what a ± is, the summary page the rule that judges a difference)."""
    seeded, single = stats[stats["noise_source"] == "seeds"], stats[stats["noise_source"] == "epochs"]
    if single.empty:
        return None
    one = len(single) == 1
    ran = f"{'ran' if (single['seeds'] == 1).all() else 'finished'} one seed{'' if one else ' each'}"
    values = [f"{r.noise:.2f} points" if math.isfinite(r.noise) else "not measurable" for r in single.itertuples()]
    parts = [
        f"**Spread.** {cap(the_names(single['name']))} {ran}: {'its' if one else 'their'} noise is the fluctuation "
        f"of the test accuracy about a straight line through the run's last {FLUCTUATION_EPOCHS} epochs "
        f"({and_list(values)})."
    ]
    check = seeded[seeded["fluctuation"].map(math.isfinite)].sort_values("epochs").tail(1)
    if single["noise"].map(math.isfinite).any() and len(check):
        c = check.iloc[0]
        ratio = 100 * c["final_test_acc_sd"] / c["fluctuation"]
        understated = ", so a one-seed model's noise may be understated by about as much" if ratio > 1 else ""
        parts.append(
            f"On the {c['name']}, which has both, the seeds' s.d. is {ratio:.1f} times the fluctuation{understated}."
        )
    return " ".join(parts)


def ranking_text(stats: pd.DataFrame) -> str | None:
    """How the architectures at η = LR end (after their last epoch, with the noise of
    ``late.final_stats``), from the highest test accuracy down, each against the next: its distance
    and verdict, or, when every verdict is 'beyond', the order and that verdict once. Their values are
    the body table's last row, not repeated. None with fewer than two that finished."""
    ok = stats[~stats["model"].isin(FIRST_RUNS) & stats["final_test_acc"].map(math.isfinite)]
    if len(ok) < 2:
        return None
    rows = [r for _, r in ok.sort_values("final_test_acc", ascending=False).iterrows()]
    verdicts, noises = [], []
    for high, low in zip(rows, rows[1:], strict=False):
        a, b = 100 * high["final_test_acc"], 100 * low["final_test_acc"]
        noises += [(high, high["noise"]), (low, low["noise"])]
        verdicts.append(verdict(a, high["noise"], b, low["noise"], spread_name(stats)))
    epochs = set(ok["epochs"].astype(int))
    when = f"After {plural(epochs.pop(), 'epoch')}" if len(epochs) == 1 else "After their last epoch"
    if len(set(verdicts)) == 1 and verdicts[0] == f"beyond {spread_name(stats)}":
        order = ", then ".join(f"the {r['name']}" for r in rows[1:])
        each = "each" if len(rows) > 2 else "the two"
        ends = f"the {rows[0]['name']} is highest, then {order}, {each} {verdicts[0]} of the next"
    else:
        pairs = [
            f"the {high['name']} is {distance(shown(100 * high['final_test_acc'], 100 * low['final_test_acc']))} "
            f"the {low['name']}" + (f", {v}{told_apart(v, high, low)}" if v else "")
            for high, low, v in zip(rows, rows[1:], verdicts, strict=False)
        ]
        ends = "; ".join(pairs)
    return f"**How they end.** {when}, {ends}." + unmeasured(noises)


def step_size_text(stats: pd.DataFrame, curves: pd.DataFrame) -> str | None:
    """The MLP 128 at η = LR against itself at η = FIRST_LR after the latter's epochs (the first
    run's), and whether the latter was still rising; None without both."""
    first, main = row_of(stats, FIRST), row_of(stats, "MLP 128")
    if first is None or main is None or first["epochs"] == 0:
        return None
    e, spread = int(first["epochs"]), spread_name(stats)
    a, b = reading_at(curves, stats, "MLP 128", e), reading_at(curves, stats, FIRST, e)
    if a is None or b is None:
        return None
    diff = shown(a[0], b[0])
    further = diff > 0 and differ(a[0], a[1], b[0], b[1])
    text = (
        f"**Step size.** After {plural(e, 'epoch')}, the MLP 128 at η = {LR:g} is {distance(diff)} the {first['name']}"
        f"{against(a[0], a[1], b[0], b[1], spread)}"
        + (f": a {LR / FIRST_LR:g} times longer step gets further" if further else "")
    )
    k = min(5, e - 1)
    start = reading_at(curves, stats, FIRST, e - k) if k > 0 else None
    if start is not None:
        gain = shown(b[0], start[0])
        moved = f"{'up' if gain > 0 else 'down'} {abs(gain):.2f} points in its last {plural(k, 'epoch')}"
        apart = differ(b[0], b[1], start[0], start[1])
        state = (
            "was still rising"
            if apart and gain > 0
            else "had levelled off"
            if measured(b[1], start[1]) and not apart
            else "moved"
        )
        text += f"; at η = {FIRST_LR:g} it {state} ({moved})"
    return text + "." + unmeasured([(first, b[1]), (main, a[1])])


def gap_noise_of(stats: pd.DataFrame) -> pd.Series:
    """Each model's noise of its train-test gap (points): its ``gap_noise`` where ``late.final_stats``
    gave it, else its seeds' s.d., else the model's noise."""
    noise = (100 * stats["gap_sd"]).where(stats["gap_sd"].map(math.isfinite), stats["noise"])
    return stats["gap_noise"].where(stats["gap_noise"].map(math.isfinite), noise) if "gap_noise" in stats else noise


def _smallest_gap(fitted: pd.DataFrame, gap_noise: pd.Series, spread: str) -> str:
    """Of the models that fit: the smallest train-test gap against the next smallest, a clause that
    ends a sentence (the models that do not fit may have smaller gaps: they are not compared here)."""
    small, next_ = (fitted.loc[i] for i in fitted["gap"].nsmallest(2).index)
    a, sa, b, sb = 100 * next_["gap"], gap_noise[next_.name], 100 * small["gap"], gap_noise[small.name]
    return (
        f"the {small['name']}'s train–test gap is the smallest of those, {b:.2f} points against the {next_['name']}'s "
        f"{a:.2f}{against(a, sa, b, sb, spread)}."
    )


def still_learning(others: pd.DataFrame, gap_noise: pd.Series, spread: str) -> str:
    """The models that do not fit the training set, and whether their gap is within the noise of
    zero (they were still learning, not over-fitting)."""
    level = [
        r.name
        for r in others.itertuples()
        if r.gap <= 0 or (measured(gap_noise[r.Index]) and not differ(100 * r.gap, gap_noise[r.Index], 0.0, 0.0))
    ]
    one = len(others) == 1
    text = f"{cap(the_names(others['name']))} {'ends' if one else 'end'} below {100 * FIT:g}% on the training set"
    if not level:
        return text + "."
    if len(level) == len(others):
        text += f", {'its gap' if one else 'their gaps'} within {spread} of zero or below it"
    else:
        text += f"; the gap of {the_names(level)} is within {spread} of zero or below it"
    return text + f": {'it was' if len(level) == 1 else 'they were'} still learning, not over-fitting."


def fit_text(stats: pd.DataFrame) -> str | None:
    """Which models fit the training set, so that their train-test gaps are what separates them on
    new images (``_smallest_gap``); the models that do not fit only when none does (otherwise the
    step size says that the first runs were still rising, and the detail says the rest)."""
    ok = stats[stats["final_train_acc"].map(math.isfinite)]
    if ok.empty:
        return None
    spread, gap_noise = spread_name(stats), gap_noise_of(ok)
    fitted, others = ok[ok["final_train_acc"] >= FIT], ok[ok["final_train_acc"] < FIT]
    right = f"at least {100 * FIT:g}% of the training images right"
    if fitted.empty:
        return f"**Fit and generalisation.** {still_learning(others, gap_noise, spread)}"
    if len(fitted) == 1:
        return f"**Fit and generalisation.** The {fitted['name'].iloc[0]} gets {right}."
    return (
        f"**Fit and generalisation.** {cap(the_names(fitted['name']))} get {right}; "
        f"{_smallest_gap(fitted, gap_noise, spread)}" + unmeasured([(r, gap_noise[i]) for i, r in fitted.iterrows()])
    )


def cnn_text(stats: pd.DataFrame) -> str | None:
    """Why the CNN suits images, against the largest MLP at η = LR: its parameters, its multiply-adds
    and the reuse of its filters at every position (an explanation, said as one; the detail counts it);
    'does better' only when its test accuracy is beyond the spread above the MLP's. None
    without the CNN and such an MLP."""
    ok = stats[stats["final_test_acc"].map(math.isfinite)]
    cnn, mlps = row_of(ok, "CNN"), ok[~ok["model"].isin(["CNN", *FIRST_RUNS])]
    if cnn is None or mlps.empty:
        return None
    mlp = mlps.loc[mlps["parameters"].idxmax()]
    a, b = 100 * cnn["final_test_acc"], 100 * mlp["final_test_acc"]
    ratio = cnn["parameters"] / mlp["parameters"]
    ops = cnn["mult_adds"] / mlp["mult_adds"]
    size = f"{ratio:.2f} times the {mlp['name']}'s parameters and {ops:.1f} times its multiply-adds per image"
    lead = (
        f"With {size}, the CNN does better"
        if a > b and differ(a, cnn["noise"], b, mlp["noise"])
        else f"The CNN has {size}"
    )
    return f"**Why a CNN suits images.** {lead}, arguably (not measured) as each filter is reused at every position."


def comparison_text(stats: pd.DataFrame, curves: pd.DataFrame) -> str:
    """The body's answer, from ``stats`` as ``late.final_stats`` reads them: how the architectures
    end, then one bullet per point the models allow."""
    points = [step_size_text(stats, curves), fit_text(stats), cnn_text(stats)]
    bullets = "\n".join(f"- {p}" for p in points if p)
    return "\n\n".join(t for t in [ranking_text(stats), bullets] if t)


def swing_said(stats: pd.DataFrame) -> str:
    """'0.05 to 0.08 points' (or '0.06 points'): the models' swing from epoch to epoch, their
    ``tables.fluctuation`` (the same to the figures shown: one value); '' when none is measured."""
    swings = stats["fluctuation"][stats["fluctuation"].map(math.isfinite)]
    if swings.empty:
        return ""
    low, high = f"{swings.min():.2f}", f"{swings.max():.2f}"
    return f"{low} points" if low == high else f"{low} to {high} points"


def compact_caption(stats: pd.DataFrame, every: int | None = EVERY) -> str:
    """The caption of a table of ``tables.accuracy_by_epoch_table``: which epochs (``every``: none
    between the first and the last for the body's, which has no best row; the detail's has both and
    leaves out the body's rows),
    over how many seeds each model ran (``seeds_phrase`` when they differ). How far one reading
    swings is the detail's (``detail.fluctuation_text``); the runs at η = FIRST_LR are the setup's."""
    seeds = set(stats["seeds"].astype(int))
    over = plural(seeds.pop(), "seed") if len(seeds) == 1 else f"the seeds ({seeds_phrase(stats)})"
    if every is None:
        lasts = sorted({int(e) for e in stats["epochs"]} - {1})
        # the ± is the seeds' at one epoch: the verdicts beside also count one run's swing between epochs
        return (
            f"Test accuracy (%) after epochs {and_list(['1', *map(str, lasts)])}; mean ± s.d. over {over} (the "
            "verdicts below also count one run's swing from epoch to epoch, which this ± leaves out)."
        )
    return (
        f"Test accuracy (%) after every {every}th epoch not in the section's table (which gives the first and each "
        f"model's last), mean ± s.d. over {over}; last row ({BEST_MARK}): each model's best epoch, in brackets."
    )


def dip_note(found: pd.DataFrame, curves: pd.DataFrame, every: int | None = EVERY) -> str | None:
    """The dips (``dips.find_dips``) on an epoch a table of the test accuracy shows (``every`` as it
    was given), so that a low value or a large ± there reads as one run's dip (its fall, when it was
    back); None when no shown epoch holds one."""
    shown = found[found["epoch"].isin(epoch_rows(curves, every))]
    if shown.empty:
        return None
    items = [
        f"the {plain_name(d.model)} at epoch {d.epoch} (seed {d.seed}, −{d.fall:.2f} points)"
        for d in shown.itertuples()
    ]
    back = shown["back_at"].notna()
    after = f"back within {plural(int((shown['back_at'] - shown['epoch'])[back].max()), 'epoch')}" if back.any() else ""
    text = f"In the table, {and_list(items)} {'holds' if len(shown) == 1 else 'hold'} a dip of a single run, " + (
        after if back.all() else f"{back.sum()} of them {after}" if back.any() else "not back by the end of the run"
    )
    if dips.training_fell_too(shown).all():
        text += "; the training accuracy fell too, so the weights themselves were worse for that epoch"
    return text + "."
