"""The sentences tasks share follow the numbers they are given."""

from __future__ import annotations

from mnist_sgd.science.dataset import TRAIN_IMAGES
from mnist_sgd.show.commentary import quick_look_text


def test_the_quick_look_warning_names_the_images_and_is_left_out_on_the_whole_training_set():
    assert quick_look_text(5000) == (
        "**Quick look:** trained on the first 5,000 training images only; the accuracies below are not comparable "
        "with the reference figures."
    )
    assert "the first 59,999 training images" in (quick_look_text(TRAIN_IMAGES - 1) or "")
    assert quick_look_text(TRAIN_IMAGES) is None
