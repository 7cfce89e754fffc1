"""The backward pass Task 7's runs write out by hand, checked on real images against autograd
with ``torch.optim.SGD``: the grid's claim that both take the same step, shown in the report
rather than only in the tests. A control measures what rounding alone does: autograd again with
every initial weight moved by one float32 rounding unit, so that a drift between the two ways
can be read against a drift that is rounding and nothing else."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from mnist_sgd.science import nets
from mnist_sgd.science.data import MNIST
from mnist_sgd.show.present import plural
from mnist_sgd.tasks.rounding import listed

WAYS = ("autograd", "written", "nudged")  # the three trainings of a check; the first is the reference


@torch.no_grad()
def nudged(model: nn.Module) -> nn.Module:
    """``model`` with every parameter moved by one float32 rounding unit towards +inf (in place):
    the smallest change its initialisation can take, so what grows from it is rounding alone."""
    for p in model.parameters():
        p.copy_(torch.nextafter(p, torch.full_like(p, torch.inf)))
    return model


def _apart(a: nn.Module, b: nn.Module, loss_a: pd.Series, loss_b: pd.Series) -> tuple[float, float]:
    """How far two trainings ended: the largest difference of any weight, relative to the largest
    weight of ``a``, and the largest relative difference of an epoch's mean loss."""
    pairs = [(p.detach(), q.detach()) for p, q in zip(a.parameters(), b.parameters(), strict=True)]
    largest = max(float(p.abs().max()) for p, _ in pairs)
    weights = max(float((p - q).abs().max()) for p, q in pairs) / largest
    return weights, float(((loss_a - loss_b).abs() / loss_a.abs()).max())


