"""Lecture 2's comparison (row 2.1): TV, model-agnostic U-Net, PnP-HQS and unrolled GD on deblurring.

The task: the 5 test images at 256² (never trained on), circular Gaussian blur σ = 2 px, noise
0.01 (the training noise) and 0.03 (3×), the same noise draws for every method
(``invlab.recipes.deblurring_test_set``). TV gets its oracle λ per image (ADMM on a λ grid);
PnP-HQS is told the noise level; the two networks are not. Prints:

1. mean PSNR / SSIM per method and noise level, and each method's drop from 0.01 to 0.03;
2. inference time per 256² image (median of repeated calls, same run, torch threads as set):
   the networks' forward pass, PnP-HQS's full run, TV-ADMM at a fixed λ (one solve; the
   oracle search costs ~9× that);
3. the training time, parameters and size of every shipped network (from the manifest, where
   ``python -m invlab.pretrained train NAME`` recorded them).

Run: ``.venv/bin/python benchmarks/bench_lecture2.py`` (about two minutes on 2 cores).
"""
from __future__ import annotations

import statistics

import torch

import invlab as il
from invlab import recipes
from invlab.regularisers import TV
from invlab.widgets.lecture2_methods import METHOD_NAMES, compare_methods, deblurring_methods

from _timing import median_ms, table


def main():
    unet, unrolled, den = (il.pretrained.load(n) for n in ("unet_deblur", "unrolled_deblur", "denoiser"))
    methods = deblurring_methods(unet, unrolled, den)
    res = {}
    for s in (recipes.DEBLUR_NOISE, 3 * recipes.DEBLUR_NOISE):
        A, x, y = recipes.deblurring_test_set(s)
        res[s] = compare_methods(methods, A, x, y, noise_level=s, names=il.data.TEST_IMAGES)
    lo, hi = sorted(res)
    rows = []
    for m in METHOD_NAMES:
        a, b = statistics.mean(res[lo]["psnr"][m]), statistics.mean(res[hi]["psnr"][m])
        rows.append([m, f"{a:.2f}", f"{statistics.mean(res[lo]['ssim'][m]):.3f}", f"{b:.2f}",
                     f"{statistics.mean(res[hi]['ssim'][m]):.3f}", f"{b - a:+.2f}",
                     f"{a - statistics.mean(res[lo]['psnr'][METHOD_NAMES[0]]):+.2f}"])
    print(f"== deblurring (blur 2 px), 5 test images at 256², mean over images; PSNR in dB")
    table(["method", f"PSNR @{lo:g}", f"SSIM @{lo:g}", f"PSNR @{hi:g}", f"SSIM @{hi:g}", "drop at 3×", "vs TV @0.01"],
          rows)
    print("\nper image @0.01:", {m: [round(v, 2) for v in res[lo]["psnr"][m]] for m in METHOD_NAMES})

    A, x, y = recipes.deblurring_test_set()
    y0, x0 = y[0], x[0]
    hqs = recipes.PNP_SETTINGS["deblurring"]["hqs"]
    tv = TV(boundary="circular")
    timings = {
        METHOD_NAMES[0]: lambda: il.solvers.admm(A, y0, tv, 1e-3, n_iter=40),
        METHOD_NAMES[1]: lambda: unet(y0, A),
        METHOD_NAMES[2]: lambda: il.solvers.pnp(A, y0, den, method="hqs", noise=recipes.DEBLUR_NOISE, **hqs),
        METHOD_NAMES[3]: lambda: unrolled(y0, A),
    }
    rows = []
    with torch.no_grad():
        for m, fn in timings.items():
            rows.append([m, f"{median_ms(fn, repeats=9):.0f} ms", f"{res[lo]['parameters'][m]:,}"])
    print(f"\n== inference time per 256² image (median of 9; torch threads = {torch.get_num_threads()})")
    table(["method", "time", "parameters"], rows)

    rows = []
    for n in il.pretrained.available():
        e = il.pretrained.info(n)
        size = e["bytes"] + e.get("record", {}).get("bytes", 0)
        rows.append([n, e["class"], f"{e['parameters']:,}", f"{size / 1e6:.2f} MB", f"{e['train_seconds'] / 60:.1f} min",
                     f"{e['threads']}", e.get("companion_of") or f"{e['metric']} = {e['metrics'][e['metric']]}"])
    print("\n== shipped networks (training time recorded by `python -m invlab.pretrained train NAME`)")
    table(["name", "class", "parameters", "size", "train time", "threads", "held-out metric"], rows)
    total = sum(il.pretrained.info(n)["bytes"] + il.pretrained.info(n).get("record", {}).get("bytes", 0)
                for n in il.pretrained.available())
    print(f"total shipped weights + records: {total / 1e6:.2f} MB of the 25 MB budget")


if __name__ == "__main__":
    main()
