"""The PyTorch version of the classifier: the learning-rate conversion and the equivalence
with the hand-written SGD on the same batches."""

from __future__ import annotations

import pytest
import torch

from mnist_sgd.science import framework
from mnist_sgd.science.data import load_mnist, one_hot
from mnist_sgd.science.sgd import CURVE_COLUMNS, Evaluator, checkpoint_schedule, train_sgd

STEPS, BATCH, LR = 1000, 100, 0.01


@pytest.fixture(scope="module")
def data():
    m = load_mnist()
    return m.x_train, one_hot(m.y_train)


@pytest.fixture(scope="module")
def same_batches(data):
    """1000 steps of B = 100 drawn once, and the hand-written run over them."""
    x, y = data
    indices = torch.randint(x.shape[0], (STEPS, BATCH), generator=torch.Generator().manual_seed(0))
    evaluator = Evaluator(x[:1000], y[:1000].argmax(dim=1))  # unused for W; a small one is cheap to build
    hand = train_sgd(x, y, BATCH, LR, STEPS, seed=0, checkpoints=2, evaluator=evaluator, indices=indices)
    return indices, hand.W.to(torch.float64)


def relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a.to(torch.float64) - b).norm() / b.norm()).item()


def test_lr_factor_is_five_for_ten_outputs():
    assert framework.lr_factor() == 5
    assert framework.lr_factor(4) == 2


def test_mse_gradient_is_a_fifth_of_ours():
    x = load_mnist().x_train[:100].to(torch.float64)
    y = one_hot(load_mnist().y_train[:100]).to(torch.float64)
    W = 0.01 * torch.randn(784, 10, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ratio, deviation = framework.gradient_ratio(*framework.loss_gradients(W, x, y))
    assert ratio == pytest.approx(2 / 10, abs=1e-6)
    assert deviation < 1e-12


def test_the_gradient_ratio_measures_the_factor_and_the_worst_entry():
    ours = torch.tensor([[1.0, -2.0], [0.5, 4.0]], dtype=torch.float64)
    assert framework.gradient_ratio(ours, ours) == (1.0, 0.0)  # k = 2: the predicted factor 2/k is 1
    off = ours.clone()
    off[1, 1] = 5.0  # one entry a quarter of the largest entry away from the prediction
    ratio, deviation = framework.gradient_ratio(ours, off)
    assert ratio == pytest.approx((1 + 4 + 0.25 + 20) / (1 + 4 + 0.25 + 16))
    assert deviation == pytest.approx(0.25)
    three = torch.ones(4, 3, dtype=torch.float64)  # k = 3: the prediction is 2/3
    assert framework.gradient_ratio(three, 0.5 * three) == pytest.approx((0.5, 2 / 3 - 0.5))


def test_framework_with_the_factor_matches_the_hand_written_sgd(data, same_batches):
    x, y = data
    indices, W_hand = same_batches
    W = framework.train_framework_same_batches(x, y, indices, LR)
    assert W.shape == (784, 10)
    assert relative(W, W_hand) < 1e-5


def test_framework_without_the_factor_does_not_match(data, same_batches):
    x, y = data
    indices, W_hand = same_batches
    W = framework.train_framework_same_batches(x, y, indices, LR, factor=1.0)
    assert relative(W, W_hand) > 0.1


def test_idiomatic_loop_records_comparable_curves():
    m = load_mnist()
    x, labels = m.x_train[:1000], m.y_train[:1000]
    evaluator = Evaluator(x, labels, m.x_test[:1000], m.y_test[:1000], train_acc_samples=None)
    run = framework.train_framework(x, one_hot(labels), 100, LR, 50, seed=3, checkpoints=8, evaluator=evaluator)
    again = framework.train_framework(x, one_hot(labels), 100, LR, 50, seed=3, checkpoints=8, evaluator=evaluator)
    c = run.curves
    assert list(c.columns) == CURVE_COLUMNS
    assert c["t"].tolist() == checkpoint_schedule(50, 8).tolist()
    assert c["train_loss"].iloc[0] == pytest.approx(0.5) and c["train_loss"].iloc[-1] < 0.4
    assert c["train_seconds"].is_monotonic_increasing and run.train_seconds == c["train_seconds"].iloc[-1]
    assert not run.diverged and torch.equal(run.W, again.W)  # 50 steps = 5 epochs of 10 batches, seeded


def test_the_rate_passed_unconverted_takes_the_steps_of_a_rate_five_times_smaller():
    m = load_mnist()
    x, labels = m.x_train[:1000], m.y_train[:1000]
    evaluator = Evaluator(x, labels, m.x_test[:1000], m.y_test[:1000], train_acc_samples=None)
    y = one_hot(labels)
    unconverted = framework.train_framework(x, y, 100, LR, 30, seed=2, checkpoints=2, evaluator=evaluator, factor=1.0)
    smaller = framework.train_framework(x, y, 100, LR / 5, 30, seed=2, checkpoints=2, evaluator=evaluator)
    converted = framework.train_framework(x, y, 100, LR, 30, seed=2, checkpoints=2, evaluator=evaluator)
    assert relative(unconverted.W, smaller.W.to(torch.float64)) < 1e-6
    assert relative(unconverted.W, converted.W.to(torch.float64)) > 0.1
    # the minibatch loss is in this report's convention whatever rate the optimiser was given
    batch = unconverted.curves["batch_loss"].iloc[-1]
    full_loss = 0.5 * (x @ unconverted.W - y).square().sum(1).mean().item()
    assert batch == pytest.approx(full_loss, rel=0.5)  # a fifth of it if read with the factor given
