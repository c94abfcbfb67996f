"""Training losses of the learned methods: the GAN minimax game of lecture 2.

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
from .operators import check_tensor

__all__ = ["value_function", "discriminator_loss", "generator_loss"]


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
