"""The :class:`Regulariser` base class, thresholding (the prox of norms) and shared checks."""
from __future__ import annotations

import torch

from .._checks import check_int, check_real
from ..operators import Identity, check_tensor

__all__ = ["Regulariser", "soft_threshold", "group_soft_threshold"]


def _check_tau(tau) -> float:
    return check_real(tau, "tau", low=0)


def _check_image(x, name="x"):
    check_tensor(x, name)
    if x.ndim < 2:
        raise ValueError(f"{name} must have shape (..., H, W), got {tuple(x.shape)}.")
    return x


def _abs2(x):
    return x.real**2 + x.imag**2 if x.is_complex() else x * x


def _real_dtype(x):
    return x.real.dtype if x.is_complex() else x.dtype


def _check_threshold(t):
    if isinstance(t, torch.Tensor):
        check_tensor(t, "t")
        if t.is_complex() or bool((t < 0).any()):
            raise ValueError("t must hold real thresholds >= 0.")
        return t
    return check_real(t, "t", low=0)


# ----------------------------------------------------------------------------------------
# thresholding
# ----------------------------------------------------------------------------------------
def soft_threshold(x: torch.Tensor, t) -> torch.Tensor:
    """Soft thresholding, the prox of :math:`t\\|\\cdot\\|_1`.

    .. math:: \\operatorname{soft}(x, t)_i = \\operatorname{sign}(x_i)\\max(|x_i| - t, 0)

    (for complex :math:`x_i`: :math:`x_i \\max(1 - t/|x_i|, 0)`).

    Parameters
    ----------
    x : torch.Tensor
    t : float or torch.Tensor
        Threshold :math:`t \\geq 0` (a tensor broadcasts against ``x``).
    """
    check_tensor(x, "x")
    t = _check_threshold(t)
    if x.is_complex():
        mag = x.abs()
        return x * torch.clamp(1 - t / torch.clamp(mag, min=torch.finfo(mag.dtype).tiny), min=0)
    return torch.sign(x) * torch.clamp(x.abs() - t, min=0)


def group_soft_threshold(g: torch.Tensor, t: float, dim: int = -3) -> torch.Tensor:
    """Group (vector) soft thresholding, the prox of :math:`t\\sum_i \\|g_i\\|_2`.

    .. math:: g_i \\mapsto g_i \\max\\bigl(1 - t / \\|g_i\\|_2,\\; 0\\bigr)

    where :math:`g_i` is the vector along ``dim`` (the two gradient components for TV).
    """
    check_tensor(g, "g")
    t = _check_threshold(t)
    dim = check_int(dim, "dim", low=-g.ndim, high=g.ndim - 1)
    norm = torch.sqrt(_abs2(g).sum(dim=dim, keepdim=True))
    return g * torch.clamp(1 - t / torch.clamp(norm, min=torch.finfo(norm.dtype).tiny), min=0)



def _fourier_apply(x, symbol):
    """:math:`\\mathcal F^{-1}(s \\cdot \\mathcal F x)` for a real symbol in the rfft2 layout."""
    if x.is_complex():  # the symbol is real: filter the real and imaginary parts separately
        return torch.complex(_fourier_apply(x.real, symbol), _fourier_apply(x.imag, symbol))
    return torch.fft.irfft2(torch.fft.rfft2(x) * symbol, s=x.shape[-2:])


def _mirror(x):
    """Even extension ``(..., H, W) -> (..., 2H, 2W)``: a circular filter of it acts with Neumann borders."""
    x = torch.cat((x, x.flip(-2)), dim=-2)
    return torch.cat((x, x.flip(-1)), dim=-1)

class Regulariser:
    """Base class: :math:`R(x)` with ``__call__``, ``prox`` and (where smooth) ``grad``.

    Attributes
    ----------
    smooth : bool
        Whether :math:`R` is differentiable with a Lipschitz gradient.
    quadratic : bool
        Whether :math:`R(x) = \\tfrac12\\langle x, Hx\\rangle` with a linear :math:`H` (then
        ``grad(x)`` is :math:`Hx` and Tikhonov-type problems are linear systems).
    """

    smooth = False
    quadratic = False

    def __call__(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def prox(self, x: torch.Tensor, tau: float) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} is not differentiable, so it has no grad(); use a "
            "proximal solver (ista, fista, admm, pdhg) that only needs R.prox.")

    def lipschitz(self, shape=None) -> float:
        """Lipschitz constant :math:`L_R` of :math:`\\nabla R` (smooth regularisers only)."""
        raise NotImplementedError(f"{type(self).__name__} is not smooth: no Lipschitz constant.")

    def split(self, shape):
        """Write :math:`R(x) = g(Kx)`; returns ``(K, prox_g)`` with ``prox_g(z, tau)``.

        Used by :func:`invlab.solvers.admm` (variable :math:`z = Kx`) and
        :func:`invlab.solvers.pdhg`. The default is :math:`K = I`, :math:`g = R`.
        """
        return Identity(shape), self.prox

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):  # noqa: ARG002
        """Fourier eigenvalues of :math:`H` when :math:`R = \\tfrac12\\langle x, Hx\\rangle` is circulant, else ``None``."""
        return None

    def __repr__(self):
        return f"{type(self).__name__}()"
