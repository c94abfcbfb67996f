"""Building blocks of the panels: a row of images, a matplotlib plot as an image, sliders."""
from __future__ import annotations

import os
import threading
import time

import ipywidgets as W

from .. import metrics
from .._checks import check_bool, check_real
from ..viz import to_png

__all__ = ["ImageRow", "AxesView", "log_slider", "psnr_note", "PlotImage", "label_log_axis", "LatestWins"]


#: The largest image side, display width or count a panel accepts: a panel's arrays grow with its
#: square (a 10**6-pixel side would ask for terabytes), and nothing on a screen needs more.
MAX_PANEL_VALUE = 4096


def _check_positive_int(value, name: str, minimum: int = 1, maximum: int = MAX_PANEL_VALUE) -> int:
    """``value`` as an int in ``[minimum, maximum]``, or a ValueError/TypeError naming ``name``."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    if value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum} (a panel's arrays grow with it), got {value}.")
    return value


# One caption line: font size and line height in CSS pixels. The caption box is exactly
# ``lines`` lines tall, so its text never runs under the picture and a new caption never moves
# anything (JupyterLab's default line height for HTML widgets is 28 px, which made two lines
# overflow a 3em box).
CAPTION_FONT_PX = 13
CAPTION_LINE_PX = 17


class ImageRow(W.HBox):
    """A row of images, each with a caption above it, updated in place.

    Each caption sits in a box of fixed size, ``lines`` text lines tall and as wide as the
    image, so captions never overlap the pictures and an update never re-lays out the page.
    The row wraps onto a second line when the notebook is too narrow.

    Parameters
    ----------
    titles : list of str
        One caption per image (can be changed later by :meth:`set`).
    width : int
        Display width (and height) of each image in CSS pixels.
    lines : int
        Height of each caption box in text lines (title, which may wrap, plus the note).
    pixelated : bool
        Show small images with nearest-neighbour pixels: an image smaller than ``width`` is
        enlarged by an integer factor (pixel repetition) before encoding, so the browser does
        not blur it.

    Raises
    ------
    ValueError
        For an empty ``titles``, ``width < 1`` or ``lines < 1``.
    TypeError
        For a non-integer ``width`` or ``lines`` or non-string titles.
    """

    def __init__(self, titles, width: int = 256, lines: int = 3, pixelated: bool = True):
        if isinstance(titles, str) or not hasattr(titles, "__len__"):
            raise TypeError(f"titles must be a list of str, got {titles!r}.")
        if len(titles) == 0:
            raise ValueError("titles must hold at least one caption, got an empty list.")
        if not all(isinstance(t, str) for t in titles):
            raise TypeError(f"titles must be a list of str, got {titles!r}.")
        width = _check_positive_int(width, "width")
        lines = _check_positive_int(lines, "lines")
        self.width, self.lines, self.pixelated = width, lines, bool(pixelated)
        self.images = [W.Image(format="png", width=width, height=width,
                               layout=W.Layout(width=f"{width}px", height=f"{width}px",
                                               flex="0 0 auto"))
                       for _ in titles]
        cap_h = lines * CAPTION_LINE_PX + 4
        self.captions = [W.HTML(self._caption_html(t, None),
                                layout=W.Layout(width=f"{width}px", height=f"{cap_h}px",
                                                flex="0 0 auto", overflow="hidden", margin="0"))
                         for t in titles]
        for c in self.captions:
            c.add_class("invlab-caption")
        self.titles = list(titles)
        boxes = [W.VBox([c, im], layout=W.Layout(align_items="center", flex="0 0 auto",
                                                 margin="0 4px 4px 0"))
                 for c, im in zip(self.captions, self.images)]
        super().__init__(boxes, layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.add_class("invlab-imagerow")
        self.pngs = [b""] * len(titles)

    @staticmethod
    def _caption_html(title: str, note: str | None) -> str:
        # explicit font size and line height: the box height in set() counts on them
        html = (f"<div style='font-size:{CAPTION_FONT_PX}px;line-height:{CAPTION_LINE_PX}px;"
                f"white-space:normal;overflow-wrap:anywhere'><b>{title}</b>")
        if note:
            html += f"<br><span style='font-family:monospace'>{note}</span>"
        return html + "</div>"

    def set(self, i: int, img, vmin=0.0, vmax=1.0, cmap=None, title: str | None = None,
            note: str | None = None):
        """Show ``img`` in slot ``i``.

        Parameters
        ----------
        i : int
            Slot index.
        img : torch.Tensor or numpy.ndarray
            2-D image (complex: magnitude).
        vmin, vmax : float or None
            Grey-level window (``None``: the image's own range).
        cmap : str, optional
            Matplotlib colormap name (default grey).
        title : str, optional
            New title (kept for later updates).
        note : str, optional
            Second caption line, e.g. a PSNR.
        """
        if title is not None:
            self.titles[i] = title
        self.captions[i].value = self._caption_html(self.titles[i], note)
        if self.pixelated:
            img = _upscale_nearest(img, self.width)
        png = to_png(img, vmin=vmin, vmax=vmax, cmap=cmap)
        self.pngs[i] = png
        self.images[i].value = png


    def set_png(self, i: int, png: bytes, title: str | None = None, note: str | None = None):
        """Show ready-made PNG bytes in slot ``i`` (e.g. a plot with axes, see :class:`AxesView`).

        The PNG should be ``width`` x ``width`` pixels so that nothing moves.
        """
        if not isinstance(png, (bytes, bytearray)):
            raise TypeError(f"png must be bytes, got {type(png).__name__}.")
        if title is not None:
            self.titles[i] = title
        self.captions[i].value = self._caption_html(self.titles[i], note)
        self.pngs[i] = bytes(png)
        self.images[i].value = bytes(png)


class AxesView:
    """An image drawn on labelled axes, rendered to a square PNG of fixed size.

    For measurements that are not pictures (a sinogram, k-space): the axes say what the rows
    and columns are. The figure is built once; :meth:`png` only swaps the data and redraws
    (about 15 ms at 256 px).

    Parameters
    ----------
    width : int
        Side of the square PNG in pixels (use the :class:`ImageRow` width).
    xlabel, ylabel : str
    extent : tuple of float
        ``(left, right, bottom, top)`` as in ``imshow``.
    """

    def __init__(self, width: int, xlabel: str, ylabel: str, extent):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        width = _check_positive_int(width, "width")
        dpi = 80
        self.fig = Figure(figsize=(width / dpi, width / dpi), dpi=dpi)
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        import numpy as np

        self.im = self.ax.imshow(np.zeros((2, 2)), cmap="gray", vmin=0, vmax=1, extent=extent,
                                 aspect="auto", interpolation="nearest")
        self.ax.set_xlabel(xlabel, fontsize=10)
        self.ax.set_ylabel(ylabel, fontsize=10)
        self.ax.tick_params(labelsize=9)
        self.fig.tight_layout(pad=0.4)

    def png(self, img, vmin: float = 0.0, vmax: float = 1.0) -> bytes:
        """PNG bytes of ``img`` (2-D) drawn on the axes with grey levels ``[vmin, vmax]``."""
        import io

        import numpy as np
        from PIL import Image

        from ..viz import to_numpy

        self.im.set_data(to_numpy(img))
        self.im.set_clim(vmin, vmax)
        self.fig.canvas.draw()
        rgba = np.asarray(self.fig.canvas.buffer_rgba())
        buf = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buf, format="PNG", compress_level=1)
        return buf.getvalue()


def _upscale_nearest(img, width: int):
    """Repeat the pixels of a small image by the integer factor that brings it closest to ``width``."""
    from ..viz import to_numpy

    a = to_numpy(img)
    f = width // max(a.shape)
    if f >= 2:
        a = a.repeat(f, axis=0).repeat(f, axis=1)
    return a


def log_slider(description: str, value: float, min_exp: float, max_exp: float, step: float = 0.05,
               **kwargs) -> W.FloatLogSlider:
    """A logarithmic slider for a regularisation weight :math:`\\lambda \\in [10^{a}, 10^{b}]`."""
    min_exp, max_exp = check_real(min_exp, "min_exp"), check_real(max_exp, "max_exp")
    value, step = check_real(value, "value", low=0, low_open=True), check_real(step, "step", low=0, low_open=True)
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


def label_log_axis(axis, lo: float, hi: float) -> None:
    """Put readable tick labels on a logarithmic axis spanning ``[lo, hi]``.

    Matplotlib labels only powers of ten, so an axis spanning less than a decade shows no
    label at all. Here: 1, 2, 3, 5 x 10^k within about a decade, 1, 2, 5 x 10^k up to three
    decades, powers of ten beyond; the labels are plain numbers (``0.3``, ``2``, ``5e-05``).

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``ax.xaxis`` or ``ax.yaxis`` of a log-scaled axes.
    lo, hi : float
        The data range shown (> 0).
    """
    import math

    import matplotlib.ticker as mt

    lo = check_real(lo, "lo", low=0, low_open=True)
    hi = check_real(hi, "hi", low=0, low_open=True)
    decades = math.log10(max(hi, lo) / min(hi, lo))
    if decades <= 1.2:
        subs = (1.0, 2.0, 3.0, 5.0)
    elif decades <= 3.5:
        subs = (1.0, 2.0, 5.0)
    else:
        subs = (1.0,)
    axis.set_major_locator(mt.LogLocator(base=10, subs=subs))
    if subs == (1.0,):
        axis.set_major_formatter(mt.LogFormatterSciNotation())
    else:
        axis.set_major_formatter(mt.FuncFormatter(lambda v, _pos: f"{v:.4g}"))
    axis.set_minor_formatter(mt.NullFormatter())


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
        import math

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if (not hasattr(figsize, "__len__") or len(figsize) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
                           for v in figsize)):
            raise ValueError(f"figsize must be two positive finite numbers (inches), got {figsize!r}.")
        dpi = _check_positive_int(dpi, "dpi")
        if width is not None:
            width = _check_positive_int(width, "width")
        nrows = _check_positive_int(nrows, "nrows")
        ncols = _check_positive_int(ncols, "ncols")
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

    def finish(self, fontsize: float = 11.0):
        """Make every text readable and fit the figure: call once the static artists exist.

        Sets the axis labels and titles to ``fontsize`` points, tick labels and legends to one
        point less (about 11 CSS px at the default 80 dpi), then ``tight_layout`` so that no
        label, tick label (``10¹³``) or offset text (``×10²``) is cut or overlaps a title.
        """
        for ax in self.axes:
            ax.tick_params(labelsize=fontsize - 1, which="both")
            ax.xaxis.label.set_size(fontsize)
            ax.yaxis.label.set_size(fontsize)
            ax.title.set_size(fontsize)
            ax.xaxis.get_offset_text().set_size(fontsize - 2)
            ax.yaxis.get_offset_text().set_size(fontsize - 2)
            leg = ax.get_legend()
            if leg is not None:
                for t in leg.get_texts():
                    t.set_size(fontsize - 1)
        self.fig.tight_layout(pad=0.6)
        self._background = None

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

    The slider ``iteration`` runs over the *stored* iterates (its value is an index into
    ``history["x"]``); its readout shows the solver's iteration number :math:`k`, the same
    number as in the picture's caption and at the marker.

    Parameters
    ----------
    history : dict
        A solver's history, with ``"x"`` (run the solver with ``keep_every=``). The objective
        is taken at iterations :math:`1, 2, \\dots`; a history with ``"objective_iter"`` (the
        iteration number of each objective value, e.g. starting at 0) overrides that.
    x_true : torch.Tensor, optional
        Ground truth, for the PSNR caption.
    title : str
    width : int
        Display width of the image in CSS pixels.
    """

    def __init__(self, history: dict, x_true=None, title: str = "iterate", width: int = 256):
        import numpy as np

        if not isinstance(history, dict):
            raise TypeError(f"history must be a solver's history dict, got {type(history).__name__}.")
        if not history.get("x"):
            raise ValueError("history has no stored iterates: run the solver with keep_every=1 (or k).")
        if not isinstance(title, str):
            raise TypeError(f"title must be a str, got {title!r}.")
        width = _check_positive_int(width, "width")
        self.history, self.x_true, self.title = history, x_true, title
        n = len(history["x"])
        self.iters = [int(k) for k in (history.get("x_iter") or range(1, n + 1))]
        if len(self.iters) != n:
            raise ValueError(f"history['x_iter'] has {len(self.iters)} entries but history['x'] has {n}.")
        self.iteration = W.IntSlider(value=n - 1, min=0, max=n - 1, description="iterate", readout=False)
        self.readout = W.HTML(layout=W.Layout(width="22em"))
        self.row = ImageRow([title], width, lines=2)
        self.plot = PlotImage(figsize=(4.0, 3.2), dpi=80)
        self._obj = np.asarray(history["objective"], dtype=float)
        obj_iter = history.get("objective_iter") or range(1, len(self._obj) + 1)
        self._obj_index = {int(k): j for j, k in enumerate(obj_iter)}
        if len(self._obj_index) != len(self._obj):
            raise ValueError(f"history['objective_iter'] has {len(self._obj_index)} distinct entries but "
                             f"history['objective'] has {len(self._obj)}.")
        ax = self.plot.ax
        ax.plot(list(self._obj_index), self._obj, color="0.4")
        ax.set_xlabel("iteration k")
        ax.set_title("objective ½‖Ax − y‖² + λR(x)")
        (self.marker,) = ax.plot([], [], "o", color="C3")
        self.plot.finish()
        self.plot.set_dynamic(self.marker)
        self.iteration.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.iteration, self.readout]),
                          W.HBox([self.row, self.plot], layout=W.Layout(flex_flow="row wrap"))])
        self.update()

    def update(self):
        """Show the stored iterate chosen by the slider."""
        i = self.iteration.value
        k = self.iters[i]
        x = self.history["x"][i]
        note = psnr_note(x, self.x_true) if self.x_true is not None else None
        self.readout.value = (f"<span style='white-space:nowrap'>iteration <b>k = {k}</b> "
                              f"(stored {i + 1} of {len(self.iters)})</span>")
        self.row.set(0, x, title=f"{self.title}, iteration {k}", note=note)
        j = self._obj_index.get(k)
        self.marker.set_data([k] if j is not None else [], [self._obj[j]] if j is not None else [])
        self.plot.refresh()


