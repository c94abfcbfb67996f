"""Classical variational solvers for :math:`\\min_x \\tfrac12\\|Ax - y\\|^2 + \\lambda R(x)`.

Introduced in lecture 1. Each solver is a plain function whose loop body is the update
equation of the slides. The iterative ones share one call shape::

    x, history = solver(A, y, reg, lam, n_iter=..., x0=None, x_true=None,
                        keep_every=None, callback=None, **own_step_parameters)

``history`` is a dict of lists: ``"objective"`` (:math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)`
after every iteration), ``"psnr"`` when ``x_true`` is given, and ``"x"`` (with ``"x_iter"``,
the iteration numbers) holding every ``keep_every``-th iterate. ``callback(k, x)`` is called
after iteration ``k`` (1-based); returning ``True`` stops the iterations.

Circulant problems (:class:`~invlab.operators.Blur` or :class:`~invlab.operators.Identity`
with a circulant regulariser) are solved exactly in Fourier, which is what makes
:func:`tikhonov` (~1 ms) and TV deblurring by :func:`admm` fast enough for a live slider.
"""
from __future__ import annotations

import math
import numbers
import weakref

import torch

from .metrics import psnr
from .operators import Blur, Gradient, Identity, LinearOperator, check_tensor
from .regularisers import HaarTransform, Regulariser, Tikhonov, laplacian_spectrum

__all__ = ["tikhonov", "least_squares", "cg", "gradient_descent", "ista", "fista", "admm", "pdhg",
           "objective"]


# ----------------------------------------------------------------------------------------
# argument checks and history
# ----------------------------------------------------------------------------------------
def _check_lam(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not math.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}.")
    return float(lam)


def _check_n_iter(n_iter) -> int:
    if isinstance(n_iter, bool) or not isinstance(n_iter, numbers.Integral) or n_iter < 1:
        raise ValueError(f"n_iter must be an integer >= 1, got {n_iter!r}.")
    return int(n_iter)


def _check_positive(value, name) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return float(value)


def _check_keep_every(keep_every):
    if keep_every is not None and (isinstance(keep_every, bool) or not isinstance(keep_every, numbers.Integral)
                                   or keep_every < 1):
        raise ValueError(f"keep_every must be None or an integer >= 1, got {keep_every!r}.")


def _check_reg(reg):
    if not isinstance(reg, Regulariser):
        raise TypeError(f"reg must be an invlab.regularisers.Regulariser (e.g. TV()), got {type(reg).__name__}.")


def _setup(A, y, x0, x_true, keep_every, n_iter):
    """Validate the common arguments; return the start x and an empty history."""
    if not isinstance(A, LinearOperator):
        raise TypeError(f"A must be an invlab.operators.LinearOperator, got {type(A).__name__}.")
    check_tensor(y, "y", A.out_shape)
    _check_n_iter(n_iter)
    _check_keep_every(keep_every)
    if x_true is not None:
        check_tensor(x_true, "x_true", A.in_shape)
    x = A.adjoint(y) if x0 is None else check_tensor(x0, "x0", A.in_shape).clone()
    history = {"objective": []}
    if x_true is not None:
        history["psnr"] = []
    if keep_every:
        history["x"], history["x_iter"] = [], []
    return x, history


def _record(history, k, x, obj, x_true, keep_every, callback) -> bool:
    """Append iteration ``k``'s numbers to ``history``; return True to stop."""
    history["objective"].append(float(obj))
    if x_true is not None:
        p = psnr(x, x_true)
        history["psnr"].append(float(p.mean()) if isinstance(p, torch.Tensor) else p)
    if keep_every and k % keep_every == 0:
        history["x"].append(x.detach().clone())
        history["x_iter"].append(k)
    return bool(callback(k, x)) if callback is not None else False


def _norm2(v):
    return float((v.real**2 + v.imag**2).sum() if v.is_complex() else (v * v).sum())


def _dot(a, b):
    return float((a.conj() * b).real.sum() if (a.is_complex() or b.is_complex()) else (a * b).sum())


def objective(A, y, reg, lam, x) -> float:
    """:math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)` (``reg=None`` means :math:`R = 0`)."""
    data = 0.5 * _norm2(A._forward(x) - y)
    return data + (lam * float(reg(x)) if reg is not None and lam > 0 else 0.0)


