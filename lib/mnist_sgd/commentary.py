"""Commentary written from result tables: every number and every comparison in the text
is computed here from the table it is given, so the prose cannot contradict the plots."""

from __future__ import annotations

import math

import pandas as pd

from .present import fixed, plural


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

    out.append(_gains_text(ns, test))

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
    if {"rank_min", "rank_max"} <= set(t.columns):
        out.append(double_descent_text(t))
    return "\n\n".join(out)


def _step_factor(a: int, b: int) -> str:
    ratio = b / a
    return f"×{ratio:.0f}" if abs(ratio - round(ratio)) < 1e-9 else f"×{ratio:.2g}"


def _gains_text(ns: list[int], test: list[float]) -> str:
    """The gain of each step of the grid, with a rate in the unit of that step: per tenfold
    only for a tenfold step; steps of other sizes are compared per doubling of N'."""
    parts, per_doubling = [], []
    for a, b, d in zip(ns, ns[1:], [y - x for x, y in zip(test, test[1:])]):
        doublings = math.log2(b / a)
        per_doubling.append(d / doublings)
        if abs(b / a - 10) < 1e-9:
            parts.append(f"{a:,}→{b:,}: {d:+.2f} points ({d:+.2f} per tenfold)")
        elif abs(b / a - 2) < 1e-9:
            parts.append(f"{a:,}→{b:,} (a doubling): {d:+.2f} points")
        else:
            parts.append(f"{a:,}→{b:,} ({_step_factor(a, b)}): {d:+.2f} points ({d / doublings:+.2f} per doubling)")
    text = (
        f"**Test accuracy against data.** SGD's test accuracy {_trend(test)} with the training-set size, from "
        f"{test[0]:.2f}% at N' = {ns[0]:,} to {test[-1]:.2f}% at N' = {ns[-1]:,}. Per step of the grid: "
        + ", ".join(parts) + "."
    )
    if len(per_doubling) >= 2:
        shown = ", ".join(f"{p:+.2f}" for p in per_doubling)
        if all(b < a for a, b in zip(per_doubling, per_doubling[1:])):
            text += f" Per doubling of N' the gain ({shown} points) falls at every step of the grid: diminishing returns."
        elif all(b > a for a, b in zip(per_doubling, per_doubling[1:])):
            text += f" Per doubling of N' the gain ({shown} points) rises at every step of the grid."
        else:
            text += f" Per doubling of N' the gain ({shown} points) is not monotone across the grid."
    return text


def double_descent_text(t: pd.DataFrame) -> str:
    """Where the minimum-norm least squares is worst, named against the rank of X'.

    ``t`` columns: dataset_size, closed_form_test_acc, rank_min, rank_max (of X' over the
    subsets). An exact fit exists while rank X' = N'; past the largest rank a subset can
    have, it does not. The test accuracy of the minimum-norm fit dips where N' reaches the
    rank (the interpolation threshold), because the smallest non-zero singular value of X'
    is smallest there and the fit's norm largest: the double-descent peak of the error.
    """
    ns = [int(n) for n in t["dataset_size"]]
    cf = (100 * t["closed_form_test_acc"]).tolist()
    full = [n for n, lo in zip(ns, t["rank_min"]) if lo == n]
    short = [(n, int(lo), int(hi)) for n, lo, hi in zip(ns, t["rank_min"], t["rank_max"]) if lo < n]
    worst = cf.index(min(cf))
    text = (
        f"**The closed form's dip: double descent.** The least-squares solution's test accuracy is lowest at "
        f"N' = {ns[worst]:,} ({cf[worst]:.2f}%, against {', '.join(f'{c:.2f}%' for c in cf)} for N' = "
        f"{', '.join(f'{n:,}' for n in ns)})."
    )
    ranks = ", ".join(f"N' = {n:,}: {lo}" + (f"-{hi}" if hi != lo else "") for n, lo, hi in short)
    if full:
        text += f" Up to N' = {max(full):,} every subset has rank X' = N' and is fitted exactly"
        text += f"; above it the rank is below N' ({ranks})" if short else ""
        text += "."
    elif short:
        text += f" No subset has rank X' = N' ({ranks})."
    if full and short and ns[worst] in (max(full), min(n for n, _, _ in short)):
        lo = max(full)
        text += (
            f" The interpolation threshold, where the number of images reaches the number of independent directions "
            f"they span, therefore lies between N' = {lo:,} and the rank reached at N' = {short[0][0]:,} "
            f"({short[0][2]} at most), not at the 784 pixels: the images span fewer directions than they have pixels "
            f"(a pixel never lit in a subset adds none), at most {max(hi for _, _, hi in short)} in these subsets. "
            f"The dip at N' = {ns[worst]:,} is the double-descent peak of the test error of the minimum-norm fit: at "
            f"the threshold an exact fit still exists but is badly conditioned, its smallest non-zero singular values "
            f"near zero."
        )
        if "test_acc" in t.columns:
            sgd = (100 * t["test_acc"]).tolist()
            text += (
                " SGD's test accuracy at the same sizes, " + ", ".join(f"{v:.2f}%" for v in sgd)
                + (", has no dip: it rises at every step." if _trend(sgd) == "rises"
                   else ", does not rise at every step either.")
            )
    if "closed_form_norm" in t.columns:
        norms = t["closed_form_norm"].tolist()
        top = norms.index(max(norms))
        text += (
            " The norm of the closed-form weights, ‖W*‖, is " + ", ".join(f"{v:.3g}" for v in norms)
            + f" for the same sizes: largest at N' = {ns[top]:,}"
            + (", where the test accuracy dips." if top == worst else ".")
        )
    return text


