"""What the PDF prints of a grid job's own section, the per-run detail: its anchor, heading,
tables, figures and captions, without the prose the web page gives under each grid point, and
each caption's explanation once."""

from __future__ import annotations

import copy
import re

import nbformat

from mnist_sgd.stitch.tags import GRID_RUN_TAG


def table_rows(markdown: str) -> int:
    """The lines of ``markdown`` that are rows of a Markdown table (header and rule included)."""
    return sum(1 for line in markdown.splitlines() if line.startswith("|"))


# what the PDF prints of a grid job's own section: its anchor and the heading under it, its
# tables, their captions and its figures' captions
SHOWN = ("<a id=", "|", ": ", "**Figure")
CAPTION = re.compile(r"^(: |\*\*Figure \d+\.\*\* )(.*)$", re.S)
# where a caption's first statement ends: a semicolon, or a full stop before a capital
FIRST_STATEMENT = re.compile(r";|\.(?=\s+[A-Z])")
# where the name a later caption gives it ends: its first colon, or its first comma that is not a
# thousands separator ("N' = 1,000, B = 100" is named "N' = 1,000")
NAME_END = re.compile(r":|,(?!\d)")


def caption_once(paragraph: str, seen: dict[str, str]) -> str:
    """``paragraph``, or, when it is a caption whose explanation (what follows its first statement)
    an earlier caption of the per-run detail gave, numbers aside, its first statement alone and
    which caption above explains it, named by the start of that caption's first statement (the
    figures are numbered anew later, so the pointer names no number). ``seen``: each explanation
    printed so far, with the name of the caption that gave it."""
    match = CAPTION.match(paragraph)
    cut = FIRST_STATEMENT.search(match.group(2)) if match else None
    if match is None or cut is None:
        return paragraph
    explanation = re.sub(r"[\d.,]+", "#", match.group(2)[cut.end() :]).strip()
    if explanation in seen:
        figure = match.group(1).startswith("**Figure")
        drawn = "drawn as" if figure else "columns as in"
        return f"{match.group(1)}{match.group(2)[: cut.start()]}; {drawn} “{seen[explanation]}” above."
    seen[explanation] = NAME_END.split(match.group(2)[: cut.start()], maxsplit=1)[0].strip()
    return paragraph


def shown_paragraphs(markdown: str, seen: dict[str, str]) -> str:
    """The paragraphs of ``markdown`` that are an anchor, a table or a caption (``caption_once``),
    and a heading when the cell has an anchor (a grid point's own heading, not its subsections')."""
    anchored = "<a id=" in markdown
    kept = [p.splitlines()[0] if p.startswith("#") else p for p in markdown.split("\n\n")]
    return "\n\n".join(
        caption_once(p, seen) for p in kept if p.lstrip().startswith(SHOWN) or (anchored and p.startswith("#"))
    )


def without_run_prose(cell: nbformat.NotebookNode, seen: dict[str, str]) -> nbformat.NotebookNode:
    """``cell``, or for a cell of a grid job's own section (``GRID_RUN_TAG``) a copy of it without
    its prose: the web page says, under each grid point, what the PDF shows only in figures and
    tables. ``seen``: the caption explanations printed so far (``caption_once``)."""
    if GRID_RUN_TAG not in cell.metadata.get("tags", []):
        return cell
    cell = copy.deepcopy(cell)
    if cell.cell_type == "markdown":
        cell.source = shown_paragraphs(cell.source, seen)
    kept = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "text/markdown" in data and "image/png" not in data:
            data["text/markdown"] = shown_paragraphs(data["text/markdown"], seen)
            if data["text/markdown"]:
                kept.append(out)
        elif "image/png" in data:
            kept.append(out)
    if "outputs" in cell:
        cell.outputs = kept
    return cell


def prints_in_pdf(nb: nbformat.NotebookNode) -> bool:
    """Whether a grid job's executed notebook has a figure or a table: all the PDF prints of it."""
    outputs = [out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", [])]
    return any("image/png" in d or table_rows(d.get("text/markdown", "")) for d in outputs)
