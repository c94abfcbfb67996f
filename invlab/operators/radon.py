"""Parallel-beam CT: the discrete Radon transform, its exact adjoint and filtered back-projection.

Introduced in lecture 0 (the gallery of forward models); the subject of lecture 4 (CT).

The Radon transform of an image :math:`f(x, y)` is the set of its line integrals

.. math::
    (\\mathcal R f)(\\theta, t) = \\int_{\\mathbb R^2} f(x, y)\\,
    \\delta(t - x\\cos\\theta - y\\sin\\theta)\\,\\mathrm dx\\,\\mathrm dy,

one projection (a row of the sinogram) per angle :math:`\\theta`, sampled at detector
positions :math:`t`. Here the image is a grid of unit squares of constant value, and the
matrix :math:`A` integrates the projection of each square over each detector bin in the
*distance-driven* approximation (De Man and Basu, 2004): the projected square is replaced by
a box of width :math:`a_\\theta = \\max(|\\cos\\theta|, |\\sin\\theta|)` centred on the projected
pixel centre. A box of width :math:`\\le 1` overlaps at most two unit bins, so at every angle
a pixel feeds two neighbouring bins :math:`q, q+1` with weights :math:`w` and :math:`1 - w`:
:math:`A` has two entries per pixel and angle, and :math:`A^{T}` (back-projection) is linear
interpolation between those two bins. Unlike "splatting" pixel centres onto the detector,
the boxes tile the detector at every angle, which keeps aliasing out of the sinogram.
"""
from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections import OrderedDict

import numpy as np
import torch

from .base import LinearOperator, check_tensor

__all__ = ["Radon"]

FILTERS = ("ramp", "shepp-logan", "cosine", "hann")

# Matrices of recently used (size, angles) pairs, so that a slider which comes back to a
# number of angles gets its operator at once; bounded by the bytes held.
_CACHE: "OrderedDict[tuple, _Geometry]" = OrderedDict()
_CACHE_BYTES = 512 * 2**20


def _empty(shape, dtype) -> torch.Tensor:
    """An uninitialised CPU tensor allocated by numpy, which asks Linux for transparent huge
    pages: first touching a 37 MB array cost 8 ms here instead of 25 ms with ``torch.empty``."""
    return torch.from_numpy(np.empty(shape, dtype=torch.empty(0, dtype=dtype).numpy().dtype))


def _footprints(xs, ys, cos, sin, start, inv_a, q, w):
    """Bin ``q`` where each pixel's footprint starts and the share ``w`` that bin receives.

    Pixel centres ``xs, ys`` broadcast against the per-angle ``cos, sin, start, inv_a`` to the
    shape of the outputs ``q`` (integer) and ``w``. The left edge of the footprint, in bins,
    is :math:`e = x\\cos\\theta + y\\sin\\theta + s_\\theta > 0`; then :math:`q = \\lfloor e\\rfloor`
    and :math:`w = \\min((q + 1 - e) / a_\\theta, 1)`. Only correctly rounded elementwise
    operations are used, so the pixel-major layout (for :math:`A^{T}`) and the angle-major
    one (for :math:`A`) give bit-identical values: the two matrices are exact transposes.
    """
    torch.mul(xs, cos, out=w)
    w.add_(ys * sin).add_(start)
    q.copy_(w)                                      # truncation = floor, as e > 0
    w.sub_(q).neg_().add_(1).mul_(inv_a).clamp_(max=1.0)


def _quarter_turns(angles: list) -> tuple:
    """Indices ``base, turned`` with ``angles[turned[k]] == angles[base[k]] + 90`` (to 1e-9),
    the paired angles first in ``base``. The projection of :math:`x` at :math:`\\theta + 90^\\circ`
    is the projection at :math:`\\theta` of :math:`x` turned by a quarter, so such angles
    need no matrix of their own: most angle sets (``Radon(n, 180)``, any even count) halve."""
    order = sorted(range(len(angles)), key=angles.__getitem__)
    values = [angles[i] for i in order]
    taken, pairs = [False] * len(angles), []
    for i in order:
        if taken[i]:
            continue
        k = bisect.bisect_left(values, angles[i] + 90 - 1e-9)
        while k < len(values) and values[k] <= angles[i] + 90 + 1e-9:
            if not taken[order[k]]:
                pairs.append((i, order[k]))
                taken[i] = taken[order[k]] = True
                break
            k += 1
    base = [i for i, _ in pairs] + [i for i in range(len(angles)) if not taken[i]]
    return torch.tensor(base, dtype=torch.long), torch.tensor([j for _, j in pairs], dtype=torch.long)


