"""CSGM against sparsity baselines on Fashion-MNIST test images, as the number of measurements falls.

For each m: one Gaussian matrix (``GaussianSensing(m, (28, 28), seed=m)``), noise 0.01 per
measurement, 100 test images (10 per class, never trained on). CSGM with the shipped
``gan_generator`` (Adam on z, 500 iterations, 5 restarts started from the best 5 of
``--candidates`` = 256 random codes, λ_z = ``il.recipes.csgm_lam_z(m)``);
TV (PDHG) and the Haar-wavelet Lasso (FISTA), each at its oracle λ *per image* on a grid
(``il.analysis.sparse_cs_baseline``). Prints mean ± std and the standard error of the mean
difference, and the generator's representation error (best G(z) for each image, A = I).

Run: ``INVLAB_NUM_THREADS=2 .venv/bin/python benchmarks/bench_csgm.py [--m 50 500] [--restarts 5]
[--candidates 256]`` (``--candidates 5``: plain random restarts, no screening)
(about 4.5 minutes per m, and as long for the representation error, on 2 cores; invlab's
default of one thread takes twice as long).
"""
from __future__ import annotations

import argparse
import math
import time

import invlab as il
from invlab import operators as op

from _timing import table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images-per-class", type=int, default=10)
    ap.add_argument("--restarts", type=int, default=5)
    ap.add_argument("--iters", type=int, default=500)
    ap.add_argument("--candidates", type=int, default=256)
    ap.add_argument("--m", type=int, nargs="*", default=[25, 50, 100, 200, 300, 500, 700])
    args = ap.parse_args()
    G = il.pretrained.load("gan_generator")
    x = il.recipes.gan_test_images(args.images_per_class)
    n = x.shape[0]
    t0 = time.perf_counter()
    closest, _ = il.solvers.csgm(op.Identity((28, 28)), x, G, n_iter=args.iters, restarts=args.restarts,
                                 candidates=args.candidates)
    rep = il.metrics.psnr(closest, x).double().numpy()
    print(f"{n} test images; representation error (best G(z), A = I): {rep.mean():.2f} ± {rep.std():.2f} dB "
          f"({time.perf_counter() - t0:.0f} s)")
    rows = []
    for m in args.m:
        A, y = il.recipes.cs_measurements(m, x, m)
        t0 = time.perf_counter()
        xc, _ = il.solvers.csgm(A, y, G, n_iter=args.iters, restarts=args.restarts, seed=0,
                                 lam_z=il.recipes.csgm_lam_z(m), candidates=args.candidates)
        t_c = time.perf_counter() - t0
        pc = il.metrics.psnr(xc, x).double().numpy()
        res = {}
        for prior in ("tv", "wavelet"):
            t0 = time.perf_counter()
            res[prior] = il.analysis.sparse_cs_baseline(A, y, x, prior=prior)["psnr"].numpy()
            res[prior + "_t"] = time.perf_counter() - t0
        best = "tv" if res["tv"].mean() >= res["wavelet"].mean() else "wavelet"
        d = pc - res[best]
        rows.append([m, f"{pc.mean():.2f} ± {pc.std():.2f}", f"{res['tv'].mean():.2f} ± {res['tv'].std():.2f}",
                     f"{res['wavelet'].mean():.2f} ± {res['wavelet'].std():.2f}",
                     f"{d.mean():+.2f} ± {d.std() / math.sqrt(n):.2f} ({best})",
                     f"{(d > 0).mean() * 100:.0f} %", f"{t_c:.0f} s / {res['tv_t']:.0f} s / {res['wavelet_t']:.0f} s"])
    print(f"\n== PSNR (dB), mean ± std over {n} test images; CSGM {args.restarts} restarts × {args.iters} Adam steps, "
          f"starts screened from {args.candidates} random codes; "
          "baselines at their oracle λ per image")
    table(["m", "CSGM", "TV", "wavelet Lasso", "CSGM − best baseline (± s.e.)", "CSGM wins", "time CSGM/TV/wavelet"],
          rows)


if __name__ == "__main__":
    main()
