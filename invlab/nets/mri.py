r"""Reconstruction networks for single-coil Cartesian MRI, ``net(y, A) -> x`` with complex data.

Lecture 4 (MR). The forward model :math:`A = M \odot \mathcal F` (:class:`~invlab.operators.MRI`:
a mask :math:`M` on the centred orthonormal DFT) is passed at call time, so the same network runs
with another mask, acceleration or mask type. ``y`` is k-space (``complex64``, zeros where
:math:`M = 0`), ``x`` the complex image; inside the networks a complex image is two real
channels (real, imaginary).

Three ways to use the data, one class each:

* :class:`MRIUNet` - image domain: a residual U-Net on the zero-filled image :math:`A^{*}y`
  (removes aliasing; no data consistency);
* :class:`KSpaceNet` - k-space domain: a U-Net on k-space that fills in the missing lines, then
  :math:`\mathcal F^{-1}` (the measured lines are kept exactly);
* :class:`Cascade` - both: a deep cascade of image-domain CNNs, each followed by a
  data-consistency (DC) layer that puts the measured samples back (Schlemper et al. 2017).

References
----------
J. Schlemper, J. Caballero, J. V. Hajnal, A. N. Price, D. Rueckert, "A deep cascade of
convolutional neural networks for dynamic MR image reconstruction", IEEE TMI 37 (2018) 491-503
(arXiv 1704.02422, 2017). J. Zbontar et al., "fastMRI: An open dataset and benchmarks for
accelerated MRI", arXiv 1811.08839 (the U-Net baseline). T. Eo et al., "KIKI-net", MRM 80 (2018)
2188-2201 (k-space CNNs).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_int, check_real
from ..operators import LinearOperator, check_tensor
from ..operators.mri import fft2c, ifft2c
from ._common import check_size_budget, zero_init_cnn
from .unet import UNet

__all__ = ["MRIUNet", "KSpaceNet", "Cascade", "data_consistency"]

MAX_BLOCKS = 15


def check_mri_input(net: nn.Module, y, A) -> tuple[torch.Tensor, tuple, torch.dtype]:
    """The input gate of the MR networks: ``(y, A)`` checked; ``y`` as complex in the weights' precision.

    ``A`` must be an :class:`~invlab.operators.MRI`-like complex operator on images ``(H, W)`` with
    a ``mask``, ``y`` a finite complex tensor ``(..., H, W)`` (k-space). Returns ``y`` (complex64
    for float32 weights), the batch shape and ``y``'s own dtype (the output is returned in it).
    """
    if not isinstance(A, LinearOperator):
        raise TypeError(f"A must be an invlab.operators.LinearOperator (the forward model), got {type(A).__name__}.")
    if not A.is_complex or len(A.in_shape) != 2 or getattr(A, "mask", None) is None:
        raise ValueError(f"A must be an MRI operator (complex, with a k-space mask, on images (H, W)) for "
                         f"{type(net).__name__}, got {A!r}.")
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a torch.Tensor of k-space samples, got {type(y).__name__} "
                        "(use torch.as_tensor(y, dtype=torch.complex64)).")
    if not y.is_complex():
        raise TypeError(f"y must be complex k-space (e.g. A(x)), got dtype {y.dtype} for {type(net).__name__} "
                        "(use y.to(torch.complex64) if it is real-valued k-space).")
    check_tensor(y, "y", A.out_shape)
    if y.numel() == 0:
        raise ValueError(f"y must not be empty, got shape {tuple(y.shape)}.")
    if not bool(torch.isfinite(torch.view_as_real(y)).all()):
        raise ValueError("y must be finite, got NaN or inf entries.")
    p = next(net.parameters())
    ctype = torch.complex128 if p.dtype == torch.float64 else torch.complex64
    return y.to(device=p.device, dtype=ctype), tuple(y.shape[:-2]), y.dtype


def _c2r(x: torch.Tensor) -> torch.Tensor:
    """Complex ``(B, H, W)`` -> real ``(B, 2, H, W)`` (real, imaginary)."""
    return torch.stack([x.real, x.imag], dim=1)


def _r2c(x: torch.Tensor) -> torch.Tensor:
    """Real ``(B, 2, H, W)`` -> complex ``(B, H, W)``."""
    return torch.complex(x[:, 0], x[:, 1])


def data_consistency(k: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, nu: float | torch.Tensor | None = None):
    r"""The data-consistency layer in k-space (Schlemper et al. 2017, eq. 9).

    .. math::
        k_{\mathrm{dc}} = (1 - M) \odot k + M \odot \frac{k + \nu\, y}{1 + \nu},

    the minimiser over the sampled entries of :math:`\|k' - k\|^2 + \nu\|M(k' - y)\|^2`: where
    :math:`M = 1` a weighted mean of the network's prediction :math:`k` and the measurement
    :math:`y` (weight :math:`\nu`, large when the noise is small: :math:`\nu = \lambda/\sigma^2`),
    where :math:`M = 0` the prediction unchanged. ``nu=None`` (:math:`\nu \to \infty`, noise-free
    data) replaces the sampled entries by :math:`y` exactly.

    Parameters
    ----------
    k, y : torch.Tensor
        Complex k-space ``(..., H, W)``: the prediction and the measurements.
    mask : torch.Tensor
        ``(H, W)`` boolean or 0/1.
    nu : float, tensor or None
    """
    for name, t in (("k", k), ("y", y)):
        if not isinstance(t, torch.Tensor) or not t.is_complex():
            raise TypeError(f"{name} must be a complex torch.Tensor (k-space), got "
                            f"{getattr(t, 'dtype', type(t).__name__)}.")
    if k.shape != y.shape:
        raise ValueError(f"k and y must have the same shape, got {tuple(k.shape)} and {tuple(y.shape)}.")
    op_mask = check_tensor(mask, "mask", tuple(k.shape[-2:]))
    if nu is not None and not isinstance(nu, torch.Tensor):
        nu = check_real(nu, "nu", low=0)
    mask = op_mask
    m = mask.to(device=k.device, dtype=k.real.dtype)
    if nu is None:
        return (1 - m) * k + m * y
    return (1 - m) * k + m * (k + nu * y) / (1 + nu)




class MRIUNet(nn.Module):
    r"""Image-domain reconstruction: a residual U-Net on the zero-filled image, ``net(y, A) -> x``.

    .. math:: z = A^{*}y = \mathcal F^{-1}(M \odot y), \qquad x = z + \mathrm{UNet}_\theta(z),

    with :math:`z` as two real channels. The network learns to remove the aliasing of one kind of
    mask; it never looks at :math:`y` again, so nothing keeps its output consistent with the data.

    Parameters
    ----------
    width, depth : int
        Of the :class:`~invlab.nets.UNet` body (2 input and 2 output channels).
    """

    def __init__(self, width: int = 16, depth: int = 3):
        super().__init__()
        check_size_budget(UNet, in_channels=2, out_channels=2, width=width, depth=depth)
        self.body = UNet(2, 2, width, depth)
        nn.init.zeros_(self.body.head.weight)
        nn.init.zeros_(self.body.head.bias)

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"width": self.body.width, "depth": self.body.depth}

    def forward(self, y: torch.Tensor, A) -> torch.Tensor:
        """Reconstruct: ``y`` complex ``(..., H, W)`` k-space -> complex image ``(..., H, W)``."""
        y, batch, dtype = check_mri_input(self, y, A)
        z = _c2r(ifft2c((y * A.mask.to(y.device)).reshape(-1, *A.in_shape)))
        return _r2c(z + self.body(z)).reshape(batch + A.in_shape).to(dtype)


class KSpaceNet(nn.Module):
    r"""k-space-domain reconstruction: a U-Net interpolates the missing k-space lines, ``net(y, A) -> x``.

    k-space spans orders of magnitude between its centre and its edges, so the network works on
    :math:`w \odot y` with the radial weight :math:`w(k) = |k| / k_{\max} + \epsilon` (which
    flattens it), scaled by its root-mean-square :math:`s` over the measured samples (so the
    input is of order one whatever the image's brightness; without it the convolutions' biases
    drown the signal and the network cannot learn), and what it predicts is scaled back:

    .. math::
        \hat k = y + (1 - M) \odot \frac{s}{w}\,\mathrm{UNet}_\theta\Big(\Big[\frac{w \odot y}{s},\ M\Big]\Big),
        \qquad x = \mathcal F^{-1} \hat k.

    The measured samples are kept exactly (hard data consistency); the network only writes the
    lines that were not measured. Any ``(H, W)``; the U-Net sees the mask as a third channel.

    Parameters
    ----------
    width, depth : int
        Of the U-Net (3 input channels, 2 output channels).
    eps : float
        :math:`\epsilon` of the weight (keeps the centre, :math:`|k| = 0`, finite).
    """

    def __init__(self, width: int = 16, depth: int = 4, eps: float = 0.1):
        super().__init__()
        check_size_budget(UNet, in_channels=3, out_channels=2, width=width, depth=depth)
        self.eps = check_real(eps, "eps", low=0, low_open=True)
        self.body = UNet(3, 2, width, depth)
        nn.init.zeros_(self.body.head.weight)
        nn.init.zeros_(self.body.head.bias)

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"width": self.body.width, "depth": self.body.depth, "eps": self.eps}

    def weight(self, shape, device=None) -> torch.Tensor:
        r""":math:`w(k) = |k|/k_{\max} + \epsilon` on the centred ``(H, W)`` k-space grid (float32)."""
        H, W = shape
        ky = (torch.arange(H, device=device) - H // 2).float() / (H / 2)
        kx = (torch.arange(W, device=device) - W // 2).float() / (W / 2)
        return torch.sqrt(ky[:, None] ** 2 + kx[None, :] ** 2) / math.sqrt(2) + self.eps

    def forward(self, y: torch.Tensor, A) -> torch.Tensor:
        """Reconstruct: ``y`` complex ``(..., H, W)`` k-space -> complex image ``(..., H, W)``."""
        y, batch, dtype = check_mri_input(self, y, A)
        m = A.mask.to(device=y.device, dtype=y.real.dtype)
        y = y.reshape(-1, *A.in_shape) * m
        w = self.weight(A.in_shape, y.device).to(y.real.dtype)
        wy = w * y
        s = (wy.abs().pow(2).sum((-2, -1)) / m.sum().clamp_min(1)).sqrt().clamp_min(1e-8)[:, None, None]
        inp = torch.cat([_c2r(wy / s), m.expand(y.shape[0], 1, *A.in_shape)], dim=1)
        k = y + (1 - m) * s * _r2c(self.body(inp)) / w
        return ifft2c(k).reshape(batch + A.in_shape).to(dtype)


class Cascade(nn.Module):
    r"""Deep cascade of CNNs with data-consistency layers (Schlemper et al. 2017): ``net(y, A) -> x``.

    From the zero-filled image :math:`x_0 = A^{*}y`, block :math:`b = 1, \dots, B` does

    .. math::
        \tilde x_b = x_{b-1} + \mathrm{CNN}_b(x_{b-1}), \qquad
        x_b = \mathcal F^{-1}\Big[(1 - M) \odot \mathcal F\tilde x_b
              + M \odot \frac{\mathcal F\tilde x_b + \nu_b\, y}{1 + \nu_b}\Big]

    (:func:`data_consistency`): each CNN removes some aliasing, each DC layer puts the measured
    samples back. The CNNs' last layers start at zero, so the untrained cascade returns the
    zero-filled image (its classical counterpart: every DC step leaves :math:`A^{*}y` unchanged).

    Parameters
    ----------
    n_blocks : int
        :math:`B`, between 1 and 15. A trained cascade may be run with fewer (``n_blocks=`` at
        call time).
    width, depth : int
        Feature channels and convolutions (>= 2) of each block's CNN on 2 channels (real, imaginary).
    nu : float, "learned" or None
        :math:`\nu_b`: ``None`` for hard DC (noise-free data, :math:`\nu = \infty`), a number for a
        fixed weight (e.g. :math:`\lambda/\sigma^2`), or ``"learned"``: one :math:`\nu_b > 0` per
        block, trained (stored as :math:`\log\nu_b`, starting at ``nu_init``).
    nu_init : float
        Initial :math:`\nu_b` when ``nu="learned"``.
    """

    def __init__(self, n_blocks: int = 5, width: int = 32, depth: int = 5, nu="learned", nu_init: float = 10.0):
        super().__init__()
        self.n_blocks = check_int(n_blocks, "n_blocks", low=1, high=MAX_BLOCKS)
        self.width = check_int(width, "width", low=1)
        self.depth = check_int(depth, "depth", low=2, high=16)
        if nu is not None and not (isinstance(nu, str) and nu == "learned"):
            if isinstance(nu, str):
                raise ValueError(f"nu must be a number >= 0, 'learned' or None, got {nu!r}.")
            nu = check_real(nu, "nu", low=0)
        self.nu_mode = nu
        self.nu_init = check_real(nu_init, "nu_init", low=0, low_open=True)
        check_size_budget(Cascade, n_blocks=n_blocks, width=width, depth=depth, nu=None)
        self.cnns = nn.ModuleList([zero_init_cnn(2, 2, self.width, self.depth) for _ in range(self.n_blocks)])
        if nu == "learned":
            self.log_nu = nn.Parameter(torch.full((self.n_blocks,), math.log(self.nu_init)))

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"n_blocks": self.n_blocks, "width": self.width, "depth": self.depth, "nu": self.nu_mode,
                "nu_init": self.nu_init}

    @property
    def nus(self):
        r""":math:`\nu_1, \dots, \nu_B` as a ``(B,)`` tensor (``None`` for hard DC)."""
        if self.nu_mode is None:
            return None
        if self.nu_mode == "learned":
            return torch.exp(self.log_nu)
        return torch.full((self.n_blocks,), float(self.nu_mode))

    def _run(self, y, A, n_blocks, keep):
        y, batch, dtype = check_mri_input(self, y, A)
        n = self.n_blocks if n_blocks is None else check_int(n_blocks, "n_blocks", low=0, high=self.n_blocks)
        mask = A.mask.to(y.device)
        y = y.reshape(-1, *A.in_shape) * mask
        nus = self.nus
        x = ifft2c(y)
        out = [("zero-filled", x.detach().clone())] if keep else None
        for b in range(n):
            x = x + _r2c(self.cnns[b](_c2r(x)))
            if keep:
                out.append((f"CNN {b + 1}", x.detach().clone()))
            x = ifft2c(data_consistency(fft2c(x), y, mask, None if nus is None else nus[b]))
            if keep:
                out.append((f"DC {b + 1}", x.detach().clone()))
        shape = batch + A.in_shape
        if keep:
            return [(name, xi.reshape(shape).to(dtype)) for name, xi in out]
        return x.reshape(shape).to(dtype)

    def forward(self, y: torch.Tensor, A, n_blocks: int | None = None) -> torch.Tensor:
        """Reconstruct: ``y`` complex ``(..., H, W)`` k-space -> complex image ``(..., H, W)``.

        ``n_blocks`` runs only the first :math:`B' \\le B` blocks (0 returns the zero-filled image).
        """
        return self._run(y, A, n_blocks, keep=False)

    def iterates(self, y: torch.Tensor, A, n_blocks: int | None = None) -> list:
        """``[(label, image), ...]``: the zero-filled image, then the image after each CNN and after
        each DC layer (detached), for a scrubber; the last equals ``net(y, A)``."""
        with torch.no_grad():
            return self._run(y, A, n_blocks, keep=True)