def _closest(target: float, candidates: dict[str, float]) -> str:
    return min(candidates, key=lambda k: abs(candidates[k] - target))


def dataset_size_stopping_text(t: pd.DataFrame, heldout_fraction: float) -> str:
    """End of run, best along the run and stopped early, per N'.

    ``t`` columns: dataset_size, iterations, test_acc (end of run, subset mean),
    peak_test_acc and peak_t (highest point of the subset-mean test curve and its t),
    early_test_acc (mean over subsets of the test accuracy where each run, trained without
    its held-out part, had its best held-out accuracy), early_t_min, early_t_max, and
    heldout_end_test_acc (the same held-out runs at their end).
    """
    t = t.sort_values("dataset_size")
    lines = []
    for r in t.itertuples(index=False):
        stop = f"{r.early_t_min:,}" if r.early_t_min == r.early_t_max else f"{r.early_t_min:,}-{r.early_t_max:,}"
        lines.append(
            f"- N' = {r.dataset_size:,}: end of run (t = {r.iterations:,}) {100 * r.test_acc:.2f}%; best along the run "
            f"{100 * r.peak_test_acc:.2f}% at t = {r.peak_t:,}; stopped early {100 * r.early_test_acc:.2f}% (t = {stop}), "
            f"against {100 * r.heldout_end_test_acc:.2f}% for the same runs at their end."
        )
    gain = 100 * (t["early_test_acc"] - t["heldout_end_test_acc"])
    helped = [int(n) for n, g in zip(t["dataset_size"], gain) if g > 0]
    share = f"{100 * heldout_fraction:.0f}%"
    return (
        "**End of run, best along the run, stopped early.** The best along the run is read off the test set itself, "
        "so it is an upper bound, not an estimate. The early-stopped value is honest: each subset was split at random, "
        f"{share} of its N' images held out and never trained on, SGD run on the other "
        f"{100 - 100 * heldout_fraction:.0f}% with the same settings, stopped at the checkpoint of highest accuracy on "
        "the held-out images, and its test accuracy there is reported (a model that saw fewer images than N').\n\n"
        + "\n".join(lines)
        + "\n\n"
        + (f"Stopping on the held-out images beat running to the end at N' = {', '.join(f'{n:,}' for n in helped)}"
           f" (by {', '.join(f'{g:.2f}' for g in gain[gain > 0])} points)"
           if helped else "Stopping on the held-out images beat running to the end at no N'")
        + ": the longer run fits the few training images ever more closely at the expense of the test images."
    )


