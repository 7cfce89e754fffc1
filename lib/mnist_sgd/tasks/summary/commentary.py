"""The summary's answers, one per question of the assignment, and the paragraph on how the
report was made: each written from the result tables of the section that answers it, so the
summary quotes the same numbers as the section."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from mnist_sgd.science import architectures
from mnist_sgd.show import references
from mnist_sgd.show.commentary import trend
from mnist_sgd.show.present import pct, plural
from mnist_sgd.tasks.batch_size.across import gap_readings, listed, two_figures
from mnist_sgd.tasks.batch_size.commentary import fewest, trend_beyond_spread
from mnist_sgd.tasks.mlp_grid.cell import asked_cells
from mnist_sgd.tasks.mlp_grid.commentary import accuracy_said, grid_answer
from mnist_sgd.tasks.pytorch.tables import UNCONVERTED


def data_answer(counts: pd.DataFrame) -> str:
    """Task 1's answer: the number of training and test images. ``counts``: one row per class,
    with the columns train and test (images of that class)."""
    return (
        f"{counts['train'].sum():,} training and {counts['test'].sum():,} test images, each a 784-vector of pixels "
        f"scaled to [0, 1] with a one-hot label; all four files match their published MD5 checksums."
    )


def sgd_answer(reference: pd.DataFrame, checks: pd.DataFrame) -> str:
    """Task 2's answer: the gradient check and the exact optimum. ``reference``: one row with
    train_loss_star and test_acc_star; ``checks``: one row with gradient_max_abs_diff."""
    ref, check = reference.iloc[0], checks.iloc[0]
    return (
        f"The hand-written batch gradient agrees with automatic differentiation to {check['gradient_max_abs_diff']:.1e}; "
        f"the exact least-squares optimum has training loss L* = {ref['train_loss_star']:.5f}, the lowest any W can "
        f"have (no run of SGD ends below it), and {pct(ref['test_acc_star'])} test accuracy."
    )


def batch_size_answer(chosen: pd.DataFrame) -> str:
    """Task 3's answer over all batch sizes, smallest first. ``chosen``: one row per batch size
    with batch_size, lr, converged, itr, cap (the horizon), itr_seconds_mean (training seconds
    to ITR), final_test_acc and excess_pct (at the end of the run)."""
    s = chosen.sort_values("batch_size")
    met, unmet = s[s["converged"]], s[~s["converged"]]
    sizes = listed([f"{b:,}" for b in s["batch_size"]])
    text = (
        f"Good learning rates are η = {listed([f'{v:g}' for v in s['lr']])} for B = {sizes} (the smallest rate whose "
        "loss converged within the run). "
    )
    if len(met):
        text += (
            f"The training loss converged at about ITR = {listed([two_figures(i) for i in met['itr']])} iterations "
            f"(B = {listed([f'{b:,}' for b in met['batch_size']])}; two significant figures, as the checkpoints "
            f"allow), after {listed([f'{v:.2g} s' for v in met['itr_seconds_mean']])} of training"
        )
    if len(unmet):
        where = listed([f"{b:,}" for b in unmet["batch_size"]])
        within = f"within {listed([f'{c:,}' for c in unmet['cap']])} iterations, the longest horizon allowed"
        text += (
            f"; at B = {where} not {within}"
            if len(met)
            else f"The training loss did not converge at B = {where} {within}"
        )
    return (
        text
        + (
            f". At the end of the runs the loss is {listed([f'{v:.1f}%' for v in s['excess_pct']])} above L* and the "
            f"test accuracy {_accuracies(s)}."
        )
        + _still_moving(s)
    )


def _accuracies(s: pd.DataFrame) -> str:
    """The test accuracies at the end of the runs to a tenth of a point, with the seeds' s.d. where
    the table has it: '85.1 ± 0.4%, ...'."""
    if "final_test_acc_std" not in s.columns:
        return listed([f"{100 * v:.1f}%" for v in s["final_test_acc"]])
    return listed(
        [f"{100 * v:.1f} ± {100 * sd:.1f}%" for v, sd in zip(s["final_test_acc"], s["final_test_acc_std"], strict=True)]
    )


def _still_moving(s: pd.DataFrame) -> str:
    """What the same seeds at η/2 say of where each converged run stopped: the criterion says the
    loss has stopped moving by more than the tolerance, not that it is at rest."""
    if "half_end_excess_pct" not in s.columns:
        return ""
    said = gap_readings(s["batch_size"].tolist(), (s["half_end_excess_pct"] / s["excess_pct"]).tolist())
    return f" By the same seeds run at η/2: {'; '.join(said)}." if said else ""


def batch_size_role_answer(table: pd.DataFrame, target_pct: float | None = None) -> str:
    """Task 4's answer: how the iterations and the samples to the target move with the batch size,
    then which batch size reaches it in the fewest iterations, samples and seconds, each named only
    when the seeds' spread separates it from the others (a tie otherwise). ``table``: one row per
    batch size with batch_size and, per clock, the mean over seeds and its s.d.: t_target(_sd),
    samples_target(_sd), seconds_target(_sd) (NaN where a seed never reached the target);
    ``target_pct``: the target, in % of L* (None: not stated)."""
    target = "within the target of L*" if target_pct is None else f"within {target_pct:g}% of L*"
    reached = table.dropna(subset=["t_target"]).sort_values("batch_size")
    if not len(reached):
        return f"No batch size came {target} in the iterations run."
    parts: list[str] = []
    for column, what in (
        ("t_target", "the fewest iterations"),
        ("samples_target", "the fewest samples"),
        ("seconds_target", "the least training time"),
    ):
        least, won = fewest(reached, column)
        parts.append(
            f"B = {least[0]:,} {'' if parts else 'needed '}{what}"
            if won
            else f"B = {listed([f'{b:,}' for b in sorted(least)])} tied for {what} (within the seeds' spread)"
        )
    return _clocks_trend(reached, target) + f"To come {target}, {listed(parts)}."


def _clocks_trend(reached: pd.DataFrame, target: str) -> str:
    """How the iterations and the samples to the target change from the smallest batch size
    that reached it to the largest: the trade Task 4 asks about, in one sentence."""
    if len(reached) < 2:
        return ""
    first, last = reached.iloc[0], reached.iloc[-1]
    steps = trend_beyond_spread(reached["t_target"].tolist(), reached["t_target_sd"].tolist())
    samples = trend_beyond_spread(reached["samples_target"].tolist(), reached["samples_target_sd"].tolist())
    why = (
        ": a larger batch averages out more of the gradient's noise per step, but each step costs more samples"
        if (steps, samples) == ("falls", "rises")
        else ""
    )
    return (
        f"From B = {int(first['batch_size']):,} to {int(last['batch_size']):,}, the number of iterations needed to come "
        f"{target} {steps} (about {two_figures(first['t_target'])} to {two_figures(last['t_target'])}) and the number "
        f"of samples processed {samples} (about {two_figures(first['samples_target'])} to "
        f"{two_figures(last['samples_target'])}){why}. "
    )


def dataset_size_answer(sizes: pd.DataFrame) -> str:
    """Task 5's answer: how the test accuracy at the end of the runs moves with the dataset size,
    smallest first, with the train/test gap at both ends and the early-stopped accuracies.
    ``sizes``: one row per size with dataset_size, iterations, test_acc, train_acc and
    early_test_acc (means over subsets)."""
    s = sizes.sort_values("dataset_size")
    where = f"N' = {listed([f'{n:,}' for n in s['dataset_size']])}"
    gap = 100 * (s["train_acc"] - s["test_acc"])
    accuracy = trend(s["test_acc"].tolist())
    why = (
        ": a few images are fitted closely and generalise poorly"
        if accuracy == "rises" and gap.iloc[0] > gap.iloc[-1]
        else ""
    )
    return (
        f"After {int(s['iterations'].max()):,} iterations{_converged_where(s)}, the test accuracy {_GROWS[accuracy]} "
        "the number of training "
        f"images: {listed([f'{100 * v:.1f}%' for v in s['test_acc']])} for {where} (means over subsets), while the gap between "
        f"training and test accuracy goes from {gap.iloc[0]:.1f} points to {gap.iloc[-1]:.1f}{why}. Stopping early "
        f"on held-out images gives {listed([f'{100 * v:.1f}%' for v in s['early_test_acc']])}."
    )


def _converged_where(s: pd.DataFrame) -> str:
    """' (every subset had converged at N' = 100; none at 500 and 1,000; 3 of 5 at 10,000)': where
    the runs had converged by the end, from converged_subsets and subsets; '' without them."""
    if not {"converged_subsets", "subsets"} <= set(s.columns):
        return ""
    groups: dict[str, list[str]] = {}
    for n, k, of in zip(s["dataset_size"], s["converged_subsets"], s["subsets"], strict=True):
        how = "every subset" if k == of else "none" if k == 0 else f"{int(k)} of {int(of)}"
        groups.setdefault(how, []).append(f"{int(n):,}")
    parts = [f"{how} at N' = {listed(sizes)}" for how, sizes in groups.items()]
    first = next(iter(groups))
    lead = {"every subset": "every subset had converged", "none": "no subset had converged"}
    parts[0] = parts[0].replace(first, lead.get(first, f"{first} subsets had converged"), 1)  # its verb said once
    return f" ({'; '.join(parts)})"


# a trend along the sizes, as a verb followed by its object
_GROWS = {"rises": "rises with", "falls": "falls with", "is not monotone": "is not monotone in"}


def framework_answer(equivalence: pd.DataFrame, hand_rates: pd.DataFrame | None = None) -> str:
    """Task 6's answer: how close the framework's weights come to the hand-written ones, then what
    the hand reports' rate passed to the framework unconverted gives, beside the hand figure.
    ``equivalence``: rows with torch_lr (NaN where the rate was not converted), steps and
    relative_difference; the first row with a converted rate is quoted. ``hand_rates``: one row
    per run with rate (its name), implementation, lr, epochs and final_test_acc."""
    converted = equivalence[equivalence["torch_lr"].notna()].iloc[0]
    text = (
        f"nn.Linear, MSELoss and optim.SGD take the hand-written steps once the learning rate is multiplied by 5 "
        f"(MSELoss also averages over the 10 outputs, without the factor 1/2): given the same batches, their weights "
        f"after {converted['steps']:,} steps differ from the hand-written ones by a relative {converted['relative_difference']:.1e}."
    )
    hand = references.value(6, "test accuracy", "10 epochs")
    if hand_rates is None or hand is None:
        return text
    as_given = hand_rates[(hand_rates["implementation"] == UNCONVERTED) & hand_rates["rate"].str.contains("hand")]
    if as_given.empty:
        return text
    first = as_given.iloc[0]
    return text + (
        f" Given the hand reports' η = {first['lr']:g} unconverted, {plural(int(first['epochs']), 'epoch')} end at "
        f"{pct(as_given['final_test_acc'].mean())} test accuracy (mean over {plural(len(as_given), 'seed')}), beside "
        f"the hand-made framework figure, about {100 * hand:.1f}% after as many epochs."
    )


def mlp_grid_answer(cells: pd.DataFrame) -> str:
    """Task 7's answer: the test accuracy at the asked batch size across its learning rates, and
    at the asked learning rate across its batch sizes (the two comparisons the assignment asks
    for, each left out when fewer than two of its cells ran), then the section's own verdict on
    the best and the worst cell (``grid_answer``, by its tie rule). ``cells``: the section's cells
    table (``tables.grid_cells``): batch_size, lr, seeds, epochs, status, all_converged, test_acc
    (mean over seeds; NaN for a cell without one, left out) and test_acc_sd."""
    cells = cells.dropna(subset=["test_acc"]).astype({"lr": float})
    asked = asked_cells()
    b_fixed = Counter(b for b, _ in asked).most_common(1)[0][0]
    lr_fixed = Counter(lr for _, lr in asked).most_common(1)[0][0]
    sentences = []
    by_lr = cells[cells["batch_size"] == b_fixed].sort_values("lr")
    if len(by_lr) >= 2:
        sentences.append(
            f"At B = {b_fixed}, the test accuracy after {plural(int(by_lr['epochs'].max()), 'epoch')} is "
            + listed([f"{accuracy_said(r)} at η = {r['lr']:g}" for _, r in by_lr.iterrows()])
        )
    by_b = cells[cells["lr"] == lr_fixed].sort_values("batch_size")
    if len(by_b) >= 2:
        sentences.append(
            f"at η = {lr_fixed:g} it is "
            + listed([f"{accuracy_said(r)} at B = {r['batch_size']}" for _, r in by_b.iterrows()])
        )
    ends = grid_answer(cells)
    ends = f"{ends[0].upper()}{ends[1:]}."
    if not sentences:
        return ends
    lead = "; ".join(sentences)
    return f"{lead[0].upper()}{lead[1:]} (means over seeds). {ends}"


def hand_test_accuracies() -> dict[str, float | None]:
    """Task 8's hand-made test accuracy of each model, by model name (None where there is none)."""
    return {s.model: references.value(8, "test accuracy", s.ref_key) for s in architectures.SETUPS}


