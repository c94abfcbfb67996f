r"""Lecture 4's MR networks: image-domain U-Net, k-space network and DC cascade at 6x and 11x.

Single-coil Cartesian MRI at :math:`128^2` (:class:`~invlab.operators.MRI`): k-space is simulated
from magnitude images :math:`m` as :math:`x = m\,e^{i\varphi}` with a smooth random phase
:math:`\varphi` (:func:`mr_phase`; real scans have one, so the reconstructions are genuinely
complex), then :math:`y = M \odot (\mathcal F x + \sigma n)` with complex Gaussian noise of
standard deviation :data:`MR_NOISE` per sample (:func:`mr_measure`). Masks are Cartesian
(:func:`~invlab.operators.cartesian_mask`) with a fully sampled centre, at the accelerations of
Schlemper et al. (:data:`MR_ACCELERATIONS`).

Data (:func:`invlab.data.mr_slices`): training on the MNI152 template and Colin27 (with its skull)
in all three orientations, with augmentation; testing on a real slice of another person
(:func:`invlab._mr.mr_test_slice`, over several mask seeds) and, as the in-distribution
reference, on the held-out axial slab of each training volume. Scores are PSNR of the magnitude
:math:`|\hat x|` against :math:`m` (data range 1).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .. import _mrdata as _mr
from .. import operators as op
from .._checks import check_choice, check_int, check_real
from ..metrics import psnr
from ..nets.mri import Cascade, KSpaceNet, MRIUNet
from ..nets.thick import K_RANGE, MODES, ThickSliceSR, through_plane
from ..noise import make_generator
from ..train import fit
from ._common import _channels_last

__all__ = ["MR_SIZE", "MR_ACCELERATIONS", "MR_CENTER", "MR_NOISE", "MR_MASKS", "MR_TEST_SETS", "MR_TEST_MASKS",
           "MR_SETTINGS", "mr_phase", "mr_mask", "mr_measure", "mr_training_images", "mr_batches",
           "mr_test_set", "mr_scores", "MR_CS_LAMS", "MR_CS_ITER", "MR_CS_KINDS", "mr_cs_best", "THICK_K", "thick_batches", "thick_test_set", "thick_scores"]

#: Image side of the MR task.
MR_SIZE = 128
#: Accelerations of the shipped networks (Schlemper et al. 2017 use 6x and 11x).
MR_ACCELERATIONS = (6, 11)
#: Fully sampled centre (fraction of the 128 phase-encoding columns) at each acceleration:
#: 11 central lines of 21 at 6x, 6 of 12 at 11x.
MR_CENTER = {6: 0.08, 11: 0.04}
#: Standard deviation of the complex k-space noise per sample (orthonormal DFT, images in [0, 1]).
MR_NOISE = 0.005
#: Mask types (:func:`~invlab.operators.cartesian_mask`); the networks are trained on "random".
MR_MASKS = ("random", "equispaced")
#: Held-out sets of :func:`mr_test_set`: the test person, then the training volumes' held-out slabs.
MR_TEST_SETS = ("person", "mni152", "colin27")
#: Mask seeds of the test person (one reconstruction per seed).
MR_TEST_MASKS = 8
_TEST_SEED = 50_000


def mr_mask(acceleration: float = 6, kind: str = "random", seed: int = 0, size: int = MR_SIZE,
            center_fraction: float | None = None) -> torch.Tensor:
    """The lecture's Cartesian mask: :func:`~invlab.operators.cartesian_mask` with :data:`MR_CENTER`."""
    acceleration = check_real(acceleration, "acceleration", low=1)
    if center_fraction is None:
        center_fraction = MR_CENTER.get(acceleration, 0.08 if acceleration < 8 else 0.04)
    return op.cartesian_mask((size, size), acceleration, center_fraction, kind=kind, seed=seed)


