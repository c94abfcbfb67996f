"""Panels of lecture 1: least squares, SVD / Picard, Tikhonov, regularisers, L-curve, gradient descent.

Each panel owns one small deblurring problem (a test image from :mod:`invlab.data`, a Gaussian
blur, seeded noise), precomputes everything that does not depend on its sliders, and redraws
in place. Quadratic regularisers are solved in closed form in Fourier (about a millisecond);
TV and wavelet re-solve by ADMM warm-started from the previous solution.
"""
from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import torch

from .. import analysis, data, metrics, noise, regularisers, solvers
from .. import operators as op
from .base import ImageRow, PlotImage, _check_positive_int, label_log_axis, log_slider, psnr_note

__all__ = ["DeblurProblem", "LeastSquaresPanel", "SVDPanel", "TikhonovPanel", "RegulariserPanel",
           "LCurvePanel", "GradientDescentPanel", "REGULARISERS"]


class DeblurProblem:
    """Ground truth, blur operator and noisy data: :math:`y = k_\\sigma \\circledast x + n`.

    Parameters
    ----------
    size : int
        Image side (the ``camera`` test image by default).
    blur : float
        Gaussian blur standard deviation in pixels.
    sigma : float
        Noise standard deviation.
    seed : int
    image : str
        Name of an :func:`invlab.data.image` (a test image: we evaluate, never train, on it).
    """

    def __init__(self, size=128, blur=1.5, sigma=0.01, seed=0, image="camera"):
        size = _check_positive_int(size, "size", minimum=8)
        blur = _check_number(blur, "blur", positive=True)
        sigma = _check_number(sigma, "sigma")
        self.x_true = data.image(image, size)
        self.A = op.Blur.gaussian((size, size), blur)
        self.sigma, self.seed = sigma, seed
        self.clean = self.A(self.x_true)
        self.y = noise.gaussian(self.clean, sigma, seed=seed)

    def measure(self, sigma, seed):
        """New noisy data for another noise level or seed (the clean blur is cached)."""
        return noise.gaussian(self.clean, sigma, seed=seed)


