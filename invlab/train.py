"""Training loops (``invlab.train``): the five-line loop of every lecture, plus the plumbing.

The loop a student sees the first time a network is trained::

    for step in range(n_steps):
        loss = loss_fn(model, next(batches))   # forward
        opt.zero_grad()
        loss.backward()                          # backpropagation
        opt.step()                               # gradient step on the weights

:func:`fit` is exactly this loop plus what every later use needs: seeding, a learning-rate
schedule, a progress bar, a history for plots, validation, a callback for live panels and a
clean stop (Ctrl-C, or the callback returning ``True``) that keeps the best weights.
"""
from __future__ import annotations

import copy
import math
import numbers
import time
from collections.abc import Callable, Iterable, Sized

import torch
from torch import nn

from ._checks import check_bool, check_callable, check_choice, check_int, check_real, make_generator
from .losses import discriminator_loss, generator_loss
from .operators import check_tensor, laplacian_spectrum
from .operators.blur import kernel_spectrum
from .regularisers import LearnedQuadratic
from .solvers._common import _circulant_spectrum

__all__ = ["fit", "evaluate", "cosine_lr", "fit_learned_quadratic", "fit_gan"]


def cosine_lr(step: int, n_steps: int, lr: float, final: float = 0.01, warmup: int = 0) -> float:
    """Cosine learning-rate schedule with an optional linear warm-up.

    .. math::
        \\eta_t = \\eta_{\\min} + \\tfrac12(\\eta - \\eta_{\\min})\\big(1 + \\cos(\\pi t / T)\\big),
        \\qquad \\eta_{\\min} = \\text{final}\\cdot\\eta,

    after ``warmup`` steps that ramp linearly from 0 to :math:`\\eta`.
    """
    n_steps = check_int(n_steps, "n_steps", low=1)
    step = check_int(step, "step", low=0, high=n_steps)
    lr = check_real(lr, "lr", low=0, low_open=True)
    final = check_real(final, "final", low=0, high=1)
    warmup = check_int(warmup, "warmup", low=0, high=n_steps)
    if step < warmup:
        return lr * (step + 1) / warmup
    t = (step - warmup) / max(1, n_steps - warmup)
    return lr * (final + 0.5 * (1 - final) * (1 + math.cos(math.pi * min(t, 1.0))))


