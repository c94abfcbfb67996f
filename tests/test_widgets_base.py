"""The reusable building blocks: the iteration scrubber over a solver's history."""
import pytest
import torch

import invlab as il
from invlab import regularisers as R
from invlab import solvers, widgets


def test_iteration_scrubber_walks_the_stored_iterates():
    p = widgets.lecture1.DeblurProblem(size=32, blur=1.5, sigma=0.01)
    _, hist = solvers.fista(p.A, p.y, R.Wavelet(levels=2), 1e-3, n_iter=12, keep_every=3, x_true=p.x_true)
    s = widgets.IterationScrubber(hist, x_true=p.x_true, title="FISTA", width=64)
    assert s.iteration.max == len(hist["x"]) - 1 == 3
    pictures, plots = set(), set()
    for i in range(s.iteration.min, s.iteration.max + 1):
        s.iteration.value = i
        k = hist["x_iter"][i]
        assert f"iteration {k}" in s.row.captions[0].value
        # the caption's PSNR is that of the iterate shown
        assert f"{il.metrics.psnr(hist['x'][i], p.x_true):.2f}" in s.row.captions[0].value
        pictures.add(s.row.pngs[0])
        plots.add(s.plot.value)
    assert len(pictures) == 4 and len(plots) == 4


def test_iteration_scrubber_needs_stored_iterates():
    p = widgets.lecture1.DeblurProblem(size=16)
    _, hist = solvers.ista(p.A, p.y, R.L1(), 1e-3, n_iter=3)
    with pytest.raises(ValueError, match="keep_every"):
        widgets.IterationScrubber(hist)
    assert torch.isfinite(torch.tensor(hist["objective"])).all()


# ------------------------------------------------------------------ latest wins (issue 18)
import threading  # noqa: E402
import time  # noqa: E402

import ipywidgets as W  # noqa: E402

from invlab.widgets.base import LatestWins  # noqa: E402


def _slow_panel(delay=0.15, fail_on=None):
    busy = W.HTML()
    shown, started = [], threading.Event()

    def compute(key):
        started.set()
        time.sleep(delay)
        if key == fail_on:
            raise RuntimeError("boom")
        return key * 10

    lw = LatestWins(compute, lambda key, result: shown.append((key, result)), busy, threaded=True)
    return lw, busy, shown, started


def test_latest_wins_drops_superseded_requests_and_shows_only_the_latest():
    lw, busy, shown, started = _slow_panel()
    lw.request(1)
    assert started.wait(5)
    for key in range(2, 11):          # a lecturer's drag: nine changes while 1 is computed
        lw.request(key)
    assert "computing" in busy.value  # the busy note is up at once
    lw.wait()
    assert shown == [(10, 100)]       # 1 finished after newer requests came in: never shown
    assert lw.computed == [1, 10]     # 2..9 were superseded before they started: never computed
    assert busy.value == ""           # up to date: the note is gone


def test_latest_wins_reports_a_failing_setting_and_stays_usable():
    lw, busy, shown, _ = _slow_panel(delay=0.01, fail_on=3)
    lw.request(3)
    lw.wait()
    assert "could not compute" in busy.value and "boom" in busy.value and shown == []
    lw.request(4)
    lw.wait()
    assert shown == [(4, 40)] and busy.value == ""


def test_latest_wins_runs_in_order_outside_a_kernel():
    lw = LatestWins(lambda k: -k, lambda k, r: None)
    assert lw.threaded is False       # pytest is not a Jupyter kernel
    for k in (1, 2, 3):
        lw.request(k)
    assert lw.computed == lw.shown == [1, 2, 3]
    with pytest.raises(TypeError, match="compute and show must be callable"):
        LatestWins(3, print)


def test_denoiser_panel_under_rapid_changes_shows_the_last_setting():
    from invlab.coursework import StandInDenoiser
    from invlab.widgets.lecture2 import DenoiserPanel

    panel = DenoiserPanel(StandInDenoiser(), size=32, sigma=0.1, width=64)
    panel._latest.threaded = True     # as in a notebook: updates run on a worker thread
    for s in (0.02, 0.05, 0.08, 0.11, 0.14, 0.17, 0.2, 0.03):
        panel.sigma.value = s
    panel.image.value = "moon"
    panel._latest.wait()
    assert panel._latest.shown[-1] == ("moon", 0.03)
    assert "σ = 0.03" in panel.row.captions[0].value and "<b>moon</b>" in panel.info.value
    expected = panel.compute("moon", 0.03)
    assert torch.equal(panel.images[2], expected["net"]) and panel.busy.value == ""
    assert len(panel._latest.computed) < 10  # superseded settings were dropped, not all computed


def _cached_compute(delay=0.05):
    """``(cache, compute)``: a slow computation that caches, as a panel's ``compute`` must."""
    cache = {}

    def compute(key):
        if key not in cache:
            time.sleep(delay)
            cache[key] = key * 10
        return cache[key]
    return cache, compute


