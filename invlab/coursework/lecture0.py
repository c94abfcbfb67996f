"""The exercises of lecture 0: ``psnr_db`` and ``adjoint_mismatch``."""
from __future__ import annotations

import math

import torch

from .. import operators as op
from .base import Case, Exercise, Verdict, _KERNEL, _Operator, _fmt, _inner, _number, _same_number, _seeded

__all__ = ["PsnrDb", "AdjointMismatch"]


# ----------------------------------------------------------------------------------------
# lecture 0
# ----------------------------------------------------------------------------------------
class PsnrDb(Exercise):
    """``psnr_db(x, x_true)``: :math:`10\\log_{10}(1/\\mathrm{MSE})` in dB, images in [0, 1]."""

    name, signature, lecture = "psnr_db", "psnr_db(x, x_true)", "00"

    def cases(self):
        g = _seeded(2)
        t1 = torch.rand(16, 16, generator=g, dtype=torch.float64)
        x1 = t1 + 0.05 * torch.randn(16, 16, generator=g, dtype=torch.float64)
        t2 = 0.5 * torch.rand(16, 16, generator=g, dtype=torch.float64)
        x2 = t2 + 0.02 * torch.randn(16, 16, generator=g, dtype=torch.float64)
        t3 = torch.rand(10, 24, generator=g, dtype=torch.float64)
        x3 = (t3 + 0.1 * torch.randn(10, 24, generator=g, dtype=torch.float64)).clamp(0, 1)
        t4 = torch.rand(8, 8, generator=g, dtype=torch.float64)
        return [Case("a 16×16 image with noise of std 0.05", (x1, t1)),
                Case("a dark image, values in [0, 0.5]: the peak is still the data range 1", (x2, t2)),
                Case("a non-square 10×24 image", (x3, t3)),
                Case("identical images: the PSNR is +inf", (t4.clone(), t4))]

    def judge_case(self, case, rec):
        x, t = case.args
        got, issue = _number(rec)
        if issue:
            return Verdict(False, hint=issue)
        mse = float(((x - t) ** 2).mean())
        ref = math.inf if mse == 0 else 10 * math.log10(1 / mse)
        if _same_number(got, ref, 1e-3, 1e-6):
            return Verdict(True)
        expected, got_text = f"{_fmt(ref)} dB", f"{_fmt(got)} dB"
        if math.isinf(ref):
            hint = ("identical images have MSE = 0, so the PSNR is +inf (torch's 1 / 0 is inf; with Python floats "
                    "return math.inf)." if not math.isnan(got) else
                    "identical images have MSE = 0 and the PSNR is +inf; you got nan (0/0? compute 1 / MSE).")
            return Verdict(False, hint=hint, expected=expected, got=got_text)
        peak = float(t.max())
        sse = float(((x - t) ** 2).sum())
        mae = float((x - t).abs().mean())
        mistakes = [
            (20 * math.log10(1 / mse), "use 10·log10(1 / MSE) (or 20·log10(1 / RMSE)), not 20·log10 of the MSE."),
            (10 * math.log10(peak**2 / mse), "the peak is the data range 1 (images live in [0, 1]), not x_true.max()."),
            (10 * math.log10(float(x.max()) ** 2 / mse), "the peak is the data range 1 (images live in [0, 1]), "
                                                         "not x.max()."),
            (10 * math.log10(1 / sse), "use the mean squared error (.mean()), not the sum."),
            (10 * math.log10(mse), "the fraction is upside down: PSNR = 10·log10(1 / MSE) is positive."),
            (10 * math.log10(1 / math.sqrt(mse)), "with the root of the MSE the factor is 20: 20·log10(1 / RMSE)."),
            (10 * math.log(1 / mse), "use log10 (torch.log10 or math.log10), not the natural log."),
            (math.log10(1 / mse), "multiply by 10: PSNR in dB is 10·log10(1 / MSE)."),
            (10 * math.log10(1 / mae), "square the errors: the MSE is mean((x − x_true)²), not the mean |x − x_true|."),
        ]
        for wrong, hint in mistakes:
            if _same_number(got, wrong, 1e-3, 1e-6):
                return Verdict(False, hint=hint, expected=expected, got=got_text)
        return Verdict(False, hint="compare with 10·log10(1 / mean((x − x_true)²)).", expected=expected, got=got_text)

    def error_hints(self, case, error):
        if "ZeroDivisionError" in error or "math domain error" in error:
            return ("identical images have MSE = 0 and a PSNR of +inf: return math.inf, or compute with torch "
                    "(1 / torch.tensor(0.0) is inf).")
        return None


