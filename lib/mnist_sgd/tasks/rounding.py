"""The rounding the report's texts share: an amount measured or counted to the two significant
figures that the seeds, the checkpoints or the machine's load leave meaningful."""

from __future__ import annotations

import math


def two_figures(value: float) -> str:
    """An amount to two significant figures, a trailing zero kept: '1,600', '170', '5.0', '0.027',
    '0' for zero."""
    if value == 0:
        return "0"
    place = 1 - math.floor(math.log10(abs(value)))
    return f"{round(value, place):,.{max(0, place)}f}"
