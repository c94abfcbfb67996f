"""Images for the course: natural test images, synthetic phantoms and real MR data.

Everything here loads offline, from scikit-image's bundled images or from files shipped in the
repository under ``data/``, and comes back as a float32 ``torch.Tensor`` with values in
:math:`[0, 1]` (numpy is used only inside this module).

Train / test discipline
-----------------------
Every lecture trains (networks, dictionaries, hyper-parameters such as :math:`\\lambda`) only
on the **training** images and reports numbers only on the **test** images, so that a learned
method is never judged on data it has seen. The splits are explicit and fixed:

* natural images: :data:`TRAIN_IMAGES` and :data:`TEST_IMAGES` (see :func:`train_images`,
  :func:`test_images`). ``camera`` is a test image: lecture 1 evaluates deblurring on it.
  ``cat`` is the same picture as ``chelsea``, which is a training image, so ``cat`` is in
  neither list. Synthetic images (``checkerboard``, ``logo``, ``colorwheel``, ``horse``,
  ``shepp_logan_phantom``), documents or small images that a 256 x 256 crop would upsample
  (``text``, ``page``, ``microaneurysms``) and ``clock`` (already motion-blurred) are in
  neither list either.
* phantoms: :func:`ellipses` draws a fresh random training set from a seed; the
  Shepp-Logan phantom (:func:`shepp_logan`) is kept for testing.
* MR: :func:`mri_slices` splits the axial slices of the shipped T1 volume by position
  (three test slabs of 8 slices, each with a 2-slice gap on both sides that belongs to
  neither split; see :data:`MRI_TEST_SLABS`), so no training slice is within 3 mm of a test
  slice.

Real MR data
------------
``data/mri/mni152_t1.npz`` is the MNI ICBM152 2009a nonlinear symmetric T1-weighted template
(skull-stripped, 1 mm isotropic), taken from the ``nilearn`` wheel by
``scripts/make_mri_data.py``; provenance, licence and citation are in ``data/README.md``. It is
an average of 152 brains, so it is smoother and less noisy than a single scan. Its sha256 is
checked on load (:class:`DataChecksumError` if the file was altered).

Examples
--------
>>> x = image("camera", size=128)
>>> x.shape, x.dtype
(torch.Size([128, 128]), torch.float32)
>>> ellipses(4, 64, seed=0).shape
torch.Size([4, 64, 64])
"""
from __future__ import annotations

import functools
import hashlib
import math
import numbers
import os
from pathlib import Path

import numpy as np
import torch

from .noise import make_generator

__all__ = [
    "image", "names", "TRAIN_IMAGES", "TEST_IMAGES", "PHOTOS", "train_images", "test_images",
    "patches", "fashion_mnist", "FASHION_MNIST_CLASSES",
    "shepp_logan", "ellipses", "ct_slice",
    "mri_slices", "mri_volume", "mri_slice_indices", "MRI_TEST_SLABS", "MRI_USABLE_SLICES",
    "MRI_GAP", "MRI_PATH", "DataChecksumError",
]
# Lecture 4b's MR images (mr_slices, mr_test_slice, thick_slices, ...) live in invlab._mrdata, which
# builds on this module; invlab/__init__.py adds them to it, so they are used as il.data.mr_slices.

# --------------------------------------------------------------------------- natural images

# name -> (loader in skimage.data, kind); every one of them loads offline here.
_SKIMAGE = {
    "camera": "camera", "moon": "moon", "text": "text", "coins": "coins", "page": "page",
    "clock": "clock", "brick": "brick", "grass": "grass", "gravel": "gravel",
    "checkerboard": "checkerboard", "microaneurysms": "microaneurysms", "horse": "horse",
    "astronaut": "astronaut", "cat": "cat", "chelsea": "chelsea", "coffee": "coffee",
    "rocket": "rocket", "colorwheel": "colorwheel", "hubble_deep_field": "hubble_deep_field",
    "immunohistochemistry": "immunohistochemistry", "retina": "retina", "logo": "logo",
    "shepp_logan_phantom": "shepp_logan_phantom",
    "motorcycle": "stereo_motorcycle",  # left view of the stereo pair
}
#: Freely licensed photographs extracted from two PyPI wheels into ``data/photos/photos.npz`` by
#: ``scripts/make_photo_data.py`` (provenance in ``data/README.md``); training images only.
PHOTOS = ("aero", "ascent", "barbara", "kodim23", "monarch", "sail", "tulips")

