"""Radon: adjointness, shapes and batches, references (scikit-image), FBP quality, errors."""
import numpy as np
import pytest
import torch
from skimage.data import shepp_logan_phantom
from skimage.metrics import peak_signal_noise_ratio
from skimage.transform import iradon, radon, resize

from invlab import operators as op
from invlab.operators import Radon

SIZES = [8, 9, 16, 33]
ANGLE_SETS = {
    "count": 7,
    "even_count": 8,            # pairs 90 degrees apart: half the angles use the turned image
    "list": [0.0, 17.5, 45.0, 90.0, 133.0],
    "irregular": torch.tensor([-30.0, 0.0, 12.3, 89.9, 90.0, 181.0, 270.0, 359.0]),
}
CASES = [(n, k) for n in SIZES for k in ANGLE_SETS]


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _phantom(n):
    return resize(shepp_logan_phantom(), (n, n))


def _psnr(x, ref):
    return peak_signal_noise_ratio(ref, np.asarray(x, dtype=np.float64), data_range=1.0)


@pytest.mark.parametrize("n,angles", CASES)
def test_dot_test(n, angles):
    A = Radon(n, ANGLE_SETS[angles])
    assert op.dot_test(A, seed=1) < 1e-9
    assert op.dot_test(A, seed=2, batch=(2, 3)) < 1e-9
    assert op.dot_test(A, seed=3, dtype=torch.float32) < 2e-5


