"""Widget tests for lecture 1: every control is moved across its whole range.

Each test checks that nothing raises, nothing shown is NaN, the picture changes when the
control moves, and the numbers behave as the maths says they should.
"""
import numpy as np
import pytest
import torch

from invlab import widgets


def _sweep(slider, n=6):
    """Values spread over a slider's whole range (both ends included)."""
    if hasattr(slider, "options"):
        return list(slider.options)
    if isinstance(slider.value, int):
        return sorted({int(v) for v in np.linspace(slider.min, slider.max, n)})
    if hasattr(slider, "base"):  # log slider: min/max are exponents
        return [float(slider.base ** e) for e in np.linspace(slider.min, slider.max, n)]
    return [float(v) for v in np.linspace(slider.min, slider.max, n)]


def _move(panel, slider, row):
    pictures = []
    for v in _sweep(slider):
        slider.value = v
        pictures.append(tuple(row.pngs))
        assert all(len(p) > 0 for p in row.pngs)
    assert len(set(pictures)) > 1, "moving the control did not change the picture"
    return pictures


def test_least_squares_panel():
    p = widgets.LeastSquaresPanel(size=32, width=64)
    _move(p, p.sigma, p.row)
    _move(p, p.seed, p.row)
    # two noise draws, wildly different answers: the difference dwarfs the noise
    p.sigma.value = 1e-3
    d = float((p.solutions[0] - p.solutions[1]).abs().max())
    assert d > 100 * 1e-3
    for x in p.solutions:
        assert torch.isfinite(x).all()


def test_svd_panel():
    p = widgets.SVDPanel(n=16, width=64)
    _move(p, p.k, p.row)
    _move(p, p.blur, p.row)
    assert "condition number" in p.info.value
    # keeping every component equals the (noisy) least-squares solution; keeping few is smooth
    p.blur.value = 1.0
    p.k.value = p.k.max
    full = p.x_tsvd.clone()
    p.k.value = 10
    assert float(full.std()) > float(p.x_tsvd.std())


def test_tikhonov_panel_lambda_and_noise():
    p = widgets.TikhonovPanel(size=64, width=64)
    _move(p, p.lam, p.row)
    _move(p, p.sigma, p.row)
    assert torch.isfinite(p.x).all()
    plot_before = p.plot.value
    p.lam.value = 1e-5
    assert p.plot.value != plot_before  # the filter factors moved


@pytest.mark.parametrize("name", widgets.lecture1.REGULARISERS)
def test_regulariser_panel_every_regulariser(name):
    p = widgets.RegulariserPanel(size=32, width=64, n_iter=10)
    p.reg.value = name
    pictures = _move(p, p.lam, p.row)
    assert torch.isfinite(p.x).all()
    assert "PSNR" in p.row.captions[1].value
    assert len(pictures) >= 5


def test_lcurve_panel_marker_moves():
    p = widgets.LCurvePanel(size=32, width=64)
    plots = set()
    for v in _sweep(p.lam):
        p.lam.value = v
        plots.add(p.plot.value)
        assert torch.isfinite(p.x).all()
    assert len(plots) > 3
    # the curve behaves as an L-curve: residual up, solution norm down as lambda grows
    assert np.all(np.diff(p.curve["residual_norm"]) >= -1e-9)
    assert np.all(np.diff(p.curve["solution_norm"]) <= 1e-9)


def test_gradient_descent_converges_below_stalls_at_and_diverges_above_two_over_L():
    p = widgets.GradientDescentPanel(size=32, n_iter=60, width=64)
    assert p.L == pytest.approx(1.0 + 1e-2, abs=1e-12)  # exact norm of a normalised blur: 1
    for v in _sweep(p.step) + [2.0]:
        p.step.value = v
        last = len(p.iterates) - 1
        assert p.iteration.max == last and p.iteration.value == last  # slider and run agree
        for k in _sweep(p.iteration):
            p.iteration.value = k
            assert len(p.row.pngs[0]) > 0
            assert f"iterate k = {k}" in p.row.captions[0].value
        gap = p.gap[np.isfinite(p.gap)]
        assert len(gap) > 0
        if v < 2 - 1e-6:
            assert p.regime() == "converges" and "converges" in p.info.value
            assert p.gap[-1] < p.gap[0]
        elif abs(v - 2) <= 1e-6:
            assert p.regime() == "stalls" and "stalls" in p.info.value and "diverges" not in p.info.value
            # neither converges nor blows up: the gap levels off at a positive value
            assert p.gap[-1] == pytest.approx(p.gap[-2], rel=1e-2)
            assert 0.5 * p.gap[1] < p.gap[-1] < 2 * p.gap[1]
            assert "oscillating" in p.row.captions[0].value
        else:
            assert p.regime() == "diverges" and "diverges" in p.info.value
            assert p.gap[-1] > p.gap[len(p.gap) // 2] > p.gap[1]  # grows without bound
    # eta*L = 2.5: the run stops early and the slider ends at the last iterate, which is shown
    # in its own grey range with its norm (not as a white square)
    p.step.value = 2.5
    assert p.history["diverged"] and p.stopped_at == p.iteration.max < p.n_iter
    assert f"stopped at iteration {p.stopped_at}" in p.info.value
    assert "‖x‖ =" in p.row.captions[0].value and "blowing up" in p.row.captions[0].value
    img = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(__import__("io").BytesIO(p.row.pngs[0])))
    assert img.std() > 10  # structure visible, not a flat square
    # back to a converging step: the slider grows back to n_iter and sits at the end
    p.step.value = 1.0
    assert p.iteration.max == p.n_iter == p.iteration.value


