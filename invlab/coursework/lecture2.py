"""The exercises of lecture 2: ``pnp_step`` and ``csgm_loss``, with their weight-free stand-in networks."""
from __future__ import annotations

import math

import numbers

import torch

from .. import operators as op
from .base import (Case, Exercise, Verdict, _KERNEL, _close, _describe_pair, _fmt, _invoke, _mismatch, _one_line,
                   _same_number, _seeded, _tensor_issue, record)

__all__ = ["PnpStep", "CsgmLoss", "StandInDenoiser", "StandInGenerator", "standin_denoise"]


# ----------------------------------------------------------------------------------------
# lecture 2: stand-ins for a denoiser and a generator (fast, no weights)
# ----------------------------------------------------------------------------------------
def standin_denoise(z: torch.Tensor, sigma: float) -> torch.Tensor:
    """The stand-in denoiser's map: a local mean plus the deviation clipped softly at ±sigma."""
    s = (z + z.roll(1, -1) + z.roll(-1, -1) + z.roll(1, -2) + z.roll(-1, -2)) / 5
    return s + sigma * torch.tanh((z - s) / sigma)


class StandInDenoiser:
    """A tiny deterministic "denoiser" with the call shape of the course's networks.

    ``denoiser(x, sigma) -> x`` on a batch ``(B, C, H, W)``: a 5-point local mean plus the
    deviation from it clipped softly at ±``sigma`` (so its output depends on ``sigma``). It
    records how it was called (``calls``, ``sigmas``) so that a check can say "called twice".
    """

    def __init__(self):
        self.calls = 0
        self.sigmas: list[float] = []

    def __call__(self, x, sigma):
        if not isinstance(x, torch.Tensor) or x.ndim != 4:
            raise ValueError(f"the denoiser takes images as a batch (B, 1, H, W), got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}; "
                             "x and y are already batches, so pass z as it is.")
        if isinstance(sigma, torch.Tensor):
            if sigma.numel() != 1:
                raise ValueError(f"the denoiser's sigma must be one number here, got a tensor of shape "
                                 f"{tuple(sigma.shape)}.")
            sigma = float(sigma)
        if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not sigma > 0:
            raise ValueError(f"the denoiser's sigma must be a positive number, got {sigma!r}.")
        self.calls += 1
        self.sigmas.append(float(sigma))
        return standin_denoise(x, float(sigma))


def _standin_weights(latent_dim: int, n_pixels: int, seed: int):
    g = _seeded(seed)
    return (torch.randn(n_pixels, latent_dim, generator=g, dtype=torch.float64),
            0.5 * torch.randn(n_pixels, generator=g, dtype=torch.float64))


class StandInGenerator:
    """A tiny deterministic "generator" ``G(z) = sigmoid(W z + b)`` with the course's call shape.

    ``generator(z) -> x`` maps codes ``(B, latent_dim)`` to images ``(B, 1, H, W)``, and has the
    attribute ``latent_dim``. Differentiable in ``z``; fixed weights from a seed.

    Parameters
    ----------
    latent_dim : int
    shape : tuple of int
        Image shape ``(H, W)``.
    seed : int
    """

    def __init__(self, latent_dim: int = 4, shape=(8, 8), seed: int = 5):
        from .._checks import check_int, check_shape

        self.latent_dim, self.shape = check_int(latent_dim, "latent_dim", low=1), check_shape(shape, "shape", ndim=2)
        self.W, self.b = _standin_weights(self.latent_dim, math.prod(self.shape), seed)

    def __call__(self, z):
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"the generator takes codes of shape (B, latent_dim) = (B, {self.latent_dim}), got "
                             f"{tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}.")
        return torch.sigmoid(z @ self.W.T + self.b).reshape(z.shape[0], 1, *self.shape)