class _Geometry:
    """The sparse matrices of one (size, angles) pair, float32 on the CPU, built on first use.

    Only the ``base`` angles get matrices (see :func:`_quarter_turns`). Bins are indexed by
    ``q`` over ``n + 2`` internal bins (an empty guard bin on each side). ``adj``: CSR of
    :math:`A^{T}` with a row per pixel and an entry per angle, in column ``angle * (n + 2) + q``.
    ``fwd``: CSR with a row per (angle, bin) listing the pixels whose footprint starts there
    (a counting sort of the pixels by ``q``). Both hold ``w``; the ``1 - w`` parts use the
    same patterns with ones. Work is done in chunks that stay in cache.
    """

    def __init__(self, size: int, angles: torch.Tensor):
        n, c, r = size, size // 2, (size - 1) // 2      # centre pixel; radius seen at all angles
        self.base, self.turned = _quarter_turns(angles.tolist())
        self.n_a, self.n_q = len(self.base), n + 2
        if self.n_a * n * n >= 2**31:
            raise ValueError(f"Radon({size}, {len(angles)} angles) is too large for int32 sparse indices.")
        rows, cols = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        xs, ys = (cols - c).flatten(), (c - rows).flatten()
        self.inside = xs * xs + ys * ys <= r * r
        self.pix = torch.nonzero(self.inside).flatten().to(torch.int32)
        self.xs, self.ys = xs[self.inside].float(), ys[self.inside].float()
        self.turn = (((2 * c - cols) % n) * n + rows).flatten()    # x turned: x[2c - j, i]
        self.unturn = torch.argsort(self.turn)                      # the inverse permutation
        theta = torch.deg2rad(angles[self.base])
        cos, sin = torch.cos(theta), torch.sin(theta)
        width = torch.maximum(cos.abs(), sin.abs())      # footprint width a, in [1/sqrt 2, 1]
        # per angle: cos, sin, start = (c + 1/2) + 1 - a/2 (the +1 for the guard bin), 1/a
        self.per_angle = [t.float() for t in (cos, sin, c + 1.5 - width / 2, 1 / width)]
        self.shape = (n * n, self.n_a * self.n_q)       # shape of A^T (base angles)
        self.adj = self.fwd = None
        self._mats = {}

    def build_adjoint(self):
        n_pix, n_a = len(self.pix), self.n_a
        col, w = _empty((n_pix, n_a), torch.int32), _empty((n_pix, n_a), torch.float32)
        per_angle = [t[None, :] for t in self.per_angle]
        for i in range(0, n_pix, 4096):
            j = slice(i, i + 4096)
            _footprints(self.xs[j, None], self.ys[j, None], *per_angle, col[j], w[j])
            col[j] += torch.arange(n_a, dtype=torch.int32) * self.n_q
        crow = torch.zeros(self.shape[0] + 1, dtype=torch.int32)
        crow[1:][self.inside] = n_a
        self.adj = (crow.cumsum(0, dtype=torch.int32), col.view(-1), w.view(-1))

    def build_forward(self):
        n_pix, n_a = len(self.pix), self.n_a
        col, w = _empty((n_a, n_pix), torch.int32), _empty((n_a, n_pix), torch.float32)
        crow = torch.empty(n_a, self.n_q, dtype=torch.int64)
        key = torch.int16 if self.n_q < 2**15 else torch.int32   # numpy radix-sorts 16-bit keys
        bins = torch.arange(self.n_q, dtype=key)
        for a in range(0, n_a, 16):
            b = min(a + 16, n_a)
            q, wq = torch.empty(b - a, n_pix, dtype=key), torch.empty(b - a, n_pix)
            _footprints(self.xs, self.ys, *(t[a:b, None] for t in self.per_angle), q, wq)
            perm = torch.from_numpy(np.argsort(q.numpy(), axis=1, kind="stable"))
            torch.index_select(self.pix, 0, perm.view(-1), out=col[a:b].view(-1))
            perm += torch.arange(b - a)[:, None] * n_pix            # flat indices, faster
            torch.index_select(wq.view(-1), 0, perm.view(-1), out=w[a:b].view(-1))
            # row (angle, bin k) starts where the sorted q of that angle reaches k
            q_sorted = torch.index_select(q.view(-1), 0, perm.view(-1)).view(b - a, n_pix)
            torch.searchsorted(q_sorted, bins.repeat(b - a, 1), out=crow[a:b])
        crow = torch.cat([(crow + torch.arange(n_a)[:, None] * n_pix).view(-1), torch.tensor([n_a * n_pix])])
        self.fwd = (crow.to(torch.int32), col.view(-1), w.view(-1))

    def nbytes(self) -> int:
        ts = [*(self.adj or ()), *(self.fwd or ()), *(ms[0].values() for ms in self._mats.values())]
        return sum(t.numel() * t.element_size() for t in {t.data_ptr(): t for t in ts}.values())

    def matrices(self, kind: str, device, dtype) -> tuple:
        """``(M_w, M_1)``: the CSR matrix with values ``w`` and the same pattern with ones."""
        key = (kind, device, dtype)
        if key not in self._mats:
            if getattr(self, kind) is None:
                (self.build_forward if kind == "fwd" else self.build_adjoint)()
            crow, col, w = (t.to(device) for t in getattr(self, kind))
            shape = self.shape[::-1] if kind == "fwd" else self.shape
            with warnings.catch_warnings():              # "sparse CSR support is in beta"
                warnings.simplefilter("ignore")
                self._mats[key] = tuple(torch.sparse_csr_tensor(crow, col, v, shape, check_invariants=False)
                                        for v in (w.to(dtype), _ones(len(w), device, dtype)))
            _trim_cache()
        return self._mats[key]