def test_svd_panel_condition_number_grows_with_blur_width():
    p = widgets.SVDPanel(n=16, width=64)
    kappas = [p.condition_number(b) for b in p.BLURS]
    assert all(a < b for a, b in zip(kappas, kappas[1:])), kappas
    # the exact singular values of a circular blur are |spectrum|: the dense SVD agrees
    for b in (0.5, 1.0, 1.5):
        s = p.decomposition(b)[2]
        assert kappas[p.BLURS.index(b)] == pytest.approx(float(s[0] / s[-1]), rel=1e-5)


def test_svd_panel_starts_at_the_best_k_and_autoscales():
    p = widgets.SVDPanel(n=16, width=64)
    k_best, psnr_best = p.best_k(p.blur.value)
    assert p.k.value == k_best
    # the fast formula equals the reconstruction shown
    from invlab import metrics
    assert metrics.psnr(p.x_tsvd, p.x_true) == pytest.approx(psnr_best, abs=1e-6)
    for k in (1, p.k.max):
        p.k.value = k
        assert metrics.psnr(p.x_tsvd, p.x_true) <= psnr_best + 1e-9
    for b in p.BLURS:
        p.blur.value = b
        lo, hi = p.plot.ax.get_ylim()
        for line in (p.l_s, p.l_uty, p.l_ratio):
            y = np.asarray(line.get_ydata())
            y = y[y > 0]
            assert lo <= y.min() and y.max() <= hi  # no curve clipped
    assert "Best k" in p.info.value


def test_lcurve_axes_have_tick_labels():
    p = widgets.LCurvePanel(size=32, width=64)
    p.plot.fig.canvas.draw()
    a1 = p.plot.axes[0]
    for axis in (a1.xaxis, a1.yaxis):
        lo, hi = axis.get_view_interval()
        labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text() and lo <= t.get_position()[axis is a1.yaxis] <= hi]
        assert len(labels) >= 2, (axis, labels)


def test_iteration_scrubber_readout_matches_title():
    from invlab import regularisers as R
    from invlab import solvers

    prob = widgets.lecture1.DeblurProblem(size=32)
    _, hist = solvers.fista(prob.A, prob.y, R.Wavelet(levels=2), 1e-3, n_iter=10, keep_every=2)
    s = widgets.IterationScrubber(hist, title="FISTA", width=64)
    for i in range(s.iteration.max + 1):
        s.iteration.value = i
        k = hist["x_iter"][i]
        assert f"k = {k}" in s.readout.value and f"iteration {k}" in s.row.captions[0].value


@pytest.mark.parametrize("make, name", [
    (lambda: widgets.LeastSquaresPanel(size=-32), "size"),
    (lambda: widgets.LeastSquaresPanel(size=32, width=-64), "width"),
    (lambda: widgets.SVDPanel(n=-4), "n"),
    (lambda: widgets.SVDPanel(n=16, sigma=-0.1), "sigma"),
    (lambda: widgets.SVDPanel(n=16, blur=2.5), "blur"),
    (lambda: widgets.TikhonovPanel(size=32, blur=float("nan")), "blur"),
    (lambda: widgets.RegulariserPanel(size=32, sigma=float("inf")), "sigma"),
    (lambda: widgets.RegulariserPanel(size=32, n_iter=0), "n_iter"),
    (lambda: widgets.LCurvePanel(size=0), "size"),
    (lambda: widgets.GradientDescentPanel(size=32, lam=-1.0), "lam"),
    (lambda: widgets.GradientDescentPanel(size=32, n_iter=-5), "n_iter"),
    (lambda: widgets.ImageRow(["a"], width=-10), "width"),
    (lambda: widgets.ImageRow([], width=10), "titles"),
    (lambda: widgets.ImageRow(["a"], lines=0), "lines"),
    (lambda: widgets.PlotImage(figsize=(-1, 2)), "figsize"),
    (lambda: widgets.PlotImage(dpi=0), "dpi"),
])
def test_panels_reject_bad_arguments(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_panels_reject_non_integer_sizes():
    with pytest.raises(TypeError, match="size"):
        widgets.LeastSquaresPanel(size=32.5)
    with pytest.raises(TypeError, match="width"):
        widgets.ImageRow(["a"], width=64.0)


def test_image_row_shows_small_images_with_nearest_neighbour_pixels():
    import io

    from PIL import Image

    row = widgets.ImageRow(["a"], width=64)
    img = torch.zeros(8, 8)
    img[::2, ::2] = 1.0  # a checkerboard of single pixels
    row.set(0, img)
    a = np.asarray(Image.open(io.BytesIO(row.pngs[0])))
    assert a.shape == (64, 64)
    assert set(np.unique(a)) == {0, 255}  # enlarged by repetition: no grey interpolation
    assert "<br>" not in row.captions[0].value
    row.set(0, img, title="t", note="PSNR 1 dB")
    assert "PSNR 1 dB" in row.captions[0].value


def test_regulariser_panel_accepts_a_learned_regulariser():
    from invlab import regularisers as R

    h = torch.zeros(2, 3, 3, dtype=torch.float64)
    h[0, 1, 1], h[0, 2, 1] = -0.1, 0.1  # a scaled gradient-Tikhonov as "learned" filters
    h[1, 1, 1], h[1, 1, 2] = -0.1, 0.1
    p = widgets.RegulariserPanel(size=32, width=64, n_iter=5, extra={"learned": (R.LearnedQuadratic(h), 1.0)})
    p.reg.value = "learned"
    assert p.lam.value == pytest.approx(1.0)
    _move(p, p.lam, p.row)
    # with these filters the learned regulariser at lam equals gradient-Tikhonov at 0.01 * lam
    x_learned = p.solve("learned", 0.5)
    x_grad = p.solve("gradient-Tikhonov ½‖∇x‖²", 0.005)
    assert torch.allclose(x_learned.double(), x_grad.double(), atol=1e-4)
