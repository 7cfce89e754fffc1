"""The backward pass of a multilayer perceptron written out (Task 7): one epoch of plain SGD
on an MLP built as ``nets.mlp`` builds it, the same step as autograd with ``torch.optim.SGD``
up to rounding, without their per-step bookkeeping. ``nets.train`` uses it when asked."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

CHECK_EVERY = 500  # steps between divergence checks (one device sync each), here and in ``nets.train_epoch``


def mlp_layers(model: nn.Module) -> list[nn.Linear] | None:
    """The linear layers of an MLP as ``mlp`` builds it (Linear, ReLU, ..., Linear), else None."""
    mods = list(model.children()) if isinstance(model, nn.Sequential) else []
    linear, relu = mods[0::2], mods[1::2]
    if not mods or not all(isinstance(m, nn.Linear) for m in linear) or not all(isinstance(m, nn.ReLU) for m in relu):
        return None
    return [m for m in linear if isinstance(m, nn.Linear)] if len(linear) == len(relu) + 1 else None


@torch.no_grad()
def manual_epoch(
    layers: list[nn.Linear], x: torch.Tensor, y: torch.Tensor, order: torch.Tensor, batch_size: int, lr: float
) -> tuple[float, int]:
    """``train_epoch`` for an MLP (``mlp_layers``) under plain SGD, with the backward pass written
    out: the gradient of the mean cross-entropy with respect to the logits is softmax - one-hot
    over the batch; each layer passes its gradient down through its weights before they change,
    then takes its step W -= lr g^T a in one in-place product (the gradient of W is never
    stored), b -= lr sum(g); ReLU passes the gradient where its output is positive, as autograd's.
    Same step as autograd and torch.optim.SGD up to rounding, without their per-step bookkeeping
    (at B = 8 an epoch took half the time)."""
    total = torch.zeros((), device=x.device)
    rows = torch.arange(batch_size, device=x.device)
    batches = 0
    last = len(layers) - 1
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        acts = [x.index_select(0, idx)]
        target = y.index_select(0, idx)
        for i, layer in enumerate(layers):
            z = torch.addmm(layer.bias, acts[-1], layer.weight.t())
            if i < last:
                acts.append(z.clamp_min_(0))
        logp = torch.log_softmax(z, 1)
        total += F.nll_loss(logp, target)
        g = logp.exp_()
        g[rows[: len(idx)], target] -= 1
        g /= len(idx)
        for i in range(last, -1, -1):
            w, b, a = layers[i].weight, layers[i].bias, acts[i]
            down = (g @ w).masked_fill_(a <= 0, 0) if i else g  # the images need no gradient
            w.addmm_(g.t(), a, alpha=-lr)
            b.sub_(g.sum(0), alpha=lr)
            g = down
        batches += 1
        if batches % CHECK_EVERY == 0 and not torch.isfinite(total).item():
            return math.inf, batches
    return total.item() / batches, batches