def mr_phase(n: int, size: int = MR_SIZE, seed=0, strength: float = 1.0) -> torch.Tensor:
    r"""Smooth random phase maps :math:`\varphi`, float32 ``(n, size, size)`` in radians.

    :math:`\varphi = \varphi_0 + s\,u`: a global offset :math:`\varphi_0 \sim U[-\pi, \pi]` and a
    smooth field :math:`u`, a :math:`4 \times 4` grid of standard normal values interpolated
    bicubically to the image (a few cycles across the field of view, like the slowly varying
    phase of a real coil image), times ``strength`` :math:`s`. Seeded by ``seed`` (int or generator).
    """
    n = check_int(n, "n", low=1)
    size = check_int(size, "size", low=4)
    strength = check_real(strength, "strength", low=0)
    g = make_generator(seed)
    offset = (torch.rand(n, generator=g) * 2 - 1) * math.pi
    coarse = torch.randn(n, 1, 4, 4, generator=g)
    u = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=True)[:, 0]
    return (offset[:, None, None] + strength * u).float()


def mr_measure(A, x: torch.Tensor, noise: float = MR_NOISE, seed=0) -> torch.Tensor:
    r"""Noisy k-space :math:`y = M \odot (\mathcal F x + \sigma n)`, :math:`n` complex standard normal.

    ``x`` is a complex image ``(..., H, W)``; :math:`n = (n_1 + i n_2)/\sqrt2` so that
    :math:`\mathbb E|\sigma n|^2 = \sigma^2`. Because :math:`\mathcal F` is orthonormal, the
    zero-filled image carries noise of the same level.
    """
    if not isinstance(A, op.MRI):
        raise TypeError(f"A must be an invlab.operators.MRI operator, got {type(A).__name__}.")
    op.check_tensor(x, "x", A.in_shape)
    noise = check_real(noise, "noise", low=0)
    g = make_generator(seed)
    k = op.fft2c(x.to(torch.complex64))
    n = torch.complex(torch.randn(k.shape, generator=g), torch.randn(k.shape, generator=g)) / math.sqrt(2)
    return A.mask * (k + noise * n)


