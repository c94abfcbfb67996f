r"""Panels of lecture 4b: MR reconstruction.

* :class:`KSpacePanel` — image :math:`\leftrightarrow` k-space (log magnitude, phase), the Cartesian
  mask (acceleration, mask type, centre fraction) and the aliasing of the zero-filled image (row 4.2);
* :class:`MRMethodsPanel` — zero filling, CS-TV and CS-wavelet at their best λ (the stored ``mr_cs``
  run), the image-domain U-Net, the k-space network and the DC cascade, with error images, at 6x and
  11x, on the test person and the held-out slabs (rows 4.3, 4.4);
* :class:`CascadePanel` — the cascade's blocks scrubbed: the image after each CNN and after each
  data-consistency layer, and how many blocks are used (row 4.6);
* :class:`ThickSlicePanel` — thick-slice super-resolution: linear, cubic and the network (row 4.7);
* :func:`mr_table` — every method on every held-out set at both accelerations, PSNR/SSIM, parameters
  and CPU time.

Images are magnitudes :math:`|\hat x|` clipped to :math:`[0, 1]`, before they are shown and scored.
"""
from __future__ import annotations

import html
import statistics

import ipywidgets as W
import numpy as np
import torch

from .. import _mrdata as _mr
from .. import metrics
from .. import operators as op
from .._checks import check_choice, check_int, check_real
from ..nets.thick import through_plane
from ..pretrained.runs import from_uint8
from ..recipes import (MR_ACCELERATIONS, MR_CENTER, MR_MASKS, MR_NOISE, MR_SIZE, MR_TEST_SETS, mr_mask, mr_measure,
                       mr_phase, mr_test_set, thick_test_set)
from .base import ImageRow, LatestWins, PlotImage, _check_positive_int
from .lecture2 import _info
from ..nets import forward_ms

__all__ = ["KSpacePanel", "MRMethodsPanel", "CascadePanel", "ThickSlicePanel", "mr_image", "mr_reconstructions",
           "mr_table", "mr_table_html", "MR_IMAGES", "SET_LABELS", "ERROR_MAX"]

#: The images of the panels (:func:`mr_image`).
MR_IMAGES = ("test person (coronal)", "Colin27 with skull (axial)", "MNI152 template (axial)")
#: How the held-out sets of :func:`~invlab.recipes.mr_test_set` are called on screen.
SET_LABELS = {"person": "test person", "mni152": "MNI152 slab", "colin27": "Colin27 slab (skull)"}
#: Top of the grey scale of the error images.
ERROR_MAX = 0.2
_SET_OF_IMAGE = dict(zip(MR_IMAGES, ("person", "colin27", "mni152")))


def mr_image(name: str) -> torch.Tensor:
    """A :math:`128^2` magnitude image of :data:`MR_IMAGES`: the test person, or the middle slice of a held-out slab."""
    kind = _SET_OF_IMAGE[check_choice(name, "image", MR_IMAGES)]
    if kind == "person":
        return _mr.mr_test_slice(MR_SIZE)
    return _mr.mr_slices(kind, "axial", "test", MR_SIZE)[4]


def _note(x: torch.Tensor, x_true: torch.Tensor) -> str:
    return f"PSNR {metrics.psnr(x, x_true):.2f} dB · SSIM {metrics.ssim(x, x_true):.3f}"


def _log_k(k: torch.Tensor) -> torch.Tensor:
    """log(1 + |k|) scaled to [0, 1] (the centre is orders of magnitude above the edges)."""
    v = torch.log1p(k.abs() * 50)
    return v / v.max().clamp_min(1e-12)


