"""Discrete image gradient by forward differences (the operator behind TV, lecture 1)."""
from __future__ import annotations

import math

import torch

from .._checks import check_choice
from .base import LinearOperator
from .simple import _shape2

__all__ = ["Gradient", "laplacian_spectrum", "gradient_into", "divergence"]


class Gradient(LinearOperator):
    """Forward differences :math:`\\nabla x = (D_r x, D_c x)`, shape ``(H, W) -> (2, H, W)``.

    With ``boundary="neumann"`` (default) :math:`(D_r x)_{i,j} = x_{i+1,j} - x_{i,j}` and the
    last row difference is zero; with ``boundary="circular"`` the differences wrap around,
    so :math:`\\nabla^{*}\\nabla` is diagonalised by the FFT (used by the fast TV solvers).
    The adjoint is minus the discrete divergence, :math:`\\nabla^{*} = -\\operatorname{div}`.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(H, W)``.
    boundary : {"neumann", "circular"}
    """

    def __init__(self, shape, boundary: str = "neumann"):
        shape = _shape2(shape, ndim=2)
        check_choice(boundary, "boundary", ("neumann", "circular"))
        super().__init__(shape, (2,) + shape)
        self.boundary = boundary

    def _forward(self, x):
        if self.boundary == "circular":
            dr = torch.roll(x, -1, dims=-2) - x
            dc = torch.roll(x, -1, dims=-1) - x
        else:
            dr = torch.zeros_like(x)
            dc = torch.zeros_like(x)
            dr[..., :-1, :] = x[..., 1:, :] - x[..., :-1, :]
            dc[..., :, :-1] = x[..., :, 1:] - x[..., :, :-1]
        return torch.stack((dr, dc), dim=-3)

    def _adjoint(self, g):
        gr, gc = g[..., 0, :, :], g[..., 1, :, :]
        if self.boundary == "circular":
            return (torch.roll(gr, 1, dims=-2) - gr) + (torch.roll(gc, 1, dims=-1) - gc)
        out = torch.zeros_like(gr)
        # -div: adjoint of forward differences with the last difference set to zero
        out[..., :-1, :] -= gr[..., :-1, :]
        out[..., 1:, :] += gr[..., :-1, :]
        out[..., :, :-1] -= gc[..., :, :-1]
        out[..., :, 1:] += gc[..., :, :-1]
        return out


# ----------------------------------------------------------------------------------------
# Fourier symbol of the circular Laplacian, and fast in-place differences (TV's inner loop)
# ----------------------------------------------------------------------------------------
_SYMBOLS: dict = {}


def laplacian_spectrum(shape, device=None, dtype=torch.float64) -> torch.Tensor:
    """Eigenvalues of :math:`\\nabla^{\\top}\\nabla` for circular forward differences.

    .. math:: \\mu_{kl} = 4\\sin^2(\\pi k / H) + 4\\sin^2(\\pi l / W)

    in the ``rfft2`` layout, shape ``(H, W // 2 + 1)``; the maximum is at most 8.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)``.
    device, dtype
        Where and how to return the (cached) eigenvalues.
    """
    H, W = _shape2(shape, ndim=2)
    key = (H, W, torch.device(device) if device is not None else torch.device("cpu"), dtype)
    if key not in _SYMBOLS:
        k = torch.arange(H, dtype=torch.float64)
        l = torch.arange(W // 2 + 1, dtype=torch.float64)
        mu = 4 * torch.sin(math.pi * k / H)[:, None] ** 2 + 4 * torch.sin(math.pi * l / W)[None, :] ** 2
        _SYMBOLS[key] = mu.to(device=key[2], dtype=dtype)
    return _SYMBOLS[key]


def _check_field(t, name: str, ndim: int) -> None:
    from .base import check_tensor

    check_tensor(t, name)
    if t.ndim < ndim:
        raise ValueError(f"{name} must have at least {ndim} dimensions, got shape {tuple(t.shape)}.")


def gradient_into(u: torch.Tensor, out: torch.Tensor, circular: bool) -> torch.Tensor:
    """Forward differences of ``u`` written into ``out`` ``(..., 2, H, W)``: a fast :math:`\\nabla u`.

    Same values as :class:`Gradient`, without allocation (the inner loop of the TV prox);
    with the Neumann boundary the last row/column of ``out`` must hold zeros (never written).
    """
    _check_field(u, "u", 2)
    _check_field(out, "out", 3)
    if tuple(out.shape[-3:]) != (2,) + tuple(u.shape[-2:]):
        raise ValueError(f"out must have shape (..., 2, H, W) = (..., 2, {u.shape[-2]}, {u.shape[-1]}), "
                         f"got {tuple(out.shape)}.")
    torch.sub(u[..., 1:, :], u[..., :-1, :], out=out[..., 0, :-1, :])
    torch.sub(u[..., :, 1:], u[..., :, :-1], out=out[..., 1, :, :-1])
    if circular:
        torch.sub(u[..., :1, :], u[..., -1:, :], out=out[..., 0, -1:, :])
        torch.sub(u[..., :, :1], u[..., :, -1:], out=out[..., 1, :, -1:])
    return out


def divergence(p: torch.Tensor, circular: bool) -> torch.Tensor:
    """Discrete divergence :math:`\\operatorname{div} p = -\\nabla^{\\top}p` of ``p`` ``(..., 2, H, W)``."""
    _check_field(p, "p", 3)
    if p.shape[-3] != 2:
        raise ValueError(f"p must have shape (..., 2, H, W) (row and column components), got {tuple(p.shape)}.")
    pr, pc = p[..., 0, :, :], p[..., 1, :, :]
    d = pr + pc
    d[..., 1:, :] -= pr[..., :-1, :]
    d[..., :, 1:] -= pc[..., :, :-1]
    if circular:
        d[..., :1, :] -= pr[..., -1:, :]
        d[..., :, :1] -= pc[..., :, -1:]
    else:  # the differences across the border are zero: drop the last row/column of p
        d[..., -1, :] -= pr[..., -1, :]
        d[..., :, -1] -= pc[..., :, -1]
    return d
