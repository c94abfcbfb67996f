"""The error policy (docs/CONVENTIONS.md, "Errors"), swept over every public function.

Every public parameter gets the bad values of its kind -- NaN, +-inf, negative or zero numbers
where they are not allowed, bools, strings, ``None``, numpy arrays, non-integral floats (32.5)
for sizes and shapes, masks of 0.5, string seeds, non-callable callbacks, unknown names, tensors
of the wrong shape or holding NaN -- drawn by ``hypothesis`` from a fixed list plus a generated
family. Each bad call must raise a ``ValueError`` or ``TypeError`` whose message names the
parameter (a path that does not exist: a ``FileNotFoundError`` naming it). The one exception of
the policy is checked too: metrics return ``nan`` for a non-finite *estimate*. Every public
callable of every module (``__all__``) must have a case here or a reason in ``EXEMPT``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invlab import analysis, coursework, data, losses, metrics, noise, tasks
from invlab import operators as op
from invlab import regularisers as R
from invlab import solvers as S
from invlab.nets import UNetReconstructor, UnrolledGD
from invlab.nets.gan import Discriminator, Generator
from invlab.train import fit_gan, fit_learned_quadratic

N = 16
NAN, INF = float("nan"), float("inf")


def _img(value=None, shape=(N, N)):
    x = torch.rand(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    if value is not None:
        x[3, 4] = value
    return x


# ------------------------------------------------------------------ bad values, by kind
_NOT_NUMBERS = ["1", None, True, np.array([1.0]), torch.tensor(1.0), [1.0]]
KINDS = {
    # a finite number > 0
    "positive": st.sampled_from([NAN, INF, -INF, 0.0, -1.0] + _NOT_NUMBERS)
    | st.floats(max_value=0.0, allow_nan=False, allow_infinity=False),
    # a finite number >= 0
    "nonneg": st.sampled_from([NAN, INF, -INF, -1e-3] + _NOT_NUMBERS)
    | st.floats(max_value=-1e-12, allow_nan=False, allow_infinity=False),
    # any finite number
    "finite": st.sampled_from([NAN, INF, -INF] + _NOT_NUMBERS),
    # an integer >= 1
    "count": st.sampled_from([0, -1, 2.5, 32.5, 4.0, NAN, INF, "3", None, True, np.array([3])])
    | st.integers(max_value=0) | st.floats(min_value=0.1, max_value=64).filter(lambda v: v != int(v)),
    # a 2-D shape of positive integers
    "shape": st.sampled_from([(32.5, 32), (0, 32), (-1, 32), (NAN, 32), (True, 32), ("16", 16), "16x16",
                              16, None, (16,), (16, 16, 16), np.array([16, 16]), ()])
    | st.tuples(st.integers(max_value=0), st.integers(1, 8)),
    "seed": st.sampled_from(["0", 1.5, NAN, True, None, np.array([0]), [0]]),
    "callback": st.sampled_from([1, "print", [], 2.5, True]),
    "name": st.sampled_from(["nope", "", 3, None, True]) | st.text(min_size=1, max_size=8).map(lambda s: "zz" + s),
    # an image tensor (..., H, W) of the right shape, finite, a torch.Tensor
    "image": st.sampled_from([np.zeros((N, N)), _img(NAN), _img(INF), _img(-INF), torch.zeros(N + 1, N),
                              torch.zeros(N), [[0.0] * N] * N, "x", None, 0.5]),
    # a tensor of any shape, finite, a torch.Tensor
    "tensor": st.sampled_from([np.zeros((N, N)), _img(NAN), _img(INF), [[0.0] * N] * N, "x", None, 0.5]),
    # a torch.Tensor of the right shape, NaN allowed (an estimate; a diverged iterate)
    "estimate": st.sampled_from([np.zeros((N, N)), torch.zeros(N + 1, N), [[0.0] * N] * N, "x", None, 0.5]),
    # a 2-D mask: bool or exactly 0/1
    "mask": st.sampled_from([torch.full((N, N), 0.5), torch.full((N, N), 2.0), np.ones((N, N), bool),
                             torch.ones(N, dtype=torch.bool), _img(NAN), "mask", None])
    | st.floats(0.01, 0.99).map(lambda v: torch.full((N, N), v)),
    "bool": st.sampled_from(["yes", 1, 0.0, None, np.array([True])]),
}

# ------------------------------------------------------------------ the sweep
A_BLUR = op.Blur.gaussian((N, N), 1.0)
A_GRAD = op.Gradient((N, N))
X = _img()
Y = A_BLUR(X)


def _ok_fn(*args):
    return torch.zeros(N, N)


# (id, function of the bad value, parameter name, kind)
CASES = [
    # operators
    ("Identity.shape", lambda v: op.Identity(v), "shape",  # any number of dims is fine
     KINDS["shape"].filter(lambda v: not (isinstance(v, tuple) and len(v) in (1, 3)))),
    ("Mask.mask", lambda v: op.Mask(v), "mask", "mask"),
    ("Mask.random.shape", lambda v: op.Mask.random(v), "shape", "shape"),
    ("Mask.random.fraction_missing", lambda v: op.Mask.random((N, N), v), "fraction_missing", "nonneg"),
    ("Mask.random.fraction_missing>=1", lambda v: op.Mask.random((N, N), 1 + abs(v)), "fraction_missing",
     st.floats(0, 1e6)),
    ("Mask.random.seed", lambda v: op.Mask.random((N, N), 0.5, seed=v), "seed", "seed"),
    ("Blur.shape", lambda v: op.Blur(v, torch.ones(3, 3)), "shape", "shape"),
    ("Blur.kernel", lambda v: op.Blur((N, N), v), "kernel", "image"),
    ("Blur.gaussian.sigma", lambda v: op.Blur.gaussian((N, N), v), "sigma", "positive"),
    ("Blur.gaussian.shape", lambda v: op.Blur.gaussian(v, 1.0), "shape", "shape"),
    ("Blur.gaussian.size", lambda v: op.Blur.gaussian((N, N), 1.0, size=v), "size", "count?"),
    ("Blur.box.size", lambda v: op.Blur.box((N, N), v), "size", "count"),
    ("Blur.motion.length", lambda v: op.Blur.motion((N, N), v), "length", "count"),
    ("Blur.motion.angle", lambda v: op.Blur.motion((N, N), 3, angle=v), "angle", "finite"),
    ("gaussian_kernel.sigma", lambda v: op.blur.gaussian_kernel(v), "sigma", "positive"),
    ("Downsample.shape", lambda v: op.Downsample(v, 2), "shape", "shape"),
    ("Downsample.factor", lambda v: op.Downsample((N, N), v), "factor", "count"),
    ("Downsample.factor_divides", lambda v: op.Downsample((N, N), v), "factor", st.sampled_from([3, 5, 7, 17])),
    ("Downsample.sigma", lambda v: op.Downsample((N, N), 2, sigma=v), "sigma", "nonneg?"),
    ("Radon.size", lambda v: op.Radon(v, 8), "size", "count"),
    ("Radon.angles", lambda v: op.Radon(N, v), "angles",
     st.sampled_from([0, -3, [], [NAN, 1.0], [INF], "abc", [[1.0, 2.0]], None, 2.5])),
    ("Radon.fbp.filter", lambda v: op.Radon(N, 8).fbp(torch.zeros(8, N), filter=v), "filter", "name"),
    ("MRI.mask", lambda v: op.MRI(v), "mask", "mask"),
    ("cartesian_mask.shape", lambda v: op.cartesian_mask(v, 2), "shape", "shape"),
    ("cartesian_mask.acceleration", lambda v: op.cartesian_mask((N, N), v), "acceleration",
     st.sampled_from([NAN, INF, 0.5, 0, -2] + _NOT_NUMBERS)),
    ("cartesian_mask.center_fraction", lambda v: op.cartesian_mask((N, N), 2, center_fraction=v),
     "center_fraction", st.sampled_from([0.0, 1.0, 1.5, -0.1, NAN, INF] + _NOT_NUMBERS)),
    ("cartesian_mask.kind", lambda v: op.cartesian_mask((N, N), 2, kind=v), "kind", "name"),
    ("cartesian_mask.seed", lambda v: op.cartesian_mask((N, N), 2, seed=v), "seed", "seed"),
    ("Matrix.M", lambda v: op.Matrix(v), "M", "tensor"),
    ("Gradient.shape", lambda v: op.Gradient(v), "shape", "shape"),
    ("Gradient.boundary", lambda v: op.Gradient((N, N), v), "boundary", "name"),
    ("HaarTransform.shape", lambda v: op.HaarTransform(v, 1), "shape", "shape"),
    ("HaarTransform.levels", lambda v: op.HaarTransform((N, N), v), "levels", "count"),
    ("haar.levels", lambda v: op.haar(X, v), "levels", "count"),
    ("haar.x", lambda v: op.haar(v, 1), "x", "image"),
    ("ihaar.c", lambda v: op.ihaar(v, 1), "c", "image"),
    ("laplacian_spectrum.shape", lambda v: op.laplacian_spectrum(v), "shape", "shape"),
    ("A(x)", lambda v: A_BLUR(v), "x", "image"),
    ("A.adjoint(y)", lambda v: A_GRAD.T(v), "x", "image"),
    ("A.norm.n_iter", lambda v: A_GRAD.norm(n_iter=v), "n_iter", "count"),
    ("A.norm.tol", lambda v: A_GRAD.norm(tol=v), "tol", "positive"),
    ("A.norm.seed", lambda v: A_GRAD.norm(seed=v), "seed", "seed"),
    ("Blur.norm.n_iter", lambda v: A_BLUR.norm(n_iter=v), "n_iter", "count"),
    ("A.to_matrix.max_size", lambda v: A_GRAD.to_matrix(max_size=v), "max_size", "count"),
    ("dot_test.A", lambda v: op.dot_test(v), "A", st.sampled_from([np.eye(3), "A", None, torch.eye(3)])),
    ("dot_test.seed", lambda v: op.dot_test(A_BLUR, seed=v), "seed", "seed"),
    ("c * A", lambda v: v * A_BLUR, "c", st.sampled_from([NAN, INF, -INF])),
    # noise
    ("noise.gaussian.y", lambda v: noise.gaussian(v, 0.1), "y", "tensor"),
    ("noise.gaussian.sigma", lambda v: noise.gaussian(X, v), "sigma", "nonneg"),
    ("noise.gaussian.seed", lambda v: noise.gaussian(X, 0.1, seed=v), "seed", "seed"),
    ("noise.poisson.peak", lambda v: noise.poisson(X, v), "peak", "positive"),
    ("noise.poisson.seed", lambda v: noise.poisson(X, 10.0, seed=v), "seed", "seed"),
    ("noise.make_generator.seed", lambda v: noise.make_generator(v), "seed", "seed"),
    # metrics
    ("psnr.x_true", lambda v: metrics.psnr(X, v), "x_true", "image"),
    ("psnr.data_range", lambda v: metrics.psnr(X, X * 0.9, data_range=v), "data_range", "positive"),
    ("ssim.x_true", lambda v: metrics.ssim(X, v), "x_true", "image"),
    ("ssim.data_range", lambda v: metrics.ssim(X, X * 0.9, data_range=v), "data_range", "positive"),
    ("mse.x", lambda v: metrics.mse(v, X), "x", st.sampled_from([np.zeros((N, N)), "x", None, torch.zeros(N)])),
    # data (the functions that existed before the learning lectures)
    ("data.image.name", lambda v: data.image(v, 32), "name", "name"),
    ("data.image.size", lambda v: data.image("camera", v), "size", "count?"),
    ("data.train_images.size", lambda v: data.train_images(v), "size", "count"),
    ("data.shepp_logan.size", lambda v: data.shepp_logan(v), "size", "count"),
    ("data.ellipses.n", lambda v: data.ellipses(v, 16), "n", st.sampled_from([-1, 2.5, NAN, "3", None, True])),
    ("data.ellipses.size", lambda v: data.ellipses(2, v), "size", "count"),
    ("data.ellipses.seed", lambda v: data.ellipses(2, 16, seed=v), "seed", "seed"),
    ("data.ct_slice.field_of_view", lambda v: data.ct_slice(field_of_view=v), "field_of_view", "bool"),
    ("data.ellipses.radius", lambda v: data.ellipses(2, 16, radius=v), "radius",
     st.sampled_from([(0.5, 0.1), (0.0, 0.5), (0.1, 1.0), (NAN, 0.5), "ab", None, 0.3])),
    ("data.ellipses.n_ellipses", lambda v: data.ellipses(2, 16, n_ellipses=v), "n_ellipses",
     st.sampled_from([0, (3, 1), (0, 2), "ab", None, (NAN, 2)])),
    ("data.mri_slices.split", lambda v: data.mri_slices(v, 32), "split", "name"),
    ("data.mri_slices.size", lambda v: data.mri_slices("test", v), "size", "count?"),
    ("data.mri_volume.size", lambda v: data.mri_volume(v), "size", "count?"),
    ("data.mri_slice_indices.split", lambda v: data.mri_slice_indices(v), "split", "name"),
    # regularisers
    ("Tikhonov()(x)", lambda v: R.Tikhonov()(v), "x", "tensor"),
    ("Tikhonov.prox.x", lambda v: R.Tikhonov().prox(v, 0.1), "x", "tensor"),
    ("Tikhonov.prox.tau", lambda v: R.Tikhonov().prox(X, v), "tau", "nonneg"),
    ("Tikhonov.grad.x", lambda v: R.Tikhonov().grad(v), "x", "tensor"),
    ("GradientTikhonov.boundary", lambda v: R.GradientTikhonov(v), "boundary", "name"),
    ("GradientTikhonov.prox.x", lambda v: R.GradientTikhonov("neumann").prox(v, 0.1), "x", "tensor"),
    ("GradientTikhonov.grad.x", lambda v: R.GradientTikhonov().grad(v), "x", "tensor"),
    ("TV.boundary", lambda v: R.TV(v), "boundary", "name"),
    ("TV.max_iter", lambda v: R.TV(max_iter=v), "max_iter", "count"),
    ("TV.tol", lambda v: R.TV(tol=v), "tol", "positive"),
    ("TV.warm_start", lambda v: R.TV(warm_start=v), "warm_start", "bool"),
    ("TV()(x)", lambda v: R.TV()(v), "x", "tensor"),
    ("TV.prox.x", lambda v: R.TV().prox(v, 0.1), "x", "tensor"),
    ("TV.prox.tau", lambda v: R.TV().prox(X, v), "tau", "nonneg"),
    ("Wavelet.levels", lambda v: R.Wavelet(v), "levels", "count"),
    ("Wavelet()(x)", lambda v: R.Wavelet(1)(v), "x", "image"),
    ("Wavelet.prox.x", lambda v: R.Wavelet(1).prox(v, 0.1), "x", "image"),
    ("L1.prox.tau", lambda v: R.L1().prox(X, v), "tau", "nonneg"),
    ("L1()(x)", lambda v: R.L1()(v), "x", st.sampled_from([np.zeros(3), _img(NAN), "x", None])),
    ("LearnedQuadratic.filters", lambda v: R.LearnedQuadratic(v), "filters",
     st.sampled_from([np.zeros((2, 3, 3)), torch.zeros(3, 3), torch.full((2, 3, 3), NAN), "h", None])),
    ("soft_threshold.t", lambda v: R.soft_threshold(X, v), "t",  # a tensor of thresholds is fine
     KINDS["nonneg"].filter(lambda v: not isinstance(v, torch.Tensor)) | st.sampled_from([torch.tensor(-1.0), torch.tensor(NAN)])),
    ("soft_threshold.x", lambda v: R.soft_threshold(v, 0.1), "x", "tensor"),
    # solvers
    ("tikhonov.A", lambda v: S.tikhonov(v, Y, 0.1), "A", st.sampled_from([np.eye(N), torch.eye(N), "A", None])),
    ("tikhonov.y", lambda v: S.tikhonov(A_BLUR, v, 0.1), "y", "image"),
    ("tikhonov.lam", lambda v: S.tikhonov(A_BLUR, Y, v), "lam", "nonneg"),
    ("tikhonov.reg", lambda v: S.tikhonov(A_BLUR, Y, 0.1, reg=v), "reg", st.sampled_from(["tv", 1.0, R.TV()])),
    ("tikhonov.n_iter", lambda v: S.tikhonov(A_GRAD, A_GRAD(X), 0.1, n_iter=v), "n_iter", "count"),
    ("least_squares.tol", lambda v: S.least_squares(A_BLUR, Y, tol=v), "tol", "positive"),
    ("least_squares.callback", lambda v: S.least_squares(A_BLUR, Y, callback=v), "callback", "callback"),
    ("cg.normal_op", lambda v: S.cg(v, X), "normal_op", st.sampled_from([3, "M", None])),
    ("cg.b", lambda v: S.cg(A_BLUR.normal, v), "b", "tensor"),
    ("cg.x0", lambda v: S.cg(A_BLUR.normal, X, x0=v), "x0", "image?"),
    ("cg.n_iter", lambda v: S.cg(A_BLUR.normal, X, n_iter=v), "n_iter", "count"),
    ("cg.tol", lambda v: S.cg(A_BLUR.normal, X, tol=v), "tol", "positive"),
    ("cg.callback", lambda v: S.cg(A_BLUR.normal, X, callback=v), "callback", "callback"),
    ("pdhg.theta", lambda v: S.pdhg(A_BLUR, Y, R.TV(), 0.1, n_iter=2, theta=v), "theta",
     st.sampled_from([NAN, INF, -0.5, 1.5, "1", None])),
    ("pdhg.tau", lambda v: S.pdhg(A_BLUR, Y, R.TV(), 0.1, n_iter=2, tau=v), "tau", "positive?"),
    ("pdhg.sigma", lambda v: S.pdhg(A_BLUR, Y, R.TV(), 0.1, n_iter=2, sigma=v), "sigma", "positive?"),
    ("admm.rho", lambda v: S.admm(A_BLUR, Y, R.TV(), 0.1, n_iter=2, rho=v), "rho", "positive?"),
    ("admm.cg_iter", lambda v: S.admm(A_BLUR, Y, R.TV(), 0.1, n_iter=2, cg_iter=v), "cg_iter", "count"),
    ("gradient_descent.step", lambda v: S.gradient_descent(A_BLUR, Y, n_iter=2, step=v), "step", "positive?"),
    ("objective.x", lambda v: S.objective(A_BLUR, Y, None, 0.0, v), "x", "estimate"),
]
# the shared call shape of the variational solvers: every parameter of every solver
_VARIATIONAL = {"gradient_descent": (S.gradient_descent, R.Tikhonov()), "ista": (S.ista, R.L1()),
                "fista": (S.fista, R.L1()), "admm": (S.admm, R.TV()), "pdhg": (S.pdhg, R.TV())}
for _name, (_f, _reg) in _VARIATIONAL.items():
    def _call(f=_f, reg=_reg, **kw):
        args = dict(A=A_BLUR, y=Y, reg=reg, lam=0.1, n_iter=2)
        args.update(kw)
        return f(**args)
    CASES += [
        (f"{_name}.A", lambda v, c=_call: c(A=v), "A", st.sampled_from([np.eye(N), torch.eye(N), "A", None])),
        (f"{_name}.y", lambda v, c=_call: c(y=v), "y", "image"),
        (f"{_name}.reg", lambda v, c=_call: c(reg=v), "reg", st.sampled_from(["tv", 1.0, np.zeros(3)])),
        (f"{_name}.lam", lambda v, c=_call: c(lam=v), "lam", "nonneg"),
        (f"{_name}.n_iter", lambda v, c=_call: c(n_iter=v), "n_iter", "count"),
        (f"{_name}.x0", lambda v, c=_call: c(x0=v), "x0", "image?"),
        (f"{_name}.x_true", lambda v, c=_call: c(x_true=v), "x_true", "image?"),
        (f"{_name}.keep_every", lambda v, c=_call: c(keep_every=v), "keep_every", "count?"),
        (f"{_name}.callback", lambda v, c=_call: c(callback=v), "callback", "callback"),
    ]
CASES += [
    # analysis
    ("singular_values.A", lambda v: analysis.singular_values(v), "A", st.sampled_from([np.eye(3), "A", None])),
    ("filter_factors.lam", lambda v: analysis.filter_factors(torch.ones(3), v), "lam",
     st.sampled_from([NAN, INF, -1.0, [1.0, -1.0]])),
    ("tsvd_filter.k", lambda v: analysis.tsvd_filter(torch.ones(3), v), "k", st.sampled_from([-1, 4, 1.5, "1", None, True])),
    ("l_curve.lams", lambda v: analysis.l_curve(A_BLUR, Y, v), "lams",
     st.sampled_from([[NAN], [-1.0], [], "abc", None, [INF]])),
    ("l_curve.reg", lambda v: analysis.l_curve(A_BLUR, Y, [0.1], reg=v), "reg", st.sampled_from(["tv", 1.0])),
    ("psnr_vs_lambda.n_iter", lambda v: analysis.psnr_vs_lambda(A_BLUR, Y, X, [0.1], reg=R.TV(), n_iter=v),
     "n_iter", "count"),
    ("blur_matrix_1d.n", lambda v: analysis.blur_matrix_1d(v, 1.0), "n", "count"),
    ("blur_matrix_1d.sigma", lambda v: analysis.blur_matrix_1d(8, v), "sigma", "positive"),
    ("blur_matrix_1d.boundary", lambda v: analysis.blur_matrix_1d(8, 1.0, v), "boundary", "name"),
    # tasks, coursework, training of the learned quadratic regulariser
    ("tasks.make.name", lambda v: tasks.make(v, 32), "name", "name"),
    ("tasks.make.size", lambda v: tasks.make("denoising", v), "size", "count"),
    ("check_tikhonov_fourier.fn", lambda v: coursework.check_tikhonov_fourier(v), "fn", "callback"),
    ("check_ista_step.raise_on_fail", lambda v: coursework.check_ista_step(_ok_fn, raise_on_fail=v),
     "raise_on_fail", "bool"),
    ("fit_learned_quadratic.A", lambda v: fit_learned_quadratic(v, X[None], 0.01), "A",
     st.sampled_from([A_GRAD, np.eye(N), "A"])),
    ("fit_learned_quadratic.x_train", lambda v: fit_learned_quadratic(A_BLUR, v, 0.01), "x_train", "image"),
    ("fit_learned_quadratic.sigma", lambda v: fit_learned_quadratic(A_BLUR, X[None], v), "sigma", "positive"),
    ("fit_learned_quadratic.n_filters", lambda v: fit_learned_quadratic(A_BLUR, X[None], 0.01, n_filters=v),
     "n_filters", "count"),
    ("fit_learned_quadratic.size", lambda v: fit_learned_quadratic(A_BLUR, X[None], 0.01, size=v), "size", "count"),
    ("fit_learned_quadratic.seed", lambda v: fit_learned_quadratic(A_BLUR, X[None], 0.01, seed=v), "seed", "seed"),
]


# ------------------------------------------------------------------ lecture 2: GAN, CSGM, unrolled
class _TinyGenerator(torch.nn.Module):
    """generator(z) -> (B, 1, N, N) with latent_dim, for the CSGM sweep."""

    latent_dim = 4

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, N * N)

    def forward(self, z):
        return torch.sigmoid(self.lin(z)).reshape(-1, 1, N, N)


_GEN, _UNROLLED, _UNET_REC = _TinyGenerator(), UnrolledGD(2, 4, 2), UNetReconstructor(4, 2)
_A_ID = op.Identity((N, N))
_LOGITS = torch.zeros(4)
_BLOBS = torch.rand(8, 28, 28, generator=torch.Generator().manual_seed(0))
_BAD_BLOCKS = st.sampled_from([-1, 2.5, NAN, INF, "3", True, np.array([3])])


def _csgm(**kw):
    args = dict(A=A_BLUR, y=Y, generator=_GEN, n_iter=2, restarts=2)
    args.update(kw)
    return S.csgm(**args)


def _fit_gan(**kw):
    args = dict(generator=Generator(4, 4), discriminator=Discriminator(4), images=_BLOBS, n_steps=1, batch=4,
                progress=False)
    args.update(kw)
    return fit_gan(**args)


CASES += [
    ("GaussianSensing.m", lambda v: op.GaussianSensing(v, (N, N)), "m", "count"),
    ("GaussianSensing.shape", lambda v: op.GaussianSensing(8, v), "shape", "shape"),
    ("GaussianSensing.seed", lambda v: op.GaussianSensing(8, (N, N), seed=v), "seed", "seed"),
    ("Generator.latent_dim", lambda v: Generator(latent_dim=v), "latent_dim", "count"),
    ("Generator.width", lambda v: Generator(width=v), "width", "count"),
    ("Generator(z)", lambda v: Generator(4, 4)(v), "z", "tensor"),
    ("Discriminator.width", lambda v: Discriminator(width=v), "width", "count"),
    ("Discriminator(x)", lambda v: Discriminator(4)(v), "x", "image"),
    ("value_function.d_real_logits", lambda v: losses.value_function(v, _LOGITS), "d_real_logits", "tensor"),
    ("discriminator_loss.d_real_logits", lambda v: losses.discriminator_loss(v, _LOGITS), "d_real_logits", "tensor"),
    ("discriminator_loss.d_fake_logits", lambda v: losses.discriminator_loss(_LOGITS, v), "d_fake_logits", "tensor"),
    ("generator_loss.d_fake_logits", lambda v: losses.generator_loss(v), "d_fake_logits", "tensor"),
    ("generator_loss.saturating", lambda v: losses.generator_loss(_LOGITS, saturating=v), "saturating", "bool"),
    ("fit_gan.generator", lambda v: _fit_gan(generator=v), "generator", st.sampled_from([None, "G", _ok_fn, 3])),
    ("fit_gan.discriminator", lambda v: _fit_gan(discriminator=v), "discriminator", st.sampled_from([None, "D", _ok_fn])),
    ("fit_gan.images", lambda v: _fit_gan(images=v), "images", "image"),
    ("fit_gan.n_steps", lambda v: _fit_gan(n_steps=v), "n_steps", "count"),
    ("fit_gan.lr", lambda v: _fit_gan(lr=v), "lr", "positive"),
    ("fit_gan.batch", lambda v: _fit_gan(batch=v), "batch", "count"),
    ("fit_gan.seed", lambda v: _fit_gan(seed=v), "seed", "seed"),
    ("fit_gan.callback", lambda v: _fit_gan(callback=v), "callback", "callback"),
    ("fit_gan.snapshot_every", lambda v: _fit_gan(snapshot_every=v), "snapshot_every", "count?"),
    ("fit_gan.progress", lambda v: _fit_gan(progress=v), "progress", "bool"),
    ("fit_gan.n_samples", lambda v: _fit_gan(n_samples=v), "n_samples", "count"),
    ("fit_gan.saturating", lambda v: _fit_gan(saturating=v), "saturating", "bool"),
    ("fit_gan.bf16", lambda v: _fit_gan(bf16=v), "bf16", "bool"),
    ("csgm.A", lambda v: _csgm(A=v), "A", st.sampled_from([np.eye(N), torch.eye(N), "A", None])),
    ("csgm.y", lambda v: _csgm(y=v), "y", "image"),
    ("csgm.generator", lambda v: _csgm(generator=v), "generator", st.sampled_from([None, "G", 3, _ok_fn])),
    ("csgm.n_iter", lambda v: _csgm(n_iter=v), "n_iter", "count"),
    ("csgm.restarts", lambda v: _csgm(restarts=v), "restarts", "count"),
    ("csgm.candidates", lambda v: _csgm(candidates=v), "candidates", "count"),
    ("csgm.lr", lambda v: _csgm(lr=v), "lr", "positive"),
    ("csgm.lam_z", lambda v: _csgm(lam_z=v), "lam_z", "nonneg"),
    ("csgm.seed", lambda v: _csgm(seed=v), "seed", "seed"),
    ("csgm.x_true", lambda v: _csgm(x_true=v), "x_true", "image?"),
    ("csgm.keep_every", lambda v: _csgm(keep_every=v), "keep_every", "count?"),
    ("csgm.callback", lambda v: _csgm(callback=v), "callback", "callback"),
    ("UnrolledGD.n_blocks", lambda v: UnrolledGD(n_blocks=v), "n_blocks",
     KINDS["count"] | st.integers(min_value=11, max_value=1000)),
    ("UnrolledGD.width", lambda v: UnrolledGD(width=v), "width", "count"),
    ("UnrolledGD.depth", lambda v: UnrolledGD(depth=v), "depth", "count"),
    ("UnrolledGD.step_init", lambda v: UnrolledGD(step_init=v), "step_init", "positive"),
    ("UnrolledGD(y, A).y", lambda v: _UNROLLED(v, _A_ID), "y", "image"),
    ("UnrolledGD(y, A).A", lambda v: _UNROLLED(X, v), "A", st.sampled_from([np.eye(N), torch.eye(N), "A", None])),
    ("UnrolledGD(y, A).n_blocks", lambda v: _UNROLLED(X, _A_ID, n_blocks=v), "n_blocks", _BAD_BLOCKS),
    ("UnrolledGD(y, A).step_scale", lambda v: _UNROLLED(X, _A_ID, step_scale=v), "step_scale", "nonneg"),
    ("UNetReconstructor.width", lambda v: UNetReconstructor(width=v), "width", "count"),
    ("UNetReconstructor.depth", lambda v: UNetReconstructor(depth=v), "depth", "count"),
    ("UNetReconstructor.input", lambda v: UNetReconstructor(input=v), "input", "name"),
    ("UNetReconstructor(y, A).y", lambda v: _UNET_REC(v, _A_ID), "y", "image"),
    ("UNetReconstructor(y, A).A", lambda v: _UNET_REC(X, v), "A", st.sampled_from([np.eye(N), "A", None])),
]


# ------------------------------------------------------------------ the learned half (issue 17)
from invlab import pretrained, present, recipes, train as T, viz  # noqa: E402
from invlab import widgets as Wd  # noqa: E402
from invlab.coursework import checks as CK, grader as GR, student as ST  # noqa: E402
from invlab.nets import DnCNN, UNet, UNetDenoiser  # noqa: E402
from invlab.nets.dncnn import noise_level_map  # noqa: E402
from invlab.widgets import base as WB, lecture2 as WL2, lecture2_gan as WG, lecture2_methods as WM  # noqa: E402

_DEN = DnCNN(width=4, depth=3)
_MODEL = torch.nn.Linear(2, 1)
_LOSS = lambda m, b: (m(b) ** 2).mean()  # noqa: E731
_B = torch.ones(3, 2)
_IMG4 = torch.rand(1, 1, N, N)
_NOT_TENSOR = st.sampled_from([np.zeros((N, N)), "x", None, 0.5, [[0.0] * N] * N])
# what a network's input gate refuses: not a tensor, not floating point, not finite, empty
_NET_INPUT = st.sampled_from([np.zeros((1, 1, N, N)), "x", None, _IMG4 * NAN, _IMG4 * INF,
                              (_IMG4 * 255).to(torch.uint8), _IMG4.to(torch.complex64), _IMG4.long(),
                              torch.zeros(0, 1, N, N)])
_Z_INPUT = st.sampled_from([np.zeros((2, 4)), None, torch.full((2, 4), NAN), torch.ones(2, 4, dtype=torch.int64),
                            torch.ones(2, 4, dtype=torch.bool), torch.zeros(2, 4, dtype=torch.complex64)])
_GAN_IMAGES = st.sampled_from([torch.rand(8, 32, 32), torch.rand(8, 28, 28) * 255, -torch.rand(8, 28, 28),
                               torch.rand(8, 28, 28) * NAN, torch.zeros(0, 28, 28), "images", None])
_A_MRI = op.MRI(op.cartesian_mask((N, N), 2))
_NB = nbformat_nb = __import__("nbformat").v4.new_notebook()
_BAD_NB = st.sampled_from([42, None, 2.5, ["cells"], {"cells": 3}])
_BAD_DIR = st.sampled_from(["/nonexistent/invlab-folder", 42, None])


def _pnp(**kw):
    args = dict(A=A_BLUR, y=Y, denoiser=_DEN, n_iter=2)
    args.update(kw)
    return S.pnp(**args)


def _fit(**kw):
    args = dict(model=_MODEL, loss_fn=_LOSS, train_batches=[_B], n_steps=2, progress=False)
    args.update(kw)
    return T.fit(**args)


CASES += [
    # networks: the one input gate, and sizes that would exhaust memory
    ("DnCNN(x)", lambda v: _DEN(v, 0.1), "x", _NET_INPUT),
    ("DnCNN.width", lambda v: DnCNN(width=v), "width", KINDS["count"] | st.sampled_from([10**5, 10**7])),
    ("DnCNN.depth", lambda v: DnCNN(depth=v), "depth", KINDS["count"] | st.sampled_from([10**5])),
    ("UNet(x)", lambda v: UNet(1, 1, 4, 2)(v), "x", _NET_INPUT),
    ("UNet.depth", lambda v: UNet(depth=v), "depth", KINDS["count"] | st.sampled_from([20, 40, 10**3])),
    ("UNet.width", lambda v: UNet(width=v), "width", KINDS["count"] | st.sampled_from([10**5])),
    ("UNetDenoiser(x)", lambda v: UNetDenoiser(1, 4, 2)(v, 0.1), "x", _NET_INPUT),
    ("UNetDenoiser.width", lambda v: UNetDenoiser(width=v), "width", KINDS["count"] | st.sampled_from([10**5])),
    ("noise_level_map.sigma", lambda v: noise_level_map(_IMG4, v), "sigma", "nonneg"),
    ("Generator(z).dtype", lambda v: Generator(4, 4).eval()(v), "z", _Z_INPUT),
    ("Discriminator(x).gate", lambda v: Discriminator(4)(v), "x",
     st.sampled_from([torch.full((2, 1, 28, 28), NAN), torch.zeros(2, 1, 28, 28, dtype=torch.uint8), None])),
    ("UnrolledGD(y, A).complex", lambda v: _UNROLLED(X.to(torch.complex64), v), "A", st.sampled_from([_A_MRI])),
    # pnp: every parameter, whichever method uses it; real operators only
    ("pnp.A", lambda v: _pnp(A=v), "A", st.sampled_from([np.eye(N), "A", None, _A_MRI])),
    ("pnp.y", lambda v: _pnp(y=v), "y", "image"),
    ("pnp.denoiser", lambda v: _pnp(denoiser=v), "denoiser",
     st.sampled_from([None, "D", 3, lambda x, s: x.reshape(-1), lambda x, s: x[..., :-1], lambda x, s: 1.0])),
    ("pnp.sigma", lambda v: _pnp(sigma=v), "sigma", "nonneg"),
    ("pnp.n_iter", lambda v: _pnp(n_iter=v), "n_iter", "count"),
    ("pnp.step", lambda v: _pnp(step=v), "step", "positive?"),
    ("pnp.method", lambda v: _pnp(method=v), "method", "name"),
    ("pnp.weight", lambda v: _pnp(weight=v), "weight", "positive"),
    ("pnp.sigma_start", lambda v: _pnp(sigma_start=v), "sigma_start", "nonneg"),
    ("pnp.noise", lambda v: _pnp(noise=v), "noise", "nonneg?"),
    ("pnp.callback", lambda v: _pnp(callback=v), "callback", "callback"),
    ("csgm.candidates_memory", lambda v: _csgm(candidates=v), "candidates", st.sampled_from([10**6, 10**9])),
    ("GaussianSensing.m_memory", lambda v: op.GaussianSensing(v, (64, 64)), "m", st.sampled_from([10**5, 10**7])),
    # training
    ("fit.model", lambda v: _fit(model=v), "model", st.sampled_from([None, "net", _ok_fn])),
    ("fit.loss_fn", lambda v: _fit(loss_fn=v), "loss_fn",
     st.sampled_from([None, 3, lambda m, b: 1.0, lambda m, b: m(b), lambda m, b: m(b).detach().mean()])),
    ("fit.train_batches", lambda v: _fit(train_batches=v), "train_batches",
     st.sampled_from([[], (), 3, None, (b for b in [_B])])),
    ("fit.n_steps", lambda v: _fit(n_steps=v), "n_steps", "count"),
    ("fit.lr", lambda v: _fit(lr=v), "lr", "positive"),
    ("fit.seed", lambda v: _fit(seed=v), "seed", KINDS["seed"] | st.sampled_from([2**70, -1])),
    ("fit.keep_best", lambda v: _fit(keep_best=v), "keep_best", "bool"),
    ("fit.progress", lambda v: _fit(progress=v), "progress", "bool"),
    ("fit.callback", lambda v: _fit(callback=v), "callback", "callback"),
    ("fit.schedule", lambda v: _fit(schedule=v), "schedule", "name"),
    ("fit.val_batches", lambda v: _fit(val_batches=v), "val_batches", st.sampled_from([[], 3])),
    ("evaluate.batches", lambda v: T.evaluate(_MODEL, _LOSS, v), "batches", st.sampled_from([[], None, 3])),
    ("cosine_lr.step", lambda v: T.cosine_lr(v, 10, 0.1), "step", st.sampled_from([-1, 2.5, NAN, "1", None, 11])),
    ("cosine_lr.lr", lambda v: T.cosine_lr(1, 10, v), "lr", "positive"),
    ("fit_gan.images_range", lambda v: _fit_gan(images=v), "images", _GAN_IMAGES),
    ("generator_loss.dtype", lambda v: losses.generator_loss(v), "d_fake_logits",
     st.sampled_from([torch.zeros(4, dtype=torch.int64), torch.zeros(4, dtype=torch.bool)])),
    # pretrained: names, devices
    ("pretrained.load.name", lambda v: pretrained.load(v), "name", "name"),
    ("pretrained.load.device", lambda v: pretrained.load("denoiser", device=v), "device",
     st.sampled_from(["gpu9", "cuda:0", 3.5, "", "tpu"])),
    ("pretrained.info.name", lambda v: pretrained.info(v), "name", "name"),
    ("pretrained.training_record.name", lambda v: pretrained.training_record(v), "name", "name"),
    ("pretrained.verify.names", lambda v: pretrained.verify(v, evaluate=False), "names",
     st.sampled_from([3, ["denoiser", 3], "nope", ["nope"]])),
    ("pretrained.train.name", lambda v: pretrained.train(v), "name", "name"),
    # data and recipes
    ("data.patches.images", lambda v: data.patches(v, 8, 4), "images",
     st.sampled_from([torch.zeros(0, N, N), [], None, "x", torch.zeros(N), _img(NAN)])),
    ("data.patches.n", lambda v: data.patches(X, 8, v), "n", st.sampled_from([-1, 2.5, NAN, "3", None, True])),
    ("data.patches.size", lambda v: data.patches(X, v, 4), "size", KINDS["count"] | st.sampled_from([N + 1])),
    ("data.fashion_mnist.classes", lambda v: data.fashion_mnist("test", classes=v), "classes",
     st.sampled_from([2.0, [], (), "Shoe", 10, -1, [1, "nope"], True])),
    ("data.fashion_mnist.split", lambda v: data.fashion_mnist(v), "split", "name"),
    ("data.test_images.size", lambda v: data.test_images(v), "size", "count"),
    ("recipes.noisy_test_images.sigma", lambda v: recipes.noisy_test_images(v, 16), "sigma", "nonneg"),
    ("recipes.deblurring_test_set.noise", lambda v: recipes.deblurring_test_set(v, 16), "noise", "nonneg"),
    ("recipes.cs_measurements.noise_level", lambda v: recipes.cs_measurements(8, X, 0, noise_level=v),
     "noise_level", "nonneg"),
    ("recipes.gan_test_images.n_per_class", lambda v: recipes.gan_test_images(v), "n_per_class", "count"),
    ("recipes.generator_scores.generator", lambda v: recipes.generator_scores(v, 1), "generator",
     st.sampled_from([None, "G", 3])),
    ("recipes.denoiser_scores.denoiser", lambda v: recipes.denoiser_scores(v, 16), "denoiser",
     st.sampled_from([None, "D", 3])),
    ("recipes.reconstructor_scores.net", lambda v: recipes.reconstructor_scores(v, size=16), "net",
     st.sampled_from([None, "net", 3])),
    ("recipes.deblurring_batches.images", lambda v: recipes.deblurring_batches(v), "images",
     st.sampled_from([None, "x", torch.zeros(0, N, N)])),
    # panels (bad values fail before anything is computed)
    ("DenoiserPanel.sigma", lambda v: WL2.DenoiserPanel(_DEN, size=16, sigma=v), "sigma",
     KINDS["positive"] | st.sampled_from([0.5, 1.0, 0.001])),
    ("DenoiserPanel.denoiser", lambda v: WL2.DenoiserPanel(v, size=16), "denoiser", st.sampled_from([None, 3])),
    ("DenoiserPanel.size", lambda v: WL2.DenoiserPanel(_DEN, size=v), "size", KINDS["count"] | st.sampled_from([10**6])),
    ("PnPPanel.denoiser", lambda v: WL2.PnPPanel(v, size=16), "denoiser", st.sampled_from([None, 3])),
    ("PnPTasksPanel.denoiser", lambda v: WL2.PnPTasksPanel(v, size=16), "denoiser", st.sampled_from([None, 3])),
    ("GANTrainingPanel.record", lambda v: WG.GANTrainingPanel(v), "record", st.sampled_from([None, 3, {}, "r"])),
    ("CSGMPanel.generator", lambda v: WG.CSGMPanel(v, torch.rand(2, 28, 28)), "generator",
     st.sampled_from([None, "G", 3])),
    ("CSGMPanel.images", lambda v: WG.CSGMPanel(_GEN, v), "images",
     st.sampled_from([None, torch.zeros(0, 28, 28), torch.rand(28, 28), "x"])),
    ("CSGMPanel.m_values", lambda v: WG.CSGMPanel(_GEN, torch.rand(2, N, N), m_values=v), "m_values",
     st.sampled_from([(0,), (0, 25), (), (25, 2.5), "25", None, (25, 10**9)])),
    ("CSGMPanel.baseline", lambda v: WG.CSGMPanel(_GEN, torch.rand(2, N, N), baseline=v), "baseline", "name"),
    ("CSGMPanel.labels", lambda v: WG.CSGMPanel(_GEN, torch.rand(2, N, N), labels=v), "labels",
     st.sampled_from(["ab", ["a"], ["a", 3], 3, ["a", "b", "c"]])),
    ("CSGMPanel.restarts", lambda v: WG.CSGMPanel(_GEN, torch.rand(2, N, N), restarts=v), "restarts",
     st.sampled_from([(0,), (), (1, -3), None])),
    ("MethodComparisonPanel.result", lambda v: WM.MethodComparisonPanel(v, X[None], Y[None]), "result",
     st.sampled_from([{}, None, 3, {"names": [], "x": {}, "psnr": {}}])),
    ("NoiseRobustnessPanel.methods", lambda v: WM.NoiseRobustnessPanel(v, size=16), "methods",
     st.sampled_from([{}, None, 3])),
    ("UnrolledPanel.net", lambda v: WM.UnrolledPanel(v, size=16), "net", st.sampled_from([None, 3, _DEN])),
    ("compare_methods.methods", lambda v: WM.compare_methods(v, A_BLUR, X[None], Y[None]), "methods",
     st.sampled_from([{}, None, 3])),
    ("deblurring_methods.unet", lambda v: WM.deblurring_methods(v, _UNROLLED, _DEN), "unet",
     st.sampled_from([None, 3, "unet"])),
    ("cs_sweep.m_values", lambda v: WG.cs_sweep(_GEN, torch.rand(1, N, N), v, restarts=1, n_iter=1, candidates=1),
     "m_values", st.sampled_from([(0,), (), None, (2.5,)])),
    ("crossover_plot.sweep", lambda v: WG.crossover_plot(v), "sweep", st.sampled_from([{}, None, 3])),
    ("sample_grid.samples", lambda v: WG.sample_grid(v), "samples", "tensor"),
    ("sample_grid.ncols", lambda v: WG.sample_grid(torch.rand(4, 1, 8, 8), ncols=v), "ncols", "count"),
    ("centre_crop.size", lambda v: WL2.centre_crop(X, v), "size", KINDS["count"] | st.sampled_from([N + 1])),
    ("centre_crop.x", lambda v: WL2.centre_crop(v, 4), "x", "tensor"),
    ("tv_baseline.lams", lambda v: WL2.tv_baseline(A_BLUR, Y, X, lams=v), "lams",
     st.sampled_from([[], [NAN], [-1.0], None, "ab"])),
    ("LeastSquaresPanel.size", lambda v: Wd.LeastSquaresPanel(size=v), "size", KINDS["count"] | st.sampled_from([10**6])),
    ("DeblurProblem.size", lambda v: Wd.lecture1.DeblurProblem(size=v), "size", KINDS["count"] | st.sampled_from([10**6])),
    ("SVDPanel.n", lambda v: Wd.SVDPanel(n=v), "n", KINDS["count"] | st.sampled_from([65, 10**4])),
    ("TikhonovPanel.size", lambda v: Wd.TikhonovPanel(size=v), "size", KINDS["count"] | st.sampled_from([10**6])),
    ("RegulariserPanel.size", lambda v: Wd.RegulariserPanel(size=v), "size", KINDS["count"] | st.sampled_from([10**6])),
    ("LCurvePanel.size", lambda v: Wd.LCurvePanel(size=v), "size", KINDS["count"] | st.sampled_from([10**6])),
    ("GradientDescentPanel.size", lambda v: Wd.GradientDescentPanel(size=v), "size",
     KINDS["count"] | st.sampled_from([10**6])),
    ("ForwardGallery.size", lambda v: Wd.ForwardGallery(size=v), "size", KINDS["count"] | st.sampled_from([10**6])),
    ("TrainingPanel.model", lambda v: Wd.TrainingPanel(v, _LOSS, [_B]), "model", st.sampled_from([None, 3, _ok_fn])),
    ("ImageRow.width", lambda v: WB.ImageRow(["a"], width=v), "width", KINDS["count"] | st.sampled_from([10**6])),
    ("ImageRow.titles", lambda v: WB.ImageRow(v), "titles", st.sampled_from([None, 3, []])),
    ("IterationScrubber.history", lambda v: WB.IterationScrubber(v), "history", st.sampled_from([None, 3, {}])),
    ("PlotImage.dpi", lambda v: WB.PlotImage(dpi=v), "dpi", "count"),
    ("AxesView.width", lambda v: WB.AxesView(v, "x", "y", (0, 1, 0, 1)), "width", "count"),
    ("log_slider.min_exp", lambda v: WB.log_slider("λ", 0.1, v, 1), "min_exp", "finite"),
    ("label_log_axis.lo", lambda v: WB.label_log_axis(__import__("matplotlib.pyplot").pyplot.figure().gca().xaxis, v, 1.0),
     "lo", "positive"),
    ("psnr_note.x_true", lambda v: WB.psnr_note(X, v), "x_true", "image"),
    ("LatestWins.compute", lambda v: WB.LatestWins(v, print), "compute", "callback"),
    ("LatestWins.prefetch_on_show", lambda v: WB.LatestWins(print, print, prefetch_on_show=v), "prefetch_on_show",
     st.sampled_from(["yes", 1, 0.0, np.array([True])])),  # None: the default (on in a kernel)
    # app view, coursework, grading
    ("app_notebook.nb", lambda v: present.app_notebook(v), "nb", _BAD_NB),
    ("cell_roles.nb", lambda v: present.cell_roles(v), "nb", _BAD_NB),
    ("build_app.lecture", lambda v: present.build_app(v), "lecture", st.sampled_from([42, None, "99"])),
    ("build_all.folder", lambda v: present.build_all(folder=v), "folder", _BAD_DIR.filter(lambda v: v is not None)),
    ("resolve_lecture.lecture", lambda v: present.resolve_lecture(v), "lecture", st.sampled_from([42, None, "99", ""])),
    ("voila_command.port", lambda v: present.voila_command("x", port=v), "port",
     st.sampled_from([-1, 0, 8866.5, 70000, "8866", None, True])),
    ("voila_command.open_browser", lambda v: present.voila_command("x", open_browser=v), "open_browser", "bool"),
    ("voila_env.base", lambda v: present.voila_env(v), "base", st.sampled_from([3, "env", [1]])),
    ("install_template.prefix", lambda v: present.install_template(v), "prefix", st.sampled_from([3, 2.5])),
    ("make_student_notebook.nb", lambda v: ST.make_student_notebook(v), "nb", _BAD_NB),
    ("solution_functions.nb", lambda v: ST.solution_functions(v), "nb", _BAD_NB),
    ("write_student_versions.source", lambda v: ST.write_student_versions(v, "/tmp/invlab-student-out"), "source",
     _BAD_DIR),
    ("lecture_exercises.lectures_dir", lambda v: ST.lecture_exercises(v), "lectures_dir", _BAD_DIR),
    ("grade.submissions", lambda v: GR.grade(v), "submissions", _BAD_DIR),
    ("grade.timeout", lambda v: GR.grade("/tmp", timeout=v), "timeout", "positive"),
    ("find_submissions.submissions", lambda v: GR.find_submissions(v, {}), "submissions", _BAD_DIR),
    ("format_table.rows", lambda v: GR.format_table(v), "rows", st.sampled_from([None, 3, [1, 2]])),
    ("write_csv.rows", lambda v: GR.write_csv(v, "/tmp/invlab-grades.csv"), "rows", st.sampled_from([None, 3, [1]])),
    ("check_psnr_db.fn", lambda v: coursework.check_psnr_db(v), "fn", "callback"),
    ("check_adjoint_mismatch.fn", lambda v: coursework.check_adjoint_mismatch(v), "fn", "callback"),
    ("check_pnp_step.fn", lambda v: coursework.check_pnp_step(v), "fn", "callback"),
    ("check_csgm_loss.fn", lambda v: coursework.check_csgm_loss(v), "fn", "callback"),
    ("StandInGenerator.latent_dim", lambda v: CK.StandInGenerator(v), "latent_dim", "count"),
    # the rest of the classical half
    ("check_tensor.x", lambda v: op.check_tensor(v, "x"), "x", "tensor"),
    ("kernel_spectrum.kernel", lambda v: op.blur.kernel_spectrum(v, (N, N)), "kernel", "tensor"),
    ("detail_mask.levels", lambda v: op.wavelet.detail_mask((N, N), v), "levels", "count"),
    ("divergence.p", lambda v: op.gradient.divergence(v, True), "p", "tensor"),
    ("gradient_into.u", lambda v: op.gradient.gradient_into(v, torch.zeros(2, N, N), True), "u", "tensor"),
    ("fft2c.x", lambda v: op.fft2c(v), "x", "tensor"),
    ("ifft2c.k", lambda v: op.ifft2c(v), "k", "tensor"),
    ("group_soft_threshold.t", lambda v: R.group_soft_threshold(torch.zeros(2, N, N), v), "t", "nonneg"),
    ("noise.poisson.y", lambda v: noise.poisson(v, 10.0), "y", "tensor"),
    ("data.train_images.size_again", lambda v: data.train_images(v), "size", "count"),
    ("stream_seed.seed", lambda v: tasks.stream_seed(v, 1), "seed", "seed"),
    ("analysis.condition_number.A", lambda v: analysis.condition_number(v), "A", st.sampled_from([np.eye(3), "A", None])),
    ("analysis.svd.A", lambda v: analysis.svd(v), "A", st.sampled_from([np.eye(3), "A", None])),
    ("analysis.picard.y", lambda v: analysis.picard(op.Matrix(torch.eye(N, dtype=torch.float64)), v), "y", "tensor"),
    ("analysis.tsvd_solve.k", lambda v: analysis.tsvd_solve(op.Matrix(torch.eye(4, dtype=torch.float64)),
                                                            torch.ones(4, dtype=torch.float64), v), "k",
     st.sampled_from([-1, 5, 1.5, "1", None, True])),
    ("analysis.best_lambda.lo", lambda v: analysis.best_lambda(lambda lam: X, X, v, 1.0), "lo", "positive"),
    ("analysis.best_lambda_per_image.lams", lambda v: analysis.best_lambda_per_image(lambda lam: X[None], X[None], v),
     "lams", st.sampled_from([[], [NAN], [-1.0], None])),
    ("analysis.tv_denoise_best.sigma", lambda v: analysis.tv_denoise_best(X, X, v), "sigma", "positive"),
    ("analysis.sparse_cs_baseline.prior", lambda v: analysis.sparse_cs_baseline(A_BLUR, Y, X, prior=v), "prior", "name"),
    ("viz.show.images", lambda v: viz.show(v), "images", st.sampled_from([None, 3, [], "x"])),
    ("viz.to_numpy.img", lambda v: viz.to_numpy(v), "img", st.sampled_from([None, "x", 3])),
    ("viz.to_png.img", lambda v: viz.to_png(v), "img", st.sampled_from([None, "x", 3, torch.zeros(2, 2, 2, 2)])),
]

# ------------------------------------------------------------------ lecture 3b: the deep image prior
from invlab.nets import DIPNet  # noqa: E402
from invlab.pretrained import runs as RU  # noqa: E402
from invlab.coursework import lecture3b as CK3B  # noqa: E402
from invlab.widgets import lecture3b as W3B  # noqa: E402

_DIP_TINY = dict(width=4, depth=2, skip=2, in_channels=4)
_A_MASK = op.Mask.random((N, N), 0.5, seed=0)


def _dip(**kw):
    args = dict(A=_A_MASK, y=_A_MASK(X), n_iter=2, net=DIPNet((N, N), **_DIP_TINY))
    args.update(kw)
    return S.dip(**args)


_STORED = {"x_true": X.half(), "y": X.half(), "x": RU.to_uint8(X), "psnr": [10.0, 11.0], "objective": [1.0, 0.5],
           "iterates": RU.to_uint8(X)[None], "x_iter": [2], "n_iter": 2, "x_best": RU.to_uint8(X), "best_iter": 2}

CASES += [
    ("DIPNet.shape", lambda v: DIPNet(v, **_DIP_TINY), "shape", "shape"),
    ("DIPNet.shape_memory", lambda v: DIPNet((v, v), **_DIP_TINY), "shape", st.sampled_from([10**5, 10**7])),
    ("DIPNet.width", lambda v: DIPNet((N, N), width=v), "width", KINDS["count"] | st.sampled_from([10**5])),
    ("DIPNet.depth", lambda v: DIPNet((N, N), depth=v), "depth", KINDS["count"] | st.sampled_from([9, 40])),
    ("DIPNet.skip", lambda v: DIPNet((N, N), skip=v), "skip", st.sampled_from([-1, 2.5, "4", None, True])),
    ("DIPNet.in_channels", lambda v: DIPNet((N, N), in_channels=v), "in_channels", "count"),
    ("DIPNet.seed", lambda v: DIPNet((N, N), seed=v, **_DIP_TINY), "seed", "seed"),
    ("DIPNet(z)", lambda v: DIPNet((N, N), **_DIP_TINY)(v), "z",
     (_NET_INPUT | st.sampled_from([torch.zeros(1, 3, 16, 16)])).filter(lambda v: v is not None)),  # None: z0
    ("dip.A", lambda v: _dip(A=v), "A", st.sampled_from([np.eye(N), "A", None, _A_MRI])),
    ("dip.y", lambda v: _dip(y=v), "y", KINDS["image"] | st.sampled_from([torch.zeros(2, N, N)])),
    ("dip.n_iter", lambda v: _dip(n_iter=v), "n_iter", "count"),
    ("dip.net", lambda v: _dip(net=v), "net", st.sampled_from([3, "net", _DEN, DIPNet((8, 8), **_DIP_TINY)])),
    ("dip.seed", lambda v: _dip(seed=v), "seed", "seed"),
    ("dip.x_true", lambda v: _dip(x_true=v), "x_true", "image?"),
    ("dip.keep_every", lambda v: _dip(keep_every=v), "keep_every", "count?"),
    ("dip.callback", lambda v: _dip(callback=v), "callback", "callback"),
    ("dip.lr", lambda v: _dip(lr=v), "lr", "positive"),
    ("dip.noise_reg", lambda v: _dip(noise_reg=v), "noise_reg", "nonneg"),
    ("dip.progress", lambda v: _dip(progress=v), "progress", "bool"),
    ("Mask.block.shape", lambda v: op.Mask.block(v), "shape", "shape"),
    ("Mask.block.fraction", lambda v: op.Mask.block((N, N), v), "fraction",
     KINDS["nonneg"] | st.sampled_from([1.5, 2.0])),
    ("Mask.text.shape", lambda v: op.Mask.text(v), "shape", "shape"),
    ("Mask.text.text", lambda v: op.Mask.text((N, N), text=v), "text", st.sampled_from(["", "  ", 3, None, "x" * 300])),
    ("Mask.text.size", lambda v: op.Mask.text((N, N), size=v), "size", KINDS["positive"] | st.sampled_from([2.0])),
    ("Mask.text.lines", lambda v: op.Mask.text((N, N), lines=v), "lines", KINDS["count"] | st.sampled_from([10**4])),
    ("Downsample.interpolate.y", lambda v: op.Downsample((N, N), 2).interpolate(v), "y",
     st.sampled_from([np.zeros((8, 8)), torch.zeros(N, N), torch.full((8, 8), NAN), "y", None,
                      torch.zeros(8, 8, dtype=torch.complex64)])),
    ("Downsample.project.x", lambda v: op.Downsample((N, N), 2).project(v, torch.zeros(N // 2, N // 2)), "x",
     st.sampled_from([np.zeros((N, N)), torch.zeros(8, 8), torch.full((N, N), NAN), "x", None,
                      torch.zeros(N, N, dtype=torch.complex64)])),
    ("Downsample.project.y", lambda v: op.Downsample((N, N), 2).project(torch.zeros(N, N), v), "y",
     st.sampled_from([np.zeros((N // 2, N // 2)), torch.zeros(N, N), torch.full((N // 2, N // 2), NAN), "y", None,
                      torch.zeros(N // 2, N // 2, dtype=torch.complex64)])),
    ("Downsample.interpolate.mode", lambda v: op.Downsample((N, N), 2).interpolate(torch.zeros(8, 8), v), "mode",
     "name"),
    ("runs.stored_run.name", lambda v: RU.stored_run(v), "name", "name"),
    ("pretrained.stored_run.name", lambda v: pretrained.stored_run(v), "name", "name"),
    ("runs.make_run.name", lambda v: RU.make_run(v), "name", "name"),
    ("runs.to_uint8.x", lambda v: RU.to_uint8(v), "x", "tensor"),
    ("runs.from_uint8.x", lambda v: RU.from_uint8(v), "x", st.sampled_from([X, np.zeros(3, np.uint8), None, "x"])),
    ("runs.dip_problem.task", lambda v: RU.dip_problem(v), "task", "name"),
    ("runs.dip_problem.image", lambda v: RU.dip_problem("sr", image=v), "image", "name"),
    ("runs.dip_problem.size", lambda v: RU.dip_problem("sr", size=v), "size", "count"),
    ("runs.dip_problem.seed", lambda v: RU.dip_problem("sr", seed=v), "seed", "seed"),
    ("runs.log_schedule.n_iter", lambda v: RU.log_schedule(v), "n_iter", KINDS["count"] | st.sampled_from([10**9])),
    ("runs.log_schedule.per_decade", lambda v: RU.log_schedule(100, v), "per_decade", "count"),
    ("check_dip_step.fn", lambda v: coursework.check_dip_step(v), "fn", "callback"),
    ("check_early_stop.fn", lambda v: coursework.check_early_stop(v), "fn", "callback"),
    ("reference_early_stop.val_loss", lambda v: CK3B.reference_early_stop(v, 3), "val_loss",
     st.sampled_from([[], None, "abc", [1.0, NAN], [True], torch.zeros(2, 2), 3])),
    ("reference_early_stop.patience", lambda v: CK3B.reference_early_stop([1.0, 0.5], v), "patience", "count"),
    ("FittingPanel.run", lambda v: W3B.FittingPanel(v), "run", st.sampled_from([None, 3, {}, "r"])),
    ("FittingPanel.width", lambda v: W3B.FittingPanel({"fits": {}}, width=v), "width", "count"),
    ("DIPPanel.runs", lambda v: W3B.DIPPanel(v, {}), "runs", st.sampled_from([None, 3, {}, "r"])),
    ("DIPPanel.baselines", lambda v: W3B.DIPPanel({"a": _STORED}, v), "baselines",
     st.sampled_from([None, 3, {}, {"b": {}}])),
    ("DIPPanel.measurement", lambda v: W3B.DIPPanel({"a": _STORED}, {"a": {}}, measurement=v), "measurement",
     st.sampled_from([3, "y", [1]])),
    ("LiveDIP.A", lambda v: W3B.LiveDIP(v, X, X), "A", st.sampled_from([None, "A", np.eye(N)])),
    ("LiveDIP.y", lambda v: W3B.LiveDIP(_A_MASK, v, X), "y", "image"),
    ("LiveDIP.x_true", lambda v: W3B.LiveDIP(_A_MASK, X, v), "x_true", "image"),
    ("LiveDIP.n_iter", lambda v: W3B.LiveDIP(_A_MASK, X, X, n_iter=v), "n_iter", "count"),
    ("LiveDIP.every", lambda v: W3B.LiveDIP(_A_MASK, X, X, every=v), "every", "count"),
    ("baselines.task", lambda v: W3B.baselines(v, _A_MASK, X, X), "task", "name"),
    ("baselines.sigma", lambda v: W3B.baselines("denoising", op.Identity((N, N)), X, X, sigma=v), "sigma",
     KINDS["positive"].filter(lambda v: v is not None)),
    ("baselines.denoiser", lambda v: W3B.baselines("inpainting", _A_MASK, X, X, denoiser=v), "denoiser",
     st.sampled_from(["D", 3])),
]

from invlab.nets import sr as SR  # noqa: E402

_SR_TINY = {"post": dict(width=4, depth=1), "pre": dict(width=4, depth=1), "progressive": dict(width=4, depth=1),
            "iterative": dict(width=2, stages=1)}

CASES += [
    ("csgm_lam_z.m", lambda v: recipes.csgm_lam_z(v), "m", "count"),
    ("denoising_batches.images", lambda v: recipes.denoising_batches(v)(0), "images",
     st.sampled_from([None, "x", 3])),
    ("denoising_loss.model", lambda v: recipes.denoising_loss(v, (X[None, None], torch.zeros(1), X[None, None])),
     "model", st.sampled_from([None, "D", 3])),
    ("InterpUpsample.factor", lambda v: SR.InterpUpsample(v), "factor", KINDS["count"] | st.sampled_from([17, 10**6])),
    ("InterpUpsample.mode", lambda v: SR.InterpUpsample(2, v), "mode", "name"),
    ("InterpUpsample.align", lambda v: SR.InterpUpsample(2, "bilinear", v), "align", "name"),
    ("SubPixelConv.factor", lambda v: SR.SubPixelConv(4, 1, v), "factor", "count"),
    ("SubPixelConv.kernel_size", lambda v: SR.SubPixelConv(4, 1, 2, v), "kernel_size", "count"),
    ("icnr_.factor", lambda v: SR.icnr_(torch.zeros(9, 2, 3, 3), v), "factor",
     KINDS["count"] | st.sampled_from([2, 4])),
    ("checkerboard.method", lambda v: SR.checkerboard(v), "method", "name"),
    ("checkerboard.kernel_size", lambda v: SR.checkerboard(kernel_size=v), "kernel_size",
     KINDS["count"] | st.sampled_from([16, 100])),
    ("checkerboard.stride", lambda v: SR.checkerboard(stride=v), "stride", KINDS["count"] | st.sampled_from([9])),
    ("checkerboard.size", lambda v: SR.checkerboard(size=v), "size", KINDS["count"] | st.sampled_from([1, 10**4])),
    ("checkerboard.init", lambda v: SR.checkerboard(init=v), "init", "name"),
    ("checkerboard.seed", lambda v: SR.checkerboard(seed=v), "seed", "seed"),
]
for _kind, _cls in SR.SR_CLASSES.items():
    _tiny = _SR_TINY[_kind]
    _second = "stages" if _kind == "iterative" else "depth"
    CASES += [
        (f"{_cls.__name__}.factor", lambda v, c=_cls, t=_tiny: c(v, **t), "factor",
         KINDS["count"] | st.sampled_from([1, 9, 10**3] + ([3, 6] if _kind == "progressive" else []))),
        (f"{_cls.__name__}.width", lambda v, c=_cls: c(2, width=v), "width", KINDS["count"] | st.sampled_from([10**5])),
        (f"{_cls.__name__}.{_second}", lambda v, c=_cls, k=_second, t=_tiny: c(2, **{**t, k: v}), _second,
         st.sampled_from([-1, 2.5, "4", None, True, 10**6])),
        (f"{_cls.__name__}(y)", lambda v, c=_cls, t=_tiny: c(2, **t)(v), "x", _NET_INPUT | st.sampled_from([torch.zeros(1, 3, 8, 8)])),
        (f"{_cls.__name__}(factor)", lambda v, c=_cls, t=_tiny: c(2, **t)(torch.zeros(1, 1, 8, 8), factor=v), "factor",
         st.sampled_from([3, 4, 2.0, "2", True, 0])),
    ]
CASES += [
    ("sr_test_set.factor", lambda v: recipes.sr_test_set(v, 16), "factor", KINDS["count"] | st.sampled_from([17])),
    ("sr_test_set.size", lambda v: recipes.sr_test_set(2, v), "size", KINDS["count"] | st.sampled_from([4])),
    ("sr_scores.net", lambda v: recipes.sr_scores(v, 2, size=16), "net", st.sampled_from([None, "net", 3])),
    ("sr_scores.factor", lambda v: recipes.sr_scores(lambda y: y, v, size=16), "factor",
     st.sampled_from([None, 0, 2.5, "2"])),
    ("sr_scores.project", lambda v: recipes.sr_scores(lambda y: y, 2, size=16, project=v), "project", "bool"),
    ("sr_batches.factor", lambda v: recipes.sr_batches(v), "factor", "count"),
    ("sr_batches.patch", lambda v: recipes.sr_batches(2, v), "patch", KINDS["count"] | st.sampled_from([1, 33])),
    ("sr_loss.net", lambda v: recipes.sr_loss(v, (X[None, None, ::2, ::2], X[None, None])), "net",
     st.sampled_from([None, "net", 3])),
]

# lecture 4, CT: the learned gradient-descent network, FBP + U-Net, the CT recipes' data
from invlab.nets import LearnedGD  # noqa: E402

_A_CT = op.Radon(N, 6)
_Y_CT = _A_CT(X)
_LGD = LearnedGD(n_blocks=2, width=4, memory=1)
CASES += [
    ("LearnedGD.n_blocks", lambda v: LearnedGD(n_blocks=v), "n_blocks", _BAD_BLOCKS | st.sampled_from([0, 13])),
    ("LearnedGD.width", lambda v: LearnedGD(width=v), "width", "count"),
    ("LearnedGD.depth", lambda v: LearnedGD(depth=v), "depth", st.sampled_from([1, 0, 2.5, "3", None, True, 17])),
    ("LearnedGD.memory", lambda v: LearnedGD(memory=v), "memory", st.sampled_from([-1, 2.5, "3", None, True, 17])),
    ("LearnedGD.step_init", lambda v: LearnedGD(step_init=v), "step_init", "positive"),
    ("LearnedGD.start", lambda v: LearnedGD(start=v), "start", st.sampled_from(["FBP", "", None, 3])),
    ("LearnedGD.dual_width", lambda v: LearnedGD(dual_width=v), "dual_width", st.sampled_from([-1, 2.5, "3", None, True])),
    ("LearnedGD(y, A).y", lambda v: _LGD(v, _A_CT), "y", st.sampled_from([X, np.zeros((6, N)), "y", None,
                                                                          torch.full((6, N), NAN)])),
    ("LearnedGD(y, A).A", lambda v: _LGD(_Y_CT, v), "A", st.sampled_from([np.eye(N), "A", None, _A_MRI])),
    ("LearnedGD(y, A).n_blocks", lambda v: _LGD(_Y_CT, _A_CT, n_blocks=v), "n_blocks", _BAD_BLOCKS | st.sampled_from([3])),
    ("UNetReconstructor.input", lambda v: UNetReconstructor(4, 2, input=v), "input", st.sampled_from(["FBP", "", None, 3])),
    ("ct_angles.views", lambda v: recipes.ct_angles(v), "views", KINDS["count"] | st.sampled_from([2001])),
    ("ct_angles.angular_range", lambda v: recipes.ct_angles(10, v), "angular_range",
     KINDS["positive"] | st.sampled_from([180.5, 360.0])),
    ("ct_operator.size", lambda v: recipes.ct_operator(6, size=v), "size", KINDS["count"] | st.sampled_from([4])),
    ("ct_measure.noise", lambda v: recipes.ct_measure(_A_CT, X, v), "noise", "nonneg"),
    ("ct_measure.seed", lambda v: recipes.ct_measure(_A_CT, X, 0.01, seed=v), "seed", "seed"),
    ("ct_test_set.kind", lambda v: recipes.ct_test_set(v), "kind", st.sampled_from(["knee", "", None, 3])),
    ("ct_test_set.n", lambda v: recipes.ct_test_set("ellipses", n=v), "n", KINDS["count"] | st.sampled_from([1001])),
    ("ct_batches.batch", lambda v: recipes.ct_batches(v), "batch", "count"),
    ("ct_batches.seed", lambda v: recipes.ct_batches(2, seed=v), "seed", st.sampled_from([-1, 2.5, "0", None, True])),
    ("ct_scores.net", lambda v: recipes.ct_scores(v), "net", st.sampled_from([None, "net", 3])),
    ("ct_tv_best.lams", lambda v: recipes.ct_tv_best(_A_CT, _Y_CT[None], X[None], lams=v, n_iter=1), "lams",
     st.sampled_from([[], [0.0], [-1.0], [NAN], ["a"]])),
    ("ct_tv_best.n_iter", lambda v: recipes.ct_tv_best(_A_CT, _Y_CT[None], X[None], lams=[1.0], n_iter=v), "n_iter",
     "count"),
    ("ct_tv_best.y", lambda v: recipes.ct_tv_best(_A_CT, v, X[None], lams=[1.0], n_iter=1), "y",
     st.sampled_from([torch.zeros(2, 6, N)])),
]

# lecture 4a, CT: the exercises and the panels
from invlab.coursework import lecture4 as CK4  # noqa: E402
from invlab.widgets import lecture4_ct as W4  # noqa: E402

_CT_NETS = {"fbp": lambda y, A: A.fbp(y)}
_TV_FAKE = {"lams": [1.0], "sparse/ellipses": {}}
CASES += [
    ("check_ramp_filter.fn", lambda v: coursework.check_ramp_filter(v), "fn", "callback"),
    ("check_landweber_step.fn", lambda v: coursework.check_landweber_step(v), "fn", "callback"),
    ("reference_ramp_filter.y", lambda v: CK4.reference_ramp_filter(v), "y",
     st.sampled_from([None, "y", np.zeros((3, 4)), torch.zeros(3, 4, dtype=torch.complex64), torch.zeros(3, 4, dtype=torch.int64)])),
    ("reference_landweber_step.eta", lambda v: CK4.reference_landweber_step(X, _Y_CT, _A_CT, v, 1.0), "eta", "nonneg"),
    ("reference_landweber_step.L", lambda v: CK4.reference_landweber_step(X, _Y_CT, _A_CT, 1.0, v), "L", "positive"),
    ("phantom.name", lambda v: W4.phantom(v), "phantom", "name"),
    ("SinogramPanel.views", lambda v: W4.SinogramPanel(views=v), "views", KINDS["count"] | st.sampled_from([2, 181])),
    ("SinogramPanel.angular_range", lambda v: W4.SinogramPanel(angular_range=v), "angular_range",
     st.sampled_from([0, 20, 190, 90.5, "90", None])),
    ("SinogramPanel.filter", lambda v: W4.SinogramPanel(filter=v), "filter", "name"),
    ("SinogramPanel.noise", lambda v: W4.SinogramPanel(noise=v), "noise", KINDS["nonneg"] | st.sampled_from([0.2])),
    ("SinogramPanel.image", lambda v: W4.SinogramPanel(image=v), "image", "name"),
    ("SinogramPanel.width", lambda v: W4.SinogramPanel(width=v), "width", KINDS["count"] | st.sampled_from([10])),
    ("CTMethodsPanel.nets", lambda v: W4.CTMethodsPanel(v, _TV_FAKE), "nets", st.sampled_from([None, {}, {"a": 3}, {1: _CT_NETS["fbp"]}])),
    ("CTMethodsPanel.tv_run", lambda v: W4.CTMethodsPanel(_CT_NETS, v), "tv_run", st.sampled_from([None, {}, 3, {"lams": []}])),
    ("CTMethodsPanel.width", lambda v: W4.CTMethodsPanel(_CT_NETS, _TV_FAKE, width=v), "width",
     KINDS["count"] | st.sampled_from([10])),
    ("ViewsPanel.nets", lambda v: W4.ViewsPanel(v), "nets", st.sampled_from([None, {}, {"a": 3}])),
    ("ViewsPanel.width", lambda v: W4.ViewsPanel(_CT_NETS, width=v), "width", KINDS["count"] | st.sampled_from([10])),
    ("UnrolledPanel.net", lambda v: W4.UnrolledPanel(v), "net", st.sampled_from([None, 3, _CT_NETS["fbp"]])),
    ("UnrolledPanel.width", lambda v: W4.UnrolledPanel(_LGD, width=v), "width", KINDS["count"] | st.sampled_from([10])),
    ("reconstructions.scan", lambda v: W4.reconstructions(_CT_NETS, _TV_FAKE, scan=v), "scan", "name"),
    ("reconstructions.kind", lambda v: W4.reconstructions(_CT_NETS, _TV_FAKE, kind=v), "kind", "name"),
    ("reconstructions.tv_run", lambda v: W4.reconstructions(_CT_NETS, v), "tv_run", st.sampled_from([None, {}, 3])),
    ("ct_table.tv_run", lambda v: W4.ct_table(_CT_NETS, v), "tv_run", st.sampled_from([None, {}, 3])),
    ("ct_table.nets", lambda v: W4.ct_table(v, _TV_FAKE), "nets", st.sampled_from([None, {}, {"a": 3}])),
    ("table_html.res", lambda v: W4.table_html(v), "res", st.sampled_from([None, 3, {}, {"psnr": {}}])),
]

# lecture 4b, MR: the networks with complex data, data consistency, the subjects, thick slices, the recipes
from invlab.nets import Cascade, KSpaceNet, MRIUNet, ThickSliceSR, through_plane  # noqa: E402
from invlab.nets import mri as NM  # noqa: E402
from invlab.coursework import lecture4b as CK4B  # noqa: E402

_Y_MRI = _A_MRI(X)
_CAS = Cascade(2, 4, 2)
_MR_Y = st.sampled_from([X, np.zeros((N, N)), "y", None, torch.full((N, N), NAN, dtype=torch.complex64),
                         torch.zeros(N + 1, N, dtype=torch.complex64)])
_MR_A = st.sampled_from([np.eye(N), "A", None, op.Identity((N, N)), _A_CT])
CASES += [
    ("Cascade.n_blocks", lambda v: Cascade(n_blocks=v), "n_blocks", _BAD_BLOCKS | st.sampled_from([0, 16])),
    ("Cascade.width", lambda v: Cascade(width=v), "width", "count"),
    ("Cascade.depth", lambda v: Cascade(depth=v), "depth", st.sampled_from([1, 0, 2.5, "3", None, True, 17])),
    ("Cascade.nu", lambda v: Cascade(nu=v), "nu", st.sampled_from([-1.0, NAN, INF * -1, "learn", True, [1.0]])),
    ("Cascade.nu_init", lambda v: Cascade(nu_init=v), "nu_init", "positive"),
    ("Cascade(y, A).y", lambda v: _CAS(v, _A_MRI), "y", _MR_Y),
    ("Cascade(y, A).A", lambda v: _CAS(_Y_MRI, v), "A", _MR_A),
    ("Cascade(y, A).n_blocks", lambda v: _CAS(_Y_MRI, _A_MRI, n_blocks=v), "n_blocks", _BAD_BLOCKS | st.sampled_from([3])),
    ("MRIUNet.width", lambda v: MRIUNet(width=v), "width", "count"),
    ("MRIUNet.depth", lambda v: MRIUNet(depth=v), "depth", "count"),
    ("MRIUNet(y, A).y", lambda v: MRIUNet(4, 2)(v, _A_MRI), "y", _MR_Y),
    ("MRIUNet(y, A).A", lambda v: MRIUNet(4, 2)(_Y_MRI, v), "A", _MR_A),
    ("KSpaceNet.width", lambda v: KSpaceNet(width=v), "width", "count"),
    ("KSpaceNet.depth", lambda v: KSpaceNet(depth=v), "depth", "count"),
    ("KSpaceNet.eps", lambda v: KSpaceNet(4, 2, eps=v), "eps", "positive"),
    ("KSpaceNet(y, A).y", lambda v: KSpaceNet(4, 2)(v, _A_MRI), "y", _MR_Y),
    ("KSpaceNet(y, A).A", lambda v: KSpaceNet(4, 2)(_Y_MRI, v), "A", _MR_A),
    ("data_consistency.k", lambda v: NM.data_consistency(v, _Y_MRI, _A_MRI.mask), "k",
     st.sampled_from([X, None, "k", torch.zeros(N + 1, N, dtype=torch.complex64)])),
    ("data_consistency.y", lambda v: NM.data_consistency(_Y_MRI, v, _A_MRI.mask), "y", st.sampled_from([X, None, "y"])),
    ("data_consistency.mask", lambda v: NM.data_consistency(_Y_MRI, _Y_MRI, v), "mask",
     st.sampled_from([None, "m", np.ones((N, N)), torch.ones(N, N + 1)])),
    ("data_consistency.nu", lambda v: NM.data_consistency(_Y_MRI, _Y_MRI, _A_MRI.mask, v), "nu",
     st.sampled_from([-1.0, NAN, "1", True])),
    ("mr_slices.subject", lambda v: data.mr_slices(v), "subject", "name"),
    ("mr_slices.orientation", lambda v: data.mr_slices("mni152", v), "orientation", "name"),
    ("mr_slices.split", lambda v: data.mr_slices("mni152", "axial", v), "split", "name"),
    ("mr_slices.size", lambda v: data.mr_slices("mni152", size=v), "size", KINDS["count"] | st.sampled_from([4, 2000])),
    ("mr_slices.brain_only", lambda v: data.mr_slices("colin27", brain_only=v), "brain_only", "bool"),
    ("mr_slices.test", lambda v: data.mr_slices("mni152", v, "test"), "orientation", st.sampled_from(["coronal", "sagittal"])),
    ("mr_subject_volume.subject", lambda v: data.mr_subject_volume(v), "subject", "name"),
    ("mr_subject_volume.brain_only", lambda v: data.mr_subject_volume("colin27", v), "brain_only", "bool"),
    ("mr_test_slice.size", lambda v: data.mr_test_slice(v), "size", KINDS["count"] | st.sampled_from([4, 2000])),
    ("thick_slices.x", lambda v: data.thick_slices(v, 2), "x",
     st.sampled_from([np.zeros((N, N)), "x", None, torch.zeros(N, N, dtype=torch.int64),
                      torch.zeros(N, N, dtype=torch.complex64), torch.zeros(1, N)])),
    ("thick_slices.k", lambda v: data.thick_slices(X, v), "k", KINDS["count"] | st.sampled_from([17])),
    ("thick_slices.axis", lambda v: data.thick_slices(X, 2, v), "axis", st.sampled_from([2, -3, 1.5, "0", None, True])),
    ("mr_mask.acceleration", lambda v: recipes.mr_mask(v), "acceleration", st.sampled_from([0.5, NAN, "6", None, True, -1])),
    ("mr_mask.kind", lambda v: recipes.mr_mask(6, v), "kind", "name"),
    ("mr_phase.n", lambda v: recipes.mr_phase(v), "n", "count"),
    ("mr_phase.size", lambda v: recipes.mr_phase(1, v), "size", KINDS["count"] | st.sampled_from([3])),
    ("mr_phase.strength", lambda v: recipes.mr_phase(1, 8, strength=v), "strength", "nonneg"),
    ("mr_phase.seed", lambda v: recipes.mr_phase(1, 8, seed=v), "seed", "seed"),
    ("mr_measure.A", lambda v: recipes.mr_measure(v, X), "A", st.sampled_from([None, "A", _A_CT, op.Identity((N, N))])),
    ("mr_measure.x", lambda v: recipes.mr_measure(_A_MRI, v), "x", st.sampled_from([np.zeros((N, N)), None, torch.zeros(N + 1, N)])),
    ("mr_measure.noise", lambda v: recipes.mr_measure(_A_MRI, X, v), "noise", "nonneg"),
    ("mr_measure.seed", lambda v: recipes.mr_measure(_A_MRI, X, 0.01, seed=v), "seed", "seed"),
    ("mr_training_images.subjects", lambda v: recipes.mr_training_images(v), "subject",
     st.sampled_from(["nope", (), None, 3, ("mni152", "x")])),
    ("mr_training_images.orientations", lambda v: recipes.mr_training_images("mni152", orientations=v), "orientation",
     st.sampled_from(["nope", (), None, 3, ("axial", "x")])),
    ("mr_batches.orientations", lambda v: recipes.mr_batches(2, orientations=v), "orientation",
     st.sampled_from(["top", (), None, ("coronal", 1)])),
    ("mr_batches.batch", lambda v: recipes.mr_batches(v), "batch", "count"),
    ("mr_batches.acceleration", lambda v: recipes.mr_batches(2, v), "acceleration", st.sampled_from([0.5, NAN, "6", None])),
    ("mr_batches.seed", lambda v: recipes.mr_batches(2, seed=v), "seed", st.sampled_from([-1, 2.5, "0", None, True])),
    ("mr_batches.augment", lambda v: recipes.mr_batches(2, augment=v), "augment", "bool"),
    ("mr_batches.noise_range", lambda v: recipes.mr_batches(2, noise_range=v), "noise_range",
     st.sampled_from([(-1.0, 0.0), (0.1, 0.0), (NAN, 0.1), ("0", 0.1)])),
    ("mr_test_set.kind", lambda v: recipes.mr_test_set(v), "kind", "name"),
    ("mr_test_set.mask", lambda v: recipes.mr_test_set("person", 6, v), "mask", "name"),
    ("mr_test_set.noise", lambda v: recipes.mr_test_set("person", 6, "random", v), "noise", "nonneg"),
    ("mr_scores.net", lambda v: recipes.mr_scores(v), "net", st.sampled_from(["net", 3])),
    ("ThickSliceSR.width", lambda v: ThickSliceSR(width=v), "width", "count"),
    ("ThickSliceSR.depth", lambda v: ThickSliceSR(depth=v), "depth", st.sampled_from([1, 0, 2.5, "3", None, True, 33])),
    ("ThickSliceSR.grid", lambda v: ThickSliceSR(grid=v), "grid", "name"),
    ("ThickSliceSR(y, k).y", lambda v: ThickSliceSR(4, 2)(v, 4), "y",
     _NET_INPUT | st.sampled_from([torch.zeros(1, 2, 8, 8), torch.zeros(8)])),
    ("ThickSliceSR(y, k).k", lambda v: ThickSliceSR(4, 2)(torch.zeros(1, 1, 8, 8), v), "k",
     KINDS["count"] | st.sampled_from([1, 7, 17])),
    ("through_plane.y", lambda v: through_plane(v, 2), "y",
     st.sampled_from([np.zeros((N, N)), "y", None, torch.zeros(N), torch.zeros(N, N, dtype=torch.int64), _img(NAN)])),
    ("through_plane.k", lambda v: through_plane(X, v), "k", KINDS["count"] | st.sampled_from([17])),
    ("through_plane.mode", lambda v: through_plane(X, 2, v), "mode", "name"),
    ("thick_batches.batch", lambda v: recipes.thick_batches(v), "batch", "count"),
    ("thick_batches.seed", lambda v: recipes.thick_batches(2, v), "seed", st.sampled_from([-1, 2.5, "0", None, True])),
    ("thick_test_set.kind", lambda v: recipes.thick_test_set(v), "kind", "name"),
    ("thick_test_set.k", lambda v: recipes.thick_test_set("person", v), "k", KINDS["count"] | st.sampled_from([1, 7])),
    ("thick_scores.net", lambda v: recipes.thick_scores(v), "net", st.sampled_from([None, 3, "spline"])),
    ("mr_cs_best.kind", lambda v: recipes.mr_cs_best(_A_MRI.mask[None], _Y_MRI[None], X[None], v), "kind", "name"),
    ("mr_cs_best.lams", lambda v: recipes.mr_cs_best(_A_MRI.mask[None], _Y_MRI[None], X[None], lams=v, n_iter=1),
     "lams", st.sampled_from([[], [0.0], [-1.0], [NAN], ["a"]])),
    ("mr_cs_best.n_iter", lambda v: recipes.mr_cs_best(_A_MRI.mask[None], _Y_MRI[None], X[None], lams=[1e-3], n_iter=v),
     "n_iter", "count"),
    ("mr_cs_best.y", lambda v: recipes.mr_cs_best(_A_MRI.mask[None], v, X[None], lams=[1e-3], n_iter=1), "y",
     st.sampled_from([torch.zeros(2, N, N, dtype=torch.complex64)])),
    ("check_zero_filled.fn", lambda v: coursework.check_zero_filled(v), "fn", "callback"),
    ("check_data_consistency.fn", lambda v: coursework.check_data_consistency(v), "fn", "callback"),
    ("reference_zero_filled.y", lambda v: CK4B.reference_zero_filled(v, _A_MRI.mask), "y",
     st.sampled_from([None, "y", X, np.zeros((N, N))])),
    ("reference_zero_filled.mask", lambda v: CK4B.reference_zero_filled(_Y_MRI, v), "mask",
     st.sampled_from([None, "m", torch.ones(N, N + 1), np.ones((N, N))])),
    ("reference_data_consistency.nu", lambda v: CK4B.reference_data_consistency(_Y_MRI, _Y_MRI, _A_MRI.mask, v), "nu",
     "nonneg"),
]

# lecture 4b: the panels (fakes for the stored run and the networks: the checks come before any work)
from invlab.widgets import lecture4_mr as W4B  # noqa: E402

_MR_NETS = {6: {"zf": lambda y, A: A.adjoint(y)}}
_CS_FAKE = {"lams": [1.0], "6/person/tv": {}}
CASES += [
    ("mr_image.name", lambda v: W4B.mr_image(v), "image", "name"),
    ("KSpacePanel.acceleration", lambda v: W4B.KSpacePanel(acceleration=v), "acceleration",
     st.sampled_from([0.5, 17, NAN, "6", None])),
    ("KSpacePanel.kind", lambda v: W4B.KSpacePanel(kind=v), "kind", "name"),
    ("KSpacePanel.center_fraction", lambda v: W4B.KSpacePanel(center_fraction=v), "center_fraction",
     st.sampled_from([0.0, 0.5, NAN, "0.1", None])),
    ("KSpacePanel.image", lambda v: W4B.KSpacePanel(image=v), "image", "name"),
    ("KSpacePanel.width", lambda v: W4B.KSpacePanel(width=v), "width", KINDS["count"] | st.sampled_from([10])),
    ("MRMethodsPanel.nets", lambda v: W4B.MRMethodsPanel(v, _CS_FAKE), "nets",
     st.sampled_from([None, {}, {6: 3}, {5: {"a": lambda y, A: y}}, {6: {"a": 3}}])),
    ("MRMethodsPanel.cs_run", lambda v: W4B.MRMethodsPanel(_MR_NETS, v), "cs_run", st.sampled_from([None, {}, 3])),
    ("MRMethodsPanel.width", lambda v: W4B.MRMethodsPanel(_MR_NETS, _CS_FAKE, width=v), "width",
     KINDS["count"] | st.sampled_from([10])),
    ("mr_reconstructions.acceleration", lambda v: W4B.mr_reconstructions(_MR_NETS, _CS_FAKE, v), "acceleration",
     st.sampled_from([11, 5, "6", None])),
    ("mr_reconstructions.kind", lambda v: W4B.mr_reconstructions(_MR_NETS, _CS_FAKE, 6, v), "kind", "name"),
    ("mr_reconstructions.cs_run", lambda v: W4B.mr_reconstructions(_MR_NETS, v), "cs_run", st.sampled_from([None, {}, 3])),
    ("mr_table.nets", lambda v: W4B.mr_table(v, _CS_FAKE), "nets", st.sampled_from([None, {}, {6: {"a": 3}}])),
    ("mr_table_html.res", lambda v: W4B.mr_table_html(v), "res", st.sampled_from([None, 3, {}, {"psnr": {}}])),
    ("CascadePanel.net", lambda v: W4B.CascadePanel(v), "net", st.sampled_from([None, 3, _MR_NETS[6]["zf"]])),
    ("CascadePanel.acceleration", lambda v: W4B.CascadePanel(_CAS, v), "acceleration",
     st.sampled_from([0.5, 17, NAN, "6", None])),
    ("CascadePanel.width", lambda v: W4B.CascadePanel(_CAS, width=v), "width", KINDS["count"] | st.sampled_from([10])),
    ("ThickSlicePanel.net", lambda v: W4B.ThickSlicePanel(v), "net", st.sampled_from([None, 3, "net"])),
    ("ThickSlicePanel.k", lambda v: W4B.ThickSlicePanel(lambda y, k: y, k=v), "k", KINDS["count"] | st.sampled_from([1, 7])),
    ("ThickSlicePanel.width", lambda v: W4B.ThickSlicePanel(lambda y, k: y, width=v), "width",
     KINDS["count"] | st.sampled_from([10])),
]

from invlab.coursework import lecture3 as CK3  # noqa: E402
from invlab.widgets import lecture3 as W3, lecture3_losses as W3L  # noqa: E402

_SR4 = SR.SRPost(4, width=4, depth=0)
_SR2 = SR.SRPost(2, width=4, depth=0)
from invlab.nets import SelfEnsemble, forward_ms  # noqa: E402
_PAIR = (torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8))

CASES += [
    ("l1.x_hat", lambda v: losses.l1(v, X), "x_hat", KINDS["image"] | st.sampled_from([X.long()])),
    ("l2.x", lambda v: losses.l2(X, v), "x", "image"),
    ("huber.delta", lambda v: losses.huber(X, X, v), "delta", "positive"),
    ("huber.x_hat", lambda v: losses.huber(v, X), "x_hat", "image"),
    ("tv.x_hat", lambda v: losses.tv(v), "x_hat", st.sampled_from([np.zeros((N, N)), _img(NAN), "x", None,
                                                                     torch.zeros(N), X.long()])),
    ("perceptual.features", lambda v: losses.perceptual(*_PAIR, v), "features", st.sampled_from([None, 3, "f"])),
    ("perceptual.x", lambda v: losses.perceptual(_PAIR[0], v, lambda t: [t]), "x",
     st.sampled_from([np.zeros((1, 1, 8, 8)), torch.full((1, 1, 8, 8), NAN), torch.zeros(1, 1, 8, 9), None])),
    ("SelfEnsemble.net", lambda v: SelfEnsemble(v), "super-resolution network",
     st.sampled_from([None, 3, "sr_post_x4", lambda y: y, torch.nn.Identity()])),
    ("SelfEnsemble(y)", lambda v: SelfEnsemble(_SR2)(v), "x",
     st.sampled_from([np.zeros((8, 8)), torch.full((8, 8), NAN), torch.zeros(8, 8, dtype=torch.complex64),
                      torch.zeros(2, 3, 8, 8), None])),
    ("sr_training_images.half", lambda v: recipes.sr_training_images(v), "half",
     st.sampled_from([None, 1, "yes", NAN])),
    ("forward_ms.fn", lambda v: forward_ms(v, X), "fn", st.sampled_from([None, 3, "net"])),
    ("forward_ms.repeats", lambda v: forward_ms(lambda t: t, X, repeats=v), "repeats", "count"),
    ("adversarial.discriminator", lambda v: losses.adversarial(_PAIR[0], v), "discriminator",
     st.sampled_from([None, 3, "D"])),
    ("adversarial.x_hat", lambda v: losses.adversarial(v, lambda t: t), "x_hat",
     st.sampled_from([np.zeros((1, 1, 8, 8)), torch.full((1, 1, 8, 8), NAN), None])),
    ("DenoiserFeatures.denoiser", lambda v: losses.DenoiserFeatures(v), "denoiser", st.sampled_from([None, 3, _SR2])),
    ("DenoiserFeatures.levels", lambda v: losses.DenoiserFeatures(UNetDenoiser(width=4, depth=2), v), "levels",
     KINDS["count"] | st.sampled_from([3, 10])),
    ("PatchDiscriminator.width", lambda v: SR.PatchDiscriminator(v), "width",
     KINDS["count"] | st.sampled_from([10**5])),
    ("PatchDiscriminator(x)", lambda v: SR.PatchDiscriminator(2)(v), "x",
     _NET_INPUT | st.sampled_from([torch.zeros(1, 1, 8, 8)])),
    ("sharpness.x", lambda v: metrics.sharpness(v, X), "x", st.sampled_from([np.zeros((N, N)), torch.zeros(N + 1, N),
                                                                            "x", None, torch.zeros(2, 2)])),
    ("sharpness.x_true", lambda v: metrics.sharpness(X, v), "x_true", "image"),
    ("make_sr_loss.weights", lambda v: recipes.make_sr_loss(v), "weights",
     st.sampled_from([None, {}, {"l3": 1.0}, {"l1": -1.0}, {"l1": NAN}, {"l1": 0.0}, {"perceptual": 1.0},
                      {"adversarial": 1.0}, "l1"])),
    ("fine_tune_sr.model", lambda v: recipes.fine_tune_sr(v, {"l1": 1.0}, 1, progress=False), "model",
     st.sampled_from([None, "net", UNetDenoiser(width=4, depth=2)])),
    ("fine_tune_sr.weights", lambda v: recipes.fine_tune_sr(_SR2, v, 1, progress=False), "weights",
     st.sampled_from([None, {}, {"l1": -1.0}, {"l2": 0.0}])),
    ("fine_tune_sr.n_steps", lambda v: recipes.fine_tune_sr(_SR2, {"l1": 1.0}, v, patch=16, batch=1, progress=False),
     "n_steps", "count"),
    ("check_pixel_shuffle.fn", lambda v: coursework.check_pixel_shuffle(v), "fn", "callback"),
    ("check_huber.fn", lambda v: coursework.check_huber(v), "fn", "callback"),
    ("SRForwardPanel.denoiser", lambda v: W3.SRForwardPanel(v, size=16), "denoiser", st.sampled_from([None, 3, "D"])),
    ("SRForwardPanel.size", lambda v: W3.SRForwardPanel(lambda x, s: x, size=v), "size",
     KINDS["count"] | st.sampled_from([12, 20, 10**5])),
    ("SRForwardPanel.image", lambda v: W3.SRForwardPanel(lambda x, s: x, image=v, size=16), "image", "name"),
    ("CheckerboardPanel.width", lambda v: W3.CheckerboardPanel(width=v), "width", "count"),
    ("FrameworkPanel.nets", lambda v: W3.FrameworkPanel(v, size=16), "nets",
     st.sampled_from([None, {}, {("vdsr", 2): _SR2}, {"post": _SR2}, {("post", 2): 3}])),
    ("FrameworkPanel.size", lambda v: W3.FrameworkPanel({("post", 2): _SR2}, size=v), "size", "count"),
    ("FrameworkPanel.image", lambda v: W3.FrameworkPanel({("post", 2): _SR2}, image=v, size=16), "image", "name"),
    ("sr_note.x", lambda v: W3.sr_note(v, X), "x", st.sampled_from([np.zeros((N, N)), torch.zeros(N + 1, N), None])),
    ("sr_table.nets", lambda v: W3.sr_table(v, size=16, n_images=1, progress=False), "nets",
     st.sampled_from([None, 3, "nets"])),
    ("table_html.rows", lambda v: W3.table_html(v), "rows", st.sampled_from([None, 3, [{"x": 1}]])),
    ("sr_table.baselines", lambda v: W3.sr_table({}, baselines=v, size=16, n_images=1, progress=False), "baselines",
     st.sampled_from([3, "run", {"x": 1}, {"psnr": {}}])),
    ("loss_table.nets", lambda v: W3L.loss_table(v, size=16), "nets", st.sampled_from([None, {}, {"a": 3}])),
    ("LossZooPanel.nets", lambda v: W3L.LossZooPanel(v, size=16), "nets", st.sampled_from([None, {}, {"a": 3}])),
    ("LossZooPanel.zoom", lambda v: W3L.LossZooPanel({"a": _SR4}, size=16, zoom=v), "zoom",
     KINDS["count"] | st.sampled_from([4, 17])),
    ("LossWeightsPanel.net", lambda v: W3L.LossWeightsPanel(v, lambda t: [t]), "net", st.sampled_from([None, _SR2])),
    ("LossWeightsPanel.features", lambda v: W3L.LossWeightsPanel(_SR4, v), "features", st.sampled_from([None, 3])),
    ("reference_pixel_shuffle.factor", lambda v: CK3.reference_pixel_shuffle(torch.zeros(1, 4, 2, 2), v), "factor",
     KINDS["count"] | st.sampled_from([3])),
    ("reference_huber.delta", lambda v: CK3.reference_huber(X, X, v), "delta", "positive"),
]

# Public callables with no entry above, each with the reason. Anything public that is neither
# swept nor listed here fails test_every_public_callable_is_swept_or_exempt.
EXEMPT = {
    "LinearOperator": "abstract base: every concrete operator and the base's methods (A(x), A.T, norm, "
                      "to_matrix) are swept above",
    "Regulariser": "abstract base: every concrete regulariser is swept above",
    "DataChecksumError": "an exception class, raised by the package, not called by users",
    "WeightsChecksumError": "an exception class, raised by the package, not called by users",
    "ManifestError": "an exception class, raised by the package, not called by users",
    "Exercise": "a record (dataclass) the coursework builds for itself",
    "Verdict": "a record (dataclass) the coursework checks return",
    "Row": "a record (dataclass) the grader returns",
    "Task": "a record (dataclass) that tasks.make returns",
    "Recipe": "a record (dataclass) of the RECIPES registry",
    "StandInDenoiser": "takes no arguments; its call records what it was given",
    "DipStep": "an Exercise of the registry: takes no arguments (its check is swept as check_dip_step)",
    "EarlyStop": "an Exercise of the registry: takes no arguments (its check is swept as check_early_stop)",
    "verify_runs": "takes no arguments",
    "runs_available": "takes no arguments",
    "available": "takes no arguments",
    "names": "takes no arguments",
    "default_lectures_dir": "takes no arguments",
    "lectures_dir": "takes no arguments",
    "Case": "a record (dataclass) of an exercise's test input",
    "record": "turns any returned value into a record: every input is valid (the coursework tests cover it)",
    "clean_records": "the grader's validation of records read from a sandbox (test_coursework covers the refusals)",
    "standin_denoise": "the stand-in denoiser's function: its class StandInDenoiser is swept",
    "PsnrDb": "an Exercise of the registry: takes no arguments (its check is swept as check_psnr_db)",
    "AdjointMismatch": "an Exercise of the registry: takes no arguments (swept as check_adjoint_mismatch)",
    "TikhonovFourier": "an Exercise of the registry: takes no arguments (swept as check_tikhonov_fourier)",
    "IstaStep": "an Exercise of the registry: takes no arguments (swept as check_ista_step)",
    "PnpStep": "an Exercise of the registry: takes no arguments (swept as check_pnp_step)",
    "CsgmLoss": "an Exercise of the registry: takes no arguments (swept as check_csgm_loss)",
    "PixelShuffle": "an Exercise of the registry: takes no arguments (swept as check_pixel_shuffle)",
    "Huber": "an Exercise of the registry: takes no arguments (swept as check_huber)",
    "RampFilter": "an Exercise of the registry: takes no arguments (swept as check_ramp_filter)",
    "LandweberStep": "an Exercise of the registry: takes no arguments (swept as check_landweber_step)",
    "ZeroFilled": "an Exercise of the registry: takes no arguments (swept as check_zero_filled)",
    "DataConsistency": "an Exercise of the registry: takes no arguments (swept as check_data_consistency)",
}


def _strategy(kind):
    """A kind ending in "?" is an optional parameter: ``None`` (the default) is fine there."""
    if isinstance(kind, str) and kind.endswith("?"):
        return KINDS[kind[:-1]].filter(lambda v: v is not None)
    return KINDS[kind] if isinstance(kind, str) else kind


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_bad_value_is_refused_by_name(case, data):
    label, call, param, kind = case
    bad = data.draw(_strategy(kind), label=param)
    # "count" also holds values that are fine for a parameter with a larger lower bound only
    if kind in ("count", "count?") and isinstance(bad, int) and not isinstance(bad, bool) and bad >= 1:
        return
    # a missing file or folder is a FileNotFoundError, which must name the parameter too
    with pytest.raises((ValueError, TypeError, FileNotFoundError)) as info:
        call(bad)
    assert param in str(info.value), f"{label}: the message does not name {param!r}: {info.value}"


def test_metrics_return_nan_for_a_non_finite_estimate():
    for bad in (NAN, INF):
        assert math.isnan(metrics.psnr(_img(bad), X)) or metrics.psnr(_img(bad), X) == -INF
        assert math.isnan(metrics.ssim(_img(bad), X))


def test_size_of_the_sweep():
    """The sweep covers every public solver, regulariser and operator constructor."""
    labels = {c[0].split(".")[0] for c in CASES}
    for name in ("tikhonov", "least_squares", "cg", "gradient_descent", "ista", "fista", "admm", "pdhg",
                 "Identity", "Mask", "Blur", "Downsample", "Radon", "MRI", "cartesian_mask", "Matrix",
                 "Gradient", "HaarTransform", "TV", "Wavelet", "GradientTikhonov", "LearnedQuadratic",
                 "GaussianSensing", "csgm", "fit_gan", "Generator", "Discriminator", "UnrolledGD",
                 "UNetReconstructor", "discriminator_loss", "generator_loss"):
        assert name in labels, name
    assert len(CASES) >= 150


def _public_callables() -> dict:
    """``{name: module}`` for every callable named in the ``__all__`` of every public module of invlab."""
    import importlib
    import pkgutil

    import invlab
    found = {}
    for info in pkgutil.walk_packages(invlab.__path__, "invlab."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue  # private modules (_checks, _common, _sandbox, __main__)
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            if callable(getattr(module, name)):
                found.setdefault(name, getattr(module, name).__module__)
    return found


def _swept(name: str, module: str) -> bool:
    """A callable is swept when a case's label starts with its name or ``<module>.<name>``."""
    prefixes = {name, f"{module.rsplit('.', 1)[-1]}.{name}", f"{module.split('.')[1]}.{name}"}
    return any(label.split("(")[0] in prefixes or any(label.startswith(p + ".") or label.startswith(p + "(")
                                                       for p in prefixes) for label, *_ in CASES)


def test_every_public_callable_is_swept_or_exempt():
    """Every public function and class (``__all__`` of every module) has a case or a reason.

    So a new public callable (lectures 3 and 4 will add many) cannot land without its bad-input
    cases: add one to ``CASES`` or, with a reason, to ``EXEMPT``.
    """
    public = _public_callables()
    assert len(public) > 150
    missing = sorted(n for n, m in public.items() if not _swept(n, m) and n not in EXEMPT)
    assert not missing, f"public callables with no case in CASES and no reason in EXEMPT: {missing}"
    stale = sorted(n for n in EXEMPT if n not in public or _swept(n, public[n]))
    assert not stale, f"EXEMPT lists names that are not public or are swept anyway: {stale}"
