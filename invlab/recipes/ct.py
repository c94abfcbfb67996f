r"""Lecture 4's CT networks: FBP + U-Net (``ct_unet``) and learned gradient descent (``ct_unrolled``).

Sparse-view parallel-beam CT at :math:`128^2`: :data:`CT_VIEWS` = 30 views over
:math:`180^\circ`, Gaussian noise of :data:`CT_NOISE` = 1 % of :math:`\max|Ax|` per image.
Training phantoms are random ellipses (:func:`invlab.data.ellipses`) from a generator seeded
0, fresh every step; the held-out sets are 20 ellipse phantoms from seed
:data:`CT_TEST_SEED` (never drawn in training), the Shepp-Logan phantom and a real CT slice
(:func:`invlab.data.ct_slice`), which no network sees during training.
"""
from __future__ import annotations

import torch

from .. import data
from .. import operators as op
from .._checks import check_choice, check_int, check_real
from ..metrics import psnr
from ..nets import LearnedGD, UNetReconstructor
from ..train import fit
from ._common import _channels_last

__all__ = ["CT_SIZE", "CT_VIEWS", "CT_NOISE", "CT_TEST_SEED", "CT_TEST_SETS", "CT_SETTINGS", "CT_TV_LAMS", "CT_TV_ITER",
           "ct_angles", "ct_operator", "ct_measure", "ct_test_set", "ct_batches", "ct_scores", "ct_tv_best"]

#: Image side of the CT task.
CT_SIZE = 128
#: Number of views of the sparse-view task the networks are trained for.
CT_VIEWS = 30
#: Noise standard deviation as a fraction of :math:`\max|Ax|` (per image).
CT_NOISE = 0.01
#: Seed of the held-out ellipse phantoms (training draws from a generator seeded 0).
CT_TEST_SEED = 10_000
#: The held-out sets of :func:`ct_test_set`.
CT_TEST_SETS = ("ellipses", "shepp-logan", "real")
#: λ grid of the TV baseline (the data term is in sinogram units: sums over ~128 pixels per ray).
CT_TV_LAMS = tuple(float(v) for v in torch.logspace(-1.5, 1.5, 13, dtype=torch.float64))
#: PDHG iterations per λ of :func:`ct_tv_best` (with the operator scaled to norm 1 it has converged by ~200).
CT_TV_ITER = 300


def ct_angles(views: int = CT_VIEWS, angular_range: float = 180.0) -> torch.Tensor:
    r"""``views`` projection angles in degrees, equally spaced over :math:`[0, \text{angular\_range})`.

    ``angular_range`` = 180 is the full parallel-beam scan; less is a *limited-angle* scan
    (e.g. 120: a missing wedge of :math:`60^\circ`).
    """
    views = check_int(views, "views", low=1, high=2000)
    angular_range = check_real(angular_range, "angular_range", low=0, low_open=True, high=180)
    return torch.arange(views, dtype=torch.float64) * (angular_range / views)


def ct_operator(views: int = CT_VIEWS, angular_range: float = 180.0, size: int = CT_SIZE) -> op.Radon:
    """The :class:`~invlab.operators.Radon` transform of ``size``² images at :func:`ct_angles`."""
    return op.Radon(check_int(size, "size", low=8), ct_angles(views, angular_range))


def ct_measure(A, x: torch.Tensor, noise: float = CT_NOISE, seed=0) -> torch.Tensor:
    r"""Noisy sinograms :math:`y_i = Ax_i + s\,\max|Ax_i|\,\varepsilon_i`, :math:`\varepsilon_i \sim \mathcal N(0, I)`.

    ``x`` is ``(..., H, W)``; the noise level is relative to each image's largest projection
    value (``noise`` = :math:`s`), so a brighter image is not a less noisy one. ``seed`` (int or
    ``torch.Generator``) fixes the draw.
    """
    from ..noise import make_generator

    noise = check_real(noise, "noise", low=0)
    g = make_generator(seed)
    Ax = A(x)
    scale = Ax.abs().flatten(-2).amax(-1)[..., None, None]
    return Ax + noise * scale * torch.randn(Ax.shape, generator=g, dtype=Ax.dtype)


