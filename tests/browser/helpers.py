"""Real-browser harness: JupyterLab (and Voilà, the presentation mode) served locally, driven by
Debian Chromium through Playwright.

Used by ``tests/browser`` (pytest fixtures in ``conftest.py``) and by
``benchmarks/bench_browser_latency.py``. Nothing here depends on pytest.

Load it under a unique module name (there is no package ``__init__`` on purpose)::

    helpers = load_helpers()   # see conftest.py / the benchmark for the 6-line loader

Facts this relies on (measured on the project's 2-core machines; see docs/CONVENTIONS.md, "Testing layers"):

- Chromium is Debian's ``/usr/bin/chromium`` (``scripts/ensure_chromium.sh``); never
  ``playwright install``.
- JupyterLab runs with isolated config/runtime/data dirs, so user settings cannot leak in; the
  settings written here switch off the news popup, autosave (the notebooks in the repository must
  stay unchanged on disk) and notebook windowing (every cell stays in the DOM).
- "Run All Cells" is sometimes silently dropped on a brand-new session: :func:`run_all` retries.
- ipywidgets 8 sliders are noUiSlider: focus ``.widget-slider .noUi-handle`` and press keys.
- A *panel* is an output area with a slider and a picture (:func:`mark_panels`); the same DOM
  classes serve JupyterLab and Voilà, so the panel helpers work on both.
- Voilà scrolls inside ``#rendered_cells`` and shuts a page's kernel down on ``beforeunload``
  (:func:`close_voila_page`).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "artifacts" / "browser"
FIXTURE_NOTEBOOK = "tests/browser/fixtures/slider_demo.ipynb"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 1000}

SLIDER_HANDLE = ".widget-slider .noUi-handle"
# Widget pictures: <img> inside outputs (widgets.Image, inline matplotlib) and any widgets.Image.
OUTPUT_IMAGES = ".jp-OutputArea-output img, img.widget-image"
STDERR_OUTPUT = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'
CODE_CELL = ".jp-Notebook .jp-Cell.jp-CodeCell"

# An stderr output is an error if it holds a traceback or a line starting with "SomethingError"
# (or "...Exception"); progress bars (tqdm) and warnings also go to stderr and must pass.
_ERROR_TEXT = re.compile(r"Traceback|(^|\n)\s*[A-Za-z_.]*(Error|Exception)\b")

_CHILD_MARK = "INVLAB_BROWSER_HARNESS_CHILD"

_LAB_SETTINGS = {
    # no "news" / "check for updates" popup (it would also try the network)
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # never write outputs back into the repository's notebooks
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # keep every cell in the DOM (no virtual scrolling), so prompts/outputs can all be inspected
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # the extension manager would query PyPI
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}


# --------------------------------------------------------------------------- availability


def browser_unavailable_reason() -> str | None:
    """Why the real-browser harness cannot run here, or None when it can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} not found (install it with scripts/ensure_chromium.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (pip install playwright; no browser download needed)"
    if _jupyter_lab_command() is None:
        return "jupyter-lab not found next to the current python (pip install jupyterlab)"
    return None


def _jupyter_lab_command() -> list[str] | None:
    exe = Path(sys.executable).parent / "jupyter-lab"
    if exe.exists():
        return [str(exe)]
    venv_exe = REPO_ROOT / ".venv" / "bin" / "jupyter-lab"
    if venv_exe.exists():
        return [str(venv_exe)]
    found = shutil.which("jupyter-lab")
    return [found] if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- JupyterLab server


def isolated_jupyter_env(tmp: Path, kernel_python: str = sys.executable, lab_settings: bool = False,
                         extra_jupyter_path: list[str] | None = None) -> dict[str, str]:
    """Environment for a Jupyter server whose config/runtime/data dirs live under ``tmp``.

    The kernel ``python3`` is pinned to ``kernel_python`` by a kernelspec in the isolated data dir
    (``JUPYTER_PATH`` puts it before the environment's own); ``extra_jupyter_path`` entries come
    first of all (e.g. a folder of Voilà templates). ``lab_settings``: write the JupyterLab user
    settings of :data:`_LAB_SETTINGS`.
    """
    dirs = {name: tmp / name for name in ("config", "runtime", "data", "ipython")}
    for d in dirs.values():
        d.mkdir()
    if lab_settings:
        settings = dirs["config"] / "lab" / "user-settings"
        for rel, content in _LAB_SETTINGS.items():
            f = settings / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(content))
    spec_dir = dirs["data"] / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [kernel_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }))
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        # JUPYTER_PATH comes before the environment's share/jupyter (which a venv otherwise
        # prefers over JUPYTER_DATA_DIR), so our pinned "python3" kernelspec wins
        JUPYTER_PATH=os.pathsep.join(
            p for p in (*(extra_jupyter_path or []), str(dirs["data"]), os.environ.get("JUPYTER_PATH", "")) if p),
        IPYTHONDIR=str(dirs["ipython"]),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    env[_CHILD_MARK] = "1"
    # inline figures must not vanish (with MPLBACKEND=Agg nbval and the browser lose them)
    env.pop("MPLBACKEND", None)
    return env


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with a random token and isolated Jupyter dirs.

    The notebook kernel ``python3`` is pinned to ``kernel_python`` (default: the current
    interpreter) by a kernelspec in the isolated data dir, which takes precedence over the
    environment's own. Use as a context manager, or call :meth:`start` / :meth:`stop`.
    """

    def __init__(self, root_dir: Path | str = REPO_ROOT, kernel_python: str = sys.executable,
                 log_path: Path | str | None = None, startup_timeout: float = 90.0):
        self.root_dir = Path(root_dir)
        self.kernel_python = kernel_python
        self.log_path = Path(log_path) if log_path else ARTIFACTS_DIR / "jupyter-lab.log"
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(16)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _prepare_dirs(self) -> dict[str, str]:
        self._tmp = tempfile.TemporaryDirectory(prefix="invlab-lab-")
        return isolated_jupyter_env(Path(self._tmp.name), self.kernel_python, lab_settings=True)

    def start(self) -> "JupyterLab":
        # Guard against recursion: a process started by this harness (server, kernel) must never
        # start another server (e.g. a stray module on PYTHONPATH shadowing a package).
        if os.environ.get(_CHILD_MARK):
            raise RuntimeError(f"refusing to start {type(self).__name__} from inside a harness-started process")
        env = self._prepare_dirs()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            self.proc = subprocess.Popen(
                self._command(),
                env=env, cwd=str(self.root_dir), stdout=self._log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
            if self._wait_ready():
                return self
            self._terminate()
        raise RuntimeError(f"{type(self).__name__} did not start; see {self.log_path}")

    def _command(self) -> list[str]:
        cmd = _jupyter_lab_command()
        if cmd is None:
            raise RuntimeError("jupyter-lab not found")
        return cmd + [
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--allow-root",
        ]

    def _ready_url(self) -> str:
        return f"{self.base_url}/api/status?token={self.token}"

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self._ready_url(), timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        return False

    def api(self, method: str, path: str):
        req = urllib.request.Request(f"{self.base_url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_sessions(self) -> None:
        """Shut down every kernel (so the next test does not share CPU with an idle one)."""
        try:
            for s in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{s['id']}")
            for k in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{k['id']}")
        except Exception:  # best effort: the server is torn down at the end anyway
            pass

    def _terminate(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # jupyter shuts its kernels down on SIGTERM
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session: server + kernels
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)

    def stop(self) -> None:
        self.shutdown_sessions()
        self._terminate()
        if self._log:
            self._log.close()
            self._log = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "JupyterLab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Voila(JupyterLab):
    """Voilà serving the app versions of the lectures (presentation mode), like ``make present``.

    ``source``: a folder of lecture notebooks (default: ``lectures/``), plus ``extra_notebooks``
    (paths, e.g. a probe that raises). Their app versions are
    written by :func:`invlab.present.build_all` into a temporary folder, which Voilà serves
    (``/voila/render/<name>.ipynb``) with :func:`invlab.present.voila_command` -- the same
    template and settings as ``python -m invlab.present``. Isolated Jupyter dirs and the pinned
    kernel as for :class:`JupyterLab`; no token (it listens on 127.0.0.1 only).
    """

    def __init__(self, source: Path | str | None = None, kernel_python: str = sys.executable,
                 log_path: Path | str | None = None, startup_timeout: float = 90.0, preheat: bool = False,
                 extra_notebooks: list[Path | str] = ()):
        super().__init__(REPO_ROOT, kernel_python, log_path or ARTIFACTS_DIR / "voila.log", startup_timeout)
        self.source = Path(source) if source is not None else REPO_ROOT / "lectures"
        self.extra_notebooks = [Path(p) for p in extra_notebooks]
        self.preheat = preheat
        self.app_dir: Path | None = None
        self.notebooks: list[str] = []

    def _prepare_dirs(self) -> dict[str, str]:
        from invlab import present  # the code under test

        self._tmp = tempfile.TemporaryDirectory(prefix="invlab-voila-")
        tmp = Path(self._tmp.name)
        self.app_dir = tmp / "app"
        self.notebooks = [p.name for p in present.build_all(self.app_dir, self.source)]
        self.notebooks += [present.build_app(p, self.app_dir).name for p in self.extra_notebooks]
        return isolated_jupyter_env(tmp, self.kernel_python, extra_jupyter_path=[str(present.TEMPLATE_ROOT)])

    def _command(self) -> list[str]:
        from invlab import present

        cmd = present.voila_command(self.app_dir, port=self.port, open_browser=False, preheat=self.preheat)
        cmd[0] = self.kernel_python if Path(self.kernel_python).exists() else cmd[0]
        return cmd

    def _ready_url(self) -> str:
        # not "/": a notebook URL would start a kernel
        return f"{self.base_url}/voila/static/voila.js"

    def url(self, notebook: str) -> str:
        """Page of one app notebook (its file name, e.g. ``01_inverse_problems.ipynb``)."""
        return f"{self.base_url}/voila/render/{Path(notebook).name}"

    def shutdown_sessions(self) -> None:
        """Voilà shuts a page's kernel down when the page unloads (:func:`close_voila_page`)."""

    def stop(self) -> None:
        self._terminate()
        if self._log:
            self._log.close()
            self._log = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None