class KSpacePanel(W.VBox):
    r"""Image and k-space, the Cartesian mask, and the aliasing of the zero-filled image (row 4.2).

    The complex image :math:`x = m\,e^{i\varphi}` (magnitude :math:`m`, a smooth simulated phase
    :math:`\varphi`, seed 0) is measured as :math:`y = M \odot (\mathcal F x + \sigma n)` with the
    mask of the controls (whole phase-encoding columns: acceleration :math:`R`, mask type, fraction
    of fully sampled central columns) and :math:`\sigma` = :data:`~invlab.recipes.MR_NOISE`. Shown:
    :math:`|x|`, :math:`\angle x`, :math:`\log|\mathcal F x|`, the mask, the zero-filled image
    :math:`|A^{*}y|` and its error. Everything is a few FFTs: it follows a slider as it moves.

    Parameters
    ----------
    acceleration : float
        Initial :math:`R` (1-16).
    kind : {"random", "equispaced"}
    center_fraction : float
        Initial fraction of central columns (0.02-0.3).
    image : str
        One of :data:`MR_IMAGES`.
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, acceleration: float = 6, kind: str = "random", center_fraction: float = 0.08,
                 image: str = MR_IMAGES[0], width: int = 170):
        acceleration = check_real(acceleration, "acceleration", low=1, high=16)
        kind = check_choice(kind, "kind", MR_MASKS)
        center_fraction = check_real(center_fraction, "center_fraction", low=0.02, high=0.3)
        image = check_choice(image, "image", MR_IMAGES)
        self.width = _check_positive_int(width, "width", minimum=64)
        self.image = W.Dropdown(options=list(MR_IMAGES), value=image, description="image")
        self.acceleration = W.FloatSlider(value=acceleration, min=1, max=16, step=0.5, description="acceleration R",
                                          readout_format=".1f", continuous_update=True, style={"description_width": "100px"})
        self.center = W.FloatSlider(value=center_fraction, min=0.02, max=0.3, step=0.01, description="centre",
                                    readout_format=".2f", continuous_update=True)
        self.kind = W.ToggleButtons(options=list(MR_MASKS), value=kind, description="mask",
                                    style={"button_width": "100px"})
        self.row = ImageRow(["image |x|", "phase ∠x", "k-space log|Fx|", "mask M", "zero-filled |Aᴴy|",
                             "error"], self.width, lines=3)
        self.info = W.HTML()
        self._x = {}
        self._drawn_image = None
        for c in (self.image, self.acceleration, self.center, self.kind):
            c.observe(lambda change: self.update(), names="value")
        controls = W.HBox([self.image, self.acceleration, self.center], layout=W.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.kind, self.row, self.info])
        self.update()

    def compute(self, image: str, acceleration: float, center: float, kind: str) -> dict:
        """The measurement and zero-filled image of one setting (a few ms)."""
        if image not in self._x:
            m = mr_image(image)
            x = (m * torch.exp(1j * mr_phase(1, MR_SIZE, 0)[0])).to(torch.complex64)
            self._x[image] = (m, x, op.fft2c(x))
        m, x, k = self._x[image]
        M = mr_mask(acceleration, kind, seed=0, center_fraction=center)
        A = op.MRI(M)
        y = mr_measure(A, x, MR_NOISE, seed=1)
        zf = A.adjoint(y)
        return {"m": m, "x": x, "k": k, "mask": M, "zf": zf, "acceleration": A.acceleration}

    def update(self) -> None:
        """Redraw for the controls' setting."""
        r = self.compute(self.image.value, self.acceleration.value, self.center.value, self.kind.value)
        m, x, zf = r["m"], r["x"], r["zf"].abs().clamp(0, 1)
        self.zero_filled = zf
        if self._drawn_image != self.image.value:  # the first three depend on the image only: redrawn when it changes
            self.row.set(0, m, title="image |x|", note=self.image.value.split(" (")[0])
            self.row.set(1, torch.angle(x) * (m > 0.02), vmin=-np.pi, vmax=np.pi, cmap="twilight",
                         title="phase ∠x", note="simulated, smooth (−π…π)")
            self.row.set(2, _log_k(r["k"]), title="k-space log|Fx|", note="centre: low frequencies")
            self._drawn_image = self.image.value
        n_lines = int(r["mask"][0].sum())
        self.row.set(3, r["mask"].float(), title="mask M", note=f"{n_lines} of {MR_SIZE} lines · R = "
                                                              f"{r['acceleration']:.1f}")
        self.row.set(4, zf, title="zero-filled |Aᴴy|", note=_note(zf, m))
        self.row.set(5, (zf - m).abs(), vmin=0, vmax=ERROR_MAX, cmap="magma", title="error",
                     note=f"white: ≥ {ERROR_MAX:g}")
        self.psnr = float(metrics.psnr(zf, m))
        self.info.value = _info(self.describe(r["acceleration"], self.kind.value, int(r["mask"][0].sum()),
                                              int(np.ceil(self.center.value * MR_SIZE))))

    @staticmethod
    def describe(acceleration: float, kind: str, n_lines: int, n_centre: int) -> str:
        """The sentence under the panel: what this mask does to the zero-filled image."""
        if acceleration <= 1.01:
            return ("Every line is measured: the zero-filled image is the image itself, up to the k-space noise "
                    f"(σ = {MR_NOISE:g}).")
        outer = max(0, n_lines - n_centre)
        parts = [f"{n_lines} of {MR_SIZE} phase-encoding lines are measured ({n_centre} in the fully sampled centre, "
                 f"{outer} outside it)."]
        if outer == 0:
            parts.append("Every measured line is in the centre: the image keeps its contrast but loses its edges, a "
                         "blur along the phase-encoding direction (left-right); no aliasing, nothing random to remove.")
            return " ".join(parts)
        if kind == "equispaced":
            parts.append("Outside the centre the lines are evenly spaced, so the missing ones fold the image onto "
                         "itself: <b>coherent ghost copies</b>, shifted along the phase-encoding direction "
                         "(left-right here) by the field of view divided by the spacing.")
        else:
            parts.append("Outside the centre the lines are random, so the aliasing is <b>incoherent</b>: it spreads "
                         "as noise-like streaks along the phase-encoding direction (left-right) instead of ghost "
                         "copies. That is what compressed sensing and the networks can remove.")
        if outer <= 2:
            parts.append("Almost every measured line is in the centre: the image keeps its contrast but loses its "
                         "edges (a blur along the phase-encoding direction).")
        return " ".join(parts)


