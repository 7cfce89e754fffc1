"""Stitch the executed notebooks into one HTML page and one PDF.

The HTML comes from nbconvert (figures embedded, code hidden behind a toggle); the PDF
from the same cells turned into Markdown, then pandoc (Typst writer) and the Typst
compiler, both installed from PyPI. Both are written atomically.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from . import paths
from .files import atomic_write_bytes, atomic_write_text
from .params import Job, Profile
from .present import FIGURE_MARK

TITLE = "Minibatch SGD on MNIST: a reproducible report"
GRID_LABELS = {"batch_size": "B", "lr": "lr", "dataset_size": "N'"}
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove"}
HTML_ONLY_TAG = "html-only"
SHOW_CODE_TAG = "show-code"  # a code cell whose source belongs in the report (and PDF)
STAMP = "stitch.json"

TOGGLE = """
<style>
body.hide-code .jp-CodeCell:not(.celltag_show-code) .jp-Cell-inputWrapper { display: none; }
#code-toggle { position: fixed; top: 0.6em; right: 0.6em; z-index: 10; padding: 0.3em 0.8em;
  border: 1px solid #888; border-radius: 4px; background: #fff; cursor: pointer; font: 13px sans-serif; }
@media print { #code-toggle { display: none; } }
</style>
<button id="code-toggle" onclick="document.body.classList.toggle('hide-code');
  this.textContent = document.body.classList.contains('hide-code') ? 'Show code' : 'Hide code';">Show code</button>
<script>document.body.classList.add('hide-code');</script>
"""


def section_title(job: Job, nb: nbformat.NotebookNode) -> str:
    """The notebook's first heading, with the job's grid values appended."""
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    match = re.search(r"^#+\s+(.+)$", first.source, re.M) if first else None
    title = match.group(1).strip() if match else job.notebook
    if job.grid:
        title += " (" + ", ".join(f"{GRID_LABELS.get(k, k)} = {v}" for k, v in job.grid.items()) + ")"
    return title


def demote_headings(markdown: str) -> str:
    """One level down, so the report title is the only top-level heading."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        out.append("#" + line if not fenced and re.match(r"#{1,5}\s", line) else line)
    return "\n".join(out)


def section_cells(job: Job) -> tuple[str, list]:
    """A job's visible cells, its first heading replaced by the section heading."""
    nb = nbformat.read(executed_path(job), as_version=4)
    title = section_title(job, nb)
    cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.metadata.get("tags", []))]
    for cell in cells:
        if cell.cell_type == "markdown":
            body = re.sub(r"^#+\s+.+$", "", cell.source, count=1, flags=re.M)
            cell.source = f'<a id="{job.job_id}"></a>\n\n## {title}\n' + demote_headings(body)
            break
    return title, cells


def executed_path(job: Job) -> Path:
    return paths.executed_dir() / f"{job.job_id}.ipynb"


def number_figures(nb: nbformat.NotebookNode) -> None:
    """Replace each caption mark by "Figure N." in reading order."""
    count = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown")
            if text and FIGURE_MARK in text:
                count += 1
                out["data"]["text/markdown"] = text.replace(FIGURE_MARK, f"**Figure {count}.**", 1)