# --------------------------------------------------------------------------- browser


def launch_browser(playwright, headless: bool = True):
    """Debian Chromium via Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=headless, args=CHROMIUM_ARGS)


def new_page(browser, viewport: dict | None = None):
    context = browser.new_context(viewport=viewport or VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.invlab_console_errors = []  # kept for diagnostics; JupyterLab logs harmless offline errors
    page.on("console", lambda m: m.type == "error" and page.invlab_console_errors.append(m.text))
    page.on("pageerror", lambda e: page.invlab_console_errors.append(f"pageerror: {e}"))
    # files the frontend wrote (PUT = save, PATCH = rename): must stay empty, autosave is off
    page.invlab_file_writes = []
    page.on("request", lambda r: r.method in ("PUT", "PATCH") and "/api/contents/" in r.url
            and page.invlab_file_writes.append(f"{r.method} {r.url.split('?')[0]}"))
    return page


# --------------------------------------------------------------------------- notebook driving


def open_notebook(page, base_url: str, path: str, token: str | None = None, timeout: float = 60.0) -> None:
    """Open ``path`` (relative to the server's root dir) in JupyterLab and wait for an idle kernel.

    ``&reset`` makes JupyterLab ignore saved workspace tabs. A "Select Kernel" dialog (notebook
    without kernelspec metadata) is accepted with the default kernel.
    """
    query = f"?token={token}&reset" if token else "?reset"
    page.goto(f"{base_url}/lab/tree/{path}{query}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count() and dialog.first.is_visible():
            dialog.first.click()
        if _kernel_ready(page):
            return
        time.sleep(0.2)
    raise TimeoutError(f"kernel of {path} not idle after {timeout} s")


def _kernel_ready(page) -> bool:
    return page.evaluate(
        """() => {
            const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
            const name = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName');
            const kernelName = name ? name.textContent.trim() : '';
            return !!ind && ind.getAttribute('data-status') === 'idle'
                   && kernelName !== '' && !/^no kernel$/i.test(kernelName) && kernelName !== 'Kernel';
        }"""
    )


def wait_until_idle(page, timeout: float = 60.0) -> None:
    """Wait for the notebook's execution indicator to report an idle kernel."""
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                           state="attached", timeout=timeout * 1000)


