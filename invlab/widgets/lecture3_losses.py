"""Lecture 3's loss zoo (row 3.4): what different training losses make a super-resolution network do.

* :class:`LossZooPanel` — the L1-trained ``sr_post_x4`` next to its perceptual and adversarial
  fine-tunes, whole and zoomed, with a table of PSNR, SSIM and the sharpness ratio
  (:func:`invlab.metrics.sharpness`) over the five test images: the perception-distortion
  trade-off;
* :class:`LossWeightsPanel` — fine-tune a copy live with loss-weight sliders, in a
  :class:`~invlab.widgets.TrainingPanel`.
"""
from __future__ import annotations

import copy

import ipywidgets as W
import torch

from .. import data, metrics
from .. import operators as op
from ..nets import PatchDiscriminator
from ..recipes import make_sr_loss, sr_batches
from .base import ImageRow, _check_positive_int
from .lecture2 import _info
from .lecture3 import _crop, _image, sr_note
from .training import TrainingPanel

__all__ = ["LossZooPanel", "LossWeightsPanel", "loss_table"]


def loss_table(nets: dict, factor: int = 4, size: int = 256) -> list[dict]:
    """PSNR, SSIM and sharpness ratio of each network (and bicubic) over the held-out test images.

    Rows ``{"method", "psnr", "ssim", "sharpness"}``, means over :data:`~invlab.data.TEST_IMAGES`
    at ``size``² (border cropped as in :func:`invlab.widgets.lecture3.sr_table`). The sharpness
    ratio is :math:`\\|\\Delta\\hat x\\|^2/\\|\\Delta x\\|^2`: 1 is the ground truth's amount of fine
    detail, below 1 blurrier.
    """
    if not isinstance(nets, dict) or not nets or not all(callable(v) for v in nets.values()):
        raise TypeError("nets must be a non-empty dict name -> super-resolution network.")
    A = op.Downsample((size, size), factor)
    x = data.test_images(size)
    y = A(x)
    outs = {"bicubic": A.interpolate(y, "bicubic")}
    with torch.no_grad():
        for name, net in nets.items():
            outs[name] = net(y[:, None])[:, 0]
    rows = []
    for name, out in outs.items():
        out = _crop(out.clamp(0, 1))
        t = _crop(x)
        rows.append({"method": name, "psnr": float(metrics.psnr(out, t).mean()),
                     "ssim": float(metrics.ssim(out, t).mean()), "sharpness": float(metrics.sharpness(out, t).mean())})
    return rows


class LossZooPanel(W.VBox):
    """Networks trained with different losses side by side, whole and zoomed (row 3.4).

    Parameters
    ----------
    nets : dict
        ``label -> ×4 network``, e.g. ``{"L1": load("sr_post_x4"), "L1 + perceptual":
        load("sr_post_x4_perceptual"), "L1 + adversarial": load("sr_post_x4_gan")}``.
    zoom : int
        Side of the zoomed crop in high-resolution pixels.
    """

    #: First zoom window of an image, as fractions of the free range (x, y): on texture, where the
    #: losses differ (the astronaut's mission patch), not on a flat region (the image centre is dark).
    START_WINDOW = {"astronaut": (0.33, 0.79)}

    def __init__(self, nets: dict, image: str = "astronaut", size: int = 256, zoom: int = 48, width: int = 170):
        if not isinstance(nets, dict) or not nets or not all(callable(v) for v in nets.values()):
            raise TypeError("nets must be a non-empty dict label -> super-resolution network.")
        self.nets, self.size = nets, _check_positive_int(size, "size", minimum=16)
        self.zoom = _check_positive_int(zoom, "zoom", minimum=8, maximum=self.size)
        _image(image, 16)
        self.image = W.Dropdown(options=list(data.TEST_IMAGES), value=image, description="test image")
        hi = self.size - self.zoom
        fx, fy = self.START_WINDOW.get(image, (0.5, 0.5))     # where the first zoom window sits
        start = [min(hi, 4 * int(round(f * hi / 4))) for f in (fx, fy)]
        self.cx = W.IntSlider(value=start[0], min=0, max=hi, step=4, description="zoom x", continuous_update=False)
        self.cy = W.IntSlider(value=start[1], min=0, max=hi, step=4, description="zoom y", continuous_update=False)
        titles = ["bicubic"] + list(nets) + ["ground truth"]
        self.row = ImageRow(titles, width, lines=4)
        self.zoom_row = ImageRow(titles, width, lines=3)
        self.table = W.HTML()
        self._cache = {}
        for c in (self.image, self.cx, self.cy):
            c.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.image, self.cx, self.cy], layout=W.Layout(flex_flow="row wrap")), self.row,
                          W.HTML(_info("<b>zoomed</b> (the window set by the sliders)")), self.zoom_row, self.table])
        self.rows = loss_table(nets, 4, self.size)
        self.table.value = _info(_loss_table_html(self.rows))
        self.update()

    def compute(self, image: str) -> dict:
        """Every network's output on ``image`` (cached)."""
        if image not in self._cache:
            x = _image(image, self.size)
            A = op.Downsample((self.size, self.size), 4)
            y = A(x)
            outs = {"bicubic": A.interpolate(y, "bicubic").clamp(0, 1)}
            with torch.no_grad():
                for name, net in self.nets.items():
                    outs[name] = net(y[None, None])[0, 0].clamp(0, 1)
            self._cache[image] = {"x": x, "outs": outs}
        return self._cache[image]

    def update(self) -> None:
        """Show the selected image and zoom window."""
        r = self.compute(self.image.value)
        x, z = r["x"], self.zoom
        i, j = self.cy.value, self.cx.value
        self.outputs = r["outs"]
        items = list(r["outs"].items()) + [("ground truth", x)]
        for k, (name, out) in enumerate(items):
            note = None if name == "ground truth" else sr_note(out, x)
            self.row.set(k, out, title=name, note=note)
            crop = out[i:i + z, j:j + z]
            sharp = "" if name == "ground truth" else f"sharpness {float(metrics.sharpness(crop, x[i:i + z, j:j + z])):.2f}"
            self.zoom_row.set(k, crop, title=name, note=sharp or f"{z}×{z} at ({j}, {i})")


