"""Section 4 of ``make bench``: one MLP epoch against the usual ``DataLoader`` loop.

The project's epoch loop over tensors in memory against a loop over a torchvision
``DataLoader`` (``ToTensor``, shuffled), with the same model and fused SGD: a fixed number
of steps each, scaled to an epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from mnist_sgd.bench.core import TARGETS, Row, Setup, comparison, naive, run_in_turn
from mnist_sgd.science.data import load_mnist
from mnist_sgd.show.present import plural
from mnist_sgd.store import paths

MLP_ARCH = "mlp512-256"


def section_mlp(s: Setup, log: Callable[[Row], None]) -> list[Row]:
    from torch.utils.data import DataLoader
    from torchvision.datasets import MNIST as TorchvisionMNIST
    from torchvision.transforms import ToTensor

    from mnist_sgd.science import nets

    cfg = s.cfg
    steps, batch, lr, seed = cfg.mlp_steps, 32, cfg.mlp_lr, cfg.seed
    full = load_mnist()  # the whole training set: an epoch is over 60,000 images in both variants
    cpu = torch.device("cpu")
    epoch_steps = math.ceil(len(full.x_train) / batch)

    model_p = nets.build(MLP_ARCH, seed)
    opt_p = nets.sgd_optimizer(model_p, lr, 0.0, cpu)
    shuffle = torch.Generator().manual_seed(seed)

    def project(n: int) -> None:
        order = torch.randperm(len(full.x_train), generator=shuffle)[: n * batch]
        model_p.train()
        nets.train_epoch(model_p, opt_p, full.x_train, full.y_train, order, batch)

    dataset = TorchvisionMNIST(root=str(paths.DATA), train=True, download=False, transform=ToTensor())
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, generator=torch.Generator().manual_seed(seed))
    model_r = nets.build(MLP_ARCH, seed)
    opt_r = nets.sgd_optimizer(model_r, lr, 0.0, cpu)

    def reference(n: int) -> None:
        model_r.train()
        naive.mlp_dataloader_steps(model_r, opt_r, loader, n)

    w = max(1, min(steps, 20))
    t = run_in_turn(
        {"project": lambda: project(steps), "reference": lambda: reference(steps)},
        cfg.mlp_reps,
        warmup={"project": lambda: project(w), "reference": lambda: reference(w)},
    )
    factor = epoch_steps / steps
    row = comparison(
        4,
        "mlp_epoch",
        f"MLP 784-512-256-10 epoch, batch {batch} (seconds per epoch)",
        t["project"].scaled(factor),
        "DataLoader(torchvision MNIST, ToTensor, shuffle), same model and fused SGD",
        t["reference"].scaled(factor),
        short="MLP epoch vs DataLoader loop",
        target=TARGETS["mlp"],
        target_on="ratio",
        target_op=">=",
        note=f"{steps:,} steps timed for each, scaled ×{factor:.4g} to an epoch of {epoch_steps:,} steps; "
        f"project: nets' epoch loop on tensors; {plural(torch.get_num_threads(), 'torch thread')}",
    )
    log(row)
    return [row]
