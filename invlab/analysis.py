"""Why inverse problems are ill-posed: singular values, filter factors, Picard plot, L-curve.

Introduced in lecture 1. The SVD tools build the dense matrix of a *small* operator
(``A.to_matrix()``, e.g. a 32x32 blur gives a 1024x1024 matrix); the L-curve and the
PSNR-vs-λ sweep use the fast closed-form :func:`invlab.solvers.tikhonov` and work at full size.
"""
from __future__ import annotations

import math

import torch

from . import solvers
from ._checks import check_choice, check_int, check_real
from .metrics import psnr
from .operators import LinearOperator, check_tensor
from .operators.blur import gaussian_kernel

__all__ = ["singular_values", "condition_number", "svd", "filter_factors", "tsvd_filter", "picard",
           "tsvd_solve", "l_curve", "psnr_vs_lambda", "blur_matrix_1d", "best_lambda", "tv_denoise_best",
           "best_lambda_per_image", "sparse_cs_baseline", "CS_LAMBDAS"]


def _matrix(A) -> torch.Tensor:
    if isinstance(A, LinearOperator):
        return A.to_matrix(dtype=torch.float64)
    if isinstance(A, torch.Tensor) and A.ndim == 2:
        return A.to(torch.float64) if not A.is_complex() else A.to(torch.complex128)
    raise TypeError(f"A must be a LinearOperator or a 2-D torch.Tensor, got {type(A).__name__}.")


def singular_values(A) -> torch.Tensor:
    """Singular values :math:`s_1 \\geq s_2 \\geq \\dots \\geq 0` of a small operator (float64).

    Parameters
    ----------
    A : LinearOperator or torch.Tensor
        An operator small enough for ``A.to_matrix()`` (domain up to 16384 pixels) or a matrix.
    """
    return torch.linalg.svdvals(_matrix(A))


def condition_number(A) -> float:
    """:math:`\\kappa(A) = s_{\\max}/s_{\\min}` (``inf`` when :math:`A` is singular)."""
    s = singular_values(A)
    return float(s[0] / s[-1]) if float(s[-1]) > 0 else math.inf


def svd(A):
    """Thin SVD :math:`A = U\\,\\mathrm{diag}(s)\\,V^{H}`; returns ``(U, s, Vh)`` (float64)."""
    return torch.linalg.svd(_matrix(A), full_matrices=False)


def _check_lam(lam):
    lam_t = torch.as_tensor(lam, dtype=torch.float64)
    if not bool(torch.isfinite(lam_t).all()) or bool((lam_t < 0).any()):
        raise ValueError(f"lam must be finite and >= 0, got {lam!r}.")
    return lam_t


def filter_factors(s: torch.Tensor, lam) -> torch.Tensor:
    """Tikhonov filter factors :math:`\\phi_i = s_i^2/(s_i^2 + \\lambda)`.

    The Tikhonov solution is :math:`x_\\lambda = \\sum_i \\phi_i\\,\\frac{u_i^{\\top}y}{s_i}\\,v_i`:
    :math:`\\phi_i \\approx 1` keeps a component (:math:`s_i^2 \\gg \\lambda`), :math:`\\phi_i \\approx 0`
    removes it. :math:`\\lambda \\to 0` gives all ones (naive inverse), :math:`\\lambda \\to \\infty` all zeros.
    A 1-D ``lam`` gives one row per value.
    """
    s = torch.as_tensor(s, dtype=torch.float64)
    lam_t = _check_lam(lam)
    if lam_t.ndim == 1:
        lam_t = lam_t[:, None]
    s2 = s**2
    return torch.where(s2 + lam_t > 0, s2 / (s2 + lam_t), torch.zeros(()))


