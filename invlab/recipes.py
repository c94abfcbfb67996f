"""How every shipped network is built, trained and scored (used by :mod:`invlab.pretrained`).

One :class:`Recipe` per shipped file: ``build()`` makes the untrained network (seeded),
``train(model)`` runs :func:`invlab.train.fit` on the training data only, and
``evaluate(model)`` returns the held-out metrics recorded in ``data/weights/MANIFEST.json``
(test images / test subject / other seeds, never training data). ``python -m invlab.pretrained
train NAME`` runs the three in order; a notebook can call the same recipe to retrain live.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import torch

from . import data
from . import operators as op
from ._checks import check_int, check_real
from .metrics import psnr
from .nets import Discriminator, Generator, UNetDenoiser, UNetReconstructor, UnrolledGD
from .train import fit, fit_gan

__all__ = ["Recipe", "RECIPES", "DENOISER_SIGMAS", "PNP_SETTINGS", "noisy_test_images", "denoiser_scores",
           "DEBLUR_BLUR", "DEBLUR_NOISE", "deblurring_test_set", "deblurring_batches", "reconstructor_scores",
           "gan_test_images", "generator_scores"]


@dataclass(frozen=True)
class Recipe:
    """What makes one shipped network: its builder, its training run and its held-out score."""

    name: str
    build: Callable[[], torch.nn.Module]
    train: Callable[..., dict]
    evaluate: Callable[[torch.nn.Module], dict]
    metric: str          # the key of ``evaluate``'s result that the manifest headlines
    data: str            # what it trains on, in words
    description: str


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


def _denoiser_training_images():
    """Training photos at two scales: native resolution and centre-cropped to 256 x 256."""
    return [data.image(n, None) for n in data.TRAIN_IMAGES] + list(data.train_images(256))


def denoising_batches(images, patch: int = 64, batch: int = 16, max_sigma: float = DENOISER_MAX_SIGMA,
                      seed: int = 0, contrast: float = 0.5, channels_last: bool = False):
    """``step -> (y, sigma, x)``: fresh random patches with noise levels drawn in :math:`[0, \\sigma_{\\max}]`.

    With probability ``contrast`` a patch's contrast is also reduced, :math:`x \\mapsto a x + b` with
    :math:`a \\sim U[0.2, 1]`, :math:`b \\sim U[0, 1 - a]` (still in :math:`[0, 1]`), so the network
    also sees low-contrast, smooth content, which the training photos rarely show, at every
    noise level.
    """
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
    y, sigma, x = batch
    return torch.mean((model(y, sigma) - x) ** 2)


@contextmanager
def _channels_last(*nets, enabled: bool = True):
    """Convolution weights of ``nets`` in channels-last memory format inside the block, contiguous after it.

    On the CPU the convolutions run 10-20 % faster that way, with the same arithmetic up to
    rounding; the shipped weights are stored contiguous.
    """
    if enabled:
        for net in nets:
            net.to(memory_format=torch.channels_last)
    try:
        yield
    finally:
        if enabled:
            for net in nets:
                net.to(memory_format=torch.contiguous_format)


def _train_denoiser(model, n_steps: int = 2400, progress: bool = True, callback=None) -> dict:
    images = _denoiser_training_images()
    val = [denoising_batches(images, batch=32, seed=99)(0)]
    with _channels_last(model):
        return fit(model, denoising_loss, denoising_batches(images, seed=0, channels_last=True), n_steps, lr=2e-3,
                   val_batches=val, seed=0, callback=callback, progress=progress, keep_best=False)


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


# --------------------------------------------------------------------------- the GAN (Fashion-MNIST)

#: Latent dimension of the shipped generator (:math:`d' = 32 \\ll 784` pixels).
GAN_LATENT = 32


#: Standard deviation of the noise on each Gaussian measurement in lecture 2's compressed sensing.
CS_NOISE = 0.01


def cs_measurements(m: int, x: torch.Tensor, seed: int, noise_level: float = CS_NOISE):
    """``(A, y)``: ``m`` Gaussian measurements of images ``(..., 28, 28)``, :math:`y = Ax + n`.

    :math:`A` is :class:`~invlab.operators.GaussianSensing` with matrix seed ``seed``;
    :math:`n \\sim \\mathcal N(0, s^2 I)` with :math:`s` = ``noise_level``, drawn from seed
    ``10000 + seed``, so the same ``seed`` gives the same problem in the notebook, its panels and
    the benchmarks.
    """
    noise_level = check_real(noise_level, "noise_level", low=0)
    seed = check_int(seed, "seed", low=0)
    A = op.GaussianSensing(m, tuple(x.shape[-2:]), seed=seed)
    y = A(x)
    g = torch.Generator().manual_seed(10_000 + seed)
    return A, y + noise_level * torch.randn(y.shape, generator=g)


#: CSGM's weight on :math:`\\|z\\|^2` is :math:`\\lambda_z = c/m` with this :math:`c`, chosen on 30
#: *training* images by ``benchmarks/tune_csgm.py`` (see :func:`csgm_lam_z`).
CSGM_LAM_Z = 10.0


def csgm_lam_z(m: int) -> float:
    """:math:`\\lambda_z = c/m` (:data:`CSGM_LAM_Z`) for CSGM from ``m`` Gaussian measurements.

    As a MAP estimate with :math:`z \\sim \\mathcal N(0, I)` and measurement error of variance
    :math:`s^2` per measurement, :math:`\\lambda_z = s^2/2`. The error CSGM cannot fit is mostly
    the generator's representation error :math:`e`, whose :math:`m` normalised Gaussian
    measurements carry :math:`\\approx\\|e\\|^2` in all, so :math:`s^2 \\approx \\|e\\|^2/m`: with
    few measurements the prior must weigh more.
    """
    return CSGM_LAM_Z / check_int(m, "m", low=1)


def gan_test_images(n_per_class: int = 10, start: int = 0) -> torch.Tensor:
    """*Test* images ``start .. start + n_per_class - 1`` of each Fashion-MNIST class, ``(10 n, 28, 28)``, class by class.

    The defaults are the benchmark's 100 images (``benchmarks/bench_csgm.py``, the manifest's
    score); ``start=10`` gives images it never uses, for validating choices
    (``benchmarks/validate_gan.py``).
    """
    n_per_class = check_int(n_per_class, "n_per_class", low=1)
    start = check_int(start, "start", low=0)
    x, labels = data.fashion_mnist("test", return_labels=True)
    keep = [torch.nonzero(labels == c)[start:start + n_per_class, 0] for c in range(10)]
    if min(len(k) for k in keep) < n_per_class:
        raise ValueError(f"start + n_per_class = {start + n_per_class} is more than a class has "
                         f"({min(int((labels == c).sum()) for c in range(10))} test images).")
    return x[torch.cat(keep)]


def generator_scores(generator, n_per_class: int = 10, start: int = 0) -> dict:
    """How close the generator's range comes to held-out images: the *representation error*.

    For each of :func:`gan_test_images` ``(n_per_class, start)`` (by default the benchmark's 100
    test images, never trained on) the best code
    :math:`\\hat z = \\arg\\min_z \\|G(z) - x\\|^2 + 10^{-3}\\|z\\|^2` is found by
    :func:`invlab.solvers.csgm` with :math:`A = I` (3 plain random restarts, no screening, 300
    Adam steps: the procedure the manifest records), and the PSNR of :math:`G(\\hat z)` is averaged.
    No reconstruction from measurements of :math:`x` by :math:`G` can do better than this (up to
    the optimiser), however many measurements.
    """
    from .solvers import csgm

    x = gan_test_images(n_per_class, start)
    xh, _ = csgm(op.Identity((28, 28)), x, generator, n_iter=300, restarts=3, lr=0.05, seed=0, candidates=3)
    p = psnr(xh, x)
    return {"projection_psnr": round(float(p.mean()), 3), "projection_psnr_std": round(float(p.std()), 3),
            "images": int(x.shape[0])}


def _build_gan_generator() -> Generator:
    torch.manual_seed(0)
    return Generator(latent_dim=GAN_LATENT, width=64, refine=True)


def _train_gan_generator(model, n_steps: int = 9000, progress: bool = True, callback=None) -> dict:
    """Train the generator against a fresh discriminator (:func:`invlab.train.fit_gan`) on the training split.

    The generator shipped is the moving average of its weights (``average=0.999``). The forward
    passes run in bfloat16 (``bf16=True``): on this project's 2-core machine a step took 58 ms
    instead of 83 ms (the manifest's training times: 9,000 steps in 523 s, against 6,500 steps in
    539 s in float32), so 9,000 steps fit in the 10-minute budget. The step count was chosen on
    100 validation *test* images (indices 10-19 of each class, never the benchmark's first 10):
    CSGM at m = 50 reached 18.04 / 18.13 / 18.21 dB with 6,500 float32 / 8,500 / 9,500 bfloat16
    steps, and 9,000 leaves a margin under 10 minutes (the shipped generator: 18.15 dB;
    ``benchmarks/validate_gan.py`` reproduces these numbers). Returns the
    history with the discriminator as a companion and the record a notebook scrubs: both losses,
    :math:`D(x)` and :math:`D(G(z))` per step, and 16 fixed codes' samples every 200 steps.
    """
    torch.manual_seed(1)
    disc = Discriminator(width=48)
    images = data.fashion_mnist("train")
    with _channels_last(model, disc):
        h = fit_gan(model, disc, images, n_steps, lr=2e-4, batch=64, seed=0, callback=callback, snapshot_every=200,
                    progress=progress, n_samples=16, average=0.999, bf16=True)
    h["record"] = {"step": torch.tensor(h["step"], dtype=torch.int32),
                   **{k: torch.tensor(h[k], dtype=torch.float32) for k in ("d_loss", "g_loss", "d_real", "d_fake")},
                   "samples": torch.stack(h["samples"]).to(torch.float16) if h["samples"] else torch.zeros(0),
                   "sample_step": torch.tensor(h["sample_step"], dtype=torch.int32)}
    h["companions"] = {"gan_discriminator": (disc, "DCGAN discriminator trained with gan_generator "
                                                   "(28x28 Fashion-MNIST, logits); lecture 2")}
    h["loss"] = h["g_loss"]
    return h


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

RECIPES = {
    "denoiser": Recipe(
        name="denoiser", build=_build_denoiser, train=_train_denoiser,
        evaluate=denoiser_scores, metric="psnr@0.1",
        data=f"64x64 patches (8 symmetries, half with reduced contrast) of the {len(data.TRAIN_IMAGES)} training "
             f"images (invlab.data.TRAIN_IMAGES) at native size and at 256x256, noise sigma ~ U[0, {DENOISER_MAX_SIGMA}]",
        description="noise-conditional residual U-Net (3 levels, width 24), denoiser(x, sigma); lecture 2 "
                    "(plug-and-play)"),
    "unet_deblur": Recipe(
        name="unet_deblur", build=_build_unet_deblur, train=_train_unet_deblur,
        evaluate=reconstructor_scores, metric=f"psnr@{DEBLUR_NOISE:g}",
        data=_deblurring_data(64),
        description="model-agnostic residual U-Net (3 levels, width 24) on y, net(y, A) -> x; lecture 2 "
                    "(deblurring, blur 2 px, noise 0.01)"),
    "unrolled_deblur": Recipe(
        name="unrolled_deblur", build=_build_unrolled_deblur, train=_train_unrolled_deblur,
        evaluate=reconstructor_scores, metric=f"psnr@{DEBLUR_NOISE:g}",
        data=_deblurring_data(UNROLLED_PATCH),
        description="unrolled gradient descent from the Tikhonov solution (alpha 0.01), 8 blocks with learned steps "
                    "and 4-layer CNNs (width 24), net(y, A) -> x; lecture 2 (deblurring, blur 2 px, noise 0.01)"),
    "gan_generator": Recipe(
        name="gan_generator", build=_build_gan_generator, train=_train_gan_generator,
        evaluate=generator_scores, metric="projection_psnr",
        data="Fashion-MNIST training split (10,000 images, 1,000 per class, 28x28; invlab.data.fashion_mnist), "
             "batches of 64",
        description=f"DCGAN generator (latent {GAN_LATENT}, width 64, 3x3 refining convolutions; the moving average of its "
                    "weights) trained with the non-saturating minimax loss, forward passes in bfloat16; "
                    "lecture 2 (GANs, CSGM); its discriminator ships as gan_discriminator"),
}
