"""Screenshot every panel of a lecture in a real browser, at both ends of every control.

Not a test (pytest does not collect it): a tool for looking. For each notebook it opens
JupyterLab in headless Chromium, runs all cells, then for every output that holds a widget
panel or a figure:

- screenshots it as rendered (``<nb>_p<i>_start.png``), at 1400 and at 1280 px wide;
- for every slider in it: focuses the handle, presses Home, waits for the picture, screenshots
  (``..._<slider>_min.png``), then End (``..._max.png``), then puts the slider back;
- for every drop-down: selects each option in turn and screenshots it; the same for every group of
  toggle buttons (each button in turn);
- after every move, runs the caption check of the browser tests (captions must not overlap a
  picture or clip their text) and writes what it found to ``layout_report.txt``.

Usage::

    .venv/bin/python tests/browser/screenshot_panels.py [lectures/00_welcome.ipynb ...] [--out artifacts/issue6]
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("invlab_browser_helpers", HERE / "helpers.py")
h = importlib.util.module_from_spec(spec)
sys.modules["invlab_browser_helpers"] = h
spec.loader.exec_module(h)

PANEL = ".jp-OutputArea-output"
NARROW = {"width": 1280, "height": 800}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:24] or "slider"


def _wait_pictures(page, before, timeout=6.0):
    try:
        h.wait_for_image_change(page, before, timeout=timeout)
    except Exception:
        pass
    time.sleep(0.6)  # let the remaining pictures of the panel arrive


def _panels(page):
    """Indices of output areas worth a look: widget panels, figures and tables."""
    return page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).map((el, i) =>
              (el.querySelector('.widget-slider, .widget-dropdown, img, table') ? i : -1)).filter(i => i >= 0)""",
        PANEL)


def shoot_notebook(page, lab, notebook, out: Path, report: list[str]) -> None:
    stem = Path(notebook).stem[:2]
    h.open_notebook(page, lab.base_url, notebook, token=lab.token)
    h.run_all(page, timeout=240)
    errors = h.notebook_errors(page)
    report.append(f"{notebook}: run all, {len(errors)} error output(s)")
    report.extend("  ERROR " + e[:300] for e in errors)
    time.sleep(3)
    panels = _panels(page)
    for n, i in enumerate(panels):
        area = page.locator(PANEL).nth(i)
        area.scroll_into_view_if_needed()
        name = f"nb{stem}_p{n:02d}"
        for vp, tag in ((h.VIEWPORT, "start"), (NARROW, "start_1280")):
            page.set_viewport_size(vp)
            time.sleep(0.5)
            area.scroll_into_view_if_needed()
            area.screenshot(path=str(out / f"{name}_{tag}.png"))
            report.extend(f"  {name} {tag}: {p}" for p in h.caption_problems(page))
        page.set_viewport_size(h.VIEWPORT)
        time.sleep(0.3)
        handles = area.locator(h.SLIDER_HANDLE)
        for j in range(handles.count()):
            handle = handles.nth(j)
            label = handle.evaluate(
                "(el) => el.closest('.widget-slider')?.querySelector('.widget-label')?.textContent || ''")
            start = h.handle_value(handle)
            for key, end in (("Home", "min"), ("End", "max")):
                before = h.output_image_srcs(page)
                handle.focus()
                page.keyboard.press(key)
                _wait_pictures(page, before)
                area.scroll_into_view_if_needed()
                shot = out / f"{name}_{_slug(label)}_{end}.png"
                area.screenshot(path=str(shot))
                problems = h.caption_problems(page)
                report.append(f"  {shot.name}: {label} = {h.handle_value(handle)}"
                              + ("" if not problems else "  CAPTION PROBLEMS: " + " | ".join(problems)))
            report.append(f"    (slider {label!r} started at {start})")
        selects = area.locator(".widget-dropdown select")
        for j in range(selects.count()):
            sel = selects.nth(j)
            options = sel.evaluate("(el) => Array.from(el.options).map(o => o.textContent)")
            first = sel.evaluate("(el) => el.options[el.selectedIndex].textContent")
            for opt in options:
                before = h.output_image_srcs(page)
                sel.select_option(label=opt)
                _wait_pictures(page, before, timeout=8)
                area.scroll_into_view_if_needed()
                shot = out / f"{name}_select_{_slug(opt)}.png"
                area.screenshot(path=str(shot))
                problems = h.caption_problems(page)
                report.append(f"  {shot.name}" + ("" if not problems else "  CAPTION PROBLEMS: " + " | ".join(problems)))
            sel.select_option(label=first)
            _wait_pictures(page, h.output_image_srcs(page), timeout=3)
        groups = area.locator(".widget-toggle-buttons")
        for j in range(groups.count()):
            buttons = groups.nth(j).locator("button")
            labels = [buttons.nth(k).inner_text() for k in range(buttons.count())]
            first = next((k for k in range(buttons.count())
                          if "mod-active" in (buttons.nth(k).get_attribute("class") or "")), 0)
            for k, text in enumerate(labels):
                before = h.output_image_srcs(page)
                buttons.nth(k).click()
                _wait_pictures(page, before, timeout=10)
                area.scroll_into_view_if_needed()
                shot = out / f"{name}_toggle{j}_{_slug(text)}.png"
                area.screenshot(path=str(shot))
                problems = h.caption_problems(page)
                report.append(f"  {shot.name}" + ("" if not problems else "  CAPTION PROBLEMS: " + " | ".join(problems)))
            buttons.nth(first).click()
            _wait_pictures(page, h.output_image_srcs(page), timeout=3)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="*", default=["lectures/00_welcome.ipynb", "lectures/01_inverse_problems.ipynb"])
    ap.add_argument("--out", default=str(h.REPO_ROOT / "artifacts" / "issue6"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reason = h.browser_unavailable_reason()
    if reason:
        print("cannot run:", reason)
        return 1
    from playwright.sync_api import sync_playwright

    report: list[str] = []
    with h.JupyterLab(log_path=out / "jupyter-lab.log") as lab, sync_playwright() as p:
        browser = h.launch_browser(p)
        try:
            for nb in args.notebooks:
                page = h.new_page(browser)
                try:
                    shoot_notebook(page, lab, nb, out, report)
                finally:
                    page.context.close()
                    lab.shutdown_sessions()
        finally:
            browser.close()
    (out / "layout_report.txt").write_text("\n".join(report) + "\n")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
