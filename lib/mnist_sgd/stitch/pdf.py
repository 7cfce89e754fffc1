"""The PDF: the combined notebook as Markdown with figures, to Typst by pandoc, compiled by Typst; and a check that no page is blank."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat

from mnist_sgd.stitch.run_prose import table_rows, without_run_prose
from mnist_sgd.stitch.tags import APPENDIX, DETAIL_TAG, HTML_ONLY_TAG, SHOW_CODE_TAG, TITLE, detail_group
from mnist_sgd.store.files import atomic_write_bytes, atomic_write_text


def _png_size_px(png: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _html_to_markdown(html: str) -> str:
    import pypandoc

    return pypandoc.convert_text(html, "markdown", format="html")


def typst_block(parts: list[str], opening: str) -> str:
    """Markdown parts wrapped in a raw Typst block (pandoc passes ``{=typst}`` through);
    ``opening`` leaves its content brackets open; they are closed after the parts."""
    closing = "]" * (opening.count("[") - opening.count("]"))
    return "\n\n".join([f"```{{=typst}}\n{opening}\n```", *parts, f"```{{=typst}}\n{closing}\n```"])


# a figure and its caption, together, at the top or bottom of the page (the next one if it
# does not fit): the text flows around it instead of leaving half a page empty
KEEP_TOGETHER = "#place(auto, float: true, clearance: 0.8em)[#block(breakable: false, width: 100%)["

# a short table with its caption, in the flow where the text puts it: on the next page whole
# when it does not fit (a float would land at a page's top or bottom, splitting the text around it)
UNBREAKABLE = "#block(breakable: false, width: 100%)["


# a long table may run over pages, but its caption (above it) never stays behind at a page's foot
BREAKABLE = "#[#show figure: set block(breakable: true)\n#show figure.caption: it => block(sticky: true, it)"


LONG_TABLE = 8  # lines of a Markdown table (header and rule included); a shorter one stays on one page with its caption


# code, display and inline math: left as they are by ``literal_stars``
_VERBATIM = re.compile(r"(```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$)", re.S)
# a one-letter symbol starred (L*, m*, η*(B), W*): pandoc's Markdown would take the star for the
# start or end of an emphasis running to the next one, where Jupyter's does not
_STARRED = re.compile(r"(?<![\w\\*])([A-Za-zη])\*(?![*\w])")


def literal_stars(markdown: str) -> str:
    """``markdown`` with the star of every starred one-letter symbol escaped, outside code and math."""
    parts = _VERBATIM.split(markdown)
    return "".join(part if i % 2 else _STARRED.sub(r"\1\\*", part) for i, part in enumerate(parts))


# every figure still floating is set before a new section of the contents begins, so that no
# figure of one section is printed under the heading of the next
FLUSH = "```{=typst}\n#place.flush()\n```"

# an appendix starts a page: a figure floated to a page's foot can otherwise be set below its
# heading, which ``FLUSH`` does not prevent for a float that did not fit on the page it was
# deferred from. A task follows on the page the task before it ends on, so that the answers read
# without half-empty pages; a figure near its heading stays in the flow (``NEAR_TASK_HEADING``).
APPENDIX_TOP = re.compile(re.escape(FLUSH) + r"\s*## " + re.escape(APPENDIX))
NEW_PAGE = "```{=typst}\n#pagebreak(weak: true)\n```"


def markdown_cell(source: str) -> str:
    """A Markdown cell for the PDF: an anchored heading (a section of the contents) keeps its
    anchor as identifier, after the figures of the section before it (``FLUSH``); any other
    heading stays out of the PDF's outline."""
    source = re.sub(r'<a id="([^"]*)"></a>\s*\n\s*(#+ .+)', r"\2 {#\1}", source)
    lines, fenced = [], False
    for line in source.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"#{1,6}\s", line):
            if line.rstrip().endswith("}"):
                lines += [FLUSH, ""]
            else:
                line += " {.unlisted}"
        lines.append(line)
    return with_equations_kept(literal_stars("\n".join(lines)))


