"""The app view (``make present``): seconds from opening the page to an interactive lecture.

For each lecture, Voilà serves its app version alone (as ``python -m invlab.present NN`` does),
once cold (the lecture runs when the page opens) and once with ``--preheat`` (Voilà runs it in a
pooled kernel before the first visitor arrives; the benchmark waits for that, as a lecturer who
starts the server before class would). Time to interactive = page requested -> every cell shown,
a slider handle and the panels' pictures in the page (the same waits as the browser tests); then
one slider step must change a picture (the kernel answers), and its time is reported too.

    .venv/bin/python benchmarks/bench_app_view.py                 # every lecture (~15 min on 2 cores)
    .venv/bin/python benchmarks/bench_app_view.py 03b 02          # some
"""
import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("invlab_browser_helpers", REPO / "tests" / "browser" / "helpers.py")
h = importlib.util.module_from_spec(spec)
sys.modules["invlab_browser_helpers"] = h
spec.loader.exec_module(h)

from _timing import table  # noqa: E402


def time_to_interactive(server, name: str, browser) -> float:
    page = h.new_page(browser, viewport={"width": 1280, "height": 900})
    try:
        t0 = time.monotonic()
        h.open_voila(page, server.url(name), timeout=300)
        page.wait_for_selector(h.OUTPUT_IMAGES, state="attached", timeout=120_000)
        if page.locator(h.SLIDER_HANDLE).count() or "00_" not in name:
            page.wait_for_selector(h.SLIDER_HANDLE, state="attached", timeout=120_000)
        seconds = time.monotonic() - t0
        assert not h.notebook_errors(page), f"{name}: error output"
        # interactive means the kernel answers: a slider step must change a picture
        moved = None
        for panel in h.mark_panels(page):
            if panel["buttons"]:
                continue
            moved = h.move_panel_slider(page, panel["panel"], timeout=60)
            if moved is not None:
                break
        assert moved is not None, f"{name}: no slider changed a picture"
        return seconds, moved["seconds"]
    finally:
        h.close_voila_page(page, server)


def measure(path: Path, browser, preheat: bool, warmup: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(path, Path(tmp) / path.name)
        server = h.Voila(source=tmp, preheat=preheat, log_path=REPO / "artifacts" / f"voila-bench-{path.stem}.log")
        server.start()
        try:
            if preheat:
                time.sleep(warmup)            # the pooled kernel runs the lecture meanwhile
            return time_to_interactive(server, path.name, browser)
        finally:
            server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lectures", nargs="*", help="prefixes such as 01 or 03b (default: all)")
    args = ap.parse_args()
    paths = sorted((REPO / "lectures").glob("*.ipynb"))
    if args.lectures:
        paths = [p for p in paths if any(p.name.startswith(a) for a in args.lectures)]
    from playwright.sync_api import sync_playwright
    rows = []
    with sync_playwright() as pw:
        browser = h.launch_browser(pw)
        for p in paths:
            cold, cold_move = measure(p, browser, preheat=False, warmup=0)
            hot, hot_move = measure(p, browser, preheat=True, warmup=cold + 15)
            rows.append([p.stem, f"{cold:.1f}", f"{hot:.1f}", "yes" if hot <= 10 else "NO",
                         f"{cold_move * 1e3:.0f} / {hot_move * 1e3:.0f}"])
            print(f"{p.stem}: cold {cold:.1f} s, preheated {hot:.1f} s", flush=True)
        browser.close()
    table(["lecture", "cold start (s)", "preheated (s)", "preheated <= 10 s", "first slider step, ms (cold / preheated)"],
          rows)


if __name__ == "__main__":
    main()
