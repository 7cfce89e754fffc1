"""Networks and the SGD trainer: learning, seeding, divergence, shapes, bookkeeping, the written-out MLP step."""

from __future__ import annotations

import math
import time
import warnings

import pytest
import torch
import torch.nn.functional as F

from mnist_sgd.science import nets
from mnist_sgd.science.data import MNIST, load_mnist


def synthetic(n_train: int = 256, n_test: int = 128, seed: int = 0) -> MNIST:
    """Random 784-pixel images whose label depends on the pixels, so a net can learn it."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_train + n_test, 784, generator=g)
    y = x[:, :10].argmax(1)
    return MNIST(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def mlp_count(widths: list[int]) -> int:
    return sum(a * b + b for a, b in zip(widths, widths[1:]))


def test_tiny_model_overfits_a_small_batch():
    m = load_mnist()
    data = MNIST(m.x_train[:64], m.y_train[:64], m.x_test[:64], m.y_test[:64])
    run = nets.train(nets.mlp((64,), seed=0), data, batch_size=16, lr=0.3, epochs=60, seed=0, device="cpu")
    assert not run.diverged
    assert run.history["train_loss"].iloc[-1] < 0.05
    assert run.history["train_loss"].iloc[-1] < run.history["train_loss"].iloc[0] / 20
    assert run.history["train_acc"].iloc[-1] == 1.0


def test_same_seed_same_losses_other_seed_different():
    data = synthetic()

    def losses(seed: int) -> list[float]:
        return (
            nets.train("mlp32", data, batch_size=32, lr=0.1, epochs=3, seed=seed, device="cpu")
            .history["train_loss"]
            .tolist()
        )

    assert losses(1) == losses(1)
    assert losses(1) != losses(2)


def test_seeded_builders_leave_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a, b = nets.mlp((8,), seed=5), nets.build("mlp8", seed=5)
    assert torch.equal(torch.rand(3), expected)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_huge_learning_rate_is_reported_as_diverged_silently(capfd):
    data = synthetic()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        run = nets.train("mlp16", data, batch_size=32, lr=1e30, epochs=4, seed=0, device="cpu")
    assert run.diverged
    assert run.diverged_at == 1
    assert len(run.history) == run.diverged_at - 1
    summary = run.summary()
    assert summary["diverged"] and summary["diverged_at"] == 1 and math.isnan(summary["final_train_loss"])
    # scored as it stopped: non-finite weights answer one class for every image
    assert not summary["weights_finite"] and 0 <= summary["final_test_acc"] <= 1
    assert summary["best_epoch"] is None and math.isnan(summary["min_train_loss"])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_divergence_keeps_the_epochs_before_it():
    data = synthetic()
    run = nets.train("mlp16", data, batch_size=32, lr=0.05, epochs=2, seed=0, device="cpu")
    assert not run.diverged and run.diverged_at is None and len(run.history) == 2


@pytest.mark.parametrize("hidden", [(512, 256), (128,), (500, 300), ()])
def test_mlp_shape_and_parameter_count(hidden):
    model = nets.mlp(hidden)
    assert model(torch.zeros(5, 784)).shape == (5, 10)
    assert nets.count_parameters(model) == mlp_count([784, *hidden, 10])


def test_mlp_512_256_has_the_stated_parameter_count():
    assert nets.count_parameters(nets.build("mlp512-256")) == 535_818


def test_cnn_shape_and_parameter_count():
    model = nets.build("cnn")
    assert model(torch.zeros(4, 784)).shape == (4, 10)
    conv = (1 * 9 + 1) * 32 + (32 * 9 + 1) * 64
    dense = mlp_count([64 * 5 * 5, 128, 10])  # no padding: 28 -> 26 -> 13 -> 11 -> 5
    assert nets.count_parameters(model) == conv + dense


def test_build_rejects_unknown_names():
    for name in ("resnet", "mlp", "mlp12-x", "mlp0"):
        with pytest.raises(ValueError):
            nets.build(name)


def test_history_columns_summary_and_timing():
    data = synthetic()
    rows = []
    start = time.perf_counter()
    run = nets.train(
        "mlp32",
        data,
        batch_size=16,
        lr=0.1,
        epochs=3,
        seed=0,
        weight_decay=1e-4,
        normalize=True,
        device="cpu",
        progress=rows.append,
    )
    wall = time.perf_counter() - start
    history = run.history
    assert list(history.columns) == nets.HISTORY_COLUMNS
    assert history["epoch"].tolist() == [1, 2, 3]
    assert len(rows) == 3 and rows[-1]["epoch"] == 3
    assert history[["train_acc", "test_acc"]].apply(lambda c: c.between(0, 1)).all().all()
    assert history["train_seconds"].iloc[-1] == pytest.approx(history["epoch_seconds"].sum())
    # Evaluation is timed separately, so training time plus evaluation time fit in the wall time.
    assert history["train_seconds"].iloc[-1] + history["eval_seconds"].sum() <= wall
    summary = run.summary()
    assert summary["arch"] == "mlp32" and summary["epochs"] == 3 and summary["weight_decay"] == 1e-4
    assert summary["parameters"] == mlp_count([784, 32, 10])
    assert summary["final_test_acc"] == history["test_acc"].iloc[-1]
    assert summary["seconds_per_epoch"] == pytest.approx(summary["train_seconds"] / 3)


def test_eval_every_skips_intermediate_evaluations():
    run = nets.train("mlp16", synthetic(), batch_size=64, lr=0.1, epochs=3, seed=0, device="cpu", eval_every=2)
    assert run.history["test_acc"].isna().tolist() == [True, False, False]


def test_training_accuracy_on_a_fixed_subset_until_the_last_epoch(monkeypatch):
    monkeypatch.setattr(nets, "TRAIN_ACC_IMAGES", 100)
    data = synthetic()
    model = nets.build("mlp16", seed=0)
    run = nets.train(model, data, batch_size=64, lr=0.1, epochs=3, seed=0, device="cpu")
    assert run.history["train_acc_images"].tolist() == [100, 100, len(data.x_train)]
    assert run.history["train_acc"].iloc[-1] == nets.accuracy(model.eval(), data.x_train, data.y_train)
    subset = nets.train_acc_subset(len(data.x_train), 100)
    assert subset.tolist() == nets.train_acc_subset(len(data.x_train), 100).tolist()  # the same images every run
    assert len(set(subset.tolist())) == 100 and subset.tolist() != list(range(100))
    assert nets.train_acc_subset(100, 100) is None


def test_cnn_layout_and_pool_order_give_the_textbook_forward():
    model = nets.cnn(seed=0)
    x = torch.rand(8, 784, generator=torch.Generator().manual_seed(0)) * 2 - 1

    def textbook(x: torch.Tensor) -> torch.Tensor:  # NCHW, ReLU before each pooling
        x = x.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(F.conv2d(x, model.conv1.weight.contiguous(), model.conv1.bias)), 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, model.conv2.weight.contiguous(), model.conv2.bias)), 2)
        return model.fc2(F.relu(model.fc1(x.flatten(1))))

    with torch.no_grad():
        torch.testing.assert_close(model(x), textbook(x), rtol=1e-5, atol=1e-6)


def test_device_is_cuda_when_available():
    assert nets.device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_a_run_that_diverges_after_learning_keeps_its_best_epoch_and_is_scored_as_it_stopped():
    data = synthetic()
    model = nets.build("mlp32", seed=0)
    real = nets.manual_epoch

    def blow_up_in_epoch_3(layers, x, y, order, batch_size, lr):
        blow_up_in_epoch_3.calls += 1
        if blow_up_in_epoch_3.calls == 3:
            with torch.no_grad():
                layers[0].weight.fill_(math.nan)
            return math.inf, 1
        return real(layers, x, y, order, batch_size, lr)

    blow_up_in_epoch_3.calls = 0
    nets.manual_epoch, saved = blow_up_in_epoch_3, nets.manual_epoch
    try:
        run = nets.train(model, data, batch_size=32, lr=0.1, epochs=5, seed=0, device="cpu", manual_backward=True)
    finally:
        nets.manual_epoch = saved
    s = run.summary()
    assert run.diverged and run.diverged_at == 3 and len(run.history) == 2
    best = run.history.loc[run.history["test_acc"].idxmax()]
    assert s["best_epoch"] == best["epoch"] and s["best_test_acc"] == best["test_acc"]
    assert s["min_train_loss"] == run.history["train_loss"].min()
    # the best network was kept and scored on the whole training set: that of a run stopped at its epoch
    again = nets.train("mlp32", data, batch_size=32, lr=0.1, epochs=int(s["best_epoch"]), seed=0, device="cpu",
                       manual_backward=True)  # fmt: skip
    assert s["best_train_acc"] == again.summary()["final_train_acc"]
    # the end: NaN weights answer one class for every image
    assert not s["weights_finite"]
    shares = torch.bincount(data.y_test, minlength=10) / len(data.y_test)
    assert any(math.isclose(s["final_test_acc"], float(v)) for v in shares)


def test_the_written_out_step_is_autograds_step_with_torch_sgd():
    data = synthetic()
    for batch, lr in [(32, 0.1), (7, 0.5)]:  # 7: the last batch of an epoch is smaller
        a, b = nets.build("mlp32-16", seed=3), nets.build("mlp32-16", seed=3)
        ra = nets.train(a, data, batch_size=batch, lr=lr, epochs=2, seed=1, device="cpu")
        rb = nets.train(b, data, batch_size=batch, lr=lr, epochs=2, seed=1, device="cpu", manual_backward=True)
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
        assert ra.history["train_loss"].tolist() == pytest.approx(rb.history["train_loss"].tolist(), rel=1e-4)


def test_the_written_out_step_takes_an_mlp_under_plain_sgd_only():
    data = synthetic()
    assert nets.mlp_layers(nets.build("cnn")) is None
    assert [m.out_features for m in nets.mlp_layers(nets.build("mlp32-16"))] == [32, 16, 10]
    with pytest.raises(ValueError):
        nets.train("cnn", data, batch_size=32, lr=0.1, epochs=1, seed=0, device="cpu", manual_backward=True)
    with pytest.raises(ValueError):
        nets.train("mlp16", data, 32, 0.1, 1, 0, weight_decay=1e-4, device="cpu", manual_backward=True)


def test_without_the_subset_the_training_accuracy_is_scored_after_the_last_epoch_only():
    data = synthetic()
    run = nets.train("mlp16", data, 64, 0.1, 3, 0, device="cpu", subset_train_acc=False, score_best=True)
    assert run.history["train_acc_images"].tolist() == [0, 0, len(data.x_train)]
    assert run.history["train_acc"].isna().tolist() == [True, True, False]
    assert run.history["test_acc"].notna().all()
    s = run.summary()
    if s["best_epoch"] == 3:  # the best network is the final one
        assert s["best_train_acc"] == s["final_train_acc"]
    assert 0 <= s["best_train_acc"] <= 1


def test_full_train_scores_give_the_whole_sets_loss_and_accuracy_after_each_epoch():
    data = synthetic()
    model = nets.mlp((32,), seed=0)
    run = nets.train(model, data, batch_size=32, lr=0.1, epochs=3, seed=0, device="cpu", full_train_scores=True)
    h = run.history
    assert h["train_acc_images"].tolist() == [256, 256, 256] and h["full_train_loss"].notna().all()
    # the last row is the trained network scored on the whole training set
    with torch.no_grad():
        logits = model(data.x_train)
    assert h["full_train_loss"].iloc[-1] == pytest.approx(F.cross_entropy(logits, data.y_train).item(), rel=1e-6)
    assert h["train_acc"].iloc[-1] == (logits.argmax(1) == data.y_train).float().mean().item()
    assert run.summary()["final_full_train_loss"] == h["full_train_loss"].iloc[-1]
    # not asked: not measured
    plain = nets.train("mlp32", data, batch_size=32, lr=0.1, epochs=2, seed=0, device="cpu")
    assert plain.history["full_train_loss"].isna().all() and math.isnan(plain.summary()["final_full_train_loss"])
