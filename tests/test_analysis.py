"""SVD analysis tools: against torch.linalg, the Fourier picture of a circular blur, and limits."""
import math

import numpy as np
import pytest
import torch

from invlab import analysis as an
from invlab import metrics
from invlab import operators as op
from invlab import regularisers as R
from invlab import solvers as S


def _smooth_image(n=16):
    r = torch.arange(n, dtype=torch.float64) / n
    return torch.sin(2 * math.pi * r)[:, None] * torch.cos(math.pi * r)[None, :] * 0.3 + 0.5


def test_singular_values_match_dense_svd_and_blur_spectrum():
    A = op.Blur.gaussian((12, 10), 1.3)
    s = an.singular_values(A)
    assert torch.allclose(s, torch.linalg.svdvals(A.to_matrix()), atol=1e-12)
    # a circular blur is diagonalised by the DFT: its singular values are |fft2(kernel)|
    full = torch.fft.fft2(torch.fft.irfft2(A.spectrum, s=(12, 10))).abs().reshape(-1)
    assert torch.allclose(s, torch.sort(full, descending=True).values, atol=1e-12)
    assert an.condition_number(A) == pytest.approx(float(s[0] / s[-1]))
    assert an.condition_number(op.Identity((4, 4))) == pytest.approx(1.0)
    assert an.condition_number(torch.zeros(3, 3)) == math.inf
    U, s2, Vh = an.svd(A)
    assert torch.allclose(U @ torch.diag(s2) @ Vh, A.to_matrix(), atol=1e-12)


def test_filter_factor_limits():
    s = torch.logspace(-4, 0, 20, dtype=torch.float64)
    assert torch.allclose(an.filter_factors(s, 0.0), torch.ones(20, dtype=torch.float64))
    assert float(an.filter_factors(s, 1e12).max()) < 1e-11
    phi = an.filter_factors(s, 1e-4)
    assert torch.all(phi[1:] >= phi[:-1])  # increasing with s
    assert float(an.filter_factors(torch.tensor([1e-2]), 1e-4)) == pytest.approx(0.5)
    assert an.filter_factors(s, [1e-3, 1e-2, 1e-1]).shape == (3, 20)
    with pytest.raises(ValueError, match="lam"):
        an.filter_factors(s, -1.0)
    assert torch.equal(an.tsvd_filter(s, 3), torch.tensor([1.0, 1, 1] + [0.0] * 17, dtype=torch.float64))
    with pytest.raises(ValueError, match="k"):
        an.tsvd_filter(s, 21)


def test_tikhonov_equals_filtered_svd_solution():
    """x_lam = sum_i phi_i (u_i^T y / s_i) v_i with phi = s^2 / (s^2 + lam): the FFT solver agrees."""
    A = op.Blur.gaussian((10, 10), 1.0)
    y = A(_smooth_image(10)) + 0.01 * torch.randn(10, 10, generator=torch.Generator().manual_seed(0),
                                                   dtype=torch.float64)
    lam = 1e-2
    U, s, Vh = an.svd(A)
    coef = U.T @ y.reshape(-1)
    x_svd = Vh.T @ (an.filter_factors(s, lam) * coef / s)
    assert torch.allclose(S.tikhonov(A, y, lam).reshape(-1), x_svd, atol=1e-10)


def test_tsvd_with_full_rank_equals_least_squares():
    g = torch.Generator().manual_seed(1)
    M = torch.randn(30, 12, generator=g, dtype=torch.float64) + 3 * torch.eye(30, 12, dtype=torch.float64)
    A = op.Matrix(M)
    y = torch.randn(30, generator=g, dtype=torch.float64)
    x = an.tsvd_solve(A, y, 12)
    assert torch.allclose(x, torch.linalg.lstsq(M, y).solution, atol=1e-10)
    # fewer components: a worse fit, never a better one
    res = [float(torch.linalg.vector_norm(M @ an.tsvd_solve(A, y, k) - y)) for k in (2, 6, 12)]
    assert res[0] >= res[1] >= res[2]


def test_picard_coefficients_and_noise_floor():
    A = op.Blur.gaussian((12, 12), 1.5)
    x = _smooth_image(12)
    clean = an.picard(A, A(x))
    noisy = an.picard(A, A(x) + 1e-3 * torch.randn(12, 12, generator=torch.Generator().manual_seed(2),
                                                    dtype=torch.float64))
    assert torch.allclose(clean["ratio"], clean["uty"] / clean["s"])
    assert torch.allclose(clean["s"], an.singular_values(A))
    # the sum of u_i^T y / s_i v_i reproduces x for clean data (A is invertible here)
    U, s, Vh = an.svd(A)
    assert torch.allclose(Vh.T @ ((U.T @ A(x).reshape(-1)) / s), x.reshape(-1), atol=1e-6)
    # noise puts a floor under |u_i^T y|, so the coefficients divided by s_i blow up at the tail
    assert float(noisy["uty"][-10:].min()) > 10 * float(clean["uty"][-10:].max())
    assert float(noisy["ratio"][-1]) > 1e3 * float(noisy["ratio"][0])


