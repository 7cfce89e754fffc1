"""The tie rule of Task 7: two cells are ranked only when their ranges, mean ± s.d., do not
overlap, and only cells run with several seeds that all converged are ranked at all."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.tasks.mlp_grid.ties import borrowed_sd, comparison_rule, rank, rankable, ranking_text, said, separated


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


def test_ranges_that_do_not_overlap_are_ranked_and_those_that_do_are_tied():
    assert separated(98.39, 0.05, 97.42, 0.08)
    assert not separated(98.39, 0.05, 98.30, 0.05)  # 0.09 apart, half-widths 0.10
    assert not separated(98.39, 0.05, 90.0, math.nan)  # no spread: nothing is ranked


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


def test_a_hand_figure_borrows_the_largest_sd_of_the_ranked_cells():
    assert borrowed_sd(rows(), "test_acc") == 0.0008
    # a cell with a failed seed does not lend its (huge) spread
    failing = rows(test_acc_sd=[0.0008, 0.40, 0.0004, math.nan], all_converged=[True, False, True, True])
    assert borrowed_sd(failing, "test_acc") == 0.0008
    assert math.isnan(borrowed_sd(rows(seeds=[1, 1, 1, 1]), "test_acc"))


def test_the_ranking_in_words_with_and_without_its_values():
    text = ranking_text(rows(), "lr", "test_acc", percent=True)
    assert (
        text
        == "highest at η = 0.1 (98.39% ± 0.05), tied with η = 0.3 (98.33% ± 0.04), ahead of η = 0.01 (97.42% ± 0.08)"
    )
    bare = ranking_text(rows(), "lr", "test_acc", percent=True, values=False)
    assert bare == "highest at η = 0.1, tied with η = 0.3, ahead of η = 0.01"  # a table beside it shows the values
    assert ranking_text(rows(), "cell", "test_acc", percent=True).startswith("highest at B = 32, η = 0.1 (")
    assert ranking_text(rows().iloc[[0, 3]], "lr", "test_acc") is None


def test_a_value_is_said_with_its_spread_and_alone_for_one_seed():
    assert said(0.338, 0.004, 3) == "0.34 ± 0.00" and said(0.338, 0.004, 3, digits=0) == "0.338 ± 0.004"
    assert said(0.979, math.nan, 1, percent=True) == "97.90%"  # no '± assumed': a single run is not ranked
    assert said(2.33, math.nan, 3, digits=0) == "2.33"


def test_the_rule_is_said_once_in_plain_words():
    rule = comparison_rule()
    assert rule.count("do not overlap") == 1 and "one seed" in rule and "some seed failed" in rule
    assert "how often a setting fails" in rule