def _loss_table_html(rows) -> str:
    head = "".join(f"<th style='padding:2px 10px'>{h}</th>" for h in
                   ("method", "PSNR (dB) ↑", "SSIM ↑", "sharpness ratio (1 = ground truth)"))
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 10px;text-align:right'>{c}</td>" for c in
                                    (r["method"], f"{r['psnr']:.2f}", f"{r['ssim']:.3f}", f"{r['sharpness']:.2f}"))
                   + "</tr>" for r in rows)
    return (f"<b>×4, means over the five test images</b><table><tr>{head}</tr>{body}</table>")


class LossWeightsPanel(W.VBox):
    """Fine-tune a copy of a ×4 network live on a weighted loss (row 3.4), in a :class:`TrainingPanel`.

    .. math:: L = w_1\\,\\ell_1 + w_p\\,\\ell_{\\text{perceptual}} + w_a\\,\\ell_{\\text{adversarial}}

    (:func:`invlab.recipes.make_sr_loss`); the weights are read at every step, so moving a slider
    during a run changes the loss from the next step on. The sample is the network's output on
    a crop of a held-out test image, with its PSNR and sharpness ratio.

    Parameters
    ----------
    net : torch.nn.Module
        The ×4 network to start from (copied: the original is not changed).
    features : DenoiserFeatures
        The perceptual loss's feature maps.
    """

    def __init__(self, net, features, image: str = "astronaut", n_steps: int = 200, width: int = 260):
        if not isinstance(net, torch.nn.Module) or getattr(net, "factor", None) != 4:
            raise TypeError(f"net must be a ×4 super-resolution network, got {type(net).__name__}.")
        if not callable(features):
            raise TypeError(f"features must be DenoiserFeatures, got {type(features).__name__}.")
        n_steps = _check_positive_int(n_steps, "n_steps")
        _image(image, 16)
        self.net = copy.deepcopy(net).train()
        style = {"description_width": "initial"}
        self.w_l1 = W.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05, description="w L1", style=style)
        self.w_perceptual = W.FloatSlider(value=0.0, min=0.0, max=2.0, step=0.1, description="w perceptual",
                                          style=style)
        self.w_adversarial = W.FloatSlider(value=0.0, min=0.0, max=0.02, step=0.001, description="w adversarial",
                                           readout_format=".3f", style=style)
        torch.manual_seed(1)
        self.discriminator = PatchDiscriminator()
        x = _image(image, 256)[64:192, 64:192]
        y = op.Downsample((128, 128), 4)(x)

        def sample(model):
            out = model(y[None, None])[0, 0].clamp(0, 1)
            return {"held-out crop, now": (out, f"PSNR {float(metrics.psnr(out, x)):.2f} dB, sharpness "
                                                f"{float(metrics.sharpness(out, x)):.2f}"),
                    "ground truth": x}
        self.trainer = TrainingPanel(self.net, make_sr_loss(self.weights, features, self.discriminator),
                                     sr_batches(4, 96, 8, seed=5), val_batches=[sr_batches(4, 96, 16, seed=99)(0)],
                                     sample_fn=sample, n_steps=n_steps, lr=2e-4, refresh_every=10, width=width)
        super().__init__([W.HBox([self.w_l1, self.w_perceptual, self.w_adversarial],
                                 layout=W.Layout(flex_flow="row wrap")), self.trainer])

    def weights(self) -> dict:
        """The sliders' loss weights (all zero falls back to L1 alone)."""
        w = {"l1": self.w_l1.value, "perceptual": self.w_perceptual.value, "adversarial": self.w_adversarial.value}
        return w if sum(w.values()) > 0 else {"l1": 1.0}
