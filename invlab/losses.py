"""Training losses of the learned methods: the GAN minimax game of lecture 2 and lecture 3's loss zoo.

**Lecture 3** (super-resolution) compares what a network learns from different losses
between its output :math:`\\hat x` and the ground truth :math:`x`: pixel losses (:func:`l1`,
:func:`l2`, :func:`huber`), a smoothness penalty (:func:`tv`), a *perceptual* loss on the
features of a frozen network (:func:`perceptual` with :class:`DenoiserFeatures`: the course's
own denoiser, nothing downloaded) and an *adversarial* loss (:func:`adversarial`). Each
returns a scalar mean over every entry, so batches of any size weigh the same.

**Lecture 2** (GANs):

Goodfellow et al. train a discriminator :math:`D` and a generator :math:`G` on the value function

.. math::
    \\min_G \\max_D\\; V(D, G) = \\mathbb E_{x \\sim p_{\\text{data}}}\\big[\\log D(x)\\big]
    + \\mathbb E_{z \\sim p_z}\\big[\\log\\big(1 - D(G(z))\\big)\\big].

The functions below take the discriminator's *logits* :math:`\\ell` (so
:math:`D = \\sigma(\\ell)`, the sigmoid) and write every logarithm with
:math:`\\log\\sigma(\\ell)` and :math:`\\log(1 - \\sigma(\\ell)) = \\log\\sigma(-\\ell)`
(``torch.nn.functional.logsigmoid``), which is finite and accurate for any logit, where
``torch.log(torch.sigmoid(l))`` gives ``-inf`` once :math:`\\ell < -104` in float32. Expectations
are means over the batch.

References
----------
I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, S. Ozair, A. Courville,
Y. Bengio, "Generative adversarial nets", NeurIPS 2014.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ._checks import check_bool
from torch import nn

from ._checks import check_int, check_real
from .operators import check_tensor

__all__ = ["value_function", "discriminator_loss", "generator_loss", "l1", "l2", "huber", "tv", "perceptual",
           "DenoiserFeatures", "adversarial"]


def _logits(t, name):
    check_tensor(t, name)
    if not t.is_complex() and not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor of logits, got dtype {t.dtype} (use {name}.float()).")
    if t.numel() == 0 or t.is_complex():
        raise ValueError(f"{name} must be a non-empty real tensor of logits, got shape {tuple(t.shape)} "
                         f"and dtype {t.dtype}.")
    return t


def value_function(d_real_logits: torch.Tensor, d_fake_logits: torch.Tensor) -> torch.Tensor:
    """The GAN value function :math:`V(D, G)`, estimated on a batch.

    .. math::
        V = \\frac1n\\sum_i \\log\\sigma(\\ell^{\\text{real}}_i)
          + \\frac1{n'}\\sum_j \\log\\big(1 - \\sigma(\\ell^{\\text{fake}}_j)\\big),

    at most 0; :math:`-2\\log 2 \\approx -1.386` when :math:`D` outputs :math:`\\tfrac12`
    everywhere (the value at the game's equilibrium, :math:`p_G = p_{\\text{data}}`).

    Parameters
    ----------
    d_real_logits : torch.Tensor
        Logits :math:`\\ell^{\\text{real}}` of the discriminator on real images, any shape.
    d_fake_logits : torch.Tensor
        Logits :math:`\\ell^{\\text{fake}}` on generated images :math:`G(z)`, any shape.

    Returns
    -------
    torch.Tensor
        A scalar (differentiable).
    """
    real = _logits(d_real_logits, "d_real_logits")
    fake = _logits(d_fake_logits, "d_fake_logits")
    return F.logsigmoid(real).mean() + F.logsigmoid(-fake).mean()


def discriminator_loss(d_real_logits: torch.Tensor, d_fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss :math:`-V(D, G)` (it *maximises* :math:`V`).

    .. math::
        L_D = -\\frac1n\\sum_i \\log\\sigma(\\ell^{\\text{real}}_i)
              - \\frac1{n'}\\sum_j \\log\\sigma(-\\ell^{\\text{fake}}_j),

    the binary cross-entropy of labelling real images 1 and generated ones 0. It is
    :math:`2\\log 2 \\approx 1.386` for a discriminator that cannot tell them apart.

    Parameters
    ----------
    d_real_logits, d_fake_logits : torch.Tensor
        See :func:`value_function`. Pass the fake images *detached* (``G(z).detach()``) so that
        the discriminator's step does not reach the generator.

    Returns
    -------
    torch.Tensor
        A scalar :math:`\\ge 0`.
    """
    return -value_function(d_real_logits, d_fake_logits)


def generator_loss(d_fake_logits: torch.Tensor, saturating: bool = False) -> torch.Tensor:
    """The generator's loss.

    ``saturating=True`` is the minimax loss of the slides, the part of :math:`V` that depends
    on :math:`G`:

    .. math:: L_G^{\\text{sat}} = \\frac1{n'}\\sum_j \\log\\big(1 - D(G(z_j))\\big)
              = \\frac1{n'}\\sum_j \\log\\sigma(-\\ell_j).

    The default is the **non-saturating** loss that Goodfellow et al. recommend in practice,

    .. math:: L_G = -\\frac1{n'}\\sum_j \\log D(G(z_j)) = -\\frac1{n'}\\sum_j \\log\\sigma(\\ell_j).

    Both push :math:`D(G(z))` up and have the same fixed point, but early in training the
    discriminator easily rejects the generator's samples (:math:`\\ell_j \\ll 0`), and there
    :math:`\\partial L_G^{\\text{sat}}/\\partial\\ell_j = -\\sigma(\\ell_j) \\approx 0`: the minimax
    generator gets almost no gradient exactly when it is worst. The non-saturating loss has
    :math:`\\partial L_G/\\partial\\ell_j = -(1 - \\sigma(\\ell_j)) \\approx -1` there.

    Parameters
    ----------
    d_fake_logits : torch.Tensor
        Logits of the discriminator on :math:`G(z)` (not detached: the gradient must reach
        :math:`G`).
    saturating : bool
        Use the minimax loss :math:`\\log(1 - D(G(z)))` instead of :math:`-\\log D(G(z))`.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    fake = _logits(d_fake_logits, "d_fake_logits")
    if check_bool(saturating, "saturating"):
        return F.logsigmoid(-fake).mean()
    return -F.logsigmoid(fake).mean()


# --------------------------------------------------------------------------- lecture 3: the loss zoo

def _pair(x_hat, x):
    for t, name in ((x_hat, "x_hat"), (x, "x")):
        check_tensor(t, name)
        if t.is_complex() or not t.is_floating_point():
            raise TypeError(f"{name} must be a real floating-point tensor, got dtype {t.dtype} (use {name}.float()).")
        if t.numel() == 0:
            raise ValueError(f"{name} must not be empty.")
    if x_hat.shape != x.shape:
        raise ValueError(f"x_hat and x must have the same shape, got {tuple(x_hat.shape)} and {tuple(x.shape)}.")
    return x_hat, x


def l1(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Mean absolute error :math:`\frac1N\sum_i |\hat x_i - x_i|`.

    Its gradient has the same size for every non-zero error, so it does not let a few large
    errors dominate; minimisers are medians, which keep edges sharper than :func:`l2`'s means.
    """
    x_hat, x = _pair(x_hat, x)
    return (x_hat - x).abs().mean()


def l2(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Mean squared error :math:`\frac1N\sum_i (\hat x_i - x_i)^2` (what PSNR measures).

    Its minimiser over plausible answers is their *mean*: where the low-resolution image
    allows several textures, L2 returns their blurred average.
    """
    x_hat, x = _pair(x_hat, x)
    return ((x_hat - x) ** 2).mean()


def huber(x_hat: torch.Tensor, x: torch.Tensor, delta: float = 0.01) -> torch.Tensor:
    r"""Huber loss: quadratic for small errors, linear for large ones.

    .. math::
        \rho_\delta(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta,\\
        \delta\,(|r| - \tfrac12\delta) & |r| > \delta, \end{cases}
        \qquad L = \frac1N \sum_i \rho_\delta(\hat x_i - x_i).

    :math:`\rho_\delta` is continuous with a continuous derivative at :math:`|r| = \delta`;
    :math:`\rho_\delta/\delta \to |r|` as :math:`\delta \to 0` and it equals
    :math:`\tfrac12 r^2` when :math:`\delta \ge \max|r|`.

    Parameters
    ----------
    delta : float
        The threshold :math:`\delta > 0` (image units).
    """
    x_hat, x = _pair(x_hat, x)
    delta = check_real(delta, "delta", low=0, low_open=True)
    r = (x_hat - x).abs()
    return torch.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta)).mean()


def tv(x_hat: torch.Tensor) -> torch.Tensor:
    r"""Anisotropic total variation per pixel, :math:`\frac1N \sum_{i,j} |\hat x_{i+1,j} - \hat x_{i,j}| + |\hat x_{i,j+1} - \hat x_{i,j}|`.

    Forward differences without wrap-around, averaged over the images (:math:`N` = number of
    entries of ``x_hat``). A penalty on the output alone, added with a small weight to smooth
    ringing; it pulls toward piecewise-constant images.
    """
    check_tensor(x_hat, "x_hat")
    if x_hat.ndim < 2 or x_hat.is_complex() or not x_hat.is_floating_point():
        raise TypeError(f"x_hat must be real floating-point images (..., H, W), got shape {tuple(x_hat.shape)} and "
                        f"dtype {x_hat.dtype}.")
    dh = (x_hat[..., 1:, :] - x_hat[..., :-1, :]).abs().sum()
    dw = (x_hat[..., :, 1:] - x_hat[..., :, :-1]).abs().sum()
    return (dh + dw) / x_hat.numel()


class DenoiserFeatures(nn.Module):
    r"""Frozen feature maps of the course's own denoiser, for :func:`perceptual`.

    The perceptual losses of Johnson et al. (ECCV 2016) and SRGAN compare VGG-19 features
    trained on ImageNet; this course downloads nothing, so it takes the encoder of the
    :class:`~invlab.nets.UNetDenoiser` shipped as ``"denoiser"`` (trained on the training photos,
    lecture 2). Level :math:`\ell` is the output of the encoder's :math:`\ell`-th double
    convolution (after :math:`\ell - 1` poolings) on :math:`[x, 0]` (noise level 0): edges and
    textures at 1, 1/2 and 1/4 resolution. The weights are frozen; gradients still flow to
    :math:`x`.

    Parameters
    ----------
    denoiser : UNetDenoiser
        e.g. ``invlab.pretrained.load("denoiser")``.
    levels : int
        How many encoder levels to return (1 to the U-Net's depth).
    """

    def __init__(self, denoiser, levels: int = 2):
        super().__init__()
        from .nets import UNetDenoiser

        if not isinstance(denoiser, UNetDenoiser):
            raise TypeError(f"denoiser must be a UNetDenoiser (invlab.pretrained.load('denoiser')), got "
                            f"{type(denoiser).__name__}.")
        self.levels = check_int(levels, "levels", low=1, high=denoiser.body.depth)
        self.blocks = denoiser.body.down[:self.levels]
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        r"""Feature maps of ``x`` ``(B, 1, H, W)``, one per level."""
        h = torch.cat([x, torch.zeros_like(x)], dim=1)
        out = []
        for i, block in enumerate(self.blocks):
            h = block(h if i == 0 else F.max_pool2d(h, 2))
            out.append(h)
        return out


def perceptual(x_hat: torch.Tensor, x: torch.Tensor, features) -> torch.Tensor:
    r"""Perceptual (feature) loss :math:`\sum_\ell \frac1{N_\ell}\|\phi_\ell(\hat x) - \phi_\ell(x)\|_2^2`.

    Two images whose features :math:`\phi_\ell` agree have the same local structure (edges,
    texture statistics) even where their pixels differ, so this loss does not reward the
    blurred average that :func:`l2` does.

    Parameters
    ----------
    x_hat, x : torch.Tensor
        ``(B, 1, H, W)`` images.
    features : callable
        ``features(x) -> list of feature maps``, e.g. :class:`DenoiserFeatures`.
    """
    x_hat, x = _pair(x_hat, x)
    if not callable(features):
        raise TypeError(f"features must be a callable returning feature maps (DenoiserFeatures), got "
                        f"{type(features).__name__}.")
    if x.ndim != 4:
        raise ValueError(f"x_hat and x must be (B, 1, H, W) images for perceptual, got shape {tuple(x.shape)}.")
    with torch.no_grad():
        target = [t.detach() for t in features(x)]
    return sum(((a - b) ** 2).mean() for a, b in zip(features(x_hat), target))


def adversarial(x_hat: torch.Tensor, discriminator) -> torch.Tensor:
    r"""The generator's adversarial loss :math:`-\frac1n\sum_j \log D(\hat x_j)` (non-saturating, as in SRGAN).

    :math:`D` = ``discriminator`` returns logits (any shape: a patch discriminator scores each
    region); the loss is :func:`generator_loss` of those logits. It rewards outputs that
    :math:`D` cannot tell from real high-resolution patches, whatever their pixel error.
    """
    check_tensor(x_hat, "x_hat")
    if not callable(discriminator):
        raise TypeError(f"discriminator must be a network returning logits, got {type(discriminator).__name__}.")
    return generator_loss(discriminator(x_hat))
