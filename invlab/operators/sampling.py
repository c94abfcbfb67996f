"""Super-resolution forward model: anti-alias blur followed by decimation.

Introduced in lecture 3 (and in the gallery of lecture 1).
"""
from __future__ import annotations

import torch

from .._checks import check_int, check_real
from .base import LinearOperator
from .blur import Blur
from .simple import Mask, _shape2

__all__ = ["Downsample", "Mask"]


class Downsample(LinearOperator):
    """:math:`A = S_f B_\\sigma`: Gaussian blur :math:`B_\\sigma` then keep every ``factor``-th pixel.

    The decimation :math:`S_f` keeps pixels :math:`(f i, f j)`; its adjoint :math:`S_f^{*}`
    puts the low-resolution values back on that grid and zeros elsewhere, so
    :math:`A^{*} = B_\\sigma^{*} S_f^{*}`.

    Parameters
    ----------
    shape : tuple of int
        High-resolution shape ``(H, W)``; ``factor`` must divide both.
    factor : int
        Integer scale factor :math:`f \\geq 1`.
    sigma : float or None
        Standard deviation of the anti-alias Gaussian in high-resolution pixels.
        Default ``0.5 * factor`` (a common SR degradation); ``0`` means no blur.
    """

    def __init__(self, shape, factor: int, sigma: float | None = None):
        shape = _shape2(shape, ndim=2)
        factor = check_int(factor, "factor", low=1)
        H, W = shape
        if H % factor or W % factor:
            raise ValueError(
                f"factor={factor} must divide the image size {shape}; allowed factors are the "
                f"common divisors of {H} and {W}."
            )
        if sigma is None:
            sigma = 0.5 * factor if factor > 1 else 0.0
        sigma = check_real(sigma, "sigma", low=0)
        super().__init__(shape, (H // factor, W // factor))
        self.factor, self.sigma = factor, float(sigma)
        self.blur = Blur.gaussian(shape, sigma) if sigma > 0 else None

    def _forward(self, x):
        if self.blur is not None:
            x = self.blur._forward(x)
        f = self.factor
        return x[..., ::f, ::f].contiguous()

    def _adjoint(self, y):
        f = self.factor
        out = torch.zeros(y.shape[:-2] + self.in_shape, dtype=y.dtype, device=y.device)
        out[..., ::f, ::f] = y
        if self.blur is not None:
            out = self.blur._adjoint(out)
        return out

    def _gram_eigenvalues(self, device) -> torch.Tensor:
        """Eigenvalues of :math:`AA^{*}` (circulant on the low-resolution grid): the FFT of :math:`AA^{*}\\delta`."""
        gram = getattr(self, "_gram", None)
        if gram is None or gram.device != device:
            delta = torch.zeros(self.out_shape, device=device)
            delta[0, 0] = 1
            gram = self._gram = torch.fft.fft2(self(self.adjoint(delta)).to(torch.float64)).real
        return gram

    def project(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        r"""Orthogonal projection of ``x`` onto the images consistent with ``y``: :math:`\{x' : Ax' = y\}`.

        .. math::
            P_y(x) = x + A^{*}(AA^{*})^{-1}(y - Ax).

        :math:`AA^{*} = S_f B_\sigma B_\sigma^{*} S_f^{*}` is a convolution on the low-resolution
        grid (circular, because the blur is), so :math:`(AA^{*})^{-1}` is one division in
        Fourier space by the eigenvalues :math:`\lambda_k = \widehat{c}_k`, with :math:`c = AA^{*}\delta`
        the Gram kernel. When ``y`` is noise-free the true image lies in the set, and Pythagoras
        gives :math:`\|P_y(x) - x^\dagger\|^2 = \|x - x^\dagger\|^2 - \|P_y(x) - x\|^2`: the projection
        can only bring any estimate (a network's output, say) closer to the truth. With noisy
        ``y`` it fits the noise exactly, as a data-consistency layer with :math:`\nu \to \infty`
        would. ``benchmarks/bench_sr.py`` measures the gain on the lecture's networks.

        Parameters
        ----------
        x : torch.Tensor
            Estimates ``(..., H, W)``, real.
        y : torch.Tensor
            Measurements ``(..., H/f, W/f)``, real, broadcastable against ``A x``.

        Returns
        -------
        torch.Tensor
            :math:`P_y(x)`, in ``x``'s dtype.

        Raises
        ------
        ValueError
            If :math:`AA^{*}` is singular to float precision (a blur much wider than the
            factor removes frequencies the low-resolution grid holds): its smallest eigenvalue is
            below :math:`10^{-6}` of its largest.
        """
        from .base import check_tensor
        check_tensor(x, "x", self.in_shape)
        check_tensor(y, "y", self.out_shape)
        if x.is_complex() or y.is_complex():
            raise TypeError(f"x and y must be real, got dtypes {x.dtype} and {y.dtype}.")
        lam = self._gram_eigenvalues(x.device)
        if float(lam.min()) < 1e-6 * float(lam.max()):
            raise ValueError(f"A A* is singular to float precision for factor={self.factor}, sigma={self.sigma:g} "
                             f"(eigenvalues {float(lam.min()):.2g} to {float(lam.max()):.2g}); a blur this wide "
                             "loses frequencies the low-resolution grid holds, so no unique projection exists.")
        r = torch.fft.ifft2(torch.fft.fft2((y - self(x)).to(torch.float64)) / lam).real
        return x + self.adjoint(r.to(x.dtype))

    def interpolate(self, y: torch.Tensor, mode: str = "bicubic") -> torch.Tensor:
        """Classical upsampling of ``y`` back to ``in_shape``, on this operator's sampling grid.

        Low-resolution pixel :math:`(i, j)` was taken at high-resolution position
        :math:`(f i, f j)` (:math:`f` = ``factor``), so the interpolant passes through ``y`` there:
        :math:`\\hat x(f i, f j) = y_{ij}`. Between samples it is piecewise constant
        (``"nearest"``: each pixel takes its nearest sample), piecewise bilinear or bicubic
        (Keys' cubic convolution, :math:`a = -0.75`, as in ``torch.nn.functional.interpolate``);
        beyond the last sample the border value is continued. (``interpolate(y, scale_factor=f)``
        instead assumes samples at the centres of :math:`f \\times f` blocks, half a block off
        this grid.) None of them undoes the anti-alias blur: that needs the operator
        (TV-SR, lecture 3).

        Parameters
        ----------
        y : torch.Tensor
            Low-resolution images ``(..., H/f, W/f)``, real.
        mode : {"nearest", "bilinear", "bicubic"}

        Returns
        -------
        torch.Tensor
            ``(..., H, W)``, in ``y``'s dtype (bicubic may overshoot ``[0, 1]`` slightly; not clipped).
        """
        from .._checks import check_choice
        from .base import check_tensor
        check_tensor(y, "y", self.out_shape)
        mode = check_choice(mode, "mode", ("nearest", "bilinear", "bicubic"))
        if y.is_complex():
            raise TypeError(f"y must be real, got dtype {y.dtype}.")
        f, (h, w) = self.factor, self.out_shape
        batch = y.shape[:-2]
        yb = y.reshape(-1, 1, h, w)
        if mode == "nearest":
            r = torch.clamp(torch.div(torch.arange(self.in_shape[0], device=y.device) + f // 2, f,
                                      rounding_mode="floor"), max=h - 1)
            c = torch.clamp(torch.div(torch.arange(self.in_shape[1], device=y.device) + f // 2, f,
                                      rounding_mode="floor"), max=w - 1)
            return y[..., r[:, None], c[None, :]]

        def coords(n_hr, n_lr):   # LR index f*i <- HR pixel p, normalised for align_corners=True
            u = torch.arange(n_hr, device=y.device, dtype=y.dtype) / f
            return (2 * u / (n_lr - 1) - 1) if n_lr > 1 else torch.zeros_like(u)

        gr, gc = coords(self.in_shape[0], h), coords(self.in_shape[1], w)
        grid = torch.stack(torch.meshgrid(gc, gr, indexing="xy"), -1)[None].expand(yb.shape[0], -1, -1, -1)
        out = torch.nn.functional.grid_sample(yb, grid, mode=mode, padding_mode="border", align_corners=True)
        return out.reshape(batch + self.in_shape)
