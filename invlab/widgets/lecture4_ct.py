r"""Panels of lecture 4a: CT reconstruction.

* :class:`SinogramPanel` — phantom :math:`\to` sinogram :math:`\to` filtered back-projection, with the
  number of views, the angular range, the noise and the filter as controls (row 4.1);
* :class:`CTMethodsPanel` — FBP, TV at its best λ (the stored ``ct_tv`` run), FBP + U-Net and the
  unrolled network on every held-out image, with the error images (rows 4.1, 4.5);
* :class:`ViewsPanel` — the networks trained at 30 views, asked at test time to reconstruct from
  another number of views (row 4.5);
* :class:`UnrolledPanel` — the unrolled network's iterates scrubbed, what each block adds, its
  learned step sizes, against the same steps without the CNNs;
* :func:`ct_table` — FBP, TV, FBP + U-Net and the unrolled network on the held-out sets, PSNR/SSIM,
  parameters and CPU time.

Every image is clipped to :math:`[0, 1]` before it is shown and before it is scored. Panels whose
setting costs more than a few tenths of a second go through
:class:`~invlab.widgets.base.LatestWins`: a picture never lags its controls.
"""
from __future__ import annotations

import html
import statistics

import ipywidgets as W
import numpy as np
import torch

from .. import data, metrics
from .._checks import check_choice, check_int, check_real
from ..pretrained.runs import CT_TV_SCANS, from_uint8
from ..recipes import CT_NOISE, CT_SIZE, CT_TEST_SEED, CT_TEST_SETS, CT_VIEWS, ct_measure, ct_operator, ct_test_set
from .base import AxesView, ImageRow, LatestWins, PlotImage, _check_positive_int
from .lecture2 import _info
from ..nets import forward_ms

__all__ = ["SinogramPanel", "CTMethodsPanel", "ViewsPanel", "UnrolledPanel", "ct_table", "table_html", "PHANTOMS",
           "SET_LABELS", "SCAN_LABELS", "TEST_VIEWS", "ERROR_MAX"]

#: The phantoms of the panels: label -> what :func:`phantom` returns.
PHANTOMS = ("Shepp-Logan", "held-out ellipses", "real CT slice")
#: How the held-out sets of :func:`~invlab.recipes.ct_test_set` are called on screen.
SET_LABELS = {"ellipses": "held-out ellipses", "shepp-logan": "Shepp-Logan", "real": "real CT slice"}
#: How the scans of the stored TV run are called on screen.
SCAN_LABELS = {"sparse": "sparse view: 30 views over 180°", "limited": "limited angle: 30 views over 0-120°"}
#: The view counts of :class:`ViewsPanel` (the networks were trained at 30).
TEST_VIEWS = (10, 15, 20, 25, 30, 40, 50, 60, 75, 90, 120)
#: Top of the grey scale of the error images (|x̂ − x| ≥ this shows white).
ERROR_MAX = 0.25
#: The filters of :class:`SinogramPanel`: ``"none"`` is the plain back-projection.
FILTER_CHOICES = ("none", "ramp", "shepp-logan", "cosine", "hann")


def phantom(name: str) -> torch.Tensor:
    r"""A :math:`128^2` test object in :math:`[0, 1]`: Shepp-Logan, the first held-out ellipse phantom, or the real slice."""
    name = check_choice(name, "phantom", PHANTOMS)
    if name == "Shepp-Logan":
        return data.shepp_logan(CT_SIZE)
    if name == "held-out ellipses":
        return data.ellipses(1, CT_SIZE, seed=CT_TEST_SEED)[0]
    return data.ct_slice()


def _clip_note(x: torch.Tensor, x_true: torch.Tensor) -> str:
    x = x.clamp(0, 1)
    return f"PSNR {metrics.psnr(x, x_true):.2f} dB · SSIM {metrics.ssim(x, x_true):.3f}"


def _sinogram_png(view: AxesView, y: torch.Tensor) -> bytes:
    lo, hi = float(y.min()), float(y.max())
    return view.png(y, lo, hi if hi > lo else lo + 1)


