"""Solvers against dense linear algebra, closed forms, each other and scikit-image."""
import numpy as np
import pytest
import torch
from skimage.restoration import denoise_tv_chambolle

from invlab import operators as op
from invlab import regularisers as R
from invlab import solvers as S


def _image(n=24, seed=0, dtype=torch.float64):
    """Small piecewise-smooth image in [0, 1]."""
    r = torch.arange(n, dtype=dtype)
    rr, cc = torch.meshgrid(r, r, indexing="ij")
    x = ((rr - n / 2) ** 2 + (cc - n / 3) ** 2 < (n / 4) ** 2).to(dtype) * 0.5 + 0.4 * cc / n
    g = torch.Generator().manual_seed(seed)
    return x + 0.05 * torch.rand((n, n), generator=g, dtype=dtype)


def _noisy(A, x, sigma=0.02, seed=1):
    g = torch.Generator().manual_seed(seed)
    y = A(x)
    return y + sigma * torch.randn(y.shape, generator=g, dtype=y.dtype)


def _hessian_matrix(reg, shape):
    """Dense H of a quadratic regulariser, column j = grad R(e_j)."""
    n = shape[0] * shape[1]
    eye = torch.eye(n, dtype=torch.float64).reshape((n,) + tuple(shape))
    return reg.grad(eye).reshape(n, n).T


_FILTERS = torch.tensor([[[0, 0, 0], [0, -1, 1], [0, 0, 0]],
                         [[0, 0.5, 0], [0, -1, 0], [0, 0.5, 0]]], dtype=torch.float64)


# -------------------------------------------------------------------------------- linear
def test_cg_matches_linalg_solve():
    g = torch.Generator().manual_seed(0)
    M = torch.randn(30, 20, generator=g, dtype=torch.float64)
    A, lam = op.Matrix(M), 0.1
    b = torch.randn(20, generator=g, dtype=torch.float64)
    x, hist = S.cg(lambda v: A.normal(v) + lam * v, b, n_iter=100, tol=1e-12)
    ref = torch.linalg.solve(M.T @ M + lam * torch.eye(20, dtype=torch.float64), b)
    assert torch.allclose(x, ref, atol=1e-10)
    assert hist["residual"][-1] < 1e-12
    # callback stops early
    _, hist = S.cg(lambda v: A.normal(v) + lam * v, b, n_iter=100, callback=lambda k, x: k == 3)
    assert len(hist["residual"]) == 3


@pytest.mark.parametrize("shape", [(12, 10), (11, 9)])
@pytest.mark.parametrize("reg", [None, R.Tikhonov(), R.GradientTikhonov(), R.LearnedQuadratic(_FILTERS)], ids=repr)
def test_tikhonov_fourier_matches_dense_solve(shape, reg):
    A = op.Blur.gaussian(shape, 1.2)
    x = _image(12)[: shape[0], : shape[1]]
    y = _noisy(A, x)
    lam = 0.03
    M = A.to_matrix()
    H = _hessian_matrix(reg if reg is not None else R.Tikhonov(), shape)
    ref = torch.linalg.solve(M.T @ M + lam * H, M.T @ y.reshape(-1)).reshape(shape)
    assert torch.allclose(S.tikhonov(A, y, lam, reg=reg), ref, atol=1e-10)
    # batch: a stack of images is solved image by image
    yb = torch.stack([y, 2 * y])
    assert torch.allclose(S.tikhonov(A, yb, lam, reg=reg)[1], 2 * ref, atol=1e-10)


@pytest.mark.parametrize("A", [op.Mask.random((10, 12), 0.4, seed=2), op.Downsample((10, 12), 2)], ids=repr)
@pytest.mark.parametrize("reg", [R.Tikhonov(), R.GradientTikhonov("neumann"), R.GradientTikhonov()], ids=repr)
def test_tikhonov_cg_path_matches_dense_solve(A, reg):
    x = _image(12)[:10, :12]
    y = _noisy(A, x)
    lam = 0.05
    M = A.to_matrix()
    H = _hessian_matrix(reg, (10, 12))
    ref = torch.linalg.solve(M.T @ M + lam * H, M.T @ y.reshape(-1)).reshape(10, 12)
    assert torch.allclose(S.tikhonov(A, y, lam, reg=reg, n_iter=1000, tol=1e-13), ref, atol=1e-9)


