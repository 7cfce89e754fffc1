"""Task 4's commentary: what the batch size does across all of Task 3's runs, each sentence
written from the table the summary computed. The answer (``batch_size_commentary``) says in
plain words what a larger batch buys (fewer steps), what it costs (more samples), where the
returns fall and what the chosen rate did there, and the training seconds; the theory (critical
batch size, gradient noise) is in the per-run detail (``theory``). Task 3's per-batch-size text:
``per_batch``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_sgd.science.criteria import LOAD_FACTOR, differ
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import or_not_reached, plural
from mnist_sgd.tasks.batch_size.across import load_split, moves_with_b, seconds_shown, trend_beyond_spread
from mnist_sgd.tasks.batch_size.hand import hand_times_brief
from mnist_sgd.tasks.batch_size.hand_rates import loosest_target
from mnist_sgd.tasks.batch_size.per_batch import mean_sd_rounded
from mnist_sgd.tasks.notation import scientific
from mnist_sgd.tasks.rounding import listed, two_figures

# a batch increase "pays" when it cuts the iterations by at least this share of the factor the
# batch grew (the ideal, proportional cut): where a critical batch size says the returns turn,
# they should fall below it
PAYS = 0.5

# a cut in iterations "about" the factor the rate rose: within this factor of it
ABOUT = 1.5

# η/B equal to this relative difference: the grid's rates are rounded to three figures
SAME_PER_SAMPLE = 0.01


def samples_table(table: pd.DataFrame) -> pd.DataFrame:
    """Task 4's numbers, one row per batch size of ``tables.batch_size_summary``: η/B, the samples
    processed to the target (t × B), how many times fewer iterations it needed than the batch size
    before it, and the training seconds to it (``across.seconds_shown``); each mean and s.d. over
    seeds (the seconds' mean alone) rounded to the seeds' spread ("not reached" where a seed never came there)."""
    t = table.sort_values("batch_size").reset_index(drop=True)
    samples = [mean_sd_rounded(m, s) for m, s in zip(t["samples_target"], t["samples_target_sd"], strict=True)]
    seconds = [seconds_shown(m) if math.isfinite(m) else "–" for m in t["seconds_target"]]
    shares = cut_shares(t.dropna(subset=["t_target"])).set_index("b")
    return pd.DataFrame(
        {
            "B": t["batch_size"].map(lambda v: f"{v:,}"),
            "η/B": (t["lr"] / t["batch_size"]).map(scientific),
            "samples to the target": or_not_reached(t["samples_target"], samples),
            "iterations at the previous B ÷ here": [
                f"{mean_sd_rounded(shares.loc[b, 'cut'], shares.loc[b, 'cut_sd'])}×" if b in shares.index else "–"
                for b in t["batch_size"]
            ],
            "training s to the target": or_not_reached(t["seconds_target"], seconds),
        }
    )


def samples_caption(seeds: int) -> str:
    """The caption of ``samples_table``."""
    return (
        f"Per batch size at its chosen rate, to the first crossing, mean ± s.d. over {plural(seeds, 'seed')}: the "
        "samples processed (iterations × B), the factor by which the iterations fell from the next smaller B "
        "(ideally the factor by which B grew) and the training seconds (mean, evaluation excluded)."
    )


# why a larger batch stops paying, in a student's words: said once, beside the numbers that show it
MECHANISM = (
    "A batch's gradient averages B images' gradients, so its noise falls as B grows and a larger batch can take a "
    "longer step; but too long a step diverges whatever B is."
)


def batch_size_commentary(
    table: pd.DataFrame,
    *,
    behind: str,
    choices: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
    at_itr: str = "",
) -> str:
    """The role of the batch size, from one row per B, each paragraph a reading of the tables
    beside it (whose numbers it does not repeat).

    ``table`` columns: batch_size, lr, target_pct, t_target (iterations for every seed to come
    within the target, NaN if never) and t_target_sd, samples_target(_sd), seconds_target(_sd),
    equal_test_acc and equal_test_acc_sd (fraction, after equal samples), largest_stable (the
    sweep's largest finite rate, ``across.run_facts``) and the hand-made 50-epoch times
    (``hand.hand_times_brief``). ``choices``: Task 3's choice redone at other targets
    (``hand_rates.target_choices``), for how far the counts hold (``spread_caveat``).
    ``behind``: the anchor of the per-run detail, where the theory is. ``rates``: Task 3's sweeps
    (batch_size, lr, t_target), where the turn is read at one rate (``same_rate_text``).
    ``at_itr``: the same verdicts read at ITR (``at_itr.at_itr_text``), after the seconds.
    """
    t = table.sort_values("batch_size").reset_index(drop=True)
    if len(t) < 2:
        return "Only one batch size was run, so there is nothing to compare."
    out = []
    reached = t[t["t_target"].notna()]
    missing = t[t["t_target"].isna()]["batch_size"].tolist()
    if missing:
        out.append(f"B = {listed([f'{b:,}' for b in missing])} never came within the target in the iterations run.")
    ends = _where_runs_end(t)
    if len(reached) >= 2:
        out.append(_clocks_paragraph(reached))
        out.append(f"**Why.** {MECHANISM} {_rate_trend(reached)}{_rate_at_turn_text(reached, rates)}")
        if choices is not None:
            out.append(spread_brief(reached, choices))
        ends = f"{wall_clock_text(reached)} {ends}"
    out += [ends, at_itr]
    hand = hand_times_brief(t)
    pointer = f"The theory and the hand-made figures beside ours: [in the per-run detail]({behind})."
    out.append(f"**The hand-made reports.** {hand} {pointer}" if hand else pointer)
    return "\n\n".join(p for p in out if p)


def spread_brief(reached: pd.DataFrame, choices: pd.DataFrame) -> str:
    """``spread_caveat`` in one sentence for the answer: the ± covers the seeds only, and whether
    the pattern holds at the loosest other target (its cuts are the per-run detail's)."""
    lead = "**How sure.** The ± covers the seeds only, as in Task 3"
    full = spread_caveat(reached, choices)
    if not full:
        return lead + "."
    looser = loosest_target(choices, float(reached["target_pct"].iloc[0]))
    same = full.endswith("the same pattern.")
    return f"{lead}; at a {looser:g}% target the pattern is {'the same' if same else 'different'}."


def batch_size_detail(table: pd.DataFrame, choices: pd.DataFrame | None = None) -> str:
    """What the answer's "How sure" leaves to the per-run detail: the counts redone at the loosest
    other target (``spread_caveat``); '' with fewer than two batch sizes at the target or no such
    target."""
    reached = table.sort_values("batch_size").reset_index(drop=True).dropna(subset=["t_target"])
    if len(reached) < 2:
        return ""
    return spread_caveat(reached, choices) if choices is not None else ""


def spread_caveat(reached: pd.DataFrame, choices: pd.DataFrame) -> str:
    """How far the samples and the cuts in iterations hold beyond the seeds (whose spread alone
    their ± covers): redone at the loosest other target of ``choices``, do the samples still move
    with B as here (``trend_beyond_spread``) and do the cuts still shrink as B grows? '' when no
    other target was reached by every batch size."""
    target = float(reached["target_pct"].iloc[0])
    looser = loosest_target(choices, target)
    other = (
        choices[choices["target_pct"] == looser].sort_values("batch_size") if looser is not None else choices.iloc[:0]
    )
    if len(other) < 2 or not other["reached"].all():
        return ""
    samples = ((other["itr"] * other["batch_size"]).tolist(), (other["itr_sd"] * other["batch_size"]).tolist())
    here = trend_beyond_spread(reached["samples_target"].tolist(), reached["samples_target_sd"].tolist())
    cuts = (other["itr"].to_numpy()[:-1] / other["itr"].to_numpy()[1:]).tolist()
    mine = cut_shares(reached)["cut"].tolist()
    same = trend_beyond_spread(*samples) == here and trend(cuts) == trend(mine)
    moves = moves_with_b(*samples, [int(b) for b in other["batch_size"]])
    return (
        f"**At a {looser:g}% target**, the samples {moves}; the iterations are cut "
        f"{listed([f'{two_figures(c)}×' for c in cuts])} from one B to the next: "
        + ("the same pattern." if same else "a different pattern, so the pattern here depends on the target.")
    )


def rate_per_sample_against(t: pd.DataFrame, first: int | None = None) -> pd.Series:
    """By batch size, whether its η/B is smaller (-1), the same (0, within ``SAME_PER_SAMPLE``) or
    larger (1) than that of batch size ``first`` (the smallest by default)."""
    per_sample = (t["lr"] / t["batch_size"]).set_axis(t["batch_size"].astype(int))
    ref = per_sample.iloc[0] if first is None else per_sample[first]
    return np.sign(per_sample / ref - 1).where((per_sample / ref - 1).abs() > SAME_PER_SAMPLE, 0).astype(int)


def same_rate_per_sample(t: pd.DataFrame, first: int | None = None) -> list[int]:
    """The batch sizes whose η/B is that of batch size ``first`` (the smallest by default),
    smallest first (just it when no other shares it)."""
    side = rate_per_sample_against(t, first)
    return sorted(int(b) for b in side.index[side == 0])


def least(table: pd.DataFrame, column: str, sd_column: str) -> list[int]:
    """The batch size with the least ``column`` (mean over seeds, s.d. in ``sd_column``) and every
    one the seeds cannot tell apart from it (``criteria.differ``), least first."""
    ranked = table.dropna(subset=[column]).sort_values(column)
    if ranked.empty:
        return []
    first = ranked.iloc[0]
    return [
        int(r["batch_size"])
        for _, r in ranked.iterrows()
        if not differ(first[column], first[sd_column], r[column], r[sd_column])
    ]


def fewest(table: pd.DataFrame, column: str) -> tuple[list[int], bool]:
    """The batch sizes with the least ``column`` (mean over seeds, with ``column``_sd), and
    whether that is a win: ([B], True) when it differs from every other beyond the seeds'
    spread; otherwise every B tied with it, least first, and False. ([], False) when none has
    a value."""
    tied = least(table, column, f"{column}_sd")
    return tied, len(tied) == 1


def _clocks_paragraph(reached: pd.DataFrame) -> str:
    """How the chosen rate, the iterations and the samples to the target move with B, and which
    batch sizes needed the fewest samples, with what η/B does to it."""
    iters = trend_beyond_spread(reached["t_target"].tolist(), reached["t_target_sd"].tolist())
    samples = trend_beyond_spread(reached["samples_target"].tolist(), reached["samples_target_sd"].tolist())
    verbs = {"falls": "fall", "rises": "rise", "is not monotone": "are not monotone"}
    moves = {m: verbs.get(m, m.replace("does", "do")) for m in (iters, samples)}
    if (iters, samples) == ("falls", "rises"):
        moved = (
            "A larger batch needs fewer iterations to the target but more samples, as each step reads B images (the "
            "table above)."
        )
    else:
        moved = f"To reach the target, the iterations {moves[iters]} as B grows and the samples {moves[samples]} (the table above)."
    return f"**Steps and samples.** {moved} {_fewest_samples(reached)} {_returns_text(reached)}"


def _rate_trend(t: pd.DataFrame) -> str:
    """How the chosen rate moves with B: in proportion (the same η/B) over the first batch sizes,
    then more slowly, or as it does."""
    lr = t["lr"].tolist()
    if len(set(lr)) == 1:
        return "Here the chosen rate is the same at every batch size."
    moves = {"rises": "grows", "falls": "shrinks"}.get(trend(lr), "is not monotone")
    text = f"Here the chosen rate {moves} with B"
    same = same_rate_per_sample(t)
    if moves == "grows" and len(same) >= 2:
        text += f", in proportion up to B = {same[-1]:,} (the same η/B)"
        if len(same) < len(t):
            text += ", then more slowly"
    return text + "."


def _fewest_samples(reached: pd.DataFrame) -> str:
    """'B = 1 and 10 tie for the fewest samples: they ran at the same η/B, and ...', with the
    batch sizes that needed more and what their η/B was."""
    first, won = fewest(reached, "samples_target")
    if won:
        return f"B = {first[0]:,} needed the fewest samples."
    tied = sorted(first)
    text = f"B = {listed([f'{b:,}' for b in tied])} tie for the fewest samples"
    side = rate_per_sample_against(reached, tied[0])
    if (side[tied] != 0).any():
        return text + "."
    text += ": they ran at the same η/B, and here one step on B samples went as far as B steps on one."
    more = side.drop(index=tied)
    for value, label in ((0, "at the same η/B"), (-1, "at a smaller η/B"), (1, "at a larger η/B")):
        group = more.index[more == value].tolist()
        if group:
            text += f" B = {listed([f'{b:,}' for b in group])}, {label}, needed more."
    return text


def cut_shares(reached: pd.DataFrame) -> pd.DataFrame:
    """For each step to the next batch size that reached the target, the factor by which the
    iterations fell, t_a / t_b (``cut``), and its share of the ideal cut, (t_a / t_b) / (B_b / B_a)
    (``share``: 1 when a batch k times larger needs k times fewer iterations); each with its s.d.
    from the seeds' s.d. of the two counts (relative errors added in quadrature: different runs,
    independent). Columns: a, b, cut, cut_sd, share, share_sd."""
    r = reached.sort_values("batch_size")
    rows = []
    for (_, lo), (_, hi) in zip(r.iterrows(), r.iloc[1:].iterrows(), strict=False):
        cut = lo["t_target"] / hi["t_target"]
        share = cut / (hi["batch_size"] / lo["batch_size"])
        rel = math.hypot(lo["t_target_sd"] / lo["t_target"], hi["t_target_sd"] / hi["t_target"])
        rows.append(
            {
                "a": int(lo["batch_size"]),
                "b": int(hi["batch_size"]),
                "cut": cut,
                "cut_sd": cut * rel,
                "share": share,
                "share_sd": share * rel,
            }
        )
    return pd.DataFrame(rows, columns=["a", "b", "cut", "cut_sd", "share", "share_sd"])


def turn_step(shares: pd.DataFrame) -> pd.Series | None:
    """The turn of the returns: the first step up in B that bought less than ``PAYS`` of the ideal
    cut (a row of ``cut_shares``); None when every step paid."""
    short = shares[shares["share"] < PAYS]
    return short.iloc[0] if len(short) else None


def _returns_text(reached: pd.DataFrame) -> str:
    """Where the returns of a larger batch fall: the steps up in B that cut the iterations as much
    as the batch grew (within the spread) or more, and the first that cut them by less than
    ``PAYS`` of that (``turn_step``)."""
    shares = cut_shares(reached)
    pairs = [(f"{int(r['a']):,} to {int(r['b']):,}", r["share"], r["share_sd"]) for _, r in shares.iterrows()]
    whole = [p for p, v, sd in pairs if not differ(v, sd, 1.0, 0.0)]
    more = [p for p, v, sd in pairs if v > 1 and differ(v, sd, 1.0, 0.0)]
    said = []
    if whole:
        said.append(f"from B = {listed(whole)} the iterations fell as much as the batch grew, within the spread")
    if more:
        said.append(f"from B = {listed(more)} they fell more than the batch grew, beyond the spread")
    turn = turn_step(shares)
    if turn is None:
        said.append("every step up in B cut the iterations by at least half as much as the batch grew")
    else:
        a, b = int(turn["a"]), int(turn["b"])
        said.append(
            f"from B = {a:,} to {b:,} {'they' if said else 'the iterations'} fell only {two_figures(turn['cut'])}-fold "
            f"while the batch grew {b / a:g}-fold"
        )
    text = "; ".join(said)
    return f"{text[0].upper()}{text[1:]}."


def _rate_at_turn_text(reached: pd.DataFrame, rates: pd.DataFrame | None = None) -> str:
    """What the chosen rate did where the returns fell (``_rate_at_turn``), and what the batch alone
    did there at one rate (``same_rate_text``); '' without a turn."""
    turn = turn_step(cut_shares(reached))
    if turn is None:
        return ""
    same = same_rate_text(reached, turn, rates) if rates is not None else ""
    return _rate_at_turn(reached, turn, untold=not same) + same


def same_rate_text(reached: pd.DataFrame, step: pd.Series, rates: pd.DataFrame) -> str:
    """At a step up in B (a row of ``cut_shares``), the two batch sizes at the smaller one's chosen
    rate, in Task 3's sweeps (``rates``: batch_size, lr, t_target): how many times fewer iterations
    the larger batch alone took to the target, beside how many times the batch grew; a cut well short
    of it says the larger batch alone bought little there, and the rest of the cut came from the
    longer step. '' when the sweep of the larger batch has no run at that rate
    that came within the target."""
    a, b = int(step["a"]), int(step["b"])
    lr = float(reached.set_index("batch_size").loc[a, "lr"])
    at = rates[np.isclose(rates["lr"], lr)].set_index("batch_size")["t_target"]
    if a not in at.index or b not in at.index or not (at[a] > 0 and at[b] > 0):
        return ""
    # to three figures, as the tables give the first crossings, and the ratio of the numbers as shown
    shown_a, shown_b = (float(f"{at[k]:.3g}") for k in (a, b))
    cut = shown_a / shown_b
    text = (
        f" Task 3's sweeps ran both batch sizes at B = {a:,}'s rate, η = {lr:g}: there B = {b:,} came within the "
        f"target in {shown_b:,.0f} iterations against B = {a:,}'s {shown_a:,.0f}, {cut:.3g} times fewer for "
        f"{b / a:g} times the batch"
    )
    if cut <= ABOUT:
        return (
            text + ": at one rate the larger batch alone bought little, and most of the cut came from the longer step."
        )
    return text + "."


def rate_explains_turn(reached: pd.DataFrame, step: pd.Series) -> bool | None:
    """For a step up in B (a row of ``cut_shares``): None when the chosen rate grew as B did there;
    else whether the longer step alone accounts for the cut (the iterations fell by the factor
    the rate rose, within a factor ``ABOUT``: a longer step alone cuts the iterations about in
    proportion), in which case the runs cannot tell the rate from the gradient noise."""
    r = reached.set_index("batch_size")
    a, b = int(step["a"]), int(step["b"])
    rose = r.loc[b, "lr"] / r.loc[a, "lr"]
    if rose >= (b / a) * (1 - SAME_PER_SAMPLE):
        return None
    cut = r.loc[a, "t_target"] / r.loc[b, "t_target"]
    return 1 / ABOUT <= cut / rose <= ABOUT


def _rate_at_turn(reached: pd.DataFrame, step: pd.Series, untold: bool = True) -> str:
    """At the turn, how far the rate rose and the iterations fell, and whether that is about what
    the longer step alone gives (``rate_explains_turn``), with the chosen rate at the sweep's top
    named as what stopped it, and, when nothing here reads the batch at one rate (``untold``), that
    a batch gradient close to the full one would cut them the same way; empty where the rate grew
    as B did."""
    explains = rate_explains_turn(reached, step)
    if explains is None:
        return ""
    r = reached.set_index("batch_size")
    a, b = int(step["a"]), int(step["b"])
    rose = r.loc[b, "lr"] / r.loc[a, "lr"]
    text = f" From B = {a:,} to {b:,} it rose only {rose:.2g}× (the grid places a rate to about a factor of 2)"
    if not explains:
        return text + ", and the iterations fell more than the longer step alone gives."
    text += ", about as much as the iterations fell"
    if "largest_stable" in r.columns and r.loc[b, "lr"] >= r.loc[b, "largest_stable"]:
        text += f": at B = {b:,} it is already the largest rate of the grid that did not diverge"
        if untold:
            text += (
                ". A second cause, a batch gradient already close to the full one, would cut the iterations the same "
                "way; these runs cannot tell the two apart"
            )
    return text + "."


def wall_clock_text(reached: pd.DataFrame) -> str:
    """Training seconds to the target: the fastest batch size, which others took longer by more than
    the machine's load can account for (``across.load_split``), and why one in between wins."""
    fast, close, slow = load_split(reached)
    text = f"**Seconds.** B = {fast:,} reached the target fastest (the table above)"
    if close:
        ratios = listed([f"{two_figures(x) if math.isfinite(x) else x}×" for x in close.values()])
        # a mean ratio above the factor is still within it once the seeds' spread is counted (``load_split``)
        counted = " once the spread over seeds is allowed for" if max(close.values()) > LOAD_FACTOR else ""
        text += (
            f"; B = {listed([f'{b:,}' for b in close])} took {ratios} as long, within the {LOAD_FACTOR:g}× the "
            f"machine's load can cause{counted}"
        )
    if slow:
        who = f"B = {listed([f'{b:,}' for b in slow])}" if close else "the others"
        least = min(slow.values())  # the margin over the load factor, shown
        text += (
            f"; {who} took {two_figures(least)}× as long or more (ratios of the unrounded means), beyond the {LOAD_FACTOR:g}× "
            "the load can cause"
        )
        if min(slow) < fast < max(slow):
            text += ": the smaller batches took many more steps, the larger ones many more samples"
    return text + "."


def _where_runs_end(t: pd.DataFrame) -> str:
    """The test accuracy after equal samples (Task 3's table: ``equal_test_acc`` and its s.d.
    ``equal_test_acc_sd``, ``ends.equal_samples``) against the cost of reaching the target."""
    acc, sd = t["equal_test_acc"], t["equal_test_acc_sd"]
    hi, lo = acc.idxmax(), acc.idxmin()
    if not differ(acc[hi], sd[hi], acc[lo], sd[lo]):
        return "The batch size changes the cost of reaching the target, not the test accuracy after the same samples (Task 3)."
    return (
        f"The batch size also changes the test accuracy after the same samples: B = "
        f"{int(t['batch_size'][hi]):,} is highest, beyond the spread (Task 3)."
    )
