"""Regenerate ``data/ct/ct_small.npz``: a real CT slice, from the test files shipped in pydicom.

The project does **not** depend on pydicom: this script is run once, by hand, in a separate
virtual environment that has it, and its output is committed under ``data/``::

    python3 -m venv /tmp/ctvenv
    /tmp/ctvenv/bin/pip install pydicom==3.0.2 numpy
    /tmp/ctvenv/bin/python scripts/make_ct_data.py

What it does
------------
1. reads ``pydicom/data/test_files/CT_small.dcm`` from the installed pydicom wheel (MIT
   licence): one axial CT slice, 128 x 128, int16 stored values, pixel spacing 0.66 mm, a
   downsized copy of the NEMA DICOM working group 4 test image ``CT1_UNC``;
2. converts the stored values to Hounsfield units with the file's own rescale slope and
   intercept (HU = slope * value + intercept), keeping them as int16 (no resampling);
3. writes a byte-for-byte reproducible ``.npz`` (``hu``, ``pixel_spacing_mm``, ``notice``) and
   prints its sha256, which must match the ``"ct"`` entry of ``_SHIPPED`` in
   ``invlab/data.py`` and ``data/README.md``.

``invlab.data.ct_slice()`` turns the Hounsfield units into attenuation relative to water.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_mri_data import sha256, write_npz  # noqa: E402

OUT = ROOT / "data" / "ct" / "ct_small.npz"
NOTICE = (
    "CT_small.dcm from the test files of pydicom 3.0.2 (MIT licence, Copyright (c) 2008-2020 "
    "Darcy Mason and pydicom contributors): an axial CT slice downsized to 128x128 from the "
    "NEMA DICOM WG04 sample image CT1_UNC (ftp://medical.nema.org/MEDICAL/Dicom/DataSets/WG04/). "
    "Stored here as Hounsfield units. See data/README.md."
)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT})")
    args = ap.parse_args(argv)
    import pydicom
    from pydicom.data import get_testdata_file

    src = get_testdata_file("CT_small.dcm")
    ds = pydicom.dcmread(src)
    if ds.Modality != "CT" or ds.pixel_array.shape != (128, 128):
        sys.exit(f"unexpected file: modality {ds.Modality}, shape {ds.pixel_array.shape}")
    hu = ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
    write_npz(args.out, {
        "hu": hu.astype(np.int16),
        "pixel_spacing_mm": np.asarray([float(v) for v in ds.PixelSpacing], np.float32),
        "notice": np.array(NOTICE),
    })
    print(f"source  : {src} (pydicom {pydicom.__version__})")
    print(f"slice   : {hu.shape}, HU {hu.min()}..{hu.max()}, spacing {list(ds.PixelSpacing)} mm")
    print(f"written : {args.out} ({args.out.stat().st_size / 1e3:.1f} kB)")
    print(f"sha256  : {sha256(args.out)}")


if __name__ == "__main__":
    main()
