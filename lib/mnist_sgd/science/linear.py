"""The linear least-squares classifier and its exact reference quantities.

Model: scores ``W^T x`` with ``W`` of shape 784 x 10, no bias; the prediction is the
argmax of the scores. Loss over the N samples used, with one-hot targets ``y``::

    L(W) = 1/(2N) sum_i ||W^T x_i - y_i||^2

Training runs in float32; every reference quantity (optimum, spectrum, exact losses)
is computed in float64. ``Gram`` holds the sufficient statistics of the loss so that
the exact full training loss costs a 784 x 784 by 784 x 10 product, not a data pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from mnist_sgd.science.data import MNIST

# Rows per float64 block when accumulating X^T X: 8192 x 784 doubles is ~50 MB, so the
# full training set is never copied to float64 at once (that would be ~380 MB).
GRAM_BLOCK = 8192


def loss(W: torch.Tensor, X: torch.Tensor, Y: torch.Tensor) -> float:
    """L(W) = ||X W - Y||^2 / (2N), computed directly in the dtype of the inputs."""
    residual = X @ W.to(X.dtype) - Y.to(X.dtype)
    return 0.5 * residual.square().sum().item() / X.shape[0]


def gradient(W: torch.Tensor, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Gradient of ``loss``: X^T (X W - Y) / N."""
    return X.T @ (X @ W - Y) / X.shape[0]


