"""The exercises of lecture 3b (the deep image prior): ``dip_step`` and ``early_stop``.

Registered in :data:`invlab.coursework.checks.EXERCISES` like the others; the machinery (cases,
records, verdicts, hints for common mistakes) is :mod:`invlab.coursework.base`.
"""
from __future__ import annotations

import torch

from .. import operators as op
from .base import Case, Exercise, Verdict, _invoke, _mismatch, _number, _same_number, _seeded, _tensor_issue, record

__all__ = ["DipStep", "EarlyStop", "reference_early_stop"]

#: The tiny generator of the ``dip_step`` cases (fast: a few ms per step).
_NET = dict(width=4, depth=2, skip=2, in_channels=4)
_LR = 0.01


def reference_dip_step(net, optimizer, A, y) -> float:
    """One Adam step on :math:`\\tfrac12\\|A\\Psi(z_0; w) - y\\|^2`; returns the loss before the step."""
    optimizer.zero_grad()
    r = A(net()[0, 0]) - y
    loss = 0.5 * (r ** 2).sum()
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def _run_steps(step, A, y, shape, seed, n=2):
    """Fresh seeded net + Adam, ``n`` calls of ``step``: (image after, first returned value)."""
    from ..nets import DIPNet

    net = DIPNet(shape, seed=seed, **_NET)
    opt = torch.optim.Adam(net.parameters(), lr=_LR)
    first = None
    for i in range(n):
        out = step(net, opt, A, y)
        if i == 0:
            first = out
    with torch.no_grad():
        return net()[0, 0].detach().clone(), first


def _no_zero_grad(net, opt, A, y):
    r = A(net()[0, 0]) - y
    (0.5 * (r ** 2).sum()).backward()
    opt.step()


def _ascent(net, opt, A, y):
    opt.zero_grad()
    r = A(net()[0, 0]) - y
    (-0.5 * (r ** 2).sum()).backward()
    opt.step()


def _unmasked(net, opt, A, y):
    opt.zero_grad()
    x = net()[0, 0]
    r = x - (y if y.shape == x.shape else A.adjoint(y))
    (0.5 * (r ** 2).sum()).backward()
    opt.step()


def _adjoint_loss(net, opt, A, y):
    opt.zero_grad()
    r = net()[0, 0] - A.adjoint(y)
    (0.5 * (r ** 2).sum()).backward()
    opt.step()


def _no_step(net, opt, A, y):
    opt.zero_grad()
    r = A(net()[0, 0]) - y
    (0.5 * (r ** 2).sum()).backward()


class DipStep(Exercise):
    """``dip_step(net, optimizer, A, y)``: one Adam step of :math:`\\tfrac12\\|A\\Psi(z_0; w) - y\\|^2`."""

    name, signature, lecture = "dip_step", "dip_step(net, optimizer, A, y)", "03"

    def cases(self):
        g = _seeded(31)
        shape = (12, 10)
        x = torch.rand(shape, generator=g)
        mask = op.Mask.random(shape, 0.4, seed=31)
        sr = op.Downsample(shape, 2)
        return [Case("inpainting: a mask keeps 60 % of a 12×10 image (y = A(x) is 0 at the missing pixels; the loss "
                     "must not pull the image to 0 there)", (mask, mask(x), shape, 1)),
                Case("×2 super-resolution (y is 6×5, A = Downsample)", (sr, sr(x), shape, 2)),
                Case("denoising (A = Identity, y noisy)",
                     (op.Identity(shape), x + 0.1 * torch.randn(shape, generator=g), shape, 3))]

    def call(self, fn, case):
        A, y, shape, seed = case.args
        res, err = _invoke(lambda: _run_steps(fn, A, y.clone(), shape, seed), ())
        if err is not None:
            return err
        image, first = res
        rec = record(image)
        loss = record(first)
        value, _ = _number(loss) if "error" not in loss else (None, None)
        if value is not None:
            rec["loss"] = value
        return rec

    def judge_case(self, case, rec):
        A, y, shape, seed = case.args
        issue = _tensor_issue(rec, shape)
        if issue:
            return Verdict(False, hint="after two calls the network's output is not an image: " + issue)
        got = rec["value"]
        ref, ref_loss = _run_steps(reference_dip_step, A, y, shape, seed)
        with torch.no_grad():
            start, _ = _run_steps(lambda *a: None, A, y, shape, seed)
        if not torch.allclose(got, ref, rtol=1e-4, atol=1e-5):
            mistakes = [
                (start, "the weights did not change: call optimizer.step() after loss.backward()."),
                (lambda: _run_steps(_no_zero_grad, A, y, shape, seed)[0],
                 "the gradients accumulate from one call to the next: call optimizer.zero_grad() first."),
                (lambda: _run_steps(_ascent, A, y, shape, seed)[0],
                 "sign error: minimise the loss (backward() on +½‖AΨ − y‖²), do not maximise it."),
                (lambda: _run_steps(_unmasked, A, y, shape, seed)[0],
                 "the loss compares the network's image with y directly; compare A(net()) with y, so that only "
                 "what was measured counts (the masked loss)."),
                (lambda: _run_steps(_adjoint_loss, A, y, shape, seed)[0],
                 "the loss compares the image with Aᵀy; the data term is ½‖A(net()) − y‖², in measurement space."),
                (lambda: _run_steps(_no_step, A, y, shape, seed)[0],
                 "the weights did not change: call optimizer.step() after loss.backward()."),
            ]
            verdict = _mismatch(self.name, got, ref, mistakes,
                                "compare with: optimizer.zero_grad(); loss = ½‖A(net()[0, 0]) − y‖²; "
                                "loss.backward(); optimizer.step().", 1e-4)
            if rec.get("loss") is None:
                verdict.hint += " Then return the loss as a number: return float(loss)."
            return verdict
        loss = rec.get("loss")
        if loss is None:
            return Verdict(False, hint="the step is right; also return the loss (a number: float(loss)) "
                                       "computed before the step.")
        if not _same_number(loss, ref_loss, 1e-6, 1e-4):
            n = torch.tensor(A.out_shape).prod().item()
            hint = "return the loss computed before the step: ½‖A(net()) − y‖² (a sum)."
            if _same_number(loss, 2 * ref_loss, 1e-6, 1e-4):
                hint = "the loss has a factor ½: ½‖A(net()) − y‖²."
            elif _same_number(loss, ref_loss / n, 1e-8, 1e-4) or _same_number(loss, 2 * ref_loss / n, 1e-8, 1e-4):
                hint = "the course's objectives are sums, not means: ½‖A(net()) − y‖²."
            return Verdict(False, hint=hint, expected=f"{ref_loss:.6g}", got=f"{loss:.6g}")
        return Verdict(True)


