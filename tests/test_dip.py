"""Lecture 3b: DIPNet, solvers.dip, the masks and interpolation it uses, and the stored runs."""
import io

import pytest
import torch
import torch.nn.functional as F

import invlab as il
from invlab import operators as op
from invlab.nets import DIPNet
from invlab.pretrained import runs as R

TINY = dict(width=4, depth=2, skip=2, in_channels=4)


# ------------------------------------------------------------------ DIPNet
@pytest.mark.parametrize("shape", [(16, 16), (13, 21), (1, 1), (40, 7)])
def test_dipnet_makes_images_of_any_size_in_unit_range(shape):
    net = DIPNet(shape, **TINY)
    x = net().detach()
    assert x.shape == (1, 1, *shape)
    assert float(x.min()) >= 0 and float(x.max()) <= 1
    m = 2 ** net.depth
    assert all(p % m == 0 and p >= 2 * m and p >= s for p, s in zip(net.z0.shape[-2:], shape))


def test_dipnet_seed_fixes_weights_and_input():
    a, b, c = DIPNet((16, 16), seed=3, **TINY), DIPNet((16, 16), seed=3, **TINY), DIPNet((16, 16), seed=4, **TINY)
    torch.testing.assert_close(a(), b(), rtol=0, atol=0)
    assert not torch.equal(a.z0, c.z0)
    assert not torch.allclose(a(), c())


def test_dipnet_default_size_fits_the_cpu_budget():
    n = sum(p.numel() for p in DIPNet((128, 128)).parameters())
    assert 20_000 < n < 200_000          # DESIGN: most networks <= 200 k parameters


