"""Task 5's detail on the budget of steps: how far the training loss still fell over the second half
of the run, size by size and subset by subset (the answer's ``commentary.answer_text`` says why one
budget serves every size)."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science import criteria
from mnist_sgd.tasks.dataset_size.commentary import fitted_exactly, joined, sizes_named


def budget_text(t: pd.DataFrame, falls: pd.DataFrame) -> str:
    """How far the training loss still fell over the second half of the run, from the checkpoint
    nearest its middle (``fall_from_t``) to its end: the sizes where it fell by more than
    ``rel_tol`` on average, those where the test accuracy nonetheless stayed within its spread of
    no change (``criteria.differ``), and the sizes where it fell by less on average, with how many
    of their subsets it still fell by more where some did (a mean below ``rel_tol`` is not every
    subset's).

    ``t`` columns: dataset_size, rel_tol, fall_from_t, loss_fall, test_change, test_change_sd
    (``tables.size_summary``); ``falls``: one row per size and subset with loss_fall
    (``tables.last_doubling``).
    """
    t = t.sort_values("dataset_size").reset_index(drop=True)
    small = f"{100 * float(t['rel_tol'].iloc[0]):g}%"
    text = (
        f"**The training loss at the end.** From t = {int(t['fall_from_t'].min()):,}, the checkpoint nearest the "
        "middle of the run, to its end"
    )
    falling = t[t["loss_fall"] > t["rel_tol"]]
    if not falling.empty:
        text += (
            f" the training loss still fell by more than {small} on average at "
            f"{sizes_named(falling['dataset_size'].astype(int).tolist())}"
        )
    still = [
        int(r["dataset_size"])
        for _, r in falling.iterrows()
        if not criteria.differ(r["test_change"], r["test_change_sd"], 0.0, 0.0)
    ]
    if still:
        text += f" (at {sizes_named(still)} with the test accuracy within its spread of no change)"
    exact = falling[fitted_exactly(falling)]
    for _, r in exact.iterrows():  # a fall there is of a loss already at rounding's scale
        text += (
            f"; at N' = {int(r['dataset_size']):,} it ends at {r['final_train_loss']:.1e}, every image fitted exactly, "
            "so what still falls is a loss already next to zero"
        )
    settled = t[t["loss_fall"] <= t["rel_tol"]]
    if settled.empty:
        return text + "."
    counts = []
    for n, tol in zip(settled["dataset_size"].astype(int), settled["rel_tol"], strict=True):
        mine = falls[falls["dataset_size"] == n]
        more = int((mine["loss_fall"] > tol).sum())
        counts += [f"{more} of {len(mine)} at {n:,}"] if more else []
    settled_at = f"at {sizes_named(settled['dataset_size'].astype(int).tolist())} by less than {small}"
    return (
        text
        + ("; " if not falling.empty else " ")
        + (
            f"{settled_at} on average over the subsets, though by more in {joined(counts)} (the loss fall per subset "
            "is under each size)."
            if counts
            else f"{settled_at} in every subset."
        )
    )