def _check_nets(nets) -> dict:
    """``{acceleration: {label: net}}`` with an entry for every acceleration of the stored run."""
    if not isinstance(nets, dict) or not nets:
        raise TypeError("nets must be a non-empty dict {acceleration: {label: net(y, A)}}, got "
                        f"{type(nets).__name__}.")
    for acc, d in nets.items():
        if acc not in MR_ACCELERATIONS or not isinstance(d, dict) or not d or not all(
                isinstance(k, str) and callable(v) for k, v in d.items()):
            raise TypeError(f"nets must map accelerations {MR_ACCELERATIONS} to {{label: net(y, A)}}, got "
                            f"{acc!r}: {d!r}.")
    return nets


def _check_cs_run(cs_run) -> dict:
    if not isinstance(cs_run, dict) or "lams" not in cs_run or f"{MR_ACCELERATIONS[0]}/person/tv" not in cs_run:
        raise TypeError("cs_run must be the stored run il.pretrained.runs.stored_run('mr_cs').")
    return cs_run


def mr_reconstructions(nets: dict, cs_run: dict, acceleration: int = 6, kind: str = "person") -> dict:
    """Every method's magnitude images of one held-out set: ``{"x_true": (N, H, W), "out": {method: (N, H, W)},
    "masks", "y"}``. Zero filling and the networks are computed here; CS is the stored run's (8-bit)."""
    nets = _check_nets(nets)
    cs_run = _check_cs_run(cs_run)
    if isinstance(acceleration, bool) or acceleration not in nets:
        raise ValueError(f"acceleration must be one of {sorted(nets)} (the keys of nets), got {acceleration!r}.")
    kind = check_choice(kind, "kind", MR_TEST_SETS)
    x, masks, y = mr_test_set(kind, acceleration)
    ops = [op.MRI(mi) for mi in masks]
    out = {"zero-filled": torch.stack([A.adjoint(v).abs() for A, v in zip(ops, y)]).clamp(0, 1)}
    for cs, label in (("tv", "CS-TV (best λ)"), ("wavelet", "CS-wavelet (best λ)")):
        out[label] = from_uint8(cs_run[f"{acceleration}/{kind}/{cs}"]["x"])
    with torch.no_grad():
        for label, net in nets[acceleration].items():
            out[label] = torch.stack([net(v[None], A)[0].abs() for A, v in zip(ops, y)]).clamp(0, 1)
    return {"x_true": x.abs(), "out": out, "masks": masks, "y": y}


