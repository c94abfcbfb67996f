"""Widget tests for lecture 2's comparison, noise-robustness, unrolled, GAN and CSGM panels.

Every control is moved across its whole range with the shipped networks (at small sizes): nothing
raises or goes NaN, the picture changes, and every PSNR in a caption is ``il.metrics.psnr`` of the
picture under it.
"""
import numpy as np
import pytest
import torch

import invlab as il
from invlab import operators as op
from invlab.widgets import lecture2_gan as G
from invlab.widgets import lecture2_methods as M

from test_widgets_lecture2 import _check_captions, _move


@pytest.fixture(scope="module")
def nets():
    return {n: il.pretrained.load(n) for n in ("unet_deblur", "unrolled_deblur", "denoiser", "gan_generator")}


@pytest.fixture(scope="module")
def methods(nets):
    return M.deblurring_methods(nets["unet_deblur"], nets["unrolled_deblur"], nets["denoiser"])


@pytest.fixture(scope="module")
def comparison(methods):
    A, x, y = il.recipes.deblurring_test_set(size=64)
    x, y = x[:2], y[:2]
    return M.compare_methods(methods, A, x, y, names=["camera", "astronaut"]), x, y


def test_compare_methods_scores_what_it_returns(comparison, nets):
    res, x, y = comparison
    assert list(res["x"]) == list(M.METHOD_NAMES)
    for m in M.METHOD_NAMES:
        xs = res["x"][m]
        assert xs.shape == x.shape and float(xs.min()) >= 0 and float(xs.max()) <= 1
        assert res["psnr"][m] == pytest.approx([float(v) for v in il.metrics.psnr(xs, x)])
        assert all(0 < s <= 1 for s in res["ssim"][m]) and all(t > 0 for t in res["seconds"][m])
    assert res["parameters"][M.METHOD_NAMES[0]] == 0
    assert res["parameters"][M.METHOD_NAMES[1]] == il.pretrained.info("unet_deblur")["parameters"]
    html = M.comparison_table_html(res)
    assert html.count("<tr>") == 1 + len(M.METHOD_NAMES) and "font-weight:bold" in html
    # the networks' entries are the networks themselves, clipped
    A, _, _ = il.recipes.deblurring_test_set(size=64)
    with torch.no_grad():
        assert torch.equal(res["x"][M.METHOD_NAMES[3]][0], nets["unrolled_deblur"](y[0], A).clamp(0, 1))


def test_method_comparison_panel(comparison):
    res, x, y = comparison
    p = M.MethodComparisonPanel(res, x, y, width=64)

    def check():
        i = res["names"].index(p.image.value)
        _check_captions(p.row, p.images[:2], x[i])
        assert "best to worst" in p.info.value

    check()
    _move(p.method, p.row, check)
    _move(p.image, p.row, check)
    # the error image is |x̂ − x| scaled to the stated maximum
    p.method.value, p.image.value = M.METHOD_NAMES[0], "astronaut"
    err = (res["x"][M.METHOD_NAMES[0]][1] - x[1]).abs().clamp(0, 0.2) / 0.2
    assert torch.equal(p.images[2], err)


def test_noise_robustness_panel(methods):
    curve = M.noise_sweep(methods, (0.005, 0.03), images=("camera",), size=32)
    assert set(curve) >= {"noise", *M.NoiseRobustnessPanel.SHOWN}
    p = M.NoiseRobustnessPanel(methods, size=32, levels=(0.005, 0.01, 0.03), curve=curve, width=64)

    def check():
        _check_captions(p.row, p.images, p.x_true)
        assert "U-Net" in p.info.value

    check()
    _move(p.noise, p.row, check)
    # the measurement really has the slider's noise; each level is computed once
    p.noise.value = 0.03
    r = p.results(0.03)
    assert float((r["y"] - p.A(p.x_true)).std()) == pytest.approx(0.03, rel=0.3)
    assert len(p.cache) == 3
    # the U-Net does not know the noise: at 0.03 it falls further behind PnP than at 0.01
    gap = {s: float(il.metrics.psnr(p.results(s)[M.METHOD_NAMES[2]], p.x_true)
                    - il.metrics.psnr(p.results(s)[M.METHOD_NAMES[1]], p.x_true)) for s in (0.01, 0.03)}
    assert gap[0.03] > gap[0.01]


