r"""Lecture 4b's MR images: two training subjects in three orientations, one test person, thick slices.

Re-exported by :mod:`invlab.data` (use ``invlab.data.mr_slices`` etc.). Provenance and licences of
the shipped files are in ``data/README.md``; ``scripts/make_mr_subjects.py`` made them.

* **Training subjects** (:data:`MR_SUBJECTS`): ``"mni152"``, the skull-stripped MNI ICBM152 template
  (an average of 152 brains: smooth, no skull; :func:`invlab.data.mri_volume`), and ``"colin27"``,
  the average of 27 scans of one man *with* skull and scalp. Both are 1 mm, in MNI space.
* **In-distribution test**: an axial slab of each training volume at the level of the basal ganglia
  and thalamus (MNI :math:`z = +6 \dots +13` mm, :data:`MR_TEST_SLAB`). No training image, in any
  orientation, contains a voxel of the slab or of the :data:`MR_GAP` slices on either side: axial
  slices are taken outside it, and coronal and sagittal slices are cut into the part above and the
  part below it (each padded to the field of view).
* **Test person** (:func:`mr_test_slice`): a coronal T1 slice of another person from dipy's sample
  data, skull-stripped, never seen in training.

Every image is put on the same grid: a square field of view of :data:`MR_FOV` mm (the 1 mm slice
zero-padded or cropped about its centre) resized to ``size`` pixels, so a pixel is
:math:`220/128 = 1.72` mm at ``size=128`` for every subject.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from . import data as _d
from ._checks import check_choice, check_int

__all__ = ["MR_FOV", "MR_SUBJECTS", "MR_ORIENTATIONS", "MR_TEST_SLAB", "MR_GAP", "mr_subject_volume",
           "mr_slices", "mr_test_slice", "thick_slices"]

#: Side of the square field of view of every lecture-4b image, in mm (1 mm voxels).
MR_FOV = 220
#: The training subjects of lecture 4b.
MR_SUBJECTS = ("mni152", "colin27")
#: Slice orientations of :func:`mr_slices`.
MR_ORIENTATIONS = ("axial", "coronal", "sagittal")
#: The held-out axial slab ``[start, stop)`` of each subject's volume (native axial index): MNI
#: :math:`z = +6 \dots +13` mm in both (the MNI volume is cropped, Colin27's is not).
MR_TEST_SLAB = {"mni152": (78, 86), "colin27": (77, 85)}
#: Slices on either side of the test slab that no training image contains.
MR_GAP = 2
#: Smallest part (rows) of a cut coronal/sagittal slice that is kept, and the smallest fraction of
#: the largest cross-section an image's content must cover (drops near-empty slices).
_MIN_ROWS, _MIN_AREA = 24, 0.10

_d._SHIPPED.update({
    "colin27": ("mri/colin27_t1.npz", "78258645830cb6c64418a2e1cf7194341a236160faf82e2f04f559b8916f6c64",
                "scripts/make_mr_subjects.py"),
    "dipy_t1": ("mri/dipy_t1_coronal.npz", "693ed2283810d287bae80ee610965c711da36be5c5c0d790424ca14e9ebd58fe",
                "scripts/make_mr_subjects.py"),
})


@functools.lru_cache(maxsize=4)
def _volume(subject: str, brain_only: bool) -> np.ndarray:
    if subject == "mni152":
        return np.asarray(_d._raw_volume(None), dtype=np.float32) / 255.0
    z = _d._shipped_npz("colin27")
    v = z["volume"].astype(np.float32) / 255.0
    if brain_only:
        v = v * z["brain"]
    return _d._readonly(v)


def mr_subject_volume(subject: str = "colin27", brain_only: bool = False) -> torch.Tensor:
    """A training subject's native volume, float32 ``(D, H, W)`` in :math:`[0, 1]`, 1 mm voxels.

    Axes as :func:`invlab.data.mri_volume`: inferior → superior, anterior → posterior, the
    subject's left → right. ``"mni152"`` is ``(157, 185, 149)`` (cropped to the brain),
    ``"colin27"`` ``(181, 217, 181)`` (the whole head).

    Parameters
    ----------
    subject : {"mni152", "colin27"}
    brain_only : bool
        Colin27 multiplied by its brain mask (skull and scalp removed, as in the template).
        The MNI template is skull-stripped already.
    """
    subject = check_choice(subject, "subject", MR_SUBJECTS)
    if not isinstance(brain_only, bool):
        raise TypeError(f"brain_only must be a bool, got {brain_only!r}.")
    return torch.tensor(_volume(subject, brain_only))


def _fov(img: np.ndarray, size: int) -> np.ndarray:
    """Pad or crop a 1 mm slice about its centre to ``MR_FOV`` square, then resize to ``size``."""
    out = np.zeros((MR_FOV, MR_FOV), np.float32)
    h, w = img.shape
    src_r, dst_r = max(0, (h - MR_FOV) // 2), max(0, (MR_FOV - h) // 2)
    src_c, dst_c = max(0, (w - MR_FOV) // 2), max(0, (MR_FOV - w) // 2)
    n_r, n_c = min(h, MR_FOV), min(w, MR_FOV)
    out[dst_r:dst_r + n_r, dst_c:dst_c + n_c] = img[src_r:src_r + n_r, src_c:src_c + n_c]
    return out if size == MR_FOV else _d._resize(out, (size, size))


def _parts(subject: str, orientation: str, split: str, brain_only: bool = False) -> list:
    """The images of one split as ``(index, z_lo, z_hi)``: slice ``index`` along the orientation's
    axis, restricted to axial levels ``[z_lo, z_hi)`` (native indices along the first axis)."""
    vol = _volume(subject, brain_only)
    D = vol.shape[0]
    lo, hi = MR_TEST_SLAB[subject]
    if split == "test":
        if orientation != "axial":
            raise ValueError("the in-distribution test split is an axial slab: use orientation='axial' with "
                             "split='test' (mr_test_slice() is the coronal test person).")
        return [(z, z, z + 1) for z in range(lo, hi)]
    ranges = [(0, lo - MR_GAP), (hi + MR_GAP, D)]
    axis = MR_ORIENTATIONS.index(orientation)
    if axis == 0:
        area = (vol > 0.05).sum(axis=(1, 2))
        keep = area >= _MIN_AREA * area.max()
        return [(z, z, z + 1) for a, b in ranges for z in range(a, b) if keep[z]]
    out = []
    for a, b in ranges:
        if b - a < _MIN_ROWS:
            continue
        sub = vol[a:b]
        area = (sub > 0.05).sum(axis=(0, 2) if axis == 1 else (0, 1))
        full = (vol > 0.05).sum(axis=(0, 2) if axis == 1 else (0, 1)).max()
        out += [(i, a, b) for i in range(sub.shape[axis]) if area[i] >= _MIN_AREA * full]
    return out


@functools.lru_cache(maxsize=32)
def _slices(subject: str, orientation: str, split: str, size: int, brain_only: bool) -> np.ndarray:
    vol = _volume(subject, brain_only)
    imgs = []
    for i, a, b in _parts(subject, orientation, split, brain_only):
        if orientation == "axial":
            img = vol[i]
        elif orientation == "coronal":
            img = vol[a:b, i, :][::-1]      # superior at the top
        else:
            img = vol[a:b, :, i][::-1]
        imgs.append(_fov(np.ascontiguousarray(img), size))
    return _d._readonly(np.stack(imgs))


def mr_slices(subject: str = "colin27", orientation: str = "axial", split: str = "train", size: int = 128,
              brain_only: bool = False) -> torch.Tensor:
    """2-D slices of a training subject on lecture 4b's grid, float32 ``(N, size, size)`` in :math:`[0, 1]`.

    Parameters
    ----------
    subject : {"mni152", "colin27"}
    orientation : {"axial", "coronal", "sagittal"}
        Axial slices are displayed nose up, coronal and sagittal ones with the top of the head up.
    split : {"train", "test"}
        ``"test"`` is the held-out axial slab :data:`MR_TEST_SLAB` (8 slices, axial only);
        ``"train"`` is every image that contains no voxel of the slab or of the :data:`MR_GAP`
        slices around it: the other axial slices, and the coronal/sagittal slices cut above and
        below the slab (two images per slice where both parts are at least 24 rows tall).
        Near-empty slices (less than 10 % of the largest cross-section) are dropped.
    size : int
        Side in pixels of the :data:`MR_FOV` mm field of view.
    brain_only : bool
        Colin27 without skull and scalp (see :func:`mr_subject_volume`).
    """
    subject = check_choice(subject, "subject", MR_SUBJECTS)
    orientation = check_choice(orientation, "orientation", MR_ORIENTATIONS)
    split = check_choice(split, "split", ("train", "test"))
    size = check_int(size, "size", low=8, high=1024)
    if not isinstance(brain_only, bool):
        raise TypeError(f"brain_only must be a bool, got {brain_only!r}.")
    return torch.tensor(_slices(subject, orientation, split, size, brain_only))


@functools.lru_cache(maxsize=8)
def _test_slice(size: int) -> np.ndarray:
    img = _d._shipped_npz("dipy_t1")["image"].astype(np.float32) / 255.0
    rows, cols = np.nonzero(img > 0)
    cr, cc = (rows.min() + rows.max() + 1) // 2, (cols.min() + cols.max() + 1) // 2
    half = MR_FOV // 2
    pad = np.pad(img, half)
    crop = pad[cr:cr + MR_FOV, cc:cc + MR_FOV]    # centred on the head, MR_FOV square
    return _d._readonly(crop if size == MR_FOV else _d._resize(crop, (size, size)))


def mr_test_slice(size: int = 128) -> torch.Tensor:
    """The test person: a real coronal T1 slice of someone no network saw, float32 ``(size, size)``.

    dipy's ``t1_coronal_slice`` (256 x 256, skull-stripped, about 1 mm; ``data/README.md``),
    centred on the head in the :data:`MR_FOV` mm field of view and resized to ``size``.
    """
    return torch.tensor(_test_slice(check_int(size, "size", low=8, high=1024)))


def thick_slices(x: torch.Tensor, k: int, axis: int = -2) -> torch.Tensor:
    r"""Simulate a thick-slice (2-D multi-slice) acquisition from thin slices: mean of ``k`` neighbours.

    With thin slices :math:`x_1, x_2, \dots` along ``axis`` (e.g. rows of a coronal image = the
    through-plane direction of an axial acquisition), slice :math:`j` of the thick stack is

    .. math:: y_j = \frac1k \sum_{i=0}^{k-1} x_{jk + i}, \qquad j = 0, \dots, \lfloor n/k \rfloor - 1,

    a box slice profile of width :math:`k` (the trailing :math:`n \bmod k` thin slices, if any, are
    dropped). So ``(..., H, W)`` becomes ``(..., H // k, W)`` for ``axis=-2``.

    Parameters
    ----------
    x : torch.Tensor
        Real tensor of at least one dimension.
    k : int
        Slice thickness in thin slices, 1 ... 16 (1 returns a copy).
    axis : int
        The through-plane axis.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}.")
    if x.is_complex() or not x.is_floating_point():
        raise TypeError(f"x must be a real floating-point tensor, got dtype {x.dtype}.")
    k = check_int(k, "k", low=1, high=16)
    axis = check_int(axis, "axis", low=-x.ndim, high=x.ndim - 1) if x.ndim else 0
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension.")
    n = x.shape[axis]
    if n < k:
        raise ValueError(f"x has {n} slices along axis {axis}, fewer than k = {k}.")
    m = n // k
    xt = x.movedim(axis, -1).narrow(-1, 0, m * k)
    y = xt.reshape(*xt.shape[:-1], m, k).mean(-1)
    return y.movedim(-1, axis)
