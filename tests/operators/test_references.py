"""Operators against trusted references (numpy.fft, closed-form facts)."""
import numpy as np
import pytest
import torch

from invlab import operators as op


@pytest.mark.parametrize("shape", [(16, 16), (15, 17)])
def test_mri_matches_numpy_centred_orthonormal_fft(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    ref = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x), norm="ortho"))
    A = op.MRI(torch.ones(shape, dtype=torch.bool))
    k = A(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(k, ref, atol=1e-12)
    # orthonormal: energy preserved; fully sampled adjoint inverts exactly
    assert np.linalg.norm(k) == pytest.approx(np.linalg.norm(x), rel=1e-12)
    np.testing.assert_allclose(A.adjoint(torch.from_numpy(k)).numpy(), x, atol=1e-12)


def test_mri_dc_in_the_centre():
    x = torch.ones(8, 10, dtype=torch.complex128)
    k = op.MRI(torch.ones(8, 10, dtype=torch.bool))(x)
    assert int(k.abs().argmax()) == 4 * 10 + 5
    assert float(k.abs().max()) == pytest.approx(np.sqrt(80))


def test_cartesian_mask_properties():
    for kind in ("random", "equispaced"):
        m = op.cartesian_mask((64, 100), acceleration=4, center_fraction=0.08, kind=kind, seed=0)
        assert m.shape == (64, 100) and m.dtype == torch.bool
        cols = m[0]
        assert torch.equal(m, cols.expand(64, 100))  # whole lines
        assert int(cols.sum()) == 25  # W / R
        assert bool(cols[50 - 4:50 + 4].all())  # fully sampled centre (ceil(0.08*100)=8 lines)
    a = op.cartesian_mask((32, 64), 4, seed=1)
    b = op.cartesian_mask((32, 64), 4, seed=1)
    c = op.cartesian_mask((32, 64), 4, seed=2)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert bool(op.cartesian_mask((8, 8), 1.0).all())


def test_blur_matches_direct_circular_convolution():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 11))
    k = rng.standard_normal((3, 5))
    A = op.Blur((9, 11), torch.from_numpy(k))
    out = A(torch.from_numpy(x)).numpy()
    ref = np.zeros_like(x)
    for di in range(3):
        for dj in range(5):
            # centred kernel: offset (di - 1, dj - 2)
            ref += k[di, dj] * np.roll(x, (di - 1, dj - 2), axis=(0, 1))
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_gaussian_blur_preserves_mean_and_constant():
    A = op.Blur.gaussian((32, 32), 2.0)
    x = torch.full((32, 32), 0.7, dtype=torch.float64)
    assert torch.allclose(A(x), x)
    assert float(A.kernel.sum()) == pytest.approx(1.0)


def test_downsample_without_blur_is_decimation():
    x = torch.arange(36.0).reshape(6, 6)
    y = op.Downsample((6, 6), 3, sigma=0)(x)
    assert torch.equal(y, x[::3, ::3])


def test_gradient_of_ramp_and_divergence():
    x = torch.arange(5.0)[None, :].expand(4, 5).clone()
    g = op.Gradient((4, 5))(x)
    assert torch.all(g[0] == 0)
    assert torch.all(g[1, :, :-1] == 1) and torch.all(g[1, :, -1] == 0)
    # circular: the wrap-around difference appears
    gc = op.Gradient((4, 5), boundary="circular")(x)
    assert torch.all(gc[1, :, -1] == -4)


def test_matrix_operator():
    M = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64)
    A = op.Matrix(M)
    x = torch.tensor([1.0, -1.0], dtype=torch.float64)
    assert torch.allclose(A(x), M @ x)
    assert torch.allclose(A.adjoint(torch.ones(3, dtype=torch.float64)), M.T @ torch.ones(3, dtype=torch.float64))
