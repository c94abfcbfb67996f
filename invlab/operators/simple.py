"""Small operators: identity and inpainting mask.

Introduced in lecture 1 (the gallery of forward models).
"""
from __future__ import annotations

import torch

from .._checks import check_int, check_real, check_shape, make_generator
from .base import LinearOperator, check_tensor

__all__ = ["Identity", "Mask"]


def _shape2(shape, name="shape", ndim=None):
    """Validate a shape (positive integers; 32.5 is an error, not 32) into a tuple."""
    return check_shape(shape, name, ndim)


def check_mask(mask, name: str = "mask") -> torch.Tensor:
    """A 2-D mask, boolean or holding exactly 0 and 1, returned as a bool tensor.

    Raises
    ------
    TypeError
        If ``mask`` is not a ``torch.Tensor`` (e.g. a numpy array).
    ValueError
        If it is not 2-D, holds NaN, or holds values other than 0 and 1 (a mask of 0.5s is an
        error, not all True).
    """
    check_tensor(mask, name)
    if mask.ndim != 2:
        raise ValueError(f"{name} must be 2-D (H, W), got shape {tuple(mask.shape)}.")
    if mask.dtype != torch.bool:
        if mask.is_complex() or not bool(((mask == 0) | (mask == 1)).all()):
            vals = torch.unique(mask.flatten()[:1000]).tolist()[:5]
            raise ValueError(f"{name} must be boolean or hold only 0 and 1, got values such as {vals}.")
        mask = mask.bool()
    return mask


class Identity(LinearOperator):
    """The identity :math:`Ax = x` (the denoising forward model, :math:`y = x + n`).

    Parameters
    ----------
    shape : tuple of int
        Image shape, e.g. ``(H, W)``.
    """

    def __init__(self, shape):
        shape = _shape2(shape)
        super().__init__(shape, shape)

    def _exact_norm(self) -> float:
        """:math:`\\|I\\|_2 = 1`."""
        return 1.0
    def _forward(self, x):
        return x.clone()

    def _adjoint(self, y):
        return y.clone()


class Mask(LinearOperator):
    """Pixel mask (inpainting): :math:`(Ax)_i = m_i x_i` with :math:`m_i \\in \\{0, 1\\}`.

    The operator is a diagonal projection, so it is self-adjoint and idempotent,
    :math:`A^{*} = A = A^2`. Missing pixels are returned as zeros (the output has the
    image's shape, which keeps the gallery and the solvers simple).

    Parameters
    ----------
    mask : torch.Tensor
        Boolean (or 0/1) tensor of shape ``(H, W)``; ``True`` keeps the pixel.
    """

    def __init__(self, mask: torch.Tensor):
        mask = check_mask(mask)
        super().__init__(mask.shape, mask.shape)
        self.mask = mask

    @classmethod
    def random(cls, shape, fraction_missing: float = 0.5, seed: int = 0) -> "Mask":
        """A mask that drops each pixel independently with probability ``fraction_missing``."""
        shape = _shape2(shape, ndim=2)
        fraction_missing = check_real(fraction_missing, "fraction_missing", low=0, high=1, high_open=True)
        g = make_generator(seed)
        return cls(torch.rand(shape, generator=g) >= fraction_missing)

    @classmethod
    def block(cls, shape, fraction: float = 0.25) -> "Mask":
        """A mask missing one centred square block whose side is ``fraction`` of the shorter side."""
        shape = _shape2(shape, ndim=2)
        fraction = check_real(fraction, "fraction", low=0, high=1)
        side = round(fraction * min(shape))
        keep = torch.ones(shape, dtype=torch.bool)
        r0, c0 = (shape[0] - side) // 2, (shape[1] - side) // 2
        keep[r0:r0 + side, c0:c0 + side] = False
        return cls(keep)

    @classmethod
    def text(cls, shape, text: str = "invlab", size: float = 0.2, lines: int = 3) -> "Mask":
        """A mask missing the pixels under ``text`` written ``lines`` times across the image.

        The text is rasterised by matplotlib's Agg renderer with its bundled DejaVu Sans Bold
        (so the mask is the same on every machine with the same matplotlib); ``size`` is the
        letter height as a fraction of the image height.
        """
        shape = _shape2(shape, ndim=2)
        if not isinstance(text, str) or not text.strip() or len(text) > 200:
            raise ValueError(f"text must be a non-empty string of at most 200 characters, got {text!r}.")
        size = check_real(size, "size", low=0.02, high=1)
        lines = check_int(lines, "lines", low=1, high=50)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        import numpy as np
        H, W = shape
        dpi = 100
        fig = Figure(figsize=(W / dpi, H / dpi), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        fig.patch.set_facecolor("black")
        for i in range(lines):
            fig.text(0.5, (i + 0.5) / lines, text, color="white", ha="center", va="center",
                     fontsize=size * H * 72 / dpi, fontweight="bold", family="DejaVu Sans")
        canvas.draw()
        ink = np.asarray(canvas.buffer_rgba())[..., 0]
        return cls(torch.from_numpy(ink < 128))

    def _exact_norm(self) -> float:
        """1 (a projection), 0 for an all-False mask."""
        return 1.0 if bool(self.mask.any()) else 0.0
    def _m(self, x):
        return self.mask.to(device=x.device)

    def _forward(self, x):
        return torch.where(self._m(x), x, torch.zeros((), dtype=x.dtype, device=x.device))

    _adjoint = _forward
