"""First-order methods for :math:`\\min_x \\tfrac12\\|Ax - y\\|^2 + \\lambda R(x)`: gradient descent,
ISTA, FISTA, ADMM and PDHG.

Introduced in lecture 1. Each loop body is the update equation of the slides.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_real
from ..operators import Gradient, HaarTransform, Identity
from ._common import (_check_callback, _check_lam, _check_n_iter, _check_positive, _check_reg, _circulant_spectrum, _complex_of, _gram_spectrum,
                      _norm2, _op_norm, _record, _rfft_norm2, _setup, objective)
from .linear import cg

__all__ = ["gradient_descent", "ista", "fista", "admm", "pdhg"]


# ----------------------------------------------------------------------------------------
# first-order methods
# ----------------------------------------------------------------------------------------
def gradient_descent(A, y, reg=None, lam: float = 0.0, n_iter: int = 100, step=None, x0=None,
                     x_true=None, keep_every=None, callback=None):
    """Gradient descent on :math:`f(x) = \\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)` for a smooth :math:`R`.

    .. math:: x_{k+1} = x_k - \\eta\\bigl(A^{\\top}(Ax_k - y) + \\lambda\\nabla R(x_k)\\bigr)

    It converges for :math:`0 < \\eta < 2/L` with :math:`L = \\|A\\|^2 + \\lambda L_R`, and
    diverges for larger steps. The step is *not* clamped: when the objective becomes
    infinite, NaN or explodes (more than :math:`10^{10}` times its start value) the loop
    stops and ``history["diverged"]`` is True.

    Parameters
    ----------
    reg : Regulariser or None
        A smooth regulariser (Tikhonov, GradientTikhonov, LearnedQuadratic); None for
        plain least squares (Landweber iteration).
    step : float, optional
        :math:`\\eta`; default :math:`1/L`. ``history["L"]`` holds :math:`L`.

    Returns
    -------
    x, history
    """
    lam = _check_lam(lam)
    x, history = _setup(A, y, x0, x_true, keep_every, n_iter)
    _check_callback(callback)
    if reg is not None:
        _check_reg(reg)
        if not reg.smooth:
            raise TypeError(f"gradient_descent needs a smooth regulariser, got {reg!r}; use ista, fista, "
                            "admm or pdhg, which only need its prox.")
    L = _op_norm(A) ** 2 + (lam * reg.lipschitz(A.in_shape) if reg is not None else 0.0)
    step = 1.0 / L if step is None else _check_positive(step, "step")
    history["L"], history["step"], history["diverged"] = L, step, False

    def grad_R(x):
        return reg.grad(x) if reg is not None and lam > 0 else 0.0

    start = objective(A, y, reg, lam, x)
    for k in range(1, n_iter + 1):
        x = x - step * (A._adjoint(A._forward(x) - y) + lam * grad_R(x))
        obj = objective(A, y, reg, lam, x)
        if not math.isfinite(obj) or obj > 1e10 * max(start, 1e-30):
            history["diverged"] = True
            _record(history, k, x, obj, x_true, keep_every, None)
            break
        if _record(history, k, x, obj, x_true, keep_every, callback):
            break
    return x, history


def _default_step(A, step):
    return 1.0 / _op_norm(A) ** 2 if step is None else _check_positive(step, "step")


def ista(A, y, reg, lam: float, n_iter: int = 100, step=None, x0=None, x_true=None, keep_every=None,
         callback=None):
    """ISTA (proximal gradient): a gradient step on the data term, then the prox of :math:`\\lambda R`.

    .. math:: x_{k+1} = \\operatorname{prox}_{\\eta\\lambda R}\\bigl(x_k - \\eta A^{\\top}(Ax_k - y)\\bigr)

    Converges for :math:`0 < \\eta < 2/\\|A\\|^2`; default :math:`\\eta = 1/\\|A\\|^2`.
    With :math:`R = \\|\\cdot\\|_1` the prox is soft thresholding (iterative soft thresholding).
    """
    lam = _check_lam(lam)
    _check_reg(reg)
    x, history = _setup(A, y, x0, x_true, keep_every, n_iter)
    _check_callback(callback)
    step = _default_step(A, step)
    for k in range(1, n_iter + 1):
        x = reg.prox(x - step * A._adjoint(A._forward(x) - y), step * lam)
        if _record(history, k, x, objective(A, y, reg, lam, x), x_true, keep_every, callback):
            break
    return x, history


def fista(A, y, reg, lam: float, n_iter: int = 100, step=None, x0=None, x_true=None, keep_every=None,
          callback=None):
    """FISTA (Beck & Teboulle 2009): ISTA with Nesterov momentum, :math:`O(1/k^2)` in the objective.

    .. math::
        x_{k+1} &= \\operatorname{prox}_{\\eta\\lambda R}\\bigl(z_k - \\eta A^{\\top}(Az_k - y)\\bigr)\\\\
        t_{k+1} &= \\tfrac12\\bigl(1 + \\sqrt{1 + 4t_k^2}\\bigr),\\qquad
        z_{k+1} = x_{k+1} + \\tfrac{t_k - 1}{t_{k+1}}(x_{k+1} - x_k)

    Default step :math:`\\eta = 1/\\|A\\|^2`. For TV the prox is itself iterative; a
    ``TV(warm_start=True)`` makes the inner solves much cheaper.
    """
    lam = _check_lam(lam)
    _check_reg(reg)
    x, history = _setup(A, y, x0, x_true, keep_every, n_iter)
    _check_callback(callback)
    step = _default_step(A, step)
    z, t = x, 1.0
    for k in range(1, n_iter + 1):
        x_old = x
        x = reg.prox(z - step * A._adjoint(A._forward(z) - y), step * lam)
        t_new = (1 + math.sqrt(1 + 4 * t * t)) / 2
        z = x + ((t - 1) / t_new) * (x - x_old)
        t = t_new
        if _record(history, k, x, objective(A, y, reg, lam, x), x_true, keep_every, callback):
            break
    return x, history


def _x_update(A, K, y, rho, cg_iter):
    """The ADMM x-step :math:`(A^{\\top}A + \\rho K^{\\top}K)x = A^{\\top}y + \\rho K^{\\top}v`.

    Returns ``solve(v, x_prev) -> (x, data_term)``: exact in Fourier when ``A`` and
    :math:`K^{\\top}K` are circulant, otherwise ``cg_iter`` warm-started CG iterations.
    """
    real = y.real.dtype if y.is_complex() else y.dtype
    a = None if y.is_complex() else _circulant_spectrum(A, y.device, _complex_of(real))
    k2 = _gram_spectrum(K, y.device, real) if a is not None else None
    if a is not None and k2 is not None:
        y_hat = torch.fft.rfft2(y)
        aty_hat = a.conj() * y_hat
        inv = 1 / ((a.real**2 + a.imag**2) + rho * k2)
        W = A.in_shape[-1]

        def solve(v, x_prev):
            x_hat = (aty_hat + rho * torch.fft.rfft2(K._adjoint(v))) * inv
            data = 0.5 * _rfft_norm2(a * x_hat - y_hat, W)  # 1/2 ||Ax - y||^2 by Parseval
            return torch.fft.irfft2(x_hat, s=A.in_shape), data

        return solve
    aty = A.adjoint(y)

    def solve(v, x_prev):
        x, _ = cg(lambda u: A._adjoint(A._forward(u)) + rho * K._adjoint(K._forward(u)),
                  aty + rho * K._adjoint(v), x0=x_prev, n_iter=cg_iter, tol=1e-8)
        return x, 0.5 * _norm2(A._forward(x) - y)

    return solve


def admm(A, y, reg, lam: float, n_iter: int = 30, rho=None, x0=None, x_true=None, keep_every=None,
         callback=None, cg_iter: int = 10):
    """ADMM with the splitting :math:`z = Kx`, where :math:`R(x) = g(Kx)` (scaled form).

    For TV and gradient-Tikhonov :math:`K = \\nabla`, for the wavelet regulariser
    :math:`K = \\Psi`, otherwise :math:`K = I` and :math:`g = R` (see
    :meth:`~invlab.regularisers.Regulariser.split`). With the dual variable :math:`u`:

    .. math::
        x_{k+1} &= (A^{\\top}A + \\rho K^{\\top}K)^{-1}\\bigl(A^{\\top}y + \\rho K^{\\top}(z_k - u_k)\\bigr)\\\\
        z_{k+1} &= \\operatorname{prox}_{(\\lambda/\\rho) g}(Kx_{k+1} + u_k)\\\\
        u_{k+1} &= u_k + Kx_{k+1} - z_{k+1}

    When :math:`A` is circulant (Blur, Identity) and :math:`K^{\\top}K` too (circular
    gradient, Haar, identity) the x-step is one exact FFT solve: TV deblurring with
    ``TV(boundary="circular")`` then costs ~1 ms per iteration at 256² and comes within 0.1 dB
    of its optimum in about 5-10 iterations (``benchmarks/bench_tv.py``). Otherwise the x-step
    runs ``cg_iter`` warm-started CG iterations.

    Parameters
    ----------
    rho : float, optional
        Penalty :math:`\\rho > 0`; default :math:`5\\lambda` (:math:`\\rho = 1` when
        :math:`\\lambda = 0`), tuned on TV deblurring of images in [0, 1]: 3-10 λ all reach
        0.1 dB of the optimum within ~5-12 iterations, 1 λ or 30 λ need several times more.
    cg_iter : int
        CG iterations per x-step in the non-circulant case.
    """
    lam = _check_lam(lam)
    _check_reg(reg)
    x, history = _setup(A, y, x0, x_true, keep_every, n_iter)
    _check_callback(callback)
    rho = (5 * lam if lam > 0 else 1.0) if rho is None else _check_positive(rho, "rho")
    _check_n_iter(cg_iter, "cg_iter")
    history["rho"] = rho
    K, prox_g = reg.split(A.in_shape)
    solve = _x_update(A, K, y, rho, cg_iter)
    z = K._forward(x)
    u = torch.zeros_like(z)
    for k in range(1, n_iter + 1):
        x, data = solve(z - u, x)
        Kx = K._forward(x)
        z = prox_g(Kx + u, lam / rho)
        u = u + Kx - z
        if _record(history, k, x, data + lam * float(reg(x)), x_true, keep_every, callback):
            break
    return x, history


def pdhg(A, y, reg, lam: float, n_iter: int = 200, tau=None, sigma=None, theta: float = 1.0, x0=None,
         x_true=None, keep_every=None, callback=None):
    """Primal-dual hybrid gradient (Chambolle & Pock 2011) on :math:`\\min_x F(\\mathbf Kx)`.

    With :math:`\\mathbf K = (A, K)`, :math:`F(v, w) = \\tfrac12\\|v - y\\|^2 + \\lambda g(w)`
    and :math:`R(x) = g(Kx)` (see :meth:`~invlab.regularisers.Regulariser.split`), the dual
    variables :math:`v, w` and the primal :math:`x` are updated by

    .. math::
        v_{k+1} &= \\bigl(v_k + \\sigma(A\\bar x_k - y)\\bigr) / (1 + \\sigma)\\\\
        w_{k+1} &= \\operatorname{prox}_{\\sigma(\\lambda g)^*}(w_k + \\sigma K\\bar x_k)
                 = q - \\sigma\\operatorname{prox}_{(\\lambda/\\sigma)g}(q/\\sigma),\\quad q = w_k + \\sigma K\\bar x_k\\\\
        x_{k+1} &= x_k - \\tau\\,(A^{\\top}v_{k+1} + K^{\\top}w_{k+1})\\\\
        \\bar x_{k+1} &= x_{k+1} + \\theta(x_{k+1} - x_k)

    It converges when :math:`\\tau\\sigma\\|\\mathbf K\\|^2 \\leq 1` with
    :math:`\\|\\mathbf K\\|^2 \\leq \\|A\\|^2 + \\|K\\|^2` (:math:`\\|\\nabla\\|^2 \\leq 8`).
    Defaults: :math:`\\tau\\sigma\\|\\mathbf K\\|^2 = 1` with the ratio
    :math:`\\tau/\\sigma = 1/(3\\lambda)` (clipped to :math:`[1, 10^4]`): the primal :math:`x` is of
    order 1 for images in [0, 1] while the dual of :math:`\\lambda g` is of order :math:`\\lambda`,
    and balancing the two makes PDHG several times faster than :math:`\\tau = \\sigma`. Giving
    one of them sets the other to :math:`1/(\\|\\mathbf K\\|^2\\cdot\\text{given})`.
    """
    lam = _check_lam(lam)
    _check_reg(reg)
    x, history = _setup(A, y, x0, x_true, keep_every, n_iter)
    _check_callback(callback)
    theta = check_real(theta, "theta", low=0, high=1)
    K, prox_g = reg.split(A.in_shape)
    k_norm = math.sqrt(8.0) if isinstance(K, Gradient) else 1.0 if isinstance(K, (Identity, HaarTransform)) else K.norm()
    L2 = _op_norm(A) ** 2 + k_norm**2
    if tau is None and sigma is None:
        ratio = min(max(1 / (3 * lam), 1.0), 1e4) if lam > 0 else 1.0
        tau, sigma = math.sqrt(ratio / L2), 1 / math.sqrt(ratio * L2)
    elif sigma is None:
        tau = _check_positive(tau, "tau")
        sigma = 1 / (L2 * tau)
    elif tau is None:
        sigma = _check_positive(sigma, "sigma")
        tau = 1 / (L2 * sigma)
    tau, sigma = _check_positive(tau, "tau"), _check_positive(sigma, "sigma")
    history["tau"], history["sigma"] = tau, sigma
    Ax, Kx = A._forward(x), K._forward(x)
    Ax_bar, Kx_bar = Ax, Kx
    v, w = torch.zeros_like(Ax), torch.zeros_like(Kx)
    for k in range(1, n_iter + 1):
        v = (v + sigma * (Ax_bar - y)) / (1 + sigma)
        q = w + sigma * Kx_bar
        w = q - sigma * prox_g(q / sigma, lam / sigma)
        x = x - tau * (A._adjoint(v) + K._adjoint(w))
        Ax_old, Kx_old = Ax, Kx
        Ax, Kx = A._forward(x), K._forward(x)
        Ax_bar, Kx_bar = Ax + theta * (Ax - Ax_old), Kx + theta * (Kx - Kx_old)  # = A x_bar, K x_bar
        obj = 0.5 * _norm2(Ax - y) + lam * float(reg(x))
        if _record(history, k, x, obj, x_true, keep_every, callback):
            break
    return x, history