def cell_prompts(page) -> list[str]:
    """Prompts (``[ ]:``, ``[*]:``, ``[3]:``) of the code cells that have source text."""
    return page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel))
              .filter(c => (c.querySelector('.cm-content')?.innerText || '').trim() !== '')
              .map(c => (c.querySelector('.jp-InputArea-prompt')?.innerText || '').trim())""",
        CODE_CELL,
    )


def _click_run_all(page) -> None:
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click()
    item = page.locator('.lm-Menu-item[data-command="runmenu:run-all"], '
                        '.lm-Menu-item[data-command="notebook:run-all-cells"]')
    item.first.click(timeout=5000)


def run_all(page, timeout: float = 90.0, retries: int = 4) -> None:
    """Run ▸ Run All Cells, retried when the click is silently dropped; then wait for the end.

    Returns when every non-empty code cell shows ``[n]`` and the kernel is idle, or as soon as an
    error output appeared and nothing is running any more (check :func:`notebook_errors`).
    """
    before = cell_prompts(page)
    for _attempt in range(retries):
        _click_run_all(page)
        try:
            page.wait_for_function(
                """([sel, before]) => {
                    const now = Array.from(document.querySelectorAll(sel))
                      .filter(c => (c.querySelector('.cm-content')?.innerText || '').trim() !== '')
                      .map(c => (c.querySelector('.jp-InputArea-prompt')?.innerText || '').trim());
                    return now.some((p, i) => p.includes('*') || p !== before[i]);
                }""",
                arg=[CODE_CELL, before], timeout=3000,
            )
            break
        except Exception:  # playwright TimeoutError: the command was dropped, click again
            page.keyboard.press("Escape")
    else:
        raise RuntimeError(f"Run All Cells did not start after {retries} attempts")
    wait_all_executed(page, timeout)


def running_cell(page) -> str | None:
    """First line of the first code cell still running or queued (``[*]``), if any."""
    return page.evaluate(
        """(sel) => {
            for (const c of document.querySelectorAll(sel)) {
                const p = (c.querySelector('.jp-InputArea-prompt')?.innerText || '');
                if (p.includes('*')) {
                    const src = (c.querySelector('.cm-content')?.innerText || '').trim().split('\\n');
                    return src.slice(0, 2).join(' | ');
                }
            }
            return null;
        }""",
        CODE_CELL,
    )


def wait_all_executed(page, timeout: float = 90.0) -> None:
    """Wait until every non-empty code cell ran (or the run stopped on an error); on timeout
    raise TimeoutError naming the cell still running."""
    try:
        _wait_all_executed(page, timeout)
    except Exception as exc:
        if "Timeout" not in type(exc).__name__:
            raise
        prompts = cell_prompts(page)
        done = sum(bool(re.match(r"^\[\d+\]", p)) for p in prompts)
        raise TimeoutError(
            f"Run All not finished after {timeout:.0f} s: {done} of {len(prompts)} code cells done; "
            f"still running: {running_cell(page)!r}") from None


def _wait_all_executed(page, timeout: float) -> None:
    page.wait_for_function(
        """([sel, errSel]) => {
            const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
            if (!ind || ind.getAttribute('data-status') !== 'idle') return false;
            const prompts = Array.from(document.querySelectorAll(sel))
              .filter(c => (c.querySelector('.cm-content')?.innerText || '').trim() !== '')
              .map(c => (c.querySelector('.jp-InputArea-prompt')?.innerText || '').trim());
            if (prompts.some(p => p.includes('*'))) return false;
            if (prompts.every(p => /^\\[\\d+\\]/.test(p))) return true;
            return document.querySelector(errSel) !== null;   // stopped on an error
        }""",
        arg=[CODE_CELL, STDERR_OUTPUT], timeout=timeout * 1000, polling=250,
    )


def unexecuted_cells(page) -> list[int]:
    """Indices (among non-empty code cells) whose prompt has no execution count."""
    return [i for i, p in enumerate(cell_prompts(page)) if not re.match(r"^\[\d+\]", p)]


def notebook_errors(page) -> list[str]:
    """Texts of error outputs: stderr outputs holding a traceback/``...Error`` line, and widgets
    that failed to render. tqdm progress bars and warnings on stderr are not errors."""
    stderr = page.locator(STDERR_OUTPUT).all_inner_texts()
    errors = [t for t in stderr if _ERROR_TEXT.search(t)]
    for t in page.locator(".jp-OutputArea-output").all_inner_texts():
        if "Error displaying widget" in t or "Failed to load model class" in t:
            errors.append(t)
    return errors


def output_texts(page) -> list[str]:
    return page.locator(".jp-OutputArea-output").all_inner_texts()


# --------------------------------------------------------------------------- sliders and pictures


def slider_handles(page):
    """Locator of all ipywidgets slider handles (noUiSlider), in document order."""
    return page.locator(SLIDER_HANDLE)


def slider_descriptions(page) -> list[str]:
    """``description = value`` of every slider handle, in the order of :func:`slider_handles`."""
    return page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).map(h => {
            const w = h.closest('.widget-slider');
            const d = (w?.querySelector('.widget-label')?.textContent || '').trim();
            return `${d || '(no description)'} = ${h.getAttribute('aria-valuetext')}`;
        })""",
        SLIDER_HANDLE,
    )


