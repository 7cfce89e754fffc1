"""The backward pass Task 7's runs write out by hand, checked on real images against autograd
with ``torch.optim.SGD``: the grid's claim that both take the same step, shown in the report
rather than only in the tests."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.science import nets
from mnist_sgd.science.data import MNIST


def backward_check(
    mnist: MNIST, arch: str, images: int, batch_size: int, lr: float, epochs: int = 1, seed: int = 0
) -> pd.DataFrame:
    """``arch`` trained on the first ``images`` training images for ``epochs`` at ``batch_size``
    and ``lr``, twice from the same initialisation and batch order: by autograd and
    ``torch.optim.SGD``, and by the written-out step (``backprop.manual_epoch``). One row: the
    largest difference of any weight between the two, relative to the largest weight; the
    largest difference of an epoch's mean loss, relative to it; and the setting."""
    part = MNIST(mnist.x_train[:images], mnist.y_train[:images], mnist.x_test, mnist.y_test)
    models = [nets.build(arch, seed), nets.build(arch, seed)]  # trained in place
    runs = [
        nets.train(
            model, part, batch_size, lr, epochs, seed, device="cpu", manual_backward=manual, subset_train_acc=False
        )
        for model, manual in zip(models, (False, True), strict=True)
    ]
    pairs = [(p.detach(), q.detach()) for p, q in zip(models[0].parameters(), models[1].parameters(), strict=True)]
    largest = max(float(p.abs().max()) for p, _ in pairs)
    weights = max(float((p - q).abs().max()) for p, q in pairs) / largest
    loss_a, loss_b = (r.history["train_loss"] for r in runs)
    losses = float(((loss_a - loss_b).abs() / loss_a.abs()).max())
    return pd.DataFrame(
        [
            {
                "arch": arch,
                "images": images,
                "batch_size": batch_size,
                "lr": lr,
                "epochs": epochs,
                "steps": epochs * -(-images // batch_size),
                "weights_rel_diff": weights,
                "loss_rel_diff": losses,
            }
        ]
    )


# below this, two ways of computing the same steps differ only by float32 rounding
ROUNDING = 1e-5


def backward_text(checks: pd.DataFrame) -> str:
    """The checks in a few sentences: per check its rate and steps and how far apart the two ways
    ended; "the same step" said only of checks within ``ROUNDING``, and a check beyond it said
    to be so, with what the shorter check at the same rate shows."""
    c = checks.iloc[0]

    def apart(r: pd.Series) -> str:
        losses = (
            "identical epoch losses"
            if r["loss_rel_diff"] == 0
            else f"epoch losses at most {r['loss_rel_diff']:.1e} apart (relative)"
        )
        return (
            f"at η = {r['lr']:g} over {int(r['steps']):,} steps, weights at most {r['weights_rel_diff']:.1e} of the "
            f"largest weight apart and {losses}"
        )

    close = checks[checks["weights_rel_diff"] < ROUNDING]
    far = checks[checks["weights_rel_diff"] >= ROUNDING]
    text = (
        "The grid's runs compute their gradients and steps by hand, without automatic differentiation. Trained both "
        f"ways from the same initialisation and batch order on the training images (B = {int(c['batch_size'])}), the "
        "written-out step and PyTorch's automatic differentiation with its SGD optimiser end "
        f"{'; '.join(apart(r) for _, r in checks.iterrows())}."
    )
    if len(close):
        text += (
            f" Within {ROUNDING:.0e} of the largest weight they take the same step, up to float32 rounding "
            f"(η = {', '.join(sorted({f'{v:g}' for v in close['lr']}))})."
        )
    for _, r in far.iterrows():
        shorter = close[(close["lr"] == r["lr"]) & (close["steps"] < r["steps"])]
        text += (
            f" Over {int(r['steps']):,} steps at η = {r['lr']:g} they drift apart"
            + (
                f", although they agree to rounding over {int(shorter['steps'].max()):,}: at this rate a difference "
                "as small as rounding grows along the run, so a single run there is one draw among the runs its "
                "roundings could give, and only the share of seeds that diverge is comparable"
                if len(shorter)
                else ": this check does not separate a different step from a grown rounding difference"
            )
            + "."
        )
    return text


def backward_brief(checks: pd.DataFrame) -> str:
    """The body's sentence on the written-out step: the grid's runs use it, and the rates at which
    it and automatic differentiation end within ``ROUNDING`` of each other (the same step) and
    those at which they drift apart over the longest check (``backward_text`` has the detail)."""
    longest = checks.sort_values("steps").groupby("lr").tail(1)
    same = sorted(longest[longest["weights_rel_diff"] < ROUNDING]["lr"])
    drift = sorted(longest[longest["weights_rel_diff"] >= ROUNDING]["lr"])
    text = "The runs compute each step by a written-out backward pass, not by automatic differentiation"
    if same:
        text += f"; both take the same step at η = {', '.join(f'{v:g}' for v in same)}"
    if drift:
        rates = ", ".join(f"{v:g}" for v in drift)
        text += (
            f"{', but' if same else ';'} at η = {rates} they drift apart along a run, so which seeds fail there depends "
            "on how the step is computed"
        )
    return text + "."