def test_tikhonov_lam_zero_is_the_pseudo_inverse():
    x = _image(6)[:6, :6]
    assert torch.allclose(S.tikhonov(op.Identity((6, 6)), x, 0.0), x)
    A = op.Blur.box((6, 6), 3)  # its spectrum vanishes at the frequencies of period 3
    y = _noisy(A, x)
    ref = (torch.linalg.pinv(A.to_matrix()) @ y.reshape(-1)).reshape(6, 6)
    assert torch.allclose(S.tikhonov(A, y, 0.0), ref, atol=1e-8)


def test_least_squares_matches_lstsq_and_residual_decreases():
    g = torch.Generator().manual_seed(3)
    M = torch.randn(40, 15, generator=g, dtype=torch.float64)
    y = torch.randn(40, generator=g, dtype=torch.float64)
    x, hist = S.least_squares(op.Matrix(M), y, n_iter=50, tol=1e-12)
    assert torch.allclose(x, torch.linalg.lstsq(M, y).solution, atol=1e-9)
    obj = hist["objective"]
    assert all(b <= a + 1e-12 for a, b in zip(obj, obj[1:]))  # CGLS minimises over growing Krylov spaces


# -------------------------------------------------------------------------------- first order
def test_ista_and_fista_on_a_diagonal_operator_match_soft_thresholding():
    d = torch.tensor([2.0, 1.0, 0.5, 1.5, 0.8, 1.2], dtype=torch.float64)
    y = torch.tensor([1.0, -0.2, 0.9, -1.4, 0.1, 0.5], dtype=torch.float64)
    lam = 0.3
    # min 1/2 (d_i x_i - y_i)^2 + lam |x_i|  =>  x_i = soft(d_i y_i, lam) / d_i^2
    closed = R.soft_threshold(d * y, lam) / d**2
    A = op.Matrix(torch.diag(d))
    x, hist = S.ista(A, y, R.L1(), lam, n_iter=600)
    assert torch.allclose(x, closed, atol=1e-10)
    obj = hist["objective"]
    assert all(b <= a + 1e-12 for a, b in zip(obj, obj[1:]))  # ISTA with step 1/L is monotone
    xf, _ = S.fista(A, y, R.L1(), lam, n_iter=600)
    assert torch.allclose(xf, closed, atol=1e-8)


def _deblur_problem(n=24):
    A = op.Blur.gaussian((n, n), 1.0)
    x = _image(n)
    return A, _noisy(A, x), x


@pytest.mark.parametrize("boundary", ["circular", "neumann"])
def test_fista_admm_pdhg_reach_the_same_tv_objective(boundary):
    """Circular: ADMM's x-step is an exact FFT solve; Neumann: it is CG. ADMM's tail converges
    faster with a larger penalty, so this accuracy test uses rho = 20 lam (the default 5 lam is
    tuned for reaching the optimum's PSNR quickly)."""
    A, y, x = _deblur_problem()
    lam = 0.02
    _, h_admm = S.admm(A, y, R.TV(boundary), lam, n_iter=300, rho=20 * lam, cg_iter=10)
    _, h_pdhg = S.pdhg(A, y, R.TV(boundary), lam, n_iter=1000)
    _, h_fista = S.fista(A, y, R.TV(boundary, tol=1e-6, warm_start=True), lam, n_iter=100)
    finals = [h["objective"][-1] for h in (h_admm, h_pdhg, h_fista)]
    assert max(finals) <= min(finals) * (1 + 5e-5), finals
    # and the optimum beats the start by a lot (it is not a trivial agreement)
    assert min(finals) < 0.8 * S.objective(A, y, R.TV(boundary), lam, A.adjoint(y))


def test_wavelet_admm_matches_fista():
    A, y, x = _deblur_problem(16)
    lam = 0.01
    _, h_admm = S.admm(A, y, R.Wavelet(2), lam, n_iter=300, rho=20 * lam)
    _, h_fista = S.fista(A, y, R.Wavelet(2), lam, n_iter=300)
    assert h_admm["objective"][-1] == pytest.approx(h_fista["objective"][-1], rel=1e-5)


