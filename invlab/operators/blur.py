"""Circular convolution (deblurring forward model), diagonalised by the FFT.

Introduced in lecture 1.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_int, check_real
from .base import LinearOperator, check_tensor
from .simple import _shape2

__all__ = ["Blur", "gaussian_kernel", "kernel_spectrum"]


def gaussian_kernel(sigma: float, size: int | None = None, dtype=torch.float64) -> torch.Tensor:
    """Normalised 2-D Gaussian kernel :math:`k_{ij} \\propto e^{-(i^2+j^2)/(2\\sigma^2)}`.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels (> 0).
    size : int, optional
        Odd side length; default :math:`2\\lceil 3\\sigma\\rceil + 1`.
    """
    sigma = check_real(sigma, "sigma", low=0, low_open=True)
    if size is None:
        size = 2 * math.ceil(3 * sigma) + 1
    size = check_int(size, "size", low=1)
    if size % 2 == 0:
        raise ValueError(f"size must be a positive odd integer, got {size!r}.")
    r = torch.arange(size, dtype=dtype) - size // 2
    g = torch.exp(-(r**2) / (2 * sigma**2))
    k = g[:, None] * g[None, :]
    return k / k.sum()


def kernel_spectrum(kernel: torch.Tensor, shape) -> torch.Tensor:
    """``rfft2`` of a centred kernel zero-padded and wrapped to ``shape``.

    The kernel's centre (index ``(kh // 2, kw // 2)``) is moved to pixel ``(0, 0)``,
    so that the circular convolution does not shift the image.
    """
    H, W = _shape2(shape, ndim=2)
    check_tensor(kernel, "kernel")
    if kernel.ndim != 2 or kernel.is_complex():
        raise ValueError(f"kernel must be a real 2-D tensor, got shape {tuple(kernel.shape)} and dtype {kernel.dtype}.")
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError(f"kernel of shape {(kh, kw)} is larger than the image shape {(H, W)}.")
    pad = torch.zeros((H, W), dtype=torch.float64)
    pad[:kh, :kw] = kernel.to(torch.float64)
    pad = torch.roll(pad, shifts=(-(kh // 2), -(kw // 2)), dims=(0, 1))
    return torch.fft.rfft2(pad)


class Blur(LinearOperator):
    """Circular convolution :math:`Ax = k \\circledast x`, computed by FFT.

    With :math:`\\mathcal F` the 2-D DFT, :math:`Ax = \\mathcal F^{-1}(\\hat k \\cdot
    \\mathcal F x)` and :math:`A^{*}y = \\mathcal F^{-1}(\\overline{\\hat k} \\cdot
    \\mathcal F y)`. The singular values of :math:`A` are :math:`|\\hat k|`, which is
    why deblurring is ill-conditioned: high frequencies are almost erased.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(H, W)``.
    kernel : torch.Tensor
        2-D kernel, centred at ``(kh // 2, kw // 2)``; it is used as given (not normalised).

    Examples
    --------
    >>> A = Blur.gaussian((64, 64), sigma=2.0)
    >>> x = torch.rand(64, 64)
    >>> A(x).shape
    torch.Size([64, 64])
    """

    def __init__(self, shape, kernel: torch.Tensor):
        shape = _shape2(shape, ndim=2)
        check_tensor(kernel, "kernel")
        if kernel.ndim != 2 or kernel.is_complex():
            raise ValueError(f"kernel must be a real 2-D tensor, got shape {tuple(kernel.shape)} and dtype {kernel.dtype}.")
        super().__init__(shape, shape)
        self.kernel = kernel.detach().to(torch.float64)
        self.spectrum = kernel_spectrum(self.kernel, shape)  # complex128, (H, W//2+1)
        self._cache = {}

    @classmethod
    def gaussian(cls, shape, sigma: float, size: int | None = None) -> "Blur":
        """Gaussian blur of standard deviation ``sigma`` pixels."""
        shape = _shape2(shape, ndim=2)
        sigma = check_real(sigma, "sigma", low=0, low_open=True)
        if size is None:
            size = min(2 * math.ceil(3 * sigma) + 1, _odd_below(min(shape)))
        return cls(shape, gaussian_kernel(sigma, size))

    @classmethod
    def box(cls, shape, size: int) -> "Blur":
        """Uniform ``size`` x ``size`` averaging (odd ``size``)."""
        if check_int(size, "size", low=1) % 2 == 0:
            raise ValueError(f"size must be a positive odd integer, got {size!r}.")
        return cls(shape, torch.full((size, size), 1.0 / size**2, dtype=torch.float64))

    @classmethod
    def motion(cls, shape, length: int, angle: float = 0.0) -> "Blur":
        """Linear motion blur: a line of ``length`` pixels at ``angle`` degrees (anti-aliased)."""
        shape = _shape2(shape, ndim=2)
        length = check_int(length, "length", low=1)
        angle = check_real(angle, "angle")
        size = length if length % 2 == 1 else length + 1
        if size > min(shape):
            raise ValueError(f"length must fit in the image: a line of {length} pixels needs a {size}x{size} kernel, "
                             f"larger than the image shape {tuple(shape)} (length <= {_odd_below(min(shape))}).")
        k = torch.zeros((size, size), dtype=torch.float64)
        c = size // 2
        th = math.radians(angle)
        ts = torch.linspace(-(length - 1) / 2, (length - 1) / 2, 8 * length, dtype=torch.float64)
        rows = c - ts * math.sin(th)
        cols = c + ts * math.cos(th)
        # bilinear splat of the sample points
        r0, c0 = rows.floor(), cols.floor()
        for dr in (0, 1):
            for dc in (0, 1):
                w = (1 - (rows - r0 - dr).abs()) * (1 - (cols - c0 - dc).abs())
                rr, cc = (r0 + dr).long(), (c0 + dc).long()
                ok = (rr >= 0) & (rr < size) & (cc >= 0) & (cc < size)
                k.index_put_((rr[ok], cc[ok]), w[ok], accumulate=True)
        return cls(shape, k / k.sum())

    def _exact_norm(self) -> float:
        """:math:`\\|A\\|_2 = \\max_\\omega |\\hat k(\\omega)|`.

        A circular convolution is diagonalised by the DFT, so its singular values are the
        magnitudes of the kernel's spectrum (1 for a normalised non-negative kernel such as a
        Gaussian).
        """
        return float(self.spectrum.abs().max())
    def _spec(self, x):
        key = (x.device, x.dtype)
        if key not in self._cache:
            cd = torch.complex64 if x.dtype in (torch.float32, torch.complex64) else torch.complex128
            self._cache[key] = self.spectrum.to(device=x.device, dtype=cd)
        return self._cache[key]

    def _apply(self, x, spec):
        if x.is_complex():
            return torch.fft.ifft2(torch.fft.fft2(x) * _full_spectrum(spec, self.in_shape))
        return torch.fft.irfft2(torch.fft.rfft2(x) * spec, s=self.in_shape)

    def _forward(self, x):
        return self._apply(x, self._spec(x))

    def _adjoint(self, y):
        return self._apply(y, self._spec(y).conj())


def _full_spectrum(spec, shape):
    """Full ``fft2`` spectrum of a real kernel from its ``rfft2`` half."""
    H, W = shape
    full = torch.empty((H, W), dtype=spec.dtype, device=spec.device)
    n = spec.shape[-1]
    full[:, :n] = spec
    if W - n > 0:
        # Hermitian symmetry: K[i, j] = conj(K[-i, -j])
        idx_r = (-torch.arange(H, device=spec.device)) % H
        idx_c = (-torch.arange(n, W, device=spec.device)) % W
        full[:, n:] = spec[idx_r][:, idx_c].conj()
    return full


def _odd_below(n: int) -> int:
    return n if n % 2 == 1 else n - 1
