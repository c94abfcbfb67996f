"""Lecture 2's deblurring networks: the model-agnostic U-Net and the unrolled gradient descent."""
from __future__ import annotations

import torch

from .. import data
from .. import operators as op
from .._checks import check_int, check_real
from ..metrics import psnr
from ..nets import UNetReconstructor, UnrolledGD
from ..train import fit
from ._common import _channels_last, _denoiser_training_images

__all__ = ["DEBLUR_BLUR", "DEBLUR_NOISE", "UNROLLED_PATCH", "deblurring_test_set", "deblurring_batches", "reconstructor_scores"]


# --------------------------------------------------------------------------- deblurring networks

#: Lecture 1's deblurring task, on which lecture 2 compares its three classes of methods:
#: circular Gaussian blur of standard deviation 2 px (at 256²) and noise of standard deviation 0.01.
DEBLUR_BLUR = 2.0
DEBLUR_NOISE = 0.01


def deblurring_test_set(noise: float = DEBLUR_NOISE, size: int = 256):
    """The deblurring task on the held-out :data:`~invlab.data.TEST_IMAGES`: ``(A, x_true, y)``.

    :math:`y_i = A x_i + \\varepsilon_i`, :math:`\\varepsilon_i \\sim \\mathcal N(0, s^2 I)` with
    :math:`A` the circular Gaussian blur of :data:`DEBLUR_BLUR` px and :math:`s` = ``noise``.
    Image :math:`i`'s noise is drawn from seed :math:`i` (scaled by ``noise``), so every method,
    every noise level and ``benchmarks/bench_pnp.py`` see the same draw. ``x_true`` and ``y``
    are ``(5, size, size)``.
    """
    noise = check_real(noise, "noise", low=0)
    size = check_int(size, "size", low=8)
    A = op.Blur.gaussian((size, size), DEBLUR_BLUR * size / 256)
    x = data.test_images(size)
    eps = torch.stack([torch.randn((size, size), generator=torch.Generator().manual_seed(i)) for i in range(len(x))])
    return A, x, A(x) + noise * eps


def deblurring_batches(images, patch: int = 64, batch: int = 16, noise: float = DEBLUR_NOISE, seed: int = 0,
                       contrast: float = 0.5):
    """``(A, draw)``: the blur on ``patch``-sized images and ``draw(step) -> (y, x)`` training pairs.

    Each step draws ``batch`` fresh random patches :math:`x` of ``images`` (8 symmetries; with
    probability ``contrast`` the contrast is reduced, as in :func:`denoising_batches`) and
    returns :math:`y = Ax + \\varepsilon`, :math:`\\varepsilon \\sim \\mathcal N(0, s^2 I)` with the
    same circular blur as the test task. ``(y, x)`` are ``(batch, patch, patch)``.
    """
    if not isinstance(images, (torch.Tensor, list, tuple)) or len(images) == 0:
        raise TypeError(f"images must be a non-empty stack (N, H, W) or list of training images, got "
                        f"{type(images).__name__}{'' if not isinstance(images, torch.Tensor) else ' of shape ' + str(tuple(images.shape))}.")
    noise = check_real(noise, "noise", low=0)
    A = op.Blur.gaussian((patch, patch), DEBLUR_BLUR)
    g = torch.Generator().manual_seed(seed)

    def draw(step):
        x = data.patches(images, patch, batch, seed=g)
        a = torch.where(torch.rand(batch, generator=g) < contrast, 0.2 + 0.8 * torch.rand(batch, generator=g),
                        torch.ones(batch))
        b = (1 - a) * torch.rand(batch, generator=g)
        x = a.view(-1, 1, 1) * x + b.view(-1, 1, 1)
        return A(x) + noise * torch.randn(x.shape, generator=g), x
    return A, draw


def reconstructor_scores(net, noises=(DEBLUR_NOISE, 3 * DEBLUR_NOISE), size: int = 256) -> dict:
    """Held-out PSNR of ``net(y, A)`` (clipped to :math:`[0, 1]`) on :func:`deblurring_test_set`.

    Scored at the training noise and at 3x it (the model-agnostic network is trained at one
    noise level only). Returns ``{"psnr@0.01": mean dB, "psnr@0.03": ..., "per_image": {...}}``.
    """
    if not callable(net):
        raise TypeError(f"net must be a callable network, got {type(net).__name__}.")
    out, per = {}, {}
    with torch.no_grad():
        for s in noises:
            A, x, y = deblurring_test_set(s, size)
            p = [float(v) for v in psnr(net(y, A).clamp(0, 1), x)]
            per[f"{s:g}"] = [round(v, 3) for v in p]
            out[f"psnr@{s:g}"] = round(sum(p) / len(p), 3)
    out["per_image"] = per
    return out


def _train_reconstructor(model, n_steps: int, lr: float, progress: bool = True, callback=None,
                         patch: int = 64, channels_last: bool = False) -> dict:
    """Supervised training on (blurred, sharp) patch pairs: :math:`\\min_\\theta \\tfrac1N\\|f_\\theta(y, A) - x\\|^2`.

    ``channels_last``: train with the convolution weights in that memory format (:func:`_channels_last`).
    """
    A, draw = deblurring_batches(_denoiser_training_images(), patch=patch, seed=0)
    _, val_draw = deblurring_batches(_denoiser_training_images(), patch=patch, batch=32, seed=99)
    val = [val_draw(0)]

    def loss(net, batch):
        y, x = batch
        return torch.mean((net(y, A) - x) ** 2)
    with _channels_last(model, enabled=channels_last):
        return fit(model, loss, draw, n_steps, lr=lr, val_batches=val, seed=0, callback=callback, progress=progress,
                   keep_best=False, grad_clip=1.0)


def _deblurring_data(patch: int) -> str:
    """What the deblurring networks train on, in words (the manifest's ``data``)."""
    return (f"{patch}x{patch} patches (8 symmetries, half with reduced contrast) of the {len(data.TRAIN_IMAGES)} "
            f"training images at native size and at 256x256, circular Gaussian blur {DEBLUR_BLUR:g} px, "
            f"noise {DEBLUR_NOISE:g}")


def _build_unet_deblur() -> UNetReconstructor:
    torch.manual_seed(0)
    return UNetReconstructor(width=24, depth=3, input="measurement")


def _train_unet_deblur(model, n_steps: int = 2000, progress: bool = True, callback=None) -> dict:
    return _train_reconstructor(model, n_steps, 2e-3, progress, callback)


#: Side of the unrolled network's training patches (small: its eight blocks are costly per pixel).
UNROLLED_PATCH = 40


def _build_unrolled_deblur() -> UnrolledGD:
    torch.manual_seed(0)
    return UnrolledGD(n_blocks=8, width=24, depth=4, init_lam=0.01)


def _train_unrolled_deblur(model, n_steps: int = 3400, progress: bool = True, callback=None) -> dict:
    return _train_reconstructor(model, n_steps, 2e-3, progress, callback, patch=UNROLLED_PATCH, channels_last=True)