# ----------------------------------------------------------------------------------------
# Fourier machinery for circulant problems
# ----------------------------------------------------------------------------------------
_SPECTRA: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_NORMS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _circulant_spectrum(A, device, cdtype):
    """Eigenvalues :math:`\\hat a` (rfft2 layout) of a circulant ``A`` (Blur, 2-D Identity), else None."""
    if not isinstance(A, (Blur, Identity)) or len(A.in_shape) != 2:
        return None
    cache = _SPECTRA.setdefault(A, {})
    key = (torch.device(device), cdtype)
    if key not in cache:
        H, W = A.in_shape
        a = A.spectrum if isinstance(A, Blur) else torch.ones((H, W // 2 + 1), dtype=torch.complex128)
        cache[key] = a.to(device=device, dtype=cdtype)
    return cache[key]


def _gram_spectrum(K, device, dtype):
    """Eigenvalues of :math:`K^{\\top}K` when it is circulant (I, Haar, circular gradient), else None."""
    H, W = K.in_shape[-2:]
    if isinstance(K, (Identity, HaarTransform)):
        return torch.ones((H, W // 2 + 1), device=device, dtype=dtype)
    if isinstance(K, Gradient) and K.boundary == "circular":
        return laplacian_spectrum((H, W), device, dtype)
    return None


def _complex_of(dtype):
    return torch.complex128 if dtype == torch.float64 else torch.complex64


def _op_norm(A) -> float:
    """:math:`\\|A\\|_2`, exact for circulant operators, otherwise power iteration (cached)."""
    if A not in _NORMS:
        a = _circulant_spectrum(A, "cpu", torch.complex128)
        _NORMS[A] = float(a.abs().max()) if a is not None else A.norm()
    return _NORMS[A]


def _rfft_norm2(v_hat, W):
    """:math:`\\|v\\|^2` from ``rfft2(v)`` (Parseval; the half-spectrum columns count twice)."""
    p = v_hat.real**2 + v_hat.imag**2
    inner = p[..., 1:(W + 1) // 2].sum()
    return float((p.sum() + inner) / (p.shape[-2] * W))


# ----------------------------------------------------------------------------------------
# linear solvers
# ----------------------------------------------------------------------------------------
def cg(normal_op, b: torch.Tensor, x0=None, n_iter: int = 100, tol: float = 1e-6, callback=None):
    """Conjugate gradients for :math:`Mx = b` with :math:`M` symmetric positive (semi)definite.

    Parameters
    ----------
    normal_op : callable
        ``v -> M v`` (e.g. ``lambda v: A.normal(v) + lam * v``).
    b : torch.Tensor
        Right-hand side (any shape; a batch is treated as one long vector).
    x0 : torch.Tensor, optional
        Start (default zero).
    n_iter : int
        Maximum number of iterations.
    tol : float
        Stop when :math:`\\|b - Mx\\| \\leq \\text{tol}\\,\\|b\\|`.
    callback : callable, optional
        ``callback(k, x)`` after iteration ``k``; returning True stops.

    Returns
    -------
    x : torch.Tensor
    history : dict
        ``"residual"``: relative residual norms :math:`\\|b - Mx_k\\|/\\|b\\|`.
    """
    _check_n_iter(n_iter)
    _check_positive(tol, "tol")
    x = torch.zeros_like(b) if x0 is None else x0.clone()
    r = b - normal_op(x) if x0 is not None else b.clone()
    d = r.clone()
    rr, bb = _norm2(r), _norm2(b)
    history = {"residual": []}
    if bb == 0:
        return torch.zeros_like(b), history
    for k in range(1, n_iter + 1):
        if rr <= tol**2 * bb:
            break
        Md = normal_op(d)
        alpha = rr / _dot(d, Md)
        x = x + alpha * d
        r = r - alpha * Md
        rr_new = _norm2(r)
        d = r + (rr_new / rr) * d
        rr = rr_new
        history["residual"].append(math.sqrt(rr / bb))
        if callback is not None and callback(k, x):
            break
    return x, history


def tikhonov(A: LinearOperator, y: torch.Tensor, lam: float, reg=None, n_iter: int = 200,
             tol: float = 1e-6) -> torch.Tensor:
    """Tikhonov-regularised reconstruction, the minimiser of :math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)`.

    For a quadratic :math:`R(x) = \\tfrac12\\langle x, Hx\\rangle` this is the linear system

    .. math:: (A^{\\top}A + \\lambda H)\\,x = A^{\\top}y,

    with :math:`H = I` (``reg=None`` or :class:`~invlab.regularisers.Tikhonov`),
    :math:`H = \\nabla^{\\top}\\nabla` (:class:`~invlab.regularisers.GradientTikhonov`) or a
    learned :math:`H` (:class:`~invlab.regularisers.LearnedQuadratic`).

    When :math:`A` is circulant (Blur, Identity) and :math:`H` too, both are diagonal in
    Fourier and the solve is exact,

    .. math:: x = \\mathcal F^{-1}\\Bigl[\\frac{\\overline{\\hat a}\\,\\hat y}{|\\hat a|^2 + \\lambda\\hat h}\\Bigr],

    about 1 ms at 256² (the spectra are cached per operator). Frequencies where the
    denominator is zero to working precision (below :math:`\\varepsilon^2` times its maximum)
    are set to zero, as a pseudo-inverse does, so ``lam=0`` gives the naive inverse filter
    (minimum-norm least squares) and shows the noise blow-up. Otherwise CG.

    Parameters
    ----------
    A : LinearOperator
    y : torch.Tensor
        Measurements.
    lam : float
        :math:`\\lambda \\geq 0`.
    reg : Regulariser, optional
        A quadratic regulariser (default Tikhonov).
    n_iter, tol : int, float
        CG settings (non-circulant problems only).

    Examples
    --------
    >>> from invlab import operators as op
    >>> A = op.Blur.gaussian((64, 64), 2.0)
    >>> x_hat = tikhonov(A, A(torch.rand(64, 64)), lam=1e-3)
    """
    lam = _check_lam(lam)
    reg = Tikhonov() if reg is None else reg
    _check_reg(reg)
    if not reg.quadratic:
        raise TypeError(f"tikhonov needs a quadratic regulariser (Tikhonov, GradientTikhonov, "
                        f"LearnedQuadratic), got {reg!r}; use admm/fista/pdhg for it.")
    check_tensor(y, "y", A.out_shape)
    real = y.real.dtype if y.is_complex() else y.dtype
    a = None if y.is_complex() else _circulant_spectrum(A, y.device, _complex_of(real))
    h = reg.hessian_spectrum(A.in_shape, y.device, real) if a is not None else None
    if a is not None and h is not None:
        den = (a.real**2 + a.imag**2) + lam * h
        num = a.conj() * torch.fft.rfft2(y)
        # pseudo-inverse: drop frequencies whose denominator is zero to working precision
        keep = den > torch.finfo(real).eps ** 2 * den.max()
        x_hat = torch.where(keep, num / den, torch.zeros((), dtype=num.dtype, device=num.device))
        return torch.fft.irfft2(x_hat, s=A.in_shape)
    x, _ = cg(lambda v: A._adjoint(A._forward(v)) + lam * reg.grad(v), A.adjoint(y), n_iter=n_iter, tol=tol)
    return x


def least_squares(A: LinearOperator, y: torch.Tensor, n_iter: int = 50, tol: float = 1e-6, x0=None,
                  x_true=None, keep_every=None, callback=None):
    """Least squares :math:`\\min_x \\tfrac12\\|Ax-y\\|^2` by CG on the normal equations :math:`A^{\\top}Ax = A^{\\top}y`.

    On an ill-posed problem the iterates first approach :math:`x_{\\text{true}}` and then
    fit the noise (semi-convergence): the iteration count acts as a regularisation parameter,
    which ``history["psnr"]`` shows. For the exact inverse of an invertible circulant
    :math:`A` use ``tikhonov(A, y, lam=0)`` and watch the noise blow up.

    Returns
    -------
    x : torch.Tensor
    history : dict
        ``"objective"`` (:math:`\\tfrac12\\|Ax_k-y\\|^2`), ``"residual"`` (CG's relative
        normal-equation residual), ``"psnr"`` and ``"x"`` as for every solver.
    """
    _, history = _setup(A, y, x0, x_true, keep_every, n_iter)

    def record(k, x):
        return _record(history, k, x, objective(A, y, None, 0.0, x), x_true, keep_every, callback)

    x, cg_hist = cg(lambda v: A._adjoint(A._forward(v)), A.adjoint(y), x0=x0, n_iter=n_iter, tol=tol,
                    callback=record)
    history["residual"] = cg_hist["residual"]
    return x, history


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
    rho = (5 * lam if lam > 0 else 1.0) if rho is None else _check_positive(rho, "rho")
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
