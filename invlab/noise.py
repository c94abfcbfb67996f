"""Measurement noise :math:`n` in :math:`y = Ax + n`, always seeded.

Introduced in lecture 1.
"""
from __future__ import annotations

import math

import torch

from .operators.base import check_tensor

__all__ = ["gaussian", "poisson", "make_generator"]


def make_generator(seed=0, device="cpu") -> torch.Generator:
    """A ``torch.Generator`` from an int seed (a generator passes through unchanged)."""
    if isinstance(seed, torch.Generator):
        return seed
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int or a torch.Generator, got {type(seed).__name__}.")
    return torch.Generator(device=device).manual_seed(seed)


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
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}.")
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
    if not (isinstance(peak, (int, float)) and math.isfinite(peak) and peak > 0):
        raise ValueError(f"peak must be a finite number > 0, got {peak!r}.")
    if bool((y < 0).any()):
        raise ValueError("poisson noise needs non-negative y (intensities); got negative entries.")
    g = make_generator(seed, y.device)
    return torch.poisson(y * peak, generator=g) / peak
