"""Panels of lecture 2 that compare the three classes of learned reconstruction on deblurring.

* :func:`deblurring_methods` / :func:`compare_methods` — TV (lecture 1), the model-agnostic
  U-Net, plug-and-play (HQS) and unrolled gradient descent on the same measurements, with
  PSNR, SSIM, parameter count and inference time (row 2.1);
* :class:`MethodComparisonPanel` — a method and image selector showing each result with its
  error image (row 2.1);
* :class:`NoiseRobustnessPanel` — the test-time noise level: the U-Net, trained at one noise
  level, against PnP and TV, which are told the noise (row 2.2);
* :class:`UnrolledPanel` — the number of blocks :math:`K` and a global step scale at test time,
  the learned steps, and the iterates scrubbed (row 2.6).

All pictures and scores are clipped to :math:`[0, 1]`. The deblurring task is lecture 1's:
circular Gaussian blur of 2 px, noise 0.01 (:data:`invlab.recipes.DEBLUR_NOISE`).
"""
from __future__ import annotations

import time

import ipywidgets as W
import numpy as np
import torch

from .. import data, metrics, noise, solvers
from .._checks import check_real
from .. import operators as op
from ..recipes import DEBLUR_BLUR, DEBLUR_NOISE, PNP_SETTINGS
from .base import ImageRow, IterationScrubber, PlotImage, _check_positive_int
from .lecture2 import _close_tree, _info, _test_image, tv_baseline

__all__ = ["deblurring_methods", "compare_methods", "MethodComparisonPanel", "NoiseRobustnessPanel",
           "UnrolledPanel", "METHOD_NAMES"]

#: The four methods of the comparison, in the order of the slides (classical first).
METHOD_NAMES = ("TV (best λ)", "U-Net (model-agnostic)", "PnP-HQS (decoupled)", "unrolled GD")


def _n_params(net) -> int:
    return sum(p.numel() for p in net.parameters()) if isinstance(net, torch.nn.Module) else 0


def deblurring_methods(unet, unrolled, denoiser) -> dict:
    """The four methods as ``name -> (reconstruct, parameters)``, ``reconstruct(A, y, x_true, noise) -> x``.

    * TV: :func:`~invlab.widgets.lecture2.tv_baseline`, ADMM at the oracle :math:`\\lambda` of a
      grid (it uses ``x_true`` to pick :math:`\\lambda`; the others never see it);
    * U-Net: ``unet(y, A)``, blind to ``noise`` (trained at 0.01 only);
    * PnP-HQS: :func:`invlab.solvers.pnp` with the deblurring settings of
      :data:`invlab.recipes.PNP_SETTINGS`, told ``noise`` (its data-step weight depends on it);
    * unrolled: ``unrolled(y, A)``, blind to ``noise``.

    Every output is clipped to :math:`[0, 1]`.
    """
    for name, f in (("unet", unet), ("unrolled", unrolled), ("denoiser", denoiser)):
        if not callable(f):
            raise TypeError(f"{name} must be a callable network, got {type(f).__name__}.")
    hqs = PNP_SETTINGS["deblurring"]["hqs"]

    def tv(A, y, x_true, s):
        return tv_baseline(A, y, x_true)["x"]

    def net_of(net):
        def run(A, y, x_true, s):
            with torch.no_grad():
                return net(y, A).clamp(0, 1)
        return run

    def pnp(A, y, x_true, s):
        x, _ = solvers.pnp(A, y, denoiser, method="hqs", noise=max(float(s), 1e-3), **hqs)
        return x.clamp(0, 1)

    return {METHOD_NAMES[0]: (tv, 0), METHOD_NAMES[1]: (net_of(unet), _n_params(unet)),
            METHOD_NAMES[2]: (pnp, _n_params(denoiser)), METHOD_NAMES[3]: (net_of(unrolled), _n_params(unrolled))}


def _check_methods(methods, need=()) -> None:
    """``methods`` as :func:`deblurring_methods` builds it: ``{name: (reconstruct, parameters)}``."""
    if not isinstance(methods, dict) or not methods:
        raise TypeError(f"methods must be a non-empty dict {{name: (reconstruct, parameters)}} as "
                        f"deblurring_methods returns, got {methods!r:.60}.")
    missing = [m for m in need if m not in methods]
    if missing:
        raise ValueError(f"methods has no {', '.join(map(repr, missing))}; it needs {list(need)}.")


