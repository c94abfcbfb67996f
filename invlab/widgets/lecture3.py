"""Panels of lecture 3: super-resolution.

* :class:`SRForwardPanel` — the forward model :math:`y = S_f B_\\sigma x` with factor and blur
  controls; nearest, bilinear and bicubic interpolation next to TV-SR with the known operator
  and PnP-HQS with the shipped denoiser (row 3.1);
* :class:`CheckerboardPanel` — what a transposed convolution, resize-then-convolve, a sub-pixel
  layer and ICNR make of a constant image (row 3.2);
* :class:`FrameworkPanel` — the four shipped frameworks at x2 and x4 on a test image, with the
  error image (row 3.3); :func:`sr_table` computes the comparison table.

The loss zoo (row 3.4) is in :mod:`invlab.widgets.lecture3_losses`. Slow settings go through
:class:`~invlab.widgets.base.LatestWins`: a picture never lags its controls.
"""
from __future__ import annotations

import ipywidgets as W
import torch

from .. import data, metrics
from .. import operators as op
from ..nets import forward_ms
from ..nets import sr as SR
from ..recipes import SR_BORDER
from .base import ImageRow, LatestWins, _check_positive_int, from_frontend
from .lecture2 import _info
from .lecture3b import baselines as classical_baselines

__all__ = ["SRForwardPanel", "CheckerboardPanel", "FrameworkPanel", "sr_table", "table_html", "sr_note",
           "FRAMEWORK_LABELS"]

#: How the frameworks are called on screen.
FRAMEWORK_LABELS = {"post": "post-upsampling", "pre": "pre-upsampling", "progressive": "progressive",
                    "iterative": "iterative back-projection"}


def _crop(x):
    b = SR_BORDER
    return x[..., b:x.shape[-2] - b, b:x.shape[-1] - b]


def sr_note(x: torch.Tensor, x_true: torch.Tensor) -> str:
    """``"PSNR 27.31 dB · SSIM 0.812"`` with the :data:`~invlab.recipes.SR_BORDER`-pixel border cropped (as the table)."""
    op.check_tensor(x, "x", tuple(x_true.shape) if isinstance(x_true, torch.Tensor) else None)
    x = x.clamp(0, 1)
    return f"PSNR {metrics.psnr(_crop(x), _crop(x_true)):.2f} dB · SSIM {metrics.ssim(_crop(x), _crop(x_true)):.3f}"


def _image(name: str, size: int) -> torch.Tensor:
    if name not in data.TEST_IMAGES:
        raise ValueError(f"image must be one of the test images {data.TEST_IMAGES}, got {name!r}.")
    return data.image(name, size)


