"""Task 4's answer read at ITR, where the loss stays within the target, instead of at its first
crossing, which chose the rate: which batch size needs the fewest samples and which trains fastest
there, so that a reader sees which of the answer's verdicts hang on the milestone."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.tasks.batch_size.across import load_split
from mnist_sgd.tasks.batch_size.commentary import least
from mnist_sgd.tasks.batch_size.per_batch import mean_sd_rounded
from mnist_sgd.tasks.rounding import listed, two_figures


def at_itr_text(itr: pd.DataFrame) -> str:
    """'**Read at ITR** ...': from Task 3's ITR per batch size (``itr``: batch_size, settled_t,
    settled_t_sd, settled_seconds, settled_seconds_sd; NaN where a seed never stayed), the batch
    sizes with the fewest samples (t × B; several when the seeds cannot tell them apart) and the
    fastest one with how the others' times compare with the machine's load (``across.load_split``).
    '' with fewer than two batch sizes at ITR."""
    s = itr.dropna(subset=["settled_t"]).sort_values("batch_size")
    if len(s) < 2:
        return ""
    table = pd.DataFrame(
        {
            "batch_size": s["batch_size"].astype(int),
            "samples": s["settled_t"] * s["batch_size"],
            "samples_sd": s["settled_t_sd"] * s["batch_size"],
            "seconds_target": s["settled_seconds"],
            "seconds_target_sd": s["settled_seconds_sd"],
        }
    )
    few = least(table, "samples", "samples_sd")
    row = table.set_index("batch_size").loc[few[0]]
    samples = f"{mean_sd_rounded(row['samples'], row['samples_sd'])} samples"
    if len(few) == 1:
        fewest = f"B = {few[0]:,} alone needs the fewest samples ({samples})"
    else:
        fewest = f"B = {listed([f'{b:,}' for b in few])} tie for the fewest samples (from {samples})"
    fast, within, beyond = load_split(table)
    if not within:
        speed = f"B = {fast:,} trains fastest, the others {two_figures(min(beyond.values()))}× as long or more"
        speed += ", beyond the machine's load"
    else:
        close = listed([f"{b:,}" for b in sorted(within)])
        speed = f"B = {fast:,} trains fastest, B = {close} within the machine's load of it"
    return f"**Read at ITR** (Task 3's table) instead of the first crossing: {fewest}; {speed}."
