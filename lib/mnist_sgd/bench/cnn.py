"""Section 7 of ``make bench``: the Task 8 CNN against its FLOP bound, on one torch thread.

Each job of a build runs on one thread, so the CNN is timed that way: a training epoch
against its FLOPs at the one-thread sgemm rate, and scoring the 70,000 images as a share of
that epoch.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from mnist_sgd.bench.core import TARGETS, Row, Setup, run_in_turn
from mnist_sgd.science.data import load_mnist

if TYPE_CHECKING:  # imported where used: the networks' module loads only when the section runs
    from mnist_sgd.science.nets import CNN


def cnn_flops(model: CNN) -> tuple[float, float]:
    """(forward, training) FLOPs per image of the Task 8 CNN: 2 per multiply-add of its
    convolutions and dense layers (pooling and ReLU are a rounding error); training counts
    the backward pass as twice the forward (gradients of the inputs and of the weights)."""
    macs = 0.0
    size = 28
    for conv in (model.conv1, model.conv2):
        size -= conv.kernel_size[0] - 1  # no padding
        macs += size * size * conv.out_channels * conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
        size //= 2  # max-pool 2
    macs += sum(fc.in_features * fc.out_features for fc in (model.fc1, model.fc2))
    return 2 * macs, 6 * macs


def section_cnn(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    from mnist_sgd.science import nets

    cfg = s.cfg
    batch, steps, reps, seed = 64, cfg.cnn_steps, cfg.cnn_reps, cfg.seed
    full = load_mnist()  # an epoch is over the 60,000 training images, scoring over all 70,000
    cpu = torch.device("cpu")
    x = nets.prepare_inputs(full.x_train, True, cpu)
    rows_scored = min(cfg.cnn_eval_rows, len(x))
    model = nets.cnn(seed)
    opt = nets.sgd_optimizer(model, 0.04, 1e-4, cpu)
    shuffle = torch.Generator().manual_seed(seed)
    n = cfg.gemm_n
    a, b, c = torch.rand(n, n), torch.rand(n, n), torch.empty(n, n)

    def train_steps(k: int) -> None:
        model.train()
        nets.train_epoch(model, opt, x, full.y_train, torch.randperm(len(x), generator=shuffle)[: k * batch], batch)

    def score() -> None:
        model.eval()
        nets.accuracy(model, x[:rows_scored], full.y_train[:rows_scored])

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # each job of a build runs on one thread (two jobs on two cores)
    try:
        t = run_in_turn(
            {"train": lambda: train_steps(steps), "score": score, "gemm": lambda: torch.mm(a, b, out=c)},
            reps,
            warmup={
                "train": lambda: train_steps(min(steps, 10)),
                "score": score,
                "gemm": lambda: torch.mm(a, b, out=c),
            },
        )
    finally:
        torch.set_num_threads(threads)
    images = len(full.x_train)
    epoch = t["train"].scaled(images / (steps * batch))
    scoring = t["score"].scaled((len(full.x_train) + len(full.x_test)) / rows_scored)
    rate = 2.0 * n**3 / t["gemm"].lo  # the best round: the limit
    forward, training = cnn_flops(model)
    bound = training * images / rate
    factors = [v / bound for v in epoch.values]
    shares = [sc / ep for sc, ep in zip(scoring.values, epoch.values)]
    rows = [
        Row(
            7,
            "cnn_epoch_limit",
            "CNN training epoch (60,000 images, batch 64) against its FLOP bound",
            short="CNN epoch / FLOP bound",
            project=epoch.median,
            project_lo=epoch.lo,
            project_hi=epoch.hi,
            reference_label="training FLOPs / one-thread sgemm rate",
            reference=bound,
            ratio=epoch.median / bound,
            ratio_lo=min(factors),
            ratio_hi=max(factors),
            ratio_kind="x over the bound (epoch / bound)",
            target=TARGETS["cnn_flop_factor"],
            target_on="ratio",
            target_op="<=",
            reps=reps,
            note=f"{training / 1e6:.1f} MFLOP per image (forward {forward / 1e6:.2f}, backward twice that) at "
            f"{rate / 1e9:.0f} GFLOP/s (sgemm {n} x {n}, one thread); {steps:,} steps timed, scaled to "
            f"{math.ceil(images / batch):,}",
            extra={"flops_per_image": training, "sgemm_flops_per_s": rate},
        ).judge(),
        Row(
            7,
            "cnn_eval_share",
            "CNN scoring of the 70,000 images against one training epoch",
            short="CNN scoring / epoch",
            project=scoring.median,
            project_lo=scoring.lo,
            project_hi=scoring.hi,
            reference_label="CNN training epoch",
            reference=epoch.median,
            reference_lo=epoch.lo,
            reference_hi=epoch.hi,
            ratio=statistics.median(shares),
            ratio_lo=min(shares),
            ratio_hi=max(shares),
            ratio_kind="share of an epoch (scoring / epoch)",
            target=TARGETS["cnn_eval_share"],
            target_on="ratio",
            target_op="<=",
            reps=reps,
            note=f"nets.accuracy on {rows_scored:,} images in chunks of {nets.EVAL_CHUNK}, scaled to 70,000; "
            "one thread",
        ).judge(),
    ]
    for row in rows:
        log(row)
    return rows
