"""Lecture 4b (MR): zero filling, CS-TV, CS-wavelet, image-domain U-Net, k-space network and DC cascade.

Single-coil Cartesian MRI at 128², random masks at 6x and 11x (``invlab.recipes.mr_mask``), complex
k-space noise 0.005 (``invlab.recipes.MR_NOISE``), smooth random phase. Test sets
(``invlab.recipes.mr_test_set``): **the test person** (a real slice of someone no network saw,
8 mask seeds) and, as the in-distribution reference, the held-out axial slabs of the two training
volumes (MNI152 and Colin27 with its skull; 8 slices each). Prints:

1. per acceleration, mean PSNR / SSIM of the magnitude per method and set. CS: PDHG with TV and
   FISTA with the Haar wavelet (lecture 1's solvers) on the complex image, λ chosen per image with
   the ground truth over ``MR_CS_LAMS`` (``invlab.recipes.mr_cs_best``, an oracle: the strongest
   classical baseline), and TV with one λ for the whole set (the best single grid value, as the
   published comparisons fix it), to show what the per-image oracle is worth; then the gaps the
   acceptance asks for (cascade > U-Net > best CS > zero-filled, each >= 0.5 dB);
2. every shipped MR network on the other mask type (equispaced) and the other acceleration;
3. CPU time per 128² reconstruction, 1 thread, median (budget 200 ms per network);
4. the shipped networks' parameters and training time (from the manifest).

Run: ``.venv/bin/python benchmarks/bench_mri.py [--quick | --stored-cs]`` (``--quick``: 3 images per
set and a coarser λ grid; ``--stored-cs``: CS from the stored run ``mr_cs``, made by the same function,
so the whole script takes about two minutes instead of fifteen).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import invlab as il
from invlab import operators as op
from invlab import recipes

from _timing import median_ms, table

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
    ap.add_argument("--stored-cs", action="store_true",
                    help="take CS from the stored run mr_cs (the same code, computed once) instead of searching λ now")
    args = ap.parse_args(argv)
    stored = il.pretrained.stored_run("mr_cs") if args.stored_cs else None
    if stored is not None and args.quick:
        ap.error("--stored-cs holds every image; leave out --quick")
    n = 3 if args.quick else None
    lams = recipes.MR_CS_LAMS[::2] if args.quick else recipes.MR_CS_LAMS
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
            chosen, curves = {}, {}
            for cs in recipes.MR_CS_KINDS:
                if stored is None:
                    best = recipes.mr_cs_best(masks, y, x, cs, lams)
                    res[f"CS-{cs}"] = score(best["x"], x)
                    chosen[cs] = sorted({f"{lam:.2g}" for lam in best["lam"]})
                    curves[cs] = best["curve"]
                else:   # the PSNR and SSIM the run computed before rounding its images to 8 bits
                    e = stored[f"{acc}/{kind}/{cs}"]
                    res[f"CS-{cs}"] = (statistics.mean(e["psnr"]), statistics.mean(e["ssim"]))
                    chosen[cs] = sorted({f"{lam:.2g}" for lam in e["lam"]})
                    curves[cs] = torch.as_tensor(e["curve"])
            for label, (_, net) in nets.items():
                res[label] = score(run_net(net, masks, y), x)
            for m, (p, _) in res.items():
                means[(kind, m)] = p
            rows.append([f"{kind} ({len(x)})"] + [f"{p:.2f} / {s:.3f}" for p, s in res.values()])
            print(f"   {kind}: λ chosen TV {', '.join(chosen['tv'])}; wavelet {', '.join(chosen['wavelet'])} "
                  f"(search {time.perf_counter() - t0:.0f} s)")
            # the oracle's worth: one λ for the whole set (the best single grid value) instead of one per image
            one = curves["tv"].mean(0)
            print(f"   {kind}: CS-tv with one λ for the set ({lams[int(one.argmax())]:.2g}): {float(one.max()):.2f} dB, "
                  f"{float(one.max()) - res['CS-tv'][0]:+.2f} against a λ per image")
        table(["set"] + list(res), rows)
        if "cascade" in nets and "U-Net" in nets:
            p = {m: means[("person", m)] for m in res}
            cs = max(p["CS-tv"], p["CS-wavelet"])
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

    shift = [n for n in ("mri_unet_6x_template", "mri_unet_6x", "mri_cascade_6x_template", "mri_cascade_6x")
             if n in il.pretrained.available()]
    if any(n.endswith("_template") for n in shift):
        print("\n== distribution shift at 6x: networks trained on the MNI template's axial slices alone (no augmentation) "
              "vs the shipped ones (mean PSNR dB)")
        rows = []
        for name in ["zero-filled"] + shift:
            sc = recipes.mr_scores(None if name == "zero-filled" else il.pretrained.load(name), 6)
            rows.append([name] + [f"{sc[f'psnr_{k}']:.2f}" for k in recipes.MR_TEST_SETS])
        table(["network"] + list(recipes.MR_TEST_SETS), rows)

    if "thick_slice_sr" in il.pretrained.available():
        print("\n== thick-slice super-resolution (mean PSNR dB by slice thickness k)")
        thick = il.pretrained.load("thick_slice_sr")
        scores = {m: recipes.thick_scores(m) for m in ("linear", "cubic", "cubic-0.75")}
        scores["network"] = recipes.thick_scores(thick)
        rows = []
        for kind in recipes.MR_TEST_SETS:
            for m, sc in scores.items():
                rows.append([kind, m] + [f"{sc['per_k'][kind][k]:.2f}" for k in range(2, 7)])
        table(["set", "method"] + [f"k={k}" for k in range(2, 7)], rows)
        for kind in recipes.MR_TEST_SETS:
            best = max(scores["cubic"]["per_k"][kind][4], scores["cubic-0.75"]["per_k"][kind][4])
            print(f"   {kind}, k = 4: network - best cubic {scores['network']['per_k'][kind][4] - best:+.2f} dB "
                  f"(target >= +1)")

    print("\n== CPU time per 128² reconstruction, 1 thread, median (ms; budget 200)")
    x, masks, y = recipes.mr_test_set("person", 6)
    A, y1 = op.MRI(masks[0]), y[:1]
    rows = [["zero-filled", f"{median_ms(lambda: A.adjoint(y1)):.1f}", ""]]
    for acc in recipes.MR_ACCELERATIONS:
        for label, (name, net) in shipped(acc).items():
            with torch.no_grad():
                ms = median_ms(lambda: net(y1, A))
            rows.append([name, f"{ms:.1f}", "yes" if ms <= 200 else "NO"])
    if "thick_slice_sr" in il.pretrained.available():
        yk, _ = recipes.thick_test_set("person", 4)
        with torch.no_grad():
            ms = median_ms(lambda: thick(yk, 4))
        rows.append(["thick_slice_sr (k = 4)", f"{ms:.1f}", "yes" if ms <= 200 else "NO"])
    table(["method", "ms", "within 200 ms"], rows)

    print("\n== shipped networks (manifest)")
    rows = []
    names = [name for acc in recipes.MR_ACCELERATIONS for _, (name, _) in shipped(acc).items()]
    names += [n for n in ("mri_unet_6x_template", "mri_cascade_6x_template", "thick_slice_sr")
              if n in il.pretrained.available()]
    for name in names:
        e = il.pretrained.info(name)
        rows.append([name, e["class"], f"{e['parameters']:,}", f"{e['train_seconds'] / 60:.1f}", str(e["steps"]),
                     f"{e['metric']} = {e['metrics'][e['metric']]:.2f}", f"{e['bytes'] / 1e6:.2f}"])
    table(["network", "class", "parameters", "train min", "steps", "held-out metric", "MB"], rows)


if __name__ == "__main__":
    main()
