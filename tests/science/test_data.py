"""Data verification, the IDX format and the restricted unpickler."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle

import numpy as np
import pytest

from mnist_sgd.science import data


def test_idx_roundtrip(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "tiny-idx3-ubyte"
    path.write_bytes(data.idx_bytes(array))
    assert np.array_equal(data.read_idx(path), array)


def test_truncated_idx_is_refused(tmp_path):
    path = tmp_path / "tiny-idx3-ubyte"
    path.write_bytes(data.idx_bytes(np.zeros((4, 5), dtype=np.uint8))[:-1])
    with pytest.raises(data.DataError, match="header says"):
        data.read_idx(path)


def _fake_canonical(monkeypatch, tmp_path):
    """Two tiny files standing in for the canonical ones, with their MD5s."""
    payloads = {
        "a-idx1-ubyte": data.idx_bytes(np.arange(10, dtype=np.uint8)),
        "b-idx3-ubyte": data.idx_bytes(np.ones((2, 2, 2), dtype=np.uint8)),
    }
    monkeypatch.setattr(data, "CANONICAL", {n: hashlib.md5(p).hexdigest() for n, p in payloads.items()})
    return payloads


def test_corrupted_file_is_detected_and_replaced_from_a_folder(tmp_path, monkeypatch):
    payloads = _fake_canonical(monkeypatch, tmp_path)
    raw, source = tmp_path / "raw", tmp_path / "source"
    raw.mkdir()
    source.mkdir()
    for name, payload in payloads.items():
        (raw / name).write_bytes(payload)
        (source / f"{name}.gz").write_bytes(gzip.compress(payload))
    damaged = bytearray(payloads["b-idx3-ubyte"])
    damaged[-1] ^= 0xFF
    (raw / "b-idx3-ubyte").write_bytes(bytes(damaged))
    assert data.file_status(raw)["b-idx3-ubyte"].startswith("corrupt")

    monkeypatch.setenv(data.SOURCE_ENV, str(source))
    lines = []
    data.ensure_data(raw, log=lines.append, sources=("folder",))
    assert all(state == "ok" for state in data.file_status(raw).values())
    assert any("corrupt" in line for line in lines)
    assert not [p for p in raw.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_no_source_gives_a_clear_error_and_no_partial_file(tmp_path, monkeypatch):
    _fake_canonical(monkeypatch, tmp_path)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a-idx1-ubyte").write_bytes(b"half a file")
    with pytest.raises(data.DataError) as err:
        data.ensure_data(raw, log=lambda _: None, sources=())
    message = str(err.value)
    assert "a-idx1-ubyte" in message and data.CANONICAL["a-idx1-ubyte"] in message
    assert data.SOURCE_ENV in message
    assert os.listdir(raw) == []


def test_wrong_file_in_source_folder_is_not_installed(tmp_path, monkeypatch):
    _fake_canonical(monkeypatch, tmp_path)
    raw, source = tmp_path / "raw", tmp_path / "source"
    source.mkdir()
    (source / "a-idx1-ubyte").write_bytes(b"not the right bytes")
    monkeypatch.setenv(data.SOURCE_ENV, str(source))
    with pytest.raises(data.DataError):
        data.ensure_data(raw, log=lambda _: None, sources=("folder",))
    assert not (raw / "a-idx1-ubyte").exists()


def test_unpickler_accepts_numpy_arrays():
    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.arange(3))
    loaded = data.load_numpy_pickle(pickle.dumps(arrays, protocol=4))
    assert all(np.array_equal(a, b) for a, b in zip(arrays, loaded))


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_unpickler_refuses_other_globals():
    with pytest.raises(pickle.UnpicklingError, match="system"):
        data.load_numpy_pickle(pickle.dumps(_Exploit()))


def test_idx_from_pickle_rebuilds_exact_pixels():
    pixels = np.array([[0, 1, 128, 255]], dtype=np.uint8).repeat(196, axis=0).reshape(1, 784)
    stored = (pixels / 256).astype(np.float32)
    labels = np.array([7], dtype=np.int64)
    payload = gzip.compress(pickle.dumps(((stored, labels), (stored, labels), (stored, labels)), protocol=4))
    files = data.idx_from_pickle(payload)
    images = np.frombuffer(files["train-images-idx3-ubyte"][16:], dtype=np.uint8).reshape(-1, 784)
    assert images.shape == (2, 784) and np.array_equal(images[0], pixels[0])
    assert files["t10k-labels-idx1-ubyte"][8:] == bytes([7])


def test_real_data_verifies_and_loads():
    status = data.file_status(data.paths.RAW)
    assert all(state == "ok" for state in status.values()), status
    mnist = data.load_mnist()
    assert tuple(mnist.x_train.shape) == (60000, 784) and tuple(mnist.x_test.shape) == (10000, 784)
    assert 0.0 <= float(mnist.x_train.min()) and float(mnist.x_train.max()) <= 1.0
    assert tuple(data.one_hot(mnist.y_train).shape) == (60000, 10)