class SinogramPanel(W.VBox):
    r"""Phantom :math:`\to` sinogram :math:`\to` filtered back-projection (row 4.1).

    :math:`y = Ax + s\,\max|Ax|\,\varepsilon` with :math:`A` the parallel-beam Radon transform at
    ``views`` angles spread evenly over :math:`[0, \text{range})`, and the reconstruction
    :math:`\hat x = \frac{\pi}{N_\theta} A^{\top}(h * y)` with the chosen filter :math:`h` (the ramp
    :math:`|\nu|` alone or times a window; ``"none"``: the plain back-projection
    :math:`A^{\top}y`, shown on its own grey scale). One noise draw (seed 0) for every setting, so
    moving a slider changes only what the slider names.

    Parameters
    ----------
    views, angular_range : int
        Initial number of views (4-180) and angular range in degrees (30-180).
    filter : str
        One of :data:`FILTER_CHOICES`.
    noise : float
        Initial :math:`s` (0-0.05).
    image : str
        One of :data:`PHANTOMS`.
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, views: int = CT_VIEWS, angular_range: int = 180, filter: str = "ramp",
                 noise: float = CT_NOISE, image: str = "Shepp-Logan", width: int = 200):
        views = check_int(views, "views", low=4, high=180)
        angular_range = check_int(angular_range, "angular_range", low=30, high=180)
        filter = check_choice(filter, "filter", FILTER_CHOICES)
        noise = check_real(noise, "noise", low=0, high=0.05)
        image = check_choice(image, "image", PHANTOMS)
        self.width = _check_positive_int(width, "width", minimum=64)
        self.image = W.Dropdown(options=list(PHANTOMS), value=image, description="object")
        self.views = W.IntSlider(value=views, min=4, max=180, step=2, description="views",
                                 continuous_update=False)
        self.range = W.IntSlider(value=angular_range, min=30, max=180, step=10, description="range (°)",
                                 continuous_update=False)
        self.noise = W.FloatSlider(value=noise, min=0.0, max=0.05, step=0.005, description="noise s",
                                   readout_format=".3f", continuous_update=False)
        self.filter = W.ToggleButtons(options=list(FILTER_CHOICES), value=filter, description="filter",
                                      style={"button_width": "112px"})
        self.busy = W.HTML()
        self.row = ImageRow(["object x", "sinogram y", "reconstruction", "error |x̂ − x|"], self.width, lines=3)
        self.info = W.HTML()
        self._views = {}
        self._cache = {}
        self._latest = LatestWins(lambda key: self.compute(*key), self._show, self.busy)
        for c in (self.image, self.views, self.range, self.noise, self.filter):
            c.observe(lambda change: self.update(), names="value")
        controls = W.HBox([self.image, self.views, self.range, self.noise], layout=W.Layout(flex_flow="row wrap"))
        super().__init__([controls, W.HBox([self.filter, self.busy]), self.row, self.info])
        self.update(sync=True)

    def key(self) -> tuple:
        """The controls' current setting."""
        return (self.image.value, self.views.value, self.range.value, round(self.noise.value, 4), self.filter.value)

    def compute(self, image: str, views: int, angular_range: int, noise: float, filter: str) -> dict:
        """Sinogram and reconstruction of one setting (cached; a new geometry + FBP takes well under 0.2 s)."""
        key = (image, views, angular_range, noise, filter)
        if key not in self._cache:
            x = phantom(image)
            A = ct_operator(views, angular_range)
            y = ct_measure(A, x, noise, seed=0)
            x_hat = (np.pi / views) * A.T(y) if filter == "none" else A.fbp(y, filter)
            self._cache[key] = {"x": x, "y": y, "x_hat": x_hat}
        return self._cache[key]

    def update(self, sync: bool = False) -> None:
        """Show the controls' setting."""
        self._latest.request(self.key(), sync=sync, note="projecting and back-projecting…")

    def _show(self, key, r) -> None:
        image, views, rng, noise, filt = key
        x, y, x_hat = r["x"], r["y"], r["x_hat"]
        if rng not in self._views:
            self._views[rng] = AxesView(self.width, "detector position (px)", "angle θ (degrees)",
                                        (-CT_SIZE / 2, CT_SIZE / 2, rng, 0))
        self.sinogram, self.reconstruction = y, x_hat
        self.row.set(0, x, title=f"object x: {image}")
        self.row.set_png(1, _sinogram_png(self._views[rng], y), title="sinogram y",
                         note=f"{views} views over 0-{rng}°")
        if filt == "none":
            self.row.set(2, x_hat, vmin=None, vmax=None, title="back-projection Aᵀy (own grey scale)",
                         note="no filter: blurred as 1/r")
            err = None
        else:
            self.row.set(2, x_hat.clamp(0, 1), title=f"FBP, {filt} filter", note=_clip_note(x_hat, x))
            err = (x_hat.clamp(0, 1) - x).abs()
            self.row.set(3, err, vmin=0, vmax=ERROR_MAX, cmap="magma", title="error |x̂ − x|",
                         note=f"white: ≥ {ERROR_MAX:g}")
        if err is None:
            self.row.set(3, torch.zeros_like(x), vmin=0, vmax=ERROR_MAX, cmap="magma", title="error |x̂ − x|",
                         note="(not scored: no filter)")
        self.psnr = None if filt == "none" else float(metrics.psnr(x_hat.clamp(0, 1), x))
        self.info.value = _info(self.describe(views, rng, noise, filt))

    @staticmethod
    def describe(views: int, angular_range: int, noise: float, filter: str) -> str:
        """The sentence under the panel: which artefacts this setting produces, and why."""
        full = int(np.ceil(np.pi / 2 * CT_SIZE))
        spacing = angular_range / views                 # degrees between two views
        parts = []
        if angular_range < 180:
            parts.append(f"<b>Limited angle</b>: a wedge of {180 - angular_range}° of directions is never measured. "
                         "Edges whose normals point into the wedge are not seen; they smear out along the missing "
                         "directions.")
        if spacing > 2 * 180 / full:
            parts.append(f"<b>Sparse view</b>: a view every {spacing:.3g}°, where about π/2 · {CT_SIZE} ≈ {full} views "
                         f"over 180° (one every {180 / full:.2g}°) sample the object fully. Each back-projected view "
                         "leaves a line across the image, and with few views those lines show as <b>streaks</b> "
                         "radiating from edges.")
        else:
            parts.append(f"A view every {spacing:.2g}°: close to the {180 / full:.2g}° that sample a {CT_SIZE}² "
                         "object fully; the lines of the back-projected views cancel, and there are no visible "
                         "streaks" + (" inside the measured range." if angular_range < 180 else "."))
        if filter == "none":
            parts.append("Without a filter the back-projection blurs every point into a 1/r halo: the ramp filter "
                         "is what makes it an inverse.")
        elif noise > 0:
            parts.append(f"Noise {noise * 100:.1f} % of max|Ax|: the ramp amplifies high frequencies, so the noise "
                         "comes out as fine grain; the windowed filters (Shepp-Logan, cosine, Hann, in that order) "
                         "trade that grain for a little blur.")
        return " ".join(parts)


