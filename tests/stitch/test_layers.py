"""The report's two layers, on made-up executed notebooks: a task's body is its method and
its summary, the grid jobs' own sections are per-run detail (folded on the web page, an
appendix of the PDF with their figures side by side), and a section with nothing to show is
left out."""

from __future__ import annotations

import base64
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from mnist_sgd.build.params import Job, P, Profile
from mnist_sgd.show.present import FIGURE_MARK
from mnist_sgd.stitch import assemble
from mnist_sgd.stitch.assemble import APPENDIX_ANCHOR, combined_notebook, fill_parameters, task_sections
from mnist_sgd.stitch.pdf import to_markdown
from mnist_sgd.stitch.tags import LEFT_OUT, MORE_TAG
from mnist_sgd.store import paths

# a 1 x 1 PNG: enough for the PDF's Markdown, which reads only its width
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def figure(caption: str) -> nbformat.NotebookNode:
    return new_code_cell(
        "plot()",
        outputs=[
            new_output("display_data", data={"image/png": PNG}),
            new_output("display_data", data={"text/markdown": f"{FIGURE_MARK} {caption}"}),
        ],
    )


def said(text: str) -> nbformat.NotebookNode:
    return new_code_cell("say()", outputs=[new_output("display_data", data={"text/markdown": text})])


def write(report, job_id: str, cells: list) -> None:
    path = paths.executed_of(report) / f"{job_id}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), path)


def grid_task(report, summary: bool) -> list[Job]:
    """Task 5 on two sizes, each with two figures and a status line, and its summary."""
    jobs = []
    for n in (100, 500):
        job_id = f"05_dataset_size__dataset_size-{n}"
        method = new_markdown_cell("# Task 5: the role of the training-set size\n\nThe method, once.")
        write(report, job_id, [method, figure(f"loss at {n}"), figure(f"accuracy at {n}"), said(f"Status at {n}.")])
        jobs.append(Job("05_dataset_size", job_id, {"dataset_size": n}, grid={"dataset_size": n}))
    if summary:
        head = new_markdown_cell("# Task 5: the role of the training-set size, across all sizes")
        write(report, "05_dataset_size_summary", [head, figure("accuracy against size"), said("The answer.")])
        jobs.append(Job("05_dataset_size_summary", "05_dataset_size_summary", {}, needs=("05_dataset_size",)))
    return jobs


def texts(cells: list) -> str:
    out = [c.source for c in cells if c.cell_type == "markdown"]
    out += [o["data"]["text/markdown"] for c in cells for o in c.get("outputs", []) if "text/markdown" in o.data]
    return "\n".join(out)


def test_a_summarised_task_keeps_its_method_and_summary_and_holds_its_runs_apart(tmp_path):
    (section,) = task_sections(grid_task(tmp_path, summary=True), tmp_path)
    body = texts(section.cells)
    assert "The method, once." in body and "The answer." in body and "Status at 100." not in body
    assert [d.label for d in section.details] == ["N' = 100", "N' = 500"]
    assert section.entries == [("05_dataset_size_summary", "Across all sizes")]


def test_a_task_without_a_summary_answers_with_its_runs_in_its_body(tmp_path):
    (section,) = task_sections(grid_task(tmp_path, summary=False), tmp_path)
    assert "Status at 100." in texts(section.cells) and "Status at 500." in texts(section.cells)
    assert not section.details


def test_the_pdf_sets_the_runs_in_an_appendix_with_their_figures_together(tmp_path):
    jobs = grid_task(tmp_path, summary=True)
    nb = combined_notebook(Profile("full", tmp_path), jobs, tmp_path, folded=False)
    markdown = to_markdown(nb, tmp_path / "media")
    appendix = markdown.index(f"{{#{APPENDIX_ANCHOR}}}")
    assert markdown.index("The answer.") < appendix < markdown.index("loss at 100")
    assert markdown.count("#grid(columns") == 2  # one grid per run, its two figures in it
    grid = markdown[markdown.index("#grid(columns") :]
    assert grid.index("loss at 100") < grid.index("accuracy at 100") < grid.index("N' = 500")
    numbers = [int(n) for n in re.findall(r"\*\*Figure (\d+)\.\*\*", markdown)]
    assert numbers == [1, 2, 3, 4, 5], "figures numbered in reading order, body first"


def test_the_web_page_folds_each_run_under_its_task(tmp_path):
    jobs = grid_task(tmp_path, summary=True)
    nb = combined_notebook(Profile("full", tmp_path), jobs, tmp_path)
    groups = [c.id.split("--")[0] for c in nb.cells if c.id.startswith("run-detail-")]
    assert sorted(set(groups)) == ["run-detail-1", "run-detail-2"]
    answer = next(i for i, c in enumerate(nb.cells) if "The answer." in texts([c]))
    first_run = next(i for i, c in enumerate(nb.cells) if c.id.startswith("run-detail-"))
    assert answer < first_run, "the answer comes first, its runs folded after it"
    toc = nb.cells[2].source
    assert "[Per-run detail](#05_dataset_size--detail)" in toc and "(#05_dataset_size__dataset_size-500)" in toc