def handle_value(handle) -> str | None:
    """The slider's current value as shown (``aria-valuetext``, else the readout), or None.

    (noUiSlider's ``aria-valuenow/min/max`` are rounded to one decimal: useless for small ranges.)
    """
    if handle.count() == 0:
        return None
    return handle.first.evaluate(
        """(el) => el.getAttribute('aria-valuetext')
                  ?? el.closest('.widget-slider')?.querySelector('.widget-readout')?.textContent
                  ?? null""")


def slider_value(page, index: int = 0) -> str | None:
    handles = slider_handles(page)
    return handle_value(handles.nth(index)) if handles.count() > index else None


def _other(key: str) -> str:
    return {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight",
            "ArrowUp": "ArrowDown", "ArrowDown": "ArrowUp"}.get(key, key)


def step_handle(page, handle, key: str = "ArrowRight") -> str | None:
    """One key press on a slider handle that moves it: ``key``, or the opposite arrow when the
    slider sits at that end. Returns the key that moved it, or None if neither did."""
    handle.focus()
    for k in (key, _other(key)):
        before = handle_value(handle)
        page.keyboard.press(k)
        if handle_value(handle) != before:
            return k
    return None


def move_slider(page, index: int = 0, n: int = 3, key: str = "ArrowRight", pause: float = 0.15) -> str | None:
    """Move the ``index``-th slider ``n`` steps, reversing at the end of its range; returns the
    last key that moved it (None if it never moved)."""
    handle = slider_handles(page).nth(index)
    handle.scroll_into_view_if_needed()
    used = None
    for _ in range(n):
        k = step_handle(page, handle, used or key)
        used = k or used
        time.sleep(pause)
    return used