class SRForwardPanel(W.VBox):
    """The super-resolution forward model and the classical answers to it (row 3.1).

    :math:`y = S_f B_\\sigma x`: Gaussian blur of :math:`\\sigma` high-resolution pixels, then keep
    every :math:`f`-th pixel (:class:`~invlab.operators.Downsample`). Interpolation only fills
    in between the samples; TV-SR solves :math:`\\min_x \\tfrac12\\|S_f B_\\sigma x - y\\|^2 +
    \\lambda\\,\\mathrm{TV}(x)` with the known operator (λ best on a grid, an oracle) and PnP-HQS
    replaces the TV step by the shipped denoiser (lecture 2).

    Controls: ``factor`` (2, 4, 8), ``blur`` (:math:`\\sigma` as a multiple of :math:`f`; the
    shipped networks are trained at 0.5) and ``image``. Each setting is computed once (TV and
    PnP take a second or two) and cached.

    Parameters
    ----------
    denoiser : callable
        ``invlab.pretrained.load("denoiser")``.
    size : int
        Image side (a multiple of 8).
    width : int
        Display width of each image in CSS pixels.
    """

    def __init__(self, denoiser, image: str = "camera", size: int = 128, width: int = 200):
        if not callable(denoiser):
            raise TypeError(f"denoiser must be callable (x, sigma) -> x, got {type(denoiser).__name__}.")
        self.size = _check_positive_int(size, "size", minimum=16)
        if self.size % 8:
            raise ValueError(f"size must be a multiple of 8 (factors 2, 4, 8), got {size}.")
        _image(image, 16)
        self.denoiser = denoiser
        self.factor = W.ToggleButtons(options=[("×2", 2), ("×4", 4), ("×8", 8)], value=4, description="factor f",
                                      style={"button_width": "48px"})
        self.blur = W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.25, description="blur σ / f",
                                  continuous_update=False, readout_format=".2f")
        self.image = W.Dropdown(options=list(data.TEST_IMAGES), value=image, description="test image")
        self.busy = W.HTML()
        self.row = ImageRow(["low resolution y", "nearest", "bilinear", "bicubic"], width, lines=4)
        self.row2 = ImageRow(["TV-SR", "PnP-HQS", "ground truth"], width, lines=4)
        self.info = W.HTML()
        self._cache = {}
        self._latest = LatestWins(lambda key: self.compute(*key), self._show, self.busy)
        for c in (self.factor, self.blur, self.image):
            c.observe(lambda change: self.update(prefetch=from_frontend(change)), names="value")
        super().__init__([W.HBox([self.factor, self.blur, self.image, self.busy], layout=W.Layout(flex_flow="row wrap")),
                          self.row, self.row2, self.info])
        self.update(sync=True)

    def compute(self, image: str, factor: int, blur: float) -> dict:
        """Every method's output for one setting (cached)."""
        key = (image, factor, round(float(blur), 4))
        if key not in self._cache:
            x = _image(image, self.size)
            A = op.Downsample((self.size, self.size), factor, sigma=blur * factor)
            y = A(x)
            out = {m: A.interpolate(y, m) for m in ("nearest", "bilinear", "bicubic")}
            base = classical_baselines("sr", A, y, x, denoiser=self.denoiser)
            out["TV-SR"], out["PnP-HQS"] = base["TV (best λ)"], base["PnP-HQS"]
            self._cache[key] = {"x": x, "y": y, "out": out}
        return self._cache[key]

    def update(self, sync: bool = False, prefetch: bool = False) -> None:
        """Show the controls' setting (on a worker thread in a kernel: latest wins)."""
        self._latest.request((self.image.value, self.factor.value, self.blur.value), sync=sync, prefetch=prefetch,
                             note=f"solving TV-SR and PnP at ×{self.factor.value}…")

    def _show(self, key, r) -> None:
        image, f, blur = key
        x = r["x"]
        self.x_true, self.outputs = x, r["out"]
        h = self.size // f
        self.row.set(0, r["y"], title=f"low resolution y ({h}×{h})", note=f"f = {f}, σ = {blur * f:g} px")
        for i, m in enumerate(("nearest", "bilinear", "bicubic")):
            self.row.set(i + 1, r["out"][m].clamp(0, 1), title=m, note=sr_note(r["out"][m], x))
        self.row2.set(0, r["out"]["TV-SR"], title="TV-SR (known A, best λ)", note=sr_note(r["out"]["TV-SR"], x))
        self.row2.set(1, r["out"]["PnP-HQS"], title="PnP-HQS (shipped denoiser)", note=sr_note(r["out"]["PnP-HQS"], x))
        self.row2.set(2, x, title="ground truth")
        scores = {m: float(metrics.psnr(_crop(v.clamp(0, 1)), _crop(x))) for m, v in r["out"].items()}
        best = max(scores, key=scores.get)
        self.info.value = _info(f"Best here: <b>{best}</b> ({scores[best]:.2f} dB); bicubic "
                                f"{scores['bicubic']:.2f} dB. Interpolation passes through the samples but cannot "
                                f"undo the blur; the methods that use A can (PSNR and SSIM on the image without its "
                                f"{SR_BORDER}-pixel border).")


