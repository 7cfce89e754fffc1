"""The summary's answers, one per question of the assignment, and the paragraph on how the
report was made: each written from the result tables of the section that answers it, so the
summary quotes the same numbers as the section."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.science.criteria import DIFFER_RULE, HAND_RULE
from mnist_sgd.science.means import MEANS_RULE
from mnist_sgd.show import references
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import duration, pct, plural
from mnist_sgd.tasks.batch_size.across import load_split, trend_beyond_spread
from mnist_sgd.tasks.batch_size.commentary import fewest
from mnist_sgd.tasks.batch_size.ends import SETTLED_WINDOW
from mnist_sgd.tasks.batch_size.hand_rates import itr_fewer_at_looser, rate_moved
from mnist_sgd.tasks.batch_size.per_batch import mean_sd_rounded
from mnist_sgd.tasks.dataset_size.commentary import MOVES, lower_at_end, steps_between
from mnist_sgd.tasks.mlp_grid.cell import asked_cells
from mnist_sgd.tasks.mlp_grid.stability import trained_at_larger
from mnist_sgd.tasks.mlp_grid.tables import ratio_said
from mnist_sgd.tasks.mlp_grid.ties import rank
from mnist_sgd.tasks.pytorch.tables import UNCONVERTED
from mnist_sgd.tasks.rounding import listed, two_figures
from mnist_sgd.tasks.summary.step_times import times_text


def data_answer(counts: pd.DataFrame) -> str:
    """Task 1's answer: the number of training and test images. ``counts``: one row per class,
    with the columns train and test (images of that class)."""
    return (
        f"{counts['train'].sum():,} training and {counts['test'].sum():,} test images, each a 784-vector of pixels "
        f"scaled to [0, 1] with a one-hot label; all four files match their published MD5 checksums."
    )


def sgd_answer(reference: pd.DataFrame, checks: pd.DataFrame) -> str:
    """Task 2's answer: the exact optimum and the gradient check. ``reference``: one row with
    train_loss_star and test_acc_star; ``checks``: one row with gradient_rel_diff (the largest
    entry-wise difference from automatic differentiation over the gradient's largest entry) or,
    in tables written before it, gradient_max_abs_diff; and, where it was measured, step_rel_diff (one
    float32 step of the runs' code against autograd's, relative to the step)."""
    ref, check = reference.iloc[0], checks.iloc[0]
    agrees = (
        f"to {check['gradient_rel_diff']:.1e} of the gradient's largest entry"
        if "gradient_rel_diff" in checks.columns
        else f"to {check['gradient_max_abs_diff']:.1e} in any entry"
    )
    step = (
        f"; the float32 step of the linear runs (Tasks 2-5) to {check['step_rel_diff']:.1e} of its largest entry "
        "(rounding)"
        if "step_rel_diff" in checks.columns
        else ""
    )
    return (
        "Written by hand, batches drawn with replacement: its gradient agrees with automatic differentiation "
        f"{agrees}{step}. The yardstick: L* = {ref['train_loss_star']:.5f}, the lowest training loss (exact least "
        f"squares, {pct(ref['test_acc_star'])} test accuracy)."
    )


def batch_size_answer(chosen: pd.DataFrame, itr: pd.DataFrame, choices: pd.DataFrame | None = None) -> str:
    """Task 3's answer over all batch sizes, smallest first, then how much the first crossing owes
    to the target. ``chosen``: one row per batch size with batch_size, lr, target_pct, converged
    and cap (the run length); ``itr``: Task 3's ITR per batch size, where the loss stays within
    the target (settled_t, settled_t_sd, settled_seconds: the training seconds to it); ``choices``:
    the rule redone at other targets (``hand_rates.target_choices``), None when not there."""
    s = chosen.merge(itr, on="batch_size").sort_values("batch_size").reset_index(drop=True)
    met = s[s["converged"].astype(bool) & s["settled_t"].map(math.isfinite)]
    unmet = s[~s["batch_size"].isin(met["batch_size"])]
    target = float(s["target_pct"].iloc[0])
    text = (
        f"Chosen for the fewest iterations to the target: η = {listed([f'{v:g}' for v in s['lr']])} for "
        f"B = {listed([f'{b:,}' for b in s['batch_size']])}."
    )
    if len(met):
        itrs = listed([mean_sd_rounded(m, sd) for m, sd in zip(met["settled_t"], met["settled_t_sd"], strict=True)])
        text += (
            f" The loss reaches the target and stays there from ITR = {itrs} iterations on, after "
            f"{listed([two_figures(v) for v in met['settled_seconds']])} s of training"
            + ("" if unmet.empty else f" at B = {listed([f'{b:,}' for b in met['batch_size']])}")
            + ", and still falls slowly after."
        )
    if len(unmet):
        text += (
            f" At B = {listed([f'{b:,}' for b in unmet['batch_size']])} the loss did not stay within the target for a "
            f"doubling of t in {listed([f'{int(c):,}' for c in unmet['cap']])} iterations."
        )
    return text + ("" if choices is None else _itr_caveat(choices, target))


def _itr_caveat(choices: pd.DataFrame, target_pct: float) -> str:
    """' The first crossing depends on the target: at 10% it is 3.9 to 6.3 times smaller, and the
    chosen rate changes at B = 1 and 10.', the rate's change said where there is one; '' without a
    looser target reached at any batch size."""
    found = itr_fewer_at_looser(choices, target_pct)
    if found is None or found[1].empty:
        return ""
    looser, fewer = found
    span = " to ".join(dict.fromkeys(f"{v:.2g}" for v in (fewer.min(), fewer.max())))
    moved = rate_moved(choices, target_pct, looser)
    also = f", and the chosen rate changes at B = {listed([f'{b:,}' for b in moved])}" if moved else ""
    return f" At a {looser:g}% target the first crossing comes {span} times sooner{also}."


def batch_size_role_answer(table: pd.DataFrame) -> str:
    """Task 4's answer: how the iterations and the samples to the target move with the batch size,
    then which batch sizes need the fewest samples and the least training time, named apart only
    beyond the spread, and beyond the machine's load for the time. ``table``: one row per
    batch size with batch_size, target_pct and, per clock, the mean over seeds and its s.d.:
    t_target(_sd), samples_target(_sd), seconds_target(_sd) (NaN where a seed never reached the
    target)."""
    reached = table.dropna(subset=["t_target"]).sort_values("batch_size").reset_index(drop=True)
    if not len(reached):
        return f"No batch size came within {float(table['target_pct'].iloc[0]):g}% of L* in the iterations run."
    if len(reached) == 1:
        return f"Only B = {int(reached['batch_size'].iloc[0]):,} came within the target in the iterations run."
    parts = [_clocks_trend(reached)]
    least, won = fewest(reached, "samples_target")
    # the first crossing, named: read at ITR the fewest samples can fall elsewhere (the section says)
    parts.append(
        f"To the first crossing, B = {least[0]:,} needed the fewest samples."
        if won
        else f"To the first crossing, B = {listed([f'{b:,}' for b in sorted(least)])} tie for the fewest samples."
    )
    return " ".join([*parts, _fastest(reached)])


def _clocks_trend(reached: pd.DataFrame) -> str:
    """How the iterations and the samples to the target change from the smallest batch size
    that reached it to the largest: the trade Task 4 asks about, in one sentence."""
    first, last = reached.iloc[0], reached.iloc[-1]
    steps = trend_beyond_spread(reached["t_target"].tolist(), reached["t_target_sd"].tolist())
    samples = trend_beyond_spread(reached["samples_target"].tolist(), reached["samples_target_sd"].tolist())
    said = {"falls": "fall", "rises": "rise"}
    if (steps, samples) != ("falls", "rises"):
        return (
            f"From B = {int(first['batch_size']):,} to {int(last['batch_size']):,} the iterations to the target {steps} "
            f"and the samples {samples}."
        )
    return (
        f"From B = {int(first['batch_size']):,} to {int(last['batch_size']):,} the iterations to the target "
        f"{said[steps]} {two_figures(first['t_target'] / last['t_target'])}-fold and the samples (iterations × B) "
        f"{said[samples]} {two_figures(last['samples_target'] / first['samples_target'])}-fold: each larger step "
        "averages out more gradient noise but reads more images."
    )


def _fastest(reached: pd.DataFrame) -> str:
    """The batch size with the least training time to the target, with those the machine's load
    could have put ahead of it (``across.load_split``)."""
    fast, close, beyond = load_split(reached)
    if not close:
        least = min(beyond.values())
        return f"B = {fast:,} trained fastest; the others took {two_figures(least)}× as long or more, beyond the machine's load."
    return (
        f"B = {fast:,} trained fastest, but its lead over B = {listed([f'{b:,}' for b in close])} is within what the "
        "machine's load can cause."
    )


def dataset_size_answer(table: pd.DataFrame) -> str:
    """Task 5's answer: the final test accuracy, after the fixed iterations, against the dataset size,
    smallest first (mean ± s.d. over subsets), with how many steps of the grid lie beyond the spread
    (``steps_between``); then where stopping early does better beyond the spread (``lower_at_end``),
    its accuracy there.
    ``table``: ``tables.size_summary``."""
    s = table.sort_values("dataset_size")

    def accuracies(mean: pd.Series, sd: pd.Series) -> str:
        return listed([f"{mean_sd_rounded(100 * m, 100 * d)}%" for m, d in zip(mean, sd, strict=True)])

    steps = steps_between(s)
    beyond = sum(step.apart for step in steps)
    said = f" ({beyond} of its {len(steps)} steps beyond the spread)" if beyond < len(steps) else ""
    text = (
        f"After {int(s['iterations'].max()):,} iterations, the final test accuracy "
        f"{MOVES[trend(s['test_acc'].tolist())]} N'{said}: {accuracies(s['test_acc'], s['test_acc_sd'])} for "
        f"N' = {listed([f'{n:,}' for n in s['dataset_size']])} (mean ± s.d. over subsets)."
    )
    lower = s[s["dataset_size"].isin(lower_at_end(s))]
    if len(lower):
        text += (
            f" Stopped early it is higher beyond the spread at N' = {listed([f'{n:,}' for n in lower['dataset_size']])} "
            f"({accuracies(lower['stop_test_acc'], lower['stop_test_acc_sd'])}): the runs on few images over-fit, and "
            "there the answer depends on when training stops."
        )
    return text


def framework_answer(equivalence: pd.DataFrame, hand_rates: pd.DataFrame | None = None) -> str:
    """Task 6's answer: how close the framework's weights come to the hand-written ones, then what
    the hand reports' rate passed to the framework unconverted gives, beside the hand figure.
    ``equivalence``: rows with torch_lr (NaN where the rate was not converted), steps and
    relative_difference; the first row with a converted rate is quoted. ``hand_rates``: one row
    per run with rate (its name), implementation, lr, epochs, batch_size and final_test_acc."""
    converted = equivalence[equivalence["torch_lr"].notna()].iloc[0]
    text = (
        "PyTorch's layer, loss and optimiser take the hand-written steps once η is multiplied by 5 (after "
        f"{int(converted['steps']):,} steps on the same batches the weights differ by a relative "
        f"{converted['relative_difference']:.1e})."
    )
    hand = references.value(6, "test accuracy", "10 epochs")
    if hand_rates is None or hand is None:
        return text
    as_given = hand_rates[(hand_rates["implementation"] == UNCONVERTED) & hand_rates["rate"].str.contains("hand")]
    if as_given.empty:
        return text
    first = as_given.iloc[0]
    return text + (
        f" Given the hand reports' η = {first['lr']:g} unconverted, {plural(int(first['epochs']), 'epoch')} at "
        f"B = {int(first['batch_size']):,} give {pct(as_given['final_test_acc'].mean())} test accuracy, beside the "
        f"hand-made about {100 * hand:.1f}%."
    )


def mlp_grid_answer(cells: pd.DataFrame) -> str:
    """Task 7's answer: the test accuracy at the asked batch size across its learning rates, and
    at the asked learning rate across its batch sizes (the two comparisons the assignment asks
    for, each left out when fewer than two of its cells ran; a cell where a seed failed given by
    its failure, not by a mean; the batch sizes said to be within the spread of each other when the
    section's ranking ties them all, ``ties.rank``), then where in η/B the cells stopped training
    and what that asks of a smaller batch (``_stability_boundary``). ``cells``: the section's
    cells table (``tables.grid_cells``): batch_size, lr, seeds, epochs, all_converged,
    diverged_seeds, stuck_seeds and test_acc (mean over seeds of each seed's accuracy after its last
    epoch; NaN for a cell without one), test_acc_sd and swing."""
    cells = cells.dropna(subset=["test_acc"]).astype({"lr": float})
    asked = asked_cells()
    b_fixed = Counter(b for b, _ in asked).most_common(1)[0][0]
    lr_fixed = Counter(lr for _, lr in asked).most_common(1)[0][0]
    sentences = []
    by_lr = cells[cells["batch_size"] == b_fixed].sort_values("lr")
    if len(by_lr) >= 2:
        sentences.append(f"At B = {b_fixed} {_along(by_lr, 'lr', lambda v: f'η = {v:g}')}.")
    by_b = cells[cells["lr"] == lr_fixed].sort_values("batch_size")
    if len(by_b) >= 2:
        # the cell at both asked values, when the sentence before quotes it, is not quoted twice
        rest = by_b[by_b["batch_size"] != b_fixed] if len(by_lr) >= 2 else by_b
        ranked = rank(by_b, "test_acc")
        tied = ranked is not None and ranked.behind.empty and not ranked.unique and len(ranked.tied) == len(by_b) - 1
        said = _along(rest, "batch_size", lambda v: f"B = {int(v)}", tied).replace(
            "the final test accuracy is", "it is", 1
        )
        sentences.append(f"At η = {lr_fixed:g} {said}")
    boundary = _stability_boundary(cells)
    if sentences and boundary:
        sentences[-1] += f"; {boundary}."
    elif boundary:
        sentences.append(f"{boundary[0].upper()}{boundary[1:]}.")
    if sentences and not sentences[-1].endswith("."):
        sentences[-1] += "."
    return " ".join(sentences)


def _along(cells: pd.DataFrame, column: str, label: Callable[[float], str], tied: bool = False) -> str:
    """'the final test accuracy is 97.45% ± 0.04 at η = 0.01 and 98.43% ± 0.04 at η = 0.1; at η = 1,
    2 of 3 seeds diverged' (final: after each seed's last epoch): the cells whose seeds all converged
    by accuracy, the others by their failure; when ``tied`` (the section ties them), 'the final test
    accuracies at B = 8 (98.32% ± 0.21) and B = 128 (98.03% ± 0.12) are within the spread of each other'."""
    ok = cells[cells["all_converged"].astype(bool)]
    if tied and len(ok):
        values = [f"{label(r[column])} ({_acc_sd(r['test_acc'], r.get('test_acc_sd'))})" for _, r in ok.iterrows()]
        text = f"the final test accuracies at {listed(values)} are within the spread of each other"
    elif len(ok):
        values = [f"{_acc_sd(r['test_acc'], r.get('test_acc_sd'))} at {label(r[column])}" for _, r in ok.iterrows()]
        text = "the final test accuracy is " + listed(values)
    else:
        text = "no setting trained on every seed"
    for _, r in cells[~cells["all_converged"].astype(bool)].iterrows():
        text += f"; at {label(r[column])}, {_failures(r)}"
    return text


def _acc_sd(acc: float, sd: float | None) -> str:
    """'97.46% ± 0.04': an accuracy (fraction) with its s.d. over seeds, as the section's table shows
    it; the accuracy alone where the s.d. is not known."""
    if sd is None or not math.isfinite(sd):
        return pct(acc)
    return f"{pct(acc)}\u00a0±\u00a0{100 * sd:.2f}"


def _failures(cell: pd.Series) -> str:
    """'2 of 3 seeds diverged', '1 of 1 seed stuck at chance'."""
    n = int(cell["seeds"])
    said = [
        f"{int(cell[column])} of {plural(n, 'seed')} {what}"
        for column, what in (("diverged_seeds", "diverged"), ("stuck_seeds", "stuck at chance"))
        if cell.get(column, 0) > 0
    ]
    return listed(said) if said else "not every seed trained"


def _stability_boundary(cells: pd.DataFrame) -> str:
    """'η = 1 failed at B = 32 but trained at B = 128; every seed trained up to η/B = 0.0125, not from
    0.0313 up', when η/B separates the cells that way (the lead clause only when some rate failed at a
    batch size and trained on every seed at a larger one); '' otherwise."""
    per_sample = cells["lr"] / cells["batch_size"]
    ok = cells["all_converged"].astype(bool)
    if ok.all() or not ok.any() or per_sample[ok].max() >= per_sample[~ok].min():
        return ""
    clause = (
        f"every seed trained up to η/B = {ratio_said(per_sample[ok].max())}, not from "
        f"{ratio_said(per_sample[~ok].min())} up"
    )
    # a rate that failed at some batch size and trained on every seed at a larger one: what the cells show
    for r in cells[~ok].sort_values("batch_size", ascending=False).itertuples(index=False):
        larger = trained_at_larger(cells, r.lr, r.batch_size)
        if len(larger):
            failed = sorted(
                cells.loc[~ok & (cells["lr"] == r.lr) & (cells["batch_size"] <= r.batch_size), "batch_size"]
            )
            trained = listed([f"{int(b):,}" for b in sorted(larger["batch_size"])])
            return f"η = {r.lr:g} failed at B = {listed([f'{int(b):,}' for b in failed])} but trained at B = {trained}; {clause}"
    return clause


def _as_given(model: str, value: float) -> str:
    """A hand-made figure of Task 8 as the hand-made report gave it: 'about 99.1%' where it said
    'about', to the tenth it gave; else to the hundredth ('86.75%')."""
    key = next((s.ref_key for s in architectures.SETUPS if s.model == model), None)
    if key and "'about'" in references.setting(8, key):
        return f"about {100 * value:.1f}%"
    return pct(value)


def hand_test_accuracies() -> dict[str, float | None]:
    """Task 8's hand-made test accuracy of each model, by model name (None where there is none)."""
    return {s.model: references.value(8, "test accuracy", s.ref_key) for s in architectures.SETUPS}


def _plain_name(model: pd.Series) -> str:
    """A model as the summary names it: the first setting's MLP said for what it is, the rest by name."""
    if model["model"] == architectures.FIRST:
        return f"the MLP 128 at η = {architectures.FIRST_LR:g} (the assignment's first setting)"
    return f"the {model['name']}"


def architectures_answer(models: pd.DataFrame, hand: dict[str, float | None]) -> str:
    """Task 8's answer: the model that ends with the highest test accuracy, then each other
    model's, each after its last epoch as the section reads them (mean ± s.d. over its seeds, as
    the section's table), with the hand-made figure where there is one; the first setting on inputs
    left in [0, 1] (a check of the section's, not a setting asked) is left to the section.
    ``models``: one row per model with model, name (as the prose names it), final_test_acc (with its
    _sd where there is one) and epochs; ``hand``: the hand-made test accuracy by model name (missing
    or None where there is none)."""

    def said(r: pd.Series) -> str:
        by_hand = hand.get(r["model"])
        sd = r.get("final_test_acc_sd", math.nan)
        spread = f" ± {100 * sd:.2f}" if math.isfinite(sd) else ""
        return f"{pct(r['final_test_acc'])}{spread} after {plural(int(r['epochs']), 'epoch')}" + (
            f" (by hand {_as_given(r['model'], by_hand)})" if by_hand else ""
        )

    models = models[models["model"] != architectures.FIRST_01]
    best_at = models["final_test_acc"].idxmax()
    best = models.loc[best_at]
    others = "; ".join(f"{_plain_name(r)} {said(r)}" for _, r in models.drop(index=best_at).iterrows())
    return f"The {best['name']} ends highest, at {said(best)}." + (f" The others: {others}." if others else "")


def answer_list(rows: list[dict[str, str]]) -> str:
    """The summary's answers as a Markdown list, each led by its question, linked to its section.
    ``rows``: as ``present.Answers`` collects them (task: the linked question, answer)."""
    return "\n".join(f"- **{r['task']}.** {r['answer']}" for r in rows)


def settings_note(profile: str) -> str:
    """A warning at the head of the summary when the report was built with other than the full
    settings (``profile``), whose numbers are not the report's; '' for the full ones. When, from
    which commit and on what machine are the provenance appendix's."""
    if profile == "full":
        return ""
    return f"**Built with the shortened {profile} settings: these are not the report's numbers.**"


def provenance_text(built: str, git: dict[str, str | bool], seconds: list[float], wall: float | None) -> str:
    """The provenance appendix's first lines, in plain words: when and from which commit the report
    was built, and how long its runs took, in all (``seconds``, one per run: training or a
    section's analysis) and from the first start to the last end (``wall``; None when some
    results were reused from an earlier build)."""
    commit = f"Built {built} from commit `{git['commit']}`" + (" with uncommitted changes" if git["dirty"] else "")
    if not seconds:
        return commit + "."
    runs = plural(len(seconds), "run")
    took = f"Its {runs} (the training runs and the analyses built on them) took {duration(sum(seconds))}"
    if wall is not None:
        return f"{commit}. {took} in all, {duration(wall)} from the first start to the last end."
    return (
        f"{commit}. {took} in all; the runs whose code and inputs had not changed since an earlier build were "
        "kept from it, so there is no single elapsed time."
    )


def _capitalised(text: str) -> str:
    """A rule that is also said inside sentences, as the start of one of its own."""
    return text[0].upper() + text[1:]


def reading_text(
    cores: int, parallel: int, target_pct: float | None = None, step_micros: pd.DataFrame | None = None
) -> str:
    """How to read the numbers, said once for the whole report as a short glossary: what ± is, the
    one rule that tells two results apart (``criteria.DIFFER_RULE``), how far the timings can be
    trusted on this machine of ``cores`` cores running ``parallel`` runs at a time (``step_micros``:
    ``step_times.same_step_micros``, the same step timed in several jobs), and the terms the
    sections use without defining them again (the target's ``target_pct``, None when Task 3 was not
    run, leaves out the terms of Tasks 3 and 4)."""
    items = [
        ("±", "the standard deviation (s.d.) over seeds (Task 5: over subsets), after their mean."),
        (
            "Beyond / within the spread",
            f"{_capitalised(DIFFER_RULE)}. *Within* is not *equal*: the seeds do not settle the difference (three "
            "seeds give only a rough s.d.). In Tasks 7 and 8 σ also counts one run's fluctuation from epoch to epoch.",
        ),
        ("Against a hand-made figure", f"{_capitalised(HAND_RULE)}."),
        ("Only the means differ", f"{MEANS_RULE}."),
        ("Times", times_text(cores, parallel, step_micros)),
        ("η/B", "the learning rate divided by the batch size."),
        ("Seed", "a run's random draw: its batches and, for the networks, their starting weights."),
    ]
    if target_pct is not None:
        items += [
            ("L*", "the lowest training loss of the linear classifier, computed exactly (Task 2)."),
            ("Target", f"a training loss within {target_pct:g}% of L*."),
            ("First crossing", "the first iteration at which the loss is within the target; it chooses η."),
            (
                "ITR",
                f"the first checkpoint t from which the loss stays within the target up to {SETTLED_WINDOW:g}t "
                "(so that a dip of the noise into the target does not count): the iterations to reach the target and "
                "stay there.",
            ),
            ("Checkpoint", "an iteration at which the loss on all training images is computed."),
        ]
    return "\n".join(f"- **{term}**: {meaning}" for term, meaning in items)
