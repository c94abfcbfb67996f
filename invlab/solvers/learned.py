"""Learned solvers: plug-and-play priors and compressed sensing with a generator (lecture 2).

A denoiser trained once replaces the proximal step of a classical algorithm, so the same
network serves deblurring, inpainting and super-resolution without retraining (:func:`pnp`).
A generator trained once restricts the reconstruction to its range (:func:`csgm`). Both keep
the solvers' history contract (``"objective"``, ``"psnr"``, ``"x"``/``"x_iter"``, ``callback``).
"""
from __future__ import annotations

import math
import numbers

import torch

from torch import nn

from .._checks import check_callable, check_int, check_real, make_generator
from ..operators import LinearOperator, check_tensor
from ._common import (_check_callback, _check_keep_every, _check_n_iter, _check_operator, _check_positive,
                      _op_norm, _record, _setup, objective)
from .linear import tikhonov

__all__ = ["pnp", "csgm"]

MAX_CANDIDATES = 65_536
"""The most starting codes :func:`csgm` screens (or restarts it runs) in one batch."""


def _denoise(denoiser, z: torch.Tensor, sigma: float) -> torch.Tensor:
    """``denoiser`` applied to images ``(..., H, W)`` as a ``(N, 1, H, W)`` batch, shape checked."""
    shape = z.shape
    batch = z.reshape(-1, 1, *shape[-2:])
    with torch.no_grad():
        out = denoiser(batch, sigma)
    if not isinstance(out, torch.Tensor) or out.shape != batch.shape:
        raise ValueError(f"denoiser returned {tuple(getattr(out, 'shape', ())) or type(out).__name__} for an input "
                         f"of shape {tuple(batch.shape)}; it must return the same shape (denoiser(x, sigma) -> x).")
    if not torch.isfinite(out).all():
        raise FloatingPointError("the denoiser returned NaN or inf.")
    return out.reshape(shape)


