"""Task 8's dips: found per run, and "back" only within the stated tolerance of the level before."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mnist_sgd.tasks.architectures.dips import band_fall, find_dips, tolerances, training_fell_too


def run(model: str, seed: int, test: list[float], train: list[float] | None = None) -> pd.DataFrame:
    train = train or [a + 0.02 for a in test]
    return pd.DataFrame(
        {"model": model, "seed": seed, "epoch": range(1, len(test) + 1), "test_acc": test, "train_acc": train}
    )


def test_a_dip_not_regained_says_how_far_below_it_stays():
    # 97.63% at epoch 2, 96.00% at 3, 96.68% one epoch later: 0.95 points below, never back within 0.2 points
    h = run("MLP 128", 0, [0.97, 0.9763, 0.96, 0.9668, 0.9700])
    d = find_dips(h, {"MLP 128": 0.2}).iloc[0]
    assert d["epoch"] == 3 and d["fall"] == pytest.approx(1.63)
    assert d["after_below"] == pytest.approx(0.95) and d["after_below"] > d["tolerance"]  # not back one epoch later
    assert math.isnan(d["back_at"]) and d["end_below"] == pytest.approx(0.63)


def test_back_means_within_the_tolerance_of_the_level_before():
    h = run("MLP 128", 0, [0.97, 0.9763, 0.96, 0.9750, 0.9770])
    assert find_dips(h, {"MLP 128": 0.0})["back_at"].iloc[0] == 5  # at or above 97.63% only at epoch 5
    loose = find_dips(h, {"MLP 128": 0.2})
    assert loose["back_at"].iloc[0] == 4  # 97.50 is within 0.2 of 97.63: back one epoch later


def test_dips_are_found_per_seed_and_a_fall_under_the_threshold_is_not_one():
    h = pd.concat([run("CNN", 0, [0.98, 0.975, 0.99]), run("CNN", 1, [0.98, 0.96, 0.99, 0.97])])
    found = find_dips(h, {})
    assert found[["seed", "epoch"]].values.tolist() == [[1, 2], [1, 4]]  # seed 0's 0.5-point fall is no dip
    last = found.iloc[1]
    assert math.isnan(last["after_below"]) and math.isnan(last["back_at"])  # the last epoch: nothing after it


def test_the_training_accuracy_tells_a_worse_iterate_from_a_test_only_dip():
    both = run("CNN", 0, [0.98, 0.96, 0.98], train=[0.99, 0.975, 0.99])  # training fell 1.5 of the 2 points
    test_only = run("CNN", 1, [0.98, 0.96, 0.98], train=[0.99, 0.988, 0.99])
    found = find_dips(pd.concat([both, test_only]), {})
    assert training_fell_too(found).tolist() == [True, False]
    assert found["train_fall"].iloc[0] == pytest.approx(1.5)


def test_the_tolerance_is_twice_the_fluctuation_and_zero_when_unmeasured():
    assert tolerances(pd.Series({"CNN": 0.1, "MLP 128": math.nan})) == {"CNN": 0.2, "MLP 128": 0.0}


def test_the_band_s_fall_where_no_run_dipped_is_its_lowest_seed_s():
    # seed 0 dips at epoch 3 (2 points); at epoch 5 both seeds fall 0.8: the band's lower edge falls 0.8, no dip
    h = pd.concat(
        [
            run("MLP 500-300", 0, [0.97, 0.98, 0.96, 0.98, 0.972]),
            run("MLP 500-300", 1, [0.97, 0.98, 0.979, 0.985, 0.977]),
        ]
    )
    found = find_dips(h, {})
    assert found["epoch"].tolist() == [3]
    fall = band_fall(h, found)
    assert fall["model"] == "MLP 500-300" and fall["epoch"] == 5 and fall["fall"] == pytest.approx(0.8)
    assert band_fall(run("CNN", 0, [0.97, 0.98, 0.99]), found.iloc[:0]) is None  # never falls