#: Images a lecture may train on: natural photographs and textures, all at least 300 pixels
#: on their short side so that 256 x 256 crops are not upsampled.
TRAIN_IMAGES = (
    "chelsea", "coffee", "rocket", "brick", "grass", "gravel",
    "immunohistochemistry", "hubble_deep_field", "retina",
) + PHOTOS
#: Images a lecture reports results on (never trained on). ``camera`` is lecture 1's image.
TEST_IMAGES = ("camera", "astronaut", "moon", "coins", "motorcycle")


def names() -> list[str]:
    """All valid names for :func:`image`, in a fixed order."""
    return list(_SKIMAGE) + list(PHOTOS)


def _check_name(name) -> str:
    if not isinstance(name, str) or (name not in _SKIMAGE and name not in PHOTOS):
        hint = ""
        if name in ("brain", "cells3d", "kidney", "eagle", "lily", "skin", "vortex"):
            hint = (f" (scikit-image's {name!r} needs a download, which is not possible here; "
                    "for MR data use invlab.data.mri_slices() or mri_volume())")
        raise ValueError(f"unknown image name {name!r}{hint}; valid names: {', '.join(names())}.")
    return name


def _check_size(size, allow_none: bool = True, name: str = "size"):
    if size is None and allow_none:
        return None
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        allowed = "a positive integer" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}, got {size!r}.")
    return int(size)


def _to_gray(a: np.ndarray) -> np.ndarray:
    """Any scikit-image picture -> float32 (H, W) in [0, 1], colour by ITU-R 709 luminance."""
    from skimage.color import rgb2gray, rgba2rgb

    if a.dtype == bool:
        a = a.astype(np.float64)
    elif np.issubdtype(a.dtype, np.integer):
        a = a.astype(np.float64) / np.iinfo(a.dtype).max
    else:
        a = a.astype(np.float64)
    if a.ndim == 3 and a.shape[-1] == 4:
        a = rgba2rgb(a)  # composite on white
    if a.ndim == 3:
        a = rgb2gray(a)  # 0.2125 R + 0.7154 G + 0.0721 B
    return np.clip(a, 0.0, 1.0).astype(np.float32)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@functools.lru_cache(maxsize=None)
def _native(name: str) -> np.ndarray:
    if name in PHOTOS:
        return _readonly(_shipped_npz("photos")[name].astype(np.float32) / 255.0)
    import skimage.data

    a = getattr(skimage.data, _SKIMAGE[name])()
    if isinstance(a, tuple):  # stereo_motorcycle -> (left, right, disparity)
        a = a[0]
    return _readonly(_to_gray(a))


def _resize(a: np.ndarray, shape) -> np.ndarray:
    """Linear interpolation, with Gaussian anti-aliasing along the axes that shrink."""
    from skimage.transform import resize

    if tuple(shape) == a.shape:
        return a.astype(np.float32, copy=True)
    shrink = any(n < m for n, m in zip(shape, a.shape))
    out = resize(a, shape, order=1, mode="reflect", anti_aliasing=shrink, preserve_range=True)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _center_square(a: np.ndarray) -> np.ndarray:
    h, w = a.shape
    m = min(h, w)
    top, left = (h - m) // 2, (w - m) // 2
    return a[top:top + m, left:left + m]


@functools.lru_cache(maxsize=128)
def _sized(name: str, size: int | None) -> np.ndarray:
    a = _native(name)
    if size is None:
        return a
    return _readonly(_resize(_center_square(a), (size, size)))


