r"""Geometric self-ensemble of a super-resolution network (test-time augmentation, lecture 3).

A network trained on images in every orientation should answer the same, up to the symmetry,
for a flipped or transposed input. Averaging its answers over the eight symmetries of the
square (the dihedral group :math:`D_4`: flips of either axis, with or without a transpose)
cancels part of its error for free, at eight times the inference cost:

.. math::
    \hat x = \frac18 \sum_{g \in D_4} G_g^{-1}\, f_\theta(g\,y),

where :math:`g` acts on the low-resolution image and :math:`G_g` is the matching transform of
the high-resolution image. Timofte, Rothe and Van Gool ("Seven ways to improve example-based
single image super resolution", CVPR 2016) proposed it; EDSR (Lim et al. 2017) reports its
"+" models with it.

**The sampling grid.** For the course's :class:`~invlab.operators.Downsample`
(:math:`y = S_f B x`, :math:`S_f` keeps pixel :math:`f i`, :math:`B` a symmetric circular blur)
a transpose commutes with the operator, but a flip does not quite: pixel :math:`n - 1 - i` of a
flipped :math:`y` was high-resolution pixel :math:`f(n - 1 - i)`, which in the flipped image
sits at :math:`f i + (f - 1)`. So

.. math::
    \operatorname{flip}(S_f B x) = S_f B\, \operatorname{roll}_{-(f-1)}\big(\operatorname{flip}(x)\big),

and the network's answer to a flipped input must be rolled back by :math:`f - 1` pixels before
it is flipped back (without that shift, averaging would blur the result). These identities are
exact for the circular blur and are tested.
"""
from __future__ import annotations

import torch
from torch import nn

from ._common import as_image_batch

__all__ = ["SelfEnsemble"]

#: The eight symmetries: bit 0 flips the columns, bit 1 the rows, bit 2 transposes (after the flips).
N_TRANSFORMS = 8


def _flip_dims(k: int) -> list[int]:
    return [d for d, bit in ((-1, 1), (-2, 2)) if k & bit]


def _dihedral_lr(y: torch.Tensor, k: int) -> torch.Tensor:
    """Symmetry ``k`` (0...7) of a low-resolution image ``(..., h, w)``: flips (bits 0, 1), then a transpose (bit 2)."""
    dims = _flip_dims(k)
    if dims:
        y = y.flip(dims)
    return y.transpose(-1, -2) if k & 4 else y


def _dihedral_hr_inverse(x: torch.Tensor, k: int, factor: int) -> torch.Tensor:
    r"""Undo symmetry ``k`` on a high-resolution answer ``(..., H, W)``: transpose back, roll each
    flipped axis by :math:`f - 1` (the sampling grid, see the module docstring), flip back."""
    if k & 4:
        x = x.transpose(-1, -2)
    dims = _flip_dims(k)
    if dims:
        x = torch.roll(x, [factor - 1] * len(dims), dims).flip(dims)
    return x


class SelfEnsemble(nn.Module):
    r"""``net`` averaged over the eight symmetries of its input: :math:`\frac18\sum_g G_g^{-1} f_\theta(g y)`.

    Called like the network it wraps (``ens(y)``, ``ens(y, factor=...)``, ``ens.factor``), eight
    forward passes per call. Trains nothing; use it at test time.

    Parameters
    ----------
    net : torch.nn.Module
        A super-resolution network ``net(y, factor=None) -> x`` with a ``factor`` attribute
        (:class:`~invlab.nets.SRPost`, ...), trained on the course's :class:`~invlab.operators.Downsample`.
    """

    def __init__(self, net: nn.Module):
        super().__init__()
        if not isinstance(net, nn.Module) or not isinstance(getattr(net, "factor", None), int):
            raise TypeError(f"net must be a super-resolution network (a torch.nn.Module with an int .factor, e.g. "
                            f"invlab.pretrained.load('sr_post_x4')), got {type(net).__name__}.")
        self.net = net
        self.factor = net.factor

    def forward(self, y: torch.Tensor, factor: int | None = None) -> torch.Tensor:
        """The mean of the eight answers, in ``y``'s layout (``(h, w)``, ``(B, h, w)`` or ``(B, 1, h, w)``) and dtype."""
        x, shape, dtype = as_image_batch(self.net, y, 1)
        f = self.factor if factor is None else factor
        out = sum(_dihedral_hr_inverse(self.net(_dihedral_lr(x, k), factor=factor), k, f)
                  for k in range(N_TRANSFORMS)) / N_TRANSFORMS
        return out.reshape(shape[:-2] + out.shape[-2:]).to(dtype)