def ct_test_set(kind: str = "ellipses", views: int = CT_VIEWS, angular_range: float = 180.0,
                noise: float = CT_NOISE, n: int = 20):
    """A held-out CT test set: ``(A, x_true, y)`` with ``x_true`` ``(N, 128, 128)``.

    Parameters
    ----------
    kind : {"ellipses", "shepp-logan", "real"}
        ``n`` ellipse phantoms from seed :data:`CT_TEST_SEED`, the Shepp-Logan phantom, or the
        real CT slice (:func:`invlab.data.ct_slice`, field of view only).
    views, angular_range : see :func:`ct_angles`.
    noise : float
        :math:`s` of :func:`ct_measure`; image :math:`i`'s noise comes from seed :math:`i`, the same
        for every method.
    n : int
        Number of ellipse phantoms.
    """
    kind = check_choice(kind, "kind", CT_TEST_SETS)
    n = check_int(n, "n", low=1, high=1000)
    if kind == "ellipses":
        x = data.ellipses(n, CT_SIZE, seed=CT_TEST_SEED)
    elif kind == "shepp-logan":
        x = data.shepp_logan(CT_SIZE)[None]
    else:
        x = data.ct_slice()[None]
    A = ct_operator(views, angular_range)
    y = torch.stack([ct_measure(A, xi, noise, seed=i) for i, xi in enumerate(x)])
    return A, x, y


def ct_batches(batch: int = 8, views: int = CT_VIEWS, noise: float = CT_NOISE, seed: int = 0):
    """``(A, draw)``: the training operator and ``draw(step) -> (y, x)``, fresh ellipse phantoms every step.

    ``x`` are ``(batch, 128, 128)`` phantoms of :func:`invlab.data.ellipses` drawn from one
    generator seeded ``seed`` (the test phantoms come from :data:`CT_TEST_SEED`), ``y`` their
    noisy sinograms (:func:`ct_measure`).
    """
    batch = check_int(batch, "batch", low=1)
    A = ct_operator(views)
    g = torch.Generator().manual_seed(check_int(seed, "seed", low=0))

    def draw(step):
        x = data.ellipses(batch, CT_SIZE, seed=g)
        return ct_measure(A, x, noise, seed=g), x
    return A, draw


def ct_scores(net, views: int = CT_VIEWS, angular_range: float = 180.0) -> dict:
    """Held-out PSNR of ``net(y, A)`` (clipped to :math:`[0, 1]`) on every set of :func:`ct_test_set`.

    Returns ``{"psnr_ellipses": mean dB over the 20 phantoms, "psnr_shepp-logan": ..., "psnr_real": ...,
    "per_image": {set: [dB, ...]}}``.
    """
    if not callable(net):
        raise TypeError(f"net must be a callable network net(y, A), got {type(net).__name__}.")
    out, per = {}, {}
    with torch.no_grad():
        for kind in CT_TEST_SETS:
            A, x, y = ct_test_set(kind, views, angular_range)
            p = [float(v) for v in psnr(net(y, A).clamp(0, 1), x)]
            per[kind] = [round(v, 3) for v in p]
            out[f"psnr_{kind}"] = round(sum(p) / len(p), 3)
    out["per_image"] = per
    return out


def ct_tv_best(A, y: torch.Tensor, x_true: torch.Tensor, lams=CT_TV_LAMS, n_iter: int = CT_TV_ITER,
               progress=None) -> dict:
    r"""TV reconstruction of each sinogram at the λ of ``lams`` with the best PSNR (an oracle).

    For every image :math:`i` and every :math:`\lambda` of ``lams``,

    .. math::
        \hat x_\lambda = \arg\min_x\ \tfrac12\|Ax - y_i\|^2 + \lambda\,\mathrm{TV}(x)

    (isotropic TV), solved by :func:`~invlab.solvers.pdhg` as the same problem with :math:`A/\|A\|`,
    :math:`y/\|A\|` and :math:`\lambda/\|A\|^2`: PDHG's single dual step size then suits both blocks
    (:math:`\|A\| \approx 57` at 30 views against :math:`\|\nabla\| \le 2\sqrt2`), and it converges in
    a few hundred iterations instead of thousands. Every λ starts from the FBP, so the choice does not
    depend on the order of the grid. The λ kept is chosen *with the ground truth* :math:`x_i`: the
    best any single λ can do for that image, more than a method that must choose λ blindly.

    Parameters
    ----------
    A : Radon
        The forward model (any angles).
    y, x_true : torch.Tensor
        Sinograms ``(N, *A.out_shape)`` and the true images ``(N, H, W)``.
    lams : sequence of float
        The λ grid (all > 0).
    n_iter : int
        PDHG iterations per λ.
    progress : tqdm bar, optional
        Updated once per image.

    Returns
    -------
    dict
        ``"x"`` ``(N, H, W)`` (clipped to [0, 1]), ``"psnr"`` (dB, per image), ``"lam"`` (the λ
        chosen per image), ``"curve"`` (PSNR for every λ, ``(N, len(lams))``).
    """
    from .. import solvers
    from ..regularisers import TV

    lams = [check_real(v, "lams", low=0, low_open=True) for v in lams]
    if not lams:
        raise ValueError("lams must hold at least one λ.")
    n_iter = check_int(n_iter, "n_iter", low=1)
    if y.shape[0] != x_true.shape[0]:
        raise ValueError(f"y holds {y.shape[0]} sinograms but x_true {x_true.shape[0]} images.")
    L = float(A.norm())
    As = A * (1 / L)
    xs, ps, chosen, curves = [], [], [], []
    for yi, xi in zip(y, x_true):
        fbp, best, curve = A.fbp(yi), (-float("inf"), None, None), []
        for lam in lams:
            x, _ = solvers.pdhg(As, yi / L, TV(), lam / L ** 2, n_iter=n_iter, x0=fbp)
            x = x.clamp(0, 1)
            p = float(psnr(x, xi))
            curve.append(p)
            if p > best[0]:
                best = (p, lam, x)
        ps.append(best[0])
        chosen.append(best[1])
        xs.append(best[2])
        curves.append(curve)
        if progress is not None:
            progress.update()
    return {"x": torch.stack(xs), "psnr": ps, "lam": chosen, "curve": torch.tensor(curves)}


