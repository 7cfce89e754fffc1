"""Neural networks on MNIST trained with plain minibatch SGD (Tasks 7 and 8).

Builders for the multilayer perceptrons and the small CNN, and one trainer shared by
all of them. The trainer keeps the whole data set as tensors on the device, reshuffles
it every epoch from a seeded generator, and records per epoch the mean minibatch loss
(and, when asked, the loss on the whole training set), the train and test accuracy and the
training time (evaluation excluded), so one run is one tidy table. A run whose loss becomes infinite or NaN stops and is marked diverged.

Speed choices, measured with one CPU thread (see ``seconds_per_epoch``): the fused SGD
step is the fastest of the torch.optim.SGD variants; the loss is summed on the device
and read once every ``CHECK_EVERY`` steps; evaluation runs in cache-sized chunks under
inference mode; the CNN keeps its activations channels-last and pools before its ReLUs.
The CNN uses padding 0 (28 -> 26 -> 13 -> 11 -> 5), so its dense layer reads 64*5*5.
For a multilayer perceptron under plain SGD (no weight decay), ``manual_backward`` replaces
autograd and the optimiser by the backward pass written out, with each layer's update fused
into the product that forms its gradient (``manual_epoch``): the same step, up to rounding.

A run that diverges is scored as it stopped: its weights are then non-finite and stay so
under further steps, so its end accuracies are those the asked epochs would have ended
with. The network of its best test epoch is kept and scored too.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from mnist_sgd.science.backprop import CHECK_EVERY, manual_epoch, mlp_layers
from mnist_sgd.science.data import MNIST

ModuleT = TypeVar("ModuleT", bound=nn.Module)

# Rows per forward pass when measuring accuracy, measured on one CPU thread: the channels-last
# CNN scored 10,000 images in 0.72 s in chunks of 128, 0.80 s in chunks of 256 to 512 and
# 1.2 s in chunks of 1,000 (whose ~45 MB of activations leave the caches); the MLPs took the
# same time for any chunk from 128 to 4,000.
EVAL_CHUNK = 128
# Training accuracy after an intermediate epoch is measured on this many training images,
# a fixed random subset (the curves need a trend, not the last digit); after the last epoch
# on the whole training set. Scoring 70,000 images each epoch cost the MLP at B = 128 45% of
# its training time.
TRAIN_ACC_IMAGES = 10_000
TRAIN_ACC_SEED = 0  # draws the subset, apart from the run's seed: every run is scored on the same images
HISTORY_COLUMNS = [
    "epoch",
    "train_loss",
    "full_train_loss",
    "train_acc",
    "train_acc_images",
    "test_acc",
    "epoch_seconds",
    "train_seconds",
    "eval_seconds",
]

Progress = Callable[[dict[str, Any]], None]


def device() -> torch.device:
    """CUDA when available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _resolve(dev: torch.device | str | None) -> torch.device:
    return torch.device(dev) if dev is not None else device()


def _seeded(seed: int, make: Callable[[], ModuleT]) -> ModuleT:
    # fork_rng keeps the caller's global random state untouched by the seeding.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def mlp(hidden: tuple[int, ...], seed: int = 0) -> nn.Module:
    """784 -> hidden... -> 10 with ReLU between layers, PyTorch's default init under ``seed``."""

    def make() -> nn.Module:
        layers: list[nn.Module] = []
        width = 784
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 10))
        return nn.Sequential(*layers)

    model = _seeded(seed, make)
    model.arch = "mlp" + "-".join(str(h) for h in hidden)  # type: ignore[assignment]  # Module types tensors only
    return model


class CNN(nn.Module):
    """conv3x3(32)-ReLU-maxpool2, conv3x3(64)-ReLU-maxpool2, FC 128-ReLU, FC 10; no padding."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Inputs arrive as 784-vectors like the MLPs', so one trainer serves both. Channels-last
        # lets oneDNN's convolutions and the pooling run on contiguous channels (an epoch took
        # 0.70x the time of NCHW, scoring 0.45x, one CPU thread).
        x = x.view(-1, 1, 28, 28).contiguous(memory_format=torch.channels_last)
        # ReLU after the pooling: ReLU is monotonic, so max(relu(a)) == relu(max(a)) exactly, and
        # so are the gradients, but ReLU then touches a quarter of the values.
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def cnn(seed: int = 0) -> CNN:
    """The Task 8 CNN with PyTorch's default init under ``seed``."""
    model = _seeded(seed, CNN).to(memory_format=torch.channels_last)  # weights in the layout of the activations
    model.arch = "cnn"  # type: ignore[assignment]  # Module types tensors only
    return model


