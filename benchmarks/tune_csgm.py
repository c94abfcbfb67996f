"""Choose CSGM's weight on ‖z‖² on TRAINING images only (what ``invlab.recipes.CSGM_LAM_Z`` records).

CSGM minimises ½‖y − A G(z)‖² + λ_z‖z‖². Read as a MAP estimate with z ~ N(0, I) and
Gaussian measurement error of variance s² per measurement, λ_z = s²/2. Here the error is
mostly the generator's *representation error* e = x − G(ẑ): its m Gaussian measurements
have total energy ≈ ‖e‖², i.e. s² ≈ ‖e‖²/m, so λ_z should fall like 1/m. The script tries
λ_z = c/m for a grid of c on the last 3 training images of each Fashion-MNIST class (30 images
the test sets never use) at m = 50 and m = 200, and prints the mean PSNR per c.

Run: ``.venv/bin/python benchmarks/tune_csgm.py`` (a few minutes on 2 cores).
"""
import torch

import invlab as il

from _timing import table

GRID = (1.0, 2.5, 5.0, 10.0, 20.0)
CANDIDATES = 256                      # random codes screened for the starts, as bench_csgm


def main():
    G = il.pretrained.load("gan_generator")
    x, labels = il.data.fashion_mnist("train", return_labels=True)
    x = torch.cat([x[labels == c][-3:] for c in range(10)])
    rows = []
    for c in GRID:
        row = [f"{c:g}"]
        for m in (50, 200):
            A, y = il.recipes.cs_measurements(m, x, 7 + m)                # other matrices than the benchmark's
            xc, _ = il.solvers.csgm(A, y, G, n_iter=300, restarts=4, seed=1, lam_z=c / m,
                                    candidates=CANDIDATES)
            row.append(f"{float(il.metrics.psnr(xc, x).mean()):.2f}")
        rows.append(row)
        print(row, flush=True)
    print(f"\n== CSGM mean PSNR (dB) on 30 training images, 4 restarts × 300 Adam steps (starts screened from "
          f"{CANDIDATES} random codes), λ_z = c / m")
    table(["c", "m = 50", "m = 200"], rows)


if __name__ == "__main__":
    main()