def test_tv_denoising_reaches_skimage_objective():
    """skimage.restoration.denoise_tv_chambolle(y, weight) minimises 1/2||u - y||^2 + weight TV(u)
    (isotropic TV, Neumann boundary), so lam = weight. Our ADMM (A = I) must do at least as well
    in our objective as skimage run to a tight tolerance (its default stops early)."""
    x = _image(32)
    A = op.Identity((32, 32))
    y = _noisy(A, x, sigma=0.1)
    for weight in (0.05, 0.12):
        ref = torch.from_numpy(denoise_tv_chambolle(y.numpy(), weight=weight, eps=1e-9, max_num_iter=3000))
        u, _ = S.admm(A, y, R.TV(), weight, n_iter=300, rho=20 * weight, cg_iter=10)
        f_ours = S.objective(A, y, R.TV(), weight, u)
        f_sk = S.objective(A, y, R.TV(), weight, ref)
        assert f_ours <= f_sk * (1 + 1e-6)


def test_gradient_descent_converges_below_2_over_L_and_diverges_above():
    A = op.Blur.gaussian((16, 16), 1.0)
    x = _image(16)
    y = _noisy(A, x)
    reg, lam = R.Tikhonov(), 0.05
    exact = S.tikhonov(A, y, lam)
    L = float(A.spectrum.abs().max()) ** 2 + lam  # = 1 + lam for a normalised blur
    xg, h = S.gradient_descent(A, y, reg, lam, n_iter=1000, step=1.9 / L)
    assert h["L"] == pytest.approx(L, rel=1e-6)
    assert not h["diverged"] and len(h["objective"]) == 1000
    assert torch.allclose(xg, exact, atol=1e-8)
    obj = h["objective"]
    assert all(b <= a + 1e-12 for a, b in zip(obj, obj[1:]))
    xd, h = S.gradient_descent(A, y, reg, lam, n_iter=1000, step=2.2 / L)  # must not raise
    assert h["diverged"]
    assert len(h["objective"]) < 1000
    assert h["objective"][-1] > 1e6 * h["objective"][0] or not np.isfinite(h["objective"][-1])
    # default step 1/L converges
    _, h = S.gradient_descent(A, y, R.GradientTikhonov(), lam, n_iter=50)
    assert not h["diverged"] and h["objective"][-1] < h["objective"][0]


# -------------------------------------------------------------------------------- interface
def test_history_contents_and_callback():
    A, y, x = _deblur_problem(16)
    _, h = S.admm(A, y, R.TV("circular"), 0.02, n_iter=20, x_true=x, keep_every=5)
    assert len(h["objective"]) == len(h["psnr"]) == 20
    assert h["x_iter"] == [5, 10, 15, 20] and len(h["x"]) == 4
    assert h["psnr"][-1] > h["psnr"][0] - 1e-9 or h["psnr"][-1] > 20
    seen = []
    _, h = S.pdhg(A, y, R.TV(), 0.02, n_iter=50, callback=lambda k, x: seen.append(k) or k == 7)
    assert seen == list(range(1, 8)) and len(h["objective"]) == 7
    for solver in (S.ista, S.fista, S.admm, S.pdhg, S.gradient_descent):
        reg = R.Tikhonov()
        x_hat, h = solver(A, y, reg, 0.01, n_iter=3)
        assert x_hat.shape == (16, 16) and len(h["objective"]) == 3 and "psnr" not in h


def test_bad_arguments_fail_early():
    A, y, _ = _deblur_problem(16)
    for solver in (S.ista, S.fista, S.admm, S.pdhg, S.gradient_descent):
        with pytest.raises(ValueError, match="lam"):
            solver(A, y, R.Tikhonov(), -0.1)
        with pytest.raises(ValueError, match="n_iter"):
            solver(A, y, R.Tikhonov(), 0.1, n_iter=0)
    for solver in (S.ista, S.fista, S.gradient_descent):
        with pytest.raises(ValueError, match="step"):
            solver(A, y, R.Tikhonov(), 0.1, step=-1.0)
    with pytest.raises(ValueError, match="rho"):
        S.admm(A, y, R.TV(), 0.1, rho=0.0)
    with pytest.raises(ValueError, match="lam"):
        S.tikhonov(A, y, -1e-3)
    with pytest.raises(ValueError, match="lam"):
        S.tikhonov(A, y, float("nan"))
    with pytest.raises(TypeError, match="quadratic"):
        S.tikhonov(A, y, 0.1, reg=R.TV())
    with pytest.raises(TypeError, match="smooth"):
        S.gradient_descent(A, y, R.TV(), 0.1)
    with pytest.raises(TypeError, match="torch"):
        S.tikhonov(A, y.numpy(), 0.1)
    with pytest.raises(ValueError, match="shape"):
        S.admm(A, y[:8], R.TV(), 0.1)
