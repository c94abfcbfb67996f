"""Plug-and-play with the shipped denoiser vs TV at its best λ per image, on the 5 test images.

Three tasks, all with measurement noise 0.01 on 256² test images (never trained on):

* deblurring — Gaussian blur σ = 2 (lecture 1's task);
* inpainting — half the pixels missing (random mask, seed 0);
* ×2 super-resolution — ``Downsample((256, 256), 2)`` (anti-alias blur + decimation).

TV is solved by ADMM with circular TV at its oracle λ (chosen per image with the ground
truth); PnP-HQS and PnP-PGD (the slides' deep proximal gradient, η = 1/‖A‖², from Aᵀy) use one
fixed setting per task for every image, ``invlab.recipes.PNP_SETTINGS``, chosen on three
*training* images by ``tune_pnp.py`` (never on the test images), and **the same denoiser**
without retraining. Also prints the time
each method takes, and the time PnP needs to come within 0.1 dB of its final PSNR, next to
TV-ADMM's, measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_pnp.py [--images N]`` (several minutes on 2 cores).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import invlab as il
from invlab import operators as op
from invlab.analysis import best_lambda
from invlab.regularisers import TV

from _timing import table

NOISE = 0.01
SETTINGS = {task: il.recipes.PNP_SETTINGS[key] for task, key in
            (("deblurring", "deblurring"), ("inpainting", "inpainting"), ("super-resolution x2", "super-resolution"))}


def tasks(n=256, mask_seed=0):
    mask = torch.rand((n, n), generator=torch.Generator().manual_seed(mask_seed)) < 0.5
    return {"deblurring": op.Blur.gaussian((n, n), 2.0), "inpainting": op.Mask(mask),
            "super-resolution x2": op.Downsample((n, n), 2)}


def measure(A, x, seed):
    y = A(x)
    return y + NOISE * torch.randn(y.shape, generator=torch.Generator().manual_seed(seed))


def time_to_final(history, seconds):
    """Seconds until the PSNR first comes within 0.1 dB of its final value (linear in iterations)."""
    p = history["psnr"]
    k = next(i for i, v in enumerate(p) if v >= p[-1] - 0.1)
    return seconds * (k + 1) / len(p), k + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=len(il.data.TEST_IMAGES))
    args = ap.parse_args()
    den = il.pretrained.load("denoiser")
    names = il.data.TEST_IMAGES[:args.images]
    xs = il.data.test_images(256)[:args.images]
    tv = TV(boundary="circular")
    summary, timing = [], []
    for t, (task, A) in enumerate(tasks().items()):
        rows, res = [], {"tv": [], "pgd": [], "hqs": []}
        its = 40 if task == "deblurring" else 150
        for i, (name, x) in enumerate(zip(names, xs)):
            y = measure(A, x, seed=100 * t + i)
            r = best_lambda(lambda lam: il.solvers.admm(A, y, tv, lam, n_iter=its)[0], x, 1e-4, 1e-1,
                            n_coarse=7, n_fine=5)
            t0 = time.perf_counter()
            _, h_tv = il.solvers.admm(A, y, tv, r["best_lam"], n_iter=its, x_true=x)
            s_tv = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, h_pgd = il.solvers.pnp(A, y, den, x_true=x, method="pgd", **SETTINGS[task]["pgd"])
            s_pgd = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, h_hqs = il.solvers.pnp(A, y, den, x_true=x, method="hqs", noise=NOISE, **SETTINGS[task]["hqs"])
            s_hqs = time.perf_counter() - t0
            res["tv"].append(r["best_psnr"]), res["pgd"].append(h_pgd["psnr"][-1]), res["hqs"].append(h_hqs["psnr"][-1])
            rows.append([name, f"{r['best_psnr']:.2f} (λ={r['best_lam']:.1e})", f"{h_pgd['psnr'][-1]:.2f}",
                         f"{h_hqs['psnr'][-1]:.2f}", f"{h_hqs['psnr'][-1] - r['best_psnr']:+.2f}"])
            if i == 0:
                for label, h, s in (("TV-ADMM (best λ)", h_tv, s_tv), ("PnP-PGD", h_pgd, s_pgd), ("PnP-HQS", h_hqs, s_hqs)):
                    tf, k = time_to_final(h, s)
                    timing.append([task, name, label, f"{s * 1e3:.0f} ms ({len(h['psnr'])} its)",
                                   f"{tf * 1e3:.0f} ms ({k} its)", f"{h['psnr'][-1]:.2f}"])
        m = {k: statistics.mean(v) for k, v in res.items()}
        rows.append(["mean", f"{m['tv']:.2f}", f"{m['pgd']:.2f}", f"{m['hqs']:.2f}", f"{m['hqs'] - m['tv']:+.2f}"])
        print(f"\n== {task}: PSNR [dB], noise {NOISE}, 256²")
        table(["image", "TV, best λ", "PnP-PGD", "PnP-HQS", "HQS − TV"], rows)
        summary.append([task, f"{m['tv']:.2f}", f"{m['pgd']:.2f}", f"{m['hqs']:.2f}", f"{m['hqs'] - m['tv']:+.2f}",
                        f"{min(a - b for a, b in zip(res['hqs'], res['tv'])):+.2f}"])
    print("\n== summary (mean over the test images; same denoiser for every task; settings:",
          {t: s["hqs"] for t, s in SETTINGS.items()}, ")")
    table(["task", "TV best λ", "PnP-PGD", "PnP-HQS", "HQS − TV", "worst image"], summary)
    print("\n== time (first test image; torch threads = %d)" % torch.get_num_threads())
    table(["task", "image", "method", "total", "to within 0.1 dB of final", "final PSNR"], timing)


if __name__ == "__main__":
    main()