def press_slider(page, index: int = 0, key: str = "ArrowRight", n: int = 1, pause: float = 0.15) -> None:
    """Focus the ``index``-th slider handle and press ``key`` ``n`` times, ``pause`` s apart."""
    handle = slider_handles(page).nth(index)
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(n):
        page.keyboard.press(key)
        time.sleep(pause)


def output_image_srcs(page) -> list[str]:
    """``src`` of every picture in widget/cell outputs (``widgets.Image``, inline figures)."""
    return page.evaluate(
        "(sel) => Array.from(document.querySelectorAll(sel)).map(img => img.getAttribute('src') || '')",
        OUTPUT_IMAGES,
    )


def wait_for_image_change(page, before: list[str], timeout: float = 10.0) -> list[str]:
    """Wait until some output picture's ``src`` differs from ``before``; return the new list."""
    page.wait_for_function(
        """([sel, before]) => {
            const now = Array.from(document.querySelectorAll(sel)).map(i => i.getAttribute('src') || '');
            return now.length !== before.length || now.some((s, i) => s !== before[i]);
        }""",
        arg=[OUTPUT_IMAGES, before], timeout=timeout * 1000, polling=100,
    )
    return output_image_srcs(page)


def screenshot(page, path: str | Path, **kwargs) -> Path:
    """Save a screenshot; relative paths go under ``artifacts/browser/`` (gitignored)."""
    path = Path(path)
    if not path.is_absolute():
        path = ARTIFACTS_DIR / path
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), **kwargs)
    return path


