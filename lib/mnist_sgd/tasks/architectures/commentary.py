"""Task 8's commentary on the models it trains, written from their result tables: the
comparison bullets and the comparison with the hand-made figures are computed here, so the
prose follows the numbers of the tables it sits under."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.science.architectures import ASKED_EPOCHS, FIRST, FIRST_01, FIRST_LR, LR, Setup
from mnist_sgd.show import commentary, references
from mnist_sgd.show.present import fixed, pct, plural


def quick_look_text(summary: pd.DataFrame) -> str | None:
    """``commentary.quick_look_text`` for the model that trained on the fewest images
    (``train_images`` of ``summary``): the warning that the accuracies are not comparable with
    the hand-made figures, or None when every model trained on the whole set."""
    return commentary.quick_look_text(int(summary["train_images"].min()))


def model_text(setup: Setup, summary: pd.DataFrame, history: pd.DataFrame) -> str:
    """The paragraph under one model's job: its parameters, learning rate, inputs, the epochs
    it ran (against the assignment's, when fewer) and how often it was evaluated, the device;
    then where it diverged, or its time per epoch (training and evaluation) and final
    accuracies. ``summary``: the model's one-row runs table (``net_runs.runs_table`` with
    eval_every); ``history``: its rows per epoch."""
    r = summary.iloc[0]
    epochs, asked, eval_every = int(r["epochs"]), ASKED_EPOCHS[setup.budget], int(r["eval_every"])
    text = (
        f"**{setup.model}**: {r['parameters']:,} parameters, η = {setup.lr:g}, "
        f"inputs in {'[-1, 1]' if setup.normalize else '[0, 1]'}, {plural(epochs, 'epoch')}"
        + (f" of the {asked} the assignment asks for (fewer to fit this profile's budget)" if epochs < asked else "")
        + (f", evaluated every {eval_every}" if eval_every > 1 else "")
        + f"; device: {r['device']}. "
    )
    if r["diverged"]:
        return text + f"The loss became non-finite in epoch {int(r['diverged_at'])}: the run diverged and stopped."
    train_s, eval_s = fixed([r["seconds_per_epoch"]])[0], fixed([history["eval_seconds"].sum() / len(history)])[0]
    return text + (
        f"{train_s} s of training per epoch and {eval_s} s of evaluation; final test accuracy "
        f"{pct(r['final_test_acc'])}, final training accuracy {pct(r['final_train_acc'])} (whole training set)."
    )


def models_text(summary: pd.DataFrame, history: pd.DataFrame) -> str:
    """One bullet per model that trained (parameters, time per epoch, final test accuracy),
    the diverged runs, the comparison of the models at η = LR, and what the learning rate did
    to the one-hidden-layer network. ``summary``: one row per model; ``history``: one per
    model and epoch."""
    ok = summary[~summary["diverged"]].set_index("model")
    text = [
        f"**{m}**: {r['parameters']:,} parameters, {seconds} s per epoch, final test accuracy {pct(r['final_test_acc'])}"
        for (m, r), seconds in zip(ok.iterrows(), fixed(ok["seconds_per_epoch"]), strict=True)
    ]
    if summary["diverged"].any():
        diverged = summary.loc[summary["diverged"], ["model", "diverged_at"]].values
        text.append("**diverged**: " + ", ".join(f"{m} (epoch {int(e)})" for m, e in diverged))
    main = ok.drop(index=[m for m in ok.index if m.endswith("(first run)")])
    if len(main) >= 2:
        top, small = main["final_test_acc"].idxmax(), main["parameters"].idxmin()
        slow, fast = main["seconds_per_epoch"].idxmax(), main["seconds_per_epoch"].idxmin()
        text.append(
            f"**comparison** at η = {LR:g}: the highest final test accuracy is the {top}'s; the fewest parameters are "
            f"the {small}'s; an epoch of the {slow} takes "
            f"{main.loc[slow, 'seconds_per_epoch'] / main.loc[fast, 'seconds_per_epoch']:.1f}× as long as one of the {fast}"
        )
    if {"MLP 128", FIRST} <= set(ok.index):
        a, b = ok.loc["MLP 128"], ok.loc[FIRST]
        line = (
            f"**learning rate, one hidden layer**: η = {LR:g} reached {pct(a['final_test_acc'])} after "
            f"{plural(int(a['epochs']), 'epoch')} against {pct(b['final_test_acc'])} for η = {FIRST_LR:g} after "
            f"{int(b['epochs'])}"
        )
        h = history[history["model"] == "MLP 128"].set_index("epoch")["test_acc"]
        e = int(b["epochs"])
        if e != int(a["epochs"]) and e in h.index and h[e] == h[e]:
            line += f"; after the same {plural(e, 'epoch')}, η = {LR:g} had {pct(h[e])}"
        text.append(line)
    return "\n".join(f"- {t}." for t in text)


def reference_text(ref: pd.DataFrame, settings: dict[str, str]) -> str:
    """One bullet per model with a hand-made figure: this report's final test accuracy, the
    gap in points, the hand-made setting, and whether the epochs match. ``ref`` has the
    columns model, ref_key, ref_text, asked, epochs_done, final_test_acc, diverged; ``settings``
    maps ref_key to the hand-made setting."""
    lines = []
    for _, r in ref.iterrows():
        if r["diverged"] or r["final_test_acc"] != r["final_test_acc"]:
            lines.append(f"- {r['model']}: no final accuracy here (the run diverged).")
            continue
        diff = 100 * (r["final_test_acc"] - r["ref_test"])
        rel = "above" if diff > 0 else "below" if diff < 0 else "equal to"
        line = (
            f"- {r['model']}: {pct(r['final_test_acc'])} here, {abs(diff):.2f} points {rel} the reference "
            f"({r['ref_text']}; by hand: {settings[r['ref_key']]})"
        )
        if r["epochs_done"] < r["asked"]:
            line += (
                f"; this run had {int(r['epochs_done'])} of the reference's {int(r['asked'])} epochs, so this is "
                f"not a like-for-like comparison"
            )
        lines.append(line + ".")
    return "\n".join(lines)


def first_run_comparison_text(summary: pd.DataFrame, history: pd.DataFrame, resolution: float) -> str | None:
    """``first_run_text`` for the first run (``FIRST``) against its hand figure, with
    the first run on inputs in [0, 1] (``FIRST_01``) as the alternative when it did not diverge;
    None when the first run diverged or was not run (or the hand-made reports give no figure
    for it). ``resolution``: the per-epoch noise of one run, in points."""
    ok = summary[~summary["diverged"]].set_index("model")
    reference = references.value(8, "test accuracy", "mlp128-first")
    if FIRST not in ok.index or reference is None:
        return None
    alternatives = {"inputs in [0, 1]": ok.loc[FIRST_01, "final_test_acc"]} if FIRST_01 in ok.index else {}
    curves = {
        label: history.loc[history["model"] == m, "test_acc"].tolist()
        for label, m in [("inputs in [-1, 1]", FIRST), ("inputs in [0, 1]", FIRST_01)]
        if m in ok.index
    }
    return first_run_text(
        ok.loc[FIRST, "final_test_acc"], reference, alternatives, int(ok.loc[FIRST, "epochs"]), resolution, curves
    )


def dips_text(found: pd.DataFrame, points: float, resolution: float) -> str:
    """The one-epoch dips of the test accuracy (``net_runs.dips``), and whether they recovered.

    ``resolution``: the per-epoch noise of one run, in points (median over runs).
    """
    if found.empty:
        return f"**Dips.** No run's test accuracy fell by more than {points:g} point{'s' if points != 1 else ''} from one epoch to the next."
    parts = []
    for model, d in found.groupby("model", sort=False):
        parts.append(
            f"{model}: "
            + ", ".join(
                f"{100 * r.test_acc:.2f}% at epoch {int(r.epoch)} (from {100 * r.before:.2f}%"
                + (f", back to {100 * r.after:.2f}% one epoch later)" if r.after == r.after else ", the last epoch)")
                for r in d.itertuples(index=False)
            )
        )
    back = found.dropna(subset=["back_at"])
    text = (
        f"**Dips.** The test accuracy fell by more than {points:g} point{'s' if points != 1 else ''} in one epoch at: "
        + "; ".join(parts)
        + f". The per-epoch noise of one run is {resolution:.2f} points: "
        + (
            "every fall is more than twice that. "
            if (100 * (found["before"] - found["test_acc"]) > 2 * resolution).all()
            else "not every fall is more than twice that. "
        )
        + f"In {len(back)} of {len(found)} dips the accuracy later regained its level before the dip"
        + (" (at epoch " + ", ".join(str(int(e)) for e in back["back_at"]) + ")" if len(back) else "")
    )
    text += (
        ": a dip is one evaluation of an SGD iterate that a constant step keeps moving around the minimum (a few "
        "unlucky last steps of the epoch), not a lasting loss of accuracy. "
        if len(back) == len(found)
        else "; the others did not regain it within the epochs run, so not every dip can be told apart from a lasting "
        "loss here. "
    )
    return text + (
        "The best-epoch column of the table shows what stopping at the best epoch would have given (read on the test "
        "set, so an upper bound)."
    )


def first_run_text(
    here: float,
    reference: float,
    alternatives: dict[str, float],
    epochs: int,
    resolution: float,
    curves: dict[str, list[float]] | None = None,
) -> str:
    """Why the first run (MLP 128, lr 0.01) differs from the hand figure: what can be tested here
    (``alternatives``: label -> test accuracy after the same ``epochs``) and what cannot be known.
    ``curves``: label -> test accuracy after each epoch (1, 2, ...), to say when each run first
    reached the hand figure."""
    text = (
        f"**The first run against the hand figure.** {100 * here:.2f}% here after {plural(epochs, 'epoch')} against "
        f"{100 * reference:.2f}% by hand ({100 * (here - reference):+.2f} points)."
    )
    if alternatives:
        text += (
            " Under the alternatives tested here, with everything else equal: "
            + ", ".join(f"{k}: {100 * v:.2f}%" for k, v in alternatives.items())
            + "."
        )
        near = min(alternatives, key=lambda k: abs(alternatives[k] - reference))
        if abs(alternatives[near] - reference) < abs(here - reference):
            text += f" The closest to the hand figure is {near}, {100 * (alternatives[near] - reference):+.2f} points from it."
        else:
            text += " None of them comes closer to the hand figure than the run as specified."
    for label, accs in (curves or {}).items():
        first = next((i + 1 for i, a in enumerate(accs) if a == a and a >= reference), None)
        text += (
            f" The {label} run passed the hand figure after epoch {first} ({100 * accs[first - 1]:.2f}%)."
            if first
            else f" The {label} run never reached the hand figure in {plural(len(accs), 'epoch')}."
        )
    text += (
        " The hand-made report does not state its initialisation, its seed, how its inputs were scaled in that run "
        "or how its accuracy was measured, so the cause of the difference cannot be known from it."
    )
    gap = abs(100 * (here - reference))
    if math.isfinite(resolution) and resolution > 0:
        text += (
            f" The gap is {gap / resolution:.0f} times the per-epoch noise of one run here ({resolution:.2f} points)"
            + (
                ": far more than the epoch-to-epoch noise of one run."
                if gap > 10 * resolution
                else ", not far beyond what one seed on each side can resolve."
                if gap > 2 * resolution
                else ": within what one seed on each side can resolve."
            )
        )
    return text
