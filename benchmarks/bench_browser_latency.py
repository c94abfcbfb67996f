"""Slider -> new picture latency in a real browser (JupyterLab and Voilà in headless Debian Chromium).

Run: ``python benchmarks/bench_browser_latency.py [NOTEBOOK] [--presses 30] [--slider 0]``
(default notebook: the harness fixture ``tests/browser/fixtures/slider_demo.ipynb``), or for
every lecture, in JupyterLab and in the presentation mode (app view, Voilà)::

    python benchmarks/bench_browser_latency.py --lectures [--views lab,app] [--only 01,04b] [--presses 10]
        [--idle-before 90]   # wait after Run All, as a lecturer who opened the lecture before class


``--lectures``: for each ``lectures/*.ipynb`` and each view, every slider of one panel of each
type (the class the cell builds; panels with a plain button -- training panels, whose sliders
set the next run -- are left out) is pressed ``--presses`` times, each press timed to the first
new picture *of that panel*. A slider is "network" when its panel's class takes a network (a
constructor parameter named denoiser/model/net/generator/...), else "closed-form"; a slider
whose median exceeds 1 s starts a computation on each change by design (an iterative run that is
then scrubbed, a TV search that is then cached) and is listed as "run on change", outside the
live medians; such a slider is pressed again back over the values just shown ("revisited":
what a lecturer sees when going back and forth). Prints one row per slider and a per-lecture
summary (median over all presses of the live sliders of each kind, against the goals: 60 ms
closed-form, 250 ms network).

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


def measure_series(page, handle, target, presses, pause, warmup, timeout, start="ArrowRight"):
    """``presses`` timed single-step presses (after ``warmup`` untimed ones), one every
    ``pause`` s (at least the settle time), starting towards ``start``; the direction reverses at
    the ends of the range."""
    direction = start
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


# --------------------------------------------------------------------------- all lectures

GOAL_MS = {"closed-form": 60.0, "network": 250.0}
RUN_MS = 1000.0  # a slider slower than this (median) starts a computation on each change
NETWORK_PARAMS = {"denoiser", "model", "net", "network", "networks", "nets", "methods", "generator", "reconstructor"}


def panel_kind(class_name: str) -> str:
    """"network" if the panel class (found in ``invlab.widgets``) takes a network, else "closed-form"."""
    import importlib
    import inspect
    import pkgutil

    import invlab.widgets as widgets

    for info in pkgutil.iter_modules(widgets.__path__):
        try:
            module = importlib.import_module(f"invlab.widgets.{info.name}")
        except Exception:  # a module being written elsewhere: skip it
            continue
        cls = getattr(module, class_name, None)
        if inspect.isclass(cls):
            params = set(inspect.signature(cls.__init__).parameters)
            return "network" if params & NETWORK_PARAMS else "closed-form"
    return "closed-form"


def bench_page_panels(page, cells, presses, pause, warmup, timeout, only_types=None):
    """Rows ``{type, kind, slider, values}`` for every slider of one panel of each type on the page."""
    rows, seen = [], set()
    for panel in h.mark_panels(page):
        source = "".join(cells[panel["cell"]]["source"]) if 0 <= panel["cell"] < len(cells) else ""
        kind_name = h.panel_type(source) or f"cell {panel['cell']}"
        if kind_name in seen or panel["buttons"] or (only_types and kind_name not in only_types):
            continue
        seen.add(kind_name)
        kind = panel_kind(kind_name)
        handles = page.locator(h.panel_selector(panel["panel"])).locator(h.SLIDER_HANDLE)
        for j in range(handles.count()):
            handle = handles.nth(j)
            handle.scroll_into_view_if_needed()
            label = panel["labels"][j] if j < len(panel["labels"]) else f"slider {j}"
            try:
                res, missed = measure_series(page, handle, f"panel:{panel['panel']}", presses, pause, warmup, timeout)
            except RuntimeError as e:  # does not move with the keys
                print(f"  {kind_name} / {label}: {e}")
                continue
            values = [r["first"] for r in res]
            rows.append({"type": kind_name, "kind": kind, "slider": label or f"slider {j}", "values": values,
                         "missed": missed})
            med = statistics.median(values) if values else float("nan")
            print(f"  {kind_name:22s} {label or j!s:14s} {kind:11s} median {med:7.1f} ms  ({len(values)} presses, "
                  f"{missed} missed)", flush=True)
            if med > RUN_MS and presses > 1:
                # a computation per new value (then cached): press back over the values just shown
                res2, missed2 = measure_series(page, handle, f"panel:{panel['panel']}", presses, pause, 0, timeout,
                                               start="ArrowLeft")
                values2 = [r["first"] for r in res2]
                rows.append({"type": kind_name, "kind": kind, "slider": f"{label or j} (revisited)",
                             "values": values2, "missed": missed2})
                med2 = statistics.median(values2) if values2 else float("nan")
                print(f"  {kind_name:22s} {(label or str(j)) + ' (revisited)'} {kind:11s} median {med2:7.1f} ms",
                      flush=True)
    return rows


def select_lectures(paths, only: str = ""):
    """The notebooks of ``paths`` named by ``only``: comma-separated lecture numbers (``04``: 04a and 04b),
    part numbers (the stem up to its first ``_``: ``04b``) or whole stems; all of them when ``only`` is empty."""
    wanted = {w.strip() for w in only.split(",") if w.strip()}
    if not wanted:
        return list(paths)
    return [p for p in paths if {Path(p).stem[:2], Path(p).stem.split("_")[0], Path(p).stem} & wanted]


def run_lectures(args) -> int:
    from playwright.sync_api import sync_playwright

    from invlab import present

    lectures = select_lectures(sorted((REPO / "lectures").glob("*.ipynb")), args.only)
    if not lectures:
        print(f"--only {args.only!r} matches no notebook in lectures/")
        return 1
    views = [v.strip() for v in args.views.split(",") if v.strip()]
    results = []  # (lecture, view, row)
    timing = {}
    t_start = time.monotonic()
    with sync_playwright() as p:
        browser = h.launch_browser(p)
        try:
            if "lab" in views:
                with h.JupyterLab(log_path=h.ARTIFACTS_DIR / "bench-jupyter-lab.log") as lab:
                    for nb in lectures:
                        rel = str(nb.relative_to(REPO))
                        print(f"{nb.stem} (JupyterLab)", flush=True)
                        page = h.new_page(browser)
                        h.open_notebook(page, lab.base_url, rel, token=lab.token)
                        t0 = time.monotonic()
                        h.run_all(page, timeout=300)
                        timing[(nb.stem, "lab")] = time.monotonic() - t0
                        if h.notebook_errors(page):
                            print(f"{rel}: error outputs:\n" + "\n".join(h.notebook_errors(page)))
                            return 1
                        page.wait_for_selector(h.OUTPUT_IMAGES, state="attached", timeout=30_000)
                        time.sleep(args.idle_before)
                        cells = json.loads(nb.read_text())["cells"]
                        for row in bench_page_panels(page, cells, args.presses, args.pause, args.warmup, args.timeout):
                            results.append((nb.stem, "lab", row))
                        page.context.close()
                        lab.shutdown_sessions()
            if "app" in views:
                with h.Voila(log_path=h.ARTIFACTS_DIR / "bench-voila.log") as server:
                    for nb in lectures:
                        print(f"{nb.stem} (app view, Voilà)", flush=True)
                        page = h.new_page(browser, viewport={"width": 1280, "height": 900})
                        timing[(nb.stem, "app")] = h.open_voila(page, server.url(nb.name), timeout=300)
                        if h.notebook_errors(page):
                            print(f"{nb.name} (app): error outputs:\n" + "\n".join(h.notebook_errors(page)))
                            return 1
                        page.wait_for_selector(h.OUTPUT_IMAGES, state="attached", timeout=30_000)
                        time.sleep(2)
                        app = present.app_notebook(nb)
                        cells = [{"source": c.source} for c in app.cells]
                        for row in bench_page_panels(page, cells, args.presses, args.pause, args.warmup, args.timeout):
                            results.append((nb.stem, "app", row))
                        h.close_voila_page(page, server)
                        page.context.close()
            version = browser.version
        finally:
            browser.close()

    print()
    print(f"Chromium {version} headless, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{args.presses} presses per slider, {args.pause} s apart, after {args.warmup} warm-up presses; "
          f"time from the key press to the panel's new picture on screen")
    rows = []
    for lecture, view, r in results:
        v = r["values"]
        med = statistics.median(v) if v else float("nan")
        cls = "run on change" if med > RUN_MS else r["kind"]
        r["class"] = cls
        rows.append([lecture.split("_")[0], view, r["type"], r["slider"], cls, len(v),
                     f"{med:.0f}", f"{percentile(v, 90):.0f}" if v else "-", r["missed"]])
    table(["lecture", "view", "panel", "slider", "kind", "n", "median ms", "p90 ms", "missed"], rows)
    print()
    summary = []
    for lecture in sorted({l for l, _, _ in results}):
        for view in views:
            sel = [r for l, vw, r in results if l == lecture and vw == view]
            if not sel:
                continue
            line = [lecture, view, f"{timing.get((lecture, view), float('nan')):.0f}"]
            for kind in ("closed-form", "network"):
                vals = [x for r in sel if r["class"] == kind for x in r["values"]]
                if vals:
                    med = statistics.median(vals)
                    ok = "ok" if med <= GOAL_MS[kind] else "OVER"
                    line.append(f"{med:.0f} ms ({len(vals)}; goal {GOAL_MS[kind]:.0f}: {ok})")
                else:
                    line.append("-")
            runs = [f"{r['type']}/{r['slider']} {statistics.median(r['values']):.0f} ms" for r in sel
                    if r["class"] == "run on change"]
            line.append("; ".join(runs) or "-")
            summary.append(line)
    table(["lecture", "view", "ready s", "closed-form median", "network median", "run on change (median)"], summary)
    print(f"(total {time.monotonic() - t_start:.0f} s; 'ready s': Run All in JupyterLab, page shown in Voilà)")
    if args.json:
        args.json.write_text(json.dumps({"results": [[l, v, r] for l, v, r in results],
                                         "timing": {f"{k[0]}/{k[1]}": t for k, t in timing.items()}}, indent=1))
    return 0


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
    ap.add_argument("--lectures", action="store_true",
                    help="every lecture, every slider of one panel of each type, per view (see the docstring)")
    ap.add_argument("--views", default="lab,app", help="with --lectures: lab, app or both (default: %(default)s)")
    ap.add_argument("--only", default="", help="with --lectures: lecture numbers or stems, e.g. 01,02,04b")
    ap.add_argument("--idle-before", type=float, default=2.0,
                    help="with --lectures: seconds between Run All and the first press in JupyterLab (a lecturer "
                         "who opened the lecture before class: the slow panels prefetch meanwhile; default %(default)s)")
    args = ap.parse_args(argv)

    reason = h.browser_unavailable_reason()
    if reason:
        print(f"bench_browser_latency: skipped: {reason}")
        return 0
    if args.lectures:
        if args.presses == 30 and "--presses" not in (argv if argv is not None else sys.argv):
            args.presses = 10
        return run_lectures(args)
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
