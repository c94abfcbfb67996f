"""The exercises of lecture 1: ``tikhonov_fourier`` and ``ista_step``."""
from __future__ import annotations

import torch

from .. import operators as op
from ..regularisers import soft_threshold
from .base import Case, Exercise, Verdict, _KERNEL, _close, _mismatch, _seeded, _tensor_issue

__all__ = ["TikhonovFourier", "IstaStep"]


# ----------------------------------------------------------------------------------------
# lecture 1
# ----------------------------------------------------------------------------------------
def _tikhonov_fourier_ref(A, y, lam, conj=True, lam_power=1.0):
    a = A.spectrum
    num = a.conj() if conj else a
    return torch.fft.irfft2(num * torch.fft.rfft2(y) / (a.abs() ** 2 + lam**lam_power), s=y.shape[-2:])


class TikhonovFourier(Exercise):
    """``tikhonov_fourier(A, y, lam)``: :math:`(A^{\\top}A + \\lambda I)^{-1}A^{\\top}y` in Fourier for a blur."""

    name, signature, lecture = "tikhonov_fourier", "tikhonov_fourier(A, y, lam)", "01"

    def cases(self):
        g = _seeded(0)
        A = op.Blur((16, 18), _KERNEL)
        x = torch.rand(16, 18, generator=g, dtype=torch.float64)
        y = A(x) + 0.01 * torch.randn(16, 18, generator=g, dtype=torch.float64)
        A_odd = op.Blur((15, 17), _KERNEL)
        x_odd = torch.rand(15, 17, generator=g, dtype=torch.float64)
        y_odd = A_odd(x_odd) + 0.01 * torch.randn(15, 17, generator=g, dtype=torch.float64)
        xb = torch.rand(2, 16, 18, generator=g, dtype=torch.float64)
        yb = A(xb) + 0.01 * torch.randn(2, 16, 18, generator=g, dtype=torch.float64)
        return [Case("λ = 0.001, a 16×18 image, non-symmetric 3×3 blur", (A, y, 1e-3)),
                Case("λ = 2, a 16×18 image", (A, y, 2.0)),
                Case("λ = 0.1, an odd-sized 15×17 image", (A_odd, y_odd, 0.1)),
                Case("λ = 0.1, a batch of two 16×18 images (work on the last two dimensions)", (A, yb, 0.1))]

    def judge_case(self, case, rec):
        A, y, lam = case.args
        shape = tuple(y.shape)
        if rec.get("kind") == "tensor" and rec.get("dtype", "").startswith("complex"):
            return Verdict(False, hint="the result is complex: go back to image space with "
                                       "torch.fft.irfft2(..., s=y.shape[-2:]) (or take .real of ifft2).")
        issue = _tensor_issue(rec, shape)
        if issue:
            if rec.get("kind") == "tensor" and tuple(rec["shape"])[:-1] == shape[:-1]:
                if rec["shape"][-1] == shape[-1] // 2 + 1:
                    issue += " That is the rfft2 layout: transform back with torch.fft.irfft2."
                elif rec["shape"][-1] == shape[-1] - 1:
                    issue += " Pass s=y.shape[-2:] to torch.fft.irfft2: without it an odd width comes back short."
            return Verdict(False, hint=issue)
        got = rec["value"]
        ref = _tikhonov_fourier_ref(A, y, lam)
        if _close(got, ref, 1e-5):
            return Verdict(True)
        mistakes = [
            (lambda: _tikhonov_fourier_ref(A, y, lam, conj=False),
             "multiply by the complex conjugate of the spectrum: Aᵀ in Fourier is conj(a_hat)."),
            (lambda: _tikhonov_fourier_ref(A, y, 0.0), "λ is missing from the denominator |a_hat|² + λ."),
            (lambda: _tikhonov_fourier_ref(A, y, lam, lam_power=2.0),
             "the denominator is |a_hat|² + λ, not |a_hat|² + λ²."),
            (lambda: torch.fft.irfft2(A.spectrum.conj() * torch.fft.rfft2(y) / (A.spectrum.abs() + lam),
                                      s=y.shape[-2:]),
             "square the magnitude in the denominator: |a_hat|² + λ."),
        ]
        return _mismatch(self.name, got, ref, mistakes,
                         "compare with x_hat = irfft2(conj(a_hat) · rfft2(y) / (|a_hat|² + λ), s=y.shape[-2:]).", 1e-5)

    def error_hints(self, case, error):
        if "must match the size" in error or "shape" in error:
            return ("A.spectrum is in the rfft2 layout (H, W//2+1): transform y with torch.fft.rfft2 and go back "
                    "with torch.fft.irfft2(..., s=y.shape[-2:]).")
        return None


class IstaStep(Exercise):
    """``ista_step(x, A, y, lam, step)``: one ISTA step for :math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda\\|x\\|_1`."""

    name, signature, lecture = "ista_step", "ista_step(x, A, y, lam, step)", "01"

    def cases(self):
        g = _seeded(1)
        A = op.Matrix(torch.randn(30, 20, generator=g, dtype=torch.float64))

        def r(*shape):
            return torch.randn(*shape, generator=g, dtype=torch.float64)

        return [Case("λ = 10, step = 0.02, a 30×20 matrix (a few entries are thresholded to 0)",
                     (r(20), A, r(30), 10.0, 0.02)),
                Case("a large λ = 40 (step = 0.02): most entries are thresholded to 0", (r(20), A, r(30), 40.0, 0.02)),
                Case("λ = 0: the step is a plain gradient step", (r(20), A, r(30), 0.0, 0.01)),
                Case("a batch of three vectors x (3, 20), λ = 5, step = 0.01", (r(3, 20), A, r(3, 30), 5.0, 0.01))]

    def judge_case(self, case, rec):
        x, A, y, lam, step = case.args
        issue = _tensor_issue(rec, tuple(x.shape))
        if issue:
            return Verdict(False, hint=issue + " One ISTA step returns the next iterate, shaped like x.")
        got = rec["value"]
        z = x - step * A.adjoint(A(x) - y)
        ref = soft_threshold(z, step * lam)
        if _close(got, ref, 1e-8):
            return Verdict(True)
        zp = x + step * A.adjoint(A(x) - y)
        mistakes = [
            (z, "you took the gradient step but not the proximal step: apply soft thresholding."),
            (lambda: soft_threshold(z, lam), "the threshold is step * lam (the prox of step·λ‖·‖₁), not lam."),
            (lambda: soft_threshold(z, lam / step), "the threshold is step * lam (the prox of step·λ‖·‖₁), "
                                                    "not lam / step."),
            (lambda: soft_threshold(zp, step * lam),
             "sign error: the gradient of ½‖Ax − y‖² is Aᵀ(Ax − y); step *against* it."),
            (lambda: z * (z.abs() > step * lam),
             "that is hard thresholding: soft thresholding also shrinks the kept entries by step * lam."),
            (lambda: soft_threshold(x, step * lam) - step * A.adjoint(A(x) - y),
             "the order: first the gradient step on the data term, then soft thresholding."),
        ]
        return _mismatch(self.name, got, ref, mistakes,
                         "compare with x_next = soft(x − step · Aᵀ(Ax − y), step · lam).", 1e-8)

    def error_hints(self, case, error):
        if "shape" in error:
            return "use A.adjoint(...) to bring the residual Ax − y back to the space of x."
        return None
