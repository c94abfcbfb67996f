"""Lecture 3b's panels, built from the shipped stored runs, with every control moved across its range."""
import pytest
import torch

import invlab as il
from invlab import operators as op
from invlab.pretrained import runs as R
from invlab.widgets import lecture3b as L

_STRONG = lambda x, s: x  # noqa: E731  (a stand-in denoiser that returns its input)


@pytest.fixture(scope="module")
def fitting():
    return il.pretrained.stored_run("dip_fitting")


@pytest.fixture(scope="module")
def inpainting():
    return il.pretrained.stored_run("dip_inpainting")


def _cheap_baselines(run):
    x = run["x_true"].float()
    return {"TV (best λ)": x.clamp(0, 1) * 0.9, "PnP-HQS": x.clamp(0, 1) * 0.95}


def test_fitting_panel_slider_sweeps_every_stored_iterate(fitting):
    panel = L.FittingPanel(fitting)
    pngs = set()
    for k in panel.iteration.options:
        panel.iteration.value = k
        assert f"k = {k}" in panel.row.captions[0].value
        pngs.add(panel.row.pngs[0])
        assert panel.cursor.get_xdata()[0] == k
    assert len(pngs) > len(panel.iteration.options) // 2        # the pictures change along the run
    # captions report the stored PSNR of each fit at that iteration
    k = panel.iteration.options[-1]
    panel.iteration.value = k
    assert f"{fitting['fits']['natural']['psnr'][k - 1]:.1f} dB" in panel.row.captions[0].value


def test_dip_panel_masks_and_iterations(inpainting):
    fits = inpainting["fits"]
    panel = L.DIPPanel(fits, {k: _cheap_baselines(f) for k, f in fits.items()})
    seen = set()
    for label in panel.selector.options:
        panel.selector.value = label
        assert panel.runs[label] is fits[label]
        for k in (panel.iteration.options[0], panel.iteration.options[-1]):
            panel.iteration.value = k
            assert f"k = {k}" in panel.row.captions[1].value
            seen.add(panel.row.pngs[1])
        # the peak image and its caption come from the stored run
        assert f"k = {fits[label]['best_iter']}" in panel.row.captions[2].value
        assert "ground truth" in panel.base_row.captions[-1].value
        assert "TV (best λ)" in panel.summary.value
    assert len(seen) == 2 * len(fits)


def test_dip_panel_with_validation_curve():
    run = il.pretrained.stored_run("dip_denoising")
    panel = L.DIPPanel({"d": run}, {"d": _cheap_baselines(run)})
    assert panel.validation and len(panel.plot.axes) == 2
    assert f"k = {run['val_best_iter']}" in panel.row.captions[3].value
    for k in panel.iteration.options[::10]:
        panel.iteration.value = k
    assert panel.plot.value


def test_baselines_on_a_small_problem():
    x = il.data.image("camera", size=32)
    A = op.Downsample((32, 32), 4)
    b = L.baselines("sr", A, A(x), x, denoiser=il.pretrained.load("denoiser"))
    assert list(b) == ["bicubic", "TV (best λ)", "PnP-HQS"]
    for v in b.values():
        assert v.shape == (32, 32) and float(v.min()) >= 0 and float(v.max()) <= 1
    # TV knows the blur, bicubic does not
    assert il.metrics.psnr(b["TV (best λ)"], x) > il.metrics.psnr(b["bicubic"], x)
    y = il.noise.gaussian(x, 0.1, seed=0)
    d = L.baselines("denoising", op.Identity((32, 32)), y, x, denoiser=_STRONG, sigma=0.1)
    assert torch.equal(d["denoiser"], y.clamp(0, 1))
    with pytest.raises(ValueError, match="sigma"):
        L.baselines("denoising", op.Identity((32, 32)), y, x)
    with pytest.raises(TypeError, match="Downsample"):
        L.baselines("sr", op.Identity((32, 32)), y, x)


def test_live_dip_draws_while_it_runs():
    x = il.data.image("moon", size=32)
    A = op.Downsample((32, 32), 2)
    panel = L.LiveDIP(A, A(x), x, n_iter=10, every=5, seed=0)
    frames = []
    old = panel.plot.refresh
    panel.plot.refresh = lambda *a, **k: (frames.append(1), old(*a, **k))
    out, hist = panel.run()
    assert len(frames) == 2 and panel.done == 10 and "width:100%" in panel.status.value
    assert len(panel.psnrs) == 10 and "done: 10 iterations" in panel.status.value
    assert not panel.button.disabled
    ref, _ = il.solvers.dip(A, A(x), n_iter=10, seed=0)
    assert torch.equal(out, ref)           # the live run is the solver's run


def test_stored_fitting_run_shows_the_ordering(fitting):
    """The shipped run itself: photo to 25 dB before shuffled pixels reach 20 dB, before noise does."""
    def first(label, level):
        return next((k for k, p in enumerate(fitting["fits"][label]["psnr"], 1) if p >= level), None)
    assert first("natural", 25) < first("shuffled", 20) < first("noise", 20)
