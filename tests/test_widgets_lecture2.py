"""Widget tests for lecture 2: every control across its whole range, with the shipped denoiser.

Checks: nothing raises or goes NaN, the picture changes when a control moves, and every PSNR
in a caption is ``il.metrics.psnr`` of the picture shown under it.
"""
import re

import numpy as np
import pytest
import torch

import invlab as il
from invlab.widgets import lecture2


@pytest.fixture(scope="module")
def denoiser():
    return il.pretrained.load("denoiser")


def _sweep(control, n=5):
    if hasattr(control, "options"):   # (label, value) pairs or plain values
        return [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in control.options]
    if isinstance(control.value, int):
        return sorted({int(v) for v in np.linspace(control.min, control.max, n)})
    if hasattr(control, "base"):
        return [float(control.base ** e) for e in np.linspace(control.min, control.max, n)]
    return [float(v) for v in np.linspace(control.min, control.max, n)]


def _caption_psnr(caption_html):
    m = re.search(r"PSNR (-?[0-9.]+|nan|inf) dB", caption_html)
    return None if m is None else float(m.group(1))


def _check_captions(row, images, x_true):
    """Every caption with a PSNR states the PSNR of the image in its slot; images are finite."""
    for cap, img in zip(row.captions, images):
        assert torch.isfinite(img).all()
        db = _caption_psnr(cap.value)
        if db is not None:
            assert db == pytest.approx(il.metrics.psnr(img, x_true), abs=0.006)


def _move(control, row, check):
    """Set ``control`` across its range; ``row`` is an ImageRow or a callable returning the current one."""
    pictures = []
    for v in _sweep(control):
        control.value = v
        r = row() if callable(row) else row
        assert all(len(p) > 0 for p in r.pngs)
        check()
        pictures.append(tuple(r.pngs))
    assert len(set(pictures)) > 1, f"moving {control.description!r} did not change the picture"


def test_centre_crop():
    x = torch.arange(36.0).reshape(6, 6)
    assert torch.equal(lecture2.centre_crop(x, 2), x[2:4, 2:4])
    with pytest.raises(ValueError):
        lecture2.centre_crop(x, 7)


def test_denoiser_panel(denoiser):
    p = lecture2.DenoiserPanel(denoiser, size=48, width=64)

    def check():
        _check_captions(p.row, p.images, p.x_true)
        assert "dB" in p.info.value and ("beats" in p.info.value or "loses to" in p.info.value)

    check()
    _move(p.sigma, p.row, check)
    _move(p.image, p.row, check)
    # the noisy picture really has the slider's noise level; cached settings are reused
    p.image.value, p.sigma.value = "camera", 0.2
    assert float((p.images[0] - p.x_true).std()) == pytest.approx(0.2, rel=0.1)
    n = len(p._cache)
    p.sigma.value = 0.13                 # new: computed once
    p.sigma.value = 0.2                  # cached
    assert len(p._cache) == n + 1
    # TV's λ is the oracle in [0.2σ, 2σ]
    r = p.compute("camera", 0.2)
    assert 0.04 - 1e-9 <= r["lam"] <= 0.4 + 1e-9


def test_pnp_panel(denoiser):
    p = lecture2.PnPPanel(denoiser, size=32, width=64, n_iter=4)

    def check():
        s = p.scrubber
        _check_captions(p.row, p.images, p.problem.x_true)
        i = s.iteration.value
        _check_captions(s.row, [s.history["x"][i]], p.problem.x_true)
        assert "dB" in p.info.value

    check()
    _move(p.iteration, p.scrubber.row, check)
    shown = lambda: p.scrubber.row  # noqa: E731  (a new run builds a new scrubber)
    for control in (p.step, p.sigma):
        _move(control, shown, check)
    _move(p.method, shown, check)
    # HQS ignores η (the control is disabled), PGD uses it; each method keeps its own σ
    strongest = 10.0 ** p.sigma.max          # a log slider's max is an exponent
    p.method.value = "PGD (slides)"
    p.sigma.value = 0.02
    p.method.value = "HQS"
    assert p.step.disabled
    p.sigma.value = strongest
    p.method.value = "PGD (slides)"
    assert not p.step.disabled and p.sigma.value == pytest.approx(0.02)
    p.method.value = "HQS"
    assert p.sigma.value == pytest.approx(strongest)
    # the scrubber shows the package's solver run, clipped, and its stored PSNR matches
    h = p.run("PGD (slides)", 1.0, 0.02)
    assert len(h["x"]) == 4 and all(torch.isfinite(x).all() for x in h["x"])
    x, _ = il.solvers.pnp(p.problem.A, p.problem.y, denoiser, sigma=0.02, n_iter=4, step=1.0)
    assert torch.equal(x, h["x"][-1])
    # scrubbing keeps its position across runs; the replaced scrubber's widgets are closed
    p.method.value = "PGD (slides)"
    p.iteration.value = 1
    old = p.scrubber
    p.step.value = 0.5
    assert p.iteration.value == 1
    assert old.iteration.comm is None and old.plot.comm is None


