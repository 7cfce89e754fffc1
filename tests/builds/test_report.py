"""The report as its reader gets it: one real quick build, read as HTML, notebooks and PDF."""

from __future__ import annotations

import json
import re
import subprocess

import document
import nbformat
from helpers import QUICK as CMD
from pdf_layout import (
    captions_without_their_figure,
    headings_at_page_foot,
    overlapping_words,
    page_lines,
    split_numbers,
    typst_headings,
)

from mnist_sgd.build import params
from mnist_sgd.build.params import expand_jobs, load_profile
from mnist_sgd.stitch.assemble import combined_notebook, left_out
from mnist_sgd.stitch.pdf import page_ink, to_markdown

# of the quick build (12 pages, a task following on the page the task before it ends on): its grids are smaller,
# its answers as long as the full ones (13 pages)
BODY_PAGES = 14


def test_every_section_is_in_the_page_and_a_second_build_runs_nothing(quick):
    report, env = quick
    html = (report / "index.html").read_text()
    jobs = expand_jobs(load_profile("quick"))
    for job in jobs:
        shown = not left_out(nbformat.read(report / "executed" / f"{job.job_id}.ipynb", as_version=4))
        assert (f'id="{job.job_id}"' in html) == shown, f"section {job.job_id} {'missing' if shown else 'shown'}"
    assert not (report / "bench.json").exists() and 'id="90_speed"' not in html, "no benchmark, no speed appendix"
    assert "Traceback" not in html and 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    assert html.count("data:image/png;base64") >= len(jobs)

    second = subprocess.run(CMD, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{len(jobs)} up to date, 0 to run" in second.stdout
    stamps = [json.loads((report / "executed" / f"{j.job_id}.json").read_text()) for j in jobs]
    assert all(s["seconds"] > 0 for s in stamps)


def test_the_page_makes_no_network_request(quick):
    html = (quick[0] / "index.html").read_text()
    external = re.findall(
        r"""<(?:script|img|link|iframe|source|video|audio)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""", html, re.I
    )
    assert not external, external
    assert not re.search(r"""import\(["']https?://|url\(["']?https?://""", html)


def test_no_machine_path_in_any_output(quick):
    report = quick[0]
    for path in sorted((report / "executed").glob("*.ipynb")):
        text = json.dumps([c.get("outputs", []) for c in json.loads(path.read_text())["cells"]])
        assert "PosixPath(" not in text and str(report) not in text, f"{path.name} prints a path"


def test_prose_shows_values_not_parameter_names(quick, monkeypatch):
    """Parameter names (identifiers with an underscore) never appear in the prose, tables and
    code aside, and each grid task states its method once."""
    monkeypatch.setenv("MNIST_SGD_REPORT_DIR", str(quick[0]))
    profile = load_profile("quick")
    nb = combined_notebook(profile, expand_jobs(profile), quick[0])
    names = {name for spec in params.SPECS.values() for name in spec.params if "_" in name}
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    texts += [
        o["data"]["text/markdown"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ]
    for text in texts:
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        prose = "\n".join(line for line in prose.splitlines() if not line.lstrip().startswith("|"))
        prose = re.sub(r"`[^`]*`", "", prose)
        used = {name for name in names if re.search(rf"(?<![\w-]){name}(?![\w-])", prose)}
        assert not used, f"{used} in: {prose[:300]}"
    method = "small batches need more steps to see the same data"  # a phrase of its method
    # a line break inside markdown prose is a space
    assert sum(" ".join(text.split()).count(method) for text in texts) == 1, "the method of Task 3 is stated once"


def test_pdf_pages_are_laid_out_for_reading(quick):
    report = quick[0]
    pdf = report / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    ink = page_ink(pdf)
    assert min(ink) > 0.002, f"blank page(s) in the PDF: {[i + 1 for i, v in enumerate(ink) if v <= 0.002]}"
    assert overlapping_words(pdf) == []
    assert split_numbers(pdf) == []
    assert captions_without_their_figure(pdf) == []
    headings = typst_headings((report / "pdf" / "report.typ").read_text())
    assert len(headings) > 10
    assert headings_at_page_foot(pdf, headings) == []


def pdf_notebook(report, monkeypatch):
    """The notebook the quick build's PDF is made of (per-run detail in its appendix)."""
    monkeypatch.setenv("MNIST_SGD_REPORT_DIR", str(report))
    profile = load_profile("quick")
    return combined_notebook(profile, expand_jobs(profile), report, folded=False)


def test_the_body_reads_in_about_fourteen_pages(quick):
    """The answers come before the appendices, in at most BODY_PAGES pages; the per-run detail
    follows them."""
    pages = page_lines(quick[0] / "report.pdf")
    contents = " ".join(pages[0])
    assert "Appendix: per-run detail" in contents, "the contents list the per-run detail"
    # the heading is a line of its own; its entry in the contents has dots and a page number
    body_pages = next(i for i, lines in enumerate(pages) if "Appendix: per-run detail" in lines)
    assert body_pages <= BODY_PAGES, f"the body runs to {body_pages} pages"


def test_no_sentence_is_said_twice(quick, monkeypatch):
    repeated = document.repeated_sentences(pdf_notebook(quick[0], monkeypatch))
    assert not repeated, "\n".join(f"{n}x {s[:150]}" for s, n in repeated.items())


def test_the_prose_names_nothing_only_the_code_knows(quick, monkeypatch):
    assert document.internal_names(pdf_notebook(quick[0], monkeypatch)) == []


def test_the_prose_names_no_figure_or_table_by_its_number(quick, monkeypatch):
    assert document.numbered_references(pdf_notebook(quick[0], monkeypatch)) == []


def test_every_figure_and_table_has_a_numbered_caption(quick, monkeypatch, tmp_path):
    markdown = to_markdown(pdf_notebook(quick[0], monkeypatch), tmp_path / "media")
    assert document.uncaptioned(markdown) == []
