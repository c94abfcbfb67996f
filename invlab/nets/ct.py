r"""Learned iterative reconstruction for CT: learned gradient descent, ``net(y, A) -> x``.

Lecture 4 (CT). The forward model is the Radon transform :math:`A` (:class:`~invlab.operators.Radon`),
passed at call time, so a network trained at 30 views can be asked to reconstruct from 20 or 60
(an experiment, not a crash). Every block uses :math:`A` and :math:`A^{\top}`: the network does
what gradient descent on :math:`\tfrac12\|Ax - y\|^2` does, plus what it learned.

The update is the *learned gradient* scheme of Adler & Öktem (2017): the CNN of block :math:`k`
sees both the current iterate and the gradient of the data term, so it can decide per pixel how
far to trust the data. Unlike :class:`~invlab.nets.UnrolledGD` (lecture 2), whose CNNs see only
the iterate, this one also keeps a few *memory* channels from block to block. With
``dual_width > 0`` each block also has a small CNN on the measurement grid that corrects the
residual :math:`Ax - y` before it is back-projected, the dual half of the learned primal-dual
scheme (Adler & Öktem 2018) in its simplest form: the network can learn a filter on the sinogram
instead of using the plain back-projection :math:`A^{\top}`.

References
----------
J. Adler, O. Öktem, "Solving ill-posed inverse problems using iterative deep neural networks",
Inverse Problems 33 (2017) 124007 (learned gradient schemes). J. Adler, O. Öktem, "Learned
primal-dual reconstruction", IEEE TMI 37 (2018) 1322-1332 (the benchmark on ellipse phantoms).
K. H. Jin et al., "Deep convolutional neural network for inverse problems in imaging" (FBPConvNet),
IEEE TIP 26 (2017) 4509-4522 (the post-processing alternative, :class:`~invlab.nets.UNetReconstructor`
with ``input="fbp"``).
"""
from __future__ import annotations

import math
import weakref

import torch
from torch import nn

from .._checks import check_choice, check_int, check_real
from ._common import check_reconstructor_input, check_size_budget, zero_init_cnn

__all__ = ["LearnedGD"]

MAX_BLOCKS = 12
_NORM2: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _norm2(A) -> float:
    r""":math:`\|A\|^2` (power iteration, cached per operator object)."""
    if A not in _NORM2:
        _NORM2[A] = float(A.norm()) ** 2
    return _NORM2[A]