def dataset_size_references_text(t: pd.DataFrame, refs: pd.DataFrame, lr: float) -> str:
    """'Compared with the hand-made reports' for Task 5.

    ``t`` as for ``dataset_size_stopping_text`` plus, optionally, ``at_hand_budget_acc``
    (the subset-mean test accuracy at the checkpoint nearest t = eta_t / lr) and
    ``at_hand_budget_t``. ``refs``: ``references.table(5)`` (columns what, key, value,
    setting, eta_t); ``lr`` the learning rate of these runs.
    """
    t = t.sort_values("dataset_size").set_index("dataset_size")
    out = ["**Compared with the hand-made reports.**"]
    for _what, group in refs.groupby("what", sort=False):
        group = group.assign(n=group["key"].astype(int)).sort_values("n")
        out.append(
            f"By hand ({group['setting'].iloc[0]}): "
            + ", ".join(f"{100 * v:.0f}%" for v in group["value"])
            + f" for N' = {', '.join(f'{n:,}' for n in group['n'])}."
        )
    iters = int(t["iterations"].iloc[0])
    out.append(
        f"Here (B = 100, η = {lr:g}, {iters:,} iterations, so η·t = {lr * iters:,.0f}): end of run "
        + ", ".join(f"{100 * v:.2f}%" for v in t["test_acc"]) + "; best along the run "
        + ", ".join(f"{100 * v:.2f}%" for v in t["peak_test_acc"]) + "; stopped early "
        + ", ".join(f"{100 * v:.2f}%" for v in t["early_test_acc"]) + "."
    )
    first = refs[refs["eta_t"].notna()]
    if len(first):
        hand = {int(k): v for k, v in zip(first["key"], first["value"])}
        common = [n for n in t.index if n in hand]
        kinds = {"end of run": "test_acc", "best along the run": "peak_test_acc", "stopped early": "early_test_acc"}
        if "at_hand_budget_acc" in t.columns:
            kinds["at the hand-made budget"] = "at_hand_budget_acc"
        dist = {k: sum(abs(100 * (t.loc[n, c] - hand[n])) for n in common) / len(common) for k, c in kinds.items()}
        near = _closest(0.0, dist)
        eta_t = float(first["eta_t"].iloc[0])
        text = (
            f"The hand-made runs stopped at η·t = {eta_t:g}, {lr * iters / eta_t:,.0f} times sooner than these. "
            f"Against the first report's figures the mean distance is "
            + ", ".join(f"{d:.2f} points ({k})" for k, d in dist.items())
            + f": the closest of our readings is “{near}”."
        )
        if "at_hand_budget_acc" in t.columns:
            text += (
                f" At the checkpoint nearest η·t = {eta_t:g} (t ≈ {eta_t / lr:,.0f}) our subset-mean test accuracy is "
                + ", ".join(f"{100 * v:.2f}%" for v in t.loc[common, "at_hand_budget_acc"])
                + f" for N' = {', '.join(f'{n:,}' for n in common)}."
            )
        if {"test_acc_min", "test_acc_max"} <= set(t.columns):
            spread = 100 * (t.loc[common, "test_acc_max"] - t.loc[common, "test_acc_min"])
            text += (
                " The hand figures come from one subset and one run each; our subsets' end-of-run test accuracies "
                f"span {', '.join(f'{s:.2f}' for s in spread)} points (min to max) at the same N', so a single "
                "subset's figure can differ from a mean by about that much."
            )
        out.append(text)
    return " ".join(out[:1]) + " " + " ".join(out[1:])


def _cell(b: float, lr: float) -> str:
    return f"B = {int(b)}, η = {lr:g}"


