"""The gallery of forward models (lecture 0 and syllabus row 1.1)."""
from __future__ import annotations

import ipywidgets as W

from .. import tasks
from .base import ImageRow, psnr_note

__all__ = ["ForwardGallery"]


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
        naive = naive.abs() if naive.is_complex() else naive  # MRI: magnitude image
        x_true = t.x_true.abs() if t.x_true.is_complex() else t.x_true
        self.info.value = f"<i>{t.description}</i>"
        self.row.set(0, x_true, note=f"shape {tuple(x_true.shape)}")
        # shown in the [0, 1] window: the CT and MRI measurement views are rescaled to it
        self.row.set(1, t.measurement_view(y),
                     note=f"shape {tuple(y.shape)}{', complex' if y.is_complex() else ''}")
        self.row.set(2, naive, title=t.simple_name, note=psnr_note(naive, x_true))
        self.y, self.naive = y, naive
