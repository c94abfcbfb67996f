"""TrainingPanel: generic over models, loss goes down, stop works (blocking and thread paths)."""
import math
import time

import numpy as np
import pytest
import torch
from torch import nn

import invlab as il
from invlab import recipes
from invlab.widgets import TrainingPanel


def _regression(seed=0):
    """A model that is not an image network: linear regression on fixed data."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 4, generator=g)
    Y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.01 * torch.randn(64, 1, generator=g)
    torch.manual_seed(seed)
    model = nn.Linear(4, 1)
    batches = [(X[i:i + 16], Y[i:i + 16]) for i in range(0, 48, 16)]
    val = [(X[48:], Y[48:])]

    def loss_fn(m, batch):
        x, y = batch
        return torch.mean((m(x) - y) ** 2)
    return model, loss_fn, batches, val


def _denoiser_panel(**kw):
    torch.manual_seed(0)
    net = il.nets.DnCNN(width=8, depth=3)
    photos = il.data.train_images(64)
    batches = recipes.denoising_batches(photos, patch=24, batch=8)
    val = [recipes.denoising_batches(photos, patch=24, batch=16, seed=1)(0)]
    x = il.data.image("camera", 32)
    y = il.noise.gaussian(x, 0.1, seed=0)

    def sample(model):
        out = model(y[None, None], 0.1)[0, 0].clamp(0, 1)
        return {"noisy": (y, il.widgets.psnr_note(y, x)), "denoised": (out, il.widgets.psnr_note(out, x))}
    return TrainingPanel(net, recipes.denoising_loss, batches, val, sample, width=64, **kw), x


def test_loss_goes_down_and_pictures_change():
    panel, x = _denoiser_panel(n_steps=60, lr=3e-3, refresh_every=10)
    plot0, samples0 = panel.plot.value, list(panel.row.pngs)
    h = panel.run(blocking=True)
    assert len(h["step"]) == 60 and h["stopped"] is None
    loss = np.asarray(h["loss"])
    assert np.isfinite(loss).all()
    assert loss[-10:].mean() < loss[:10].mean()
    assert h["val_loss"][-1] < h["val_loss"][0]
    assert panel.plot.value != plot0
    assert panel.row.pngs[1] != samples0[1]          # the sample output was redrawn
    assert panel.row.pngs[0] == samples0[0]          # the noisy input is the same picture
    assert "finished 60 steps" in panel.status.value
    # the caption's PSNR is the PSNR of the picture shown
    out = panel.model(il.noise.gaussian(x, 0.1, seed=0)[None, None], 0.1)[0, 0].clamp(0, 1)
    assert f"PSNR {il.metrics.psnr(out.detach(), x):.2f} dB" in panel.row.captions[1].value


def test_generic_model_runs_continue_and_reset():
    model, loss_fn, batches, val = _regression()
    panel = TrainingPanel(model, loss_fn, batches, val, n_steps=30, lr=3e-2, refresh_every=5)
    assert panel.row is None                           # no sample_fn: only the curves
    h1 = panel.run()
    h2 = panel.run(n_steps=20)                         # continues from the trained weights
    assert panel.steps.value == 30                     # n_steps applied to that run only
    assert panel.history["step"] == list(range(1, 51))
    assert len(panel.history["runs"]) == 2
    assert h2["loss"][-1] < h1["loss"][0]
    assert all(b > a for a, b in zip(panel.history["val_step"], panel.history["val_step"][1:]))
    panel.reset()
    assert panel.history["step"] == []
    m0, *_ = _regression()
    assert torch.equal(panel.model.weight, m0.weight)


def test_every_control_across_its_range():
    model, loss_fn, batches, val = _regression()
    panel = TrainingPanel(model, loss_fn, batches, val, n_steps=10, lr=1e-3)
    pictures = {panel.plot.value}
    for e in np.linspace(panel.lr.min, panel.lr.max, 5):
        panel.lr.value = float(10 ** e)
        panel.steps.value = panel.steps.min
        h = panel.run()
        assert math.isclose(h["lr"][0], panel.lr.value, rel_tol=1e-9)
        assert np.isfinite(h["loss"]).all()
        pictures.add(panel.plot.value)
    assert len(pictures) > 3
    panel.steps.value = panel.steps.max
    assert panel.steps.value == panel.steps.max


def test_stop_in_blocking_run():
    model, loss_fn, batches, val = _regression()
    panel = TrainingPanel(model, loss_fn, batches, val, n_steps=100)

    def stopping_loss(m, batch):
        if len(panel.history["step"]) == 7:
            panel.stop()                               # the stop button, pressed during step 8
        return loss_fn(m, batch)
    panel.loss_fn = stopping_loss
    h = panel.run()
    assert h["stopped"] == "callback" and len(h["step"]) == 8
    assert "stopped at step 8 of 100" in panel.status.value


def test_button_starts_and_stops_a_background_thread():
    panel, _ = _denoiser_panel(n_steps=2000, refresh_every=5)
    panel.button.click()
    assert panel.running and panel.button.description == "■ stop"
    deadline = time.monotonic() + 30
    while len(panel.history["step"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(panel.history["step"]) >= 3             # training goes on while this thread is free
    panel.button.click()                               # stop
    assert panel.wait(30)
    run = panel.history["runs"][-1]
    assert run["stopped"] == "callback" and len(run["step"]) < 2000
    assert panel.button.description == "▶ train" and panel.error is None
    with pytest.raises(RuntimeError):                  # one run at a time
        panel.start()
        try:
            panel.run()
        finally:
            panel.stop()
            panel.wait(30)


def test_error_in_background_run_is_shown():
    model, _, batches, _ = _regression()

    def bad_loss(m, batch):
        raise ValueError("deliberate")
    panel = TrainingPanel(model, bad_loss, batches, n_steps=10)
    panel.start()
    assert panel.wait(30)
    assert isinstance(panel.error, ValueError) and "deliberate" in panel.status.value


@pytest.mark.parametrize("kwargs, exc", [
    ({"model": "net"}, TypeError), ({"loss_fn": 3}, TypeError), ({"sample_fn": 1}, TypeError),
    ({"train_batches": 5}, TypeError), ({"n_steps": 0}, ValueError), ({"lr": 1.0}, ValueError),
    ({"lr": float("nan")}, ValueError), ({"refresh_every": 0}, ValueError), ({"seed": 1.5}, TypeError),
])
def test_bad_arguments(kwargs, exc):
    model, loss_fn, batches, val = _regression()
    args = {"model": model, "loss_fn": loss_fn, "train_batches": batches}
    args.update(kwargs)
    with pytest.raises(exc):
        TrainingPanel(**args)


def test_bad_sample_fn_output():
    model, loss_fn, batches, _ = _regression()
    with pytest.raises(TypeError, match="sample_fn"):
        TrainingPanel(model, loss_fn, batches, sample_fn=lambda m: 3)
