"""Learned solvers: plug-and-play priors (lecture 2).

A denoiser trained once replaces the proximal step of a classical algorithm, so the same
network serves deblurring, inpainting and super-resolution without retraining. Keeps the
solvers' history contract (``"objective"``, ``"psnr"``, ``"x"``/``"x_iter"``, ``callback``).
"""
from __future__ import annotations

import math
import numbers

import torch

from ..operators import LinearOperator
from ._common import _check_n_iter, _check_positive, _op_norm, _record, _setup, objective
from .linear import tikhonov

__all__ = ["pnp"]


def _check_sigma(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0 (a noise level in image units), got {value!r}.")
    return float(value)


def _denoise(denoiser, z: torch.Tensor, sigma: float) -> torch.Tensor:
    """``denoiser`` applied to images ``(..., H, W)`` as a ``(N, 1, H, W)`` batch, shape checked."""
    shape = z.shape
    with torch.no_grad():
        out = denoiser(z.reshape(-1, 1, *shape[-2:]), sigma)
    if not isinstance(out, torch.Tensor) or out.numel() != z.numel():
        raise ValueError(f"denoiser returned {getattr(out, 'shape', type(out).__name__)} for an input of shape "
                         f"{tuple(z.reshape(-1, 1, *shape[-2:]).shape)}; it must return the same shape "
                         "(denoiser(x, sigma) -> x).")
    if not torch.isfinite(out).all():
        raise FloatingPointError("the denoiser returned NaN or inf.")
    return out.reshape(shape)


def pnp(A: LinearOperator, y: torch.Tensor, denoiser, sigma: float = 0.03, n_iter: int = 30, step=None,
        x0=None, x_true=None, keep_every=None, callback=None, method: str = "pgd", noise=None,
        sigma_start: float = 0.2, weight: float = 0.25):
    """Plug-and-play reconstruction: a denoiser in place of the proximal step.

    **Deep proximal gradient** (``method="pgd"``, the slides' algorithm): a gradient step on the
    data term, then the denoiser,

    .. math::
        z_k = x_{k-1} + \\eta\\,A^{\\top}(y - A x_{k-1}), \\qquad x_k = D(z_k, \\sigma),

    with :math:`\\eta \\le 1/\\|A\\|^2` (the default) and a fixed denoiser strength :math:`\\sigma`.
    If :math:`D` were the proximal map of :math:`\\eta\\lambda R` this would be ISTA.

    **Half-quadratic splitting** (``method="hqs"``, as in DPIR): alternate an *exact* data step
    and a denoising step whose strength decreases geometrically from ``sigma_start`` to ``sigma``,

    .. math::
        x_k = \\arg\\min_x \\tfrac12\\|Ax - y\\|^2 + \\tfrac{\\alpha_k}2\\|x - z_{k-1}\\|^2
            = z_{k-1} + (A^{\\top}A + \\alpha_k I)^{-1} A^{\\top}(y - A z_{k-1}),
        \\qquad z_k = D(x_k, \\sigma_k),

    with :math:`\\alpha_k = w\\,s^2/\\sigma_k^2` (:math:`s` the measurement noise ``noise``,
    :math:`w` = ``weight``). The data step is exact in Fourier for a blur, elementwise for a
    mask, and by conjugate gradients otherwise (:func:`~invlab.solvers.tikhonov`). Starting
    strong and ending weak is what makes PnP converge to a sharp image in a few iterations.

    Parameters
    ----------
    A : LinearOperator
        The forward model, on images ``(..., H, W)``.
    y : torch.Tensor
        Measurements.
    denoiser : callable
        ``denoiser(x, sigma) -> x`` on ``(B, 1, H, W)``, e.g. ``invlab.pretrained.load("denoiser")``.
    sigma : float
        Denoiser strength (``"pgd"``), or its final value (``"hqs"``), in image units.
    n_iter : int
        Number of iterations.
    step : float, optional
        :math:`\\eta` for ``"pgd"`` (default :math:`1/\\|A\\|^2`).
    x0 : torch.Tensor, optional
        Start: :math:`A^{\\top}y` for ``"pgd"``; for ``"hqs"`` the first :math:`z` (default 0,
        so the first data step is the Tikhonov solution with :math:`\\lambda = \\alpha_1`).
    x_true : torch.Tensor, optional
        Records ``history["psnr"]``.
    keep_every : int, optional
        Store every ``keep_every``-th iterate in ``history["x"]`` (for a scrubber).
    callback : callable, optional
        ``callback(k, x)``; returning ``True`` stops.
    method : {"pgd", "hqs"}
    noise : float, optional
        Measurement noise standard deviation :math:`s` for ``"hqs"`` (default ``sigma``).
    sigma_start : float
        First denoiser strength for ``"hqs"``.
    weight : float
        :math:`w` in :math:`\\alpha_k` for ``"hqs"``.

    Returns
    -------
    x : torch.Tensor
    history : dict
        ``"objective"`` holds the data misfit :math:`\\tfrac12\\|Ax_k - y\\|^2` (PnP minimises no
        known objective), ``"sigma"`` the denoiser strength per iteration, plus ``"psnr"`` and
        ``"x"``/``"x_iter"`` as for every solver.

    References
    ----------
    S. V. Venkatakrishnan, C. A. Bouman, B. Wohlberg, "Plug-and-play priors for model based
    reconstruction", GlobalSIP 2013. K. Zhang et al., "Plug-and-play image restoration with
    deep denoiser prior", IEEE TPAMI 2021 (DPIR: HQS with a decreasing noise level).
    """
    if method not in ("pgd", "hqs"):
        raise ValueError(f"method must be 'pgd' or 'hqs', got {method!r}.")
    if not callable(denoiser):
        raise TypeError(f"denoiser must be callable (x, sigma) -> x, got {type(denoiser).__name__}.")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable (k, x) or None, got {type(callback).__name__}.")
    sigma = _check_sigma(sigma, "sigma")
    x, history = _setup(A, y, x0, x_true, keep_every, n_iter)
    if not torch.isfinite(y).all():
        raise ValueError("y contains NaN or inf.")
    n_iter = _check_n_iter(n_iter)
    history["sigma"] = []
    if method == "pgd":
        step = 1.0 / _op_norm(A) ** 2 if step is None else _check_positive(step, "step")
        for k in range(1, n_iter + 1):
            z = x + step * A.adjoint(y - A(x))              # gradient step on the data term
            x = _denoise(denoiser, z, sigma)                 # the denoiser as the prox
            history["sigma"].append(sigma)
            if _record(history, k, x, objective(A, y, None, 0.0, x), x_true, keep_every, callback):
                break
        return x, history
    noise = sigma if noise is None else _check_sigma(noise, "noise")
    sigma_start = _check_sigma(sigma_start, "sigma_start")
    weight = _check_positive(weight, "weight")
    if sigma <= 0 or noise <= 0:
        raise ValueError(f"method='hqs' needs sigma > 0 and noise > 0, got sigma={sigma!r}, noise={noise!r}.")
    sigma_start = max(sigma_start, sigma)
    z = torch.zeros_like(x) if x0 is None else x
    levels = torch.logspace(math.log10(sigma_start), math.log10(sigma), n_iter, dtype=torch.float64).tolist()
    for k, s in enumerate(levels, start=1):
        alpha = weight * noise**2 / s**2
        x = z + tikhonov(A, y - A(z), alpha)                 # exact data step
        z = _denoise(denoiser, x, s)                         # denoiser at the current level
        history["sigma"].append(s)
        if _record(history, k, z, objective(A, y, None, 0.0, z), x_true, keep_every, callback):
            break
    return z, history
