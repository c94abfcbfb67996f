"""Extract a class-balanced subset of Fashion-MNIST into ``data/fashion_mnist/fashion_mnist.npz``.

Run once, at data-making time, on a Debian machine::

    apt-get install dataset-fashion-mnist      # /usr/share/datasets/fashion-mnist/*.gz (IDX)
    python scripts/make_fashion_mnist.py       # [--src DIR] [--train-per-class N] [--test-per-class N]

Keeps the original train/test split: the first ``N`` images of each class, in file order, from
``train-*`` go to ``train`` and from ``t10k-*`` to ``test`` (no randomness, so the file is
reproducible byte for byte). Writes uint8 ``train_images (N, 28, 28)``, ``train_labels``,
``test_images``, ``test_labels`` and prints the sha256 for ``invlab/data.py`` and
``data/README.md``. The Debian package is needed only here, never at run time.
"""
from __future__ import annotations

import argparse
import gzip
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_mri_data import sha256, write_npz  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "fashion_mnist" / "fashion_mnist.npz"


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format: magic, dims as big-endian int32, then uint8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise SystemExit(f"{path}: not a uint8 IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def balanced(images, labels, per_class):
    keep = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)])
    keep.sort()
    return images[keep], labels[keep]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--train-per-class", type=int, default=1000)
    ap.add_argument("--test-per-class", type=int, default=200)
    args = ap.parse_args(argv)
    arrays = {}
    for split, prefix, n in (("train", "train", args.train_per_class), ("test", "t10k", args.test_per_class)):
        images = read_idx(args.src / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(args.src / f"{prefix}-labels-idx1-ubyte.gz")
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = balanced(images, labels, n)
        print(f"{split}: {arrays[f'{split}_images'].shape} of {images.shape[0]}")
    write_npz(OUT, arrays)
    print(f"wrote {OUT.relative_to(REPO)}: {OUT.stat().st_size:,} bytes, sha256 {sha256(OUT)}")


if __name__ == "__main__":
    main()
