"""Task 1's commentary: the one-hot labels and the class balance, each sentence written from
the tensors and the table the section computed."""

from __future__ import annotations

import pandas as pd


def tensors_text(one_hot_rows: bool, roundtrip: bool, images: int) -> str:
    """What the label tensors hold: whether every one-hot row sums to one (``one_hot_rows``) and
    whether its argmax gives back the label (``roundtrip``), for all ``images``. The pixels'
    range is the table's to show."""
    sums = "Every one-hot row sums to one" if one_hot_rows else "NOT every one-hot row sums to one"
    back = "gives back" if roundtrip else "does NOT always give back"
    return f"{sums}, and its argmax {back} the integer label, for all {images:,} images."


def balance_text(counts: pd.DataFrame, detail: str) -> str:
    """The rarest and the most common digit of the training set (``counts``:
    ``tables.class_counts``), with ``detail``, the link to the table of every count."""
    rare, common = counts.loc[counts["train"].idxmin()], counts.loc[counts["train"].idxmax()]
    return (
        f"The digits are close to balanced: in the training set the rarest, {int(rare['digit'])}, makes "
        f"{rare['train %']:.2f}% of the images and the most common, {int(common['digit'])}, "
        f"{common['train %']:.2f}% (every count {detail})."
    )
