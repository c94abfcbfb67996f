"""Choose the plug-and-play settings on TRAINING images only (what bench_pnp.py then fixes).

Three 256² training images (aero, kodim23, chelsea; never the test images), the three tasks
of ``bench_pnp.py`` with noise 0.01, and a small grid: HQS over iterations × final σ × weight
w, PGD over the denoiser strength σ. Prints the best settings per task, which
``invlab.recipes.PNP_SETTINGS`` records and ``bench_pnp.py`` and lecture 2's panels use.

Run: ``.venv/bin/python benchmarks/tune_pnp.py`` (about 15 minutes on 2 cores).
"""
import itertools
import statistics

import torch

import invlab as il

from bench_pnp import tasks

NAMES = ("aero", "kodim23", "chelsea")


def main():
    den = il.pretrained.load("denoiser")
    xs = [il.data.image(n, 256) for n in NAMES]
    assert not set(NAMES) & set(il.data.TEST_IMAGES)
    for task, A in tasks(mask_seed=5).items():   # another mask than the benchmark's
        ys = [A(x) + 0.01 * torch.randn(A(x).shape, generator=torch.Generator().manual_seed(7 + i))
              for i, x in enumerate(xs)]
        res = []
        for n_iter, sigma, w in itertools.product([6, 12, 24, 40], [0.01, 0.02], [0.1, 0.15, 0.25]):
            ps = [il.solvers.pnp(A, y, den, method="hqs", sigma=sigma, noise=0.01, n_iter=n_iter, weight=w,
                                 x_true=x)[1]["psnr"][-1] for x, y in zip(xs, ys)]
            res.append((round(statistics.mean(ps), 3), n_iter, sigma, w))
        res.sort(reverse=True)
        print(f"{task}: HQS best (mean dB, n_iter, sigma, w): {res[:3]}", flush=True)
        res = []
        for sigma in (0.01, 0.02, 0.03, 0.05):
            ps = [il.solvers.pnp(A, y, den, method="pgd", sigma=sigma, n_iter=40, x_true=x)[1]["psnr"][-1]
                  for x, y in zip(xs, ys)]
            res.append((round(statistics.mean(ps), 3), sigma))
        print(f"{task}: PGD (mean dB, sigma): {sorted(res, reverse=True)}", flush=True)


if __name__ == "__main__":
    main()
