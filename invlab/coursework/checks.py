"""The exercises of the lectures and their checks, with feedback a student can act on.

Every exercise is one function the student writes in a lecture notebook (``tikhonov_fourier``,
``ista_step``, ...). Its :class:`Exercise` knows

* a few deterministic **cases** (random and edge cases: odd sizes, batches, λ = 0, a complex
  operator, a wrong adjoint, identical images ...), built from fixed seeds;
* how to **run** a function on them: the outputs are turned into plain *records* (tensors,
  numbers, type names, the first line of an exception) -- no student object survives;
* how to **judge** the records against the reference, case by case, naming the first case
  that is wrong, what was expected and what came back, and a hint for the likely mistake
  (each exercise compares the wrong answer with the answers of the common mistakes: a missing
  conjugate, a threshold off by the step size, a mean instead of a sum ...).

``run`` and ``judge`` are separate so that the batch grader (:mod:`invlab.coursework.grader`)
can run the student's function in a sandboxed process and judge the records in its own
process, which never executes student code. In a notebook, ``check_*(fn)`` does both at once:
it prints ``✓ name: correct.`` or the feedback (``✗ name — case …``, expected, got, hint) and
returns ``None``, so a check cell shows only the verdict and Run All goes on to the rest of the
lecture with the exercise unsolved; ``raise_on_fail=True`` raises an ``AssertionError`` with the
feedback instead (for scripts and tests). Under ``pytest --nbval-lax`` a check cell is marked
either way: its printed verdict differs from the stored ``✓``.
"""
from __future__ import annotations

from .base import (MAX_RECORDED, Case, Exercise, Verdict, _invoke, _one_line, clean_records,  # noqa: F401
                   record)  # (re-exported: the grader, the sandbox and older code import them from here)
from .lecture0 import AdjointMismatch, PsnrDb
from .lecture1 import IstaStep, TikhonovFourier
from .lecture2 import CsgmLoss, PnpStep, StandInDenoiser, StandInGenerator, standin_denoise  # noqa: F401
from .lecture3 import Huber, PixelShuffle
from .lecture3b import DipStep, EarlyStop
from .lecture4 import LandweberStep, RampFilter
from .lecture4b import DataConsistency, ZeroFilled

__all__ = ["Exercise", "Verdict", "EXERCISES", "check_tikhonov_fourier", "check_ista_step", "check_psnr_db",
           "check_adjoint_mismatch", "check_pnp_step", "check_csgm_loss", "check_dip_step", "check_early_stop",
           "check_pixel_shuffle", "check_huber", "check_ramp_filter", "check_landweber_step", "check_zero_filled",
           "check_data_consistency", "StandInDenoiser",
           "StandInGenerator"]

# ----------------------------------------------------------------------------------------
# the registry and the public check functions
# ----------------------------------------------------------------------------------------
#: Every exercise of the course by the name of the student's function (the solution notebooks
#: define these functions in cells tagged ``solution``).

EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in (PsnrDb(), AdjointMismatch(), TikhonovFourier(), IstaStep(),
                                                          PnpStep(), CsgmLoss(), PixelShuffle(), Huber(), DipStep(),
                                                          EarlyStop(), RampFilter(), LandweberStep(), ZeroFilled(),
                                                          DataConsistency())}

_PARAMS = """
    Parameters
    ----------
    fn : callable
        The student's ``{sig}``.
    raise_on_fail : bool
        ``False`` (default, for check cells): print the feedback, so that Run All goes on (nbval
        still marks the cell: its output differs from the stored ``✓``). ``True``: raise
        ``AssertionError`` with the feedback when ``fn`` is wrong (scripts, tests).

    Returns
    -------
    None
        ``✓ {name}: correct.`` is printed when ``fn`` passes every case, the feedback (``✗ …``)
        otherwise.

    Raises
    ------
    AssertionError
        When ``fn`` is wrong (and ``raise_on_fail``): the message names the first failing case,
        the expected and the returned value, and a hint for the likely mistake.
    TypeError
        If ``fn`` is not callable or ``raise_on_fail`` is not a bool.
"""


def _check(name: str, fn, raise_on_fail: bool) -> None:
    __tracebackhide__ = True
    return EXERCISES[name].check(fn, raise_on_fail)


