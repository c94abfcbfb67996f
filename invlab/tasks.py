"""The course's forward models as ready-made tasks: ``x_true``, ``A`` and how to look at ``y``.

Introduced in lecture 1 (the gallery of forward models, syllabus row 1.1) and reused by the
later lectures. Each task is one line of :data:`TASKS`; :func:`make` builds it.

Noise model. :meth:`Task.measure` returns :math:`y = Ax + n` with white Gaussian noise in the
*measured* entries only: operators that return a full grid with zeros where nothing is
measured (inpainting's pixel mask, MRI's k-space mask) get no noise there, so "missing = 0"
stays true. The noise is drawn from its own random stream, independent of the random mask
(the mask is fixed by the task; the noise seed only changes the noise). Its standard
deviation is :math:`\\sigma` in image units ([0, 1]) for every task except CT, whose
sinogram values are line integrals (up to about 33 for a 128² phantom): there the standard
deviation is :math:`\\sigma \\cdot \\max|Ax|`, i.e. :math:`\\sigma` is relative to the peak
of the clean sinogram (:attr:`Task.noise_scale`, explained by :attr:`Task.noise_note`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from . import data, noise
from ._checks import stream_seed  # noqa: F401  (public here; defined left of every user)
from . import operators as op

__all__ = ["Task", "TASKS", "make", "stream_seed"]

# purposes of the independent random streams (see stream_seed)
MASK_STREAM, NOISE_STREAM = 1, 2


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
        Label of that image, matplotlib mathtext allowed (``$|A^{H}y|$``); see
        :attr:`simple_name_html` for HTML captions.
    measurement_view : callable
        ``y -> 2-D real image`` for display (log magnitude for k-space, the sinogram scaled to [0, 1]).
    description : str
    naive_is_y : bool
        True when the naive image is ``y`` itself (denoising, deblurring, inpainting).
    noise_scale : float
        The noise standard deviation is ``sigma * noise_scale``.
    noise_note : str
        One sentence saying how ``sigma`` is measured for this task.
    measurement_axes : dict or None
        For measurements that are not images: ``{"xlabel", "ylabel", "extent"}`` for a plot with
        labelled axes (``extent`` as in ``imshow``).
    """

    name: str
    A: op.LinearOperator
    x_true: torch.Tensor
    simple_inverse: Callable
    simple_name: str
    measurement_view: Callable
    description: str
    naive_is_y: bool = False
    noise_scale: float = 1.0
    noise_note: str = "n has standard deviation σ (images are in [0, 1])."
    measurement_axes: dict | None = field(default=None)

    @property
    def measured(self) -> torch.Tensor | None:
        """Boolean mask of the measured entries of ``y`` (None: every entry is measured)."""
        m = getattr(self.A, "mask", None)
        return m if isinstance(m, torch.Tensor) else None

    @property
    def simple_name_html(self) -> str:
        """:attr:`simple_name` for an HTML caption (mathtext ``$A^{H}$`` becomes ``A<sup>H</sup>``)."""
        s = re.sub(r"\^\{([^}]*)\}", r"<sup>\1</sup>", self.simple_name)
        return s.replace("$", "")

    def noise(self, sigma: float, seed: int = 0) -> torch.Tensor:
        """The noise :math:`n` of :meth:`measure` (zero in unmeasured entries)."""
        clean = self.A(self.x_true)
        n = noise.gaussian(torch.zeros_like(clean), sigma * self.noise_scale,
                           seed=stream_seed(seed, NOISE_STREAM))
        m = self.measured
        return n if m is None else n * m.to(n.device)

    def measure(self, sigma: float, seed: int = 0) -> torch.Tensor:
        """:math:`y = Ax + n`, Gaussian noise of std ``sigma * noise_scale`` in the measured entries.

        Parameters
        ----------
        sigma : float
            Noise level (>= 0); see :attr:`noise_note` for its unit in this task.
        seed : int
            Seed of the noise (its own stream, independent of any random mask).
        """
        return self.A(self.x_true) + self.noise(sigma, seed)


