"""Stitch the executed notebooks into one HTML page and one PDF.

The HTML comes from nbconvert (figures embedded, code hidden behind a toggle); the PDF
from the same cells turned into Markdown, then pandoc (Typst writer) and the Typst
compiler, both installed from PyPI. Both are written atomically.
"""

from __future__ import annotations

import ast
import copy
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
from mnist_sgd.stitch.repeats import DIGEST, drop_repeats, drop_said_sentences
from mnist_sgd.stitch.run_prose import prints_in_pdf
from mnist_sgd.stitch.tags import (
    APPENDIX,
    DETAIL_TAG,
    GRID_RUN_TAG,
    HIDDEN_TAGS,
    HTML_ONLY_TAG,
    LEFT_OUT,
    MORE_TAG,
    TITLE,
    detail_group,
    detail_group_tag,
)
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


def fill_parameters(markdown: str, values: dict[str, object], specs: dict[str, params.P]) -> str:
    """A parameter named in Markdown as `name` becomes the value the job ran with, as its spec
    in ``specs`` prints it (``P.prints``): prose shows values, not the notebook's variable names."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        spec = specs.get(name)
        return spec.prints(values[name]) if spec else format_value(values[name])

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
    Markdown cell, the task's method, is kept only when ``method`` is true. The notebook is
    left as it is (its cells are copied), so a second call shifts its headings from the start."""
    nb = copy.deepcopy(nb)
    values = job_values(job, nb)
    specs = params.SPECS[job.notebook].params if job.notebook in params.SPECS else {}
    cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.metadata.get("tags", []))]
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    body = re.sub(r"^#+\s+.+$", "", first.source, count=1, flags=re.M) if first and method else ""
    if first is not None and not method:
        cells.remove(first)
    for cell in cells:
        if cell.cell_type == "markdown":
            cell.source = bind_units(shift_headings(fill_parameters(cell.source, values, specs), levels))
        for out in cell.get("outputs", []):
            if "text/markdown" in out.get("data", {}):
                out["data"]["text/markdown"] = bind_units(out["data"]["text/markdown"])
    shared = {k: v for k, v in values.items() if k not in job.grid}  # the method is the same for every grid job
    head = new_markdown_cell(
        f'<a id="{job.job_id}"></a>\n\n{heading}\n' + shift_headings(fill_parameters(body, shared, specs), levels)
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


def left_out(nb: nbformat.NotebookNode) -> bool:
    """Whether an executed notebook says it has nothing to show this time (``LEFT_OUT``)."""
    return any(
        LEFT_OUT in out.get("data", {}).get("text/markdown", "") for cell in nb.cells for out in cell.get("outputs", [])
    )


@dataclass
class Detail:
    """One grid job's own section (its curves, table and status): the per-run detail behind
    its task's summary; or, without a ``book``, the ``cells`` a notebook set behind its answer
    (``MORE_TAG``: a derivation, a long table)."""

    job: Job
    label: str
    book: nbformat.NotebookNode | None
    cells: list = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.job.job_id if self.book is not None else f"{self.job.job_id}--more"


def set_behind(cells: list, job: Job) -> tuple[list, Detail | None]:
    """A section's cells without those tagged ``MORE_TAG``, and those as one Detail, headed by
    the first of them when it is a heading alone (else "More detail"); None when there are none."""
    tagged = [c for c in cells if MORE_TAG in c.metadata.get("tags", [])]
    if not tagged:
        return cells, None
    moved = {id(c) for c in tagged}
    label, more = "More detail", tagged
    heading = re.fullmatch(r"\s*#+\s+(.+?)\s*", tagged[0].source) if tagged[0].cell_type == "markdown" else None
    if heading:
        label, more = heading.group(1), tagged[1:]
    return [c for c in cells if id(c) not in moved], Detail(job, label, None, more)


@dataclass
class Section:
    """A task of the report: its heading, the entries nested under it in the contents
    (the task's summary) as (anchor, label), its cells, and the per-run detail of its grid
    jobs (shown after its summary, or in their place when the task has no summary)."""

    title: str
    anchor: str
    entries: list[tuple[str, str]] = field(default_factory=list)
    cells: list = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)
    summarised: bool = False


def task_prefix(notebook: str) -> str:
    return notebook.split("_", 1)[0]  # "05" of 05_dataset_size and 05_dataset_size_summary


