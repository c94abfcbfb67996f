"""Fixtures for the real-browser tests: JupyterLab (and Voilà) + Debian Chromium + Playwright.

- Skipped (with the reason) when ``/usr/bin/chromium`` or the ``playwright`` package is missing,
  unless ``INVLAB_REQUIRE_BROWSER=1``: then that is a failure (CI sets it).
  ``bash scripts/ensure_chromium.sh`` installs Chromium.
- One JupyterLab server per session (random port and token, isolated Jupyter dirs, root = repo,
  kernel ``python3`` = the current interpreter), one Chromium per session, a fresh browser
  context per test; the test's kernels are shut down after it.
- One Voilà server per session for the presentation-mode tests (``voila_app``: the app versions
  of every lecture plus an error probe, built by ``invlab.present``), started only when such a
  test runs; ``app_page`` closes its page as a tab closes, so Voilà shuts the kernel down.
- Logs and screenshots go to ``artifacts/browser/`` (gitignored); a failing test leaves
  ``FAILED-<test>.png`` and ``FAILED-<test>.console.txt`` there.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

# notebooks under fixtures/ are test inputs, not tests (keep nbval from collecting them)
collect_ignore_glob = ["fixtures/*"]


def _load_helpers():
    name = "invlab_browser_helpers"  # unique name: tests/browser has no __init__.py on purpose
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("helpers.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


helpers = _load_helpers()


def _browser_required() -> bool:
    return os.environ.get("INVLAB_REQUIRE_BROWSER", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = helpers.browser_unavailable_reason()
    if reason is None:
        return
    if _browser_required():
        pytest.fail(f"INVLAB_REQUIRE_BROWSER is set, but {reason}", pytrace=False)
    pytest.skip(f"real-browser tests skipped: {reason} (set INVLAB_REQUIRE_BROWSER=1 to make this a failure)")


@pytest.fixture(scope="session")
def browser_helpers():
    """The helpers module (open_notebook, run_all, press_slider, ...)."""
    return helpers


@pytest.fixture(scope="session")
def jupyter_lab(browser_available):
    """A running JupyterLab: ``.base_url``, ``.token``, ``.api(method, path)``."""
    lab = helpers.JupyterLab(root_dir=helpers.REPO_ROOT, kernel_python=sys.executable,
                             log_path=helpers.ARTIFACTS_DIR / "jupyter-lab.log")
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def playwright_session(browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session):
    b = helpers.launch_browser(playwright_session)
    try:
        yield b
    finally:
        b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def _save_failure(request, pg) -> None:
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        stem = "FAILED-" + helpers.safe_name(request.node.name)
        try:
            helpers.screenshot(pg, f"{stem}.png")
        except Exception:
            pass
        (helpers.ARTIFACTS_DIR / f"{stem}.console.txt").write_text(
            "\n".join(getattr(pg, "invlab_console_errors", [])))


ERROR_PROBE_CELLS = [
    "import ipywidgets as W\nW.IntSlider(description='probe')",
    "raise ValueError('deliberate failure for the harness test')",
    "print('never reached')",
]


@pytest.fixture(scope="session")
def voila_app(browser_available, tmp_path_factory):
    """Voilà serving the app versions of ``lectures/*.ipynb`` and ``_error_probe.ipynb``."""
    import nbformat

    probe = tmp_path_factory.mktemp("voila-probe") / "_error_probe.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in ERROR_PROBE_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, str(probe))
    server = helpers.Voila(kernel_python=sys.executable, log_path=helpers.ARTIFACTS_DIR / "voila.log",
                           extra_notebooks=[probe])
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_page(request, browser, voila_app):
    """A fresh page for Voilà; closed like a tab (``beforeunload``) so Voilà ends its kernel."""
    pg = helpers.new_page(browser, viewport={"width": 1280, "height": 900})
    pg.invlab_requests = []
    pg.on("request", lambda r: pg.invlab_requests.append(r.url))
    try:
        yield pg
    finally:
        _save_failure(request, pg)
        if not pg.is_closed() and not getattr(pg, "invlab_closing", False):
            helpers.close_voila_page(pg, voila_app)
        pg.context.close()


@pytest.fixture
def page(request, browser, jupyter_lab):
    """A fresh page (own browser context); its kernels are shut down afterwards."""
    pg = helpers.new_page(browser)
    try:
        yield pg
    finally:
        _save_failure(request, pg)
        pg.context.close()
        jupyter_lab.shutdown_sessions()
