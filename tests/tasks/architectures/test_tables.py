"""Task 8's tables follow the runs they are given: seeds aggregated, the compact table's epochs,
the noise read from the late epochs, one row of results per model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mnist_sgd.science.architectures import FIRST, WEIGHT_DECAY
from mnist_sgd.tasks.architectures.tables import (
    BEST_MARK,
    accuracy_by_epoch_table,
    best_epochs,
    cost_table,
    epoch_rows,
    fit_table,
    fluctuation,
    in_task_order,
    model_stats,
    norm_curves,
    seed_curves,
    seeds_table,
)


def curve(model: str, seed: int, accs: list[float], eval_every: int = 1) -> list[dict]:
    """One run's rows: test accuracy ``accs`` after epochs 1, 2, ... (NaN where not evaluated),
    training accuracy 1 point above, weight norm 10 + epoch, training loss 1 / epoch."""
    return [
        {"model": model, "seed": seed, "epoch": e, "test_acc": a if e % eval_every == 0 or e == len(accs) else math.nan,
         "train_acc": a + 0.01, "weight_norm": 10.0 + e, "train_loss": 1 / e}
        for e, a in enumerate(accs, start=1)
    ]  # fmt: skip


def history() -> pd.DataFrame:
    """The CNN (one seed) evaluated every 2 of its 4 epochs, best at 2; the MLP 128 (two seeds)
    over 12 epochs, rising to epoch 11 and a little down at 12; the first run (two seeds), 2 epochs."""
    mlp = [0.90 + e / 200 for e in range(1, 12)]
    rows = curve("CNN", 0, [0.98, 0.992, 0.985, 0.991], eval_every=2)
    rows += curve("MLP 128", 0, [*mlp, 0.95]) + curve("MLP 128", 1, [a + 0.002 for a in [*mlp, 0.95]])
    rows += curve(FIRST, 0, [0.90, 0.92]) + curve(FIRST, 1, [0.91, 0.93])
    return pd.DataFrame(rows)


def runs() -> pd.DataFrame:
    """One row per seed, as the jobs write them (not in the order of the task)."""
    base = {"diverged": False, "train_images": 6400, "pixel_mean": 0.13, "pixel_mean_square": 0.11}
    rows = [
        {"model": "CNN", "seed": 0, "final_test_acc": 0.991, "final_train_acc": 0.999, "final_train_loss": 0.001,
         "init_norm": 9.0, "final_norm": 20.0, "parameters": 225034, "shared_parameters": 18816,
         "mult_adds": 2631040, "shared_mult_adds": 2424960, "seconds_per_epoch": 28.0},
        *({"model": "MLP 128", "seed": s, "final_test_acc": acc, "final_train_acc": 0.998, "final_train_loss": 0.02,
           "init_norm": 6.8, "final_norm": 16.0, "parameters": 101770, "shared_parameters": 0, "mult_adds": 101632,
           "shared_mult_adds": 0, "seconds_per_epoch": sec} for s, acc, sec in [(0, 0.95, 1.0), (1, 0.952, 1.4)]),
        *({"model": FIRST, "seed": s, "final_test_acc": acc, "final_train_acc": acc + 0.01, "final_train_loss": 0.3,
           "init_norm": 6.8, "final_norm": 8.0, "parameters": 101770, "shared_parameters": 0, "mult_adds": 101632,
           "shared_mult_adds": 0, "seconds_per_epoch": 1.2} for s, acc in [(0, 0.92), (1, 0.93)]),
    ]  # fmt: skip
    return pd.DataFrame([{**base, **r} for r in rows])


def test_rows_are_put_in_the_order_of_the_task_keeping_each_model_s_order():
    ordered = in_task_order(history())
    assert ordered["model"].drop_duplicates().tolist() == [FIRST, "MLP 128", "CNN"]
    assert ordered.loc[ordered["model"] == "CNN", "epoch"].tolist() == [1, 2, 3, 4]
    assert ordered.index.tolist() == list(range(len(ordered)))


def test_the_seeds_are_aggregated_per_epoch_leaving_out_the_unevaluated():
    curves = seed_curves(history())
    first = curves[curves["model"] == FIRST].set_index("epoch")
    assert first.loc[1, "seeds"] == 2 and math.isclose(first.loc[1, "mean"], 0.905)
    assert math.isclose(first.loc[1, "sd"], np.std([0.90, 0.91], ddof=1))  # the sample s.d.
    cnn = curves[curves["model"] == "CNN"]
    assert cnn["epoch"].tolist() == [2, 4] and cnn["sd"].isna().all()  # one seed: no s.d.


def test_the_best_epoch_is_the_highest_mean_and_the_first_of_a_tie():
    curves = seed_curves(history())
    assert best_epochs(curves) == {FIRST: 2, "MLP 128": 11, "CNN": 2}
    tie = pd.DataFrame({"model": "CNN", "epoch": [1, 2, 3], "mean": [0.9, 0.95, 0.95]})
    assert best_epochs(tie) == {"CNN": 2}


def test_the_compact_table_shows_the_first_every_tenth_and_the_last_epoch():
    curves = seed_curves(history())
    # 1; 10; the MLP 128's last (12); the first run's and the CNN's last (2, 4); the best epochs (11) are not rows
    assert epoch_rows(curves) == [1, 2, 4, 10, 12]
    assert epoch_rows(curves[curves["epoch"] != 10]) == [1, 2, 4, 12]  # an epoch nobody evaluated is left out
    assert epoch_rows(curves, every=None) == [1, 2, 4, 12]  # the body's table: the first and each model's last


def test_the_compact_table_gives_mean_and_sd_a_best_row_and_leaves_blanks():
    curves = seed_curves(history())
    shown = accuracy_by_epoch_table(curves, {FIRST: 2, "MLP 128": 2, "CNN": 1}).set_index("epoch")
    assert list(shown.columns) == ["first run", "MLP 128", "CNN"]
    assert list(shown.index) == [str(e) for e in epoch_rows(curves)] + [f"best\u00a0{BEST_MARK}"]
    assert shown.loc["1", "first run"] == f"90.50\u00a0±\u00a0{100 * np.std([0.90, 0.91], ddof=1):.2f}"
    assert shown.loc["4", "CNN"] == "99.10" and shown.loc[f"best\u00a0{BEST_MARK}", "CNN"] == "99.20 (2)"
    assert shown.loc["1", "CNN"] == "" and shown.loc["12", "first run"] == ""  # not evaluated; the run had ended
    assert shown.loc[f"best\u00a0{BEST_MARK}", "MLP 128"].endswith("(11)")  # the best epoch, not a row of the grid
    # a model with a seed fewer at some epoch says so
    partial = accuracy_by_epoch_table(curves, {FIRST: 3, "MLP 128": 2, "CNN": 1}).set_index("epoch")
    assert partial.loc["1", "first run"].endswith("(2 of 3 seeds)")
    # the body's table: no grid between the first and last epochs, no best row (both the per-run detail's)
    body = accuracy_by_epoch_table(curves, {FIRST: 2, "MLP 128": 2, "CNN": 1}, every=None, best_row=False)
    assert body["epoch"].tolist() == ["1", "2", "4", "12"] and body.set_index("epoch").loc["12", "MLP 128"] != ""
    # the detail's table leaves out the rows of the body's: every 10th epoch between them and the best
    rest = accuracy_by_epoch_table(curves, {FIRST: 2, "MLP 128": 2, "CNN": 1}, skip=epoch_rows(curves, every=None))
    assert rest["epoch"].tolist() == ["10", f"best\u00a0{BEST_MARK}"]


def test_the_fluctuation_is_the_scatter_about_a_line_through_the_late_epochs():
    steady = pd.DataFrame(curve("CNN", 0, [0.5 + e / 100 for e in range(1, 21)]))
    assert fluctuation(steady)["CNN"] == pytest.approx(0, abs=1e-9)  # a straight line scatters by nothing
    wobble = [0.97, 0.98] * 10  # epochs 11-20 alternate 97 and 98%
    spread = fluctuation(pd.DataFrame(curve("CNN", 0, wobble)))["CNN"]
    x, y = np.arange(11, 21), 100 * np.array(wobble[10:])
    residuals = y - np.polyval(np.polyfit(x, y, 1), x)
    assert spread == pytest.approx(math.sqrt((residuals**2).sum() / 8))
    # a 4-epoch run: its second half has 2 epochs, too few for a line
    assert math.isnan(fluctuation(pd.DataFrame(curve("CNN", 0, [0.9, 0.95, 0.96, 0.97])))["CNN"])


def test_the_model_stats_aggregate_the_seeds_and_choose_the_noise():
    stats = model_stats(runs(), history()).set_index("model")
    assert stats.index.tolist() == [FIRST, "MLP 128", "CNN"]
    first, mlp, cnn = stats.loc[FIRST], stats.loc["MLP 128"], stats.loc["CNN"]
    assert first["seeds"] == 2 and first["epochs"] == 2 and math.isclose(first["final_test_acc"], 0.925)
    assert first["noise_source"] == "seeds" and first["noise"] == pytest.approx(100 * np.std([0.92, 0.93], ddof=1))
    assert cnn["noise_source"] == "epochs" and math.isnan(cnn["noise"])  # 4 epochs: too few for the fluctuation
    assert math.isclose(mlp["gap"], 0.998 - 0.951) and mlp["best_epoch"] == 11
    assert mlp["decay_to_loss"] == pytest.approx(WEIGHT_DECAY / 2 * 16.0**2 / 0.02)
    assert mlp["steps"] == 12 * 100  # 6,400 images in batches of 64, 12 epochs
    assert math.isnan(mlp["norm_growth"])  # 12 epochs: too short to read the last 10 against the 10 before
    assert cnn["shared_parameters"] == 18816 and first["name"] == "first run"


def test_a_diverged_seed_is_counted_and_left_out_of_the_means():
    r = runs()
    r.loc[(r["model"] == FIRST) & (r["seed"] == 1), ["diverged", "final_test_acc"]] = [True, math.nan]
    first = model_stats(r, history()).set_index("model").loc[FIRST]
    assert first["diverged_seeds"] == 1 and math.isclose(first["final_test_acc"], 0.92)
    assert first["noise_source"] == "epochs"  # one seed finished: no spread over seeds


def test_the_fit_and_cost_tables_show_each_number_once():
    stats = model_stats(runs(), history())
    fit = fit_table(stats).set_index("model")
    assert fit.loc["MLP 128", "final train (%)"] == "99.80\u00a0±\u00a00.00"
    assert fit.loc["CNN", "train − test (points)"] == "0.80"  # one seed: no ±
    assert fit.loc["CNN", "‖θ‖ at start"] == "9.0" and fit.loc["CNN", "decay term ÷ loss"] == "20"
    # one precision down the column, two significant figures with a trailing zero kept: not '0.02' beside '0.022'
    ratios = fit_table(stats.assign(decay_to_loss=[0.020056, 0.7889, 6.9976]))  # the first run, MLP 128, CNN
    assert ratios["decay term ÷ loss"].tolist() == ["0.020", "0.79", "7.0"]
    cost = cost_table(stats).set_index("architecture")
    assert cost.index.tolist() == ["MLP 128", "CNN"]  # the first run shares the MLP 128's row
    assert cost.loc["CNN", "in convolutions"] == "18,816" and cost.loc["MLP 128", "parameters"] == "101,770"
    assert cost.loc["MLP 128", "s per epoch"] == "1.2"  # the mean over its 4 seeds, to two figures


def test_the_norm_curves_start_at_initialisation():
    norms = norm_curves(runs(), history())
    cnn = norms[norms["model"] == "CNN"]
    assert cnn["epoch"].tolist() == [0, 1, 2, 3, 4] and cnn["weight_norm"].tolist() == [9.0, 11.0, 12.0, 13.0, 14.0]


def test_the_seeds_table_gives_each_run_after_its_last_epoch():
    r = runs().assign(epochs=[4, 12, 12, 2, 2], diverged_at=math.nan)
    r.loc[(r["model"] == FIRST) & (r["seed"] == 1), ["diverged", "diverged_at"]] = [True, 2]
    table = seeds_table(r, lambda m: f"<{m}>").set_index("model")
    assert table.index.tolist() == [f"<{FIRST}>", "<MLP 128>", "<CNN>"]  # the order of the task, named as asked
    assert table.loc["<MLP 128>", "seed 1"] == "95.20 / 99.80" and table.loc["<MLP 128>", "epochs"] == "12"
    assert table.loc[f"<{FIRST}>", "seed 1"] == "diverged in epoch 2"  # a failed run says so, with no accuracy
    assert table.loc["<CNN>", "seed 1"] == ""  # one seed: the others blank