def combined_notebook(profile: Profile, jobs: list[Job], front: str = "") -> nbformat.NotebookNode:
    """Title, contents and every job's section in profile order."""
    sections = [section_cells(job) for job in jobs]
    toc = "\n".join(f"1. [{title}](#{job.job_id})" for job, (title, _) in zip(jobs, sections))
    # the PDF has pandoc's title and Typst's outline instead of these two
    title = new_markdown_cell(f"# {TITLE}", metadata={"tags": [HTML_ONLY_TAG]})
    contents = new_markdown_cell(f"## Contents\n\n{toc}", metadata={"tags": [HTML_ONLY_TAG]})
    about = new_markdown_cell(f"Profile `{profile.name}`, built {time.strftime('%Y-%m-%d %H:%M')}.\n\n{front}")
    cells = [title, about, contents]
    for _, section in sections:
        cells.extend(section)
    for i, cell in enumerate(cells):  # ids repeat across jobs of one notebook
        cell.id = f"cell-{i}"
    nb = new_notebook(cells=cells)
    number_figures(nb)
    nb.metadata["kernelspec"] = {"name": paths.KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


SPLIT = "<!-- stitch: next text -->"  # kept as it is by pandoc, so the output splits back


def markdown_to_html(texts: list[str]) -> list[str]:
    """Markdown to HTML with MathML for the formulas, in one pandoc call for all texts.

    MathML is drawn by the browser itself, so the page needs no script from the
    network to show its mathematics."""
    import pypandoc

    if not texts:
        return []
    joined = f"\n\n{SPLIT}\n\n".join(texts)
    html = pypandoc.convert_text(joined, "html", format="markdown", extra_args=["--mathml", "--wrap=none"])
    parts = html.split(SPLIT)
    if len(parts) != len(texts):
        raise RuntimeError(f"pandoc returned {len(parts)} parts for {len(texts)} Markdown texts")
    return [part.strip() for part in parts]


def with_rendered_markdown(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy whose Markdown (cells and outputs) is already HTML."""
    nb = copy.deepcopy(nb)
    places = []  # (setter, markdown)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            places.append((cell, None))
        for out in cell.get("outputs", []):
            if "text/markdown" in out.get("data", {}):
                places.append((out, "text/markdown"))
    texts = [p.source if key is None else p.data[key] for p, key in places]
    for (place, key), html in zip(places, markdown_to_html(texts)):
        if key is None:  # HTML blocks in Markdown pass through the exporter as they are
            place.source = html
        else:
            del place.data[key]
            place.data["text/html"] = html
    return nb


def to_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    html, _ = exporter.from_notebook_node(with_rendered_markdown(nb))
    html = re.sub(r"<title>.*?</title>", f"<title>{TITLE}</title>", html, count=1, flags=re.S)
    return html.replace("</body>", TOGGLE + "</body>", 1)


def _png_width_px(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")


def _html_to_markdown(html: str) -> str:
    import pypandoc

    return pypandoc.convert_text(html, "markdown", format="html")


def to_markdown(nb: nbformat.NotebookNode, media: Path) -> str:
    """Pandoc Markdown of the visible report: prose, figures, tables, printed text."""
    media.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    figure = 0
    for cell in nb.cells:
        if HTML_ONLY_TAG in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            # the HTML anchor becomes a heading identifier, which the Typst writer keeps
            parts.append(re.sub(r'<a id="([^"]*)"></a>\s*\n\s*(#+ .+)', r"\2 {#\1}", cell.source))
            continue
        if cell.cell_type != "code":
            continue
        if SHOW_CODE_TAG in cell.metadata.get("tags", []):
            parts.append(f"```python\n{cell.source}\n```")
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                if out.name == "stdout" and out.text.strip():
                    parts.append("```\n" + out.text.rstrip() + "\n```")
                continue
            data = out.get("data", {})
            if "image/png" in data:
                figure += 1
                png = base64.b64decode(data["image/png"])
                name = f"figure-{figure:03d}.png"
                atomic_write_bytes(media / name, png)
                width = min(6.3, _png_width_px(png) / 110)
                parts.append(f"![]({media.name}/{name}){{width={width:.2f}in}}")
            elif "text/markdown" in data:
                parts.append(data["text/markdown"])
            elif "text/html" in data:
                parts.append(_html_to_markdown(data["text/html"]))
            elif "text/plain" in data:
                parts.append("```\n" + data["text/plain"] + "\n```")
    return "\n\n".join(parts) + "\n"


TYPST_HEADER = """
#set page(paper: "a4", margin: (x: 2cm, y: 2cm), numbering: "1")
#set text(size: 10pt)
#show table: set text(size: 7.5pt)
#show figure: set block(breakable: true)
#show raw: set text(size: 8pt)
"""


def to_pdf(nb: nbformat.NotebookNode, out: Path) -> None:
    """Markdown -> Typst (pandoc) -> PDF (typst), built in ``report/pdf/``."""
    import pypandoc
    import typst

    work = out.parent / "pdf"
    markdown = to_markdown(nb, work / "media")
    header = work / "header.typ"
    atomic_write_text(header, TYPST_HEADER)
    source = work / "report.typ"
    pypandoc.convert_text(
        markdown, "typst", format="markdown", outputfile=str(source),
        extra_args=["--standalone", "--toc", f"--include-in-header={header}", "--metadata", f"title={TITLE}"],
    )
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


def build_report(profile: Profile, jobs: list[Job], stamps: dict[str, str], pdf: bool = True) -> list[Path]:
    """Write index.html (and report.pdf) unless the jobs' stamps, this module and the
    written files are all as they were at the last build."""
    out_dir = paths.report_dir()
    html_path, pdf_path = out_dir / "index.html", out_dir / "report.pdf"
    wanted = [html_path] + ([pdf_path] if pdf else [])
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    key = hashlib.sha256(json.dumps([stamps, code, pdf]).encode()).hexdigest()
    stamp = out_dir / STAMP
    try:
        last = json.loads(stamp.read_text())
    except (OSError, ValueError):
        last = {}
    if last.get("key") == key and all(p.exists() and _sha256(p) == last.get("files", {}).get(p.name) for p in wanted):
        return wanted
    stamp.unlink(missing_ok=True)
    nb = combined_notebook(profile, jobs)
    atomic_write_text(html_path, to_html(nb))
    if pdf:
        to_pdf(nb, pdf_path)
    atomic_write_text(stamp, json.dumps({"key": key, "files": {p.name: _sha256(p) for p in wanted}}))
    return wanted


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