def image(name: str, size: int | None = 256) -> torch.Tensor:
    """A grayscale test image as a float32 tensor of shape ``(size, size)`` in :math:`[0, 1]`.

    Colour images are converted with the luminance weights
    :math:`Y = 0.2125\\,R + 0.7154\\,G + 0.0721\\,B`; the image is centre-cropped to a square
    and resized (bilinear, with Gaussian anti-aliasing when shrinking).

    Parameters
    ----------
    name : str
        One of :func:`names` (scikit-image's bundled images; ``"motorcycle"`` is the left view
        of ``stereo_motorcycle``). See :data:`TRAIN_IMAGES` / :data:`TEST_IMAGES` for which
        ones a lecture may train or evaluate on.
    size : int or None
        Side length of the square output; ``None`` keeps the native (possibly non-square)
        image uncropped.

    Returns
    -------
    torch.Tensor
        float32 ``(size, size)`` (or native ``(H, W)``), a fresh tensor on each call.

    Raises
    ------
    ValueError
        Unknown ``name`` (the message lists the valid names) or ``size`` not a positive integer.
    """
    name = _check_name(name)
    size = _check_size(size)
    return torch.tensor(_sized(name, size))


def _stack(names_, size) -> torch.Tensor:
    size = _check_size(size, allow_none=False)
    return torch.stack([image(n, size) for n in names_])


def train_images(size: int = 256) -> torch.Tensor:
    """The :data:`TRAIN_IMAGES`, stacked: float32 ``(len(TRAIN_IMAGES), size, size)``."""
    return _stack(TRAIN_IMAGES, size)


def test_images(size: int = 256) -> torch.Tensor:
    """The :data:`TEST_IMAGES`, stacked: float32 ``(len(TEST_IMAGES), size, size)``."""
    return _stack(TEST_IMAGES, size)


# pytest would otherwise try to collect ``test_images`` when it is imported into a test module.
test_images.__test__ = False

# --------------------------------------------------------------------------- phantoms


def shepp_logan(size: int = 256) -> torch.Tensor:
    """The (modified) Shepp-Logan head phantom, float32 ``(size, size)`` in :math:`[0, 1]`.

    scikit-image's 400 x 400 ``shepp_logan_phantom`` resized with anti-aliasing. The classic
    CT test image: ellipses of different densities inside an elliptical skull.
    """
    size = _check_size(size, allow_none=False)
    return torch.tensor(_sized("shepp_logan_phantom", size))


