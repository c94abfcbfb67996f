"""Panels of lecture 2: a learned denoiser against TV, and plug-and-play with that denoiser.

* :class:`DenoiserPanel` — the learned denoiser next to TV at its best :math:`\\lambda`, across
  noise levels (and test images);
* :class:`PnPPanel` — the deep proximal-gradient (and HQS) iterates for deblurring, scrubbed;
* :class:`PnPTasksPanel` — the *same* denoiser reused for deblurring, inpainting and ×2
  super-resolution, each next to its TV baseline.

Every picture is clipped to :math:`[0, 1]` before it is shown *and* before it is scored, so
the PSNR in a caption is the PSNR of the picture under it (learned and classical alike).
Slow work (a TV search over :math:`\\lambda`, a plug-and-play run) happens only when a
control is released (``continuous_update=False``) and is cached, so returning to a setting
is instant.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
import torch

from .. import analysis, data, metrics, noise, regularisers, solvers
from .._checks import check_int, check_real
from ..recipes import PNP_SETTINGS, gan_test_images, noisy_test_images
from .. import operators as op
from ..operators import check_tensor
from ..pretrained import load as _load, runs as _runs
from .base import ImageRow, IterationScrubber, LatestWins, _check_positive_int, from_frontend, nearest_first, psnr_note, slider_values

__all__ = ["DenoiserPanel", "PnPPanel", "PnPTasksPanel", "centre_crop", "tv_baseline", "TV_LAMBDAS"]

#: λ grid of the TV baselines of the plug-and-play panels (ADMM, warm-started along the grid).
TV_LAMBDAS = tuple(float(v) for v in np.logspace(-4, -2, 9))


def centre_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size x size`` part of an image ``(..., H, W)`` (a smaller field of view, same scale)."""
    check_tensor(x, "x")
    size = _check_positive_int(size, "size")
    H, W_ = x.shape[-2:]
    if size > min(H, W_):
        raise ValueError(f"size must be <= the image size {tuple(x.shape[-2:])}, got {size}.")
    r, c = (H - size) // 2, (W_ - size) // 2
    return x[..., r:r + size, c:c + size].contiguous()


def _test_image(name: str, size: int) -> torch.Tensor:
    """A test image at 256² (lecture 1's scale), centre-cropped to ``size`` if smaller."""
    if name not in data.TEST_IMAGES:
        raise ValueError(f"image must be one of the held-out test images {data.TEST_IMAGES}, got {name!r}.")
    size = _check_positive_int(size, "size", minimum=16)
    return centre_crop(data.image(name, 256), size) if size <= 256 else data.image(name, size)


def _denoise(denoiser, y: torch.Tensor, sigma: float) -> torch.Tensor:
    with torch.no_grad():
        return denoiser(y[None, None], float(sigma))[0, 0].clamp(0, 1)


def tv_baseline(A, y: torch.Tensor, x_true: torch.Tensor, lams=TV_LAMBDAS, n_iter: int = 40) -> dict:
    """TV reconstruction at its best :math:`\\lambda` on a grid (oracle: uses the ground truth).

    Solves :math:`\\min_x \\tfrac12\\|Ax-y\\|^2 + \\lambda\\,\\mathrm{TV}(x)` with circular TV
    by :func:`invlab.solvers.admm` for each :math:`\\lambda` in ``lams`` (warm-started from the
    previous one, :func:`invlab.analysis.psnr_vs_lambda`), clipped to :math:`[0, 1]`.

    Returns
    -------
    dict
        ``"x"`` (clipped best reconstruction), ``"lam"``, ``"psnr"`` (of ``"x"``).
    """
    if isinstance(lams, (str, bytes)) or not hasattr(lams, "__len__") or len(lams) == 0:
        raise TypeError(f"lams must be a non-empty sequence of λ values, got {lams!r}.")
    sweep = analysis.psnr_vs_lambda(A, y, x_true, list(lams), reg=regularisers.TV(boundary="circular"),
                                    n_iter=n_iter)
    x = sweep["best_x"].clamp(0, 1)
    return {"x": x, "lam": sweep["best_lam"], "psnr": metrics.psnr(x, x_true)}


def _caption_psnr(x, x_true) -> str:
    return psnr_note(x, x_true)


def _info(html: str) -> str:
    """A panel's summary line, at a normal line height (JupyterLab's default for HTML widgets is 28 px)."""
    return f"<div style='line-height:1.45'>{html}</div>"


