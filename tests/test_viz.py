"""Plotting helpers: complex images shown as magnitude, PNG encoding, clear errors."""
import io

import matplotlib
import numpy as np
import pytest
import torch
from PIL import Image

from invlab import viz

matplotlib.use("Agg")


def test_to_numpy_complex_is_magnitude():
    z = torch.tensor([[3 + 4j, 0j], [1j, -2 + 0j]], dtype=torch.complex64)
    np.testing.assert_allclose(viz.to_numpy(z), [[5, 0], [1, 2]])
    with pytest.raises(ValueError, match="2-D image"):
        viz.to_numpy(torch.zeros(2, 3, 4))


def test_to_png_windows_and_maps_grey_levels():
    img = torch.tensor([[0.0, 0.5], [1.0, 2.0]])
    a = np.asarray(Image.open(io.BytesIO(viz.to_png(img))))
    assert a.shape == (2, 2) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, [[0, 128], [255, 255]])  # window [0, 1], clipped above
    auto = np.asarray(Image.open(io.BytesIO(viz.to_png(img, vmin=None, vmax=None))))
    assert auto[1, 1] == 255 and auto[0, 0] == 0 and auto[1, 0] == 128
    rgb = np.asarray(Image.open(io.BytesIO(viz.to_png(img, cmap="viridis"))))
    assert rgb.shape == (2, 2, 3)


def test_show_builds_one_axis_per_image_with_titles():
    imgs = [torch.rand(8, 8), torch.rand(8, 8, dtype=torch.float64) * 1j, np.zeros((8, 8))]
    fig = viz.show(imgs, ["a", "b", "c"], ncols=2)
    titled = [ax.get_title() for ax in fig.axes if ax.images]
    assert titled == ["a", "b", "c"]
    # the complex image is displayed as its magnitude
    shown = fig.axes[1].images[0].get_array()
    np.testing.assert_allclose(shown, imgs[1].abs().numpy())
    with pytest.raises(ValueError, match="2 titles"):
        viz.show(imgs, ["a", "b"])