def ellipses(n: int, size: int = 128, seed=0, n_ellipses=(3, 8),
             radius=(0.05, 0.6)) -> torch.Tensor:
    """Random ellipse phantoms, the standard synthetic training set for CT.

    On the grid :math:`[-1, 1]^2` (pixel centres, rows top to bottom), phantom :math:`i` is

    .. math::
        x_i(p) = \\frac{1}{Z_i} \\sum_{k=1}^{K_i} v_{ik}\\,
        \\mathbb 1\\Big[\\Big(\\frac{u_{ik}(p)}{a_{ik}}\\Big)^2
        + \\Big(\\frac{w_{ik}(p)}{b_{ik}}\\Big)^2 \\le 1\\Big],

    where :math:`(u, w)` are the coordinates of :math:`p - c_{ik}` rotated by the angle
    :math:`\\theta_{ik} \\sim U[0, \\pi)`, the semi-axes :math:`a, b \\sim U[r_0, r_1]`, the
    intensities :math:`v \\sim U[0.1, 1]`, and :math:`Z_i` (the maximum of the sum) scales
    each phantom to a maximum of 1. Overlapping ellipses add up, as attenuation does in CT.
    Each centre is drawn uniformly in the disc of radius :math:`1 - \\max(a, b)`, so every
    ellipse lies inside the inscribed circle :math:`\\|p\\| \\le 1` and pixels outside it are 0
    (a CT scanner sees the whole object from every angle).

    Parameters
    ----------
    n : int
        Number of phantoms.
    size : int
        Side length in pixels.
    seed : int or torch.Generator
        Same seed, same phantoms.
    n_ellipses : int or (int, int)
        Number of ellipses per phantom, or an inclusive range drawn uniformly per phantom.
    radius : (float, float)
        Range :math:`[r_0, r_1]` of the semi-axes, in units of the inscribed circle's radius
        (:math:`0 < r_0 \\le r_1 < 1`).

    Returns
    -------
    torch.Tensor
        float32 ``(n, size, size)`` in :math:`[0, 1]`.

    Examples
    --------
    >>> x = ellipses(100, 128, seed=0)   # vectorised: well under a second
    >>> bool(x.amax() <= 1 and x.amin() >= 0)
    True
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}.")
    size = _check_size(size, allow_none=False)
    if isinstance(n_ellipses, numbers.Integral) and not isinstance(n_ellipses, bool):
        kmin = kmax = int(n_ellipses)
    else:
        try:
            kmin, kmax = (int(k) for k in n_ellipses)
        except (TypeError, ValueError):
            raise ValueError(f"n_ellipses must be an int or a pair (min, max), got {n_ellipses!r}.") from None
    if not 1 <= kmin <= kmax:
        raise ValueError(f"n_ellipses must satisfy 1 <= min <= max, got {n_ellipses!r}.")
    try:
        r0, r1 = (float(r) for r in radius)
    except (TypeError, ValueError):
        raise ValueError(f"radius must be a pair (min, max), got {radius!r}.") from None
    if not (0 < r0 <= r1 < 1):
        raise ValueError(f"radius must satisfy 0 < min <= max < 1, got {radius!r}.")
    g = make_generator(seed)
    n = int(n)

    def u(*shape):
        return torch.rand(shape, generator=g, dtype=torch.float64)

    # all random draws first, with fixed shapes, so a seed fixes everything
    count = torch.randint(kmin, kmax + 1, (n, 1), generator=g)
    a = r0 + (r1 - r0) * u(n, kmax)
    b = r0 + (r1 - r0) * u(n, kmax)
    rho = (1 - torch.maximum(a, b)) * u(n, kmax).sqrt()  # uniform in the allowed disc
    phi = 2 * math.pi * u(n, kmax)
    theta = math.pi * u(n, kmax)
    v = 0.1 + 0.9 * u(n, kmax)
    v = v * (torch.arange(kmax)[None, :] < count)  # inactive slots contribute nothing
    cx, cy = rho * torch.cos(phi), rho * torch.sin(phi)
    cos, sin = torch.cos(theta), torch.sin(theta)

    # rotated, scaled coordinates u = (dx cos + dy sin) / a, w = (-dx sin + dy cos) / b are
    # sums of a row term and a column term, so only a few full-size operations per ellipse
    t = (2 * torch.arange(size, dtype=torch.float64) + 1) / size - 1
    X = t[None, None, :]            # x: columns, left to right
    Y = -t[None, :, None]           # y: rows, top (+1) to bottom (-1)
    f32 = torch.float32
    out = torch.zeros((n, size, size), dtype=f32)
    for k in range(kmax):  # vectorised over phantoms and pixels; kmax is small
        def col(p):
            return p[:, k, None, None]
        dx, dy = X - col(cx), Y - col(cy)
        uu = (dx * (col(cos) / col(a))).to(f32) + (dy * (col(sin) / col(a))).to(f32)
        ww = (dy * (col(cos) / col(b))).to(f32) - (dx * (col(sin) / col(b))).to(f32)
        inside = uu.square_().add_(ww.square_()) <= 1
        out.add_(inside * col(v).to(f32))
    peak = out.amax(dim=(-2, -1), keepdim=True)
    out = torch.where(peak > 0, out / peak.clamp_min(1e-12), out)
    return out.clamp_(0, 1).to(torch.float32)


# --------------------------------------------------------------------------- MR data

def _data_dir() -> Path:
    env = os.environ.get("INVLAB_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


#: Default location of the shipped T1 volume (``$INVLAB_DATA_DIR`` overrides ``<repo>/data``).
MRI_PATH = _data_dir() / "mri" / "mni152_t1.npz"
_MRI_SHA256 = "cbc94aaf3391b397d45e9f104f1159f211dc89d111e484ac4fdea91e3016d417"
_MRI_SHAPE = (157, 185, 149)  # (D, H, W) = (inferior->superior, anterior->posterior, left->right)

#: Axial slices ``[start, stop)`` of the volume that are used at all: brain area at least 10 %
#: of the largest axial cross-section (drops the tips of the cerebellum and the vertex).
MRI_USABLE_SLICES = (12, 149)
#: Test slabs ``[start, stop)`` (8 slices = 8 mm each): temporal lobes and cerebellum
#: (MNI z = -32..-25 mm), basal ganglia and thalamus (z = +6..+13 mm), centrum semiovale
#: (z = +44..+51 mm).
MRI_TEST_SLABS = ((40, 48), (78, 86), (116, 124))
#: Slices on each side of a test slab that belong to neither split (1 mm each).
MRI_GAP = 2


class DataChecksumError(RuntimeError):
    """A shipped data file does not have the sha256 recorded in ``data/README.md``."""


def mri_slice_indices(split: str = "train") -> list[int]:
    """Indices along the first axis of :func:`mri_volume` (native size) of the ``split`` slices.

    ``"test"``: the slices in :data:`MRI_TEST_SLABS` (24). ``"train"``: every other slice in
    :data:`MRI_USABLE_SLICES` except the :data:`MRI_GAP` slices on either side of each test
    slab (101). Use the test indices to score a volume method (e.g. thick-slice
    super-resolution) only on slices that no 2-D network was trained on.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    test = [z for lo, hi in MRI_TEST_SLABS for z in range(lo, hi)]
    if split == "test":
        return test
    banned = {z for lo, hi in MRI_TEST_SLABS for z in range(lo - MRI_GAP, hi + MRI_GAP)}
    return [z for z in range(*MRI_USABLE_SLICES) if z not in banned]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _resolve(path) -> Path:
    return Path(MRI_PATH if path is None else path).expanduser().resolve()