def mlp_grid_commentary(cells: pd.DataFrame, resolution: float) -> str:
    """Status of each cell, the best learning rate per batch size against the noise scale
    η/B, and what one seed can resolve.

    ``cells`` columns: batch_size, lr, status ('converged', 'stuck at chance', 'diverged'),
    test_acc (fraction), final_loss. ``resolution``: the per-epoch noise of one run's test
    accuracy in points (``netplots.epoch_noise``); a gap under twice it is not resolved.
    """
    c = cells.sort_values(["batch_size", "lr"]).assign(noise=lambda d: d["lr"] / d["batch_size"])
    counts = c["status"].value_counts()
    out = []
    text = "**Status of the cells.** " + ", ".join(
        f"{int(counts.get(s, 0))} {s}" for s in ("converged", "stuck at chance", "diverged")) + f" of {len(c)}."
    bad = c[c["status"] != "converged"]
    if len(bad):
        text += " Not learning: " + "; ".join(
            f"{_cell(r.batch_size, r.lr)} {r.status}" + (
                f" (final training loss {r.final_loss:.3f} against ln 10 = {math.log(10):.3f}, test accuracy "
                f"{100 * r.test_acc:.2f}%)" if r.status == "stuck at chance" else "")
            for r in bad.itertuples(index=False)) + "."
    out.append(text)

    ok = c[c["status"] == "converged"].dropna(subset=["test_acc"])
    best = []
    for b, at in ok.groupby("batch_size"):
        if len(at) >= 2:
            ranked = at.sort_values("test_acc", ascending=False)
            best.append((int(b), ranked.iloc[0], ranked.iloc[1]))
    if len(best) >= 2:
        lrs = [r["lr"] for _, r, _ in best]
        trend = _trend(lrs)
        verb = {"rises": "grows with B", "falls": "shrinks as B grows"}.get(
            trend, "never shrinks as B grows" if all(b >= a for a, b in zip(lrs, lrs[1:])) else "is not monotone in B")
        text = (
            "**The best learning rate and the noise scale η/B.** Among the cells that learnt, the best final test "
            "accuracy is at " + ", ".join(f"η = {r['lr']:g} for B = {b}" for b, r, _ in best)
            + f": the best η {verb}. The gradient of a batch averages B per-example gradients, so the noise an SGD "
            "step adds scales with η/B: a larger batch tolerates, and needs, a larger step for the same noise. "
            "η/B of these best cells: " + ", ".join(f"{r['noise']:.3g} (B = {b})" for b, r, _ in best) + "."
        )
        lo, hi = min(r["noise"] for _, r, _ in best), max(r["noise"] for _, r, _ in best)
        if len(bad):
            above = bad[bad["noise"] > hi]
            text += (
                " The cells that did not learn have η/B = " + ", ".join(
                    f"{r.noise:.3g} ({_cell(r.batch_size, r.lr)})" for r in bad.itertuples(index=False))
                + (": all above every best cell's, too noisy a step." if len(above) == len(bad) else ".")
            )
        text += (f" The grid steps η tenfold, so the best η/B is located only to within that factor "
                 f"({lo:.3g} to {hi:.3g} here).")
        out.append(text)
        if math.isfinite(resolution):
            gaps = [(b, 100 * (r["test_acc"] - s["test_acc"]), s["lr"]) for b, r, s in best]
            unresolved = [(b, g, lr) for b, g, lr in gaps if g < 2 * resolution]
            text = (
                f"**What one seed resolves.** Each cell ran one seed; the test accuracy of one run moves by "
                f"{resolution:.2f} points (median s.d. over its last epochs) from epoch to epoch, so gaps under "
                f"{2 * resolution:.2f} points are not resolved. The best η beats the next best by "
                + ", ".join(f"{g:.2f} points at B = {b} (η = {lr:g} next)" for b, g, lr in gaps) + ": "
            )
            text += (("unresolved at " + ", ".join(f"B = {b}" for b, _, _ in unresolved)
                      + ", where the best η is a tie within the noise") if unresolved else "all resolved") + "."
            out.append(text)
    return "\n\n".join(out)


def mlp_references_text(compared: pd.DataFrame, resolution: float) -> str:
    """'Compared with the hand-made reports' for Task 7.

    ``compared``: one row per reference cell with batch_size, lr, ref_test, ref_train
    (fractions), setting, and this report's test_acc, train_acc, status, epochs (NaN / missing
    when the cell was not run). ``resolution`` as in ``mlp_grid_commentary``.
    """
    c = compared.sort_values(["batch_size", "lr"])
    text = (f"**Compared with the hand-made reports.** By hand ({c['setting'].iloc[0]}), test / train accuracy: "
            + "; ".join(f"{_cell(r.batch_size, r.lr)}: {100 * r.ref_test:.2f}% / {100 * r.ref_train:.2f}%"
                        for r in c.itertuples(index=False)) + ".")
    ran = c.dropna(subset=["test_acc"])
    if ran.empty:
        return text + " None of these cells was run here."
    seeds = plural(sorted({int(n) for n in ran["seeds"]}), "seed") + " per cell, " if "seeds" in ran else ""
    text += (" Here (PyTorch's default initialisation, inputs in [0, 1], " + seeds
             + plural(sorted({int(e) for e in ran["epochs"]}), "epoch") + "): "
             + "; ".join(f"{_cell(r.batch_size, r.lr)}: {100 * r.test_acc:.2f}% / {100 * r.train_acc:.2f}%"
                         + ("" if r.status == "converged" else f" ({r.status})") for r in ran.itertuples(index=False))
             + ".")
    bad = ran[ran["status"] != "converged"]
    if len(bad):
        text += (" The hand-made report has no run that stopped learning; ours at "
                 + ", ".join(_cell(r.batch_size, r.lr) for r in bad.itertuples(index=False))
                 + " did; with one run on each side, what makes the difference (initialisation, seed, input scaling) "
                 "cannot be told.")
    ok = ran[ran["status"] == "converged"]
    if len(ok) and math.isfinite(resolution):
        diff = 100 * (ok["test_acc"] - ok["ref_test"])
        inside = int((diff.abs() < 2 * resolution).sum())
        text += (" Among the cells that learnt, ours minus the hand figure is "
                 + ", ".join(f"{d:+.2f}" for d in diff) + f" test points; {inside} of {len(ok)} within twice the "
                 f"per-epoch noise of one run ({2 * resolution:.2f} points), which is all one seed on each side can "
                 "resolve.")
    return text


