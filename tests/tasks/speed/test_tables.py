"""What the report says of the speed appendix when it has none: one sentence, in the provenance appendix."""

from __future__ import annotations

from mnist_sgd.tasks.speed import tables as bench_report


def test_without_a_benchmark_the_provenance_appendix_says_in_one_sentence_how_to_add_one():
    text = bench_report.how_to_add_text()
    assert text.count(". ") == 0 and text.endswith(".") and "`make bench`" in text
    assert "appendix" in text and "is added" in text
