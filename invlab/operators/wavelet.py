"""The orthonormal 2-D Haar wavelet transform :math:`\\Psi` (behind the wavelet regulariser).

Introduced in lecture 1. :func:`haar` computes :math:`c = \\Psi x`, :func:`ihaar` its inverse,
which is also its adjoint (:math:`\\Psi` is orthonormal), and :class:`HaarTransform` wraps the
pair as a :class:`~invlab.operators.LinearOperator` (used by ADMM and PDHG as the splitting
operator :math:`K = \\Psi` of :class:`~invlab.regularisers.Wavelet`).
"""
from __future__ import annotations

import math
import numbers

import torch

from .base import LinearOperator, check_tensor
from .simple import _shape2

__all__ = ["HaarTransform", "haar", "ihaar", "detail_mask"]


def _check_levels(shape, levels, name="x") -> int:
    if isinstance(levels, bool) or not isinstance(levels, numbers.Integral):
        raise TypeError(f"levels must be an integer >= 1, got {levels!r}.")
    if levels < 1:
        raise ValueError(f"levels must be an integer >= 1, got {levels!r}.")
    H, W = shape[-2], shape[-1]
    m = 2**levels
    if H % m or W % m:
        raise ValueError(
            f"levels={levels}: a {levels}-level Haar transform needs H and W divisible by 2**levels = {m}; "
            f"got {name} of size {H}x{W}. Crop or pad the image, or use fewer levels.")
    return int(levels)


def _check_coefficients(x, name):
    check_tensor(x, name)
    if x.ndim < 2:
        raise ValueError(f"{name} must have shape (..., H, W), got {tuple(x.shape)}.")
    return x


def _analysis_step(x, dim):
    """One orthonormal 1-D Haar step along ``dim`` (-2 or -1): [(even+odd)/sqrt2 | (even-odd)/sqrt2]."""
    e, o = (x[..., 0::2, :], x[..., 1::2, :]) if dim == -2 else (x[..., 0::2], x[..., 1::2])
    return torch.cat(((e + o) / math.sqrt(2), (e - o) / math.sqrt(2)), dim=dim)


def _synthesis_step(c, dim):
    """Inverse of :func:`_analysis_step`."""
    n = c.shape[dim]
    s, d = c.split(n // 2, dim=dim)
    e, o = (s + d) / math.sqrt(2), (s - d) / math.sqrt(2)
    return torch.stack((e, o), dim=dim).flatten(dim - 1, dim)  # interleave even and odd


def _haar(x, levels):
    H, W = x.shape[-2:]
    c = x.clone()
    for lev in range(levels):
        h, w = H >> lev, W >> lev
        c[..., :h, :w] = _analysis_step(_analysis_step(c[..., :h, :w], -2), -1)
    return c


def _ihaar(c, levels):
    H, W = c.shape[-2:]
    x = c.clone()
    for lev in reversed(range(levels)):
        h, w = H >> lev, W >> lev
        x[..., :h, :w] = _synthesis_step(_synthesis_step(x[..., :h, :w], -1), -2)
    return x


def haar(x: torch.Tensor, levels: int = 3) -> torch.Tensor:
    """Orthonormal 2-D Haar wavelet transform :math:`c = \\Psi x` in the pyramid layout.

    One level maps each :math:`2\\times2` block :math:`\\begin{pmatrix}a&b\\\\c&d\\end{pmatrix}`
    to an average :math:`(a+b+c+d)/2` and three details :math:`(a-b+c-d)/2`,
    :math:`(a+b-c-d)/2`, :math:`(a-b-c+d)/2`; the averages form the top-left quarter and the
    next level transforms that quarter again. The transform is orthonormal,
    :math:`\\Psi^{\\top}\\Psi = I`, so :math:`\\|\\Psi x\\| = \\|x\\|` and :func:`ihaar` is
    both the inverse and the adjoint.

    Parameters
    ----------
    x : torch.Tensor
        Images ``(..., H, W)``; ``H`` and ``W`` must be divisible by ``2**levels``.
    levels : int
        Number of levels :math:`\\geq 1`.

    Returns
    -------
    torch.Tensor
        Coefficients, same shape as ``x``: the coarse approximation in the top-left
        ``(H / 2**levels, W / 2**levels)`` block, details everywhere else.

    Examples
    --------
    >>> x = torch.rand(16, 16)
    >>> bool(torch.allclose(ihaar(haar(x, 2), 2), x, atol=1e-6))
    True
    """
    _check_coefficients(x, "x")
    return _haar(x, _check_levels(x.shape, levels))


def ihaar(c: torch.Tensor, levels: int = 3) -> torch.Tensor:
    """Inverse (= adjoint) of :func:`haar`: :math:`x = \\Psi^{\\top} c`.

    Parameters
    ----------
    c : torch.Tensor
        Coefficients ``(..., H, W)`` in the layout of :func:`haar`.
    levels : int
        Number of levels :math:`\\geq 1` (as used by :func:`haar`).
    """
    _check_coefficients(c, "c")
    return _ihaar(c, _check_levels(c.shape, levels, "c"))


def detail_mask(shape, levels: int, device=None) -> torch.Tensor:
    """Boolean ``(H, W)`` mask of the *detail* coefficients of a ``levels``-level :func:`haar`.

    ``False`` on the coarse approximation block (top-left ``H / 2**levels x W / 2**levels``),
    ``True`` everywhere else.
    """
    H, W = _shape2(shape)[-2:]
    levels = _check_levels((H, W), levels, "shape")
    m = torch.ones((H, W), dtype=torch.bool, device=device)
    m[: H >> levels, : W >> levels] = False
    return m


class HaarTransform(LinearOperator):
    """The Haar transform :math:`\\Psi` of :func:`haar` as a linear operator (adjoint :func:`ihaar`).

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(H, W)``, both divisible by ``2**levels``.
    levels : int
        Number of levels :math:`\\geq 1`.
    """

    def __init__(self, shape, levels: int = 3):
        shape = _shape2(shape)
        if len(shape) != 2:
            raise ValueError(f"shape must be (H, W), got {shape!r}.")
        self.levels = _check_levels(shape, levels, "shape")
        super().__init__(shape, shape)

    def _forward(self, x):
        return _haar(x, self.levels)

    def _adjoint(self, c):
        return _ihaar(c, self.levels)