def tsvd_filter(s: torch.Tensor, k: int) -> torch.Tensor:
    """Truncated-SVD filter factors: :math:`\\phi_i = 1` for the :math:`k` largest singular values, else 0."""
    s = torch.as_tensor(s)
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(s):
        raise ValueError(f"k must be an integer in [0, {len(s)}], got {k!r}.")
    phi = torch.zeros(len(s), dtype=torch.float64)
    phi[:k] = 1.0
    return phi


def _flat_y(A, y):
    if isinstance(A, LinearOperator):
        check_tensor(y, "y", A.out_shape)
        return y.reshape(-1).to(torch.float64 if not y.is_complex() else torch.complex128)
    return torch.as_tensor(y).reshape(-1).to(torch.float64)


def picard(A, y: torch.Tensor) -> dict:
    """The quantities of the (discrete) Picard plot.

    The naive solution is :math:`x = \\sum_i \\frac{u_i^{\\top}y}{s_i} v_i`; it is meaningful only
    while the coefficients :math:`|u_i^{\\top}y|` decay faster than :math:`s_i` (the Picard
    condition). Noise puts a floor under :math:`|u_i^{\\top}y|` at the noise level, so
    :math:`|u_i^{\\top}y|/s_i` blows up for small :math:`s_i`.

    Returns
    -------
    dict
        ``"s"`` singular values, ``"uty"`` :math:`|u_i^{\\top}y|`, ``"ratio"``
        :math:`|u_i^{\\top}y|/s_i` (``inf`` where :math:`s_i = 0`).
    """
    U, s, _ = svd(A)
    uty = (U.conj().T @ _flat_y(A, y).to(U.dtype)).abs()
    return {"s": s, "uty": uty, "ratio": uty / s}


def tsvd_solve(A, y: torch.Tensor, k: int) -> torch.Tensor:
    """Truncated-SVD solution :math:`x_k = \\sum_{i \\leq k} \\frac{u_i^{\\top}y}{s_i}\\,v_i` (shape of :math:`x`)."""
    U, s, Vh = svd(A)
    phi = tsvd_filter(s, k)
    coef = (U.conj().T @ _flat_y(A, y).to(U.dtype))
    keep = phi > 0
    x = Vh[keep].conj().T @ (coef[keep] / s[keep])
    shape = A.in_shape if isinstance(A, LinearOperator) else (Vh.shape[1],)
    return x.reshape(shape)


def _lams(lams):
    if isinstance(lams, (str, bytes, bool)) or lams is None:
        raise TypeError(f"lams must be a number or a sequence of numbers, got {lams!r}.")
    try:
        lams = [float(v) for v in torch.as_tensor(lams, dtype=torch.float64).reshape(-1)]
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"lams must be a number or a sequence of numbers, got {lams!r}.") from None
    if not lams or not all(math.isfinite(v) and v >= 0 for v in lams):
        raise ValueError(f"lams must hold at least one value, all finite and >= 0, got {lams!r}.")
    return lams


def l_curve(A: LinearOperator, y: torch.Tensor, lams, reg=None) -> dict:
    """Points of the L-curve: residual norm :math:`\\|Ax_\\lambda - y\\|` and (semi)norm of :math:`x_\\lambda`.

    :math:`x_\\lambda` is the Tikhonov-type solution of :func:`invlab.solvers.tikhonov` (closed
    form in Fourier for circulant problems, so a sweep of 50 values takes milliseconds). The
    solution (semi)norm is :math:`\\sqrt{2R(x_\\lambda)}`, i.e. :math:`\\|x_\\lambda\\|` for
    Tikhonov and :math:`\\|\\nabla x_\\lambda\\|` for gradient-Tikhonov. As :math:`\\lambda`
    grows the residual grows and the solution norm shrinks; on a log-log plot the curve has an
    L shape whose corner is a classical choice of :math:`\\lambda`.

    Returns
    -------
    dict
        ``"lam"``, ``"residual_norm"``, ``"solution_norm"`` (lists of floats, one per λ).
    """
    from .regularisers import Tikhonov

    reg = Tikhonov() if reg is None else reg
    solvers._common._check_reg(reg)
    out = {"lam": _lams(lams), "residual_norm": [], "solution_norm": []}
    for lam in out["lam"]:
        x = solvers.tikhonov(A, y, lam, reg=reg)
        out["residual_norm"].append(float(torch.linalg.vector_norm(A(x) - y)))
        out["solution_norm"].append(math.sqrt(max(2 * float(reg(x)), 0.0)))
    return out