def test_dipnet_input_gate_and_z_shape():
    net = DIPNet((16, 16), **TINY)
    out64 = net(net.z0.double())
    assert out64.dtype == torch.float64
    torch.testing.assert_close(out64.float(), net(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="z must have shape"):
        net(torch.zeros(1, 3, 16, 16))
    with pytest.raises(TypeError, match="floating-point"):
        net(net.z0.long())
    with pytest.raises(ValueError, match="shape"):
        DIPNet((16,))


# ------------------------------------------------------------------ dip
def _problem(size=32, seed=0):
    x = il.data.image("camera", size=size)
    A = op.Mask.random((size, size), 0.5, seed=seed)
    return A, A(x), x


def test_dip_history_contract_and_seeding():
    A, y, x = _problem()
    net = DIPNet((32, 32), seed=1, **TINY)
    x1, h1 = il.solvers.dip(A, y, n_iter=12, net=net, x_true=x, keep_every=5, seed=1, noise_reg=0)
    assert x1.shape == (32, 32)
    assert len(h1["objective"]) == 12 and len(h1["psnr"]) == 12
    assert h1["x_iter"] == [5, 10]
    torch.testing.assert_close(h1["x"][-1], il.solvers.dip(A, y, n_iter=10, net=DIPNet((32, 32), seed=1, **TINY),
                                                           seed=1, noise_reg=0)[0], rtol=0, atol=0)
    # the objective is 1/2 ||A x_k - y||^2 of the returned iterate, and Adam lowers it
    assert h1["objective"][-1] == pytest.approx(0.5 * float(((A(x1) - y) ** 2).sum()), rel=1e-5)
    assert h1["objective"][-1] < 0.5 * h1["objective"][0]
    # psnr is the iterate's PSNR
    assert h1["psnr"][-1] == pytest.approx(float(il.metrics.psnr(x1, x)), abs=1e-4)


def test_dip_default_net_and_seed_reproduce():
    A, y, _ = _problem(16)
    a, _ = il.solvers.dip(A, y, n_iter=3, seed=7)
    b, _ = il.solvers.dip(A, y, n_iter=3, seed=7)
    c, _ = il.solvers.dip(A, y, n_iter=3, seed=8)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_masked_loss_ignores_the_unmeasured_pixels_exactly():
    """Changing y where the mask is False changes neither the weights nor any iterate."""
    A, y, _ = _problem()
    junk = torch.where(A.mask, y, torch.rand(y.shape, generator=torch.Generator().manual_seed(5)) * 3)
    runs = [il.solvers.dip(A, t, n_iter=8, net=DIPNet((32, 32), seed=2, **TINY), keep_every=1, noise_reg=nr)[1]["x"]
            for nr in (0, 0.03) for t in (y, junk)]
    for a, b in zip(*runs[2:]):
        assert torch.equal(a, b)
    runs = runs[:2]
    for a, b in zip(*runs):
        assert torch.equal(a, b)


def test_noise_reg_changes_the_fit_but_iterates_are_clean():
    A, y, x = _problem()
    x0, h0 = il.solvers.dip(A, y, n_iter=6, net=DIPNet((32, 32), seed=2, **TINY), x_true=x, noise_reg=0)
    x1, h1 = il.solvers.dip(A, y, n_iter=6, net=DIPNet((32, 32), seed=2, **TINY), x_true=x, noise_reg=0.05)
    assert not torch.equal(x0, x1)
    # the iterates are clean: their PSNR is that of the returned image, evaluated at z0
    assert h1["psnr"][-1] == pytest.approx(float(il.metrics.psnr(x1, x)), abs=1e-4)
    # without monitoring, the same seed gives the same result (no extra forward changes the stream)
    x2, h2 = il.solvers.dip(A, y, n_iter=6, net=DIPNet((32, 32), seed=2, **TINY), noise_reg=0.05)
    assert torch.equal(x1, x2) and h1["objective"] == h2["objective"]


def test_dip_superresolution_and_callback_stop():
    x = il.data.image("moon", size=32)
    A = op.Downsample((32, 32), 4)
    seen = []
    out, h = il.solvers.dip(A, A(x), n_iter=50, net=DIPNet((32, 32), seed=0, **TINY),
                            callback=lambda k, xk: seen.append(k) or k == 7)
    assert seen == list(range(1, 8)) and len(h["objective"]) == 7 and out.shape == (32, 32)


def test_dip_refuses_complex_operators_and_batches_clearly():
    A = op.MRI(op.cartesian_mask((16, 16), 2))
    with pytest.raises(ValueError, match="complex operators such as MRI"):
        il.solvers.dip(A, A(torch.rand(16, 16)), n_iter=1)
    B = op.Identity((16, 16))
    with pytest.raises(ValueError, match="no batch"):
        il.solvers.dip(B, torch.rand(2, 16, 16), n_iter=1)
    with pytest.raises(ValueError, match="net must make one-channel images"):
        il.solvers.dip(B, torch.rand(16, 16), n_iter=1, net=DIPNet((8, 8), **TINY))
    with pytest.raises(TypeError, match="net must be a DIP generator such as invlab.nets.DIPNet"):
        il.solvers.dip(B, torch.rand(16, 16), n_iter=1, net=torch.nn.Conv2d(1, 1, 3))


def test_natural_image_is_fitted_before_shuffled_pixels_before_noise():
    """The deep image prior's observation (Ulyanov et al. 2018, fig. 2), with a fixed seed at 64x64
    and no input perturbation: iterations to reach 25 dB, photo < shuffled pixels < noise, each
    level actually reached. Measured on 1 and 2 threads, with and without MKL_CBWR=COMPATIBLE /
    ONEDNN_MAX_CPU_ISA=AVX2 (other code paths, as on another CPU): photo 32; shuffled 135-165;
    noise 195-206 (the trajectories differ in detail, the order does not)."""
    x = il.data.image("camera", size=64)
    g = torch.Generator().manual_seed(0)
    shuffled = x.flatten()[torch.randperm(x.numel(), generator=g)].reshape(x.shape)
    noise = torch.rand(x.shape, generator=g)
    A = op.Identity((64, 64))

    def first(target, level, n_iter):
        _, h = il.solvers.dip(A, target, n_iter=n_iter, x_true=target, seed=0, noise_reg=0,
                              net=DIPNet((64, 64), depth=4, seed=0),
                              callback=lambda k, xk: bool(il.metrics.psnr(xk, target) >= level))
        return len(h["psnr"]) if h["psnr"][-1] >= level else n_iter + 1

    k_photo = first(x, 25.0, 400)
    k_shuffled = first(shuffled, 25.0, 600)
    k_noise = first(noise, 25.0, 900)
    print("iterations to the fit level:", k_photo, k_shuffled, k_noise)
    assert k_photo <= 400 and k_shuffled <= 600 and k_noise <= 900, (k_photo, k_shuffled, k_noise)
    assert k_photo < k_shuffled < k_noise, (k_photo, k_shuffled, k_noise)


# ------------------------------------------------------------------ masks and interpolation
def test_block_and_text_masks():
    b = op.Mask.block((40, 30), 0.5)
    assert int((~b.mask).sum()) == 15 * 15 and not b.mask[20, 15] and b.mask[0, 0]
    t = op.Mask.text((128, 128))
    missing = 1 - t.mask.float().mean()
    assert 0.05 < float(missing) < 0.3
    assert torch.equal(t.mask, op.Mask.text((128, 128)).mask)


@pytest.mark.parametrize("factor", [2, 3, 4])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_passes_through_the_samples(factor, mode):
    A = op.Downsample((24, 36), factor)
    y = torch.rand(2, 24 // factor, 36 // factor, generator=torch.Generator().manual_seed(1))
    up = A.interpolate(y, mode)
    assert up.shape == (2, 24, 36)
    torch.testing.assert_close(up[..., ::factor, ::factor], y, rtol=0, atol=1e-5)


def test_interpolate_matches_torch_on_its_grid():
    """Away from the last samples, bicubic on the decimation grid is F.interpolate(align_corners=True)
    of y onto the grid positions 0, 1/f, ..., n-1: the same Keys kernel (a = -0.75)."""
    f, n = 4, 8
    A = op.Downsample((n * f, n * f), f)
    y = torch.rand(n, n, generator=torch.Generator().manual_seed(2))
    ref = F.interpolate(y[None, None], size=((n - 1) * f + 1,) * 2, mode="bicubic", align_corners=True)[0, 0]
    torch.testing.assert_close(A.interpolate(y, "bicubic")[: (n - 1) * f + 1, : (n - 1) * f + 1], ref,
                               rtol=1e-5, atol=1e-5)
    # a constant stays constant, a linear ramp is reproduced by bilinear
    torch.testing.assert_close(A.interpolate(torch.full((n, n), 0.3), "bicubic"), torch.full((n * f, n * f), 0.3))
    ramp = torch.arange(n, dtype=torch.float32)[None].expand(n, n).contiguous()
    up = A.interpolate(ramp, "bilinear")[0, : (n - 1) * f + 1]
    torch.testing.assert_close(up, torch.arange((n - 1) * f + 1, dtype=torch.float32) / f)


# ------------------------------------------------------------------ stored runs
def test_log_schedule():
    ks = R.log_schedule(1200)
    assert ks[0] == 1 and ks[-1] == 1200 and ks == sorted(set(ks))
    ratios = [b / a for a, b in zip(ks[5:], ks[6:])]
    assert all(1.1 < r < 1.6 for r in ratios[:-1])          # evenly spaced on a log scale
    assert R.log_schedule(1) == [1]


def test_uint8_round_trip():
    x = torch.rand(5, 7)
    assert (R.from_uint8(R.to_uint8(x)) - x).abs().max() <= 0.5 / 255 + 1e-7
    assert R.to_uint8(torch.tensor([-1.0, 2.0])).tolist() == [0, 255]


def test_stored_runs_are_shipped_checked_and_consistent():
    assert set(R.runs_available()) == set(R.RUNS)
    for row in R.verify_runs():
        assert row["ok"], row
    run = R.stored_run("dip_inpainting")
    for label, fit in run["fits"].items():
        A, y, x = R.dip_problem(label)
        assert torch.equal(fit["mask"], A.mask)
        torch.testing.assert_close(fit["y"].float(), y, atol=1e-3, rtol=0)
        assert len(fit["psnr"]) == fit["n_iter"] and fit["x_iter"][-1] == fit["n_iter"]
        # the final stored image scores what the history says (8-bit rounding aside)
        assert float(il.metrics.psnr(R.from_uint8(fit["x"]), x)) == pytest.approx(fit["psnr"][-1], abs=0.1)
        assert fit["psnr"][fit["best_iter"] - 1] == max(fit["psnr"])
    den = R.stored_run("dip_denoising")
    assert len(den["val"]) == den["n_iter"]
    assert den["val"][den["val_best_iter"] - 1] == min(den["val"])


def test_stored_run_checksum_and_missing_file(tmp_path, monkeypatch):
    import json
    import shutil
    for f in ("MANIFEST.json", "dip_sr.pt"):
        shutil.copy(R.RUNS_DIR / f, tmp_path / f)
    monkeypatch.setenv("INVLAB_RUNS_DIR", str(tmp_path))
    assert R.stored_run("dip_sr")["factor"] == 4
    raw = bytearray((tmp_path / "dip_sr.pt").read_bytes())
    raw[-10] ^= 1
    (tmp_path / "dip_sr.pt").write_bytes(bytes(raw))
    with pytest.raises(il.pretrained.WeightsChecksumError, match="dip_sr"):
        R.stored_run("dip_sr")
    with pytest.raises(FileNotFoundError, match="python -m invlab.pretrained run dip_fitting"):
        R.stored_run("dip_fitting")
    with pytest.raises(ValueError, match="unknown stored run"):
        R.stored_run("nope")
    json.loads((tmp_path / "MANIFEST.json").read_text())


def test_make_run_writes_file_and_manifest(tmp_path, monkeypatch):
    """make_run on a tiny registered run: the file's sha256 is in the manifest and it loads back."""
    tiny = R.Run("dip_tiny", "a tiny run for the test", lambda progress: {"n": 3, "x": torch.ones(2)})
    monkeypatch.setitem(R.RUNS, "dip_tiny", tiny)
    monkeypatch.setenv("INVLAB_RUNS_DIR", str(tmp_path))
    entry = R.make_run("dip_tiny", progress=False)
    assert entry["file"] == "dip_tiny.pt" and entry["bytes"] == (tmp_path / "dip_tiny.pt").stat().st_size
    assert R.stored_run("dip_tiny")["n"] == 3
    assert torch.load(io.BytesIO((tmp_path / "dip_tiny.pt").read_bytes()), weights_only=True)["n"] == 3