def safe_name(notebook_path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", notebook_path.replace(".ipynb", ""))


# --------------------------------------------------------------------------- panels (JupyterLab and Voilà)

# A panel is an outermost output area holding at least one slider and one picture. The same
# DOM classes are used by JupyterLab and by Voilà's lab template, so everything below works on
# both. Cells are counted in document order among ``.jp-Cell`` (JupyterLab: every cell of the
# notebook; Voilà: every cell of the served notebook), so ``cell`` indexes the notebook's cells.
_MARK_PANELS_JS = """
() => {
    const cells = Array.from(document.querySelectorAll('.jp-Cell'));
    const areas = Array.from(document.querySelectorAll('.jp-OutputArea-output'))
        .filter(a => !a.parentElement.closest('.jp-OutputArea-output'));
    const out = [];
    areas.forEach(a => a.removeAttribute('data-invlab-panel'));
    areas.forEach(a => {
        const sliders = a.querySelectorAll('.widget-slider .noUi-handle').length;
        const images = Array.from(a.querySelectorAll('img')).filter(i => i.getBoundingClientRect().width > 0).length;
        if (!sliders || !images) return;
        const i = out.length;
        a.setAttribute('data-invlab-panel', String(i));
        const cell = a.closest('.jp-Cell');
        out.push({panel: i, cell: cell ? cells.indexOf(cell) : -1, sliders, images,
                  buttons: a.querySelectorAll('button.widget-button').length,
                  labels: Array.from(a.querySelectorAll('.widget-slider')).map(
                      w => (w.querySelector('.widget-label')?.textContent || '').trim())});
    });
    return out;
}
"""

_PANEL_CLASS = re.compile(r"\b([A-Z][A-Za-z0-9_]*(?:Panel|Gallery|Scrubber|Explorer|View|Demo))\s*\(")
_ANY_CLASS = re.compile(r"\b([A-Z][A-Za-z0-9_]+)\s*\(")


def panel_type(source: str) -> str | None:
    """The panel class a cell builds (``TikhonovPanel``, ``ForwardGallery`` ...), or None."""
    for pattern in (_PANEL_CLASS, _ANY_CLASS):
        names = pattern.findall(source)
        if names:
            return names[-1]
    return None


def mark_panels(page) -> list[dict]:
    """Find the panels on the page and mark each with ``data-invlab-panel=<i>``.

    Returns one dict per panel: ``panel`` (i), ``cell`` (index among the page's cells),
    ``sliders``, ``images``, ``buttons`` (plain buttons: e.g. "train"), ``labels`` (slider
    descriptions).
    """
    return page.evaluate(_MARK_PANELS_JS)


def panel_selector(i: int) -> str:
    return f'[data-invlab-panel="{i}"]'


def panel_image_srcs(page, i: int) -> list[str]:
    return page.evaluate(
        "(sel) => Array.from(document.querySelectorAll(sel)).map(img => img.getAttribute('src') || '')",
        f"{panel_selector(i)} img")


def wait_for_panel_change(page, i: int, before: list[str], timeout: float) -> bool:
    """True as soon as a picture of panel ``i`` differs from ``before``; False after ``timeout``."""
    try:
        page.wait_for_function(
            """([sel, before]) => {
                const now = Array.from(document.querySelectorAll(sel)).map(i => i.getAttribute('src') || '');
                return now.length !== before.length || now.some((s, k) => s !== before[k]);
            }""",
            arg=[f"{panel_selector(i)} img", before], timeout=timeout * 1000, polling=100)
        return True
    except Exception:  # playwright TimeoutError
        return False


def move_panel_slider(page, i: int, timeout: float = 20.0, retry_timeout: float = 4.0) -> dict | None:
    """Move a slider of panel ``i`` one step with the keyboard until one changes a picture of
    the panel: the first slider gets ``timeout`` seconds, the others ``retry_timeout``.

    Returns ``{"slider": description, "index": j, "key": key, "value": (before, after),
    "seconds": time to the new picture}`` for the slider that changed a picture, or None.
    """
    area = page.locator(panel_selector(i))
    handles = area.locator(SLIDER_HANDLE)
    for j in range(handles.count()):
        handle = handles.nth(j)
        handle.scroll_into_view_if_needed()
        before = panel_image_srcs(page, i)
        value = handle_value(handle)
        t0 = time.monotonic()
        key = step_handle(page, handle)
        if key is None:
            continue
        if wait_for_panel_change(page, i, before, timeout if j == 0 else retry_timeout):
            label = handle.evaluate(
                "(el) => el.closest('.widget-slider')?.querySelector('.widget-label')?.textContent || ''")
            return {"slider": label.strip() or f"slider {j}", "index": j, "key": key,
                    "value": (value, handle_value(handle)), "seconds": time.monotonic() - t0}
    return None


# --------------------------------------------------------------------------- Voilà pages


def open_voila(page, url: str, timeout: float = 300.0) -> float:
    """Load a Voilà page and wait until every cell ran and the page shows; returns the seconds.

    Voilà runs the cells while it streams the page, then removes its spinner and shows
    ``#rendered_cells`` (or stops at the first error, which it shows). Widgets render after that.
    """
    t0 = time.monotonic()
    page.goto(url, wait_until="commit", timeout=timeout * 1000)
    page.wait_for_function(
        """() => { const r = document.getElementById('rendered_cells');
                   return !document.getElementById('loading') && r && r.style.display !== 'none'; }""",
        timeout=timeout * 1000, polling=250)
    return time.monotonic() - t0


def voila_kernel_id(page) -> str | None:
    return page.evaluate(
        "() => { try { return JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId; }"
        " catch (e) { return null; } }")


def close_voila_page(page, server: "Voila", timeout: float = 15.0) -> bool:
    """Close the page as a browser tab closes (``beforeunload``: Voilà shuts its kernel down);
    True when the kernel is gone within ``timeout``."""
    kernel = voila_kernel_id(page)
    page.invlab_closing = True  # page.close(run_before_unload=True) does not wait for the close
    page.close(run_before_unload=True)
    if not kernel:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server.base_url}/api/kernels/{kernel}", timeout=2):
                pass
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False


