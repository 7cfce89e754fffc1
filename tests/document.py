"""Checks of the report as a document, read from the notebook the PDF is made of (the per-run
detail in its appendix): the body's length, sentences said twice, internal names in the
prose, figures and tables named by number, figures and tables without a numbered caption."""

from __future__ import annotations

import re
from collections import Counter

import nbformat
import torch

from mnist_sgd.show.present import FIGURE_MARK
from mnist_sgd.stitch.assemble import APPENDIX_ANCHOR
from mnist_sgd.stitch.tags import HTML_ONLY_TAG, SHOW_CODE_TAG

PROVENANCE = "99_provenance"  # the one place where the build's own names belong


def sections(nb: nbformat.NotebookNode) -> list[tuple[str, list[str]]]:
    """The visible Markdown of the PDF, cell by cell, as (anchor of the section it is in, texts):
    a section starts at a cell with an anchor; HTML-only cells are left out, code shown in the
    report is kept as a fenced block."""
    out: list[tuple[str, list[str]]] = [("", [])]
    for cell in nb.cells:
        if HTML_ONLY_TAG in cell.metadata.get("tags", []):
            continue
        texts = [cell.source] if cell.cell_type == "markdown" else []
        if SHOW_CODE_TAG in cell.metadata.get("tags", []):
            texts.append(f"```python\n{cell.source}\n```")
        texts += [o["data"]["text/markdown"] for o in cell.get("outputs", []) if "text/markdown" in o.get("data", {})]
        anchor = re.search(r'<a id="([^"]+)"></a>', cell.source) if cell.cell_type == "markdown" else None
        if anchor:
            out.append((anchor.group(1), []))
        out[-1][1].extend(texts)
    return out


def prose(text: str) -> str:
    """A text without its code, formulas, headings, tables, table captions, HTML and figure marks."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(("|", ": ", "#"))]
    return "\n".join(lines).replace(FIGURE_MARK, "")


def body(nb: nbformat.NotebookNode) -> list[tuple[str, list[str]]]:
    """The sections before the appendices (per-run detail, speed, provenance)."""
    found = sections(nb)
    ends = [i for i, (anchor, _) in enumerate(found) if anchor == APPENDIX_ANCHOR or anchor.startswith("9")]
    return found[: ends[0]] if ends else found


def sentences(text: str) -> list[str]:
    """The sentences of a prose text, whitespace collapsed, Markdown emphasis dropped."""
    flat = re.sub(r"[*_]+", "", re.sub(r"\s+", " ", text))
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", flat) if s.strip()]


def without_captions(text: str) -> str:
    """A text without its figures' captions: each says in full what its own figure draws."""
    return "\n\n".join(p for p in text.split("\n\n") if not p.lstrip().startswith("**Figure"))


def repeated_sentences(nb: nbformat.NotebookNode, min_words: int = 8) -> dict[str, int]:
    """Sentences of at least ``min_words`` words said more than once anywhere in the PDF's
    prose, figure captions aside."""
    counts = Counter(
        s
        for _, texts in sections(nb)
        for text in texts
        for s in sentences(prose(without_captions(text)))
        if len(s.split()) >= min_words
    )
    return {s: n for s, n in counts.items() if n > 1}


# a name only the code knows: snake_case, a dotted call (PyTorch's own, which Task 6 is about,
# aside), a build profile
INTERNAL = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b(?!nn\.|torch\.)[a-z_]+\.[a-z_]+\(|\b[Pp]rofile\b")


def public(name: str, shown: str) -> bool:
    """A name a reader can look up: defined in code the section shows, or PyTorch's own."""
    return (
        re.search(rf"\b{re.escape(name)}\b", shown) is not None or hasattr(torch, name) or hasattr(torch.Tensor, name)
    )


def internal_names(nb: nbformat.NotebookNode) -> list[str]:
    """Internal names in the prose outside the provenance appendix, as 'anchor: name'."""
    found = []
    for anchor, texts in sections(nb):
        if anchor == PROVENANCE:
            continue
        shown = "\n".join(re.findall(r"```python\n(.*?)```", "\n".join(texts), flags=re.S))
        for text in texts:
            plain = re.sub(r"\]\([^)]*\)", "]", prose(text))  # a link's target is no prose
            found += [f"{anchor}: {m.group(0)}" for m in INTERNAL.finditer(plain) if not public(m.group(0), shown)]
    return found


def numbered_references(nb: nbformat.NotebookNode) -> list[str]:
    """Sentences of the prose (figure captions included) that name a figure or a table by its
    number: the PDF numbers them anew, as it leaves some out, so such a number can point at another."""
    return [
        f"{anchor}: {s[:120]}"
        for anchor, texts in sections(nb)
        for text in texts
        for s in sentences(prose(text))
        if re.search(r"\b(Figure|Table) \d", s) and not re.fullmatch(r"Figure \d+\.", s)  # a caption's own mark
    ]


def uncaptioned(markdown: str) -> list[str]:
    """Figures of the PDF's Markdown without a numbered caption right under them, and tables
    without a caption, as the first characters of what follows or precedes them."""
    missing = []
    for match in re.finditer(r"!\[\]\([^)]*\)(?:\{[^}]*\})?", markdown):
        after = markdown[match.end() : match.end() + 200].lstrip()
        if not re.match(r"\*\*Figure \d+\.\*\*", after):
            missing.append(f"figure {match.group(0)[:60]}: then {after[:60]!r}")
    for table in re.finditer(r"(?:^\|.*\|\n)+", markdown, re.M):
        after = markdown[table.end() : table.end() + 200].lstrip("\n")
        if not after.startswith(": "):
            missing.append(f"table {table.group(0)[:60]!r}")
    return missing
