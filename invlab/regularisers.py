"""Regularisers :math:`R(x)` of variational reconstruction, each with its proximal operator.

Introduced in lecture 1. A regulariser is a small object:

* ``R(x)`` -- the value, summed over the image (and over a batch), a 0-d tensor;
* ``R.prox(x, tau)`` -- :math:`\\operatorname{prox}_{\\tau R}(x) = \\arg\\min_u
  \\tfrac12\\|u - x\\|^2 + \\tau R(u)`;
* ``R.grad(x)`` -- :math:`\\nabla R(x)` where :math:`R` is smooth (``NotImplementedError``
  otherwise).

The solvers in :mod:`invlab.solvers` minimise :math:`\\tfrac12\\|Ax - y\\|^2 + \\lambda R(x)`.
Two optional hooks make them fast: :meth:`Regulariser.split` writes :math:`R(x) = g(Kx)`
with a simple :math:`g` (used by ADMM and PDHG), and :meth:`Regulariser.hessian_spectrum`
gives the Fourier eigenvalues of a circulant quadratic regulariser (used by the closed-form
:func:`invlab.solvers.tikhonov`).
"""
from __future__ import annotations

import math
import numbers

import torch

from .operators import Gradient, Identity, LinearOperator
from .operators.blur import kernel_spectrum

__all__ = ["Regulariser", "L1", "Tikhonov", "GradientTikhonov", "TV", "Wavelet", "LearnedQuadratic",
           "HaarTransform", "haar", "ihaar", "soft_threshold", "group_soft_threshold",
           "laplacian_spectrum"]


def _check_tau(tau) -> float:
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real) or not math.isfinite(tau) or tau < 0:
        raise ValueError(f"tau must be a finite number >= 0, got {tau!r}.")
    return float(tau)


def _check_image(x, name="x"):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}; "
                        "convert a numpy array with torch.from_numpy(x).")
    if x.ndim < 2:
        raise ValueError(f"{name} must have shape (..., H, W), got {tuple(x.shape)}.")
    return x


def _abs2(x):
    return x.real**2 + x.imag**2 if x.is_complex() else x * x


def _real_dtype(x):
    return x.real.dtype if x.is_complex() else x.dtype


# ----------------------------------------------------------------------------------------
# thresholding
# ----------------------------------------------------------------------------------------
def soft_threshold(x: torch.Tensor, t) -> torch.Tensor:
    """Soft thresholding, the prox of :math:`t\\|\\cdot\\|_1`.

    .. math:: \\operatorname{soft}(x, t)_i = \\operatorname{sign}(x_i)\\max(|x_i| - t, 0)

    (for complex :math:`x_i`: :math:`x_i \\max(1 - t/|x_i|, 0)`).

    Parameters
    ----------
    x : torch.Tensor
    t : float or torch.Tensor
        Threshold :math:`t \\geq 0` (a tensor broadcasts against ``x``).
    """
    if not isinstance(t, torch.Tensor):
        t = _check_tau(t)
    if x.is_complex():
        mag = x.abs()
        return x * torch.clamp(1 - t / torch.clamp(mag, min=torch.finfo(mag.dtype).tiny), min=0)
    return torch.sign(x) * torch.clamp(x.abs() - t, min=0)


def group_soft_threshold(g: torch.Tensor, t: float, dim: int = -3) -> torch.Tensor:
    """Group (vector) soft thresholding, the prox of :math:`t\\sum_i \\|g_i\\|_2`.

    .. math:: g_i \\mapsto g_i \\max\\bigl(1 - t / \\|g_i\\|_2,\\; 0\\bigr)

    where :math:`g_i` is the vector along ``dim`` (the two gradient components for TV).
    """
    norm = torch.sqrt(_abs2(g).sum(dim=dim, keepdim=True))
    return g * torch.clamp(1 - t / torch.clamp(norm, min=torch.finfo(norm.dtype).tiny), min=0)


# ----------------------------------------------------------------------------------------
# orthonormal Haar wavelet transform
# ----------------------------------------------------------------------------------------
def _check_levels(shape, levels):
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
        raise ValueError(f"levels must be an integer >= 1, got {levels!r}.")
    H, W = shape[-2], shape[-1]
    m = 2**levels
    if H % m or W % m:
        raise ValueError(
            f"a {levels}-level Haar transform needs H and W divisible by 2**levels = {m}; "
            f"got an image of size {H}x{W}. Crop or pad the image, or use fewer levels.")