class CheckerboardPanel(W.VBox):
    """What four upsampling layers make of a constant image (row 3.2); see :func:`invlab.nets.sr.checkerboard`.

    Controls: ``kernel`` size :math:`k`, ``stride`` :math:`s` and the weights (all ones, which
    counts overlaps, or random). The caption gives the interior's relative spread (standard
    deviation over mean): 0 means flat.
    """

    METHODS = {"transposed": "transposed conv", "resize": "resize, then conv", "subpixel": "sub-pixel conv",
               "icnr": "sub-pixel, ICNR init"}

    def __init__(self, width: int = 180):
        width = _check_positive_int(width, "width")
        self.kernel = W.IntSlider(value=3, min=1, max=8, description="kernel k", continuous_update=True)
        self.stride = W.IntSlider(value=2, min=1, max=4, description="stride s", continuous_update=True)
        self.init = W.ToggleButtons(options=["ones", "random"], value="ones", description="weights",
                                    style={"button_width": "70px"})
        self.row = ImageRow(list(self.METHODS.values()), width, lines=3)
        self.info = W.HTML()
        for c in (self.kernel, self.stride, self.init):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.kernel, self.stride, self.init], layout=W.Layout(flex_flow="row wrap")),
                          self.row, self.info])
        self.update()

    def update(self) -> None:
        """Redraw the four layers' outputs."""
        k, s = self.kernel.value, self.stride.value
        self.outputs, self.spread = {}, {}
        for i, (m, label) in enumerate(self.METHODS.items()):
            out = SR.checkerboard(m, k, s, size=24, init=self.init.value, seed=0)
            b = (k + 1) * s                # away from the border, where fewer taps overlap anyway
            inner = out[b:-b, b:-b]
            spread = float(inner.std() / inner.mean().abs().clamp(min=1e-12)) if inner.numel() > 1 else 0.0
            self.outputs[m], self.spread[m] = out, spread
            self.row.set(i, out, vmin=0.0, vmax=2.0, title=label, note=f"spread {spread:.2f}")
        even = "divides" if k % s == 0 else "does not divide"
        self.info.value = _info(f"Constant input, 24×24, upsampled ×{s} with a {k}×{k} kernel (grey = 1, the interior "
                                f"mean; white = 2 or more). The stride {even} the kernel size. Resize-then-convolve and "
                                "ICNR are flat inside for any weights; transposed and plain sub-pixel layers are flat "
                                "only with unit weights and a stride that divides the kernel.")


class FrameworkPanel(W.VBox):
    """The four frameworks at ×2 and ×4 on a held-out image, with the error image (row 3.3).

    Parameters
    ----------
    nets : dict
        ``(framework, factor) -> network``, framework in :data:`FRAMEWORK_LABELS`; e.g. the
        shipped ``sr_<framework>_x<f>`` (the progressive ×4 network's first stage serves ×2).
    size : int
        Image side (a multiple of 4).
    """

    def __init__(self, nets: dict, image: str = "astronaut", size: int = 256, width: int = 200):
        if not isinstance(nets, dict) or not nets or not all(
                isinstance(k, tuple) and len(k) == 2 and k[0] in FRAMEWORK_LABELS and callable(v)
                for k, v in nets.items()):
            raise TypeError("nets must be a non-empty dict (framework, factor) -> network, framework in "
                            f"{list(FRAMEWORK_LABELS)}.")
        self.nets = nets
        self.size = _check_positive_int(size, "size", minimum=16)
        _image(image, 16)
        kinds = [k for k in FRAMEWORK_LABELS if any(key[0] == k for key in nets)]
        factors = sorted({f for _, f in nets})
        self.framework = W.ToggleButtons(options=[(FRAMEWORK_LABELS[k], k) for k in kinds], value=kinds[0],
                                         description="framework", style={"button_width": "200px"})
        self.scale = W.ToggleButtons(options=[(f"×{f}", f) for f in factors], value=factors[-1], description="scale",
                                     style={"button_width": "48px"})
        self.image = W.Dropdown(options=list(data.TEST_IMAGES), value=image, description="test image")
        self.row = ImageRow(["low resolution y", "bicubic", "network", "|error| ×4", "ground truth"], width, lines=4)
        self.info = W.HTML()
        self.busy = W.HTML()
        self._cache = {}
        self._latest = LatestWins(lambda key: self.compute(*key), self._show, self.busy)
        for c in (self.framework, self.scale, self.image):
            c.observe(lambda change: self.update(prefetch=from_frontend(change)), names="value")
        super().__init__([self.framework, W.HBox([self.scale, self.image, self.busy],
                                                 layout=W.Layout(flex_flow="row wrap")), self.row, self.info])
        self.update(sync=True)

    def compute(self, kind: str, factor: int, image: str) -> dict:
        """The network's output (cached); ``None`` where no network serves that scale."""
        key = (kind, factor, image)
        if key not in self._cache:
            x = _image(image, self.size)
            A = op.Downsample((self.size, self.size), factor)
            y = A(x)
            net, note = self.nets.get((kind, factor)), ""
            if net is None and kind == "progressive" and (kind, 2 * factor) in self.nets:
                net, note = self.nets[(kind, 2 * factor)], f" (first stage of the ×{2 * factor} network)"
            with torch.no_grad():
                out = None if net is None else net(y[None, None], factor=factor)[0, 0]
            self._cache[key] = {"x": x, "y": y, "bicubic": A.interpolate(y, "bicubic"), "out": out, "net": net,
                                "note": note}
        return self._cache[key]

    def update(self, sync: bool = False, prefetch: bool = False) -> None:
        """Show the controls' setting."""
        self._latest.request((self.framework.value, self.scale.value, self.image.value), sync=sync, prefetch=prefetch,
                             note="running the network…")

    def _show(self, key, r) -> None:
        kind, f, image = key
        x = r["x"]
        self.row.set(0, r["y"], title=f"low resolution y (×{f})")
        self.row.set(1, r["bicubic"].clamp(0, 1), title="bicubic", note=sr_note(r["bicubic"], x))
        if r["out"] is None:
            self.row.set(2, torch.zeros_like(x), title="no network", note="none shipped for this scale")
            self.row.set(3, torch.zeros_like(x), title="|error| ×4")
            self.info.value = _info(f"No shipped {FRAMEWORK_LABELS[kind]} network for ×{f}.")
        else:
            out = r["out"].clamp(0, 1)
            self.output = out
            n = sum(p.numel() for p in r["net"].parameters())
            self.row.set(2, out, title=f"{FRAMEWORK_LABELS[kind]}{r['note']}", note=sr_note(out, x))
            self.row.set(3, 4 * (out - x).abs(), vmin=0.0, vmax=1.0, cmap="magma", title="|error| ×4 (network)",
                         note=f"mean {float((out - x).abs().mean()):.4f} (bicubic "
                              f"{float((r['bicubic'].clamp(0, 1) - x).abs().mean()):.4f})")
            gain = metrics.psnr(_crop(out), _crop(x)) - metrics.psnr(_crop(r["bicubic"].clamp(0, 1)), _crop(x))
            self.info.value = _info(f"{FRAMEWORK_LABELS[kind]} ×{f}{r['note']}: {n:,} parameters, "
                                    f"<b>{gain:+.2f} dB</b> over bicubic on {image}.")
        self.row.set(4, x, title="ground truth")


