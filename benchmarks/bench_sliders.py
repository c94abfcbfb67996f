"""Slider-update cost of the lecture-1 panels: compute + redraw, in the kernel (no browser).

A slider move runs the panel's observer: re-solve, render PNG bytes, hand them to the
widget. This script moves each panel's main control back and forth over its range and reports
the median time per move. Budgets (DESIGN.md): closed-form panels <= 50 ms, iterative
classical reconstructions (TV, wavelet) <= 200 ms. For comparison, the last row re-draws the
same three images as a *new* matplotlib figure encoded to PNG, which is what
``interact`` + ``%matplotlib inline`` does on every move.

Run: ``python benchmarks/bench_sliders.py``
"""
import io
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from _timing import table  # noqa: E402

import invlab as il  # noqa: E402
from invlab import widgets  # noqa: E402


def moves(slider, n=25):
    """Alternating values over the slider's range (each move changes the value)."""
    if hasattr(slider, "options"):
        vals = list(slider.options)
    elif hasattr(slider, "base"):
        vals = [slider.base ** e for e in np.linspace(slider.min, slider.max, 9)]
    else:
        vals = list(np.linspace(slider.min, slider.max, 9))
        if isinstance(slider.value, int):
            vals = [int(v) for v in vals]
    return [vals[i % len(vals)] if (i // len(vals)) % 2 == 0 else vals[-1 - i % len(vals)] for i in range(n)]


def time_moves(slider, n=25):
    times = []
    for v in moves(slider, n):
        if v == slider.value:
            continue
        t0 = time.perf_counter()
        slider.value = v
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), float(np.percentile(times, 90))


def replot_baseline(images, n=15):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fig, axes = plt.subplots(1, len(images), figsize=(9, 3))
        for ax, im in zip(axes, images):
            ax.imshow(im.numpy(), cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), float(np.percentile(times, 90))


def main():
    rows = []
    tik = widgets.TikhonovPanel(size=256)
    rows.append(["Tikhonov (closed form) + filter-factor plot", "256²", "λ", *time_moves(tik.lam), "≤ 50"])
    reg = widgets.RegulariserPanel(size=256, blur=2.0)
    for name, budget in (("gradient-Tikhonov ½‖∇x‖²", "≤ 50"), ("TV ‖∇x‖₂,₁", "≤ 200"), ("wavelet ‖Ψx‖₁", "≤ 200")):
        reg.reg.value = name
        rows.append([f"{name} ({'closed form' if budget == '≤ 50' else 'ADMM, warm start'})", "256²", "λ",
                     *time_moves(reg.lam), budget])
    lc = widgets.LCurvePanel(size=256)
    rows.append(["L-curve marker + reconstruction", "256²", "λ", *time_moves(lc.lam), "≤ 50"])
    ls = widgets.LeastSquaresPanel(size=256)
    rows.append(["least squares, two noise draws", "256²", "noise σ", *time_moves(ls.sigma), "≤ 50"])
    gd = widgets.GradientDescentPanel(size=64)
    rows.append(["gradient descent: scrub iterations", "64²", "iteration", *time_moves(gd.iteration), "≤ 50"])
    rows.append(["gradient descent: new step size (100 its)", "64²", "η", *time_moves(gd.step, 10), "≤ 200"])
    svd = widgets.SVDPanel(n=32)
    rows.append(["truncated SVD + Picard plot", "32²", "k", *time_moves(svd.k), "≤ 50"])
    gal = widgets.ForwardGallery(size=128)
    rows.append(["forward gallery (deblurring)", "128²", "noise σ", *time_moves(gal.sigma), "≤ 50"])
    base = replot_baseline([tik.problem.x_true, tik.problem.y, tik.x])
    rows.append(["baseline: new matplotlib figure → PNG (what interact does)", "256²", "-", *base, "-"])
    print(f"invlab {il.__version__}; torch threads: {torch.get_num_threads()}; times in ms (kernel side)")
    table(["panel", "size", "control", "median", "p90", "budget"],
          [[r[0], r[1], r[2], f"{r[3]:.1f}", f"{r[4]:.1f}", r[5]] for r in rows])


if __name__ == "__main__":
    main()