def voila_scroller_screenshots(page, stem: str, step: int | None = None) -> list[Path]:
    """Screenshots of a whole Voilà page, one viewport at a time (``<stem>-00.png`` ...).

    Voilà scrolls inside ``#rendered_cells``, not the document, so a full-page screenshot would
    show only the first screen.
    """
    height = page.viewport_size["height"]
    step = step or height - 40
    total = page.evaluate("() => document.getElementById('rendered_cells').scrollHeight")
    paths = []
    for k, top in enumerate(range(0, max(total - 40, 1), step)):
        page.evaluate(f"() => document.getElementById('rendered_cells').scrollTop = {top}")
        time.sleep(0.3)
        paths.append(screenshot(page, f"{stem}-{k:02d}.png"))
    page.evaluate("() => document.getElementById('rendered_cells').scrollTop = 0")
    return paths


def visible_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


# --------------------------------------------------------------------------- latency probe

# In-page probe: t0 = performance.now() in a capturing keydown listener, i.e. just before the
# slider handles the key; end = two animation frames after the watched element changed
# (MutationObserver), i.e. when the new picture/label has been painted.
_ARM_PROBE_JS = """
([target]) => {
    if (!window.__invlabKeyHook) {
        document.addEventListener('keydown', () => {
            const st = window.__invlabProbe;
            if (st && st.t0 === null) st.t0 = performance.now();
        }, true);
        window.__invlabKeyHook = true;
    }
    if (window.__invlabObserver) window.__invlabObserver.disconnect();
    const st = {t0: null, changes: []};
    window.__invlabProbe = st;
    const matches = (m) => {
        const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
        if (!el) return false;
        if (target === 'image')
            return m.type === 'attributes' && el.tagName === 'IMG'
                   && !!el.closest('.jp-OutputArea-output, .widget-image');
        if (target.startsWith('panel:')) {   // a picture of one panel (see mark_panels): new src, or new <img>
            if (!el.closest(`[data-invlab-panel="${target.slice(6)}"]`)) return false;
            if (m.type === 'attributes') return el.tagName === 'IMG';
            return m.type === 'childList' && Array.from(m.addedNodes).some(
                n => n.nodeType === 1 && (n.tagName === 'IMG' || !!n.querySelector('img')));
        }
        return !!el.closest(target);
    };
    const obs = new MutationObserver((muts) => {
        if (st.t0 === null) return;
        const hits = muts.filter(matches);
        if (!hits.length) return;
        const tMut = performance.now();
        // which element changed (pictures: index among all <img>), to count updates per panel
        const imgs = Array.from(document.querySelectorAll('img'));
        const keys = hits.map(m => (target === 'image' || target.startsWith('panel:')) ? imgs.indexOf(m.target) : 0);
        requestAnimationFrame(() => requestAnimationFrame(() => {
            st.changes.push({mutation: tMut - st.t0, visible: performance.now() - st.t0, keys});
        }));
    });
    obs.observe(document.querySelector('.jp-Notebook') || document.body, {
        subtree: true, childList: true, characterData: true,
        attributes: true, attributeFilter: ['src'],
    });
    window.__invlabObserver = obs;
}
"""


def measure_press_latency(page, handle_locator, key: str, target: str = "image",
                          timeout: float = 5.0, settle: float = 0.4) -> dict | None:
    """Press ``key`` on a (focused) slider handle and time it until ``target`` is visibly updated.

    ``target``: ``"image"`` (any output ``img`` src), ``"panel:<i>"`` (a picture of panel ``i`` of
    :func:`mark_panels`) or a CSS selector (e.g. a Label's class).
    Returns ``{"first": ms, "last": ms, "updates": n}`` -- first/last visible update within
    ``settle`` s after the first (several panels may update one after the other); ``{"moved":
    False}`` when the key did not move the slider (end of its range); None when nothing changed
    within ``timeout``.
    """
    handle_locator.focus()
    before = handle_value(handle_locator)
    page.evaluate(_ARM_PROBE_JS, [target])
    page.keyboard.press(key)
    if handle_value(handle_locator) == before:  # at the end of the range: nothing to wait for
        page.evaluate("() => window.__invlabObserver && window.__invlabObserver.disconnect()")
        return {"moved": False}
    try:
        page.wait_for_function("() => window.__invlabProbe.changes.length > 0",
                               timeout=timeout * 1000, polling="raf")
    except Exception:
        page.evaluate("() => window.__invlabObserver && window.__invlabObserver.disconnect()")
        return None
    time.sleep(settle)
    st = page.evaluate(
        "() => { window.__invlabObserver.disconnect(); return window.__invlabProbe; }")
    vis = [c["visible"] for c in st["changes"]]
    return {"moved": True, "first": vis[0], "last": vis[-1], "updates": len(vis)}


