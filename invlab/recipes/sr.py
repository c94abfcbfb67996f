"""Lecture 3's super-resolution networks: four frameworks at equal budget, trained on the course's forward model.

Every network learns to invert :class:`invlab.operators.Downsample` (Gaussian blur of
:math:`\\sigma = f/2` high-resolution pixels, then keep every :math:`f`-th pixel), noise-free,
on random patches of the training photos; it is scored on the five held-out test images at
256², with a 4-pixel border cropped (:func:`sr_scores`).
"""
from __future__ import annotations

import torch

from .. import data
from .. import operators as op
from .._checks import check_bool, check_int, check_real
from ..losses import DenoiserFeatures, adversarial, discriminator_loss, l1, l2, perceptual
from ..metrics import psnr, ssim
from ..nets import PatchDiscriminator, SRIterative, SRPost, SRPre, SRProgressive
from ..train import fit
from ._common import _channels_last, _denoiser_training_images

__all__ = ["SR_FACTORS", "SR_BORDER", "SR_SETTINGS", "SR_VARIANTS", "sr_test_set", "sr_scores", "sr_batches",
           "sr_loss", "make_sr_loss", "fine_tune_sr", "sr_training_images"]

#: Scale factors of the shipped networks.
SR_FACTORS = (2, 4)
#: Pixels cropped at each side before scoring (the circular blur wraps around the border).
SR_BORDER = 4

#: Constructor arguments, training patch side (high resolution), batch and steps of each shipped
#: network: about 100 k parameters each, steps set so that each trains in 6-9.5 minutes on the
#: project's 2-core machine. ``half=True`` adds the training photos at half their native size to the
#: patch pool (:func:`sr_training_images`).
SR_SETTINGS = {
    "sr_post_x2": dict(cls=SRPost, kwargs={"factor": 2, "width": 60, "depth": 3}, patch=64, batch=16, steps=4500),
    "sr_post_x4": dict(cls=SRPost, kwargs={"factor": 4, "width": 36, "depth": 8}, patch=96, batch=16, steps=5000,
                       half=True),
    "sr_pre_x2": dict(cls=SRPre, kwargs={"factor": 2, "width": 32, "depth": 10}, patch=64, batch=16, steps=1200),
    "sr_pre_x4": dict(cls=SRPre, kwargs={"factor": 4, "width": 32, "depth": 10}, patch=64, batch=16, steps=1200),
    "sr_progressive_x4": dict(cls=SRProgressive, kwargs={"factor": 4, "width": 52, "depth": 2}, patch=96, batch=16,
                              steps=1500),
    "sr_iterative_x2": dict(cls=SRIterative, kwargs={"factor": 2, "width": 13, "stages": 3}, patch=64, batch=16,
                            steps=2300),
    "sr_iterative_x4": dict(cls=SRIterative, kwargs={"factor": 4, "width": 13, "stages": 2}, patch=96, batch=16,
                            steps=2300),
}


def sr_test_set(factor: int, size: int = 256):
    """The super-resolution task on the held-out :data:`~invlab.data.TEST_IMAGES`: ``(A, x_true, y)``.

    :math:`y = A x` with :math:`A` = :class:`~invlab.operators.Downsample` ``((size, size), factor)``
    (blur :math:`\\sigma = f/2`, noise-free); ``x_true`` is ``(5, size, size)``, ``y``
    ``(5, size/f, size/f)``.
    """
    factor = check_int(factor, "factor", low=1, high=16)
    size = check_int(size, "size", low=8)
    A = op.Downsample((size, size), factor)
    x = data.test_images(size)
    return A, x, A(x)


def _crop(x: torch.Tensor, border: int = SR_BORDER) -> torch.Tensor:
    return x[..., border:x.shape[-2] - border, border:x.shape[-1] - border]


