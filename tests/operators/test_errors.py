"""Bad input fails early with a message naming the parameter, the value and what is allowed."""
import numpy as np
import pytest
import torch

from invlab import operators as op


def test_ndarray_gives_type_error_with_conversion_hint():
    A = op.Blur.gaussian((8, 8), 1.0)
    with pytest.raises(TypeError, match=r"torch\.from_numpy"):
        A(np.zeros((8, 8)))
    with pytest.raises(TypeError, match="torch.Tensor"):
        A.adjoint([[0.0] * 8] * 8)


def test_wrong_shape():
    A = op.Blur.gaussian((8, 8), 1.0)
    with pytest.raises(ValueError, match=r"\(7, 8\).*\(8, 8\)"):
        A(torch.zeros(7, 8))
    with pytest.raises(ValueError, match="trailing"):
        op.Gradient((8, 8)).adjoint(torch.zeros(8, 8))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_or_inf_input(bad):
    x = torch.zeros(8, 8)
    x[2, 3] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        op.Identity((8, 8))(x)


def test_downsample_factor_must_divide():
    with pytest.raises(ValueError, match=r"factor=3.*\(10, 10\)"):
        op.Downsample((10, 10), 3)
    with pytest.raises(ValueError, match="factor must be an integer >= 1"):
        op.Downsample((10, 10), 0)
    with pytest.raises(ValueError, match="factor must be an integer"):
        op.Downsample((10, 10), 2.0)


def test_cartesian_mask_arguments():
    with pytest.raises(ValueError, match=r"acceleration must be a finite number >= 1, got 0\.5"):
        op.cartesian_mask((8, 8), 0.5)
    for cf in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"center_fraction must be a finite number in \(0, 1\)"):
            op.cartesian_mask((8, 8), 2, center_fraction=cf)
    with pytest.raises(ValueError, match="kind must be one of 'random', 'equispaced', got 'spiral'"):
        op.cartesian_mask((8, 8), 2, kind="spiral")


def test_blur_arguments():
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        op.Blur.gaussian((8, 8), -1.0)
    with pytest.raises(ValueError, match="size must be a positive odd integer"):
        op.Blur.box((8, 8), 4)
    with pytest.raises(ValueError, match="larger than the image"):
        op.Blur((4, 4), torch.ones(5, 5))


def test_mask_and_gradient_arguments():
    with pytest.raises(ValueError, match="only 0 and 1"):
        op.Mask(torch.full((4, 4), 0.5))
    with pytest.raises(ValueError, match="boundary must be"):
        op.Gradient((4, 4), boundary="periodic")
    with pytest.raises(ValueError, match="fraction_missing"):
        op.Mask.random((4, 4), 1.5)


def test_to_matrix_refuses_big_operators():
    with pytest.raises(ValueError, match="max_size"):
        op.Identity((256, 256)).to_matrix()