class DenoiserPanel(W.VBox):
    """A learned denoiser against TV at its best :math:`\\lambda`, across noise levels (row 2.3).

    :math:`y = x + \\sigma\\varepsilon` with one fixed noise draw :math:`\\varepsilon` scaled
    by the slider's :math:`\\sigma`. TV denoising is the proximal map
    :math:`\\arg\\min_u \\tfrac12\\|u-y\\|^2 + \\lambda\\,\\mathrm{TV}(u)` at the :math:`\\lambda`
    in :math:`[0.2\\sigma, 2\\sigma]` with the best PSNR *for this image* (an oracle,
    :func:`invlab.analysis.best_lambda`); the network is called once, ``denoiser(y, sigma)``.

    Controls: ``sigma`` (noise level, applied on release) and ``image`` (a held-out test image).
    Each (image, σ) is computed once (about a second at 256², mostly the TV search) and cached.

    Parameters
    ----------
    denoiser : callable
        ``denoiser(x, sigma) -> x`` on ``(B, 1, H, W)``.
    image : str
        Starting test image (one of :data:`invlab.data.TEST_IMAGES`).
    size : int
        Image side (256: the scale of lecture 1; smaller values crop its centre).
    sigma : float
        Starting noise level.
    width : int
        Display width of each image in CSS pixels.
    seed : int
        Seed of the noise draw.

    Attributes
    ----------
    images : list of torch.Tensor
        The pictures shown (noisy, TV, denoiser), as scored in the captions against ``x_true``.
    """

    def __init__(self, denoiser, image: str = "camera", size: int = 256, sigma: float = 0.1, width: int = 256,
                 seed: int = 0):
        if not callable(denoiser):
            raise TypeError(f"denoiser must be callable (x, sigma) -> x, got {type(denoiser).__name__}.")
        self.denoiser, self.size = denoiser, _check_positive_int(size, "size", minimum=16)
        self.seed = check_int(seed, "seed", low=0)
        sigma = check_real(sigma, "sigma", low=0.01, high=0.2)   # the slider's range
        _test_image(image, self.size)  # validates the name
        self.sigma = W.FloatSlider(value=sigma, min=0.01, max=0.2, step=0.01, description="noise σ",
                                   readout_format=".2f", continuous_update=False)
        self.image = W.Dropdown(options=list(data.TEST_IMAGES), value=image, description="test image")
        self.row = ImageRow(["noisy y", "TV, best λ", "learned denoiser"], width, lines=2)
        self.info = W.HTML()
        self.busy = W.HTML()
        self._cache = {}
        self._latest = LatestWins(lambda key: self.compute(*key), self._show, self.busy,
                                  neighbours=lambda key: [(key[0], s) for s in
                                                          nearest_first(slider_values(self.sigma), key[1])])
        self.sigma.observe(lambda change: self.update(prefetch=from_frontend(change)), names="value")
        self.image.observe(lambda change: self.update(prefetch=from_frontend(change)), names="value")
        super().__init__([W.HBox([self.sigma, self.image, self.busy], layout=W.Layout(flex_flow="row wrap")),
                          self.row, self.info])
        self.update(sync=True)

    def compute(self, image: str, sigma: float) -> dict:
        """Ground truth, noisy image, TV at its best λ and the denoiser's output (cached)."""
        key = (image, round(float(sigma), 6))
        if key not in self._cache:
            x = _test_image(image, self.size)
            y = noise.gaussian(x, sigma, seed=self.seed)
            best = analysis.tv_denoise_best(y, x, sigma)
            self._cache[key] = {"x": x, "y": y, "tv": best["best_x"], "lam": best["best_lam"],
                                "net": _denoise(self.denoiser, y, sigma)}
        return self._cache[key]

    def update(self, sync: bool = False, prefetch: bool = False):
        """Show the controls' setting (computed on a worker thread in a kernel: latest wins)."""
        self._latest.request((self.image.value, self.sigma.value), sync=sync, prefetch=prefetch,
                             note=f"computing σ = {self.sigma.value:.2f} on {self.image.value}…")

    def _show(self, key, r):
        image, s = key
        x = r["x"]
        self.x_true = x
        self.images = [r["y"], r["tv"], r["net"]]
        self.row.set(0, r["y"], title=f"noisy y, σ = {s:.2f}", note=_caption_psnr(r["y"], x))
        self.row.set(1, r["tv"], title=f"TV, best λ = {r['lam']:.3f}", note=_caption_psnr(r["tv"], x))
        self.row.set(2, r["net"], title="learned denoiser D(y, σ)", note=_caption_psnr(r["net"], x))
        gain = metrics.psnr(r["net"], x) - metrics.psnr(r["tv"], x)
        verdict = "beats" if gain > 0 else "loses to"
        colour = "green" if gain > 0 else "#b00"
        self.info.value = _info(f"On <b>{image}</b> at σ = {s:.2f} the network "
                                f"<b style='color:{colour}'>{verdict}</b> TV at its best λ by "
                                f"<b>{abs(gain):.2f} dB</b>. (TV's λ was chosen with the ground truth; "
                                f"the network was never shown this image.)")


