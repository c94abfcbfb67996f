"""Interactive panels for the lecture notebooks (ipywidgets).

Design (see RECIPES.md, "Slider-update cost"): a panel is built once and then updated in
place. Images are rendered to PNG bytes by :func:`invlab.viz.to_png` (PIL, fast compression)
and shown in ``widgets.Image``; curves are matplotlib figures on an Agg canvas shown the same
way (:class:`PlotImage`); titles and numbers live in ``HTML`` widgets, not in the pixels.
That keeps a slider update at a few milliseconds of kernel time and works in JupyterLab and
in the presentation mode (Voilà) alike (no ``interact``, no ``Output`` widget).

Every panel exposes its controls as attributes (``panel.sigma``, ``panel.lam`` ...) so a
test can move them by setting ``.value``, and an ``update()`` method that recomputes and
redraws.
"""
from .base import ImageRow, IterationScrubber, PlotImage, log_slider, psnr_note
from .gallery import ForwardGallery
from .lecture1 import (GradientDescentPanel, LCurvePanel, LeastSquaresPanel, RegulariserPanel, SVDPanel,
                       TikhonovPanel)
from .lecture2 import DenoiserPanel, PnPPanel, PnPTasksPanel
from .training import TrainingPanel

__all__ = ["ImageRow", "IterationScrubber", "PlotImage", "log_slider", "psnr_note", "ForwardGallery", "LeastSquaresPanel", "SVDPanel",
           "TikhonovPanel", "RegulariserPanel", "LCurvePanel", "GradientDescentPanel",
           "DenoiserPanel", "PnPPanel", "PnPTasksPanel", "TrainingPanel"]