def test_unrolled_panel(nets):
    net = nets["unrolled_deblur"]
    p = M.UnrolledPanel(net, size=32)

    def check():
        s = p.scrubber
        _check_captions(s.row, [s.history["x"][s.iteration.value]], p.x_true)
        assert "dB" in p.info.value

    check()
    _move(p.blocks, lambda: p.scrubber.row, check)
    _move(p.scale, lambda: p.scrubber.row, check)
    p.blocks.value, p.scale.value = net.n_blocks, 1.0
    _move(p.iteration, p.scrubber.row, check)
    # the scrubbed iterates are the network's: the last equals net(y, A), the first the start x_0
    h = p.history(net.n_blocks, 1.0)
    with torch.no_grad():
        assert torch.allclose(h["x"][-1], net(p.y, p.A).clamp(0, 1))
        assert torch.allclose(h["x"][0], net.start(p.y, p.A).clamp(0, 1))
    assert len(p.history(0, 1.0)["x"]) == 1 and len(p.history(10, 1.0)["x"]) == 11


def test_gan_training_panel_from_the_shipped_record():
    rec = il.pretrained.training_record("gan_generator")
    p = G.GANTrainingPanel(rec, width=112)
    assert p.sample_steps[0] == 0 and p.sample_steps[-1] == int(rec["step"][-1])

    def check():
        assert p.row.captions[0].value.count("steps") == 1

    _move(p.step, p.row, check)
    grid = G.sample_grid(torch.zeros(16, 1, 28, 28))
    assert grid.shape == (4 * 29 - 1, 4 * 29 - 1) and float(grid.max()) == 1.0  # white separators
    with pytest.raises(ValueError, match="record has no"):
        G.GANTrainingPanel({"step": []})


def test_csgm_panel(nets):
    x = il.recipes.gan_test_images(1)[:3]
    p = G.CSGMPanel(nets["gan_generator"], x, m_values=(20, 100, 400), restarts=(1, 3), n_iter=40,
                    labels=["T-shirt/top", "Trouser", "Pullover"])
    assert "test image: T-shirt/top" in p.row.captions[0].value

    def check():
        _check_captions(p.row, p.shown, x[p.image.value])

    check()
    assert f"of {p.candidates} random codes" in p.info.value and p.candidates == 256
    for c in (p.m, p.image):
        _move(c, p.row, check)
    # restarts: with screened starts the winner is often the best-screened start whatever their
    # number, so the picture may not change; the restarts run (and the report of them) must
    infos = set()
    for r in p.restarts.options:
        p.restarts.value = r
        check()
        objectives = p.result(p.image.value, p.m.value, r)["restart_objective"]
        assert len(objectives) == r
        if r > 1:   # every restart's objective is reported
            assert all(f"{v:.3g}" in p.info.value for v in objectives)
        infos.add(p.info.value)
    assert len(infos) == len(p.restarts.options)
    with pytest.raises(ValueError, match="candidates"):
        G.CSGMPanel(nets["gan_generator"], x, restarts=(1, 3), candidates=2)
    # the least-squares image fits the measurements exactly (m < 784)
    A, y = il.recipes.cs_measurements(100, x[0], 100)
    ls = p.result(0, 100, 3)["ls"]
    M_ = A.M
    raw = (M_.T @ torch.linalg.solve(M_ @ M_.T, y.double())).reshape(28, 28)
    assert torch.allclose(ls, raw.float().clamp(0, 1))


def test_cs_sweep_and_crossover_plot(nets):
    x = il.recipes.gan_test_images(1)[:4]
    sw = G.cs_sweep(nets["gan_generator"], x, (30, 300), restarts=2, n_iter=60)
    assert sw["csgm"].shape == (2, 4) and sw["baseline"].shape == (2, 4)
    assert np.isfinite(sw["csgm"]).all() and np.isfinite(sw["baseline"]).all()
    # more measurements help the baseline
    assert sw["baseline"][1].mean() > sw["baseline"][0].mean()
    plot = G.crossover_plot(sw, plateau=25.0)
    assert len(plot.value) > 0 and plot.ax.get_xlabel().startswith("number of measurements")


def test_csgm_weight_falls_like_one_over_m_and_the_sweep_uses_it(nets, monkeypatch):
    lam = il.recipes.csgm_lam_z
    assert lam(50) == pytest.approx(il.recipes.CSGM_LAM_Z / 50) and lam(500) == pytest.approx(lam(50) / 10)
    for bad, err in ((0, ValueError), (2.5, ValueError), ("50", TypeError)):
        with pytest.raises(err, match="m"):
            lam(bad)
    seen = []
    real = il.solvers.csgm

    def spy(A, y, generator, **kw):
        seen.append((A.out_shape[0], kw["lam_z"], kw.get("candidates")))
        return real(A, y, generator, **kw)
    monkeypatch.setattr(G.solvers, "csgm", spy)
    x = il.recipes.gan_test_images(1)[:2]
    G.cs_sweep(nets["gan_generator"], x, (30, 60), restarts=1, n_iter=2, candidates=5)
    G.CSGMPanel(nets["gan_generator"], x, m_values=(40, 80), restarts=(1, 2), n_iter=2, candidates=7)
    assert seen == [(30, lam(30), 5), (60, lam(60), 5), (80, lam(80), 7)]
