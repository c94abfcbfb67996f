"""Quadratic regularisers :math:`R(x) = \\tfrac12\\langle x, Hx\\rangle`: Tikhonov, gradient-Tikhonov
and the learned quadratic regulariser; all circulant ones are closed forms in Fourier."""
from __future__ import annotations

import torch

from .._checks import check_choice, check_shape
from ..operators import Gradient, check_tensor, laplacian_spectrum
from ..operators.blur import kernel_spectrum
from .base import Regulariser, _abs2, _check_image, _check_tau, _fourier_apply, _mirror, _real_dtype

__all__ = ["Tikhonov", "GradientTikhonov", "LearnedQuadratic"]


class Tikhonov(Regulariser):
    """Tikhonov (ridge) regulariser :math:`R(x) = \\tfrac12\\|x\\|_2^2`.

    Notes
    -----
    :math:`\\nabla R(x) = x` and :math:`\\operatorname{prox}_{\\tau R}(x) = x / (1 + \\tau)`.
    With it, :math:`\\min_x \\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)` has the solution
    :math:`(A^{\\top}A + \\lambda I)^{-1}A^{\\top}y`, which damps the small singular values of
    :math:`A` by the filter factors :math:`s_i^2/(s_i^2 + \\lambda)`.

    Examples
    --------
    >>> R = Tikhonov()
    >>> float(R(torch.ones(2, 2)))
    2.0
    """

    smooth = True
    quadratic = True

    def __call__(self, x):
        _check_image(x)
        return 0.5 * _abs2(x).sum()

    def grad(self, x):
        return _check_image(x).clone()

    def lipschitz(self, shape=None):
        return 1.0

    def prox(self, x, tau):
        tau = _check_tau(tau)
        return _check_image(x) / (1 + tau)

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):
        H, W = check_shape(shape, "shape", ndim=2)
        return torch.ones((H, W // 2 + 1), device=device, dtype=dtype)


class GradientTikhonov(Regulariser):
    """Smoothness (gradient-Tikhonov) regulariser :math:`R(x) = \\tfrac12\\|\\nabla x\\|_2^2`.

    Parameters
    ----------
    boundary : {"circular", "neumann"}
        Boundary of the forward differences (see :class:`invlab.operators.Gradient`).
        With ``"circular"`` the Hessian :math:`\\nabla^{\\top}\\nabla` is diagonalised by the
        FFT, so the prox and Tikhonov-type solves are exact and fast.

    Notes
    -----
    :math:`\\nabla R(x) = \\nabla^{\\top}\\nabla x` (minus the discrete Laplacian) and

    .. math:: \\operatorname{prox}_{\\tau R}(x) = (I + \\tau\\nabla^{\\top}\\nabla)^{-1}x
              = \\mathcal F^{-1}\\Bigl[\\frac{\\hat x_{kl}}{1 + \\tau\\mu_{kl}}\\Bigr],\\quad
              \\mu_{kl} = 4\\sin^2\\tfrac{\\pi k}{H} + 4\\sin^2\\tfrac{\\pi l}{W}

    for the circular boundary. For ``"neumann"`` the same formula is applied to the even
    (mirrored) extension of :math:`x` to :math:`2H \\times 2W` and cropped back: the
    Neumann Laplacian is diagonalised by the cosine transform, so this prox is exact too.
    """

    smooth = True
    quadratic = True

    def __init__(self, boundary: str = "circular"):
        self.boundary = check_choice(boundary, "boundary", ("circular", "neumann"))

    def _D(self, shape):
        return Gradient(tuple(shape[-2:]), self.boundary)

    def __call__(self, x):
        _check_image(x)
        return 0.5 * _abs2(self._D(x.shape)._forward(x)).sum()

    def grad(self, x):
        _check_image(x)
        D = self._D(x.shape)
        return D._adjoint(D._forward(x))

    def lipschitz(self, shape=None):  # noqa: ARG002
        return 8.0

    def prox(self, x, tau):
        tau = _check_tau(tau)
        _check_image(x)
        H, W = x.shape[-2:]
        if self.boundary == "circular":
            return _fourier_apply(x, 1 / (1 + tau * laplacian_spectrum((H, W), x.device, _real_dtype(x))))
        mu = laplacian_spectrum((2 * H, 2 * W), x.device, _real_dtype(x))
        return _fourier_apply(_mirror(x), 1 / (1 + tau * mu))[..., :H, :W]

    def split(self, shape):
        return self._D(shape), lambda z, tau: z / (1 + _check_tau(tau))

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):
        return laplacian_spectrum(shape, device, dtype) if self.boundary == "circular" else None

    def __repr__(self):
        return f"GradientTikhonov(boundary={self.boundary!r})"


class LearnedQuadratic(Regulariser):
    """A quadratic regulariser learned from data: :math:`R(x) = \\tfrac12\\sum_k \\|h_k \\circledast x\\|^2`.

    The filters :math:`h_k` (small, circular convolution) are fitted on training images by
    :func:`invlab.train.fit_learned_quadratic`. :math:`R` is circulant, with Hessian eigenvalues
    :math:`S(\\omega) = \\sum_k |\\hat h_k(\\omega)|^2`, so everything is a closed form in
    Fourier:

    .. math:: \\nabla R(x) = \\mathcal F^{-1}[S\\hat x],\\qquad
              \\operatorname{prox}_{\\tau R}(x) = \\mathcal F^{-1}\\Bigl[\\frac{\\hat x}{1+\\tau S}\\Bigr].

    Gradient-Tikhonov is the special case :math:`h_1 = (-1, 1)`, :math:`h_2 = (-1, 1)^{\\top}`.
    Introduced in lecture 1 (syllabus row 1.8: the simplest *learned* regulariser).

    Parameters
    ----------
    filters : torch.Tensor
        ``(K, s, s)`` filters, centred at ``(s // 2, s // 2)``.
    """

    smooth = True
    quadratic = True

    def __init__(self, filters: torch.Tensor):
        check_tensor(filters, "filters")
        if filters.ndim != 3 or filters.is_complex() or filters.shape[0] < 1:
            raise ValueError(f"filters must be a real tensor of shape (K, s, s), got {tuple(filters.shape)}.")
        self.filters = filters.detach().to(torch.float64).clone()
        self._cache = {}

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):
        H, W = check_shape(tuple(shape), "shape", ndim=2)
        key = (H, W, torch.device(device) if device is not None else torch.device("cpu"), dtype)
        if key not in self._cache:
            S = sum(_abs2(kernel_spectrum(h, (H, W))) for h in self.filters)
            self._cache[key] = S.to(device=key[2], dtype=dtype)
        return self._cache[key]

    def _S(self, x):
        return self.hessian_spectrum(x.shape[-2:], x.device, _real_dtype(x))

    def __call__(self, x):
        _check_image(x)
        return 0.5 * (x * self.grad(x)).sum()

    def grad(self, x):
        _check_image(x)
        return _fourier_apply(x, self._S(x))

    def lipschitz(self, shape=None):
        """:math:`\\max_\\omega S(\\omega)` on the grid ``shape``; without a shape the bound
        :math:`\\sum_k \\|h_k\\|_1^2 \\geq \\max S`."""
        if shape is None:
            return float((self.filters.abs().sum(dim=(-2, -1)) ** 2).sum())
        return float(self.hessian_spectrum(tuple(shape)[-2:]).max())

    def prox(self, x, tau):
        tau = _check_tau(tau)
        _check_image(x)
        return _fourier_apply(x, 1 / (1 + tau * self._S(x)))


    def __repr__(self):
        K, s, _ = self.filters.shape
        return f"LearnedQuadratic({K} filters of size {s}x{s})"
