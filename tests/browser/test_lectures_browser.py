"""Real-browser tests: each notebook runs in JupyterLab (headless Chromium) and its first slider
changes a picture.

Adding a notebook is one line in ``NOTEBOOKS``; entries whose file does not exist yet are
skipped. Run with::

    .venv/bin/python -m pytest tests/browser -q -m browser
    INVLAB_BROWSER_NOTEBOOKS=lectures/00_welcome.ipynb .venv/bin/python -m pytest tests/browser -m browser

Screenshots: ``artifacts/browser/<notebook>.png``.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest


h = sys.modules["invlab_browser_helpers"]  # loaded by conftest.py (which pytest imports first)

# Notebooks that must run in the browser and whose first slider must change a picture.
NOTEBOOKS = [
    h.FIXTURE_NOTEBOOK,  # the harness itself, independent of lecture content
    "lectures/00_welcome.ipynb",
    "lectures/01_inverse_problems.ipynb",
    "lectures/02_deep_learning_for_inverse_problems.ipynb",
]
# INVLAB_BROWSER_NOTEBOOKS="a.ipynb,b.ipynb" (paths relative to the repo) replaces the list.
if os.environ.get("INVLAB_BROWSER_NOTEBOOKS", "").strip():
    NOTEBOOKS = [nb.strip() for nb in os.environ["INVLAB_BROWSER_NOTEBOOKS"].split(",") if nb.strip()]

RUN_TIMEOUT = float(os.environ.get("INVLAB_BROWSER_RUN_TIMEOUT", 180))  # s for Run All (lecture 01: ~90 s under load)
CHANGE_TIMEOUT = 20.0    # seconds for the picture to change after the key presses
WIDGET_TIMEOUT = 20.0    # seconds for widgets to render after Run All
PRESSES = 3
# Which slider to move, by the start of its description (default: the first slider). Lecture 1
# moves its first λ slider (the Tikhonov panel), as its issue asks.
SLIDER_BY_NOTEBOOK = {"lectures/01_inverse_problems.ipynb": "λ"}

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda nb: Path(nb).stem)
def test_notebook_runs_and_slider_changes_picture(page, jupyter_lab, notebook):
    if not (h.REPO_ROOT / notebook).exists():
        pytest.skip(f"{notebook} does not exist yet")

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

    index = 0
    prefix = SLIDER_BY_NOTEBOOK.get(notebook)
    if prefix is not None:
        names = h.slider_descriptions(page)
        matches = [i for i, d in enumerate(names) if d.startswith(prefix)]
        assert matches, f"{notebook}: no slider described {prefix!r}; sliders: {names}"
        index = matches[0]
    h.slider_handles(page).nth(index).scroll_into_view_if_needed()

    before = h.output_image_srcs(page)
    value_before = h.slider_value(page, index)
    key = h.move_slider(page, index, n=PRESSES, key="ArrowRight")
    value_after = h.slider_value(page, index)
    assert key is not None and value_after != value_before, (
        f"{notebook}: the arrow keys did not move slider #{index} (value {value_before})")
    try:
        after = h.wait_for_image_change(page, before, timeout=CHANGE_TIMEOUT)
    except Exception:  # playwright TimeoutError: reported by the assertion below
        after = h.output_image_srcs(page)
    h.screenshot(page, f"{h.safe_name(notebook)}.png")

    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert changed or len(after) != len(before), (
        f"{notebook}: no widget picture changed within {CHANGE_TIMEOUT} s after {key} x{PRESSES} "
        f"(slider {value_before} -> {value_after}, {len(before)} pictures)")
    assert not h.notebook_errors(page), f"{notebook}: error output after moving the slider"

    # autosave is off: the browser must not have written the repository's notebook
    assert not page.invlab_file_writes, f"JupyterLab wrote files: {page.invlab_file_writes}"
    print(f"{notebook}: Run All {run_s:.1f} s, {len(changed)} of {len(before)} pictures changed")


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