def _scan(scan: str):
    views, rng = CT_TV_SCANS[check_choice(scan, "scan", tuple(CT_TV_SCANS))]
    return views, rng


def _check_nets(nets) -> dict:
    if not isinstance(nets, dict) or not nets:
        raise TypeError(f"nets must be a non-empty dict {{label: net(y, A)}}, got {type(nets).__name__}.")
    for label, net in nets.items():
        if not isinstance(label, str) or not callable(net):
            raise TypeError(f"nets must map labels (str) to networks net(y, A), got {label!r}: {type(net).__name__}.")
    return nets


def _check_tv_run(tv_run) -> dict:
    if not isinstance(tv_run, dict) or "lams" not in tv_run or f"sparse/{CT_TEST_SETS[0]}" not in tv_run:
        raise TypeError("tv_run must be the stored run il.pretrained.runs.stored_run('ct_tv').")
    return tv_run


def reconstructions(nets: dict, tv_run: dict, scan: str = "sparse", kind: str = "ellipses") -> dict:
    """Every method's reconstructions of one held-out set: ``{"x_true", "y", "A", "out": {method: (N, H, W)}}``.

    FBP (ramp filter) and the networks are computed here; TV is the stored run's (8-bit).
    Everything is clipped to :math:`[0, 1]`.
    """
    nets = _check_nets(nets)
    tv_run = _check_tv_run(tv_run)
    views, rng = _scan(scan)
    kind = check_choice(kind, "kind", CT_TEST_SETS)
    A, x, y = ct_test_set(kind, views, rng)
    out = {"FBP": A.fbp(y).clamp(0, 1), "TV (best λ)": from_uint8(tv_run[f"{scan}/{kind}"]["x"])}
    with torch.no_grad():
        for label, net in nets.items():
            out[label] = net(y, A).clamp(0, 1)
    return {"x_true": x, "y": y, "A": A, "out": out}


