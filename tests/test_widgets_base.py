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