def _check_number(value, name, positive=False):
    """A finite real number (``> 0`` when ``positive``, else ``>= 0``) or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {value!r}.")
    return value


def _row(*children):
    """A row of panel parts that wraps onto a second line when the notebook is narrow."""
    return W.HBox(list(children), layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))


def _controls(panel, controls):
    for c in controls:
        c.observe(lambda change: panel.update(), names="value")
    return W.HBox(controls)


class LeastSquaresPanel(W.VBox):
    """Naive least squares :math:`\\hat x = (A^{\\top}A)^{-1}A^{\\top}y` for two noise draws (row 1.2).

    The blur is invertible, so the least-squares solution is the exact inverse, computed in
    Fourier (``tikhonov(A, y, lam=0)``). Two draws of the same tiny noise give two wildly
    different solutions: the inverse amplifies noise by up to :math:`1/s_{\\min}`.
    Controls: ``sigma`` (noise level) and ``seed`` (first draw; the second uses ``seed + 1``).
    """

    def __init__(self, size=128, blur=1.5, width=256):
        self.problem = DeblurProblem(size, blur)
        self.sigma = W.FloatLogSlider(value=1e-3, base=10, min=-6, max=-1, step=0.25, description="noise σ",
                                      readout_format=".1e")
        self.seed = W.IntSlider(value=0, min=0, max=20, description="seed")
        self.row = ImageRow(["y (draw 1)", "least squares, draw 1", "least squares, draw 2"], width)
        self.info = W.HTML()
        super().__init__([_controls(self, [self.sigma, self.seed]), self.row, self.info])
        self.update()

    def update(self):
        p = self.problem
        self.solutions, draws = [], []
        for i, s in enumerate((self.seed.value, self.seed.value + 1)):
            y = p.measure(self.sigma.value, s)
            draws.append(y)
            if i == 0:
                self.row.set(0, y, note=psnr_note(y, p.x_true))
            x = solvers.tikhonov(p.A, y, 0.0)
            self.solutions.append(x)
            self.row.set(i + 1, x, note=psnr_note(x, p.x_true))
        dy = float((draws[0] - draws[1]).abs().max())
        dx = float((self.solutions[0] - self.solutions[1]).abs().max())
        self.info.value = (f"The two measurements differ by at most {dy:.1e} per pixel; "
                           f"the two least-squares solutions differ by up to <b>{dx:.1e}</b> "
                           f"(amplification × {dx / max(dy, 1e-30):.0e}).")


class SVDPanel(W.VBox):
    """SVD of a small blur, the Picard plot and truncated-SVD reconstructions (row 1.3).

    The operator is a Gaussian blur on a ``n x n`` image, turned into its dense
    :math:`n^2 \\times n^2` matrix; its SVD is computed once per blur width and cached. The
    kernel covers the whole (periodic) grid rather than being cut at :math:`3\\sigma`: a cut
    kernel's spectrum has near-zeros of its own, whose depth does not follow the width, so the
    condition number would not grow with the blur. With the whole grid the smallest singular
    value is about :math:`e^{-\\pi^2\\sigma^2}`, and :data:`BLURS` stops where it reaches
    double precision (about :math:`10^{-13}` at :math:`\\sigma = 1.75`).

    Controls: ``blur`` (width), ``k`` (truncation index: keep the :math:`k` largest singular
    components). ``k`` starts at the best truncation for the starting blur (computed against
    the ground truth, an oracle), and :meth:`best_k` gives it for any width.

    Parameters
    ----------
    n : int
        Image side (the matrix is :math:`n^2 \\times n^2`; at most 64).
    sigma : float
        Noise standard deviation.
    width : int
        Display width of each image in CSS pixels.
    blur : float
        Starting blur width, one of :data:`BLURS`.
    """

    BLURS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75)

    def __init__(self, n=32, sigma=0.01, width=256, blur=1.5):
        n = _check_positive_int(n, "n", minimum=4)
        if n > 64:
            raise ValueError(f"n must be <= 64 (the dense matrix is n² x n²), got {n}.")
        sigma = _check_number(sigma, "sigma")
        if blur not in self.BLURS:
            raise ValueError(f"blur must be one of {self.BLURS}, got {blur!r}.")
        self.n = n
        self.x_true = data.image("camera", n).double()
        self.noise = noise.gaussian(torch.zeros(n, n, dtype=torch.float64), sigma, seed=0)
        self._svd = {}
        self.blur = W.SelectionSlider(options=list(self.BLURS), value=blur, description="blur width")
        k0, _ = self.best_k(blur)
        self.k = W.IntSlider(value=k0, min=1, max=n * n, description="keep k")
        self.plot = PlotImage(figsize=(6.2, 3.4), dpi=80)
        self.row = ImageRow(["y", "truncated SVD"], width)
        self.info = W.HTML()
        ax = self.plot.ax
        ax.set_yscale("log")
        ax.set_xlabel("index i")
        (self.l_s,) = ax.plot([], [], label="$s_i$")
        (self.l_uty,) = ax.plot([], [], ".", ms=2, label="$|u_i^T y|$")
        (self.l_ratio,) = ax.plot([], [], ".", ms=2, label="$|u_i^T y| / s_i$")
        self.vline = ax.axvline(0, color="k", lw=1)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), markerscale=4, framealpha=0.9)  # beside the plot
        ax.set_xlim(0, n * n)
        ax.set_title("Picard plot")
        self.plot.finish()
        self.plot.set_dynamic(self.vline)
        self._shown_blur = None
        super().__init__([_controls(self, [self.blur, self.k]), _row(self.plot, self.row), self.info])
        self.update()

    def operator(self, blur) -> op.Blur:
        """The Gaussian blur of width ``blur`` on the whole ``n x n`` periodic grid."""
        return op.Blur.gaussian((self.n, self.n), blur, size=self.n if self.n % 2 else self.n - 1)

    def decomposition(self, blur):
        """``(A, U, s, Vh)`` for a blur width (computed once, then cached)."""
        if blur not in self._svd:
            A = self.operator(blur)
            self._svd[blur] = (A,) + tuple(analysis.svd(A))
        return self._svd[blur]

    def condition_number(self, blur) -> float:
        """:math:`\\kappa = s_1/s_{n^2}` of the blur of width ``blur``.

        Exact and fast: the singular values of a circular blur are the magnitudes of its full
        2-D spectrum (the dense SVD of the panel agrees to rounding; a test checks it). The
        Gaussian kernel is separable, :math:`k = g\\,g^{\\top}/(\\sum g)^2`, so its spectrum is the
        product :math:`\\hat a(\\omega_r)\\,\\hat a(\\omega_c)` of the 1-D spectrum of the marginal
        :math:`a = k\\mathbf 1`, and

        .. math:: \\kappa = \\Big(\\frac{\\max_\\omega |\\hat a(\\omega)|}{\\min_\\omega |\\hat a(\\omega)|}\\Big)^2 .

        The 1-D form matters at the widest blur: :math:`s_{n^2} \\approx 10^{-13}` sits near the
        rounding error of a 2-D FFT (relative error about :math:`10^{-4}`, which moves the printed
        digits from one CPU to another), while :math:`\\min|\\hat a| \\approx 10^{-6.5}` is far above it.
        """
        kernel = self.operator(blur).kernel
        a = kernel.sum(dim=1)                       # marginal of the separable kernel (rows)
        size = a.numel()
        padded = torch.zeros(self.n, dtype=torch.float64)
        padded[:size] = a.to(torch.float64)
        padded = torch.roll(padded, -(size // 2))   # centre at index 0, as Blur does
        s1 = torch.fft.fft(padded).abs()
        return float((s1.max() / s1.min()) ** 2)

    def tsvd_psnr(self, blur) -> np.ndarray:
        """PSNR of the truncated-SVD reconstruction for every ``k = 1 .. n²`` (index ``k - 1``).

        Computed in the basis :math:`v_i`, where the error of keeping :math:`k` components is
        :math:`\\sum_{i\\le k}(u_i^Ty/s_i - v_i^Tx)^2 + \\sum_{i>k}(v_i^Tx)^2`.
        """
        A, U, s, Vh = self.decomposition(blur)
        y = A(self.x_true) + self.noise
        c = (U.T @ y.reshape(-1)) / s
        v = Vh @ self.x_true.reshape(-1)
        kept = torch.cumsum((c - v) ** 2, 0)
        dropped = (v ** 2).sum() - torch.cumsum(v ** 2, 0)
        mse = ((kept + dropped.clamp_min(0)) / (self.n * self.n)).numpy()
        return 10 * np.log10(1.0 / np.maximum(mse, 1e-300))

    def best_k(self, blur):
        """``(k, psnr)``: the truncation with the highest PSNR for this blur (oracle)."""
        p = self.tsvd_psnr(blur)
        i = int(np.argmax(p))
        return i + 1, float(p[i])

    def update(self):
        A, U, s, Vh = self.decomposition(self.blur.value)
        y = A(self.x_true) + self.noise
        coef = U.T @ y.reshape(-1)
        k = self.k.value
        x = (Vh[:k].T @ (coef[:k] / s[:k])).reshape(self.n, self.n)
        if self._shown_blur != self.blur.value:  # static curves change only with the blur
            i = np.arange(1, len(s) + 1)
            curves = (s.numpy(), coef.abs().numpy(), (coef.abs() / s).numpy())
            for line, values in zip((self.l_s, self.l_uty, self.l_ratio), curves):
                line.set_data(i, values)
            pos = np.concatenate([c[c > 0] for c in curves])
            lo, hi = float(pos.min()), float(pos.max())
            self.plot.ax.set_ylim(lo / 5, hi * 50)  # room for the legend above the curves
            self.plot.finish()  # new tick labels (10⁻¹²): lay out again so none is cut
            self.plot.refresh(full=True)
            self._shown_blur = self.blur.value
        self.vline.set_xdata([k, k])
        self.plot.refresh()
        self.row.set(0, y, note=psnr_note(y, self.x_true))
        self.row.set(1, x, title=f"truncated SVD, k = {k}", note=psnr_note(x, self.x_true))
        self.x_tsvd = x
        cond = float(s[0] / s[-1])
        kb, pb = self.best_k(self.blur.value)
        self.info.value = (f"condition number s<sub>1</sub>/s<sub>n²</sub> = <b>{cond:.2e}</b>; "
                           f"kept components down to s<sub>k</sub> = {float(s[k - 1]):.2e}. "
                           f"Best k for this blur (oracle): {kb} → {pb:.2f} dB.")


class TikhonovPanel(W.VBox):
    """Tikhonov :math:`\\hat x = (A^{\\top}A + \\lambda I)^{-1}A^{\\top}y` with its filter factors (row 1.4).

    For a circulant blur the singular values are :math:`|\\hat k(\\omega)|` and the filter
    factors :math:`\\phi = s^2/(s^2+\\lambda)` say which frequencies survive.
    Controls: ``lam`` (log scale) and ``sigma`` (noise level).
    """

    def __init__(self, size=256, blur=2.0, width=256):
        self.problem = DeblurProblem(size, blur)
        self.lam = log_slider("λ", 1e-2, -6, 1)
        self.sigma = W.FloatSlider(value=0.01, min=0.0, max=0.1, step=0.005, description="noise σ",
                                   readout_format=".3f")
        s_all = torch.sort(self.problem.A.spectrum.abs().reshape(-1), descending=True).values
        # ~300 log-spaced indices are enough to draw the curves (the rfft2 half holds ~33k values)
        idx = np.unique(np.geomspace(1, len(s_all), 300).astype(int))
        self.s = s_all[idx - 1]
        self.plot = PlotImage(figsize=(4.2, 3.2), dpi=80)
        ax = self.plot.ax
        ax.loglog(idx, self.s.numpy(), color="0.6", label="$s_i$ (blur)")
        (self.l_phi,) = ax.loglog(idx, np.ones(len(idx)), label="$\\phi_i = s_i^2/(s_i^2+\\lambda)$")
        ax.set_ylim(1e-6, 2)
        ax.set_xlabel("singular value index i")
        ax.legend(loc="lower left")
        ax.set_title("filter factors (s_i below 1e-6 not shown)")
        self.plot.finish()
        self.plot.set_dynamic(self.l_phi)
        self.row = ImageRow(["y", "Tikhonov"], width)
        self._y_sigma = None
        super().__init__([_controls(self, [self.lam, self.sigma]), _row(self.row, self.plot)])
        self.update()

    def update(self):
        p = self.problem
        if self._y_sigma != self.sigma.value:  # new data only when the noise level moved
            self._y, self._y_sigma = p.measure(self.sigma.value, p.seed), self.sigma.value
            self.row.set(0, self._y, note=psnr_note(self._y, p.x_true))
        x = solvers.tikhonov(p.A, self._y, self.lam.value)
        self.x = x
        self.row.set(1, x, title=f"Tikhonov, λ = {self.lam.value:.1e}", note=psnr_note(x, p.x_true))
        self.l_phi.set_ydata(analysis.filter_factors(self.s, self.lam.value).numpy())
        self.plot.refresh()


def _reg_table():
    return {
        "Tikhonov ½‖x‖²": (regularisers.Tikhonov(), 1e-2),
        "gradient-Tikhonov ½‖∇x‖²": (regularisers.GradientTikhonov(), 1e-2),
        "TV ‖∇x‖₂,₁": (regularisers.TV(boundary="circular"), 1e-3),
        "wavelet ‖Ψx‖₁": (regularisers.Wavelet(levels=3), 1e-3),
    }


REGULARISERS = tuple(_reg_table())


class RegulariserPanel(W.VBox):
    """The variational problem :math:`\\min_x \\tfrac12\\|Ax-y\\|^2 + \\lambda R(x)` for several :math:`R` (row 1.5).

    Quadratic :math:`R` are solved in closed form; TV and wavelet by ADMM (``n_iter``
    iterations), warm-started from the previous solution so that a slider step re-solves
    live. Controls: ``reg`` (the regulariser) and ``lam``. Extra regularisers (e.g. a learned
    one) can be passed as ``{"name": (regulariser, default_lam)}``.
    """

    def __init__(self, size=128, blur=1.5, sigma=0.01, width=256, n_iter=30, extra=None):
        self.problem = DeblurProblem(size, blur, sigma)
        self.table = _reg_table()
        if extra:
            self.table.update(extra)
        self.n_iter = n_iter
        n_iter = _check_positive_int(n_iter, "n_iter")
        self.reg = W.Dropdown(options=list(self.table), value="TV ‖∇x‖₂,₁", description="R(x)",
                              layout=W.Layout(width="300px"))
        defaults = [float(v[1]) for v in self.table.values()]
        for name, (_, lam) in self.table.items():
            _check_number(lam, f"default λ of {name!r}", positive=True)
        # every regulariser's starting λ lies well inside the range (never at an end)
        lo = min(-5, math.floor(math.log10(min(defaults))) - 2)
        hi = max(0, math.ceil(math.log10(max(defaults))) + 1)
        self.lam = log_slider("λ", self.table[self.reg.value][1], lo, hi)
        self.row = ImageRow(["y", "reconstruction", "error |x̂ − x|"], width)
        self._x = {}
        self._busy = False
        self.reg.observe(self._on_reg, names="value")
        self.lam.observe(lambda change: self.update(), names="value")
        super().__init__([W.HBox([self.reg, self.lam]), self.row])
        self.row.set(0, self.problem.y, note=psnr_note(self.problem.y, self.problem.x_true))
        self.update()

    def _on_reg(self, change):
        self._busy = True
        self.lam.value = self.table[change["new"]][1]
        self._busy = False
        self.update()

    def solve(self, name, lam):
        """Reconstruction for regulariser ``name`` at ``lam`` (warm-started for ADMM)."""
        reg = self.table[name][0]
        p = self.problem
        if reg.quadratic:
            return solvers.tikhonov(p.A, p.y, lam, reg=reg)
        x, _ = solvers.admm(p.A, p.y, reg, lam, n_iter=self.n_iter, x0=self._x.get(name))
        return x

    def update(self):
        if self._busy:
            return
        name, lam = self.reg.value, self.lam.value
        x = self.solve(name, lam)
        self._x[name] = x
        self.x = x
        self.row.set(1, x, title=f"{name}, λ = {lam:.1e}", note=psnr_note(x, self.problem.x_true))
        err = (x - self.problem.x_true).abs()
        self.row.set(2, err, vmin=0.0, vmax=0.25, note=f"mean {float(err.mean()):.4f} (window 0–0.25)")


class LCurvePanel(W.VBox):
    """Choosing λ: the L-curve and the PSNR-vs-λ curve with a moving marker (row 1.6).

    The curves are computed once for 41 values of λ (closed form, gradient-Tikhonov); the
    slider moves a marker along them and shows the reconstruction. The dashed line is the
    discrepancy principle's target :math:`\\|Ax_\\lambda - y\\| = \\sqrt{N}\\sigma`.
    """

    def __init__(self, size=128, blur=1.5, sigma=0.02, width=256):
        self.problem = p = DeblurProblem(size, blur, sigma)
        self.reg = regularisers.GradientTikhonov()
        lams = torch.logspace(-5, 1, 41).tolist()
        self.curve = analysis.l_curve(p.A, p.y, lams, reg=self.reg)
        self.sweep = analysis.psnr_vs_lambda(p.A, p.y, p.x_true, lams, reg=self.reg)
        self.lam = log_slider("λ", 1e-2, -5, 1)
        self.plot = PlotImage(figsize=(7.0, 3.2), dpi=80, ncols=2)
        a1, a2 = self.plot.axes
        a1.loglog(self.curve["residual_norm"], self.curve["solution_norm"], "-", color="0.4")
        a1.axvline(math.sqrt(size * size) * sigma, ls="--", color="C2", lw=1)
        a1.set_xlabel("‖Ax − y‖")
        a1.set_ylabel("‖∇x‖")
        a1.set_title("L-curve")
        a2.semilogx(lams, self.sweep["psnr"], "-", color="0.4")
        a2.set_xlabel("λ")
        a2.set_ylabel("PSNR (dB)")
        a2.set_title("PSNR vs λ")
        (self.m1,) = a1.plot([], [], "o", color="C3")
        (self.m2,) = a2.plot([], [], "o", color="C3")
        res = np.asarray(self.curve["residual_norm"])
        sol = np.asarray(self.curve["solution_norm"])
        label_log_axis(a1.xaxis, float(res.min()), float(res.max()))
        label_log_axis(a1.yaxis, float(sol.min()), float(sol.max()))
        self.plot.finish()
        self.plot.set_dynamic(self.m1, self.m2)
        self.row = ImageRow(["reconstruction"], width)
        self.info = W.HTML()
        super().__init__([_controls(self, [self.lam]), _row(self.plot, self.row), self.info])
        self.update()

    def update(self):
        p, lam = self.problem, self.lam.value
        x = solvers.tikhonov(p.A, p.y, lam, reg=self.reg)
        res = float(torch.linalg.vector_norm(p.A(x) - p.y))
        sol = math.sqrt(max(2 * float(self.reg(x)), 0.0))
        self.m1.set_data([res], [sol])
        self.m2.set_data([lam], [metrics.psnr(x, p.x_true)])
        self.plot.refresh()
        self.row.set(0, x, title=f"λ = {lam:.1e}", note=psnr_note(x, p.x_true))
        self.info.value = (f"best λ on this image (oracle): {self.sweep['best_lam']:.1e} "
                           f"→ {self.sweep['best_psnr']:.2f} dB")
        self.x = x


class GradientDescentPanel(W.VBox):
    """Gradient descent :math:`x_{k+1} = x_k - \\eta\\,\\nabla f(x_k)` on Tikhonov-regularised deblurring (row 1.7).

    :math:`f(x) = \\tfrac12\\|Ax-y\\|^2 + \\tfrac\\lambda2\\|x\\|^2` has an :math:`L`-Lipschitz
    gradient with :math:`L = \\|A\\|^2 + \\lambda` (exact: the blur's norm is its largest
    spectrum magnitude). Along the :math:`i`-th singular direction the error is multiplied by
    :math:`1 - \\eta(s_i^2 + \\lambda)` each step, so the iteration converges for
    :math:`\\eta L < 2`, *stalls* at :math:`\\eta L = 2` (the top component flips sign every
    step without decaying: neither converges nor blows up) and diverges for :math:`\\eta L > 2`.

    Controls: ``step`` (:math:`\\eta L`) runs the solver again; ``iteration`` scrubs the stored
    iterates without re-running. A diverging run stops when the objective exceeds
    :math:`10^{10} f(x_0)` (see :func:`invlab.solvers.gradient_descent`); the ``iteration``
    slider then ends at that iteration, and the info line says so. A diverging iterate is
    shown in its own grey-level range, with its norm in the caption.

    Parameters
    ----------
    size : int
        Image side.
    blur : float
        Gaussian blur width in pixels.
    lam : float
        Tikhonov weight :math:`\\lambda \\geq 0`.
    n_iter : int
        Iterations per run.
    width : int
        Display width of the image in CSS pixels.
    """

    TOL = 1e-6  # |ηL − 2| below this counts as "exactly 2" (slider values are decimal floats)

    def __init__(self, size=64, blur=1.5, lam=1e-2, n_iter=100, width=256):
        self.problem = DeblurProblem(size, blur)
        lam = _check_number(lam, "lam")
        n_iter = _check_positive_int(n_iter, "n_iter")
        self.reg, self.lam_value, self.n_iter = regularisers.Tikhonov(), lam, n_iter
        self.L = self.problem.A.norm() ** 2 + lam
        self.step = W.FloatSlider(value=1.0, min=0.1, max=2.5, step=0.05, description="η · L", continuous_update=False,
                                  readout_format=".2f")
        self.iteration = W.IntSlider(value=n_iter, min=0, max=n_iter, description="iteration")
        self.plot = PlotImage(figsize=(4.4, 3.4), dpi=80)
        ax = self.plot.ax
        ax.set_yscale("log")
        ax.set_xlabel("iteration k")
        ax.set_title("objective gap $f(x_k) - \\min f$")
        (self.l_obj,) = ax.plot([], [])
        (self.marker,) = ax.plot([], [], "o", color="C3")
        self.plot.set_dynamic(self.marker)
        self._full = True
        self.row = ImageRow(["iterate"], width)
        self.info = W.HTML()
        x_star = solvers.tikhonov(self.problem.A, self.problem.y, lam)
        self.f_star = solvers.objective(self.problem.A, self.problem.y, self.reg, lam, x_star)
        self.step.observe(lambda change: self.run(), names="value")
        self.iteration.observe(lambda change: self.show(), names="value")
        super().__init__([W.HBox([self.step, self.iteration]), _row(self.plot, self.row), self.info])
        self.run()

    def regime(self, eta_L: float | None = None) -> str:
        """``"converges"``, ``"stalls"`` or ``"diverges"`` for :math:`\\eta L` (default: the slider's)."""
        v = self.step.value if eta_L is None else eta_L
        if abs(v - 2.0) <= self.TOL:
            return "stalls"
        return "converges" if v < 2.0 else "diverges"

    def run(self):
        """Run gradient descent for the current step size, storing every iterate."""
        p = self.problem
        eta_L = self.step.value
        eta = eta_L / self.L
        x0 = torch.zeros_like(p.y)
        _, self.history = solvers.gradient_descent(p.A, p.y, self.reg, self.lam_value, n_iter=self.n_iter,
                                                   step=eta, x0=x0, keep_every=1)
        self.iterates = [x0] + list(self.history["x"])
        self.objective = [solvers.objective(p.A, p.y, self.reg, self.lam_value, x0)] + self.history["objective"]
        gap = np.maximum(np.array(self.objective, dtype=float) - self.f_star, 1e-16)
        gap = np.where(np.isfinite(gap), gap, np.nan)
        self.gap = gap
        self.stopped_at = len(self.iterates) - 1 if self.history.get("diverged") else None
        self.l_obj.set_data(np.arange(len(gap)), gap)
        ax = self.plot.ax
        ax.set_xlim(-0.02 * self.n_iter, 1.02 * self.n_iter)  # the marker stays whole at both ends
        finite = gap[np.isfinite(gap)]
        lo, hi = max(finite.min(), 1e-12) * 0.3, finite.max() * 3
        ax.set_ylim(lo, hi)
        label_log_axis(ax.yaxis, lo, hi)
        self.plot.finish()
        self._full = True
        factor = abs(1.0 - eta_L)  # error factor per step along the top singular direction
        regime = self.regime()
        if regime == "converges":
            verdict = (f"η·L = {eta_L:.2f} &lt; 2: <b style='color:green'>converges</b> — every error "
                       f"component shrinks each step (the top one by |1 − ηL| = {factor:.2f}).")
        elif regime == "stalls":
            verdict = ("η·L = 2: <b style='color:darkorange'>stalls</b> — along the top singular direction "
                       "|1 − ηL| = 1: that error component flips sign every step and never decays, so the "
                       "iteration neither converges nor blows up.")
        else:
            verdict = (f"η·L = {eta_L:.2f} &gt; 2: <b style='color:red'>diverges</b> — the top error component "
                       f"grows by |1 − ηL| = {factor:.2f} each step.")
        if self.stopped_at is not None:
            verdict += (f" The run was stopped at iteration {self.stopped_at}, when f(x<sub>k</sub>) exceeded "
                        f"10<sup>10</sup>·f(x<sub>0</sub>): the iteration slider ends there.")
        self.info.value = f"L = ‖A‖² + λ = {self.L:.4f} (exact). {verdict}"
        # the slider covers exactly the iterates that exist; "at the end" stays at the end
        last = len(self.iterates) - 1
        at_end = self.iteration.value >= self.iteration.max
        with self.iteration.hold_trait_notifications():
            self.iteration.max = last
            if at_end or self.iteration.value > last:
                self.iteration.value = last
        self.show()

    def show(self):
        """Show the iterate selected by the ``iteration`` slider."""
        k = min(self.iteration.value, len(self.iterates) - 1)
        g = self.gap[k] if k < len(self.gap) else np.nan
        self.marker.set_data([k], [g])
        self.plot.refresh(full=self._full)
        self._full = False
        x = self.iterates[k]
        if not bool(torch.isfinite(x).all()):  # not reached (the solver stops first), but never show NaN
            self.row.set(0, torch.zeros_like(x), title=f"iterate k = {k}", note="overflow (diverged)")
            return
        lo, hi = float(x.min()), float(x.max())
        regime = self.regime()
        if regime == "diverges" and (lo < -0.5 or hi > 1.5):
            # far outside the image range: a clipped picture would be a white or black square,
            # so show it in its own grey-level range and say how large it has become
            norm = float(torch.linalg.vector_norm(x))
            self.row.set(0, x, vmin=lo, vmax=hi, title=f"iterate k = {k}: blowing up",
                         note=f"‖x‖ = {norm:.1e}; grey = [{lo:.3g}, {hi:.3g}]")
        else:
            title = f"iterate k = {k}" + (" (oscillating)" if regime == "stalls" else "")
            self.row.set(0, x, title=title, note=psnr_note(x, self.problem.x_true))
