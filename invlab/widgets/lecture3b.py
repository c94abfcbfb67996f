"""Panels of lecture 3b: the deep image prior, scrubbed from stored runs.

* :class:`FittingPanel` — a photo, its shuffled pixels and noise fitted by the same seeded
  :class:`~invlab.nets.DIPNet`: the fits at iteration :math:`k` and the three PSNR curves (row 3.5);
* :class:`DIPPanel` — a DIP reconstruction (inpainting with a mask selector, denoising with its
  peak and validation stop, super-resolution) at iteration :math:`k` next to the classical and
  plug-and-play baselines, with the PSNR curve (row 3.6);
* :func:`baselines` — TV at its best :math:`\\lambda` (lecture 1), PnP-HQS with the shipped
  denoiser (lecture 2), bicubic (SR) and the denoiser alone (denoising), on one problem;
* :class:`LiveDIP` — rerun a fit live with a progress bar and a PSNR curve that grows.

The runs come from :func:`invlab.pretrained.stored_run` (computed once by
``python -m invlab.pretrained run NAME``): a slider only looks up a stored iterate, so every
panel answers in a few milliseconds.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
import torch

from .. import metrics, solvers
from .._checks import check_real
from .. import operators as op
from ..pretrained.runs import from_uint8
from ..recipes import PNP_SETTINGS
from .base import ImageRow, PlotImage, _check_positive_int, psnr_note
from .lecture2 import _info, tv_baseline

__all__ = ["FittingPanel", "DIPPanel", "LiveDIP", "baselines", "TV_GRIDS", "FIT_LABELS"]

#: λ grids of the TV baselines (oracle choice on the grid, as in lecture 2).
TV_GRIDS = {"denoising": tuple(float(v) for v in np.logspace(-2, -0.5, 7)),
            "inpainting": tuple(float(v) for v in np.logspace(-4, -1.5, 6)),
            "sr": tuple(float(v) for v in np.logspace(-4.5, -2, 6))}

#: How the three targets of the fitting experiment are called on screen.
FIT_LABELS = {"natural": "photo", "shuffled": "shuffled pixels", "noise": "uniform noise"}


def _kind(task: str) -> str:
    return "inpainting" if task.startswith("inpainting") else task


def baselines(task: str, A, y: torch.Tensor, x_true: torch.Tensor, denoiser=None, sigma: float | None = None) -> dict:
    """The comparison methods of lecture 3b on one problem, each ``name -> image`` clipped to [0, 1].

    * ``"bicubic"`` (task ``"sr"``): :meth:`~invlab.operators.Downsample.interpolate`;
    * ``"TV (best λ)"``: :func:`~invlab.widgets.lecture2.tv_baseline` on :data:`TV_GRIDS` (an oracle:
      λ is chosen with the ground truth, as in lecture 2);
    * ``"PnP-HQS"`` (with a ``denoiser``): :func:`~invlab.solvers.pnp`, lecture 2's settings
      (:data:`invlab.recipes.PNP_SETTINGS`; denoising: 6 iterations from 2σ down to σ);
    * ``"denoiser"`` (task ``"denoising"``, with a ``denoiser``): one call ``denoiser(y, sigma)``.

    Parameters
    ----------
    task : {"denoising", "inpainting", "inpainting-random", "inpainting-text", "inpainting-block", "sr"}
    A : LinearOperator
        The forward model (denoising: :class:`~invlab.operators.Identity`).
    y, x_true : torch.Tensor
        Measurement and ground truth ``(H, W)``.
    denoiser : callable, optional
        ``denoiser(x, sigma) -> x``, e.g. ``invlab.pretrained.load("denoiser")``.
    sigma : float, optional
        Noise level of ``y`` (denoising only; required there).
    """
    if not isinstance(task, str):
        raise TypeError(f"task must be a str, got {type(task).__name__}.")
    kind = _kind(task)
    if kind not in TV_GRIDS:
        raise ValueError(f"task must be 'denoising', 'inpainting[-…]' or 'sr', got {task!r}.")
    if kind == "denoising" and sigma is None:
        raise ValueError("sigma (the noise level of y) is required for task='denoising'.")
    if sigma is not None:
        sigma = check_real(sigma, "sigma", low=0, low_open=True)
    if denoiser is not None and not callable(denoiser):
        raise TypeError(f"denoiser must be callable (x, sigma) -> x, got {type(denoiser).__name__}.")
    out = {}
    if kind == "sr":
        if not isinstance(A, op.Downsample):
            raise TypeError(f"task='sr' needs A = invlab.operators.Downsample, got {type(A).__name__}.")
        out["bicubic"] = A.interpolate(y, "bicubic").clamp(0, 1)
    out["TV (best λ)"] = tv_baseline(A, y, x_true, lams=TV_GRIDS[kind], n_iter=60)["x"]
    if denoiser is not None:
        if kind == "denoising":
            with torch.no_grad():
                out["denoiser"] = denoiser(y[None, None], float(sigma))[0, 0].clamp(0, 1)
            settings = {"n_iter": 6, "sigma": float(sigma), "sigma_start": 2 * float(sigma), "noise": float(sigma)}
        else:
            settings = dict(PNP_SETTINGS["super-resolution" if kind == "sr" else "inpainting"]["hqs"])
        x, _ = solvers.pnp(A, y, denoiser, method="hqs", **settings)
        out["PnP-HQS"] = x.clamp(0, 1)
    return out


def _iterates(run: dict) -> list:
    return [from_uint8(x) for x in run["iterates"]]


def _psnr_axis(ax, n_iter: int) -> None:
    ax.set_xscale("log")
    ax.set_xlim(1, n_iter)
    ax.set_xlabel("iteration k (log scale)")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(True, which="major", alpha=0.3)


class FittingPanel(W.VBox):
    """Three fits of :math:`y = x` (:math:`A = I`) by one seeded DIPNet, scrubbed by iteration (row 3.5).

    Parameters
    ----------
    run : dict
        ``invlab.pretrained.stored_run("dip_fitting")``: ``"fits"`` with ``"natural"``,
        ``"shuffled"`` and ``"noise"`` (each with ``"psnr"``, ``"iterates"``, ``"x_iter"``).
    width : int
        Display width of each image in CSS pixels.
    """

    def __init__(self, run: dict, width: int = 200):
        width = _check_positive_int(width, "width")
        if not isinstance(run, dict) or "fits" not in run:
            raise TypeError("run must be invlab.pretrained.stored_run('dip_fitting').")
        self.labels = list(run["labels"])
        self.fits = {k: run["fits"][k] for k in self.labels}
        first = self.fits[self.labels[0]]
        self.iters = [int(k) for k in first["x_iter"]]
        self.xs = {k: _iterates(f) for k, f in self.fits.items()}
        self.iteration = W.SelectionSlider(options=self.iters, value=self.iters[0], description="iteration k",
                                           continuous_update=True, layout=W.Layout(width="420px"),
                                           style={"description_width": "initial"})
        self.targets = ImageRow([f"target: {FIT_LABELS.get(k, k)}" for k in self.labels], width, lines=1)
        for i, k in enumerate(self.labels):
            self.targets.set(i, self.fits[k]["x_true"].float())
        self.row = ImageRow([FIT_LABELS.get(k, k) for k in self.labels], width, lines=3)
        self.plot = PlotImage(figsize=(5.2, 3.4), dpi=80)
        ax = self.plot.ax
        n = first["n_iter"]
        ks = np.arange(1, n + 1)
        for i, k in enumerate(self.labels):
            ax.plot(ks, self.fits[k]["psnr"], color=f"C{i}", label=FIT_LABELS.get(k, k))
        _psnr_axis(ax, n)
        ax.set_title("how well Ψ(z₀; w) fits each target")
        ax.legend(loc="upper left", fontsize=9, frameon=True)
        self.cursor = ax.axvline(self.iters[0], color="0.3", lw=1, ls="--")
        self.plot.finish()
        self.plot.set_dynamic(self.cursor)
        self.iteration.observe(lambda change: self.update(), names="value")
        super().__init__([self.iteration, W.HTML(_info("<b>targets</b> (what the network is asked to reproduce)")),
                          self.targets, W.HTML(_info("<b>Ψ(z₀; w) after k Adam steps</b>")),
                          W.HBox([self.row, self.plot], layout=W.Layout(flex_flow="row wrap"))])
        self.update()

    def update(self) -> None:
        """Show the fits at the slider's iteration."""
        k = self.iteration.value
        i = self.iters.index(k)
        for j, label in enumerate(self.labels):
            f = self.fits[label]
            self.row.set(j, self.xs[label][i], title=f"{FIT_LABELS.get(label, label)}, k = {k}",
                         note=f"fit {f['psnr'][k - 1]:.1f} dB")
        self.cursor.set_xdata([k, k])
        self.plot.refresh()


