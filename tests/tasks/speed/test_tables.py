"""What the report says of the speed appendix when it has none: one plain sentence, and the appendix left out."""

from __future__ import annotations

from mnist_sgd.tasks.speed import tables as bench_report


def test_without_a_benchmark_the_speed_appendix_says_so_in_one_plain_sentence_and_is_left_out():
    sentence, mark = bench_report.missing_text().split("\n\n")
    assert sentence.count(". ") == 0 and sentence.endswith(".") and "not measured" in sentence
    assert "make" not in sentence and bench_report.FILENAME not in sentence and "`" not in sentence
    assert mark == bench_report.LEFT_OUT
