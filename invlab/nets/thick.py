r"""Thick-slice super-resolution (lecture 4, row 4.7): thin slices back from a thick-slice stack.

A 2-D multi-slice MR acquisition excites slices :math:`k` times thicker than its in-plane pixels
to save time; each measured slice is (about) the mean of the :math:`k` thin slices it covers
(:func:`invlab.data.thick_slices`). Seen from the side (a coronal or sagittal view of an axial
stack) the image is blurred and decimated along one axis, the *through-plane* axis: rows here.

:func:`through_plane` interpolates the thick slices back to the thin grid (linear or cubic: the
classical answer); :class:`ThickSliceSR` adds what a CNN learned from thin-slice training volumes,
one network for every :math:`k` between 2 and 6 (it is told :math:`k`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_choice, check_int
from ._common import check_size_budget, gate, zero_init_cnn

__all__ = ["ThickSliceSR", "through_plane", "K_RANGE", "MODES"]

#: Interpolation modes of :func:`through_plane`.
MODES = ("linear", "cubic", "cubic-0.75", "nearest")
#: Slice thicknesses (in thin slices) the network is built for.
K_RANGE = (2, 6)


def _check_thick(net_or_none, y, k):
    k = check_int(k, "k", low=1, high=16)
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a torch.Tensor, got {type(y).__name__}.")
    shape = y.shape
    if y.ndim == 2:
        y = y[None, None]
    elif y.ndim == 3:
        y = y[:, None]
    if y.ndim != 4 or y.shape[1] != 1:
        raise ValueError(f"y must be (m, W), (B, m, W) or (B, 1, m, W) thick slices along the rows, got shape "
                         f"{tuple(shape)}.")
    if net_or_none is not None:
        y, dtype = gate(net_or_none, y, "y")
    else:
        if y.is_complex() or not y.is_floating_point():
            raise TypeError(f"y must be a real floating-point tensor, got dtype {y.dtype}.")
        if not bool(torch.isfinite(y).all()):
            raise ValueError("y must be finite, got NaN or inf entries.")
        dtype = y.dtype
    return y, k, shape, dtype


def _back(x, shape):
    return x.reshape(*shape[:-2], x.shape[-2], x.shape[-1]) if len(shape) < 4 else x


def through_plane(y: torch.Tensor, k: int, mode: str = "cubic") -> torch.Tensor:
    r"""Interpolate thick slices back to the thin grid along the rows: ``(..., m, W) -> (..., k m, W)``.

    Thick slice :math:`j` is centred on thin position :math:`jk + (k-1)/2`; thin row :math:`i` is
    read at thick coordinate :math:`(i + \tfrac12)/k - \tfrac12` (``align_corners=False``
    semantics), linearly or with Keys' cubic kernel (:math:`a = -\tfrac12`; not torch's ``bicubic``,
    whose :math:`a = -0.75` does not reproduce a linear ramp), with the edge rows repeated beyond the ends.
    A reference, not a learned method: it knows nothing about the box slice profile.

    Parameters
    ----------
    y : torch.Tensor
        ``(m, W)``, ``(B, m, W)`` or ``(B, 1, m, W)``.
    k : int
        Slice thickness in thin slices.
    mode : {"linear", "cubic", "cubic-0.75", "nearest"}
        ``"cubic-0.75"``: the kernel with :math:`a = -0.75` (torch's and OpenCV's ``bicubic``), which
        overshoots at edges and so partly undoes the slice profile's blur: a slightly stronger
        baseline on real images than Keys' cubic.
    """
    y4, k, shape, dtype = _check_thick(None, y, k)
    mode = check_choice(mode, "mode", MODES)
    if mode in ("cubic", "cubic-0.75"):
        x = _keys_rows(y4, k, -0.5 if mode == "cubic" else -0.75)
    elif mode == "linear":
        x = F.interpolate(y4, scale_factor=(k, 1), mode="bilinear", align_corners=False)
    else:
        x = F.interpolate(y4, scale_factor=(k, 1), mode="nearest")
    return _back(x, shape).to(dtype)


def _keys(t: torch.Tensor, a: float = -0.5) -> torch.Tensor:
    r"""The cubic convolution kernel; Keys' :math:`a = -\tfrac12` reproduces quadratics."""
    t = t.abs()
    return torch.where(t <= 1, (a + 2) * t**3 - (a + 3) * t**2 + 1,
                       torch.where(t < 2, a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a, torch.zeros_like(t)))


