"""Random Gaussian measurements: the compressed-sensing forward model (lecture 2, CSGM).

Introduced in lecture 2 (compressed sensing with a generative prior). Each of the :math:`m`
measurements is the inner product of the image with a random Gaussian pattern.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_int, check_shape, make_generator
from .base import LinearOperator

__all__ = ["GaussianSensing"]


MAX_ENTRIES = 2**26
"""The largest sensing matrix :class:`GaussianSensing` builds (67 M entries, 512 MB in float64)."""


class GaussianSensing(LinearOperator):
    """:math:`m` random Gaussian measurements of an image: :math:`Ax = M\\,\\mathrm{vec}(x)`.

    .. math::
        M \\in \\mathbb{R}^{m \\times HW}, \\qquad M_{ij} \\sim \\mathcal N(0, 1/m)
        \\text{ i.i.d.}, \\qquad \\text{so}\\quad \\mathbb E\\,\\|Ax\\|^2 = \\|x\\|^2,

    with :math:`\\mathrm{vec}` the row-major flattening of the last two dimensions. The adjoint
    is :math:`A^{\\top}y = \\mathrm{vec}^{-1}(M^{\\top}y)`, an image. Images ``(..., H, W)`` map
    to measurements ``(..., m)``; leading dimensions are a batch.

    Parameters
    ----------
    m : int
        Number of measurements (``m < H*W`` is the compressed-sensing regime).
    shape : tuple of int
        Image shape ``(H, W)``.
    seed : int or torch.Generator
        Seed of the matrix: the same seed gives the same :math:`M`.

    Attributes
    ----------
    M : torch.Tensor
        The float64 matrix ``(m, H*W)`` (e.g. for a Lasso baseline written with matrices).

    Notes
    -----
    The matrix is drawn in float64 and applied in the input's precision (float32 or float64)
    and on the input's device; a copy per dtype and device is cached.

    References
    ----------
    E. J. Candès, T. Tao, "Near-optimal signal recovery from random projections: universal
    encoding strategies?", IEEE Trans. Inf. Theory 2006. A. Bora, A. Jalal, E. Price,
    A. G. Dimakis, "Compressed sensing using generative models", ICML 2017.

    Examples
    --------
    >>> A = GaussianSensing(50, (28, 28), seed=0)
    >>> A(torch.rand(4, 28, 28)).shape
    torch.Size([4, 50])
    """

    def __init__(self, m: int, shape, seed=0):
        m = check_int(m, "m", low=1)
        shape = check_shape(shape, "shape", ndim=2)
        if m * shape[0] * shape[1] > MAX_ENTRIES:
            raise ValueError(f"m = {m} measurements of a {shape[0]}x{shape[1]} image need a {m} x "
                             f"{shape[0] * shape[1]} matrix ({m * shape[0] * shape[1]:,} entries); at most "
                             f"{MAX_ENTRIES:,} are allowed (lower m).")
        g = make_generator(seed)
        super().__init__(shape, (m,))
        self.m = m
        self.M = torch.randn((m, shape[0] * shape[1]), generator=g, dtype=torch.float64) / math.sqrt(m)
        self._cache: dict = {}

    def _matrix(self, t: torch.Tensor) -> torch.Tensor:
        key = (t.device, t.dtype)
        if key not in self._cache:
            self._cache[key] = self.M.to(device=t.device, dtype=t.dtype if t.is_floating_point() or
                                         t.is_complex() else torch.float32)
        return self._cache[key]

    def _forward(self, x):
        M = self._matrix(x)
        return x.reshape(x.shape[:-2] + (-1,)).to(M.dtype) @ M.T

    def _adjoint(self, y):
        M = self._matrix(y)
        return (y.to(M.dtype) @ M).reshape(y.shape[:-1] + self.in_shape)