def backward_check(
    mnist: MNIST, arch: str, images: int, batch_size: int, lr: float, epochs: int = 1, seed: int = 0
) -> pd.DataFrame:
    """``arch`` trained on the first ``images`` training images for ``epochs`` at ``batch_size``
    and ``lr``, three times with the same batch order: by autograd and ``torch.optim.SGD``, by the
    written-out step (``backprop.manual_epoch``) from the same initialisation, and by autograd
    again from that initialisation ``nudged``. One row: the setting, and how far the written-out
    run (``weights_rel_diff``, ``loss_rel_diff``) and the nudged one (``nudge_weights_rel_diff``,
    ``nudge_loss_rel_diff``) ended from the first (``_apart``)."""
    part = MNIST(mnist.x_train[:images], mnist.y_train[:images], mnist.x_test, mnist.y_test)
    models = {way: nets.build(arch, seed) for way in WAYS}  # trained in place
    nudged(models["nudged"])
    losses = {
        way: nets.train(
            model,
            part,
            batch_size,
            lr,
            epochs,
            seed,
            device="cpu",
            manual_backward=way == "written",
            subset_train_acc=False,
        ).history["train_loss"]
        for way, model in models.items()
    }
    written = _apart(models["autograd"], models["written"], losses["autograd"], losses["written"])
    nudge = _apart(models["autograd"], models["nudged"], losses["autograd"], losses["nudged"])
    return pd.DataFrame(
        [
            {
                "arch": arch,
                "images": images,
                "batch_size": batch_size,
                "lr": lr,
                "epochs": epochs,
                "steps": epochs * -(-images // batch_size),
                "weights_rel_diff": written[0],
                "loss_rel_diff": written[1],
                "nudge_weights_rel_diff": nudge[0],
                "nudge_loss_rel_diff": nudge[1],
            }
        ]
    )


# below this, two ways of computing the same steps differ only by float32 rounding
ROUNDING = 1e-5


def distance_said(value: float) -> str:
    """A distance as the text prints it, to 2 significant figures: '3.2e-07'; '0' for none."""
    return "0" if value == 0 else f"{value:.1e}"


def within_nudge(r: pd.Series) -> bool:
    """Whether the written-out run ended no further from autograd in weights than the nudged run,
    as the two distances are printed (``distance_said``): then its difference is one rounding makes."""
    return float(distance_said(r["weights_rel_diff"])) <= float(distance_said(r["nudge_weights_rel_diff"]))


def _check_line(r: pd.Series) -> str:
    """One check as a bullet: its rate, steps and images, and how far the written-out and the
    nudged run ended from autograd (``distance_said``)."""

    def losses(value: float) -> str:
        return "identical epoch losses" if value == 0 else f"epoch losses {distance_said(value)}"

    return (
        f"- η = {r['lr']:g}, {int(r['steps']):,} steps ({int(r['images']):,} images): the hand-written step "
        f"{distance_said(r['weights_rel_diff'])} ({losses(r['loss_rel_diff'])}), the rounding control "
        f"{distance_said(r['nudge_weights_rel_diff'])} ({losses(r['nudge_loss_rel_diff'])})."
    )


def _checks_said(rows: pd.DataFrame) -> str:
    """'η = 1 over 63 steps' or 'η = 0.1 over 63 steps and η = 1 over 16', for the checks ``rows``."""
    return listed([f"η = {r['lr']:g} over {int(r['steps']):,} steps" for _, r in rows.iterrows()])


def _nudge_verdict(checks: pd.DataFrame) -> str:
    """Whether the hand-written step ends within the nudge's distance (``within_nudge``): at every
    check, or at which it does not and by how many times the nudge's distance."""
    if checks.apply(within_nudge, axis=1).all():
        return (
            "At every check the hand-written step ends no further from automatic differentiation than the rounding "
            "control "
            "does: what separates the two ways is rounding. "
        )
    text = ""
    for _, r in checks[~checks.apply(within_nudge, axis=1)].iterrows():
        nudge = r["nudge_weights_rel_diff"]
        times = f"{r['weights_rel_diff'] / nudge:.2g} times as far" if nudge > 0 else "further"
        text += (
            f"At η = {r['lr']:g} over {int(r['steps']):,} steps the hand-written step ends {times} from automatic "
            "differentiation as the rounding control: this check does not show that difference to be rounding alone. "
        )
    return text


def backward_text(checks: pd.DataFrame) -> str:
    """The checks in a few sentences and a list: how the distances are measured and what the
    rounding control is; per check both distances (``_check_line``) and whether the hand-written step
    is within the nudge's (``_nudge_verdict``); "the same step" said only of checks within
    ``ROUNDING``; for a check beyond it that is within the nudge's distance, what the shorter check
    at the same rate and the control show."""
    c = checks.iloc[0]
    text = (
        "The grid's runs compute their gradients and steps by hand, without automatic differentiation. To check "
        f"them, a network was trained on the first training images ({plural(int(c['epochs']), 'pass', 'passes')}, "
        f"B = {int(c['batch_size'])}) three times with the same batch order: by PyTorch's automatic differentiation "
        "with its SGD optimiser, by the hand-written step from the same initial weights, and, as a *rounding control* "
        "showing what rounding alone does, by automatic differentiation again with every initial weight moved up by "
        "one float32 rounding unit (the smallest change a weight can take, made to every weight at once). How far "
        "each run ends "
        "from the first, as the largest difference of any weight relative to the largest weight (and of an epoch's "
        "mean loss, relative to it):\n\n" + "\n".join(_check_line(r) for _, r in checks.iterrows()) + "\n\n"
    )
    text += _nudge_verdict(checks)
    close = checks[checks["weights_rel_diff"] < ROUNDING]
    if len(close):
        text += f"Within {ROUNDING:.0e} of the largest weight ({_checks_said(close)}) they take the same step. "
    grown = checks[(checks["weights_rel_diff"] >= ROUNDING) & checks.apply(within_nudge, axis=1)]
    for _, r in grown.iterrows():
        shorter = close[(close["lr"] == r["lr"]) & (close["steps"] < r["steps"])]
        text += (
            f"Over {int(r['steps']):,} steps at η = {r['lr']:g} they drift apart"
            + (f" (over {int(shorter['steps'].max()):,} they still agree)" if len(shorter) else "")
            + ", no further than the rounding control: at this rate a difference as small as rounding grows along the "
            "run, "
            "so a single run there is one draw among the runs its roundings could give, and only the share of seeds "
            "that diverge is comparable. "
        )
    return text.rstrip()
