"""Checks for the exercises in the lecture notebooks, with feedback a student can act on.

Each ``check_*`` function takes the student's function, runs it on a few small problems
whose answers are known, and *prints* its verdict: "✓ correct", or *what* is wrong (wrong
shape, complex output, a missing conjugate, a threshold off by the step size ...) instead of
a bare "incorrect". It returns ``None``, so a check cell shows only that feedback (no stray
``True``/``False``). ``raise_on_fail=True`` turns a failure into an ``AssertionError``
(for graders).
"""
from __future__ import annotations

import torch

from . import operators as op
from ._checks import check_bool, check_callable
from . import solvers
from .regularisers import soft_threshold

__all__ = ["check_tikhonov_fourier", "check_ista_step"]


def _report(ok: bool, messages: list[str], name: str, raise_on_fail: bool) -> None:
    if ok:
        print(f"✓ {name}: correct.")
        return None
    text = f"✗ {name}: not yet.\n  - " + "\n  - ".join(messages)
    if raise_on_fail:
        raise AssertionError(text)
    print(text)
    return None


def _call(fn, *args):
    try:
        return fn(*args), None
    except Exception as e:  # the student's code raised: say which error, where
        return None, f"your function raised {type(e).__name__}: {e}"


def _as_real_image(out, shape, messages) -> torch.Tensor | None:
    if not isinstance(out, torch.Tensor):
        messages.append(f"return a torch.Tensor, not {type(out).__name__}.")
        return None
    if out.is_complex():
        messages.append("the result is complex: go back to image space with torch.fft.irfft2(..., s=shape) "
                        "(or take .real of ifft2).")
        return None
    if tuple(out.shape) != tuple(shape):
        messages.append(f"the result has shape {tuple(out.shape)}, expected {tuple(shape)}; "
                        "pass s=y.shape[-2:] to torch.fft.irfft2.")
        return None
    return out


def check_tikhonov_fourier(fn, raise_on_fail: bool = False) -> None:
    """Check ``fn(A, y, lam)`` = the Tikhonov solution :math:`(A^{\\top}A + \\lambda I)^{-1}A^{\\top}y` for a blur.

    In Fourier this is :math:`\\hat x = \\overline{\\hat a}\\,\\hat y / (|\\hat a|^2 + \\lambda)`,
    with :math:`\\hat a` = ``A.spectrum`` (rfft2 layout). Tested with a non-symmetric kernel
    (so a missing conjugate shows) and several values of λ.

    Parameters
    ----------
    fn : callable
        The student's ``tikhonov_fourier(A, y, lam)``.
    raise_on_fail : bool
        Raise ``AssertionError`` (with the feedback) instead of printing it when wrong.

    Returns
    -------
    None
        The verdict is printed.
    """
    check_callable(fn, "fn", allow_none=False)
    check_bool(raise_on_fail, "raise_on_fail")
    g = torch.Generator().manual_seed(0)
    shape = (16, 18)
    A = op.Blur(shape, torch.tensor([[0.0, 0.1, 0.0], [0.2, 0.4, 0.05], [0.0, 0.25, 0.0]]))
    x = torch.rand(shape, generator=g, dtype=torch.float64)
    y = A(x) + 0.01 * torch.randn(shape, generator=g, dtype=torch.float64)
    messages: list[str] = []
    for lam in (1e-3, 0.1, 2.0):
        out, err = _call(fn, A, y, lam)
        if err:
            return _report(False, [err], "tikhonov_fourier", raise_on_fail)
        out = _as_real_image(out, shape, messages)
        if out is None:
            break
        ref = solvers.tikhonov(A, y, lam)
        if torch.allclose(out.double(), ref, atol=1e-6):
            continue
        a = A.spectrum
        Y = torch.fft.rfft2(y)
        no_conj = torch.fft.irfft2(a * Y / (a.abs() ** 2 + lam), s=shape)
        no_lam = torch.fft.irfft2(a.conj() * Y / (a.abs() ** 2), s=shape)
        lam_sq = torch.fft.irfft2(a.conj() * Y / (a.abs() ** 2 + lam**2), s=shape)
        if torch.allclose(out.double(), no_conj, atol=1e-6):
            messages.append("multiply by the complex conjugate of the spectrum: A^T in Fourier is conj(a_hat).")
        elif torch.allclose(out.double(), no_lam, atol=1e-4):
            messages.append("λ is missing from the denominator |a_hat|^2 + λ.")
        elif torch.allclose(out.double(), lam_sq, atol=1e-6):
            messages.append("the denominator is |a_hat|^2 + λ, not |a_hat|^2 + λ^2.")
        else:
            rel = float(torch.linalg.vector_norm(out.double() - ref) / torch.linalg.vector_norm(ref))
            messages.append(f"for λ = {lam} the result is off by {rel:.1%} (relative error); "
                            "compare with x_hat = conj(a_hat) * y_hat / (|a_hat|^2 + λ).")
        break
    return _report(not messages, messages, "tikhonov_fourier", raise_on_fail)


def check_ista_step(fn, raise_on_fail: bool = False) -> None:
    """Check ``fn(x, A, y, lam, step)`` = one ISTA step for :math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda\\|x\\|_1`.

    The step is :math:`x^{+} = \\operatorname{soft}(x - \\eta A^{\\top}(Ax - y),\\ \\eta\\lambda)`.

    Parameters
    ----------
    fn : callable
        The student's ``ista_step(x, A, y, lam, step)``.
    raise_on_fail : bool
        Raise ``AssertionError`` (with the feedback) instead of printing it when wrong.

    Returns
    -------
    None
        The verdict is printed.
    """
    check_callable(fn, "fn", allow_none=False)
    check_bool(raise_on_fail, "raise_on_fail")
    g = torch.Generator().manual_seed(1)
    M = torch.randn(12, 8, generator=g, dtype=torch.float64)
    A = op.Matrix(M)
    x = torch.randn(8, generator=g, dtype=torch.float64)
    y = torch.randn(12, generator=g, dtype=torch.float64)
    lam, step = 0.7, 0.05
    messages: list[str] = []
    out, err = _call(fn, x, A, y, lam, step)
    if err:
        return _report(False, [err], "ista_step", raise_on_fail)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (8,):
        messages.append(f"return a tensor shaped like x, (8,), got {getattr(out, 'shape', type(out).__name__)}.")
        return _report(False, messages, "ista_step", raise_on_fail)
    z = x - step * A.adjoint(A(x) - y)
    ref = soft_threshold(z, step * lam)
    if torch.allclose(out, ref, atol=1e-10):
        return _report(True, [], "ista_step", raise_on_fail)
    if torch.allclose(out, z, atol=1e-10):
        messages.append("you took the gradient step but not the proximal step: apply soft thresholding.")
    elif torch.allclose(out, soft_threshold(z, lam), atol=1e-10):
        messages.append("the threshold is step * lam (the prox of step·λ‖·‖₁), not lam.")
    elif torch.allclose(out, soft_threshold(x + step * A.adjoint(A(x) - y), step * lam), atol=1e-10):
        messages.append("sign error: the gradient of ½‖Ax − y‖² is A^T(Ax − y); step *against* it.")
    elif torch.allclose(out, soft_threshold(x - step * (A(x) - y).sum(), step * lam), atol=1e-10):
        messages.append("use A.adjoint(...) to bring the residual back to the image space.")
    else:
        messages.append("compare with x_next = soft(x - step * A^T(Ax - y), step * lam).")
    return _report(False, messages, "ista_step", raise_on_fail)
