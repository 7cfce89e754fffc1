"""How the PDF sizes what it prints."""

from __future__ import annotations

import math

from mnist_sgd.stitch import pdf
from mnist_sgd.stitch.pdf import figure_width, split_heading


def test_a_tall_figure_prints_narrower_so_that_it_is_at_most_figure_height_tall():
    def png(width: int, height: int) -> bytes:
        return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big")

    assert figure_width(png(770, 330)) == pdf.FIGURE_WIDTH  # 7 x 3 in drawn: as wide as allowed
    assert figure_width(png(220, 110)) == 2.0  # small: as drawn
    tall = figure_width(png(770, 770))  # 7 x 7 in drawn
    assert math.isclose(tall, pdf.FIGURE_HEIGHT) and tall < pdf.FIGURE_WIDTH


def test_a_heading_ends_a_part_or_not():
    assert split_heading("Some text.\n\n#### Figures {.unlisted}") == ("Some text.", "#### Figures {.unlisted}")
    assert split_heading("#### Alone") == ("", "#### Alone")
    assert split_heading("#### A heading\n\nthen text.") == ("#### A heading\n\nthen text.", None)


def test_a_section_of_the_contents_begins_after_the_figures_of_the_one_before():
    section = pdf.markdown_cell('<a id="04_batch_size_summary"></a>\n\n## Task 4')
    assert section.index("#place.flush()") < section.index("## Task 4 {#04_batch_size_summary}")
    assert "flush" not in pdf.markdown_cell("### A figure's heading") and "{.unlisted}" in pdf.markdown_cell("### A")


def test_an_apostrophe_after_a_digit_stays_an_apostrophe_outside_raw_text():
    source = "Task 4's answer, `x = '4's'` and\n```\nf'{n}'s\n```\nthe seeds' spread"
    assert pdf.typeset_numbers(source) == "Task 4\u2019s answer, `x = '4's'` and\n```\nf'{n}'s\n```\nthe seeds' spread"


def test_a_hyphen_before_a_number_is_a_minus_sign_but_not_in_code_or_a_length():
    source = "from 39.3 to -0.3, [-57.15], (-0.36 points), 500-300, 9--77\n#block(inset: (top: -0.4em))\n`beta=-1 -2`"
    assert pdf.typeset_numbers(source) == (
        "from 39.3 to \u22120.3, [\u221257.15], (\u22120.36 points), 500-300, 9--77\n"
        "#block(inset: (top: -0.4em))\n`beta=-1 -2`"
    )
