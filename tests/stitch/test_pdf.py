"""How the PDF sizes and places what it prints."""

from __future__ import annotations

import base64
import math

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from mnist_sgd.stitch import pdf, run_prose
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
    source = "Task 4's answer, `x = '4's'` and\n```\nf'{n}'s\n```\nthe spread"
    assert pdf.typeset_numbers(source) == "Task 4\u2019s answer, `x = '4's'` and\n```\nf'{n}'s\n```\nthe spread"


def test_a_hyphen_before_a_number_is_a_minus_sign_but_not_in_code_or_a_length():
    source = (
        "from 39.3 to -0.3, [-57.15], (-0.36 points), 500-300, 9--77\n\\-0.58 points\n"
        "#block(inset: (top: -0.4em))\n`beta=-1 -2`"
    )
    assert pdf.typeset_numbers(source) == (
        "from 39.3 to \u22120.3, [\u221257.15], (\u22120.36 points), 500-300, 9--77\n\u22120.58 points\n"
        "#block(inset: (top: -0.4em))\n`beta=-1 -2`"
    )


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (770).to_bytes(4, "big") * 2).decode()
TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n\n: A short table."


def output(text: str | None = None) -> object:
    data = {"text/markdown": text} if text else {"image/png": PNG}
    return new_output("display_data", data=data)


def figure_cell(caption: str) -> object:
    return new_code_cell("plot()", outputs=[output(), output(f"**Figure.** {caption}")])


def test_a_short_table_stays_in_the_flow_on_one_page_and_a_long_one_may_break(tmp_path):
    long = "| a |\n|---|\n" + "\n".join(f"| {i} |" for i in range(pdf.LONG_TABLE)) + "\n\n: A long table."
    cells = [
        new_markdown_cell("Text before."),
        new_code_cell("t()", outputs=[output(TABLE)]),
        new_code_cell("t()", outputs=[output(long)]),
    ]
    markdown = pdf.to_markdown(new_notebook(cells=cells), tmp_path)
    assert "float" not in markdown
    short = markdown.index("A short table.")
    assert markdown.rindex(pdf.UNBREAKABLE, 0, short) > markdown.index("Text before.")
    assert markdown.rindex(pdf.BREAKABLE, 0, markdown.index("A long table.")) > short


def test_a_section_heading_stays_in_the_flow_and_a_figure_near_it_stays_with_its_own_title(tmp_path):
    cells = [
        new_markdown_cell('<a id="05_summary"></a>\n\n### Across all sizes'),
        new_markdown_cell("Text of the section."),
        new_markdown_cell("#### Its own title"),
        figure_cell("A figure in the middle."),
        new_markdown_cell("More text."),
    ]
    markdown = pdf.to_markdown(new_notebook(cells=cells), tmp_path)
    # near its section's heading: in the flow, so that it never rises above the heading
    kept = markdown.index(pdf.UNBREAKABLE)
    assert "float" not in markdown
    assert markdown.index("Across all sizes {#05_summary}") < markdown.index("Text of the section.") < kept
    assert kept < markdown.index("Its own title") < markdown.index("A figure in the middle.")


def test_a_figure_floats_freely_only_a_page_or_more_after_its_tasks_heading(tmp_path):
    prose = "A sentence of the section's text. " * 20  # about 700 characters
    cells = [
        new_markdown_cell('<a id="s1"></a>\n\n## One'),
        new_markdown_cell(prose),
        figure_cell("Near the heading."),
        *[new_markdown_cell(prose) for _ in range(6)],
        figure_cell("Pages on."),
    ]
    markdown = pdf.to_markdown(new_notebook(cells=cells), tmp_path)
    # the float's block is unbreakable too: one in the flow, one inside the float
    assert markdown.count(pdf.UNBREAKABLE) == 2 and markdown.count(pdf.KEEP_TOGETHER) == 1
    assert markdown.index(pdf.UNBREAKABLE) < markdown.index("Near the heading.") < markdown.index(pdf.KEEP_TOGETHER)