def _raw_volume(path) -> np.ndarray:
    """uint8 (D, H, W) from the .npz, after checking it exists and its sha256 matches."""
    p = _resolve(path)
    if not p.is_file():
        raise FileNotFoundError(
            f"MR data file not found: {p}. It ships with the repository under data/mri/ "
            "(it is not part of an installed wheel: use an editable install from a checkout, or "
            "set INVLAB_DATA_DIR to the repository's data/ folder). To rebuild it, run "
            "`python scripts/make_mri_data.py` in an environment with nilearn (see data/README.md).")
    st = p.stat()
    return _raw_volume_cached(str(p), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _raw_volume_cached(path: str, _nbytes: int, _mtime_ns: int) -> np.ndarray:
    digest = _sha256(Path(path))
    if digest != _MRI_SHA256:
        raise DataChecksumError(
            f"MR data file {path} is corrupted or not the shipped version: sha256 {digest}, "
            f"expected {_MRI_SHA256}. Restore it from git (`git checkout -- data/mri/`) or "
            "regenerate it with `python scripts/make_mri_data.py` (see data/README.md).")
    with np.load(path, allow_pickle=False) as z:
        vol = z["volume"]
    if vol.dtype != np.uint8 or vol.shape != _MRI_SHAPE:
        raise DataChecksumError(f"unexpected MR volume {vol.dtype} {vol.shape} in {path}.")
    return _readonly(vol)


@functools.lru_cache(maxsize=8)
def _square_volume(path: str, size: int | None, _nbytes: int, _mtime_ns: int) -> np.ndarray:
    """(D, L, L) float32 in [0, 1], zero-padded in-plane to a square, optionally resized."""
    vol = _raw_volume(path).astype(np.float32) / 255.0
    d, h, w = vol.shape
    side = max(h, w)
    ph, pw = side - h, side - w
    vol = np.pad(vol, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))
    if size is not None:
        depth = max(1, round(d * size / side))  # keep voxels isotropic
        vol = _resize(vol, (depth, size, size))
    return _readonly(vol)


@functools.lru_cache(maxsize=8)
def _slices(path: str, split: str, size: int | None, _nbytes: int, _mtime_ns: int) -> np.ndarray:
    native = _square_volume(path, None, _nbytes, _mtime_ns)
    sl = native[mri_slice_indices(split)]
    if size is not None:
        sl = _resize(sl, (sl.shape[0], size, size))  # in-plane only
    return _readonly(sl)


def _key(path):
    p = _resolve(path)
    _raw_volume(p)  # existence and checksum, with a clear error
    st = p.stat()
    return str(p), st.st_size, st.st_mtime_ns


