"""How the PDF sizes what it prints."""

from __future__ import annotations

import math

from mnist_sgd.stitch import pdf
from mnist_sgd.stitch.pdf import figure_width


def test_a_tall_figure_prints_narrower_so_that_it_is_at_most_figure_height_tall():
    def png(width: int, height: int) -> bytes:
        return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big")

    assert figure_width(png(770, 330)) == pdf.FIGURE_WIDTH  # 7 x 3 in drawn: as wide as allowed
    assert figure_width(png(220, 110)) == 2.0  # small: as drawn
    tall = figure_width(png(770, 770))  # 7 x 7 in drawn
    assert math.isclose(tall, pdf.FIGURE_HEIGHT) and tall < pdf.FIGURE_WIDTH
