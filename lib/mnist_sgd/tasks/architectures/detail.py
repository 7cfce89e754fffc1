"""Task 8's per-run detail, the arithmetic behind the body's comparison: the MLP 128 at η =
FIRST_LR on inputs in [0, 1] (``inputs_text``), capacity, weight decay and convolutions, one bullet
each (``detail_text``), how far one run's test accuracy swings from epoch to epoch
(``fluctuation_text``) and its dips (``dips_text``). Differences and verdicts as in ``comparison``."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.architectures import FIRST, FIRST_01, WEIGHT_DECAY
from mnist_sgd.science.criteria import beyond_load, differ
from mnist_sgd.science.nets import TRAIN_ACC_IMAGES
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.architectures import dips as dip_rules
from mnist_sgd.tasks.architectures.comparison import (
    FIRST_RUNS,
    FIT,
    against,
    gap_noise_of,
    measured,
    shown,
    spread_name,
    still_learning,
    swing_said,
    unmeasured,
)
from mnist_sgd.tasks.architectures.late import reading_at
from mnist_sgd.tasks.architectures.tables import FLUCTUATION_EPOCHS, GROWTH_EPOCHS
from mnist_sgd.tasks.architectures.wording import and_list, cap, row_of, the_names
from mnist_sgd.tasks.rounding import distance, two_figures

PIXELS = 784
TIMES = {1: "once", 2: "twice"}


def inputs_text(stats: pd.DataFrame, curves: pd.DataFrame) -> str | None:
    """The MLP 128 at η = FIRST_LR on inputs in [-1, 1] against the same run on [0, 1], and the likely cause with
    its arithmetic: 1 + an image's squared length, which a step on the first layer scales with,
    grows; the inputs are not centred. None without both runs."""
    a, b = row_of(stats, FIRST), row_of(stats, FIRST_01)
    if a is None or b is None or a["epochs"] == 0 or a["epochs"] != b["epochs"]:
        return None
    x, y = reading_at(curves, stats, FIRST, int(a["epochs"])), reading_at(curves, stats, FIRST_01, int(a["epochs"]))
    if x is None or y is None:
        return None
    diff = shown(x[0], y[0])
    m, q = a["pixel_mean"], a["pixel_mean_square"]
    q2 = 4 * q - 4 * m + 1  # the mean of (2x - 1)^2
    before, after = 1 + PIXELS * q, 1 + PIXELS * q2
    return (
        f"**Inputs in [−1, 1] or [0, 1].** The {a['name']} ends {distance(diff)} the same run on inputs left in "
        f"[0, 1]{against(x[0], x[1], y[0], y[1], spread_name(stats))}. Mapping a pixel x to 2x − 1 turns the background's 0 "
        f"into −1: the mean squared pixel goes from {q:.3f} to {q2:.3f}, so 1 + an image's squared length grows on "
        f"average from {before:.0f} to {after:.0f}, {after / before:.1f} times. One SGD step on an image moves the first "
        "layer's pre-activations for that image in proportion to 1 + its squared length (the 1 for the bias): on "
        "[−1, 1] the first layer learns as if with a longer step (argued, not tested). The rescaling does not "
        f"centre the inputs (the mean pixel goes from {m:.3f} to {2 * m - 1:.3f}), so the argument for zero-mean "
        "inputs does not apply here." + unmeasured([(a, x[1]), (b, y[1])])
    )


def _capacity_clause(fitted: pd.DataFrame, gap_noise: pd.Series, spread: str) -> str:
    """Of the MLPs that fit, the larger one's gap against the smaller's: whether more capacity
    widened it; '' with fewer than two."""
    mlps = fitted[~fitted["model"].isin(["CNN", *FIRST_RUNS])]
    clauses = []
    if len(mlps) >= 2:
        few, many = mlps.loc[mlps["parameters"].idxmin()], mlps.loc[mlps["parameters"].idxmax()]
        a, sa, b, sb = 100 * many["gap"], gap_noise[many.name], 100 * few["gap"], gap_noise[few.name]
        apart = distance(shown(a, b), "larger", "smaller", level="")
        wider = (
            ""
            if not measured(sa, sb)
            else ": the extra capacity went into what holds only for the training images"
            if differ(a, sa, b, sb) and a > b
            else ": more capacity did not widen it"
        )
        clauses.append(
            f"The {many['name']}, with {many['parameters'] / few['parameters']:.1f} times the {few['name']}'s "
            f"parameters, has {f'a gap {apart}' if apart else 'the same gap'}{against(a, sa, b, sb, spread)}{wider}."
        )
    return " ".join(clauses)


def decay_text(stats: pd.DataFrame) -> str | None:
    """What weight decay did: whether the weights grew anyway, how its term compares with the
    last epoch's mean minibatch loss, and that no run without it was made."""
    ok = stats[stats["final_norm"].map(math.isfinite) & (stats["steps"] > 0)]
    if ok.empty:
        return None
    grew, above = ok[ok["final_norm"] > ok["init_norm"]], ok[ok["decay_to_loss"] > 1]
    who = "Every model" if len(grew) == len(ok) else cap(the_names(grew["name"])) if len(grew) else "No model"
    term = "the decay term λ‖θ‖²/2 is"
    return (
        f"**Weight decay.** {who} ends with larger weights than it started with (the figure's lower panel). At the "
        + (
            f"end, {term} {and_list([two_figures(v) for v in above['decay_to_loss']])} times the last epoch's mean "
            f"minibatch loss for {the_names(above['name'])}: most of what SGD minimises."
            if len(above)
            else f"end, {term} below the last epoch's mean minibatch loss for every model."
        )
        + " Its effect on the test accuracy is not measured: every run used it."
    )