def with_equations_kept(markdown: str) -> str:
    """``markdown`` with each paragraph that holds a display equation set unbreakable: the sentence
    that leads into an equation moves to the next page with it rather than end a page without it."""
    parts, fenced = [], False
    for paragraph in markdown.split("\n\n"):
        inside = fenced
        fenced ^= sum(line.lstrip().startswith("```") for line in paragraph.splitlines()) % 2 == 1
        keep = not inside and not fenced and "$$" in paragraph
        parts.append(typst_block([paragraph], UNBREAKABLE) if keep else paragraph)
    return "\n\n".join(parts)


FIGURE_WIDTH = 5.6  # inches on the page: figures are drawn 7 in wide, so 9.5 pt ticks print at 7.6 pt
# inches: a taller figure prints narrower, so that with its caption it fits beside other content
# instead of leaving most of a page empty before it
FIGURE_HEIGHT = 3.3


# inches: a grid point's figure in the per-run detail prints smaller, so that two or three fit on a page; not
# smaller, or its legend and ticks print below 6 pt
RUN_FIGURE_HEIGHT = 2.6


def figure_width(png: bytes, tallest: float = FIGURE_HEIGHT) -> float:
    """The printed width of a figure, in inches: as drawn (110 px to the inch), at most
    FIGURE_WIDTH wide and ``tallest`` tall."""
    width, height = _png_size_px(png)
    return min(FIGURE_WIDTH, width / 110, tallest * width / height)


def float_with_heading(body: list[str], heading: str | None, opening: str = KEEP_TOGETHER) -> str:
    """``body`` (a figure and its caption) set by ``opening`` (a float, or in the flow), headed by
    ``heading`` when given: a figure's own title goes with it, so that the float never leaves it."""
    return typst_block([heading, *body] if heading else body, opening)


def settled(part: str) -> str:
    """``part``, or when it is a figure's float, the figure in the flow, unbreakable: for a figure
    that ends a section, whose float the next section's ``FLUSH`` would set under an emptied page
    (known only once the next section begins)."""
    opening, closing = typst_block(["x"], KEEP_TOGETHER).split("\n\nx\n\n")
    if not (part.startswith(opening) and part.endswith(closing)):
        return part
    body = part[len(opening) : -len(closing)].strip("\n").split("\n\n")
    return typst_block(body, UNBREAKABLE)


def output_parts(
    cell: nbformat.NotebookNode,
    media: Path,
    figure: int,
    heading: str | None = None,
    side_by_side: list[str] | None = None,
    opening: str = KEEP_TOGETHER,
) -> tuple[list[str], int]:
    """A code cell's outputs as Markdown: a figure kept with the caption under it, set by
    ``opening`` (floating to the top or bottom of a page, or in the flow), with ``heading`` (the figure's own title, right above the cell)
    inside the float when the figure is the cell's first output, else before the outputs; or,
    given a ``side_by_side`` list, appended to it instead, for ``figure_grid``. A short table
    stays in the flow on one page with its caption; a long one may break across pages (its
    caption heads it)."""
    parts: list[str] = []
    pending_figure: str | None = None
    for out in cell.get("outputs", []):
        text = None
        if out.output_type == "stream":
            if out.name == "stdout" and out.text.strip():
                text = "```\n" + out.text.rstrip() + "\n```"
        else:
            data = out.get("data", {})
            if "image/png" in data:
                if pending_figure:
                    parts.append(pending_figure)
                figure += 1
                png = base64.b64decode(data["image/png"])
                name = f"figure-{figure:03d}.png"
                atomic_write_bytes(media / name, png)
                width = figure_width(png, FIGURE_HEIGHT if side_by_side is None else RUN_FIGURE_HEIGHT)
                pending_figure = f"![]({media.name}/{name}){{width={width:.2f}in}}"
                continue
            if "text/markdown" in data:
                text = literal_stars(data["text/markdown"])
                if pending_figure and text.lstrip().startswith("**Figure"):
                    # numbered anew: the PDF leaves out the figures of HTML-only cells
                    text = re.sub(r"\*\*Figure \d+\.\*\*", f"**Figure {figure}.**", text, count=1)
                    if side_by_side is not None:
                        side_by_side.append(pending_figure + "\n\n" + text)
                    else:
                        title = None if parts else heading
                        parts.append(float_with_heading([pending_figure, text], title, opening))
                        heading = heading if title is None else None
                    pending_figure = None
                    continue
                rows = table_rows(text)
                if rows:
                    text = typst_block([text], BREAKABLE if rows > LONG_TABLE else UNBREAKABLE)
            elif "text/html" in data:
                text = _html_to_markdown(data["text/html"])
            elif "text/plain" in data:
                text = "```\n" + data["text/plain"] + "\n```"
        if text is not None:
            if pending_figure:
                parts.append(pending_figure)
                pending_figure = None
            parts.append(text)
    if pending_figure:
        parts.append(pending_figure)
    return ([heading] if heading else []) + parts, figure