def mr_table(nets: dict, cs_run: dict, timing: bool = True) -> dict:
    """Mean PSNR / SSIM of every method on every held-out set at each acceleration, parameters and CPU ms.

    Returns ``{"psnr": {acc: {method: {set: dB}}}, "ssim": {...}, "params": {method: int}, "ms": {method: float}}``
    (method labels are those of :func:`mr_reconstructions`; a network's params and ms are those of its
    6x copy). CS scores are the stored run's (before 8-bit rounding); CPU ms are medians of 3 calls on
    one image with the calling process's threads.
    """
    nets = _check_nets(nets)
    cs_run = _check_cs_run(cs_run)
    res = {"psnr": {}, "ssim": {}, "params": {}, "ms": {}}
    for acc in nets:
        res["psnr"][acc], res["ssim"][acc] = {}, {}
        for kind in MR_TEST_SETS:
            r = mr_reconstructions(nets, cs_run, acc, kind)
            for method, xs in r["out"].items():
                if method.startswith("CS"):
                    e = cs_run[f"{acc}/{kind}/{'tv' if 'TV' in method else 'wavelet'}"]
                    p, s = statistics.mean(e["psnr"]), statistics.mean(e["ssim"])
                else:
                    p = statistics.mean(float(v) for v in metrics.psnr(xs, r["x_true"]))
                    s = statistics.mean(float(metrics.ssim(a, b)) for a, b in zip(xs, r["x_true"]))
                res["psnr"][acc].setdefault(method, {})[kind] = p
                res["ssim"][acc].setdefault(method, {})[kind] = s
    x, masks, y = mr_test_set("person", MR_ACCELERATIONS[0])
    A = op.MRI(masks[0])
    res["params"] = {"zero-filled": 0, "CS-TV (best λ)": 0, "CS-wavelet (best λ)": 0}
    res["ms"] = {"zero-filled": forward_ms(A.adjoint, y[0]) if timing else None, "CS-TV (best λ)": None,
                 "CS-wavelet (best λ)": None}
    first = nets[min(nets)]
    for label, net in first.items():
        res["params"][label] = sum(p.numel() for p in net.parameters()) if hasattr(net, "parameters") else None
        res["ms"][label] = forward_ms(lambda v: net(v, A), y[:1]) if timing else None
    return res


def mr_table_html(res: dict) -> str:
    """An HTML table of :func:`mr_table`'s result: one column per (acceleration, set), best PSNR in bold."""
    if not isinstance(res, dict) or not all(k in res for k in ("psnr", "ssim", "params", "ms")) or not res["psnr"]:
        raise TypeError("res must be the dict mr_table returns (keys psnr, ssim, params, ms).")
    accs = list(res["psnr"])
    methods = []
    for a in accs:
        methods += [m for m in res["psnr"][a] if m not in methods]
    cols = [(a, k) for a in accs for k in MR_TEST_SETS]
    th = "style='padding:2px 8px'"
    head = "".join(f"<th {th}>{a}×, {html.escape(SET_LABELS[k])}<br>PSNR / SSIM</th>" for a, k in cols)
    best = {(a, k): max(v[k] for v in res["psnr"][a].values()) for a, k in cols}
    rows = []
    for m in methods:
        cells = []
        for a, k in cols:
            if m not in res["psnr"][a]:
                cells.append(f"<td {th} align='center'>—</td>")
                continue
            p, s = res["psnr"][a][m][k], res["ssim"][a][m][k]
            txt = f"{p:.2f} / {s:.3f}"
            cells.append(f"<td {th} align='right'>{'<b>' + txt + '</b>' if p == best[a, k] else txt}</td>")
        params, ms = res["params"].get(m), res["ms"].get(m)
        cells.append(f"<td {th} align='right'>{'—' if not params else f'{params:,}'}</td>")
        cells.append(f"<td {th} align='right'>{'—' if ms is None else f'{ms:.1f}' if ms < 10 else f'{ms:.0f}'}</td>")
        rows.append(f"<tr><td {th}>{html.escape(m)}</td>{''.join(cells)}</tr>")
    return (f"<table style='border-collapse:collapse;font-size:12px'><tr><th {th}>method</th>{head}"
            f"<th {th}>parameters</th><th {th}>CPU ms</th></tr>" + "".join(rows) + "</table>")