def sr_scores(net, factor: int | None = None, size: int = 256, project: bool = False) -> dict:
    """Held-out PSNR and SSIM of ``net(y)`` (clipped to :math:`[0, 1]`, :data:`SR_BORDER` px cropped) on :func:`sr_test_set`.

    ``net`` is a super-resolution network (``net(y, factor=...)``) or any callable
    ``net(y) -> x`` on ``(5, h, w)`` stacks; ``factor`` defaults to ``net.factor``. With
    ``project=True`` the output is first projected onto the images consistent with ``y``,
    :math:`P_y(\\hat x) = \\hat x + A^{*}(AA^{*})^{-1}(y - A\\hat x)`
    (:meth:`~invlab.operators.Downsample.project`; ``y`` is noise-free, so this can only lower the
    error). Returns ``{"psnr": mean dB, "ssim": mean, "per_image": {"psnr": [...], "ssim": [...]}}``.
    """
    project = check_bool(project, "project")
    if not callable(net):
        raise TypeError(f"net must be a callable network, got {type(net).__name__}.")
    factor = getattr(net, "factor", None) if factor is None else factor
    if factor is None:
        raise ValueError("factor is needed for a callable without a .factor attribute.")
    A, x, y = sr_test_set(factor, size)
    with torch.no_grad():
        out = net(y, factor=factor) if isinstance(net, torch.nn.Module) else net(y)
    if project:
        out = A.project(out, y)
    xh = _crop(out.clamp(0, 1))
    p = [float(v) for v in psnr(xh, _crop(x))]
    s = [float(v) for v in ssim(xh, _crop(x))]
    return {"psnr": round(sum(p) / len(p), 3), "ssim": round(sum(s) / len(s), 4),
            "per_image": {"psnr": [round(v, 3) for v in p], "ssim": [round(v, 4) for v in s]}}


def sr_training_images(half: bool = False) -> list:
    r"""The photos super-resolution networks train on: the training photos at native size and at 256².

    With ``half=True`` also each photo at half its native size (:math:`2\times2` block means), whose
    content is on the scale of the test images at 256² (most are photos of about 512² shrunk by two);
    ``sr_post_x4`` trains on them.

    Parameters
    ----------
    half : bool
        Add the half-size photos (``SR_SETTINGS[name]["half"]`` says which networks train on them).

    Returns
    -------
    list of torch.Tensor
        2-D float32 images in :math:`[0, 1]` of different sizes, for :func:`sr_batches` ``(images=...)``.
    """
    half = check_bool(half, "half")
    images = _denoiser_training_images()
    if half:
        natives = [data.image(n, None) for n in data.TRAIN_IMAGES]
        images = images + [torch.nn.functional.avg_pool2d(im[None, None], 2)[0, 0] for im in natives]
    return images


def sr_batches(factor: int, patch: int = 64, batch: int = 16, seed: int = 0, images=None):
    """``draw(step) -> (y, x)``: fresh random high-resolution patches and their low-resolution images.

    ``x`` are ``(batch, 1, patch, patch)`` random crops (8 symmetries) of the training photos at
    native size and at 256² (:func:`invlab.data.patches`); :math:`y = A x` with
    :math:`A` = :class:`~invlab.operators.Downsample` on the patch (circular blur, as on the test
    images), noise-free.
    """
    factor = check_int(factor, "factor", low=1, high=16)
    patch = check_int(patch, "patch", low=factor)
    if patch % factor:
        raise ValueError(f"patch must be a multiple of factor={factor}, got {patch}.")
    A = op.Downsample((patch, patch), factor)
    images = _denoiser_training_images() if images is None else images
    g = torch.Generator().manual_seed(seed)

    def draw(step):
        x = data.patches(images, patch, batch, seed=g)[:, None]
        return A(x), x
    return draw


def sr_loss(net, batch) -> torch.Tensor:
    """Mean absolute error :math:`\\frac1N\\|f_\\theta(y) - x\\|_1` (L1 trains SR networks to a higher PSNR than L2
    in a short run, as EDSR reported; the notebook's loss zoo compares).

    For :class:`~invlab.nets.SRProgressive` every stage is supervised: the :math:`\\times f`
    output against :math:`x`, and the first stage run alone on :math:`y_2 = A_2 x` (its own
    :math:`\\times 2` problem) against :math:`x`, so that stage serves :math:`\\times 2` by itself.
    """
    if not callable(net):
        raise TypeError(f"net must be a super-resolution network net(y) -> x, got {type(net).__name__}.")
    y, x = batch
    loss = torch.mean((net(y) - x).abs())
    if isinstance(net, SRProgressive) and net.factor > 2:
        y2 = op.Downsample(tuple(x.shape[-2:]), 2)(x)
        loss = loss + torch.mean((net(y2, factor=2) - x).abs())
    return loss


#: The loss variants of ``sr_post_x4``: fine-tuned from it for ``steps`` steps (about 5 minutes) with the
#: loss weights given (:func:`fine_tune_sr`).
SR_VARIANTS = {
    "sr_post_x4_perceptual": dict(weights={"l1": 0.1, "perceptual": 10.0}, steps=900),
    "sr_post_x4_gan": dict(weights={"l1": 1.0, "adversarial": 0.01}, steps=2000),
}