def compare_methods(methods: dict, A, x_true: torch.Tensor, y: torch.Tensor, noise_level: float = DEBLUR_NOISE,
                    names=None) -> dict:
    """Run every method on every image; PSNR, SSIM and wall time of each.

    Parameters
    ----------
    methods : dict
        As returned by :func:`deblurring_methods`.
    A : LinearOperator
        The forward model on one image ``(H, W)``.
    x_true, y : torch.Tensor
        ``(N, H, W)`` ground truths and their measurements.
    noise_level : float
        The measurement noise, passed to the methods that use it.
    names : list of str, optional
        Image names (for the table).

    Returns
    -------
    dict
        ``"x"``: ``{method: (N, H, W)}``; ``"psnr"``, ``"ssim"``, ``"seconds"``: ``{method: list per image}``
        (seconds: the reconstruction alone, one call per image; for TV the solve at the chosen
        :math:`\\lambda` and the search over the grid together); ``"parameters"``: ``{method: int}``.
    """
    _check_methods(methods)
    out = {"x": {}, "psnr": {}, "ssim": {}, "seconds": {}, "parameters": {},
           "names": list(names) if names is not None else [str(i) for i in range(len(x_true))]}
    for m, (fn, n_par) in methods.items():
        xs, secs = [], []
        for xt, yi in zip(x_true, y):
            t0 = time.perf_counter()
            xs.append(fn(A, yi, xt, noise_level))
            secs.append(time.perf_counter() - t0)
        xs = torch.stack(xs)
        out["x"][m] = xs
        out["psnr"][m] = [float(v) for v in metrics.psnr(xs, x_true)]
        out["ssim"][m] = [float(metrics.ssim(a, b)) for a, b in zip(xs, x_true)]
        out["seconds"][m] = secs
        out["parameters"][m] = n_par
    return out


def comparison_table_html(result: dict) -> str:
    """The comparison as an HTML table: mean PSNR and SSIM, parameters, median time per image."""
    rows = []
    best = max(np.mean(v) for v in result["psnr"].values())
    for m in result["psnr"]:
        p = float(np.mean(result["psnr"][m]))
        weight = "bold" if p == best else "normal"
        rows.append(f"<tr><td style='text-align:left'>{m}</td><td style='font-weight:{weight}'>{p:.2f}</td>"
                    f"<td>{np.mean(result['ssim'][m]):.3f}</td><td>{result['parameters'][m]:,}</td>"
                    f"<td>{np.median(result['seconds'][m]) * 1e3:.0f} ms</td></tr>")
    head = ("<tr><th style='text-align:left'>method</th><th>PSNR (dB)</th><th>SSIM</th><th>parameters</th>"
            "<th>time per image</th></tr>")
    return ("<table style='border-collapse:collapse;text-align:right' cellpadding='4'>" + head + "".join(rows)
            + "</table>")


def _error_image(x, x_true, vmax: float = 0.2):
    """:math:`|x - x_{\\text{true}}|` scaled so that ``vmax`` is white."""
    return (x - x_true).abs().clamp(0, vmax) / vmax


