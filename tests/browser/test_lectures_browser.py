"""Real-browser tests: every lecture notebook runs in JupyterLab (headless Chromium) and one
slider of every panel type changes that panel's picture.

The notebooks are ``lectures/*.ipynb`` (found when the tests are collected, so a new lecture
is covered without editing this file) and the harness fixture. For each: Run All, no error
output, no caption overlapping a picture (1400 and 1280 px wide), then for every *type* of panel
(the class the cell builds, e.g. ``TikhonovPanel``; a panel is an output with a slider and a
picture) one slider moved with the keyboard must change a picture of that panel. Panels with a
plain button (training panels: their sliders set the next run) only need to take the key
presses without an error. Run with::

    .venv/bin/python -m pytest tests/browser -q -m browser
    INVLAB_BROWSER_NOTEBOOKS=lectures/00_welcome.ipynb .venv/bin/python -m pytest tests/browser -m browser

Screenshots: ``artifacts/browser/<notebook>.png`` (after the sliders moved) and
``<notebook>-<panel type>.png`` (each panel after its slider moved).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest


h = sys.modules["invlab_browser_helpers"]  # loaded by conftest.py (which pytest imports first)

LECTURES = sorted(str(p.relative_to(h.REPO_ROOT)) for p in (h.REPO_ROOT / "lectures").glob("*.ipynb"))
# the harness itself (independent of lecture content), then every lecture
NOTEBOOKS = [h.FIXTURE_NOTEBOOK] + LECTURES
# INVLAB_BROWSER_NOTEBOOKS="a.ipynb,b.ipynb" (paths relative to the repo) replaces the list.
if os.environ.get("INVLAB_BROWSER_NOTEBOOKS", "").strip():
    NOTEBOOKS = [nb.strip() for nb in os.environ["INVLAB_BROWSER_NOTEBOOKS"].split(",") if nb.strip()]

RUN_TIMEOUT = float(os.environ.get("INVLAB_BROWSER_RUN_TIMEOUT", 240))  # s for Run All (lecture 01: ~90 s under load)
CHANGE_TIMEOUT = 20.0    # seconds for a panel's picture to change after its first slider moved
RETRY_TIMEOUT = 5.0      # ... after each further slider of the same panel
WIDGET_TIMEOUT = 20.0    # seconds for widgets to render after Run All

pytestmark = pytest.mark.browser


def notebook_cells(notebook: str) -> list[dict]:
    return json.loads((h.REPO_ROOT / notebook).read_text())["cells"]


def panel_types(page, cells: list[dict]) -> list[tuple[str, dict]]:
    """``(type, panel)`` for every panel on the page, the type named after the class its cell builds."""
    out = []
    for panel in h.mark_panels(page):
        source = "".join(cells[panel["cell"]]["source"]) if 0 <= panel["cell"] < len(cells) else ""
        out.append((h.panel_type(source) or f"cell {panel['cell']}", panel))
    return out


def exercise_panel_types(page, cells: list[dict], notebook: str, shot_prefix: str) -> list[str]:
    """Move one slider per panel type; returns the problems found (empty: all good)."""
    problems, seen = [], set()
    for kind, panel in panel_types(page, cells):
        if kind in seen:
            continue
        seen.add(kind)
        moved = h.move_panel_slider(page, panel["panel"], timeout=CHANGE_TIMEOUT, retry_timeout=RETRY_TIMEOUT)
        area = page.locator(h.panel_selector(panel["panel"]))
        area.scroll_into_view_if_needed()
        time.sleep(0.3)
        area.screenshot(path=str(h.ARTIFACTS_DIR / f"{shot_prefix}-{h.safe_name(kind)}.png"))
        if moved is not None:
            print(f"{notebook}: {kind}: slider {moved['slider']!r} {moved['value'][0]} -> {moved['value'][1]}, "
                  f"new picture after {moved['seconds'] * 1000:.0f} ms")
        elif panel["buttons"]:
            print(f"{notebook}: {kind}: an action panel (button); its sliders set the next run")
        else:
            problems.append(f"{kind} (cell {panel['cell']}): none of its sliders {panel['labels']} changed "
                            f"a picture of the panel (first slider: {CHANGE_TIMEOUT:.0f} s, others: {RETRY_TIMEOUT:.0f} s)")
    if not seen:
        problems.append("no panel (an output with a slider and a picture) found")
    return problems


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda nb: Path(nb).stem)
def test_notebook_runs_and_every_panel_type_reacts(page, jupyter_lab, notebook):
    if not (h.REPO_ROOT / notebook).exists():
        pytest.skip(f"{notebook} does not exist")

    h.open_notebook(page, jupyter_lab.base_url, notebook, token=jupyter_lab.token)
    t_run = time.monotonic()
    h.run_all(page, timeout=RUN_TIMEOUT)
    run_s = time.monotonic() - t_run

    errors = h.notebook_errors(page)
    assert not errors, f"{notebook}: error output(s):\n" + "\n-----\n".join(errors)
    assert not h.unexecuted_cells(page), (
        f"{notebook}: cells not executed: {h.unexecuted_cells(page)} prompts={h.cell_prompts(page)}")
    if notebook == h.FIXTURE_NOTEBOOK:
        _check_kernel_and_stderr(page)

    # widgets render asynchronously after their cell finished
    for selector, what in ((h.SLIDER_HANDLE, "ipywidgets slider"), (h.OUTPUT_IMAGES, "output picture")):
        try:
            page.wait_for_selector(selector, state="attached", timeout=WIDGET_TIMEOUT * 1000)
        except Exception:  # playwright TimeoutError
            pytest.fail(f"{notebook}: no {what} rendered within {WIDGET_TIMEOUT} s")
    _check_captions(page, notebook)

    problems = exercise_panel_types(page, notebook_cells(notebook), notebook, h.safe_name(notebook))
    page.evaluate("() => document.querySelector('.jp-WindowedPanel-outer')?.scrollTo(0, 0)")
    h.screenshot(page, f"{h.safe_name(notebook)}.png")
    assert not problems, f"{notebook}:\n" + "\n".join(problems)
    assert not h.notebook_errors(page), f"{notebook}: error output after moving the sliders"
    _check_captions(page, notebook)

    # autosave is off: the browser must not have written the repository's notebook
    assert not page.invlab_file_writes, f"JupyterLab wrote files: {page.invlab_file_writes}"
    print(f"{notebook}: Run All {run_s:.1f} s")


def test_harness_reports_errors(page, jupyter_lab):
    """A raising cell is reported, a tqdm bar on stderr is not: the error check is not vacuous."""
    rel = "artifacts/browser/_harness_error_probe.ipynb"
    path = h.REPO_ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [
        "import sys\nfrom tqdm import tqdm\nfor _ in tqdm(range(2), file=sys.stderr): pass",
        "raise ValueError('deliberate failure for the harness test')",
        "print('never reached')",
    ]
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                   "source": src} for src in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }))
    h.open_notebook(page, jupyter_lab.base_url, rel, token=jupyter_lab.token)
    h.run_all(page, timeout=RUN_TIMEOUT)
    errors = h.notebook_errors(page)
    assert len(errors) == 1 and "deliberate failure" in errors[0], errors
    # (whether the cell after the error runs depends on timing in ipykernel's stop-on-error
    # handling, so it is not checked)
    assert h.running_cell(page) is None, h.cell_prompts(page)


def _check_kernel_and_stderr(page):
    """The fixture's first cell prints the kernel's interpreter: it must be this one (the venv),
    with invlab importable; its tqdm bar on stderr must not count as an error."""
    lines = [t for t in h.output_texts(page) if t.startswith("INVLAB_KERNEL_OK")]
    assert lines, f"no INVLAB_KERNEL_OK line; outputs: {h.output_texts(page)}"
    _, kernel_python, _version = lines[0].split()
    assert kernel_python == sys.executable, (kernel_python, sys.executable)
    assert page.locator(h.STDERR_OUTPUT).count() >= 1, "expected the tqdm bar on stderr"


NARROW = {"width": 1280, "height": 800}


def _settle(page, seconds: float = 2.0) -> None:
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


def _check_captions(page, notebook):
    """No caption overlaps a picture or clips its text, at 1400 px and at 1280 px wide."""
    _settle(page)
    for viewport in (h.VIEWPORT, NARROW):
        page.set_viewport_size(viewport)
        time.sleep(0.5)
        problems = h.caption_problems(page)
        assert not problems, (f"{notebook} at {viewport['width']}x{viewport['height']}: "
                              f"{len(problems)} caption problem(s):\n" + "\n".join(problems[:20]))
    page.set_viewport_size(h.VIEWPORT)
