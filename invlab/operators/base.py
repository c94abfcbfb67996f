"""The linear-operator base class, its algebra and the dot test.

Introduced in lecture 1. An operator is a small class: it stores its shapes and writes
only ``_forward`` (the action :math:`x \\mapsto Ax`) and ``_adjoint`` (the action
:math:`y \\mapsto A^{*}y`, the conjugate transpose for complex operators). Everything
else -- ``A.T``, ``A @ B``, ``A + B``, ``c * A``, ``A.normal``, ``A.norm()``,
``A.to_matrix()`` -- comes from this base class.

Operators act on the trailing ``len(in_shape)`` dimensions and broadcast over any
leading (batch, channel) dimensions, so a batch goes straight through.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from .._checks import check_int, check_real, check_shape, make_generator

__all__ = ["LinearOperator", "dot_test", "check_tensor"]


def check_tensor(x, name: str, trailing: tuple | None = None, finite: bool = True) -> torch.Tensor:
    """Validate an operator input and return it.

    Parameters
    ----------
    x : torch.Tensor
        The input to check.
    name : str
        Parameter name used in error messages.
    trailing : tuple of int, optional
        Required trailing shape (the operator's ``in_shape`` or ``out_shape``).
    finite : bool
        Reject NaN and infinite entries.

    Raises
    ------
    TypeError
        If ``x`` is not a ``torch.Tensor`` (the message says how to convert).
    ValueError
        If the trailing shape is wrong or ``x`` holds NaN or infinite values.
    """
    if not isinstance(x, torch.Tensor):
        hint = ""
        if type(x).__module__ == "numpy":
            hint = " Convert a numpy array with torch.from_numpy(x) (or torch.as_tensor(x, dtype=torch.float32))."
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(x).__name__}.{hint}"
        )
    if trailing is not None:
        k = len(trailing)
        if x.ndim < k or tuple(x.shape[x.ndim - k:]) != tuple(trailing):
            raise ValueError(
                f"{name} has shape {tuple(x.shape)}; expected trailing dimensions {tuple(trailing)} "
                f"(any leading batch dimensions are allowed)."
            )
    if finite and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite values; clean the input first.")
    return x


class LinearOperator:
    """Base class of every linear operator :math:`A : \\mathbb{K}^{\\text{in}} \\to \\mathbb{K}^{\\text{out}}`.

    Subclasses call ``super().__init__(in_shape, out_shape, is_complex)`` and implement
    ``_forward`` and ``_adjoint``. The adjoint satisfies
    :math:`\\langle Ax, y\\rangle = \\langle x, A^{*}y\\rangle` for all :math:`x, y`
    (checked by :func:`dot_test`).

    Parameters
    ----------
    in_shape, out_shape : sequence of int
        Trailing shapes of the domain and the range (no batch dimensions).
    is_complex : bool
        Whether the operator maps complex tensors (``torch.complex64``); used by
        :func:`dot_test` and :meth:`norm` to draw test vectors of the right kind.
    """

    is_complex: bool = False

    def __init__(self, in_shape: Sequence[int], out_shape: Sequence[int], is_complex: bool = False):
        self.in_shape = tuple(int(s) for s in in_shape)
        self.out_shape = tuple(int(s) for s in out_shape)
        self.is_complex = bool(is_complex)

    # -- to be written by subclasses -------------------------------------------------
    def _forward(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _adjoint(self, y: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- public actions ---------------------------------------------------------------
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the forward operator, :math:`x \\mapsto Ax`."""
        check_tensor(x, "x", self.in_shape)
        return self._forward(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same as ``A(x)``."""
        return self(x)

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        """Apply the adjoint, :math:`y \\mapsto A^{*}y` (conjugate transpose when complex)."""
        check_tensor(y, "y", self.out_shape)
        return self._adjoint(y)

    def normal(self, x: torch.Tensor) -> torch.Tensor:
        """The normal operator :math:`x \\mapsto A^{*}Ax`."""
        check_tensor(x, "x", self.in_shape)
        return self._adjoint(self._forward(x))

    @property
    def T(self) -> "LinearOperator":
        """The adjoint operator :math:`A^{*}` (so ``A.T.T`` acts as ``A``)."""
        return _Adjoint(self)

    @property
    def H(self) -> "LinearOperator":
        """Alias of :attr:`T` (conjugate transpose)."""
        return self.T

    # -- algebra ----------------------------------------------------------------------
    def __matmul__(self, other):
        if isinstance(other, LinearOperator):
            return _Composition(self, other)
        if isinstance(other, torch.Tensor):
            return self(other)
        return NotImplemented

    def __add__(self, other):
        if isinstance(other, LinearOperator):
            return _Sum(self, other)
        return NotImplemented

    def __sub__(self, other):
        if isinstance(other, LinearOperator):
            return _Sum(self, _Scaled(other, -1.0))
        return NotImplemented

    def __neg__(self):
        return _Scaled(self, -1.0)

    def __mul__(self, c):
        if isinstance(c, (int, float, complex)) and not isinstance(c, bool):
            if not math.isfinite(abs(c)):
                raise ValueError(f"c * A needs a finite scalar c, got {c!r}.")
            return _Scaled(self, c)
        return NotImplemented

    __rmul__ = __mul__

    # -- numerics ---------------------------------------------------------------------
    def _random_in(self, generator: torch.Generator, dtype=torch.float64, batch=()) -> torch.Tensor:
        shape = tuple(batch) + self.in_shape
        x = torch.randn(shape, generator=generator, dtype=dtype)
        if self.is_complex:
            x = torch.complex(x, torch.randn(shape, generator=generator, dtype=dtype))
        return x

    def norm(self, n_iter: int = 100, seed: int = 0, tol: float = 1e-7) -> float:
        """Operator norm :math:`\\|A\\|_2 = \\sigma_{\\max}(A)`: exact where it is known, else power iteration.

        Operators whose norm is known in closed form (identity, masks, MRI, circulant blurs,
        dense matrices) return it exactly from ``_exact_norm()``; the others run power
        iteration on :math:`A^{*}A` (the arguments are checked either way).

        Parameters
        ----------
        n_iter : int
            Maximum number of power iterations.
        seed : int
            Seed of the random start vector.
        tol : float
            Relative change of the estimate at which to stop.

        Returns
        -------
        float
            Estimate of the largest singular value; :math:`L = \\|A\\|^2` is the Lipschitz
            constant of the gradient of :math:`\\tfrac12\\|Ax-y\\|^2`.
        """
        n_iter = check_int(n_iter, "n_iter", low=1)
        tol = check_real(tol, "tol", low=0, low_open=True)
        g = make_generator(seed)
        exact = self._exact_norm()
        if exact is not None:
            return exact
        x = self._random_in(g, dtype=torch.float64)
        x = x.to(self._default_dtype(torch.float64))
        x = x / torch.linalg.vector_norm(x)
        est = 0.0
        for _ in range(n_iter):
            z = self._adjoint(self._forward(x))
            new = float(torch.linalg.vector_norm(z))
            if new == 0.0:
                return 0.0
            x = z / new
            if abs(new - est) <= tol * new:
                est = new
                break
            est = new
        return math.sqrt(est)

    def _exact_norm(self):
        """The norm in closed form, or ``None`` (then :meth:`norm` uses power iteration)."""
        return None

    def _default_dtype(self, real_dtype):
        if self.is_complex:
            return torch.complex128 if real_dtype == torch.float64 else torch.complex64
        return real_dtype

    def to_matrix(self, dtype=torch.float64, max_size: int = 16384) -> torch.Tensor:
        """The dense matrix of :math:`A` acting on flattened (row-major) images.

        Column :math:`j` is :math:`A e_j`. Only for small operators (a teaching aid
        for SVD demos and for tests).

        Parameters
        ----------
        dtype : torch.dtype
            Real dtype of the result (complex operators give the matching complex dtype).
        max_size : int
            Refuse operators whose domain has more entries than this.

        Returns
        -------
        torch.Tensor
            Matrix of shape ``(prod(out_shape), prod(in_shape))``.
        """
        max_size = check_int(max_size, "max_size", low=1)
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}.")
        n_in = math.prod(self.in_shape)
        if n_in > max_size:
            raise ValueError(
                f"to_matrix: the operator's domain has {n_in} entries (in_shape={self.in_shape}); "
                f"allowed at most max_size={max_size}. Use a smaller operator."
            )
        eye = torch.eye(n_in, dtype=self._default_dtype(dtype)).reshape((n_in,) + self.in_shape)
        cols = self._forward(eye).reshape(n_in, -1)
        return cols.T.contiguous()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(in_shape={self.in_shape}, out_shape={self.out_shape})"


class _Adjoint(LinearOperator):
    """The adjoint :math:`A^{*}` of an operator, as an operator."""

    def __init__(self, A: LinearOperator):
        super().__init__(A.out_shape, A.in_shape, A.is_complex)
        self.A = A

    def _forward(self, x):
        return self.A._adjoint(x)

    def _adjoint(self, y):
        return self.A._forward(y)

    @property
    def T(self):
        return self.A

    def __repr__(self):
        return f"{self.A!r}.T"


class _Composition(LinearOperator):
    """:math:`(AB)x = A(Bx)`, adjoint :math:`B^{*}A^{*}`."""

    def __init__(self, A: LinearOperator, B: LinearOperator):
        if A.in_shape != B.out_shape:
            raise ValueError(
                f"A @ B: A.in_shape={A.in_shape} must equal B.out_shape={B.out_shape}."
            )
        super().__init__(B.in_shape, A.out_shape, A.is_complex or B.is_complex)
        self.A, self.B = A, B

    def _forward(self, x):
        return self.A._forward(self.B._forward(x))

    def _adjoint(self, y):
        return self.B._adjoint(self.A._adjoint(y))

    def __repr__(self):
        return f"({self.A!r} @ {self.B!r})"


class _Sum(LinearOperator):
    """:math:`(A+B)x = Ax + Bx`."""

    def __init__(self, A: LinearOperator, B: LinearOperator):
        if A.in_shape != B.in_shape or A.out_shape != B.out_shape:
            raise ValueError(
                f"A + B needs equal shapes; got A: {A.in_shape}->{A.out_shape}, "
                f"B: {B.in_shape}->{B.out_shape}."
            )
        super().__init__(A.in_shape, A.out_shape, A.is_complex or B.is_complex)
        self.A, self.B = A, B

    def _forward(self, x):
        return self.A._forward(x) + self.B._forward(x)

    def _adjoint(self, y):
        return self.A._adjoint(y) + self.B._adjoint(y)

    def __repr__(self):
        return f"({self.A!r} + {self.B!r})"


class _Scaled(LinearOperator):
    """:math:`(cA)x = c\\,Ax`, adjoint :math:`\\bar c A^{*}`."""

    def __init__(self, A: LinearOperator, c):
        super().__init__(A.in_shape, A.out_shape, A.is_complex or isinstance(c, complex))
        self.A, self.c = A, c

    def _forward(self, x):
        return self.c * self.A._forward(x)

    def _adjoint(self, y):
        c = self.c.conjugate() if isinstance(self.c, complex) else self.c
        return c * self.A._adjoint(y)

    def __repr__(self):
        return f"{self.c} * {self.A!r}"


def _inner(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """:math:`\\langle a, b\\rangle = \\sum \\bar a_i b_i`."""
    return torch.sum(a.conj() * b) if (a.is_complex() or b.is_complex()) else torch.sum(a * b)


def dot_test(A: LinearOperator, seed: int = 0, dtype=torch.float64, batch: Sequence[int] = ()) -> float:
    """Relative adjoint mismatch of an operator.

    Draws random :math:`x` (domain) and :math:`y` (range) and returns

    .. math::
        \\frac{|\\langle Ax, y\\rangle - \\langle x, A^{*}y\\rangle|}{\\|Ax\\|\\,\\|y\\|},

    which is at round-off level (about ``1e-15`` in float64, ``1e-7`` in float32) for a
    correct adjoint. Complex operators are tested with complex vectors.

    Parameters
    ----------
    A : LinearOperator
    seed : int
        Seed of the random vectors.
    dtype : torch.dtype
        ``torch.float64`` or ``torch.float32`` (complex operators use the matching
        complex dtype).
    batch : sequence of int
        Optional leading batch shape, to test broadcasting too.

    Returns
    -------
    float
    """
    if not isinstance(A, LinearOperator):
        raise TypeError(f"A must be an invlab.operators.LinearOperator, got {type(A).__name__}.")
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}.")
    if not (isinstance(batch, (tuple, list, torch.Size)) and len(batch) == 0):
        batch = check_shape(batch, "batch")  # () is allowed: no batch
    g = make_generator(seed)
    cdtype = A._default_dtype(dtype)
    x = A._random_in(g, dtype=dtype, batch=batch).to(cdtype)
    yshape = tuple(batch) + A.out_shape
    y = torch.randn(yshape, generator=g, dtype=dtype)
    if A.is_complex:
        y = torch.complex(y, torch.randn(yshape, generator=g, dtype=dtype))
    Ax = A(x)
    Aty = A.adjoint(y.to(Ax.dtype))
    lhs = _inner(Ax, y.to(Ax.dtype))
    rhs = _inner(x.to(Aty.dtype), Aty)
    denom = float(torch.linalg.vector_norm(Ax) * torch.linalg.vector_norm(y))
    if denom == 0.0:
        return 0.0
    return float(abs(lhs - rhs)) / denom
