"""Shared plumbing of the solvers: argument checks, the ``history`` dict, the objective and the
Fourier eigenvalues of circulant operators (cached per operator)."""
from __future__ import annotations

import weakref

import torch

from .._checks import check_callable, check_int, check_real
from ..metrics import psnr
from ..operators import Blur, Gradient, HaarTransform, Identity, LinearOperator, check_tensor, laplacian_spectrum
from ..regularisers import Regulariser

__all__ = ["objective"]


# ----------------------------------------------------------------------------------------
# argument checks and history
# ----------------------------------------------------------------------------------------
def _check_lam(lam) -> float:
    return check_real(lam, "lam", low=0)


def _check_n_iter(n_iter, name="n_iter") -> int:
    return check_int(n_iter, name, low=1)


def _check_positive(value, name) -> float:
    return check_real(value, name, low=0, low_open=True)


def _check_keep_every(keep_every):
    return check_int(keep_every, "keep_every", low=1, allow_none=True)


def _check_operator(A, name="A"):
    if not isinstance(A, LinearOperator):
        raise TypeError(f"{name} must be an invlab.operators.LinearOperator (e.g. op.Blur.gaussian(...)), "
                        f"got {type(A).__name__}; wrap a matrix with op.Matrix(torch.as_tensor(M)).")
    return A


def _check_reg(reg):
    if not isinstance(reg, Regulariser):
        raise TypeError(f"reg must be an invlab.regularisers.Regulariser (e.g. TV()), got {type(reg).__name__}.")


def _setup(A, y, x0, x_true, keep_every, n_iter):
    """Validate the common arguments (not ``callback``: see :func:`_check_callback`); return the
    start x and an empty history."""
    _check_operator(A)
    check_tensor(y, "y", A.out_shape)
    _check_n_iter(n_iter)
    _check_keep_every(keep_every)
    if x_true is not None:
        check_tensor(x_true, "x_true", A.in_shape)
    x = A.adjoint(y) if x0 is None else check_tensor(x0, "x0", A.in_shape).clone()
    history = {"objective": []}
    if x_true is not None:
        history["psnr"] = []
    if keep_every:
        history["x"], history["x_iter"] = [], []
    return x, history


def _check_callback(callback):
    return check_callable(callback, "callback")


def _record(history, k, x, obj, x_true, keep_every, callback) -> bool:
    """Append iteration ``k``'s numbers to ``history``; return True to stop."""
    history["objective"].append(float(obj))
    if x_true is not None:
        p = psnr(x, x_true)
        history["psnr"].append(float(p.mean()) if isinstance(p, torch.Tensor) else p)
    if keep_every and k % keep_every == 0:
        history["x"].append(x.detach().clone())
        history["x_iter"].append(k)
    return bool(callback(k, x)) if callback is not None else False


def _norm2(v):
    return float((v.real**2 + v.imag**2).sum() if v.is_complex() else (v * v).sum())


def _dot(a, b):
    return float((a.conj() * b).real.sum() if (a.is_complex() or b.is_complex()) else (a * b).sum())


def objective(A, y, reg, lam, x) -> float:
    """:math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)` (``reg=None`` means :math:`R = 0`).

    ``inf`` when the data term is not finite (a diverged iterate).
    """
    check_tensor(x, "x", A.in_shape, finite=False)
    data = 0.5 * _norm2(A._forward(x) - y)
    if data != data or data == float("inf"):
        return float("inf")  # diverged: do not ask R for the value of a non-finite x
    return data + (lam * float(reg(x)) if reg is not None and lam > 0 else 0.0)


# ----------------------------------------------------------------------------------------
# Fourier machinery for circulant problems
# ----------------------------------------------------------------------------------------
_SPECTRA: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_NORMS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _circulant_spectrum(A, device, cdtype):
    """Eigenvalues :math:`\\hat a` (rfft2 layout) of a circulant ``A`` (Blur, 2-D Identity), else None."""
    if not isinstance(A, (Blur, Identity)) or len(A.in_shape) != 2:
        return None
    cache = _SPECTRA.setdefault(A, {})
    key = (torch.device(device), cdtype)
    if key not in cache:
        H, W = A.in_shape
        a = A.spectrum if isinstance(A, Blur) else torch.ones((H, W // 2 + 1), dtype=torch.complex128)
        cache[key] = a.to(device=device, dtype=cdtype)
    return cache[key]


def _gram_spectrum(K, device, dtype):
    """Eigenvalues of :math:`K^{\\top}K` when it is circulant (I, Haar, circular gradient), else None."""
    H, W = K.in_shape[-2:]
    if isinstance(K, (Identity, HaarTransform)):
        return torch.ones((H, W // 2 + 1), device=device, dtype=dtype)
    if isinstance(K, Gradient) and K.boundary == "circular":
        return laplacian_spectrum((H, W), device, dtype)
    return None


def _complex_of(dtype):
    return torch.complex128 if dtype == torch.float64 else torch.complex64


def _op_norm(A) -> float:
    """:math:`\\|A\\|_2`, exact for circulant operators, otherwise power iteration (cached)."""
    if A not in _NORMS:
        a = _circulant_spectrum(A, "cpu", torch.complex128)
        _NORMS[A] = float(a.abs().max()) if a is not None else A.norm()
    return _NORMS[A]


def _rfft_norm2(v_hat, W):
    """:math:`\\|v\\|^2` from ``rfft2(v)`` (Parseval; the half-spectrum columns count twice)."""
    p = v_hat.real**2 + v_hat.imag**2
    inner = p[..., 1:(W + 1) // 2].sum()
    return float((p.sum() + inner) / (p.shape[-2] * W))