def ct_table(nets: dict, tv_run: dict, scan: str = "sparse", timing: bool = True) -> dict:
    """Mean PSNR / SSIM of FBP, TV and each network on every held-out set, with parameters and CPU time.

    Returns ``{"psnr": {method: {set: dB}}, "ssim": {...}, "params": {method: int or None},
    "ms": {method: float or None}}``. TV's scores are the stored run's (computed before 8-bit
    rounding); CPU ms are medians of 3 calls on one image with the calling process's threads
    (TV: not timed here; the stored run took seconds per image).
    """
    tv_run = _check_tv_run(tv_run)
    res = {"psnr": {}, "ssim": {}, "params": {}, "ms": {}}
    for kind in CT_TEST_SETS:
        r = reconstructions(nets, tv_run, scan, kind)
        x = r["x_true"]
        for method, xs in r["out"].items():
            if method.startswith("TV"):
                p = statistics.mean(tv_run[f"{scan}/{kind}"]["psnr"])
                s = statistics.mean(tv_run[f"{scan}/{kind}"]["ssim"])
            else:
                p = statistics.mean(float(v) for v in metrics.psnr(xs, x))
                s = statistics.mean(float(metrics.ssim(a, b)) for a, b in zip(xs, x))
            res["psnr"].setdefault(method, {})[kind] = p
            res["ssim"].setdefault(method, {})[kind] = s
    A, x, y = ct_test_set("ellipses", *_scan(scan), n=1)
    res["params"] = {"FBP": 0, "TV (best λ)": 0}
    res["ms"] = {"FBP": forward_ms(A.fbp, y) if timing else None, "TV (best λ)": None}
    for label, net in nets.items():
        res["params"][label] = sum(p.numel() for p in net.parameters()) if hasattr(net, "parameters") else None
        res["ms"][label] = forward_ms(lambda v: net(v, A), y) if timing else None
    return res


