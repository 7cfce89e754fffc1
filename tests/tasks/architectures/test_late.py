"""Task 8's models read after their last epoch, each verdict's noise the seeds' s.d. combined with one
run's fluctuation (a mean over each seed's last epochs only as the detail's check), named in plain
words; and the detail's dips, said by when each was back and where the figure's band falls without one."""

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
    final_fit_caption,
    final_fit_table,
    final_stats,
    late_check_text,
    late_means,
    late_noise,
    plain_columns,
    plain_names,
    reading_at,
)


def history(model: str, seeds: dict[int, list[float]]) -> pd.DataFrame:
    """One model's runs, test accuracy per epoch from 1; the training accuracy 0.02 above it."""
    rows = [
        {"model": model, "seed": s, "epoch": e, "test_acc": a, "train_acc": a + 0.02}
        for s, accs in seeds.items()
        for e, a in enumerate(accs, start=1)
    ]
    return pd.DataFrame(rows)


def test_a_model_is_read_after_its_last_epoch_with_one_run_s_fluctuation_in_its_noise():
    # the CNN's seeds agree to 0.1 point (s.d.), one run swings by 0.05 (made up): its noise is √(0.1² + 0.05²)
    final = final_stats(plain_names(arch_stats())).set_index("model")
    assert final.at["CNN", "final_test_acc"] == arch_stats().set_index("model").at["CNN", "final_test_acc"]
    assert final.at["CNN", "noise"] == pytest.approx(math.hypot(0.1, 0.05)) == late_noise(0.1, 0.05, 1)
    assert final.at["CNN", "gap_noise"] == pytest.approx(math.hypot(0.1, 0.05))  # the gap holds the test accuracy
    assert gap_noise_of(final.reset_index()).iloc[4] == pytest.approx(math.hypot(0.1, 0.05))
    # one seed: its noise stays its fluctuation, and its gap takes it
    one = final_stats(arch_stats(large_seeds=1)).set_index("model")
    assert one.at["CNN", "noise"] == 0.05 and math.isnan(one.at["CNN", "gap_noise"])
    assert gap_noise_of(one.reset_index()).iloc[4] == 0.05
    table = final_fit_table(final.reset_index())
    assert "train (%)" in table.columns and "final train (%)" not in table.columns
    # the gap ± what its verdicts use, the same as the test accuracy's: 1.80 ± √(0.1² + 0.1²) for the MLP 128
    assert table.set_index("model").at["MLP 128", "train − test (points)"] == "1.80\u00a0±\u00a00.14"
    caption = final_fit_caption()
    assert caption.startswith("After the last epoch, mean over the seeds: the training accuracy (whole training set)")
    assert "combined with one run's fluctuation" in caption and "last 5" not in caption


def test_a_reading_at_an_epoch_counts_the_fluctuation_once():
    c = pd.DataFrame({"model": ["CNN", "CNN"], "epoch": [1, 2], "mean": [0.97, 0.98], "sd": [0.002, math.nan]})
    s = arch_stats()
    assert reading_at(c, s, "CNN", 1) == pytest.approx((97.0, math.hypot(0.2, 0.05)))
    # one seed evaluated there: the model's own noise, which already holds its fluctuation
    assert reading_at(c, s, "CNN", 2) == pytest.approx((98.0, 0.05))
    assert reading_at(c, s, "CNN", 3) is None


def test_the_mean_of_the_last_epochs_is_a_check_of_the_models_trained_longest():
    # seed 0 ends on a dip at its last epoch: one reading says 0.90, its last 5 epochs 0.964
    h = history(
        "CNN", {0: [0.5, 0.98, 0.98, 0.98, 0.98, 0.90], 1: [0.5, 0.97, 0.97, 0.97, 0.97, 0.97], 2: [0.5, 0.96]}
    )  # fmt: skip  (seed 2 stopped after 2 epochs: left out)
    late = late_means(h, last=5).set_index("model")
    assert late.at["CNN", "late_test_acc"] == pytest.approx((0.964 + 0.97) / 2) and late.at["CNN", "seeds"] == 2
    s = plain_names(arch_stats(cnn={"final_test_acc": 0.935})).assign(epochs=6)
    s.loc[s["model"] == FIRST, "epochs"] = 3  # shorter: still rising at its end, so not read over its last epochs
    first = pd.DataFrame({"model": [FIRST], "late_test_acc": [0.5], "seeds": [3]})
    text = late_check_text(s, pd.concat([late.reset_index(), first]), last=5)
    assert text == (
        "**Check.** Averaged over each seed's last 5 epochs instead, the test accuracy of the CNN moves by 3.20 "
        "points at most."
    )  # only the models trained longest: the others are still rising at their end
    assert late_check_text(s, late.reset_index(), last=6) is None  # no run longer than the mean


def test_a_model_s_noise_counts_what_one_run_s_swing_leaves_in_a_mean_of_its_last_epochs():
    # 3 seeds whose means agree to 0.01 point, one run swinging by 0.07 from epoch to epoch: √(0.01² + 0.07²/5) = 0.033
    assert late_noise(0.01, 0.07, 5) == pytest.approx(math.hypot(0.01, 0.07 / math.sqrt(5)))
    assert late_noise(0.01, math.nan, 5) == 0.01  # no swing measured: the s.d. alone
    assert late_noise(0.01, 0.07, 1) == pytest.approx(math.hypot(0.01, 0.07))  # one reading carries the swing whole


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
    assert (
        "4 times: the MLP 128 twice (2 seeds, epochs 18 and 24; the largest −1.39 points) and the CNN twice (seed 0, "
        "epochs 30 and 34; the largest −1.30 points)." in text
    )  # each dip's epoch, so that the figure's falls can be found
    assert "Each time its training accuracy" in text and "worse for that epoch" in text
    assert text.endswith(
        "of the 4, 1 was back 1 epoch later, 2 were back 2 epochs later and 1 was not back by the run's end (0.63 "
        "points below)."
    )
    once = dips_text(found.iloc[[1]], plain_names(arch_stats()))
    assert "next once: the MLP 128 once (seed 1, epoch 24; −1.10 points)" in once and once.endswith(
        "before the dip, it was back 1 epoch later."
    )
    # the figure's band can fall where no run dipped: said, with where
    band = pd.Series({"model": "MLP 500-300", "epoch": 13, "fall": 0.79})
    with_band = dips_text(found.iloc[[1]], plain_names(arch_stats()), band)
    assert with_band.endswith(
        "it was back 1 epoch later. The figure's band (lowest to highest seed) also falls where no run fell by more "
        "than 1 point: by up to 0.79 points (the MLP 500-300 at epoch 13)."
    )
    assert dips_text(found.iloc[:0], arch_stats(), band).endswith("(the MLP 500-300 at epoch 13).")
    assert "on the test images more than" in dips_text(found.assign(train_fall=0.1), plain_names(arch_stats()))
    assert "No run's test accuracy fell by more than 1 point" in dips_text(found.iloc[:0], arch_stats())