def slider_values(slider) -> list:
    """Every value a slider can take (its options, or ``min`` to ``max`` by ``step``; log sliders too)."""
    if hasattr(slider, "options"):
        return [o[1] if isinstance(o, tuple) else o for o in slider.options]
    n = int(round((slider.max - slider.min) / slider.step))
    values = [slider.min + k * slider.step for k in range(n + 1)]
    if isinstance(slider, W.FloatLogSlider):
        values = [slider.base ** v for v in values]
    return [round(v, 10) for v in values]


def nearest_first(values: list, current) -> list:
    """``values`` other than ``current``, nearest to it first (by position in the list)."""
    pos = min(range(len(values)), key=lambda i: abs(values[i] - current)) if values else 0
    return sorted((v for i, v in enumerate(values) if i != pos), key=lambda v: abs(values.index(v) - pos))


def from_frontend(change) -> bool:
    """True when a control's change came from the browser (a person moved it), not from code.

    ipywidgets holds the property lock of a widget while it applies a state the front end sent,
    and observers run inside it.
    """
    owner = change.get("owner") if isinstance(change, dict) else getattr(change, "owner", None)
    return bool(getattr(owner, "_property_lock", None))


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (a notebook, Voilà), where a widget change can run on a thread."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


class _KernelActivity:
    """When the kernel last ran a cell: background work waits until it has been idle a while.

    Registered once on IPython's ``pre_run_cell`` / ``post_run_cell`` events. During Run All (and
    under nbval, and while Voilà runs a notebook) cells follow each other within milliseconds, so
    :meth:`idle_for` stays short and prefetching waits; it starts once the notebook has run.
    """

    def __init__(self):
        self.running = False
        self.last = time.monotonic()
        self.registered = False
        self.last_request = -1e9          # when a person last moved a control of any slow panel
        self.background = threading.Lock()  # one background (prefetch) computation at a time, all panels

    def register(self) -> bool:
        if self.registered:
            return True
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover
            return False
        ip = get_ipython()
        if ip is None:
            return False
        ip.events.register("pre_run_cell", self._start)
        ip.events.register("post_run_cell", self._end)
        self.registered = True
        # registered from a cell that builds a panel: that cell is running now (its pre_run_cell
        # event has passed); its post_run_cell ends it
        self._start()
        return True

    def _start(self, *args):
        self.running, self.last = True, time.monotonic()

    def _end(self, *args):
        self.running, self.last = False, time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last cell finished (0 while one runs)."""
        return 0.0 if self.running else time.monotonic() - self.last

    def since_request(self) -> float:
        """Seconds since a person last asked any slow panel for a picture."""
        return time.monotonic() - self.last_request


KERNEL = _KernelActivity()


def _prefetch_on_show_default() -> bool:
    """``INVLAB_PREFETCH=0`` in the environment turns prefetching at first show off."""
    return os.environ.get("INVLAB_PREFETCH", "1").strip() not in ("0", "false", "no", "off")


class LatestWins:
    """Run a slow panel's computation so that what is shown always describes the controls as they are.

    A panel splits its update in two: ``compute(key)``, slow and free of widget changes (a
    solver run, a network pass; cache it there), and ``show(key, result)``, fast, which sets
    the pictures and captions. Its controls call :meth:`request` with the key of their current
    values. Then

    * the ``busy`` widget says at once what is being computed (a lecturer sees the click landed);
    * the computation runs on a worker thread, so the kernel keeps receiving control changes;
    * **latest wins**: a request that arrives while another is computed replaces the one waiting
      (requests in between are dropped, never computed), and a result is shown only if no newer
      request came in meanwhile -- a picture never lags its controls;
    * an exception in ``compute`` is shown in ``busy`` as a message, the panel stays usable.

    Outside a Jupyter kernel (scripts, the unit tests) and for ``sync=True`` requests (the first
    picture of a panel) everything runs at once, in order, on the calling thread.

    Parameters
    ----------
    compute : callable
        ``compute(key) -> result``.
    show : callable
        ``show(key, result)``, called with the latest request's result only.
    busy : ipywidgets.HTML, optional
        Where the busy note appears (emptied when the picture is up to date).
    threaded : bool, optional
        Force threading on or off (default: on inside a Jupyter kernel).
    neighbours : callable, optional
        ``neighbours(key) -> keys`` to compute in the background once ``key`` is shown, nearest
        first (the other values of the slider just moved), so that a lecturer's next moves find
        them cached. Only after a request made with ``prefetch=True`` (a change a person made in the
        browser: :func:`from_frontend`; never during Run All, where code sets the controls), and
        only while no new request waits: a request preempts it between two keys (computing two
        settings at once would slow the one a person waits for: much of a TV search holds
        Python's GIL). ``compute`` must cache.
    prefetch_on_show : bool, optional
        Also compute ``neighbours`` of the panel's first picture (the ``sync=True`` request) in
        the background, once the kernel has been idle for :attr:`IDLE_SECONDS` (never during Run
        All), one computation at a time across *all* panels (one core stays free), pausing while a
        cell runs or a person is using any slow panel (a request in the last :attr:`QUIET_SECONDS`),
        and stopping at this panel's first new request: in a lecture opened a minute before class
        (preheated app view), the first drag already finds its values cached. Default: on in a
        kernel, unless ``INVLAB_PREFETCH=0`` is set.
    """

    #: Seconds the kernel must have been idle before (and between) keys prefetched at first show.
    IDLE_SECONDS = 1.0
    #: Seconds since a person's last request (to any slow panel) before prefetching at first show goes on.
    QUIET_SECONDS = 5.0

    def __init__(self, compute, show, busy=None, threaded: bool | None = None, neighbours=None,
                 prefetch_on_show: bool | None = None):
        if not callable(compute) or not callable(show):
            raise TypeError("compute and show must be callable: compute(key) -> result, show(key, result).")
        if neighbours is not None and not callable(neighbours):
            raise TypeError(f"neighbours must be callable key -> keys or None, got {type(neighbours).__name__}.")
        self.neighbours = neighbours
        self.prefetched: list = []  # keys computed ahead of a request
        self.compute, self._show, self.busy = compute, show, busy
        self.threaded = _in_kernel() if threaded is None else bool(threaded)
        self._lock = threading.RLock()  # show() may move a control that requests again
        self._wanted = None
        self._wanted_prefetch = False
        self._generation = 0
        self._worker: threading.Thread | None = None
        self.computed: list = []   # the keys computed, in order (superseded requests never appear)
        self.shown: list = []      # the keys shown, in order
        self.prefetch_on_show = (self.threaded and _prefetch_on_show_default() if prefetch_on_show is None
                                 else check_bool(prefetch_on_show, "prefetch_on_show"))
        self._show_worker: threading.Thread | None = None

    def _note(self, text: str) -> None:
        if self.busy is not None:
            self.busy.value = text

    def request(self, key, sync: bool = False, note: str = "computing…", prefetch: bool = False) -> None:
        """Ask for the picture of ``key`` (the controls' current values); ``prefetch``: then compute
        its neighbours in the background (for a change a person made, see :func:`from_frontend`)."""
        if sync or not self.threaded:
            with self._lock:
                self._generation += 1
                self._wanted = key
                generation = self._generation
            self._deliver(key, generation)
            if sync and self.prefetch_on_show and self.neighbours is not None and self._show_worker is None:
                KERNEL.register()
                self._show_worker = threading.Thread(target=self._prefetch_when_idle, args=(key, generation),
                                                     daemon=True)
                self._show_worker.start()
            return
        KERNEL.last_request = time.monotonic()   # every panel's background work makes way for a person
        with self._lock:
            self._generation += 1
            self._wanted, self._wanted_prefetch = key, bool(prefetch)
            self._note(f"<span style='color:#a60'>⏳ {note}</span>")
            if self._worker is None:
                self._worker = threading.Thread(target=self._loop, daemon=True)
                self._worker.start()

    def _deliver(self, key, generation) -> None:
        try:
            result = self.compute(key)
            self.computed.append(key)
        except Exception as err:  # a lecturer's panel must not die: say what failed
            with self._lock:
                if generation == self._generation:
                    self._note(f"<span style='color:#b00'>could not compute this setting: "
                               f"{type(err).__name__}: {err}</span>")
            if not self.threaded:
                raise
            return
        with self._lock:
            if generation != self._generation:
                return  # a newer request came in while computing: its own pass shows it
            self._show(key, result)
            self.shown.append(key)
            self._note("")

    def _loop(self) -> None:
        while True:
            with self._lock:
                key, generation, prefetch = self._wanted, self._generation, self._wanted_prefetch
            self._deliver(key, generation)
            with self._lock:
                if generation != self._generation:
                    continue  # a newer request: compute it
                if self.neighbours is None or not prefetch:
                    self._worker = None
                    return
            if self._prefetch(key, generation):
                with self._lock:
                    if generation == self._generation:
                        self._worker = None
                        return

    def _prefetch(self, key, generation) -> bool:
        """Compute ``neighbours(key)`` until a new request arrives; True when all were done."""
        try:
            keys = list(self.neighbours(key))
        except Exception:
            return True
        for other in keys:
            # at most one background computation in the kernel; never keep a new request waiting
            while not KERNEL.background.acquire(timeout=0.1):
                if generation != self._generation:
                    return False
            try:
                with self._lock:
                    if generation != self._generation:
                        return False
                try:
                    self.compute(other)
                    self.prefetched.append(other)
                except Exception:
                    pass  # a failing neighbour shows its message when it is asked for
            finally:
                KERNEL.background.release()
        return True

    def _prefetch_when_idle(self, key, generation) -> None:
        """At first show: ``neighbours(key)`` one by one while the kernel is idle, until a request."""
        try:
            keys = list(self.neighbours(key))
        except Exception:
            return
        def quiet() -> bool:   # no cell runs (Run All) and nobody has used a slow panel lately
            return KERNEL.idle_for() >= self.IDLE_SECONDS and KERNEL.since_request() >= self.QUIET_SECONDS

        for other in keys:
            while True:
                while not quiet():
                    if generation != self._generation:
                        return
                    time.sleep(0.2)
                with KERNEL.background:                    # one background computation at a time, all panels
                    if generation != self._generation:
                        return  # a person moved this panel's control: requests (and their own prefetch) take over
                    if not quiet():
                        continue                           # someone came back while we waited for the lock
                    try:
                        self.compute(other)
                        self.prefetched.append(other)
                    except Exception:
                        pass
                    break

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the latest request is shown (and its neighbours prefetched; for tests and scripts)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
