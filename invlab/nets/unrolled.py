"""Unrolled gradient descent: a gradient-descent network trained end to end, ``net(y, A) -> x``.

Introduced in lecture 2 (unrolled optimisation). Gradient descent on
:math:`\\tfrac12\\|Ax - y\\|^2 + R(x)` with a differentiable :math:`R` reads
:math:`x_{k+1} = x_k - \\eta A^{\\top}(Ax_k - y) - \\eta\\nabla R(x_k)`. Unrolling stops after
:math:`K` iterations, replaces :math:`\\eta\\nabla R` by a small CNN per iteration ("block") and
learns the CNNs and the step sizes from training pairs, through all :math:`K` blocks at once.
Each block keeps the data-consistency step written as the equation, so the network always sees
the forward model :math:`A` (fastMRI's VarNet is built the same way).

References
----------
K. Gregor, Y. LeCun, "Learning fast approximations of sparse coding", ICML 2010 (unrolling,
LISTA). J. Adler, O. Öktem, "Solving ill-posed inverse problems using iterative deep neural
networks", Inverse Problems 2017 (learned gradient schemes).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_int, check_real
from ._common import check_reconstructor_input, check_size_budget, zero_init_cnn

__all__ = ["UnrolledGD"]

MAX_BLOCKS = 10




class UnrolledGD(nn.Module):
    """:math:`K` learned gradient-descent blocks: ``net(y, A) -> x``.

    .. math::
        x_0 = A^{\\top}y, \\qquad
        x_{k} = x_{k-1} - \\eta_k\\,A^{\\top}(Ax_{k-1} - y) - \\mathrm{CNN}_k(x_{k-1}),
        \\quad k = 1, \\dots, K,

    with learned step sizes :math:`\\eta_k > 0` and a small CNN per block acting on
    ``(B, 1, H, W)``. The step sizes are stored as ``log_step`` (:math:`\\log\\eta_k`, a
    parameter), so they stay positive during training; :attr:`steps` gives :math:`\\eta_k`.

    Parameters
    ----------
    n_blocks : int
        :math:`K`, between 1 and 10.
    width : int
        Feature channels of each block's CNN.
    depth : int
        Convolutions per block's CNN (>= 2).
    step_init : float
        Initial :math:`\\eta_k` (all blocks), in the operator's units: gradient descent converges
        for :math:`\\eta < 2/\\|A\\|^2`, so 1 suits operators with :math:`\\|A\\| \\le 1` (blur,
        mask, subsampling).
    init_lam : float, optional
        Where the iterations start. ``None`` (default): :math:`x_0 = A^{\\top}y`. A number
        :math:`\\alpha > 0`: the Tikhonov solution
        :math:`x_0 = (A^{\\top}A + \\alpha I)^{-1}A^{\\top}y` (:func:`invlab.solvers.tikhonov`;
        exact in Fourier for a blur), a classical reconstruction that the blocks then refine. It
        depends on :math:`y` only, so no gradient flows through it.

    Notes
    -----
    The last convolution of every CNN starts at zero, so the untrained network is exactly
    :math:`K` steps of gradient descent (Landweber) from :math:`A^{\\top}y` with step
    ``step_init``: training starts from the classical method and can only add to it.

    ``A`` is passed at call time and must be a real operator on images ``(H, W)``; ``y`` may
    carry leading batch dimensions, ``x`` keeps them: ``(..., *A.out_shape) -> (..., H, W)``.
    """

    def __init__(self, n_blocks: int = 5, width: int = 32, depth: int = 3, step_init: float = 1.0,
                 init_lam: float | None = None):
        super().__init__()
        self.init_lam = check_real(init_lam, "init_lam", low=0, low_open=True, allow_none=True)
        self.n_blocks = check_int(n_blocks, "n_blocks", low=1, high=MAX_BLOCKS)
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=2)
        self.step_init = check_real(step_init, "step_init", low=0, low_open=True)
        check_size_budget(UnrolledGD, n_blocks=n_blocks, width=width, depth=depth)
        self.log_step = nn.Parameter(torch.full((self.n_blocks,), math.log(self.step_init)))
        self.cnns = nn.ModuleList([zero_init_cnn(1, 1, self.width, self.depth) for _ in range(self.n_blocks)])

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"n_blocks": self.n_blocks, "width": self.width, "depth": self.depth, "step_init": self.step_init,
                "init_lam": self.init_lam}

    @property
    def steps(self) -> torch.Tensor:
        """The step sizes :math:`\\eta_1, \\dots, \\eta_K` (a ``(K,)`` tensor, :math:`\\exp` of ``log_step``)."""
        return torch.exp(self.log_step)

    def start(self, y: torch.Tensor, A) -> torch.Tensor:
        """:math:`x_0`: :math:`A^{\\top}y`, or the Tikhonov solution when ``init_lam`` is set (see the class)."""
        if self.init_lam is None:
            return A._adjoint(y)
        from ..solvers import tikhonov

        with torch.no_grad():
            return tikhonov(A, y, self.init_lam)

    def _run(self, y, A, n_blocks, step_scale, keep):
        y, batch, dtype = check_reconstructor_input(self, y, A)
        n = self.n_blocks if n_blocks is None else check_int(n_blocks, "n_blocks", low=0)
        scale = check_real(step_scale, "step_scale", low=0)
        shape = batch + A.in_shape
        eta = self.steps * scale
        x = self.start(y, A)
        xs = [x.detach().clone()] if keep else None
        for k in range(n):
            j = min(k, self.n_blocks - 1)           # beyond K: repeat the last block
            cnn = self.cnns[j](x.reshape(-1, 1, *A.in_shape)).reshape(shape)
            x = x - eta[j] * A._adjoint(A._forward(x) - y) - cnn
            if keep:
                xs.append(x.detach().clone())
        return [xi.to(dtype) for xi in xs] if keep else x.to(dtype)

    def forward(self, y: torch.Tensor, A, n_blocks: int | None = None, step_scale: float = 1.0) -> torch.Tensor:
        """Reconstruct.

        Parameters
        ----------
        y : torch.Tensor
            Measurements ``(..., *A.out_shape)``, e.g. ``(B, 1, H, W)`` for a blur.
        A : LinearOperator
            The forward model (real, on images ``(H, W)``).
        n_blocks : int, optional
            Number of blocks :math:`K'` to run (default :math:`K`). :math:`K' < K` uses the first
            :math:`K'` blocks; :math:`K' > K` repeats the last block (its :math:`\\eta_K` and
            :math:`\\mathrm{CNN}_K`) :math:`K' - K` more times; 0 returns :math:`A^{\\top}y`.
        step_scale : float
            Multiplies every :math:`\\eta_k` (>= 0; 1 is the trained network).

        Returns
        -------
        torch.Tensor
            ``x`` of shape ``(..., H, W)`` (the batch dimensions of ``y``).
        """
        return self._run(y, A, n_blocks, step_scale, keep=False)

    def iterates(self, y: torch.Tensor, A, n_blocks: int | None = None, step_scale: float = 1.0) -> list:
        """The iterates :math:`[x_0 = A^{\\top}y, x_1, \\dots, x_{K'}]` (detached), for a scrubber.

        Same arguments as :meth:`forward`; the last entry equals ``net(y, A, ...)``.
        """
        with torch.no_grad():
            return self._run(y, A, n_blocks, step_scale, keep=True)
