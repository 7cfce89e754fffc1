"""Task 6's tables: the gradient check, the same-batches equivalence, the runs of the two
implementations and the runs that test the hand-made figures, as rows the section writes, and
the tables it shows, laid out from those rows."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import torch

from mnist_sgd.science import framework, linear, sgd
from mnist_sgd.show.present import plural, progress
from mnist_sgd.tasks.rounding import two_figures
from mnist_sgd.tasks.sgd.tables import relative_max_difference

HAND = "hand-written"
LOADER = "PyTorch DataLoader"
# the PyTorch loop with the rate converted (times k/2) and passed as it is, in the check of the hand figures
CONVERTED = "PyTorch, rate converted"
UNCONVERTED = "PyTorch, rate not converted"
# the hand-made figure "about 82.7% after 10 epochs" (references, Task 6): the length of its check
HAND_EPOCHS = 10


def gradient_check(
    x: torch.Tensor,
    y_onehot: torch.Tensor,
    batch_size: int,
    lr: float,
    evaluator: sgd.Evaluator,
    warmup: int = 50,
    seed: int = 0,
) -> pd.DataFrame:
    """One row: the predicted (2/k) and measured ratio of ``nn.MSELoss``'s gradient to this report's
    loss's, the largest entry-wise deviation from 2/k (relative to the largest gradient entry), the
    hand-written formula's largest entry-wise distance from autograd (the same measure as Task 2's
    check, relative to the largest gradient entry), and the learning-rate factor k/2.

    Measured in float64 on one batch of ``batch_size`` rows drawn with ``seed``, at the nonzero weights
    of a ``warmup``-step hand-written run at ``lr`` with the same seed.
    """
    rows = torch.randint(x.shape[0], (batch_size,), generator=torch.Generator().manual_seed(seed))
    xb, yb = x[rows].to(torch.float64), y_onehot[rows].to(torch.float64)
    W = sgd.train_sgd(x, y_onehot, batch_size, lr, warmup, seed=seed, checkpoints=2, evaluator=evaluator).W
    W = W.to(torch.float64)
    g_ours, g_mse = framework.loss_gradients(W, xb, yb)
    ratio, deviation = framework.gradient_ratio(g_ours, g_mse)
    classes = y_onehot.shape[1]
    row = {
        "predicted_ratio": 2 / classes,
        "measured_ratio": ratio,
        "max_deviation": deviation,
        # the hand-written formula X^T (XW - Y) / B against autograd's gradient of the same loss
        "formula_vs_autograd": relative_max_difference(linear.gradient(W, xb, yb), g_ours),
        "lr_factor": framework.lr_factor(classes),
    }
    return pd.DataFrame([row])


def gradient_check_table(check: pd.DataFrame) -> pd.DataFrame:
    """``gradient_check``'s row as shown: one quantity per row, each at the precision it is quoted at
    (the measured ratio by its distance from 2/k: its twelve digits would only repeat 2/k)."""
    row = check.iloc[0]
    predicted = row["predicted_ratio"]
    rows = [
        ("predicted ratio 2/k", f"{predicted:g}"),
        ("|measured ratio ⟨∇MSE, ∇L⟩ / ⟨∇L, ∇L⟩ − 2/k|", f"{abs(row['measured_ratio'] - predicted):.1e}"),
        (f"max |∇MSE − {predicted:g} ∇L| / max |∇L|", f"{row['max_deviation']:.1e}"),
        ("max |X_bᵀ(X_b W − Y_b)/B − ∇L (autograd)| / max |∇L|", f"{row['formula_vs_autograd']:.1e}"),
        ("learning-rate factor k/2", f"{row['lr_factor']:g}"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value"])


def gradient_check_caption(batch_size: int) -> str:
    """The caption of ``gradient_check_table``."""
    return (
        f"Gradients of the two losses on one batch of B = {batch_size} (float64), at the weights after a short "
        "hand-written run: another batch and W than Task 2's check, so the rounding differs slightly from its value."
    )


def equivalence(
    x: torch.Tensor,
    y_onehot: torch.Tensor,
    batch_size: int,
    lr: float,
    steps: int,
    evaluator: sgd.Evaluator,
    seed: int = 1,
) -> pd.DataFrame:
    """One row per implementation given the same ``steps`` batches of ``batch_size`` rows (drawn with
    replacement with ``seed``): the hand-written SGD, and ``torch.optim.SGD`` with the learning rate
    converted and not. Each row has the rate given to torch (NaN for the hand-written one), the
    weights' relative distance from the hand-written ones, the evaluator's measures, and the setting
    (steps, batch_size, lr)."""
    indices = torch.randint(x.shape[0], (steps, batch_size), generator=torch.Generator().manual_seed(seed))
    hand = sgd.train_sgd(
        x, y_onehot, batch_size, lr, steps, seed=0, checkpoints=2, evaluator=evaluator, indices=indices
    )
    factor = framework.lr_factor(y_onehot.shape[1])
    variants = {
        f"torch.optim.SGD, lr = {factor:g}η (converted)": factor,
        "torch.optim.SGD, lr = η (not converted)": 1.0,
    }
    rows = [
        {
            "implementation": f"{HAND} (Task 2)",
            "torch_lr": math.nan,
            "relative_difference": 0.0,
            **evaluator.evaluate(hand.W),
        }
    ]
    for name, f in variants.items():
        W = framework.train_framework_same_batches(x, y_onehot, indices, lr, factor=f)
        rows.append(
            {
                "implementation": name,
                "torch_lr": lr * f,
                "relative_difference": framework.relative_difference(W, hand.W),
                **evaluator.evaluate(W),
            }
        )
    return pd.DataFrame(rows).assign(steps=steps, batch_size=batch_size, lr=lr)


def equivalence_table(table: pd.DataFrame) -> pd.DataFrame:
    """``equivalence``'s rows as shown: the rate each implementation was given (η for the
    hand-written one), the distance of its weights from the hand-written ones, its training loss
    and test accuracy."""
    return pd.DataFrame(
        {
            "implementation": table["implementation"],
            "lr given": table["torch_lr"].fillna(table["lr"]).map(lambda v: f"{v:g}"),
            "‖W − W_hand‖ / ‖W_hand‖": table["relative_difference"].map(lambda v: f"{v:.2e}"),
            "training loss": table["train_loss"].map(lambda v: f"{v:.6f}"),
            "test acc. (%)": 100 * table["test_acc"],
        }
    )


def equivalence_caption(table: pd.DataFrame) -> str:
    """The caption of ``equivalence_table``: the setting the rows share."""
    first = table.iloc[0]
    return (
        f"After {int(first['steps']):,} steps of B = {int(first['batch_size'])} on the same batches, "
        f"η = {first['lr']:g}: the final weights of each implementation against the hand-written ones "
        f"(Frobenius norm), and their training loss and test accuracy."
    )


def implementation_runs(
    x: torch.Tensor,
    y_onehot: torch.Tensor,
    batch_size: int,
    lr: float,
    iterations: int,
    seeds: int,
    checkpoints: int,
    evaluator: sgd.Evaluator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hand-written SGD and the idiomatic DataLoader loop, each sampling its own way, over
    ``seeds`` seeds: (one row per run, the curves of every run), both with an implementation
    column, the curves with a seed column. A run's final training accuracy is measured on every
    row of ``x``, as in the other sections (the curves' on the evaluator's fixed subset)."""
    labels = y_onehot.argmax(dim=1)
    runs, curves = [], []
    trainers: list[tuple[str, Callable[..., sgd.SGDRun]]] = [(HAND, sgd.train_sgd), (LOADER, framework.train_framework)]
    for seed in progress(range(seeds), desc="hand-written and DataLoader"):
        for name, train in trainers:
            run = train(x, y_onehot, batch_size, lr, iterations, seed, checkpoints, evaluator)
            final = run.summary()
            final["final_train_acc"] = math.nan if run.diverged else linear.accuracy(run.W, x, labels)
            runs.append({"implementation": name, **final})
            curves.append(run.curves.assign(implementation=name, seed=seed))
    return pd.DataFrame(runs), pd.concat(curves, ignore_index=True)


