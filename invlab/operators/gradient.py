"""Discrete image gradient by forward differences (the operator behind TV, lecture 1)."""
from __future__ import annotations

import torch

from .base import LinearOperator
from .simple import _shape2

__all__ = ["Gradient"]


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
        shape = _shape2(shape)
        if len(shape) != 2:
            raise ValueError(f"shape must be (H, W), got {shape!r}.")
        if boundary not in ("neumann", "circular"):
            raise ValueError(f"boundary must be 'neumann' or 'circular', got {boundary!r}.")
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
