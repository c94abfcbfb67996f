"""Lecture 3b: the deep image prior on a 2-core CPU — run time and quality against its baselines.

Part 1 (time): one default ``il.solvers.dip`` call at 128x128 (x4 super-resolution, nothing
monitored), median of 3, and the time per iteration of DIPNet at the course's width (16) and at
the paper's (128 channels, about 2 M parameters: deepinv's default DIP network is of that size
and was measured at ~5 s per iteration on this kind of machine).

Part 2 (quality, the five test images at 128x128, PSNR in dB): x4 super-resolution through
``Downsample`` (noise-free), inpainting with the text mask and with 50 % random pixels
(noise-free), denoising at sigma = 0.1. Part 2 runs on 2 threads. DIP runs with its defaults (1200 Adam steps, lr 0.01,
input perturbation 0.03) and reports its final iterate; for denoising it runs 1500 steps and
reports its best iteration (an oracle: it uses the ground truth, like TV's choice of lambda).
Baselines: ``invlab.widgets.lecture3b.baselines`` — bicubic (SR), TV at its best lambda on a
grid (oracle), PnP-HQS with the shipped denoiser, and the shipped denoiser alone (denoising).

    python benchmarks/bench_dip.py              # everything (~20 min on 2 cores)
    python benchmarks/bench_dip.py --time-only  # part 1 (~3 min)
    python benchmarks/bench_dip.py --images camera moon
"""
import argparse
import os
import statistics
import time

import torch

import invlab as il
from invlab import operators as op
from invlab.nets import DIPNet
from invlab.pretrained.runs import DIP_SIZE, dip_problem
from invlab.widgets.lecture3b import baselines

from _timing import table

DENOISE_ITER = 1500


def time_default(repeats=3, threads=1):
    torch.set_num_threads(threads)
    A, y, _ = dip_problem("sr")
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        il.solvers.dip(A, y)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def ms_per_iteration(width, n=5, size=DIP_SIZE):
    A, y, _ = dip_problem("sr", size=size)
    net = DIPNet((size, size), width=width)
    il.solvers.dip(A, y, n_iter=1, net=net)          # warm-up
    t0 = time.perf_counter()
    il.solvers.dip(A, y, n_iter=n, net=net)
    return (time.perf_counter() - t0) / n * 1e3, sum(p.numel() for p in net.parameters())


def quality(images):
    den = il.pretrained.load("denoiser")
    results = {}
    for task in ("sr", "inpainting-text", "inpainting-random", "denoising"):
        rows = []
        for name in images:
            A, y, x = dip_problem(task, image=name)
            if task == "denoising":
                A = op.Identity(x.shape)          # the baseline problem: all pixels, sigma = 0.1
            base = baselines(task, A, y, x, den, sigma=0.1 if task == "denoising" else None)
            scores = {k: float(il.metrics.psnr(v, x)) for k, v in base.items()}
            t0 = time.perf_counter()
            if task == "denoising":
                _, h = il.solvers.dip(A, y, n_iter=DENOISE_ITER, x_true=x)
                k = max(range(len(h["psnr"])), key=h["psnr"].__getitem__)
                scores["DIP (best stop)"], scores["DIP stop at k"] = h["psnr"][k], k + 1
                scores["DIP (final)"] = h["psnr"][-1]
            else:
                xd, _ = il.solvers.dip(A, y)
                scores["DIP"] = float(il.metrics.psnr(xd.clamp(0, 1), x))
            scores["seconds"] = time.perf_counter() - t0
            rows.append((name, scores))
            print(f"  {task:18s} {name:10s} " + ", ".join(f"{k} {v:.2f}" for k, v in scores.items()), flush=True)
        results[task] = rows
    return results


def print_quality(results):
    for task, rows in results.items():
        cols = [c for c in rows[0][1] if c not in ("seconds", "DIP stop at k")]
        body = [[name] + [f"{s[c]:.2f}" for c in cols] + ([str(s["DIP stop at k"])] if "DIP stop at k" in s else [])
                for name, s in rows]
        means = {c: sum(s[c] for _, s in rows) / len(rows) for c in cols}
        body.append(["mean"] + [f"{means[c]:.2f}" for c in cols] + ([""] if "DIP stop at k" in rows[0][1] else []))
        print(f"\n{task} (PSNR dB, {len(rows)} test images at {DIP_SIZE}x{DIP_SIZE})")
        table(["image"] + cols + (["DIP stop k"] if "DIP stop at k" in rows[0][1] else []), body)
        dip = "DIP (best stop)" if task == "denoising" else "DIP"
        for c in cols:
            if c.startswith("DIP"):
                continue
            gains = [s[dip] - s[c] for _, s in rows]
            print(f"  {dip} - {c}: mean {sum(gains) / len(gains):+.2f} dB, min {min(gains):+.2f}, "
                  f"max {max(gains):+.2f}, DIP ahead on {sum(g > 0 for g in gains)} of {len(gains)}")
        if task == "sr":
            gains = [s["DIP"] - s["bicubic"] for _, s in rows]
            print(f"  acceptance: DIP x4 - bicubic: mean {sum(gains) / len(gains):+.2f} dB (>= +1: "
                  f"{sum(gains) / len(gains) >= 1}); >= +1 on {sum(g >= 1 for g in gains)} of {len(gains)} images")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-only", action="store_true")
    ap.add_argument("--images", nargs="*", default=list(il.data.TEST_IMAGES))
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {os.cpu_count()} cores")
    med1, times1 = time_default(threads=1)      # invlab's default in a notebook (INVLAB_NUM_THREADS)
    med2, times2 = time_default(threads=2)
    ms16, p16 = ms_per_iteration(16)
    ms128, p128 = ms_per_iteration(128, n=2)
    table(["what", "value"], [
        ["one default dip() call, x4 SR at 128², median of 3, 1 thread (s)",
         f"{med1:.1f}  (runs: {', '.join(f'{t:.1f}' for t in times1)})"],
        ["the same on 2 threads (s)", f"{med2:.1f}  (runs: {', '.join(f'{t:.1f}' for t in times2)})"],
        ["DIPNet width 16 (default): parameters", f"{p16:,}"],
        ["DIPNet width 16: ms per iteration (2 threads, perturbed input, unmonitored)", f"{ms16:.0f}"],
        ["DIPNet width 128 (the paper's): parameters", f"{p128:,}"],
        ["DIPNet width 128: ms per iteration (2 threads)", f"{ms128:.0f}"],
        ["deepinv's default DIP, as measured for the issue (ms per iteration)", "~5000"],
    ])
    if not args.time_only:
        print_quality(quality(args.images))


if __name__ == "__main__":
    main()
