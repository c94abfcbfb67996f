"""A small DCGAN for 28x28 grayscale images: ``generator(z) -> x`` and a discriminator.

Introduced in lecture 2 (GAN priors, CSGM). The generator maps a latent code
:math:`z \\sim \\mathcal N(0, I_{d'})` to an image :math:`x = G(z) \\in [0, 1]^{28\\times 28}`;
its range :math:`\\{G(z)\\}` is the "image manifold" that compressed sensing with a generative
model (:func:`invlab.solvers.csgm`) searches. The discriminator maps an image to a logit
:math:`\\ell`, with :math:`D(x) = \\mathrm{sigmoid}(\\ell)` the probability that :math:`x` is real.
The two are trained against each other with the losses of :mod:`invlab.losses` by
:func:`invlab.train.fit_gan`.

The DCGAN recipe (Radford et al.): strided (transposed) convolutions instead of pooling, batch
normalisation in the generator, ReLU in the generator and LeakyReLU(0.2) in the discriminator.
Here the generator ends in a sigmoid (images in :math:`[0, 1]`, the course's convention) and the
discriminator has no batch normalisation, so each image's logit depends on that image alone.

References
----------
I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, S. Ozair, A. Courville,
Y. Bengio, "Generative adversarial nets", NeurIPS 2014. A. Radford, L. Metz, S. Chintala,
"Unsupervised representation learning with deep convolutional generative adversarial networks",
ICLR 2016.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import check_int
from ._common import check_size_budget, gate

__all__ = ["Generator", "Discriminator"]

SIZE = 28  #: side of the images (7 -> 14 -> 28)


class Generator(nn.Module):
    """DCGAN generator ``(B, latent_dim) -> (B, 1, 28, 28)`` in :math:`[0, 1]`.

    Layers: a linear map to ``2*width`` feature maps of 7x7 (batch norm, ReLU), a 4x4 transposed
    convolution with stride 2 to ``width`` maps of 14x14 (batch norm, ReLU), and a 4x4 transposed
    convolution with stride 2 to one 28x28 image, followed by a sigmoid.

    With ``refine=True`` each upsampling is followed by a 3x3 convolution: 7x7 (``2*width``)
    :math:`\to` 14x14 (``width``) :math:`\to` 3x3 conv (``width``) :math:`\to` 28x28
    (``width // 2``) :math:`\to` 3x3 conv to the image. The extra layers let the generator draw
    sharper edges and textures (the shipped ``gan_generator`` uses them); the plain network
    trains about twice as fast.

    Parameters
    ----------
    latent_dim : int
        Dimension :math:`d'` of the latent code :math:`z` (much smaller than :math:`28^2 = 784`).
    width : int
        Feature maps of the 14x14 layer (the 7x7 one has ``2*width``).
    refine : bool
        Add the 3x3 convolutions (see above); ``width`` must then be even.

    Notes
    -----
    In training mode batch normalisation uses the batch's statistics (so a batch of one is an
    error); in eval mode (``generator.eval()``) it uses running statistics and every image depends
    on its own :math:`z` only, which is how :func:`~invlab.solvers.csgm` uses it.
    """

    def __init__(self, latent_dim: int = 32, width: int = 32, refine: bool = False):
        super().__init__()
        self.latent_dim = check_int(latent_dim, "latent_dim", low=1)
        self.width = check_int(width, "width", low=2 if refine else 1)
        if not isinstance(refine, bool):
            raise TypeError(f"refine must be True or False, got {refine!r}.")
        if refine and self.width % 2:
            raise ValueError(f"width must be even with refine=True (the 28x28 layer has width // 2 maps), got {width}.")
        self.refine = refine
        check_size_budget(Generator, latent_dim=latent_dim, width=width, refine=refine)
        w = self.width
        self.project = nn.Sequential(nn.Linear(self.latent_dim, 2 * w * 7 * 7, bias=False),
                                     nn.BatchNorm1d(2 * w * 7 * 7), nn.ReLU(inplace=True))
        up = [nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1, bias=False),   # 7 -> 14
              nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
        if refine:
            self.body = nn.Sequential(
                *up, nn.Conv2d(w, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True),
                nn.ConvTranspose2d(w, w // 2, 4, stride=2, padding=1, bias=False),   # 14 -> 28
                nn.BatchNorm2d(w // 2), nn.ReLU(inplace=True),
                nn.Conv2d(w // 2, 1, 3, padding=1), nn.Sigmoid())
        else:
            self.body = nn.Sequential(*up, nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1),   # 14 -> 28
                                      nn.Sigmoid())

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"latent_dim": self.latent_dim, "width": self.width, "refine": self.refine}

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Generate images.

        Parameters
        ----------
        z : torch.Tensor
            Latent codes ``(B, latent_dim)``.

        Returns
        -------
        torch.Tensor
            Images ``(B, 1, 28, 28)`` with values in :math:`[0, 1]`.
        """
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"z must be a torch.Tensor, got {type(z).__name__} (use torch.randn(B, latent_dim)).")
        z, dtype = gate(self, z, "z")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (B, {self.latent_dim}) (B, latent_dim), got {tuple(z.shape)}.")
        h = self.project(z).view(z.shape[0], 2 * self.width, 7, 7)
        return self.body(h).to(dtype)


class Discriminator(nn.Module):
    """DCGAN discriminator ``(B, 1, 28, 28) -> (B,)`` logits.

    Two 4x4 convolutions with stride 2 (28 -> 14 -> 7; ``width`` then ``2*width`` channels,
    LeakyReLU(0.2)) and a linear map to one logit :math:`\\ell`;
    :math:`D(x) = \\mathrm{sigmoid}(\\ell)` is the probability that :math:`x` is a real image.

    Parameters
    ----------
    width : int
        Channels of the first convolution (the second has ``2*width``).
    """

    def __init__(self, width: int = 32):
        super().__init__()
        self.width = check_int(width, "width", low=1)
        check_size_budget(Discriminator, width=width)
        w = self.width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),       # 28 -> 14
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),   # 14 -> 7
            nn.Flatten(), nn.Linear(2 * w * 7 * 7, 1))

    def config(self) -> dict:
        """The constructor arguments (stored by :mod:`invlab.pretrained`)."""
        return {"width": self.width}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score images.

        Parameters
        ----------
        x : torch.Tensor
            Images ``(B, 1, 28, 28)`` (or ``(B, 28, 28)``) in :math:`[0, 1]`.

        Returns
        -------
        torch.Tensor
            Logits ``(B,)``; ``torch.sigmoid`` of them is :math:`D(x)`.
        """
        x, dtype = gate(self, x, "x")
        if x.ndim == 3:
            x = x[:, None]
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, SIZE, SIZE):
            raise ValueError(f"x must have shape (B, 1, {SIZE}, {SIZE}) or (B, {SIZE}, {SIZE}), got {tuple(x.shape)}.")
        return self.body(x).squeeze(1).to(dtype)
