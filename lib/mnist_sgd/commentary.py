"""Commentary written from result tables: every number and every comparison in the text
is computed here from the table it is given, so the prose cannot contradict the plots."""

from __future__ import annotations

import math

import pandas as pd


def _fmt_int(value: float) -> str:
    return "not reached" if not math.isfinite(value) else f"{int(round(value)):,}"


def _trend(values: list[float]) -> str:
    """'falls', 'rises' or 'is not monotone' for a sequence ordered by batch size."""
    pairs = list(zip(values, values[1:]))
    if all(b < a for a, b in pairs):
        return "falls"
    if all(b > a for a, b in pairs):
        return "rises"
    return "is not monotone"


def batch_size_commentary(table: pd.DataFrame, m_star: float, target_pct: float) -> str:
    """The role of the batch size, from one row per B.

    ``table`` columns: batch_size, lr, eta_star, itr, excess_pct (at ITR),
    final_test_acc (fraction), t_target and seconds_target (iterations and training
    seconds to reach ``target_pct``% above L*, NaN if never), train_seconds_mean.
    """
    t = table.sort_values("batch_size").reset_index(drop=True)
    bs = t["batch_size"].tolist()
    if len(t) < 2:
        return "Only one batch size was run, so there is nothing to compare."
    out = []

    lr_trend = _trend(t["lr"].tolist())
    ratio = (t["lr"] / t["eta_star"]).tolist()
    out.append(
        f"**Learning rate.** The chosen learning rate {'grows' if lr_trend == 'rises' else lr_trend.replace('falls', 'shrinks')} "
        f"with the batch size, from {t['lr'].iloc[0]:g} at B = {bs[0]} to {t['lr'].iloc[-1]:g} at B = {bs[-1]}: a larger "
        f"batch averages more gradients, so its step is less noisy and can be longer. Relative to the theory "
        f"η*(B), the chosen rates are {', '.join(f'{r:.2g}×' for r in ratio)} for B = {', '.join(map(str, bs))}."
    )

    reached = t[t["t_target"].notna()]
    if len(reached) >= 2:
        iters = reached["t_target"].tolist()
        samples = (reached["t_target"] * reached["batch_size"]).tolist()
        rb = reached["batch_size"].tolist()
        text = (
            f"**Iterations against samples.** To come within {target_pct:g}% of L*, the number of iterations "
            f"{_trend(iters)} with the batch size ({', '.join(f'B = {b}: {_fmt_int(i)}' for b, i in zip(rb, iters))}), "
            f"while the number of samples processed (iterations × B) {_trend(samples)} "
            f"({', '.join(f'{_fmt_int(s)}' for s in samples)})."
        )
        best = rb[samples.index(min(samples))]
        text += f" The fewest samples were needed at B = {best}."
        gains = [(rb[i], rb[i + 1], iters[i] / iters[i + 1]) for i in range(len(rb) - 1)]
        text += " Each step up in batch size divided the iterations by " + ", ".join(
            f"{g:.2g} ({a}→{b}, ×{b // a if b % a == 0 else b / a:g} batch)" for a, b, g in gains
        ) + "."
        out.append(text)
        seconds = reached["seconds_target"].tolist()
        fastest = rb[seconds.index(min(seconds))]
        out.append(
            f"**Wall-clock time.** In training seconds the fastest to within {target_pct:g}% of L* was B = {fastest} "
            f"({min(seconds):.3g} s); the times were "
            + ", ".join(f"B = {b}: {s:.3g} s" for b, s in zip(rb, seconds)) + "."
        )
    missing = t[t["t_target"].isna()]["batch_size"].tolist()
    if missing:
        out.append(
            f"B = {', '.join(map(str, missing))} never came within {target_pct:g}% of L* in the iterations run."
        )

    floor = t["excess_pct"].tolist()
    out.append(
        "**Noise floor.** With a constant step, SGD does not converge to the optimum but to a neighbourhood whose "
        "size grows with the gradient noise (∝ η/B). At ITR the training loss sits "
        + ", ".join(f"{f:.2g}%" for f in floor)
        + f" above L* for B = {', '.join(map(str, bs))}: the gap {_trend(floor)} with the batch size."
    )

    if len(reached) >= 2:
        out.append(_critical_batch(reached, m_star))
    acc = (100 * t["final_test_acc"]).tolist()
    spread = max(acc) - min(acc)
    verdict = (
        "the batch size changes the cost of getting there far more than where the runs end"
        if spread < 1.0 else "the batch size also changes where the runs end"
    )
    out.append(
        f"**Test accuracy.** At ITR the test accuracy ranges from {min(acc):.2f}% to {max(acc):.2f}% across batch sizes "
        f"(B = {bs[acc.index(max(acc))]} highest), a spread of {spread:.2f} points: {verdict}."
    )
    return "\n\n".join(out)


def _critical_batch(reached: pd.DataFrame, m_star: float) -> str:
    """How much of the ideal (proportional) cut in iterations each batch increase bought."""
    rb, iters = reached["batch_size"].tolist(), reached["t_target"].tolist()
    steps = [(rb[i], rb[i + 1], (iters[i] / iters[i + 1]) / (rb[i + 1] / rb[i])) for i in range(len(rb) - 1)]
    listed = ", ".join(f"{a}→{b}: {100 * e:.0f}%" for a, b, e in steps)
    text = (
        f"**Critical batch size.** The data give m* = β/λ_max + 1 = {m_star:.1f}. A batch k times larger would "
        f"ideally need k times fewer iterations; the share of that ideal cut actually obtained was {listed}."
    )
    below = [e for a, b, e in steps if b <= m_star]
    above = [e for a, b, e in steps if a >= m_star]
    if below and above:
        lo, hi = sum(above) / len(above), sum(below) / len(below)
        if lo < hi:
            text += (
                f" Below m* the increases bought {100 * hi:.0f}% of the ideal on average, above it {100 * lo:.0f}%: "
                f"diminishing returns beyond the critical batch size, as Ma, Bassily & Belkin predict."
            )
        else:
            text += (
                f" Below m* the increases bought {100 * hi:.0f}% of the ideal on average and above it {100 * lo:.0f}%: "
                f"these runs do not show the diminishing returns the theory predicts beyond m*."
            )
    return text
