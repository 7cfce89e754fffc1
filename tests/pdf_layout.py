"""Layout checks of a rendered PDF, from the positions of its characters and images
(pypdfium2): words that overlap, numbers split from their units, captions on another page
than their figure, headings left alone at the foot of a page."""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


@dataclass
class Word:
    text: str
    left: float
    bottom: float
    right: float
    top: float


def baseline(textpage: pdfium.PdfTextPage, index: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(textpage.raw, index, ctypes.byref(x), ctypes.byref(y))
    return y.value


def page_words(page: pdfium.PdfPage) -> list[Word]:
    """The page's words in content order: a word ends at a space, a line break, or where the
    next character starts left of the previous one's end (text of another table cell)."""
    textpage = page.get_textpage()
    words: list[Word] = []
    current: Word | None = None
    previous_left = None
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if not char.strip():
            current = None
            continue
        left, bottom, right, top = textpage.get_charbox(i)
        bottom = baseline(textpage, i)  # descenders ('g', 'p') do not start a new line
        ligature = previous_left is not None and abs(left - previous_left) < 0.5  # 'fi' is one glyph
        previous_left = left
        same_line = current is not None and abs(bottom - current.bottom) < 2
        if current is None or not same_line or (left < current.right - 2.0 and not ligature):
            current = Word(char, left, bottom, right, top)
            words.append(current)
        else:
            current.text += char
            current.right, current.top = max(current.right, right), max(current.top, top)
    return words


def overlapping_words(pdf_path: Path) -> list[str]:
    """Pairs of words drawn over each other on one line, as 'page N: a / b'."""
    found = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    for number, page in enumerate(pdf, start=1):
        lines: dict[int, list[Word]] = {}
        for word in page_words(page):
            lines.setdefault(round(word.bottom), []).append(word)
        for words in lines.values():
            words.sort(key=lambda w: w.left)
            for a, b in zip(words, words[1:]):
                overlap = a.right - b.left
                # a glyph's box may reach past its advance ('Q', kerned 'Te'): only more counts
                if overlap > max(2.0, 0.5 * min(a.right - a.left, b.right - b.left)):
                    found.append(f"page {number}: {a.text!r} / {b.text!r}")
    return found


UNITS = r"(?:%|ms|µs|us|s|MB|GB|kB|KB|GFLOP/s|GB/s|pp)"


def page_lines(pdf_path: Path) -> list[list[str]]:
    pdf = pdfium.PdfDocument(str(pdf_path))
    return [[line.strip() for line in page.get_textpage().get_text_range().split("\r\n")] for page in pdf]


def split_numbers(pdf_path: Path) -> list[str]:
    """A number cut from its unit by a line break (Unicode line breaking never cuts inside
    a number itself)."""
    found = []
    for number, lines in enumerate(page_lines(pdf_path), start=1):
        for a, b in zip(lines, lines[1:]):
            if re.search(r"\d$", a) and re.match(UNITS + r"(?:\s|$)", b):
                found.append(f"page {number}: {a[-20:]!r} | {b[:20]!r}")
    return found


def captions_without_their_figure(pdf_path: Path) -> list[str]:
    """Figure captions ('Figure N.' opening a line) with no image above them on their page."""
    found = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    for number, page in enumerate(pdf, start=1):
        words = page_words(page)
        images = [obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
        for i, word in enumerate(words[:-1]):
            opens_line = i == 0 or abs(words[i - 1].bottom - word.bottom) > 2
            if word.text == "Figure" and re.fullmatch(r"\d+\.", words[i + 1].text) and opens_line:
                if not any(bottom >= word.top - 2 for _, bottom, _, _ in images):
                    found.append(f"page {number}: Figure {words[i + 1].text}")
    return found


def headings_at_page_foot(pdf_path: Path, headings: set[str]) -> list[str]:
    """Pages whose last line (the page number aside), with no image under it, is a heading
    or a table's caption."""
    found = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    for number, (page, lines) in enumerate(zip(pdf, page_lines(pdf_path)), start=1):
        body = [line for line in lines if line and line != str(number)]
        if not body or not (body[-1] in headings or re.match(r"Table \d+:", body[-1])):
            continue
        words = [w for w in page_words(page) if w.text != str(number)]
        last = min(w.bottom for w in words)
        images = [obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
        if not any(bottom < last for _, bottom, _, _ in images):
            found.append(f"page {number}: {body[-1]!r}")
    return found


def typst_headings(typst_source: str) -> set[str]:
    """The text of every heading of a Typst source written by pandoc."""
    plain = re.findall(r"^=+ (.+)$", typst_source, re.M)
    called = re.findall(r"^#heading\([^)]*\)\[(.+)\]$", typst_source, re.M)
    return {re.sub(r"[#*_\\]|<[^>]+>", "", h).strip() for h in plain + called}
