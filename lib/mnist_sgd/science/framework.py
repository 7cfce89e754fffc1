"""The same linear classifier trained with PyTorch's own pieces (Task 6).

Model ``nn.Linear(784, 10, bias=False)`` with zero initial weights, loss ``nn.MSELoss``,
optimiser ``torch.optim.SGD``. The framework's weight is ``W^T`` (10 x 784); the
functions here return ``W`` (784 x 10), the layout of ``sgd`` and ``linear``.

The two loss conventions differ by a constant. On a batch of B rows and k = 10 outputs::

    ours:    L   = 1/(2B) sum_i ||W^T x_i - y_i||^2      grad L   = X_b^T R / B
    MSELoss: MSE = 1/(kB) sum_i ||W^T x_i - y_i||^2      grad MSE = 2/(kB) X_b^T R = (2/k) grad L

so one step with learning rate ``lr_torch`` on MSE is the step with ``lr_torch * 2/k`` on
ours: ``lr_torch = lr_ours * k/2`` (``lr_factor``, 5 for k = 10). The same factor turns an
MSE value into ours: ``L = (k/2) MSE``.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mnist_sgd.science.sgd import Evaluator, SGDRun, record_run


def lr_factor(n_outputs: int = 10) -> float:
    """lr_torch / lr_ours: MSELoss averages over B * n_outputs entries and has no 1/2."""
    return n_outputs / 2.0


def make_model(n_inputs: int = 784, n_outputs: int = 10, dtype: torch.dtype = torch.float32) -> nn.Linear:
    """``nn.Linear`` without bias, weights set to zero (the hand-written runs start at W = 0)."""
    model = nn.Linear(n_inputs, n_outputs, bias=False, dtype=dtype)
    with torch.no_grad():
        model.weight.zero_()
    return model


def weights(model: nn.Linear) -> torch.Tensor:
    """The model's weights as W (784 x 10), detached and contiguous."""
    return model.weight.detach().T.contiguous()


def relative_difference(W: torch.Tensor, W_ref: torch.Tensor) -> float:
    """||W - W_ref||_F / ||W_ref||_F, in float64."""
    W, W_ref = W.to(torch.float64), W_ref.to(torch.float64)
    return ((W - W_ref).norm() / W_ref.norm()).item()


