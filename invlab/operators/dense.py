"""Dense matrix operator, for SVD demonstrations on small problems (lecture 1)."""
from __future__ import annotations

import torch

from .base import LinearOperator, check_tensor

__all__ = ["Matrix"]


class Matrix(LinearOperator):
    """:math:`Ax = Mx` for a dense :math:`M \\in \\mathbb{K}^{m\\times n}` acting on the last dimension.

    Adjoint :math:`A^{*}y = M^{H} y`. Leading dimensions are a batch.

    Parameters
    ----------
    M : torch.Tensor
        2-D tensor of shape ``(m, n)``.
    """

    def __init__(self, M: torch.Tensor):
        check_tensor(M, "M")
        if M.ndim != 2:
            raise ValueError(f"M must be a 2-D matrix, got shape {tuple(M.shape)}.")
        super().__init__((M.shape[1],), (M.shape[0],), is_complex=M.is_complex())
        self.M = M

    def _m(self, x):
        M = self.M.to(device=x.device)
        if x.is_complex() and not M.is_complex():
            M = M.to(x.dtype)
        elif M.is_complex() and not x.is_complex():
            x = x.to(M.dtype)
        return M.to(torch.promote_types(M.dtype, x.dtype)), x

    def _forward(self, x):
        M, x = self._m(x)
        return x.to(M.dtype) @ M.T

    def _adjoint(self, y):
        M, y = self._m(y)
        return y.to(M.dtype) @ M.conj()

    def _exact_norm(self) -> float:
        """The largest singular value of :math:`M` (``torch.linalg``)."""
        M = self.M.to(torch.complex128 if self.M.is_complex() else torch.float64)
        return float(torch.linalg.matrix_norm(M, ord=2)) if M.numel() else 0.0
    def to_matrix(self, dtype=torch.float64, max_size: int = 16384) -> torch.Tensor:
        return self.M.to(self._default_dtype(dtype))