def _scrub_view(history: dict, x_true: torch.Tensor) -> dict:
    """A solver history as the scrubber sees it: iterates clipped to [0, 1] and their PSNR."""
    xs = [x.clamp(0, 1) for x in history["x"]]
    return {"x": xs, "x_iter": list(history["x_iter"]), "objective": [metrics.psnr(x, x_true) for x in xs]}


class _PSNRScrubber(IterationScrubber):
    """:class:`IterationScrubber` whose curve is the PSNR of each iterate, with a reference line."""

    def __init__(self, history: dict, x_true, title: str, width: int, reference: float | None = None,
                 reference_label: str = ""):
        super().__init__(_scrub_view(history, x_true), x_true=x_true, title=title, width=width)
        ax = self.plot.ax
        ax.set_title("PSNR of the iterate")
        ax.set_ylabel("PSNR (dB)")
        handles = [ax.lines[0]]
        ax.lines[0].set_label("PnP iterate")
        if reference is not None:
            handles.append(ax.axhline(reference, ls="--", color="C2", lw=1.2, label=reference_label))
        curve = np.asarray(self._obj, dtype=float)
        lo = min(float(curve.min()), reference if reference is not None else np.inf)
        hi = max(float(curve.max()), reference if reference is not None else -np.inf)
        ax.set_ylim(lo - 1.0, hi + 0.25 * (hi - lo) + 1.0)
        ax.legend(handles=handles, loc="best", framealpha=0.9)
        self.plot.finish()
        self.plot.set_dynamic(self.marker)
        self.update()


def _close_tree(widget) -> None:
    """Close a widget and everything inside it."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


class _DeblurSetup:
    """Lecture 1's deblurring task on a test image: Gaussian blur (2 px), noise 0.01."""

    def __init__(self, image: str, size: int, blur: float, noise_level: float, seed: int):
        self.x_true = _test_image(image, size)
        n = self.x_true.shape[-1]
        self.A = op.Blur.gaussian((n, n), blur)
        self.y = noise.gaussian(self.A(self.x_true), noise_level, seed=seed)
        self.noise = noise_level