class MethodComparisonPanel(W.VBox):
    """One result of the comparison at a time, with its error image (row 2.1).

    Controls: ``method`` and ``image``; both only switch between precomputed results, so the
    panel answers at once.

    Parameters
    ----------
    result : dict
        From :func:`compare_methods`.
    x_true, y : torch.Tensor
        The images and measurements it was computed on.
    width : int
        Display width of each image in CSS pixels.
    error_max : float
        The error that shows as white in the error image.
    """

    def __init__(self, result: dict, x_true: torch.Tensor, y: torch.Tensor, width: int = 256, error_max: float = 0.2):
        if not isinstance(result, dict) or not {"names", "x", "psnr"} <= set(result):
            raise TypeError(f"result must be the dict compare_methods returns (keys names, x, psnr, ...), got "
                            f"{type(result).__name__}{' with keys ' + str(sorted(result)) if isinstance(result, dict) else ''}.")
        if not result["x"] or not result["names"]:
            raise ValueError("result holds no method or no image: run compare_methods on at least one of each.")
        self.result, self.x_true, self.y = result, x_true, y
        self.error_max = check_real(error_max, "error_max", low=0, low_open=True)
        names = result["names"]
        self.method = W.ToggleButtons(options=list(result["x"]), style={"button_width": "200px"})
        self.image = W.Dropdown(options=list(names), value=names[0], description="image")
        self.row = ImageRow(["measurement y", "result", f"error |x̂ − x| (white ≥ {self.error_max:g})"],
                            _check_positive_int(width, "width"), lines=2)
        self.info = W.HTML()
        for c in (self.method, self.image):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([self.method, self.image, self.row, self.info])
        self.update()

    def update(self):
        m, i = self.method.value, self.result["names"].index(self.image.value)
        xt, x = self.x_true[i], self.result["x"][m][i]
        yi = self.y[i].clamp(0, 1)
        self.row.set(0, yi, note=f"PSNR {metrics.psnr(yi, xt):.2f} dB")
        self.row.set(1, x, title=m, note=f"PSNR {self.result['psnr'][m][i]:.2f} dB, SSIM {self.result['ssim'][m][i]:.3f}")
        err = float((x - xt).abs().mean())
        self.row.set(2, _error_image(x, xt, self.error_max), note=f"mean error {err:.4f}")
        self.images = [yi, x, _error_image(x, xt, self.error_max)]
        ranks = sorted(self.result["psnr"], key=lambda k: -self.result["psnr"][k][i])
        self.info.value = _info(f"On <i>{self.result['names'][i]}</i>, best to worst: " + " &gt; ".join(
            f"{k} ({self.result['psnr'][k][i]:.2f})" for k in ranks) + ".")


class NoiseRobustnessPanel(W.VBox):
    """Test-time noise: the model-agnostic U-Net next to PnP and TV (row 2.2).

    The measurements :math:`y = Ax + \\varepsilon`, :math:`\\varepsilon\\sim\\mathcal N(0, s^2 I)`,
    are redrawn at the slider's :math:`s`; the U-Net was trained at :math:`s = 0.01` only and
    maps :math:`y` to :math:`x` whatever :math:`s` is, while PnP-HQS weighs its data step by
    :math:`s` and TV gets its best :math:`\\lambda` for each :math:`s`. Each new :math:`s` is
    computed once on release and cached.

    Parameters
    ----------
    methods : dict
        From :func:`deblurring_methods`; the U-Net, PnP and TV entries are shown.
    image : str
        A test image.
    size : int
        Side of the centre crop (128: each new noise level takes about a second).
    levels : sequence of float
        The noise levels of the slider.
    curve : dict, optional
        ``{"noise": [...], method: [mean PSNR, ...]}`` plotted under the pictures (e.g. from
        :func:`noise_sweep`).
    width : int
        Display width of each image in CSS pixels.
    """

    SHOWN = (METHOD_NAMES[1], METHOD_NAMES[2], METHOD_NAMES[0])

    def __init__(self, methods: dict, image: str = "camera", size: int = 128,
                 levels=(0.0025, 0.005, 0.01, 0.02, 0.03, 0.05), curve: dict | None = None, width: int = 200,
                 seed: int = 0):
        _check_methods(methods, need=self.SHOWN)
        self.methods = {m: methods[m][0] for m in self.SHOWN}
        self.x_true = _test_image(image, size)
        n = self.x_true.shape[-1]
        self.A = op.Blur.gaussian((n, n), DEBLUR_BLUR)
        self.seed = seed
        self.levels = tuple(float(v) for v in levels)
        self.noise = W.SelectionSlider(options=[(f"{v:g}", v) for v in self.levels],
                                       value=min(self.levels, key=lambda v: abs(v - DEBLUR_NOISE)),
                                       description="noise s", continuous_update=False)
        self.row = ImageRow(["measurement y", *self.SHOWN], _check_positive_int(width, "width"), lines=3)
        self.cache = {}
        self.info = W.HTML()
        children = [self.noise, self.row, self.info]
        if curve is not None:
            self.plot = _noise_curve_plot(curve)
            self.marker = self.plot.ax.axvline(self.noise.value, color="k", lw=1, ls=":")
            self.plot.set_dynamic(self.marker)
            children.append(self.plot)
        else:
            self.plot = None
        self.noise.observe(lambda change: self.update(), names="value")
        super().__init__(children)
        self.update()

    def results(self, s: float) -> dict:
        """``{"y": y, method: x}`` at noise ``s`` (computed once, cached)."""
        if s not in self.cache:
            y = noise.gaussian(self.A(self.x_true), s, seed=self.seed)
            self.cache[s] = {"y": y, **{m: f(self.A, y, self.x_true, s) for m, f in self.methods.items()}}
        return self.cache[s]

    def update(self):
        s = self.noise.value
        r = self.results(s)
        y = r["y"].clamp(0, 1)
        self.row.set(0, y, title=f"measurement y (s = {s:g})", note=f"PSNR {metrics.psnr(y, self.x_true):.2f} dB")
        scores = {}
        self.images = [y] + [r[m] for m in self.SHOWN]
        for j, m in enumerate(self.SHOWN):
            scores[m] = float(metrics.psnr(r[m], self.x_true))
            self.row.set(j + 1, r[m], note=f"PSNR {scores[m]:.2f} dB")
        u, p = scores[METHOD_NAMES[1]], scores[METHOD_NAMES[2]]
        trained = "the noise it was trained on" if abs(s - DEBLUR_NOISE) < 1e-9 else (
            f"{s / DEBLUR_NOISE:g}× the noise it was trained on")
        self.info.value = _info(f"At s = {s:g} ({trained}), the U-Net is {abs(u - p):.2f} dB "
                                f"{'above' if u >= p else 'below'} PnP-HQS.")
        if self.plot is not None:
            self.marker.set_xdata([s, s])
            self.plot.refresh()