def architectures_answer(models: pd.DataFrame, hand: dict[str, float | None]) -> str:
    """Task 8's answer: the model that ends with the highest test accuracy, then each model's
    final test accuracy (mean over its seeds), with the hand-made figure where there is one.
    ``models``: one row per model with model, name (as the prose names it), final_test_acc and
    epochs; ``hand``: the hand-made test accuracy by model name (missing or None where there is
    none)."""
    best = models.loc[models["final_test_acc"].idxmax()]
    return (
        f"The {best['name']} ends with the highest test accuracy. Final test accuracy (mean over seeds): "
        + "; ".join(
            f"{r['name']} {pct(r['final_test_acc'])} after {plural(r['epochs'], 'epoch')}"
            + (f" (by hand {pct(hand[r['model']])})" if hand.get(r["model"]) else "")
            for _, r in models.iterrows()
        )
        + "."
    )


def answer_list(rows: list[dict[str, str]]) -> str:
    """The summary's answers as a Markdown list, each led by its question, linked to its section.
    ``rows``: as ``present.Answers`` collects them (task: the linked question, answer)."""
    return "\n".join(f"- **{r['task']}.** {r['answer']}" for r in rows)


def how_made_text(built: str, profile: str, git: dict[str, str | bool], machine: dict[str, str | int]) -> str:
    """The paragraph on how the report was made: date ``built``, ``profile``, commit (and whether
    the tree had uncommitted changes) and machine; the job times are the provenance appendix's."""
    return (
        f"Built {built} with the **{profile}** settings from commit `{git['commit']}`"
        + (" (with uncommitted changes)" if git["dirty"] else "")
        + f", on {machine['cpu']} ({plural(int(machine['cores']), 'core')}, GPU: {machine['gpu']}). Each section was "
        f"executed from the notebook of the same name in `notebooks/`, and every number in its text is computed there; "
        f"the provenance appendix lists every parameter, package version and job time."
    )