class MRMethodsPanel(W.VBox):
    """Zero filling, CS, and the networks on one held-out image, with error images (rows 4.3, 4.4).

    Controls: the acceleration (each network is the one trained for it), the held-out set and the
    image in it (for the test person: the mask seed). CS is the stored ``mr_cs`` run (λ chosen per
    image with the ground truth: an oracle); zero filling and the networks are computed on demand
    and cached.

    Parameters
    ----------
    nets : dict
        ``{acceleration: {label: net(y, A)}}``, e.g. the shipped ``mri_unet_6x``, ``mri_kspace_6x``,
        ``mri_cascade_6x`` under 6.
    cs_run : dict
        ``il.pretrained.runs.stored_run("mr_cs")``.
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, nets: dict, cs_run: dict, width: int = 140):
        self.nets = _check_nets(nets)
        self.cs_run = _check_cs_run(cs_run)
        self.width = _check_positive_int(width, "width", minimum=64)
        accs = sorted(self.nets)
        self.acc = W.ToggleButtons(options=[(f"{a}×", a) for a in accs], value=accs[0], description="acceleration",
                                   style={"button_width": "60px"})
        self.set = W.Dropdown(options=[(v, k) for k, v in SET_LABELS.items()], value="person", description="test set")
        self.index = W.IntSlider(value=0, min=0, max=7, description="image", continuous_update=True)
        self.busy = W.HTML()
        labels = []
        for acc in accs:
            labels += [m for m in self.nets[acc] if m not in labels]
        methods = ["zero-filled", "CS-TV (best λ)", "CS-wavelet (best λ)"] + labels
        self.methods = methods
        self.row = ImageRow(methods + ["ground truth"], self.width, lines=4)
        self.err = ImageRow([f"error: {m}" for m in methods], self.width, lines=3)
        self.info = W.HTML()
        self._cache = {}
        self._latest = LatestWins(lambda key: self.compute(*key[:2]), self._show, self.busy)
        for c in (self.acc, self.set, self.index):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.acc, self.set, self.index, self.busy], layout=W.Layout(flex_flow="row wrap")),
                          self.row, self.err, self.info])
        self.update(sync=True)

    def compute(self, acceleration: int, kind: str) -> dict:
        """:func:`mr_reconstructions` of one set (cached)."""
        if (acceleration, kind) not in self._cache:
            self._cache[acceleration, kind] = mr_reconstructions(self.nets, self.cs_run, acceleration, kind)
        return self._cache[acceleration, kind]

    def update(self, sync: bool = False) -> None:
        """Show the controls' setting."""
        self._latest.request((self.acc.value, self.set.value, self.index.value), sync=sync,
                             note="reconstructing the set…")

    def _show(self, key, r) -> None:
        acc, kind, i = key
        x = r["x_true"][i]
        self.scores = {}
        for j, m in enumerate(self.methods):
            if m not in r["out"]:
                self.row.set(j, torch.zeros_like(x), title=m, note=f"(none trained for {acc}×)")
                self.err.set(j, torch.zeros_like(x), vmin=0, vmax=ERROR_MAX, cmap="magma", title=f"error: {m}",
                             note="—")
                continue
            xi = r["out"][m][i]
            self.scores[m] = float(metrics.psnr(xi, x))
            title = m
            if m.startswith("CS"):
                lam = self.cs_run[f"{acc}/{kind}/{'tv' if 'TV' in m else 'wavelet'}"]["lam"][i]
                title = f"{m.split(' (')[0]} (λ = {lam:.2g})"
            self.row.set(j, xi, title=title, note=_note(xi, x))
            self.err.set(j, (xi - x).abs(), vmin=0, vmax=ERROR_MAX, cmap="magma", title=f"error: {m.split(' (')[0]}",
                         note=f"mean |x̂ − x| {float((xi - x).abs().mean()):.4f}")
        n_lines = int(r["masks"][i][0].sum())
        self.row.set(len(self.methods), x, title="ground truth",
                     note=f"{SET_LABELS[kind]} · {n_lines} lines")
        best = max(self.scores, key=self.scores.get)
        self.info.value = _info(
            f"{acc}× ({n_lines} of {MR_SIZE} lines, centre {MR_CENTER[acc]:g}), k-space noise σ = {MR_NOISE:g}. "
            f"Best on this image: <b>{html.escape(best)}</b> ({self.scores[best]:.2f} dB); zero filling "
            f"{self.scores['zero-filled']:.2f} dB. Error images: black is exact, white an error of {ERROR_MAX:g} or "
            "more. " + ("The test person is someone no network saw, scanned elsewhere." if kind == "person" else
                        "A held-out slab of a training volume: the same head the networks learned from, other slices."))