class AdjointMismatch(Exercise):
    """``adjoint_mismatch(A, x, y)``: :math:`|\\langle Ax, y\\rangle - \\langle x, A^{*}y\\rangle| / (\\|Ax\\|\\|y\\|)`."""

    name, signature, lecture = "adjoint_mismatch", "adjoint_mismatch(A, x, y)", "00"

    def cases(self):
        g = _seeded(3)
        n = 12
        blur = op.Blur((n, n), _KERNEL)
        flip_wrong = _Operator((n, n), (n, n), blur._forward, blur._forward, label="blur with a wrong adjoint")
        down = op.Downsample((n, n), 2, sigma=0)
        up_wrong = _Operator((n, n), (n // 2, n // 2), down._forward,
                             lambda y: y.repeat_interleave(2, -2).repeat_interleave(2, -1),
                             label="downsampling with a wrong adjoint")
        mask = torch.zeros(n, n, dtype=torch.bool)
        mask[:, ::2] = True
        mask[:, n // 2 - 1: n // 2 + 2] = True
        mri = op.MRI(mask)
        mri_wrong = _Operator((n, n), (n, n), mri._forward, lambda y: mri._adjoint(y.conj()).conj(), is_complex=True,
                              label="MRI with a transpose instead of a conjugate transpose")

        def real(*shape):
            return torch.randn(*shape, generator=g, dtype=torch.float64)

        def cplx(*shape):
            return torch.complex(real(*shape), real(*shape))

        return [Case("a blur and its exact adjoint", (blur, real(n, n), real(n, n))),
                Case("a blur whose adjoint is wrong (it blurs again)", (flip_wrong, real(n, n), real(n, n))),
                Case("downsampling 12×12 → 6×6 with a wrong adjoint (pixel replication)",
                     (up_wrong, real(n, n), real(n // 2, n // 2))),
                Case("MRI (complex) with its exact adjoint", (mri, cplx(n, n), cplx(n, n))),
                Case("MRI (complex) with a transpose but no conjugate as its adjoint",
                     (mri_wrong, cplx(n, n), cplx(n, n)))]

    def judge_case(self, case, rec):
        A, x, y = case.args
        got, issue = _number(rec)
        if issue:
            return Verdict(False, hint=issue)
        Ax, Aty = A(x), A.adjoint(y)
        nAx, ny, nx, nAty = (float(torch.linalg.vector_norm(v)) for v in (Ax, y, x, Aty))
        diff = _inner(Ax, y) - _inner(x, Aty)
        ref = float(abs(diff)) / (nAx * ny)
        if _same_number(got, ref, 1e-8, 1e-6):
            return Verdict(True)
        expected, got_text = _fmt(ref), _fmt(got)
        plain = float(abs((Ax * y).sum() - (x * Aty).sum())) / (nAx * ny)
        mistakes = [
            (plain, "for complex tensors the inner product conjugates its first argument: "
                    "⟨u, v⟩ = Σ conj(u)·v, e.g. torch.vdot(u.flatten(), v.flatten())."),
            (float(abs(diff)), "divide by ‖Ax‖·‖y‖ to make the mismatch relative."),
            (None if diff.is_complex() else float(diff) / (nAx * ny), "take the absolute value of the difference."),
            (None if diff.is_complex() else -float(diff) / (nAx * ny), "take the absolute value of the difference."),
            (float(abs(diff)) / (nx * ny), "normalise by ‖Ax‖·‖y‖, not ‖x‖·‖y‖."),
            (float(abs(diff)) / (nx * nAty), "normalise by ‖Ax‖·‖y‖, not ‖x‖·‖Aᵀy‖."),
        ]
        for wrong, hint in mistakes:
            if wrong is not None and _same_number(got, wrong, 1e-8, 1e-6):
                return Verdict(False, hint=hint, expected=expected, got=got_text)
        return Verdict(False, hint="compare with |⟨Ax, y⟩ − ⟨x, A.adjoint(y)⟩| / (‖Ax‖·‖y‖), "
                                   "with ⟨u, v⟩ = Σ conj(u)·v.", expected=expected, got=got_text)

    def error_hints(self, case, error):
        if "shape" in error:
            return "x lives in the image space and y in the measurement space: apply A to x and A.adjoint to y."
        return None