def behind(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell.metadata["tags"] = [MORE_TAG]
    return cell


def test_what_a_summary_sets_behind_its_answer_goes_with_the_runs(tmp_path):
    jobs = grid_task(tmp_path, summary=True)
    head = new_markdown_cell("# Task 5: the role of the training-set size, across all sizes")
    derivation = [behind(new_markdown_cell("## The exact limit")), behind(said("The derivation, at length."))]
    write(
        tmp_path, "05_dataset_size_summary", [head, figure("accuracy against size"), *derivation, said("The answer.")]
    )
    (section,) = task_sections(jobs, tmp_path)
    assert "The answer." in texts(section.cells) and "The derivation" not in texts(section.cells)
    assert [d.label for d in section.details] == ["N' = 100", "N' = 500", "The exact limit"]
    markdown = to_markdown(combined_notebook(Profile("full", tmp_path), jobs, tmp_path, folded=False), tmp_path / "m")
    appendix = markdown.index(f"{{#{APPENDIX_ANCHOR}}}")
    assert (
        appendix < markdown.index("accuracy at 500") < markdown.index("The exact limit") < markdown.index("at length")
    )
    toc = combined_notebook(Profile("full", tmp_path), jobs, tmp_path).cells[2].source
    assert "[The exact limit](#05_dataset_size_summary--more)" in toc


def test_a_section_without_a_grid_keeps_its_answer_and_sets_the_rest_behind(tmp_path):
    cells = [new_markdown_cell("# Task 6: the framework"), said("The answer."), behind(said("A long table."))]
    write(tmp_path, "06_pytorch", cells)
    (section,) = task_sections([Job("06_pytorch", "06_pytorch", {})], tmp_path)
    assert "The answer." in texts(section.cells) and "A long table." not in texts(section.cells)
    assert [d.label for d in section.details] == ["More detail"]


def test_a_section_with_nothing_to_show_is_left_out(tmp_path):
    write(tmp_path, "90_speed", [new_markdown_cell("# Appendix: how fast"), said(f"Nothing yet.\n\n{LEFT_OUT}")])
    jobs = grid_task(tmp_path, summary=True) + [Job("90_speed", "90_speed", {})]
    assert [s.anchor for s in task_sections(jobs, tmp_path)] == ["05_dataset_size"]
    assert assemble.left_out(nbformat.read(paths.executed_of(tmp_path) / "90_speed.ipynb", as_version=4))


RULE = "A run is stuck at chance when its loss stays within 5% of ln 10."


def test_a_rule_is_said_once_in_the_report_and_the_summary_may_say_it_again(tmp_path):
    write(tmp_path, "00_summary", [new_markdown_cell("# Summary"), said(f"In brief. {RULE}")])
    write(tmp_path, "01_data", [new_markdown_cell("# Task 1"), said(f"**Task 1.** {RULE} Short one.")])
    write(
        tmp_path,
        "02_sgd",
        [new_markdown_cell("# Task 2"), said(f"Its own words. {RULE}\n\n- {RULE}\n- kept"), figure(RULE)],
    )
    jobs = [Job(n, n, {}) for n in ("00_summary", "01_data", "02_sgd")]
    nb = combined_notebook(Profile("full", tmp_path), jobs, tmp_path, folded=False)
    outs = [o["data"]["text/markdown"] for c in nb.cells for o in c.get("outputs", []) if "text/markdown" in o.data]
    assert outs[0] == f"In brief. {RULE}"  # the summary
    assert outs[1] == f"**Task 1.** {RULE} Short one."  # the first time in a task
    assert outs[2] == "Its own words.\n\n- kept"  # said again: dropped, an emptied list item too
    assert outs[3] == f"**Figure 1.** {RULE}"  # a caption stays whole: it says what its figure draws


def test_a_parameter_in_the_prose_reads_as_its_spec_prints_it():
    specs = {"rel_tol": P("float", 0, 1, percent=True)}
    text = "changes by less than `rel_tol` over `iterations` steps, `unknown` left"
    assert fill_parameters(text, {"rel_tol": 0.01, "iterations": 4000}, specs) == (
        "changes by less than 1% over 4,000 steps, `unknown` left"
    )


def test_the_pdf_prints_of_a_grid_run_its_heading_figures_and_tables_and_the_web_page_its_prose(tmp_path):
    jobs = grid_task(tmp_path, summary=True)
    table = "| N' | loss |\n|---|---|\n| 100 | 0.5 |\n\n: The run's numbers."
    write(
        tmp_path,
        "05_dataset_size__dataset_size-100",
        [
            new_markdown_cell("# Task 5: the role of the training-set size\n\nThe method, once."),
            new_markdown_cell("## The numbers\n\nWhat the table shows, at length."),
            said(f"A paragraph on the run.\n\n{table}"),
            figure("loss at 100"),
        ],
    )
    markdown = to_markdown(combined_notebook(Profile("full", tmp_path), jobs, tmp_path, folded=False), tmp_path / "m")
    for shown in ("The run's numbers.", "| 100 | 0.5 |", "loss at 100", "Across all sizes"):
        assert shown in markdown
    for prose in ("The numbers", "What the table shows", "A paragraph on the run.", "Status at 500."):
        assert prose not in markdown
    assert "The answer." in markdown, "the body keeps its prose"
    assert "(what they show is said in the task's section)" in markdown, (
        "the appendix says once what the PDF leaves out"
    )
    web = texts(combined_notebook(Profile("full", tmp_path), jobs, tmp_path).cells)
    assert "What the table shows" in web and "A paragraph on the run." in web and "Status at 500." in web
    assert "(what they show is said in the task's section)" not in web
