"""The gradient noise scale against per-sample gradients formed one by one, and the steps model's fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mnist_sgd.science.linear import Gram
from mnist_sgd.science.noise import NoiseScale, fit_steps_model


def test_the_noise_scale_equals_the_one_from_per_sample_gradients():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(300, 784, generator=g)
    y = torch.nn.functional.one_hot(torch.randint(0, 10, (300,), generator=g), 10).float()
    W = 0.001 * torch.randn(784, 10, generator=g)
    X64, Y64, W64 = x.double(), y.double(), W.double()
    per_sample = torch.einsum("nd,nk->ndk", X64, X64 @ W64 - Y64)  # g_i = x_i r_iᵀ
    mean = per_sample.mean(dim=0)
    trace = (per_sample - mean).square().sum(dim=(1, 2)).mean().item()
    expected = trace / mean.square().sum().item()
    measured = NoiseScale(x, y, Gram.from_data(x, y))(W)
    assert math.isclose(measured, expected, rel_tol=1e-9)


def test_the_steps_model_is_recovered_from_exact_steps():
    b = np.array([1, 10, 100, 1000])
    s_min, b_crit = fit_steps_model(b, 500 * (1 + 40 / b))
    assert math.isclose(s_min, 500) and math.isclose(b_crit, 40)
    # counts spanning decades (Task 3's, to 5% of L*): every batch size weighs, not the smallest alone
    s_min, b_crit = fit_steps_model(np.array([1, 10, 100, 1000]), np.array([111_890, 10_496, 1_204, 481]))
    assert s_min > 0 and 100 < b_crit < 1000
    with pytest.raises(ValueError, match="two batch sizes"):
        fit_steps_model(b[:1], np.array([10.0]))
