"""U-Net (Ronneberger et al. 2015), small and configurable, and a noise-conditional U-Net denoiser.

Introduced in lecture 2 (model-agnostic reconstruction, plug-and-play) and used again in
lecture 4 (de-aliasing MR, sparse-view CT). The slide's diagram, level by level: two 3x3
convolutions with ReLU, 2x2 max-pooling down to the next level (half the size, twice the
channels); on the way back up a 2x2 transposed convolution doubles the size, the encoder's
features at that level are concatenated (the skip connection) and two more convolutions
follow; a final 1x1 convolution maps to the output channels.

Each level halves the resolution, so a U-Net of ``depth`` levels sees a region about
:math:`2^{\\text{depth}}` times wider than a plain CNN of the same cost: what a denoiser needs
to flatten large smooth areas at high noise, or a de-aliasing network to undo artefacts that
spread across the whole image.
"""
from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_choice, check_int
from ._common import as_image_batch, check_reconstructor_input, check_size_budget, gate
from .dncnn import noise_level_map

__all__ = ["UNet", "UNetDenoiser", "UNetReconstructor"]


def _double_conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Encoder-decoder with skip connections: ``(B, in_channels, H, W) -> (B, out_channels, H, W)``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and the output.
    width : int
        Channels of the first level; level :math:`\\ell` has ``width * 2**l``.
    depth : int
        Number of levels (``depth - 1`` poolings); 1 is a plain two-layer CNN.

    Notes
    -----
    Any ``H, W`` work: the input is reflect-padded up to a multiple of :math:`2^{\\text{depth}-1}`
    and the output cropped back.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, width: int = 32, depth: int = 3):
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels", low=1)
        self.out_channels = check_int(out_channels, "out_channels", low=1)
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=1)
        check_size_budget(UNet, in_channels=in_channels, out_channels=out_channels, width=width, depth=depth)
        chans = [width * 2**level for level in range(depth)]
        self.down = nn.ModuleList([_double_conv(in_channels, chans[0])] +
                                  [_double_conv(chans[i - 1], chans[i]) for i in range(1, depth)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(chans[i], chans[i - 1], 2, stride=2)
                                 for i in range(depth - 1, 0, -1)])
        self.merge = nn.ModuleList([_double_conv(2 * chans[i - 1], chans[i - 1]) for i in range(depth - 1, 0, -1)])
        self.head = nn.Conv2d(chans[0], out_channels, 1)

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "width": self.width, "depth": self.depth}

    @property
    def receptive_field(self) -> int:
        """Side of the square of input pixels one output pixel can depend on (at most).

        Each 3x3 convolution at level :math:`\\ell` widens it by :math:`2\\cdot 2^\\ell`, each
        pooling by :math:`2^\\ell`; transposed 2x2 convolutions and the 1x1 head add nothing:
        :math:`1 + \\sum_{\\ell<d} 4\\cdot 2^\\ell + \\sum_{\\ell<d-1} (2^\\ell + 4\\cdot 2^\\ell)`.
        """
        d = self.depth
        return 1 + sum(4 * 2**level for level in range(d)) + sum(5 * 2**level for level in range(d - 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_channels, H, W) -> (B, out_channels, H, W)``."""
        x, dtype = gate(self, x, "x")
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"x must be (B, {self.in_channels}, H, W), got shape {tuple(x.shape)}.")
        h, w = x.shape[-2:]
        m = 2 ** (self.depth - 1)
        ph, pw = (-h) % m, (-w) % m
        if ph or pw:
            mode = "reflect" if (ph < h and pw < w) else "replicate"
            x = F.pad(x, (0, pw, 0, ph), mode=mode)
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        skips.pop()
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat([up(x), skips.pop()], dim=1))
        return self.head(x)[..., :h, :w].to(dtype)


class UNetDenoiser(nn.Module):
    """Noise-conditional residual U-Net denoiser: ``denoiser(x, sigma) -> x``.

    .. math::
        D_\\theta(x, \\sigma) = x - \\mathrm{UNet}_\\theta\\big([\\,x,\\ \\sigma\\mathbf 1\\,]\\big),

    the same residual learning and noise-level map as :class:`~invlab.nets.DnCNN`, with a
    U-Net body whose receptive field spans the whole 256² image (DRUNet-style).

    Parameters
    ----------
    channels : int
        Image channels.
    width, depth : int
        Of the :class:`UNet` body.

    References
    ----------
    K. Zhang, Y. Li, W. Zuo, L. Zhang, L. Van Gool, R. Timofte, "Plug-and-play image restoration
    with deep denoiser prior", IEEE TPAMI 2021 (DRUNet: a noise-level map into a U-Net).
    """

    def __init__(self, channels: int = 1, width: int = 24, depth: int = 3):
        super().__init__()
        self.channels = check_int(channels, "channels", low=1)
        self.body = UNet(channels + 1, channels, width, depth)

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"channels": self.channels, "width": self.body.width, "depth": self.body.depth}

    @property
    def receptive_field(self) -> int:
        """The body's :attr:`UNet.receptive_field` (44 pixels for 3 levels)."""
        return self.body.receptive_field

    def forward(self, x: torch.Tensor, sigma=0.0) -> torch.Tensor:
        """Denoise ``(B, C, H, W)`` (or ``(H, W)``, ``(B, H, W)`` single-channel) at noise level ``sigma``."""
        x, shape, dtype = as_image_batch(self, x, self.channels)
        return (x - self.body(torch.cat([x, noise_level_map(x, sigma)], dim=1))).reshape(shape).to(dtype)


class UNetReconstructor(nn.Module):
    """Model-agnostic reconstruction with a residual U-Net: ``reconstructor(y, A) -> x``.

    .. math::
        x = z + \\mathrm{UNet}_\\theta(z), \\qquad z = A^{\\top}y \\ (\\texttt{input="adjoint"}),
        \\quad z = y \\ (\\texttt{"measurement"}) \\quad\\text{or}\\quad z = \\mathrm{FBP}(y) \\ (\\texttt{"fbp"}).

    The network sees :math:`A` only through the fixed map :math:`y \\mapsto z`: it learns to
    undo the artefacts of one forward model at one noise level (lecture 2's "model-agnostic"
    class) and has no data-consistency step, so it does not adapt when either changes.

    Parameters
    ----------
    width, depth : int
        Of the :class:`UNet` body (one input and one output channel).
    input : {"adjoint", "measurement", "fbp"}
        Feed :math:`A^{\\top}y` (any real operator on images), :math:`y` itself (only when
        :math:`y` is an image of the same shape as :math:`x`, e.g. denoising or deblurring), or
        the filtered back-projection ``A.fbp(y)`` (CT: the FBPConvNet of Jin et al. 2017, a
        residual U-Net that removes the streaks of sparse-view FBP).
    """

    def __init__(self, width: int = 32, depth: int = 3, input: str = "adjoint"):
        super().__init__()
        self.input = check_choice(input, "input", ("adjoint", "measurement", "fbp"))
        self.body = UNet(1, 1, width, depth)

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"width": self.body.width, "depth": self.body.depth, "input": self.input}

    def forward(self, y: torch.Tensor, A) -> torch.Tensor:
        """Reconstruct.

        Parameters
        ----------
        y : torch.Tensor
            Measurements ``(..., *A.out_shape)``, e.g. ``(B, 1, H, W)`` for a blur.
        A : LinearOperator
            The forward model (real, on images ``(H, W)``).

        Returns
        -------
        torch.Tensor
            ``x`` of shape ``(..., H, W)`` (the batch dimensions of ``y``).
        """
        y, batch, dtype = check_reconstructor_input(self, y, A)
        if self.input == "measurement":
            if A.out_shape != A.in_shape:
                raise ValueError(f"input='measurement' needs measurements shaped like the image, but A maps "
                                 f"{A.in_shape} -> {A.out_shape}; use input='adjoint'.")
            z = y
        elif self.input == "fbp":
            if not callable(getattr(A, "fbp", None)):
                raise ValueError(f"input='fbp' needs an operator with an fbp method (Radon), got {A!r}; "
                                 "use input='adjoint'.")
            z = A.fbp(y)
        else:
            z = A.adjoint(y)
        z4 = z.reshape(-1, 1, *A.in_shape)
        return (z4 + self.body(z4)).reshape(batch + A.in_shape).to(dtype)