# an anchored heading: a section of the contents (see ``markdown_cell``)
LISTED = re.compile(r"\{#[^}]+\}\s*$")

# characters of Markdown after a section's heading within which a figure's float could rise above
# it, to the top of the page the section starts on: so near, a figure stays in the flow
NEAR_HEADING = 800
# a figure within about a page of text after a task's heading would float to the top of the page
# that heading is on, above it, into the task before; in the flow it stays under its heading
NEAR_TASK_HEADING = 4000
TASK_HEADING = re.compile(r"^## .*" + LISTED.pattern, re.M)  # a listed heading of the top level


def figure_opening(parts: list[str]) -> str:
    """How to set a figure that comes after ``parts``: in the flow when it comes within
    ``NEAR_HEADING`` of a section's heading or ``NEAR_TASK_HEADING`` of a task's, else as a float at
    the top or bottom of a page."""
    text = "\n\n".join(parts)
    last = list(re.finditer(LISTED.pattern, text, re.M))
    task = list(TASK_HEADING.finditer(text))
    near = (last and len(text) - last[-1].end() < NEAR_HEADING) or (
        task and len(text) - task[-1].end() < NEAR_TASK_HEADING
    )
    return UNBREAKABLE if near else KEEP_TOGETHER


def split_heading(markdown: str) -> tuple[str, str | None]:
    """``markdown`` without the heading it ends with, and that heading (None if it ends otherwise)."""
    lines = markdown.rstrip().splitlines()
    if not lines or re.match(r"#{1,6}\s", lines[-1]) is None:
        return markdown, None
    return "\n".join(lines[:-1]).rstrip(), lines[-1]


# one grid job's figures, each kept with its caption, in smaller type
GRID_CELL = "[#block(breakable: false)[#set text(size: 8.5pt)"


def figure_grid(figures: list[str]) -> str:
    """Figures with their captions (Markdown), one to a row at the width of the body's figures:
    two to a row, the text drawn in them would print at about 4 pt."""
    parts = [f"```{{=typst}}\n#grid(columns: (1fr,), row-gutter: 1em, {GRID_CELL}\n```"]
    for i, figure in enumerate(figures):
        if i:
            parts.append(f"```{{=typst}}\n]], {GRID_CELL}\n```")
        parts.append(figure)
    parts.append("```{=typst}\n]])\n```")
    return "\n\n".join(parts)


def to_markdown(nb: nbformat.NotebookNode, media: Path) -> str:
    """Pandoc Markdown of the visible report: prose, figures, tables, printed text. The
    figures of one grid job's per-run detail are set side by side where its first one was."""
    media.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    figure = 0
    group: str | None = None
    figures: list[str] = []  # the current per-run detail's figures, set side by side
    grid_at = 0

    def place_grid() -> None:
        if figures:
            parts.insert(grid_at, figure_grid(figures))
            figures.clear()

    seen: dict[str, str] = {}  # caption explanations printed, by the caption that gave each
    for cell in (without_run_prose(c, seen) for c in nb.cells):
        tags = cell.metadata.get("tags", [])
        if HTML_ONLY_TAG in tags:
            continue
        if detail_group(tags) != group:
            place_grid()
            group = detail_group(tags)
        if cell.cell_type == "markdown":
            text = markdown_cell(cell.source)
            if parts and text.startswith(FLUSH):
                parts[-1] = settled(parts[-1])
            if APPENDIX_TOP.match(text):
                text = text.replace(FLUSH, FLUSH + "\n\n" + NEW_PAGE, 1)
            parts.append(text)
        elif cell.cell_type == "code":
            if SHOW_CODE_TAG in tags:
                parts.append(f"```python\n{cell.source}\n```")
            before = len(figures)
            headings: list[str] = []
            while parts and DETAIL_TAG not in tags:  # a figure's own titles, right above, go with it
                rest, last = split_heading(parts[-1])
                if last is None or LISTED.search(last):  # a section of the contents stays in the flow
                    break
                headings.insert(0, last)
                parts[-1:] = [rest] if rest else []
            heading = "\n\n".join(headings) or None
            more, figure = output_parts(
                cell,
                media,
                figure,
                heading=heading,
                side_by_side=figures if DETAIL_TAG in tags else None,
                opening=figure_opening(parts),
            )
            if before == 0 and figures:
                grid_at = len(parts)
            parts += more
    place_grid()
    return "\n\n".join(parts) + "\n"


