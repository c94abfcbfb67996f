"""Measurement noise :math:`n` in :math:`y = Ax + n`, always seeded.

Introduced in lecture 1.
"""
from __future__ import annotations


import torch

from ._checks import check_real
from ._checks import make_generator as _make_generator
from .operators.base import check_tensor

__all__ = ["gaussian", "poisson", "make_generator"]


def make_generator(seed=0, device="cpu") -> torch.Generator:
    """A ``torch.Generator`` from an int seed (a generator passes through unchanged)."""
    return _make_generator(seed, device)


def gaussian(y: torch.Tensor, sigma: float, seed=0) -> torch.Tensor:
    """Add white Gaussian noise: :math:`y + \\sigma\\,\\varepsilon`, :math:`\\varepsilon_i \\sim \\mathcal N(0, 1)`.

    For complex ``y`` (MRI k-space) the real and imaginary parts each get independent
    noise of standard deviation :math:`\\sigma`.

    Parameters
    ----------
    y : torch.Tensor
        Clean measurements.
    sigma : float
        Noise standard deviation (>= 0), in the units of ``y`` (images live in [0, 1]).
    seed : int or torch.Generator
        Same seed, same noise.
    """
    check_tensor(y, "y")
    sigma = check_real(sigma, "sigma", low=0)
    g = make_generator(seed, y.device)
    real = y.real.dtype if y.is_complex() else y.dtype
    n = torch.randn(y.shape, generator=g, dtype=real, device=y.device)
    if y.is_complex():
        n = torch.complex(n, torch.randn(y.shape, generator=g, dtype=real, device=y.device))
    return y + sigma * n


def poisson(y: torch.Tensor, peak: float, seed=0) -> torch.Tensor:
    """Photon-counting noise: :math:`\\tilde y = \\mathrm{Poisson}(p\\,y) / p`.

    Parameters
    ----------
    y : torch.Tensor
        Non-negative clean intensities.
    peak : float
        Photons per unit intensity :math:`p > 0`; larger means less noise
        (the relative noise level is about :math:`1/\\sqrt{p\\,y}`).
    seed : int or torch.Generator
    """
    check_tensor(y, "y")
    peak = check_real(peak, "peak", low=0, low_open=True)
    if bool((y < 0).any()):
        raise ValueError("poisson noise needs non-negative y (intensities); got negative entries.")
    g = make_generator(seed, y.device)
    return torch.poisson(y * peak, generator=g) / peak
