r"""The exercises of lecture 4b (MR reconstruction): ``zero_filled`` and ``data_consistency``.

Registered in :data:`invlab.coursework.checks.EXERCISES` like the others; the machinery (cases,
records, verdicts, hints for common mistakes) is :mod:`invlab.coursework.base`.

* ``zero_filled(y, mask)`` is the simplest MR reconstruction: the centred, orthonormal inverse
  DFT of the measured k-space with zeros elsewhere, :math:`\mathcal F^{-1}(M \odot y)`;
* ``data_consistency(k, y, mask, nu)`` is the layer of the DC cascade:
  :math:`(1 - M) \odot k + M \odot (k + \nu y)/(1 + \nu)`.

Both take and return complex tensors; they are compared as (real, imaginary) pairs.
"""
from __future__ import annotations

import torch

from .. import operators as op
from .._checks import check_real
from .base import Case, Exercise, Verdict, _invoke, _mismatch, _seeded, _tensor_issue, record

__all__ = ["ZeroFilled", "DataConsistency", "reference_zero_filled", "reference_data_consistency"]


def _ri(t: torch.Tensor) -> torch.Tensor:
    """A complex tensor as real ``(..., 2)`` (what the comparison and the hints work on)."""
    return torch.view_as_real(t.to(torch.complex128))


