"""The one input gate of every network, and the shared checks of denoisers and reconstructors.

Every network's ``forward`` passes its input through :func:`gate` (directly, or through
:func:`as_image_batch` / :func:`check_reconstructor_input`, which call it), so a new network gets
the error policy (docs/CONVENTIONS.md, "Errors") by calling it:

* the input must be a ``torch.Tensor`` (a numpy array gets a ``TypeError`` that says how to convert);
* of a real floating-point dtype: integer, bool (an ``uint8`` image, an ``int64`` latent code) and
  complex inputs are refused with a ``TypeError`` that says how to convert;
* **dtype rule**: any floating-point input is run in the weights' dtype (float32 for the shipped
  networks) and the output is returned in the input's dtype, so float64 works everywhere and gives
  float64 back (the computation itself is float32);
* finite (no NaN or inf: a network would silently return NaN), not empty;
* of the shape the network needs (each network checks its own sizes after the gate).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..operators import LinearOperator, check_tensor

__all__ = []

MAX_PARAMETERS = 20_000_000
"""The largest network a constructor builds (10x the largest the course uses, 80 MB of float32):
beyond it a typo such as ``depth=40`` would try to allocate gigabytes."""


def gate(net: nn.Module, x, name: str = "x") -> tuple[torch.Tensor, torch.dtype]:
    """The input gate: check ``x`` and return it in the weights' dtype and device, plus its own dtype.

    Parameters
    ----------
    net : nn.Module
        The network (its first parameter gives the dtype and device to run in).
    x : torch.Tensor
        Its input (images, or latent codes for a generator).
    name : str
        The parameter's name in error messages.

    Returns
    -------
    x : torch.Tensor
        The same values in the weights' dtype and on their device.
    dtype : torch.dtype
        The input's dtype: convert the output back with ``out.to(dtype)``.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__} (use torch.as_tensor({name}, "
                        "dtype=torch.float32)).")
    if x.is_complex():
        raise TypeError(f"{name} must be real for {type(net).__name__}, got dtype {x.dtype} "
                        f"(pass {name}.abs() or {name}.real).")
    if not x.is_floating_point():
        hint = f"{name}.float() / 255 for 8-bit images" if x.dtype == torch.uint8 else f"{name}.float()"
        raise TypeError(f"{name} must be a floating-point tensor for {type(net).__name__}, got dtype {x.dtype} "
                        f"(use {hint}).")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}.")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must be finite, got {int((~torch.isfinite(x)).sum())} NaN or inf "
                         f"entries (shape {tuple(x.shape)}).")
    p = next(net.parameters(), None)
    if p is not None:
        return x.to(device=p.device, dtype=p.dtype), x.dtype
    return x, x.dtype


_probing = False


def check_size_budget(cls: type, **settings) -> None:
    """Refuse to build a ``cls(**settings)`` with more than :data:`MAX_PARAMETERS` parameters.

    The network is first built on PyTorch's ``meta`` device (shapes only, no memory), so a
    constructor calls this before it allocates anything. ``settings`` are the constructor's
    arguments; the message names them.
    """
    global _probing
    if _probing:
        return
    _probing = True
    try:
        with torch.device("meta"):
            n = sum(p.numel() for p in cls(**settings).parameters())
    except RuntimeError:  # a size that overflows even the shape arithmetic
        n = math.inf
    finally:
        _probing = False
    if n > MAX_PARAMETERS:
        args = ", ".join(f"{k}={v!r}" for k, v in settings.items())
        count = "too many" if n == math.inf else f"{n:,}"
        raise ValueError(f"{cls.__name__}({args}) would have {count} parameters; at most {MAX_PARAMETERS:,} are "
                         f"allowed (lower {' or '.join(settings)}).")


def check_reconstructor_input(net: nn.Module, y, A) -> tuple[torch.Tensor, tuple, torch.dtype]:
    """Validate ``(y, A)`` of ``net(y, A)``; return ``y`` in the network's dtype, the batch shape
    and ``y``'s own dtype (to return ``x`` in, by the :func:`gate`'s rule).

    ``A`` must be a real :class:`~invlab.operators.LinearOperator` on images ``(H, W)``, ``y`` a
    finite real tensor ``(..., *A.out_shape)``; the result ``x`` has shape ``(..., H, W)``.
    """
    if not isinstance(A, LinearOperator):
        raise TypeError(f"A must be an invlab.operators.LinearOperator (the forward model), got {type(A).__name__}.")
    if A.is_complex or len(A.in_shape) != 2:
        raise ValueError(f"A must be a real operator on images (H, W) for {type(net).__name__}, got {A!r} "
                         f"(complex: {A.is_complex}).")
    check_tensor(y, "y", A.out_shape)
    y, dtype = gate(net, y, "y")
    return y, tuple(y.shape[:y.ndim - len(A.out_shape)]), dtype


def as_image_batch(net: nn.Module, x, channels: int) -> tuple[torch.Tensor, torch.Size, torch.dtype]:
    """``x`` through the :func:`gate`, as ``(B, channels, H, W)``, plus its original shape and dtype,
    for denoisers ``D(x, sigma)``.

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
    x, dtype = gate(net, x, "x")
    return x, shape, dtype


def zero_init_cnn(c_in: int, c_out: int, width: int, depth: int) -> nn.Sequential:
    """``depth`` 3x3 convolutions ``c_in -> width -> ... -> c_out`` with ReLUs between; the last one
    starts at zero, so a residual block built on it starts as the identity (the classical method).

    The layers of the unrolled, learned-gradient and cascade networks' blocks and of the
    thick-slice network (one helper, so they cannot drift apart).
    """
    layers = [nn.Conv2d(c_in, width, 3, padding=1), nn.ReLU(inplace=True)]
    for _ in range(depth - 2):
        layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True)]
    layers.append(nn.Conv2d(width, c_out, 3, padding=1))
    nn.init.zeros_(layers[-1].weight)
    nn.init.zeros_(layers[-1].bias)
    return nn.Sequential(*layers)