class CascadePanel(W.VBox):
    r"""The DC cascade's blocks scrubbed: the image after each CNN and after each data-consistency layer (row 4.6).

    Step 0 is the zero-filled image; step :math:`2b - 1` the image after CNN :math:`b`, step :math:`2b`
    after its DC layer. ``blocks used`` runs only the first :math:`B'` blocks (the network allows
    fewer at test time); the plot shows PSNR after every step (CNN steps: circles, DC steps: squares)
    and the final PSNR for every :math:`B'`.

    Parameters
    ----------
    net : Cascade
        E.g. the shipped ``mri_cascade_6x``.
    acceleration : float
        The acceleration of the measurement shown (the one the net was trained for).
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, net, acceleration: float = 6, width: int = 190):
        if not callable(getattr(net, "iterates", None)) or not hasattr(net, "n_blocks"):
            raise TypeError(f"net must be a cascade with iterates(y, A) and n_blocks (il.nets.Cascade), got "
                            f"{type(net).__name__}.")
        self.net = net
        self.acceleration = check_real(acceleration, "acceleration", low=1, high=16)
        self.width = _check_positive_int(width, "width", minimum=64)
        B = net.n_blocks
        self.image = W.Dropdown(options=list(MR_IMAGES), value=MR_IMAGES[0], description="image")
        self.blocks = W.IntSlider(value=B, min=1, max=B, description="blocks used", continuous_update=True,
                                  style={"description_width": "90px"})
        self.step = W.IntSlider(value=2 * B, min=0, max=2 * B, description="step", continuous_update=True)
        self.row = ImageRow(["image", "change", "error"], self.width, lines=3)
        self.plot = PlotImage(figsize=(6.8, 2.8), dpi=80, ncols=2)
        a0, a1 = self.plot.axes
        a0.set_xlabel("step (odd: after a CNN, even: after DC)")
        a0.set_ylabel("PSNR (dB)")
        a0.set_title("inside the cascade")
        (self.l_all,) = a0.plot([], [], "-", color="0.6", lw=1)
        (self.l_cnn,) = a0.plot([], [], "o", ms=4, color="C0", label="after CNN")
        (self.l_dc,) = a0.plot([], [], "s", ms=4, color="C1", label="after DC")
        self.mark = a0.axvline(0, color="C3", lw=1.2)
        a0.legend(loc="lower right", framealpha=0.9)
        a1.set_xlabel("blocks used B′")
        a1.set_ylabel("PSNR (dB)")
        a1.set_title("output with fewer blocks")
        (self.l_blocks,) = a1.plot([], [], "o-", ms=4, lw=1.4, color="C2")
        self.mark_b = a1.axvline(B, color="C3", lw=1.2)
        a1.set_xticks(np.arange(0, B + 1))
        self.plot.finish()
        self.info = W.HTML()
        self._cache = {}
        self.image.observe(lambda change: self.show(), names="value")
        self.blocks.observe(self._on_blocks, names="value")
        self.step.observe(lambda change: self.show(), names="value")
        super().__init__([W.HBox([self.image, self.blocks, self.step], layout=W.Layout(flex_flow="row wrap")),
                          self.row, self.plot, self.info])
        self.show()

    def _on_blocks(self, change) -> None:
        with self.step.hold_trait_notifications():
            self.step.max = 2 * change["new"]
            self.step.value = 2 * change["new"]
        self.show()

    def compute(self, image: str) -> dict:
        """The iterates of one image (mask seed 0, noise seed 1; cached, a few tenths of a second)."""
        if image not in self._cache:
            m = mr_image(image)
            x = (m * torch.exp(1j * mr_phase(1, MR_SIZE, 0)[0])).to(torch.complex64)
            A = op.MRI(mr_mask(self.acceleration, "random", seed=0))
            y = mr_measure(A, x, MR_NOISE, seed=1)
            steps = [(name, v.abs().clamp(0, 1)) for name, v in self.net.iterates(y, A)]
            self._cache[image] = {"m": m, "steps": steps, "psnr": [float(metrics.psnr(v, m)) for _, v in steps]}
        return self._cache[image]

    def show(self) -> None:
        """Redraw for the controls' setting."""
        r = self.compute(self.image.value)
        s, B = self.step.value, self.blocks.value
        m, steps, p = r["m"], r["steps"], r["psnr"]
        name, xs = steps[s]
        self.row.set(0, xs, title=name, note=_note(xs, m))
        if s == 0:
            self.row.set(1, torch.zeros_like(m), vmin=-0.1, vmax=0.1, cmap="RdBu_r", title="change", note="(the start)")
        else:
            d = xs - steps[s - 1][1]
            self.row.set(1, d, vmin=-0.1, vmax=0.1, cmap="RdBu_r", title=f"change made by {name.split()[0]}",
                         note=f"±0.1 · rms {float(d.pow(2).mean().sqrt()):.4f}")
        self.row.set(2, (xs - m).abs(), vmin=0, vmax=ERROR_MAX, cmap="magma", title="error", note=f"white: ≥ {ERROR_MAX:g}")
        n = 2 * B + 1
        self.l_all.set_data(range(n), p[:n])
        self.l_cnn.set_data(range(1, n, 2), p[1:n:2])
        self.l_dc.set_data(range(2, n, 2), p[2:n:2])
        finals = [p[2 * b] for b in range(self.net.n_blocks + 1)]
        self.l_blocks.set_data(range(self.net.n_blocks + 1), finals)
        a0, a1 = self.plot.axes
        a0.set_xlim(-0.5, 2 * self.net.n_blocks + 0.5)
        lo, hi = min(p), max(p)
        for a in (a0, a1):
            a.set_ylim(np.floor(lo) - 0.5, np.ceil(hi) + 0.5)
        a1.set_xlim(-0.3, self.net.n_blocks + 0.3)
        self.mark.set_xdata([s, s])
        self.mark_b.set_xdata([B, B])
        self.plot.refresh(full=True)
        self.psnr = p
        cnn_gain = sum(p[2 * b - 1] - p[2 * b - 2] for b in range(1, B + 1))
        dc_gain = sum(p[2 * b] - p[2 * b - 1] for b in range(1, B + 1))
        self.info.value = _info(
            f"Step {s} ({name}): {p[s]:.2f} dB. With {B} of {self.net.n_blocks} blocks, from zero filling "
            f"({p[0]:.2f} dB) to {p[2 * B]:.2f} dB: the CNN steps change PSNR by {cnn_gain:+.2f} dB in all and the "
            f"DC steps by {dc_gain:+.2f} dB. A DC step puts back the measured lines: it cannot invent anatomy, and it "
            "undoes whatever a CNN changed on them.")