_ONES = {}


def _ones(m: int, device, dtype) -> torch.Tensor:
    """``m`` ones, a view of one shared buffer (the values of the pattern matrices)."""
    if (device, dtype) not in _ONES or len(_ONES[device, dtype]) < m:
        buffer = _empty(m, dtype) if device.type == "cpu" else torch.empty(m, dtype=dtype, device=device)
        _ONES[device, dtype] = buffer.fill_(1)
    return _ONES[device, dtype][:m]


def _trim_cache():
    total = sum(g.nbytes() for g in _CACHE.values())
    while len(_CACHE) > 1 and total > _CACHE_BYTES:
        total -= _CACHE.popitem(last=False)[1].nbytes()


def _geometry(size: int, angles: torch.Tensor) -> _Geometry:
    key = (size, angles.numpy().tobytes())
    if key in _CACHE:
        _CACHE.move_to_end(key)
    else:
        _CACHE[key] = _Geometry(size, angles)
    return _CACHE[key]


def _spmv(M: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``M @ v_i`` for each row ``v_i`` of ``v``: a mat-vec for one image, else a mat-mat."""
    return torch.mv(M, v[0])[None] if len(v) == 1 else (M @ v.T).T


class Radon(LinearOperator):
    """Parallel-beam CT of a ``size`` x ``size`` image: :math:`(Ax)_{\\theta, t}` = line integrals.

    ``A(x)`` has shape ``(..., n_angles, size)``: a row per angle, ``size`` detector bins of
    unit width (the pixel size). The rotation centre is pixel ``(size // 2, size // 2)`` and
    detector bin ``size // 2`` holds the central ray, as in :func:`skimage.transform.radon`
    with ``circle=True`` (whose sinogram is the transpose of ours). Angles are measured
    counter-clockwise from the column axis: at :math:`0^\\circ` the projection sums each
    column, at :math:`90^\\circ` each row (bin ``k`` gets row ``2 (size // 2) - k``).

    The object must lie in the inscribed disc: only pixels whose centre is within
    ``(size - 1) // 2`` of the centre are modelled (their footprint stays on the detector at
    every angle); :math:`A` ignores the others and :math:`A^{T}` returns zeros there.

    Parameters
    ----------
    size : int
        Image side length (>= 2).
    angles : int or sequence of float or torch.Tensor
        Projection angles in degrees, or an int ``n`` for ``n`` angles equally spaced in
        :math:`[0^\\circ, 180^\\circ)`. Stored as the float64 tensor ``A.angles``.

    Notes
    -----
    :math:`A` is the sparse matrix of the module docstring and ``A.adjoint`` applies its
    exact transpose (``dot_test`` is at round-off level; autograd uses it too). The matrices
    are built on first use (:math:`A^{T}` for ``adjoint``/``fbp``, :math:`A` for ``A(x)``),
    for half the angles when they come in pairs :math:`90^\\circ` apart, and cached for
    recently used (size, angles) pairs.

    Examples
    --------
    >>> A = Radon(64, 90)
    >>> x = torch.zeros(64, 64); x[20:40, 25:35] = 1.0
    >>> y = A(x)                      # sinogram, shape (90, 64)
    >>> x_fbp = A.fbp(y)              # filtered back-projection, shape (64, 64)
    """

    def __init__(self, size: int, angles):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 2:
            raise ValueError(f"size must be an integer >= 2, got {size!r}.")
        self.angles = _angles(angles)
        super().__init__((int(size), int(size)), (len(self.angles), int(size)))
        self._geom = _geometry(int(size), self.angles)

    def _forward(self, x):
        return _RadonFn.apply(x, self, "fwd")

    def _adjoint(self, y):
        return _RadonFn.apply(y, self, "adj")

    def _apply(self, v: torch.Tensor, kind: str) -> torch.Tensor:
        """``A v`` (``kind="fwd"``) or ``A^T v`` (``kind="adj"``) for a batch ``v``."""
        if v.dtype not in (torch.float32, torch.float64):
            raise TypeError(f"Radon needs a float32 or float64 tensor, got {v.dtype}; use x.float().")
        g, (n_a, n), batch = self._geom, self.out_shape, v.shape[:-2]
        B, m, n_q, turned = batch.numel(), g.n_a, g.n_q, len(g.turned)
        Mw, M1 = g.matrices(kind, v.device, v.dtype)
        if kind == "fwd":   # bin q gets w x_p from each pixel starting in it, bin q + 1 (1 - w) x_p
            v = v.reshape(B, n * n)
            if turned:      # the angles 90 degrees above base ones: base angles, image turned
                v = torch.cat([v, v[:, g.turn.to(v.device)]])
            z = _spmv(Mw, v)
            z[:, 1:] += (_spmv(M1, v) - z)[:, :-1]
            z = z.reshape(-1, m, n_q)[..., 1:n + 1]
            y = v.new_empty(B, n_a, n)
            y[:, g.base] = z[:B]
            if turned:
                y[:, g.turned] = z[B:, :turned]
            return y.reshape(batch + (n_a, n))
        # adjoint, an interpolation:  x_p = sum over angles of  y[q + 1] + w (y[q] - y[q + 1])
        v = v.reshape(B, n_a, n)
        yp = v.new_zeros(2 * B if turned else B, m * n_q + 1)
        yp[:B, :-1].view(B, m, n_q)[..., 1:n + 1] = v[:, g.base]
        if turned:
            yp[B:, :-1].view(B, m, n_q)[:, :turned, 1:n + 1] = v[:, g.turned]
        x = _spmv(Mw, yp[:, :-1] - yp[:, 1:]) + _spmv(M1, yp[:, 1:])
        if turned:
            x = x[:B] + x[B:, g.unturn.to(v.device)]
        return x.reshape(batch + (n, n))

    def fbp(self, y: torch.Tensor, filter: str = "ramp") -> torch.Tensor:
        """Filtered back-projection :math:`x \\approx \\frac{\\pi}{N_\\theta} A^{T}(h * y)`.

        The inversion formula :math:`f(x, y) = \\int_0^\\pi (\\mathcal R_\\theta f * h)
        (x\\cos\\theta + y\\sin\\theta)\\,\\mathrm d\\theta` with the ramp filter
        :math:`\\hat h(\\nu) = |\\nu|`, discretised: each projection is convolved with the
        band-limited ramp sampled at unit spacing (Kak and Slaney, ch. 3:
        :math:`h_0 = 1/4`, :math:`h_k = -1/(\\pi k)^2` for odd :math:`k`, 0 for even :math:`k`;
        its DC gain is not forced to 0), by FFT after zero-padding to at least twice the
        detector length (no wrap-around); then back-projected with :math:`A^{T}` and weighted
        by :math:`\\pi / N_\\theta`, the angular step of :math:`N_\\theta` angles spread evenly
        over :math:`180^\\circ` (as in :func:`skimage.transform.iradon`; for a limited angular
        range this keeps the mean value of the image).

        Parameters
        ----------
        y : torch.Tensor
            Sinogram of shape ``(..., n_angles, size)``.
        filter : {"ramp", "shepp-logan", "cosine", "hann"}
            The ramp alone, or times a window that damps high frequencies (less noise, less
            resolution): :math:`\\operatorname{sinc}(\\nu)`, :math:`\\cos(\\pi\\nu)`,
            :math:`\\cos^2(\\pi\\nu)` for :math:`\\nu \\in [0, 1/2]` cycles per bin.

        Returns
        -------
        torch.Tensor
            Image of shape ``(..., size, size)``, in the units of ``x`` when ``y = A(x)``.
        """
        if filter not in FILTERS:
            raise ValueError(f"filter must be one of {', '.join(map(repr, FILTERS))}; got {filter!r}.")
        n = self.out_shape[1]
        pad = max(64, 2 ** math.ceil(math.log2(2 * n)))
        check_tensor(y, "y", self.out_shape)
        H = _filter(pad, filter).to(device=y.device, dtype=y.dtype)
        q = torch.fft.irfft(torch.fft.rfft(y, n=pad, dim=-1) * H, n=pad, dim=-1)[..., :n]
        return (math.pi / self.out_shape[0]) * self._adjoint(q)


class _RadonFn(torch.autograd.Function):
    """Forward or adjoint as one autograd node whose backward is the other (the exact VJP)."""

    @staticmethod
    def forward(ctx, v, op, kind):
        ctx.op, ctx.kind = op, kind
        return op._apply(v, kind)

    @staticmethod
    def backward(ctx, g):
        return ctx.op._apply(g, "adj" if ctx.kind == "fwd" else "fwd"), None, None


_FILTER_CACHE = {}


def _filter(pad: int, name: str) -> torch.Tensor:
    """Frequency response (``pad // 2 + 1`` values) of the discrete ramp times a window."""
    if (pad, name) not in _FILTER_CACHE:
        k = torch.arange(pad, dtype=torch.float64)
        k = torch.minimum(k, pad - k)                    # circular distance to tap 0
        h = torch.where(k % 2 == 1, -1.0 / (math.pi * k.clamp(min=1)) ** 2, 0.0)
        h[0] = 0.25
        nu = torch.arange(pad // 2 + 1, dtype=torch.float64) / pad
        window = {"ramp": torch.ones_like(nu), "shepp-logan": torch.sinc(nu),
                  "cosine": torch.cos(math.pi * nu), "hann": torch.cos(math.pi * nu) ** 2}[name]
        _FILTER_CACHE[pad, name] = torch.fft.rfft(h).real * window
    return _FILTER_CACHE[pad, name]


def _angles(angles) -> torch.Tensor:
    """Validate ``angles`` (a count, or a 1-D sequence of degrees) into a float64 tensor."""
    if isinstance(angles, numbers.Integral) and not isinstance(angles, bool):
        if angles < 1:
            raise ValueError(f"angles must be a positive count or a non-empty sequence, got {angles!r}.")
        return torch.arange(int(angles), dtype=torch.float64) * (180.0 / int(angles))
    try:
        a = torch.as_tensor(angles.detach().cpu() if isinstance(angles, torch.Tensor) else angles,
                            dtype=torch.float64).clone()
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"angles must be a count or a 1-D sequence of degrees, got {angles!r}.") from None
    if a.ndim != 1 or a.numel() == 0:
        raise ValueError(f"angles must be a non-empty 1-D sequence of degrees, got shape {tuple(a.shape)}.")
    if not bool(torch.isfinite(a).all()):
        raise ValueError(f"angles must be finite, got {a.tolist()}.")
    return a