def make_sr_loss(weights, features=None, discriminator=None, record: dict | None = None):
    r"""``loss_fn(net, (y, x))`` for :func:`~invlab.train.fit`: a weighted sum of the loss zoo's terms.

    .. math::
        L(\theta) = w_1\,\ell_1(\hat x, x) + w_2\,\ell_2(\hat x, x)
        + w_p \sum_\ell \tfrac1{N_\ell}\|\phi_\ell(\hat x) - \phi_\ell(x)\|^2
        - w_a\,\tfrac1n\textstyle\sum_j \log D(\hat x_j), \qquad \hat x = f_\theta(y).

    With :math:`w_a > 0` the :class:`~invlab.nets.PatchDiscriminator` :math:`D` takes an Adam
    step on :func:`~invlab.losses.discriminator_loss` (real patches against :math:`\hat x`)
    before each training step of the network, as in SRGAN.

    Parameters
    ----------
    weights : dict or callable
        ``{"l1": w1, "l2": w2, "perceptual": wp, "adversarial": wa}`` (any subset, each
        :math:`\geq 0`, not all zero), or a callable returning such a dict, read at every step
        (a panel's sliders).
    features : DenoiserFeatures, optional
        Needed when the perceptual weight is positive.
    discriminator : PatchDiscriminator, optional
        Needed when the adversarial weight is positive.
    record : dict, optional
        Appends ``"d_loss"`` and ``"adversarial"`` per training step when given.
    """
    if discriminator is not None:
        d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-4, betas=(0.5, 0.999))

    def current():
        w = weights() if callable(weights) else weights
        if not isinstance(w, dict) or not w or set(w) - {"l1", "l2", "perceptual", "adversarial"}:
            raise ValueError(f"weights must be a dict with keys among l1, l2, perceptual, adversarial, got {w!r}.")
        w = {k: check_real(v, f"weights[{k!r}]", low=0) for k, v in w.items()}
        if sum(w.values()) <= 0:
            raise ValueError(f"weights must not all be zero, got {w!r}.")
        if w.get("perceptual", 0) > 0 and not callable(features):
            raise TypeError("features must be given (DenoiserFeatures(invlab.pretrained.load('denoiser'))) when "
                            "weights['perceptual'] > 0.")
        if w.get("adversarial", 0) > 0 and discriminator is None:
            raise TypeError("discriminator must be given (a PatchDiscriminator) when weights['adversarial'] > 0.")
        return w

    current()

    def loss(net, batch):
        w = current()
        y, x = batch
        xh = net(y)
        adv = w.get("adversarial", 0) > 0
        if adv and net.training:       # the discriminator's step (not during validation)
            d_opt.zero_grad()
            d = discriminator_loss(discriminator(x), discriminator(xh.detach()))
            d.backward()
            d_opt.step()
            if record is not None:
                record.setdefault("d_loss", []).append(float(d.detach()))
        total = 0.0
        if w.get("l1", 0):
            total = total + w["l1"] * l1(xh, x)
        if w.get("l2", 0):
            total = total + w["l2"] * l2(xh, x)
        if w.get("perceptual", 0):
            total = total + w["perceptual"] * perceptual(xh, x, features)
        if adv:
            a = adversarial(xh, discriminator)
            if record is not None and net.training:
                record.setdefault("adversarial", []).append(float(a.detach()))
            total = total + w["adversarial"] * a
        return total
    return loss


def fine_tune_sr(model, weights: dict, n_steps: int, features=None, patch: int = 96, batch: int = 16, lr: float = 2e-4,
                 seed: int = 0, progress: bool = True, callback=None, discriminator=None) -> dict:
    r"""Fine-tune a super-resolution network on :func:`make_sr_loss` ``(weights)`` with fresh training patches.

    Parameters
    ----------
    model : torch.nn.Module
        A super-resolution network (``model.factor``), trained in place.
    weights : dict
        Loss weights, see :func:`make_sr_loss`.
    n_steps : int
        Adam steps (cosine schedule from ``lr``).
    features : DenoiserFeatures, optional
        Needed when ``weights["perceptual"] > 0``.
    discriminator : PatchDiscriminator, optional
        Used (and trained) when ``weights["adversarial"] > 0``; a new seeded one by default.

    Returns
    -------
    dict
        :func:`~invlab.train.fit`'s history, plus ``"d_loss"`` and ``"adversarial"`` per step
        and ``"discriminator"`` when the adversarial weight is positive.
    """
    if not isinstance(model, torch.nn.Module) or not isinstance(getattr(model, "factor", None), int):
        raise TypeError(f"model must be a super-resolution network with a .factor, got {type(model).__name__}.")
    if isinstance(weights, dict) and weights.get("adversarial", 0) and discriminator is None:
        torch.manual_seed(seed + 1)
        discriminator = PatchDiscriminator()
    record = {"adversarial": [], "d_loss": []}
    loss = make_sr_loss(weights, features, discriminator, record)
    draw = sr_batches(model.factor, patch, batch, seed=seed)
    val = [sr_batches(model.factor, patch, 32, seed=99)(0)]
    h = fit(model, loss, draw, n_steps, lr=lr, val_batches=val, seed=seed, callback=callback, progress=progress,
            keep_best=False, grad_clip=1.0)
    h.update(record)
    if discriminator is not None:
        h["discriminator"] = discriminator
    return h