class ThickSlicePanel(W.VBox):
    r"""Thick-slice super-resolution: linear, cubic and the network against the thin truth (row 4.7).

    The thin image is averaged over :math:`k` neighbouring rows (:func:`~invlab._mr.thick_slices`,
    a box slice profile), then brought back to the thin grid by linear and Keys cubic interpolation
    (:func:`~invlab.nets.through_plane`) and by the network. Rows are the through-plane direction
    (inferior-superior for the coronal test person, anterior-posterior for the axial slabs).

    Parameters
    ----------
    net : callable
        ``net(y_thick, k) -> x_thin``, e.g. the shipped ``thick_slice_sr``.
    width : int
        Display width of each picture in CSS pixels.
    """

    def __init__(self, net, k: int = 4, width: int = 170):
        if not callable(net):
            raise TypeError(f"net must be a network net(y_thick, k), got {type(net).__name__}.")
        self.net = net
        k = check_int(k, "k", low=2, high=6)
        self.width = _check_positive_int(width, "width", minimum=64)
        self.image = W.Dropdown(options=[(v, kk) for kk, v in SET_LABELS.items()], value="person", description="image")
        self.k = W.IntSlider(value=k, min=2, max=6, description="thickness k", continuous_update=True,
                             style={"description_width": "90px"})
        self.row = ImageRow(["thick slices", "linear", "cubic", "network", "thin truth"], self.width, lines=3)
        self.err = ImageRow(["error: linear", "error: cubic", "error: network"], self.width, lines=2)
        self.info = W.HTML()
        self._cache = {}
        self.image.observe(lambda change: self.show(), names="value")
        self.k.observe(lambda change: self.show(), names="value")
        super().__init__([W.HBox([self.image, self.k], layout=W.Layout(flex_flow="row wrap")), self.row, self.err,
                          self.info])
        self.show()

    def compute(self, kind: str, k: int) -> dict:
        """Thick stack and the three reconstructions of one image (index 4 of a slab; cached)."""
        if (kind, k) not in self._cache:
            y, x = thick_test_set(kind, k)
            i = 0 if kind == "person" else 4
            y, x = y[i:i + 1], x[i:i + 1]
            with torch.no_grad():
                out = {"linear": through_plane(y, k, "linear"), "cubic": through_plane(y, k, "cubic"),
                       "network": self.net(y, k)}
            self._cache[kind, k] = {"y": y[0, 0], "x": x[0, 0],
                                    "out": {m: v[0, 0].clamp(0, 1) for m, v in out.items()}}
        return self._cache[kind, k]

    def show(self) -> None:
        """Redraw for the controls' setting."""
        k = self.k.value
        r = self.compute(self.image.value, k)
        x = r["x"]
        self.row.set(0, r["y"].repeat_interleave(k, dim=0), title=f"thick slices (k = {k})",
                     note=f"{r['y'].shape[0]} slices of {k} rows")
        self.scores = {}
        for j, (m, v) in enumerate(r["out"].items()):
            self.scores[m] = float(metrics.psnr(v, x))
            self.row.set(j + 1, v, title=m, note=_note(v, x))
            self.err.set(j, (v - x).abs(), vmin=0, vmax=ERROR_MAX, cmap="magma", title=f"error: {m}",
                         note=f"mean {float((v - x).abs().mean()):.4f}")
        self.row.set(4, x, title="thin truth", note=SET_LABELS[self.image.value])
        gain = self.scores["network"] - self.scores["cubic"]
        self.info.value = _info(
            f"Slices {k} rows thick ({k * _mr.MR_FOV / MR_SIZE:.1f} mm): cubic {self.scores['cubic']:.2f} dB, linear "
            f"{self.scores['linear']:.2f} dB, network {self.scores['network']:.2f} dB ({gain:+.2f} dB over cubic). "
            "Interpolation only fills in between the slice centres; the network also undoes the averaging inside "
            "each slice, where it has learned what anatomy usually looks like.")
