"""Stitch the executed notebooks into one HTML page and one PDF.

The HTML comes from nbconvert (figures embedded, code hidden behind a toggle); the PDF
from the same cells turned into Markdown, then pandoc (Typst writer) and the Typst
compiler, both installed from PyPI. Both are written atomically.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from mnist_sgd.build import params
from mnist_sgd.build.params import Job, Profile, format_value
from mnist_sgd.show.present import FIGURE_MARK
from mnist_sgd.stitch.html import to_html
from mnist_sgd.stitch.pdf import to_pdf
from mnist_sgd.stitch.tags import HIDDEN_TAGS, HTML_ONLY_TAG, TITLE
from mnist_sgd.store import paths
from mnist_sgd.store.files import atomic_write_text
from mnist_sgd.store.stamps import executed_path, sha256_file

STAMP = "stitch.json"


def first_heading(nb: nbformat.NotebookNode, default: str) -> str:
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    match = re.search(r"^#+\s+(.+)$", first.source, re.M) if first else None
    return match.group(1).strip() if match else default


def grid_label(job: Job) -> str:
    """The grid values of a job as a reader writes them: "B = 10, lr = 0.1", each key as its
    parameter declares it (``params.P.reads``)."""
    spec = params.SPECS[job.notebook].params
    return ", ".join(spec[k].reads(k, v) for k, v in job.grid.items())


def fill_parameters(markdown: str, values: dict[str, object]) -> str:
    """A parameter named in Markdown as `name` becomes the value the job ran with: prose
    shows values, not the notebook's variable names."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        return format_value(values[name]) if name in values else match.group(0)

    return re.sub(r"`([A-Za-z_][A-Za-z0-9_]*)`", value, markdown)


UNIT = re.compile(r"(\d) (%|ms|µs|us|s|min|MB|GB|kB|KB|GB/s|GFLOP/s|MFLOP)(?![\w/])")


def bind_units(markdown: str) -> str:
    """A no-break space between a number and its unit, so no line ends between them."""
    parts = re.split(r"(```.*?```|`[^`]*`)", markdown, flags=re.S)
    return "".join(p if i % 2 else UNIT.sub("\\1\u00a0\\2", p) for i, p in enumerate(parts))


def shift_headings(markdown: str, levels: int) -> str:
    """Headings ``levels`` down, so the report title is the only top-level heading and the
    sections nest under their task."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        out.append("#" * levels + line if not fenced and re.match(r"#{1,6}\s", line) else line)
    return "\n".join(out)


def job_values(job: Job, nb: nbformat.NotebookNode) -> dict[str, object]:
    """The parameters a job ran with: the notebook's defaults overridden by the profile's."""
    values: dict[str, object] = {}
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            for name, text in re.findall(r"^(\w+)\s*(?::[^=]+)?=\s*([^#\n]+)", cell.source, re.M):
                try:
                    values[name] = ast.literal_eval(text.strip())
                except (ValueError, SyntaxError):
                    continue
    return {**values, **job.parameters}


def section_cells(job: Job, nb: nbformat.NotebookNode, heading: str, levels: int, method: bool) -> list:
    """A job's visible cells under ``heading`` (an anchor named after the job). Its first
    Markdown cell, the task's method, is kept only when ``method`` is true."""
    values = job_values(job, nb)
    cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.metadata.get("tags", []))]
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    body = re.sub(r"^#+\s+.+$", "", first.source, count=1, flags=re.M) if first and method else ""
    if first is not None and not method:
        cells.remove(first)
    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = bind_units(shift_headings(fill_parameters(cell.source, values), levels))
        for out in cell.get("outputs", []):
            if "text/markdown" in out.get("data", {}):
                out["data"]["text/markdown"] = bind_units(out["data"]["text/markdown"])
    shared = {k: v for k, v in values.items() if k not in job.grid}  # the method is the same for every grid job
    head = new_markdown_cell(
        f'<a id="{job.job_id}"></a>\n\n{heading}\n' + shift_headings(fill_parameters(body, shared), levels)
    )
    if first is not None and method:
        cells[cells.index(first)] = head
    else:
        cells.insert(0, head)
    return cells


def number_figures(nb: nbformat.NotebookNode) -> None:
    """Replace each caption mark by "Figure N." in reading order."""
    count = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown")
            if text and FIGURE_MARK in text:
                count += 1
                out["data"]["text/markdown"] = text.replace(FIGURE_MARK, f"**Figure {count}.**", 1)


@dataclass
class Section:
    """A task of the report: its heading, the entries nested under it in the contents
    (grid jobs, then the task's summary) as (anchor, label), and its cells."""

    title: str
    anchor: str
    entries: list[tuple[str, str]] = field(default_factory=list)
    cells: list = field(default_factory=list)