def times_as_long(ratio: float, of: str = "") -> str:
    """A ratio of two jobs' times (≥ 1) judged against the machine's load (``beyond_load``), to two
    significant figures as every time, ``of`` (what it is a ratio of) after it: '4.7 times as long,
    more than the machine's load can explain', or '1.6 times as long, within what the machine's
    load can do'."""
    if beyond_load(ratio):
        return f"{ratio:.2g} times as long{of}, more than the machine's load can explain"
    return f"{ratio:.2g} times as long{of}, within what the machine's load can do"


def capacity_detail(stats: pd.DataFrame) -> str | None:
    """What capacity would predict for the gap, and the models that do not fit beside those that do."""
    if stats[~stats["model"].isin(FIRST_RUNS)].empty:
        return None
    ok = stats[stats["final_train_acc"].map(math.isfinite)]
    others, fitted = ok[ok["final_train_acc"] < FIT], ok[ok["final_train_acc"] >= FIT]
    gap_noise, spread = gap_noise_of(ok), spread_name(stats)
    return (
        "**Capacity.** More parameters let a network fit more of the training set, including what holds only for "
        "the training images; that part does not carry to new images and would show as a wider train–test gap."
        + (f" {_capacity_clause(fitted, gap_noise, spread)}" if len(fitted) >= 2 else "")
        + (f" {still_learning(others, gap_noise, spread)}" if 0 < len(others) < len(ok) else "")
    )


def decay_detail(stats: pd.DataFrame) -> str | None:
    """What weight decay did (``decay_text``), then its arithmetic: how much it alone would shrink
    the weights over each learning rate's longest run, how much the norm still changed at the end,
    why the weights can grow."""
    ok = stats[stats["final_norm"].map(math.isfinite) & (stats["steps"] > 0)]
    said = decay_text(stats)
    if ok.empty or said is None:
        return None
    longest = ok.sort_values("steps").groupby("lr", sort=False).tail(1).sort_values("lr", ascending=False)
    shrink = [
        f"{100 * architectures.decay_shrink(r.lr, int(r.steps)):.1f}%{' of their size' if i == 0 else ''} over the "
        f"{int(r.steps):,} steps of {plural(int(r.epochs), 'epoch')} at η = {r.lr:g}"
        for i, r in enumerate(longest.itertuples())
    ]
    text = (
        f"{said} With λ = {WEIGHT_DECAY:g}, each step multiplies every parameter by 1 − ηλ before the gradient's "
        f"step; alone, this would shrink them to {and_list(shrink)}."
    )
    growing = ok[ok["norm_growth"].map(math.isfinite)]
    if len(growing):
        lo, hi = 100 * growing["norm_growth"].min(), 100 * growing["norm_growth"].max()
        span = f"{lo:+.1f}%" if math.isclose(lo, hi, abs_tol=0.05) else f"{lo:+.1f}% to {hi:+.1f}%"
        text += f" Over the last {GROWTH_EPOCHS} epochs of {the_names(growing['name'])} the norm changed by {span}."
    return text + (
        " Once the training images are right, the cross-entropy can still fall by scaling the weights up (more "
        "confident outputs); the decay pulls against that growth."
    )


