"""Extract the extra training photographs shipped inside two PyPI wheels into ``data/photos/``.

Run once, at data-making time (needs the network to reach PyPI; nothing here runs in CI)::

    python scripts/make_photo_data.py            # downloads the two wheels with pip, no install
    python scripts/make_photo_data.py --wheels DIR   # or reads wheels already in DIR

What it does:

1. ``pip download --no-deps`` the pinned wheels ``PyWavelets==1.9.0`` and ``sporco==0.2.2.post1``
   (they are opened as zip files, never installed) and checks their sha256;
2. reads ``pywt/data/aero.npz`` and ``ascent.npz`` (512 x 512 uint8 grayscale) and
   ``sporco/data/{barbara,kodim23,monarch,sail,tulips}.png``. PyWavelets' ``camera.npz`` is
   **excluded**: it is the course's test image ``camera``;
3. converts colour to luminance (:math:`0.2125R + 0.7154G + 0.0721B`, as ``invlab.data``) and
   rounds to uint8 at native resolution;
4. writes a byte-for-byte reproducible ``data/photos/photos.npz`` (one uint8 array per photo,
   fixed zip timestamps, no pickles) and prints its sha256 for ``invlab/data.py`` and
   ``data/README.md``.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_mri_data import sha256, write_npz  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "photos" / "photos.npz"

WHEELS = {
    "pywavelets==1.9.0": ("pywavelets-1.9.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
                          "d76b7fa8fc500b09201d689b4f15bf5887e30ffbe2e1f338eb8470590eb4521a"),
    "sporco==0.2.2.post1": ("sporco-0.2.2.post1-py3-none-any.whl",
                            "a5b600be67a062e8efc5e90484cd7043c72f04f84209f435ae711e4fd33f87f8"),
}
# name in invlab -> (wheel spec, member)
PHOTOS = {
    "aero": ("pywavelets==1.9.0", "pywt/data/aero.npz"),
    "ascent": ("pywavelets==1.9.0", "pywt/data/ascent.npz"),
    "barbara": ("sporco==0.2.2.post1", "sporco/data/barbara.png"),
    "kodim23": ("sporco==0.2.2.post1", "sporco/data/kodim23.png"),
    "monarch": ("sporco==0.2.2.post1", "sporco/data/monarch.png"),
    "sail": ("sporco==0.2.2.post1", "sporco/data/sail.png"),
    "tulips": ("sporco==0.2.2.post1", "sporco/data/tulips.png"),
}


def fetch_wheels(folder: Path) -> dict[str, Path]:
    """The pinned wheels in ``folder`` (downloaded with pip if absent), sha256-checked."""
    paths = {}
    for spec, (fname, digest) in WHEELS.items():
        path = folder / fname
        if not path.exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder), spec],
                           check=True)
        got = hashlib.sha256(path.read_bytes()).hexdigest()
        if got != digest:
            raise SystemExit(f"{fname}: sha256 {got} != expected {digest}")
        paths[spec] = path
    return paths


def to_gray_uint8(raw: bytes, member: str) -> np.ndarray:
    """Decode one member to a uint8 luminance image."""
    if member.endswith(".npz"):
        return np.load(io.BytesIO(raw))["data"].astype(np.uint8)
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"), dtype=np.float64) / 255.0
    y = a @ np.array([0.2125, 0.7154, 0.0721])
    return np.clip(np.round(y * 255.0), 0, 255).astype(np.uint8)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheels", type=Path, default=None, help="folder holding (or receiving) the wheels")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheels = fetch_wheels(args.wheels or Path(tmp))
        arrays = {}
        for name, (spec, member) in PHOTOS.items():
            with zipfile.ZipFile(wheels[spec]) as z:
                arrays[name] = to_gray_uint8(z.read(member), member)
            print(f"{name:8s} {arrays[name].shape} from {spec}:{member}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_npz(OUT, arrays)
    print(f"wrote {OUT.relative_to(REPO)}: {OUT.stat().st_size:,} bytes, sha256 {sha256(OUT)}")


if __name__ == "__main__":
    main()