def subtitle(title: str, task_title: str) -> str:
    """A summary's own heading without its task's words: "Across all sizes"."""
    if title.startswith(task_title):
        rest = title[len(task_title) :].lstrip(" ,:;-")
    else:
        rest = re.sub(r"^Task \d+:\s*", "", title)
    return rest[:1].upper() + rest[1:] if rest else title


def task_sections(jobs: list[Job], report: Path) -> list[Section]:
    """The report's sections, in profile order. A grid notebook's method is shown once, at
    the head of its task; a notebook that continues a task (same number, no grid: the summary
    across the grid) nests under it. Each grid job's own results are the task's per-run detail,
    kept in the body only when the task has no summary to answer in their place. A notebook
    with nothing to show this time is left out."""
    by_notebook: dict[str, list[Job]] = {}
    for job in jobs:
        by_notebook.setdefault(job.notebook, []).append(job)
    sections: list[Section] = []
    for notebook, group in by_notebook.items():
        books = [nbformat.read(executed_path(report, job.job_id), as_version=4) for job in group]
        if all(left_out(nb) for nb in books):
            continue
        title = first_heading(books[0], notebook)
        task = sections[-1] if sections and task_prefix(sections[-1].anchor) == task_prefix(notebook) else None
        if task is not None and not any(job.grid for job in group):  # the task's summary
            label = subtitle(title, task.title)
            cells, more = set_behind(section_cells(group[0], books[0], f"### {label}", 2, method=True), group[0])
            task.cells += cells
            task.details += [more] if more else []
            task.entries.append((group[0].job_id, label))
            task.summarised = True
            continue
        if not any(job.grid for job in group):
            cells, more = set_behind(section_cells(group[0], books[0], f"## {title}", 1, method=True), group[0])
            # a section answers in its body: what it set behind stays there
            sections.append(
                Section(title, group[0].job_id, cells=cells, details=[more] if more else [], summarised=True)
            )
            continue
        head = section_cells(group[0], books[0], f"## {title}", 1, method=True)
        method = head[: next(i for i, c in enumerate(head) if c.cell_type == "markdown") + 1]
        method[-1].source = method[-1].source.replace(f'<a id="{group[0].job_id}"></a>', f'<a id="{notebook}"></a>')
        section = Section(title, notebook, cells=list(method))
        section.details = [Detail(job, grid_label(job), nb) for job, nb in zip(group, books)]
        sections.append(section)
    for section in sections:
        if section.details and not section.summarised:
            for detail in section.details:
                assert detail.book is not None  # without a summary, only its grid jobs' sections
                section.cells += section_cells(detail.job, detail.book, f"### {detail.label}", 2, method=False)
                section.entries.append((detail.job.job_id, detail.label))
            section.details = []
        drop_repeats(section.cells)
    return sections


def detail_cells(detail: Detail, heading: str, levels: int, group: int) -> list:
    """A grid job's section as per-run detail: its cells tagged as one group, so the web page
    folds them and the PDF sets their figures side by side (and, of a grid job, prints no prose)."""
    tags = [DETAIL_TAG, detail_group_tag(group)]
    if detail.book is None:
        cells = [new_markdown_cell(f'<a id="{detail.anchor}"></a>\n\n{heading}'), *copy.deepcopy(detail.cells)]
    else:
        cells = section_cells(detail.job, detail.book, heading, levels, method=False)
        tags.append(GRID_RUN_TAG)
    for cell in cells:
        cell.metadata.setdefault("tags", []).extend(tags)
    return cells


APPENDIX_TITLE = f"{APPENDIX}: per-run detail"
APPENDIX_ANCHOR = "per-run-detail"


def detail_anchor(section: Section) -> str:
    return f"{section.anchor}--detail"


def appendix_section(sections: list[Section]) -> Section | None:
    """The PDF's appendix of per-run detail: under each task that has some, its grid jobs'
    sections that have a figure or a table, in grid order; None when no task has any."""
    tasks = [s for s in sections if s.details]
    if not tasks:
        return None
    intro = (
        f'<a id="{APPENDIX_ANCHOR}"></a>\n\n## {APPENDIX_TITLE}\n\n'
        "Under each task: each grid point's curves and tables (what they show is said in the task's section), then "
        "the longer tables and derivations behind the task's answer."
    )
    appendix = Section(APPENDIX_TITLE, APPENDIX_ANCHOR, cells=[new_markdown_cell(intro)])
    group = 0
    for section in tasks:
        appendix.cells.append(new_markdown_cell(f'<a id="{detail_anchor(section)}"></a>\n\n### {section.title}'))
        appendix.entries.append((detail_anchor(section), section.title))
        for detail in section.details:
            group += 1
            if detail.book is not None and not prints_in_pdf(detail.book):
                continue  # a grid point with neither figure nor table: the PDF would print its heading alone
            appendix.cells += detail_cells(detail, f"#### {detail.label}", 3, group)
    drop_repeats(appendix.cells)
    return appendix


