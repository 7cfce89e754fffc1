"""The linear model's loss, gradient, exact optimum and reference values."""

from __future__ import annotations

import pytest
import torch

from mnist_sgd.science import linear
from mnist_sgd.science.data import load_mnist, one_hot
from mnist_sgd.science.linear import Gram, accuracy, closed_form, eta_max, eta_star, gradient, loss, predict, reference


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def gram(mnist):
    return Gram.from_data(mnist.x_train, one_hot(mnist.y_train))


@pytest.fixture(scope="module")
def ref(mnist, gram):
    return reference(mnist, gram)


def synthetic(n: int, d: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=g, dtype=torch.float64)
    Y = one_hot(torch.randint(10, (n,), generator=g)).to(torch.float64)
    return X, Y


def relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


def test_gradient_matches_autograd():
    X, Y = synthetic(50, 30)
    W = torch.randn(30, 10, dtype=torch.float64, requires_grad=True)
    direct = 0.5 * (X @ W - Y).square().sum() / X.shape[0]
    direct.backward()
    assert relative(gradient(W.detach(), X, Y), W.grad) < 1e-12
    assert loss(W.detach(), X, Y) == pytest.approx(direct.item(), rel=1e-12)


def test_predict_and_accuracy():
    W = torch.eye(3)
    X = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 5.0]])
    assert predict(W, X).tolist() == [0, 1, 2]
    assert accuracy(W, X, torch.tensor([0, 1, 0])) == pytest.approx(2 / 3)