def count_updates_in_burst(page, handle_locator, key: str, n: int = 10, target: str = "image",
                           wait: float = 1.5) -> int:
    """Press ``key`` ``n`` times as fast as possible; how many times the most often updated
    picture (or label) changed.

    The kernel keeps at most one widget message in flight and the latest value wins, so with a
    slow callback fewer pictures than presses are shown.
    """
    handle_locator.focus()
    page.evaluate(_ARM_PROBE_JS, [target])
    for _ in range(n):
        page.keyboard.press(key)
    time.sleep(wait)
    st = page.evaluate(
        "() => { window.__invlabObserver.disconnect(); return window.__invlabProbe; }")
    per_element: dict[int, int] = {}
    for change in st["changes"]:
        for k in set(change["keys"]):
            per_element[k] = per_element.get(k, 0) + 1
    return max(per_element.values(), default=0)


# --------------------------------------------------------------------------- layout checks

_LAYOUT_PROBE_JS = """
() => {
    // Every widget output area (one panel per cell output): its captions (HTML widgets), its
    // pictures (<img>) and its text labels. For each caption: the rectangle of its *text* (a DOM
    // Range over its content, so text that overflows the widget box counts), whether the box clips
    // its text (scrollHeight/scrollWidth beyond clientHeight/clientWidth), and every picture whose
    // box it intersects.
    const rect = (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
                          && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const out = [];
    const areas = Array.from(document.querySelectorAll('.jp-OutputArea-output'));
    areas.forEach((area, ai) => {
        const imgs = Array.from(area.querySelectorAll('img')).filter(i => i.getBoundingClientRect().width > 0);
        const caps = Array.from(area.querySelectorAll('.widget-html'));
        if (!imgs.length || !caps.length) return;
        const areaRect = area.getBoundingClientRect();
        caps.forEach((cap, ci) => {
            const content = cap.querySelector('.widget-html-content') || cap;
            const text = (content.innerText || '').trim();
            if (!text) return;
            const range = document.createRange();
            range.selectNodeContents(content);
            const rects = Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0);
            const overlaps = [];
            imgs.forEach((img, ii) => {
                const ir = img.getBoundingClientRect();
                if (rects.some(r => hit(r, ir)) || hit(cap.getBoundingClientRect(), ir))
                    overlaps.push(ii);
            });
            const box = cap.getBoundingClientRect();
            out.push({
                area: ai, caption: ci, text: text.replace(/\\s+/g, ' ').slice(0, 80),
                overlaps,
                clippedV: content.scrollHeight > cap.clientHeight + 1 || cap.scrollHeight > cap.clientHeight + 1,
                clippedH: content.scrollWidth > cap.clientWidth + 1 || cap.scrollWidth > cap.clientWidth + 1,
                outside: box.right > areaRect.right + 1,
                heights: [content.scrollHeight, cap.clientHeight],
            });
        });
    });
    return out;
}
"""


def caption_problems(page) -> list[str]:
    """Captions (HTML widgets) of widget panels that overlap a picture or clip their text.

    For every output area holding both pictures and HTML widgets: a caption's text rectangles
    (and its box) must not intersect any picture, its text must fit its box
    (``scrollHeight <= clientHeight`` and the same horizontally), and it must not stick out of the
    output area. Returns one readable line per problem (empty: all good).
    """
    problems = []
    for c in page.evaluate(_LAYOUT_PROBE_JS):
        what = []
        if c["overlaps"]:
            what.append(f"overlaps picture(s) {c['overlaps']}")
        if c["clippedV"]:
            what.append(f"text clipped vertically (scrollHeight {c['heights'][0]} > clientHeight {c['heights'][1]})")
        if c["clippedH"]:
            what.append("text clipped horizontally")
        if c["outside"]:
            what.append("sticks out of the output area")
        if what:
            problems.append(f"output #{c['area']} caption #{c['caption']} {c['text']!r}: " + "; ".join(what))
    return problems