def noise_sweep(methods: dict, levels, images=data.TEST_IMAGES, size: int = 128, seed: int = 0) -> dict:
    """Mean PSNR of the U-Net, PnP-HQS and TV against the test-time noise level, on centre crops.

    Returns ``{"noise": list, method: list of mean PSNR, method + " std": list}`` for the
    methods of :class:`NoiseRobustnessPanel`.
    """
    out = {"noise": [float(v) for v in levels]}
    xs = [_test_image(n, size) for n in images]
    A = op.Blur.gaussian((size, size), DEBLUR_BLUR)
    for m in NoiseRobustnessPanel.SHOWN:
        f = methods[m][0]
        means, stds = [], []
        for s in out["noise"]:
            p = [float(metrics.psnr(f(A, noise.gaussian(A(x), s, seed=seed + i), x, s), x)) for i, x in enumerate(xs)]
            means.append(float(np.mean(p)))
            stds.append(float(np.std(p)))
        out[m], out[m + " std"] = means, stds
    return out


def _noise_curve_plot(curve: dict) -> PlotImage:
    plot = PlotImage(figsize=(7.4, 3.2), dpi=80)
    ax = plot.ax
    for j, m in enumerate(NoiseRobustnessPanel.SHOWN):
        # means only: a ±std bar across images shows how the images differ, and hid that the gap
        # between the methods is the same on every image
        ax.plot(curve["noise"], curve[m], marker="o", ms=4, label=m, color=f"C{j}")
    ax.axvline(DEBLUR_NOISE, color="C3", lw=1, alpha=0.5)
    ax.annotate("training noise", (DEBLUR_NOISE, ax.get_ylim()[0]), xytext=(4, 6), textcoords="offset points",
                fontsize=9, color="C3")
    ax.set_xscale("log")
    ax.set_xlabel("test-time noise s")
    ax.set_ylabel("mean PSNR (dB)")
    ax.set_title("deblurring, mean over the test images")
    from .base import label_log_axis
    label_log_axis(ax.xaxis, min(curve["noise"]), max(curve["noise"]))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), framealpha=0.9)   # beside: the marker moves inside
    plot.finish()
    return plot