def mri_volume(size: int | None = None, path=None) -> torch.Tensor:
    """The shipped real T1-weighted MR brain volume, float32 ``(D, H, W)`` in :math:`[0, 1]`.

    The MNI ICBM152 2009a template (see ``data/README.md``), 1 mm isotropic voxels, cropped to
    the brain and zero-padded in-plane to a square. Axis 0 runs from inferior to superior
    (``vol[k]`` is an axial slice), rows from anterior (nose up) to posterior, columns from the
    subject's left to right (neurological convention). At native size the shape is
    ``(157, 185, 185)``.

    Parameters
    ----------
    size : int or None
        In-plane side length. The depth is resized by the same factor, so voxels stay
        isotropic, of :math:`185/\\text{size}` mm: ``size=128`` gives ``(109, 128, 128)``.
        ``None`` keeps the native 1 mm grid.
    path : str or Path, optional
        Another copy of ``mni152_t1.npz`` (default :data:`MRI_PATH`); its sha256 is checked.

    Notes
    -----
    The volume contains the slices of both splits of :func:`mri_slices`; score a volume
    method only on :func:`mri_slice_indices` ``("test")`` (native size).
    """
    size = _check_size(size)
    p, nbytes, mtime = _key(path)
    return torch.tensor(_square_volume(p, size, nbytes, mtime))