def _builder(name):
    def build():
        torch.manual_seed(0)
        s = SR_SETTINGS[name if name in SR_SETTINGS else "sr_post_x4"]
        return s["cls"](**s["kwargs"])
    return build


def _trainer(name):
    def train(model, n_steps: int | None = None, progress: bool = True, callback=None) -> dict:
        s = SR_SETTINGS[name]
        f = s["kwargs"]["factor"]
        draw = sr_batches(f, s["patch"], s["batch"], seed=0, images=sr_training_images(s.get("half", False)))
        val = [sr_batches(f, s["patch"], 32, seed=99)(0)]
        with _channels_last(model):
            return fit(model, sr_loss, draw, n_steps or s["steps"], lr=1e-3, val_batches=val, seed=0,
                       callback=callback, progress=progress, keep_best=False, grad_clip=1.0)
    return train


def _variant_trainer(name):
    def train(model, n_steps: int | None = None, progress: bool = True, callback=None, uses=None) -> dict:
        v = SR_VARIANTS[name]
        features = DenoiserFeatures(uses["denoiser"]) if "perceptual" in v["weights"] else None
        h = fine_tune_sr(model, v["weights"], n_steps or v["steps"], features=features, progress=progress,
                         callback=callback)
        h.pop("discriminator", None)
        return h
    return train


def _data(name) -> str:
    s = SR_SETTINGS[name]
    f = s["kwargs"]["factor"]
    sizes = "native size, half size and 256x256" if s.get("half") else "native size and at 256x256"
    return (f"{s['patch']}x{s['patch']} patches (8 symmetries) of the {len(data.TRAIN_IMAGES)} training images at "
            f"{sizes}, y = Downsample(factor={f}, sigma={0.5 * f:g}) x, noise-free, batches of "
            f"{s['batch']}, L1 loss")


_DESCRIPTIONS = {
    "post": "post-upsampling (ESPCN-like: convolutions at low resolution, ICNR sub-pixel layer)",
    "pre": "pre-upsampling (VDSR-like: bicubic, then a residual CNN at high resolution)",
    "progressive": "progressive upsampling (LapSRN-like cascade of x2 stages; stage 1 alone serves x2)",
    "iterative": "iterative up-and-down back-projection (DBPN-like)",
}


def _recipes(Recipe) -> dict:
    out = {}
    for name, s in SR_SETTINGS.items():
        kind = name.split("_")[1]
        out[name] = Recipe(name=name, build=_builder(name), train=_trainer(name), evaluate=sr_scores, metric="psnr",
                           data=_data(name),
                           description=f"x{s['kwargs']['factor']} super-resolution, {_DESCRIPTIONS[kind]}, "
                                       "residual over bicubic on the operator's grid; lecture 3")
    for name, v in SR_VARIANTS.items():
        terms = " + ".join(f"{w:g} {k}" for k, w in v["weights"].items())
        out[name] = Recipe(name=name, build=_builder(name), train=_variant_trainer(name), evaluate=sr_scores,
                           metric="psnr", base="sr_post_x4",
                           uses=("denoiser",) if "perceptual" in v["weights"] else (),
                           data=_data("sr_post_x4").replace("L1 loss", f"loss {terms}"),
                           description=f"sr_post_x4 fine-tuned {v['steps']} steps (lr 2e-4) on {terms}"
                                       + (" (features: the shipped denoiser's encoder, 2 levels)"
                                          if "perceptual" in v["weights"] else
                                          " (a PatchDiscriminator trained alongside)") + "; lecture 3, the loss zoo")
    return out