def _keys_rows(y4: torch.Tensor, k: int, a: float = -0.5) -> torch.Tensor:
    """Keys cubic interpolation along dim -2 by the factor ``k`` (edge rows repeated).

    ``torch``'s ``bicubic`` uses :math:`a = -0.75`, which does not even reproduce a linear ramp;
    Keys' :math:`a = -0.5` is the classical choice (and scikit-image's / MATLAB's ``imresize``'s)."""
    m = y4.shape[-2]
    s = (torch.arange(m * k, dtype=torch.float64) + 0.5) / k - 0.5
    i0 = torch.floor(s)
    t = (s - i0).to(y4.dtype)
    out = 0
    for d in (-1, 0, 1, 2):
        idx = (i0.long() + d).clamp(0, m - 1).to(y4.device)
        w = _keys(t - d, a).to(y4.device)
        out = out + w[:, None] * y4.index_select(-2, idx)
    return out


class ThickSliceSR(nn.Module):
    r"""Through-plane super-resolution for any slice thickness :math:`k` in 2...6: ``net(y_thick, k) -> x_thin``.

    .. math::
        x = z + \mathcal S_k\big(\mathrm{CNN}_\theta([u,\ k/6])\big), \qquad z = \mathrm{linear}_k(y),

    the linear through-plane interpolation :math:`z` (:func:`through_plane`) plus a residual
    predicted by a plain CNN that also sees :math:`k` as a constant channel, so one network serves
    every thickness. Where the CNN runs is ``grid``:

    * ``"thin"``: on the thin grid, :math:`u = z` and :math:`\mathcal S_k` the identity
      (pre-upsampling: every convolution pays for all :math:`k m` rows);
    * ``"thick"``: on the measured thick grid, :math:`u = y`, the CNN ending in
      :math:`K = 6` channels, of which :math:`\mathcal S_k` takes the first :math:`k` and
      interleaves them along the rows (channel :math:`j` of thick row :math:`i` becomes thin row
      :math:`ik + j`; a one-axis pixel shuffle, post-upsampling). Each convolution costs :math:`k`
      times less and sees :math:`k` times more thin rows, so the same budget buys a wider, deeper
      network with a receptive field of several thick slices.

    Input ``(B, 1, m, W)`` (or ``(m, W)``, ``(B, m, W)``), output ``(B, 1, k m, W)`` (same layout as
    the input). The last convolution starts at zero: the untrained network is linear interpolation.

    Parameters
    ----------
    width : int
        Feature channels.
    depth : int
        Convolutions (>= 2), 3x3 each, ReLU between.
    grid : {"thin", "thick"}
        The grid the CNN runs on (see above).
    """

    def __init__(self, width: int = 32, depth: int = 6, grid: str = "thin"):
        super().__init__()
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=2, high=32)
        self.grid = check_choice(grid, "grid", ("thin", "thick"))
        check_size_budget(ThickSliceSR, width=width, depth=depth, grid=grid)
        self.body = zero_init_cnn(2, 1 if grid == "thin" else K_RANGE[1], width, depth)
        if grid == "thick":
            # He initialisation keeps the activations' scale through a deep plain ReLU stack; PyTorch's
            # default shrinks it ~2x per layer, and Adam's fixed-size steps then kill the tiny ReLUs.
            for conv in list(self.body)[:-1:2]:
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
                nn.init.zeros_(conv.bias)

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"width": self.width, "depth": self.depth, "grid": self.grid}

    def forward(self, y: torch.Tensor, k: int) -> torch.Tensor:
        """Thin slices from thick ones (see the class); ``k`` between 2 and 6."""
        y4, k, shape, dtype = _check_thick(self, y, k)
        if not K_RANGE[0] <= k <= K_RANGE[1]:
            raise ValueError(f"k must be between {K_RANGE[0]} and {K_RANGE[1]} for ThickSliceSR (the thicknesses it "
                             f"was built for), got {k}.")
        z = F.interpolate(y4, scale_factor=(k, 1), mode="bilinear", align_corners=False)
        if self.grid == "thin":
            r = self.body(torch.cat([z, torch.full_like(z, k / K_RANGE[1])], dim=1))
        else:
            b, _, m, w = y4.shape
            r = self.body(torch.cat([y4, torch.full_like(y4, k / K_RANGE[1])], dim=1))[:, :k]
            r = r.permute(0, 2, 1, 3).reshape(b, 1, m * k, w)      # channel j of row i -> thin row i k + j
        return _back(z + r, shape).to(dtype)
