"""Task 8's models read past one epoch's swings (each seed's mean over its last epochs, then
mean ± s.d. over the seeds), named in plain words; and the detail's dips, said by when each was back."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from made_up import arch_stats

from mnist_sgd.science.architectures import FIRST, FIRST_01
from mnist_sgd.tasks.architectures.comparison import gap_noise_of
from mnist_sgd.tasks.architectures.detail import dips_text
from mnist_sgd.tasks.architectures.dips import COLUMNS
from mnist_sgd.tasks.architectures.late import (
    late_fit_caption,
    late_fit_table,
    late_noise,
    late_stats,
    plain_columns,
    plain_names,
)


def history(model: str, seeds: dict[int, list[float]]) -> pd.DataFrame:
    """One model's runs, test accuracy per epoch from 1; the training accuracy 0.02 above it."""
    rows = [
        {"model": model, "seed": s, "epoch": e, "test_acc": a, "train_acc": a + 0.02}
        for s, accs in seeds.items()
        for e, a in enumerate(accs, start=1)
    ]
    return pd.DataFrame(rows)


def test_a_model_is_read_as_each_seed_s_mean_over_its_last_epochs_then_over_the_seeds():
    # seed 0 ends on a dip at its last epoch: one reading says 0.90, its last 5 epochs 0.97
    h = history(
        "CNN", {0: [0.5, 0.98, 0.98, 0.98, 0.98, 0.90], 1: [0.5, 0.97, 0.97, 0.97, 0.97, 0.97], 2: [0.5, 0.96]}
    )  # fmt: skip  (seed 2 stopped after 2 epochs: left out)
    late = late_stats(arch_stats(), h, last=5).set_index("model")
    assert late.at["CNN", "final_test_acc"] == pytest.approx((0.964 + 0.97) / 2)
    # the seeds' s.d. combined with what the CNN's swing (0.05 point, made up) leaves in a mean of 5 epochs
    assert late.at["CNN", "noise"] == pytest.approx(
        math.hypot(100 * pd.Series([0.964, 0.97]).std(), 0.05 / math.sqrt(5))
    )
    assert late.at["CNN", "gap"] == pytest.approx(0.02) and late.at["CNN", "gap_sd"] == pytest.approx(0, abs=1e-12)
    assert late.at["MLP 128", "final_test_acc"] == arch_stats().set_index("model").at["MLP 128", "final_test_acc"]
    one = late_stats(arch_stats(large_seeds=1), history("CNN", {0: [0.9, 0.95]})).set_index("model")
    assert one.at["CNN", "noise_source"] == "epochs" and not math.isnan(one.at["CNN", "noise"])  # its fluctuation
    table = late_fit_table(late.reset_index())
    assert "train (%)" in table.columns and "final train (%)" not in table.columns
    assert late_fit_caption(5).startswith("Each seed's mean over its last 5 epochs, then the mean over the seeds")
    # the gap ± what its verdicts use: the seeds' s.d. (0 here) with the CNN's swing (0.05, made up) over 5 epochs
    gap = table.set_index("model").at["CNN", "train − test (points)"]
    assert gap == f"2.00\u00a0±\u00a0{0.05 / math.sqrt(5):.2f}"
    assert "combined with what the test accuracy's fluctuation leaves in a mean of 5 epochs" in late_fit_caption(5)


def test_a_model_s_noise_counts_what_one_run_s_swing_leaves_in_a_mean_of_its_last_epochs():
    # 3 seeds whose means agree to 0.01 point, one run swinging by 0.07 from epoch to epoch: √(0.01² + 0.07²/5) = 0.033
    assert late_noise(0.01, 0.07, 5) == pytest.approx(math.hypot(0.01, 0.07 / math.sqrt(5)))
    assert late_noise(0.01, math.nan, 5) == 0.01  # no swing measured: the s.d. alone
    # the CNN's two seeds agree to 0.01 point, one run swings by 0.05 (made up): its noise is √(0.01² + 0.05²/3)
    h = history("CNN", {0: [0.97, 0.97, 0.97], 1: [0.9701, 0.9701, 0.9701]})
    tight = late_stats(arch_stats(), h, last=3).set_index("model")
    assert tight.at["CNN", "noise"] == pytest.approx(math.hypot(0.01 / math.sqrt(2), 0.05 / math.sqrt(3)))
    assert tight.at["CNN", "final_test_acc_sd"] == pytest.approx(pd.Series([0.97, 0.9701]).std())  # kept as it is
    # the gap holds the test accuracy: its noise counts the swing too, and the gap verdicts use it
    assert tight.at["CNN", "gap_noise"] == pytest.approx(0.05 / math.sqrt(3))
    assert gap_noise_of(tight.reset_index()).iloc[4] == pytest.approx(0.05 / math.sqrt(3))
    assert gap_noise_of(arch_stats()).iloc[4] == pytest.approx(0.1)  # not read over the last epochs: the seeds' s.d.


def test_the_first_runs_are_named_by_what_they_are():
    named = plain_names(arch_stats()).set_index("model")["name"]
    assert named[FIRST] == "MLP 128 at η = 0.01" and named[FIRST_01] == "MLP 128 at η = 0.01 on [0, 1]"
    assert named["CNN"] == "CNN" and not any("first run" in n for n in named)
    assert list(plain_columns(pd.DataFrame(columns=["epoch", "first run", "CNN"])).columns) == [
        "epoch", "MLP 128 at η = 0.01", "CNN",
    ]  # fmt: skip


def test_the_dips_say_when_each_was_back_grouped_by_how_long_it_took():
    found = pd.DataFrame(
        [("MLP 128", 0, 18, 1.39, 1.2, 0.95, math.nan, 0.63, 0.2), ("MLP 128", 1, 24, 1.1, 0.9, 0.1, 25, 0.0, 0.2),
         ("CNN", 0, 30, 1.2, 1.0, 0.5, 32, 0.0, 0.1), ("CNN", 0, 34, 1.3, 1.0, 0.5, 36, 0.0, 0.1)],
        columns=COLUMNS,
    )  # fmt: skip
    text = dips_text(found, plain_names(arch_stats()))
    assert "4 times: the MLP 128 twice (2 seeds; the largest −1.39 points, epoch 18) and the CNN twice (seed 0;" in text
    assert "Each time its training accuracy" in text and "worse for that epoch" in text
    assert text.endswith(
        "of the 4, 1 was back 1 epoch later, 2 were back 2 epochs later and 1 was not back by the run's end (0.63 "
        "points below)."
    )
    once = dips_text(found.iloc[[1]], plain_names(arch_stats()))
    assert "next once: the MLP 128 once (seed 1; −1.10 points, epoch 24)" in once and once.endswith(
        "before the dip, it was back 1 epoch later."
    )
    assert "on the test images more than" in dips_text(found.assign(train_fall=0.1), plain_names(arch_stats()))
    assert "No run's test accuracy fell by more than 1 point" in dips_text(found.iloc[:0], arch_stats())