class LearnedGD(nn.Module):
    r"""Learned gradient descent (Adler & Öktem 2017) for any real operator with an FBP: ``net(y, A) -> x``.

    The state :math:`f_k` has :math:`1 + m` channels: the image :math:`x_k` (channel 0) and
    :math:`m` memory channels (start at zero). With :math:`L = \|A\|^2` and the normalised
    gradient of the data term

    .. math::
        g_k = \tfrac{1}{L} A^{\top}(A x_{k-1} - y),

    block :math:`k = 1, \dots, K` updates

    .. math::
        x_k = x_{k-1} - \eta_k\, g_k + \big[\mathrm{CNN}_k(f_{k-1}, g_k)\big]_0, \qquad
        f_k^{\,\mathrm{mem}} = f_{k-1}^{\,\mathrm{mem}} + \big[\mathrm{CNN}_k(f_{k-1}, g_k)\big]_{1..m},

    starting from the filtered back-projection :math:`x_0 = \mathrm{FBP}(y)` (``start="fbp"``,
    the operator's ``fbp`` method, ramp filter) or :math:`x_0 = A^{\top}y / L` (``"adjoint"``).
    :math:`\eta_k > 0` are learned (stored as ``log_step``).

    Notes
    -----
    The last convolution of every CNN starts at zero, so the untrained network is exactly
    :math:`K` steps of gradient descent (Landweber) on :math:`\tfrac12\|Ax - y\|^2` from
    :math:`x_0`, with steps :math:`\eta_k / L` (stable for :math:`\eta_k < 2`): training starts from
    the classical method. Dividing by :math:`L` makes the step sizes independent of the number of
    views, so the same network runs with another angle count at test time (:math:`L` is computed
    once per operator object).

    Parameters
    ----------
    n_blocks : int
        :math:`K`, between 1 and 12.
    width : int
        Feature channels of each block's CNN.
    depth : int
        Convolutions per block's CNN (>= 2).
    memory : int
        :math:`m`, memory channels carried between blocks (0: the state is the image alone).
    step_init : float
        Initial :math:`\eta_k` (all blocks), in units of :math:`1/\|A\|^2`.
    start : {"fbp", "adjoint"}
        :math:`x_0`.
    dual_width : int
        Feature channels of a *dual* CNN per block on the measurement grid (0: none, the plain
        learned gradient). With it, block :math:`k` first corrects the scaled residual
        :math:`r_k = (A x_{k-1} - y)/\sqrt L` in data space, as the learned primal-dual scheme
        (Adler & Öktem 2018) does,

        .. math::
            \tilde r_k = r_k + \mathrm{D}_k(r_k,\ y/\sqrt L), \qquad g_k = A^{\top}\tilde r_k / \sqrt L,

        so the network can learn a filter on the sinogram (what the ramp filter of FBP does by
        hand). :math:`\mathrm D_k` is a 3-layer CNN whose last convolution starts at zero: the
        untrained network is still exactly Landweber. Needs 2-D measurements ``A.out_shape``.
    """

    def __init__(self, n_blocks: int = 6, width: int = 32, depth: int = 3, memory: int = 4,
                 step_init: float = 1.0, start: str = "fbp", dual_width: int = 0):
        super().__init__()
        self.n_blocks = check_int(n_blocks, "n_blocks", low=1, high=MAX_BLOCKS)
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=2, high=16)
        self.memory = check_int(memory, "memory", low=0, high=16)
        self.step_init = check_real(step_init, "step_init", low=0, low_open=True)
        self.start_mode = check_choice(start, "start", ("fbp", "adjoint"))
        self.dual_width = check_int(dual_width, "dual_width", low=0)
        check_size_budget(LearnedGD, n_blocks=n_blocks, width=width, depth=depth, memory=memory, dual_width=dual_width)
        self.log_step = nn.Parameter(torch.full((self.n_blocks,), math.log(self.step_init)))
        self.cnns = nn.ModuleList([zero_init_cnn(2 + self.memory, 1 + self.memory, self.width, self.depth)
                                   for _ in range(self.n_blocks)])
        self.duals = nn.ModuleList([zero_init_cnn(2, 1, self.dual_width, 3) for _ in range(self.n_blocks)]
                                   if self.dual_width else [])

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"n_blocks": self.n_blocks, "width": self.width, "depth": self.depth, "memory": self.memory,
                "step_init": self.step_init, "start": self.start_mode, "dual_width": self.dual_width}

    @property
    def steps(self) -> torch.Tensor:
        r"""The step sizes :math:`\eta_1, \dots, \eta_K` in units of :math:`1/\|A\|^2` (a ``(K,)`` tensor)."""
        return torch.exp(self.log_step)

    def start(self, y: torch.Tensor, A) -> torch.Tensor:
        r""":math:`x_0`: :math:`\mathrm{FBP}(y)` or :math:`A^{\top}y/\|A\|^2` (see the class)."""
        if self.start_mode == "fbp":
            if not callable(getattr(A, "fbp", None)):
                raise ValueError(f"start='fbp' needs an operator with an fbp method (Radon), got {A!r}; "
                                 "build the network with start='adjoint'.")
            return A.fbp(y)
        return A._adjoint(y) / _norm2(A)

    def _run(self, y, A, n_blocks, keep):
        y, batch, dtype = check_reconstructor_input(self, y, A)
        n = self.n_blocks if n_blocks is None else check_int(n_blocks, "n_blocks", low=0, high=self.n_blocks)
        if self.dual_width and len(A.out_shape) != 2:
            raise ValueError(f"dual_width > 0 needs 2-D measurements (a sinogram: angles x detectors); "
                             f"{type(A).__name__} gives shape {tuple(A.out_shape)}.")
        L = _norm2(A)
        root = math.sqrt(L)
        eta = self.steps
        x = self.start(y, A).reshape(-1, 1, *A.in_shape)
        y = y.reshape(-1, *A.out_shape)
        mem = x.new_zeros(x.shape[0], self.memory, *A.in_shape)
        xs = [x.detach().clone()] if keep else None
        for k in range(n):
            r = (A._forward(x[:, 0]) - y)[:, None] / root      # residual, scaled so that g = A^T r / sqrt(L)
            if self.dual_width:
                r = r + self.duals[k](torch.cat([r, y[:, None] / root], dim=1))
            g = A._adjoint(r[:, 0])[:, None] / root
            update = self.cnns[k](torch.cat([x, mem, g], dim=1))
            x = x - eta[k] * g + update[:, :1]
            mem = mem + update[:, 1:]
            if keep:
                xs.append(x.detach().clone())
        shape = batch + A.in_shape
        if keep:
            return [xi.reshape(shape).to(dtype) for xi in xs]
        return x.reshape(shape).to(dtype)

    def forward(self, y: torch.Tensor, A, n_blocks: int | None = None) -> torch.Tensor:
        """Reconstruct.

        Parameters
        ----------
        y : torch.Tensor
            Measurements ``(..., *A.out_shape)``, e.g. a sinogram batch ``(B, n_angles, size)``.
        A : LinearOperator
            The forward model (real, on images ``(H, W)``), e.g. :class:`~invlab.operators.Radon`
            with any number of angles.
        n_blocks : int, optional
            Run only the first :math:`K' \\le K` blocks (0 returns :math:`x_0`).

        Returns
        -------
        torch.Tensor
            ``x`` of shape ``(..., H, W)``.
        """
        return self._run(y, A, n_blocks, keep=False)

    def iterates(self, y: torch.Tensor, A, n_blocks: int | None = None) -> list:
        """The images :math:`[x_0, x_1, \\dots, x_{K'}]` (detached), for a scrubber; the last equals ``net(y, A)``."""
        with torch.no_grad():
            return self._run(y, A, n_blocks, keep=True)