def task_prefix(notebook: str) -> str:
    return notebook.split("_", 1)[0]  # "05" of 05_dataset_size and 05_dataset_size_summary


def subtitle(title: str, task_title: str) -> str:
    """A summary's own heading without its task's words: "Across all sizes"."""
    if title.startswith(task_title):
        rest = title[len(task_title) :].lstrip(" ,:;-")
    else:
        rest = re.sub(r"^Task \d+:\s*", "", title)
    return rest[:1].upper() + rest[1:] if rest else title


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


def task_sections(jobs: list[Job], report: Path) -> list[Section]:
    """The report's sections, in profile order. A grid notebook's method is shown once, at
    the head of its task, and each grid job holds its own results under it; a notebook that
    continues a task (same number: the summary across the grid) nests under it too."""
    by_notebook: dict[str, list[Job]] = {}
    for job in jobs:
        by_notebook.setdefault(job.notebook, []).append(job)
    sections: list[Section] = []
    for notebook, group in by_notebook.items():
        books = [nbformat.read(executed_path(report, job.job_id), as_version=4) for job in group]
        title = first_heading(books[0], notebook)
        task = sections[-1] if sections and task_prefix(sections[-1].anchor) == task_prefix(notebook) else None
        if task is not None and not any(job.grid for job in group):  # the task's summary
            label = subtitle(title, task.title)
            task.cells += section_cells(group[0], books[0], f"### {label}", 2, method=True)
            task.entries.append((group[0].job_id, label))
            continue
        if not any(job.grid for job in group):
            sections.append(
                Section(title, group[0].job_id, cells=section_cells(group[0], books[0], f"## {title}", 1, method=True))
            )
            continue
        head = section_cells(group[0], books[0], f"## {title}", 1, method=True)
        method = head[: next(i for i, c in enumerate(head) if c.cell_type == "markdown") + 1]
        method[-1].source = method[-1].source.replace(f'<a id="{group[0].job_id}"></a>', f'<a id="{notebook}"></a>')
        section = Section(title, notebook, cells=list(method))
        for job, nb in zip(group, books):
            label = grid_label(job)
            section.cells += section_cells(job, nb, f"### {label}", 2, method=False)
            section.entries.append((job.job_id, label))
        drop_repeats(section.cells)
        sections.append(section)
    return sections


def contents(sections: list[Section]) -> str:
    """The contents as nested Markdown lists: tasks, and under each its grid jobs and summary."""
    lines = []
    for section in sections:
        lines.append(f"1. [{section.title}](#{section.anchor})")
        lines += [f"    - [{label}](#{anchor})" for anchor, label in section.entries]
    return "\n".join(lines)


def combined_notebook(profile: Profile, jobs: list[Job], report: Path, front: str = "") -> nbformat.NotebookNode:
    """Title, contents and every task's section in profile order."""
    sections = task_sections(jobs, report)
    # the PDF has pandoc's title and Typst's outline instead of these two
    title = new_markdown_cell(f"# {TITLE}", metadata={"tags": [HTML_ONLY_TAG]})
    toc = new_markdown_cell(f"## Contents\n\n{contents(sections)}", metadata={"tags": [HTML_ONLY_TAG]})
    about = new_markdown_cell(f"Profile `{profile.name}`, built {time.strftime('%Y-%m-%d %H:%M')}.\n\n{front}")
    cells = [title, about, toc]
    for section in sections:
        cells.extend(section.cells)
    for i, cell in enumerate(cells):  # ids repeat across jobs of one notebook
        cell.id = f"cell-{i}"
    nb = new_notebook(cells=cells)
    number_figures(nb)
    nb.metadata["kernelspec"] = {"name": paths.KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def build_report(
    profile: Profile, jobs: list[Job], stamps: dict[str, str], report: Path, pdf: bool = True
) -> list[Path]:
    """Write index.html (and report.pdf) unless the jobs' stamps, this module and the
    written files are all as they were at the last build."""
    out_dir = report
    html_path, pdf_path = out_dir / "index.html", out_dir / "report.pdf"
    wanted = [html_path] + ([pdf_path] if pdf else [])
    code = sha256_file(Path(__file__))
    key = hashlib.sha256(json.dumps([stamps, code, pdf]).encode()).hexdigest()
    stamp = out_dir / STAMP
    try:
        last = json.loads(stamp.read_text())
    except (OSError, ValueError):
        last = {}
    if last.get("key") == key and all(
        p.exists() and sha256_file(p) == last.get("files", {}).get(p.name) for p in wanted
    ):
        return wanted
    stamp.unlink(missing_ok=True)
    nb = combined_notebook(profile, jobs, report)
    atomic_write_text(html_path, to_html(nb))
    if pdf:
        to_pdf(nb, pdf_path)
    atomic_write_text(stamp, json.dumps({"key": key, "files": {p.name: sha256_file(p) for p in wanted}}))
    return wanted
