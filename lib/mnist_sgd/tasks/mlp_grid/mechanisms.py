"""Why Task 7's settings differ, each mechanism tied to numbers of the grid: in the body, what the
learning rate does at one batch size (``learning_rate_text``) and the batch size at one rate
(``batch_size_text``: the final test accuracy, progress per epoch, whether the smallest batch's
lead lasts, progress per update, the time of an epoch), where the seeds trained (where the cells
stop training is ``stability``'s); behind it, in the detail: the noise of a minibatch gradient
against η/B, the time of an update and the train - test gap of every setting. Every ranking
follows ``ties``."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from mnist_sgd.science.criteria import beyond_load
from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.mlp_grid.cell import KEYS, LOSS, asked_cells, cell_label, steps_per_epoch
from mnist_sgd.tasks.mlp_grid.stability import by_eta_b, settling_text, trained_at_larger
from mnist_sgd.tasks.mlp_grid.tables import failures, listed, span, two_significant
from mnist_sgd.tasks.mlp_grid.ties import apart, rank, rankable, ranking_text, said

FIT = 0.995  # a cell "fits the training set" when its final training accuracy is at least this


def focus(cells: pd.DataFrame, key: str) -> float | None:
    """The value of ``key`` ('batch_size' or 'lr') at which the section varies the other: the one
    the assignment varies it at (the most frequent among the cells it asks), when two or more
    cells ran there; else the value with the most cells run, two at least; None when no value of
    ``key`` has two cells."""
    counts = cells.groupby(key).size()
    counts = counts[counts >= 2]
    if counts.empty:
        return None
    index = KEYS.index(key)
    asked = Counter(cell[index] for cell in asked_cells()).most_common(1)[0][0]
    return float(asked) if asked in counts.index else float(counts.idxmax())


def _short_step(at: pd.DataFrame) -> str:
    """At one batch size (the rows ``at``, by rate): the loss after epoch 1 at the smallest rate
    against the next, and whether the smallest rate has fit the training set by the end; '' when
    the two are not both ranked."""
    lo, next_ = at.iloc[0], at.iloc[1]
    if not rankable(at.iloc[:2]).all():
        return ""
    if not (lo["loss_epoch1"] > next_["loss_epoch1"] and apart(lo, next_, "loss_epoch1")):
        return (
            f"A shorter step is not slower here: after epoch 1 the loss at η = {lo['lr']:g} is within the spread of "
            f"that at η = {next_['lr']:g} or below it. "
        )
    text = (
        f"At η = {lo['lr']:g} the step is too short: after epoch 1 its loss is "
        f"{lo['loss_epoch1'] / next_['loss_epoch1']:.2g} times that at η = {next_['lr']:g}"
    )
    if lo["train_acc"] < FIT:  # its training accuracy: the section's table
        text += ", and it ends without fitting the training set"
    return text + ". "


def per_update_losses(cells: pd.DataFrame, history: pd.DataFrame, lr: float) -> pd.DataFrame:
    """For the ranked cells at ``lr`` (``ties.rankable``): the training loss (whole set) after as
    many updates as one epoch of the smallest of their batch sizes makes (after epoch k, k = those
    updates / the cell's updates per epoch, rounded), per seed and then mean and s.d. over the
    seeds: columns batch_size, lr, epochs_used, updates, window, window_sd, seeds, all_converged.
    Cells whose seeds completed fewer than k epochs are left out."""
    at = cells[(cells["lr"] == lr) & rankable(cells)].sort_values("batch_size")
    history = history.astype({"lr": float})
    cols = ["batch_size", "lr", "epochs_used", "updates", "window", "window_sd", "seeds", "all_converged"]
    if at.empty:
        return pd.DataFrame(columns=cols)
    steps = dict(zip(at["batch_size"], steps_per_epoch(at), strict=True))
    updates = steps[min(steps)]
    rows = []
    for c in at.itertuples(index=False):
        k = max(1, round(updates / steps[c.batch_size]))
        if c.completed < k:
            continue
        h = history[(history["batch_size"] == c.batch_size) & (history["lr"] == lr) & (history["epoch"] == k)]
        per_seed = h.groupby("seed")[LOSS].first()
        rows.append(
            {
                "batch_size": c.batch_size,
                "lr": lr,
                "epochs_used": k,
                "updates": k * steps[c.batch_size],
                "window": per_seed.mean(),
                "window_sd": per_seed.std(ddof=1) if len(per_seed) >= 2 else float("nan"),
                "seeds": c.seeds,
                "all_converged": c.all_converged,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def _per_update_text(windows: pd.DataFrame) -> str:
    """The training loss after about as many updates as the smallest batch's first epoch makes: the
    batch size lowest there against the smallest batch, when apart by ``ties.apart`` (why, the
    detail's ``noise_text`` says: its steps average more examples), with those tied with it; else
    that the smallest batch is ahead or tied; '' for fewer than two batch sizes."""
    if len(windows) < 2:  # every row is a ranked cell (``per_update_losses``)
        return ""
    small = windows.iloc[0]
    best = windows.iloc[1:].sort_values("window").iloc[0]  # the lowest of the larger batches
    b0, b1 = int(small["batch_size"]), int(best["batch_size"])
    if not apart(best, small, "window"):
        return f"Per update, B = {b1} and B = {b0} are tied. "
    if best["window"] > small["window"]:
        return "The smallest batch is ahead per update too: its lead is not only its number of updates. "
    first = said(small["window"], small["window_sd"], int(small["seeds"]))
    larger = windows.iloc[1:].sort_values("window")
    tied = [r for _, r in larger.iloc[1:].iterrows() if not apart(r, best, "window") and apart(r, small, "window")]
    if tied:  # no single furthest: each with its own epochs
        values = [
            f"B = {int(r['batch_size'])}'s {said(r['window'], r['window_sd'], int(r['seeds']))} "
            f"({plural(int(r['epochs_used']), 'epoch')})"
            for r in (best, *tied)
        ]
        names = listed([f"B = {int(r['batch_size'])}" for r in (best, *tied)])
        return (
            f"Per update {names} go furthest, within the spread "
            f"of each other: after about {int(small['updates']):,} updates their losses are {listed(values)}, against "
            f"B = {b0}'s {first} after one epoch. "
        )
    which = "the largest" if b1 == int(windows["batch_size"].max()) else f"B = {b1}"
    value = said(best["window"], best["window_sd"], int(best["seeds"]))
    return (
        f"Per update {which} goes furthest: after {plural(int(best['epochs_used']), 'epoch')} "
        f"({int(best['updates']):,} updates) its loss is {value}, against B = {b0}'s {first} after one. "
    )


def _per_epoch_text(at: pd.DataFrame, history: pd.DataFrame) -> str:
    """At one rate (the rows ``at``, by batch size): whether the smallest batch goes furthest in
    the first epoch (its loss after epoch 1 the lowest), with the updates an epoch makes at the
    smallest and the largest batch, and whether it is still ahead at the end (``history``: the
    losses per seed and epoch, read by ``stability.settling_text``)."""
    steps = dict(zip(at["batch_size"].astype(int), steps_per_epoch(at), strict=True))
    small, large = min(steps), max(steps)
    per_epoch = rank(at, "loss_epoch1", highest=False)
    if per_epoch is not None and per_epoch.unique and per_epoch.best["batch_size"] == small:
        end = settling_text(at, history)
        return (
            f"Per epoch the smallest batch leads after epoch 1 ({steps[small]:,} updates against {steps[large]:,} at "
            f"B = {large}){f', not at the end: {end}' if end else ''}. "
        )
    if per_epoch is not None:
        return f"The smallest batch is not the furthest after epoch 1, despite its {steps[small]:,} updates. "
    return ""


def _test_ranking(at: pd.DataFrame, key: str, values: bool = True) -> str:
    """'the final test accuracy is highest at η = 0.1 (98.43% ± 0.04), ahead of η = 0.01 (...)'
    among the ranked rows ``at`` named by ``key`` (``ties.ranking_text``; the values left out when
    not ``values``), 'the same, within the spread, at all 3 batch sizes' when all are tied; '' for
    fewer than two."""
    # all tied: say all of what
    all_of = "batch sizes" if key == "batch_size" else "rates"
    ranked = ranking_text(at, key, "test_acc", percent=True, values=values, all_of=all_of)
    return f"the final test accuracy is {ranked}" if ranked else ""


def _too_long(at: pd.DataFrame, cells: pd.DataFrame) -> str:
    """'At η = 1 the step is too long for B = 32 (2 of 3 diverged) but not for B = 128: the limit is
    not on η alone. ' for the largest rate of ``at`` (one batch size, by rate) when some of its seeds
    failed, with the larger batch sizes of ``cells`` where every seed trained at that rate; '' when
    every seed trained."""
    high = at.iloc[-1]
    if len(at) < 2 or bool(high["all_converged"]):
        return ""
    b = int(high["batch_size"])
    text = f"At η = {high['lr']:g} the step is too long for B = {b} ({failures(high)})"
    saved = trained_at_larger(cells, high["lr"], b)
    if saved.empty:
        return text + ". "
    text += " but not for " + listed([f"B = {int(r.batch_size)}" for r in saved.sort_values("batch_size").itertuples()])
    # what the cells show, not that η/B alone sets the limit (the stability paragraph says where it lies)
    return text + ": the limit is not on η alone. "


def learning_rate_text(cells: pd.DataFrame) -> str | None:
    """The body's paragraph on the learning rate, at the batch size ``focus`` picks: the final test
    accuracies ranked (their values: the section's table beside), a step too long (``_too_long``) and
    a short step that descends slowly (``_short_step``); None when that batch size has fewer than two
    settings."""
    b = focus(cells, "batch_size")
    if b is None:
        return None
    at = cells[cells["batch_size"] == b].sort_values("lr")
    ranked, rest = _test_ranking(at, "lr", values=False), _too_long(at, cells) + _short_step(at)
    if not (ranked or rest):
        return None
    return f"**Learning rate.** At B = {int(b)}{f', {ranked}.' if ranked else ':'} {rest}".rstrip()


def batch_size_text(cells: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """The body's paragraph on the batch size, at the rate ``focus`` picks, one answer per reading:
    the final test accuracies ranked, the loss per epoch (``_per_epoch_text``) and per update
    (``per_update_losses``), and the time of an epoch (``_epoch_time``); None when that rate has
    fewer than two settings. Why η/B (gradient noise) and the train - test gaps are the detail's
    (``noise_text``, ``gap_text``)."""
    lr = focus(cells, "lr")
    if lr is None:
        return None
    at = cells[cells["lr"] == lr].sort_values("batch_size")
    ranked = _test_ranking(at, "batch_size", values=False)  # the section's table beside gives them
    rest = (
        _per_epoch_text(at, history)
        + _per_update_text(per_update_losses(cells, history, lr))
        + _epoch_time(cells)  # over every rate: the rate does not change the work of an epoch
    )
    if not (ranked or rest):
        return None
    return f"**Batch size.** At η = {lr:g}{f', {ranked}.' if ranked else ':'} {rest}".rstrip()


def _load_verdict(ratio: float) -> str:
    """'beyond the machine's load' for a ratio of times (≥ 1) beyond the load (``beyond_load``), else
    'within the machine's load'."""
    return f"{'beyond' if beyond_load(ratio) else 'within'} the machine's load"


def _by_batch(cells: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The time of an update (ms) and of an epoch (s) per batch size, each a mean over the cells run
    at it (the rate does not change the work of a step)."""
    by = cells.assign(ms=1000 * cells["seconds_per_epoch"] / steps_per_epoch(cells)).groupby("batch_size")
    return by["ms"].mean(), by["seconds_per_epoch"].mean()


def _epoch_ratios(cells: pd.DataFrame) -> tuple[int, int, float, pd.Series] | None:
    """The batch size whose epoch took longer and the other, of the smallest and the largest, with
    the ratio of their epochs' times (means over the rates, ``_by_batch``) and that ratio rate by
    rate; None for one batch size."""
    _, epoch = _by_batch(cells)
    if len(epoch) < 2:
        return None
    b0, b1 = int(epoch.index.min()), int(epoch.index.max())
    longer, shorter = (b0, b1) if epoch[b0] > epoch[b1] else (b1, b0)
    per_rate = cells.pivot_table(index="lr", columns="batch_size", values="seconds_per_epoch")
    return longer, shorter, float(epoch[longer] / epoch[shorter]), (per_rate[longer] / per_rate[shorter]).dropna()


def _epoch_time(cells: pd.DataFrame) -> str:
    """'An epoch at B = 8 took 2.9 times as long as at B = 128, beyond the machine's load. ' for the
    smallest against the largest batch size (means over the rates, which the detail says), judged
    by the ratio closest to 1 of the mean and the rate-by-rate ones, which is quoted when the verdict
    differs from the mean's (those and the seconds, the detail's ``time_text``); '' for one batch size."""
    read = _epoch_ratios(cells)
    if read is None:
        return ""
    longer, shorter, ratio, ratios = read
    took = f"An epoch at B = {longer} took {ratio:.2g} times as long as at B = {shorter}"
    closest = min([ratio, *ratios])
    if beyond_load(closest) != beyond_load(ratio):
        # the verdict goes by the closest rate: quote it, lest the mean read as judged against itself
        at = f"η = {ratios.idxmin():g}"
        return (
            f"{took} on average over the rates, but only {closest:.2g} times at {at}, within the machine's load: the "
            "longer epoch is not told apart from the load. "
        )
    return f"{took}, {_load_verdict(closest)}. "


def time_text(cells: pd.DataFrame) -> str | None:
    """The cost of an update at the smallest batch size against the largest (``_by_batch``), judged
    against the machine's load (``beyond_load``), the times of their epochs and their ratio, over
    the rates and rate by rate (``_epoch_ratios``; the body's ``_epoch_time`` says the first with
    its verdict), and how far apart the same work
    was timed in two cells of one batch size, where there are two; None for one batch size."""
    ms, _ = _by_batch(cells)
    if len(ms) < 2:
        return None
    b0, b1 = int(ms.index.min()), int(ms.index.max())
    examples, update = b1 / b0, ms[b1] / ms[b0]
    share = (
        f"less than in proportion, {_load_verdict(examples / update)}"
        if update < examples
        else f"at least in proportion, {_load_verdict(update / examples)}"
    )
    spans = (
        cells.groupby("batch_size")["seconds_per_epoch"]
        .agg(lambda t: t.max() / t.min() if len(t) > 1 else math.nan)
        .dropna()
    )
    text = (
        f"**Time.** An update on B = {b1} averages {examples:g} times the examples of one on B = {b0} and took "
        f"{update:.2g} times as long ({two_significant(ms[b1])} ms against {two_significant(ms[b0])} ms, means over "
        f"the settings of each batch size): {share}."
    )
    read = _epoch_ratios(cells)
    if read is not None:
        longer, shorter, ratio, ratios = read
        _, epoch = _by_batch(cells)
        text += (
            f" An epoch at B = {longer} took {ratio:.2g} times as long as at B = {shorter} "
            f"({two_significant(epoch[longer])} s against {two_significant(epoch[shorter])} s, means over the rates"
            + (f"; {span(ratios, '.2g')} times rate by rate)." if len(ratios) > 1 else ").")
        )
    if len(spans):
        text += (
            f" The same work, an epoch at one batch size, took up to {spans.max():.2g} times as long in one setting "
            "as in another."
        )
    return text


def noise_text(cells: pd.DataFrame) -> str | None:
    """Why η/B is also a measure of noise, and how often the loss of the cells that trained
    rose, in the order of η/B (the section's table gives each cell's η/B and how it ended); None
    for fewer than two cells."""
    if len(cells) < 2:
        return None
    text = (
        "**Gradient noise.** A minibatch gradient is the mean of B per-example gradients: the full gradient plus "
        "a noise whose variance is 1/B of one example's. Over a stretch of training in which the steps add up to a "
        "given total (η × steps fixed), they add a noise whose variance scales with η/B, so a small batch and a "
        "long step are noisy alike. "
    )
    c = by_eta_b(cells)
    rose = c[c["all_converged"].astype(bool)].dropna(subset=["rises"])
    if len(rose) >= 2 and (rose["rises"] == 0).all():
        text += "No epoch of the settings that trained counts as a rise of the loss."
    elif len(rose) >= 2:
        values = [
            f"{said(r.rises, r.rises_sd, r.seeds, alone='.1f')} at {cell_label(r.batch_size, r.lr)}"
            for r in rose.itertuples(index=False)
        ]
        steady = bool((rose["rises"].diff().dropna() >= 0).all())
        ranked = rose[rankable(rose)]  # the ends of the growth, judged between settings of several seeds
        grows = len(ranked) >= 2 and apart(ranked.iloc[0], ranked.iloc[-1], "rises")
        text += (
            "In the settings that trained, the epochs in which the loss on the whole training set rose, per seed, in "
            "the order of η/B: "
            + ", ".join(values)
            + (
                ". They grow with η/B."
                if steady and rose["rises"].iloc[-1] > rose["rises"].iloc[0] and grows
                else ". They do not grow with η/B beyond the spread."
                if steady
                else ". They do not grow steadily with η/B: the noise grows with η/B, but η/B alone does not set how "
                "often the loss rises."
            )
        )
    return text.rstrip()


def gap_text(cells: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """Generalisation: the train - test gap of the cells where every seed trained, those that
    fit the training set (``FIT``) against those that did not, and what the second half of the
    epochs did to their training loss and test accuracy; None when no cell trained."""
    ok = cells[cells["all_converged"].astype(bool)].sort_values("gap")
    if ok.empty:
        return None
    text = (
        "**Generalisation.** The gap between final training and test accuracy, in points: "
        + ", ".join(f"{said(r.gap, r.gap_sd, r.seeds)} at {cell_label(r.batch_size, r.lr)}" for r in ok.itertuples())
        + ". "
    )
    fit, under = ok[ok["train_acc"] >= FIT], ok[ok["train_acc"] < FIT]
    if len(fit):
        text += (
            f"The {plural(len(fit), 'setting')} that {'fits' if len(fit) == 1 else 'fit'} the training set (final "
            f"training accuracy at least {100 * FIT:g}%) {'has a gap' if len(fit) == 1 else 'have gaps'} of "
            + (
                f"{fit['gap'].min():.2f} points and a test accuracy of {pct(fit['test_acc'].min())}"
                if len(fit) == 1
                else f"{span(fit['gap'], '.2f')} points and test accuracies of {span(100 * fit['test_acc'], '.2f')}%"
            )
            + ": the errors made on the test set are errors of generalisation. "
        )
        late = _second_half(fit, history)
        if late is not None:
            text += late
        ranked = ranking_text(fit, "setting", "gap", highest=False, values=False)  # the list above gives them
        if ranked:
            text += f"Among the settings that fit the training set, the gap is {ranked}. "
    if len(under):
        smaller = len(fit) > 0 and _all_smaller(under, fit)
        text += (
            f"The {plural(len(under), 'setting')} that {'does' if len(under) == 1 else 'do'} not fit the training set "
            + ("" if len(fit) else f"(final training accuracy below {100 * FIT:g}%) ")  # else defined just above
            + f"{'has' if len(under) == 1 else 'have'} "
            + ", ".join(
                f"{pct(r.train_acc)} training and {pct(r.test_acc)} test accuracy at {cell_label(r.batch_size, r.lr)}"
                for r in under.sort_values("train_acc").itertuples(index=False)
            )
            + (
                f": {'a smaller gap' if len(under) == 1 else 'smaller gaps'} than any setting that fits; "
                if smaller
                else ": "
            )
            + f"{'its' if len(under) == 1 else 'their'} test accuracy is held back by optimisation (the training set is "
            "not yet fit), not only by generalisation."
        )
    return text.rstrip()


def _all_smaller(under: pd.DataFrame, fit: pd.DataFrame) -> bool:
    """Whether the gap of every cell of ``under`` is below that of every cell of ``fit`` by the
    rule of ``ties``: ranked cells only, by ``ties.apart``."""
    if not (rankable(under).all() and rankable(fit).all()):
        return False
    return all(u["gap"] < f["gap"] and apart(u, f, "gap") for _, u in under.iterrows() for _, f in fit.iterrows())


def _second_half(fit: pd.DataFrame, history: pd.DataFrame) -> str | None:
    """'From epoch 10 to 20 their training loss fell by a factor of 3.1 to 27 while their test
    accuracy changed by -0.05 to +0.21 points.' for the cells ``fit``; None for fewer than four
    epochs."""
    epochs = int(fit["epochs"].min())
    if epochs < 4 or fit["completed"].min() < epochs:
        return None
    mid = epochs // 2
    factors, changes = [], []
    history = history.astype({"lr": float})
    for c in fit.itertuples(index=False):
        h = history[(history["batch_size"] == c.batch_size) & (history["lr"] == c.lr)]
        at = h.pivot_table(index="seed", columns="epoch", values=[LOSS, "test_acc"])
        factors.append(float((at[(LOSS, mid)] / at[(LOSS, epochs)]).mean()))
        changes.append(float(100 * (at[("test_acc", epochs)] - at[("test_acc", mid)]).mean()))
    return (
        f"From epoch {mid} to {epochs}, their training loss fell by a factor of {span(factors, '.2g')} while their "
        f"test accuracy changed by {span(changes, '+.2f')} points (means over the seeds). "
    )
