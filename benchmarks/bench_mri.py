"""Lecture 4b (MR): zero filling, CS-TV, CS-wavelet, image-domain U-Net, k-space network and DC cascade.

Single-coil Cartesian MRI at 128², random masks at 6x and 11x (``invlab.recipes.mr_mask``), complex
k-space noise 0.005 (``invlab.recipes.MR_NOISE``), smooth random phase. Test sets
(``invlab.recipes.mr_test_set``): **the test person** (a real slice of someone no network saw,
8 mask seeds) and, as the in-distribution reference, the held-out axial slabs of the two training
volumes (MNI152 and Colin27 with its skull; 8 slices each). Prints:

1. per acceleration, mean PSNR / SSIM of the magnitude per method and set. CS: PDHG with TV and
   FISTA with the Haar wavelet (lecture 1's solvers) on the complex image, λ chosen per image with
   the ground truth over ``LAMS`` (an oracle: the strongest classical baseline); then the gaps the
   acceptance asks for (cascade > U-Net > best CS > zero-filled, each >= 0.5 dB);
2. every shipped MR network on the other mask type (equispaced) and the other acceleration;
3. CPU time per 128² reconstruction, 1 thread, median (budget 200 ms per network);
4. the shipped networks' parameters and training time (from the manifest).

Run: ``.venv/bin/python benchmarks/bench_mri.py [--quick]`` (``--quick``: 3 images per set and a
coarser λ grid).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import invlab as il
from invlab import operators as op
from invlab import recipes
from invlab import regularisers as R
from invlab import solvers as S

from _timing import median_ms, table

#: λ grid of the CS baselines (data term 1/2||Ax - y||^2 with an orthonormal FFT, images in [0, 1]).
LAMS = tuple(float(v) for v in torch.logspace(-3.5, -1.0, 11))
CS_ITER = 150


def cs_best(kind, A, y, x_true, lams):
    """``(psnr, λ, x)`` of TV (PDHG) or Haar wavelet (FISTA) at the λ with the best magnitude PSNR."""
    best = None
    for lam in lams:
        if kind == "TV":
            x = S.pdhg(A, y, R.TV(), lam, n_iter=CS_ITER).x
        else:
            x = S.fista(A, y, R.Wavelet(levels=3), lam, n_iter=CS_ITER).x
        p = float(il.metrics.psnr(x.abs().clamp(0, 1), x_true.abs()))
        if best is None or p > best[0]:
            best = (p, lam, x)
    return best


def score(xs, x_true):
    mag, ref = xs.abs().clamp(0, 1), x_true.abs()
    p = [float(v) for v in il.metrics.psnr(mag, ref)]
    s = [float(il.metrics.ssim(a, b)) for a, b in zip(mag, ref)]
    return statistics.mean(p), statistics.mean(s)


def run_net(net, masks, y):
    with torch.no_grad():
        return torch.stack([net(yi[None], op.MRI(mi))[0] for mi, yi in zip(masks, y)])


def shipped(acc):
    out = {}
    for label, name in (("U-Net", f"mri_unet_{acc}x"), ("k-space net", f"mri_kspace_{acc}x"),
                        ("cascade", f"mri_cascade_{acc}x")):
        if name in il.pretrained.available():
            out[label] = (name, il.pretrained.load(name))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    n = 3 if args.quick else None
    lams = LAMS[::2] if args.quick else LAMS
    torch.set_num_threads(1)
    for acc in recipes.MR_ACCELERATIONS:
        nets = shipped(acc)
        print(f"\n== {acc}x, random Cartesian mask (centre {recipes.MR_CENTER[acc]:g}), k-space noise "
              f"{recipes.MR_NOISE:g} (mean PSNR dB / SSIM of |x|)")
        rows, means = [], {}
        for kind in recipes.MR_TEST_SETS:
            x, masks, y = recipes.mr_test_set(kind, acc)
            x, masks, y = x[:n], masks[:n], y[:n]
            res = {"zero-filled": score(torch.stack([op.MRI(m).adjoint(v) for m, v in zip(masks, y)]), x)}
            t0 = time.perf_counter()
            chosen = {}
            for cs in ("TV", "wavelet"):
                best = [cs_best(cs, op.MRI(m), v, xi, lams) for m, v, xi in zip(masks, y, x)]
                res[f"CS-{cs}"] = score(torch.stack([b[2] for b in best]), x)
                chosen[cs] = sorted({f"{b[1]:.2g}" for b in best})
            for label, (_, net) in nets.items():
                res[label] = score(run_net(net, masks, y), x)
            for m, (p, _) in res.items():
                means[(kind, m)] = p
            rows.append([f"{kind} ({len(x)})"] + [f"{p:.2f} / {s:.3f}" for p, s in res.values()])
            print(f"   {kind}: λ chosen TV {', '.join(chosen['TV'])}; wavelet {', '.join(chosen['wavelet'])} "
                  f"(search {time.perf_counter() - t0:.0f} s)")
        table(["set"] + list(res), rows)
        if "cascade" in nets and "U-Net" in nets:
            p = {m: means[("person", m)] for m in res}
            cs = max(p["CS-TV"], p["CS-wavelet"])
            gaps = (p["cascade"] - p["U-Net"], p["U-Net"] - cs, cs - p["zero-filled"])
            print(f"   test person: cascade - U-Net {gaps[0]:+.2f} dB, U-Net - best CS {gaps[1]:+.2f} dB, "
                  f"best CS - zero-filled {gaps[2]:+.2f} dB; ordering with every gap >= 0.5 dB: "
                  f"{all(g >= 0.5 for g in gaps)}")
            for kind in ("mni152", "colin27"):
                print(f"   {kind} slab - test person: " + ", ".join(
                    f"{m} {means[(kind, m)] - means[('person', m)]:+.2f}" for m in res))

    print("\n== the shipped networks away from their training setting (test person, mean PSNR dB of |x|)")
    rows = []
    for acc in recipes.MR_ACCELERATIONS:
        for label, (name, net) in shipped(acc).items():
            row = [name]
            for test_acc in recipes.MR_ACCELERATIONS:
                for mask in recipes.MR_MASKS:
                    x, masks, y = recipes.mr_test_set("person", test_acc, mask)
                    row.append(f"{score(run_net(net, masks[:n], y[:n]), x[:n])[0]:.2f}")
            rows.append(row)
    zf = ["zero-filled"]
    for test_acc in recipes.MR_ACCELERATIONS:
        for mask in recipes.MR_MASKS:
            x, masks, y = recipes.mr_test_set("person", test_acc, mask)
            zf.append(f"{score(torch.stack([op.MRI(m).adjoint(v) for m, v in zip(masks[:n], y[:n])]), x[:n])[0]:.2f}")
    rows.append(zf)
    table(["network"] + [f"{a}x {m}" for a in recipes.MR_ACCELERATIONS for m in recipes.MR_MASKS], rows)

    print("\n== CPU time per 128² reconstruction, 1 thread, median (ms; budget 200)")
    x, masks, y = recipes.mr_test_set("person", 6)
    A, y1 = op.MRI(masks[0]), y[:1]
    rows = [["zero-filled", f"{median_ms(lambda: A.adjoint(y1)):.1f}", ""]]
    for acc in recipes.MR_ACCELERATIONS:
        for label, (name, net) in shipped(acc).items():
            with torch.no_grad():
                ms = median_ms(lambda: net(y1, A))
            rows.append([name, f"{ms:.1f}", "yes" if ms <= 200 else "NO"])
    table(["method", "ms", "within 200 ms"], rows)

    print("\n== shipped networks (manifest)")
    rows = []
    for acc in recipes.MR_ACCELERATIONS:
        for label, (name, _) in shipped(acc).items():
            e = il.pretrained.info(name)
            rows.append([name, e["class"], f"{e['parameters']:,}", f"{e['train_seconds'] / 60:.1f}", str(e["steps"]),
                         f"{e['metrics']['psnr_person']:.2f}", e["machine"]])
    table(["network", "class", "parameters", "train min", "steps", "psnr_person", "machine"], rows)


if __name__ == "__main__":
    main()
