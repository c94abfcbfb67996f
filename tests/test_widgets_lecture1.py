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


def test_gradient_descent_converges_below_and_diverges_above_two_over_L():
    p = widgets.GradientDescentPanel(size=32, n_iter=60, width=64)
    for v in _sweep(p.step):
        p.step.value = v
        for k in _sweep(p.iteration):
            p.iteration.value = k
            assert len(p.row.pngs[0]) > 0
        gap = p.gap[np.isfinite(p.gap)]
        if v <= 1.9:
            assert p.gap[-1] < p.gap[0]
            assert "converges" in p.info.value
        elif v >= 2.1:
            assert "diverges" in p.info.value
            assert p.history.get("diverged") or p.gap[-1] > p.gap[0]
        assert len(gap) > 0


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
