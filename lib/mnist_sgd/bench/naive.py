"""Naive reference loops, written the way hand-made student notebooks write them.

They exist only to be timed against the library (``python -m mnist_sgd.bench.cli``): plain
numpy with one Python iteration per step, ``W = W - lr * grad`` (a fresh array each
step), and the curves measured at every iteration by recomputing the products from
scratch. They compute the same quantities as the library (``tests/test_bench.py``
checks it on a tiny problem), so a speed-up against them is not bought by skipping work.

* ``sgd_test_every_iteration`` -- reference (a): after each step, the test accuracy.
* ``sgd_full_every_iteration`` -- reference (b): after each step, the full training loss,
  the training accuracy and the test accuracy.
* ``mlp_dataloader_steps`` -- the usual PyTorch loop over a ``DataLoader`` of
  ``torchvision.datasets.MNIST`` with ``ToTensor()``, for the MLP comparison.
"""

from __future__ import annotations

import numpy as np


def _batches(n: int, batch_size: int, iterations: int, seed: int, indices: np.ndarray | None):
    rng = np.random.default_rng(seed)
    for t in range(iterations):
        yield indices[t] if indices is not None else rng.integers(0, n, size=batch_size)


def sgd_test_every_iteration(X, Y, X_test, y_test, batch_size, lr, iterations, seed=0, indices=None):
    """Reference (a): minibatch SGD on the least-squares loss, test accuracy after every step.

    ``X`` (N x 784) and ``Y`` (N x 10, one-hot) are float32 numpy arrays, ``y_test`` the
    integer labels. ``indices`` (iterations x B) replaces the random batches. Returns the
    final W and {"test_acc": [one value per iteration]}.
    """
    n, d = X.shape
    W = np.zeros((d, Y.shape[1]), dtype=np.float32)
    history = {"test_acc": []}
    for idx in _batches(n, batch_size, iterations, seed, indices):
        Xb = X[idx]
        Yb = Y[idx]
        grad = Xb.T @ (Xb @ W - Yb) / batch_size
        W = W - lr * grad
        predictions = np.argmax(X_test @ W, axis=1)
        history["test_acc"].append(np.mean(predictions == y_test))
    return W, history


def sgd_full_every_iteration(X, Y, X_test, y_test, batch_size, lr, iterations, seed=0, indices=None):
    """Reference (b): as (a), plus the full training loss and training accuracy after every step.

    The training scores are computed once per step and used for both (a student would
    often compute them twice; this reference is the kinder version). Returns the final W
    and {"train_loss", "train_acc", "test_acc": [one value per iteration]}.
    """
    n, d = X.shape
    labels = np.argmax(Y, axis=1)
    W = np.zeros((d, Y.shape[1]), dtype=np.float32)
    history = {"train_loss": [], "train_acc": [], "test_acc": []}
    for idx in _batches(n, batch_size, iterations, seed, indices):
        Xb = X[idx]
        Yb = Y[idx]
        grad = Xb.T @ (Xb @ W - Yb) / batch_size
        W = W - lr * grad
        scores = X @ W
        history["train_loss"].append(0.5 * np.sum((scores - Y) ** 2) / n)
        history["train_acc"].append(np.mean(np.argmax(scores, axis=1) == labels))
        history["test_acc"].append(np.mean(np.argmax(X_test @ W, axis=1) == y_test))
    return W, history


def mlp_dataloader_steps(model, optimizer, loader, steps: int) -> float:
    """``steps`` SGD steps of the usual loop over a DataLoader; returns the mean loss.

    The loop a tutorial writes: fetch a batch, flatten it, forward, cross-entropy,
    ``zero_grad``, ``backward``, ``step``, and add ``loss.item()`` to a running total.
    A new pass over the loader starts (reshuffled) if ``steps`` exceeds one epoch.
    """
    import torch.nn.functional as F

    running, done = 0.0, 0
    while done < steps:
        for images, labels in loader:
            loss = F.cross_entropy(model(images.view(images.shape[0], -1)), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item()
            done += 1
            if done == steps:
                break
    return running / max(done, 1)