def table_html(res: dict) -> str:
    """An HTML table of :func:`ct_table`'s result (best PSNR per set in bold)."""
    if not isinstance(res, dict) or not all(k in res for k in ("psnr", "ssim", "params", "ms")) or not res["psnr"]:
        raise TypeError("res must be the dict ct_table returns (keys psnr, ssim, params, ms).")
    methods = list(res["psnr"])
    head = "".join(f"<th style='padding:2px 10px'>{html.escape(SET_LABELS[k])}<br>PSNR / SSIM</th>"
                   for k in CT_TEST_SETS)
    rows = []
    best = {k: max(res["psnr"][m][k] for m in methods) for k in CT_TEST_SETS}
    for m in methods:
        cells = []
        for k in CT_TEST_SETS:
            p, s = res["psnr"][m][k], res["ssim"][m][k]
            txt = f"{p:.2f} / {s:.3f}"
            cells.append(f"<td style='padding:2px 10px;text-align:right'>{'<b>' + txt + '</b>' if p == best[k] else txt}</td>")
        params = res["params"].get(m)
        ms = res["ms"].get(m)
        cells.append(f"<td style='padding:2px 10px;text-align:right'>{'—' if not params else f'{params:,}'}</td>")
        cells.append(f"<td style='padding:2px 10px;text-align:right'>{'—' if ms is None else f'{ms:.0f}'}</td>")
        rows.append(f"<tr><td style='padding:2px 10px'>{html.escape(m)}</td>{''.join(cells)}</tr>")
    return ("<table style='border-collapse:collapse;font-size:13px'><tr><th style='padding:2px 10px'>method</th>"
            f"{head}<th style='padding:2px 10px'>parameters</th><th style='padding:2px 10px'>CPU ms</th></tr>"
            + "".join(rows) + "</table>")


class CTMethodsPanel(W.VBox):
    """FBP, TV (best λ), and the networks on one held-out image, with their error images (rows 4.1, 4.5).

    Controls: the scan (sparse view or limited angle, both 30 views), the held-out set and the
    image in it. TV is the stored ``ct_tv`` run (λ chosen per image with the ground truth: an
    oracle); FBP and the networks are computed on demand (a few tens of ms) and cached.

    Parameters
    ----------
    nets : dict
        ``{label: net(y, A)}``, e.g. the shipped ``ct_unet`` and ``ct_unrolled``.
    tv_run : dict
        ``il.pretrained.runs.stored_run("ct_tv")``.
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, nets: dict, tv_run: dict, width: int = 160):
        self.nets = _check_nets(nets)
        self.tv_run = _check_tv_run(tv_run)
        self.width = _check_positive_int(width, "width", minimum=64)
        self.scan = W.ToggleButtons(options=[(v, k) for k, v in SCAN_LABELS.items()], value="sparse",
                                    description="scan", style={"button_width": "290px"})
        self.set = W.Dropdown(options=[(v, k) for k, v in SET_LABELS.items()], value="ellipses", description="test set")
        self.index = W.IntSlider(value=0, min=0, max=19, description="image", continuous_update=True)
        self.busy = W.HTML()
        methods = ["FBP", "TV (best λ)"] + list(nets)
        self.row = ImageRow(methods + ["ground truth"], self.width, lines=3)
        self.err = ImageRow([f"error: {m}" for m in methods], self.width, lines=3)
        self.info = W.HTML()
        self._cache = {}
        self._latest = LatestWins(lambda key: self.compute(*key[:2]), self._show, self.busy)
        self.set.observe(self._on_set, names="value")
        for c in (self.scan, self.index):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([self.scan, W.HBox([self.set, self.index, self.busy], layout=W.Layout(flex_flow="row wrap")),
                          self.row, self.err, self.info])
        self.update(sync=True)

    def _on_set(self, change):
        n = 20 if change["new"] == "ellipses" else 1
        with self.index.hold_trait_notifications():
            self.index.max = n - 1
            self.index.disabled = n == 1
        self.update()

    def compute(self, scan: str, kind: str) -> dict:
        """:func:`reconstructions` of one set (cached)."""
        if (scan, kind) not in self._cache:
            self._cache[scan, kind] = reconstructions(self.nets, self.tv_run, scan, kind)
        return self._cache[scan, kind]

    def update(self, sync: bool = False) -> None:
        """Show the controls' setting."""
        self._latest.request((self.scan.value, self.set.value, min(self.index.value, self.index.max)), sync=sync,
                             note="reconstructing the set…")

    def _show(self, key, r) -> None:
        scan, kind, i = key
        i = min(i, len(r["x_true"]) - 1)
        x = r["x_true"][i]
        self.scores = {}
        for j, (m, xs) in enumerate(r["out"].items()):
            xi = xs[i]
            self.scores[m] = float(metrics.psnr(xi, x))
            title = m
            if m.startswith("TV"):
                lam = self.tv_run[f"{scan}/{kind}"]["lam"][i]
                title = f"TV (best λ = {lam:.2g})"
            self.row.set(j, xi, title=title, note=_clip_note(xi, x))
            self.err.set(j, (xi - x).abs(), vmin=0, vmax=ERROR_MAX, cmap="magma", title=f"error: {m}",
                         note=f"mean |x̂ − x| {float((xi - x).abs().mean()):.4f}")
        self.row.set(len(r["out"]), x, title="ground truth", note=f"{SET_LABELS[kind]}" + (f" #{i}" if kind == "ellipses" else ""))
        best = max(self.scores, key=self.scores.get)
        what = SCAN_LABELS[scan]
        self.info.value = _info(f"{what}, noise {CT_NOISE * 100:g} % of max|Ax|. Best on this image: <b>{best}</b> "
                                f"({self.scores[best]:.2f} dB); FBP {self.scores['FBP']:.2f} dB. Error images: black "
                                f"is exact, white is an error of {ERROR_MAX:g} or more (the image's range is 0-1).")