class UnrolledPanel(W.VBox):
    """Unrolled gradient descent at test time (row 2.6): :math:`K'` blocks, a global step scale.

    The network runs :math:`x_k = x_{k-1} - c\\,\\eta_k A^{\\top}(Ax_{k-1} - y) - \\mathrm{CNN}_k(x_{k-1})`
    for :math:`k = 1..K'` (:meth:`invlab.nets.UnrolledGD.iterates`): ``blocks`` sets :math:`K'`
    (beyond the trained :math:`K` the last block repeats), ``step scale`` sets :math:`c`
    (1 = as trained), and ``iteration`` scrubs :math:`x_0 = A^{\\top}y, x_1, \\dots, x_{K'}`.
    A bar chart shows the learned :math:`\\eta_k`.

    Parameters
    ----------
    net : invlab.nets.UnrolledGD
    image : str
        A test image.
    size : int
        Side of the centre crop.
    width : int
        Display width of each image in CSS pixels.
    seed : int
        Seed of the measurement noise (0.01).
    """

    def __init__(self, net, image: str = "camera", size: int = 128, width: int = 256, seed: int = 0):
        from ..nets import UnrolledGD

        if not isinstance(net, UnrolledGD):
            raise TypeError(f"net must be an invlab.nets.UnrolledGD, got {type(net).__name__}.")
        self.net = net
        self.x_true = _test_image(image, size)
        n = self.x_true.shape[-1]
        self.A = op.Blur.gaussian((n, n), DEBLUR_BLUR)
        self.y = noise.gaussian(self.A(self.x_true), DEBLUR_NOISE, seed=seed)
        K = net.n_blocks
        self.blocks = W.IntSlider(value=K, min=0, max=10, description="blocks K'", continuous_update=False)
        self.scale = W.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="step scale c",
                                   readout_format=".1f", continuous_update=False)
        self.steps_plot = PlotImage(figsize=(3.6, 2.6), dpi=80)
        ax = self.steps_plot.ax
        ax.bar(np.arange(1, K + 1), net.steps.detach().numpy(), color="C0")
        ax.axhline(1.0, color="k", lw=1, ls=":", label="initial step 1")
        ax.axhline(2.0, color="C3", lw=1, ls="--", label=r"$2/\|A\|^2$: plain GD diverges above")
        ax.set_ylim(0, max(4.0, float(net.steps.detach().max()) * 1.7))   # room for the legend above the bars
        ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
        ax.set_xlabel("block k")
        ax.set_ylabel(r"learned step $\eta_k$")
        ax.set_title(f"trained: K = {K}, η initialised at 1")
        ax.set_xticks(np.arange(1, K + 1))
        self.steps_plot.finish()
        self.steps_plot.refresh(full=True)
        self.info = W.HTML()
        self.cache = {}
        self.scrubber = None
        self._box = W.VBox([])
        for c in (self.blocks, self.scale):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.blocks, self.scale], layout=W.Layout(flex_flow="row wrap")),
                          self._box, W.HBox([self.steps_plot, self.info])])
        self.update()

    def history(self, blocks: int, scale: float) -> dict:
        """The iterates for ``(blocks, scale)`` as a solver history (computed once, cached)."""
        key = (int(blocks), round(float(scale), 6))
        if key not in self.cache:
            xs = self.net.iterates(self.y, self.A, n_blocks=key[0], step_scale=key[1])
            xs = [x.clamp(0, 1) for x in xs]
            self.cache[key] = {"x": xs, "x_iter": list(range(len(xs))), "objective_iter": list(range(len(xs))),
                               "objective": [float(metrics.psnr(x, self.x_true)) for x in xs]}
        return self.cache[key]

    @property
    def iteration(self) -> W.IntSlider:
        """The scrubber's slider over the blocks' outputs."""
        return self.scrubber.iteration

    def update(self):
        h = self.history(self.blocks.value, self.scale.value)
        old = self.scrubber
        sc = IterationScrubber(h, x_true=self.x_true, title="x_k (block output)", width=256)
        ax = sc.plot.ax
        ax.set_title("PSNR after each block")
        ax.set_xlabel("block k (0 = the start x₀)")
        ax.set_ylabel("PSNR (dB)")
        last = len(h["x"]) - 1
        ax.set_xlim(-0.5, max(last, 1) + 0.5)
        ax.set_xticks(range(0, max(last, 1) + 1, 1 if last <= 10 else 2))
        sc.plot.finish()
        sc.plot.set_dynamic(sc.marker)
        sc.iteration.value = sc.iteration.max     # a new setting shows its output, x_{K'}
        sc.update()
        sc.readout.layout.width = "20em"
        self.scrubber = sc
        self._box.children = [sc]
        if old is not None:
            _close_tree(old)
        final = h["objective"][-1]
        full = self.history(self.net.n_blocks, 1.0)["objective"][-1]
        self.info.value = _info(f"K' = {self.blocks.value}, c = {self.scale.value:.1f}: <b>{final:.2f} dB</b> "
                                f"after the last block (trained setting K = {self.net.n_blocks}, c = 1: {full:.2f} dB).")