TYPST_HEADER = """
#set page(paper: "a4", margin: (x: 1.6cm, y: 1.5cm), numbering: "1")
#set text(size: 10pt)
#set par(justify: false)
#show table: set text(size: 8pt)
#set table(inset: (x: 5pt, y: 3pt))
#show table.cell: set par(justify: false)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure: set block(above: 1em, below: 1em)
#show raw: set text(size: 8pt)
#show raw.where(block: true): set text(size: 7pt)
#show heading: set block(sticky: true)
"""


# an apostrophe after a digit ("Task 4's"), which Typst would set as a prime (4′s); pandoc writes
# a typographic one back as a straight quote, so it is set in the Typst source, outside raw text
_DIGIT_APOSTROPHE = re.compile(r"(?<=\d)'(?=[a-z])")
_RAW = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


# a hyphen before a number that starts a word ("to -0.3", "[-57.15]") is a minus sign: the prose
# writes some numbers with − and Python formats others with -, and the two differ in print; pandoc
# escapes one that starts a line ("\-0.58"), lest it begin a list; a length in Typst's own code
# ("top: -0.4em") stays as it is
_NUMBER_HYPHEN = re.compile(r"(?<=[\s\[(])\\?-(?=\d)(?![\d.]*(?:em|pt|in|cm|mm|fr)\b)")


def typeset_numbers(typst_source: str) -> str:
    """``typst_source`` with, outside raw text, each apostrophe after a digit written as ’ and each
    hyphen before a number that starts a word written as a minus sign (−)."""
    parts = _RAW.split(typst_source)
    return "".join(
        part if i % 2 else _NUMBER_HYPHEN.sub("\u2212", _DIGIT_APOSTROPHE.sub("\u2019", part))
        for i, part in enumerate(parts)
    )


def auto_columns(typst_source: str) -> str:
    """Tables sized by their content: pandoc's fixed percentages (from the Markdown's dashes)
    make wide cells overflow into their neighbours."""
    return re.sub(
        r"columns: \(([0-9.]+%(?:, [0-9.]+%)*)\)", lambda m: f"columns: {m.group(1).count('%')}", typst_source
    )


def to_pdf(nb: nbformat.NotebookNode, out: Path) -> None:
    """Markdown -> Typst (pandoc) -> PDF (typst), built in ``report/pdf/``."""
    import pypandoc
    import typst

    work = out.parent / "pdf"
    markdown = to_markdown(nb, work / "media")
    header = work / "header.typ"
    atomic_write_text(header, TYPST_HEADER)
    source = work / "report.typ"
    typst_source = pypandoc.convert_text(
        markdown,
        "typst",
        format="markdown",
        extra_args=[
            "--standalone",
            "--toc",
            "--toc-depth=3",
            f"--include-in-header={header}",
            "--metadata",
            f"title={TITLE}",
        ],
    )
    atomic_write_text(source, typeset_numbers(auto_columns(typst_source)))
    pdf = typst.compile(str(source), root=str(work))
    atomic_write_bytes(out, pdf)


def page_ink(pdf_path: Path) -> list[float]:
    """Share of non-white pixels on each page of a PDF (0 means a blank page)."""
    import pypdfium2

    shares = []
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        for page in pdf:
            pixels = page.render(scale=0.5).to_numpy()
            shares.append(float((pixels.min(axis=2) < 200).mean()))
    finally:
        pdf.close()
    return shares
