"""What the report says once: a paragraph every grid job of a task prints alike, and a sentence
(a rule, a disclaimer) said in an earlier section or run, are dropped where they recur. A figure's
caption is kept whole: it describes what its own figure draws, whatever another caption said."""

from __future__ import annotations

import re

from mnist_sgd.show.present import FIGURE_MARK


def drop_repeats(cells: list) -> None:
    """Say once what every grid job says alike (the conditions of its timings, say): a
    paragraph of text output equal to an earlier one of the same task is dropped."""
    seen: set[str] = set()
    for cell in cells:
        kept = []
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown")
            if text is not None:
                paragraphs = [p for p in text.split("\n\n") if p.strip() not in seen]
                seen.update(p.strip() for p in paragraphs)
                if not paragraphs:
                    continue
                out["data"]["text/markdown"] = "\n\n".join(paragraphs)
            kept.append(out)
        if "outputs" in cell:
            cell.outputs = kept


# a sentence ends at '.', '!' or '?' before a capital or an opening bracket or emphasis
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\*)|(?<=[.!?]\*\*))\s+(?=[A-Z(*])")  # also after "**B = 1.**"
DIGEST = "00_summary"  # the report's summary: it says again, in brief, what the tasks show
MIN_WORDS = 8  # shorter sentences ("Dashed: the fit.") may recur without being a repeated rule


def sentence_key(sentence: str) -> str:
    """A sentence as compared: emphasis dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[*_]+", "", sentence)).strip()


def is_prose(paragraph: str) -> bool:
    """A paragraph of running text: not a table, heading, code, formula or HTML."""
    return not paragraph.lstrip().startswith(("|", "#", "```", "<", ": ", "$$"))


LIST_ITEM = re.compile(r"\s*(?:[-*]|\d+\.)\s+")  # a list item's marker, kept as it is


def list_marker(text: str) -> str:
    """The marker a list item starts with ("- ", "2. "), or "" for running text."""
    match = LIST_ITEM.match(text)
    return match.group(0) if match else ""


def unsaid(text: str, said: set[str]) -> str:
    """``text`` (one paragraph or list item) without the sentences of at least MIN_WORDS words
    already ``said``, which grows by those kept; its list marker kept. A figure's caption is
    returned whole and adds nothing to ``said`` (a caption cut short no longer says what is drawn)."""
    lead = list_marker(text)
    rest = text[len(lead) :]
    if rest.startswith(FIGURE_MARK):
        return text
    kept = []
    for sentence in SENTENCE_END.split(rest):
        key = sentence_key(sentence)
        if len(key.split()) >= MIN_WORDS:
            if key in said:
                continue
            said.add(key)
        kept.append(sentence)
    return lead + " ".join(kept) if kept else ""


def drop_said_sentences(cells: list, said: set[str]) -> None:
    """The report says nothing twice (a rule, a disclaimer): a sentence of a text output
    already ``said`` in an earlier section or run is dropped (a figure's caption excepted);
    ``said`` grows by what is kept. A list item left empty goes."""
    for cell in cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown")
            if text is None:
                continue
            paragraphs = []
            for paragraph in text.split("\n\n"):
                if is_prose(paragraph):
                    items = paragraph.split("\n") if list_marker(paragraph) else [paragraph]
                    lines = [unsaid(item, said) for item in items]
                    paragraph = "\n".join(line for line in lines if line.strip())
                if paragraph.strip():
                    paragraphs.append(paragraph)
            out["data"]["text/markdown"] = "\n\n".join(paragraphs)
