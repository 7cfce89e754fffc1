"""How computed prose and tables show numbers: plurals, one precision per kind, no template leftovers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from mnist_sgd.show import present, provenance
from mnist_sgd.show.present import (
    _Table,
    duration,
    fixed,
    fixed_columns,
    mean_ranges,
    mean_sd,
    mean_sds,
    number,
    plural,
)
from mnist_sgd.store import paths, results


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "thread", "1 thread"),
        (2, "job", "2 jobs"),
        (0, "epoch", "0 epochs"),
        (1000, "iteration", "1,000 iterations"),
        (np.int64(1), "seed", "1 seed"),
        (3, "batch size", "3 batch sizes"),
        (2, "pass", "2 passes"),
        ([1, 20], "epoch", "1 or 20 epochs"),
        ([1], "epoch", "1 epoch"),
    ],
)
def test_plural_writes_the_noun_in_the_right_number(count, noun, expected):
    many = "passes" if noun == "pass" else None
    assert plural(count, noun, many) == expected


def test_a_whole_number_is_shown_without_decimals():
    assert number(30000.0) == "30,000" and number(500.0) == "500"
    assert number(2.5) == "2.5" and number(0.5, 2) == "0.50"


def test_numbers_of_one_kind_share_their_decimals():
    assert fixed([2.2, 2.134]) == ["2.20", "2.13"]  # never "2.2" beside "2.13"
    assert fixed([0.0256, 0.178]) == ["0.0256", "0.1780"]
    assert fixed([1666.2, 12.3]) == ["1,666.2", "12.3"]
    assert fixed([3e-29, 5e-24]) == ["3.00e-29", "5.00e-24"]  # tiny values in powers of ten, never "0.000"
    assert fixed([math.nan, 1.5]) == ["n/a", "1.50"]
    assert fixed([0.00018, 0.025], like=[0.0256, 0.0934]) == ["0.0002", "0.0250"]


def test_a_spread_takes_the_decimals_of_its_mean():
    assert mean_sd(0.0256, 0.00018) == "0.0256\u00a0±\u00a00.0002"
    assert mean_sd(2.13, 0.052) == "2.13\u00a0±\u00a00.05"
    assert mean_sds([0.0256, 0.178], [0.00018, 0.015]) == ["0.0256\u00a0±\u00a00.0002", "0.1780\u00a0±\u00a00.0150"]


def test_fixed_columns_formats_a_mean_and_its_range_alike():
    df = pd.DataFrame({"mean": [0.2529, 0.434], "min": [0.09, 0.4339], "other": [1, 2]})
    out = fixed_columns(df, ["mean", "min"])
    assert out["mean"].tolist() == ["0.2529", "0.4340"] and out["min"].tolist() == ["0.0900", "0.4339"]
    assert out["other"].tolist() == [1, 2]


def test_durations_read_as_durations():
    assert duration(9.83) == "9.8 s"
    assert duration(1666.2) == "27 min 46 s"
    assert duration(3900) == "1 h 05 min"


def test_a_table_column_gets_one_precision():
    table = _Table(
        pd.DataFrame(
            {"loss": [0.4654, 0.434, 0.2], "test acc. (%)": [64.4, 9.41, 78.4], "max": [1.0, 1.0, 0.0], "n": [1, 2, 3]}
        ),
        "",
        None,
    )
    md = table._repr_markdown_()
    assert "0.465 " in md and "0.200 " in md and "0.2 " not in md  # not 0.2 next to 0.465
    assert "64.40" in md and "78.40" in md  # percentages with two decimals, like pct
    assert "1.00" not in md and "| 1 " in md  # whole numbers without decimals


def test_write_table_returns_nothing_to_print(report_dir):
    # a cell ending with write_table(...) must not print a path of the machine into the report
    assert results.write_table(pd.DataFrame({"a": [1]}), "job", "table") is None
    assert (paths.output_dir() / "job.table.csv").exists()


def _manifest(report_dir, jobs):
    (report_dir / "results").mkdir(parents=True, exist_ok=True)
    (report_dir / "results" / "manifest.json").write_text(json.dumps({"profile": "test", "jobs": jobs}))


def test_job_time_is_one_number_defined_once(report_dir):
    times = pd.DataFrame(
        {
            "job": ["a", "b", "c"],
            "notebook": ["a", "b", "c"],
            "seconds": [600.0, 600.0, 466.2],
            "finished": ["2026-01-01T10:10:00+0000", "2026-01-01T10:12:00+0000", "2026-01-01T10:20:00+0000"],
        }
    )
    text = provenance.job_time_text(times)
    assert text.startswith("The 3 task jobs took 27 min 46 s of job time (the sum of their run times")
    assert "1666" not in text and "1,666" not in text and "27.8" not in text and "e+03" not in text
    # from the start of the first (10:00:00) to the end of the last (10:20:00)
    assert "their wall time, from the start of the first to the end of the last, was 20 min 00 s." in text


def test_job_time_has_no_wall_time_when_jobs_come_from_several_builds():
    times = pd.DataFrame(
        {
            "job": ["a", "b"],
            "notebook": ["a", "b"],
            "seconds": [10.0, 12.0],
            "finished": ["2026-01-01T10:00:00+0000", "2026-01-02T10:00:00+0000"],
        }
    )
    assert provenance.wall_seconds(times) is None
    assert "The 2 task jobs took 22.0 s of job time" in provenance.job_time_text(times)
    assert "no one wall time" in provenance.job_time_text(times)
    assert provenance.job_time_text(times.iloc[:1]).startswith("The 1 task job took 10.0 s")


def test_jobs_kept_from_an_earlier_build_give_no_wall_time_even_when_close_in_time():
    # a job re-run a quarter of an hour after the others: its span still fits in the sum of the times
    times = pd.DataFrame(
        {
            "job": ["a", "b", "c"],
            "notebook": ["a", "b", "c"],
            "seconds": [1200.0, 1200.0, 5.0],
            "finished": ["2026-01-01T10:20:00+0000", "2026-01-01T10:20:00+0000", "2026-01-01T10:35:00+0000"],
            "build": ["2026-01-01T10:00:00+0000", "2026-01-01T10:00:00+0000", "2026-01-01T10:34:55+0000"],
        }
    )
    assert provenance.wall_seconds(times) is None
    assert "no one wall time" in provenance.job_time_text(times)
    one_build = times.assign(build="2026-01-01T10:00:00+0000")
    assert provenance.wall_seconds(one_build) == 35 * 60
    assert provenance.wall_seconds(times.assign(build=None)) is None  # stamps older than the field


def test_conditions_and_timing_note_have_no_template_leftovers():
    note = provenance.timing_note({"threads": 1, "device": "cpu", "parallel_jobs": 2})
    assert "1 torch thread on cpu, 2 jobs of the report running in parallel" in note
    assert "vary between builds" in note and "(s)" not in note


def test_parameters_table_has_short_job_labels_and_two_columns(report_dir):
    _manifest(
        report_dir,
        [
            {
                "job_id": "07_mlp_grid__batch_size-128__lr-1",
                "notebook": "07_mlp_grid",
                "needs": [],
                "parameters": {
                    "epochs": 1,
                    "train_size": 5000,
                    "batch_size": 128,
                    "lr": 1.0,
                    "job": "07_mlp_grid__batch_size-128__lr-1",
                },
            },
            {"job_id": "00_summary", "notebook": "00_summary", "needs": [], "parameters": {"job": "00_summary"}},
        ],
    )
    table = provenance.parameters()
    assert list(table.columns) == ["job", "parameters"]
    assert table["job"].tolist() == ["07_mlp_grid, batch_size = 128, lr = 1", "00_summary"]
    assert table["parameters"].tolist() == ["epochs = 1, train_size = 5,000", "(defaults)"]
    assert not table["parameters"].str.contains("__|job =").any()  # no job names among the parameters


def test_the_summary_links_each_question_to_its_section_and_missing_targets_say_so():
    answers = present.Answers()
    answers.add("4. Role of B", "B = 100", "04_batch_size_summary")
    assert "[4. Role of B](#04_batch_size_summary)" in answers.table() and "| B = 100" in answers.table()
    assert present.or_not_reached([1.0, float("nan")], ["1", "2"]) == ["1", "not reached"]


def test_a_mean_and_its_range_share_their_decimals():
    assert mean_ranges([0.5, 12.3456], [0.25, 12.0], [1.0, 12.5], 2) == ["0.50 [0.25, 1.00]", "12.35 [12.00, 12.50]"]