def build(arch: str, seed: int = 0) -> nn.Module:
    """A model by name: ``"cnn"`` or ``"mlp"`` plus hidden widths, e.g. ``"mlp512-256"``, ``"mlp128"``."""
    if arch == "cnn":
        return cnn(seed)
    widths = arch.removeprefix("mlp")
    if arch.startswith("mlp") and widths and all(w.isdigit() and int(w) > 0 for w in widths.split("-")):
        return mlp(tuple(int(w) for w in widths.split("-")), seed)
    raise ValueError(f"unknown architecture {arch!r}: use 'cnn' or 'mlp' with widths, e.g. 'mlp512-256'")


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass
class NetRun:
    """One training run: its configuration, per-epoch history and divergence."""

    arch: str
    batch_size: int
    lr: float
    weight_decay: float
    seed: int
    epochs: int  # requested; fewer rows in ``history`` when the run diverged
    normalize: bool
    parameters: int
    device: str
    history: pd.DataFrame = field(repr=False)
    diverged: bool = False
    diverged_at: int | None = None  # epoch (1-based) in which the loss became non-finite
    # a diverged run scored as it stopped, on the whole training and test sets (NaN otherwise)
    end_train_acc: float = math.nan
    end_test_acc: float = math.nan
    weights_finite: bool = True  # False when the run stopped with non-finite weights
    # the training accuracy (whole set) of the network of the best test epoch: scored when the
    # run diverged or was asked to (``train``'s score_best), NaN otherwise
    best_train_acc: float = math.nan

    def best(self) -> tuple[int | None, float]:
        """The evaluated epoch with the highest test accuracy (the first such), and that accuracy;
        (None, NaN) when no epoch was evaluated."""
        scored = self.history.dropna(subset=["test_acc"])
        if scored.empty:
            return None, math.nan
        top = scored.loc[scored["test_acc"].idxmax()]
        return int(top["epoch"]), float(top["test_acc"])

    def summary(self) -> dict[str, Any]:
        """One flat row for a results table. Final values are those of the network at the end
        of the run: after its last epoch or, for a run that diverged, as it stopped (its loss
        is then NaN); NaN when no epoch completed and nothing was scored. ``best_*``: the
        evaluated epoch with the highest test accuracy; ``min_train_loss``: the lowest epoch
        loss (NaN when no epoch completed)."""
        last = self.history.iloc[-1] if len(self.history) else None
        train_seconds = float(self.history["epoch_seconds"].sum())
        best_epoch, best_test = self.best()
        if self.diverged:
            final_loss, final_train, final_test = math.nan, self.end_train_acc, self.end_test_acc
        elif last is None:
            final_loss = final_train = final_test = math.nan
        else:
            final_loss, final_train, final_test = (float(last[c]) for c in ("train_loss", "train_acc", "test_acc"))
        return {
            "arch": self.arch,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "seed": self.seed,
            "epochs": self.epochs,
            "diverged": self.diverged,
            "diverged_at": self.diverged_at,
            "final_train_loss": final_loss,
            "final_train_acc": final_train,
            "final_test_acc": final_test,
            "weights_finite": self.weights_finite,
            "min_train_loss": float(self.history["train_loss"].min()) if len(self.history) else math.nan,
            # the loss on the whole training set after the last epoch (NaN when not measured or diverged)
            "final_full_train_loss": math.nan if self.diverged or last is None else float(last["full_train_loss"]),
            "best_epoch": best_epoch,
            "best_test_acc": best_test,
            "best_train_acc": self.best_train_acc,
            "train_seconds": train_seconds,
            "seconds_per_epoch": train_seconds / len(self.history) if len(self.history) else math.nan,
            "parameters": self.parameters,
        }


