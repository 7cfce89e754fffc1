"""Small numbers as a student writes them, shared by the summaries of the linear and the MLP
tasks (a module of its own, so that neither task's summary depends on the other's code)."""

from __future__ import annotations

import math

# the exponent's digits as a student writes them: 10⁻⁵, not 1e-05
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float) -> str:
    """A positive number to three significant figures, in powers of ten below 0.01 (where a
    decimal's zeros are hard to count): '4.64 × 10⁻⁵', '0.0215', '2.5 × 10⁻⁶'."""
    if value >= 0.01:
        return f"{value:.3g}"
    exponent = math.floor(math.log10(value))
    mantissa = f"{value / 10**exponent:.3g}"
    if mantissa == "10":  # 9.995e-5 rounds up into the next power
        mantissa, exponent = "1", exponent + 1
    return f"{mantissa} × 10{str(exponent).translate(SUPERSCRIPT)}"
