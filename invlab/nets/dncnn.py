"""A noise-conditional residual CNN denoiser (DnCNN with a noise-level map, FFDNet-style).

Introduced in lecture 2 (plug-and-play). The network sees the noisy image and a constant
map holding the noise level, and predicts the noise, which is subtracted:

.. math::
    D_\\theta(x, \\sigma) = x - f_\\theta\\big([\\,x,\\ \\sigma\\mathbf 1\\,]\\big).

One network therefore denoises at every :math:`\\sigma` it was trained on, which is what
plug-and-play needs: :func:`invlab.solvers.pnp` calls it with the noise level of the current
iterate, and a lecture slider can set the denoiser's strength.

References
----------
K. Zhang, W. Zuo, Y. Chen, D. Meng, L. Zhang, "Beyond a Gaussian denoiser: residual learning of
deep CNN for image denoising", IEEE TIP 2017 (DnCNN: residual learning). K. Zhang, W. Zuo,
L. Zhang, "FFDNet: toward a fast and flexible solution for CNN-based image denoising", IEEE TIP
2018 (the noise-level map). K. Zhang, W. Zuo, S. Gu, L. Zhang, "Learning deep CNN denoiser
prior for image restoration", CVPR 2017 (IRCNN: dilated convolutions for a larger receptive
field at the same cost).
"""
from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from .._checks import check_bool, check_int
from ._common import as_image_batch, check_size_budget

__all__ = ["DnCNN", "noise_level_map"]


def noise_level_map(x: torch.Tensor, sigma) -> torch.Tensor:
    """A ``(B, 1, H, W)`` map holding each image's noise level.

    Parameters
    ----------
    x : torch.Tensor
        ``(B, C, H, W)`` images.
    sigma : float or torch.Tensor
        A number for the whole batch, or a ``(B,)`` tensor (one level per image); finite and
        :math:`\\ge 0`, in image units (images live in :math:`[0, 1]`).
    """
    b, _, h, w = x.shape
    if isinstance(sigma, torch.Tensor):
        if sigma.ndim == 0:
            sigma = sigma.reshape(1).expand(b)
        if sigma.shape != (b,):
            raise ValueError(f"sigma as a tensor must have shape ({b},) (one level per image) or (), "
                             f"got {tuple(sigma.shape)}.")
        if not torch.isfinite(sigma).all() or (sigma < 0).any():
            raise ValueError(f"sigma must be finite and >= 0, got {sigma.tolist()}.")
        s = sigma.to(device=x.device, dtype=x.dtype)
    else:
        if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not math.isfinite(sigma) or sigma < 0:
            raise ValueError(f"sigma must be a finite number >= 0 or a (B,) tensor, got {sigma!r}.")
        s = torch.full((b,), float(sigma), device=x.device, dtype=x.dtype)
    return s.view(b, 1, 1, 1).expand(b, 1, h, w)


class DnCNN(nn.Module):
    """Residual CNN denoiser conditioned on the noise level: ``denoiser(x, sigma) -> x``.

    ``depth`` 3x3 convolutions with ``width`` channels and ReLUs (no batch norm, so the
    network behaves the same in train and eval mode and on a single image); the input is the
    image stacked with :func:`noise_level_map`, the output the estimated noise, subtracted
    from the input (residual learning).

    Parameters
    ----------
    channels : int
        Image channels (1 for the course's grayscale images).
    width : int
        Feature channels of the hidden layers.
    depth : int
        Number of convolutions (2 to 256; channels at most 64).
    dilations : sequence of int, optional
        Dilation of each of the ``depth - 2`` hidden convolutions (default: all 1, the
        original DnCNN). E.g. ``(1, 2, 3, 4, 3, 2)`` roughly doubles the receptive field at the
        same cost (IRCNN).
    conditional : bool
        Feed the noise-level map as an extra input channel (default). ``False`` gives a
        blind denoiser that ignores ``sigma``.

    Notes
    -----
    The receptive field is :math:`3 + 2\\sum_k d_k` pixels for the hidden dilations
    :math:`d_k` (plus the first and last layers): see :attr:`receptive_field`.
    Padding is zero-padding, so any ``H, W`` (odd sizes included) work.
    """

    def __init__(self, channels: int = 1, width: int = 32, depth: int = 8, dilations=None,
                 conditional: bool = True):
        super().__init__()
        for name, v, lo, hi in (("channels", channels, 1, 64), ("width", width, 1, None), ("depth", depth, 2, 256)):
            check_int(v, name, low=lo, high=hi)
        dilations = (1,) * (depth - 2) if dilations is None else tuple(dilations)
        if len(dilations) != depth - 2 or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                                                  and d >= 1 for d in dilations):
            raise ValueError(f"dilations must be {depth - 2} positive integers (one per hidden layer), "
                             f"got {dilations!r}.")
        check_bool(conditional, "conditional")
        check_size_budget(DnCNN, channels=channels, width=width, depth=depth, dilations=dilations)
        self.channels, self.width, self.depth = int(channels), int(width), int(depth)
        self.dilations, self.conditional = tuple(int(d) for d in dilations), conditional
        layers = [nn.Conv2d(channels + int(conditional), width, 3, padding=1), nn.ReLU(inplace=True)]
        for d in self.dilations:
            layers += [nn.Conv2d(width, width, 3, padding=d, dilation=d), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(width, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def config(self) -> dict:
        """The constructor arguments (what :mod:`invlab.pretrained` stores to rebuild the net)."""
        return {"channels": self.channels, "width": self.width, "depth": self.depth,
                "dilations": list(self.dilations), "conditional": self.conditional}

    @property
    def receptive_field(self) -> int:
        """Side of the square of input pixels that one output pixel depends on."""
        return 5 + 2 * sum(self.dilations)

    def forward(self, x: torch.Tensor, sigma=0.0) -> torch.Tensor:
        """Denoise.

        Parameters
        ----------
        x : torch.Tensor
            Noisy images ``(B, C, H, W)``; ``(H, W)`` and ``(B, H, W)`` (single channel) are
            accepted too and returned in the same shape.
        sigma : float or torch.Tensor
            Noise standard deviation in image units, a number or ``(B,)``.

        Returns
        -------
        torch.Tensor
            The denoised images, same shape as ``x``.
        """
        x, shape, dtype = as_image_batch(self, x, self.channels)
        level = noise_level_map(x, sigma)  # validates sigma, also for a blind net
        inp = torch.cat([x, level], dim=1) if self.conditional else x
        return (x - self.body(inp)).reshape(shape).to(dtype)