def pnp(A: LinearOperator, y: torch.Tensor, denoiser, sigma: float = 0.03, n_iter: int = 30, step=None,
        x0=None, x_true=None, keep_every=None, callback=None, method: str = "pgd", noise=None,
        sigma_start: float = 0.2, weight: float = 0.25):
    """Plug-and-play reconstruction: a denoiser in place of the proximal step.

    **Deep proximal gradient** (``method="pgd"``, the slides' algorithm): a gradient step on the
    data term, then the denoiser,

    .. math::
        z_k = x_{k-1} + \\eta\\,A^{\\top}(y - A x_{k-1}), \\qquad x_k = D(z_k, \\sigma),

    with :math:`\\eta \\le 1/\\|A\\|^2` (the default) and a fixed denoiser strength :math:`\\sigma`.
    If :math:`D` were the proximal map of :math:`\\eta\\lambda R` this would be ISTA.

    **Half-quadratic splitting** (``method="hqs"``, as in DPIR): alternate an *exact* data step
    and a denoising step whose strength decreases geometrically from ``sigma_start`` to ``sigma``,

    .. math::
        x_k = \\arg\\min_x \\tfrac12\\|Ax - y\\|^2 + \\tfrac{\\alpha_k}2\\|x - z_{k-1}\\|^2
            = z_{k-1} + (A^{\\top}A + \\alpha_k I)^{-1} A^{\\top}(y - A z_{k-1}),
        \\qquad z_k = D(x_k, \\sigma_k),

    with :math:`\\alpha_k = w\\,s^2/\\sigma_k^2` (:math:`s` the measurement noise ``noise``,
    :math:`w` = ``weight``). The data step is exact in Fourier for a blur, elementwise for a
    mask, and by conjugate gradients otherwise (:func:`~invlab.solvers.tikhonov`). Starting
    strong and ending weak is what makes PnP converge to a sharp image in a few iterations.

    Parameters
    ----------
    A : LinearOperator
        The forward model, on images ``(..., H, W)``.
    y : torch.Tensor
        Measurements.
    denoiser : callable
        ``denoiser(x, sigma) -> x`` on ``(B, 1, H, W)``, e.g. ``invlab.pretrained.load("denoiser")``.
    sigma : float
        Denoiser strength (``"pgd"``), or its final value (``"hqs"``), in image units.
    n_iter : int
        Number of iterations.
    step : float, optional
        :math:`\\eta` for ``"pgd"`` (default :math:`1/\\|A\\|^2`).
    x0 : torch.Tensor, optional
        Start: :math:`A^{\\top}y` for ``"pgd"``; for ``"hqs"`` the first :math:`z` (default 0,
        so the first data step is the Tikhonov solution with :math:`\\lambda = \\alpha_1`).
    x_true : torch.Tensor, optional
        Records ``history["psnr"]``.
    keep_every : int, optional
        Store every ``keep_every``-th iterate in ``history["x"]`` (for a scrubber).
    callback : callable, optional
        ``callback(k, x)``; returning ``True`` stops.
    method : {"pgd", "hqs"}
    noise : float, optional
        Measurement noise standard deviation :math:`s` for ``"hqs"`` (default ``sigma``).
    sigma_start : float
        First denoiser strength for ``"hqs"``.
    weight : float
        :math:`w` in :math:`\\alpha_k` for ``"hqs"``.

    Returns
    -------
    x : torch.Tensor
    history : dict
        ``"objective"`` holds the data misfit :math:`\\tfrac12\\|Ax_k - y\\|^2` (PnP minimises no
        known objective), ``"sigma"`` the denoiser strength per iteration, plus ``"psnr"`` and
        ``"x"``/``"x_iter"`` as for every solver.
        For ``"pgd"``, ``"diverged"`` is True when the misfit became infinite or grew more than
        :math:`10^{10}` times its start value (steps :math:`\\eta > 2/\\|A\\|^2`: the denoiser
        does not tame the gradient step); the loop stops there, as in
        :func:`~invlab.solvers.gradient_descent`.

    References
    ----------
    S. V. Venkatakrishnan, C. A. Bouman, B. Wohlberg, "Plug-and-play priors for model based
    reconstruction", GlobalSIP 2013. K. Zhang et al., "Plug-and-play image restoration with
    deep denoiser prior", IEEE TPAMI 2021 (DPIR: HQS with a decreasing noise level).
    """
    if method not in ("pgd", "hqs"):
        raise ValueError(f"method must be 'pgd' or 'hqs', got {method!r}.")
    if not callable(denoiser):
        raise TypeError(f"denoiser must be callable (x, sigma) -> x, got {type(denoiser).__name__}.")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable (k, x) or None, got {type(callback).__name__}.")
    sigma = check_real(sigma, "sigma", low=0)
    # every parameter is checked, whichever method uses it
    noise = None if noise is None else check_real(noise, "noise", low=0)
    sigma_start = check_real(sigma_start, "sigma_start", low=0)
    weight = _check_positive(weight, "weight")
    if isinstance(A, LinearOperator) and A.is_complex:
        raise ValueError(f"A must be a real operator for pnp (the denoiser works on real images), got {A!r}; "
                         "for MRI, reconstruct the magnitude with a real model instead.")
    x, history = _setup(A, y, x0, x_true, keep_every, n_iter)
    if not torch.isfinite(y).all():
        raise ValueError("y contains NaN or inf.")
    n_iter = _check_n_iter(n_iter)
    history["sigma"] = []
    if method == "pgd":
        step = 1.0 / _op_norm(A) ** 2 if step is None else _check_positive(step, "step")
        history["diverged"] = False
        start = objective(A, y, None, 0.0, x)
        for k in range(1, n_iter + 1):
            z = x + step * A.adjoint(y - A(x))              # gradient step on the data term
            x = _denoise(denoiser, z, sigma)                 # the denoiser as the prox
            history["sigma"].append(sigma)
            obj = objective(A, y, None, 0.0, x)
            if not math.isfinite(obj) or obj > 1e10 * max(start, 1e-30):
                history["diverged"] = True                   # as in gradient_descent: stop, keep what was seen
                _record(history, k, x, obj, x_true, keep_every, None)
                break
            if _record(history, k, x, obj, x_true, keep_every, callback):
                break
        return x, history
    noise = sigma if noise is None else noise
    if sigma <= 0 or noise <= 0:
        raise ValueError(f"method='hqs' needs sigma > 0 and noise > 0, got sigma={sigma!r}, noise={noise!r}.")
    sigma_start = max(sigma_start, sigma)
    z = torch.zeros_like(x) if x0 is None else x
    levels = torch.logspace(math.log10(sigma_start), math.log10(sigma), n_iter, dtype=torch.float64).tolist()
    for k, s in enumerate(levels, start=1):
        alpha = weight * noise**2 / s**2
        x = z + tikhonov(A, y - A(z), alpha)                 # exact data step
        z = _denoise(denoiser, x, s)                         # denoiser at the current level
        history["sigma"].append(s)
        if _record(history, k, z, objective(A, y, None, 0.0, z), x_true, keep_every, callback):
            break
    return z, history