def loss_gradients(W: torch.Tensor, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(gradient of our loss 1/(2B)||X_b W - Y_b||^2, gradient of ``nn.MSELoss``) at ``W``,
    both by automatic differentiation in the dtype of ``W``, both as 784 x 10."""
    out = []
    for loss_of in (lambda r: 0.5 * r.square().sum() / r.shape[0], lambda r: nn.MSELoss()(r, torch.zeros_like(r))):
        w = W.clone().requires_grad_(True)
        residual = xb.to(W.dtype) @ w - yb.to(W.dtype)
        loss_of(residual).backward()
        assert w.grad is not None  # backward() just filled it
        out.append(w.grad.detach())
    return out[0], out[1]


def gradient_ratio(g_ours: torch.Tensor, g_mse: torch.Tensor) -> tuple[float, float]:
    """(measured ratio, deviation) of ``nn.MSELoss``'s gradient ``g_mse`` to our loss's ``g_ours``
    (both d x k): the ratio <g_mse, g_ours> / <g_ours, g_ours>, the least-squares factor between
    them, and max |g_mse - (2/k) g_ours| / max |g_ours|, how far any entry is from the predicted 2/k."""
    ratio = ((g_mse * g_ours).sum() / g_ours.square().sum()).item()
    deviation = ((g_mse - (2 / g_ours.shape[1]) * g_ours).abs().max() / g_ours.abs().max()).item()
    return ratio, deviation


def train_framework_same_batches(
    x: torch.Tensor, y_onehot: torch.Tensor, indices: torch.Tensor, lr_ours: float, factor: float | None = None
) -> torch.Tensor:
    """``torch.optim.SGD`` on ``nn.MSELoss`` over exactly the batches ``indices`` (iterations x B):
    step t uses the rows ``indices[t]``. The learning rate is ``lr_ours * factor`` (default
    ``lr_factor()``, which makes it the hand-written step). Returns W (784 x 10)."""
    factor = lr_factor(y_onehot.shape[1]) if factor is None else factor
    model = make_model(x.shape[1], y_onehot.shape[1], dtype=x.dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr_ours * factor)
    loss_fn = nn.MSELoss()
    for idx in indices:
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x[idx]), y_onehot[idx]).backward()
        optimizer.step()
    return weights(model)


def train_framework(
    x: torch.Tensor,
    y_onehot: torch.Tensor,
    batch_size: int,
    lr: float,
    iterations: int,
    seed: int,
    checkpoints: int = 200,
    evaluator: Evaluator | None = None,
    factor: float | None = None,
) -> SGDRun:
    """The idiomatic loop: a shuffled ``DataLoader`` over a ``TensorDataset``, ``nn.MSELoss``,
    ``torch.optim.SGD`` at ``lr * factor`` (default ``lr_factor()``); ``lr`` is in our
    convention, so with the default the results compare with ``sgd.train_sgd`` at the same
    ``lr``. ``factor=1`` passes ``lr`` to the optimiser unconverted, the mistake whose steps
    are ``lr_factor()`` times too short.

    Batches are drawn WITHOUT replacement within each epoch (``shuffle=True``, a new
    permutation per epoch from a generator seeded with ``seed``; the last incomplete
    batch of an epoch is dropped so every step has B rows), unlike the hand-written
    SGD, which draws every batch with replacement. Epochs follow each other until
    ``iterations`` steps are done.

    The curves have the columns and checkpoints of ``train_sgd`` (``checkpoint_schedule``):
    ``train_seconds`` is the cumulative time of the loop (fetching batches from the
    loader, forward, backward, step), evaluation excluded; ``batch_loss`` is the MSE of
    the last step converted to our convention. A run stops as diverged when the weights
    or the training loss are no longer finite or the loss exceeds 1000 x L(0).
    """
    if evaluator is None:
        evaluator = Evaluator(x, y_onehot.argmax(dim=1))
    to_ours = lr_factor(y_onehot.shape[1])  # an MSE value times this is our loss
    factor = to_ours if factor is None else factor
    model = make_model(x.shape[1], y_onehot.shape[1], dtype=x.dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr * factor)
    loss_fn = nn.MSELoss()
    loader = DataLoader(
        TensorDataset(x, y_onehot),
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(seed),
    )
    batches = iter(loader)
    t, last_mse = 0, None

    def advance(target: int) -> tuple[int, bool]:
        nonlocal batches, t, last_mse
        while t < target:
            try:
                xb, yb = next(batches)
            except StopIteration:  # a new epoch: a new permutation
                batches = iter(loader)
                xb, yb = next(batches)
            optimizer.zero_grad(set_to_none=True)
            mse = loss_fn(model(xb), yb)
            mse.backward()
            optimizer.step()
            t += 1
            last_mse = mse.detach()
        return t, bool(torch.isfinite(weights(model)).all())

    def batch_loss() -> float:  # the last step's MSE in this report's convention
        return math.nan if last_mse is None else last_mse.item() * to_ours

    return record_run(
        advance, lambda: weights(model), batch_loss, evaluator, batch_size, lr, seed, iterations, checkpoints
    )


def loader_seconds(x: torch.Tensor, y_onehot: torch.Tensor, batch_size: int, iterations: int, seed: int = 0) -> float:
    """Seconds to draw ``iterations`` batches from the same shuffled DataLoader, with no training:
    the part of ``train_framework``'s time spent on fetching and collating batches."""
    loader = DataLoader(
        TensorDataset(x, y_onehot),
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(seed),
    )
    start, t = time.perf_counter(), 0
    while t < iterations:
        for _ in loader:
            t += 1
            if t == iterations:
                break
    return time.perf_counter() - start