def implementation_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per implementation, indexed by it: the final training loss and the training and
    test accuracies (mean and s.d. over seeds), and the training seconds (mean, s.d.). Every
    s.d. is over seeds, with n - 1 in the denominator."""
    return runs.groupby("implementation").agg(
        train_loss=("final_train_loss", "mean"),
        train_loss_sd=("final_train_loss", "std"),
        test_acc=("final_test_acc", "mean"),
        test_sd=("final_test_acc", "std"),
        train_acc=("final_train_acc", "mean"),
        train_acc_sd=("final_train_acc", "std"),
        seconds=("train_seconds", "mean"),
        seconds_sd=("train_seconds", "std"),
    )


def implementation_table(by: pd.DataFrame, iterations: int) -> pd.DataFrame:
    """``implementation_summary``'s rows as shown: the final loss and accuracies as mean ± s.d.
    over seeds (the s.d. the text's verdicts use, so a reader can check them), and the training
    time per step over ``iterations`` steps (its mean)."""
    return pd.DataFrame(
        {
            "implementation": by.index,
            "training loss": plus_minus(by["train_loss"], by["train_loss_sd"], 5),
            "training acc. (%)": plus_minus(100 * by["train_acc"], 100 * by["train_acc_sd"], 2),
            "test acc. (%)": plus_minus(100 * by["test_acc"], 100 * by["test_sd"], 2),
            # the mean over seeds to two figures, as every time of the report: the load moves it more than the seeds
            "µs per step": [two_figures(1e6 * m / iterations) for m in by["seconds"]],
        }
    )


def plus_minus(means: pd.Series, sds: pd.Series, digits: int) -> list[str]:
    """'mean ± s.d.' with ``digits`` decimals, no-break spaces keeping each on one line; one
    seed (no s.d.) shows its value alone."""
    return [
        f"{m:.{digits}f}" if math.isnan(sd) else f"{m:.{digits}f}\u00a0±\u00a0{sd:.{digits}f}"
        for m, sd in zip(means, sds, strict=True)
    ]


def implementation_caption(iterations: int, batch_size: int, lr: float, seeds: int) -> str:
    """The caption of ``implementation_table``: the setting and what the spreads are (the timing
    conditions are said once, on the summary page)."""
    return (
        f"After {iterations:,} iterations of B = {batch_size}, η = {lr:g}: mean ± s.d. over "
        f"{plural(seeds, 'seed')}; the time per step is their mean, without the evaluation."
    )


def hand_rate_runs(
    x: torch.Tensor,
    y_onehot: torch.Tensor,
    batch_size: int,
    rates: dict[str, float],
    seeds: int,
    evaluator: sgd.Evaluator,
    epochs: int = HAND_EPOCHS,
) -> pd.DataFrame:
    """The check of the hand-made figures: each of ``rates`` (named, in this report's convention)
    run for ``epochs`` epochs of ``batch_size`` by the hand-written SGD and by the PyTorch loop
    with the rate converted and not, over ``seeds`` seeds. One row per run: rate (its name),
    implementation, torch_lr (NaN for the hand-written SGD), epochs and the run's summary
    (lr, seed, iterations, final_test_acc, train_seconds, ...). Only the end of a run is
    measured: the check needs its final accuracy, not its curve."""
    iterations = epochs * x.shape[0] // batch_size
    factor = framework.lr_factor(y_onehot.shape[1])
    rows = []
    for seed in progress(range(seeds), desc="the hand-made figures"):
        for name, lr in rates.items():
            for way, f in ((HAND, math.nan), (CONVERTED, factor), (UNCONVERTED, 1.0)):
                if way == HAND:
                    run = sgd.train_sgd(x, y_onehot, batch_size, lr, iterations, seed, 2, evaluator)
                else:
                    run = framework.train_framework(x, y_onehot, batch_size, lr, iterations, seed, 2, evaluator, f)
                rows.append(
                    {"rate": name, "implementation": way, "torch_lr": lr * f, "epochs": epochs, **run.summary()}
                )
    return pd.DataFrame(rows)


def hand_rate_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """``hand_rate_runs`` per rate and implementation, in run order: lr, epochs, iterations,
    batch_size and the final test accuracy's mean and s.d. over seeds (fractions)."""
    return (
        runs.groupby(["rate", "implementation"], sort=False)
        .agg(
            lr=("lr", "first"),
            epochs=("epochs", "first"),
            iterations=("iterations", "first"),
            batch_size=("batch_size", "first"),
            seeds=("seed", "nunique"),
            test_acc=("final_test_acc", "mean"),
            test_sd=("final_test_acc", "std"),
        )
        .reset_index()
    )


def hand_rate_table(summary: pd.DataFrame) -> pd.DataFrame:
    """``hand_rate_summary`` as shown: a row per rate, a column per implementation, each cell the
    test accuracy in % as mean ± s.d. over seeds."""
    cells = summary.assign(
        shown=plus_minus(100 * summary["test_acc"], 100 * summary["test_sd"], 2),
        η=[f"{lr:g} ({name})" for lr, name in zip(summary["lr"], summary["rate"], strict=True)],
    )
    table = cells.pivot(index="η", columns="implementation", values="shown")
    order = [w for w in (HAND, CONVERTED, UNCONVERTED) if w in table.columns]
    rows = list(dict.fromkeys(cells["η"]))
    return table.loc[rows, order].rename(columns={HAND: "hand-written SGD"}).reset_index().rename_axis(columns=None)


def hand_rate_caption(summary: pd.DataFrame, factor: float) -> str:
    """The caption of ``hand_rate_table``: the setting its runs share."""
    first = summary.iloc[0]
    return (
        f"Test accuracy (%) after {plural(int(first['epochs']), 'epoch')} of B = {int(first['batch_size'])}, mean ± "
        f"s.d. over {plural(int(first['seeds']), 'seed')}; converted: PyTorch given {factor:g}η, not converted: given η."
    )


def step_time_ratios(runs: pd.DataFrame) -> list[float]:
    """Seed by seed, the PyTorch loop's training time over the hand-written SGD's (``implementation_runs``
    trains the two of a seed back to back, so a pair shares the machine's load of that moment)."""
    seconds = runs.pivot_table(index="seed", columns="implementation", values="train_seconds")
    return (seconds[LOADER] / seconds[HAND]).tolist()
