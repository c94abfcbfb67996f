"""One property battery run over every operator (SigPy/PyLops style).

Each operator is built for an even and an odd image size; every test below must hold for
all of them: linearity, the dot test in float64 and float32 (complex for MRI), ``A.T.T``
acting as ``A``, the hand-written adjoint equal to autograd's vector-Jacobian product,
broadcasting over batch dimensions, and ``to_matrix()`` consistent with ``A(x)``.
"""
import pytest
import torch

from invlab import operators as op


def _factories():
    f = {
        "identity": lambda n: op.Identity((n, n + 1)),
        "blur_gauss": lambda n: op.Blur.gaussian((n, n + 2), sigma=1.3),
        "blur_box": lambda n: op.Blur.box((n, n), 3),
        "blur_motion": lambda n: op.Blur.motion((n, n), 5, angle=30.0),
        "blur_asym": lambda n: op.Blur((n, n), torch.arange(6.0).reshape(2, 3)),
        "downsample2": lambda n: op.Downsample((2 * n, 2 * n), 2),
        "downsample3_nosigma": lambda n: op.Downsample((3 * n, 3 * n), 3, sigma=0),
        "mask": lambda n: op.Mask.random((n, n), 0.4, seed=1),
        "mri_random": lambda n: op.MRI(op.cartesian_mask((n, n), 3, 0.2, "random", seed=2)),
        "mri_equi": lambda n: op.MRI(op.cartesian_mask((n, n + 1), 2, 0.1, "equispaced")),
        "matrix": lambda n: op.Matrix(torch.randn(n + 2, n, generator=torch.Generator().manual_seed(n), dtype=torch.float64)),
        "gaussian_sensing": lambda n: op.GaussianSensing(20, (n - 1, n + 1), seed=n),  # (7, 9), (8, 10)
        "gradient_neumann": lambda n: op.Gradient((n, n + 1)),
        "gradient_circular": lambda n: op.Gradient((n, n + 1), boundary="circular"),
        "composition": lambda n: op.Mask.random((n, n), 0.3) @ op.Blur.gaussian((n, n), 1.0),
        "sum_scaled": lambda n: op.Blur.box((n, n), 3) + 0.5 * op.Identity((n, n)) - op.Mask.random((n, n)),
        "adjoint_of_downsample": lambda n: op.Downsample((2 * n, 2 * n), 2).T,
    }
    f["radon"] = lambda n: op.Radon(n, torch.linspace(0, 180, 7)[:-1])
    return f


FACTORIES = _factories()
CASES = [(name, n) for name in FACTORIES for n in (8, 9)]
IDS = [f"{name}-{n}" for name, n in CASES]


def _build(name, n):
    return FACTORIES[name](n)


def _rand(shape, complex_, gen, dtype=torch.float64):
    x = torch.randn(shape, generator=gen, dtype=dtype)
    if complex_:
        x = torch.complex(x, torch.randn(shape, generator=gen, dtype=dtype))
    return x


def _in(A, gen, batch=(), dtype=torch.float64):
    return _rand(tuple(batch) + A.in_shape, A.is_complex, gen, dtype)


def _out(A, gen, batch=(), dtype=torch.float64):
    return _rand(tuple(batch) + A.out_shape, A.is_complex, gen, dtype)


@pytest.mark.parametrize("name,n", CASES, ids=IDS)
def test_linearity(name, n):
    A = _build(name, n)
    g = torch.Generator().manual_seed(0)
    x1, x2 = _in(A, g), _in(A, g)
    a, b = 1.7, -0.3
    lhs = A(a * x1 + b * x2)
    rhs = a * A(x1) + b * A(x2)
    assert torch.allclose(lhs, rhs, atol=1e-10 * (1 + rhs.abs().max()))
    # and not identically zero (a broken operator returning zeros would pass linearity)
    assert float(A(x1).abs().max()) > 0


@pytest.mark.parametrize("name,n", CASES, ids=IDS)
def test_dot_test_float64(name, n):
    A = _build(name, n)
    assert op.dot_test(A, seed=1) < 1e-9
    assert op.dot_test(A, seed=2, batch=(2,)) < 1e-9


@pytest.mark.parametrize("name,n", CASES, ids=IDS)
def test_dot_test_float32(name, n):
    A = _build(name, n)
    assert op.dot_test(A, seed=3, dtype=torch.float32) < 2e-5


@pytest.mark.parametrize("name,n", CASES, ids=IDS)
def test_double_transpose_is_the_operator(name, n):
    A = _build(name, n)
    g = torch.Generator().manual_seed(4)
    x, y = _in(A, g), _out(A, g)
    assert A.T.in_shape == A.out_shape and A.T.out_shape == A.in_shape
    assert torch.allclose(A.T.T(x), A(x))
    assert torch.allclose(A.T(y), A.adjoint(y))
    assert torch.allclose(A.T.adjoint(x), A(x))