class ViewsPanel(W.VBox):
    """The networks trained at 30 views, run at test time on another number of views (row 4.5).

    For each view count of :data:`TEST_VIEWS` and the chosen object: the FBP and every network's
    reconstruction from the same noisy sinogram (noise :data:`~invlab.recipes.CT_NOISE`, seed 0),
    and a plot of PSNR against the number of views for all of them, the current count marked.
    The curves of an object are computed once (a few seconds: 11 geometries, each with FBP and
    every network), on a worker thread.

    Parameters
    ----------
    nets : dict
        ``{label: net(y, A)}``.
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, nets: dict, width: int = 180):
        self.nets = _check_nets(nets)
        self.width = _check_positive_int(width, "width", minimum=64)
        self.views = W.SelectionSlider(options=list(TEST_VIEWS), value=CT_VIEWS, description="views",
                                       continuous_update=True)
        self.image = W.Dropdown(options=list(PHANTOMS), value="held-out ellipses", description="object")
        self.busy = W.HTML()
        self.row = ImageRow(["FBP"] + list(nets) + ["ground truth"], self.width, lines=4)
        self.plot = PlotImage(figsize=(4.4, 3.0), dpi=80)
        ax = self.plot.ax
        ax.set_xlabel("number of views at test time")
        ax.set_ylabel("PSNR (dB)")
        ax.set_title("trained at 30 views")
        ax.axvline(CT_VIEWS, color="0.6", ls=":", lw=1)
        self.lines = {m: ax.plot([], [], "o-", ms=3, lw=1.4, label=m)[0] for m in ["FBP"] + list(nets)}
        self.marker = ax.axvline(CT_VIEWS, color="C3", lw=1.2)
        ax.legend(loc="lower right", framealpha=0.9)
        ax.set_xlim(0, max(TEST_VIEWS) + 5)
        self.plot.finish()
        self.info = W.HTML()
        self._cache = {}
        self._latest = LatestWins(self.compute, self._show, self.busy)
        self.image.observe(lambda change: self.update(), names="value")
        self.views.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.image, self.views, self.busy], layout=W.Layout(flex_flow="row wrap")),
                          W.HBox([self.row, self.plot], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
                          self.info])
        self.update(sync=True)

    def compute(self, image: str) -> dict:
        """Every view count's reconstructions and PSNRs for one object (cached)."""
        if image not in self._cache:
            x = phantom(image)
            out, scores = {}, {}
            with torch.no_grad():
                for v in TEST_VIEWS:
                    A = ct_operator(v)
                    y = ct_measure(A, x, seed=0)
                    rec = {"FBP": A.fbp(y).clamp(0, 1)}
                    for m, net in self.nets.items():
                        rec[m] = net(y, A).clamp(0, 1)
                    out[v] = rec
                    scores[v] = {m: float(metrics.psnr(r, x)) for m, r in rec.items()}
            self._cache[image] = {"x": x, "out": out, "psnr": scores}
        return self._cache[image]

    def update(self, sync: bool = False) -> None:
        """Show the controls' setting."""
        self._latest.request(self.image.value, sync=sync, note="reconstructing at every view count…")

    def _show(self, image, r) -> None:
        v = self.views.value
        x = r["x"]
        for j, (m, xi) in enumerate(r["out"][v].items()):
            self.row.set(j, xi, title=f"{m}, {v} views", note=_clip_note(xi, x))
        self.row.set(len(r["out"][v]), x, title="ground truth", note=image)
        for m, line in self.lines.items():
            line.set_data(list(TEST_VIEWS), [r["psnr"][w][m] for w in TEST_VIEWS])
        ax = self.plot.ax
        lo = min(min(s.values()) for s in r["psnr"].values())
        hi = max(max(s.values()) for s in r["psnr"].values())
        ax.set_ylim(np.floor(lo) - 0.5, np.ceil(hi) + 0.5)
        self.marker.set_xdata([v, v])
        self.plot.refresh(full=True)
        self.psnr = r["psnr"][v]
        best = max(self.psnr, key=self.psnr.get)
        self.info.value = _info(f"{v} views ({'as in training' if v == CT_VIEWS else 'trained at 30'}): best "
                                f"<b>{best}</b> ({self.psnr[best]:.2f} dB), FBP {self.psnr['FBP']:.2f} dB. The "
                                "networks take the operator at call time, so any view count runs; what they learned "
                                "about the artefacts of 30 views is another matter.")


