"""Shared checks of the reconstructors ``net(y, A) -> x`` (model-agnostic U-Net, unrolled networks)."""
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
