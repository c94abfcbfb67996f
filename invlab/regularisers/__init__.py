"""Regularisers :math:`R(x)` of variational reconstruction, each with its proximal operator.

Introduced in lecture 1. A regulariser is a small object:

* ``R(x)`` -- the value, summed over the image (and over a batch), a 0-d tensor;
* ``R.prox(x, tau)`` -- :math:`\\operatorname{prox}_{\\tau R}(x) = \\arg\\min_u
  \\tfrac12\\|u - x\\|^2 + \\tau R(u)`;
* ``R.grad(x)`` -- :math:`\\nabla R(x)` where :math:`R` is smooth (``NotImplementedError``
  otherwise).

The solvers in :mod:`invlab.solvers` minimise :math:`\\tfrac12\\|Ax - y\\|^2 + \\lambda R(x)`.
Two optional hooks make them fast: :meth:`Regulariser.split` writes :math:`R(x) = g(Kx)`
with a simple :math:`g` (used by ADMM and PDHG), and :meth:`Regulariser.hessian_spectrum`
gives the Fourier eigenvalues of a circulant quadratic regulariser (used by the closed-form
:func:`invlab.solvers.tikhonov`). The Haar transform behind :class:`Wavelet` lives in
:mod:`invlab.operators.wavelet`; the training of :class:`LearnedQuadratic` in
:func:`invlab.train.fit_learned_quadratic` (no training code here).

The package: :mod:`.base` (the base class, thresholding, argument checks), :mod:`.quadratic`
(``Tikhonov``, ``GradientTikhonov``, ``LearnedQuadratic``), :mod:`.tv` (``TV``) and
:mod:`.sparsity` (``L1``, ``Wavelet``).
"""
from __future__ import annotations
from .base import Regulariser, group_soft_threshold, soft_threshold
from .quadratic import GradientTikhonov, LearnedQuadratic, Tikhonov
from .sparsity import L1, Wavelet
from .tv import TV

__all__ = ["Regulariser", "L1", "Tikhonov", "GradientTikhonov", "TV", "Wavelet", "LearnedQuadratic",
           "soft_threshold", "group_soft_threshold"]