class UnrolledPanel(W.VBox):
    r"""The unrolled network's iterates :math:`x_0, \dots, x_K`, scrubbed (what each block adds).

    :math:`x_0` is the FBP; block :math:`k` takes the normalised data gradient step
    :math:`-\eta_k g_k` and adds its CNN's correction. Shown for block :math:`k`: the iterate, the
    change :math:`x_k - x_{k-1}` (red: brighter, blue: darker), and the error; a plot of PSNR per
    block against the same learned steps *without* the CNNs (plain gradient descent from the FBP,
    what the untrained network computes), and the learned step sizes :math:`\eta_k`.

    Parameters
    ----------
    net : LearnedGD
        The shipped ``ct_unrolled`` (anything with ``iterates(y, A)`` and ``steps``).
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, net, width: int = 200):
        if not callable(getattr(net, "iterates", None)) or not hasattr(net, "steps"):
            raise TypeError(f"net must be a learned iterative network with iterates(y, A) and steps "
                            f"(il.nets.LearnedGD), got {type(net).__name__}.")
        self.net = net
        self.width = _check_positive_int(width, "width", minimum=64)
        K = net.n_blocks
        self.block = W.IntSlider(value=K, min=0, max=K, description="block k", continuous_update=True)
        self.image = W.Dropdown(options=list(PHANTOMS), value="held-out ellipses", description="object")
        self.row = ImageRow(["iterate", "change", "error"], self.width, lines=3)
        self.plot = PlotImage(figsize=(6.6, 2.9), dpi=80, ncols=2)
        a0, a1 = self.plot.axes
        a0.set_xlabel("block k")
        a0.set_ylabel("PSNR (dB)")
        a0.set_title("iterate x_k")
        (self.l_net,) = a0.plot([], [], "o-", ms=4, lw=1.5, label="learned GD")
        (self.l_plain,) = a0.plot([], [], "s--", ms=3, lw=1.2, color="0.45", label="same steps, no CNN")
        self.mark = a0.axvline(K, color="C3", lw=1.2)
        a0.legend(loc="upper left", framealpha=0.9, fontsize=8)
        a0.set_xlim(-0.3, K + 0.3)
        steps = net.steps.detach().double().numpy()
        a1.bar(np.arange(1, K + 1), steps, color="C0")
        a1.axhline(1.0, color="0.6", ls=":", lw=1, label="start (1)")
        a1.axhline(2.0, color="C3", ls="--", lw=1, label="Landweber's limit (2)")
        a1.set_ylim(0, max(2.4, 1.35 * float(steps.max())))  # room for the legend above the bars
        a1.legend(loc="upper left", framealpha=0.9, fontsize=8)
        a1.set_xlabel("block k")
        a1.set_ylabel("η_k (units of 1/‖A‖²)")
        a1.set_title("learned step sizes")
        a1.set_xticks(np.arange(1, K + 1))
        self.plot.finish()
        self.info = W.HTML()
        self._cache = {}
        self.block.observe(lambda change: self.show(), names="value")
        self.image.observe(lambda change: self.show(), names="value")
        super().__init__([W.HBox([self.image, self.block], layout=W.Layout(flex_flow="row wrap")),
                          W.HBox([self.row], layout=W.Layout(flex_flow="row wrap")), self.plot, self.info])
        self.show()

    def compute(self, image: str) -> dict:
        """Both runs' iterates and PSNRs for one object (sparse view, 30 views; cached, about 0.1 s)."""
        if image not in self._cache:
            x = phantom(image)
            A = ct_operator(CT_VIEWS)
            y = ct_measure(A, x, seed=0)
            xs = [v.clamp(0, 1) for v in self.net.iterates(y, A)]
            L = float(A.norm()) ** 2
            plain = [A.fbp(y)]
            for eta in self.net.steps.detach().tolist():
                z = plain[-1]
                plain.append(z - (eta / L) * A.T(A(z) - y))
            self._cache[image] = {"x": x, "xs": xs, "psnr": [float(metrics.psnr(v, x)) for v in xs],
                                  "plain": [float(metrics.psnr(v.clamp(0, 1), x)) for v in plain]}
        return self._cache[image]

    def show(self) -> None:
        """Redraw for the controls' setting."""
        r = self.compute(self.image.value)
        k = self.block.value
        x, xs = r["x"], r["xs"]
        self.row.set(0, xs[k], title="FBP (x_0)" if k == 0 else f"iterate x_{k}", note=_clip_note(xs[k], x))
        if k == 0:
            self.row.set(1, torch.zeros_like(x), vmin=-0.1, vmax=0.1, cmap="RdBu_r", title="change",
                         note="(the start)")
        else:
            d = xs[k] - xs[k - 1]
            self.row.set(1, d, vmin=-0.1, vmax=0.1, cmap="RdBu_r", title=f"change x_{k} − x_{k - 1}",
                         note=f"±0.1 · rms {float(d.pow(2).mean().sqrt()):.4f}")
        self.row.set(2, (xs[k] - x).abs(), vmin=0, vmax=ERROR_MAX, cmap="magma", title="error |x_k − x|",
                     note=f"white: ≥ {ERROR_MAX:g}")
        K = len(xs) - 1
        self.l_net.set_data(range(K + 1), r["psnr"])
        self.l_plain.set_data(range(K + 1), r["plain"])
        a0 = self.plot.axes[0]
        vals = r["psnr"] + r["plain"]
        lo, hi = np.floor(min(vals)) - 0.5, np.ceil(max(vals)) + 0.5
        a0.set_ylim(lo, lo + (hi - lo) / 0.72)   # the curves in the lower 72 %, the legend above them
        self.mark.set_xdata([k, k])
        self.plot.refresh(full=True)
        self.psnr = r["psnr"]
        plain, cnn = r["plain"][-1] - r["psnr"][0], r["psnr"][-1] - r["plain"][-1]
        self.info.value = _info(f"Block {k} of {K}: {r['psnr'][k]:.2f} dB. From the FBP ({r['psnr'][0]:.2f} dB), the "
                                f"{K} data steps alone gain {plain:+.2f} dB and the CNNs add {cnn:+.2f} dB on top of "
                                "them; each CNN sees the data gradient, a hint of where the image disagrees with the "
                                "sinogram.")
