"""Small operators: identity and inpainting mask.

Introduced in lecture 1 (the gallery of forward models).
"""
from __future__ import annotations

import torch

from .base import LinearOperator, check_tensor

__all__ = ["Identity", "Mask"]


def _shape2(shape, name="shape"):
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of ints like (256, 256), got {shape!r}.") from None
    if len(shape) == 0 or any(s < 1 for s in shape):
        raise ValueError(f"{name} must hold positive sizes, got {shape!r}.")
    return shape


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
        check_tensor(mask, "mask")
        if mask.ndim != 2:
            raise ValueError(f"mask must be 2-D (H, W), got shape {tuple(mask.shape)}.")
        if mask.dtype != torch.bool:
            vals = torch.unique(mask)
            if not bool(((vals == 0) | (vals == 1)).all()):
                raise ValueError("mask must be boolean or hold only 0 and 1.")
            mask = mask.bool()
        super().__init__(mask.shape, mask.shape)
        self.mask = mask

    @classmethod
    def random(cls, shape, fraction_missing: float = 0.5, seed: int = 0) -> "Mask":
        """A mask that drops each pixel independently with probability ``fraction_missing``."""
        if not 0.0 <= fraction_missing < 1.0:
            raise ValueError(
                f"fraction_missing must be in [0, 1), got {fraction_missing!r}."
            )
        g = torch.Generator().manual_seed(seed)
        return cls(torch.rand(_shape2(shape), generator=g) >= fraction_missing)

    def _m(self, x):
        return self.mask.to(device=x.device)

    def _forward(self, x):
        return torch.where(self._m(x), x, torch.zeros((), dtype=x.dtype, device=x.device))

    _adjoint = _forward
