"""Panels of lecture 2 on generative priors: GAN training scrubbed, and CSGM against sparsity.

* :class:`GANTrainingPanel` — both losses and :math:`D(x)`, :math:`D(G(z))` over training, and
  the generator's samples of 16 fixed codes at the chosen step (row 2.4);
* :func:`cs_sweep` and :func:`crossover_plot` — CSGM and a sparsity baseline at its oracle
  :math:`\\lambda`, mean PSNR with error bars against the number of measurements :math:`m`
  (row 2.5);
* :class:`CSGMPanel` — one Fashion-MNIST test image: the number of measurements and the number
  of random restarts (row 2.5).
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
import torch

from .. import analysis, metrics, solvers
from .._checks import check_choice, check_int
from ..operators import check_tensor
from ..recipes import CS_NOISE, cs_measurements, csgm_lam_z
from .base import ImageRow, LatestWins, PlotImage, _check_positive_int, from_frontend, nearest_first, slider_values
from .lecture2 import _info

__all__ = ["GANTrainingPanel", "sample_grid", "cs_sweep", "crossover_plot", "CSGMPanel", "CS_NOISE"]


def sample_grid(samples: torch.Tensor, ncols: int = 4, pad: int = 1) -> torch.Tensor:
    """Tile ``(N, 1, h, w)`` (or ``(N, h, w)``) images into one ``(rows*(h+pad)-pad, ...)`` image."""
    check_tensor(samples, "samples")
    s = samples.float()
    if s.ndim == 4:
        s = s[:, 0]
    if s.ndim != 3:
        raise ValueError(f"samples must be (N, 1, h, w) or (N, h, w), got shape {tuple(samples.shape)}.")
    n, h, w = s.shape
    ncols = _check_positive_int(ncols, "ncols")
    nrows = -(-n // ncols)
    out = torch.ones(nrows * (h + pad) - pad, ncols * (w + pad) - pad)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = s[i]
    return out


def _smooth(v: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or len(v) < k:
        return v
    c = np.convolve(v, np.ones(k) / k, mode="valid")
    return np.concatenate([np.full(k - 1, np.nan), c])


class GANTrainingPanel(W.VBox):
    """Scrub a GAN's training: losses, discriminator outputs and samples at each stored step (row 2.4).

    Parameters
    ----------
    record : dict
        ``"step"``, ``"d_loss"``, ``"g_loss"``, ``"d_real"``, ``"d_fake"`` (per step),
        ``"samples"`` (``(S, 16, 1, 28, 28)`` or a list of ``(16, 1, 28, 28)``) and
        ``"sample_step"`` — the history of :func:`invlab.train.fit_gan` or the shipped
        :func:`invlab.pretrained.training_record`.
    width : int
        Display width of the sample grid in CSS pixels.
    smooth : int
        Moving-average window of the plotted curves (steps); the raw losses are noisy.
    """

    def __init__(self, record: dict, width: int = 240, smooth: int = 25):
        if not isinstance(record, dict):
            raise TypeError(f"record must be a dict (fit_gan's history or pretrained.training_record(name)), "
                            f"got {type(record).__name__}.")
        for key in ("step", "d_loss", "g_loss", "d_real", "d_fake", "samples", "sample_step"):
            if key not in record:
                raise ValueError(f"record has no {key!r}: pass fit_gan's history or pretrained.training_record(name).")
        steps = np.asarray(record["step"], dtype=float)
        self.samples = [torch.as_tensor(s).float() for s in record["samples"]]
        self.sample_steps = [int(s) for s in record["sample_step"]]
        if not self.samples or len(self.samples) != len(self.sample_steps):
            raise ValueError("record must hold as many sample grids as sample steps (at least one).")
        self.step = W.SelectionSlider(options=self.sample_steps, value=self.sample_steps[-1],
                                      description="training step", continuous_update=True,
                                      style={"description_width": "initial"}, layout=W.Layout(width="460px"))
        self.plot = PlotImage(figsize=(7.2, 3.6), dpi=80, ncols=2)
        k = _check_positive_int(smooth, "smooth")
        a0, a1 = self.plot.axes
        if len(steps):
            a0.plot(steps, _smooth(np.asarray(record["d_loss"], float), k), label="discriminator loss", color="C0")
            a0.plot(steps, _smooth(np.asarray(record["g_loss"], float), k), label="generator loss", color="C1")
            a0.axhline(2 * np.log(2), color="0.5", lw=1, ls=":", label="2 log 2 (D = ½)")
            a1.plot(steps, _smooth(np.asarray(record["d_real"], float), k), label="D(x), real", color="C2")
            a1.plot(steps, _smooth(np.asarray(record["d_fake"], float), k), label="D(G(z)), generated", color="C3")
        a1.axhline(0.5, color="0.5", lw=1, ls=":")
        a0.set_xlabel("training step")
        a0.set_ylabel("loss")
        a0.set_title(f"losses ({k}-step average)")
        # legends under the axes: inside, they covered the curves late in training
        a0.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, framealpha=0.9, fontsize=8)
        a1.set_xlabel("training step")
        a1.set_ylabel("mean discriminator output")
        a1.set_ylim(0, 1)
        a1.set_title("D on real and generated images")
        a1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, framealpha=0.9, fontsize=8)
        self.markers = [a.axvline(self.sample_steps[-1], color="k", lw=1) for a in (a0, a1)]
        self.plot.finish()
        for leg in (a0.get_legend(), a1.get_legend()):
            for t in leg.get_texts():
                t.set_size(9)
        self.plot.set_dynamic(*self.markers)
        self.row = ImageRow(["samples G(z) of 16 fixed codes z"], _check_positive_int(width, "width"), lines=2)
        self.step.observe(lambda change: self.update(), names="value")
        super().__init__([self.step, W.HBox([self.row, self.plot], layout=W.Layout(flex_flow="row wrap"))])
        self.update()

    def update(self):
        s = self.step.value
        i = self.sample_steps.index(s)
        self.row.set(0, sample_grid(self.samples[i]), note=f"after {s:,} steps")
        for m in self.markers:
            m.set_xdata([s, s])
        self.plot.refresh()


def cs_sweep(generator, x: torch.Tensor, m_values, restarts: int = 3, n_iter: int = 300, baseline: str = "tv",
             seed: int = 0, candidates: int = 256) -> dict:
    """CSGM and a sparsity baseline on the images ``x`` for every number of measurements.

    For each :math:`m`: one Gaussian matrix (seed ``seed + m``), noise :data:`CS_NOISE` per
    measurement, CSGM (:func:`invlab.solvers.csgm`, all images at once, starts screened from
    ``candidates`` random codes, :math:`\\lambda_z` from :func:`invlab.recipes.csgm_lam_z`) and the baseline
    (:func:`invlab.analysis.sparse_cs_baseline`, oracle :math:`\\lambda` per image).

    Returns
    -------
    dict
        ``"m"``; ``"csgm"``, ``"baseline"``: ``(len(m), N)`` PSNR arrays; ``"baseline_name"``.
    """
    m_values = _int_options(m_values, "m_values", low=1)
    out = {"m": [int(m) for m in m_values], "csgm": [], "baseline": [], "baseline_name": baseline}
    for m in out["m"]:
        A, y = cs_measurements(m, x, seed + m)
        xc, _ = solvers.csgm(A, y, generator, n_iter=n_iter, restarts=restarts, seed=seed, lam_z=csgm_lam_z(m),
                             candidates=candidates)
        out["csgm"].append(metrics.psnr(xc, x).double().numpy())
        out["baseline"].append(analysis.sparse_cs_baseline(A, y, x, prior=baseline)["psnr"].numpy())
    out["csgm"], out["baseline"] = np.stack(out["csgm"]), np.stack(out["baseline"])
    return out


def crossover_plot(sweep: dict, plateau: float | None = None, width: int | None = None) -> PlotImage:
    """Mean PSNR ± one standard deviation against :math:`m`, CSGM and the baseline, as a :class:`PlotImage`.

    ``plateau``: the generator's representation error (mean PSNR of the best :math:`G(z)`),
    drawn as a dashed line: CSGM cannot rise above it however many measurements it gets.
    """
    if not isinstance(sweep, dict) or not {"m", "csgm", "baseline"} <= set(sweep):
        raise TypeError(f"sweep must be the dict cs_sweep returns (keys m, csgm, baseline, ...), got "
                        f"{type(sweep).__name__}{' with keys ' + str(sorted(sweep)) if isinstance(sweep, dict) else ''}.")
    plot = PlotImage(figsize=(6.0, 3.4), dpi=80, width=width)
    ax = plot.ax
    m = np.asarray(sweep["m"])
    name = {"tv": "TV", "wavelet": "Haar-wavelet Lasso"}.get(sweep["baseline_name"], sweep["baseline_name"])
    for key, label, c in (("csgm", "CSGM (GAN prior)", "C1"), ("baseline", f"{name}, best λ per image", "C0")):
        v = np.asarray(sweep[key])
        ax.errorbar(m, v.mean(1), yerr=v.std(1), marker="o", ms=4, capsize=3, label=label, color=c)
    if plateau is not None:
        ax.axhline(plateau, color="C1", ls="--", lw=1, label="best G(z) for the image (A = I)")
    ax.set_xscale("log")
    ax.set_xticks(m)
    ax.set_xticklabels([str(v) for v in m])
    ax.minorticks_off()
    ax.set_xlabel("number of measurements m (of 784 pixels)")
    ax.set_ylabel("PSNR (dB), mean ± std")
    ax.set_title(f"{np.asarray(sweep['csgm']).shape[1]} Fashion-MNIST test images")
    ax.legend(loc="upper left", framealpha=0.9)          # the curves cross at lower right
    plot.finish()
    plot.refresh(full=True)
    return plot


def _int_options(values, name: str, low: int, high: int | None = None) -> tuple:
    """A non-empty sequence of integers in ``[low, high]`` (a control's options), as a tuple."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}.")
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must hold at least one value, got an empty sequence.")
    return tuple(check_int(v, name, low=low, high=high) for v in values)


class CSGMPanel(W.VBox):
    """Compressed sensing of one test image: CSGM against the sparsity baseline (row 2.5).

    Controls: ``image`` (a Fashion-MNIST *test* image), ``m`` (number of Gaussian measurements)
    and ``restarts`` (CSGM's starting codes: the best of ``candidates`` random codes, see
    :func:`invlab.solvers.csgm`). Each setting is computed once on release
    (about a second) and cached.

    Shown: the truth, the least-squares image :math:`A^{\\top}(AA^{\\top})^{-1}y` (what the
    measurements alone say), the baseline at its best :math:`\\lambda`, and CSGM's :math:`G(\\hat z)`.

    Parameters
    ----------
    generator : callable
        ``generator(z) -> (B, 1, 28, 28)`` with ``latent_dim`` (the shipped ``gan_generator``).
    images : torch.Tensor
        ``(N, 28, 28)`` test images to choose from.
    m_values : sequence of int
    baseline : {"tv", "wavelet"}
    width : int
        Display width of each image in CSS pixels.
    candidates : int
        Random codes screened for CSGM's starts (``>= max(restarts)``).
    labels : sequence of str, optional
        A name for each image (e.g. its Fashion-MNIST class), shown under the truth.
    """

    def __init__(self, generator, images: torch.Tensor, m_values=(25, 50, 100, 200, 400, 600),
                 restarts=(1, 3, 5, 10), baseline: str = "tv", width: int = 168, seed: int = 0, n_iter: int = 300,
                 candidates: int = 256, labels=None):
        if not callable(generator) or not isinstance(getattr(generator, "latent_dim", None), int):
            raise TypeError(f"generator must be callable generator(z) -> x with an int latent_dim, got "
                            f"{type(generator).__name__}.")
        check_tensor(images, "images")
        if images.ndim != 3 or len(images) == 0 or images.is_complex():
            raise ValueError(f"images must be a non-empty real stack (N, H, W), got shape {tuple(images.shape)}.")
        m_values = _int_options(m_values, "m_values", low=1, high=images.shape[-1] * images.shape[-2] * 4)
        restarts = _int_options(restarts, "restarts", low=1)
        if len(m_values) < 2:
            raise ValueError(f"m_values must offer at least two numbers of measurements, got {m_values!r}.")
        check_choice(baseline, "baseline", ("tv", "wavelet"))
        seed, n_iter = check_int(seed, "seed", low=0), check_int(n_iter, "n_iter", low=1)
        if labels is not None and (isinstance(labels, str) or not hasattr(labels, "__len__")
                                   or len(labels) != len(images) or not all(isinstance(t, str) for t in labels)):
            raise TypeError(f"labels must be one str per image ({len(images)}), got {labels!r:.80}.")
        self.labels = list(labels) if labels is not None else None
        self.generator, self.images = generator, images
        self.candidates = _check_positive_int(candidates, "candidates")
        if self.candidates < max(restarts):
            raise ValueError(f"candidates must be >= the largest restarts option ({max(restarts)}), got {candidates}.")
        self.baseline, self.seed, self.n_iter = baseline, seed, n_iter
        self.image = W.IntSlider(value=0, min=0, max=len(images) - 1, description="test image",
                                 continuous_update=False)
        self.m = W.SelectionSlider(options=[int(v) for v in m_values], value=int(m_values[1]),
                                   description="measurements m", continuous_update=False,
                                   style={"description_width": "initial"})
        self.restarts = W.ToggleButtons(options=[int(r) for r in restarts], value=int(restarts[1]),
                                        description="restarts", style={"button_width": "48px"})
        name = {"tv": "TV", "wavelet": "wavelet Lasso"}[baseline]
        self.baseline_name = f"{name}, best\u00a0λ"          # no break inside "best λ"
        self.row = ImageRow(["truth x", "least squares", self.baseline_name, "CSGM G(ẑ)"],
                            _check_positive_int(width, "width"), lines=3)
        self.info = W.HTML()
        self.cache = {}
        self.busy = W.HTML()
        self._latest = LatestWins(lambda key: self.result(*key), self._show, self.busy,
                                  neighbours=lambda key: [(key[0], m, key[2]) for m in
                                                          nearest_first(slider_values(self.m), key[1])])
        for c in (self.image, self.m, self.restarts):
            c.observe(lambda change: self.update(prefetch=from_frontend(change)), names="value")
        super().__init__([W.HBox([self.image, self.m], layout=W.Layout(flex_flow="row wrap")),
                          W.HBox([self.restarts, self.busy]), self.row, self.info])
        self.update(sync=True)

    def result(self, i: int, m: int, restarts: int) -> dict:
        """Everything shown for one setting (computed once, cached)."""
        key = (int(i), int(m), int(restarts))
        if key not in self.cache:
            x = self.images[i]
            A, y = cs_measurements(m, x, self.seed + m)
            M = A.M.to(torch.float64)
            ls = (M.T @ torch.linalg.solve(M @ M.T, y.double())).reshape(x.shape).float().clamp(0, 1)
            base = analysis.sparse_cs_baseline(A, y[None], x[None], prior=self.baseline)
            xc, h = solvers.csgm(A, y, self.generator, n_iter=self.n_iter, restarts=restarts, seed=self.seed,
                                 lam_z=csgm_lam_z(m), candidates=self.candidates)
            self.cache[key] = {"ls": ls, "base": base["x"][0], "lam": float(base["lam"][0]), "csgm": xc,
                               "restart_objective": h["restart_objective"]}
        return self.cache[key]

    def update(self, sync: bool = False, prefetch: bool = False):
        """Show the controls' setting (computed on a worker thread in a kernel: latest wins)."""
        key = (self.image.value, self.m.value, self.restarts.value)
        self._latest.request(key, sync=sync, prefetch=prefetch, note=f"running CSGM: image {key[0]}, m = {key[1]}, "
                                                  f"{key[2]} restart{'s' if key[2] > 1 else ''}…")

    def _show(self, key, res):
        i, m, r = key
        x = self.images[i]
        self.row.set(0, x, note=f"test image: {self.labels[i]}" if self.labels else "a test image")
        p = {k: float(metrics.psnr(res[k], x)) for k in ("ls", "base", "csgm")}
        self.row.set(1, res["ls"], note=f"PSNR {p['ls']:.2f} dB")
        self.row.set(2, res["base"], note=f"PSNR {p['base']:.2f} dB, λ\u00a0=\u00a0{res['lam']:.0e}")
        self.row.set(3, res["csgm"], note=f"PSNR {p['csgm']:.2f} dB")
        self.shown = [x, res["ls"], res["base"], res["csgm"]]
        f = np.asarray(res["restart_objective"], float)
        c = self.candidates
        spread = (f"the {r} restarts (the best {r} of {c} random codes) ended at objectives "
                  f"{', '.join(f'{v:.3g}' for v in sorted(f))}; the lowest wins" if r > 1
                  else f"a single start (the best of {c} random codes): no choice at the end")
        winner = "CSGM" if p["csgm"] > p["base"] else self.baseline_name
        self.info.value = _info(f"m = {m} of 784: {winner} is ahead by {abs(p['csgm'] - p['base']):.2f} dB; "
                                f"{spread}.")
