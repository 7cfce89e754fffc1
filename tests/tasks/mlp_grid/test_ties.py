"""The tie rule of Task 7: two values are ranked only when their intervals, mean ± s.d., do not
overlap; a one-run value borrows the largest s.d. of the cells whose seeds all converged."""

from __future__ import annotations

import math

import pandas as pd

from mnist_sgd.tasks.mlp_grid.ties import borrowed_sd, rank, ranking_text, said, separated, tie_rule


def rows(**changes) -> pd.DataFrame:
    """Three cells at B = 32: η = 0.01 (3 seeds), 0.1 (3 seeds), 1 (1 seed)."""
    table = pd.DataFrame(
        {
            "batch_size": [32, 32, 32],
            "lr": [0.01, 0.1, 1.0],
            "seeds": [3, 3, 1],
            "all_converged": [True, True, True],
            "test_acc": [0.9742, 0.9839, 0.9577],
            "test_acc_sd": [0.0008, 0.0005, math.nan],
        }
    )
    return table.assign(**changes)


def test_intervals_that_do_not_overlap_are_ranked_and_those_that_do_are_tied():
    assert separated(98.39, 0.05, 97.42, 0.08)
    assert not separated(98.39, 0.05, 98.30, 0.05)  # 0.09 apart, half-widths 0.10
    assert not separated(98.39, 0.05, 90.0, math.nan)  # no spread: nothing is ranked


def test_a_one_seed_value_borrows_the_largest_sd_of_the_cells_whose_seeds_all_converged():
    assert borrowed_sd(rows(), "test_acc") == 0.0008
    # a cell with a failed seed does not lend its (huge) spread
    failing = rows(test_acc_sd=[0.0008, 0.40, math.nan], all_converged=[True, False, True])
    assert borrowed_sd(failing, "test_acc") == 0.0008
    assert math.isnan(borrowed_sd(rows(seeds=[1, 1, 1]), "test_acc"))


def test_the_ranking_names_the_best_the_tied_and_those_behind():
    r = rank(rows(), "test_acc", borrowed=0.0008)
    assert r.best["lr"] == 0.1 and r.unique and r.behind["lr"].tolist() == [0.01, 1.0]
    # 98.39 ± 0.05 against 98.33 (one seed, ± 0.08 borrowed): tied
    close = rows(test_acc=[0.9742, 0.9839, 0.9833])
    r = rank(close, "test_acc", borrowed=0.0008)
    assert not r.unique and r.tied["lr"].tolist() == [1.0] and r.behind["lr"].tolist() == [0.01]
    # with no spread to borrow, the one-seed cell is tied with the best whatever its value
    assert rank(rows(), "test_acc", borrowed=math.nan).tied["lr"].tolist() == [1.0]
    assert rank(rows().iloc[:1], "test_acc", borrowed=0.0008) is None
    # for a loss, the lowest is best
    assert rank(rows(), "test_acc", borrowed=0.0008, highest=False).best["lr"] == 1.0


def test_the_ranking_in_words():
    text = ranking_text(rows(test_acc=[0.9742, 0.9839, 0.9833]), "lr", "test_acc", 0.0008, percent=True)
    assert text == (
        "highest at η = 0.1 (98.39% ± 0.05), tied with η = 1 (98.33%, 1 seed, ± 0.08 assumed), ahead of η = 0.01 "
        "(97.42% ± 0.08)"
    )
    assert ranking_text(rows(), "cell", "test_acc", 0.0008, percent=True).startswith("highest at B = 32, η = 0.1 (")
    assert said(0.338, 0.004, 3, digits=0) == "0.338 ± 0.004" and said(2.33, math.nan, 1, digits=0) == "2.33, 1 seed"
    rule = tie_rule(0.08)
    assert "do not overlap" in rule and "for the final test accuracy, 0.08 points" in rule
    assert "tied with every other" in tie_rule(math.nan)


def test_a_tie_shows_the_intervals_it_is_judged_by():
    # the same 1.80 difference from the best: tied for a one-seed value (± 1.75 assumed), ranked for a
    # three-seed value (± 0.04): the words differ, and the intervals beside them say why
    gaps = pd.DataFrame(
        {"batch_size": [8, 8, 32], "lr": [0.1, 0.01, 0.1], "seeds": [3, 1, 3], "all_converged": [True] * 3,
         "gap": [1.58, 3.38, 3.38], "gap_sd": [0.09, math.nan, 0.04]}
    )  # fmt: skip
    text = ranking_text(gaps, "cell", "gap", 1.75, highest=False, digits=2)
    assert text == (
        "lowest at B = 8, η = 0.1 (1.58 ± 0.09), tied with B = 8, η = 0.01 (3.38, 1 seed, ± 1.75 assumed), below "
        "B = 32, η = 0.1 (3.38 ± 0.04)"
    )
    assert said(0.979, math.nan, 1, percent=True, assumed=0.0006) == "97.90%, 1 seed, ± 0.06 assumed"
    assert said(0.979, math.nan, 1, percent=True) == "97.90%, 1 seed"  # not ranked: nothing assumed


def test_the_rule_is_stated_once_with_what_it_says_of_failed_cells():
    rule = tie_rule(0.06)
    assert rule.count("do not overlap") == 1 and "however far apart their means" in rule
    assert "'± s.d. assumed'" in rule and "some seed did not converge are not ranked" in rule
