"""Linear forward operators :math:`A` of the imaging inverse problems in the course.

Every operator acts on the trailing dimensions of a ``torch.Tensor`` and broadcasts over
leading ones; ``A(x)`` is the forward map, ``A.adjoint(y)`` its exact adjoint and ``A.T``
the adjoint operator. See :mod:`invlab.operators.base`.
"""
from .base import LinearOperator, dot_test, check_tensor
from .simple import Identity, Mask
from .blur import Blur
from .sampling import Downsample
from .mri import MRI, cartesian_mask, fft2c, ifft2c
from .dense import Matrix
from .sensing import GaussianSensing
from .gradient import Gradient, laplacian_spectrum
from .radon import Radon
from .wavelet import HaarTransform, haar, ihaar

__all__ = ["LinearOperator", "dot_test", "check_tensor", "Identity", "Mask", "Blur", "Downsample",
           "MRI", "cartesian_mask", "fft2c", "ifft2c", "Matrix", "GaussianSensing", "Gradient", "laplacian_spectrum", "Radon",
           "HaarTransform", "haar", "ihaar"]
