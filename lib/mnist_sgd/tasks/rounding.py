"""What the report's texts share: an amount measured or counted to the two significant figures
that the seeds, the checkpoints or the machine's load leave meaningful, a difference of accuracies in
points, and items listed in prose."""

from __future__ import annotations

import math


def last_place(value: float, figures: int = 2) -> int:
    """The decimal place of ``value``'s last significant figure of ``figures``: 2 for 0.049, -2 for
    1,642 (hundreds); 0 for zero."""
    return figures - 1 - math.floor(math.log10(abs(value))) if value else 0


def two_figures(value: float) -> str:
    """An amount to two significant figures, a trailing zero kept: '1,600', '170', '5.0', '0.027',
    '0' for zero."""
    place = last_place(value)
    return f"{round(value, place):,.{max(0, place)}f}"


def time_spread(mean: float, sd: float) -> str:
    """'1,600 ± 100', '1.3 ± 0.1': a mean time to two significant figures (the machine's load moves
    the same step's time by up to about 2× between jobs), its s.d. to the same place."""
    place = last_place(mean)
    return f"{two_figures(mean)}\u00a0±\u00a0{round(sd, place):,.{max(0, place)}f}"


def distance(diff: float, up: str = "above", down: str = "below", level: str = "level with") -> str:
    """A signed difference in points as prose: '9.22 points below'; ``level`` when it rounds to zero."""
    if f"{abs(diff):.2f}" == "0.00":
        return level
    return f"{abs(diff):.2f} points {up if diff > 0 else down}"


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