def test_pnp_tasks_panel(denoiser):
    p = lecture2.PnPTasksPanel(denoiser, size=32, width=64, n_iter=4)

    def check():
        _check_captions(p.row, p.images, p.x_true)

    check()
    _move(p.task, p.row, check)
    for task in p.TASKS:
        r = p.result(task)
        assert np.isfinite(r["psnr_tv"]) and np.isfinite(r["psnr_pnp"])
        assert r["psnr_pnp"] == pytest.approx(il.metrics.psnr(r["pnp"], p.x_true))
        assert r["pnp"].shape == p.x_true.shape and 0 <= float(r["pnp"].min()) <= float(r["pnp"].max()) <= 1
    assert p.result("super-resolution ×2")["y"].shape == (16, 16)
    assert float(p.result("inpainting")["A"].mask.float().mean()) == pytest.approx(0.5, abs=0.1)


def test_tv_baseline_is_best_on_its_grid():
    x = il.data.image("camera", 32)
    A = il.operators.Blur.gaussian((32, 32), 2.0)
    y = il.noise.gaussian(A(x), 0.01, seed=0)
    r = lecture2.tv_baseline(A, y, x)
    assert r["lam"] in lecture2.TV_LAMBDAS
    assert r["psnr"] == pytest.approx(il.metrics.psnr(r["x"], x))


@pytest.mark.parametrize("make", [
    lambda d: lecture2.DenoiserPanel("not a net"),
    lambda d: lecture2.DenoiserPanel(d, image="lena", size=32),
    lambda d: lecture2.PnPPanel(d, size=32, n_iter=0),
    lambda d: lecture2.PnPTasksPanel(d, size=8),
])
def test_bad_arguments(denoiser, make):
    with pytest.raises((TypeError, ValueError)):
        make(denoiser)


def test_pnp_panel_past_the_stable_step_says_the_run_diverged(denoiser):
    """The step slider reaches past 2/‖A‖² = 2: the run stops (solver) and the panel says so."""
    p = lecture2.PnPPanel(denoiser, size=32, width=64, n_iter=60)
    assert p.step.max > 2.0
    h_stable = p.run("PGD (slides)", 1.0, 0.01)
    assert h_stable["diverged"] is False and len(h_stable["x"]) == 60
    p.step.value = p.step.max
    p._latest.wait()
    h = p.history
    assert h["diverged"] is True and len(h["x"]) < 60
    # the stop rule: the last misfit is non-finite or 1e10 times the start; everything shown is finite
    start = il.solvers.objective(p.problem.A, p.problem.y, None, 0.0, p.problem.A.T(p.problem.y))
    assert not np.isfinite(h["objective"][-1]) or h["objective"][-1] > 1e10 * start
    assert "diverged" in p.info.value and f"iteration {h['x_iter'][-1]}" in p.info.value
    assert all(torch.isfinite(x.clamp(0, 1)).all() for x in p.scrubber.history["x"])
    # back to a stable step: a PSNR again, no warning
    p.step.value = 1.0
    p._latest.wait()
    assert "dB" in p.info.value and "diverg" not in p.info.value


def test_pnp_pgd_divergence_rule_matches_gradient_descent(denoiser):
    """pnp(method='pgd') flags divergence like gradient_descent: only for steps past 2/‖A‖²."""
    x_true = il.data.image("camera", 32)
    A = il.operators.Blur.gaussian((32, 32), 2.0)
    y = il.noise.gaussian(A(x_true), 0.01, seed=0)
    for step, diverges in ((1.9, False), (3.0, True)):
        _, h = il.solvers.pnp(A, y, denoiser, sigma=0.01, n_iter=60, step=step)
        assert h["diverged"] is diverges
        _, g = il.solvers.gradient_descent(A, y, n_iter=60, step=step)
        assert g["diverged"] is diverges


def test_stored_tv_table_is_what_its_code_computes():
    """Lecture 2's TV table is a stored run: one of its entries computed again agrees, and TV's
    best PSNR falls as the noise grows on every image."""
    run = il.pretrained.stored_run("denoise_tv")
    assert run["sigmas"] == list(lecture2.DENOISE_TV_SIGMAS) and run["images"] == list(il.data.TEST_IMAGES)
    x, y = il.recipes.noisy_test_images(0.1, size=run["size"])
    again = il.analysis.tv_denoise_best(y[1], x[1], 0.1)
    assert again["best_psnr"] == pytest.approx(run["0.1"]["psnr"][1], abs=0.01)
    assert again["best_lam"] == pytest.approx(run["0.1"]["lam"][1], rel=0.05)
    low, mid, high = (run[f"{s:g}"]["psnr"] for s in run["sigmas"])
    assert all(a > b > c for a, b, c in zip(low, mid, high))
