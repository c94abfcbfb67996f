"""Cartesian MRI: centred orthonormal 2-D Fourier transform and k-space sampling mask.

Introduced in lecture 4.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_choice, check_real, check_shape, make_generator
from .base import LinearOperator
from .simple import check_mask

__all__ = ["MRI", "cartesian_mask", "fft2c", "ifft2c"]


def _check_2d(x, name: str) -> None:
    from .base import check_tensor

    check_tensor(x, name)
    if x.ndim < 2:
        raise ValueError(f"{name} must have at least two dimensions (..., H, W), got shape {tuple(x.shape)}.")


def fft2c(x: torch.Tensor) -> torch.Tensor:
    """Centred orthonormal DFT :math:`\\mathcal F x` on the last two dims (DC in the middle)."""
    _check_2d(x, "x")
    x = torch.fft.ifftshift(x, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.fft2(x, norm="ortho"), dim=(-2, -1))


def ifft2c(k: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`fft2c` (it is also its adjoint, the DFT being unitary)."""
    _check_2d(k, "k")
    k = torch.fft.ifftshift(k, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.ifft2(k, norm="ortho"), dim=(-2, -1))


def cartesian_mask(shape, acceleration: float, center_fraction: float = 0.08,
                   kind: str = "random", seed: int = 0) -> torch.Tensor:
    """Cartesian undersampling mask: whole k-space columns (phase-encoding lines).

    A fully sampled block of :math:`\\lceil \\text{center\\_fraction}\\cdot W\\rceil`
    central columns keeps the contrast; the remaining columns are chosen at random
    (``kind="random"``, uniformly without replacement) or on a regular grid
    (``kind="equispaced"``) so that about :math:`W / \\text{acceleration}` columns are
    sampled in total.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` of k-space.
    acceleration : float
        Undersampling factor :math:`R \\geq 1` (``1`` samples everything).
    center_fraction : float
        Fraction of columns in the fully sampled centre, in :math:`(0, 1)`.
    kind : {"random", "equispaced"}
    seed : int
        Seed for the random lines.

    Returns
    -------
    torch.Tensor
        Boolean mask of shape ``(H, W)``, constant along rows.
    """
    H, W = check_shape(shape, "shape", ndim=2)
    acceleration = check_real(acceleration, "acceleration", low=1)
    center_fraction = check_real(center_fraction, "center_fraction", low=0, high=1, low_open=True, high_open=True)
    check_choice(kind, "kind", ("random", "equispaced"))
    g = make_generator(seed)
    n_total = max(1, int(round(W / acceleration)))
    n_center = min(W, max(1, int(math.ceil(center_fraction * W))))
    cols = torch.zeros(W, dtype=torch.bool)
    c0 = W // 2 - n_center // 2
    cols[c0:c0 + n_center] = True
    n_rest = max(0, n_total - n_center)
    outside = torch.nonzero(~cols).flatten()
    if n_rest > 0 and len(outside) > 0:
        if kind == "random":
            pick = outside[torch.randperm(len(outside), generator=g)[:n_rest]]
        else:
            step = len(outside) / n_rest
            pick = outside[(torch.arange(n_rest) * step + step / 2).long().clamp(max=len(outside) - 1)]
        cols[pick] = True
    return cols[None, :].expand(H, W).clone()


class MRI(LinearOperator):
    """Single-coil Cartesian MRI: :math:`Ax = M \\odot \\mathcal F x`.

    :math:`\\mathcal F` is the centred, orthonormal 2-D DFT and :math:`M` a binary k-space
    mask. Because :math:`\\mathcal F` is unitary, :math:`A^{*}y = \\mathcal F^{-1}(M \\odot y)`
    and :math:`A^{*}y` with :math:`y = Ax` is the *zero-filled* reconstruction. Input and
    output are ``torch.complex64`` (real input is promoted); the output keeps the full
    ``(H, W)`` grid with zeros at unsampled locations.

    Parameters
    ----------
    mask : torch.Tensor
        Boolean (or exactly 0/1) ``(H, W)`` mask, e.g. from :func:`cartesian_mask`.
    """

    def __init__(self, mask: torch.Tensor):
        mask = check_mask(mask)
        super().__init__(mask.shape, mask.shape, is_complex=True)
        self.mask = mask

    @property
    def acceleration(self) -> float:
        """Actual undersampling factor :math:`HW / \\#\\{M = 1\\}`."""
        return self.mask.numel() / max(1, int(self.mask.sum()))

    def _exact_norm(self) -> float:
        """1 (a unitary FFT followed by a projection), 0 for an empty mask."""
        return 1.0 if bool(self.mask.any()) else 0.0
    def _c(self, x):
        if not x.is_complex():
            x = x.to(torch.complex128 if x.dtype == torch.float64 else torch.complex64)
        return x

    def _forward(self, x):
        k = fft2c(self._c(x))
        return k * self.mask.to(k.device)

    def _adjoint(self, y):
        y = self._c(y)
        return ifft2c(y * self.mask.to(y.device))
