"""Super-resolution forward model: anti-alias blur followed by decimation.

Introduced in lecture 3 (and in the gallery of lecture 1).
"""
from __future__ import annotations

import torch

from .._checks import check_int, check_real
from .base import LinearOperator
from .blur import Blur
from .simple import Mask, _shape2

__all__ = ["Downsample", "Mask"]


class Downsample(LinearOperator):
    """:math:`A = S_f B_\\sigma`: Gaussian blur :math:`B_\\sigma` then keep every ``factor``-th pixel.

    The decimation :math:`S_f` keeps pixels :math:`(f i, f j)`; its adjoint :math:`S_f^{*}`
    puts the low-resolution values back on that grid and zeros elsewhere, so
    :math:`A^{*} = B_\\sigma^{*} S_f^{*}`.

    Parameters
    ----------
    shape : tuple of int
        High-resolution shape ``(H, W)``; ``factor`` must divide both.
    factor : int
        Integer scale factor :math:`f \\geq 1`.
    sigma : float or None
        Standard deviation of the anti-alias Gaussian in high-resolution pixels.
        Default ``0.5 * factor`` (a common SR degradation); ``0`` means no blur.
    """

    def __init__(self, shape, factor: int, sigma: float | None = None):
        shape = _shape2(shape, ndim=2)
        factor = check_int(factor, "factor", low=1)
        H, W = shape
        if H % factor or W % factor:
            raise ValueError(
                f"factor={factor} must divide the image size {shape}; allowed factors are the "
                f"common divisors of {H} and {W}."
            )
        if sigma is None:
            sigma = 0.5 * factor if factor > 1 else 0.0
        sigma = check_real(sigma, "sigma", low=0)
        super().__init__(shape, (H // factor, W // factor))
        self.factor, self.sigma = factor, float(sigma)
        self.blur = Blur.gaussian(shape, sigma) if sigma > 0 else None

    def _forward(self, x):
        if self.blur is not None:
            x = self.blur._forward(x)
        f = self.factor
        return x[..., ::f, ::f].contiguous()

    def _adjoint(self, y):
        f = self.factor
        out = torch.zeros(y.shape[:-2] + self.in_shape, dtype=y.dtype, device=y.device)
        out[..., ::f, ::f] = y
        if self.blur is not None:
            out = self.blur._adjoint(out)
        return out
