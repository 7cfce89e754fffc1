"""Task 8's models and their one SGD setting, shared by its per-model jobs and its summary.

Each model is one job of ``08_architectures`` (the grid key ``model`` takes the ``key`` of a
``Setup``), so the models train in parallel; ``08_architectures_summary`` reads their tables
back and compares them. The assignment's setting is fixed here, the epochs and the seeds come
from the profile. Besides the accuracies a job records what the comparison explains them with:
the size of the weights after every epoch (what weight decay acts on), where the parameters
sit and how often each is used per image (the CNN's weight sharing), and the pixel statistics
of the inputs (what rescaling them to [-1, 1] changes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch import nn

from mnist_sgd.science import net_runs, nets
from mnist_sgd.science.data import MNIST

BATCH, LR, FIRST_LR, WEIGHT_DECAY = 64, 0.04, 0.01, 1e-4
ASKED_EPOCHS = {"first": 10, "mlp": 40, "cnn": 40}  # what the assignment asks for, per budget


@dataclass(frozen=True)
class Setup:
    key: str  # the grid value that names the job: 08_architectures__model-<key>
    model: str  # the name in headings, legends and result tables
    short: str  # the name in tables and prose
    arch: str  # for nets.build
    lr: float
    normalize: bool  # inputs rescaled from [0, 1] to [-1, 1]
    budget: str  # whose epochs it runs: "first" (first_run_epochs), "mlp" or "cnn"
    large: bool  # minutes per seed: runs ``large_seeds`` seeds, the others ``seeds``
    ref_key: str  # the hand-made reference in references.py ("" when there is none)
    colour: int  # index into plots.OKABE_ITO

    @property
    def first_run(self) -> bool:
        return self.budget == "first"


SETUPS = (
    Setup("first", "MLP 128, η = 0.01", "first run", "mlp128", FIRST_LR, True, "first", False,
          "mlp128-first", 5),
    Setup("first-inputs01", "MLP 128, η = 0.01, inputs in [0, 1]", "first run on [0, 1]", "mlp128",
          FIRST_LR, False, "first", False, "", 1),
    Setup("mlp128", "MLP 128", "MLP 128", "mlp128", LR, True, "mlp", False, "", 0),
    Setup("mlp500-300", "MLP 500-300", "MLP 500-300", "mlp500-300", LR, True, "mlp", True, "mlp500-300", 2),
    Setup("cnn", "CNN", "CNN", "cnn", LR, True, "cnn", True, "cnn", 3),
)  # fmt: skip
KEYS = tuple(s.key for s in SETUPS)
FIRST, FIRST_01 = SETUPS[0].model, SETUPS[1].model


def setup(key: str) -> Setup:
    """The setup a job's ``model`` parameter names."""
    for s in SETUPS:
        if s.key == key:
            return s
    raise ValueError(f"unknown Task 8 model {key!r}: expected one of {', '.join(KEYS)}")


def by_model(names: list[str]) -> list[Setup]:
    """The setups of the models named in a results table, in the order of ``SETUPS``."""
    return [s for s in SETUPS if s.model in set(names)]


def seeds_of(s: Setup, seeds: int, large_seeds: int) -> range:
    """The seeds a model trains with: 0 .. n-1, n = ``large_seeds`` for a large model, else ``seeds``."""
    return range(large_seeds if s.large else seeds)


def steps_per_epoch(train_images: int) -> int:
    """Minibatches in one epoch of ``train_images`` (the last one may be smaller)."""
    return math.ceil(train_images / BATCH)


def decay_shrink(lr: float, steps: int) -> float:
    """The factor weight decay alone would scale the weights by over ``steps`` SGD steps: each
    step multiplies every parameter by 1 - lr * WEIGHT_DECAY before the gradient is applied."""
    return (1 - lr * WEIGHT_DECAY) ** steps


def weight_norm(model: nn.Module) -> float:
    """The Euclidean norm of all the parameters together (biases included: weight decay acts on
    every parameter)."""
    with torch.no_grad():
        return math.sqrt(sum(float(p.double().square().sum()) for p in model.parameters()))


def forward_cost(model: nn.Module) -> dict[str, int]:
    """Where a model's parameters sit and how often they are used: ``shared_parameters`` (those of
    its convolutions, each applied at every position of the image), ``mult_adds`` (the
    multiply-adds of its convolutions and dense layers for one image; activations and pooling
    not counted) and ``shared_mult_adds`` (those of its convolutions), measured on one blank image."""
    counts = {"shared_parameters": 0, "mult_adds": 0, "shared_mult_adds": 0}

    def count(layer: nn.Module, _: Any, out: torch.Tensor) -> None:
        if isinstance(layer, nn.Conv2d):
            per_output = layer.in_channels // layer.groups * math.prod(layer.kernel_size)
            counts["mult_adds"] += out[0].numel() * per_output
            counts["shared_mult_adds"] += out[0].numel() * per_output
            counts["shared_parameters"] += nets.count_parameters(layer)
        elif isinstance(layer, nn.Linear):
            counts["mult_adds"] += layer.in_features * layer.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.inference_mode():
            model(torch.zeros(1, 784, device=next(model.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
    return counts


@dataclass
class Trained:
    """One seed of a model: its run, and the norm of its parameters at the start and after
    each completed epoch."""

    run: nets.NetRun
    norms: list[float]


def train(s: Setup, data: MNIST, epochs: int, seed: int, eval_every: int = 1) -> Trained:
    """One seed of ``s`` in the assignment's setting (``nets.train``), the norm of its weights
    read after every epoch (outside the timed part of the epoch)."""
    model = nets.build(s.arch, seed)
    norms = [weight_norm(model)]
    run = nets.train(
        model,
        data,
        BATCH,
        s.lr,
        epochs,
        seed,
        weight_decay=WEIGHT_DECAY,
        normalize=s.normalize,
        eval_every=eval_every,
        progress=lambda _: norms.append(weight_norm(model)),
    )
    return Trained(run, norms)


def tables(
    s: Setup, trained: list[Trained], data: MNIST, cond: dict[str, Any], eval_every: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A model's ``runs`` (one row per seed: ``net_runs.runs_table`` with the model, its
    evaluation, the weight norms at start and end, ``forward_cost`` and the mean and mean square
    of the training pixels in [0, 1]) and ``history`` (one row per seed and epoch, with the
    weight norm after the epoch)."""
    x = data.x_train.double()
    extra = {
        "model": s.model,
        "key": s.key,
        "eval_every": eval_every,
        "train_images": len(data.x_train),
        "pixel_mean": float(x.mean()),
        "pixel_mean_square": float(x.square().mean()),
        **forward_cost(nets.build(s.arch)),
    }
    runs = pd.concat(
        [
            net_runs.runs_table([t.run], cond, **extra).assign(init_norm=t.norms[0], final_norm=t.norms[-1])
            for t in trained
        ],
        ignore_index=True,
    )
    history = pd.concat(
        [
            net_runs.history_table([t.run], model=s.model).assign(weight_norm=t.norms[1 : len(t.run.history) + 1])
            for t in trained
        ],
        ignore_index=True,
    )
    return runs, history