def reference_early_stop(val_loss, patience: int) -> int:
    """The iteration (1-based) to keep: the best so far when ``patience`` iterations brought no
    strict improvement, or the best of the whole curve if that never happens."""
    from .._checks import check_int
    patience = check_int(patience, "patience", low=1)
    if isinstance(val_loss, torch.Tensor):
        if val_loss.ndim != 1 or val_loss.is_complex():
            raise ValueError(f"val_loss must be a 1-D real curve, got a tensor of shape {tuple(val_loss.shape)}.")
        val_loss = val_loss.tolist()
    if isinstance(val_loss, (str, bytes)) or not hasattr(val_loss, "__len__") or len(val_loss) == 0:
        raise TypeError(f"val_loss must be a non-empty list (or 1-D tensor) of numbers, got {val_loss!r:.60}.")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v == v for v in val_loss):
        raise ValueError("val_loss must hold real numbers (no NaN, no bools or strings).")
    best, best_k = float("inf"), 0
    for k, v in enumerate(val_loss, start=1):
        v = float(v)
        if v < best:
            best, best_k = v, k
        elif k - best_k >= patience:
            break
    return best_k


def _curve_bump():
    """A validation curve: a local minimum at 10, a bump, a lower minimum at 25, then a rise."""
    out = []
    for k in range(1, 41):
        if k <= 10:
            v = 1.0 - 0.05 * k
        elif k <= 18:
            v = 0.5 + 0.02 * (k - 10)
        elif k <= 25:
            v = 0.66 - 0.03 * (k - 18)
        else:
            v = 0.45 + 0.01 * (k - 25)
        out.append(round(v, 6))
    return out


class EarlyStop(Exercise):
    """``early_stop(val_loss, patience)``: the iteration to stop at, from a validation curve."""

    name, signature, lecture = "early_stop", "early_stop(val_loss, patience)", "03"

    def cases(self):
        u = [round((k - 12) ** 2 / 100 + 0.3, 6) for k in range(1, 31)]
        bump = _curve_bump()
        flat = [1.0, 0.8, 0.6, 0.6, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
        return [Case("a U-shaped curve (30 values, lowest at iteration 12), patience = 5", (u, 5)),
                Case("a dip at iteration 10, a bump, a lower dip at 25; patience = 5 (stop before the second dip)",
                     (bump, 5)),
                Case("the same curve with patience = 20 (the second dip is reached)", (bump, 20)),
                Case("a curve that keeps falling (a torch tensor of 15 values), patience = 3",
                     (torch.linspace(1.0, 0.2, 15), 3)),
                Case("a plateau: 0.6 at iterations 3, 4 and 5 (a tie is not an improvement), patience = 4",
                     (flat, 4))]

    def call(self, fn, case):
        val, patience = case.args
        out, err = _invoke(fn, (val.clone() if isinstance(val, torch.Tensor) else list(val), patience))
        return err if err is not None else record(out)

    def judge_case(self, case, rec):
        val, patience = case.args
        got, problem = _number(rec)
        if problem:
            return Verdict(False, hint=problem + " early_stop returns an iteration number (an int).")
        ref = reference_early_stop(val, patience)
        if got == ref:
            return Verdict(True)
        vals = [float(v) for v in val]
        hint = "walk along the curve, keep the best value so far, and stop once patience iterations passed " \
               "without a strict improvement; return the best iteration (1-based)."
        if got == ref - 1:
            hint = "iterations are numbered from 1 (history lists start at iteration 1): add 1 to the index."
        elif got == vals.index(min(vals)) + 1:
            hint = "that is the lowest point of the whole curve; early stopping cannot see the future: stop " \
                   "once patience iterations passed without improvement."
        elif got == min(ref + patience, len(vals)):
            hint = "return the best iteration, not the one at which you stopped."
        elif got == max(k for k, v in enumerate(vals, 1) if v == vals[ref - 1]):
            hint = "a tie is not an improvement: keep the earliest of equal values (compare with <, not <=)."
        return Verdict(False, hint=hint, expected=str(ref), got=f"{got:g}")
