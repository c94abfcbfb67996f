"""Interactive panels for the lecture notebooks (ipywidgets).

Design (see RECIPES.md, "Slider-update cost"): a panel is built once and then updated in
place. Images are rendered to PNG bytes by :func:`invlab.viz.to_png` (PIL, fast compression)
and shown in ``widgets.Image``; titles and numbers live in ``HTML`` widgets, not in the
pixels. That keeps a slider update at a few milliseconds of kernel time and works in
JupyterLab and in the presentation mode (Voilà) alike.

Every panel exposes its controls as attributes (``panel.sigma``, ``panel.task`` ...) so a
test can move them by setting ``.value``, and an ``update()`` method that recomputes
and redraws.
"""
from __future__ import annotations

import math

import ipywidgets as W
import torch

from . import metrics, tasks
from .viz import to_png

__all__ = ["ImageRow", "log_slider", "ForwardGallery"]


class ImageRow(W.HBox):
    """A row of images, each with a caption above it, updated in place.

    Parameters
    ----------
    titles : list of str
        One caption per image (can be changed later by :meth:`set`).
    width : int
        Display width of each image in CSS pixels.
    """

    def __init__(self, titles, width: int = 256):
        self.images = [W.Image(format="png", width=width, height=width) for _ in titles]
        self.captions = [W.HTML(f"<b>{t}</b>") for t in titles]
        self.titles = list(titles)
        boxes = [W.VBox([c, im], layout=W.Layout(align_items="center")) for c, im in zip(self.captions, self.images)]
        super().__init__(boxes)
        self.pngs = [b""] * len(titles)

    def set(self, i: int, img, vmin=0.0, vmax=1.0, cmap=None, title: str | None = None,
            note: str | None = None):
        """Show ``img`` in slot ``i``; ``note`` (e.g. a PSNR) goes under the title."""
        if title is not None:
            self.titles[i] = title
        caption = f"<b>{self.titles[i]}</b>"
        if note:
            caption += f"<br><span style='font-family:monospace'>{note}</span>"
        self.captions[i].value = caption
        png = to_png(img, vmin=vmin, vmax=vmax, cmap=cmap)
        self.pngs[i] = png
        self.images[i].value = png


def log_slider(description: str, value: float, min_exp: float, max_exp: float, step: float = 0.05,
               **kwargs) -> W.FloatLogSlider:
    """A logarithmic slider for a regularisation weight :math:`\\lambda \\in [10^{a}, 10^{b}]`."""
    if not (min_exp < max_exp):
        raise ValueError(f"min_exp must be < max_exp, got {min_exp} and {max_exp}.")
    if not (10**min_exp <= value <= 10**max_exp):
        raise ValueError(f"value={value} is outside [1e{min_exp}, 1e{max_exp}].")
    return W.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=step,
                            description=description, readout_format=".2e",
                            continuous_update=True, **kwargs)


def psnr_note(x, x_true) -> str:
    """``"PSNR 27.31 dB"`` for a displayed image (magnitude for complex)."""
    return f"PSNR {metrics.psnr(x, x_true):.2f} dB"


class ForwardGallery(W.VBox):
    """The gallery of forward models :math:`x \\mapsto y = Ax + n` (syllabus row 1.1).

    Controls: ``task`` (denoising, deblurring, inpainting, super-resolution, CT, MRI),
    ``sigma`` (noise standard deviation) and ``seed``. Panels: the ground truth
    :math:`x`, the measurement :math:`y` (sinogram, log-magnitude k-space ...) and the
    first naive image one can form from it, with its PSNR.

    Parameters
    ----------
    size : int
        Image size (128 keeps every update well under 50 ms).
    width : int
        Display width of each panel.
    """

    def __init__(self, size: int = 128, width: int = 256):
        self.size = size
        self._tasks: dict[str, tasks.Task] = {}
        self.task = W.Dropdown(options=list(tasks.TASKS), value="deblurring", description="task")
        self.sigma = W.FloatSlider(value=0.02, min=0.0, max=0.2, step=0.005, description="noise σ",
                                   readout_format=".3f")
        self.seed = W.IntSlider(value=0, min=0, max=9, description="seed")
        self.info = W.HTML()
        self.row = ImageRow(["x (ground truth)", "y = Ax + n", "naive image"], width=width)
        for c in (self.task, self.sigma, self.seed):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.task, self.sigma, self.seed]), self.info, self.row])
        self.update()

    def current(self) -> tasks.Task:
        """The selected task (built once, then cached)."""
        name = self.task.value
        if name not in self._tasks:
            self._tasks[name] = tasks.make(name, self.size)
        return self._tasks[name]

    def update(self):
        """Recompute :math:`y` and the naive image for the current controls and redraw."""
        t = self.current()
        y = t.measure(self.sigma.value, seed=self.seed.value)
        naive = t.simple_inverse(y)
        x_true = t.x_true.abs() if t.x_true.is_complex() else t.x_true
        self.info.value = f"<i>{t.description}</i>"
        self.row.set(0, x_true)
        view = t.measurement_view(y)
        self.row.set(1, view, vmin=None if t.name in ("CT",) else 0.0,
                     vmax=None if t.name in ("CT",) else 1.0,
                     note=f"shape {tuple(y.shape)}{', complex' if y.is_complex() else ''}")
        naive_r = naive.abs() if naive.is_complex() else naive
        self.row.set(2, naive_r, title=t.simple_name, note=psnr_note(naive_r, x_true))
        self.y, self.naive = y, naive_r


class PlotImage(W.Image):
    """A matplotlib figure shown as a ``widgets.Image`` and redrawn in place.

    The figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas (no pyplot state, no
    ``Output`` widget): update its artists (``line.set_data``, ``marker.set_data`` ...) and
    call :meth:`refresh`, which renders the canvas and encodes it with fast PNG compression.

    Parameters
    ----------
    figsize : tuple of float
        Figure size in inches (rendered at ``dpi``).
    dpi : int
    width : int
        Display width in CSS pixels (default: the rendered width).
    """

    def __init__(self, figsize=(4.0, 3.0), dpi: int = 80, width: int | None = None, nrows: int = 1,
                 ncols: int = 1):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.fig = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.fig)
        axes = self.fig.subplots(nrows, ncols, squeeze=False)
        self.axes = list(axes.flat)
        self.ax = self.axes[0]
        w = width or int(figsize[0] * dpi)
        super().__init__(format="png", width=w)

    def refresh(self):
        """Render the figure and send the new PNG to the browser."""
        import io

        import numpy as np
        from PIL import Image

        self.fig.canvas.draw()
        rgba = np.asarray(self.fig.canvas.buffer_rgba())
        buf = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buf, format="PNG", compress_level=1)
        self.value = buf.getvalue()