def mri_slices(split: str = "train", size: int | None = 128, path=None) -> torch.Tensor:
    """Real axial MR slices, float32 ``(N, size, size)`` in :math:`[0, 1]`.

    The slices of :func:`mri_volume` listed by :func:`mri_slice_indices`: 101 for
    ``"train"``, 24 for ``"test"``. The split is by position: the test slices form three
    slabs of 8 mm (:data:`MRI_TEST_SLABS`) separated from every training slice by a gap of
    :data:`MRI_GAP` unused slices, so no slice appears in both and neighbours (which look
    almost the same at 1 mm spacing) do not leak across.

    Parameters
    ----------
    split : {"train", "test"}
    size : int or None
        Side length; slices are resized in-plane only (from 185 x 185), with anti-aliasing.
        ``None`` keeps the native 185 x 185 grid.
    path : str or Path, optional
        Another copy of ``mni152_t1.npz`` (default :data:`MRI_PATH`); its sha256 is checked.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    size = _check_size(size)
    p, nbytes, mtime = _key(path)
    return torch.tensor(_slices(p, split, size, nbytes, mtime))


# --------------------------------------------------------------------------- data for learning

# Shipped data files made by scripts/ (sha256 checked on every first load; data/README.md).
_SHIPPED = {
    "photos": ("photos/photos.npz", "b954136d54303cd1fffa803783318ee38cb89752c5bdc481b15569f8feecca27",
               "scripts/make_photo_data.py"),
    "fashion_mnist": ("fashion_mnist/fashion_mnist.npz",
                      "0eee3ce433229c59554b962378c403ea3da3eba687192e2f6a3a3015779e6d29",
                      "scripts/make_fashion_mnist.py"),
    "ct": ("ct/ct_small.npz", "44122cf1f44690cc252cf8e618738c37b8afb6a37c453c31eb8eebe4e6efb072",
           "scripts/make_ct_data.py"),
}


def ct_slice(field_of_view: bool = True) -> torch.Tensor:
    r"""A real CT slice (an axial slice through a vertebra), float32 ``(128, 128)`` in :math:`[0, 1]`.

    pydicom's test image ``CT_small.dcm``, a 128 x 128 downsized copy of the NEMA test image
    ``CT1_UNC`` (``data/README.md``: provenance, licence), stored in Hounsfield units
    :math:`h`. A CT image is linear attenuation :math:`\mu`, with
    :math:`h = 1000\,(\mu - \mu_{	ext{water}})/\mu_{	ext{water}}`; the slice is returned as
    attenuation relative to water, scaled so that dense bone stays below 1:

    .. math:: x = \mathrm{clip}\Big(rac{h + 1000}{2200},\; 0,\; 1\Big)
        = \mathrm{clip}\Big(rac{\mu}{2.2\,\mu_{	ext{water}}},\; 0,\; 1\Big),

    so air is 0, water 0.45 and the Radon transform of ``x`` is a scaled sinogram of the real
    attenuation. Held out: no network of the course trains on it.

    Parameters
    ----------
    field_of_view : bool
        Keep only the disc inscribed in the square (pixels outside it set to 0), the region
        that :class:`~invlab.operators.Radon` sees from every angle. The phantoms
        (:func:`ellipses`, :func:`shepp_logan`) lie inside it already; this slice fills the
        square, so without the mask its corners would leave the detector at some angles.
    """
    from ._checks import check_bool

    field_of_view = check_bool(field_of_view, "field_of_view")
    hu = _shipped_npz("ct")["hu"].astype(np.float32)
    x = np.clip((hu + 1000.0) / 2200.0, 0.0, 1.0)
    if field_of_view:
        n = x.shape[-1]
        c = (np.arange(n) - (n - 1) / 2) / (n / 2)
        x = x * ((c[:, None] ** 2 + c[None, :] ** 2) <= 1.0)
    return torch.tensor(x, dtype=torch.float32)


@functools.lru_cache(maxsize=None)
def _shipped_npz(kind: str) -> dict:
    """All arrays of one shipped ``.npz`` (read-only), after checking its sha256."""
    rel, expected, script = _SHIPPED[kind]
    path = _data_dir() / rel
    if not path.is_file():
        raise FileNotFoundError(
            f"data file not found: {path}. It ships with the repository under data/ (use an editable "
            f"install from a checkout, or set INVLAB_DATA_DIR); to rebuild it run `python {script}` "
            "(see data/README.md).")
    digest = _sha256(path)
    if digest != expected:
        raise DataChecksumError(
            f"data file {path} is corrupted or not the shipped version: sha256 {digest}, expected "
            f"{expected}. Restore it from git or regenerate it with `python {script}`.")
    with np.load(path, allow_pickle=False) as z:
        return {k: _readonly(z[k]) for k in z.files}


#: Fashion-MNIST's ten classes, in label order.
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot")


def fashion_mnist(split: str = "train", classes=None, return_labels: bool = False):
    """Fashion-MNIST images (Zalando, MIT licence): float32 ``(N, 28, 28)`` in :math:`[0, 1]`.

    A class-balanced subset of the original data set that keeps its train/test split: 1,000
    training and 200 test images per class (12,000 in all), extracted once from Debian's
    ``dataset-fashion-mnist`` by ``scripts/make_fashion_mnist.py`` (see ``data/README.md``).
    Lecture 2 trains its GAN on the training split and scores compressed sensing on the test
    split only.

    Parameters
    ----------
    split : {"train", "test"}
    classes : None, int, str or sequence of them
        Keep only these classes, by label (0-9) or name from :data:`FASHION_MNIST_CLASSES`
        (e.g. ``"Sneaker"``); ``None`` keeps all ten.
    return_labels : bool
        Also return the int64 labels ``(N,)``.

    Returns
    -------
    torch.Tensor or (torch.Tensor, torch.Tensor)

    Examples
    --------
    >>> fashion_mnist("test", classes="Trouser").shape
    torch.Size([200, 28, 28])
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    if not isinstance(return_labels, bool):
        raise TypeError(f"return_labels must be a bool, got {return_labels!r}.")
    z = _shipped_npz("fashion_mnist")
    images, labels = z[f"{split}_images"], z[f"{split}_labels"].astype(np.int64)
    if classes is not None:
        if isinstance(classes, (str, numbers.Integral)):
            wanted = [classes]
        elif isinstance(classes, (list, tuple)):
            wanted = list(classes)
        else:
            raise TypeError(f"classes must be a label 0-9, a name from {FASHION_MNIST_CLASSES}, or a list of them, "
                            f"got {classes!r}.")
        if not wanted:
            raise ValueError("classes must name at least one class (or be None for all ten), got an empty list.")
        ids = []
        for c in wanted:
            if isinstance(c, str) and c in FASHION_MNIST_CLASSES:
                ids.append(FASHION_MNIST_CLASSES.index(c))
            elif isinstance(c, numbers.Integral) and not isinstance(c, bool) and 0 <= c <= 9:
                ids.append(int(c))
            else:
                raise ValueError(f"classes must hold labels 0-9 or names from {FASHION_MNIST_CLASSES}, "
                                 f"got {c!r}.")
        keep = np.isin(labels, ids)
        images, labels = images[keep], labels[keep]
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    return (x, torch.from_numpy(labels)) if return_labels else x


