"""Neural networks of the course: plain ``nn.Module``s on ``(B, C, H, W)`` tensors.

One call shape per family (see docs/CONVENTIONS.md):

* ``denoiser(x, sigma) -> x`` — :class:`DnCNN`, :class:`UNetDenoiser` (lecture 2, plug-and-play);
* ``reconstructor(y, A) -> x`` — model-agnostic, unrolled and cascade networks (lectures 2, 4);
* ``generator(z) -> x`` — GAN generators (lecture 2);
* ``sr_net(y_lr) -> x_hr`` — super-resolution networks (lecture 3);
* ``net() -> x`` — :class:`DIPNet`, the deep image prior's generator with its own noise input (lecture 3b).

Constructors only build layers: trained weights are loaded by :mod:`invlab.pretrained`.
"""
from .dncnn import DnCNN, noise_level_map
from .unet import UNet, UNetDenoiser, UNetReconstructor
from .unrolled import UnrolledGD
from .ct import LearnedGD
from .mri import Cascade, KSpaceNet, MRIUNet
from .thick import ThickSliceSR, through_plane
from . import gan
from .gan import Discriminator, Generator
from .dip import DIPNet
from . import sr
from .sr import PatchDiscriminator, SRIterative, SRPost, SRPre, SRProgressive
from .selfensemble import SelfEnsemble
from .timing import forward_ms

__all__ = ["DnCNN", "UNet", "UNetDenoiser", "noise_level_map", "gan", "Generator", "Discriminator",
           "UNetReconstructor", "UnrolledGD", "LearnedGD", "DIPNet", "sr", "SRPost", "SRPre", "SRProgressive",
           "SRIterative", "PatchDiscriminator", "Cascade", "KSpaceNet", "MRIUNet", "ThickSliceSR", "through_plane",
           "SelfEnsemble", "forward_ms"]
