"""What the assembly, the web page and the PDF agree on: the report's title and the cell tags they read."""

TITLE = "Minibatch SGD on MNIST: a reproducible report"
# how every appendix's title starts (the per-run detail's here, the speed and provenance notebooks' own)
APPENDIX = "Appendix"
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove"}
HTML_ONLY_TAG = "html-only"
SHOW_CODE_TAG = "show-code"  # a code cell whose source belongs in the report (and PDF)
LEFT_OUT = "<!-- left out of the report -->"  # printed by a notebook that has nothing to show this time
DETAIL_TAG = "run-detail"  # a cell of a grid job's own section, behind its task's summary
# a cell of a grid job's own section, not of what a summary set behind its answer: the PDF prints
# only its headings, figures and tables (the web page, everything)
GRID_RUN_TAG = "grid-run"
MORE_TAG = "more-detail"  # a notebook's cell that belongs behind its task's answer, with the per-run detail


def detail_group_tag(group: int) -> str:
    """The tag shared by the cells of one grid job's section (numbered in reading order)."""
    return f"run-detail-{group}"


def detail_group(tags: list[str]) -> str | None:
    """The group tag among a cell's tags, or None for a cell outside any per-run detail."""
    return next((t for t in tags if t.startswith("run-detail-")), None)
