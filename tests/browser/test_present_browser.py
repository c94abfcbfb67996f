"""Real-browser tests of the presentation mode: every lecture as an app (Voilà, code hidden).

One Voilà server (``voila_app`` in conftest.py) serves the app versions that
``invlab.present`` builds -- the same template and settings as ``make present``. For every
``lectures/*.ipynb`` (found at collection time): the page loads with no error output, shows no
code, no output of a check cell, no exercise heading and no progress bar, asks nothing of any host but the
server, no caption overlaps a picture at 1280 px wide, a slider moved with the keyboard changes
its panel's picture, and closing the page ends its kernel. Screenshots:
``artifacts/browser/app-<lecture>.png`` (the panel after its slider moved) and
``app-<lecture>-NN.png`` (the whole page, one screen at a time, as loaded).
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

from invlab import present

h = sys.modules["invlab_browser_helpers"]  # loaded by conftest.py

LECTURES = sorted(str(p.relative_to(h.REPO_ROOT)) for p in (h.REPO_ROOT / "lectures").glob("*.ipynb"))
if os.environ.get("INVLAB_BROWSER_NOTEBOOKS", "").strip():
    LECTURES = [nb.strip() for nb in os.environ["INVLAB_BROWSER_NOTEBOOKS"].split(",")
                if nb.strip().startswith("lectures/")]

LOAD_TIMEOUT = float(os.environ.get("INVLAB_BROWSER_RUN_TIMEOUT", 240))
CHANGE_TIMEOUT = 20.0
WIDGET_TIMEOUT = 30.0
NARROW = {"width": 1280, "height": 900}

pytestmark = pytest.mark.browser


def _stored_check_lines(notebook: str) -> list[str]:
    """Lines printed by the lecture's check cells that the app must not show (their stored
    outputs: ``# NBVAL_CHECK_OUTPUT`` cells keep theirs), at least 12 characters long."""
    nb = nbformat.read(str(h.REPO_ROOT / notebook), as_version=4)
    lines = []
    for cell in nb.cells:
        if not present.is_check_cell(cell) or present.TAG_OUTPUT in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) or "".join(out.get("data", {}).get("text/plain", ""))
            lines += [l.strip() for l in text.splitlines() if len(l.strip()) >= 12]
    return lines


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("notebook", LECTURES, ids=lambda nb: Path(nb).stem)
def test_lecture_app_view(app_page, voila_app, notebook):
    page = app_page
    name = Path(notebook).name
    load_s = h.open_voila(page, voila_app.url(name), timeout=LOAD_TIMEOUT)

    errors = h.notebook_errors(page)
    assert not errors, f"{name} (app view): error output(s):\n" + "\n-----\n".join(errors)
    page.wait_for_selector(h.SLIDER_HANDLE, state="attached", timeout=WIDGET_TIMEOUT * 1000)
    page.wait_for_selector(h.OUTPUT_IMAGES, state="attached", timeout=WIDGET_TIMEOUT * 1000)
    _settle(page)
    assert not h.notebook_errors(page), f"{name} (app view): widget error"

    # no code: Voilà strips every input; the only code visible is a listing the lecture asked for
    assert page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    text = _normalise(h.visible_text(page))
    shown_checks = [l for l in _stored_check_lines(notebook) if _normalise(l) in text]
    assert not shown_checks, f"{name} (app view) shows check output: {shown_checks[:5]}"
    headings = page.locator("h1, h2, h3, h4, h5, h6").all_inner_texts()
    assert not [t for t in headings if re.match(r"\s*Exercise\b", t)], headings
    for marker in ("NotImplementedError", "BEGIN SOLUTION", "NBVAL_"):
        assert marker not in text, f"{name} (app view) shows {marker!r}"
    # no progress bar: tqdm's notebook bar is an HBox with a progress widget and "n/N [time]" text
    bars = page.locator(".widget-hprogress, .widget-progress").count()
    assert bars == 0, f"{name} (app view) shows {bars} progress bar(s)"

    # offline: every request went to the Voilà server (or is inline data)
    foreign = sorted({u for u in page.invlab_requests
                      if not u.startswith((voila_app.base_url + "/", "data:", "blob:"))})
    assert not foreign, f"{name} (app view) asked other hosts for: {foreign}"

    problems = h.caption_problems(page)
    assert not problems, f"{name} (app view) at 1280 px: caption problems:\n" + "\n".join(problems[:20])
    h.voila_scroller_screenshots(page, f"app-{Path(notebook).stem}")

    moved = None
    for panel in h.mark_panels(page):
        if panel["buttons"]:
            continue  # an action panel: its sliders set the next run
        moved = h.move_panel_slider(page, panel["panel"], timeout=CHANGE_TIMEOUT)
        if moved is not None:
            page.locator(h.panel_selector(panel["panel"])).scroll_into_view_if_needed()
            time.sleep(0.3)
            h.screenshot(page, f"app-{Path(notebook).stem}.png")
            break
    assert moved is not None, f"{name} (app view): no slider changed a picture"
    assert not h.notebook_errors(page), f"{name} (app view): error output after moving a slider"
    print(f"{name} (app view): shown after {load_s:.1f} s; slider {moved['slider']!r} "
          f"{moved['value'][0]} -> {moved['value'][1]}, new picture after {moved['seconds'] * 1000:.0f} ms")

    assert h.close_voila_page(page, voila_app), f"{name}: Voilà kept the kernel after the page closed"


def test_app_view_reports_errors(app_page, voila_app):
    """A raising cell shows as an error in the app view: the error check above is not vacuous."""
    h.open_voila(app_page, voila_app.url("_error_probe.ipynb"), timeout=120)
    errors = h.notebook_errors(app_page)
    assert len(errors) == 1 and "deliberate failure" in errors[0], errors
    assert "never reached" not in h.visible_text(app_page)


def _settle(page, seconds: float = 1.5) -> None:
    """Wait until the number of rendered pictures stops changing (widgets render lazily)."""
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        n = len(h.output_image_srcs(page))
        if n != last:
            last, stable_since = n, time.monotonic()
        elif time.monotonic() - stable_since > seconds:
            return
        time.sleep(0.25)
