"""Property tests for invlab.data: images, phantoms, the shipped MR data and the splits."""
import shutil

import pytest
import torch

import invlab.data as D


def _check_image(x, shape):
    assert isinstance(x, torch.Tensor)
    assert x.dtype == torch.float32
    assert tuple(x.shape) == tuple(shape)
    assert torch.isfinite(x).all()
    assert x.min() >= 0 and x.max() <= 1


# ----------------------------------------------------------------------------- images

@pytest.mark.parametrize("name", D.names())
def test_every_name_loads(name):
    x = D.image(name, size=32)
    _check_image(x, (32, 32))
    assert x.max() > x.min()  # not blank


def test_default_size_and_native():
    _check_image(D.image("camera"), (256, 256))
    _check_image(D.image("camera", size=None), (512, 512))
    _check_image(D.image("text", size=None), (172, 448))  # native keeps non-square shapes


def test_fresh_tensor_each_call():
    x = D.image("camera", 64)
    x.zero_()
    assert D.image("camera", 64).max() > 0


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        D.image("lena")
    msg = str(err.value)
    assert "lena" in msg
    for name in D.names():
        assert name in msg
    with pytest.raises(ValueError, match="mri_slices"):
        D.image("brain")  # skimage's brain needs a download: point to the shipped MR data


@pytest.mark.parametrize("size", [0, -3, 2.5, "64", True])
def test_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        D.image("camera", size=size)


def test_split_is_explicit_and_disjoint():
    train, test = set(D.TRAIN_IMAGES), set(D.TEST_IMAGES)
    assert not train & test
    assert "camera" in test
    assert train | test <= set(D.names())
    assert len(train) >= 8 and len(test) >= 5
    for synthetic in ("checkerboard", "logo", "colorwheel", "shepp_logan_phantom"):
        assert synthetic not in train | test
    # no picture is in both splits under two names (cat is chelsea)
    tr, te = D.train_images(32), D.test_images(32)
    for i in range(len(te)):
        assert ((tr - te[i]).abs().amax(dim=(-2, -1)) > 1e-3).all()
    assert torch.equal(D.image("cat", 32), D.image("chelsea", 32))
    assert "cat" not in test


def test_stacked_splits():
    _check_image(D.train_images(48), (len(D.TRAIN_IMAGES), 48, 48))
    _check_image(D.test_images(48), (len(D.TEST_IMAGES), 48, 48))
    assert torch.equal(D.test_images(48)[D.TEST_IMAGES.index("camera")], D.image("camera", 48))


# ----------------------------------------------------------------------------- phantoms

def test_shepp_logan():
    x = D.shepp_logan(100)
    _check_image(x, (100, 100))
    assert x.max() > 0.9


def _outside_circle(size):
    t = (2 * torch.arange(size) + 1) / size - 1
    return t[:, None] ** 2 + t[None, :] ** 2 > 1


def test_ellipses_shape_range_and_circle():
    x = D.ellipses(20, 64, seed=0)
    _check_image(x, (20, 64, 64))
    assert (x.amax(dim=(-2, -1)) == 1).all()  # each phantom scaled to a maximum of 1
    assert (x[:, _outside_circle(64)] == 0).all()
    assert D.ellipses(0, 16).shape == (0, 16, 16)


def test_ellipses_reproducible():
    a = D.ellipses(8, 48, seed=3)
    assert torch.equal(a, D.ellipses(8, 48, seed=3))
    assert torch.equal(a, D.ellipses(8, 48, seed=torch.Generator().manual_seed(3)))
    assert not torch.equal(a, D.ellipses(8, 48, seed=4))
    assert not torch.equal(a[0], a[1])  # phantoms differ from each other


def test_ellipses_large_batch():
    x = D.ellipses(100, 128, seed=1)  # vectorised; benchmarks/ times it
    _check_image(x, (100, 128, 128))


@pytest.mark.parametrize("kw", [dict(n=-1), dict(n=2.0), dict(size=0),
                                dict(n_ellipses=(4, 2)), dict(n_ellipses=0),
                                dict(radius=(0.2, 1.0)), dict(radius=(0.0, 0.5))])
def test_ellipses_bad_arguments(kw):
    args = dict(n=2, size=16) | kw
    with pytest.raises(ValueError):
        D.ellipses(**args)


# ----------------------------------------------------------------------------- MR data

def test_mri_slices_counts_shapes():
    tr = D.mri_slices("train", size=64)
    te = D.mri_slices("test", size=64)
    _check_image(tr, (101, 64, 64))
    _check_image(te, (24, 64, 64))
    assert len(D.mri_slice_indices("train")) == 101 and len(D.mri_slice_indices("test")) == 24
    assert tr.max() > 0.9 and te.max() > 0.9
    assert (tr.flatten(1) > 0.05).float().mean(1).min() > 0.03  # every slice shows brain


def test_mri_split_disjoint_with_gap():
    itr, ite = D.mri_slice_indices("train"), D.mri_slice_indices("test")
    assert not set(itr) & set(ite)
    gap = min(abs(i - j) for i in itr for j in ite)
    assert gap == D.MRI_GAP + 1
    tr = D.mri_slices("train", size=None)
    te = D.mri_slices("test", size=None)
    assert tr.shape[-2:] == te.shape[-2:] == (185, 185)
    diff = (tr[:, None] - te[None]).abs().amax(dim=(-2, -1))  # (101, 24)
    assert diff.min() > 0.05  # no identical (or near-identical) slice in both


def test_mri_volume():
    v = D.mri_volume()
    _check_image(v, (157, 185, 185))
    assert torch.equal(v[D.mri_slice_indices("test")], D.mri_slices("test", size=None))
    v128 = D.mri_volume(size=128)
    assert v128.ndim == 3
    _check_image(v128, (109, 128, 128))  # isotropic voxels kept
    with pytest.raises(ValueError, match="split"):
        D.mri_slices("val")


def test_mri_copy_elsewhere_loads(tmp_path):
    dst = tmp_path / "copy.npz"
    shutil.copy(D.MRI_PATH, dst)
    assert torch.equal(D.mri_slices("test", 32, path=dst), D.mri_slices("test", 32))


def test_mri_checksum_catches_corruption(tmp_path):
    raw = bytearray(D.MRI_PATH.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad = tmp_path / "mni152_t1.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(D.DataChecksumError, match="sha256"):
        D.mri_volume(path=bad)
    with pytest.raises(D.DataChecksumError):
        D.mri_slices("train", path=bad)


def test_mri_missing_file(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "MRI_PATH", tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="make_mri_data"):
        D.mri_slices("train")
