"""Slider -> new picture latency in a real browser (JupyterLab in headless Debian Chromium).

Run: ``python benchmarks/bench_browser_latency.py [NOTEBOOK] [--presses 30] [--slider 0]``
(default notebook: the harness fixture ``tests/browser/fixtures/slider_demo.ipynb``).

The notebook is opened in JupyterLab and run; then the slider (``--slider``: index among the
ipywidgets sliders) is moved one step at a time with the keyboard, ``--pause`` seconds apart.
Each press is timed in the page, from ``performance.now()`` in a capturing ``keydown`` listener
(just before the slider handles the key) to two animation frames after an output picture's
``src`` changed (MutationObserver), i.e. until the new picture has been painted. "first" is the
first picture that changed, "last" the last one within 0.4 s (panels that update one after the
other). The direction reverses at the ends of the slider's range.

Floor: if the notebook has a slider with CSS class ``invlab-floor-slider`` and a ``Label`` with
class ``invlab-floor-label`` (``widget.add_class(...)``) that the slider updates, the same is
measured for slider -> Label, the pure round trip through the kernel.

Also: how many pictures are shown for 10 presses sent as fast as possible.

Needs /usr/bin/chromium (``bash scripts/ensure_chromium.sh``) and playwright; without them it
prints why and exits 0. Numbers are noisy on a shared 2-core machine: compare runs of one call.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.path.dirname(__file__))
from _timing import table  # noqa: E402


def _load_helpers():
    name = "invlab_browser_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "browser" / "helpers.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


h = _load_helpers()

FLOOR_HANDLE = ".invlab-floor-slider .noUi-handle"
FLOOR_LABEL = ".invlab-floor-label"


def percentile(values, q):
    """Linear-interpolated percentile (q in [0, 100]) without numpy."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * q / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


SETTLE = 0.4  # seconds after the first update in which further updates (other panels) count


def measure_series(page, handle, target, presses, pause, warmup, timeout):
    """``presses`` timed single-step presses (after ``warmup`` untimed ones), one every
    ``pause`` s (at least the settle time); the direction reverses at the ends of the range."""
    direction = "ArrowRight"
    results, missed, i, stuck = [], 0, 0, 0
    while i < warmup + presses:
        t0 = time.monotonic()
        r = h.measure_press_latency(page, handle, direction, target=target, timeout=timeout,
                                    settle=SETTLE)
        if r is not None and not r["moved"]:
            direction = "ArrowLeft" if direction == "ArrowRight" else "ArrowRight"
            stuck += 1
            if stuck > 2:
                raise RuntimeError("the slider does not move with the arrow keys")
            continue
        stuck = 0
        if i >= warmup:
            if r is None:
                missed += 1
            else:
                results.append(r)
        i += 1
        time.sleep(max(0.0, pause - (time.monotonic() - t0)))
    return results, missed


def summarise(name, values, missed):
    if not values:
        return [name, 0, "-", "-", "-", "-", missed]
    return [name, len(values), f"{statistics.median(values):.1f}", f"{percentile(values, 90):.1f}",
            f"{min(values):.1f}", f"{max(values):.1f}", missed]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebook", nargs="?", default=h.FIXTURE_NOTEBOOK,
                    help="notebook path relative to the repository root (default: %(default)s)")
    ap.add_argument("--slider", type=int, default=0, help="index of the slider that drives the pictures")
    ap.add_argument("--presses", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--pause", type=float, default=0.6,
                    help="seconds from one press to the next (at least the 0.4 s settle time)")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds before a press counts as missed")
    ap.add_argument("--no-floor", action="store_true", help="skip the slider -> Label floor")
    ap.add_argument("--list-sliders", action="store_true", help="run the notebook, list its sliders, stop")
    ap.add_argument("--json", type=Path, help="also write the raw numbers here")
    ap.add_argument("--screenshot", default=None,
                    help="screenshot file under artifacts/browser/ (default: bench-<notebook>.png)")
    args = ap.parse_args(argv)

    reason = h.browser_unavailable_reason()
    if reason:
        print(f"bench_browser_latency: skipped: {reason}")
        return 0
    nb = args.notebook
    if Path(nb).is_absolute():
        nb = str(Path(nb).resolve().relative_to(REPO))
    if not (REPO / nb).exists():
        print(f"bench_browser_latency: {nb} not found")
        return 1

    from playwright.sync_api import sync_playwright

    t_start = time.monotonic()
    with h.JupyterLab(log_path=h.ARTIFACTS_DIR / "bench-jupyter-lab.log") as lab, sync_playwright() as p:
        browser = h.launch_browser(p)
        try:
            page = h.new_page(browser)
            h.open_notebook(page, lab.base_url, nb, token=lab.token)
            t_run = time.monotonic()
            h.run_all(page, timeout=180)
            run_s = time.monotonic() - t_run
            errors = h.notebook_errors(page)
            if errors:
                print(f"bench_browser_latency: {nb} has error outputs:\n" + "\n-----\n".join(errors))
                return 1
            page.wait_for_selector(h.OUTPUT_IMAGES, state="attached", timeout=15_000)
            handles = h.slider_handles(page)
            if args.list_sliders:
                for i, d in enumerate(h.slider_descriptions(page)):
                    print(f"--slider {i}: {d}")
                return 0
            if handles.count() <= args.slider:
                print(f"bench_browser_latency: {nb} has {handles.count()} sliders, --slider {args.slider} not there")
                return 1
            handle = handles.nth(args.slider)
            handle.scroll_into_view_if_needed()
            slider_name = h.slider_descriptions(page)[args.slider]
            n_pictures = len(h.output_image_srcs(page))

            raw = {}
            rows = []
            res, missed = measure_series(page, handle, "image", args.presses, args.pause,
                                         args.warmup, args.timeout)
            raw["picture"] = {"results": res, "missed": missed}
            rows.append(summarise("slider -> picture (first)", [r["first"] for r in res], missed))
            if any(r["updates"] > 1 for r in res):
                rows.append(summarise("slider -> picture (last)", [r["last"] for r in res], missed))
            h.screenshot(page, args.screenshot or f"bench-{h.safe_name(nb)}.png")

            floor = page.locator(FLOOR_HANDLE)
            if not args.no_floor and floor.count() and page.locator(FLOOR_LABEL).count():
                floor.first.scroll_into_view_if_needed()
                fres, fmissed = measure_series(page, floor.first, FLOOR_LABEL, args.presses,
                                               args.pause, args.warmup, args.timeout)
                raw["floor"] = {"results": fres, "missed": fmissed}
                rows.append(summarise("floor: slider -> Label", [r["first"] for r in fres], fmissed))

            handle.scroll_into_view_if_needed()
            # 10 fast presses towards the side with room for them (the series ended somewhere)
            key = h.step_handle(page, handle, "ArrowLeft") or "ArrowLeft"
            time.sleep(args.pause)
            burst = h.count_updates_in_burst(page, handle, key, n=10, target="image")
            raw["burst_10"] = burst
            version = browser.version
        finally:
            browser.close()

    print(f"notebook {nb}: Run All {run_s:.1f} s, {n_pictures} output pictures, "
          f"slider #{args.slider} ({slider_name.split(' = ')[0]})")
    print(f"Chromium {version} headless, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{args.presses} presses, {args.pause} s apart, after {args.warmup} warm-up presses")
    table(["measurement", "n", "median ms", "p90 ms", "min ms", "max ms", "missed"], rows)
    print(f"pictures shown for 10 fast presses: {burst}")
    print(f"(total {time.monotonic() - t_start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({"notebook": nb, "run_all_s": run_s, "rows": rows, "raw": raw}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
