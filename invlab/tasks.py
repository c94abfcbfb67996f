"""The course's forward models as ready-made tasks: ``x_true``, ``A`` and how to look at ``y``.

Introduced in lecture 1 (the gallery of forward models, syllabus row 1.1) and reused by the
later lectures. Each task is one line of :data:`TASKS`; :func:`make` builds it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from . import data, noise
from . import operators as op

__all__ = ["Task", "TASKS", "make"]


@dataclass
class Task:
    """A forward model :math:`y = Ax + n` ready to look at.

    Attributes
    ----------
    name : str
    A : invlab.operators.LinearOperator
    x_true : torch.Tensor
        Ground truth, float32 ``(H, W)`` in [0, 1] (complex64 for MRI).
    simple_inverse : callable
        ``y -> image``: the first thing one would try (``A^T y``, FBP, zero filling,
        nearest-neighbour upsampling), to show what the measurement "looks like" as an image.
    simple_name : str
        Label of that image.
    measurement_view : callable
        ``y -> 2-D real image`` for display (log magnitude for k-space, the sinogram as is).
    """

    name: str
    A: op.LinearOperator
    x_true: torch.Tensor
    simple_inverse: Callable
    simple_name: str
    measurement_view: Callable
    description: str

    def measure(self, sigma: float, seed: int = 0) -> torch.Tensor:
        """:math:`y = Ax + n` with Gaussian noise of standard deviation ``sigma``."""
        return noise.gaussian(self.A(self.x_true), sigma, seed=seed)


def _log_magnitude(k: torch.Tensor) -> torch.Tensor:
    m = torch.log1p(k.abs() * 50)
    return m / m.max().clamp_min(1e-12)


def _rescale(s: torch.Tensor) -> torch.Tensor:
    return (s - s.min()) / (s.max() - s.min()).clamp_min(1e-12)


def _nearest_up(factor):
    def up(y):
        return y.repeat_interleave(factor, -2).repeat_interleave(factor, -1)
    return up


def make(name: str, size: int = 128) -> Task:
    """Build one of the tasks in :data:`TASKS` at image size ``size``.

    Raises
    ------
    ValueError
        For an unknown task name (the message lists the valid ones).
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; valid tasks are {list(TASKS)}.")
    return TASKS[name](size)


def _denoising(size):
    x = data.image("camera", size)
    A = op.Identity((size, size))
    return Task("denoising", A, x, lambda y: y, "y itself", lambda y: y,
                "A = I: the image is observed directly, only noise is added.")


def _deblurring(size):
    x = data.image("camera", size)
    blur = 2.0 * size / 256
    A = op.Blur.gaussian((size, size), sigma=blur)
    return Task("deblurring", A, x, lambda y: y, "y itself", lambda y: y,
                f"A = circular convolution with a Gaussian of standard deviation {blur:g} px "
                f"(2 px at 256², scaled with the image).")


def _inpainting(size):
    x = data.image("camera", size)
    A = op.Mask.random((size, size), fraction_missing=0.5, seed=0)
    return Task("inpainting", A, x, lambda y: y, "y (missing = 0)", lambda y: y,
                "A = keep a random half of the pixels.")


def _super_resolution(size):
    x = data.image("camera", size)
    A = op.Downsample((size, size), 4)
    return Task("super-resolution", A, x, _nearest_up(4), "nearest upsampling of y", lambda y: y,
                "A = Gaussian anti-alias blur, then keep every 4th pixel.")


def _ct(size):
    x = data.shepp_logan(size)
    A = op.Radon(size, 180)
    return Task("CT", A, x, lambda y: A.fbp(y), "filtered back-projection", _rescale,
                "A = Radon transform, 180 angles over [0, 180) degrees: y is the sinogram.")


def _mri(size):
    x = data.mri_slices("test", size)[12].to(torch.complex64)
    A = op.MRI(op.cartesian_mask((size, size), acceleration=4, center_fraction=0.08, seed=0))
    return Task("MRI", A, x, lambda y: A.adjoint(y), "zero-filled |A^H y|", _log_magnitude,
                "A = centred orthonormal 2-D FFT, then keep 1/4 of the k-space columns.")


TASKS = {
    "denoising": _denoising,
    "deblurring": _deblurring,
    "inpainting": _inpainting,
    "super-resolution": _super_resolution,
    "CT": _ct,
    "MRI": _mri,
}