class DIPPanel(W.VBox):
    """A DIP run scrubbed by iteration next to its baselines (row 3.6).

    Shows the measurement, DIP at iteration :math:`k`, DIP at its best iteration (the PSNR
    peak: an oracle, it uses the ground truth), the baselines and the ground truth; below, the
    PSNR of DIP against iteration with the baselines as horizontal lines (and, for a run with a
    validation curve, the held-out pixels' error and the iteration where it is lowest).

    Parameters
    ----------
    runs : dict
        ``label -> stored run`` (several: a selector appears, e.g. the three inpainting masks).
    baselines : dict
        ``label -> {method name -> image}`` (see :func:`baselines`), the same labels as ``runs``.
    measurement : callable, optional
        ``measurement(run) -> image`` to show for ``y`` (default: ``run["y"]``).
    width : int
        Display width of each image in CSS pixels.
    """

    def __init__(self, runs: dict, baselines: dict, measurement=None, width: int = 170):
        width = _check_positive_int(width, "width")
        if not isinstance(runs, dict) or not runs:
            raise TypeError("runs must be a non-empty dict label -> stored run.")
        if not isinstance(baselines, dict) or set(baselines) != set(runs):
            raise ValueError(f"baselines must have the same labels as runs ({list(runs)}), got "
                             f"{list(baselines) if isinstance(baselines, dict) else type(baselines).__name__}.")
        if measurement is not None and not callable(measurement):
            raise TypeError(f"measurement must be callable (run -> image), got {type(measurement).__name__}.")
        self.runs, self.baselines = runs, baselines
        self.measurement = measurement or (lambda run: run["y"].float())
        self.labels = list(runs)
        self.xs = {k: _iterates(r) for k, r in runs.items()}
        self.selector = W.Dropdown(options=self.labels, value=self.labels[0], description="problem",
                                   layout=W.Layout(width="320px"))
        iters = [int(k) for k in runs[self.labels[0]]["x_iter"]]
        self.iteration = W.SelectionSlider(options=iters, value=iters[-1], description="iteration k",
                                           continuous_update=True, layout=W.Layout(width="420px"),
                                           style={"description_width": "initial"})
        names = list(baselines[self.labels[0]])
        self.validation = "val" in runs[self.labels[0]]
        titles = ["measurement y", "DIP at k", "DIP, PSNR peak"] + (["DIP, validation stop"] if self.validation else [])
        self.method_names = names
        self.row = ImageRow(titles, width, lines=3)
        self.base_row = ImageRow(names + ["ground truth"], width, lines=3)
        self.plot = PlotImage(figsize=(8.0, 3.0), dpi=80)
        self.summary = W.HTML()
        self.selector.observe(lambda change: self._redraw(), names="value")
        self.iteration.observe(lambda change: self.update(), names="value")
        controls = [self.selector, self.iteration] if len(self.labels) > 1 else [self.iteration]
        super().__init__(controls + [W.HTML(_info("<b>deep image prior</b>")), self.row,
                          W.HTML(_info("<b>the other methods</b> (the same measurement)")), self.base_row,
                          self.plot, self.summary])
        self._redraw()

    def _run(self):
        return self.runs[self.selector.value]

    def _redraw(self) -> None:
        """Static part for the selected problem: the curves, the baselines and the fixed images."""
        label = self.selector.value
        run, base = self._run(), self.baselines[label]
        x_true = run["x_true"].float()
        n = run["n_iter"]
        fig, ax = self.plot.fig, self.plot.ax
        fig.clf()
        ax = self.plot.ax = fig.add_subplot(111)
        self.plot.axes = [ax]
        ks = np.arange(1, n + 1)
        ax.plot(ks, run["psnr"], color="C0", label="DIP")
        scores = {name: float(metrics.psnr(x, x_true)) for name, x in base.items()}
        for i, (name, p) in enumerate(scores.items()):
            ax.axhline(p, color=f"C{i + 1}", ls="--", lw=1.2, label=name)
        b = run["best_iter"]
        ax.plot([b], [run["psnr"][b - 1]], "v", color="C3", ms=8, label=f"DIP's peak (k = {b})")
        _psnr_axis(ax, n)
        lo = min(min(run["psnr"][max(0, min(9, n - 1)):]), *scores.values())
        hi = max(max(run["psnr"]), *scores.values())
        ax.set_ylim(lo - 1, hi + 1)
        ax.set_title("PSNR of Ψ(z₀; w) against the ground truth")
        if self.validation:
            ax2 = ax.twinx()
            val = np.asarray(run["val"], dtype=float)
            ax2.plot(ks, val, color="0.55", lw=1, label="held-out error (right axis)")
            ax2.set_ylabel("held-out pixels' MSE")
            v = run["val_best_iter"]
            ax2.plot([v], [val[v - 1]], "o", color="0.3", ms=6, label=f"its minimum (k = {v})")
            tail = val[min(len(val) - 1, 49):]          # from k = 50 on: the part where the minimum lies
            ax2.set_ylim(val.min() - 0.1 * (tail.max() - val.min()), tail.max() + 0.1 * (tail.max() - val.min()))
            ax2.tick_params(labelsize=9)
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            ax.legend(h1 + h2, l1 + l2, loc="upper left", bbox_to_anchor=(1.2, 1.0), fontsize=9, framealpha=0.9)
            self.plot.axes = [ax, ax2]
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, framealpha=0.9)
        self.cursor = ax.axvline(self.iteration.value, color="0.3", lw=1, ls=":")
        self.plot.finish()
        self.plot.set_dynamic(self.cursor)
        # fixed images
        r = self.row
        r.set(0, self.measurement(run), title="measurement y")
        best = from_uint8(run["x_best"])
        r.set(2, best, title=f"DIP, PSNR peak (k = {b})", note=psnr_note(best, x_true))
        if self.validation:
            v = run["val_best_iter"]
            xv = from_uint8(run["x_val_best"])
            r.set(3, xv, title=f"DIP, validation stop (k = {v})", note=psnr_note(xv, x_true))
        for j, name in enumerate(self.method_names):
            self.base_row.set(j, base[name], title=name, note=psnr_note(base[name], x_true))
        self.base_row.set(len(self.method_names), x_true, title="ground truth")
        rows = "".join(f"<td style='padding:0 10px'>{name}: <b>{p:.2f} dB</b></td>" for name, p in scores.items())
        self.summary.value = _info(f"<table><tr><td style='padding:0 10px'>DIP at its peak (k = {b}): "
                                   f"<b>{run['psnr'][b - 1]:.2f} dB</b></td>{rows}</tr></table>")
        self.update()

    def update(self) -> None:
        """Show the iterate at the slider's iteration and move the cursor."""
        run = self._run()
        k = self.iteration.value
        i = [int(v) for v in run["x_iter"]].index(k)
        x = self.xs[self.selector.value][i]
        self.row.set(1, x, title=f"DIP at k = {k}", note=psnr_note(x, run["x_true"].float()))
        self.cursor.set_xdata([k, k])
        self.plot.refresh()


