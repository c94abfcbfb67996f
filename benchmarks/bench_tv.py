"""TV benchmarks for lecture 1: printed side-by-side tables (no asserts, timings are indicative).

1. TV deblurring of ``camera`` (256², Gaussian blur σ = 2, noise 0.01, seed 0): best λ on a
   grid, the converged PSNR, and the time ADMM / PDHG / FISTA need to come within 0.1 dB of
   it (median of 5 runs). Budget (DESIGN.md): ≤ 150 ms.
2. TV denoising (σ = 0.1) of ``camera``: our TV prox next to
   ``skimage.restoration.denoise_tv_chambolle``, each at its best weight.
   skimage's ``weight`` is our λ: both minimise ½‖u − y‖² + λ·TV(u) (isotropic, Neumann).
3. Best-λ PSNR of every regulariser on the deblurring problem of part 1.

Run: ``.venv/bin/python benchmarks/bench_tv.py`` (about two minutes on 2 cores).
"""
from __future__ import annotations

import os
import statistics
import time

import numpy as np
import torch
from skimage.restoration import denoise_tv_chambolle

from invlab import metrics, noise
from invlab import operators as op
from invlab import regularisers as R
from invlab import solvers as S
from invlab.train import fit_learned_quadratic

try:
    from invlab.data import image, train_images
except ImportError:  # pragma: no cover - before invlab.data existed
    from skimage import data as _skd, transform as _tf

    def image(name, size=256):
        a = getattr(_skd, name)().astype(float) / 255.0
        return torch.tensor(_tf.resize(a, (size, size), anti_aliasing=True), dtype=torch.float32)

    train_images = None


def median_ms(fn, repeats=5):
    fn()  # warm-up (caches, allocator)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def iterations_to_within(psnrs, target, tol=0.1):
    """First iteration k after which every PSNR stays within ``tol`` dB of ``target``."""
    for k in range(len(psnrs)):
        if all(abs(p - target) <= tol for p in psnrs[k:]):
            return k + 1
    return None