def _log_magnitude(k: torch.Tensor) -> torch.Tensor:
    m = torch.log1p(k.abs() * 50)
    return m / m.max().clamp_min(1e-12)


def _nearest_up(factor):
    def up(y):
        return y.repeat_interleave(factor, -2).repeat_interleave(factor, -1)
    return up


def make(name: str, size: int = 128) -> Task:
    """Build one of the tasks in :data:`TASKS` at image size ``size``.

    Raises
    ------
    ValueError
        For an unknown task name (the message lists the valid ones) or a size below 16.
    """
    if not isinstance(name, str) or name not in TASKS:
        raise ValueError(f"name: unknown task {name!r}; valid tasks are {list(TASKS)}.")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 16:
        raise ValueError(f"size must be an integer >= 16, got {size!r}.")
    return TASKS[name](int(size))


def _denoising(size):
    x = data.image("camera", size)
    A = op.Identity((size, size))
    return Task("denoising", A, x, lambda y: y, "y itself", lambda y: y,
                "A = I: the image is observed directly, only noise is added.", naive_is_y=True)


def _deblurring(size):
    x = data.image("camera", size)
    blur = 2.0 * size / 256
    A = op.Blur.gaussian((size, size), sigma=blur)
    return Task("deblurring", A, x, lambda y: y, "y itself", lambda y: y,
                f"A = circular convolution with a Gaussian of standard deviation {blur:g} px "
                f"(2 px at 256², scaled with the image).", naive_is_y=True)


def _inpainting(size):
    x = data.image("camera", size)
    A = op.Mask.random((size, size), fraction_missing=0.5, seed=stream_seed(0, MASK_STREAM))
    return Task("inpainting", A, x, lambda y: y, "y (missing = 0)", lambda y: y,
                "A = keep a random half of the pixels (noise only on the kept ones).", naive_is_y=True)


def _super_resolution(size):
    x = data.image("camera", size)
    A = op.Downsample((size, size), 4)
    return Task("super-resolution", A, x, _nearest_up(4), "nearest upsampling of y", lambda y: y,
                "A = Gaussian anti-alias blur, then keep every 4th pixel.")


def _ct(size):
    x = data.shepp_logan(size)
    A = op.Radon(size, 180)
    peak = float(A(x).abs().max())

    def view(y):  # the sinogram in the window [0, peak of the clean sinogram]
        return y / peak

    return Task("CT", A, x, lambda y: A.fbp(y), "filtered back-projection", view,
                "A = Radon transform, 180 angles over [0, 180) degrees: y is the sinogram.",
                noise_scale=peak,
                noise_note=(f"σ is relative to the sinogram: n has standard deviation σ·max|Ax| "
                            f"(max|Ax| = {peak:.1f})."),
                measurement_axes={"xlabel": "detector position (px)", "ylabel": "angle θ (degrees)",
                                  "extent": (-size / 2, size / 2, 180, 0)})


def _mri(size):
    x = data.mri_slices("test", size)[12].to(torch.complex64)
    mask = op.cartesian_mask((size, size), acceleration=4, center_fraction=0.08,
                             seed=stream_seed(0, MASK_STREAM))
    A = op.MRI(mask)
    return Task("MRI", A, x, lambda y: A.adjoint(y), "zero-filled $|A^{H}y|$", _log_magnitude,
                "A = centred orthonormal 2-D FFT, then keep 1/4 of the k-space columns "
                "(noise only on the measured ones).",
                noise_note="n has standard deviation σ in k-space (the FFT is orthonormal, so σ in image units).",
                measurement_axes={"xlabel": "k-space column", "ylabel": "k-space row",
                                  "extent": (-size / 2, size / 2, size / 2, -size / 2)})


TASKS = {
    "denoising": _denoising,
    "deblurring": _deblurring,
    "inpainting": _inpainting,
    "super-resolution": _super_resolution,
    "CT": _ct,
    "MRI": _mri,
}