def _names(value, what: str, allowed: tuple) -> tuple:
    """``value`` as a non-empty tuple of names from ``allowed``: one name, or a tuple/list of them."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{what}s must be a name or a tuple of names from {allowed}, got {value!r}.")
    if not value:
        raise ValueError(f"{what}s must name at least one of {allowed}, got an empty {type(value).__name__}.")
    return tuple(check_choice(v, what, allowed) for v in value)


def mr_training_images(subjects=_mr.MR_SUBJECTS, brain_only="both", orientations=_mr.MR_ORIENTATIONS) -> torch.Tensor:
    """Every training image of ``subjects`` in ``orientations`` (default: all three), ``(N, 128, 128)``.

    :func:`invlab.data.mr_slices` with ``split="train"``: no voxel of a held-out slab.
    ``brain_only`` applies to Colin27 (the template is skull-stripped already): ``False`` its
    whole head, ``True`` its brain, ``"both"`` both copies, since scans come both ways (raw, or
    skull-stripped by a preprocessing pipeline) and a network should not fail on either.
    """
    subjects = _names(subjects, "subject", _mr.MR_SUBJECTS)
    orientations = _names(orientations, "orientation", _mr.MR_ORIENTATIONS)
    if brain_only not in (False, True, "both") or isinstance(brain_only, (int, float)) and not isinstance(brain_only, bool):
        raise ValueError(f"brain_only must be False, True or 'both', got {brain_only!r}.")
    variants = {False: (False,), True: (True,), "both": (False, True)}[brain_only]
    return torch.cat([_mr.mr_slices(s, o, "train", MR_SIZE, b) for s in subjects for o in orientations
                      for b in (variants if s == "colin27" else (False,))])


def _augment(m: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    r"""Random left-right flips and intensity changes :math:`m \mapsto a\,m^{\gamma}`.

    :math:`a \sim U[0.7, 1.1]` (scanners scale intensities arbitrarily; the test person is brighter
    than Colin27) and :math:`\gamma \sim U[0.7, 1.4]` (a different T1 contrast: grey/white matter
    and skull change their ratio). Up-down flips are not used: anatomy has an up.
    """
    b = m.shape[0]
    flip = torch.rand(b, generator=g) < 0.5
    m = torch.where(flip[:, None, None], m.flip(-1), m)
    a = 0.7 + 0.4 * torch.rand(b, 1, 1, generator=g)
    gamma = 0.7 + 0.7 * torch.rand(b, 1, 1, generator=g)
    return (a * m.clamp_min(0) ** gamma).clamp(0, 1)


def mr_batches(batch: int = 4, acceleration: float = 6, seed: int = 0, subjects=_mr.MR_SUBJECTS,
               brain_only="both", augment: bool = True, noise_range=(0.0, 2 * MR_NOISE),
               orientations=_mr.MR_ORIENTATIONS):
    r"""``draw(step) -> (y, A, x)``: a fresh training batch every step.

    ``batch`` images drawn at random from :func:`mr_training_images` (augmented: left-right
    flips, intensity :math:`a\,m^{\gamma}`), each given a :func:`mr_phase`; one random mask at ``acceleration`` per
    step (so the network sees many masks), and k-space noise of a level drawn per step from
    ``noise_range``. ``subjects``, ``brain_only`` and ``orientations`` choose the image pool
    (:func:`mr_training_images`). ``x`` is the complex ground truth ``(batch, 128, 128)``.
    """
    batch = check_int(batch, "batch", low=1)
    acceleration = check_real(acceleration, "acceleration", low=1)
    seed = check_int(seed, "seed", low=0)
    if not isinstance(augment, bool):
        raise TypeError(f"augment must be a bool, got {augment!r}.")
    lo, hi = (check_real(v, "noise_range", low=0) for v in noise_range)
    if hi < lo:
        raise ValueError(f"noise_range must be (low, high) with low <= high, got {noise_range!r}.")
    pool = mr_training_images(subjects, brain_only, orientations)
    g = torch.Generator().manual_seed(seed)

    def draw(step):
        m = pool[torch.randint(pool.shape[0], (batch,), generator=g)]
        if augment:
            m = _augment(m, g)
        x = m * torch.exp(1j * mr_phase(batch, MR_SIZE, g))
        A = op.MRI(mr_mask(acceleration, "random", int(torch.randint(2**31, (1,), generator=g))))
        sigma = lo + (hi - lo) * float(torch.rand(1, generator=g))
        return mr_measure(A, x, sigma, g), A, x.to(torch.complex64)
    return draw


def mr_test_set(kind: str = "person", acceleration: float = 6, mask: str = "random", noise: float = MR_NOISE):
    """A held-out MR test set: ``(x, masks, y)``, complex ground truth, boolean masks and k-space, each ``(N, 128, 128)``.

    ``"person"``: the test person's slice (:func:`invlab._mr.mr_test_slice`) under
    :data:`MR_TEST_MASKS` different masks (and phases and noise draws); ``"mni152"`` /
    ``"colin27"``: the 8 slices of that volume's held-out slab (Colin27 with its skull), one mask
    each. Image ``i`` uses seed ``50000 + i`` for its mask, phase and noise, the same for every
    method. Reconstruct image ``i`` with ``MRI(masks[i])``.
    """
    kind = check_choice(kind, "kind", MR_TEST_SETS)
    mask = check_choice(mask, "mask", MR_MASKS)
    if kind == "person":
        m = _mr.mr_test_slice(MR_SIZE)[None].expand(MR_TEST_MASKS, -1, -1)
    else:
        m = _mr.mr_slices(kind, "axial", "test", MR_SIZE)
    xs, masks, ys = [], [], []
    for i, mi in enumerate(m):
        s = _TEST_SEED + i
        x = (mi * torch.exp(1j * mr_phase(1, MR_SIZE, s)[0])).to(torch.complex64)
        M = mr_mask(acceleration, mask, s)
        xs.append(x)
        masks.append(M)
        ys.append(mr_measure(op.MRI(M), x, noise, s + 1))
    return torch.stack(xs), torch.stack(masks), torch.stack(ys)


def mr_scores(net, acceleration: float = 6, mask: str = "random", noise: float = MR_NOISE) -> dict:
    """Held-out PSNR of :math:`|\\mathrm{net}(y, A)|` (clipped to [0, 1]) against the magnitude image.

    Returns ``{"psnr_person": mean dB over the mask seeds, "psnr_mni152": ..., "psnr_colin27": ...,
    "per_image": {set: [dB, ...]}}``. ``net=None`` scores the zero-filled image :math:`|A^{*}y|`.
    """
    if net is not None and not callable(net):
        raise TypeError(f"net must be a callable network net(y, A) or None, got {type(net).__name__}.")
    out, per = {}, {}
    with torch.no_grad():
        for kind in MR_TEST_SETS:
            x, masks, y = mr_test_set(kind, acceleration, mask, noise)
            p = []
            for xi, mi, yi in zip(x, masks, y):
                A = op.MRI(mi)
                xh = A.adjoint(yi) if net is None else net(yi[None], A)[0]
                p.append(float(psnr(xh.abs().clamp(0, 1), xi.abs())))
            per[kind] = [round(v, 3) for v in p]
            out[f"psnr_{kind}"] = round(sum(p) / len(p), 3)
    out["per_image"] = per
    return out


#: λ grid of the compressed-sensing baselines (data term :math:`\tfrac12\|Ax - y\|^2`, orthonormal FFT).
MR_CS_LAMS = tuple(float(v) for v in torch.logspace(-4, -1, 13, dtype=torch.float64))
#: Iterations per λ of :func:`mr_cs_best` (PDHG for TV, FISTA for the wavelet).
MR_CS_ITER = 150
#: The sparsifying transforms of :func:`mr_cs_best`.
MR_CS_KINDS = ("tv", "wavelet")


def mr_cs_best(masks: torch.Tensor, y: torch.Tensor, x_true: torch.Tensor, kind: str = "tv", lams=MR_CS_LAMS,
               n_iter: int = MR_CS_ITER, progress=None) -> dict:
    r"""Compressed sensing at the λ of ``lams`` with the best PSNR of :math:`|\hat x|`, per image (an oracle).

    For image :math:`i` (mask :math:`M_i`, :math:`A_i = M_i \odot \mathcal F`) and every λ,

    .. math::
        \hat x_\lambda = \arg\min_{x \in \mathbb C^{n}}\ \tfrac12\|A_i x - y_i\|^2 + \lambda\, R(x),

    :math:`R` the isotropic TV of the complex image (``"tv"``, :func:`~invlab.solvers.pdhg`) or the
    :math:`\ell_1` norm of its 3-level Haar coefficients (``"wavelet"``, :func:`~invlab.solvers.fista`),
    each started from zero filling. The λ kept is the one whose magnitude is closest (PSNR) to the
    truth: the best any single λ can do for that image.

    Returns ``{"x": (N, H, W) complex, "psnr": [dB], "lam": [λ], "curve": (N, len(lams)) PSNR}``.
    """
    from .. import solvers
    from ..regularisers import TV, Wavelet

    kind = check_choice(kind, "kind", MR_CS_KINDS)
    lams = [check_real(v, "lams", low=0, low_open=True) for v in lams]
    if not lams:
        raise ValueError("lams must hold at least one λ.")
    n_iter = check_int(n_iter, "n_iter", low=1)
    if not (masks.shape[0] == y.shape[0] == x_true.shape[0]):
        raise ValueError(f"masks, y and x_true must hold as many images, got {masks.shape[0]}, {y.shape[0]}, "
                         f"{x_true.shape[0]}.")
    xs, ps, chosen, curves = [], [], [], []
    for mi, yi, xi in zip(masks, y, x_true):
        A = op.MRI(mi)
        best, curve = None, []
        for lam in lams:
            if kind == "tv":
                x = solvers.pdhg(A, yi, TV(), lam, n_iter=n_iter)[0]
            else:
                x = solvers.fista(A, yi, Wavelet(3), lam, n_iter=n_iter)[0]
            p = float(psnr(x.abs().clamp(0, 1), xi.abs()))
            curve.append(p)
            if best is None or p > best[0]:
                best = (p, lam, x)
        xs.append(best[2])
        ps.append(best[0])
        chosen.append(best[1])
        curves.append(curve)
        if progress is not None:
            progress.update(1)
    return {"x": torch.stack(xs), "psnr": ps, "lam": chosen, "curve": torch.tensor(curves)}


#: The slice thickness the acceptance is stated at (the network serves every k in 2...6).
THICK_K = 4


def thick_batches(batch: int = 8, seed: int = 0, subjects=_mr.MR_SUBJECTS):
    """``draw(step) -> (y, k, x)``: thin training images ``x`` ``(batch, 1, k m, 128)`` and their thick-slice
    stacks ``y = thick_slices(x, k)`` along the rows, a fresh thickness ``k`` in 2...6 every step.

    Images from :func:`mr_training_images` (all three orientations, so the through-plane axis is
    inferior-superior for coronal and sagittal images and anterior-posterior for axial ones),
    augmented (left-right flips, intensity), cropped to a multiple of ``k`` rows.
    """
    batch = check_int(batch, "batch", low=1)
    seed = check_int(seed, "seed", low=0)
    pool = mr_training_images(subjects)
    g = torch.Generator().manual_seed(seed)

    def draw(step):
        k = int(torch.randint(K_RANGE[0], K_RANGE[1] + 1, (1,), generator=g))
        x = _augment(pool[torch.randint(pool.shape[0], (batch,), generator=g)], g)
        x = x[:, None, :(MR_SIZE // k) * k]
        return _mr.thick_slices(x, k), k, x
    return draw


def thick_test_set(kind: str = "person", k: int = THICK_K):
    """``(y, x)``: thick-slice stacks ``(N, 1, m, 128)`` and the thin truth ``(N, 1, k m, 128)`` of a held-out set.

    ``"person"``: the test person's coronal slice (rows: inferior-superior); ``"mni152"``/``"colin27"``:
    the 8 axial slices of the held-out slab (rows: anterior-posterior).
    """
    kind = check_choice(kind, "kind", MR_TEST_SETS)
    k = check_int(k, "k", low=K_RANGE[0], high=K_RANGE[1])
    x = _mr.mr_test_slice(MR_SIZE)[None] if kind == "person" else _mr.mr_slices(kind, "axial", "test", MR_SIZE)
    x = x[:, None, :(MR_SIZE // k) * k]
    return _mr.thick_slices(x, k), x


def thick_scores(net, ks=tuple(range(K_RANGE[0], K_RANGE[1] + 1))) -> dict:
    """Held-out PSNR of ``net(y, k)`` (clipped to [0, 1]) on every set of :func:`thick_test_set`, per ``k``.

    Returns ``{"psnr_person_k4": ..., "psnr_mni152_k4": ..., "psnr_colin27_k4": ..., "per_k": {set: {k: dB}}}``
    (mean over a set's images). ``net`` may be a mode of :func:`~invlab.nets.through_plane` (``"cubic"``, ...).
    """
    if isinstance(net, str):
        mode = check_choice(net, "net", MODES)

        def net(y, k):
            return through_plane(y, k, mode)
    elif not callable(net):
        raise TypeError(f"net must be a callable net(y, k), 'linear' or 'cubic', got {type(net).__name__}.")
    out, per = {}, {}
    with torch.no_grad():
        for kind in MR_TEST_SETS:
            per[kind] = {}
            for k in ks:
                y, x = thick_test_set(kind, k)
                per[kind][k] = round(float(psnr(net(y, k).clamp(0, 1), x).mean()), 3)
            if THICK_K in per[kind]:
                out[f"psnr_{kind}_k{THICK_K}"] = per[kind][THICK_K]
    out["per_k"] = per
    return out


#: Training settings of the shipped MR networks.
MR_SETTINGS = {
    "mri_cascade_6x": dict(cls=Cascade, kwargs={"n_blocks": 5, "width": 32, "depth": 5, "nu": "learned"},
                           acceleration=6, batch=2, steps=1700, lr=1e-3),
    "mri_cascade_11x": dict(cls=Cascade, kwargs={"n_blocks": 5, "width": 32, "depth": 5, "nu": "learned"},
                            acceleration=11, batch=2, steps=1700, lr=1e-3),
    "mri_unet_6x": dict(cls=MRIUNet, kwargs={"width": 16, "depth": 3}, acceleration=6, batch=2, steps=7000, lr=2e-3),
    "mri_unet_11x": dict(cls=MRIUNet, kwargs={"width": 16, "depth": 3}, acceleration=11, batch=8, steps=2400,
                         lr=2e-3),
    "mri_cascade_6x_template": dict(cls=Cascade, kwargs={"n_blocks": 5, "width": 32, "depth": 5, "nu": "learned"},
                                    acceleration=6, batch=2, steps=1700, lr=1e-3, subjects=("mni152",),
                                    orientations=("axial",), augment=False),
    "mri_unet_6x_template": dict(cls=MRIUNet, kwargs={"width": 16, "depth": 3}, acceleration=6, batch=8, steps=2400,
                                 lr=2e-3, subjects=("mni152",), orientations=("axial",), augment=False),
    "mri_kspace_6x": dict(cls=KSpaceNet, kwargs={"width": 12, "depth": 4}, acceleration=6, batch=8, steps=2400,
                          lr=2e-3),
}


THICK_SETTINGS = dict(kwargs={"width": 48, "depth": 8, "grid": "thick"}, batch=8, steps=2000, lr=5e-4)


def _build_thick():
    torch.manual_seed(0)
    return ThickSliceSR(**THICK_SETTINGS["kwargs"])


def _train_thick(model, n_steps: int | None = None, progress: bool = True, callback=None) -> dict:
    r"""Supervised training over every thickness: :math:`\min_\theta \tfrac1N\|f_\theta(y, k) - x\|^2`."""
    draw = thick_batches(THICK_SETTINGS["batch"], seed=0)
    val_draw = thick_batches(16, seed=99)
    val = [val_draw(0)]

    def loss(net, batch):
        y, k, x = batch
        return torch.mean((net(y, k) - x) ** 2)
    with _channels_last(model):
        return fit(model, loss, draw, n_steps or THICK_SETTINGS["steps"], lr=THICK_SETTINGS["lr"], val_batches=val,
                   seed=0, callback=callback, progress=progress, keep_best=False, grad_clip=1.0)


def _build(name):
    def build():
        torch.manual_seed(0)
        s = MR_SETTINGS[name]
        return s["cls"](**s["kwargs"])
    return build


def _train(name):
    def train(model, n_steps: int | None = None, progress: bool = True, callback=None) -> dict:
        r"""Supervised training, complex MSE: :math:`\min_\theta \tfrac1N\|f_\theta(y, A) - x\|^2`."""
        s = MR_SETTINGS[name]
        subjects = s.get("subjects", _mr.MR_SUBJECTS)
        orientations = s.get("orientations", _mr.MR_ORIENTATIONS)
        draw = mr_batches(s["batch"], s["acceleration"], seed=0, subjects=subjects, augment=s.get("augment", True),
                          orientations=orientations)
        val_draw = mr_batches(8, s["acceleration"], seed=99, subjects=subjects, augment=False,
                              noise_range=(MR_NOISE, MR_NOISE), orientations=orientations)
        val = [val_draw(0)]

        def loss(net, batch):
            y, A, x = batch
            return torch.mean(torch.abs(net(y, A) - x) ** 2)
        with _channels_last(model):
            return fit(model, loss, draw, n_steps or s["steps"], lr=s["lr"], val_batches=val, seed=0,
                       callback=callback, progress=progress, keep_best=False, grad_clip=1.0)
    return train


def _evaluate(name):
    def evaluate(model) -> dict:
        return mr_scores(model, MR_SETTINGS[name]["acceleration"])
    return evaluate


def _data(name: str) -> str:
    s = MR_SETTINGS[name]
    who = ("the MNI152 template only (skull-stripped; no Colin27)" if s.get("subjects") == ("mni152",) else
           "MNI152 template and Colin27 with its skull and skull-stripped")
    orient = s.get("orientations", _mr.MR_ORIENTATIONS)
    where = "all three orientations" if tuple(orient) == _mr.MR_ORIENTATIONS else "/".join(orient) + " slices only"
    aug = ("left-right flips and intensity a*m^gamma (a in [0.7, 1.1], gamma in [0.7, 1.4])"
           if s.get("augment", True) else "no augmentation (no flips, no intensity change)")
    return (f"{who} (invlab.data.mr_slices, train split: {where}, no voxel of the held-out slabs), "
            f"{MR_SIZE}x{MR_SIZE} on a {_mr.MR_FOV} mm field of view, {aug}, smooth random phase, a fresh "
            f"batch of {s['batch']} and a fresh random Cartesian mask at {s['acceleration']}x "
            f"(centre {MR_CENTER[s['acceleration']]:g}) every step from a generator seeded 0, complex k-space noise "
            f"sigma ~ U[0, {2 * MR_NOISE:g}]")


_DESCRIPTIONS = {
    "cascade": "deep cascade of CNNs with data consistency (Schlemper et al. 2017): 5 blocks, each a 5-layer CNN "
               "(width 32) on the complex image as 2 channels, then a noise-weighted DC layer with learned nu; "
               "net(y, A) -> x with the MRI operator at call time; lecture 4 (MR)",
    "unet": "image-domain residual U-Net (3 levels, width 16) on the zero-filled image, 2 channels; net(y, A) -> x; "
            "lecture 4 (MR)",
    "kspace": "k-space U-Net (4 levels, width 12) filling the unmeasured lines of radially weighted k-space, then "
              "the inverse FFT (measured lines kept); net(y, A) -> x; lecture 4 (MR, domain comparison)",
}


def _recipes(Recipe) -> dict:
    """The MR entries of :data:`invlab.recipes.RECIPES` (``Recipe`` passed in to avoid a cycle)."""
    out = {}
    for name, s in MR_SETTINGS.items():
        kind = name.split("_")[1]
        extra = (" - trained on the skull-stripped MNI template's axial slices alone, without augmentation, to show "
                 "what a distribution shift does"
                 if s.get("subjects") == ("mni152",) else "")
        out[name] = Recipe(name=name, build=_build(name), train=_train(name), evaluate=_evaluate(name),
                           metric="psnr_person", data=_data(name),
                           description=f"{_DESCRIPTIONS[kind]}, {s['acceleration']}x{extra}")
    out["thick_slice_sr"] = Recipe(
        name="thick_slice_sr", build=_build_thick, train=_train_thick, evaluate=thick_scores,
        metric=f"psnr_person_k{THICK_K}",
        data=(f"the MR training images of mri_* (MNI152 and Colin27, all three orientations, train split, flips and "
              f"intensity augmentation), thick slices = mean of k thin rows, a fresh k in 2..6 and batch of "
              f"{THICK_SETTINGS['batch']} every step from a generator seeded 0"),
        description=(f"thick-slice super-resolution: linear through-plane interpolation plus a residual "
                     f"{THICK_SETTINGS['kwargs']['depth']}-layer CNN (width {THICK_SETTINGS['kwargs']['width']}) told k, "
                     f"run on the {THICK_SETTINGS['kwargs']['grid']} grid; one network for k = 2..6, "
                     f"net(y_thick, k) -> x_thin; lecture 4 (MR, row 4.7)"))
    return out