def prepare_inputs(x: torch.Tensor, normalize: bool, dev: torch.device) -> torch.Tensor:
    """Images as float32 on ``dev``, mapped from [0, 1] to [-1, 1] when ``normalize``."""
    x = x.to(dev, torch.float32)
    return x * 2 - 1 if normalize else x  # [0, 1] -> [-1, 1] for Task 8


@torch.inference_mode()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows classified correctly, in chunks, with one device sync at the end."""
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    for start in range(0, len(x), EVAL_CHUNK):
        logits = model(x[start : start + EVAL_CHUNK])
        correct += (logits.argmax(1) == y[start : start + EVAL_CHUNK]).sum()
    return correct.item() / len(x)


@torch.inference_mode()
def loss_and_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and fraction of rows classified correctly, in one pass in chunks."""
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    for start in range(0, len(x), EVAL_CHUNK):
        logits, target = model(x[start : start + EVAL_CHUNK]), y[start : start + EVAL_CHUNK]
        total += F.cross_entropy(logits, target, reduction="sum").double()
        correct += (logits.argmax(1) == target).sum()
    return total.item() / len(x), correct.item() / len(x)


def train_acc_subset(n: int, rows: int) -> torch.Tensor | None:
    """Sorted indices of the fixed subset of ``n`` training images scored after intermediate
    epochs, or None when the subset would be the whole set."""
    if n <= rows:
        return None
    return torch.randperm(n, generator=torch.Generator().manual_seed(TRAIN_ACC_SEED))[:rows].sort().values


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":  # CUDA runs asynchronously: wait before reading the clock
        torch.cuda.synchronize(dev)


def sgd_optimizer(model: nn.Module, lr: float, weight_decay: float, dev: torch.device) -> torch.optim.Optimizer:
    """Plain SGD (no momentum) over ``model``'s parameters, fused where torch has it."""
    # The fused step was the fastest variant measured; it exists for CPU and CUDA only.
    fused = dev.type in ("cpu", "cuda")
    return torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay, fused=fused or None)


def train_epoch(
    model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, order: torch.Tensor, batch_size: int
) -> tuple[float, int]:
    """One pass over ``order`` in minibatches; returns (mean minibatch loss, batches)."""
    total = torch.zeros((), device=x.device)
    batches = 0
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        loss = F.cross_entropy(model(x.index_select(0, idx)), y.index_select(0, idx))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.detach()
        batches += 1
        # A diverged run stops early instead of grinding through NaNs to the epoch's end.
        if batches % CHECK_EVERY == 0 and not torch.isfinite(total).item():
            return math.inf, batches
    return total.item() / batches, batches


