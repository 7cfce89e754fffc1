"""Task 1's tables: the canonical files and their check, the tensors the report uses, and the
images per digit."""

from __future__ import annotations

import pandas as pd
import torch

from mnist_sgd.science.data import CANONICAL


def files_table(status: dict[str, str]) -> pd.DataFrame:
    """The canonical files with their expected MD5 and ``status`` (``data.file_status``)."""
    return pd.DataFrame(
        {"file": list(CANONICAL), "expected MD5": list(CANONICAL.values()), "status": [status[n] for n in CANONICAL]}
    )


def tensors_table(tensors: dict[str, torch.Tensor]) -> pd.DataFrame:
    """Each named tensor's shape, dtype and range of values."""
    return pd.DataFrame(
        {
            "tensor": list(tensors),
            "shape": [tuple(t.shape) for t in tensors.values()],
            "dtype": [str(t.dtype).replace("torch.", "") for t in tensors.values()],
            "min": [float(t.min()) for t in tensors.values()],
            "max": [float(t.max()) for t in tensors.values()],
        }
    )


def class_counts(y_train: torch.Tensor, y_test: torch.Tensor, classes: int = 10) -> pd.DataFrame:
    """Images per digit in each set (integer labels), and each digit's share of its set in %."""
    counts = pd.DataFrame(
        {
            "digit": range(classes),
            "train": torch.bincount(y_train, minlength=classes).tolist(),
            "test": torch.bincount(y_test, minlength=classes).tolist(),
        }
    )
    counts["train %"] = 100 * counts["train"] / counts["train"].sum()
    counts["test %"] = 100 * counts["test"] / counts["test"].sum()
    return counts


def counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """``class_counts`` as shown: a row per quantity and a column per digit (two short lines, not
    ten), counts as whole numbers and shares with two decimals."""
    by_digit = counts.set_index("digit").T
    shown = by_digit.apply(
        lambda row: row.map(lambda v: f"{v:,.0f}" if row.name in ("train", "test") else f"{v:.2f}"), axis=1
    )
    return shown.rename_axis("digit").reset_index()