class LiveDIP(W.VBox):
    """Run :func:`invlab.solvers.dip` live: a progress bar, the current iterate and a PSNR curve
    that grows every ``every`` iterations.

    Parameters
    ----------
    A, y, x_true :
        The problem (see :func:`invlab.pretrained.runs.dip_problem`).
    n_iter : int
        Adam steps (about 35 ms each at 128x128 on 2 cores).
    every : int
        Redraw every ``every`` iterations.
    width : int
        Display width of the image in CSS pixels.
    **kwargs
        Passed to :func:`invlab.solvers.dip` (``lr``, ``noise_reg``, ``seed``).

    Attributes
    ----------
    x, history :
        The result of the last :meth:`run`.
    """

    def __init__(self, A, y, x_true, n_iter: int = 1200, every: int = 25, width: int = 200, **kwargs):  # noqa: D107
        if not isinstance(A, op.LinearOperator):
            raise TypeError(f"A must be an invlab.operators.LinearOperator, got {type(A).__name__}.")
        op.check_tensor(y, "y", A.out_shape)
        op.check_tensor(x_true, "x_true", A.in_shape)
        unknown = sorted(set(kwargs) - {"lr", "noise_reg", "seed", "net"})
        if unknown:
            raise TypeError(f"LiveDIP got unexpected keyword arguments {unknown}; dip's own are lr, noise_reg, seed, net.")
        self.A, self.y, self.x_true, self.kwargs = A, y, x_true, kwargs
        self.n_iter = _check_positive_int(n_iter, "n_iter", maximum=100_000)
        self.every = _check_positive_int(every, "every")
        width = _check_positive_int(width, "width")
        self.done = 0                      # iterations done in the current or last run
        self.status = W.HTML(self._status("not started"))
        self.row = ImageRow(["DIP, live"], width, lines=2)
        self.plot = PlotImage(figsize=(4.6, 3.0), dpi=80)
        ax = self.plot.ax
        _psnr_axis(ax, self.n_iter)
        ax.set_ylim(5, 40)
        ax.set_title("PSNR while fitting")
        (self.line,) = ax.plot([], [], color="C0")
        self.plot.finish()
        self.plot.set_dynamic(self.line)
        self.x, self.history = None, None
        self.psnrs = []
        self.button = W.Button(description="▶ run live", tooltip=f"fit from scratch: {self.n_iter} Adam steps, "
                                                               "about a minute on 2 cores (the kernel is busy meanwhile)")
        self.button.on_click(lambda _: self.run())
        self.row.set(0, torch.full(tuple(A.in_shape), 0.5), title="DIP, not started")
        self.plot.refresh(full=True)
        super().__init__([W.HBox([self.button, self.status]),
                          W.HBox([self.row, self.plot], layout=W.Layout(flex_flow="row wrap"))])

    def run(self):
        """Fit from scratch; returns ``(x, history)`` like :func:`invlab.solvers.dip`."""
        self.psnrs = []

        def callback(k, x):
            self.psnrs.append(float(metrics.psnr(x, self.x_true)))
            if k % self.every == 0 or k == self.n_iter:
                self.done = k
                self.status.value = self._status(f"iteration {k} of {self.n_iter}: PSNR {self.psnrs[-1]:.2f} dB")
                self.row.set(0, x.clamp(0, 1), title=f"DIP, k = {k}", note=psnr_note(x, self.x_true))
                self.line.set_data(np.arange(1, len(self.psnrs) + 1), self.psnrs)
                self.plot.refresh()
            return False

        self.done = 0
        self.button.disabled = True
        self.status.value = self._status("running…")
        try:
            self.x, self.history = solvers.dip(self.A, self.y, n_iter=self.n_iter, callback=callback, **self.kwargs)
        finally:
            self.button.disabled = False
        self.status.value = self._status(f"done: {len(self.psnrs)} iterations, PSNR {self.psnrs[-1]:.2f} dB")
        return self.x, self.history

    def _status(self, text: str) -> str:
        """The status line: a thin bar (plain HTML, drawn here) and the text."""
        pct = 100 * self.done / self.n_iter
        bar = (f"<span style='display:inline-block;width:160px;height:8px;background:#e0e0e0;margin-right:8px;"
               f"vertical-align:middle'><span style='display:block;width:{pct:.0f}%;height:100%;"
               f"background:#1976d2'></span></span>")
        return _info(bar + text)