def psnr_vs_lambda(A: LinearOperator, y: torch.Tensor, x_true: torch.Tensor, lams, reg=None,
                   n_iter: int = 100) -> dict:
    """PSNR of the regularised reconstruction for each λ (the "oracle" choice of λ).

    Quadratic regularisers use the closed form :func:`invlab.solvers.tikhonov`; the others
    (TV, wavelet) run :func:`invlab.solvers.admm` for ``n_iter`` iterations, warm-started from
    the previous λ.

    Returns
    -------
    dict
        ``"lam"``, ``"psnr"`` (lists), ``"best_lam"``, ``"best_psnr"``, ``"best_x"``.
    """
    from .regularisers import Tikhonov

    reg = Tikhonov() if reg is None else reg
    solvers._common._check_reg(reg)
    check_int(n_iter, "n_iter", low=1)
    out = {"lam": _lams(lams), "psnr": []}
    best, x = (-math.inf, None, None), None
    for lam in out["lam"]:
        if reg.quadratic:
            x = solvers.tikhonov(A, y, lam, reg=reg)
        else:
            x, _ = solvers.admm(A, y, reg, lam, n_iter=n_iter, x0=x)
        p = psnr(x, x_true)
        out["psnr"].append(p)
        if p > best[0]:
            best = (p, lam, x)
    out["best_psnr"], out["best_lam"], out["best_x"] = best
    return out