def predict(W: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Predicted labels: the argmax of the ten scores of each row, in the wider of the two dtypes."""
    dtype = torch.promote_types(W.dtype, X.dtype)
    return (X.to(dtype) @ W.to(dtype)).argmax(dim=1)


def accuracy(W: torch.Tensor, X: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction in [0, 1] of rows whose predicted label equals ``labels``."""
    return (predict(W, X) == labels).to(torch.float64).mean().item()


@dataclass(frozen=True)
class Gram:
    """Sufficient statistics of the loss on one data set, in float64.

    ``G = X^T X / N`` (784 x 784), ``C = X^T Y / N`` (784 x 10), ``yy = sum ||y_i||^2 / N``.
    Then ``L(W) = 0.5 * (<W, G W> - 2 <W, C> + yy)`` exactly. The evaluation stays in
    float64 on purpose: in float32 the three terms (each of order 1 near the optimum,
    far larger along the way) cancel down to a loss of about 0.2, and rounding G itself
    to float32 already moves the loss at the optimum by ~1e-8 relative; in float64 the
    same product costs ~1 ms, negligible at a few hundred checkpoints.
    """

    G: torch.Tensor
    C: torch.Tensor
    yy: float
    n: int

    @classmethod
    def from_data(cls, X: torch.Tensor, Y: torch.Tensor) -> Gram:
        """Accumulate the statistics block by block in float64 (one pass over X)."""
        d, k = X.shape[1], Y.shape[1]
        G = torch.zeros(d, d, dtype=torch.float64)
        C = torch.zeros(d, k, dtype=torch.float64)
        yy = 0.0
        for start in range(0, X.shape[0], GRAM_BLOCK):
            xb = X[start : start + GRAM_BLOCK].to(torch.float64)
            yb = Y[start : start + GRAM_BLOCK].to(torch.float64)
            G.addmm_(xb.T, xb)
            C.addmm_(xb.T, yb)
            yy += yb.square().sum().item()
        n = X.shape[0]
        return cls(G / n, C / n, yy / n, n)

    def loss(self, W: torch.Tensor) -> float:
        """The exact loss on the data the Gram was built from (no pass over the data)."""
        W64 = W.to(torch.float64)
        quadratic = (W64 * (self.G @ W64)).sum() - 2.0 * (W64 * self.C).sum()
        return 0.5 * (quadratic.item() + self.yy)

    def loss_at_zero(self) -> float:
        """L(0) = yy / 2 (0.5 for one-hot targets): the scale divergence is judged against."""
        return 0.5 * self.yy

    def eigenvalues(self) -> torch.Tensor:
        """Eigenvalues of the Hessian H = G, ascending."""
        return torch.linalg.eigvalsh(self.G)

    def solve(self) -> torch.Tensor:
        """Minimum-norm minimiser pinv(G) C, in float64.

        Features that are zero in every sample (G_jj = 0: MNIST's never-lit pixels) get
        weight exactly 0 and are left out of the eigendecomposition: otherwise the large
        exactly-null cluster leaks rounding-level components into the eigenvectors of the
        smallest genuine eigenvalues, which 1/lambda then amplifies. On the rest,
        eigenvalues below ``d * eps * lambda_max`` count as zero (the usual pinv cut); on
        MNIST they sit below 1e-17 relative and the next ones above 1e-12 (2,000 rows) or
        2e-11 (all rows), so the cut is not a judgement call.
        """
        active = torch.diagonal(self.G) > 0
        values, vectors = torch.linalg.eigh(self.G[active][:, active])
        inverse = torch.where(values > null_cut(values), 1.0 / values, torch.zeros_like(values))
        W = torch.zeros_like(self.C)
        W[active] = vectors @ (inverse[:, None] * (vectors.T @ self.C[active]))
        return W


def null_cut(values: torch.Tensor) -> float:
    """The eigenvalue below which a symmetric PSD matrix's eigenvalue counts as zero: ``d * eps
    * lambda_max`` in float64, the usual cut of a pseudo-inverse (``Gram.solve``) and a rank."""
    return values.shape[0] * torch.finfo(torch.float64).eps * values.max().clamp(min=0).item()


def rank(values: torch.Tensor) -> int:
    """The rank of a symmetric PSD matrix from its eigenvalues: those above ``null_cut``."""
    return int((values > null_cut(values)).sum().item())


def closed_form(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Least-squares W* in float64, the minimum-norm one whenever X^T X is singular.

    MNIST's X^T X is singular even with all 60,000 rows (constant-zero border pixels),
    and with N < 784 it always is, so the pseudo-inverse is used in every case. It goes
    through the 784 x 784 Gram (one eigendecomposition, ~0.3 s; see ``Gram.solve``)
    rather than an SVD of X, which on the full training set took over 10 s (LAPACK gelsd).
    """
    return Gram.from_data(X, Y).solve()


def svd_cut(s: torch.Tensor, shape: tuple[int, ...]) -> float:
    """The singular value at or below which a matrix of ``shape`` with singular values ``s``
    counts it as zero: ``max(shape) * eps * s_max`` in float64, the usual cut of a rank."""
    return max(shape) * torch.finfo(torch.float64).eps * (s.max().item() if s.numel() else 0.0)


def matrix_rank(X: torch.Tensor) -> int:
    """The rank of X from its singular values in float64 (those above ``svd_cut``); columns
    that are zero in every row are dropped first, which changes no singular value but zero."""
    X = X.to(torch.float64)
    X = X[:, (X != 0).any(dim=0)]
    if X.numel() == 0:
        return 0
    s = torch.linalg.svdvals(X)
    return int((s > svd_cut(s, tuple(X.shape))).sum().item())


def independent_rows(X: torch.Tensor) -> int:
    """The largest n such that the first n rows of X are linearly independent (rank n).

    Once a prefix is dependent every longer one is (a row adds at most one to the rank), so
    the answer is found by bisection, about log2(d) ranks of at most d + 1 rows.
    """
    lo, hi = 0, min(X.shape[0], X.shape[1] + 1)  # the first lo rows are independent; hi: all, or dependent
    if matrix_rank(X[:hi]) == hi:
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if matrix_rank(X[:mid]) == mid else (lo, mid)
    return lo


@dataclass(frozen=True)
class LeastSquaresSVD:
    """The least-squares problem ``X W = Y`` through the thin SVD ``X = U S V^T``, in float64.

    Only the columns of X that are non-zero in some row take part (``columns``): a zero column
    adds nothing, and its weight is 0 in every W below. Singular values at or below ``svd_cut``
    count as zero and are dropped; ``s`` holds the others, descending, ``Vt`` their right
    singular vectors (restricted to ``columns``) and ``UtY`` the targets in their basis.

    Gradient descent on ``L(W) = ||X W - Y||^2 / (2n)`` from W = 0 with step ``lr`` moves each
    singular direction independently: its component is multiplied by ``1 - (1 - lr s^2/n)^t``
    of its limit ``u^T Y / s`` after t steps. So the iterate at any t (``gradient_descent``) and
    its limit, the minimum-norm least-squares fit ``X^+ Y`` (``minimum_norm``), are exact. SGD
    from W = 0 with batches drawn uniformly with replacement has expected iterate equal to the
    gradient-descent one at the same step and t (its batch gradient is unbiased and linear in W).
    Unlike the ``Gram`` route, the SVD does not square the singular values, so directions with
    s down to ~1e-10 s_max stay resolved (on the Gram they fall under the eigenvalue cut).
    """

    columns: torch.Tensor
    s: torch.Tensor
    Vt: torch.Tensor
    UtY: torch.Tensor
    n: int

    @classmethod
    def from_data(cls, X: torch.Tensor, Y: torch.Tensor) -> LeastSquaresSVD:
        X64, Y64 = X.to(torch.float64), Y.to(torch.float64)
        columns = (X64 != 0).any(dim=0)
        U, s, Vt = torch.linalg.svd(X64[:, columns], full_matrices=False)
        keep = s > svd_cut(s, (X64.shape[0], int(columns.sum().item())))
        return cls(columns, s[keep], Vt[keep], U[:, keep].T @ Y64, X64.shape[0])

    @property
    def rank(self) -> int:
        return int(self.s.shape[0])

    def _weights(self, factors: torch.Tensor) -> torch.Tensor:
        """W = V diag(factors) U^T Y, zero on the unused columns (d x k)."""
        W = torch.zeros(self.columns.shape[0], self.UtY.shape[1], dtype=torch.float64)
        W[self.columns] = self.Vt.T @ (factors[:, None] * self.UtY)
        return W

    def minimum_norm(self) -> torch.Tensor:
        """The minimum-norm least-squares fit ``X^+ Y``: the limit of gradient descent (and of
        SGD) from W = 0 at any stable constant step."""
        return self._weights(1.0 / self.s)

    def gradient_descent(self, lr: float, t: int) -> torch.Tensor:
        """Full-batch gradient descent from W = 0 after ``t`` steps of ``lr``, exactly (a
        direction with lr s^2/n > 2 diverges, as gradient descent does)."""
        decay = (1.0 - lr * self.s.square() / self.n) ** t
        return self._weights((1.0 - decay) / self.s)

    def slowest_steps(self, lr: float) -> float:
        """Steps of ``lr`` after which the slowest direction (the smallest non-zero singular
        value) is still a share 1/e from its limit: n / (lr s_min^2), for lr s_min^2/n small."""
        return self.n / (lr * self.s[-1].item() ** 2)


def eta_star(B: int, beta: float, lambda_max: float) -> float:
    """Optimal constant step size of minibatch-B SGD on a quadratic loss.

    ``eta*(B) = B / (beta + (B - 1) lambda_max)`` with ``beta = max_i ||x_i||^2`` and
    ``lambda_max`` the top eigenvalue of the Hessian: Ma, Bassily & Belkin, "The Power of
    Interpolation: Understanding the Effectiveness of SGD in Modern Over-parametrized
    Learning", ICML 2018. At B = 1 it is 1 / beta; for large B it tends to 1 / lambda_max.
    """
    return B / (beta + (B - 1) * lambda_max)


def eta_max(B: int, beta: float, lambda_max: float) -> float:
    """The step-size limit ``2 eta*(B) = 2 B / (beta + (B - 1) lambda_max)`` of the same paper.

    For the quadratic loss the paper's per-step contraction factor of E||w - w*||^2 is
    below 1 exactly for step sizes under this value; it is a worst-case bound (through
    beta), so in practice SGD may still converge somewhat above it. For B -> infinity
    it tends to gradient descent's limit 2 / lambda_max.
    """
    return 2.0 * eta_star(B, beta, lambda_max)


@dataclass(frozen=True)
class Reference:
    """Exact quantities of the full training set, all in float64.

    ``eigenvalues`` (descending) and ``W_star`` are kept for plots and distances to the
    optimum; ``as_dict`` leaves them out so the rest fits in a one-row table.
    """

    n_train: int
    train_loss_star: float
    train_acc_star: float
    test_acc_star: float
    lambda_max: float
    trace_H: float
    rank_H: int
    beta: float
    lr_stability: float  # 2 / lambda_max: full gradient descent diverges above it
    m_star: float  # beta / lambda_max + 1, the paper's critical batch size
    eigenvalues: np.ndarray
    W_star: torch.Tensor

    def as_dict(self) -> dict[str, Any]:
        """The scalar fields (everything but ``eigenvalues`` and ``W_star``)."""
        skip = {"eigenvalues", "W_star"}
        return {k: v for k, v in self.__dict__.items() if k not in skip}


def reference(mnist: MNIST, gram: Gram | None = None) -> Reference:
    """The reference values of the full training set; pass ``gram`` if one is already built.

    The Gram pass over the data dominates (~2-4 s on 2 cores, depending on load); the
    two eigendecompositions (spectrum, minimum-norm optimum) take ~0.3 s each.
    """
    from mnist_sgd.science.data import one_hot

    if gram is None:
        gram = Gram.from_data(mnist.x_train, one_hot(mnist.y_train))
    values = gram.eigenvalues()
    W_star = gram.solve()
    lambda_max = values[-1].item()
    x64 = mnist.x_train.to(torch.float64)
    beta = x64.square().sum(dim=1).max().item()
    trace = torch.trace(gram.G).item()
    return Reference(
        n_train=gram.n,
        train_loss_star=gram.loss(W_star),
        train_acc_star=accuracy(W_star, x64, mnist.y_train),
        test_acc_star=accuracy(W_star, mnist.x_test, mnist.y_test),
        lambda_max=lambda_max,
        trace_H=trace,
        rank_H=rank(values),
        beta=beta,
        lr_stability=2.0 / lambda_max,
        m_star=beta / lambda_max + 1.0,
        eigenvalues=values.flip(0).numpy(),
        W_star=W_star,
    )
