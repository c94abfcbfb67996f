"""Plotting helpers: a row of images with titles, and fast PNG encoding for widgets."""
from __future__ import annotations

import io
import math

import numpy as np

__all__ = ["show", "to_numpy", "to_png"]


def to_numpy(img, name: str = "img") -> np.ndarray:
    """A 2-D float ``ndarray`` from a tensor or array (complex shown as magnitude).

    ``name`` is the parameter named in error messages (a caller's own, e.g. ``images[2]``).
    """
    if img is None or isinstance(img, (str, bytes, bool, int, float, complex)):
        raise TypeError(f"{name} must be a 2-D image (torch.Tensor or numpy array), got {type(img).__name__}.")
    try:
        import torch
        if isinstance(img, torch.Tensor):
            img = img.detach().cpu()
            img = img.abs() if img.is_complex() else img
            img = img.numpy()
    except ImportError:  # pragma: no cover
        pass
    img = np.asarray(img)
    if np.iscomplexobj(img):
        img = np.abs(img)
    img = np.squeeze(img)
    if img.ndim != 2:
        raise ValueError(f"{name} must be a 2-D image (after squeezing), got shape {img.shape}.")
    return img.astype(np.float64)


def show(images, titles=None, ncols: int | None = None, cmap: str = "gray", vmin=0.0, vmax=1.0,
         size: float = 3.0, fig=None):
    """Show images side by side.

    Parameters
    ----------
    images : sequence of tensors/arrays (or one image)
        2-D images; complex ones are shown as magnitude.
    titles : sequence of str, optional
    ncols : int, optional
        Images per row (default: all in one row, at most 6).
    cmap : str
    vmin, vmax : float or None
        Grey-level window; ``None`` lets each image use its own range.
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(images, (list, tuple)):
        images = [images]
    if not images:
        raise ValueError("images must hold at least one image, got an empty sequence.")
    images = [to_numpy(im, f"images[{i}]" if len(images) > 1 else "images") for i, im in enumerate(images)]
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles.")
    n = len(images)
    ncols = ncols or min(n, 6)
    nrows = math.ceil(n / ncols)
    if fig is None:
        fig = plt.figure(figsize=(size * ncols, size * nrows + 0.3 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    return fig


def to_png(img, vmin: float | None = 0.0, vmax: float | None = 1.0, cmap: str | None = None,
           compress_level: int = 1) -> bytes:
    """Encode an image as PNG bytes quickly (PIL, low compression) for ``widgets.Image``.

    Values are windowed to ``[vmin, vmax]`` (``None``: the image's own min/max) and mapped to
    8-bit grey, or through a matplotlib colormap when ``cmap`` is given.
    """
    from PIL import Image

    a = to_numpy(img)
    lo = float(np.nanmin(a)) if vmin is None else vmin
    hi = float(np.nanmax(a)) if vmax is None else vmax
    if hi <= lo:
        hi = lo + 1e-12
    a = np.clip((a - lo) / (hi - lo), 0.0, 1.0)
    a = np.nan_to_num(a)
    if cmap is None or cmap == "gray":
        pil = Image.fromarray((a * 255 + 0.5).astype(np.uint8), mode="L")
    else:
        import matplotlib

        rgb = matplotlib.colormaps[cmap](a)[..., :3]
        pil = Image.fromarray((rgb * 255 + 0.5).astype(np.uint8), mode="RGB")
    buf = io.BytesIO()
    pil.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
