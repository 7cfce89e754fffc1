"""Task 1's commentary: the range of the inputs, the one-hot labels and the class balance,
each sentence written from the tensors and the table the section computed."""

from __future__ import annotations

import pandas as pd


def tensors_text(pixel_min: float, pixel_max: float, one_hot_rows: bool, roundtrip: bool, images: int) -> str:
    """What the tensors hold: the range of the pixels, whether every one-hot row sums to one
    (``one_hot_rows``) and whether its argmax gives back the label (``roundtrip``) for all
    ``images``."""
    sums = "every one-hot row sums to one" if one_hot_rows else "NOT every one-hot row sums to one"
    back = "gives back" if roundtrip else "does NOT always give back"
    return (
        f"Pixels lie in [{pixel_min:g}, {pixel_max:g}]; {sums}, and its argmax {back} the integer label, for all "
        f"{images:,} images."
    )


def balance_text(counts: pd.DataFrame) -> str:
    """The rarest and the most common digit of the training set (``counts``:
    ``tables_data.class_counts``)."""
    rare, common = counts.loc[counts["train"].idxmin()], counts.loc[counts["train"].idxmax()]
    return (
        f"The classes are close to balanced: in the training set the rarest digit is "
        f"{int(rare['digit'])} ({rare['train %']:.2f}%) and the most common is {int(common['digit'])} "
        f"({common['train %']:.2f}%)."
    )