def table(title, header, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def best_on_grid(lams, solve, x_true):
    best = (-np.inf, None, None)
    for lam in lams:
        x = solve(float(lam))
        p = metrics.psnr(x, x_true)
        if p > best[0]:
            best = (p, float(lam), x)
    return best


def part1(x, A, y):
    tv = R.TV("circular")  # matches the circular blur; makes ADMM's x-step an exact FFT solve
    lams = np.logspace(-4, -3, 9)
    psnr_best, lam, _ = best_on_grid(lams, lambda l: S.admm(A, y, tv, l, n_iter=300)[0], x)
    x_conv, h_conv = S.admm(A, y, tv, lam, n_iter=3000, rho=20 * lam)
    conv, f_conv = metrics.psnr(x_conv, x), h_conv["objective"][-1]
    print(f"\n[1] TV deblurring, camera 256², blur σ=2, noise 0.01: best λ on {len(lams)}-point grid = {lam:.3g}")
    print(f"    converged: PSNR {conv:.3f} dB, objective {f_conv:.6g} (ADMM 3000 its, ρ = 20λ)")
    runs = {
        "ADMM (ρ=5λ, exact FFT x-step)": (lambda n, **kw: S.admm(A, y, tv, lam, n_iter=n, **kw), 100),
        "PDHG (τ/σ = 1/(3λ))": (lambda n, **kw: S.pdhg(A, y, tv, lam, n_iter=n, **kw), 1500),
        "FISTA (TV prox warm-started, tol 1e-3)": (
            lambda n, **kw: S.fista(A, y, R.TV("circular", tol=1e-3, warm_start=True), lam, n_iter=n, **kw), 300),
    }
    rows = []
    for name, (run, n_max) in runs.items():
        _, h = run(n_max, x_true=x)
        k = iterations_to_within(h["psnr"], conv)
        if k is None:
            rows.append((name, f"> {n_max}", "-", "-", "-", "-"))
            continue
        ms = median_ms(lambda: run(k))
        rows.append((name, k, f"{h['psnr'][k - 1]:.3f}", f"{h['objective'][k - 1] / f_conv - 1:.1e}",
                     f"{ms:.1f}", f"{ms / k:.2f}"))
    table("    time to come within 0.1 dB of the converged PSNR (median of 5 runs; budget 150 ms)",
          ["solver", "iterations", "PSNR dB", "objective above opt.", "time ms", "ms/iter"], rows)
    return lam


def part2(x):
    y = noise.gaussian(x, 0.1, seed=0)
    yn = y.double().numpy()
    weights = np.round(np.arange(0.04, 0.161, 0.01), 3)
    tv_ref = R.TV(tol=1e-7, max_iter=100000)

    def our_objective(u, lam):
        u = torch.as_tensor(u, dtype=torch.float64)
        return float(0.5 * ((u - y.double()) ** 2).sum() + lam * R.TV()(u))

    rows = []
    sk_best = best_on_grid(weights, lambda w: torch.from_numpy(denoise_tv_chambolle(yn, weight=w)), x.double())
    w = sk_best[1]
    ms = median_ms(lambda: denoise_tv_chambolle(yn, weight=w))
    f_opt = our_objective(tv_ref.prox(y.double(), w), w)
    rows.append(("skimage denoise_tv_chambolle (defaults)", w, f"{sk_best[0]:.3f}", f"{ms:.1f}",
                 f"{our_objective(sk_best[2], w) / f_opt - 1:.1e}"))
    for tol in (1e-3, 1e-4):
        tv = R.TV(tol=tol)
        best = best_on_grid(weights, lambda l: tv.prox(y, l), x)
        lam = best[1]
        ms = median_ms(lambda: tv.prox(y, lam))
        f_opt = our_objective(tv_ref.prox(y.double(), lam), lam)
        rows.append((f"invlab TV().prox, FISTA on the dual, gap tol {tol:g} ({tv.last_iter} its)", lam,
                     f"{best[0]:.3f}", f"{ms:.1f}", f"{our_objective(best[2], lam) / f_opt - 1:.1e}"))
    # a different model: circular TV, solved by ADMM with exact FFT steps
    A = op.Identity(x.shape)
    tvc = R.TV("circular")
    best = best_on_grid(weights, lambda l: S.admm(A, y, tvc, l, n_iter=200)[0], x)
    lam = best[1]
    _, h = S.admm(A, y, tvc, lam, n_iter=200, x_true=x)
    k = iterations_to_within(h["psnr"], h["psnr"][-1])
    ms = median_ms(lambda: S.admm(A, y, tvc, lam, n_iter=k))
    rows.append((f"invlab admm, circular TV, {k} its (within 0.1 dB)", lam, f"{h['psnr'][k - 1]:.3f}", f"{ms:.1f}",
                 "(other model)"))
    table("[2] TV denoising, camera 256², σ = 0.1 (skimage weight = our λ); objective in OUR Neumann "
          "objective, relative to a tight optimum", ["method", "best λ", "PSNR dB", "time ms", "objective above opt."],
          rows)


def part3(x, A, y, lam_tv):
    rows = []
    quad_lams = np.logspace(-5, 0, 26)
    for name, reg in (("Tikhonov ½‖x‖²", R.Tikhonov()), ("gradient-Tikhonov ½‖∇x‖² (circular)", R.GradientTikhonov())):
        p, lam, _ = best_on_grid(quad_lams, lambda l: S.tikhonov(A, y, l, reg=reg), x)
        rows.append((name, f"{lam:.3g}", f"{p:.3f}", f"{median_ms(lambda: S.tikhonov(A, y, lam, reg=reg), 20):.2f}",
                     "closed form (FFT)"))
    best_tik = max(float(r[2]) for r in rows)
    if train_images is not None:
        t = time.perf_counter()
        learned = fit_learned_quadratic(A, train_images(256), 0.01, n_filters=4, size=5, n_iter=100, seed=0)
        fit_s = time.perf_counter() - t
        p1 = metrics.psnr(S.tikhonov(A, y, 1.0, reg=learned), x)
        rows.append((f"learned quadratic, 4 filters 5x5 (fitted λ=1; fit {fit_s:.0f} s on invlab.data.train_images)",
                     "1", f"{p1:.3f}", f"{median_ms(lambda: S.tikhonov(A, y, 1.0, reg=learned), 20):.2f}",
                     "closed form (FFT)"))
        p, lam, _ = best_on_grid(np.logspace(-1, 1, 21), lambda l: S.tikhonov(A, y, l, reg=learned), x)
        rows.append(("learned quadratic, oracle λ", f"{lam:.3g}", f"{p:.3f}", "", ""))
    iterative = [("TV Σ‖(∇x)ᵢ‖ (circular)", R.TV("circular"), np.logspace(-4, -3, 9))]
    iterative += [(f"wavelet ‖Ψx‖₁ (Haar, {levels} levels)", R.Wavelet(levels), np.logspace(-4, -2, 9))
                  for levels in (3, 4)]
    tv_psnr = None
    for name, reg, lams in iterative:
        p, lam, _ = best_on_grid(lams, lambda l: S.admm(A, y, reg, l, n_iter=300)[0], x)
        _, h = S.admm(A, y, reg, lam, n_iter=300, x_true=x)
        k = iterations_to_within(h["psnr"], p)
        rows.append((name, f"{lam:.3g}", f"{p:.3f}", f"{median_ms(lambda: S.admm(A, y, reg, lam, n_iter=k)):.1f}",
                     f"ADMM, {k} its (0.1 dB)"))
        tv_psnr = p if tv_psnr is None else tv_psnr
    table("[3] best-λ PSNR on the deblurring problem of [1] (λ chosen on a grid with x_true)",
          ["regulariser", "best λ", "PSNR dB", "time ms", "solver"], rows)
    print(f"    TV beats the best Tikhonov-type regulariser by {tv_psnr - best_tik:+.2f} dB")


def main():
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}")
    x = image("camera", 256)
    A = op.Blur.gaussian((256, 256), 2.0)
    y = noise.gaussian(A(x), 0.01, seed=0)
    lam_tv = part1(x, A, y)
    part2(x)
    part3(x, A, y, lam_tv)


if __name__ == "__main__":
    main()
