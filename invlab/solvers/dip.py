"""The deep image prior as a solver: fit a generator's weights to one measurement (lecture 3b).

No training set, no shipped weights: :func:`dip` starts from a randomly initialised
:class:`~invlab.nets.DIPNet` and runs Adam on its weights until its output, pushed through the
forward model, matches ``y``. What it returns depends on *when* it stops, which is the lesson of
lecture 3b.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import check_bool, check_real, make_generator
from ..operators import LinearOperator, check_tensor
from ._common import _check_callback, _check_keep_every, _check_n_iter, _check_operator, _check_positive, _record

__all__ = ["dip"]

#: The network ``dip(net=None)`` builds. Solvers lie left of the networks in the import order
#: (docs/CONVENTIONS.md), so the solver does not import :class:`invlab.nets.DIPNet`:
#: ``invlab.nets.dip`` registers it here when it is imported (``import invlab`` does that).
_DEFAULT_NET = {"class": None}


def _set_default_net(cls) -> None:
    """Register the class ``dip`` builds when no ``net`` is given (called by :mod:`invlab.nets.dip`)."""
    _DEFAULT_NET["class"] = cls


def dip(A: LinearOperator, y: torch.Tensor, n_iter: int = 1200, net=None, seed=0, x_true=None, keep_every=None,
        callback=None, lr: float = 0.01, noise_reg: float = 0.03, progress: bool = False):
    """Deep image prior: :math:`\\hat x = \\Psi(z_0; \\hat w)` with :math:`\\hat w` fitted to ``y`` by Adam.

    .. math::
        \\hat w = \\arg\\min_w\\; f(w) = \\tfrac12 \\|A\\,\\Psi(z_0; w) - y\\|_2^2,

    where :math:`\\Psi` is a randomly initialised hourglass network (:class:`~invlab.nets.DIPNet`)
    and :math:`z_0` its fixed noise input. There is no regulariser: the prior is the network's
    architecture together with the number of iterations. A convolutional generator reproduces
    smooth, piecewise-regular structure in far fewer steps than noise, so stopping early returns
    an image that explains the data without the noise; run long enough it fits ``y`` exactly,
    noise and all (for denoising, :math:`A = I`, it then returns ``y``).

    For inpainting, :math:`A` = :class:`~invlab.operators.Mask` and the loss is the *masked* loss
    :math:`\\tfrac12\\|m \\odot (\\Psi - y)\\|^2`: the unmeasured pixels get exactly zero gradient,
    so the network fills them with whatever its structure prefers.

    Parameters
    ----------
    A : LinearOperator
        A real forward model on images ``(H, W)`` (mask, blur, :class:`~invlab.operators.Downsample`,
        ...). Complex operators (MRI) are refused: :math:`\\Psi` makes real images.
    y : torch.Tensor
        One measurement of shape ``A.out_shape`` (no batch dimension: DIP fits one image).
    n_iter : int
        Adam steps. The default is a complete run at 128x128: about 35 ms per step on 2 cores
        (48 ms when ``x_true`` or a ``callback`` asks for every iterate), under a minute in all.
    net : DIPNet, optional
        The generator to fit, of ``shape == A.in_shape`` (any nn.Module with a fixed input ``z0``,
        ``shape`` and ``out_channels``); **its weights are updated in place**.
        Default: a fresh ``DIPNet(A.in_shape, seed=seed)``.
    seed : int or torch.Generator
        Seeds the default network and the input perturbations: the same seed gives the same run.
    x_true : torch.Tensor, optional
        Ground truth ``(H, W)``; records ``history["psnr"]`` at every iteration.
    keep_every : int, optional
        Store every ``keep_every``-th iterate in ``history["x"]`` (iteration numbers in ``"x_iter"``).
    callback : callable, optional
        ``callback(k, x)`` after iteration ``k`` (1-based); returning ``True`` stops.
    lr : float
        Adam's learning rate (the paper: 0.01).
    noise_reg : float
        Standard deviation :math:`s` of a fresh perturbation of the input at every step: step
        :math:`k` descends :math:`\\tfrac12\\|A\\,\\Psi(z_0 + s\\,\\varepsilon_k; w) - y\\|^2`
        (:math:`\\varepsilon_k \\sim \\mathcal N(0, I)`), as in the paper (1/30 for denoising, 0.03 for
        super-resolution). It makes the fit of noise slower and the result smoother; measured here
        at 128x128, it adds about 0.5 dB to x4 super-resolution and to denoising at the best stop.
        The iterates are always the clean :math:`\\Psi(z_0; w_k)`, computed (one extra forward pass)
        only when ``x_true``, ``keep_every`` or ``callback`` needs them. 0 turns it off.
    progress : bool
        Show a ``tqdm.auto`` progress bar.

    Returns
    -------
    x : torch.Tensor
        :math:`\\Psi(z_0; w_K)` after the last step, shape ``A.in_shape``, detached, in the
        network's dtype.
    history : dict
        The solvers' contract: ``"objective"`` after every step, ``"psnr"`` when ``x_true`` is
        given, ``"x"``/``"x_iter"`` when ``keep_every`` is given. With ``noise_reg = 0`` the
        objective is :math:`f(w_k)` of the iterate; with ``noise_reg > 0`` it is the loss step
        :math:`k` descended (at the perturbed input), the stochastic objective of the run.

    Raises
    ------
    TypeError
        ``A`` not a LinearOperator, ``net`` not a DIPNet, ``y`` not a real tensor.
    ValueError
        Complex or non-image ``A``, ``y`` of the wrong shape, non-finite values, a ``net`` of
        another shape, a bad number.
    FloatingPointError
        If the objective becomes non-finite (lower ``lr``).

    References
    ----------
    D. Ulyanov, A. Vedaldi, V. Lempitsky, "Deep image prior", CVPR 2018 (and IJCV 2020).
    """
    _check_operator(A)
    if A.is_complex or len(A.in_shape) != 2:
        raise ValueError(f"dip fits a real image (H, W): A must be a real operator on images, got {A!r} "
                         f"(complex: {A.is_complex}); complex operators such as MRI are not supported.")
    check_tensor(y, "y", A.out_shape)
    if y.is_complex():
        raise TypeError(f"y must be real for dip, got dtype {y.dtype}.")
    if tuple(y.shape) != tuple(A.out_shape):
        raise ValueError(f"y must be one measurement of shape {tuple(A.out_shape)} (dip fits one image, no batch), "
                         f"got {tuple(y.shape)}.")
    if not bool(torch.isfinite(y).all()):
        raise ValueError("y must be finite (no NaN or inf).")
    n_iter = _check_n_iter(n_iter)
    keep_every = _check_keep_every(keep_every)
    _check_callback(callback)
    lr = _check_positive(lr, "lr")
    noise_reg = check_real(noise_reg, "noise_reg", low=0)
    progress = check_bool(progress, "progress")
    if x_true is not None:
        check_tensor(x_true, "x_true", A.in_shape)
    g = make_generator(seed)
    if net is None:
        if _DEFAULT_NET["class"] is None:   # pragma: no cover - invlab.nets is imported by invlab itself
            raise RuntimeError("no default DIP network: import invlab.nets (or pass net=).")
        net = _DEFAULT_NET["class"](A.in_shape, seed=g)
    elif not (isinstance(net, nn.Module) and isinstance(getattr(net, "z0", None), torch.Tensor)
              and hasattr(net, "shape") and hasattr(net, "out_channels")):
        raise TypeError(f"net must be a DIP generator such as invlab.nets.DIPNet (an nn.Module with a fixed input "
                        f"z0, shape and out_channels), got {type(net).__name__}.")
    elif tuple(net.shape) != tuple(A.in_shape) or net.out_channels != 1:
        raise ValueError(f"net must make one-channel images of A.in_shape={tuple(A.in_shape)}, got "
                         f"DIPNet(shape={net.shape}, out_channels={net.out_channels}).")
    p = next(net.parameters())
    y = y.to(device=p.device, dtype=p.dtype)

    def f_of(x):
        r = A._forward(x) - y
        return 0.5 * (r * r).sum()

    history = {"objective": []}
    if x_true is not None:
        history["psnr"] = []
    if keep_every:
        history["x"], history["x_iter"] = [], []
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n_iter, desc="DIP", leave=False)
    was_training = net.training
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    try:
        with torch.enable_grad():
            if noise_reg == 0:
                x = _fit_exact(net, f_of, opt, n_iter, history, x_true, keep_every, callback, bar, lr)
            else:
                x = _fit_perturbed(net, f_of, opt, n_iter, history, x_true, keep_every, callback, bar, lr,
                                   noise_reg, g)
    finally:
        net.train(was_training)
        if bar is not None:
            bar.close()
    return x, history


def _check_finite(fv: float, k: int, lr: float) -> None:
    if fv != fv or fv == float("inf"):
        raise FloatingPointError(f"the DIP objective became non-finite at iteration {k}; lower lr (got lr={lr}).")


def _tick(bar, k: int, fv: float) -> None:
    if bar is not None:
        bar.update(1)
        if k % 50 == 0:
            bar.set_postfix(objective=f"{fv:.3g}")


def _fit_exact(net, f_of, opt, n_iter, history, x_true, keep_every, callback, bar, lr):
    """noise_reg = 0: the forward pass of step k+1 is x_k itself, so each step costs one forward
    and one backward pass; x_k and f(w_k) are recorded when step k+1 computes them (x_n at the end)."""
    k = 0
    while True:                              # k = steps taken; x = Psi(z0; w_k)
        step = k < n_iter
        with torch.set_grad_enabled(step):
            x = net()[0, 0]
            f = f_of(x)
        if k > 0:
            fv = float(f.detach())
            _check_finite(fv, k, lr)
            if _record(history, k, x.detach(), fv, x_true, keep_every, callback):
                break
            _tick(bar, k, fv)
        if not step:
            break
        opt.zero_grad(set_to_none=True)
        f.backward()
        opt.step()
        k += 1
    return x.detach()


def _fit_perturbed(net, f_of, opt, n_iter, history, x_true, keep_every, callback, bar, lr, noise_reg, g):
    """noise_reg > 0: step k descends the loss at z0 + s*eps_k (recorded as the objective); the
    clean iterate Psi(z0; w_k) costs one more forward pass and is computed only when something
    needs it (PSNR, a kept iterate, the callback, the result)."""
    z0 = net.z0
    x = None
    for k in range(1, n_iter + 1):
        eps = torch.randn(z0.shape, generator=g).to(z0)
        f = f_of(net(z0 + noise_reg * eps)[0, 0])
        opt.zero_grad(set_to_none=True)
        f.backward()
        opt.step()
        fv = float(f.detach())
        _check_finite(fv, k, lr)
        x = None
        if x_true is not None or callback is not None or (keep_every and k % keep_every == 0) or k == n_iter:
            with torch.no_grad():
                x = net()[0, 0]
        if _record(history, k, x, fv, x_true, keep_every, callback):
            break
        _tick(bar, k, fv)
    if x is None:
        with torch.no_grad():
            x = net()[0, 0]
    return x.detach()