def train(
    model: nn.Module | str,
    data: MNIST,
    batch_size: int,
    lr: float,
    epochs: int,
    seed: int,
    weight_decay: float = 0.0,
    normalize: bool = False,
    device: torch.device | str | None = None,
    progress: Progress | None = None,
    eval_every: int = 1,
    manual_backward: bool = False,
    subset_train_acc: bool = True,
    score_best: bool = False,
    full_train_scores: bool = False,
) -> NetRun:
    """Train ``model`` (or ``build(model, seed)`` for a name) in place with minibatch SGD.

    Each epoch visits the training set in a fresh random order drawn from a generator
    seeded with ``seed`` (the last minibatch may be smaller). ``train_loss`` is the mean
    of the epoch's minibatch losses; accuracies are measured every ``eval_every`` epochs
    and after the last one (NaN in the other rows): test accuracy on the whole test set,
    training accuracy on the whole training set after the last epoch and, when
    ``subset_train_acc``, on a fixed subset of ``TRAIN_ACC_IMAGES`` before (``train_acc_images``
    says which, per row; 0 where it was not measured). ``full_train_scores``: every evaluated epoch
    scores the whole training set instead, its loss (``full_train_loss``, NaN in the rows where it was
    not measured: the quantity the loss is minimising, which the epoch's mean minibatch loss, taken
    while the weights move, only approximates) and its accuracy. ``progress`` is called with each
    epoch's row.

    ``manual_backward``: the step of ``manual_epoch`` (an MLP, no weight decay). A run whose
    loss becomes non-finite stops; it is then scored on the whole sets as it stopped, and so is
    the network of its best test epoch (kept when the test accuracy improves); ``score_best``
    scores that network on the whole training set for every run whose best epoch is not its last.
    """
    dev = _resolve(device)
    if isinstance(model, str):
        model = build(model, seed)
    model = model.to(dev)
    layers = mlp_layers(model) if manual_backward else None
    if manual_backward and (layers is None or weight_decay):
        raise ValueError("manual_backward takes an MLP (Linear and ReLU layers) under plain SGD, no weight decay")
    x_train, x_test = prepare_inputs(data.x_train, normalize, dev), prepare_inputs(data.x_test, normalize, dev)
    y_train, y_test = data.y_train.to(dev), data.y_test.to(dev)
    subset = train_acc_subset(len(x_train), TRAIN_ACC_IMAGES)
    x_part, y_part = (x_train, y_train) if subset is None else (x_train[subset.to(dev)], y_train[subset.to(dev)])
    opt = None if layers is not None else sgd_optimizer(model, lr, weight_decay, dev)
    # A CPU generator gives the same order of examples on every device.
    shuffle = torch.Generator().manual_seed(seed)
    rows: list[dict[str, Any]] = []
    diverged_at = None
    train_seconds = 0.0
    best_acc, best_state = -1.0, None
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(x_train), generator=shuffle).to(dev)
        _sync(dev)
        start = time.perf_counter()
        model.train()
        if layers is not None:
            loss, _ = manual_epoch(layers, x_train, y_train, order, batch_size, lr)
        else:
            assert opt is not None
            loss, _ = train_epoch(model, opt, x_train, y_train, order, batch_size)
        _sync(dev)
        seconds = time.perf_counter() - start
        if not math.isfinite(loss):
            diverged_at = epoch
            break
        train_seconds += seconds
        start = time.perf_counter()
        model.eval()
        last = epoch == epochs
        evaluate = epoch % eval_every == 0 or last
        score_train = evaluate and (last or subset_train_acc)
        x_scored, y_scored = (x_train, y_train) if last else (x_part, y_part)
        test_acc = accuracy(model, x_test, y_test) if evaluate else math.nan
        if test_acc > best_acc:
            best_acc, best_state = test_acc, copy.deepcopy(model.state_dict())
        full_loss, train_acc, train_images = math.nan, math.nan, 0
        if evaluate and full_train_scores:
            (full_loss, train_acc), train_images = loss_and_accuracy(model, x_train, y_train), len(x_train)
        elif score_train:
            train_acc, train_images = accuracy(model, x_scored, y_scored), len(x_scored)
        row = {
            "epoch": epoch,
            "train_loss": loss,
            "full_train_loss": full_loss,
            "train_acc": train_acc,
            "train_acc_images": train_images,
            "test_acc": test_acc,
            "epoch_seconds": seconds,
            "train_seconds": train_seconds,
            "eval_seconds": time.perf_counter() - start,
        }
        rows.append(row)
        if progress is not None:
            progress(row)
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    run = NetRun(
        arch=getattr(model, "arch", type(model).__name__),
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        seed=seed,
        epochs=epochs,
        normalize=normalize,
        parameters=count_parameters(model),
        device=str(dev),
        history=history,
        diverged=diverged_at is not None,
        diverged_at=diverged_at,
    )
    model.eval()
    if run.diverged:
        run.end_train_acc, run.end_test_acc = accuracy(model, x_train, y_train), accuracy(model, x_test, y_test)
        run.weights_finite = all(bool(torch.isfinite(p).all()) for p in model.parameters())
    best_epoch, _ = run.best()
    if best_epoch is not None and best_epoch == len(history) and not run.diverged:
        run.best_train_acc = float(history["train_acc"].iloc[-1])  # the final network, already scored
    elif best_state is not None and (run.diverged or score_best):
        best = copy.deepcopy(model)
        best.load_state_dict(best_state)
        run.best_train_acc = accuracy(best.eval(), x_train, y_train)
    return run