@pytest.mark.parametrize("reg", [None, R.GradientTikhonov()], ids=["tikhonov", "gradient"])
def test_l_curve_is_monotone(reg):
    A = op.Blur.gaussian((32, 32), 2.0)
    x = _smooth_image(32)
    y = A(x) + 0.01 * torch.randn(32, 32, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    lams = np.logspace(-6, 1, 15)
    lc = an.l_curve(A, y, lams, reg=reg)
    res, sol = np.array(lc["residual_norm"]), np.array(lc["solution_norm"])
    assert np.all(np.diff(res) > 0)
    assert np.all(np.diff(sol) < 0)
    assert lc["lam"] == pytest.approx(list(lams))


def test_psnr_vs_lambda_has_an_interior_optimum():
    A = op.Blur.gaussian((32, 32), 1.5)
    x = _smooth_image(32)
    y = A(x) + 0.02 * torch.randn(32, 32, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    lams = np.logspace(-7, 2, 19)
    out = an.psnr_vs_lambda(A, y, x, lams)
    i = int(np.argmax(out["psnr"]))
    assert 0 < i < len(lams) - 1
    assert out["best_psnr"] == pytest.approx(max(out["psnr"]))
    assert out["best_lam"] == pytest.approx(lams[i])
    tv = an.psnr_vs_lambda(A, y, x, [1e-3, 1e-2], reg=R.TV("circular"), n_iter=30)
    assert len(tv["psnr"]) == 2 and tv["best_x"].shape == (32, 32)


def test_blur_matrix_1d():
    M = an.blur_matrix_1d(40, 2.0, boundary="circular")
    assert torch.allclose(M, M.T)
    assert torch.allclose(M.sum(1), torch.ones(40, dtype=torch.float64))
    # it is the 1-D action of the 2-D Gaussian blur on images constant along the rows
    f = torch.sin(torch.arange(40, dtype=torch.float64) / 3) + 1
    img = f[:, None].expand(40, 40).clone()
    assert torch.allclose(op.Blur.gaussian((40, 40), 2.0)(img)[:, 0], M @ f, atol=1e-12)
    T = an.blur_matrix_1d(40, 2.0)  # zero boundary: Toeplitz, ill-conditioned
    assert float(T[0, -1]) == 0.0 and float(T[0, 1]) == pytest.approx(float(T[1, 0]))
    assert an.condition_number(T) > 1e3
    with pytest.raises(ValueError, match="boundary"):
        an.blur_matrix_1d(10, 1.0, boundary="reflect")


def test_best_lambda_per_image_keeps_each_images_best():
    x = torch.zeros(3, 4, 4)
    # λ = 1 is perfect for image 0, λ = 2 for images 1 and 2
    outs = {1.0: torch.stack([x[0], x[1] + 0.5, x[2] + 0.3]), 2.0: torch.stack([x[0] + 0.1, x[1], x[2] + 0.01])}
    r = an.best_lambda_per_image(lambda lam: outs[lam], x, [1.0, 2.0])
    assert r["lam"].tolist() == [1.0, 2.0, 2.0]
    assert torch.equal(r["x"], torch.stack([x[0], x[1], x[2] + 0.01]))
    assert r["table"].shape == (2, 3)
    assert torch.allclose(r["psnr"], r["table"].max(0).values)
    with pytest.raises(ValueError, match="expected"):
        an.best_lambda_per_image(lambda lam: x[0], x, [1.0])
    with pytest.raises(ValueError, match="N, H, W"):
        an.best_lambda_per_image(lambda lam: x[0], x[0], [1.0])


@pytest.mark.parametrize("prior", ["wavelet", "tv"])
def test_sparse_cs_baseline_recovers_a_sparse_image(prior):
    """A piecewise-constant image from m = 300 of 784 Gaussian measurements: far better than least squares."""
    x = torch.zeros(2, 28, 28)
    x[0, 8:20, 4:16] = 0.8
    x[1, 4:24, 12:20] = 0.6
    A = op.GaussianSensing(300, (28, 28), seed=0)
    y = A(x)
    r = an.sparse_cs_baseline(A, y, x, prior=prior)
    assert r["x"].shape == x.shape and float(r["x"].min()) >= 0 and float(r["x"].max()) <= 1
    M = A.M
    ls = (M.T @ torch.linalg.solve(M @ M.T, y.double().T)).T.reshape(2, 28, 28)
    assert (r["psnr"] > metrics.psnr(ls.float().clamp(0, 1), x).double() + 10).all()
    assert set(r["lam"].tolist()) <= set(an.CS_LAMBDAS)
