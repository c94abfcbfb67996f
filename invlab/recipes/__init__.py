"""How every shipped network is built, trained and scored (used by :mod:`invlab.pretrained`).

One :class:`Recipe` per shipped file: ``build()`` makes the untrained network (seeded),
``train(model)`` runs :func:`invlab.train.fit` on the training data only, and
``evaluate(model)`` returns the held-out metrics recorded in ``data/weights/MANIFEST.json``
(test images / test subject / other seeds, never training data). ``python -m invlab.pretrained
train NAME`` runs the three in order; a notebook can call the same recipe to retrain live.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["Recipe", "RECIPES", "DENOISER_SIGMAS", "PNP_SETTINGS", "noisy_test_images", "denoiser_scores",
           "denoising_batches", "denoising_loss", "DEBLUR_BLUR", "DEBLUR_NOISE", "deblurring_test_set",
           "deblurring_batches", "reconstructor_scores", "CS_NOISE", "CSGM_LAM_Z", "cs_measurements", "csgm_lam_z",
           "gan_test_images", "generator_scores", "SR_FACTORS", "SR_BORDER", "SR_SETTINGS", "sr_test_set",
           "sr_scores", "sr_batches", "sr_loss", "SR_VARIANTS", "make_sr_loss", "fine_tune_sr", "sr_training_images",
           "CT_SIZE", "CT_VIEWS", "CT_NOISE", "CT_TEST_SEED", "CT_TEST_SETS", "CT_SETTINGS", "CT_TV_LAMS", "CT_TV_ITER",
           "ct_angles", "ct_operator", "ct_measure", "ct_test_set", "ct_batches", "ct_scores", "ct_tv_best",
           "MR_SIZE", "MR_ACCELERATIONS", "MR_CENTER", "MR_NOISE", "MR_MASKS", "MR_TEST_SETS", "MR_TEST_MASKS",
           "MR_SETTINGS", "mr_phase", "mr_mask", "mr_measure", "mr_training_images", "mr_batches",
           "mr_test_set", "mr_scores", "MR_CS_LAMS", "MR_CS_ITER", "MR_CS_KINDS", "mr_cs_best", "THICK_K", "thick_batches", "thick_test_set", "thick_scores"]


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
    base: str | None = None   # a shipped network whose weights initialise this one (a fine-tune)
    uses: tuple = ()          # shipped networks the training needs, passed to train(uses={name: net})



# One module per family; each defines its builders, training runs and held-out scores.
from .denoising import (DENOISER_MAX_SIGMA, DENOISER_SIGMAS, PNP_SETTINGS, _build_denoiser,  # noqa: E402
                        _train_denoiser, denoiser_scores, denoising_batches, denoising_loss, noisy_test_images)
from .deblurring import (DEBLUR_BLUR, DEBLUR_NOISE, UNROLLED_PATCH, _build_unet_deblur,  # noqa: E402
                         _build_unrolled_deblur, _deblurring_data, _train_unet_deblur, _train_unrolled_deblur,
                         deblurring_batches, deblurring_test_set, reconstructor_scores)
from .gan import (CS_NOISE, CSGM_LAM_Z, GAN_LATENT, _build_gan_generator, _train_gan_generator,  # noqa: E402
                  cs_measurements, csgm_lam_z, gan_test_images, generator_scores)
from .. import data  # noqa: E402

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

from .sr import (SR_BORDER, SR_FACTORS, SR_SETTINGS, SR_VARIANTS, _recipes as _sr_recipes, fine_tune_sr,  # noqa: E402
                 make_sr_loss, sr_batches, sr_loss, sr_scores, sr_test_set, sr_training_images)

RECIPES.update(_sr_recipes(Recipe))

from .ct import (CT_NOISE, CT_SETTINGS, CT_SIZE, CT_TEST_SEED, CT_TEST_SETS, CT_TV_ITER, CT_TV_LAMS,  # noqa: E402
                 CT_VIEWS, _recipes as _ct_recipes, ct_angles, ct_batches, ct_measure, ct_operator, ct_scores,
                 ct_test_set, ct_tv_best)

RECIPES.update(_ct_recipes(Recipe))

from .mri import (MR_ACCELERATIONS, MR_CENTER, MR_MASKS, MR_NOISE, MR_SETTINGS, MR_SIZE, MR_TEST_MASKS,  # noqa: E402
                  MR_TEST_SETS, _recipes as _mr_recipes, mr_batches, mr_mask, mr_measure, mr_phase,
                  mr_scores, mr_test_set, mr_training_images, MR_CS_LAMS, MR_CS_ITER, MR_CS_KINDS,
                  mr_cs_best, THICK_K, thick_batches, thick_test_set, thick_scores)

RECIPES.update(_mr_recipes(Recipe))