def sharing_detail(stats: pd.DataFrame) -> str | None:
    """Where the CNN's parameters and multiply-adds sit, what locality and weight sharing are, how
    many weights the same outputs would need unshared, and the CNN's epoch against the largest
    MLP's (``times_as_long``, of the mean times before the cost table rounds them to two figures,
    so that the ratio of its printed times may differ in the last digit). None without the CNN."""
    cnn = row_of(stats, "CNN")
    if cnn is None or cnn["shared_parameters"] == 0:
        return None
    shared, shared_ma = int(cnn["shared_parameters"]), int(cnn["shared_mult_adds"])
    mlps = stats[~stats["model"].isin(["CNN", *FIRST_RUNS]) & stats["seconds_per_epoch"].map(math.isfinite)]
    cost = ""
    if len(mlps) and math.isfinite(cnn["seconds_per_epoch"]):
        mlp = mlps.loc[mlps["parameters"].idxmax()]
        time = cnn["seconds_per_epoch"] / mlp["seconds_per_epoch"]
        unrounded = " (a ratio of the unrounded mean times)"
        took = f"takes {times_as_long(time, unrounded)}" if time >= 1 else f"is {1 / time:.2g} times shorter{unrounded}"
        cost = f" Against the {mlp['name']}, its epoch {took}."
    return (
        f"**Convolutions.** The CNN's two convolutions hold {shared:,} of its {int(cnn['parameters']):,} parameters "
        f"({100 * shared / cnn['parameters']:.0f}%) but do {shared_ma:,} of its {int(cnn['mult_adds']):,} "
        f"multiply-adds per image ({100 * shared_ma / cnn['mult_adds']:.0f}%). Locality: a unit looks at a small patch, "
        f"where the strokes of a digit are, not at all {PIXELS} pixels. Weight sharing: the same filter everywhere, so "
        "a stroke is recognised wherever it is; the 2 × 2 pooling adds tolerance to shifts of a pixel. Unshared, the "
        f"same outputs would need a weight per multiply-add, {shared_ma:,} weights instead of {shared:,}, each learnt "
        "from the examples at its own position, as an MLP must." + cost
    )


def detail_text(stats: pd.DataFrame, curves: pd.DataFrame) -> str:
    """The per-run detail's side of the comparison, one bullet each: the MLP 128 at η = FIRST_LR on inputs in
    [0, 1] (``inputs_text``) and the arithmetic behind the body's explanations."""
    parts = [inputs_text(stats, curves), capacity_detail(stats), decay_detail(stats), sharing_detail(stats)]
    return "\n".join(f"- {p}" for p in parts if p)


def fluctuation_text(stats: pd.DataFrame) -> str | None:
    """How far one run's test accuracy swings from epoch to epoch (``comparison.swing_said``), against
    which the s.d. of a few seeds at one epoch of the body's table may be small; None when no
    model's swing is measured."""
    swing = swing_said(stats)
    if not swing:
        return None
    return (
        f"**Fluctuation.** One run's test accuracy moves from epoch to epoch by {swing} (its fluctuation: its s.d. "
        f"about a straight line through its last {FLUCTUATION_EPOCHS} epochs), so the smaller s.d. of a few seeds at "
        "one epoch, as in the tables by epoch, understates what one reading can be off by."
    )


