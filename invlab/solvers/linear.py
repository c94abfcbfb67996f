"""Linear solvers: conjugate gradients, Tikhonov-type closed forms and least squares.

Introduced in lecture 1.
"""
from __future__ import annotations

import math

import torch

from ..operators import LinearOperator, check_tensor
from ..regularisers import Tikhonov
from ._common import (_check_callback, _check_lam, _check_n_iter, _check_operator, _check_positive, _check_reg,
                      _circulant_spectrum, _complex_of, _dot, _norm2, _record, _setup, objective)

__all__ = ["cg", "tikhonov", "least_squares"]


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
    if not callable(normal_op):
        raise TypeError(f"normal_op must be callable (v -> M v), got {type(normal_op).__name__}.")
    check_tensor(b, "b")
    if x0 is not None:
        check_tensor(x0, "x0", tuple(b.shape))
    _check_n_iter(n_iter)
    _check_positive(tol, "tol")
    _check_callback(callback)
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
    _check_operator(A)
    lam = _check_lam(lam)
    reg = Tikhonov() if reg is None else reg
    _check_reg(reg)
    _check_n_iter(n_iter)
    _check_positive(tol, "tol")
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
    _check_positive(tol, "tol")
    _check_callback(callback)

    def record(k, x):
        return _record(history, k, x, objective(A, y, None, 0.0, x), x_true, keep_every, callback)

    x, cg_hist = cg(lambda v: A._adjoint(A._forward(v)), A.adjoint(y), x0=x0, n_iter=n_iter, tol=tol,
                    callback=record)
    history["residual"] = cg_hist["residual"]
    return x, history
