"""A panel that trains any network in the notebook, with live loss curves (lectures 2 and 4).

Built on :func:`invlab.train.fit`: the panel passes a ``callback(step, model, history)`` that
redraws the loss plot and the sample output every few steps and returns ``True`` when the
stop button was pressed. Started from its button, training runs in a background thread, so
the notebook (and every other panel) stays responsive; :meth:`TrainingPanel.run` with
``blocking=True`` trains in the calling thread (tests, ``nbval``).
"""
from __future__ import annotations

import math
import threading
import time

import ipywidgets as W
import numpy as np
import torch

from ..train import fit
from .base import ImageRow, PlotImage, _check_positive_int, label_log_axis

__all__ = ["TrainingPanel"]


def _as_samples(out) -> dict:
    """Normalise what ``sample_fn`` returns to ``{title: (image, note or None)}``."""
    if isinstance(out, torch.Tensor) or isinstance(out, np.ndarray):
        return {"sample output": (out, None)}
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], (str, type(None))):
        return {"sample output": (out[0], out[1])}
    if isinstance(out, dict) and out:
        samples = {}
        for title, v in out.items():
            if not isinstance(title, str):
                raise TypeError(f"sample_fn's dict keys must be titles (str), got {title!r}.")
            if isinstance(v, tuple):
                if len(v) != 2 or not isinstance(v[1], (str, type(None))):
                    raise TypeError(f"sample_fn's value for {title!r} must be an image or (image, note), got {v!r}.")
                samples[title] = (v[0], v[1])
            else:
                samples[title] = (v, None)
        return samples
    raise TypeError("sample_fn(model) must return an image, (image, note) or {title: image or (image, note)}, "
                    f"got {type(out).__name__}.")


