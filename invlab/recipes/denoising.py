"""The noise-conditional denoiser of lecture 2 (plug-and-play) and its plug-and-play settings."""
from __future__ import annotations

import torch

from .. import data
from .._checks import check_int, check_real
from ..metrics import psnr
from ..nets import UNetDenoiser
from ..train import fit
from ._common import _channels_last, _denoiser_training_images

__all__ = ["DENOISER_SIGMAS", "DENOISER_MAX_SIGMA", "noisy_test_images", "denoiser_scores", "denoising_batches", "denoising_loss", "PNP_SETTINGS"]


# --------------------------------------------------------------------------- the denoiser

#: Noise levels at which the denoiser is scored (image units; images in [0, 1]).
DENOISER_SIGMAS = (0.05, 0.1, 0.15)
#: Largest noise level the denoiser is trained on.
DENOISER_MAX_SIGMA = 0.2


def noisy_test_images(sigma: float, size: int = 256, seed: int = 1234):
    """The :data:`~invlab.data.TEST_IMAGES` and a fixed noisy copy: ``(x_true, y)``, each ``(5, size, size)``.

    The noise is :math:`\\mathcal N(0, \\sigma^2)` per pixel from ``seed`` (the same draw for
    every method compared on it); ``y`` is not clipped to :math:`[0, 1]`.
    """
    sigma = check_real(sigma, "sigma", low=0)
    seed = check_int(seed, "seed", low=0)
    x = data.test_images(size)
    g = torch.Generator().manual_seed(seed + int(round(sigma * 1000)))
    return x, x + sigma * torch.randn(x.shape, generator=g)


def denoiser_scores(denoiser, size: int = 256, sigmas=DENOISER_SIGMAS) -> dict:
    """Held-out PSNR of ``denoiser(y, sigma)`` on the noisy test images at each ``sigma``.

    Returns ``{"psnr@0.05": mean dB, ..., "per_image": {sigma: [dB per test image]}}``.
    """
    if not callable(denoiser):
        raise TypeError(f"denoiser must be a callable network, got {type(denoiser).__name__}.")
    out, per = {}, {}
    with torch.no_grad():
        for s in sigmas:
            x, y = noisy_test_images(s, size)
            xh = denoiser(y[:, None], s)[:, 0].clamp(0, 1)
            p = [float(v) for v in psnr(xh, x)]
            per[f"{s:g}"] = [round(v, 3) for v in p]
            out[f"psnr@{s:g}"] = round(sum(p) / len(p), 3)
    out["per_image"] = per
    return out


def _build_denoiser() -> UNetDenoiser:
    torch.manual_seed(0)
    return UNetDenoiser(channels=1, width=24, depth=3)


def denoising_batches(images, patch: int = 64, batch: int = 16, max_sigma: float = DENOISER_MAX_SIGMA,
                      seed: int = 0, contrast: float = 0.5, channels_last: bool = False):
    """``step -> (y, sigma, x)``: fresh random patches with noise levels drawn in :math:`[0, \\sigma_{\\max}]`.

    With probability ``contrast`` a patch's contrast is also reduced, :math:`x \\mapsto a x + b` with
    :math:`a \\sim U[0.2, 1]`, :math:`b \\sim U[0, 1 - a]` (still in :math:`[0, 1]`), so the network
    also sees low-contrast, smooth content, which the training photos rarely show, at every
    noise level.
    """
    if not isinstance(images, (torch.Tensor, list, tuple)) or len(images) == 0:
        raise TypeError(f"images must be a non-empty stack (N, H, W) or list of training images, got "
                        f"{type(images).__name__}.")
    g = torch.Generator().manual_seed(seed)
    fmt = torch.channels_last if channels_last else torch.contiguous_format

    def draw(step):
        x = data.patches(images, patch, batch, seed=g)[:, None]
        a = torch.where(torch.rand(batch, generator=g) < contrast, 0.2 + 0.8 * torch.rand(batch, generator=g),
                        torch.ones(batch))
        b = (1 - a) * torch.rand(batch, generator=g)
        x = a.view(-1, 1, 1, 1) * x + b.view(-1, 1, 1, 1)
        sigma = max_sigma * torch.rand(batch, generator=g)
        y = x + sigma.view(-1, 1, 1, 1) * torch.randn(x.shape, generator=g)
        return y.contiguous(memory_format=fmt), sigma, x.contiguous(memory_format=fmt)
    return draw


def denoising_loss(model, batch):
    """Mean squared error :math:`\\frac1N\\|D_\\theta(y, \\sigma) - x\\|^2` on a batch ``(y, sigma, x)``."""
    if not callable(model):
        raise TypeError(f"model must be a denoising network model(y, sigma), got {type(model).__name__}.")
    y, sigma, x = batch
    return torch.mean((model(y, sigma) - x) ** 2)


def _train_denoiser(model, n_steps: int = 2400, progress: bool = True, callback=None) -> dict:
    images = _denoiser_training_images()
    val = [denoising_batches(images, batch=32, seed=99)(0)]
    with _channels_last(model):
        return fit(model, denoising_loss, denoising_batches(images, seed=0, channels_last=True), n_steps, lr=2e-3,
                   val_batches=val, seed=0, callback=callback, progress=progress, keep_best=False)


# --------------------------------------------------------------------------- plug-and-play settings

#: Plug-and-play settings for the shipped denoiser, per task (noise 0.01), chosen on three
#: *training* images by ``benchmarks/tune_pnp.py`` (never on the test images): keyword
#: arguments of :func:`invlab.solvers.pnp` for ``method="hqs"`` (σ falls from 0.2 to ``sigma``)
#: and for the slides' ``method="pgd"`` (:math:`\\eta = 1/\\|A\\|^2`).
PNP_SETTINGS = {
    "deblurring": {"hqs": {"n_iter": 6, "sigma": 0.01, "weight": 0.15}, "pgd": {"n_iter": 40, "sigma": 0.01}},
    "inpainting": {"hqs": {"n_iter": 40, "sigma": 0.01, "weight": 0.1}, "pgd": {"n_iter": 40, "sigma": 0.05}},
    "super-resolution": {"hqs": {"n_iter": 6, "sigma": 0.01, "weight": 0.15}, "pgd": {"n_iter": 40, "sigma": 0.02}},
}
