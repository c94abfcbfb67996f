r"""The exercises of lecture 4a (CT reconstruction): ``ramp_filter`` and ``landweber_step``.

Registered in :data:`invlab.coursework.checks.EXERCISES` like the others; the machinery (cases,
records, verdicts, hints for common mistakes) is :mod:`invlab.coursework.base`.

* ``ramp_filter(y)`` filters every row (projection) of a sinogram with the ideal ramp
  :math:`|\nu|`, after zero-padding each row to twice its length (no wrap-around);
* ``landweber_step(x, y, A, eta, L)`` is the data step every block of the unrolled network
  takes: :math:`x - \tfrac{\eta}{L}\,A^{\top}(Ax - y)`.
"""
from __future__ import annotations

import torch

from .. import operators as op
from .._checks import check_real
from .base import Case, Exercise, Verdict, _invoke, _mismatch, _seeded, _tensor_issue, record

__all__ = ["RampFilter", "LandweberStep", "reference_ramp_filter", "reference_landweber_step"]


def reference_ramp_filter(y: torch.Tensor) -> torch.Tensor:
    r"""Each row of ``y`` (``(..., n_angles, n)``) filtered with :math:`|\nu|`, zero-padded to :math:`2n`.

    With :math:`P = 2n`: ``q = irfft(rfft(y, n=P) * nu, n=P)[..., :n]``, where
    :math:`\nu_k = k / P` (cycles per detector bin, :math:`k = 0, \dots, n`).
    """
    if not isinstance(y, torch.Tensor) or y.ndim < 1 or y.is_complex() or not y.is_floating_point():
        raise TypeError(f"y must be a real floating-point sinogram tensor (..., n_angles, n), got "
                        f"{y.dtype if isinstance(y, torch.Tensor) else type(y).__name__}.")
    n = y.shape[-1]
    P = 2 * n
    nu = torch.arange(P // 2 + 1, dtype=y.dtype) / P
    return torch.fft.irfft(torch.fft.rfft(y, n=P, dim=-1) * nu, n=P, dim=-1)[..., :n]


def _no_padding(y):
    n = y.shape[-1]
    nu = torch.arange(n // 2 + 1, dtype=y.dtype) / n
    return torch.fft.irfft(torch.fft.rfft(y, dim=-1) * nu, n=n, dim=-1)


def _radians(y):
    return 2 * torch.pi * reference_ramp_filter(y)


def _wrong_axis(y):
    return reference_ramp_filter(y.transpose(-1, -2)).transpose(-1, -2)


def _integer_nu(y):
    return 2 * y.shape[-1] * reference_ramp_filter(y)


def _last_part(y):
    n = y.shape[-1]
    P = 2 * n
    nu = torch.arange(P // 2 + 1, dtype=y.dtype) / P
    return torch.fft.irfft(torch.fft.rfft(y, n=P, dim=-1) * nu, n=P, dim=-1)[..., n:]


class RampFilter(Exercise):
    """``ramp_filter(y)``: the filter of filtered back-projection, row by row."""

    name, signature, lecture = "ramp_filter", "ramp_filter(y)", "04"

    def cases(self):
        g = _seeded(51)
        x = torch.zeros(16, 16, dtype=torch.float64)
        x[5:11, 4:9] = 1.0
        return [Case("the sinogram (12 angles × 16 bins) of a 16×16 image holding one bright rectangle",
                     (op.Radon(16, 12)(x),)),
                Case("random rows: 5 angles × 9 bins (an odd detector length)",
                     (torch.randn(5, 9, generator=g, dtype=torch.float64),)),
                Case("a batch of two sinograms, shape (2, 3, 8)",
                     (torch.randn(2, 3, 8, generator=g, dtype=torch.float64),))]

    def call(self, fn, case):
        (y,) = case.args
        out, err = _invoke(fn, (y.clone(),))
        return err if err is not None else record(out)

    def judge_case(self, case, rec):
        (y,) = case.args
        issue = _tensor_issue(rec, tuple(y.shape))
        if issue:
            return Verdict(False, hint=issue + " ramp_filter returns a sinogram of the same shape as y.")
        got, ref = rec["value"].double(), reference_ramp_filter(y)
        if torch.allclose(got, ref, rtol=1e-6, atol=1e-9):
            return Verdict(True)
        mistakes = [
            (lambda: _no_padding(y), "without zero-padding the FFT treats each row as periodic and the filter wraps "
                                     "around the ends: pad each row to 2n (rfft(y, n=2 * n)) and keep the first n "
                                     "values after the inverse."),
            (lambda: _radians(y), "ν counts cycles per detector bin, k / P, not the angular frequency 2πk / P."),
            (lambda: _integer_nu(y), "divide the frequency index by the padded length: ν_k = k / P with P = 2n."),
            (lambda: _wrong_axis(y), "filter along the detector axis (the last one, dim=-1), not along the angles."),
            (lambda: _last_part(y), "after the inverse FFT keep the first n values ([..., :n]), where the row was."),
            (lambda: y.clone(), "the sinogram came back unchanged: multiply its spectrum by |ν|."),
        ]
        return _mismatch(self.name, got, ref, mistakes,
                         "P = 2n; q = irfft(rfft(y, n=P, dim=-1) · ν, n=P, dim=-1)[..., :n] with ν = arange(P//2 + 1) / P.",
                         1e-6)


def reference_landweber_step(x: torch.Tensor, y: torch.Tensor, A, eta: float, L: float) -> torch.Tensor:
    r"""One normalised gradient step on :math:`\tfrac12\|Ax - y\|^2`: :math:`x - \tfrac{\eta}{L}A^{\top}(Ax - y)`."""
    eta = check_real(eta, "eta", low=0)
    L = check_real(L, "L", low=0, low_open=True)
    return x - (eta / L) * A.T(A(x) - y)


class LandweberStep(Exercise):
    """``landweber_step(x, y, A, eta, L)``: the data step of each block of the unrolled CT network."""

    name, signature, lecture = "landweber_step", "landweber_step(x, y, A, eta, L)", "04"

    def cases(self):
        g = _seeded(53)
        A = op.Radon(16, 10)
        L = float(A.norm()) ** 2
        x_true = torch.rand(16, 16, generator=g, dtype=torch.float64)
        y = A(x_true) + 0.01 * torch.randn(A.out_shape, generator=g, dtype=torch.float64)
        x0 = A.fbp(y)
        B = op.Radon(12, torch.tensor([0.0, 20.0, 45.0, 90.0, 100.0], dtype=torch.float64))
        xb = torch.rand(2, 12, 12, generator=g, dtype=torch.float64)
        return [Case("16×16 image, 10 views, starting from the FBP, η = 1", (x0, y, A, 1.0, L)),
                Case("the same problem from x = 0 with η = 1.5", (torch.zeros_like(x0), y, A, 1.5, L)),
                Case("a batch of two 12×12 images, 5 irregular angles, η = 0.5",
                     (xb, B(torch.rand(2, 12, 12, generator=g, dtype=torch.float64)), B, 0.5,
                      float(B.norm()) ** 2))]

    def call(self, fn, case):
        x, y, A, eta, L = case.args
        out, err = _invoke(fn, (x.clone(), y.clone(), A, eta, L))
        return err if err is not None else record(out)

    def judge_case(self, case, rec):
        x, y, A, eta, L = case.args
        issue = _tensor_issue(rec, tuple(x.shape))
        if issue:
            return Verdict(False, hint=issue + " landweber_step returns an image of the same shape as x.")
        got, ref = rec["value"].double(), reference_landweber_step(x, y, A, eta, L)
        if torch.allclose(got, ref, rtol=1e-6, atol=1e-9):
            return Verdict(True)
        r = A(x) - y
        mistakes = [
            (lambda: x + (eta / L) * A.T(r), "sign error: step against the gradient, x − (η/L)·Aᵀ(Ax − y)."),
            (lambda: x - eta * A.T(r), "divide the step by L = ‖A‖²: without it the step is L times too long "
                                       "and the iteration diverges."),
            (lambda: x - (eta / L ** 0.5) * A.T(r), "L is already ‖A‖² (the square): divide by L, not by √L."),
            (lambda: x - (eta / L) * A.fbp(r), "the gradient of ½‖Ax − y‖² uses the adjoint Aᵀ (back-projection "
                                               "without a filter), not the FBP."),
            (lambda: -(eta / L) * A.T(r), "return the new iterate x − (η/L)·Aᵀ(Ax − y), not only the update."),
        ]
        return _mismatch(self.name, got, ref, mistakes, "x_new = x − (η / L) · A.T(A(x) − y).", 1e-6)
