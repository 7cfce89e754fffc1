"""What is read from a network's runs: the status of a run, when its loss rose, the epoch-to-epoch noise of one seed."""

from __future__ import annotations

import math

import pandas as pd
import torch

from mnist_sgd.science import net_runs


def test_epoch_noise_is_the_median_late_spread():
    h = pd.DataFrame(
        {"batch_size": 8, "lr": 0.1, "seed": 0, "epoch": range(1, 7), "test_acc": [0.5, 0.97, 0.98, 0.97, 0.98, 0.97]}
    )
    assert abs(net_runs.epoch_noise(h, last=5) - 100 * pd.Series([0.97, 0.98, 0.97, 0.98, 0.97]).std()) < 1e-9
    assert math.isnan(net_runs.epoch_noise(h, last=10))


LN10 = math.log(10)


def test_a_run_at_ln10_and_chance_accuracy_is_stuck():
    assert net_runs.run_status(False, 2.33, 0.1022, majority=0.1124) == "stuck at chance"  # the B = 8, η = 1 run
    assert net_runs.run_status(False, 0.02, 0.995, majority=0.1124) == "converged"
    # both conditions are needed: a chance-level loss with real accuracy, or the reverse, is not stuck
    assert net_runs.run_status(False, 2.30, 0.40, majority=0.1124) == "converged"
    assert net_runs.run_status(False, 1.50, 0.11, majority=0.1124) == "converged"
    # the 5% edge: ln 10 * 1.05 = 2.418
    assert net_runs.run_status(False, 2.41, 0.11, majority=0.1124) == "stuck at chance"
    assert net_runs.run_status(False, 2.43, 0.11, majority=0.1124) == "converged"


def test_a_run_that_learnt_before_it_failed_is_told_from_one_that_never_learnt():
    # "learnt": some epoch's loss below (1 - 5%) ln 10 = 2.187
    assert net_runs.learnt(2.18) and not net_runs.learnt(2.19) and not net_runs.learnt(math.nan)
    # diverged: its loss became non-finite (the flag, or a non-finite final loss)
    assert net_runs.run_status(True, math.nan, 0.098, 0.1124, min_train_loss=0.13) == "learnt, then diverged"
    assert net_runs.run_status(False, math.inf, 0.1, 0.1124, min_train_loss=0.5) == "learnt, then diverged"
    assert net_runs.run_status(True, math.nan, 0.098, 0.1124, min_train_loss=2.30) == "diverged from the start"
    assert net_runs.run_status(True, math.nan, 0.098, 0.1124) == "diverged from the start"  # no epoch completed
    # stuck at the end: after learning (the B = 32, η = 1 seed whose loss fell to 0.57 then rose to 2.31), or not
    assert net_runs.run_status(False, 2.309, 0.1124, 0.1124, min_train_loss=0.57) == "learnt, then stuck at chance"
    assert net_runs.run_status(False, 2.33, 0.1022, 0.1124, min_train_loss=2.33) == "stuck at chance"
    assert set(net_runs.STATUSES) == {
        "converged", "learnt, then stuck at chance", "stuck at chance", "learnt, then diverged",
        "diverged from the start",
    }  # fmt: skip


def test_with_status_reads_the_lowest_loss_of_each_run():
    runs = pd.DataFrame(
        {
            "diverged": [True, True, False],
            "final_train_loss": [math.nan, math.nan, 2.31],
            "final_train_acc": [0.098, 0.098, 0.1124],
            "min_train_loss": [0.13, math.nan, 0.5],
        }
    )
    statuses = net_runs.with_status(runs, 0.1124)["status"].tolist()
    assert statuses == ["learnt, then diverged", "diverged from the start", "learnt, then stuck at chance"]


def test_the_rule_in_words_has_its_numbers():
    assert net_runs.majority_share(torch.tensor([1, 1, 1, 2])) == 0.75
    rule = net_runs.stuck_rule(0.1124)
    assert "within 5% of ln 10 = 2.303" in rule and "within 2 points of 11.24%" in rule
    assert "*learnt, then*" in rule and "below 2.187" in rule and "*diverged from the start*" in rule


def test_a_constant_answer_is_recognised_from_the_accuracy():
    labels = torch.tensor([7] * 1028 + [1] * 1135 + [0] * 7837)
    assert net_runs.constant_answer(0.1028, labels) == 7
    assert net_runs.constant_answer(0.1135, labels) == 1
    assert net_runs.constant_answer(0.2, labels) is None


def test_the_loss_rose_only_when_more_than_10_percent_above_the_lowest_before():
    # the B = 32, η = 1 curve of the old report: 0.0993 at epoch 12, then 0.109 (+9.8%: no), 0.127 (+28%)
    curve = pd.Series([0.514, 0.208, 0.133, 0.125, 0.0993, 0.109, 0.127, 0.147, 0.144, 0.222])
    count, largest = net_runs.rises(curve)
    assert count == 4  # 0.127, 0.147, 0.144 and 0.222, each against 0.0993
    assert math.isclose(largest, 0.222 / 0.0993 - 1)
    # a flat curve stuck at ln 10 wiggles by 0.1%: it never rises
    assert net_runs.rises(pd.Series([2.34, 2.33, 2.331, 2.33, 2.332])) == (0, 0.0)
    # a rise is against the lowest loss before, not the epoch before: 1.0, 0.5, 0.6 (+20%), 0.58 (+16%)
    assert net_runs.rises(pd.Series([1.0, 0.5, 0.6, 0.58]))[0] == 2
    assert net_runs.rises(pd.Series([1.0, 0.9, 0.8])) == (0, 0.0)
    assert net_runs.rises(pd.Series([0.5])) == (0, 0.0)
    assert "more than 10% above the lowest loss of the epochs before it" in net_runs.rise_rule()