def _back(found: pd.DataFrame) -> str:
    """When the dips were back, grouped by how many epochs later: '1 was back 1 epoch later and 2
    were back 2 epochs later'; then those not back within the run and those at its last epoch."""
    back = found[found["back_at"].notna()]
    delays = (back["back_at"] - back["epoch"]).astype(int).value_counts().sort_index()
    parts = [f"{n} {'was' if n == 1 else 'were'} back {plural(int(k), 'epoch')} later" for k, n in delays.items()]
    never = found[found["back_at"].isna() & found["after_below"].notna()]
    if len(never):
        below = and_list([f"{b:.2f}" for b in never["end_below"]])
        parts.append(
            f"{len(never)} {'was' if len(never) == 1 else 'were'} not back by the run's end ({below} points below)"
        )
    last = found[found["after_below"].isna()]
    if len(last):
        parts.append(f"{len(last)} {'was' if len(last) == 1 else 'were'} at the last epoch, with nothing after")
    return and_list(parts)


def _band(fall: pd.Series | None, names: dict[str, str], points: float) -> str:
    """Where the figure's band falls with no dip (``dips.band_fall``): ' The figure's band (lowest to
    highest seed) also falls where no run fell by more than 1 point: by up to 0.79 points (the MLP
    500-300 at epoch 13).'; '' without such a fall."""
    if fall is None:
        return ""
    unit = f"{points:g} point{'s' if points != 1 else ''}"
    return (
        f" The figure's band (lowest to highest seed) also falls where no run fell by more than {unit}: by up to "
        f"{fall['fall']:.2f} points (the {names.get(fall['model'], fall['model'])} at epoch {int(fall['epoch'])})."
    )


def dips_text(
    found: pd.DataFrame, stats: pd.DataFrame, band: pd.Series | None = None, points: float = dip_rules.DIP_POINTS
) -> str:
    """The dips of the test accuracy (``dips.find_dips``) per model (``stats``' names) with the
    epoch of each, whether the training accuracy fell too, when the accuracy was back within the
    tolerance of its level before the dip (``_back``), and the largest fall of the figure's band
    where no run dipped (``band``, ``dips.band_fall``), which looks like one."""
    unit = f"{points:g} point{'s' if points != 1 else ''}"
    names = dict(zip(stats["model"], stats["name"], strict=True))
    if found.empty:
        return (
            f"**Dips.** No run's test accuracy fell by more than {unit} from one evaluated epoch to the next."
            + _band(band, names, points)
        )
    per_model = []
    for model, d in found.groupby("model", sort=False):
        big = d.loc[d["fall"].idxmax()]
        seeds = f"seed {int(big['seed'])}" if d["seed"].nunique() == 1 else plural(d["seed"].nunique(), "seed")
        epochs = sorted(d["epoch"].astype(int))
        when = f"epoch{'s' if len(epochs) > 1 else ''} {and_list([str(e) for e in epochs])}"
        largest = "the largest " if len(d) > 1 else ""
        per_model.append(
            f"the {names.get(model, model)} {TIMES.get(len(d), f'{len(d)} times')} ({seeds}, {when}; "
            f"{largest}−{big['fall']:.2f} points)"
        )
    fell = dip_rules.training_fell_too(found)
    n = len(found)
    text = (
        f"**Dips.** A run's test accuracy fell by more than {unit} from one epoch to the next {TIMES.get(n, f'{n} times')}: "
        f"{and_list(per_model)}. "
    )
    if fell.all():
        text += (
            f"Each time its training accuracy (on a fixed {TRAIN_ACC_IMAGES:,} training images) fell by at least half "
            "as much: the weights themselves were worse for that epoch, not over-fitted (that would lower the test "
            "accuracy alone); what set the dip off is not measured. "
        )
    else:
        text += (
            f"At {fell.sum()} of the {n} the training accuracy (on a fixed {TRAIN_ACC_IMAGES:,} training images) fell "
            "by at least half as much; at the others the fall is on the test images more than on the training ones. "
        )
    back = f"of the {n}, {_back(found)}" if n > 1 else f"it{_back(found)[1:]}"
    return (
        text
        + f"Counting the accuracy as back when it is within twice the run's fluctuation of its level before the dip, {back}."
        + _band(band, names, points)
    )