def _mask_of(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return mask.to(dtype=like.real.dtype)


def reference_zero_filled(y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    r"""The zero-filled image :math:`\mathcal F^{-1}(M \odot y)`, centred and orthonormal (:func:`~invlab.operators.ifft2c`)."""
    if not isinstance(y, torch.Tensor) or not y.is_complex():
        raise TypeError(f"y must be complex k-space, got {getattr(y, 'dtype', type(y).__name__)}.")
    op.check_tensor(mask, "mask", tuple(y.shape[-2:]))
    return op.ifft2c(y * _mask_of(mask, y))


def _complex_issue(rec: dict, shape: tuple) -> str | None:
    issue = _tensor_issue(rec, shape, real=False)
    if issue:
        return issue
    if not rec.get("dtype", "").startswith("complex"):
        return "the result is real: return the complex image (keep the phase; take .abs() only to display it)."
    return None


class ZeroFilled(Exercise):
    """``zero_filled(y, mask)``: the inverse DFT of the measured k-space, zeros elsewhere."""

    name, signature, lecture = "zero_filled", "zero_filled(y, mask)", "04"

    def cases(self):
        g = _seeded(61)
        x = torch.zeros(16, 16, dtype=torch.complex128)
        x[4:12, 5:10] = 1.0
        x = x * torch.exp(1j * torch.linspace(0, 1, 16, dtype=torch.float64))[None, :]
        M = op.cartesian_mask((16, 16), 4, 0.25, seed=3)
        full = op.fft2c(x)
        rand = torch.complex(torch.randn(2, 12, 10, generator=g, dtype=torch.float64),
                             torch.randn(2, 12, 10, generator=g, dtype=torch.float64))
        M2 = op.cartesian_mask((12, 10), 2, 0.2, kind="equispaced", seed=0)
        return [Case("k-space of a 16×16 rectangle with a phase ramp, measured with a 4× mask (zeros where M = 0)",
                     (full * M, M)),
                Case("the same rectangle's full k-space and the mask: the unmeasured samples must be dropped",
                     (full, M)),
                Case("a batch of two random 12×10 k-spaces with an equispaced 2× mask", (rand, M2))]

    def call(self, fn, case):
        y, M = case.args
        out, err = _invoke(fn, (y.clone(), M.clone()))
        return err if err is not None else record(out)

    def judge_case(self, case, rec):
        y, M = case.args
        issue = _complex_issue(rec, tuple(y.shape))
        if issue:
            return Verdict(False, hint=issue + " zero_filled returns a complex image of the same shape as y.")
        got, ref = rec["value"].to(torch.complex128), reference_zero_filled(y, M)
        if torch.allclose(got, ref, rtol=1e-6, atol=1e-9):
            return Verdict(True)
        ym = y * _mask_of(M, y)
        n = y.shape[-1] * y.shape[-2]
        mistakes = [
            (lambda: op.ifft2c(y), "apply the mask first: multiply y by M so the unmeasured samples are zero."),
            (lambda: torch.fft.ifft2(ym, norm="ortho"), "k-space is centred (DC in the middle): ifftshift before "
                                                        "and fftshift after the inverse FFT (invlab's ifft2c)."),
            (lambda: op.ifft2c(ym) / n ** 0.5, "use the orthonormal inverse (norm='ortho'): the default scales the "
                                               "image by 1/√(HW) too much."),
            (lambda: op.ifft2c(ym) * n ** 0.5, "use the orthonormal inverse (norm='ortho'), not norm='forward'."),
            (lambda: op.fft2c(ym), "the image is the *inverse* DFT of k-space (ifft2c), not the forward one."),
            (lambda: op.ifft2c(ym).conj(), "the result is the complex conjugate of the expected image: inverse FFT, "
                                           "not the conjugate of a forward one."),
        ]
        return _mismatch(self.name, _ri(got), _ri(ref), [(lambda w=w: _ri(w()), h) for w, h in mistakes],
                         "x = ifft2c(M · y): ifftshift, ifft2(…, norm='ortho'), fftshift.", 1e-6)


def reference_data_consistency(k: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, nu: float) -> torch.Tensor:
    r""":math:`(1 - M) \odot k + M \odot (k + \nu y)/(1 + \nu)` (Schlemper et al. 2017)."""
    nu = check_real(nu, "nu", low=0)
    m = _mask_of(mask, k)
    return (1 - m) * k + m * (k + nu * y) / (1 + nu)


class DataConsistency(Exercise):
    """``data_consistency(k, y, mask, nu)``: the noise-weighted DC layer of the cascade."""

    name, signature, lecture = "data_consistency", "data_consistency(k, y, mask, nu)", "04"

    def cases(self):
        g = _seeded(67)

        def c(*shape):
            return torch.complex(torch.randn(*shape, generator=g, dtype=torch.float64),
                                 torch.randn(*shape, generator=g, dtype=torch.float64))
        M = op.cartesian_mask((8, 8), 3, 0.25, seed=1)
        M2 = op.cartesian_mask((6, 10), 2, 0.2, seed=2)
        return [Case("8×8 k-space, ν = 4 (fairly trusted data)", (c(8, 8), c(8, 8), M, 4.0)),
                Case("the same sizes, ν = 0.5 (noisy data: the prediction weighs more)", (c(8, 8), c(8, 8), M, 0.5)),
                Case("a batch of two 6×10 k-spaces, ν = 100", (c(2, 6, 10), c(2, 6, 10), M2, 100.0))]

    def call(self, fn, case):
        k, y, M, nu = case.args
        out, err = _invoke(fn, (k.clone(), y.clone(), M.clone(), nu))
        return err if err is not None else record(out)

    def judge_case(self, case, rec):
        k, y, M, nu = case.args
        issue = _complex_issue(rec, tuple(k.shape))
        if issue:
            return Verdict(False, hint=issue + " data_consistency returns k-space of the same shape as k.")
        got, ref = rec["value"].to(torch.complex128), reference_data_consistency(k, y, M, nu)
        if torch.allclose(got, ref, rtol=1e-6, atol=1e-9):
            return Verdict(True)
        m = _mask_of(M, k)
        mistakes = [
            (lambda: (1 - m) * k + m * y, "that is the noise-free (hard) layer, ν → ∞: on the measured samples take "
                                          "the weighted mean (k + ν·y)/(1 + ν)."),
            (lambda: (k + nu * y) / (1 + nu), "mix only where M = 1: keep the prediction k unchanged where nothing "
                                              "was measured ((1 − M)·k)."),
            (lambda: (1 - m) * k + m * (nu * k + y) / (1 + nu), "the weights are swapped: ν multiplies the "
                                                                "measurement y (large ν = trust the data)."),
            (lambda: (1 - m) * k + m * (k + nu * y), "divide by 1 + ν: the result is a weighted mean of k and y."),
            (lambda: m * (k + nu * y) / (1 + nu), "keep the prediction where M = 0: add (1 − M)·k."),
        ]
        return _mismatch(self.name, _ri(got), _ri(ref), [(lambda w=w: _ri(w()), h) for w, h in mistakes],
                         "k_dc = (1 − M)·k + M·(k + ν·y)/(1 + ν).", 1e-6)
