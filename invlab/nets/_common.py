"""Shared input checks of the networks: denoisers ``D(x, sigma)`` and reconstructors ``net(y, A)``."""
from __future__ import annotations

import torch
from torch import nn

from ..operators import LinearOperator, check_tensor

__all__ = []


def check_reconstructor_input(net: nn.Module, y, A) -> tuple[torch.Tensor, tuple]:
    """Validate ``(y, A)`` of ``net(y, A)``; return ``y`` in the network's dtype and the batch shape.

    ``A`` must be a real :class:`~invlab.operators.LinearOperator` on images ``(H, W)``, ``y`` a
    finite real tensor ``(..., *A.out_shape)``; the result ``x`` has shape ``(..., H, W)``.
    """
    if not isinstance(A, LinearOperator):
        raise TypeError(f"A must be an invlab.operators.LinearOperator (the forward model), got {type(A).__name__}.")
    if A.is_complex or len(A.in_shape) != 2:
        raise ValueError(f"A must be a real operator on images (H, W) for {type(net).__name__}, got {A!r} "
                         f"(complex: {A.is_complex}).")
    check_tensor(y, "y", A.out_shape)
    if y.is_complex():
        raise ValueError(f"y must be real for {type(net).__name__}, got dtype {y.dtype}.")
    p = next(net.parameters(), None)
    if p is not None:
        y = y.to(device=p.device, dtype=p.dtype)
    return y, tuple(y.shape[:y.ndim - len(A.out_shape)])


def as_image_batch(x, channels: int) -> tuple[torch.Tensor, torch.Size]:
    """``x`` as ``(B, channels, H, W)`` plus its original shape, for denoisers ``D(x, sigma)``.

    ``(H, W)`` and, for single-channel nets, ``(B, H, W)`` are accepted too; the caller
    reshapes its output back to the returned shape.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__} (use torch.as_tensor).")
    shape = x.shape
    if x.ndim == 2:
        x = x[None, None]
    elif x.ndim == 3 and channels == 1:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(f"x must be (B, {channels}, H, W), got shape {tuple(shape)}.")
    return x, shape
