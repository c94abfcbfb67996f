"""Building blocks of the panels: a row of images, a matplotlib plot as an image, sliders."""
from __future__ import annotations

import ipywidgets as W

from .. import metrics
from ..viz import to_png

__all__ = ["ImageRow", "log_slider", "psnr_note", "PlotImage"]


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
        # fixed-size captions and images: a new value never moves anything else on the page
        self.captions = [W.HTML(f"<b>{t}</b>", layout=W.Layout(width=f"{width}px", height="3em")) for t in titles]
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


class PlotImage(W.Image):
    """A matplotlib figure shown as a ``widgets.Image`` and redrawn in place.

    The figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas (no pyplot state, no
    ``Output`` widget). Artists registered with :meth:`set_dynamic` (a moving marker, a curve
    that a slider changes) are *blitted*: :meth:`refresh` restores the cached static
    background and draws only them, which costs a few milliseconds instead of a full
    re-render. ``refresh(full=True)`` re-renders everything (after axis limits or static
    artists change).

    Parameters
    ----------
    figsize : tuple of float
        Figure size in inches (rendered at ``dpi``).
    dpi : int
    width : int
        Display width in CSS pixels (default: the rendered width).
    nrows, ncols : int
        Subplot grid; the axes are in ``self.axes`` (``self.ax`` is the first).
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
        self.dynamic = []
        self._background = None
        w = width or int(figsize[0] * dpi)
        h = int(round(w * figsize[1] / figsize[0]))
        # a fixed size spares the browser a re-layout on every new picture
        super().__init__(format="png", width=w, height=h)

    def set_dynamic(self, *artists):
        """Artists that change on every update; everything else is cached as background."""
        for a in artists:
            a.set_animated(True)
        self.dynamic = list(artists)
        self._background = None

    def refresh(self, full: bool = False):
        """Render (blitting the dynamic artists) and send the new PNG to the browser."""
        import io

        import numpy as np
        from PIL import Image

        canvas = self.fig.canvas
        if full or self._background is None:
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for a in self.dynamic:
            a.axes.draw_artist(a)
        rgba = np.asarray(canvas.buffer_rgba())
        buf = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buf, format="PNG", compress_level=1)
        self.value = buf.getvalue()


class IterationScrubber(W.VBox):
    """Scrub through the stored iterates of any solver run, without re-running it.

    Every iterative solver in :mod:`invlab.solvers` returns ``history`` with ``"objective"``
    for every iteration and, when called with ``keep_every=k``, the iterates ``"x"`` (and
    their iteration numbers ``"x_iter"``). This panel shows the selected iterate, its PSNR
    when ``x_true`` is given, and a marker on the objective curve.

    Parameters
    ----------
    history : dict
        A solver's history, with ``"x"`` (run the solver with ``keep_every=``).
    x_true : torch.Tensor, optional
        Ground truth, for the PSNR caption.
    title : str
    width : int
    """

    def __init__(self, history: dict, x_true=None, title: str = "iterate", width: int = 256):
        import numpy as np

        if not history.get("x"):
            raise ValueError("history has no stored iterates: run the solver with keep_every=1 (or k).")
        self.history, self.x_true, self.title = history, x_true, title
        n = len(history["x"])
        self.iters = list(history.get("x_iter") or range(1, n + 1))
        self.iteration = W.IntSlider(value=n - 1, min=0, max=n - 1, description="stored #")
        self.row = ImageRow([title], width)
        self.plot = PlotImage(figsize=(3.6, 3.0), dpi=80)
        self._obj = np.asarray(history["objective"], dtype=float)
        ax = self.plot.ax
        ax.plot(np.arange(1, len(self._obj) + 1), self._obj, color="0.4")
        ax.set_xlabel("iteration k")
        ax.set_title("objective ½‖Ax − y‖² + λR(x)", fontsize=10)
        (self.marker,) = ax.plot([], [], "o", color="C3")
        self.plot.fig.tight_layout()
        self.plot.set_dynamic(self.marker)
        self.iteration.observe(lambda change: self.update(), names="value")
        super().__init__([self.iteration, W.HBox([self.row, self.plot])])
        self.update()

    def update(self):
        """Show the stored iterate chosen by the slider."""
        i = self.iteration.value
        k = self.iters[i]
        x = self.history["x"][i]
        note = psnr_note(x, self.x_true) if self.x_true is not None else None
        self.row.set(0, x, title=f"{self.title}, iteration {k}", note=note)
        self.marker.set_data([k], [self._obj[k - 1]])
        self.plot.refresh()
