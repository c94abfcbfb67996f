"""Lecture 3: the shipped super-resolution networks against bicubic, TV-SR and PnP-HQS.

On the five held-out test images at 256x256, noise-free y = Downsample(f) x (blur sigma = f/2),
PSNR and SSIM with a 4-pixel border cropped (``invlab.recipes.sr_scores``):

* bicubic on the operator's sampling grid (``Downsample.interpolate``), and, for comparison with
  figures quoted elsewhere, ``F.interpolate(scale_factor=f, mode="bicubic")`` (block-centre
  convention, off the grid by (f-1)/2 pixels);
* TV-SR: ADMM on 1/2||Ax - y||^2 + lam TV(x) with the known operator, lam best per image on the
  log grid ``runs.SR_TV_LAMS`` (an oracle: it uses the ground truth), ``runs.SR_TV_ITER`` iterations
  warm-started along the grid, and PnP-HQS with the shipped denoiser (lecture 2's super-resolution
  settings): read from the stored run ``sr_baselines`` (made by ``python -m invlab.pretrained run
  sr_baselines``, ~4 min), or computed again here with ``--recompute``;
* the seven framework networks (``sr_<framework>_x<f>``; the progressive x4 network's first stage
  also at x2), each also as a geometric self-ensemble (``invlab.nets.SelfEnsemble``: the mean over
  the 8 flips/transposes of y, 8 times the cost), and the two loss variants of ``sr_post_x4`` with
  the sharpness ratio;
* each network, alone and self-ensembled, followed by the exact projection onto the images
  consistent with y (``sr_scores(..., project=True)``: noise-free y, so it can only bring an estimate closer
  to the truth) — how much of the remaining error is in the operator's range.

Also the forward time of each network at 256x256 output on 1 thread (median of 7).

    python benchmarks/bench_sr.py               # everything (~1 min on 2 cores; --recompute: ~5 min more)
    python benchmarks/bench_sr.py --time-only   # forward times only
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

import invlab as il
from invlab import recipes
from invlab.pretrained import runs
from invlab.nets import forward_ms as _forward_ms

from _timing import table

SE = " + self-ensemble (x8)"
NETS = {("post", 2): "sr_post_x2", ("post", 4): "sr_post_x4", ("pre", 2): "sr_pre_x2", ("pre", 4): "sr_pre_x4",
        ("progressive", 4): "sr_progressive_x4", ("iterative", 2): "sr_iterative_x2",
        ("iterative", 4): "sr_iterative_x4"}
B = recipes.SR_BORDER


def crop(x):
    return x[..., B:x.shape[-2] - B, B:x.shape[-1] - B]


def score(out, x):
    out, x = crop(out.clamp(0, 1)), crop(x)
    return [float(v) for v in il.metrics.psnr(out, x)], [float(v) for v in il.metrics.ssim(out, x)]


def forward_ms(net, factor, size=256, repeats=7):
    """Median ms of one forward pass to a size x size output (the notebook table's timer)."""
    return _forward_ms(net, torch.rand(1, 1, size // factor, size // factor), repeats=repeats)


def times():
    torch.set_num_threads(1)
    rows = []
    for (kind, f), name in NETS.items():
        net = il.pretrained.load(name)
        ms = forward_ms(net, f)
        ms_se = forward_ms(il.nets.SelfEnsemble(net), f, repeats=3)
        rows.append([name, f"{sum(p.numel() for p in net.parameters()):,}", f"{ms:.0f}", "yes" if ms <= 200 else "NO",
                     f"{ms_se:.0f}"])
    net = il.pretrained.load("sr_progressive_x4")
    rows.append(["sr_progressive_x4 (x2: stage 1)", f"{sum(p.numel() for p in net.stages[0].parameters()):,}",
                 f"{forward_ms(lambda y: net(y, factor=2), 2):.0f}", "", ""])
    print("\nForward pass to a 256x256 output, 1 thread, median of 7 (ms; the self-ensemble: 8 passes, median of 3):")
    table(["network", "parameters", "ms", "<= 200 ms", "self-ensemble ms"], rows)


def quality(recompute):
    torch.set_num_threads(2)
    base = runs.RUNS["sr_baselines"].make(True) if recompute else il.pretrained.stored_run("sr_baselines")
    lams = base["lams"]
    results = {}
    for f in recipes.SR_FACTORS:
        A, x, y = recipes.sr_test_set(f)
        res = {}
        res["bicubic (grid)"] = score(A.interpolate(y, "bicubic"), x)
        res["bicubic (F.interpolate)"] = score(F.interpolate(y[:, None], scale_factor=f, mode="bicubic")[:, 0], x)
        res["TV-SR (best lam per image)"] = (base["psnr"][f"TV-SR@x{f}"], base["ssim"][f"TV-SR@x{f}"])
        res["PnP-HQS"] = (base["psnr"][f"PnP-HQS@x{f}"], base["ssim"][f"PnP-HQS@x{f}"])
        print(f"x{f}: TV's best lam per image: {', '.join(f'{v:.1e}' for v in base['best_lam'][f'x{f}'])} (grid "
              f"{lams[0]:.1e} .. {lams[-1]:.1e}, {runs.SR_TV_ITER} ADMM iterations; an end of the grid would mean "
              "the grid is too narrow)")
        for (kind, g), name in NETS.items():
            if g == f:
                s = recipes.sr_scores(il.pretrained.load(name))
                res[name] = (s["per_image"]["psnr"], s["per_image"]["ssim"])
        for (kind, g), name in NETS.items():  # the same networks, each averaged over 8 symmetries of y
            if g == f:
                s = recipes.sr_scores(il.nets.SelfEnsemble(il.pretrained.load(name)))
                res[name + SE] = (s["per_image"]["psnr"], s["per_image"]["ssim"])
        if f == 2:
            net = il.pretrained.load("sr_progressive_x4")
            s = recipes.sr_scores(lambda v: net(v, factor=2), 2)
            res["sr_progressive_x4, stage 1 (x2)"] = (s["per_image"]["psnr"], s["per_image"]["ssim"])
        results[f] = res
    names = il.data.TEST_IMAGES
    for f, res in results.items():
        tv = statistics.mean(res["TV-SR (best lam per image)"][0])
        bic = statistics.mean(res["bicubic (grid)"][0])
        pnp = statistics.mean(res["PnP-HQS"][0])
        print(f"\nx{f}, five test images at 256x256, {B}-pixel border cropped, noise-free (PSNR dB per image, "
              "mean PSNR / SSIM, and the mean's difference to bicubic (grid), TV-SR and PnP-HQS):")
        rows = []
        for m, (p, s) in res.items():
            mp = statistics.mean(p)
            rows.append([m] + [f"{v:.2f}" for v in p] + [f"{mp:.2f}", f"{statistics.mean(s):.4f}",
                                                          f"{mp - bic:+.2f}", f"{mp - tv:+.2f}", f"{mp - pnp:+.2f}"])
        table(["method"] + list(names) + ["mean", "SSIM", "- bicubic", "- TV-SR", "- PnP"], rows)
        nets = {m: statistics.mean(p) for m, (p, _) in res.items() if m.startswith("sr_") and not m.endswith(SE)}
        ens = {m: statistics.mean(p) for m, (p, _) in res.items() if m.endswith(SE)}
        need = 3.0 if f == 2 else 2.5
        bic_f = statistics.mean(res["bicubic (F.interpolate)"][0])
        best, best_se = max(nets, key=nets.get), max(ens, key=ens.get)
        print(f"acceptance x{f}: every network >= bicubic + {need} dB: grid bicubic "
              f"{'yes' if min(nets.values()) >= bic + need else 'NO'} (worst {min(nets.values()) - bic:+.2f}), "
              f"F.interpolate bicubic {'yes' if min(nets.values()) >= bic_f + need else 'NO'} "
              f"(worst {min(nets.values()) - bic_f:+.2f}); best network {best} {nets[best] - tv:+.2f} dB over TV-SR "
              f"({'yes' if nets[best] >= tv + 0.5 else 'NO'}, needs +0.5); with the self-ensemble: {best_se} "
              f"{ens[best_se] - tv:+.2f} dB ({'yes' if ens[best_se] >= tv + 0.5 else 'NO'}); the ensemble's gain "
              f"per network: {', '.join(f'{m[:-len(SE)]} {ens[m] - nets[m[:-len(SE)]]:+.2f}' for m in ens)}")
        projection_table(f, tv)
    return results


def projection_table(f, tv):
    """Each network followed by the exact projection onto {x : Ax = y} (``sr_scores(..., project=True)``; y is
    noise-free, so the truth is in that set and the projection can only lower the error), alone and after the
    self-ensemble."""
    rows, best = [], (-float("inf"), "")
    for (kind, g), name in NETS.items():
        if g != f:
            continue
        net = il.pretrained.load(name)
        row = [name]
        for model, label in ((net, name), (il.nets.SelfEnsemble(net), name + SE)):
            p0, p1 = (recipes.sr_scores(model, f, project=pr)["psnr"] for pr in (False, True))
            row += [f"{p0:.2f}", f"{p1:.2f}", f"{p1 - p0:+.2f}"]
            best = max(best, (p1, label + " + projection"))
        rows.append(row)
    print(f"\nx{f}: each network, then the exact projection onto the images consistent with y (mean PSNR dB):")
    table(["network", "plain", "+ projection", "gain", "self-ensemble", "+ projection", "gain"], rows)
    print(f"   best with the projection: {best[1]} {best[0]:.2f} dB, {best[0] - tv:+.2f} over TV-SR "
          f"({'yes' if best[0] >= tv + 0.5 else 'NO'}, needs +0.5)")


def losses_table():
    torch.set_num_threads(2)
    A, x, y = recipes.sr_test_set(4)
    rows = []
    outs = {"bicubic (grid)": A.interpolate(y, "bicubic")}
    for name in ("sr_post_x4", "sr_post_x4_perceptual", "sr_post_x4_gan"):
        with torch.no_grad():
            outs[name] = il.pretrained.load(name)(y[:, None])[:, 0]
    for name, out in outs.items():
        o, t = crop(out.clamp(0, 1)), crop(x)
        sh = il.metrics.sharpness(o, t)
        rows.append([name, f"{float(il.metrics.psnr(o, t).mean()):.2f}", f"{float(il.metrics.ssim(o, t).mean()):.4f}",
                     f"{float(sh.mean()):.3f}", " ".join(f"{float(v):.2f}" for v in sh)])
    print("\nThe loss zoo at x4 (five test images; sharpness = ||Lap xhat||^2 / ||Lap x||^2, 1 = ground truth):")
    table(["network", "PSNR", "SSIM", "sharpness (mean)", "sharpness per image"], rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-only", action="store_true")
    ap.add_argument("--recompute", action="store_true", help="solve TV-SR and PnP again instead of the stored run")
    args = ap.parse_args()
    times()
    if args.time_only:
        return
    t0 = time.perf_counter()
    quality(args.recompute)
    losses_table()
    print(f"\n(quality part: {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