class PnpStep(Exercise):
    """``pnp_step(x, y, A, denoiser, step, sigma)``: :math:`D(x + \\eta A^{\\top}(y - Ax), \\sigma)`."""

    name, signature, lecture = "pnp_step", "pnp_step(x, y, A, denoiser, step, sigma)", "02"

    def cases(self):
        g = _seeded(4)
        n = 12
        x_true = torch.rand(1, 1, n, n, generator=g, dtype=torch.float64)
        out = []
        for label, A, step, sigma in (
                ("deblurring (a non-symmetric blur), step = 1, σ = 0.05", op.Blur((n, n), _KERNEL), 1.0, 0.05),
                ("inpainting (a random mask), step = 0.5, σ = 0.1", op.Mask.random((n, n), 0.5, seed=4), 0.5, 0.1),
                ("×2 super-resolution (y is 6×6), step = 1.5, σ = 0.02", op.Downsample((n, n), 2), 1.5, 0.02)):
            y = A(x_true) + 0.02 * torch.randn((1, 1) + A.out_shape, generator=g, dtype=torch.float64)
            x = A.adjoint(y) + 0.05 * torch.randn(1, 1, n, n, generator=g, dtype=torch.float64)
            out.append(Case(label, (x, y, A, None, step, sigma)))
        return out

    def call(self, fn, case):
        x, y, A, _, step, sigma = case.args
        denoiser = StandInDenoiser()
        out, err = _invoke(fn, (x, y, A, denoiser, step, sigma))
        rec = err if err is not None else record(out)
        if "error" not in rec:
            rec["calls"], rec["sigmas"] = denoiser.calls, denoiser.sigmas[:10]
        return rec

    def judge_case(self, case, rec):
        x, y, A, _, step, sigma = case.args
        issue = _tensor_issue(rec, tuple(x.shape))
        if issue:
            return Verdict(False, hint=issue + " The step returns the next iterate x_new, shaped like x.")
        got = rec["value"]
        z = x + step * A.adjoint(y - A(x))
        ref = standin_denoise(z, sigma)
        if _close(got, ref, 1e-6):
            return Verdict(True)
        calls = rec.get("calls", 1)
        mistakes = [
            (z, "you took the gradient step but did not apply the denoiser: x_new = denoiser(z, sigma)."),
            (lambda: standin_denoise(x - step * A.adjoint(y - A(x)), sigma),
             "sign error: the gradient of ½‖Ax − y‖² is Aᵀ(Ax − y), so z = x + step · Aᵀ(y − Ax)."),
            (lambda: standin_denoise(x + step * A(y - A(x)), sigma),
             "use the adjoint A.T (A.adjoint) to bring the residual back to the image: z = x + step · Aᵀ(y − Ax)."),
            (lambda: standin_denoise(x + A.adjoint(y - A(x)), sigma),
             "multiply the gradient Aᵀ(y − Ax) by step."),
            (lambda: standin_denoise(z, step), "the denoiser's strength is sigma, not step: denoiser(z, sigma)."),
            (lambda: standin_denoise(x, sigma) + step * A.adjoint(y - A(standin_denoise(x, sigma))),
             "the order: first the gradient step on the data term, then the denoiser."),
            (lambda: standin_denoise(x, sigma) + step * A.adjoint(y - A(x)),
             "the order: first the gradient step on the data term, then the denoiser."),
        ]
        default = "compare with z = x + step · A.T(y − A(x)), x_new = denoiser(z, sigma)."
        if calls != 1:
            default = f"call the denoiser exactly once per step (it was called {calls} times)."
        return _mismatch(self.name, got, ref, mistakes, default, 1e-6)

    def error_hints(self, case, error):
        if "trailing dimensions" in error or "shape" in error:
            return ("A maps an image x to a measurement; A.T (A.adjoint) maps a measurement back to an image. "
                    "In super-resolution y is smaller than x.")
        return None


