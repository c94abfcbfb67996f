"""Widget tests for the forward-model gallery: move every control across its range."""
import numpy as np
import pytest
import torch

import invlab as il
from invlab import widgets


@pytest.fixture(scope="module")
def gallery():
    return widgets.ForwardGallery(size=64, width=128)


def _decode(png: bytes) -> np.ndarray:
    import io
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)))


def test_every_task_and_noise_level(gallery):
    seen = {}
    for task in gallery.task.options:
        gallery.task.value = task
        pictures = []
        for s in np.linspace(gallery.sigma.min, gallery.sigma.max, 5):
            gallery.sigma.value = float(s)
            pictures.append(list(gallery.row.pngs))
            assert torch.isfinite(gallery.y).all() and torch.isfinite(gallery.naive).all()
            assert all(len(p) > 0 for p in gallery.row.pngs)
            assert "PSNR" in gallery.row.captions[2].value
        # moving the noise slider changed the measurement picture
        assert pictures[0][1] != pictures[-1][1]
        assert pictures[0][2] != pictures[-1][2]
        seen[task] = _decode(gallery.row.pngs[2])
    assert set(seen) == set(il.tasks.TASKS)
    # different tasks give different naive images
    assert not np.array_equal(seen["denoising"], seen["CT"])


def test_seed_changes_noise_only(gallery):
    gallery.task.value = "denoising"
    gallery.sigma.value = 0.1
    gallery.seed.value = 0
    y0 = gallery.y.clone()
    png0 = gallery.row.pngs[1]
    for s in range(gallery.seed.min, gallery.seed.max + 1):
        gallery.seed.value = s
    assert not torch.equal(y0, gallery.y)
    assert gallery.row.pngs[1] != png0
    # same statistics: the noise std stays sigma
    assert float((gallery.y - gallery.current().x_true).std()) == pytest.approx(0.1, rel=0.1)
    gallery.seed.value = 0
    assert torch.equal(y0, gallery.y)


def test_naive_psnr_falls_with_noise(gallery):
    gallery.task.value = "denoising"
    gallery.sigma.value = 0.01
    p1 = il.metrics.psnr(gallery.naive, gallery.current().x_true)
    gallery.sigma.value = 0.1
    p2 = il.metrics.psnr(gallery.naive, gallery.current().x_true)
    assert p1 - p2 == pytest.approx(20.0, abs=1.0)  # 10x the noise std = -20 dB


def test_unknown_task_lists_valid_ones():
    with pytest.raises(ValueError, match="denoising"):
        il.tasks.make("dehazing")


def test_log_slider_validation():
    s = widgets.log_slider("λ", 1e-2, -4, 1)
    assert s.value == pytest.approx(1e-2)
    with pytest.raises(ValueError, match="outside"):
        widgets.log_slider("λ", 10.0, -4, 0)


def test_inpainting_noise_is_independent_of_the_mask():
    from invlab.tasks import NOISE_STREAM, stream_seed

    t = il.tasks.make("inpainting", size=128)
    m = t.measured.double().flatten()
    for seed in range(3):
        raw = il.noise.gaussian(torch.zeros(128, 128), 1.0, seed=stream_seed(seed, NOISE_STREAM)).double().flatten()
        r = float(torch.corrcoef(torch.stack([raw, m]))[0, 1])
        assert abs(r) < 0.03, f"mask and noise correlated (r = {r:.3f}) for seed {seed}"
    # "missing = 0" stays true with noise, and the naive PSNR falls as the noise grows
    y = t.measure(0.1, seed=0)
    assert torch.all(y[~t.measured] == 0)
    psnrs = [il.metrics.psnr(t.measure(s, seed=0), t.x_true) for s in (0.0, 0.05, 0.1, 0.2)]
    assert all(a > b for a, b in zip(psnrs, psnrs[1:])), psnrs


def test_mri_noise_only_in_the_measured_kspace():
    t = il.tasks.make("MRI", size=64)
    n = t.measure(0.1, seed=3) - t.A(t.x_true)
    assert torch.all(n[~t.measured] == 0)
    assert float(n[t.measured].abs().std()) > 0.01


def test_ct_noise_is_visible_relative_to_the_sinogram():
    t = il.tasks.make("CT", size=64)
    clean = t.A(t.x_true)
    peak = float(clean.abs().max())
    assert t.noise_scale == pytest.approx(peak)
    n = t.measure(0.1, seed=0) - clean
    assert float(n.std()) == pytest.approx(0.1 * peak, rel=0.1)
    # the displayed sinogram (window [0, peak]) moves by about sigma per pixel
    view_change = (t.measurement_view(t.measure(0.1)) - t.measurement_view(clean)).std()
    assert float(view_change) == pytest.approx(0.1, rel=0.1)
    assert "relative to the sinogram" in t.noise_note


def test_gallery_says_how_noise_is_measured_and_labels_the_sinogram(gallery):
    gallery.task.value = "CT"
    assert "σ·max|Ax|" in gallery.info.value
    img = _decode(gallery.row.pngs[1])
    assert img.shape[:2] == (128, 128)  # a square PNG of the panel width: nothing moves
    # the sinogram is drawn on axes: a white margin with dark tick labels around it
    assert img[..., 0][:, :10].mean() > 200
    gallery.task.value = "MRI"
    assert "A<sup>H</sup>" in gallery.row.captions[2].value and "$" not in gallery.row.captions[2].value
    gallery.task.value = "deblurring"


def test_gallery_panel_has_a_fixed_size(gallery):
    heights = set()
    for task in gallery.task.options:
        gallery.task.value = task
        heights.add((gallery.info.layout.height, tuple(c.layout.height for c in gallery.row.captions),
                     tuple(im.layout.height for im in gallery.row.images)))
    assert len(heights) == 1


@pytest.mark.parametrize("kwargs, name", [({"size": -8}, "size"), ({"size": 8}, "size"),
                                          ({"width": 0}, "width"), ({"width": -256}, "width")])
def test_gallery_rejects_bad_sizes(kwargs, name):
    with pytest.raises(ValueError, match=name):
        widgets.ForwardGallery(**kwargs)
    with pytest.raises(TypeError, match="size"):
        widgets.ForwardGallery(size=32.5)
