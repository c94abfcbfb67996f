"""Denoising on the held-out test images: the shipped denoiser vs TV at its best λ per image.

Prints, for σ = 0.05, 0.1, 0.15 (the fixed noisy test images of ``invlab.recipes``):

* per test image, PSNR of TV denoising (``analysis.tv_denoise_best``: ``TV().prox``, isotropic,
  Neumann, clipped to [0, 1] like the network's output) at its oracle λ
  (chosen per image with the ground truth: the strongest honest opponent), of scikit-image's
  ``denoise_tv_chambolle`` at its best weight, and of the shipped ``denoiser``; the mean row and
  the gain of the denoiser over the best TV;
* the denoiser's forward time at 128² and 256² (median, one thread, as in a notebook);
* the training time and size of every shipped network from the manifest, and this machine's
  time per training step of the denoiser recipe now.

Run: ``.venv/bin/python benchmarks/bench_denoiser.py`` (about two minutes on 2 cores).
"""
from __future__ import annotations

import statistics

import torch
from skimage.restoration import denoise_tv_chambolle

import invlab as il
from invlab import pretrained, recipes
from invlab.analysis import best_lambda, tv_denoise_best

from _timing import median_ms, table


def main():
    den = pretrained.load("denoiser")
    print("== denoising PSNR [dB] on the test images (never trained on), 256², best λ per image for TV")
    summary = []
    for s in recipes.DENOISER_SIGMAS:
        x, y = recipes.noisy_test_images(s)
        with torch.no_grad():
            xd = den(y[:, None], s)[:, 0].clamp(0, 1)
        rows = []
        cols = {"tv": [], "sk": [], "net": []}
        for i, name in enumerate(il.data.TEST_IMAGES):
            r_tv = tv_denoise_best(y[i], x[i], s)
            r_sk = best_lambda(lambda w: torch.from_numpy(denoise_tv_chambolle(y[i].double().numpy(),
                                                                weight=w)).clamp(0, 1),
                               x[i].double(), 0.2 * s, 2.0 * s)
            p_net = float(il.metrics.psnr(xd[i], x[i]))
            cols["tv"].append(r_tv["best_psnr"]), cols["sk"].append(r_sk["best_psnr"]), cols["net"].append(p_net)
            rows.append([name, f"{r_tv['best_psnr']:.2f} (λ={r_tv['best_lam']:.3f})",
                         f"{r_sk['best_psnr']:.2f}", f"{p_net:.2f}",
                         f"{p_net - max(r_tv['best_psnr'], r_sk['best_psnr']):+.2f}"])
        m = {k: statistics.mean(v) for k, v in cols.items()}
        rows.append(["mean", f"{m['tv']:.2f}", f"{m['sk']:.2f}", f"{m['net']:.2f}",
                     f"{m['net'] - max(m['tv'], m['sk']):+.2f}"])
        print(f"\nσ = {s}")
        table(["image", "TV prox, best λ", "skimage Chambolle, best", "denoiser", "gain vs best TV"], rows)
        summary.append([s, f"{m['tv']:.2f}", f"{m['net']:.2f}", f"{m['net'] - m['tv']:+.2f}",
                        f"{min(n - t for n, t in zip(cols['net'], cols['tv'])):+.2f}"])
    print("\n== summary (mean over the 5 test images)")
    table(["σ", "TV best λ", "denoiser", "mean gain", "worst image gain"], summary)

    print("\n== denoiser forward pass (median of 15, torch threads =", torch.get_num_threads(), ")")
    rows = []
    for n in (128, 256):
        z = torch.rand(1, 1, n, n)
        with torch.no_grad():
            rows.append([f"{n}²", f"{median_ms(lambda: den(z, 0.1)):.1f} ms"])
    table(["size", "forward"], rows)

    print("\n== shipped networks (training time as recorded in data/weights/MANIFEST.json)")
    rows = []
    for name in pretrained.available():
        e = pretrained.info(name)
        rows.append([name, e["class"], f"{e['parameters']:,}", f"{e['bytes'] / 1e6:.2f} MB",
                     f"{e['train_seconds'] / 60:.1f} min ({e['steps']} steps, {e['threads']} threads)",
                     f"{e['metric']} = {e['metrics'][e['metric']]}"])
    table(["name", "class", "parameters", "file", "training", "held-out metric"], rows)

    print("\n== the denoiser recipe's training speed on this machine now (2 threads, 40 steps after 5 warm-up)")
    torch.set_num_threads(2)
    recipe = recipes.RECIPES["denoiser"]
    t = recipe.train(recipe.build(), n_steps=45, progress=False)["time"]
    per_step = (t[-1] - t[4]) / 40
    n_full = pretrained.info("denoiser")["steps"]
    table(["per step", "full recipe", "→ training time"],
          [[f"{per_step * 1e3:.0f} ms", f"{n_full} steps", f"{per_step * n_full / 60:.1f} min"]])


if __name__ == "__main__":
    main()