@pytest.mark.parametrize("n,angles", [(8, "irregular"), (9, "irregular"), (16, "even_count"), (17, "list")])
def test_adjoint_is_the_transpose_and_the_autograd_vjp(n, angles):
    A = Radon(n, ANGLE_SETS[angles])
    M = A.to_matrix()                                     # columns A e_j, from the forward
    E = torch.eye(M.shape[0], dtype=torch.float64).reshape((-1,) + A.out_shape)
    assert torch.equal(A.adjoint(E).reshape(M.shape[0], -1), M)   # A^T e_i: bit-identical rows
    v = torch.randn((2,) + A.out_shape, generator=_gen(), dtype=torch.float64)
    Atv = A.adjoint(v)
    torch.testing.assert_close(Atv.reshape(2, -1), v.reshape(2, -1) @ M, rtol=1e-12, atol=1e-12)
    # autograd through A(x) gives the same vector-Jacobian product (A's backward is the adjoint)
    x = torch.randn((2,) + A.in_shape, generator=_gen(1), dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(A(x), x, v)
    torch.testing.assert_close(g, Atv, rtol=1e-12, atol=1e-12)
    y = torch.randn((2,) + A.out_shape, dtype=torch.float64, requires_grad=True)
    (gy,) = torch.autograd.grad(A.adjoint(y), y, x.detach())
    torch.testing.assert_close(gy, A(x.detach()), rtol=1e-12, atol=1e-12)


def test_gradients_match_finite_differences():
    """The backward passes (adjoint, FFT filtering) against finite differences of the forward."""
    A = Radon(8, 6)
    x = torch.rand(8, 8, generator=_gen(), dtype=torch.float64, requires_grad=True)
    y = torch.rand(6, 8, generator=_gen(1), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(A, (x,))
    assert torch.autograd.gradcheck(A.adjoint, (y,))
    assert torch.autograd.gradcheck(lambda v: A.fbp(v, filter="hann"), (y,))


@pytest.mark.parametrize("n", [8, 9, 16])
def test_to_matrix_matches_forward_and_linearity(n):
    A = Radon(n, 5)
    M = A.to_matrix()
    assert M.shape == (5 * n, n * n)
    x1, x2 = (torch.randn(n, n, generator=_gen(s), dtype=torch.float64) for s in (0, 1))
    torch.testing.assert_close(A(x1).flatten(), M @ x1.flatten(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(A(1.5 * x1 - 0.25 * x2), 1.5 * A(x1) - 0.25 * A(x2), rtol=1e-12, atol=1e-12)
    assert float(A(x1).abs().max()) > 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", [16, 17])
def test_batches_agree_with_single_images(n, dtype):
    A = Radon(n, 9)
    x = torch.randn(2, 3, n, n, generator=_gen(), dtype=torch.float64).to(dtype)
    y = A(x)
    assert y.shape == (2, 3, 9, n) and y.dtype == dtype
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == torch.float32 else dict(rtol=1e-12, atol=1e-12)
    for i in range(2):
        for j in range(3):
            torch.testing.assert_close(y[i, j], A(x[i, j]), **tol)
            torch.testing.assert_close(A.adjoint(y)[i, j], A.adjoint(y[i, j]), **tol)
            torch.testing.assert_close(A.fbp(y)[i, j], A.fbp(y[i, j]), **tol)
    assert A.adjoint(y).shape == (2, 3, n, n) and A.fbp(y).dtype == dtype


@pytest.mark.parametrize("n", [16, 17])
def test_mass_and_axis_aligned_projections(n):
    """Each pixel's footprint sums to 1 at every angle; at 0 and 90 degrees A sums columns / rows."""
    A = Radon(n, [0.0, 90.0, 30.0, 135.0])
    x = torch.rand(n, n, generator=_gen(), dtype=torch.float64)
    r = (n - 1) // 2
    rows, cols = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    disc = ((rows - n // 2) ** 2 + (cols - n // 2) ** 2 <= r * r).double()
    x = x * disc                                         # the operator sees only this disc
    y = A(x)
    torch.testing.assert_close(y.sum(-1), x.sum().expand(4), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(y[0], x.sum(0), rtol=1e-6, atol=1e-6)          # column sums
    torch.testing.assert_close(y[1], torch.roll(x.sum(1).flip(0), 2 * (n // 2) + 1 - n), rtol=1e-6, atol=1e-6)


@pytest.fixture(scope="module")
def ct256():
    img = _phantom(256)
    theta = np.arange(180.0)
    A = Radon(256, theta)
    y = A(torch.from_numpy(img).float())
    return img, theta, A, y, radon(img, theta, circle=True)   # skimage's sinogram is (detector, angle)


def _rel(ours, ref):
    return np.linalg.norm(ours - ref) / np.linalg.norm(ref)


def test_forward_matches_skimage_radon(ct256):
    # skimage interpolates the rotated image bilinearly and sums columns; we integrate each
    # pixel's footprint over the bins. Measured relative L2 differences of the sinograms:
    # 1.6e-3 (256 x 256, 180 angles) and 2.8e-3 (128 x 128, 180 angles).
    img, theta, A, y, ref = ct256
    assert _rel(A(torch.from_numpy(img)).numpy(), ref.T) < 2e-3
    img, theta = _phantom(128), np.arange(180.0)
    assert _rel(Radon(128, theta)(torch.from_numpy(img)).numpy(), radon(img, theta, circle=True).T) < 3.5e-3


def test_fbp_at_least_as_good_as_iradon(ct256):
    img, theta, A, y, sino = ct256
    ours = _psnr(A.fbp(y).numpy(), img)                   # measured 31.1 dB
    ref = _psnr(iradon(sino, theta, filter_name="ramp", circle=True), img)   # measured 30.8 dB
    assert ours >= ref
    # absolute scale: FBP of A x recovers x (mean over the phantom, within 1%)
    assert float(A.fbp(y).double().mean()) == pytest.approx(img.mean(), rel=0.01)


def test_filters(ct256):
    img, _, A, y, _ = ct256
    psnrs = {f: _psnr(A.fbp(y, filter=f).numpy(), img) for f in ("ramp", "shepp-logan", "cosine", "hann")}
    assert all(p > 25 for p in psnrs.values()), psnrs  # measured 31.1, 30.2, 28.4, 27.0 dB
    assert psnrs["ramp"] > psnrs["shepp-logan"] > psnrs["cosine"] > psnrs["hann"]  # noise-free: sharpest wins
    with pytest.raises(ValueError, match="ramp.*shepp-logan.*cosine.*hann"):
        A.fbp(y, filter="hamming")


def test_fewer_angles_give_lower_psnr():
    img = torch.from_numpy(_phantom(128))
    psnrs = []
    for n_angles in (180, 45, 15):
        A = Radon(128, n_angles)
        psnrs.append(_psnr(A.fbp(A(img)).numpy(), img.numpy()))
    assert psnrs[0] > psnrs[1] + 1 > psnrs[2] + 2, psnrs


def test_angles_attribute_and_cache():
    A = Radon(12, 4)
    assert A.angles.dtype == torch.float64
    torch.testing.assert_close(A.angles, torch.tensor([0.0, 45.0, 90.0, 135.0], dtype=torch.float64))
    assert A.out_shape == (4, 12) and A.in_shape == (12, 12)
    assert Radon(12, [0, 45, 90, 135])._geom is A._geom   # same geometry reused


@pytest.mark.parametrize("size", [1, 0, -3, 2.5, "8", True, None])
def test_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        Radon(size, 10)


@pytest.mark.parametrize("angles", [[], 0, -2, [0.0, float("nan")], [1.0, float("inf")], [[0.0, 1.0]], "abc"])
def test_bad_angles(angles):
    with pytest.raises(ValueError, match="angles"):
        Radon(8, angles)


def test_bad_inputs():
    A = Radon(8, 4)
    with pytest.raises(TypeError, match="torch.from_numpy"):
        A(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="trailing"):
        A(torch.zeros(8, 9))
    with pytest.raises(ValueError, match="NaN"):
        A.adjoint(torch.full((4, 8), float("nan")))
    with pytest.raises(TypeError, match="float32 or float64"):
        A(torch.zeros(8, 8, dtype=torch.int64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    A = Radon(32, 20)
    x = torch.rand(2, 32, 32, generator=_gen())
    y = A(x.cuda())
    assert y.is_cuda
    torch.testing.assert_close(y.cpu(), A(x), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(A.adjoint(y).cpu(), A.adjoint(A(x)), rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(A.fbp(y).cpu(), A.fbp(A(x)), rtol=1e-5, atol=1e-4)
