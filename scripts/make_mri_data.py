"""Regenerate ``data/mri/mni152_t1.npz`` from the MNI ICBM152 T1 template shipped in nilearn.

The project does **not** depend on nilearn or nibabel: this script is run once, by hand, in a
separate virtual environment that has them, and its output is committed under ``data/``::

    python3 -m venv /tmp/mrvenv
    /tmp/mrvenv/bin/pip install nilearn==0.14.1 nibabel
    /tmp/mrvenv/bin/python scripts/make_mri_data.py

What it does
------------
1. loads ``nilearn/datasets/data/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz`` (the
   skull-stripped ICBM 2009a nonlinear symmetric T1 template, 1 mm isotropic, uint8) from the
   installed nilearn wheel and reorients it to RAS+;
2. transposes it to ``(D, H, W)`` = (inferior → superior, anterior → posterior,
   subject's left → right), so that ``volume[k]`` is an axial slice displayed in the
   neurological convention (nose up, subject's left on the image's left);
3. crops it to the bounding box of the brain plus a 2-voxel margin (the voxel values are kept
   exactly: uint8, no resampling);
4. writes a byte-for-byte reproducible ``.npz`` (fixed zip timestamps, no pickles) and prints its
   sha256, which must match ``_MRI_SHA256`` in ``invlab/data.py`` and ``data/README.md``.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "mri" / "mni152_t1.npz"
TEMPLATE = "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"
MARGIN = 2
# The template's licence asks for this notice in all copies, so it travels inside the file too.
NOTICE = (
    "MNI ICBM152 2009a nonlinear symmetric T1 template (skull-stripped, as shipped in nilearn "
    "as " + TEMPLATE + "). Copyright (C) 1993-2004 Louis Collins, McConnell Brain Imaging "
    "Centre, Montreal Neurological Institute, McGill University. Permission to use, copy, "
    "modify, and distribute this software and its documentation for any purpose and without "
    "fee is hereby granted, provided that the above copyright notice appear in all copies. The "
    "authors and McGill University make no representations about the suitability of this "
    "software for any purpose. It is provided \"as is\" without express or implied warranty. "
    "The authors are not responsible for any data loss, equipment damage, property loss, or "
    "injury to subjects or patients resulting from the use or misuse of this software package. "
    "Cite: Fonov et al., NeuroImage 47 (2009) S102; Fonov et al., NeuroImage 54 (2011) 313-327. "
    "See data/README.md."
)


def load_template():
    import nibabel as nib
    import nilearn

    path = Path(nilearn.__file__).parent / "datasets" / "data" / TEMPLATE
    if not path.is_file():
        sys.exit(f"{path} not found: is nilearn (0.14.x) installed in this environment?")
    img = nib.as_closest_canonical(nib.load(str(path)))  # RAS+
    data = np.asarray(img.dataobj)
    if data.dtype != np.uint8:
        sys.exit(f"expected a uint8 template, got {data.dtype}")
    zooms = tuple(float(z) for z in img.header.get_zooms()[:3])
    return path, nilearn.__version__, data, zooms


def to_dhw(data_ras: np.ndarray) -> np.ndarray:
    """RAS (x, y, z) -> (D, H, W): z ascending, y descending (anterior first), x ascending."""
    return np.ascontiguousarray(np.transpose(data_ras[:, ::-1, :], (2, 1, 0)))


def crop(vol: np.ndarray, margin: int):
    nz = np.argwhere(vol > 0)
    lo = np.maximum(nz.min(0) - margin, 0)
    hi = np.minimum(nz.max(0) + 1 + margin, vol.shape)
    sl = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi))
    return np.ascontiguousarray(vol[sl]), lo


def write_npz(path: Path, arrays: dict) -> None:
    """Like ``np.savez_compressed`` but reproducible: fixed timestamps and member order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT})")
    args = ap.parse_args(argv)

    src, version, data, zooms = load_template()
    if zooms != (1.0, 1.0, 1.0):
        sys.exit(f"expected 1 mm isotropic voxels, got {zooms}")
    vol = to_dhw(data)
    vol, origin = crop(vol, MARGIN)
    write_npz(args.out, {
        "volume": vol,                                   # uint8 (D, H, W), 0..255
        "voxel_size_mm": np.array([1.0, 1.0, 1.0], np.float32),
        "crop_origin": origin.astype(np.int16),          # (D, H, W) offset in the uncropped grid
        "notice": np.array(NOTICE),                      # licence notice and citation (unicode)
    })
    digest = sha256(args.out)
    print(f"source  : {src} (nilearn {version})")
    print(f"volume  : {vol.shape} {vol.dtype}, crop origin {tuple(int(o) for o in origin)}")
    print(f"written : {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    print(f"sha256  : {digest}")
    module = ROOT / "invlab" / "data.py"
    text = module.read_text() if module.is_file() else ""
    pinned = re.search(r'_MRI_SHA256\s*=\s*"([0-9a-f]{64})"', text)
    if pinned:
        print("matches the hash pinned in invlab/data.py" if pinned.group(1) == digest
              else f"DIFFERS from the hash pinned in invlab/data.py ({pinned.group(1)}): update it "
                   "and data/README.md if this change is intended")


if __name__ == "__main__":
    main()
