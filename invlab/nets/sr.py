"""Super-resolution networks and upsampling layers (lecture 3).

The forward model is :class:`invlab.operators.Downsample`: :math:`y = S_f B_\\sigma x` (Gaussian
anti-alias blur of :math:`\\sigma = f/2` high-resolution pixels, then keep pixel :math:`(f i, f j)`).
A super-resolution network ``sr_net(y) -> x`` maps a low-resolution image of ``(h, w)`` pixels
to ``(f h, f w)``; ``sr_net.factor`` is :math:`f`.

**Upsampling as layers.** Every classical interpolation is a transposed convolution with fixed
weights: the low-resolution pixel :math:`y_j` adds :math:`y_j\\,\\varphi\\big(s(i) - j\\big)` to
output pixel :math:`i`, where :math:`s(i)` is the position of :math:`i` in input coordinates and
:math:`\\varphi` the interpolation kernel (a box for nearest, a tent for linear, Keys' cubic for
bicubic). Since :math:`s(i) - j` depends on :math:`i - f j` only, the weights repeat with period
:math:`f`: that is a transposed convolution of stride :math:`f` (:class:`InterpUpsample`).
Replace the fixed weights by learned ones and you have a learned transposed convolution; a
:math:`3\\times3` convolution to :math:`f^2` channels followed by a *pixel shuffle* is the
same family computed more cheaply (:class:`SubPixelConv`, Shi et al. 2016). Overlapping
kernels of a strided transposed convolution add up unevenly: :func:`checkerboard` shows the
pattern (Odena, Dumoulin and Olah, "Deconvolution and checkerboard artifacts", Distill 2016).

**Four frameworks** (Wang, Chen and Hoi, "Deep learning for image super-resolution: a survey",
TPAMI 2020), built here at the same parameter budget, :data:`BUDGET` :math:`\\pm 10\\,\\%`,
so that a comparison measures the framework and not the size:

* :class:`SRPost` — *post-upsampling* (ESPCN / FSRCNN): all convolutions at low resolution,
  one sub-pixel layer at the end;
* :class:`SRPre` — *pre-upsampling* (SRCNN / VDSR): interpolate first, then a residual CNN at
  high resolution;
* :class:`SRProgressive` — *progressive upsampling* (LapSRN): a cascade of :math:`\\times 2`
  stages, each predicting the residual over the interpolation of its input;
* :class:`SRIterative` — *iterative up-and-down sampling* (DBPN): alternating up- and
  down-projection units that feed back the error of projecting down again.

Each of them adds its learned correction to the fixed bicubic interpolation on the operator's
sampling grid, so an untrained network already returns the bicubic image.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_choice, check_int
from ._common import as_image_batch, check_size_budget

__all__ = ["InterpUpsample", "SubPixelConv", "icnr_", "checkerboard", "SRPost", "SRPre", "SRProgressive",
           "SRIterative", "PatchDiscriminator", "BUDGET", "SR_CLASSES"]

#: The parameter budget of every shipped super-resolution network (each within 10 % of it).
BUDGET = 100_000


# --------------------------------------------------------------------------- interpolation kernels

def _box(t: torch.Tensor) -> torch.Tensor:
    return ((t >= -0.5) & (t < 0.5)).to(t.dtype)


def _tent(t: torch.Tensor) -> torch.Tensor:
    return (1 - t.abs()).clamp(min=0)


def _keys(t: torch.Tensor, a: float = -0.75) -> torch.Tensor:
    t = t.abs()
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return torch.where(t <= 1, near, torch.where(t < 2, far, torch.zeros_like(t)))


_KERNELS = {"nearest": (_box, 0.5), "bilinear": (_tent, 1.0), "bicubic": (_keys, 2.0)}


class InterpUpsample(nn.Module):
    """Nearest, bilinear or bicubic upsampling by ``factor`` written as a fixed transposed convolution.

    Output pixel :math:`i` (per axis) lies at input position :math:`s(i)` and receives
    :math:`\\sum_j y_j\\,\\varphi\\big(s(i) - j\\big)` with the kernel :math:`\\varphi` of ``mode``;
    :math:`s(i) - j` depends only on :math:`d = i - f j`, so the weights
    :math:`w[d] = \\varphi(s(d))` are those of a transposed convolution of stride :math:`f`
    (separable: the 2-D kernel is :math:`w w^\\top`). Two conventions for :math:`s`:

    * ``align="centre"``: :math:`s(i) = (i + \\tfrac12)/f - \\tfrac12` (input pixels at the
      centres of :math:`f\\times f` blocks), what ``torch.nn.functional.interpolate`` with
      ``scale_factor=f`` and ``align_corners=False`` computes;
    * ``align="grid"``: :math:`s(i) = i/f` (input pixel :math:`j` sampled at output pixel
      :math:`f j`), the grid of :class:`~invlab.operators.Downsample`, what its
      :meth:`~invlab.operators.Downsample.interpolate` computes.

    Beyond the border the input is continued by its edge value (replicate padding), which is
    ``interpolate``'s convention too; the test suite checks both to float precision, borders
    included. The weights are a buffer, not parameters: they are never trained.

    Parameters
    ----------
    factor : int
        Integer scale factor :math:`f \\geq 1`.
    mode : {"nearest", "bilinear", "bicubic"}
        Interpolation kernel (bicubic: Keys' cubic convolution with :math:`a = -0.75`).
    align : {"centre", "grid"}
        Where the input samples sit (above).
    """

    def __init__(self, factor: int, mode: str = "bilinear", align: str = "centre"):
        super().__init__()
        self.factor = check_int(factor, "factor", low=1, high=16)
        self.mode = check_choice(mode, "mode", tuple(_KERNELS))
        self.align = check_choice(align, "align", ("centre", "grid"))
        f = self.factor
        phi, radius = _KERNELS[mode]
        centre = align == "centre"

        def position(d):  # s(i) - j as a function of d = i - f j
            return (d + 0.5) / f - 0.5 if centre else d / f

        # d covers every offset at which phi can be non-zero
        lo = math.floor(f * (-radius + (0.5 if centre else 0)) - (0.5 if centre else 0)) - 1
        hi = math.ceil(f * (radius + (0.5 if centre else 0)) - (0.5 if centre else 0)) + 1
        d = torch.arange(lo, hi + 1, dtype=torch.float64)
        w = phi(position(d))
        self.pad = math.ceil(radius) + 1
        self.offset = f * self.pad - lo        # where output pixel 0 lands in the transposed convolution
        self.register_buffer("weight", torch.outer(w, w)[None, None], persistent=False)  # float64, cast per call

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """Upsample ``y`` ``(B, C, h, w)`` to ``(B, C, f h, f w)`` (each channel on its own)."""
        B, C, h, w = y.shape
        f, p = self.factor, self.pad
        z = F.pad(y.reshape(B * C, 1, h, w), (p, p, p, p), mode="replicate")
        z = F.conv_transpose2d(z, self.weight.to(z.dtype), stride=f)
        o = self.offset
        return z[..., o:o + f * h, o:o + f * w].reshape(B, C, f * h, f * w)

    def extra_repr(self) -> str:
        return f"factor={self.factor}, mode={self.mode!r}, align={self.align!r}, kernel={self.weight.shape[-1]}"


def icnr_(weight: torch.Tensor, factor: int, init=nn.init.kaiming_normal_) -> torch.Tensor:
    """ICNR initialisation (Aitken et al. 2017) of a convolution that feeds a pixel shuffle, in place.

    A convolution to :math:`C f^2` channels followed by ``nn.PixelShuffle(f)`` writes channel
    :math:`c f^2 + k` to sub-pixel position :math:`k` of output channel :math:`c`. Drawing the
    weights of the :math:`C` channels once and repeating each :math:`f^2` times makes every
    sub-pixel of a block equal at initialisation: the layer starts as "convolve, then nearest
    upsample", which has no checkerboard (:func:`checkerboard`).
    """
    factor = check_int(factor, "factor", low=1, high=16)
    if not isinstance(weight, torch.Tensor) or weight.ndim != 4:
        raise TypeError(f"weight must be a convolution's 4-D weight tensor, got {type(weight).__name__}.")
    out_channels = weight.shape[0]
    if out_channels % (factor * factor):
        raise ValueError(f"weight has {out_channels} output channels, which is not a multiple of factor^2 = "
                         f"{factor * factor}.")
    with torch.no_grad():
        base = torch.empty((out_channels // factor ** 2,) + tuple(weight.shape[1:]), dtype=weight.dtype)
        init(base)
        weight.copy_(base.repeat_interleave(factor * factor, dim=0))
    return weight


class SubPixelConv(nn.Module):
    """Sub-pixel convolution: a :math:`k\\times k` convolution to ``out_channels`` :math:`\\cdot f^2` channels, then a pixel shuffle.

    ``nn.PixelShuffle(f)`` rearranges ``(B, C f^2, h, w)`` into ``(B, C, f h, f w)``:
    :math:`\\text{out}[c, f i + a, f j + b] = \\text{in}[c f^2 + a f + b, i, j]`. Shi et al.
    (CVPR 2016) show this equals a transposed convolution of stride :math:`f` with a
    :math:`k f` kernel, computed at low resolution. With ``icnr=True`` the convolution starts
    by :func:`icnr_`.
    """

    def __init__(self, in_channels: int, out_channels: int, factor: int, kernel_size: int = 3, icnr: bool = True):
        super().__init__()
        self.factor = check_int(factor, "factor", low=1, high=16)
        kernel_size = check_int(kernel_size, "kernel_size", low=1)
        self.conv = nn.Conv2d(in_channels, out_channels * factor ** 2, kernel_size, padding=kernel_size // 2)
        if icnr:
            icnr_(self.conv.weight, factor)
            nn.init.zeros_(self.conv.bias)
        self.shuffle = nn.PixelShuffle(factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shuffle(self.conv(x))


def checkerboard(method: str = "transposed", kernel_size: int = 3, stride: int = 2, size: int = 12,
                 init: str = "ones", seed: int = 0) -> torch.Tensor:
    """What an upsampling layer makes of a constant image: the checkerboard, or its absence.

    A constant input of ``size`` x ``size`` ones goes through one untrained upsampling layer by
    ``stride``, single channel, no bias:

    * ``"transposed"``: a transposed convolution with a ``kernel_size`` kernel and that stride.
      Output pixel :math:`i` receives one tap from every input pixel whose kernel covers it, and
      their number varies with :math:`i \\bmod s` unless :math:`s` divides :math:`k` (with
      ``init="ones"`` the output counts them: 1, 2, 1, 2, ... for :math:`k = 3, s = 2`). With
      random weights the sum differs by sub-pixel position even when :math:`s` divides :math:`k`;
    * ``"resize"``: nearest upsampling, then a :math:`k\\times k` convolution (Odena et al.'s fix):
      every interior pixel sees the same taps, so the interior is flat;
    * ``"subpixel"``: a convolution to :math:`s^2` channels and a pixel shuffle (uneven like the
      transposed convolution with random weights);
    * ``"icnr"``: the same with :func:`icnr_` weights: flat.

    Parameters
    ----------
    method : {"transposed", "resize", "subpixel", "icnr"}
    kernel_size, stride : int
        The layer's kernel side :math:`k \\geq 1` and upsampling factor :math:`s \\geq 1`.
    size : int
        Side of the constant input.
    init : {"ones", "random"}
        All weights 1 (overlap counting; ``"icnr"`` then equals ``"subpixel"``) or seeded normal.
    seed : int
        Seed of the random weights.

    Returns
    -------
    torch.Tensor
        The ``(size * stride, size * stride)`` output (transposed: cropped by ``kernel_size // 2``
        at the start like a "same" layer), divided by its interior mean so 1 means flat.
    """
    check_choice(method, "method", ("transposed", "resize", "subpixel", "icnr"))
    k = check_int(kernel_size, "kernel_size", low=1, high=15)
    s = check_int(stride, "stride", low=1, high=8)
    n = check_int(size, "size", low=2, high=256)
    check_choice(init, "init", ("ones", "random"))
    g = torch.Generator().manual_seed(check_int(seed, "seed", low=0))
    x = torch.ones(1, 1, n, n)

    def weights(*shape):
        return torch.ones(shape) if init == "ones" else torch.randn(shape, generator=g)

    if method == "transposed":
        out = F.conv_transpose2d(x, weights(1, 1, k, k), stride=s)[..., k // 2:k // 2 + n * s, k // 2:k // 2 + n * s]
        out = F.pad(out, (0, n * s - out.shape[-1], 0, n * s - out.shape[-2]))
    elif method == "resize":
        out = F.conv2d(F.interpolate(x, scale_factor=s, mode="nearest"), weights(1, 1, k, k), padding=k // 2)
    else:
        w = weights(s * s, 1, k, k)
        if method == "icnr":
            w = w[:1].repeat(s * s, 1, 1, 1)
        out = F.pixel_shuffle(F.conv2d(x, w, padding=k // 2), s)
    out = out[0, 0]
    m = max(k, 2 * s)
    interior = out[m:-m, m:-m] if out.shape[-1] > 2 * m + 2 else out
    return out / interior.mean()


# --------------------------------------------------------------------------- the four frameworks

def _conv(c_in: int, c_out: int, k: int = 3) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, padding=k // 2)


class _SRNet(nn.Module):
    """Shared call shape of the super-resolution networks: ``net(y) -> x``, ``net.factor``.

    Subclasses implement ``_sr(y, factor)`` on ``(B, 1, h, w)`` float tensors; the input gate
    (:func:`~invlab.nets._common.as_image_batch`) refuses non-tensors, integer, complex and
    non-finite input, and the output keeps the input's layout ``(h, w)``, ``(B, h, w)`` or
    ``(B, 1, h, w)`` and dtype.
    """

    factors: tuple = ()

    def __init__(self, factor: int):
        super().__init__()
        self.factor = check_int(factor, "factor", low=2, high=8)
        self.upsample = InterpUpsample(self.factor, "bicubic", align="grid")

    def forward(self, y: torch.Tensor, factor: int | None = None) -> torch.Tensor:
        """Super-resolve ``y`` by ``factor`` (default :attr:`factor`; a network serves only the factors it was built for).

        Parameters
        ----------
        y : torch.Tensor
            Low-resolution images ``(B, 1, h, w)``, ``(B, h, w)`` or ``(h, w)``, in :math:`[0, 1]`.
        factor : int, optional
            The scale factor; ``None`` means :attr:`factor`. :class:`SRProgressive` also serves
            every power of two below its own (its first stages).

        Returns
        -------
        torch.Tensor
            ``(…, f h, f w)`` in ``y``'s layout and dtype (not clipped).
        """
        served = self.factors or (self.factor,)
        f = self.factor if factor is None else factor
        if isinstance(f, bool) or not isinstance(f, int) or f not in served:
            raise ValueError(f"{type(self).__name__} was built for x{self.factor} and serves factor "
                             f"{' or '.join(str(s) for s in served)}, got factor={factor!r}; use a network built for "
                             "that factor (invlab.pretrained.available() lists the shipped ones).")
        x, shape, dtype = as_image_batch(self, y, 1)
        out = self._sr(x, f)
        return out.reshape(shape[:-2] + out.shape[-2:]).to(dtype)


class SRPost(_SRNet):
    """Post-upsampling (ESPCN / FSRCNN-like): every convolution at low resolution, then a sub-pixel layer.

    .. math::
        \\hat x = U_{\\text{bicubic}}\\,y + \\mathrm{PS}_f\\big(W_{\\text{out}} * \\phi_d(\\cdots
        \\phi_1(W_1 * y))\\big),

    :math:`\\phi_\\ell` a :math:`3\\times3` convolution and ReLU (:math:`5\\times5` for the first),
    :math:`\\mathrm{PS}_f` the pixel shuffle with ICNR initialisation. Cheapest of the four per
    output pixel: the features live on :math:`1/f^2` of the pixels.

    Parameters
    ----------
    factor : int
        Scale factor (2-8).
    width : int
        Feature channels.
    depth : int
        Number of :math:`3\\times3` feature layers after the first.
    """

    def __init__(self, factor: int = 4, width: int = 56, depth: int = 3):
        check_int(depth, "depth", low=0, high=64)  # before the budget probe builds it
        check_size_budget(SRPost, factor=factor, width=width, depth=depth)
        super().__init__(factor)
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=0)
        layers = [_conv(1, width, 5), nn.ReLU(inplace=True)]
        for _ in range(depth):
            layers += [_conv(width, width), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.tail = SubPixelConv(width, 1, self.factor)
        with torch.no_grad():
            self.tail.conv.weight.mul_(0.1)

    def config(self) -> dict:
        return {"factor": self.factor, "width": self.width, "depth": self.depth}

    def _sr(self, y, factor):
        return self.upsample(y) + self.tail(self.features(y))


class SRPre(_SRNet):
    """Pre-upsampling (SRCNN / VDSR-like): bicubic interpolation first, then a residual CNN at high resolution.

    .. math::
        u = U_{\\text{bicubic}}\\,y, \\qquad \\hat x = u + W_{\\text{out}} * \\phi_d(\\cdots\\phi_1(W_1 * u)),

    with :math:`3\\times3` convolutions and ReLUs. The same network serves any factor it was
    trained for; every layer runs on all :math:`f^2 h w` output pixels, so it costs
    :math:`f^2` times more than :class:`SRPost` per parameter.
    """

    def __init__(self, factor: int = 4, width: int = 32, depth: int = 10):
        check_int(depth, "depth", low=0, high=64)  # before the budget probe builds it
        check_size_budget(SRPre, factor=factor, width=width, depth=depth)
        super().__init__(factor)
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=0)
        # in-place ReLUs: every activation is f^2 h w x width floats (8 MB at 256^2, width 32); not allocating
        # a second buffer per layer saves about a sixth of the forward time on the CPU (benchmarks/bench_sr.py)
        layers = [_conv(1, width), nn.ReLU(inplace=True)]
        for _ in range(depth):
            layers += [_conv(width, width), nn.ReLU(inplace=True)]
        layers.append(_conv(width, 1))
        self.body = nn.Sequential(*layers)
        with torch.no_grad():
            self.body[-1].weight.mul_(0.1)
        # channels-last convolutions run about twice as fast on the CPU at these widths (same arithmetic)
        self.body.to(memory_format=torch.channels_last)

    def config(self) -> dict:
        return {"factor": self.factor, "width": self.width, "depth": self.depth}

    def _sr(self, y, factor):
        u = self.upsample(y)
        return u + self.body(u.contiguous(memory_format=torch.channels_last)).contiguous()


class _Stage(nn.Module):
    """One x2 stage of :class:`SRProgressive`: ``x -> U2 x + PS2(CNN(x))``."""

    def __init__(self, width: int, depth: int):
        super().__init__()
        layers = [_conv(1, width, 5), nn.ReLU(inplace=True)]
        for _ in range(depth):
            layers += [_conv(width, width), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.tail = SubPixelConv(width, 1, 2)
        with torch.no_grad():
            self.tail.conv.weight.mul_(0.1)

    def forward(self, x, up):
        return up(x) + self.tail(self.features(x))


class SRProgressive(_SRNet):
    """Progressive upsampling (LapSRN-like): a cascade of :math:`\\log_2 f` stages, each doubling the size.

    .. math::
        \\hat x^{(0)} = y, \\qquad \\hat x^{(s)} = U_2\\,\\hat x^{(s-1)} + R_s\\big(\\hat x^{(s-1)}\\big),

    :math:`U_2` the fixed bicubic :math:`\\times2` layer and :math:`R_s` a post-upsampling
    residual branch. Trained with a loss at every scale, stage 1 alone is a :math:`\\times2`
    network: ``net(y, factor=2)`` runs the first stage only.
    """

    def __init__(self, factor: int = 4, width: int = 52, depth: int = 2):
        check_int(depth, "depth", low=0, high=64)  # before the budget probe builds it
        check_size_budget(SRProgressive, factor=factor, width=width, depth=depth)
        super().__init__(factor)
        if self.factor & (self.factor - 1):
            raise ValueError(f"factor must be a power of two for SRProgressive (a cascade of x2 stages), got {factor}.")
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=0)
        n = int(math.log2(self.factor))
        self.stages = nn.ModuleList(_Stage(width, depth) for _ in range(n))
        self.up2 = InterpUpsample(2, "bicubic", align="grid")
        self.factors = tuple(2 ** (s + 1) for s in range(n))

    def config(self) -> dict:
        return {"factor": self.factor, "width": self.width, "depth": self.depth}

    def _sr(self, y, factor):
        x = y
        for stage in self.stages[:int(math.log2(factor))]:
            x = stage(x, self.up2)
        return x

    def pyramid(self, y: torch.Tensor) -> list[torch.Tensor]:
        """Every stage's output for ``y`` ``(B, 1, h, w)``: ``[x2, x4, ...]`` (the multi-scale training loss)."""
        x, out = y, []
        for stage in self.stages:
            x = stage(x, self.up2)
            out.append(x)
        return out


def _projection_kernel(factor: int) -> tuple[int, int]:
    """DBPN's (kernel, padding) for a stride-``factor`` projection: 6/2 at x2, 8/2 at x4, 12/2 at x8."""
    return {2: (6, 2), 4: (8, 2), 8: (12, 2)}.get(factor, (factor + 4, 2))


class _UpProjection(nn.Module):
    """:math:`H_0 = D^\\top L`, :math:`L_0 = D H_0`, :math:`H_1 = D'^\\top (L_0 - L)`, return :math:`H_0 + H_1`."""

    def __init__(self, c, f):
        super().__init__()
        k, p = _projection_kernel(f)
        self.up1 = nn.ConvTranspose2d(c, c, k, f, p)
        self.down = nn.Conv2d(c, c, k, f, p)
        self.up2 = nn.ConvTranspose2d(c, c, k, f, p)
        self.act = nn.PReLU(c)

    def forward(self, L):
        H0 = self.act(self.up1(L))
        L0 = self.act(self.down(H0))
        return H0 + self.act(self.up2(L0 - L))


class _DownProjection(nn.Module):
    """:math:`L_0 = D H`, :math:`H_0 = D^\\top L_0`, :math:`L_1 = D'(H_0 - H)`, return :math:`L_0 + L_1`."""

    def __init__(self, c, f):
        super().__init__()
        k, p = _projection_kernel(f)
        self.down1 = nn.Conv2d(c, c, k, f, p)
        self.up = nn.ConvTranspose2d(c, c, k, f, p)
        self.down2 = nn.Conv2d(c, c, k, f, p)
        self.act = nn.PReLU(c)

    def forward(self, H):
        L0 = self.act(self.down1(H))
        H0 = self.act(self.up(L0))
        return L0 + self.act(self.down2(H0 - H))


class SRIterative(_SRNet):
    """Iterative up-and-down sampling (DBPN-like): back-projection units that correct their own error.

    Features :math:`L^{(0)} = \\phi(W * y)` at low resolution; then ``stages`` up-projections
    :math:`H^{(t)} = \\mathcal U(L^{(t-1)})` with down-projections
    :math:`L^{(t)} = \\mathcal D(H^{(t)})` between them. An up-projection upsamples
    (:math:`H_0`), projects back down (:math:`L_0`), and upsamples the *error*
    :math:`L_0 - L` to correct itself; a down-projection does the reverse, like iterative
    back-projection (Irani and Peleg 1991) with learned operators. The image is a
    :math:`3\\times3` convolution of all :math:`H^{(t)}` plus the bicubic interpolation.
    """

    def __init__(self, factor: int = 4, width: int = 13, stages: int = 2):
        check_int(stages, "stages", low=1, high=64)  # before the budget probe builds it
        check_size_budget(SRIterative, factor=factor, width=width, stages=stages)
        super().__init__(factor)
        self.width = check_int(width, "width", low=1)
        self.stages = check_int(stages, "stages", low=1)
        self.features = nn.Sequential(_conv(1, 4 * width), nn.PReLU(4 * width), nn.Conv2d(4 * width, width, 1),
                                      nn.PReLU(width))
        self.ups = nn.ModuleList(_UpProjection(width, self.factor) for _ in range(self.stages))
        self.downs = nn.ModuleList(_DownProjection(width, self.factor) for _ in range(self.stages - 1))
        self.out = _conv(width * self.stages, 1)
        with torch.no_grad():
            self.out.weight.mul_(0.1)

    def config(self) -> dict:
        return {"factor": self.factor, "width": self.width, "stages": self.stages}

    def _sr(self, y, factor):
        L = self.features(y)
        hs = []
        for t, up in enumerate(self.ups):
            hs.append(up(L))
            if t < len(self.downs):
                L = self.downs[t](hs[-1])
        return self.upsample(y) + self.out(torch.cat(hs, 1))


class PatchDiscriminator(nn.Module):
    r"""A small patch discriminator for adversarial super-resolution: ``D(x) -> logits`` per region.

    Four :math:`4\times4` stride-2 convolutions (``width``, 2 ``width``, 4 ``width``, 4 ``width``
    channels, leaky ReLU 0.2) and a :math:`3\times3` convolution to one logit per
    :math:`16\times16`-pixel neighbourhood (receptive field 61 pixels), as in the PatchGAN of
    Isola et al. (CVPR 2017): it judges local texture, which is what an SR network invents.
    """

    def __init__(self, width: int = 16):
        check_size_budget(PatchDiscriminator, width=width)
        super().__init__()
        self.width = check_int(width, "width", low=1)
        c = [1, width, 2 * width, 4 * width, 4 * width]
        layers = []
        for a, b in zip(c[:-1], c[1:]):
            layers += [nn.Conv2d(a, b, 4, 2, 1), nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(c[-1], 1, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def config(self) -> dict:
        return {"width": self.width}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, 1, H/16, W/16)`` for images ``(B, 1, H, W)`` (``H, W`` at least 16)."""
        x, shape, dtype = as_image_batch(self, x, 1)
        if min(x.shape[-2:]) < 16:
            raise ValueError(f"x must be at least 16 x 16 pixels for PatchDiscriminator, got shape {tuple(shape)}.")
        return self.body(x).to(dtype)


#: The framework classes by name (the notebook's selector and the recipes).
SR_CLASSES = {"post": SRPost, "pre": SRPre, "progressive": SRProgressive, "iterative": SRIterative}