def with_details_folded(section: Section, first_group: int) -> list:
    """A task's cells for the web page: its body, then each grid job's section as one group
    that the page folds under its task (see ``html.FOLD``)."""
    cells = list(section.cells)
    if section.details:
        cells.append(new_markdown_cell(f'<a id="{detail_anchor(section)}"></a>\n\n### Per-run detail'))
    for i, detail in enumerate(section.details):
        cells += detail_cells(detail, f"#### {detail.label}", 3, first_group + i)
    drop_repeats(cells)
    return cells


def in_reading_order(sections: list[Section]) -> list[Section]:
    """The task sections with the appendix of per-run detail before the first other appendix."""
    appendix = appendix_section(sections)
    if appendix is None:
        return sections
    at = next((i for i, s in enumerate(sections) if s.title.startswith("Appendix")), len(sections))
    return sections[:at] + [appendix] + sections[at:]


def contents(sections: list[Section], folded: bool) -> str:
    """The contents as nested Markdown lists: tasks, and under each its summary; the per-run
    detail under its task (``folded``, the web page) or in the appendix's own entry."""
    lines = []
    for section in sections:
        lines.append(f"1. [{section.title}](#{section.anchor})")
        lines += [f"    - [{label}](#{anchor})" for anchor, label in section.entries]
        if folded and section.details:
            runs = ", ".join(f"[{d.label}](#{d.anchor})" for d in section.details)
            lines.append(f"    - [Per-run detail](#{detail_anchor(section)}): {runs}")
    return "\n".join(lines)


def combined_notebook(
    profile: Profile, jobs: list[Job], report: Path, front: str = "", folded: bool = True
) -> nbformat.NotebookNode:
    """Title, contents and every task's section in profile order. The per-run detail is
    ``folded`` under its task (the web page) or set in an appendix of its own (the PDF)."""
    sections = task_sections(jobs, report)
    # the PDF has pandoc's title and Typst's outline instead of these two
    title = new_markdown_cell(f"# {TITLE}", metadata={"tags": [HTML_ONLY_TAG]})
    shown = sections if folded else in_reading_order(sections)
    toc = new_markdown_cell(f"## Contents\n\n{contents(shown, folded)}", metadata={"tags": [HTML_ONLY_TAG]})
    built = f"Built {time.strftime('%Y-%m-%d %H:%M')}"
    if profile.name != "full":  # a reader must not take a smaller build's numbers for the report's
        built += f" with the settings `{profile.name}`, not the full ones: its numbers are not the report's results"
    about = new_markdown_cell(f"{built}.\n\n{front}")
    cells = [title, about, toc]
    group, said = 1, set[str]()
    for section in shown:
        if folded:
            these = with_details_folded(section, group)
            group += len(section.details)
        else:
            these = list(section.cells)
        if section.anchor != DIGEST:  # the summary repeats the answers by design
            drop_said_sentences(these, said)
        cells.extend(these)
    for i, cell in enumerate(cells):  # ids repeat across jobs of one notebook
        # the web page folds a grid job's cells by their id (its template tags code cells only)
        cell.id = f"{detail_group(cell.metadata.get('tags', [])) or 'cell'}--{i}"
    nb = new_notebook(cells=cells)
    number_figures(nb)
    nb.metadata["kernelspec"] = {"name": paths.KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def build_report(
    profile: Profile, jobs: list[Job], stamps: dict[str, str], report: Path, pdf: bool = True
) -> list[Path]:
    """Write index.html (and report.pdf) unless the jobs' stamps, the stitch modules and the
    written files are all as they were at the last build."""
    out_dir = report
    html_path, pdf_path = out_dir / "index.html", out_dir / "report.pdf"
    wanted = [html_path] + ([pdf_path] if pdf else [])
    code = [sha256_file(p) for p in sorted(Path(__file__).parent.glob("*.py"))]  # every stitch module
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
    atomic_write_text(html_path, to_html(combined_notebook(profile, jobs, report)))
    if pdf:
        to_pdf(combined_notebook(profile, jobs, report, folded=False), pdf_path)
    atomic_write_text(stamp, json.dumps({"key": key, "files": {p.name: sha256_file(p) for p in wanted}}))
    return wanted