#: Training settings of the two shipped CT networks: constructor arguments, batch, steps, learning rate.
CT_SETTINGS = {
    "ct_unet": dict(cls=UNetReconstructor, kwargs={"width": 16, "depth": 3, "input": "fbp"}, batch=8, steps=1300,
                    lr=2e-3),
    "ct_unrolled": dict(cls=LearnedGD, kwargs={"n_blocks": 6, "width": 16, "depth": 3, "memory": 4, "dual_width": 32},
                        batch=1, steps=5500, lr=2e-3),
}


def _build(name):
    def build():
        torch.manual_seed(0)
        s = CT_SETTINGS[name]
        return s["cls"](**s["kwargs"])
    return build


def _train(name):
    def train(model, n_steps: int | None = None, progress: bool = True, callback=None) -> dict:
        r"""Supervised training on fresh phantoms: :math:`\min_\theta \tfrac1N\|f_\theta(y, A) - x\|^2`."""
        s = CT_SETTINGS[name]
        A, draw = ct_batches(s["batch"], seed=0)
        _, val_draw = ct_batches(16, seed=99)
        val = [val_draw(0)]

        def loss(net, batch):
            y, x = batch
            return torch.mean((net(y, A) - x) ** 2)
        with _channels_last(model):
            return fit(model, loss, draw, n_steps or s["steps"], lr=s["lr"], val_batches=val, seed=0,
                       callback=callback, progress=progress, keep_best=False, grad_clip=1.0)
    return train


def _data(name: str) -> str:
    s = CT_SETTINGS[name]
    return (f"random ellipse phantoms (invlab.data.ellipses, {CT_SIZE}x{CT_SIZE}, a fresh batch of {s['batch']} "
            f"every step from a generator seeded 0), parallel-beam Radon transform at {CT_VIEWS} views over 180 "
            f"degrees, Gaussian noise {CT_NOISE:g} x max|Ax| per phantom")


def _unrolled_description() -> str:
    k = CT_SETTINGS["ct_unrolled"]["kwargs"]
    return (f"learned gradient descent (Adler & Oktem 2017) from the FBP: {k['n_blocks']} blocks, each a "
            f"{k['depth']}-layer CNN (width {k['width']}) on the iterate, {k['memory']} memory channels and the "
            f"normalised data gradient, and before it a 3-layer dual CNN (width {k['dual_width']}) that corrects "
            "the sinogram residual (learned primal-dual style); A and A^T in every block; lecture 4 (CT, sparse view)")


def _recipes(Recipe) -> dict:
    """The CT entries of :data:`invlab.recipes.RECIPES` (``Recipe`` passed in to avoid a cycle)."""
    return {
        "ct_unet": Recipe(
            name="ct_unet", build=_build("ct_unet"), train=_train("ct_unet"), evaluate=ct_scores,
            metric="psnr_ellipses", data=_data("ct_unet"),
            description="FBP + residual U-Net (FBPConvNet-like; 3 levels, width 16), net(y, A) -> x with the Radon "
                        "operator at call time; lecture 4 (CT, sparse view)"),
        "ct_unrolled": Recipe(
            name="ct_unrolled", build=_build("ct_unrolled"), train=_train("ct_unrolled"), evaluate=ct_scores,
            metric="psnr_ellipses", data=_data("ct_unrolled"),
            description=_unrolled_description()),
    }
