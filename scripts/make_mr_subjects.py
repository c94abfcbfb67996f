"""Extract lecture 4b's two extra MR subjects into ``data/mri/``: Colin27 (training) and dipy's T1 slice (test).

Run once, at data-making time, on a Debian machine; nothing here is needed at run time and the
project does not depend on mricron, dipy, nibabel or any NIfTI reader::

    apt-get install mricron-data          # /usr/share/mricron/templates/ch2.nii.gz, ch2bet.nii.gz
    pip download dipy==1.12.1 --no-deps -d /tmp/dipy     # the wheel holds t1_coronal_slice.npy
    python scripts/make_mr_subjects.py --dipy-wheel /tmp/dipy/dipy-1.12.1-*.whl

(``apt-get download mricron-data && dpkg-deb -x mricron-data_*.deb DIR`` works without root; then
pass ``--mricron DIR/usr/share/mricron/templates``.)

What it writes
--------------
``data/mri/colin27_t1.npz``
    ``volume``: Colin27 (``ch2.nii.gz``, the average of 27 T1 scans of one man, *with* skull and
    scalp), uint8 ``(D, H, W)`` = (inferior → superior, anterior → posterior, subject's left →
    right), 1 mm isotropic, the voxel values exactly as shipped (no resampling, no crop);
    ``brain``: uint8 0/1 mask of the brain (``ch2bet.nii.gz > 0``); ``notice``: provenance and
    licence. The NIfTI header is read here by hand (348-byte NIfTI-1 header, uint8 data,
    unit scaling, identity ``sform``, which the script checks).
``data/mri/dipy_t1_coronal.npz``
    ``image``: the 256 x 256 coronal T1 slice of one person (``dipy/data/files/t1_coronal_slice.npy``
    of the dipy 1.12.1 wheel), whose float values are multiples of 1/255: stored exactly as uint8
    (the script checks the round trip); ``notice``.

Both files are byte-for-byte reproducible (fixed zip timestamps, no pickles); their sha256 is
printed and must match ``invlab/data.py`` and ``data/README.md``.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import io
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_mri_data import sha256, write_npz  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT_COLIN = ROOT / "data" / "mri" / "colin27_t1.npz"
OUT_DIPY = ROOT / "data" / "mri" / "dipy_t1_coronal.npz"
DIPY_MEMBER = "dipy/data/files/t1_coronal_slice.npy"

COLIN_NOTICE = (
    "Colin27 T1 (ch2.nii.gz, brain mask from ch2bet.nii.gz) as shipped in Debian's mricron-data "
    "package 1.2.20211006+dfsg-4 (/usr/share/mricron/templates). The average of 27 T1-weighted scans "
    "of one subject (C. J. Holmes et al., J. Comput. Assist. Tomogr. 22 (1998) 324-333), in MNI space, "
    "1 mm. MRIcron: Copyright 2006-2010 Chris Rorden, BSD-3-clause (Debian copyright file of "
    "mricron-data). See data/README.md."
)
DIPY_NOTICE = (
    "Coronal T1-weighted slice t1_coronal_slice.npy from the dipy 1.12.1 wheel (dipy/data/files). "
    "Copyright (c) 2008-2026, dipy developers, BSD-3-clause (the wheel's LICENSE). "
    "E. Garyfallidis et al., Front. Neuroinform. 8 (2014) 8. See data/README.md."
)


def read_nifti_uint8(path: Path) -> np.ndarray:
    """A 3-D uint8 NIfTI-1 ``.nii.gz`` in RAS+ with an identity sform, as ``(X, Y, Z)`` (x fastest on disk)."""
    raw = gzip.open(path).read()
    hdr = raw[:348]
    if struct.unpack("<i", hdr[:4])[0] != 348 or hdr[344:348] != b"n+1\x00":
        sys.exit(f"{path}: not a little-endian single-file NIfTI-1 image")
    dim = struct.unpack("<8h", hdr[40:56])
    datatype, bitpix = struct.unpack("<2h", hdr[70:74])
    pixdim = struct.unpack("<8f", hdr[76:108])
    vox_offset, slope, inter = struct.unpack("<3f", hdr[108:120])
    sform_code = struct.unpack("<h", hdr[254:256])[0]
    srow = np.array([struct.unpack("<4f", hdr[280 + 16 * i:296 + 16 * i]) for i in range(3)])
    if dim[0] != 3 or datatype != 2 or bitpix != 8:
        sys.exit(f"{path}: expected a 3-D uint8 volume, got dim {dim}, datatype {datatype}")
    if pixdim[1:4] != (1.0, 1.0, 1.0) or slope not in (0.0, 1.0) or inter != 0.0:
        sys.exit(f"{path}: expected 1 mm voxels and no intensity scaling")
    if sform_code <= 0 or not np.allclose(srow[:, :3], np.eye(3)):
        sys.exit(f"{path}: expected an identity sform (RAS+ voxel axes), got {srow}")
    shape = dim[1:4]
    n = int(np.prod(shape))
    return np.frombuffer(raw, np.uint8, count=n, offset=int(vox_offset)).reshape(shape, order="F")


def to_dhw(xyz: np.ndarray) -> np.ndarray:
    """RAS (x, y, z) -> (D, H, W): z ascending, y descending (anterior first), x ascending."""
    return np.ascontiguousarray(np.transpose(xyz[:, ::-1, :], (2, 1, 0)))


def read_dipy_slice(wheel: Path) -> np.ndarray:
    with zipfile.ZipFile(wheel) as zf:
        a = np.load(io.BytesIO(zf.read(DIPY_MEMBER)), allow_pickle=False)
    if a.shape != (256, 256):
        sys.exit(f"unexpected slice shape {a.shape}")
    u8 = np.round(a * 255.0).astype(np.uint8)
    if np.abs(u8 / 255.0 - a).max() > 1e-5:
        sys.exit("the slice's values are not multiples of 1/255: cannot store it exactly as uint8")
    return u8


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mricron", type=Path, default=Path("/usr/share/mricron/templates"))
    ap.add_argument("--dipy-wheel", type=str, required=True, help="path (or glob) of the dipy 1.12.1 wheel")
    args = ap.parse_args(argv)
    head = to_dhw(read_nifti_uint8(args.mricron / "ch2.nii.gz"))
    brain = to_dhw(read_nifti_uint8(args.mricron / "ch2bet.nii.gz"))
    write_npz(OUT_COLIN, {"volume": head, "brain": (brain > 0).astype(np.uint8),
                          "voxel_size_mm": np.array([1.0, 1.0, 1.0], np.float32), "notice": np.array(COLIN_NOTICE)})
    wheels = sorted(glob.glob(args.dipy_wheel))
    if not wheels:
        sys.exit(f"no file matches {args.dipy_wheel}")
    write_npz(OUT_DIPY, {"image": read_dipy_slice(Path(wheels[0])), "notice": np.array(DIPY_NOTICE)})
    for path in (OUT_COLIN, OUT_DIPY):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes, sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