class TrainingPanel(W.VBox):
    """Train a network live: loss curves, a sample output, start/stop, learning rate and steps.

    One press of the button runs :func:`invlab.train.fit` for ``steps`` Adam steps (cosine
    schedule from the learning rate ``lr``) in a background thread; pressing it again stops
    after the current step. Each run continues from the current weights (``reset`` restores
    the initial ones), and the loss curves of successive runs are drawn end to end. The
    training loss is plotted every step (faint) with a running mean; the validation loss,
    when ``val_batches`` is given, about 20 times per run.

    Parameters
    ----------
    model : torch.nn.Module
        Any network; trained in place.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar tensor`` (as for :func:`~invlab.train.fit`).
    train_batches : callable or iterable
        ``step -> batch``, or an iterable of batches (as for :func:`~invlab.train.fit`).
    val_batches : iterable, optional
        Fixed validation batches.
    sample_fn : callable, optional
        ``sample_fn(model) -> image``, ``(image, note)`` or ``{title: image or (image, note)}``:
        what to show while training (e.g. the denoised held-out image with its PSNR). Called
        under ``torch.no_grad()`` with the model in eval mode; images are 2-D, shown with grey
        levels in :math:`[0, 1]`.
    n_steps : int
        Initial value of the ``steps`` control.
    lr : float
        Initial value of the learning-rate control (log slider over :math:`[10^{-5}, 10^{-1}]`).
    refresh_every : int
        Redraw the plot and the sample every this many steps (and at the end of a run).
    seed : int
        Seed of each run (run ``r`` uses ``seed + r``, so repeated runs draw fresh batches).
    width : int
        Display width of each sample image in CSS pixels.

    Attributes
    ----------
    button : ipywidgets.Button
        Start (or stop, while training).
    lr, steps : ipywidgets sliders
        Learning rate and number of steps of the next run.
    history : dict
        Everything trained so far: ``"step"``, ``"loss"``, ``"val_step"``, ``"val_loss"`` (steps
        counted over all runs), ``"runs"`` (one :func:`~invlab.train.fit` history per run).
    """

    def __init__(self, model: torch.nn.Module, loss_fn, train_batches, val_batches=None, sample_fn=None,
                 n_steps: int = 500, lr: float = 1e-3, refresh_every: int = 25, seed: int = 0, width: int = 200):
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be callable (model, batch) -> loss, got {type(loss_fn).__name__}.")
        if sample_fn is not None and not callable(sample_fn):
            raise TypeError(f"sample_fn must be callable model -> image, got {type(sample_fn).__name__}.")
        if not callable(train_batches) and not hasattr(train_batches, "__iter__"):
            raise TypeError("train_batches must be a callable step -> batch or an iterable of batches, "
                            f"got {type(train_batches).__name__}.")
        n_steps = _check_positive_int(n_steps, "n_steps")
        self.refresh_every = _check_positive_int(refresh_every, "refresh_every")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}.")
        self.seed = int(seed)
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or not 1e-5 <= lr <= 1e-1:
            raise ValueError(f"lr must be a number in [1e-5, 1e-1], got {lr!r}.")
        self.model, self.loss_fn, self.sample_fn = model, loss_fn, sample_fn
        self.train_batches = train_batches
        self.val_batches = None if val_batches is None else list(val_batches)
        self._initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.error: BaseException | None = None

        self.button = W.Button(description="▶ train", button_style="success", layout=W.Layout(width="110px"),
                               tooltip="start training (press again to stop)")
        self.reset_button = W.Button(description="reset weights", layout=W.Layout(width="120px"),
                                     tooltip="back to the initial (untrained) weights; clears the curves")
        # on the slider's grid (steps of 10^0.05), so the browser shows the value the kernel uses
        lr = 10 ** (round(math.log10(lr) / 0.05) * 0.05)
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-5, max=-1, step=0.05, description="learning rate",
                                   readout_format=".1e", style={"description_width": "initial"})
        hi = max(2000, n_steps)
        self.steps = W.IntSlider(value=n_steps, min=10, max=hi, step=10, description="steps",
                                 continuous_update=False)
        self.status = W.HTML()
        self.button.on_click(self._on_button)
        self.reset_button.on_click(lambda _: self.reset())

        self.plot = PlotImage(figsize=(4.6, 3.2), dpi=80)
        ax = self.plot.ax
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("loss")
        ax.set_title("training and validation loss")
        (self.l_train,) = ax.plot([], [], color="C0", alpha=0.25, lw=0.8)
        (self.l_smooth,) = ax.plot([], [], color="C0", lw=1.6, label="training (running mean)")
        (self.l_val,) = ax.plot([], [], "o-", color="C1", ms=3, lw=1.2, label="validation")
        handles = [self.l_smooth] + ([self.l_val] if self.val_batches is not None else [])
        ax.legend(handles=handles, loc="upper right", framealpha=0.9)
        ax.set_xlim(0, n_steps)
        ax.set_ylim(1e-4, 1)
        self.plot.finish()

        self.history = {"step": [], "loss": [], "val_step": [], "val_loss": [], "runs": []}
        self._offset = 0
        self._xmax = n_steps
        self.row = None
        children = [W.HBox([self.button, self.reset_button, self.lr, self.steps],
                           layout=W.Layout(flex_flow="row wrap")), self.status]
        pictures = [self.plot]
        if sample_fn is not None:
            samples = self._samples()
            self.row = ImageRow(list(samples), _check_positive_int(width, "width"), lines=2)
            pictures.append(self.row)
        children.insert(1, W.HBox(pictures, layout=W.Layout(flex_flow="row wrap", align_items="flex-start")))
        super().__init__(children)
        self._redraw()
        self.status.value = self._status_text("ready: press ▶ train")

    # ----------------------------------------------------------------- control
    @property
    def running(self) -> bool:
        """Whether a background training thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _on_button(self, _=None):
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self, n_steps: int | None = None) -> threading.Thread:
        """Train for ``n_steps`` (default: the ``steps`` control) in a background thread.

        Returns the thread (the running one if training is already going on).
        """
        if self.running:
            return self._thread
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._train_safely, args=(n_steps,), name="invlab-training",
                                        daemon=True)
        self._set_button(True)
        self._thread.start()
        return self._thread

    def stop(self):
        """Ask the training run to stop after its current step (it keeps the weights so far)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background run to end; ``True`` if it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def run(self, blocking: bool = True, n_steps: int | None = None) -> dict | None:
        """Train one run of ``n_steps`` steps (default: the ``steps`` control).

        ``blocking=True`` trains in the calling thread and returns that run's
        :func:`~invlab.train.fit` history (tests, and a notebook executed non-interactively);
        ``blocking=False`` is :meth:`start`. ``n_steps`` applies to this run only.
        """
        n_steps = None if n_steps is None else _check_positive_int(n_steps, "n_steps")
        if not blocking:
            return self.start(n_steps)
        if self.running:
            raise RuntimeError("a training run is going on in the background: stop() or wait() first.")
        self._stop.clear()
        return self._train(n_steps)

    def reset(self):
        """Stop training, restore the initial weights and clear the curves."""
        self.stop()
        self.wait(30)
        self.model.load_state_dict(self._initial)
        self.history = {"step": [], "loss": [], "val_step": [], "val_loss": [], "runs": []}
        self._offset = 0
        self._xmax = int(self.steps.value)
        self._redraw()
        self.status.value = self._status_text("weights reset to their initial values")

    # ----------------------------------------------------------------- training
    def _set_button(self, running: bool):
        self.button.description = "■ stop" if running else "▶ train"
        self.button.button_style = "danger" if running else "success"

    def _train_safely(self, n_steps=None):
        try:
            self._train(n_steps)
        except BaseException as e:  # shown in the panel: a thread has nowhere else to report
            self.error = e
            self.status.value = (f"<span style='color:#b00'>training failed: {type(e).__name__}: "
                                 f"{str(e)[:300]}</span>")
        finally:
            self._set_button(False)

    def _train(self, n_steps: int | None = None) -> dict:
        n_steps = int(self.steps.value) if n_steps is None else n_steps
        lr = float(self.lr.value)
        offset, run_index = self._offset, len(self.history["runs"])
        self._xmax = offset + n_steps
        t0 = time.perf_counter()

        def callback(step, model, history):
            with self._lock:
                self._sync(history, offset)
            if step % self.refresh_every == 0:
                self._redraw()
                self.status.value = self._status_text(
                    f"training: step {step} of {n_steps} (learning rate {lr:.1e}), "
                    f"{time.perf_counter() - t0:.0f} s")
            return self._stop.is_set()

        h = fit(self.model, self.loss_fn, self.train_batches, n_steps, lr=lr, val_batches=self.val_batches,
                seed=self.seed + run_index, callback=callback, progress=False)
        with self._lock:
            self._sync(h, offset)
            self.history["runs"].append(h)
            self._offset = offset + len(h["step"])
        self._xmax = self._offset  # a stopped run: the axis ends where training did
        self._redraw()
        how = (f"stopped at step {len(h['step'])} of {n_steps}" if h["stopped"] else f"finished {n_steps} steps")
        self.status.value = self._status_text(f"{how} in {time.perf_counter() - t0:.0f} s")
        return h

    def _sync(self, h: dict, offset: int):
        """Copy one run's history into the panel's (steps counted over all runs)."""
        H = self.history
        keep = len([s for s in H["step"] if s <= offset])
        del H["step"][keep:], H["loss"][keep:]
        H["step"] += [offset + s for s in h["step"]]
        H["loss"] += list(h["loss"])
        keep = len([s for s in H["val_step"] if s <= offset])
        del H["val_step"][keep:], H["val_loss"][keep:]
        H["val_step"] += [offset + s for s in h["val_step"]]
        H["val_loss"] += list(h["val_loss"])

    # ----------------------------------------------------------------- drawing
    def _status_text(self, what: str) -> str:
        H = self.history
        parts = [what]
        if H["loss"]:
            parts.append(f"last training loss <b>{H['loss'][-1]:.3g}</b>")
        if H["val_loss"]:
            parts.append(f"validation loss <b>{H['val_loss'][-1]:.3g}</b>")
        return " · ".join(parts)

    def _redraw(self):
        """Redraw the loss curves and (if given) the sample output."""
        with self._lock:
            steps = np.asarray(self.history["step"], dtype=float)
            loss = np.asarray(self.history["loss"], dtype=float)
            vs = np.asarray(self.history["val_step"], dtype=float)
            vl = np.asarray(self.history["val_loss"], dtype=float)
        ax = self.plot.ax
        self.l_train.set_data(steps, loss)
        if len(loss):
            k = max(1, min(25, len(loss) // 10))
            smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
            self.l_smooth.set_data(steps[k - 1:], smooth)
        else:
            self.l_smooth.set_data([], [])
        self.l_val.set_data(vs, vl)
        values = np.concatenate([loss, vl])
        values = values[np.isfinite(values) & (values > 0)]
        if len(values):
            lo, hi = float(values.min()) / 1.5, float(values.max()) * 1.5
            ax.set_ylim(lo, hi)
            label_log_axis(ax.yaxis, lo, hi)
        xmax = max(float(steps.max()) if len(steps) else 0.0, self._xmax, 10.0)
        ax.set_xlim(0, xmax)
        self.plot.fig.tight_layout(pad=0.6)  # tick labels change width with the range
        self.plot.refresh(full=True)
        if self.row is not None:
            self._show_samples(self._samples())

    def _samples(self) -> dict:
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                return _as_samples(self.sample_fn(self.model))
        finally:
            self.model.train(was_training)

    def _show_samples(self, samples: dict):
        for i, (title, (img, note)) in enumerate(samples.items()):
            if i >= len(self.row.images):
                break
            self.row.set(i, img, title=title, note=note)