def dips_text(found: pd.DataFrame, points: float, resolution: float) -> str:
    """The one-epoch dips of the test accuracy (``netplots.dips``), and whether they recovered.

    ``resolution``: the per-epoch noise of one run, in points (median over runs).
    """
    if found.empty:
        return f"**Dips.** No run's test accuracy fell by more than {points:g} point{'s' if points != 1 else ''} from one epoch to the next."
    parts = []
    for model, d in found.groupby("model", sort=False):
        parts.append(
            f"{model}: " + ", ".join(
                f"{100 * r.test_acc:.2f}% at epoch {int(r.epoch)} (from {100 * r.before:.2f}%"
                + (f", back to {100 * r.after:.2f}% one epoch later)" if r.after == r.after else ", the last epoch)")
                for r in d.itertuples(index=False)))
    back = found.dropna(subset=["back_at"])
    text = (
        f"**Dips.** The test accuracy fell by more than {points:g} point{'s' if points != 1 else ''} in one epoch at: "
        + "; ".join(parts) + f". The per-epoch noise of one run is {resolution:.2f} points: "
        + ("every fall is more than twice that. " if (100 * (found["before"] - found["test_acc"]) > 2 * resolution).all()
           else "not every fall is more than twice that. ")
        + f"In {len(back)} of {len(found)} dips the accuracy later regained its level before the dip"
        + (" (at epoch " + ", ".join(str(int(e)) for e in back["back_at"]) + ")" if len(back) else "")
    )
    text += (
        ": a dip is one evaluation of an SGD iterate that a constant step keeps moving around the minimum (a few "
        "unlucky last steps of the epoch), not a lasting loss of accuracy. "
        if len(back) == len(found) else
        "; the others did not regain it within the epochs run, so not every dip can be told apart from a lasting "
        "loss here. "
    )
    return text + (
        "The best-epoch column of the table shows what stopping at the best epoch would have given (read on the test "
        "set, so an upper bound)."
    )


def first_run_text(here: float, reference: float, alternatives: dict[str, float], epochs: int,
                   resolution: float, curves: dict[str, list[float]] | None = None) -> str:
    """Why the first run (MLP 128, lr 0.01) differs from the hand figure: what can be tested here
    (``alternatives``: label -> test accuracy after the same ``epochs``) and what cannot be known.
    ``curves``: label -> test accuracy after each epoch (1, 2, ...), to say when each run first
    reached the hand figure."""
    text = (
        f"**The first run against the hand figure.** {100 * here:.2f}% here after {plural(epochs, 'epoch')} against "
        f"{100 * reference:.2f}% by hand ({100 * (here - reference):+.2f} points)."
    )
    if alternatives:
        text += " Under the alternatives tested here, with everything else equal: " + ", ".join(
            f"{k}: {100 * v:.2f}%" for k, v in alternatives.items()) + "."
        near = min(alternatives, key=lambda k: abs(alternatives[k] - reference))
        if abs(alternatives[near] - reference) < abs(here - reference):
            text += f" The closest to the hand figure is {near}, {100 * (alternatives[near] - reference):+.2f} points from it."
        else:
            text += " None of them comes closer to the hand figure than the run as specified."
    for label, accs in (curves or {}).items():
        first = next((i + 1 for i, a in enumerate(accs) if a == a and a >= reference), None)
        text += (f" The {label} run passed the hand figure after epoch {first} ({100 * accs[first - 1]:.2f}%)."
                 if first else f" The {label} run never reached the hand figure in {plural(len(accs), 'epoch')}.")
    text += (
        " The hand-made report does not state its initialisation, its seed, how its inputs were scaled in that run "
        "or how its accuracy was measured, so the cause of the difference cannot be known from it."
    )
    gap = abs(100 * (here - reference))
    if math.isfinite(resolution) and resolution > 0:
        text += (
            f" The gap is {gap / resolution:.0f} times the per-epoch noise of one run here ({resolution:.2f} points)"
            + (": far more than the epoch-to-epoch noise of one run." if gap > 10 * resolution else
               ", not far beyond what one seed on each side can resolve." if gap > 2 * resolution else
               ": within what one seed on each side can resolve.")
        )
    return text
