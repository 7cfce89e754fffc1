"""Task 1's tables and sentences, and the provenance appendix's, follow what they are given."""

from __future__ import annotations

import torch

from mnist_sgd.science.data import CANONICAL
from mnist_sgd.tasks.data.commentary import balance_text, tensors_text
from mnist_sgd.tasks.data.tables import class_counts, counts_table, files_table, tensors_table


def test_the_files_table_gives_each_file_its_status():
    status = {name: "ok" for name in CANONICAL} | {next(iter(CANONICAL)): "missing"}
    shown = files_table(status)
    assert list(shown["file"]) == list(CANONICAL) and list(shown["expected MD5"]) == list(CANONICAL.values())
    assert list(shown["status"]) == ["missing", "ok", "ok", "ok"]


def test_the_tensors_table_and_text_state_shapes_and_ranges():
    shown = tensors_table({"X": torch.tensor([[0.0, 0.5], [1.0, 0.25]]), "y": torch.tensor([3, 7])})
    assert shown.to_dict("list") == {
        "tensor": ["X", "y"],
        "shape": [(2, 2), (2,)],
        "dtype": ["float32", "int64"],
        "min": [0.0, 3.0],
        "max": [1.0, 7.0],
    }
    text = tensors_text(True, False, 70000)
    assert text == (
        "Every one-hot row sums to one, and its argmax does NOT always give back the integer label, for all "
        "70,000 images."
    )
    assert "its argmax gives back the integer label" in tensors_text(True, True, 70000)
    assert tensors_text(False, True, 5).startswith("NOT every one-hot row sums to one")


def test_the_class_counts_and_the_balance_name_the_rarest_and_the_most_common_digit():
    counts = class_counts(torch.tensor([0, 1, 1, 2, 2, 2]), torch.tensor([0, 2]), classes=3)
    assert list(counts["train"]) == [1, 2, 3] and list(counts["test"]) == [1, 0, 1]
    assert list(counts["test %"]) == [50.0, 0.0, 50.0]
    text = balance_text(counts, "[in the detail](#x)")
    assert text.endswith(
        "the rarest, 0, makes 16.67% of the images and the most common, 2, 50.00% (every count [in the detail](#x))."
    )


def test_the_counts_table_has_a_column_per_digit():
    counts = class_counts(torch.tensor([0, 1, 1, 2, 2, 2]), torch.tensor([0, 2]), classes=3)
    shown = counts_table(counts)
    assert list(shown.columns) == ["digit", 0, 1, 2]
    assert list(shown["digit"]) == ["train", "test", "train %", "test %"]
    assert list(shown[2]) == ["3", "1", "50.00", "50.00"]