def _to(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    return batch


def _device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def evaluate(model: nn.Module, loss_fn: Callable, batches: Iterable) -> float:
    """Mean of ``loss_fn(model, batch)`` over ``batches``, in eval mode and without gradients."""
    if isinstance(batches, (str, bytes)) or not isinstance(batches, Iterable):
        raise TypeError(f"batches must be an iterable of batches (a list), got {type(batches).__name__}.")
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    device = _device(model)
    with torch.no_grad():
        for batch in batches:
            total += float(loss_fn(model, _to(batch, device)))
            count += 1
    model.train(was_training)
    if count == 0:
        raise ValueError("val_batches is empty.")
    return total / count


def _end_bar(bar, history, label):
    """Close a progress bar; a requested stop (callback, Ctrl-C) ends it complete, not red."""
    if history["stopped"] is not None:
        bar.total = bar.n
        bar.set_description(f"{label} (stopped at step {bar.n})")
    bar.close()


def _check_loss(loss) -> None:
    """``loss_fn`` must return a scalar tensor that carries gradients."""
    if not isinstance(loss, torch.Tensor):
        raise TypeError(f"loss_fn must return a scalar torch.Tensor (the loss, with gradients), got "
                        f"{type(loss).__name__}; compute it with torch operations on the model's output.")
    if loss.numel() != 1 or not loss.is_floating_point():
        raise ValueError(f"loss_fn must return a scalar real tensor, got shape {tuple(loss.shape)} and dtype "
                         f"{loss.dtype} (reduce it with .mean() or .sum()).")
    if not loss.requires_grad:
        raise ValueError("loss_fn returned a tensor without gradients: compute it from the model's output "
                         "(not under torch.no_grad(), not through .item() or .detach()).")


def fit(model: nn.Module, loss_fn: Callable, train_batches, n_steps: int, lr: float = 1e-3,
        val_batches=None, seed=0, callback: Callable | None = None, schedule: str = "cosine",
        val_every: int | None = None, weight_decay: float = 0.0, grad_clip: float | None = None,
        keep_best: bool = True, progress: bool = True) -> dict:
    """Train ``model`` by Adam on ``loss_fn`` for ``n_steps`` steps.

    Each step draws a batch, computes :math:`L(\\theta) = \\texttt{loss\\_fn}(\\text{model}, \\text{batch})`,
    back-propagates and takes an Adam step with learning rate :math:`\\eta_t` (cosine decay
    from ``lr`` to ``lr/100`` by default, see :func:`cosine_lr`).

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place, on whatever device its parameters are (CPU or CUDA); batches are
        moved there.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar tensor``.
    train_batches : callable or iterable
        ``train_batches(step) -> batch`` (e.g. fresh random patches every step), or an iterable
        of batches, cycled when it runs out (a list, a ``DataLoader``).
    n_steps : int
        Number of optimisation steps.
    lr : float
        Peak learning rate.
    val_batches : iterable, optional
        Fixed validation batches: the mean loss over them is recorded every ``val_every``
        steps (default: 20 times per run) and at the end.
    seed : int
        Seeds torch's global generator for the duration of the run (restored afterwards), so
        the same seed and the same initial model give the same weights on the CPU.
    callback : callable, optional
        ``callback(step, model, history)`` after every step (1-based ``step``); returning
        ``True`` stops training (a panel's stop button).
    schedule : {"cosine", "step", "constant"}
        ``"step"`` divides the learning rate by 10 at 60 % and 90 % of the run.
    weight_decay : float
        Adam's L2 weight decay.
    grad_clip : float, optional
        Clip the gradients' global norm to this value.
    keep_best : bool
        With ``val_batches``: when training ends (normally, by the callback or by Ctrl-C),
        restore the weights that had the lowest validation loss.
    progress : bool
        Show a ``tqdm.auto`` progress bar with the running loss.

    Returns
    -------
    dict
        ``history`` with lists ``"step"``, ``"loss"``, ``"lr"``, ``"time"`` (seconds since
        the start) for every step, ``"val_step"``, ``"val_loss"`` for every validation, and
        ``"stopped"`` (``None``, ``"callback"`` or ``"interrupted"``), ``"best_step"``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    check_callable(loss_fn, "loss_fn", allow_none=False)
    check_callable(callback, "callback")
    n_steps = check_int(n_steps, "n_steps", low=1)
    lr = check_real(lr, "lr", low=0, low_open=True)
    weight_decay = check_real(weight_decay, "weight_decay", low=0)
    grad_clip = check_real(grad_clip, "grad_clip", low=0, low_open=True, allow_none=True)
    check_choice(schedule, "schedule", ("cosine", "step", "constant"))
    seed = check_int(seed, "seed", low=0, high=2**63 - 1)
    keep_best = check_bool(keep_best, "keep_best")
    progress = check_bool(progress, "progress")
    if callable(train_batches):
        draw = train_batches
    elif isinstance(train_batches, Iterable):
        if isinstance(train_batches, Sized) and len(train_batches) == 0:
            raise ValueError("train_batches is empty: give at least one batch, or a callable step -> batch.")
        source = train_batches
        state = {"it": iter(source), "drawn": 0}

        def draw(step):
            try:
                batch = next(state["it"])
            except StopIteration:
                state["it"] = iter(source)
                try:
                    batch = next(state["it"])
                except StopIteration:
                    raise ValueError(f"train_batches ran out after {state['drawn']} batches and cannot be "
                                     "restarted (an iterator or generator is used once): give a list of batches "
                                     "or a callable step -> batch.") from None
            state["drawn"] += 1
            return batch
    else:
        raise TypeError("train_batches must be a callable step -> batch or an iterable of batches, "
                        f"got {type(train_batches).__name__}.")
    if val_batches is not None:
        if isinstance(val_batches, (str, bytes)) or not isinstance(val_batches, Iterable):
            raise TypeError(f"val_batches must be an iterable of batches (a list) or None, got "
                            f"{type(val_batches).__name__}.")
        val_batches = list(val_batches)
        if not val_batches:
            raise ValueError("val_batches is empty.")
    val_every = max(1, n_steps // 20) if val_every is None else check_int(val_every, "val_every", low=1)

    def lr_at(step):
        if schedule == "cosine":
            return cosine_lr(step, n_steps, lr)
        if schedule == "step":
            return lr * (0.1 ** ((step >= 0.6 * n_steps) + (step >= 0.9 * n_steps)))
        return lr

    from tqdm.auto import tqdm

    device = _device(model)
    history = {"step": [], "loss": [], "lr": [], "time": [], "val_step": [], "val_loss": [],
               "stopped": None, "best_step": None}
    best = {"loss": math.inf, "state": None}

    def validate(step):
        v = evaluate(model, loss_fn, val_batches)
        history["val_step"].append(step)
        history["val_loss"].append(v)
        if v < best["loss"]:
            best["loss"], history["best_step"] = v, step
            best["state"] = copy.deepcopy(model.state_dict())
        return v

    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
        model.train()
        bar = tqdm(total=n_steps, desc=type(model).__name__, disable=not progress, leave=True)
        t0 = time.perf_counter()
        running = None
        step = 0
        try:
            for step in range(1, n_steps + 1):
                for group in opt.param_groups:
                    group["lr"] = lr_at(step - 1)
                batch = _to(draw(step - 1), device)
                loss = loss_fn(model, batch)                     # forward
                if step == 1:
                    _check_loss(loss)
                opt.zero_grad(set_to_none=True)
                loss.backward()                                  # backpropagation
                if grad_clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                opt.step()                                       # gradient step
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise FloatingPointError(f"training loss became {value} at step {step}; "
                                             "lower lr or set grad_clip.")
                running = value if running is None else 0.95 * running + 0.05 * value
                history["step"].append(step)
                history["loss"].append(value)
                history["lr"].append(opt.param_groups[0]["lr"])
                history["time"].append(time.perf_counter() - t0)
                if val_batches is not None and (step % val_every == 0 or step == n_steps):
                    validate(step)
                bar.update(1)
                bar.set_postfix(loss=f"{running:.3g}", refresh=False)
                if callback is not None and callback(step, model, history) is True:
                    history["stopped"] = "callback"
                    break
        except KeyboardInterrupt:
            history["stopped"] = "interrupted"
        finally:
            _end_bar(bar, history, type(model).__name__)
        model.eval()
    if history["stopped"] is not None and val_batches is not None and history["step"] and \
            (not history["val_step"] or history["val_step"][-1] != history["step"][-1]):
        validate(history["step"][-1])
    if keep_best and best["state"] is not None:
        model.load_state_dict(best["state"])
    return history


# ----------------------------------------------------------------------------------------
# the learned quadratic regulariser of lecture 1 (closed-form reconstructions, L-BFGS)
# ----------------------------------------------------------------------------------------
def fit_learned_quadratic(A, x_train: torch.Tensor, sigma: float, n_filters: int = 4, size: int = 5,
                          n_iter: int = 100, seed=0, progress: bool = True) -> LearnedQuadratic:
    """Fit the filters so that the regularised reconstruction is best in MSE on training pairs.

    Training pairs are :math:`y_n = Ax_n + \\sigma\\varepsilon_n` (seeded noise). With
    :math:`\\lambda = 1` absorbed into the filters, the reconstruction is the closed form

    .. math:: \\hat x_n(h) = \\mathcal F^{-1}\\Bigl[\\frac{\\overline{\\hat a}\\,\\hat y_n}
              {|\\hat a|^2 + S_h}\\Bigr],\\qquad S_h = \\sum_k|\\hat h_k|^2,

    and the filters minimise :math:`\\sum_n \\|\\hat x_n(h) - x_n\\|^2` (L-BFGS, autograd
    through the FFTs). The start is gradient-Tikhonov at its best training
    :math:`\\lambda` (plus small random filters), so the fit can only improve on it.
    The fitted regulariser is meant to be used with ``lam = 1``.

    Parameters
    ----------
    A : Blur or Identity
        Circulant forward operator on the training image size.
    x_train : torch.Tensor
        Training images ``(N, H, W)``.
    sigma : float
        Noise standard deviation of the training measurements.
    n_filters : int
        Number of filters :math:`K \\geq 2`.
    size : int
        Odd filter side length :math:`\\geq 3`.
    n_iter : int
        L-BFGS iterations.
    seed : int or torch.Generator
        Seed of the noise and of the initial random filters.
    progress : bool
        Show a progress bar (``tqdm.auto``) over the L-BFGS function evaluations.

    Returns
    -------
    LearnedQuadratic
        With ``train_mse``, the mean squared error per pixel reached on the training pairs.

    Notes
    -----
    Every circulant quadratic regulariser gives a linear (Wiener-type) filter, and for
    natural images, whose power spectrum decays like :math:`1/|\\omega|^2`,
    gradient-Tikhonov is already close to the best such filter: expect a gain of a few
    hundredths of a dB on held-out images, not more (``benchmarks/bench_tv.py``). That
    ceiling is the lecture's motivation for non-quadratic and learned non-linear priors.
    """
    check_tensor(x_train, "x_train")
    if x_train.ndim < 2 or x_train.is_complex():
        raise ValueError(f"x_train must be real images (N, H, W), got shape {tuple(x_train.shape)}.")
    n_filters = check_int(n_filters, "n_filters", low=2)
    if check_int(size, "size", low=3) % 2 == 0:
        raise ValueError(f"size must be an odd integer >= 3, got {size!r}.")
    sigma = check_real(sigma, "sigma", low=0, low_open=True)
    n_iter = check_int(n_iter, "n_iter", low=1)
    progress = check_bool(progress, "progress")
    g = make_generator(seed)
    a = _circulant_spectrum(A, torch.device("cpu"), torch.complex128)
    if a is None:
        raise TypeError(f"A must be a circulant operator (Blur or Identity), got {type(A).__name__}.")
    shape = tuple(x_train.shape[-2:])
    if tuple(A.in_shape) != shape:
        raise ValueError(f"x_train images are {shape} but A acts on {A.in_shape}.")
    x = x_train.detach().to(torch.float64).reshape((-1,) + shape)
    y = A(x) + sigma * torch.randn(x.shape, generator=g, dtype=torch.float64)
    num = a.conj() * torch.fft.rfft2(y)
    a2 = _abs2(a)

    def loss_of(S):
        xhat = torch.fft.irfft2(num / (a2 + S), s=shape)
        return ((xhat - x) ** 2).sum(dim=(-2, -1)).mean()

    # start: gradient-Tikhonov at its best lambda on the training pairs
    mu = laplacian_spectrum(shape)
    lams = torch.logspace(-6, 2, 33, dtype=torch.float64).tolist()
    best = min(lams, key=lambda lam: float(loss_of(lam * mu)))
    h = torch.zeros((n_filters, size, size), dtype=torch.float64)
    c = size // 2
    scale = math.sqrt(best)
    h[0, c, c], h[0, c + 1, c] = -scale, scale
    h[1, c, c], h[1, c, c + 1] = -scale, scale
    h[2:] = 0.05 * scale * torch.randn((n_filters - 2, size, size), generator=g, dtype=torch.float64)
    h.requires_grad_(True)

    def S_of(h):
        return sum(_abs2(kernel_spectrum(hk, shape)) for hk in h)

    opt = torch.optim.LBFGS([h], max_iter=n_iter, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-12, tolerance_change=1e-14, history_size=20)

    from tqdm.auto import tqdm  # only when fitting: importing it costs ~0.1 s

    bar = tqdm(total=opt.defaults["max_eval"], desc="fitting filters (L-BFGS evaluations)",
               disable=not progress, leave=False)

    def closure():
        opt.zero_grad()
        loss = loss_of(S_of(h))
        loss.backward()
        bar.update(1)
        bar.set_postfix(mse=f"{loss.detach().item() / math.prod(shape):.2e}", refresh=False)
        return loss

    opt.step(closure)
    bar.total = bar.n  # L-BFGS stops when converged, before max_eval: end the bar complete
    bar.refresh()
    bar.close()
    R = LearnedQuadratic(h.detach())
    R.train_mse = float(loss_of(S_of(h.detach()))) / math.prod(shape)
    return R


def _abs2(z):
    return z.real**2 + z.imag**2


# ----------------------------------------------------------------------------------------
# GAN training (lecture 2): two players, two optimisers, alternating steps
# ----------------------------------------------------------------------------------------
def _recompute_batch_norm(generator: nn.Module, latent_dim: int, device, batches: int = 40, size: int = 256):
    """Replace the batch-norm running statistics of ``generator`` by their averages over fresh codes."""
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None                       # cumulative average over the batches below
    generator.train()
    with torch.no_grad():
        for _ in range(batches):
            generator(torch.randn(size, latent_dim, device=device))
    for m, mom in zip(norms, saved):
        m.momentum = mom


def fit_gan(generator: nn.Module, discriminator: nn.Module, images: torch.Tensor, n_steps: int,
            lr: float = 2e-4, batch: int = 64, seed=0, callback: Callable | None = None,
            snapshot_every: int | None = None, progress: bool = True, n_samples: int = 16,
            saturating: bool = False, average: float | None = None, bf16: bool = False) -> dict:
    """Train a GAN by alternating one discriminator step and one generator step (Adam each).

    Every step draws ``batch`` real images :math:`x_i` and latent codes
    :math:`z_j \\sim \\mathcal N(0, I)`, then

    1. **discriminator** (ascend :math:`V`): minimise
       :math:`-\\tfrac1n\\sum_i\\log D(x_i) - \\tfrac1n\\sum_j\\log(1 - D(G(z_j)))`
       (:func:`invlab.losses.discriminator_loss`, the fakes detached);
    2. **generator**: minimise :math:`-\\tfrac1n\\sum_j \\log D(G(z_j))` with the updated
       discriminator (:func:`invlab.losses.generator_loss`, non-saturating; ``saturating=True``
       uses the minimax :math:`\\log(1 - D(G(z_j)))` of the slides instead).

    Adam with :math:`\\beta_1 = 0.5` and a constant learning rate, as in DCGAN (Radford et al.
    2016). With ``average`` set, the generator that is returned is an exponential moving average
    of the generator's weights over training (Yazıcı et al. 2019),

    .. math:: \\bar\\theta_t = \\beta_t\\,\\bar\\theta_{t-1} + (1 - \\beta_t)\\,\\theta_t, \\qquad
              \\beta_t = \\min\\big(\\beta, \\tfrac{1 + t}{10 + t}\\big),

    which smooths out the oscillation of the two-player game; its batch-norm running statistics
    are then recomputed on 10,240 fresh codes, since eval mode uses them. The discriminator's
    weights are frozen during the generator step (their gradients there would be thrown away),
    which saves a few per cent of the time and changes nothing else. The loop, written out::

        fake = generator(z)
        d_loss = discriminator_loss(discriminator(real), discriminator(fake.detach()))
        opt_d.zero_grad(); d_loss.backward(); opt_d.step()
        g_loss = generator_loss(discriminator(fake))
        opt_g.zero_grad(); g_loss.backward(); opt_g.step()

    Parameters
    ----------
    generator : torch.nn.Module
        ``generator(z) -> x`` with attribute ``latent_dim`` (e.g. :class:`invlab.nets.gan.Generator`),
        trained in place on the device of its parameters.
    discriminator : torch.nn.Module
        ``discriminator(x) -> logits (B,)`` (e.g. :class:`invlab.nets.gan.Discriminator`).
    images : torch.Tensor
        Training images ``(N, H, W)`` or ``(N, 1, H, W)`` in :math:`[0, 1]`; batches are drawn
        with replacement.
    n_steps : int
        Number of (discriminator, generator) step pairs.
    lr : float
        Learning rate of both optimisers.
    batch : int
        Real images (and latent codes) per step.
    seed : int
        Seeds torch's global generator for the run (restored afterwards): the batches, the codes
        and the fixed codes of the snapshots.
    callback : callable, optional
        ``callback(step, generator, history)`` after every step; returning ``True`` stops.
    snapshot_every : int, optional
        Store the generator's images of ``n_samples`` fixed codes (in eval mode) every
        ``snapshot_every`` steps; they are stored at step 0 and at the last step in any case.
    progress : bool
        Show a ``tqdm.auto`` progress bar.
    n_samples : int
        Number of fixed latent codes of the snapshots.
    saturating : bool
        Train the generator on the minimax loss instead of the non-saturating one.
    average : float, optional
        :math:`\\beta \\in [0, 1)`: return the moving average of the generator's weights (see
        above; e.g. 0.999) instead of the last iterate. The snapshots, the losses and ``callback``
        see the generator being trained (the last iterate), whose game they describe.
    bf16 : bool
        Run both networks' forward passes under ``torch.autocast`` with ``bfloat16``: the
        convolutions and linear maps compute in 16-bit brain floating point (8 bits of mantissa),
        while the weights, Adam's moments, the losses and the moving average stay ``float32``.
        On CPUs with AVX512-BF16 (or AMX) instructions a step takes about 30 % less time (the
        shipped ``gan_generator`` trains this way); on CPUs without them it can be slower.

    Returns
    -------
    dict
        ``history`` with, per step, ``"step"``, ``"d_loss"``, ``"g_loss"``, ``"d_real"`` and
        ``"d_fake"`` (the batch means of :math:`D(x)` and :math:`D(G(z))` in the discriminator
        step) and ``"time"``; ``"samples"`` (tensors ``(n_samples, 1, H, W)``) with their
        ``"sample_step"``; ``"stopped"`` (``None``, ``"callback"`` or ``"interrupted"``). Both
        networks are left in eval mode; with ``average`` the generator holds the averaged weights
        (the samples are still the last iterate's).

    References
    ----------
    I. Goodfellow et al., "Generative adversarial nets", NeurIPS 2014. A. Radford, L. Metz,
    S. Chintala, "Unsupervised representation learning with deep convolutional generative
    adversarial networks", ICLR 2016. Y. Yazıcı, C.-S. Foo, S. Winkler, K.-H. Yap, G. Piliouras,
    V. Chandrasekhar, "The unusual effectiveness of averaging in GAN training", ICLR 2019.
    """
    for name, net in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(net, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {type(net).__name__}.")
    latent_dim = getattr(generator, "latent_dim", None)
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, numbers.Integral) or latent_dim < 1:
        raise TypeError(f"generator must have an integer attribute latent_dim >= 1 (generator(z) with z of "
                        f"shape (B, latent_dim)), got latent_dim={latent_dim!r}.")
    check_tensor(images, "images")
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1] != 1 or images.shape[0] < 1 or images.is_complex():
        raise ValueError(f"images must be real images (N, H, W) or (N, 1, H, W), got shape {tuple(images.shape)}.")
    lo, hi = float(images.min()), float(images.max())
    if lo < 0 or hi > 1:
        raise ValueError(f"images must lie in [0, 1], got values in [{lo:g}, {hi:g}] (divide 8-bit images by 255).")
    if isinstance(generator, nn.Module):
        was_training = generator.training
        generator.eval()
        try:
            with torch.no_grad():
                p = next(generator.parameters(), None)
                probe = generator(torch.zeros(2, latent_dim, device=p.device if p is not None else "cpu"))
        finally:
            generator.train(was_training)
        if tuple(probe.shape[-2:]) != tuple(images.shape[-2:]):
            raise ValueError(f"images must have the generator's image size {tuple(probe.shape[-2:])}, got images "
                             f"of shape {tuple(images.shape)}.")
    n_steps = check_int(n_steps, "n_steps", low=1)
    lr = check_real(lr, "lr", low=0, low_open=True)
    batch = check_int(batch, "batch", low=2)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {seed!r}.")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable (step, generator, history) or None, got {type(callback).__name__}.")
    snapshot_every = check_int(snapshot_every, "snapshot_every", low=1, allow_none=True)
    progress = check_bool(progress, "progress")
    n_samples = check_int(n_samples, "n_samples", low=1)
    saturating = check_bool(saturating, "saturating")
    average = check_real(average, "average", low=0, high=1, high_open=True, allow_none=True)
    bf16 = check_bool(bf16, "bf16")

    from tqdm.auto import tqdm

    device = _device(generator)
    images = images.detach()
    history = {"step": [], "d_loss": [], "g_loss": [], "d_real": [], "d_fake": [], "time": [],
               "samples": [], "sample_step": [], "stopped": None}

    def snapshot(step):
        generator.eval()
        with torch.no_grad():
            history["samples"].append(generator(z_fixed).detach().cpu())
        history["sample_step"].append(step)
        generator.train()

    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        z_fixed = torch.randn(n_samples, latent_dim, device=device)
        opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
        generator.train()
        discriminator.train()
        averaged = [p.detach().clone() for p in generator.parameters()] if average is not None else None
        d_params = [p for p in discriminator.parameters() if p.requires_grad]   # the ones it trains

        def forward():                                   # forward passes in bfloat16 if asked
            return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
        snapshot(0)
        bar = tqdm(total=n_steps, desc="GAN", disable=not progress, leave=True)
        t0 = time.perf_counter()
        step = 0
        try:
            for step in range(1, n_steps + 1):
                real = images[torch.randint(images.shape[0], (batch,))].to(device)
                with forward():
                    fake = generator(torch.randn(batch, latent_dim, device=device))
                    d_real, d_fake = discriminator(real).float(), discriminator(fake.detach()).float()
                d_loss = discriminator_loss(d_real, d_fake)              # discriminator: ascend V
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
                for p in d_params:                                       # generator: D frozen
                    p.requires_grad_(False)
                try:
                    with forward():
                        d_out = discriminator(fake).float()
                    g_loss = generator_loss(d_out, saturating=saturating)
                    opt_g.zero_grad(set_to_none=True)
                    g_loss.backward()
                finally:
                    for p in d_params:
                        p.requires_grad_(True)
                opt_g.step()
                if averaged is not None:
                    beta = min(average, (1 + step) / (10 + step))
                    with torch.no_grad():
                        for a, p in zip(averaged, generator.parameters()):
                            a.mul_(beta).add_(p.detach(), alpha=1 - beta)
                dl, gl = float(d_loss.detach()), float(g_loss.detach())
                if not (math.isfinite(dl) and math.isfinite(gl)):
                    raise FloatingPointError(f"GAN losses became d_loss={dl}, g_loss={gl} at step {step}; "
                                             "lower lr.")
                history["step"].append(step)
                history["d_loss"].append(dl)
                history["g_loss"].append(gl)
                history["d_real"].append(float(torch.sigmoid(d_real.detach()).mean()))
                history["d_fake"].append(float(torch.sigmoid(d_fake.detach()).mean()))
                history["time"].append(time.perf_counter() - t0)
                if snapshot_every is not None and step % snapshot_every == 0:
                    snapshot(step)
                bar.update(1)
                bar.set_postfix(d_loss=f"{dl:.3f}", g_loss=f"{gl:.3f}", refresh=False)
                if callback is not None and callback(step, generator, history) is True:
                    history["stopped"] = "callback"
                    break
        except KeyboardInterrupt:
            history["stopped"] = "interrupted"
        finally:
            _end_bar(bar, history, "GAN")
        last = history["step"][-1] if history["step"] else 0
        if history["sample_step"][-1] != last:
            snapshot(last)
        if averaged is not None:
            with torch.no_grad():
                for a, p in zip(averaged, generator.parameters()):
                    p.copy_(a)
            _recompute_batch_norm(generator, latent_dim, device)
    generator.eval()
    discriminator.eval()
    return history
