"""The deep image prior's generator: an hourglass network with a fixed noise input (lecture 3b).

Ulyanov, Vedaldi and Lempitsky (CVPR 2018) observed that a randomly initialised convolutional
encoder-decoder :math:`\\Psi(z_0; w)`, fitted to *one* image by gradient descent on its weights
:math:`w` (the input :math:`z_0` is fixed noise), reproduces natural structure long before it
reproduces noise. The network is then a parameterisation of the unknown image,

.. math::
    \\hat w = \\arg\\min_w \\tfrac12 \\|A\\,\\Psi(z_0; w) - y\\|_2^2, \\qquad \\hat x = \\Psi(z_0; \\hat w),

and the architecture, with the number of iterations, is the only prior: no training set, no
shipped weights (:func:`invlab.solvers.dip` runs the fit).

The paper's hourglass has 128 channels at each of 5 levels (about 2 M parameters) and takes
seconds per iteration on a laptop CPU. :class:`DIPNet` keeps its shape (strided-convolution
encoder, bilinear-upsampling decoder, thin skip connections, normalisation and leaky ReLUs, a
sigmoid output in :math:`[0, 1]`) at 16 channels, so a 128x128 fit runs at about 35 ms per
iteration on 2 cores.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_int, check_shape, make_generator
from ..solvers.dip import _set_default_net
from ._common import check_size_budget, gate

__all__ = ["DIPNet"]


def _conv(c_in: int, c_out: int, k: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, padding_mode="reflect")


def _act(c: int) -> list[nn.Module]:
    # instance normalisation = the paper's BatchNorm on a batch of one, without the train/eval split
    return [nn.InstanceNorm2d(c, affine=True), nn.LeakyReLU(0.2)]


class DIPNet(nn.Module):
    """Hourglass generator :math:`\\Psi(z_0; w)` of the deep image prior, with its noise input.

    ``net()`` returns :math:`\\Psi(z_0; w)`, a ``(1, out_channels, H, W)`` image in :math:`[0, 1]`;
    ``net(z)`` evaluates it at another input of ``z0``'s shape (the solver perturbs :math:`z_0`
    slightly at each step, as the paper does).

    Level :math:`\\ell = 1, \\dots,` ``depth``: a stride-2 :math:`3\\times3` convolution halves the
    size, a second one mixes; the decoder upsamples bilinearly, concatenates a ``skip``-channel
    :math:`1\\times1` projection of the encoder's input at that level, and applies a
    :math:`3\\times3` and a :math:`1\\times1` convolution. Every convolution is followed by
    instance normalisation and a leaky ReLU; a :math:`1\\times1` convolution and a sigmoid give
    the image.

    Parameters
    ----------
    shape : tuple of int
        The image size ``(H, W)``, each at least 1. Any size works: :math:`z_0` is drawn at the
        next multiple of :math:`2^{\\text{depth}}` (at least :math:`2^{\\text{depth}+1}`, so the
        coarsest level has 2x2 pixels) and the output is cropped back to ``(H, W)``.
    width : int
        Channels of every level (the paper: 128; here 16 for the CPU).
    depth : int
        Number of levels (downsamplings), 1 to 8.
    skip : int
        Channels of each skip connection (0: no skips, a plain encoder-decoder).
    in_channels : int
        Channels of the noise input :math:`z_0` (the paper: 32).
    out_channels : int
        Channels of the image (1 for the course's grayscale images).
    seed : int or torch.Generator
        Seeds both the weights' initialisation and :math:`z_0 \\sim \\mathcal U(0, 0.1)`:
        the same seed gives the same network.
    """

    def __init__(self, shape=(128, 128), width: int = 16, depth: int = 5, skip: int = 4, in_channels: int = 32,
                 out_channels: int = 1, seed=0):
        super().__init__()
        self.shape = check_shape(shape, "shape", ndim=2)
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=1, high=8)
        self.skip = check_int(skip, "skip", low=0)
        self.in_channels = check_int(in_channels, "in_channels", low=1)
        self.out_channels = check_int(out_channels, "out_channels", low=1)
        check_size_budget(DIPNet, shape=self.shape, width=width, depth=depth, skip=skip, in_channels=in_channels,
                          out_channels=out_channels)
        gen = make_generator(seed, name="seed")
        m = 2 ** self.depth
        padded = tuple(max(-(-n // m) * m, 2 * m) for n in self.shape)
        if padded[0] * padded[1] * self.in_channels > 2**26:
            raise ValueError(f"shape={self.shape} is too large for DIPNet: z0 would have {padded[0] * padded[1] * in_channels:,} "
                             f"entries (at most {2**26:,}).")
        c = self.width
        self.down = nn.ModuleList([nn.Sequential(_conv(in_channels if i == 0 else c, c, 3, 2), *_act(c),
                                                 _conv(c, c, 3), *_act(c)) for i in range(self.depth)])
        self.skips = nn.ModuleList([nn.Sequential(_conv(in_channels if i == 0 else c, skip, 1), *_act(skip))
                                    if skip else nn.Identity() for i in range(self.depth)])
        self.up = nn.ModuleList([nn.Sequential(_conv(c + skip, c, 3), *_act(c), _conv(c, c, 1), *_act(c))
                                 for _ in range(self.depth)])
        self.out = _conv(c, self.out_channels, 1)
        if not self.out.weight.is_meta:
            self._init(gen)
            z0 = torch.rand((1, self.in_channels, *padded), generator=gen) * 0.1
        else:
            z0 = torch.empty((1, self.in_channels, *padded), device="meta")
        self.register_buffer("z0", z0)

    def _init(self, gen: torch.Generator) -> None:
        """Kaiming-uniform weights (PyTorch's default rule for convolutions), drawn from ``gen``."""
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    fan_in = m.weight[0].numel()
                    bound = 1 / fan_in**0.5
                    m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 2 * bound - bound)
                    m.bias.copy_(torch.rand(m.bias.shape, generator=gen) * 2 * bound - bound)

    def forward(self, z=None) -> torch.Tensor:
        """:math:`\\Psi(z; w)` cropped to ``shape``; ``z`` defaults to the fixed input :math:`z_0`."""
        if z is None:
            z, dtype = self.z0, self.z0.dtype
        else:
            z, dtype = gate(self, z, "z")
            if z.shape[1:] != self.z0.shape[1:]:
                raise ValueError(f"z must have shape (B, {', '.join(map(str, self.z0.shape[1:]))}) like net.z0, "
                                 f"got {tuple(z.shape)}.")
        feats, h = [], z
        for down, skip in zip(self.down, self.skips):
            feats.append(skip(h) if self.skip else None)
            h = down(h)
        for up, f in zip(reversed(self.up), reversed(feats)):
            h = F.interpolate(h, scale_factor=2, mode="bilinear", align_corners=False)
            h = up(torch.cat([h, f], 1) if f is not None else h)
        x = torch.sigmoid(self.out(h))
        return x[..., :self.shape[0], :self.shape[1]].to(dtype)

    def extra_repr(self) -> str:
        return f"shape={self.shape}, width={self.width}, depth={self.depth}, skip={self.skip}"


# dip(net=None) builds a DIPNet; the solver sits left of the networks and cannot import it
_set_default_net(DIPNet)
