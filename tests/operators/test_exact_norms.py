"""Operators whose norm is known exactly return it (no power-iteration error)."""
import pytest
import torch

from invlab import operators as op
from invlab.operators.base import LinearOperator


def _power(A):
    return LinearOperator.norm(A, n_iter=5000, tol=1e-14)


@pytest.mark.parametrize("make, exact", [
    (lambda: op.Blur.gaussian((64, 64), 1.5), 1.0),
    (lambda: op.Blur.gaussian((32, 32), 0.5), 1.0),
    (lambda: op.Blur.box((16, 16), 3), 1.0),
    (lambda: op.Identity((8, 8)), 1.0),
    (lambda: op.Mask.random((16, 16), 0.5, seed=0), 1.0),
    (lambda: op.Mask(torch.zeros(4, 4, dtype=torch.bool)), 0.0),
    (lambda: op.MRI(op.cartesian_mask((32, 32), 4, seed=0)), 1.0),
])
def test_exact_norm(make, exact):
    A = make()
    assert A.norm() == exact  # exactly, not 0.99937
    assert _power(A) == pytest.approx(exact, abs=1e-5)


def test_blur_norm_is_the_largest_spectrum_magnitude():
    # a kernel with negative weights: the norm is not the kernel's sum
    k = torch.tensor([[0.0, 1.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    A = op.Blur((8, 8), k)
    assert A.norm() == pytest.approx(2.0, abs=1e-12)
    assert _power(A) == pytest.approx(A.norm(), rel=1e-6)


def test_matrix_norm_is_its_largest_singular_value():
    M = torch.randn(7, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    A = op.Matrix(M)
    assert A.norm() == pytest.approx(float(torch.linalg.svdvals(M)[0]), rel=1e-12)


@pytest.mark.parametrize("A", [op.Blur.gaussian((16, 16), 1.0), op.Identity((4, 4)), op.Matrix(torch.eye(3))])
def test_exact_norm_keeps_the_argument_checks(A):
    with pytest.raises(ValueError, match="n_iter"):
        A.norm(n_iter=0)
    with pytest.raises(ValueError, match="tol"):
        A.norm(tol=float("nan"))
