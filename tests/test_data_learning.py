"""Data for learning: the extra photos, Fashion-MNIST and random patches."""
import pytest
import torch

from invlab import data as D
from invlab.analysis import best_lambda


def test_photos_join_the_training_split_only():
    assert set(D.PHOTOS) <= set(D.TRAIN_IMAGES)
    assert not set(D.PHOTOS) & set(D.TEST_IMAGES)
    for name in D.PHOTOS:
        x = D.image(name, None)
        assert x.dtype == torch.float32 and min(x.shape) >= 512 and 0 <= x.min() and x.max() <= 1
        assert x.std() > 0.05          # a real picture, not a constant
    # pywt's camera.npz is our test image: it must not have slipped in under another name
    cam = D.image("camera", 128)
    for name in D.PHOTOS:
        assert (D.image(name, 128) - cam).abs().mean() > 0.05


def test_photos_checksum_is_enforced(tmp_path, monkeypatch):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "photos.npz").write_bytes(b"not the shipped file")
    monkeypatch.setenv("INVLAB_DATA_DIR", str(tmp_path))
    D._shipped_npz.cache_clear()
    try:
        with pytest.raises(D.DataChecksumError, match="make_photo_data"):
            D._shipped_npz("photos")
        (tmp_path / "photos" / "photos.npz").unlink()
        with pytest.raises(FileNotFoundError, match="make_photo_data"):
            D._shipped_npz("photos")
    finally:
        monkeypatch.delenv("INVLAB_DATA_DIR")
        D._shipped_npz.cache_clear()


def test_fashion_mnist_split_and_classes():
    x, y = D.fashion_mnist("train", return_labels=True)
    assert x.shape == (10000, 28, 28) and x.dtype == torch.float32
    assert torch.bincount(y).tolist() == [1000] * 10
    t = D.fashion_mnist("test")
    assert t.shape == (2000, 28, 28) and 0 <= t.min() and t.max() <= 1
    assert D.fashion_mnist("test", classes="Trouser").shape == (200, 28, 28)
    both, lab = D.fashion_mnist("test", classes=[1, "Bag"], return_labels=True)
    assert set(lab.tolist()) == {1, 8} and both.shape[0] == 400
    # the original split: no test image equals a training image
    flat_train = {bytes((x[i] * 255).round().to(torch.uint8).flatten().tolist()) for i in range(0, 10000, 7)}
    assert not any(bytes((t[i] * 255).round().to(torch.uint8).flatten().tolist()) in flat_train for i in range(200))


@pytest.mark.parametrize("kwargs, word", [({"split": "val"}, "split"), ({"classes": 10}, "classes"),
                                          ({"classes": "Hat"}, "classes"), ({"return_labels": 1}, "return_labels")])
def test_fashion_mnist_bad_arguments(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        D.fashion_mnist(**kwargs)


def test_patches_are_crops_and_seeded():
    imgs = D.train_images(64)[:3]
    p = D.patches(imgs, 16, 200, seed=0, augment=False)
    assert p.shape == (200, 16, 16)
    # every patch is a crop of one of the images
    for q in p[:20]:
        assert any((im.unfold(0, 16, 1).unfold(1, 16, 1) == q).all(-1).all(-1).any() for im in imgs)
    assert torch.equal(p, D.patches(imgs, 16, 200, seed=0, augment=False))
    assert not torch.equal(p, D.patches(imgs, 16, 200, seed=1, augment=False))


def test_patch_augmentation_uses_the_eight_symmetries():
    im = torch.arange(16 * 16, dtype=torch.float32).reshape(16, 16)
    p = D.patches(im, 16, 400, seed=0)          # the whole image, so only the symmetry varies
    seen = {tuple(q.flatten()[:3].tolist()) for q in p}
    views = [torch.rot90(v, k) for v in (im, im.T) for k in range(4)]
    assert seen == {tuple(v.flatten()[:3].tolist()) for v in views}


def test_patches_from_images_of_different_sizes():
    p = D.patches([torch.rand(20, 30), torch.rand(40, 17)], 17, 50, seed=0)
    assert p.shape == (50, 17, 17)


@pytest.mark.parametrize("args, word", [((torch.rand(8, 8), 9, 1), "size"), ((torch.rand(8, 8), 4, -1), "n"),
                                        ((torch.rand(8, 8), 4.5, 1), "size"), (([], 4, 1), "images"),
                                        ((torch.rand(2, 2, 8, 8), 4, 1), "images")])
def test_patches_bad_arguments(args, word):
    with pytest.raises((ValueError, TypeError), match=word):
        D.patches(*args)


def test_best_lambda_finds_the_peak():
    x = torch.zeros(8, 8)

    def solve(lam):                      # PSNR peaks where |log10(lam) + 2| is smallest
        return x + 0.01 * (1 + abs(torch.log10(torch.tensor(lam)) + 2))
    r = best_lambda(solve, x, 1e-4, 1.0)
    assert r["best_lam"] == pytest.approx(1e-2, rel=0.3)
    assert r["best_psnr"] == max(r["psnr"]) and r["lam"] == sorted(r["lam"])
    with pytest.raises(ValueError, match="lo"):
        best_lambda(solve, x, 1.0, 0.1)
    with pytest.raises(TypeError, match="solve"):
        best_lambda(None, x, 0.1, 1.0)


def test_tv_denoise_best_is_the_clipped_tv_prox_at_the_best_lambda():
    from invlab.analysis import tv_denoise_best
    from invlab.metrics import psnr
    from invlab.regularisers import TV

    x = D.image("camera", 48)
    y = x + 0.1 * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
    r = tv_denoise_best(y, x, 0.1)
    assert 0.02 <= r["best_lam"] <= 0.2
    assert r["best_psnr"] == pytest.approx(float(psnr(TV().prox(y, r["best_lam"]).clamp(0, 1), x)))
    assert r["best_psnr"] > float(psnr(y, x)) + 3
    with pytest.raises(ValueError, match="sigma"):
        tv_denoise_best(y, x, 0.0)


def test_ct_slice_is_attenuation_in_the_field_of_view():
    """The real CT slice: HU mapped to μ / (2.2 μ_water), air and water where the maths puts them."""
    import numpy as np

    full = D.ct_slice(field_of_view=False)
    x = D.ct_slice()
    assert x.shape == (128, 128) and x.dtype == torch.float32
    assert 0 <= x.min() and x.max() <= 1 and full.max() > 0.9          # dense bone, below 1
    hu = D._shipped_npz("ct")["hu"].astype(np.float64)
    assert torch.allclose(full, torch.tensor(np.clip((hu + 1000) / 2200, 0, 1), dtype=torch.float32))
    # the mapping's anchors: HU -1000 (air) -> 0, HU 0 (water) -> 1000 / 2200
    soft = (hu > -50) & (hu < 50)
    assert abs(float(full.numpy()[soft].mean()) - 1000 / 2200) < 0.03
    # outside the inscribed disc: 0; inside: the full slice unchanged
    c = (np.arange(128) - 63.5) / 64
    inside = torch.tensor(c[:, None] ** 2 + c[None, :] ** 2 <= 1)
    assert (x[~inside] == 0).all() and torch.equal(x[inside], full[inside])
    assert (full[~inside] > 0).any()                                      # the corners were not empty
    assert "pydicom" in str(D._shipped_npz("ct")["notice"]) and "NEMA" in str(D._shipped_npz("ct")["notice"])
    with pytest.raises(TypeError, match="field_of_view"):
        D.ct_slice(field_of_view="yes")
