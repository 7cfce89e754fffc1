"""Commentary written from result tables: every number and every comparison in the text
is computed here from the table it is given, so the prose cannot contradict the plots."""

from __future__ import annotations

import math

import pandas as pd

from .present import fixed


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
        f"η*(B), the chosen rates are {', '.join(f'{r}×' for r in fixed(ratio, 2))} for B = {', '.join(map(str, bs))}."
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
        steps = [(rb[i], rb[i + 1]) for i in range(len(rb) - 1)]
        gains = fixed([iters[i] / iters[i + 1] for i in range(len(rb) - 1)], 2)
        text += " Each step up in batch size divided the iterations by " + ", ".join(
            f"{g} ({a}→{b}, ×{b // a if b % a == 0 else b / a:g} batch)" for (a, b), g in zip(steps, gains)
        ) + "."
        out.append(text)
        seconds = reached["seconds_target"].tolist()
        shown = fixed(seconds)
        fastest = seconds.index(min(seconds))
        out.append(
            f"**Wall-clock time.** In training seconds the fastest to within {target_pct:g}% of L* was "
            f"B = {rb[fastest]} ({shown[fastest]} s, measured); the times were "
            + ", ".join(f"B = {b}: {s} s" for b, s in zip(rb, shown)) + "."
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
        + ", ".join(f"{f}%" for f in fixed(floor, 2))
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


def dataset_size_commentary(table: pd.DataFrame, gap_points: float = 1.0) -> str:
    """What more training data buys, from one row per training-set size N'.

    ``table`` columns: dataset_size, subsets, converged_subsets (how many subsets met the
    convergence criterion), test_acc, test_acc_min, test_acc_max, train_acc (SGD at the end
    of its runs, fractions; mean, min and max over subsets), final_train_loss (SGD, mean), closed_form_test_acc,
    closed_form_train_acc, closed_form_train_loss (least squares on the same subsets,
    means). ``gap_points``: the train/test gap, in accuracy points, counted as closed.
    Works with any number of rows (one or more sizes).
    """
    t = table.sort_values("dataset_size").reset_index(drop=True)
    ns = [int(n) for n in t["dataset_size"]]
    test = (100 * t["test_acc"]).tolist()
    train = (100 * t["train_acc"]).tolist()
    gap = [a - b for a, b in zip(train, test)]
    cf_test = (100 * t["closed_form_test_acc"]).tolist()
    out = []

    if len(t) < 2:
        return (
            f"Only one training-set size was run (N' = {ns[0]:,}), so there is nothing to compare: SGD reached "
            f"{test[0]:.2f}% test accuracy and {train[0]:.2f}% on its training subset (a gap of {gap[0]:.2f} points); "
            f"the closed form on the same subsets reached {cf_test[0]:.2f}% on the test set."
        )

    steps = []
    for i in range(len(ns) - 1):
        decades = math.log10(ns[i + 1] / ns[i])
        steps.append((ns[i], ns[i + 1], test[i + 1] - test[i], (test[i + 1] - test[i]) / decades))
    text = (
        f"**Test accuracy against data.** SGD's test accuracy {_trend(test)} with the training-set size, from "
        f"{test[0]:.2f}% at N' = {ns[0]:,} to {test[-1]:.2f}% at N' = {ns[-1]:,}. Per step of the grid: "
        + ", ".join(f"{a:,}→{b:,}: {d:+.2f} points ({p:+.2f} per tenfold)" for a, b, d, p in steps) + "."
    )
    per_decade = [p for _, _, _, p in steps]
    if len(per_decade) >= 2:
        if all(b < a for a, b in zip(per_decade, per_decade[1:])):
            text += " The gain per tenfold increase falls at every step of the grid: diminishing returns."
        elif all(b > a for a, b in zip(per_decade, per_decade[1:])):
            text += " The gain per tenfold increase rises at every step of the grid."
        else:
            text += " The gain per tenfold increase is not monotone across the grid."
    out.append(text)

    text = (
        "**Train/test gap.** The training accuracy (on the subset trained on) minus the test accuracy is "
        + ", ".join(f"{g:.2f}" for g in gap) + f" points for N' = {', '.join(f'{n:,}' for n in ns)}: it "
        f"{_trend(gap).replace('falls', 'shrinks').replace('rises', 'grows')} with the data."
    )
    closed = [i for i in range(len(ns)) if abs(gap[i]) < gap_points and all(abs(g) < gap_points for g in gap[i:])]
    if closed:
        i = closed[0]
        text += (
            f" It is below {gap_points:g} point{'s' if gap_points != 1 else ''} from N' = {ns[i]:,} on"
            + (f" (at N' = {ns[i - 1]:,} it was still {gap[i - 1]:.2f})." if i > 0 else ", the smallest size run.")
        )
    else:
        smallest = min(range(len(gap)), key=lambda j: abs(gap[j]))
        text += (
            f" It does not stay below {gap_points:g} point{'s' if gap_points != 1 else ''} within the sizes run "
            f"(smallest: {gap[smallest]:.2f} at N' = {ns[smallest]:,})."
        )
    out.append(text)

    diff = [s - c for s, c in zip(test, cf_test)]
    above = [n for n, d in zip(ns, diff) if d > 0]
    text = (
        "**SGD against the closed form.** On the same subsets, SGD's test accuracy minus the least-squares "
        "solution's is " + ", ".join(f"{d:+.2f}" for d in diff) + f" points for N' = {', '.join(f'{n:,}' for n in ns)}."
    )
    interpolating = [n for n, loss in zip(ns, t["closed_form_train_loss"]) if loss < 1e-6]
    if interpolating:
        text += (
            f" At N' = {', '.join(f'{n:,}' for n in interpolating)} the closed form fits its training subset exactly "
            f"(training loss below 1e-6)"
        )
        sgd_loss = dict(zip(ns, t["final_train_loss"]))
        spread = dict(zip(ns, (100 * (t["test_acc_max"] - t["test_acc_min"])).tolist()))
        margin = dict(zip(ns, diff))
        better = [n for n in interpolating if n in above and margin[n] > spread[n]]
        unclear = [n for n in interpolating if abs(margin[n]) <= spread[n]]
        if better:
            text += (
                f"; SGD, whose training loss there is still {', '.join(fixed([sgd_loss[n] for n in better]))} at the "
                f"end of its runs, has the higher test accuracy at N' = {', '.join(f'{n:,}' for n in better)}, by more "
                f"than the spread of SGD over subsets: the exact fit of the few training images generalises worse "
                f"than SGD stopped before it"
            )
        else:
            text += "; SGD's test accuracy is not higher there by more than its spread over subsets"
        if unclear:
            text += (
                f" (at N' = {', '.join(f'{n:,}' for n in unclear)} the difference is within SGD's min-max range over "
                f"subsets, {', '.join(f'{spread[n]:.2f}' for n in unclear)} points)"
            )
        text += "."
    out.append(text)

    unconverged = [n for n, c, s in zip(ns, t["converged_subsets"], t["subsets"]) if c < s]
    if unconverged:
        out.append(
            f"At N' = {', '.join(f'{n:,}' for n in unconverged)} not every subset met the convergence criterion "
            f"within the iterations run, so those points describe SGD after a fixed budget rather than at rest."
        )
    return "\n\n".join(out)
