"""Plug-and-play: reduces to known algorithms for known denoisers, keeps the history contract,
refuses bad input clearly."""
import math

import pytest
import torch

from invlab import operators as op
from invlab import regularisers as R
from invlab import solvers as S


def _problem(n=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, n, generator=g, dtype=torch.float64)
    A = op.Blur.gaussian((n, n), 1.5)
    y = A(x) + 0.01 * torch.randn(n, n, generator=g, dtype=torch.float64)
    return A, x, y


def identity(x, sigma):
    return x


def test_identity_denoiser_gives_landweber_iterations():
    A, x, y = _problem()
    xp, hp = S.pnp(A, y, identity, sigma=0.1, n_iter=15, step=0.8)
    xg, hg = S.gradient_descent(A, y, R.Tikhonov(), 0.0, n_iter=15, step=0.8)
    assert torch.allclose(xp, xg, atol=1e-12)
    assert hp["objective"] == pytest.approx(hg["objective"], rel=1e-10)


def test_proximal_denoiser_gives_ista():
    """D(z, sigma) = z / (1 + sigma) is the prox of sigma * ||x||^2 / 2, so PnP-PGD is ISTA with lam = sigma / step."""
    A, x, y = _problem()
    step, sigma = 0.9, 0.05
    xp, _ = S.pnp(A, y, lambda z, s: z / (1 + s), sigma=sigma, n_iter=20, step=step)
    xi, _ = S.ista(A, y, R.Tikhonov(), sigma / step, n_iter=20, step=step)
    assert torch.allclose(xp, xi, atol=1e-10)


def test_hqs_data_step_is_exact():
    """One HQS iteration with an identity denoiser solves min 1/2||Ax-y||^2 + alpha/2||x - z0||^2."""
    for A in (op.Blur.gaussian((20, 20), 2.0), op.Mask(torch.rand(20, 20, generator=torch.Generator().manual_seed(1)) > 0.5),
              op.Downsample((20, 20), 2)):
        g = torch.Generator().manual_seed(2)
        z0 = torch.rand(20, 20, generator=g, dtype=torch.float64)
        y = A(torch.rand(20, 20, generator=g, dtype=torch.float64))
        x, h = S.pnp(A, y, identity, sigma=0.05, noise=0.02, n_iter=1, x0=z0, method="hqs", sigma_start=0.05)
        alpha = 0.25 * 0.02**2 / 0.05**2
        grad = A.adjoint(A(x) - y) + alpha * (x - z0)
        assert float(grad.abs().max()) < 1e-6 * float(A.adjoint(y).abs().max())


def test_hqs_noise_schedule_decreases_geometrically():
    A, x, y = _problem()
    _, h = S.pnp(A, y, identity, sigma=0.01, n_iter=5, method="hqs", sigma_start=0.16)
    assert h["sigma"] == pytest.approx([0.16, 0.08, 0.04, 0.02, 0.01])


def test_history_contract_and_callback():
    A, x, y = _problem()
    for method in ("pgd", "hqs"):
        xs, h = S.pnp(A, y, identity, sigma=0.02, n_iter=9, x_true=x, keep_every=3, method=method)
        assert len(h["objective"]) == len(h["psnr"]) == len(h["sigma"]) == 9
        assert h["x_iter"] == [3, 6, 9] and torch.equal(h["x"][-1], xs)
        _, h = S.pnp(A, y, identity, sigma=0.02, n_iter=9, callback=lambda k, x: k == 4, method=method)
        assert len(h["objective"]) == 4


def test_a_smoothing_denoiser_beats_the_naive_start():
    """Sanity on a piecewise-constant image: PnP with a mild smoother improves on A^T y."""
    n = 32
    x = torch.zeros(n, n, dtype=torch.float64)
    x[8:24, 8:24] = 1.0
    A = op.Blur.gaussian((n, n), 1.0)
    g = torch.Generator().manual_seed(0)
    y = A(x) + 0.05 * torch.randn(n, n, generator=g, dtype=torch.float64)
    smooth = R.TV()
    xp, h = S.pnp(A, y, lambda z, s: smooth.prox(z[0, 0], s)[None, None], sigma=0.05, n_iter=20, x_true=x)
    from invlab.metrics import psnr
    assert h["psnr"][-1] > psnr(A.adjoint(y), x) + 3


@pytest.mark.parametrize("kwargs, err, word", [
    ({"sigma": -0.1}, ValueError, "sigma"), ({"sigma": math.nan}, ValueError, "sigma"),
    ({"sigma": "0.1"}, TypeError, "sigma"), ({"method": "admm"}, ValueError, "method"),
    ({"step": -1.0}, ValueError, "step"), ({"n_iter": 0}, ValueError, "n_iter"),
    ({"callback": 1}, TypeError, "callback"), ({"method": "hqs", "noise": -1.0}, ValueError, "noise"),
    ({"method": "hqs", "sigma": 0.0}, ValueError, "sigma")])
def test_bad_arguments(kwargs, err, word):
    A, x, y = _problem()
    with pytest.raises(err, match=word):
        S.pnp(A, y, identity, **kwargs)


def test_bad_inputs():
    A, x, y = _problem()
    with pytest.raises(TypeError, match="denoiser"):
        S.pnp(A, y, "dncnn")
    with pytest.raises(ValueError, match="same shape"):
        S.pnp(A, y, lambda z, s: z[..., :-1, :])
    bad = y.clone()
    bad[0, 0] = math.nan
    with pytest.raises(ValueError, match="y"):
        S.pnp(A, bad, identity)
    with pytest.raises(ValueError, match="y"):
        S.pnp(A, y[:-1], identity)
    with pytest.raises(TypeError):
        S.pnp(A, y.numpy(), identity)