class PnPPanel(W.VBox):
    """Plug-and-play deblurring: the iterates of deep proximal gradient (or HQS), scrubbed (row 2.3).

    Deep proximal gradient (the slides' algorithm, ``method="PGD"``):

    .. math::
        z_k = x_{k-1} + \\eta A^{\\top}(y - Ax_{k-1}), \\qquad x_k = D(z_k, \\sigma),

    and half-quadratic splitting (``"HQS"``), whose data step is exact and whose denoiser
    strength falls from 0.2 to :math:`\\sigma` (see :func:`invlab.solvers.pnp`). Next to them:
    TV at its best :math:`\\lambda` (:func:`tv_baseline`).

    Controls: ``method``, ``step`` (:math:`\\eta`, PGD only), ``sigma`` (denoiser strength;
    the final one for HQS) — each new setting runs the solver once on release, storing every
    iterate (cached per setting) — and ``iteration`` (scrubs the stored iterates, instant).

    Parameters
    ----------
    denoiser : callable
        ``denoiser(x, sigma) -> x``.
    size : int
        Side of the centre crop of the 256² test image (128: a run takes a couple of seconds).
    image : str
        Test image.
    blur, noise_level : float
        Gaussian blur width (pixels) and measurement noise.
    step : float
        Starting :math:`\\eta` (:math:`\\|A\\| = 1` for a normalised blur, so 1 is :math:`1/\\|A\\|^2`);
        the slider runs to :attr:`MAX_STEP`, past the stable range, to show divergence.
    width : int
        Display width of each image in CSS pixels.
    seed : int
        Seed of the measurement noise.
    n_iter : int, optional
        Iterations per run for both methods (default: :attr:`DEFAULTS`).
    """

    METHODS = ("PGD (slides)", "HQS")
    #: Starting denoiser strength and number of iterations of each method: the deblurring
    #: settings of :data:`invlab.recipes.PNP_SETTINGS`, chosen on training images, except that
    #: PGD runs 80 iterations instead of 40 so that its PSNR curve is seen to level off (at
    #: 40 it is still rising for every step size; it peaks near iteration 60 on the camera crop).
    DEFAULTS = {"PGD (slides)": dict(PNP_SETTINGS["deblurring"]["pgd"], n_iter=80),
                "HQS": dict(PNP_SETTINGS["deblurring"]["hqs"])}
    #: Largest step on the slider: beyond :math:`2/\|A\|^2 = 2` the gradient step diverges.
    MAX_STEP = 3.0

    def __init__(self, denoiser, size: int = 128, image: str = "camera", blur: float = 2.0,
                 noise_level: float = 0.01, step: float = 1.0, width: int = 256, seed: int = 0, n_iter=None):
        if not callable(denoiser):
            raise TypeError(f"denoiser must be callable (x, sigma) -> x, got {type(denoiser).__name__}.")
        self.denoiser = denoiser
        self.n_iters = {m: d["n_iter"] if n_iter is None else _check_positive_int(n_iter, "n_iter")
                        for m, d in self.DEFAULTS.items()}
        self._sigma_of = {m: d["sigma"] for m, d in self.DEFAULTS.items()}
        self.width = _check_positive_int(width, "width")
        self.problem = p = _DeblurSetup(image, size, blur, noise_level, seed)
        self.method = W.ToggleButtons(options=list(self.METHODS), value=self.METHODS[0],
                                      style={"button_width": "110px"}, tooltips=[
                                          "deep proximal gradient: gradient step, then the denoiser",
                                          "half-quadratic splitting: exact data step, decreasing σ"])
        self.step = W.FloatSlider(value=step, min=0.1, max=self.MAX_STEP, step=0.1, description="step η",
                                  readout_format=".1f", continuous_update=False)
        self.sigma = W.FloatLogSlider(value=self._sigma_of[self.METHODS[0]], base=10, min=-2.5, max=-1, step=0.125,
                                      description="denoiser σ", readout_format=".3f", continuous_update=False)
        self.tv = tv_baseline(p.A, p.y, p.x_true)
        y_shown = p.y.clamp(0, 1)
        self.row = ImageRow(["measurement y", "TV, best λ"], self.width, lines=2)
        self.row.set(0, y_shown, note=_caption_psnr(y_shown, p.x_true))
        self.row.set(1, self.tv["x"], title=f"TV, best λ = {self.tv['lam']:.1e}",
                     note=_caption_psnr(self.tv["x"], p.x_true))
        self.images = [y_shown, self.tv["x"]]
        self.info = W.HTML(layout=W.Layout(max_width="26em", margin="40px 0 0 12px"))
        self.runs = {}
        self.scrubber = None
        # the scrubber's parts are laid out here: its iterate next to y and TV, its slider and
        # PSNR curve below (a new run builds a new scrubber and swaps them in)
        self._pictures = W.HBox([], layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        self._scrub_controls = W.HBox([])
        self._plot_box = W.HBox([])
        self._busy = False
        self.busy = W.HTML()
        self._latest = LatestWins(lambda key: self.run(*key), self._show, self.busy, neighbours=self._neighbours)
        self.method.observe(self._on_method, names="value")
        for c in (self.step, self.sigma):
            c.observe(lambda change: self.update(prefetch=from_frontend(change)), names="value")
        super().__init__([W.HBox([W.Label("method"), self.method]),
                          W.HBox([self.step, self.sigma, self.busy], layout=W.Layout(flex_flow="row wrap")),
                          self._pictures, self._scrub_controls, W.HBox([self._plot_box, self.info]),
                          ])
        self.update(sync=True)

    def _on_method(self, change):
        """Each method keeps its own denoiser strength: switching restores it."""
        self._sigma_of[change["old"]] = self.sigma.value
        self._busy = True
        self.sigma.value = self._sigma_of[change["new"]]
        self._busy = False
        self.update()

    @property
    def iteration(self) -> W.IntSlider:
        """The scrubber's slider over the stored iterates of the current run."""
        return self.scrubber.iteration

    def run(self, method: str, step: float, sigma: float) -> dict:
        """The solver history for one setting (run once with every iterate stored, then cached)."""
        if method not in self.METHODS:
            raise ValueError(f"method must be one of {self.METHODS}, got {method!r}.")
        p = self.problem
        key = (method, round(float(step), 6) if method == self.METHODS[0] else None, round(float(sigma), 6))
        if key not in self.runs:
            if method == self.METHODS[0]:
                _, h = solvers.pnp(p.A, p.y, self.denoiser, sigma=sigma, n_iter=self.n_iters[method], step=step,
                                   x_true=p.x_true, keep_every=1)
            else:
                _, h = solvers.pnp(p.A, p.y, self.denoiser, sigma=sigma, n_iter=self.n_iters[method], method="hqs",
                                   weight=self.DEFAULTS[method]["weight"],
                                   noise=p.noise, x_true=p.x_true, keep_every=1)
            self.runs[key] = h
        return self.runs[key]

    def update(self, sync: bool = False, prefetch: bool = False):
        """Show the controls' setting (run on a worker thread in a kernel: latest wins)."""
        if self._busy:
            return
        method = self.method.value
        self.step.disabled = method != self.METHODS[0]
        self._latest.request((method, self.step.value, self.sigma.value), sync=sync, prefetch=prefetch,
                             note=f"running {method} ({self.n_iters[method]} iterations)…")

    def _neighbours(self, key) -> list:
        """The other values of the step and σ sliders for this method, nearest first."""
        method, step, sigma = key
        steps = nearest_first(slider_values(self.step), step) if method == self.METHODS[0] else []
        return [(method, s, sigma) for s in steps] + [(method, step, g) for g in
                                                      nearest_first(slider_values(self.sigma), sigma)]

    def _show(self, key, h):
        method, step, sigma = key
        old = self.scrubber
        label = "PnP-PGD" if method == self.METHODS[0] else "PnP-HQS"
        self.scrubber = _PSNRScrubber(h, self.problem.x_true, label, self.width, reference=self.tv["psnr"],
                                      reference_label="TV, best λ")
        if old is not None:  # keep the scrubbing position
            self.scrubber.iteration.value = min(old.iteration.value, self.scrubber.iteration.max)
        self.history = h
        sc = self.scrubber
        sc.readout.layout.width = "24em"
        self._pictures.children = [self.row, sc.row]
        self._scrub_controls.children = [sc.iteration, sc.readout]
        self._plot_box.children = [sc.plot]
        if old is not None:
            _close_tree(old)  # its widgets are no longer shown: free them in the kernel and browser
        final = metrics.psnr(h["x"][-1].clamp(0, 1), self.problem.x_true)
        gain = final - self.tv["psnr"]
        setting = (f"η = {step:.1f}, σ = {sigma:.3f}" if method == self.METHODS[0]
                   else f"σ from 0.2 down to {sigma:.3f}")
        if h.get("diverged"):
            self.info.value = _info(f"{label} ({setting}) <b>diverged</b>: stopped at iteration {h['x_iter'][-1]}, "
                                    f"where the misfit ½‖Ax − y‖² had grown to {h['objective'][-1]:.1e}. "
                                    f"A step above 2/‖A‖² = 2 amplifies the error at every iteration "
                                    f"faster than the denoiser can remove it.")
            return
        growth = h["objective"][-1] / max(min(h["objective"]), 1e-30)
        trend = (f" The misfit ½‖Ax − y‖² has grown {growth:.0e}-fold since its smallest value: the run is "
                 f"diverging (a step above 2/‖A‖² = 2)." if growth > 100 else "")
        self.info.value = _info(f"{label} ({setting}), after {len(h['x'])} iterations: <b>{final:.2f} dB</b>, "
                                f"{'+' if gain >= 0 else '−'}{abs(gain):.2f} dB against TV at its best λ.{trend}")


class PnPTasksPanel(W.VBox):
    """One denoiser, three inverse problems: plug-and-play (HQS) against TV for each (row 2.3).

    The same network, trained only to remove Gaussian noise, is plugged into
    :func:`invlab.solvers.pnp` (``method="hqs"``) for deblurring (Gaussian blur 2 px),
    inpainting (a random half of the pixels missing) and ×2 super-resolution
    (:class:`~invlab.operators.Downsample`), all with measurement noise ``noise_level``; TV at
    its best :math:`\\lambda` is the baseline (:func:`tv_baseline`). Each task is computed on
    first view and cached; :meth:`result` gives the numbers for a table.

    Controls: ``task``.

    Parameters
    ----------
    denoiser : callable
    size : int
        Side of the centre crop of the 256² test image.
    image : str
    noise_level : float
    n_iter : int, optional
        HQS iterations for every task (default: each task's :data:`invlab.recipes.PNP_SETTINGS`,
        chosen on training images; the denoiser strength falls from 0.2 to its ``sigma``).
    width : int
    """

    TASKS = ("deblurring", "inpainting", "super-resolution ×2")
    _SETTING_OF = {"deblurring": "deblurring", "inpainting": "inpainting", "super-resolution ×2": "super-resolution"}

    def __init__(self, denoiser, size: int = 128, image: str = "camera", noise_level: float = 0.01,
                 n_iter=None, width: int = 200, seed: int = 0):
        if not callable(denoiser):
            raise TypeError(f"denoiser must be callable (x, sigma) -> x, got {type(denoiser).__name__}.")
        self.denoiser, self.noise, self.seed = denoiser, float(noise_level), seed
        self.settings = {t: dict(PNP_SETTINGS[k]["hqs"]) for t, k in self._SETTING_OF.items()}
        if n_iter is not None:
            n_iter = _check_positive_int(n_iter, "n_iter")
            for setting in self.settings.values():
                setting["n_iter"] = n_iter
        self.x_true = _test_image(image, size)
        self.task = W.ToggleButtons(options=list(self.TASKS), value=self.TASKS[0], style={"button_width": "150px"})
        self.row = ImageRow(["measurement y", "TV, best λ", "plug-and-play (HQS)", "ground truth x"], width,
                            lines=2)
        self.info = W.HTML()
        self._cache = {}
        self.task.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([W.Label("task"), self.task]), self.row, self.info])
        self.update()

    def operator(self, task: str):
        """The forward model of ``task`` on the panel's image size."""
        n = self.x_true.shape[-1]
        if task == "deblurring":
            return op.Blur.gaussian((n, n), 2.0)
        if task == "inpainting":
            return op.Mask.random((n, n), fraction_missing=0.5, seed=self.seed)
        if task == "super-resolution ×2":
            return op.Downsample((n, n), 2)
        raise ValueError(f"task must be one of {self.TASKS}, got {task!r}.")

    def result(self, task: str) -> dict:
        """``{"A", "y", "tv", "lam", "pnp", "psnr_tv", "psnr_pnp"}`` for ``task`` (computed once)."""
        if task not in self._cache:
            A = self.operator(task)
            y = noise.gaussian(A(self.x_true), self.noise, seed=self.seed + 1)
            tv = tv_baseline(A, y, self.x_true)
            x, _ = solvers.pnp(A, y, self.denoiser, **self.settings[task], method="hqs",
                               noise=self.noise)
            x = x.clamp(0, 1)
            self._cache[task] = {"A": A, "y": y, "tv": tv["x"], "lam": tv["lam"], "pnp": x,
                                 "psnr_tv": tv["psnr"], "psnr_pnp": metrics.psnr(x, self.x_true)}
        return self._cache[task]

    def update(self):
        task = self.task.value
        r = self.result(task)
        xt = self.x_true
        if task == "inpainting":  # show the measured pixels in place, the missing ones black
            y_shown, y_title = r["A"].adjoint(r["y"]).clamp(0, 1), "y: half the pixels missing"
            y_note = f"{int(r['A'].mask.sum())} of {xt.numel()} pixels kept"
        elif task == "super-resolution ×2":
            y_shown, y_title = r["y"].clamp(0, 1), "y: {} × {} pixels".format(*r["y"].shape)
            y_note = "shown enlarged"
        else:
            y_shown, y_title = r["y"].clamp(0, 1), "y: blurred + noise"
            y_note = _caption_psnr(y_shown, xt)
        self.images = [y_shown, r["tv"], r["pnp"], xt]
        self.row.set(0, y_shown, title=y_title, note=y_note)
        self.row.set(1, r["tv"], title=f"TV, best λ = {r['lam']:.1e}", note=_caption_psnr(r["tv"], xt))
        self.row.set(2, r["pnp"], title="PnP-HQS, same denoiser", note=_caption_psnr(r["pnp"], xt))
        self.row.set(3, xt, title="ground truth x")
        gain = r["psnr_pnp"] - r["psnr_tv"]
        self.info.value = _info(f"{task}: plug-and-play {'beats' if gain > 0 else 'loses to'} TV at its best λ by "
                                f"<b>{abs(gain):.2f} dB</b>, with a denoiser that was trained only to remove noise.")