@pytest.mark.parametrize("name,n", CASES, ids=IDS)
def test_adjoint_equals_autograd_vjp(name, n):
    """For L(x) = Re<y, Ax>, autograd's gradient is A^* y (conjugate Wirtinger convention)."""
    A = _build(name, n)
    g = torch.Generator().manual_seed(5)
    x, y = _in(A, g).requires_grad_(True), _out(A, g)
    Ax = A(x)
    L = torch.real(torch.sum(torch.conj(y.to(Ax.dtype)) * Ax)) if Ax.is_complex() else torch.sum(y * Ax)
    (grad,) = torch.autograd.grad(L, x)
    assert torch.allclose(grad, A.adjoint(y).to(grad.dtype), atol=1e-10)


@pytest.mark.parametrize("name,n", CASES, ids=IDS)
def test_batch_dimensions_broadcast(name, n):
    A = _build(name, n)
    g = torch.Generator().manual_seed(6)
    xb = _in(A, g, batch=(2, 3))
    yb = _out(A, g, batch=(2, 3))
    Axb, Atyb = A(xb), A.adjoint(yb)
    assert Axb.shape == (2, 3) + A.out_shape
    assert Atyb.shape == (2, 3) + A.in_shape
    for i in range(2):
        for j in range(3):
            assert torch.allclose(Axb[i, j], A(xb[i, j]))
            assert torch.allclose(Atyb[i, j], A.adjoint(yb[i, j]))


@pytest.mark.parametrize("name,n", CASES, ids=IDS)
def test_to_matrix_consistent(name, n):
    A = _build(name, n)
    g = torch.Generator().manual_seed(7)
    x = _in(A, g)
    M = A.to_matrix()
    assert M.shape == (A(x).numel(), x.numel())
    assert torch.allclose(M @ x.reshape(-1).to(M.dtype), A(x).reshape(-1).to(M.dtype), atol=1e-10)
    # the adjoint's matrix is the conjugate transpose
    MT = A.T.to_matrix()
    assert torch.allclose(MT, M.conj().T, atol=1e-10)


@pytest.mark.parametrize("name,n", [c for c in CASES if c[1] == 8], ids=[i for c, i in zip(CASES, IDS) if c[1] == 8])
def test_norm_is_largest_singular_value(name, n):
    A = _build(name, n)
    s = torch.linalg.svdvals(A.to_matrix())
    assert A.norm(n_iter=500, tol=1e-12) == pytest.approx(float(s[0]), rel=1e-4)


def test_float32_stays_float32():
    x = torch.rand(16, 16)
    for A in (op.Blur.gaussian((16, 16), 1.0), op.Downsample((16, 16), 2), op.Gradient((16, 16))):
        assert A(x).dtype == torch.float32
        assert A.adjoint(A(x)).dtype == torch.float32
    assert op.MRI(op.cartesian_mask((16, 16), 2))(x).dtype == torch.complex64


def test_algebra_values():
    g = torch.Generator().manual_seed(8)
    x = torch.randn(10, 10, generator=g, dtype=torch.float64)
    B = op.Blur.gaussian((10, 10), 1.0)
    M = op.Mask.random((10, 10), 0.5, seed=3)
    assert torch.allclose((M @ B)(x), M(B(x)))
    assert torch.allclose((M + B)(x), M(x) + B(x))
    assert torch.allclose((2.5 * B)(x), 2.5 * B(x))
    assert torch.allclose((B - M)(x), B(x) - M(x))
    assert torch.allclose(B.normal(x), B.adjoint(B(x)))
    assert torch.allclose(B @ x, B(x))
    with pytest.raises(ValueError, match="in_shape"):
        op.Blur.gaussian((10, 10), 1.0) @ op.Downsample((10, 10), 2)


def test_gaussian_sensing_matrix_scale_and_seed():
    """Entries N(0, 1/m): E||Ax||^2 = ||x||^2; the matrix is vec-ordered and fixed by its seed."""
    A = op.GaussianSensing(4000, (6, 7), seed=3)
    assert A.in_shape == (6, 7) and A.out_shape == (4000,)
    assert float(A.M.var()) == pytest.approx(1 / 4000, rel=0.02) and abs(float(A.M.mean())) < 1e-3
    x = torch.randn(6, 7, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert float(A(x).square().sum() / x.square().sum()) == pytest.approx(1.0, abs=0.1)
    assert torch.allclose(A(x), A.M @ x.reshape(-1))                          # row-major vec
    assert torch.equal(op.GaussianSensing(30, (5, 5), seed=2).M, op.GaussianSensing(30, (5, 5), seed=2).M)
    assert not torch.equal(op.GaussianSensing(30, (5, 5), seed=2).M, op.GaussianSensing(30, (5, 5), seed=3).M)
    assert A(x.float()).dtype == torch.float32 and A.adjoint(A(x)).dtype == torch.float64


@pytest.mark.parametrize("kwargs, word", [({"m": 0, "shape": (4, 4)}, "m"), ({"m": 2.5, "shape": (4, 4)}, "m"),
                                          ({"m": 3, "shape": (4, 4.5)}, "shape"), ({"m": 3, "shape": (16,)}, "shape"),
                                          ({"m": 3, "shape": (4, 4), "seed": "0"}, "seed")])
def test_gaussian_sensing_bad_arguments(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        op.GaussianSensing(**kwargs)
