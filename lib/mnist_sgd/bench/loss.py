"""Section 3 of ``make bench``: the full training loss from the Gram against a pass over the data.

``Gram.loss`` costs a build of the 784 x 784 statistics once, then a small product per
evaluation; the row says how much each evaluation saves and after how many the build is
repaid.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from mnist_sgd.bench.core import Row, Setup, comparison, run_in_turn
from mnist_sgd.science.linear import loss as direct_loss


def section_loss(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    cfg = s.cfg
    W = torch.randn(784, 10, generator=torch.Generator().manual_seed(0)) * 0.01
    x, y, gram = s.mnist.x_train, s.y_onehot, s.evaluator.gram
    k_gram, k_pass = cfg.loss_calls["gram"], cfg.loss_calls["pass"]

    def gram_loss() -> None:
        for _ in range(k_gram):
            gram.loss(W)

    def pass_loss() -> None:
        for _ in range(k_pass):
            direct_loss(W, x, y)

    t = run_in_turn({"gram": gram_loss, "pass": pass_loss}, cfg.loss_reps)
    per_call_gram, per_call_pass = t["gram"].scaled(1 / k_gram), t["pass"].scaled(1 / k_pass)
    saved = per_call_pass.median - per_call_gram.median
    repaid = f"repaid after ~{s.gram_seconds / saved:,.0f} evaluations" if saved > 0 else "not repaid here"
    row = comparison(
        3,
        "full_loss",
        f"full training loss ({len(x):,} samples), per evaluation",
        per_call_gram,
        "a float32 pass over the samples (linear.loss)",
        per_call_pass,
        short="full loss: Gram vs a data pass",
        note=f"Gram.loss (float64, 784×784 statistics); building the Gram took {s.gram_seconds:.2f} s once, {repaid}",
    )
    log(row)
    return [row]