class _FirstStages(torch.nn.Module):
    """The first stages of a progressive network as a network of their own (its ×f output)."""

    def __init__(self, net, factor: int):
        super().__init__()
        self.factor = factor
        self.net = net
        self.stages = net.stages[:factor.bit_length() - 1]

    def parameters(self, recurse: bool = True):
        return self.stages.parameters(recurse)

    def forward(self, y):
        return self.net(y, factor=self.factor)


def _served(nets: dict) -> dict:
    """``nets`` plus, for a progressive ×2f network with no ×f network of its own, its first stages at ×f."""
    out = dict(nets)
    for (kind, f), net in nets.items():
        if kind == "progressive" and f >= 4 and (kind, f // 2) not in nets:
            out[(kind, f // 2)] = _FirstStages(net, f // 2)
    return out


def sr_table(nets: dict, denoiser=None, factors=(2, 4), size: int = 256, n_images: int | None = None,
             baselines: dict | None = None, progress: bool = True) -> list[dict]:
    """The comparison table of row 3.3: every method at each factor on the held-out test images.

    Rows ``{"method", "factor", "psnr", "ssim", "params", "ms"}``: PSNR and SSIM averaged over
    the first ``n_images`` :data:`~invlab.data.TEST_IMAGES` (all by default), with the
    :data:`~invlab.recipes.SR_BORDER`-pixel border cropped; ``ms`` is the median time of one
    forward pass at ``size``² on this machine (``None`` for the iterative solvers, whose time
    depends on λ's grid). Methods: bicubic, TV-SR at its best λ per image (an oracle, as in
    lecture 2), PnP-HQS with ``denoiser`` (when given) and each network
    ``nets[(framework, factor)]`` (a progressive ×4 network's first stage also serves ×2, counted
    with that stage's parameters).

    ``baselines``: the stored run ``invlab.pretrained.stored_run("sr_baselines")`` (TV-SR on a
    finer λ grid with more iterations, and PnP-HQS, computed once by
    ``python -m invlab.pretrained run sr_baselines``: about 4 minutes). Its scores are used for
    the TV-SR and PnP-HQS rows instead of solving again (then ``size`` must be 256 and
    ``n_images`` all).
    """
    from tqdm.auto import tqdm

    if not isinstance(nets, dict) or not all(isinstance(k, tuple) and len(k) == 2 and k[0] in FRAMEWORK_LABELS
                                             and callable(v) for k, v in nets.items()):
        raise TypeError(f"nets must be a dict (framework, factor) -> network, framework in {list(FRAMEWORK_LABELS)}, "
                        f"got {type(nets).__name__}.")
    if baselines is not None and (not isinstance(baselines, dict) or "psnr" not in baselines):
        raise TypeError("baselines must be invlab.pretrained.stored_run('sr_baselines').")
    nets = _served(nets)
    names = list(data.TEST_IMAGES)[:n_images]
    if baselines is not None and (size != 256 or len(names) != len(data.TEST_IMAGES)):
        raise ValueError("baselines (the stored run) are at size 256 on all five test images; use those.")
    rows = []
    classical = ["TV-SR", "PnP-HQS"] if baselines is not None else (
        ["TV-SR"] + (["PnP-HQS"] if denoiser is not None else []))
    jobs = [(f, m) for f in factors for m in ["bicubic"] + classical + [k for (k, g) in nets if g == f]]
    bar = tqdm(jobs, desc="SR table", disable=not progress)
    cache = {}
    for f, m in bar:
        A = op.Downsample((size, size), f)
        ps, ss, ms, params = [], [], None, None
        if baselines is not None and m in ("TV-SR", "PnP-HQS"):
            ps, ss = baselines["psnr"][f"{m}@x{f}"], baselines["ssim"][f"{m}@x{f}"]
            rows.append({"method": m, "factor": f, "psnr": sum(ps) / len(ps), "ssim": sum(ss) / len(ss),
                         "params": None, "ms": None})
            continue
        for name in names:
            x = data.image(name, size)
            y = A(x)
            if m in ("TV-SR", "PnP-HQS"):
                if (f, name) not in cache:
                    cache[(f, name)] = classical_baselines("sr", A, y, x, denoiser=denoiser)
                out = cache[(f, name)]["TV (best λ)" if m == "TV-SR" else "PnP-HQS"]
            elif m == "bicubic":
                out = A.interpolate(y, "bicubic")
            else:
                with torch.no_grad():
                    out = nets[(m, f)](y[None, None])[0, 0]
            out = out.clamp(0, 1)
            ps.append(float(metrics.psnr(_crop(out), _crop(x))))
            ss.append(float(metrics.ssim(_crop(out), _crop(x))))
        if m in FRAMEWORK_LABELS:
            net = nets[(m, f)]
            params = sum(p.numel() for p in net.parameters())
            ms = forward_ms(net, torch.rand(1, 1, size // f, size // f))
        elif m == "bicubic":
            ms = forward_ms(lambda v: A.interpolate(v, "bicubic"), torch.rand(1, size // f, size // f))
        rows.append({"method": FRAMEWORK_LABELS.get(m, m), "factor": f, "psnr": sum(ps) / len(ps),
                     "ssim": sum(ss) / len(ss), "params": params, "ms": ms})
    return rows


def table_html(rows: list[dict]) -> str:
    """:func:`sr_table`'s rows as an HTML table, the best PSNR per factor in bold."""
    keys = {"method", "factor", "psnr", "ssim", "params", "ms"}
    if not isinstance(rows, list) or not all(isinstance(r, dict) and keys <= set(r) for r in rows):
        raise TypeError(f"rows must be sr_table's list of dicts with keys {sorted(keys)}, got {rows!r:.80}.")
    best = {}
    for r in rows:
        best[r["factor"]] = max(best.get(r["factor"], -1e9), r["psnr"])
    head = "".join(f"<th style='padding:2px 10px'>{h}</th>" for h in
                   ("factor", "method", "PSNR (dB)", "SSIM", "parameters", "ms at 256² (1 pass)"))
    body = ""
    for r in rows:
        p = f"{r['psnr']:.2f}"
        p = f"<b>{p}</b>" if r["psnr"] == best[r["factor"]] else p
        cells = (f"×{r['factor']}", r["method"], p, f"{r['ssim']:.3f}",
                 "–" if r["params"] is None else f"{r['params']:,}", "–" if r["ms"] is None else f"{r['ms']:.0f}")
        body += "<tr>" + "".join(f"<td style='padding:2px 10px;text-align:right'>{c}</td>" for c in cells) + "</tr>"
    return f"<table><tr>{head}</tr>{body}</table>"
