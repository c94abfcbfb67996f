"""Lecture 4 (CT): FBP, TV (best λ per image), FBP + U-Net and learned gradient descent, side by side.

Sparse view (30 views over 180°, noise 1 % of max|Ax|) on the held-out sets of
``invlab.recipes.ct_test_set``: 20 ellipse phantoms from unseen seeds, Shepp-Logan, and the
real CT slice; then limited angle (30 views over 0-120°) and the networks at other view counts
than they were trained for. Prints:

1. mean PSNR / SSIM per method and set (TV: PDHG with isotropic TV, λ chosen per image with
   the ground truth over ``invlab.recipes.CT_TV_LAMS``, every λ started from the FBP; an oracle:
   ``invlab.recipes.ct_tv_best``, the code of the stored ``ct_tv`` run), and the gaps the
   acceptance asks for (unrolled > FBP+U-Net > TV > FBP, each ≥ 0.5 dB; unrolled ≥ TV + 3 dB);
2. CPU time per 128² reconstruction, 1 thread, median of repeated calls (one run), against the
   budgets (FBP+U-Net ≤ 100 ms, unrolled ≤ 500 ms, new geometry + FBP ≤ 200 ms);
3. the shipped networks' training time, parameters and size (from the manifest).

Run: ``.venv/bin/python benchmarks/bench_ct.py [--quick | --stored-tv]`` (``--quick``: 5 ellipse
phantoms and a coarser λ grid, to try things; ``--stored-tv``: TV from the stored run ``ct_tv``, made by
the same function, so the whole table takes about a minute instead of 13; the closing-note numbers
come from a full run or from ``--stored-tv``).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import invlab as il
from invlab import recipes

from _timing import median_ms, table

def tv_best(A, y, x_true, lams=recipes.CT_TV_LAMS):
    """Per image ``(psnr, λ, x)`` of :func:`invlab.recipes.ct_tv_best` (the stored ``ct_tv`` run's code)."""
    r = recipes.ct_tv_best(A, y, x_true, lams)
    return list(zip(r["psnr"], r["lam"], r["x"]))


def score(xs, x_true):
    p = [float(v) for v in il.metrics.psnr(xs.clamp(0, 1), x_true)]
    s = [float(il.metrics.ssim(a.clamp(0, 1), b)) for a, b in zip(xs, x_true)]
    return statistics.mean(p), statistics.mean(s), p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--stored-tv", action="store_true",
                    help="take TV from the stored run ct_tv (the same code, computed once) instead of searching λ now")
    args = ap.parse_args(argv)
    stored = il.pretrained.stored_run("ct_tv") if args.stored_tv else None
    if stored is not None and args.quick:
        ap.error("--stored-tv holds all 20 ellipse phantoms; leave out --quick")
    n = 5 if args.quick else 20
    lams = recipes.CT_TV_LAMS[::2] if args.quick else recipes.CT_TV_LAMS
    torch.set_num_threads(1)
    unet, unrolled = il.pretrained.load("ct_unet"), il.pretrained.load("ct_unrolled")
    nets = {"FBP + U-Net": unet, "learned GD (unrolled)": unrolled}

    for scan, title, views, rng in (("sparse", "sparse view: 30 views over 180°", 30, 180.0),
                                    ("limited", "limited angle: 30 views over 0-120°", 30, 120.0)):
        print(f"\n== {title}, noise {recipes.CT_NOISE:g} x max|Ax| (mean PSNR dB / SSIM)")
        rows = []
        means = {}
        for kind in recipes.CT_TEST_SETS:
            A, x, y = recipes.ct_test_set(kind, views, rng, n=n)
            t0 = time.perf_counter()
            if stored is None:
                tv = tv_best(A, y, x, lams)
                tv_lams, tv_score = [b[1] for b in tv], score(torch.stack([b[2] for b in tv]), x)
            else:   # the λ chosen, and the PSNR and SSIM the run computed before rounding its images to 8 bits
                e = stored[f"{scan}/{kind}"]
                tv_lams, tv_score = e["lam"], (statistics.mean(e["psnr"]), statistics.mean(e["ssim"]), list(e["psnr"]))
            tv_s = time.perf_counter() - t0
            res = {"FBP": score(A.fbp(y), x), "TV (best λ)": tv_score}
            with torch.no_grad():
                for name, net in nets.items():
                    res[name] = score(net(y, A), x)
            for name, (p, s, _) in res.items():
                means[(kind, name)] = p
            rows.append([f"{kind} ({len(x)})"] + [f"{res[m][0]:.2f} / {res[m][1]:.3f}" for m in res])
            lam_used = sorted({f"{lam:.2g}" for lam in tv_lams})
            print(f"   {kind}: TV λ chosen {', '.join(lam_used)} "
                  + ("(stored run ct_tv)" if stored is not None else f"(search {tv_s:.0f} s)"))
        table(["set"] + list(res), rows)
        if rng == 180.0:
            fbp, tvp = means[("ellipses", "FBP")], means[("ellipses", "TV (best λ)")]
            un, lg = means[("ellipses", "FBP + U-Net")], means[("ellipses", "learned GD (unrolled)")]
            print(f"   held-out ellipses: unrolled - U-Net {lg - un:+.2f} dB, U-Net - TV {un - tvp:+.2f} dB, "
                  f"TV - FBP {tvp - fbp:+.2f} dB, unrolled - TV {lg - tvp:+.2f} dB")
            print(f"   ordering unrolled > U-Net > TV > FBP with every gap >= 0.5 dB: "
                  f"{lg - un >= 0.5 and un - tvp >= 0.5 and tvp - fbp >= 0.5}; unrolled >= TV + 3 dB: {lg - tvp >= 3}")

    print("\n== the networks at other view counts (trained at 30; held-out ellipses, mean PSNR dB)")
    rows = []
    for views in (10, 20, 30, 45, 60, 90):
        A, x, y = recipes.ct_test_set("ellipses", views, n=n)
        with torch.no_grad():
            rows.append([str(views), f"{score(A.fbp(y), x)[0]:.2f}"] + [f"{score(net(y, A), x)[0]:.2f}"
                                                                       for net in nets.values()])
    table(["views", "FBP"] + list(nets), rows)

    print("\n== CPU time per 128² reconstruction, 1 thread, median (ms)")
    A, x, y = recipes.ct_test_set("ellipses", n=1)
    y1 = y[:1]
    rows = [["FBP (geometry cached)", f"{median_ms(lambda: A.fbp(y1)):.1f}", "", ""]]

    # the angle slider: a view count never used before builds its geometry, projects and back-projects
    fresh = iter(range(100, 400))

    def live_fbp():
        B = recipes.ct_operator(next(fresh), 179.0)   # an angular range used nowhere else: never cached
        return B.fbp(B(x[0]))
    ms = median_ms(live_fbp, repeats=9, warmup=1)
    rows.append(["new geometry + forward + FBP (slider, 100-110 views)", f"{ms:.1f}", "200", "yes" if ms <= 200 else "NO"])
    budgets = {"FBP + U-Net": 100, "learned GD (unrolled)": 500}
    with torch.no_grad():
        for name, net in nets.items():
            ms = median_ms(lambda: net(y1, A))
            rows.append([name, f"{ms:.1f}", str(budgets[name]), "yes" if ms <= budgets[name] else "NO"])
    table(["method", "ms", "budget", "within"], rows)

    print("\n== shipped networks (manifest)")
    rows = []
    for name in ("ct_unet", "ct_unrolled"):
        e = il.pretrained.info(name)
        rows.append([name, e["class"], f"{e['parameters']:,}", f"{e['train_seconds'] / 60:.1f}", str(e["steps"]),
                     f"{e['metrics']['psnr_ellipses']:.2f}", e["machine"]])
    table(["network", "class", "parameters", "train min", "steps", "psnr_ellipses", "machine"], rows)


if __name__ == "__main__":
    main()