#: Lecture 2's denoiser table: noise levels (both ends and the middle of the panel's slider) and image size.
DENOISE_TV_SIGMAS, DENOISE_TV_SIZE = (0.01, 0.1, 0.2), 128


def _denoise_tv(progress=False) -> dict:
    r"""Lecture 2, 2.3: TV denoising at its best λ per image, the classical side of the denoiser's table.

    :func:`~invlab.analysis.tv_denoise_best` (:math:`\operatorname{prox}_{\lambda\mathrm{TV}}`,
    λ searched in :math:`[0.2\sigma, 2\sigma]`) on the noisy test images of
    :func:`~invlab.recipes.noisy_test_images` at each σ of :data:`DENOISE_TV_SIGMAS`, at
    :data:`DENOISE_TV_SIZE`². Stored: ``"sigmas"``, ``"size"``, ``"images"`` and, under ``f"{sigma:g}"``,
    ``"psnr"`` and ``"lam"`` per image.
    """
    from tqdm.auto import tqdm

    out = {"sigmas": list(DENOISE_TV_SIGMAS), "size": DENOISE_TV_SIZE, "images": list(data.TEST_IMAGES)}
    bar = tqdm(total=len(DENOISE_TV_SIGMAS) * len(data.TEST_IMAGES), desc="TV denoising", disable=not progress)
    for s in DENOISE_TV_SIGMAS:
        x, y = noisy_test_images(s, size=DENOISE_TV_SIZE)
        best = []
        for xi, yi in zip(x, y):
            best.append(analysis.tv_denoise_best(yi, xi, s))
            bar.update()
        out[f"{s:g}"] = {"psnr": [round(float(b["best_psnr"]), 4) for b in best],
                         "lam": [float(b["best_lam"]) for b in best]}
    bar.close()
    return out


