"""Radon transform: invlab vs scikit-image, side by side.

Run ``python benchmarks/bench_radon.py``. 256 x 256 Shepp-Logan phantom, 180 angles
(``np.arange(180)`` degrees), float32; every time is the median of repeated runs, measured
in this process so that both libraries see the same machine load. Budgets (DESIGN.md):
forward and adjoint each <= 1/3 of ``skimage.transform.radon``; FBP at least as accurate as
``iradon`` and no slower; building ``Radon(256, n)`` + one FBP <= 200 ms.
"""
import time

import numpy as np
import torch
from skimage.data import shepp_logan_phantom
from skimage.metrics import peak_signal_noise_ratio
from skimage.transform import iradon, radon, resize

from invlab.operators import Radon
from invlab.operators import radon as radon_module


def median_ms(funcs: dict, repeats: int = 9) -> dict:
    """Median wall time (ms) of each function, run in interleaved rounds so that a change in
    machine load hits every entry alike."""
    for f in funcs.values():
        f()  # warm-up
    times = {k: [] for k in funcs}
    for _ in range(repeats):
        for k, f in funcs.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    return {k: 1e3 * float(np.median(v)) for k, v in times.items()}


def psnr(x, ref):
    return peak_signal_noise_ratio(ref, np.asarray(x, dtype=np.float64), data_range=1.0)


def main():
    n = 256
    img = resize(shepp_logan_phantom(), (n, n)).astype(np.float64)
    theta = np.arange(180.0)
    x = torch.from_numpy(img).float()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; image {n}x{n}, {len(theta)} angles\n")

    A = Radon(n, theta)
    y = A(x)
    sino_sk = radon(img, theta, circle=True)

    t = median_ms({
        "sk_fwd": lambda: radon(img, theta, circle=True),
        "fwd": lambda: A(x),
        "adj": lambda: A.adjoint(y),
        "sk_fbp": lambda: iradon(sino_sk, theta, filter_name="ramp", circle=True),
        "fbp": lambda: A.fbp(y),
    })
    t_sk_fwd, t_fwd, t_adj, t_sk_fbp, t_fbp = (t[k] for k in ("sk_fwd", "fwd", "adj", "sk_fbp", "fbp"))
    p_sk = psnr(iradon(sino_sk, theta, filter_name="ramp", circle=True), img)
    p_ours = psnr(A.fbp(y).numpy(), img)
    rel = np.linalg.norm(y.numpy() - sino_sk.T) / np.linalg.norm(sino_sk)

    rows = [
        ("forward  A x  [ms]", f"{t_fwd:.1f}", f"{t_sk_fwd:.1f}", f"{t_fwd / t_sk_fwd:.2f}"),
        ("adjoint  A^T y [ms]", f"{t_adj:.1f}", "n/a (not an adjoint)", f"{t_adj / t_sk_fwd:.2f}"),
        ("FBP (ramp)  [ms]", f"{t_fbp:.1f}", f"{t_sk_fbp:.1f} (iradon)", f"{t_fbp / t_sk_fwd:.2f}"),
        ("FBP PSNR  [dB]", f"{p_ours:.2f}", f"{p_sk:.2f} (iradon)", ""),
    ]
    print(f"{'':22s} {'invlab':>10s} {'skimage':>22s} {'/ skimage radon':>16s}")
    for r in rows:
        print(f"{r[0]:22s} {r[1]:>10s} {r[2]:>22s} {r[3]:>16s}")
    print(f"\nsinogram vs skimage radon: relative L2 difference {rel:.2e}")
    for f in ("shepp-logan", "cosine", "hann"):
        print(f"  FBP {f:12s} PSNR {psnr(A.fbp(y, filter=f).numpy(), img):.2f} dB"
              f"   (iradon {psnr(iradon(sino_sk, theta, filter_name=f, circle=True), img):.2f} dB)")

    print("\nbuild Radon(256, n) + FBP [ms]   (first: nothing cached; cached: same n again;"
          " +forward: first build, then A(x) and FBP)")
    print(f"{'n':>5s} {'first':>8s} {'cached':>8s} {'+forward':>9s}")
    for n_angles in (30, 60, 90, 180):
        def first():
            radon_module._CACHE.clear()
            B = Radon(n, n_angles)
            B.fbp(y_n)

        def cached():
            B = Radon(n, n_angles)
            B.fbp(y_n)

        def with_forward():
            radon_module._CACHE.clear()
            B = Radon(n, n_angles)
            B.fbp(B(x))

        y_n = Radon(n, n_angles)(x)
        t = median_ms({"first": first, "cached": cached, "both": with_forward}, 7)
        print(f"{n_angles:5d} {t['first']:8.1f} {t['cached']:8.1f} {t['both']:9.1f}")


if __name__ == "__main__":
    main()