class CsgmLoss(Exercise):
    """``csgm_loss(z, y, A, generator, lam)``: :math:`\\tfrac12\\|y - A\\,G(z)\\|^2 + \\lambda\\|z\\|^2`."""

    name, signature, lecture = "csgm_loss", "csgm_loss(z, y, A, generator, lam)", "02"

    def cases(self):
        g = _seeded(6)
        G = StandInGenerator()
        shape = G.shape
        out = []
        for label, A, batch, lam in (
                ("compressed sensing with 20 Gaussian measurements, λ = 0.01",
                 op.GaussianSensing(20, shape, seed=6), 1, 0.01),
                ("a blur, λ = 0.5", op.Blur(shape, _KERNEL), 1, 0.5),
                ("a batch of three codes (the loss sums over everything), inpainting, λ = 0.1",
                 op.Mask.random(shape, 0.3, seed=6), 3, 0.1)):
            z_true = torch.randn(batch, G.latent_dim, generator=g, dtype=torch.float64)
            y = A(G(z_true)) + 0.05 * torch.randn((batch, 1) + A.out_shape, generator=g, dtype=torch.float64)
            z = torch.randn(batch, G.latent_dim, generator=g, dtype=torch.float64)
            out.append(Case(label, (z, y, A, G, lam)))
        return out

    def call(self, fn, case):
        z, y, A, G, lam = case.args
        z = z.clone().requires_grad_(True)
        out, err = _invoke(fn, (z, y, A, G, lam))
        if err is not None:
            return err
        rec = record(out)
        if rec.get("kind") == "tensor" and isinstance(out, torch.Tensor) and out.requires_grad and out.numel() == 1:
            try:
                grad = torch.autograd.grad(out.sum(), z, allow_unused=True)[0]
                rec["grad"] = None if grad is None else grad.detach().clone()
            except Exception as e:
                rec["grad_error"] = _one_line(f"{type(e).__name__}: {e}")
        return rec

    def judge_case(self, case, rec):
        z, y, A, G, lam = case.args
        if rec.get("kind") == "number":
            return Verdict(False, hint="return a torch tensor, not a Python number (no .item()): the optimiser "
                                       "differentiates the loss with respect to z.")
        if rec.get("kind") != "tensor":
            return Verdict(False, hint=f"return a scalar torch tensor, not {rec.get('type', 'something else')}.")
        if math.prod(rec["shape"]) != 1:
            return Verdict(False, hint=f"return one number for the whole batch (a scalar tensor), not a tensor of "
                                       f"shape {tuple(rec['shape'])}: sum over all entries.")
        if "value" not in rec or rec.get("dtype", "").startswith("complex"):
            return Verdict(False, hint="return a real scalar tensor.")
        got = float(rec["value"].reshape(()))
        zz = z.clone().requires_grad_(True)
        r = y - A(G(zz))
        data, reg = 0.5 * (r**2).sum(), (zz**2).sum()
        loss = data + lam * reg
        ref = float(loss.detach())
        d_v, r_v = float(data.detach()), float(reg.detach())
        expected, got_text = _fmt(ref), _fmt(got)
        if not _same_number(got, ref, 1e-10, 1e-6):
            with torch.no_grad():
                n_r, n_z = r.numel(), zz.numel()
                mistakes = [
                    (2 * d_v + lam * r_v, "the data term is ½‖y − A G(z)‖²: the ½ is missing."),
                    (d_v + 0.5 * lam * r_v, "the regulariser is λ‖z‖², without a ½."),
                    (d_v, "add the regulariser λ‖z‖²."),
                    (d_v + lam * math.sqrt(r_v), "square the norm of z: λ‖z‖² = λ · (z**2).sum()."),
                    (math.sqrt(2 * d_v) + lam * r_v,
                     "square the norm of the residual: ½‖y − A G(z)‖² = 0.5 * ((y − A(G(z)))**2).sum()."),
                    (d_v / n_r + lam * r_v / n_z, "use sums, not means (the course's objectives are "
                                                                 "sums: ½‖r‖² = 0.5 * (r**2).sum())."),
                    (2 * d_v / n_r + lam * r_v / n_z, "use sums, not means (the course's objectives "
                                                                     "are sums: ½‖r‖² = 0.5 * (r**2).sum())."),
                    (d_v / n_r + lam * r_v, "use sums, not means: ½‖r‖² = 0.5 * (r**2).sum()."),
                ]
                if tuple(G(zz).shape[-2:]) == tuple(y.shape[-2:]):
                    mistakes.append((0.5 * float(((y - G(zz)) ** 2).sum()) + lam * r_v,
                                     "apply the forward model: the residual is y − A(G(z))."))
            for wrong, hint in mistakes:
                if _same_number(got, wrong, 1e-10, 1e-6):
                    return Verdict(False, hint=hint, expected=expected, got=got_text)
            return Verdict(False, hint="compare with 0.5 * ((y − A(G(z)))**2).sum() + lam * (z**2).sum().",
                           expected=expected, got=got_text)
        if "grad_error" in rec:
            return Verdict(False, hint=f"the value is right, but differentiating it raised {rec['grad_error']}")
        grad = rec.get("grad")
        if not rec.get("requires_grad") or grad is None:
            return Verdict(False, hint="the value is right, but the loss is not differentiable with respect to z: "
                                       "keep torch operations (no .item(), .detach(), numpy or torch.no_grad()).")
        ref_grad = torch.autograd.grad(loss, zz)[0]
        if not _close(grad, ref_grad, 1e-6):
            e, gt = _describe_pair(grad, ref_grad)
            return Verdict(False, hint="the value is right but its gradient with respect to z is not: part of the "
                                       "loss is detached from z.", expected="gradient " + e, got="gradient " + gt)
        return Verdict(True)

    def error_hints(self, case, error):
        if "generator takes codes" in error:
            return "pass z itself to the generator: generator(z)."
        if "trailing dimensions" in error or "shape" in error:
            return "apply A to the generated image: A(generator(z)), and compare it with y."
        return None