# ----------------------------------------------------------------------------------------
# compressed sensing with a generative model
# ----------------------------------------------------------------------------------------
def csgm(A: LinearOperator, y: torch.Tensor, generator, n_iter: int = 500, restarts: int = 5, lr: float = 0.05,
         lam_z: float = 1e-3, seed=0, x_true=None, keep_every=None, callback=None, candidates: int = 256):
    """Compressed sensing with a generative model (CSGM): search the generator's latent space.

    The prior is "x lies in the range of the generator :math:`G`". The reconstruction is
    :math:`\\hat x = G(\\hat z)` with

    .. math::
        \\hat z = \\arg\\min_z\\; f(z) = \\tfrac12\\|y - A\\,G(z)\\|^2 + \\lambda_z\\|z\\|^2,

    a non-convex problem in :math:`z` only (:math:`G`'s weights stay fixed). It is solved by Adam
    on :math:`z` from ``restarts`` starting codes, all run together as one batch through
    :math:`G`; the restart with the lowest final :math:`f` wins. The starts are *screened*:
    ``candidates`` codes :math:`z \\sim \\mathcal N(0, I)` are drawn, :math:`f` is evaluated at
    each (one forward pass, no gradients) and the ``restarts`` lowest are kept. A random code
    rarely lies in the basin of the right answer (a sandal's code when the image is a sneaker);
    screening picks starts that already fit :math:`y` roughly. It costs ``candidates`` forward
    passes, about 3 % of 5 restarts × 500 Adam steps (each a forward and a backward pass).
    ``candidates = restarts`` gives plain random restarts (Bora et al.).
    The small :math:`\\lambda_z\\|z\\|^2` keeps :math:`z` where :math:`G` was trained
    (:math:`z \\sim \\mathcal N(0, I)`). With :math:`m` measurements the error has two parts:
    how far the true image is from the range of :math:`G` (the representation error, which more
    measurements do not remove), and the optimisation/noise error.

    Parameters
    ----------
    A : LinearOperator
        The forward model on images ``A.in_shape`` (e.g. :class:`~invlab.operators.GaussianSensing`).
    y : torch.Tensor
        Measurements ``(..., *A.out_shape)``; leading dimensions are several problems solved at
        once (independently).
    generator : callable
        ``generator(z) -> x`` with an integer attribute ``latent_dim``, mapping ``(B, latent_dim)``
        to ``B`` images of ``prod(A.in_shape)`` pixels each (e.g. ``(B, 1, 28, 28)``), such as
        :class:`invlab.nets.gan.Generator`. An ``nn.Module`` is run in eval mode with its parameters'
        ``requires_grad`` off; both are restored afterwards and its weights are never changed.
    n_iter : int
        Adam iterations per restart.
    restarts : int
        Number of random starts.
    lr : float
        Adam's learning rate on :math:`z`.
    lam_z : float
        :math:`\\lambda_z \\ge 0`.
    seed : int or torch.Generator
        Seed of the starting codes.
    x_true : torch.Tensor, optional
        Records ``history["psnr"]``.
    keep_every : int, optional
        Store every ``keep_every``-th iterate in ``history["x"]``.
    callback : callable, optional
        ``callback(k, x)`` after iteration ``k``; returning ``True`` stops.
    candidates : int
        Random codes drawn per problem, ``>= restarts``; the ``restarts`` with the lowest
        :math:`f` start Adam.

    Returns
    -------
    x : torch.Tensor
        :math:`G(\\hat z)` of the best restart, shape ``(..., *A.in_shape)``, in the generator's
        dtype, detached.
    history : dict
        ``"objective"``: after every iteration, :math:`f` of the restart that is currently best
        (summed over the problems in ``y``); the iterate :math:`x_k` of ``"psnr"``, ``"x"`` and
        ``callback`` is that restart's :math:`G(z_k)`. ``"restart_objective"``: the final
        :math:`f` of each restart (a float per restart, or a list over the problems when ``y``
        has batch dimensions); ``"start_objective"``: the same at the (screened) starting codes;
        ``"restart"``: the index of the chosen restart (an int, or a list);
        ``"z"``: the chosen codes ``(..., latent_dim)``.

    References
    ----------
    A. Bora, A. Jalal, E. Price, A. G. Dimakis, "Compressed sensing using generative models",
    ICML 2017.
    """
    _check_operator(A)
    check_callable(generator, "generator", allow_none=False)
    latent_dim = getattr(generator, "latent_dim", None)
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, numbers.Integral) or latent_dim < 1:
        raise TypeError(f"generator must have an integer attribute latent_dim >= 1 (generator(z) with z of shape "
                        f"(B, latent_dim)), got latent_dim={latent_dim!r}.")
    check_tensor(y, "y", A.out_shape)
    n_iter = _check_n_iter(n_iter)
    restarts = check_int(restarts, "restarts", low=1, high=MAX_CANDIDATES)
    candidates = check_int(candidates, "candidates", low=1, high=MAX_CANDIDATES)
    if candidates < restarts:
        raise ValueError(f"candidates must be >= restarts (the starts are the best restarts={restarts} of the "
                         f"candidates), got candidates={candidates}.")
    lr = _check_positive(lr, "lr")
    lam_z = check_real(lam_z, "lam_z", low=0)
    g = make_generator(seed)
    if x_true is not None:
        check_tensor(x_true, "x_true", A.in_shape)
    keep_every = _check_keep_every(keep_every)
    _check_callback(callback)

    batch = tuple(y.shape[:y.ndim - len(A.out_shape)])
    n = math.prod(batch)
    params = list(generator.parameters()) if isinstance(generator, nn.Module) else []
    ref = params[0] if params else (y if y.is_floating_point() else torch.zeros(()))
    device, dtype = ref.device, ref.dtype
    y_n = y.reshape((n,) + A.out_shape).to(device=device, dtype=y.dtype if y.is_complex() else dtype)
    z = torch.randn((candidates, n, latent_dim), generator=g, dtype=torch.float64, device=g.device)
    z = z.to(device=device, dtype=dtype)
    rows = torch.arange(n, device=device)

    def f_of(z):
        """f for every (start, problem) of z (R, n, d): shapes (R, n) and the images (R, n, H, W)."""
        R = z.shape[0]
        out = generator(z.reshape(R * n, latent_dim))
        if not isinstance(out, torch.Tensor) or out.numel() != R * n * math.prod(A.in_shape):
            raise ValueError(f"generator returned {getattr(out, 'shape', type(out).__name__)} for z of shape "
                             f"{(R * n, latent_dim)}; it must return {R * n} images of "
                             f"{math.prod(A.in_shape)} pixels (A.in_shape={A.in_shape}).")
        x = out.reshape((R, n) + A.in_shape)
        r = A._forward(x) - y_n
        r2 = (r.real**2 + r.imag**2) if r.is_complex() else r**2
        return 0.5 * r2.reshape(R, n, -1).sum(-1) + lam_z * (z**2).sum(-1), x

    history = {"objective": []}
    if x_true is not None:
        history["psnr"] = []
    if keep_every:
        history["x"], history["x_iter"] = [], []
    saved = [p.requires_grad for p in params]
    was_training = generator.training if isinstance(generator, nn.Module) else None
    try:
        for p in params:
            p.requires_grad_(False)                      # G is fixed: only z is optimised
        if was_training is not None:
            generator.eval()
        if candidates > restarts:                        # screen: keep the restarts lowest f of the candidates
            chunk = max(1, 4096 // n)
            with torch.no_grad():
                f0 = torch.cat([f_of(z[i:i + chunk])[0] for i in range(0, candidates, chunk)])
            keep = f0.argsort(dim=0, stable=True)[:restarts]                 # (restarts, n)
            z = z[keep, rows.expand(restarts, n)]
        z = z.clone().requires_grad_(True)
        with torch.enable_grad():
            opt = torch.optim.Adam([z], lr=lr)
            f, x = f_of(z)
            start = f.detach().cpu().tolist()
            history["start_objective"] = [v[0] for v in start] if not batch else start
            for k in range(1, n_iter + 1):
                opt.zero_grad(set_to_none=True)
                f.sum().backward()                       # the restarts and problems are independent
                opt.step()
                f, x = f_of(z)
                fd = f.detach()
                if not torch.isfinite(fd).all():
                    raise FloatingPointError(f"the CSGM objective became non-finite at iteration {k}; lower lr.")
                best = fd.argmin(0)                      # (n,): the best restart of each problem
                x_k = x.detach()[best, rows].reshape(batch + A.in_shape)
                if _record(history, k, x_k, fd[best, rows].sum(), x_true, keep_every, callback):
                    break
    finally:
        for p, flag in zip(params, saved):
            p.requires_grad_(flag)
        if was_training:
            generator.train()
    fd = f.detach()
    best = fd.argmin(0)
    per_restart = fd.cpu().tolist()
    history["restart_objective"] = [v[0] for v in per_restart] if not batch else per_restart
    history["restart"] = int(best[0]) if not batch else best.cpu().tolist()
    history["z"] = z.detach()[best, rows].reshape(batch + (latent_dim,))
    return x.detach()[best, rows].reshape(batch + A.in_shape), history