def _analysis_step(x, dim):
    """One orthonormal 1-D Haar step along ``dim`` (-2 or -1): [(even+odd)/sqrt2 | (even-odd)/sqrt2]."""
    e, o = (x[..., 0::2, :], x[..., 1::2, :]) if dim == -2 else (x[..., 0::2], x[..., 1::2])
    return torch.cat(((e + o) / math.sqrt(2), (e - o) / math.sqrt(2)), dim=dim)


def _synthesis_step(c, dim):
    """Inverse of :func:`_analysis_step`."""
    n = c.shape[dim]
    s, d = c.split(n // 2, dim=dim)
    e, o = (s + d) / math.sqrt(2), (s - d) / math.sqrt(2)
    return torch.stack((e, o), dim=dim).flatten(dim - 1, dim)  # interleave even and odd


def haar(x: torch.Tensor, levels: int = 3) -> torch.Tensor:
    """Orthonormal 2-D Haar wavelet transform :math:`c = \\Psi x` in the pyramid layout.

    One level maps each :math:`2\\times2` block :math:`\\begin{pmatrix}a&b\\\\c&d\\end{pmatrix}`
    to an average :math:`(a+b+c+d)/2` and three details :math:`(a-b+c-d)/2`,
    :math:`(a+b-c-d)/2`, :math:`(a-b-c+d)/2`; the averages form the top-left quarter and the
    next level transforms that quarter again. The transform is orthonormal,
    :math:`\\Psi^{\\top}\\Psi = I`, so :math:`\\|\\Psi x\\| = \\|x\\|` and :func:`ihaar` is
    both the inverse and the adjoint.

    Parameters
    ----------
    x : torch.Tensor
        Images ``(..., H, W)``; ``H`` and ``W`` must be divisible by ``2**levels``.
    levels : int
        Number of levels :math:`\\geq 1`.

    Returns
    -------
    torch.Tensor
        Coefficients, same shape as ``x``: the coarse approximation in the top-left
        ``(H / 2**levels, W / 2**levels)`` block, details everywhere else.
    """
    _check_image(x)
    _check_levels(x.shape, levels)
    H, W = x.shape[-2:]
    c = x.clone()
    for lev in range(levels):
        h, w = H >> lev, W >> lev
        c[..., :h, :w] = _analysis_step(_analysis_step(c[..., :h, :w], -2), -1)
    return c


def ihaar(c: torch.Tensor, levels: int = 3) -> torch.Tensor:
    """Inverse (= adjoint) of :func:`haar`: :math:`x = \\Psi^{\\top} c`."""
    _check_image(c, "c")
    _check_levels(c.shape, levels)
    H, W = c.shape[-2:]
    x = c.clone()
    for lev in reversed(range(levels)):
        h, w = H >> lev, W >> lev
        x[..., :h, :w] = _synthesis_step(_synthesis_step(x[..., :h, :w], -1), -2)
    return x


def _detail_mask(shape, levels, device=None):
    H, W = shape
    m = torch.ones((H, W), dtype=torch.bool, device=device)
    m[: H >> levels, : W >> levels] = False
    return m


class HaarTransform(LinearOperator):
    """The Haar transform :math:`\\Psi` of :func:`haar` as a linear operator (adjoint :func:`ihaar`)."""

    def __init__(self, shape, levels: int = 3):
        shape = tuple(int(s) for s in shape)
        _check_levels(shape, levels)
        super().__init__(shape, shape)
        self.levels = levels

    def _forward(self, x):
        return haar(x, self.levels)

    def _adjoint(self, c):
        return ihaar(c, self.levels)


# ----------------------------------------------------------------------------------------
# Fourier symbol of the circular Laplacian
# ----------------------------------------------------------------------------------------
_SYMBOLS: dict = {}


def laplacian_spectrum(shape, device=None, dtype=torch.float64) -> torch.Tensor:
    """Eigenvalues of :math:`\\nabla^{\\top}\\nabla` for circular forward differences.

    .. math:: \\mu_{kl} = 4\\sin^2(\\pi k / H) + 4\\sin^2(\\pi l / W)

    in the ``rfft2`` layout, shape ``(H, W // 2 + 1)``; the maximum is at most 8.
    """
    H, W = (int(s) for s in shape)
    key = (H, W, torch.device(device) if device is not None else torch.device("cpu"), dtype)
    if key not in _SYMBOLS:
        k = torch.arange(H, dtype=torch.float64)
        l = torch.arange(W // 2 + 1, dtype=torch.float64)
        mu = 4 * torch.sin(math.pi * k / H)[:, None] ** 2 + 4 * torch.sin(math.pi * l / W)[None, :] ** 2
        _SYMBOLS[key] = mu.to(device=key[2], dtype=dtype)
    return _SYMBOLS[key]


def _fourier_apply(x, symbol):
    """:math:`\\mathcal F^{-1}(s \\cdot \\mathcal F x)` for a real symbol in the rfft2 layout."""
    if x.is_complex():
        raise TypeError("this circulant regulariser is implemented for real images only.")
    return torch.fft.irfft2(torch.fft.rfft2(x) * symbol, s=x.shape[-2:])


# ----------------------------------------------------------------------------------------
# the regularisers
# ----------------------------------------------------------------------------------------
class Regulariser:
    """Base class: :math:`R(x)` with ``__call__``, ``prox`` and (where smooth) ``grad``.

    Attributes
    ----------
    smooth : bool
        Whether :math:`R` is differentiable with a Lipschitz gradient.
    quadratic : bool
        Whether :math:`R(x) = \\tfrac12\\langle x, Hx\\rangle` with a linear :math:`H` (then
        ``grad(x)`` is :math:`Hx` and Tikhonov-type problems are linear systems).
    """

    smooth = False
    quadratic = False

    def __call__(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def prox(self, x: torch.Tensor, tau: float) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} is not differentiable, so it has no grad(); use a "
            "proximal solver (ista, fista, admm, pdhg) that only needs R.prox.")

    def lipschitz(self, shape=None) -> float:
        """Lipschitz constant :math:`L_R` of :math:`\\nabla R` (smooth regularisers only)."""
        raise NotImplementedError(f"{type(self).__name__} is not smooth: no Lipschitz constant.")

    def split(self, shape):
        """Write :math:`R(x) = g(Kx)`; returns ``(K, prox_g)`` with ``prox_g(z, tau)``.

        Used by :func:`invlab.solvers.admm` (variable :math:`z = Kx`) and
        :func:`invlab.solvers.pdhg`. The default is :math:`K = I`, :math:`g = R`.
        """
        return Identity(shape), self.prox

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):
        """Fourier eigenvalues of :math:`H` when :math:`R = \\tfrac12\\langle x, Hx\\rangle` is circulant, else ``None``."""
        return None

    def __repr__(self):
        return f"{type(self).__name__}()"


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
        return x.clone()

    def lipschitz(self, shape=None):
        return 1.0

    def prox(self, x, tau):
        tau = _check_tau(tau)
        return x / (1 + tau)

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):
        H, W = shape
        return torch.ones((H, W // 2 + 1), device=device, dtype=dtype)


class L1(Regulariser):
    """Sparsity of the entries themselves: :math:`R(x) = \\|x\\|_1 = \\sum_i |x_i|`.

    Notes
    -----
    :math:`\\operatorname{prox}_{\\tau R} = \\operatorname{soft}(\\cdot, \\tau)` (:func:`soft_threshold`),
    so ISTA with this regulariser is iterative soft thresholding. Works on any shape (also
    1-D vectors, e.g. with :class:`invlab.operators.Matrix`).
    """

    def __call__(self, x):
        return x.abs().sum()

    def prox(self, x, tau):
        return soft_threshold(x, _check_tau(tau))


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

    for the circular boundary; for ``"neumann"`` the prox is solved by conjugate gradients
    (the system is well conditioned, :math:`\\kappa \\leq 1 + 8\\tau`).
    """

    smooth = True
    quadratic = True

    def __init__(self, boundary: str = "circular"):
        if boundary not in ("circular", "neumann"):
            raise ValueError(f"boundary must be 'circular' or 'neumann', got {boundary!r}.")
        self.boundary = boundary

    def _D(self, shape):
        return Gradient(tuple(shape[-2:]), self.boundary)

    def __call__(self, x):
        _check_image(x)
        return 0.5 * _abs2(self._D(x.shape)._forward(x)).sum()

    def grad(self, x):
        _check_image(x)
        D = self._D(x.shape)
        return D._adjoint(D._forward(x))

    def lipschitz(self, shape=None):
        return 8.0

    def prox(self, x, tau):
        tau = _check_tau(tau)
        _check_image(x)
        if self.boundary == "circular" and not x.is_complex():
            mu = laplacian_spectrum(x.shape[-2:], x.device, _real_dtype(x))
            return _fourier_apply(x, 1 / (1 + tau * mu))
        from .solvers import cg  # local import: solvers imports this module

        u, _ = cg(lambda v: v + tau * self.grad(v), x, x0=x, n_iter=500, tol=1e-10)
        return u

    def split(self, shape):
        return self._D(shape), lambda z, tau: z / (1 + _check_tau(tau))

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):
        return laplacian_spectrum(shape, device, dtype) if self.boundary == "circular" else None

    def __repr__(self):
        return f"GradientTikhonov(boundary={self.boundary!r})"


class TV(Regulariser):
    """Isotropic total variation :math:`R(x) = \\sum_i \\|(\\nabla x)_i\\|_2`.

    .. math:: \\mathrm{TV}(x) = \\sum_{i,j}\\sqrt{(x_{i+1,j}-x_{i,j})^2 + (x_{i,j+1}-x_{i,j})^2}

    with forward differences (:class:`invlab.operators.Gradient`). TV favours piecewise
    constant images: it keeps edges that quadratic regularisers blur.

    Parameters
    ----------
    boundary : {"neumann", "circular"}
        ``"neumann"`` (default) sets the differences across the image border to zero;
        ``"circular"`` wraps around (matches a circular blur and makes the ADMM x-update an
        exact FFT solve).
    max_iter : int
        Maximum number of inner iterations of the prox.
    tol : float
        The prox stops when the duality gap is below ``tol`` times the primal value, which
        certifies :math:`P(u) - P^{\\star} \\leq \\text{tol}\\cdot P(u)` for the prox objective
        :math:`P(u) = \\tfrac12\\|u-x\\|^2 + \\tau\\mathrm{TV}(u)`.
    warm_start : bool
        Start each prox from the dual variable of the previous call (same shape). Useful
        inside FISTA, where consecutive prox inputs are close.

    Attributes
    ----------
    last_iter, last_gap : int, float
        Inner iterations used and relative duality gap reached by the latest ``prox``.
    last_dual : torch.Tensor or None
        The dual variable :math:`p` of the latest ``prox`` (``prox(x, tau)`` equals
        :math:`x - \\tau\\nabla^{\\top}p`).

    Notes
    -----
    The prox has no closed form. It is computed on the dual (Chambolle 2004; Beck & Teboulle
    2009): with :math:`u = x - \\tau\\nabla^{\\top}p`,

    .. math:: \\min_{\\|p_i\\|_2 \\leq 1}\\; \\tfrac12\\|x - \\tau\\nabla^{\\top}p\\|^2,

    solved by FISTA with projected gradient steps
    :math:`p \\leftarrow \\Pi_{\\|\\cdot\\|\\leq1}\\bigl(p + \\tfrac{1}{8\\tau}\\nabla u\\bigr)`
    (:math:`\\|\\nabla\\|^2 \\leq 8`). The duality gap is
    :math:`\\tau\\sum_i(\\|(\\nabla u)_i\\| - \\langle p_i, (\\nabla u)_i\\rangle) \\geq 0`.

    Examples
    --------
    TV denoising is the prox with :math:`\\tau = \\lambda` (scikit-image's
    ``denoise_tv_chambolle(y, weight=lam)`` solves the same problem):

    >>> tv = TV()
    >>> y = torch.rand(64, 64)
    >>> u = tv.prox(y, 0.1)
    >>> tv.last_gap <= tv.tol
    True

    References
    ----------
    A. Chambolle, "An algorithm for total variation minimization and applications", JMIV 2004.
    A. Beck, M. Teboulle, "Fast gradient-based algorithms for constrained total variation
    image denoising and deblurring problems", IEEE TIP 2009.
    """

    def __init__(self, boundary: str = "neumann", max_iter: int = 1000, tol: float = 1e-4,
                 warm_start: bool = False):
        if boundary not in ("circular", "neumann"):
            raise ValueError(f"boundary must be 'neumann' or 'circular', got {boundary!r}.")
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
            raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}.")
        if not (isinstance(tol, (int, float)) and tol > 0):
            raise ValueError(f"tol must be a number > 0, got {tol!r}.")
        self.boundary, self.max_iter, self.tol, self.warm_start = boundary, max_iter, float(tol), warm_start
        self.last_iter, self.last_gap, self.last_dual = 0, float("nan"), None

    def _D(self, shape):
        return Gradient(tuple(shape[-2:]), self.boundary)

    def __call__(self, x):
        _check_image(x)
        return torch.sqrt(_abs2(self._D(x.shape)._forward(x)).sum(dim=-3)).sum()

    def prox(self, x, tau):
        tau = _check_tau(tau)
        _check_image(x)
        if tau == 0:
            return x.clone()
        circ = self.boundary == "circular"
        gshape = x.shape[:-2] + (2,) + x.shape[-2:]
        p = torch.zeros(gshape, dtype=x.dtype, device=x.device)
        if self.warm_start and self.last_dual is not None and self.last_dual.shape == gshape:
            p = self.last_dual.to(dtype=x.dtype, device=x.device)
        g = torch.zeros_like(p)  # buffer for the gradient (its Neumann border stays zero)
        q, t, step = p, 1.0, 1 / (8 * tau)
        for k in range(1, self.max_iter + 1):
            p_old = p
            u = x + tau * _div(q, circ)                       # u = x - tau * grad^T q
            p = _project_unit_ball(q + step * _grad(u, g, circ))
            t_new = (1 + math.sqrt(1 + 4 * t * t)) / 2
            q = p + ((t - 1) / t_new) * (p - p_old)
            t = t_new
            if k % 10 == 0 or k == self.max_iter:
                u = x + tau * _div(p, circ)
                gap, primal = _tv_gap(x, u, p, _grad(u, g, circ), tau)
                if gap <= self.tol * primal:
                    break
        self.last_iter, self.last_gap, self.last_dual = k, gap / primal if primal > 0 else 0.0, p
        return u

    def split(self, shape):
        return self._D(shape), lambda z, tau: group_soft_threshold(z, _check_tau(tau), dim=-3)

    def __repr__(self):
        return f"TV(boundary={self.boundary!r}, max_iter={self.max_iter}, tol={self.tol:g})"


def _grad(u, out, circular):
    """Forward differences of ``u`` written into ``out`` (..., 2, H, W): a fast :math:`\\nabla u`.

    Same values as :class:`invlab.operators.Gradient`; with the Neumann boundary the last
    row/column of ``out`` must hold zeros (they are never written).
    """
    torch.sub(u[..., 1:, :], u[..., :-1, :], out=out[..., 0, :-1, :])
    torch.sub(u[..., :, 1:], u[..., :, :-1], out=out[..., 1, :, :-1])
    if circular:
        torch.sub(u[..., :1, :], u[..., -1:, :], out=out[..., 0, -1:, :])
        torch.sub(u[..., :, :1], u[..., :, -1:], out=out[..., 1, :, -1:])
    return out


def _div(p, circular):
    """Discrete divergence :math:`\\operatorname{div} p = -\\nabla^{\\top}p` (fast path of the TV prox)."""
    pr, pc = p[..., 0, :, :], p[..., 1, :, :]
    d = pr + pc
    d[..., 1:, :] -= pr[..., :-1, :]
    d[..., :, 1:] -= pc[..., :, :-1]
    if circular:
        d[..., :1, :] -= pr[..., -1:, :]
        d[..., :, :1] -= pc[..., :, -1:]
    else:  # the differences across the border are zero: drop the last row/column of p
        d[..., -1, :] -= pr[..., -1, :]
        d[..., :, -1] -= pc[..., :, -1]
    return d


def _project_unit_ball(p):
    """Project each 2-vector :math:`p_i` (along dim -3) onto the unit ball, in place."""
    norm = torch.sqrt(_abs2(p).sum(dim=-3, keepdim=True))
    return p.div_(torch.clamp(norm, min=1.0))


def _tv_gap(x, u, p, grad_u, tau):
    """Duality gap :math:`\\tau\\sum_i(\\|(\\nabla u)_i\\| - \\langle p_i, (\\nabla u)_i\\rangle)` and primal value."""
    tv = torch.sqrt(_abs2(grad_u).sum(dim=-3)).sum()
    inner = (p.conj() * grad_u).real.sum() if grad_u.is_complex() else (p * grad_u).sum()
    gap = float(tau * (tv - inner))
    primal = float(0.5 * _abs2(u - x).sum() + tau * tv)
    return max(gap, 0.0), primal


class Wavelet(Regulariser):
    """Sparsity in an orthonormal Haar basis: :math:`R(x) = \\|\\Psi x\\|_1` over detail coefficients.

    Parameters
    ----------
    levels : int
        Number of Haar levels (the image size must be divisible by ``2**levels``).

    Notes
    -----
    Only the *detail* coefficients are penalised; the coarse approximation (the top-left
    ``H/2**levels x W/2**levels`` block of :func:`haar`, local means of the image) is left
    free, because it is large and not sparse for natural images and penalising it would
    only darken the image. Because :math:`\\Psi` is orthonormal, the prox is exact:

    .. math:: \\operatorname{prox}_{\\tau R}(x) = \\Psi^{\\top}\\operatorname{soft}(\\Psi x, \\tau)

    with soft thresholding applied to the details only.
    """

    def __init__(self, levels: int = 3):
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
            raise ValueError(f"levels must be an integer >= 1, got {levels!r}.")
        self.levels = levels

    def __call__(self, x):
        _check_image(x)
        c = haar(x, self.levels)
        return (c.abs() * _detail_mask(x.shape[-2:], self.levels, x.device)).sum()

    def _soft_details(self, c, tau):
        m = _detail_mask(c.shape[-2:], self.levels, c.device)
        return torch.where(m, soft_threshold(c, tau), c)

    def prox(self, x, tau):
        tau = _check_tau(tau)
        _check_image(x)
        return ihaar(self._soft_details(haar(x, self.levels), tau), self.levels)

    def split(self, shape):
        return HaarTransform(shape, self.levels), lambda c, tau: self._soft_details(c, _check_tau(tau))

    def __repr__(self):
        return f"Wavelet(levels={self.levels})"


class LearnedQuadratic(Regulariser):
    """A quadratic regulariser learned from data: :math:`R(x) = \\tfrac12\\sum_k \\|h_k \\circledast x\\|^2`.

    The filters :math:`h_k` (small, circular convolution) are fitted on training images by
    :meth:`fit`. :math:`R` is circulant, with Hessian eigenvalues
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
        if not isinstance(filters, torch.Tensor) or filters.ndim != 3:
            raise ValueError("filters must be a tensor of shape (K, s, s).")
        self.filters = filters.detach().to(torch.float64).clone()
        self._cache = {}

    def hessian_spectrum(self, shape, device=None, dtype=torch.float64):
        H, W = (int(s) for s in shape)
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

    @classmethod
    def fit(cls, A, x_train: torch.Tensor, sigma: float, n_filters: int = 4, size: int = 5,
            n_iter: int = 100, seed: int = 0, progress: bool = True) -> "LearnedQuadratic":
        """Fit the filters so that the regularised reconstruction is best in MSE on training pairs.

        Training pairs are :math:`y_n = Ax_n + \\sigma\\varepsilon_n` (seeded noise). With
        :math:`\\lambda = 1` absorbed into the filters, the reconstruction is the closed form

        .. math:: \\hat x_n(h) = \\mathcal F^{-1}\\Bigl[\\frac{\\overline{\\hat a}\\,\\hat y_n}
                  {|\\hat a|^2 + S_h}\\Bigr],\\qquad S_h = \\sum_k|\\hat h_k|^2,

        and the filters minimise :math:`\\sum_n \\|\\hat x_n(h) - x_n\\|^2` (L-BFGS, autograd
        through the FFTs). The start is gradient-Tikhonov at its best training
        :math:`\\lambda` (plus small random filters), so the fit can only improve on it.
        The fitted regulariser is meant to be used with ``lam = 1``.

        Parameters
        ----------
        A : Blur or Identity
            Circulant forward operator on the training image size.
        x_train : torch.Tensor
            Training images ``(N, H, W)``.
        sigma : float
            Noise standard deviation of the training measurements.
        n_filters : int
            Number of filters :math:`K \\geq 2`.
        size : int
            Odd filter side length :math:`\\geq 3`.
        n_iter : int
            L-BFGS iterations.
        seed : int
            Seed of the noise and of the initial random filters.
        progress : bool
            Show a progress bar (``tqdm.auto``) over the L-BFGS function evaluations.

        Returns
        -------
        LearnedQuadratic
            With ``train_mse``, the mean squared error per pixel reached on the training pairs.

        Notes
        -----
        Every circulant quadratic regulariser gives a linear (Wiener-type) filter, and for
        natural images, whose power spectrum decays like :math:`1/|\\omega|^2`,
        gradient-Tikhonov is already close to the best such filter: expect a gain of a few
        hundredths of a dB on held-out images, not more (``benchmarks/bench_tv.py``). That
        ceiling is the lecture's motivation for non-quadratic and learned non-linear priors.
        """
        from .solvers._common import _circulant_spectrum  # local import: solvers imports this module

        _check_image(x_train, "x_train")
        if isinstance(n_filters, bool) or not isinstance(n_filters, int) or n_filters < 2:
            raise ValueError(f"n_filters must be an integer >= 2, got {n_filters!r}.")
        if isinstance(size, bool) or not isinstance(size, int) or size < 3 or size % 2 == 0:
            raise ValueError(f"size must be an odd integer >= 3, got {size!r}.")
        if not (isinstance(sigma, (int, float)) and sigma > 0):
            raise ValueError(f"sigma must be a number > 0, got {sigma!r}.")
        a = _circulant_spectrum(A, torch.device("cpu"), torch.complex128)
        if a is None:
            raise TypeError(f"fit needs a circulant operator (Blur or Identity), got {type(A).__name__}.")
        shape = tuple(x_train.shape[-2:])
        if tuple(A.in_shape) != shape:
            raise ValueError(f"x_train images are {shape} but A acts on {A.in_shape}.")
        g = torch.Generator().manual_seed(seed)
        x = x_train.detach().to(torch.float64).reshape((-1,) + shape)
        y = A(x) + sigma * torch.randn(x.shape, generator=g, dtype=torch.float64)
        num = a.conj() * torch.fft.rfft2(y)
        a2 = _abs2(a)

        def loss_of(S):
            xhat = torch.fft.irfft2(num / (a2 + S), s=shape)
            return ((xhat - x) ** 2).sum(dim=(-2, -1)).mean()

        # start: gradient-Tikhonov at its best lambda on the training pairs
        mu = laplacian_spectrum(shape)
        lams = torch.logspace(-6, 2, 33, dtype=torch.float64).tolist()
        best = min(lams, key=lambda lam: float(loss_of(lam * mu)))
        h = torch.zeros((n_filters, size, size), dtype=torch.float64)
        c = size // 2
        scale = math.sqrt(best)
        h[0, c, c], h[0, c + 1, c] = -scale, scale
        h[1, c, c], h[1, c, c + 1] = -scale, scale
        h[2:] = 0.05 * scale * torch.randn((n_filters - 2, size, size), generator=g, dtype=torch.float64)
        h.requires_grad_(True)

        def S_of(h):
            return sum(_abs2(kernel_spectrum(hk, shape)) for hk in h)

        opt = torch.optim.LBFGS([h], max_iter=n_iter, line_search_fn="strong_wolfe",
                                tolerance_grad=1e-12, tolerance_change=1e-14, history_size=20)

        from tqdm.auto import tqdm

        bar = tqdm(total=opt.defaults["max_eval"], desc="fitting filters (L-BFGS evaluations)",
                   disable=not progress, leave=False)

        def closure():
            opt.zero_grad()
            loss = loss_of(S_of(h))
            loss.backward()
            bar.update(1)
            bar.set_postfix(mse=f"{loss.detach().item() / math.prod(shape):.2e}", refresh=False)
            return loss

        opt.step(closure)
        bar.close()
        R = cls(h.detach())
        R.train_mse = float(loss_of(S_of(h.detach()))) / math.prod(shape)
        return R

    def __repr__(self):
        K, s, _ = self.filters.shape
        return f"LearnedQuadratic({K} filters of size {s}x{s})"
