"""Blur and MRI forward/adjoint times at 256^2 and 512^2, beside numpy/scipy references.

Run: ``python benchmarks/bench_operators.py``. Prints medians in milliseconds (float32 torch
tensors; references in float64 numpy as those libraries use by default).
"""
import os
import sys

import numpy as np
import scipy.ndimage as ndi
import torch

sys.path.insert(0, os.path.dirname(__file__))
from _timing import median_ms, table  # noqa: E402

from invlab import operators as op  # noqa: E402


def main():
    rows = []
    for n in (256, 512):
        x = torch.rand(n, n)
        xn = x.double().numpy()
        B = op.Blur.gaussian((n, n), 2.0)
        k = B.kernel.numpy()
        rows.append([f"Blur σ=2 ({k.shape[0]}x{k.shape[1]} kernel)", f"{n}²",
                     f"{median_ms(lambda: B(x)):.2f}", f"{median_ms(lambda: B.adjoint(x)):.2f}",
                     f"{median_ms(lambda: ndi.convolve(xn, k, mode='wrap')):.2f}",
                     "scipy.ndimage.convolve(mode='wrap')"])
        M = op.MRI(op.cartesian_mask((n, n), 4, seed=0))
        xc = x.to(torch.complex64)
        kc = M(xc)
        mask = M.mask.numpy()
        rows.append(["MRI (R=4)", f"{n}²",
                     f"{median_ms(lambda: M(xc)):.2f}", f"{median_ms(lambda: M.adjoint(kc)):.2f}",
                     f"{median_ms(lambda: mask * np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(xn), norm='ortho'))):.2f}",
                     "numpy.fft centred fft2 + mask"])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; medians in ms")
    table(["operator", "size", "invlab forward", "invlab adjoint", "reference forward", "reference"], rows)


if __name__ == "__main__":
    main()
