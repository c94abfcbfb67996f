"""Validate GAN generators for CSGM on Fashion-MNIST test images the benchmark never uses.

``bench_csgm.py`` scores the shipped generator on the *first* 10 test images of each class.
Choices about the generator's training (its number of steps, say) must not be made on those
images, so this script scores candidates on a disjoint validation set: test images
``--lo`` to ``--hi - 1`` of each class (default 10-19, 100 images). For each generator it prints
the PSNR of CSGM from ``m`` = 50 noisy Gaussian measurements (matrix seed ``1000 + m``, another
matrix than the benchmark's), TV at its oracle λ per image on the same measurements, the mean
paired difference with its standard error, and optionally the representation error (best
:math:`G(z)` with :math:`A = I`, ``il.recipes.generator_scores``, as the manifest records it).

Generators are ``shipped`` (the shipped ``gan_generator``) or paths of state dicts of the
recipe's architecture (``il.recipes.RECIPES["gan_generator"].build()``; e.g. saved by
``torch.save(G.state_dict(), path)`` after ``invlab.recipes.RECIPES["gan_generator"].train``
with another ``n_steps``).

Run: ``INVLAB_NUM_THREADS=2 .venv/bin/python benchmarks/validate_gan.py shipped [path.pt ...]
[--projection]`` (about 5.5 minutes per generator on 2 cores; 6 with ``--projection``).
"""
from __future__ import annotations

import argparse
import math
import time

import torch

import invlab as il

from _timing import table


def load(spec: str) -> torch.nn.Module:
    """The shipped generator (``"shipped"``) or the recipe's architecture with weights from a state-dict file."""
    if spec == "shipped":
        return il.pretrained.load("gan_generator")
    G = il.recipes.RECIPES["gan_generator"].build()
    G.load_state_dict(torch.load(spec, weights_only=True))
    return G.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("generators", nargs="+", help="'shipped' or paths of generator state dicts")
    ap.add_argument("--lo", type=int, default=10)
    ap.add_argument("--hi", type=int, default=20)
    ap.add_argument("--m", type=int, default=50)
    ap.add_argument("--projection", action="store_true", help="also the representation error (A = I)")
    args = ap.parse_args()
    if not 10 <= args.lo < args.hi:
        ap.error(f"need 10 <= --lo < --hi (the first 10 test images of each class are the benchmark's), "
                 f"got --lo {args.lo} --hi {args.hi}")
    x = il.recipes.gan_test_images(args.hi - args.lo, start=args.lo)
    n = x.shape[0]
    A, y = il.recipes.cs_measurements(args.m, x, 1000 + args.m)
    tv = il.analysis.sparse_cs_baseline(A, y, x, prior="tv")["psnr"].double()
    rows = []
    for spec in args.generators:
        G = load(spec)
        t0 = time.perf_counter()
        proj = "–"
        if args.projection:
            proj = f"{il.recipes.generator_scores(G, args.hi - args.lo, start=args.lo)['projection_psnr']:.2f}"
        xc, _ = il.solvers.csgm(A, y, G, n_iter=500, restarts=5, seed=0, lam_z=il.recipes.csgm_lam_z(args.m))
        pc = il.metrics.psnr(xc, x).double()
        d = pc - tv
        rows.append([spec, f"{pc.mean():.2f}", f"{d.mean():+.2f} ± {d.std() / math.sqrt(n):.2f}", proj,
                     f"{time.perf_counter() - t0:.0f} s"])
    print(f"\n== {n} validation test images (indices {args.lo}-{args.hi - 1} of each class), m = {args.m}; "
          f"TV at its oracle λ per image: {tv.mean():.2f} dB; CSGM 5 restarts × 500 Adam steps, screened starts")
    table(["generator", "CSGM (dB)", "CSGM − TV (± s.e.)", "representation error (dB)", "time"], rows)


if __name__ == "__main__":
    main()
