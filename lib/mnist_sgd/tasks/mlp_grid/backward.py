"""The backward pass Task 7's runs write out by hand, checked on real images against autograd
with ``torch.optim.SGD``: the grid's claim that both take the same step, shown in the report
rather than only in the tests."""

from __future__ import annotations

import pandas as pd
import torch

from mnist_sgd.science import nets
from mnist_sgd.science.data import MNIST


def backward_check(
    mnist: MNIST, arch: str, images: int, batch_size: int, lr: float, epochs: int = 1, seed: int = 0
) -> pd.DataFrame:
    """``arch`` trained on the first ``images`` training images for ``epochs`` at ``batch_size``
    and ``lr``, twice from the same initialisation and batch order: by autograd and
    ``torch.optim.SGD``, and by the written-out step (``nets.manual_epoch``). One row: the
    largest difference of any weight between the two, relative to the largest weight; the
    largest difference of an epoch's mean loss, relative to it; and the setting."""
    part = MNIST(mnist.x_train[:images], mnist.y_train[:images], mnist.x_test, mnist.y_test)
    models = [nets.build(arch, seed), nets.build(arch, seed)]  # trained in place
    runs = [
        nets.train(
            model, part, batch_size, lr, epochs, seed, device="cpu", manual_backward=manual, subset_train_acc=False
        )
        for model, manual in zip(models, (False, True), strict=True)
    ]
    pairs = [(p.detach(), q.detach()) for p, q in zip(models[0].parameters(), models[1].parameters(), strict=True)]
    largest = max(float(p.abs().max()) for p, _ in pairs)
    weights = max(float((p - q).abs().max()) for p, q in pairs) / largest
    loss_a, loss_b = (torch.tensor(r.history["train_loss"].to_numpy()) for r in runs)
    losses = float(((loss_a - loss_b).abs() / loss_a.abs()).max())
    return pd.DataFrame(
        [
            {
                "arch": arch,
                "images": images,
                "batch_size": batch_size,
                "lr": lr,
                "epochs": epochs,
                "steps": epochs * -(-images // batch_size),
                "weights_rel_diff": weights,
                "loss_rel_diff": losses,
            }
        ]
    )


def backward_text(checks: pd.DataFrame) -> str:
    """The checks in a sentence: the setting, and how far apart the two ways ended at each rate."""
    c = checks.iloc[0]

    def apart(r: pd.Series) -> str:
        losses = (
            "identical epoch losses"
            if r["loss_rel_diff"] == 0
            else (f"epoch losses at most {r['loss_rel_diff']:.1e} apart (relative)")
        )
        return (
            f"at η = {r['lr']:g}, weights at most {r['weights_rel_diff']:.1e} of the largest weight apart and {losses}"
        )

    return (
        f"**The written-out backward pass.** The grid's runs compute their gradients and steps by hand, "
        f"without autograd. Trained both ways from the same initialisation and batch order on the first "
        f"{c['images']:,} training images ({c['steps']:,} steps of B = {c['batch_size']}), the written-out step and "
        f"autograd with torch.optim.SGD end {'; '.join(apart(r) for _, r in checks.iterrows())}: the same step, up "
        f"to float32 rounding, at the rates where the grid's runs learn and where some diverge."
    )
