"""Sparsity priors: :math:`\\|x\\|_1` and :math:`\\|\\Psi x\\|_1` in the Haar basis."""
from __future__ import annotations

import torch

from .._checks import check_int
from ..operators import HaarTransform, check_tensor
from ..operators.wavelet import _check_levels, _haar, _ihaar, detail_mask
from .base import Regulariser, _check_image, _check_tau, soft_threshold

__all__ = ["L1", "Wavelet"]


class L1(Regulariser):
    """Sparsity of the entries themselves: :math:`R(x) = \\|x\\|_1 = \\sum_i |x_i|`.

    Notes
    -----
    :math:`\\operatorname{prox}_{\\tau R} = \\operatorname{soft}(\\cdot, \\tau)` (:func:`soft_threshold`),
    so ISTA with this regulariser is iterative soft thresholding. Works on any shape (also
    1-D vectors, e.g. with :class:`invlab.operators.Matrix`).
    """

    def __call__(self, x):
        return check_tensor(x, "x").abs().sum()

    def prox(self, x, tau):
        return soft_threshold(x, _check_tau(tau))


class Wavelet(Regulariser):
    """Sparsity in an orthonormal Haar basis: :math:`R(x) = \\|\\Psi x\\|_1` over detail coefficients.

    Parameters
    ----------
    levels : int
        Number of Haar levels (the image size must be divisible by ``2**levels``).

    Notes
    -----
    The transform :math:`\\Psi` is :func:`invlab.operators.haar`. Only the *detail* coefficients are penalised; the coarse approximation (the top-left
    ``H/2**levels x W/2**levels`` block of :func:`haar`, local means of the image) is left
    free, because it is large and not sparse for natural images and penalising it would
    only darken the image. Because :math:`\\Psi` is orthonormal, the prox is exact:

    .. math:: \\operatorname{prox}_{\\tau R}(x) = \\Psi^{\\top}\\operatorname{soft}(\\Psi x, \\tau)

    with soft thresholding applied to the details only.
    """

    def __init__(self, levels: int = 3):
        self.levels = check_int(levels, "levels", low=1)

    def __call__(self, x):
        _check_image(x)
        c = _haar(x, self._levels_for(x))
        return (c.abs() * detail_mask(x.shape[-2:], self.levels, x.device)).sum()

    def _levels_for(self, x):
        return _check_levels(x.shape, self.levels, "x")  # 2**levels must divide H and W

    def _soft_details(self, c, tau):
        m = detail_mask(c.shape[-2:], self.levels, c.device)
        return torch.where(m, soft_threshold(c, tau), c)

    def prox(self, x, tau):
        tau = _check_tau(tau)
        _check_image(x)
        levels = self._levels_for(x)
        return _ihaar(self._soft_details(_haar(x, levels), tau), levels)

    def split(self, shape):
        return HaarTransform(shape, self.levels), lambda c, tau: self._soft_details(c, _check_tau(tau))

    def __repr__(self):
        return f"Wavelet(levels={self.levels})"
