"""The gradient noise scale of the linear least-squares model, exactly, over the training set.

With per-sample gradients g_i = x_i r_iᵀ (r_i = Wᵀx_i − y_i) and their mean G, a batch of B
samples drawn with replacement has the gradient G plus a noise of covariance Σ/B. The
simple noise scale of McCandlish et al., *An Empirical Model of Large-Batch Training*
(2018), B_noise = tr(Σ)/|G|², is the batch size at which that noise's expected squared norm
equals the gradient's own: below it a step is mostly noise, above it mostly signal. Their
model then predicts the steps S and samples E to a fixed loss as S = S_min(1 + B_noise/B)
and E = E_min(1 + B/B_noise).

Here tr Σ = mean_i |g_i|² − |G|², and |g_i|² = |x_i|²·|r_i|² because g_i is an outer
product. With the weights w_i = |x_i|², mean_i w_i |r_i|² is a quadratic form in W, like the
loss: <W, H W> − 2<W, C_w> + c_w with H = Σ w_i x_i x_iᵀ / N, C_w = Σ w_i x_i y_iᵀ / N and
c_w = Σ w_i |y_i|² / N, accumulated once in float64. A measurement then costs two 784 x 784
products (~2 ms) instead of a pass over the 60,000 images (~180 ms, which at 150 checkpoints
and 3 seeds was over a minute per batch size); no per-sample gradient is ever formed.
"""

from __future__ import annotations

import numpy as np
import torch

from mnist_sgd.science.linear import Gram

# rows per block of the one pass that builds the weighted Gram: 10,000 x 784 float64 is 63 MB
BLOCK = 10_000


class NoiseScale:
    """Measures B_noise = tr(Σ)/|G|² of a weight matrix on one training set (x, one-hot y)."""

    def __init__(self, x: torch.Tensor, y_onehot: torch.Tensor, gram: Gram) -> None:
        self.gram = gram
        d, k = x.shape[1], y_onehot.shape[1]
        self.H = torch.zeros(d, d, dtype=torch.float64)
        self.Cw = torch.zeros(d, k, dtype=torch.float64)
        self.cw = 0.0
        for start in range(0, x.shape[0], BLOCK):
            xb = x[start : start + BLOCK].to(torch.float64)
            yb = y_onehot[start : start + BLOCK].to(torch.float64)
            w = xb.square().sum(dim=1, keepdim=True)  # |x_i|², the weight of row i
            self.H.addmm_(xb.T, w * xb)
            self.Cw.addmm_(xb.T, w * yb)
            self.cw += (w * yb.square()).sum().item()
        n = x.shape[0]
        self.H /= n
        self.Cw /= n
        self.cw /= n

    def __call__(self, W: torch.Tensor) -> float:
        W64 = W.to(torch.float64)
        gradient = self.gram.G @ W64 - self.gram.C  # the full-batch gradient, exact, from the Gram matrix
        g2 = gradient.square().sum().item()
        mean_sq = ((W64 * (self.H @ W64)).sum() - 2.0 * (W64 * self.Cw).sum()).item() + self.cw  # mean_i |g_i|²
        trace = mean_sq - g2
        return trace / g2 if g2 > 0 else float(np.inf)


def fit_steps_model(batch_sizes: np.ndarray, steps: np.ndarray) -> tuple[float, float]:
    """(S_min, B_crit) of S(B) = S_min·(1 + B_crit/B) fitted to measured steps, by least squares
    on the relative error of S = a + b/B (so S_min = a, B_crit = b/a): the counts span decades,
    and fitted on their own scale the smallest batch's count alone would set both. NaN for
    B_crit when no positive S_min fits. Needs two batch sizes or more."""
    b = np.asarray(batch_sizes, dtype=np.float64)
    s = np.asarray(steps, dtype=np.float64)
    if len(b) < 2:
        raise ValueError(f"need at least two batch sizes to fit S_min and B_crit, got {len(b)}")
    # (a + b/B_i) / S_i ≈ 1, each row divided by its own count
    design = np.column_stack([1.0 / s, 1.0 / (b * s)])
    (a, slope), *_ = np.linalg.lstsq(design, np.ones_like(s), rcond=None)
    return float(a), float(slope / a) if a > 0 else float("nan")