def test_gram_loss_equals_direct_loss_synthetic():
    X, Y = synthetic(300, 40)
    gram = Gram.from_data(X, Y)
    for scale in (0.0, 0.1, 10.0):
        W = scale * torch.randn(40, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        assert gram.loss(W) == pytest.approx(loss(W, X, Y), rel=1e-10, abs=1e-14)
    assert gram.loss_at_zero() == pytest.approx(0.5)


def test_gram_loss_on_mnist_matches_float64_direct_loss(mnist, gram, ref):
    x64 = mnist.x_train.to(torch.float64)
    y64 = one_hot(mnist.y_train).to(torch.float64)
    W_random = 0.01 * torch.randn(784, 10, generator=torch.Generator().manual_seed(0))
    for W in (ref.W_star, ref.W_star.to(torch.float32), W_random):
        assert gram.loss(W) == pytest.approx(loss(W, x64, y64), rel=1e-10)


def null_space(X: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis (columns) of the null space of X, from the eigenvectors of X^T X."""
    values, vectors = torch.linalg.eigh(X.T @ X)
    return vectors[:, values < 1e-9 * values.max()]


def test_closed_form_satisfies_normal_equations(mnist):
    # 2,000 MNIST rows: X^T X is singular (never-lit pixels), so this is the min-norm case too.
    X = mnist.x_train[:2000].to(torch.float64)
    Y = one_hot(mnist.y_train[:2000]).to(torch.float64)
    W = closed_form(X, Y)
    assert W.dtype == torch.float64
    assert relative(X.T @ X @ W, X.T @ Y) < 1e-8
    dark = (X == 0).all(dim=0)
    assert dark.sum() > 0
    assert W[dark].abs().max() < 1e-12  # no weight where the data cannot see: the min-norm one


def test_closed_form_min_norm_when_fewer_samples_than_features(mnist):
    X = mnist.x_train[:300].to(torch.float64)
    Y = one_hot(mnist.y_train[:300]).to(torch.float64)
    W = closed_form(X, Y)
    assert relative(X.T @ X @ W, X.T @ Y) < 1e-8
    assert loss(W, X, Y) < 1e-12  # 300 independent rows: interpolated exactly
    # Minimum norm: W has no null-space component, so any other interpolant is longer.
    null = null_space(X)
    assert null.shape[1] >= 784 - 300
    assert (null.T @ W).norm() < 1e-8 * W.norm()
    other = W + 0.1 * null[:, :10]
    assert loss(other, X, Y) < 1e-12 and other.norm() > W.norm()


def test_reference_values(ref):
    assert 0.195 < ref.train_loss_star < 0.196
    assert 0.85 < ref.test_acc_star < 0.86
    assert 0.84 < ref.train_acc_star < 0.87
    assert 37 < ref.lambda_max < 39
    assert 87 < ref.trace_H < 89
    assert 280 < ref.beta < 310
    assert 700 <= ref.rank_H < 784  # singular: constant-zero pixels
    assert ref.lr_stability == pytest.approx(2 / ref.lambda_max)
    assert ref.m_star == pytest.approx(ref.beta / ref.lambda_max + 1)
    ev = ref.eigenvalues
    assert ev.shape == (784,) and ev[0] == pytest.approx(ref.lambda_max)
    assert (ev[:-1] >= ev[1:]).all() and ev.sum() == pytest.approx(ref.trace_H)
    row = ref.as_dict()
    assert "eigenvalues" not in row and "W_star" not in row
    assert row["lambda_max"] == ref.lambda_max


def test_reference_optimum_is_a_minimum(gram, ref):
    g = torch.Generator().manual_seed(3)
    for _ in range(3):
        direction = torch.randn(784, 10, dtype=torch.float64, generator=g)
        assert gram.loss(ref.W_star + 1e-3 * direction) > ref.train_loss_star


def test_eta_star_and_eta_max():
    beta, lam = 295.0, 38.0
    assert eta_star(1, beta, lam) == pytest.approx(1 / beta)
    assert eta_star(10, beta, lam) == pytest.approx(10 / (beta + 9 * lam))
    assert eta_star(10**9, beta, lam) == pytest.approx(1 / lam, rel=1e-6)
    assert eta_max(7, beta, lam) == pytest.approx(2 * eta_star(7, beta, lam))


def test_the_minimum_norm_fit_is_the_pseudo_inverse_solution():
    g = torch.Generator().manual_seed(3)
    X = torch.rand(6, 9, generator=g, dtype=torch.float64)
    X[:, [2, 7]] = 0.0  # two pixels never lit: left out, weight exactly 0
    Y = one_hot(torch.randint(10, (6,), generator=g)).to(torch.float64)
    fit = linear.LeastSquaresSVD.from_data(X, Y)
    W = fit.minimum_norm()
    assert relative(W, torch.linalg.pinv(X) @ Y) < 1e-12
    assert fit.rank == 6 and int(fit.columns.sum()) == 7 and W[[2, 7]].abs().max() == 0
    assert loss(W, X, Y) < 1e-25  # 6 independent rows, 7 columns: an exact fit
    tall = torch.rand(12, 4, generator=g, dtype=torch.float64)  # more rows than columns: least squares
    Yt = one_hot(torch.randint(10, (12,), generator=g)).to(torch.float64)
    assert relative(linear.LeastSquaresSVD.from_data(tall, Yt).minimum_norm(), torch.linalg.pinv(tall) @ Yt) < 1e-12


def test_gradient_descent_from_the_svd_is_the_loop_and_tends_to_the_fit():
    g = torch.Generator().manual_seed(4)
    X = torch.rand(5, 8, generator=g, dtype=torch.float64)
    Y = one_hot(torch.randint(10, (5,), generator=g)).to(torch.float64)
    fit = linear.LeastSquaresSVD.from_data(X, Y)
    lr, W = 0.3, torch.zeros(8, 10, dtype=torch.float64)
    for _ in range(40):
        W = W - lr * gradient(W, X, Y)
    assert relative(fit.gradient_descent(lr, 40), W) < 1e-12
    assert fit.gradient_descent(lr, 0).abs().max() == 0
    assert relative(fit.gradient_descent(lr, 10**9), fit.minimum_norm()) < 1e-9
    # the slowest direction: n / (lr s_min^2) steps
    assert fit.slowest_steps(lr) == pytest.approx(5 / (lr * fit.s[-1].item() ** 2))


def test_rank_and_the_independent_prefix():
    rows = torch.tensor(
        [[1.0, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=torch.float64
    )  # the third row is the sum of the first two
    assert linear.matrix_rank(rows) == 4 and linear.matrix_rank(rows[:2]) == 2
    assert linear.independent_rows(rows) == 2
    assert linear.independent_rows(rows[[0, 1, 3, 4, 2]]) == 4  # dependent only from the fifth row on
    assert linear.independent_rows(torch.eye(3, dtype=torch.float64)) == 3  # every row independent
    assert linear.matrix_rank(torch.zeros(3, 4)) == 0
    # a row that is independent only through a tiny component still counts (1e-9 of the others)
    tiny = torch.tensor([[1.0, 0], [1.0, 1e-9]], dtype=torch.float64)
    assert linear.matrix_rank(tiny) == 2 and linear.matrix_rank(torch.tensor([[1.0, 0], [1.0, 1e-17]])) == 1
