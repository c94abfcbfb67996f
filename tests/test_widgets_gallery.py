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
    with pytest.raises(ValueError, match="valid tasks are"):
        il.tasks.make("dehazing")


def test_log_slider_validation():
    s = widgets.log_slider("λ", 1e-2, -4, 1)
    assert s.value == pytest.approx(1e-2)
    with pytest.raises(ValueError, match="outside"):
        widgets.log_slider("λ", 10.0, -4, 0)