def test_latest_wins_computes_the_neighbours_after_a_request_and_yields_to_a_new_one():
    cache, compute = _cached_compute()

    shown = []
    lw = LatestWins(compute, lambda k, r: shown.append(k), threaded=True,
                    neighbours=lambda k: [k + d for d in (1, -1, 2, -2, 3, -3)])
    lw.request(9)                      # set from code (Run All): no prefetch
    lw.wait()
    assert shown == [9] and lw.prefetched == []
    lw.request(10, prefetch=True)      # moved by a person: the neighbours follow
    lw.wait()
    assert shown[-1] == 10 and lw.prefetched == [11, 9, 12, 8, 13, 7]   # nearest first (9: from the cache)
    lw.request(12)                     # cached by the prefetch: shown without a new computation
    lw.wait()
    assert shown[-1] == 12 and 12 in cache
    # a request while prefetching preempts it between two keys
    lw.prefetched.clear()
    lw.request(100, prefetch=True)
    time.sleep(0.12)                   # 100 is computed, the prefetch of its neighbours has begun
    lw.request(50)
    lw.wait()
    assert shown[-1] == 50 and 0 < len([k for k in lw.prefetched if k > 90]) < 6


def test_latest_wins_prefetches_at_first_show_only_while_the_kernel_is_idle(monkeypatch):
    """A panel's first picture (sync) starts a background prefetch of its neighbours; it waits while
    cells run (Run All), goes on when the kernel is idle, and stops at a person's first request."""
    from invlab.widgets import base

    kernel = base._KernelActivity()
    monkeypatch.setattr(base, "KERNEL", kernel)
    monkeypatch.setattr(LatestWins, "IDLE_SECONDS", 0.2)
    monkeypatch.setattr(LatestWins, "QUIET_SECONDS", 0.2)
    cache, compute = _cached_compute()

    shown = []
    kernel._start()                    # a cell is running: the notebook is still being run
    lw = LatestWins(compute, lambda k, r: shown.append(k), threaded=True, prefetch_on_show=True,
                    neighbours=lambda k: [k + d for d in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5)])
    lw.request(10, sync=True)          # the first picture, shown at once on the calling thread
    assert shown == [10]
    time.sleep(0.5)
    assert lw.prefetched == []         # nothing while cells run
    kernel._end()                      # Run All is over
    deadline = time.monotonic() + 5
    while len(lw.prefetched) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lw.prefetched[:3] == [11, 9, 12]                       # nearest first
    lw.request(30)                     # a person moves the slider: the show-time prefetch stops
    lw.wait()
    lw._show_worker.join(5)
    assert shown[-1] == 30 and not lw._show_worker.is_alive() and len(lw.prefetched) < 10
    # off by default outside a kernel, and with INVLAB_PREFETCH=0 in a kernel
    assert LatestWins(compute, print, neighbours=lambda k: []).prefetch_on_show is False
    monkeypatch.setenv("INVLAB_PREFETCH", "0")
    assert LatestWins(compute, print, threaded=True, neighbours=lambda k: []).prefetch_on_show is False


def test_prefetch_at_first_show_is_one_computation_at_a_time_and_yields_to_any_panel(monkeypatch):
    """Several panels prefetch one key at a time in all (one core stays free), and a person using
    *another* panel pauses them all until the panel has been quiet for QUIET_SECONDS."""
    from invlab.widgets import base

    kernel = base._KernelActivity()
    kernel.last = time.monotonic() - 10        # the notebook has run: idle
    monkeypatch.setattr(base, "KERNEL", kernel)
    monkeypatch.setattr(LatestWins, "IDLE_SECONDS", 0.05)
    monkeypatch.setattr(LatestWins, "QUIET_SECONDS", 0.6)
    running, overlaps, log = [0], [], []
    lock = threading.Lock()

    def compute(key):
        background = threading.current_thread() is not threading.main_thread()   # not a first picture
        with lock:
            running[0] += background
            overlaps.append(running[0])
        time.sleep(0.04)
        log.append((time.monotonic(), key))
        with lock:
            running[0] -= background
        return key

    panels = [LatestWins(compute, lambda k, r: None, threaded=True, prefetch_on_show=True,
                         neighbours=lambda k: [k + d for d in range(1, 40)]) for _ in range(3)]
    for i, lw in enumerate(panels):
        lw.request(100 * i, sync=True)
    time.sleep(0.5)
    assert max(overlaps) == 1 and len(log) > 6             # background work, never two at once
    other = LatestWins(compute, lambda k, r: None, threaded=True)
    other.request(-1)                                      # a person uses a fourth panel
    t_request = time.monotonic()
    other.wait()
    time.sleep(0.4)
    # nothing was prefetched in the quiet time after the request (one computation may have been under way)
    quiet = [t for t, k in log if t_request + 0.1 < t < t_request + 0.5 and k != -1]
    assert quiet == []
    time.sleep(0.6)
    assert any(t > t_request + 0.6 for t, k in log)         # then it goes on


def test_slider_values_and_nearest_first():
    from invlab.widgets.base import nearest_first, slider_values
    s = W.FloatSlider(value=0.1, min=0.01, max=0.2, step=0.01)
    vals = slider_values(s)
    assert len(vals) == 20 and vals[0] == 0.01 and vals[-1] == 0.2
    assert nearest_first(vals, 0.1)[:3] == [0.09, 0.11, 0.08]
    log = W.FloatLogSlider(value=0.01, base=10, min=-2.5, max=-1, step=0.125)
    assert len(slider_values(log)) == 13 and abs(slider_values(log)[-1] - 0.1) < 1e-9
    assert slider_values(W.SelectionSlider(options=[25, 50, 100], value=50)) == [25, 50, 100]


def test_from_frontend_tells_a_browser_change_from_code():
    from invlab.widgets.base import from_frontend
    seen = []
    s = W.IntSlider(value=1, min=0, max=10)
    s.observe(lambda change: seen.append(from_frontend(change)), names="value")
    s.value = 2                       # code
    s.set_state({"value": 3})         # what a message from the browser does
    assert seen == [False, True]
