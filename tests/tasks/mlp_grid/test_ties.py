"""The tie rule of Task 7: two cells are ranked only when they differ by the report's one rule
(``criteria.differ``), and only cells run with several seeds that all converged are ranked at all;
a value is said with the rounding of the tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mnist_sgd.tasks.mlp_grid.ties import apart, noise, rank, rankable, ranking_text, said, threshold, which_are_ranked


def rows(**changes) -> pd.DataFrame:
    """Four cells at B = 32: η = 0.01 (3 seeds), 0.1 (3 seeds), 0.3 (3 seeds), 1 (1 seed, the highest)."""
    table = pd.DataFrame(
        {
            "batch_size": [32, 32, 32, 32],
            "lr": [0.01, 0.1, 0.3, 1.0],
            "seeds": [3, 3, 3, 1],
            "all_converged": [True, True, True, True],
            "test_acc": [0.9742, 0.9839, 0.9833, 0.9900],
            "test_acc_sd": [0.0008, 0.0005, 0.0004, math.nan],
        }
    )
    return table.assign(**changes)


def test_two_cells_differ_by_twice_their_combined_spread():
    r = rows().set_index("lr")
    assert apart(r.loc[0.1], r.loc[0.01], "test_acc")  # 0.0097 apart, 2 √(0.0005² + 0.0008²) = 0.0019
    assert not apart(r.loc[0.1], r.loc[0.3], "test_acc")  # 0.0006 apart, 0.0013
    # 0.0009 apart: ranges of ± s.d. overlap (0.0010), yet beyond 2 √(0.0002² + 0.0003²) = 0.0007
    close = rows(test_acc_sd=[0.0008, 0.0002, 0.0003, math.nan], test_acc=[0.9742, 0.9839, 0.9830, 0.99])
    c = close.set_index("lr")
    assert apart(c.loc[0.1], c.loc[0.3], "test_acc")
    assert not apart(r.loc[0.1], r.loc[1.0], "test_acc")  # no spread: nothing is ranked


def test_a_final_test_accuracy_is_judged_with_its_sd_and_one_runs_swing():
    # 0.0009 apart, beyond 2 √(0.0002² + 0.0003²) = 0.0007; with a swing of 0.05 point (0.0005) in each cell,
    # which one epoch's reading carries whole, each noise is √(s² + 0.0005²): 2 √(0.00054² + 0.00058²) = 0.0016,
    # so within
    close = rows(test_acc_sd=[0.0008, 0.0002, 0.0003, math.nan], test_acc=[0.9742, 0.9839, 0.9830, 0.99])
    c = close.assign(swing=0.05).set_index("lr")
    assert noise(c.loc[0.1], "test_acc") == pytest.approx(math.hypot(0.0002, 0.0005))
    assert not apart(c.loc[0.1], c.loc[0.3], "test_acc")
    least, swung = threshold(c.loc[0.1], c.loc[0.3], "test_acc")
    assert least == pytest.approx(0.0016, abs=1e-4) and swung
    assert apart(c.loc[0.1], c.loc[0.01], "test_acc")  # 0.0097: beyond both
    assert threshold(close.set_index("lr").loc[0.1], close.set_index("lr").loc[0.3], "test_acc")[1] is False
    assert math.isnan(noise(c.loc[1.0], "test_acc"))  # one seed: no s.d., nothing judged
    # a gap (points) holds the test accuracy: the swing counts in points; a loss has no swing
    gaps = pd.DataFrame({"gap": [1.0, 1.09], "gap_sd": [0.02, 0.02], "swing": 0.1})
    assert not apart(gaps.iloc[0], gaps.iloc[1], "gap")
    losses = gaps.rename(columns={"gap": "loss_epoch1", "gap_sd": "loss_epoch1_sd"})
    assert apart(losses.iloc[0], losses.iloc[1], "loss_epoch1")


def test_only_cells_of_several_seeds_that_all_converged_are_ranked():
    assert rankable(rows()).tolist() == [True, True, True, False]
    failing = rows(all_converged=[True, False, True, True])
    assert rankable(failing).tolist() == [True, False, True, False]
    # the one-seed cell is the highest, yet it is neither the best nor tied with it
    r = rank(rows(), "test_acc")
    assert r.best["lr"] == 0.1 and r.tied["lr"].tolist() == [0.3] and r.behind["lr"].tolist() == [0.01]
    assert 1.0 not in r.tied["lr"].tolist() + r.behind["lr"].tolist()
    assert rank(rows(seeds=[3, 1, 1, 1]), "test_acc") is None  # fewer than two ranked cells
    assert rank(rows(), "test_acc", highest=False).best["lr"] == 0.01  # for a loss, the lowest is best


def test_the_ranking_in_words_with_and_without_its_values():
    text = ranking_text(rows(), "lr", "test_acc", percent=True)
    assert text == (
        "tied for the highest at η = 0.1 (98.39% ± 0.05) and η = 0.3 (98.33% ± 0.04), ahead of η = 0.01 (97.42% ± 0.08)"
    )
    bare = ranking_text(rows(), "lr", "test_acc", percent=True, values=False)
    assert (
        bare == "tied for the highest at η = 0.1 and η = 0.3, ahead of η = 0.01"
    )  # a table beside it shows the values
    assert ranking_text(rows(), "setting", "test_acc", percent=True).startswith(
        "tied for the highest at B = 32, η = 0.1 ("
    )
    assert ranking_text(rows().iloc[[0, 3]], "lr", "test_acc") is None
    # η = 0.3 tied with the best but within the spread of one behind: "ahead of" would not hold for it
    close = rows().assign(test_acc=[0.9818, 0.9839, 0.9833, 0.9900])
    assert ranking_text(close, "lr", "test_acc", percent=True, values=False) == (
        "tied for the highest at η = 0.1 and η = 0.3; η = 0.01 is lower than η = 0.1, beyond the spread"
    )


def test_a_value_is_said_with_the_rounding_of_the_tables_and_alone_for_one_seed():
    # the s.d. to 1 significant figure, 2 when it starts with a 1, the mean to the same place
    assert said(0.1038, 0.0152, 3) == "0.104 ± 0.015" and said(0.338, 0.004, 3) == "0.338 ± 0.004"
    assert said(0.9829, 0.00025, 3, percent=True) == "98.29% ± 0.03"
    assert said(0.9988, 0.00099, 3, percent=True) == "99.9% ± 0.1"  # 0.099 rounds to 0.1
    assert said(0.979, math.nan, 1, percent=True) == "97.90%"  # no '± assumed': a single run is not ranked
    assert said(2.33, math.nan, 3, alone=".3g") == "2.33" and said(0.0, 0.0, 3, alone=".1f") == "0.0 ± 0.0"


def test_which_cells_are_ranked_is_said_once_in_plain_words():
    rule = which_are_ranked(1)
    assert rule.startswith(
        "A run *trained* when it neither diverged nor got stuck at chance (one answer for every image); settings are "
        "compared by"
    )
    assert "ranked" not in rule  # the report's word, not a student's
    assert "converged" not in rule  # Task 3's word
    assert "how often a setting fails" in rule and "overlap" not in rule and "2√" not in rule
    assert "one run" not in which_are_ranked(3)  # every cell ran several seeds: no word on single runs
