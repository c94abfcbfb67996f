"""The gallery of forward models (lecture 0 and syllabus row 1.1)."""
from __future__ import annotations

import ipywidgets as W

from .. import tasks
from .base import AxesView, ImageRow, _check_positive_int, psnr_note

__all__ = ["ForwardGallery"]


class ForwardGallery(W.VBox):
    """The gallery of forward models :math:`x \\mapsto y = Ax + n` (syllabus row 1.1).

    Controls: ``task`` (denoising, deblurring, inpainting, super-resolution, CT, MRI),
    ``sigma`` (noise level) and ``seed`` (of the noise only; a task's random mask is fixed).
    Panels: the ground truth :math:`x`, the measurement :math:`y` (the sinogram and k-space on
    labelled axes) and the first naive image one can form from it, with its PSNR. The info
    line says what :math:`A` is and how :math:`\\sigma` is measured for the task (for CT it is
    relative to the sinogram's peak, see :mod:`invlab.tasks`). Every part has a fixed size, so
    switching tasks never changes the panel's height.

    Parameters
    ----------
    size : int
        Image size (128 keeps every update well under 50 ms; at least 16).
    width : int
        Display width of each panel in CSS pixels.
    """

    def __init__(self, size: int = 128, width: int = 256):
        self.size = _check_positive_int(size, "size", minimum=16)
        self.width = _check_positive_int(width, "width", minimum=64)
        self._tasks: dict[str, tasks.Task] = {}
        self._views: dict[str, AxesView] = {}
        self.task = W.Dropdown(options=list(tasks.TASKS), value="deblurring", description="task")
        self.sigma = W.FloatSlider(value=0.02, min=0.0, max=0.2, step=0.005, description="noise σ",
                                   readout_format=".3f")
        self.seed = W.IntSlider(value=0, min=0, max=9, description="noise seed")
        # two lines of fixed height: the description and the noise model of the task
        self.info = W.HTML(layout=W.Layout(height="44px", overflow="hidden", width=f"{3 * self.width + 12}px"))
        self.row = ImageRow(["x (ground truth)", "y = Ax + n", "naive image"], width=self.width)
        for c in (self.task, self.sigma, self.seed):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.task, self.sigma, self.seed], layout=W.Layout(flex_flow="row wrap")),
                          self.info, self.row])
        self.update()

    def current(self) -> tasks.Task:
        """The selected task (built once, then cached)."""
        name = self.task.value
        if name not in self._tasks:
            self._tasks[name] = tasks.make(name, self.size)
        return self._tasks[name]

    def _view(self, t: tasks.Task) -> AxesView:
        if t.name not in self._views:
            self._views[t.name] = AxesView(self.width, **t.measurement_axes)
        return self._views[t.name]

    def update(self):
        """Recompute :math:`y` and the naive image for the current controls and redraw."""
        t = self.current()
        y = t.measure(self.sigma.value, seed=self.seed.value)
        naive = t.simple_inverse(y)
        naive = naive.abs() if naive.is_complex() else naive  # MRI: magnitude image
        x_true = t.x_true.abs() if t.x_true.is_complex() else t.x_true
        self.info.value = (f"<div style='line-height:20px'><i>{t.description}</i><br>"
                           f"Noise: {t.noise_note}</div>")
        self.row.set(0, x_true, note=f"shape {tuple(x_true.shape)}")
        note = f"shape {tuple(y.shape)}{', complex' if y.is_complex() else ''}"
        if t.measurement_axes is None:
            self.row.set(1, t.measurement_view(y), note=note)
        else:  # a sinogram or k-space: on labelled axes
            self.row.set_png(1, self._view(t).png(t.measurement_view(y)), note=note)
        self.row.set(2, naive, title=t.simple_name_html, note=psnr_note(naive, x_true))
        self.y, self.naive = y, naive