def patches(images, size: int, n: int, seed=0, augment: bool = True) -> torch.Tensor:
    """Random square crops of a set of images: the training diet of the course's image networks.

    Each crop picks an image with probability proportional to its number of possible crop
    positions (so every position of every image is equally likely), then a uniform position;
    with ``augment=True`` it is also mapped by one of the 8 symmetries of the square
    (identity, rotations by 90°, 180°, 270°, and their transposes), drawn uniformly.

    Parameters
    ----------
    images : torch.Tensor or sequence of torch.Tensor
        ``(N, H, W)``, ``(H, W)``, or a list of 2-D images of different sizes, each at least
        ``size`` on both sides.
    size : int
        Side of the square crops.
    n : int
        Number of crops.
    seed : int or torch.Generator
        Same seed, same crops.
    augment : bool
        Apply a random flip/rotation to each crop.

    Returns
    -------
    torch.Tensor
        float32 ``(n, size, size)``.

    Examples
    --------
    >>> p = patches(train_images(64), 32, 100, seed=0)
    >>> p.shape
    torch.Size([100, 32, 32])
    """
    size = _check_size(size, allow_none=False, name="size")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}.")
    if not isinstance(augment, bool):
        raise TypeError(f"augment must be a bool, got {augment!r}.")
    if isinstance(images, torch.Tensor):
        if images.ndim not in (2, 3) or images.numel() == 0:
            raise ValueError(f"images must be a non-empty stack (H, W) or (N, H, W), got shape {tuple(images.shape)}.")
        images = [images] if images.ndim == 2 else list(images)
    elif isinstance(images, (list, tuple)) and images:
        for i, im in enumerate(images):
            if not isinstance(im, torch.Tensor) or im.ndim != 2:
                raise TypeError(f"images[{i}] must be a 2-D torch.Tensor, got "
                                f"{getattr(im, 'shape', type(im).__name__)}.")
    else:
        raise TypeError(f"images must be a tensor or a non-empty list of 2-D tensors, got {type(images).__name__}.")
    for i, im in enumerate(images):
        if im.shape[0] < size or im.shape[1] < size:
            raise ValueError(f"size={size} is larger than images[{i}] of shape {tuple(im.shape)}.")
        if not torch.isfinite(im).all():
            raise ValueError(f"images[{i}] contains NaN or inf.")
    g = make_generator(seed)
    if n == 0:
        return torch.empty((0, size, size), dtype=torch.float32)
    counts = torch.tensor([(im.shape[0] - size + 1) * (im.shape[1] - size + 1) for im in images], dtype=torch.float64)
    which = torch.multinomial(counts / counts.sum(), int(n), replacement=True, generator=g)
    u = torch.rand((int(n), 2), generator=g, dtype=torch.float64)
    sym = torch.randint(0, 8, (int(n),), generator=g)
    ar = torch.arange(size)
    out = torch.empty((int(n), size, size), dtype=torch.float32)
    for i, im in enumerate(images):
        idx = (which == i).nonzero().squeeze(1)
        if idx.numel() == 0:
            continue
        top = (u[idx, 0] * (im.shape[0] - size + 1)).long()
        left = (u[idx, 1] * (im.shape[1] - size + 1)).long()
        rows, cols = top[:, None] + ar, left[:, None] + ar
        out[idx] = im.to(torch.float32)[rows[:, :, None], cols[:, None, :]]
    if augment:
        for k in range(1, 8):
            idx = (sym == k).nonzero().squeeze(1)
            if idx.numel():
                p = out[idx]
                if k >= 4:
                    p = p.transpose(-2, -1)
                out[idx] = torch.rot90(p, k % 4, dims=(-2, -1))
    return out