def blur_matrix_1d(n: int, sigma: float, boundary: str = "zero") -> torch.Tensor:
    """Dense :math:`n\\times n` matrix of a 1-D Gaussian blur (for SVD demos, float64).

    :math:`A_{ij} = k(i - j)` with a normalised Gaussian kernel :math:`k` of standard
    deviation ``sigma``. ``boundary="zero"`` gives a Toeplitz matrix (the signal is zero
    outside), ``"circular"`` a circulant one (its singular vectors are Fourier modes).
    Its singular values decay like :math:`e^{-\\sigma^2\\omega^2/2}`, so the condition number
    explodes with ``sigma``. Use ``invlab.operators.Matrix(blur_matrix_1d(n, sigma))`` as an
    operator; for a 2-D demo, ``invlab.operators.Blur.gaussian((32, 32), sigma).to_matrix()``
    is a 1024x1024 matrix.
    """
    n = check_int(n, "n", low=1)
    sigma = check_real(sigma, "sigma", low=0, low_open=True)
    check_choice(boundary, "boundary", ("zero", "circular"))
    half = min(math.ceil(3 * sigma), n - 1 if boundary == "zero" else (n - 1) // 2)
    k = gaussian_kernel(sigma, 2 * half + 1)[half]  # 1-D profile (rows of the separable kernel)
    k = k / k.sum()
    i = torch.arange(n)
    d = i[:, None] - i[None, :]
    if boundary == "circular":
        d = (d + n // 2) % n - n // 2
    A = torch.zeros((n, n), dtype=torch.float64)
    inside = d.abs() <= half
    A[inside] = k[(d[inside] + half)]
    return A


def best_lambda(solve, x_true: torch.Tensor, lo: float, hi: float, n_coarse: int = 9,
                n_fine: int = 7) -> dict:
    """The oracle :math:`\\lambda`: the value in ``[lo, hi]`` whose reconstruction has the best PSNR.

    A baseline given its best possible :math:`\\lambda` *per image* (chosen with the ground
    truth, which a real user does not have) is the strongest honest opponent for a learned
    method. Searches a log-spaced grid of ``n_coarse`` values, then ``n_fine`` values between
    the best one's neighbours.

    Parameters
    ----------
    solve : callable
        ``solve(lam) -> x`` for one image.
    x_true : torch.Tensor
        ``(H, W)`` ground truth.
    lo, hi : float
        Search range, :math:`0 < lo < hi`.

    Returns
    -------
    dict
        ``"lam"``, ``"psnr"`` (every value tried, sorted by λ), ``"best_lam"``, ``"best_psnr"``,
        ``"best_x"``.
    """
    if not callable(solve):
        raise TypeError(f"solve must be callable lam -> x, got {type(solve).__name__}.")
    for name, v in (("lo", lo), ("hi", hi)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}.")
    if not lo < hi:
        raise ValueError(f"lo must be < hi, got lo={lo!r}, hi={hi!r}.")
    tried = {}

    def run(lam):
        if lam not in tried:
            x = solve(lam)
            tried[lam] = (float(psnr(x, x_true)), x)
        return tried[lam][0]

    grid = torch.logspace(math.log10(lo), math.log10(hi), n_coarse, dtype=torch.float64).tolist()
    scores = [run(lam) for lam in grid]
    i = max(range(len(grid)), key=scores.__getitem__)
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    for lam in torch.logspace(math.log10(a), math.log10(b), n_fine, dtype=torch.float64).tolist():
        run(lam)
    lams = sorted(tried)
    best = max(lams, key=lambda lam: tried[lam][0])
    return {"lam": lams, "psnr": [tried[lam][0] for lam in lams], "best_lam": best,
            "best_psnr": tried[best][0], "best_x": tried[best][1]}


def tv_denoise_best(y: torch.Tensor, x_true: torch.Tensor, sigma: float) -> dict:
    """TV denoising at its oracle :math:`\\lambda`: the classical baseline of the learned denoisers.

    :math:`\\hat x = \\operatorname{clip}_{[0,1]}\\,\\operatorname{prox}_{\\lambda\\,\\mathrm{TV}}(y)` with
    :math:`\\lambda` searched in :math:`[0.2\\sigma, 2\\sigma]` by :func:`best_lambda` (the optimum
    lies near :math:`0.7\\sigma` on natural images). The output is clipped to the image range,
    as the networks' outputs are when they are scored.

    Parameters
    ----------
    y : torch.Tensor
        Noisy image ``(H, W)``.
    x_true : torch.Tensor
        Ground truth ``(H, W)``.
    sigma : float
        Noise standard deviation (> 0).

    Returns
    -------
    dict
        As :func:`best_lambda`.
    """
    from .regularisers import TV

    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not math.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a finite number > 0, got {sigma!r}.")
    tv = TV()
    return best_lambda(lambda lam: tv.prox(y, lam).clamp(0, 1), x_true, 0.2 * sigma, 2 * sigma)


def best_lambda_per_image(solve, x_true: torch.Tensor, lams) -> dict:
    """Oracle :math:`\\lambda` *per image* for a batch of problems solved together.

    ``solve(lam) -> x`` reconstructs every image of the batch at once for one :math:`\\lambda`;
    each image then keeps the :math:`\\lambda` of ``lams`` whose reconstruction has its best
    PSNR. The strongest honest opponent for a learned method (the ground truth picks
    :math:`\\lambda`), at one solve per grid value.

    Parameters
    ----------
    solve : callable
        ``solve(lam) -> x`` with ``x`` shaped like ``x_true``.
    x_true : torch.Tensor
        ``(N, H, W)`` ground truths.
    lams : sequence of float
        Grid of :math:`\\lambda > 0`.

    Returns
    -------
    dict
        ``"x"`` ``(N, H, W)`` (each image at its best λ), ``"lam"`` ``(N,)`` float64,
        ``"psnr"`` ``(N,)`` float64, and ``"table"`` ``(len(lams), N)``: every PSNR tried.
    """
    if not callable(solve):
        raise TypeError(f"solve must be callable lam -> x, got {type(solve).__name__}.")
    check_tensor(x_true, "x_true")
    if x_true.ndim != 3:
        raise ValueError(f"x_true must be a batch of images (N, H, W), got shape {tuple(x_true.shape)}.")
    if isinstance(lams, (str, bytes)) or not hasattr(lams, "__iter__"):
        raise TypeError(f"lams must be a sequence of λ values, got {lams!r}.")
    lams = [check_real(v, "lams", low=0, low_open=True) for v in lams]
    if not lams:
        raise ValueError("lams is empty.")
    scores, best_x = [], None
    for j, lam in enumerate(lams):
        x = solve(lam)
        if not isinstance(x, torch.Tensor) or x.shape != x_true.shape:
            raise ValueError(f"solve({lam:g}) returned {getattr(x, 'shape', type(x).__name__)}, "
                             f"expected {tuple(x_true.shape)}.")
        p = psnr(x, x_true).to(torch.float64).reshape(-1)
        if best_x is None:
            best_x, best_p, best_j = x.clone(), p.clone(), torch.zeros_like(p, dtype=torch.long)
        else:
            better = p > best_p
            best_x[better] = x[better].to(best_x.dtype)
            best_p = torch.where(better, p, best_p)
            best_j = torch.where(better, torch.full_like(best_j, j), best_j)
        scores.append(p)
    return {"x": best_x, "lam": torch.tensor(lams, dtype=torch.float64)[best_j], "psnr": best_p,
            "table": torch.stack(scores)}


#: λ grid of the compressed-sensing baselines (images in [0, 1], ``GaussianSensing`` scaling).
CS_LAMBDAS = tuple(float(v) for v in torch.logspace(-4, -0.5, 8, dtype=torch.float64))


def sparse_cs_baseline(A, y: torch.Tensor, x_true: torch.Tensor, prior: str = "wavelet", lams=CS_LAMBDAS,
                       n_iter: int = 300) -> dict:
    """The classical compressed-sensing reconstruction at its oracle :math:`\\lambda` per image.

    ``prior="wavelet"``: the Lasso in an orthonormal Haar basis :math:`\\Psi` (2 levels, details
    only), :math:`\\min_x \\tfrac12\\|Ax - y\\|^2 + \\lambda\\|\\Psi x\\|_1`, by FISTA;
    ``prior="tv"``: :math:`\\min_x \\tfrac12\\|Ax - y\\|^2 + \\lambda\\,\\mathrm{TV}(x)` by PDHG.
    Each image keeps its best :math:`\\lambda` of ``lams`` (:func:`best_lambda_per_image`);
    reconstructions are clipped to :math:`[0, 1]`, as the generator's outputs are.

    Parameters
    ----------
    A : LinearOperator
        On images ``(H, W)`` (e.g. :class:`~invlab.operators.GaussianSensing`).
    y : torch.Tensor
        ``(N, *A.out_shape)`` measurements of the ``N`` images ``x_true`` ``(N, H, W)``.
    prior : {"wavelet", "tv"}
    lams : sequence of float
    n_iter : int
        Iterations of FISTA / PDHG per :math:`\\lambda`.

    Returns
    -------
    dict
        As :func:`best_lambda_per_image`.
    """
    from . import regularisers

    check_choice(prior, "prior", ("wavelet", "tv"))
    n_iter = check_int(n_iter, "n_iter", low=1)
    if prior == "wavelet":
        reg = regularisers.Wavelet(levels=2)
        solve = lambda lam: solvers.fista(A, y, reg, lam, n_iter=n_iter)[0].clamp(0, 1)  # noqa: E731
    else:
        reg = regularisers.TV()
        solve = lambda lam: solvers.pdhg(A, y, reg, lam, n_iter=n_iter)[0].clamp(0, 1)  # noqa: E731
    return best_lambda_per_image(solve, x_true, lams)
