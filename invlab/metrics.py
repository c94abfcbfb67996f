"""Image quality metrics in torch: PSNR and SSIM (checked against ``skimage.metrics``), and a sharpness ratio."""
from __future__ import annotations


import torch
import torch.nn.functional as F

from ._checks import check_real
from .operators.base import check_tensor

__all__ = ["psnr", "ssim", "mse", "sharpness"]


def _prep(x, x_true):
    check_tensor(x, "x", finite=False)
    check_tensor(x_true, "x_true")
    if x.shape != x_true.shape:
        raise ValueError(f"x has shape {tuple(x.shape)} but x_true has shape {tuple(x_true.shape)}; they must match.")
    if x.ndim < 2:
        raise ValueError(f"images need at least 2 dimensions (H, W), got shape {tuple(x.shape)}.")
    if x.is_complex():
        x = x.abs()
    if x_true.is_complex():
        x_true = x_true.abs()
    return x.double(), x_true.double()


def _out(v: torch.Tensor):
    return float(v) if v.ndim == 0 else v


def mse(x: torch.Tensor, x_true: torch.Tensor):
    """Mean squared error over the last two dimensions."""
    x, x_true = _prep(x, x_true)
    return _out(((x - x_true) ** 2).mean(dim=(-2, -1)))


def psnr(x: torch.Tensor, x_true: torch.Tensor, data_range: float = 1.0):
    """Peak signal-to-noise ratio :math:`10\\log_{10}(\\text{range}^2/\\mathrm{MSE})` in dB.

    Computed per image over the last two dimensions; complex inputs are compared by
    magnitude. Equals ``skimage.metrics.peak_signal_noise_ratio(x_true, x, data_range=...)``.

    Returns
    -------
    float for a single ``(H, W)`` image, otherwise a tensor of the batch shape.
    """
    data_range = check_real(data_range, "data_range", low=0, low_open=True)
    x, x_true = _prep(x, x_true)
    err = ((x - x_true) ** 2).mean(dim=(-2, -1))
    return _out(10 * torch.log10(data_range**2 / err))


def _gauss_window(sigma=1.5, truncate=3.5):
    r = int(truncate * sigma + 0.5)
    t = torch.arange(-r, r + 1, dtype=torch.float64)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    return g


def ssim(x: torch.Tensor, x_true: torch.Tensor, data_range: float = 1.0):
    """Structural similarity (Wang et al. 2004) with an 11x11 Gaussian window, :math:`\\sigma = 1.5`.

    .. math::
        \\mathrm{SSIM} = \\frac{(2\\mu_x\\mu_y + C_1)(2\\sigma_{xy} + C_2)}
        {(\\mu_x^2 + \\mu_y^2 + C_1)(\\sigma_x^2 + \\sigma_y^2 + C_2)},
        \\quad C_1 = (0.01 L)^2,\\; C_2 = (0.03 L)^2,

    averaged over the window positions that fit inside the image. Matches
    ``skimage.metrics.structural_similarity(x_true, x, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=L)``.

    Returns
    -------
    float for a single ``(H, W)`` image, otherwise a tensor of the batch shape.
    """
    data_range = check_real(data_range, "data_range", low=0, low_open=True)
    x, x_true = _prep(x, x_true)
    batch = x.shape[:-2]
    H, W = x.shape[-2:]
    g = _gauss_window()
    if H < len(g) or W < len(g):
        raise ValueError(f"ssim needs images of at least {len(g)}x{len(g)} pixels, got {H}x{W}.")
    a = x.reshape(-1, 1, H, W)
    b = x_true.reshape(-1, 1, H, W)
    # the Gaussian window is separable: a row filter then a column filter (22 instead of 121
    # multiplications per pixel), all five local statistics in one batch
    z = torch.cat([a, b, a * a, b * b, a * b])
    z = F.conv2d(F.conv2d(z, g[None, None, None, :]), g[None, None, :, None])
    mu_a, mu_b, eaa, ebb, eab = z.chunk(5)
    vaa = eaa - mu_a**2
    vbb = ebb - mu_b**2
    vab = eab - mu_a * mu_b
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * vab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (vaa + vbb + c2))
    return _out(s.mean(dim=(-3, -2, -1)).reshape(batch))


def sharpness(x: torch.Tensor, x_true: torch.Tensor):
    r"""High-frequency energy of ``x`` relative to ``x_true``: :math:`\|\Delta x\|_2^2 / \|\Delta x_{\text{true}}\|_2^2`.

    :math:`\Delta` is the 5-point discrete Laplacian on interior pixels (no wrap-around), a
    high-pass filter. 1 means as much fine detail as the ground truth, below 1 a blurrier
    image (interpolation, an L2-trained network), above 1 more high-frequency content than
    the truth (invented texture, ringing or noise). It ignores *where* the detail is: the
    perception-distortion trade-off (lecture 3) puts it next to PSNR, which measures that.
    Per image over the last two dimensions, like :func:`psnr`.
    """
    x, x_true = _prep(x, x_true)
    if min(x.shape[-2:]) < 3:
        raise ValueError(f"x and x_true must be images of at least 3 x 3 pixels for sharpness, got shape {tuple(x.shape)}.")

    def lap(u):
        return (u[..., 1:-1, :-2] + u[..., 1:-1, 2:] + u[..., :-2, 1:-1] + u[..., 2:, 1:-1]
                - 4 * u[..., 1:-1, 1:-1])
    return _out((lap(x) ** 2).sum(dim=(-2, -1)) / (lap(x_true) ** 2).sum(dim=(-2, -1)))