def test_an_appendix_starts_a_page_once_its_figures_are_set_and_a_task_does_not(tmp_path):
    cells = [
        new_markdown_cell('<a id="00"></a>\n\n## Summary'),
        new_markdown_cell('<a id="s1"></a>\n\n## Task 1: one'),
        new_markdown_cell('<a id="s1b"></a>\n\n### Part of one'),
        new_markdown_cell('<a id="s2"></a>\n\n## Task 2: two'),
        new_markdown_cell('<a id="a1"></a>\n\n## Appendix: detail'),
    ]
    markdown = pdf.to_markdown(new_notebook(cells=cells), tmp_path)
    assert markdown.count(pdf.NEW_PAGE) == 1  # the tasks follow on, their subsections too
    assert markdown.index(pdf.FLUSH + "\n\n" + pdf.NEW_PAGE) < markdown.index("## Appendix")
    assert markdown.index("## Task 2") < markdown.index(pdf.NEW_PAGE)


def test_a_figure_that_opens_or_ends_a_section_is_set_in_the_flow(tmp_path):
    cells = [
        new_markdown_cell('<a id="s1"></a>\n\n## One'),
        figure_cell("Opens the section."),
        new_markdown_cell("Text."),
        figure_cell("Ends the section."),
        new_markdown_cell('<a id="s2"></a>\n\n## Two'),
    ]
    markdown = pdf.to_markdown(new_notebook(cells=cells), tmp_path)
    assert pdf.KEEP_TOGETHER not in markdown and markdown.count(pdf.UNBREAKABLE) == 2
    assert markdown.index("## One {#s1}") < markdown.index("Opens the section.") < markdown.index("Text.")


def test_a_grid_points_caption_gives_its_explanation_once_then_its_first_statement_alone():
    seen: dict[str, str] = {}
    first = ": B = 8, η = 0.1, 20 epochs: one row per seed; final accuracies at the end of 20 epochs."
    again = ": B = 32, η = 1, 20 epochs: one row per seed; final accuracies at the end of 20 epochs."
    assert run_prose.caption_once(first, seen) == first
    assert run_prose.caption_once(again, seen) == (
        ": B = 32, η = 1, 20 epochs: one row per seed; columns as in “B = 8” above."
    )
    figure = "**Figure 3.** Sweep at B = 10. Left: loss after 50,000 iterations."
    assert run_prose.caption_once(figure, seen) == figure, "a new explanation is printed"
    other = "**Figure 9.** Sweep at B = 100. Left: loss after 5,000 iterations."
    assert run_prose.caption_once(other, seen) == "**Figure 9.** Sweep at B = 100; drawn as “Sweep at B = 10” above."
    assert run_prose.caption_once("A paragraph; not a caption.", seen) == "A paragraph; not a caption."
    # a name's number keeps its thousands separator
    sized = "**Figure 4.** N' = 1,000, B = 100: loss. Left: the run."
    assert run_prose.caption_once(sized, seen) == sized
    later = "**Figure 5.** N' = 10,000, B = 100: loss. Left: the run."
    assert (
        run_prose.caption_once(later, seen) == "**Figure 5.** N' = 10,000, B = 100: loss; drawn as “N' = 1,000” above."
    )


def test_a_grid_point_with_neither_figure_nor_table_prints_nothing_in_the_pdf():
    prose = new_code_cell(outputs=[new_output("display_data", data={"text/markdown": "An evaluation took 0.3 s."})])
    table = new_code_cell(outputs=[new_output("display_data", data={"text/markdown": "| a |\n|---|\n| 1 |"})])
    assert not run_prose.prints_in_pdf(new_notebook(cells=[new_markdown_cell("# MLP 128"), prose]))
    assert run_prose.prints_in_pdf(new_notebook(cells=[prose, table]))


def test_a_paragraph_with_a_display_equation_stays_on_one_page_but_code_is_left_as_it_is():
    update = "**Update.** Draw a batch and step\n$$W_{t+1} = W_t - \\eta g_t .$$"
    out = pdf.markdown_cell(f"Before.\n\n{update}\n\nAfter.")
    assert out.startswith("Before.\n\n```{=typst}\n#block(breakable: false")
    assert update in out and out.endswith("]\n```\n\nAfter.")
    code = "```python\nx = 1\n\ny = '$$'\n```"
    assert pdf.markdown_cell(code) == code