def check_psnr_db(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("psnr_db", fn, raise_on_fail)


def check_adjoint_mismatch(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("adjoint_mismatch", fn, raise_on_fail)


def check_tikhonov_fourier(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("tikhonov_fourier", fn, raise_on_fail)


def check_ista_step(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("ista_step", fn, raise_on_fail)


def check_pnp_step(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("pnp_step", fn, raise_on_fail)


def check_csgm_loss(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("csgm_loss", fn, raise_on_fail)


def check_dip_step(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("dip_step", fn, raise_on_fail)


def check_early_stop(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("early_stop", fn, raise_on_fail)


def check_pixel_shuffle(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("pixel_shuffle", fn, raise_on_fail)


def check_huber(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("huber", fn, raise_on_fail)


def check_ramp_filter(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("ramp_filter", fn, raise_on_fail)


def check_landweber_step(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("landweber_step", fn, raise_on_fail)


def check_zero_filled(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("zero_filled", fn, raise_on_fail)


def check_data_consistency(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("data_consistency", fn, raise_on_fail)


check_psnr_db.__doc__ = """Check ``psnr_db(x, x_true)`` = :math:`10\\log_{10}(1/\\mathrm{MSE})` in dB (lecture 0).

    Images live in [0, 1], so the peak is the data range 1; the MSE is the mean of
    :math:`(x - x_{\\text{true}})^2` over the pixels. Cases: a noisy image, a dark image (so
    ``x_true.max()`` as the peak shows), a non-square image, and identical images (+inf).
""" + _PARAMS.format(sig="psnr_db(x, x_true)", name="psnr_db")

check_adjoint_mismatch.__doc__ = """Check ``adjoint_mismatch(A, x, y)`` (lecture 0).

    The relative mismatch of the adjoint identity,
    :math:`|\\langle Ax, y\\rangle - \\langle x, A^{*}y\\rangle| / (\\|Ax\\|\\,\\|y\\|)` with
    :math:`\\langle u, v\\rangle = \\sum \\bar u_i v_i`. Cases: exact adjoints (the answer is
    round-off), operators with deliberately wrong adjoints, a non-square and a complex operator.
""" + _PARAMS.format(sig="adjoint_mismatch(A, x, y)", name="adjoint_mismatch")

check_tikhonov_fourier.__doc__ = """Check ``tikhonov_fourier(A, y, lam)`` (lecture 1).

    The Tikhonov solution :math:`(A^{\\top}A + \\lambda I)^{-1}A^{\\top}y` for a circular blur, in
    Fourier :math:`\\hat x = \\overline{\\hat a}\\,\\hat y / (|\\hat a|^2 + \\lambda)` with
    :math:`\\hat a` = ``A.spectrum`` (rfft2 layout). Cases: a non-symmetric kernel (a missing
    conjugate shows), small and large λ (λ² shows), an odd image size (``s=`` of irfft2) and a batch.
""" + _PARAMS.format(sig="tikhonov_fourier(A, y, lam)", name="tikhonov_fourier")

check_ista_step.__doc__ = """Check ``ista_step(x, A, y, lam, step)`` (lecture 1).

    One ISTA step for :math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda\\|x\\|_1`:
    :math:`x^{+} = \\operatorname{soft}(x - \\eta A^{\\top}(Ax - y),\\ \\eta\\lambda)`. Cases: a
    typical step, a large λ (most entries vanish), λ = 0 and a batch of vectors.
""" + _PARAMS.format(sig="ista_step(x, A, y, lam, step)", name="ista_step")

check_pnp_step.__doc__ = """Check ``pnp_step(x, y, A, denoiser, step, sigma)``: one deep proximal-gradient step (lecture 2).

    :math:`z = x + \\eta A^{\\top}(y - Ax)`, :math:`x_{\\text{new}} = D(z, \\sigma)`, with ``x`` and
    ``y`` batches ``(1, 1, H, W)`` and a fast stand-in :class:`StandInDenoiser` (no weights) whose
    output depends on ``sigma``. Cases: a non-symmetric blur (A vs Aᵀ shows), a mask with
    step 0.5 (a missing step shows) and ×2 super-resolution (y smaller than x).
""" + _PARAMS.format(sig="pnp_step(x, y, A, denoiser, step, sigma)", name="pnp_step")

check_csgm_loss.__doc__ = """Check ``csgm_loss(z, y, A, generator, lam)``: the CSGM objective (lecture 2).

    :math:`\\tfrac12\\|y - A\\,G(z)\\|^2 + \\lambda\\|z\\|^2` as a scalar tensor that autograd can
    differentiate with respect to ``z`` (codes ``(B, latent_dim)``; sums over everything), with a
    stand-in :class:`StandInGenerator` (no weights). The value and its gradient are compared.
""" + _PARAMS.format(sig="csgm_loss(z, y, A, generator, lam)", name="csgm_loss")

check_dip_step.__doc__ = """Check ``dip_step(net, optimizer, A, y)``: one step of the deep image prior (lecture 3b).

    ``optimizer.zero_grad()``, the loss :math:`\\tfrac12\\|A\\,\\Psi(z_0; w) - y\\|^2` with
    :math:`\\Psi(z_0; w)` = ``net()[0, 0]``, ``loss.backward()``, ``optimizer.step()``; return the loss
    (a number) computed before the step. Each case calls it twice on a fresh seeded tiny
    :class:`~invlab.nets.DIPNet` with Adam and compares the image after the two steps and the first
    returned loss. Cases: inpainting (the masked loss must not pull the missing pixels to the
    zeros ``y`` holds there), ×2 super-resolution (``y`` smaller than the image) and denoising.
""" + _PARAMS.format(sig="dip_step(net, optimizer, A, y)", name="dip_step")

check_early_stop.__doc__ = """Check ``early_stop(val_loss, patience)``: when to stop a DIP fit (lecture 3b).

    Walk along the validation curve (iterations numbered from 1), keep the best value so far
    (a strict improvement), stop once ``patience`` iterations passed without one, and return the
    best iteration. Cases: a U-shaped curve, a curve with two dips (patience decides which is
    found), a curve that keeps falling (a tensor), and a plateau (ties keep the earliest).
""" + _PARAMS.format(sig="early_stop(val_loss, patience)", name="early_stop")

check_pixel_shuffle.__doc__ = """Check ``pixel_shuffle(x, factor)``: the sub-pixel rearrangement (lecture 3).

    ``(B, C f², h, w) -> (B, C, f h, f w)`` with
    :math:`\\text{out}[b, c, f i + a, f j + k] = x[b, c f^2 + a f + k, i, j]`, what
    ``torch.nn.PixelShuffle(f)`` computes. Cases: a non-square image at ×2, a batch with two output
    channels at ×3, and one pixel of 16 channels becoming a 4×4 block (the order shows). Hints for
    swapped sub-pixel rows and columns, a reshape without a permute, and the channel order.
""" + _PARAMS.format(sig="pixel_shuffle(x, factor)", name="pixel_shuffle")

check_huber.__doc__ = """Check ``huber(x_hat, x, delta)``: the mean Huber loss (lecture 3).

    :math:`\\rho_\\delta(r) = \\tfrac12 r^2` for :math:`|r| \\le \\delta` and
    :math:`\\delta(|r| - \\tfrac12\\delta)` beyond, averaged over every entry of
    :math:`r = \\hat x - x`. Cases: both branches, a δ above every error (half the MSE), and
    hand-picked errors 0, ±0.5 and 3.
""" + _PARAMS.format(sig="huber(x_hat, x, delta)", name="huber")

check_ramp_filter.__doc__ = """Check ``ramp_filter(y)``: the ramp filter of filtered back-projection (lecture 4a).

    Every row of the sinogram ``y`` (``(..., n_angles, n)``) is zero-padded to :math:`P = 2n`,
    its spectrum multiplied by :math:`|\\nu|` with :math:`\\nu_k = k/P` cycles per bin, transformed
    back, and the first :math:`n` values kept. Cases: the sinogram of a rectangle, an odd detector
    length and a batch. Hints for a missing padding (wrap-around), radians, the wrong axis.
""" + _PARAMS.format(sig="ramp_filter(y)", name="ramp_filter")

check_landweber_step.__doc__ = """Check ``landweber_step(x, y, A, eta, L)``: the data step of the unrolled network (lecture 4a).

    :math:`x - \\tfrac{\\eta}{L}A^{\\top}(Ax - y)` with :math:`L = \\|A\\|^2` given. Cases: a sparse-view
    Radon problem from the FBP and from zero, and a batch with irregular angles. Hints for the sign,
    a missing :math:`1/L`, :math:`\\sqrt L`, the FBP in place of :math:`A^{\\top}`.
""" + _PARAMS.format(sig="landweber_step(x, y, A, eta, L)", name="landweber_step")

check_zero_filled.__doc__ = """Check ``zero_filled(y, mask)``: the zero-filled MR image (lecture 4b).

    :math:`\\mathcal F^{-1}(M \\odot y)` with the centred, orthonormal inverse DFT (``ifft2c``), complex.
    Cases: a rectangle with a phase ramp (k-space already zero off the mask), its full k-space (the
    mask must be applied) and a batch with an equispaced mask. Hints for a missing mask, missing shifts,
    the FFT's normalisation, the forward transform.
""" + _PARAMS.format(sig="zero_filled(y, mask)", name="zero_filled")

check_data_consistency.__doc__ = """Check ``data_consistency(k, y, mask, nu)``: the DC layer of the cascade (lecture 4b).

    :math:`(1 - M) \\odot k + M \\odot (k + \\nu y)/(1 + \\nu)`, complex. Cases: ν = 4, ν = 0.5 and a
    batch with ν = 100. Hints for the hard layer, mixing off the mask, swapped weights, no denominator.
""" + _PARAMS.format(sig="data_consistency(k, y, mask, nu)", name="data_consistency")