#: Lecture 2's CSGM sweep: numbers of measurements, restarts, iterations and screened starts.
CSGM_SWEEP_M, CSGM_SWEEP = (25, 50, 100, 400), dict(restarts=2, n_iter=100, candidates=64)


def _csgm_sweep(progress=False) -> dict:
    r"""Lecture 2, 2.5: CSGM against TV as the number of measurements :math:`m` grows, and CSGM's ceiling.

    :func:`~invlab.widgets.lecture2_gan.cs_sweep` with the shipped generator on
    :func:`~invlab.recipes.gan_test_images` (one test image per class) for each :math:`m` of
    :data:`CSGM_SWEEP_M` (settings :data:`CSGM_SWEEP`, TV at its best λ per image), and the
    representation error: the mean PSNR of the closest :math:`G(z)` found by the same search with
    :math:`A = I` (``"plateau"``). Stored: ``"m"``, ``"csgm"`` and ``"baseline"`` (PSNR, ``(len(m), N)``,
    float64), ``"baseline_name"``, ``"plateau"``.
    """
    from .lecture2_gan import cs_sweep  # here, not at the top: lecture2_gan imports this module

    generator = _load("gan_generator")
    x = gan_test_images(n_per_class=1)
    out = cs_sweep(generator, x, CSGM_SWEEP_M, baseline="tv", **CSGM_SWEEP)
    out["csgm"], out["baseline"] = torch.from_numpy(out["csgm"]), torch.from_numpy(out["baseline"])
    closest, _ = solvers.csgm(op.Identity(tuple(x.shape[-2:])), x, generator, n_iter=CSGM_SWEEP["n_iter"],
                              restarts=CSGM_SWEEP["restarts"], candidates=CSGM_SWEEP["candidates"])
    out["plateau"] = float(metrics.psnr(closest, x).mean())
    return out


_runs.RUNS["denoise_tv"] = _runs.Run(
    "denoise_tv", "TV denoising (best lambda per image) on the test images at three noise levels (lecture 2, 2.3)",
    _denoise_tv)
_runs.RUNS["csgm_sweep"] = _runs.Run(
    "csgm_sweep", "CSGM against TV (best lambda per image) for several numbers of measurements (lecture 2, 2.5)",
    _csgm_sweep)
