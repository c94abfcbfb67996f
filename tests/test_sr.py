"""Lecture 3: upsampling layers, the four super-resolution frameworks, the loss zoo, the sharpness ratio."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from invlab import losses, metrics
from invlab import operators as op
from invlab import recipes
import invlab as il
from invlab.nets import sr as SR
from invlab.train import fit

MODES = ("nearest", "bilinear", "bicubic")


def _rand(*shape, seed=0, dtype=torch.float64):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# ------------------------------------------------------------------ interpolation = fixed transposed convolution

@pytest.mark.parametrize("factor", [2, 3, 4])
@pytest.mark.parametrize("mode", MODES)
def test_fixed_layer_equals_torch_interpolate_borders_included(factor, mode):
    y = _rand(2, 3, 7, 9)
    kw = {} if mode == "nearest" else {"align_corners": False}
    ref = F.interpolate(y, scale_factor=factor, mode=mode, **kw)
    out = SR.InterpUpsample(factor, mode)(y)
    assert out.shape == ref.shape == (2, 3, 7 * factor, 9 * factor)
    assert torch.allclose(out, ref, atol=1e-12, rtol=0), (out - ref).abs().max()


@pytest.mark.parametrize("factor", [2, 3, 4])
@pytest.mark.parametrize("mode", MODES)
def test_grid_layer_equals_the_operators_interpolation(factor, mode):
    y = _rand(2, 1, 6, 5)
    A = op.Downsample((6 * factor, 5 * factor), factor)
    ref = A.interpolate(y[:, 0], mode)
    out = SR.InterpUpsample(factor, mode, align="grid")(y)[:, 0]
    assert torch.allclose(out, ref, atol=1e-12, rtol=0), (out - ref).abs().max()
    # on the grid the interpolant passes through the samples
    assert torch.allclose(out[:, ::factor, ::factor], y[:, 0], atol=1e-12)


def test_fixed_layer_is_a_transposed_convolution_with_no_parameters():
    up = SR.InterpUpsample(2, "bilinear")
    assert list(up.parameters()) == []
    w = up.weight[0, 0]
    # the bilinear x2 kernel is the outer product of (1/4, 3/4, 3/4, 1/4), zero-padded
    taps = w[w.abs().sum(1) > 0][:, w.abs().sum(0) > 0]
    ref = torch.tensor([0.25, 0.75, 0.75, 0.25], dtype=torch.float64)
    assert torch.allclose(taps, torch.outer(ref, ref))
    # a float32 input is computed in float32
    assert up(torch.zeros(1, 1, 4, 4)).dtype == torch.float32


def test_pixel_shuffle_layout_and_icnr_starts_as_nearest_upsampling():
    torch.manual_seed(0)
    layer = SR.SubPixelConv(3, 1, 2, icnr=True)
    x = torch.randn(2, 3, 5, 7)
    out = layer(x)
    assert out.shape == (2, 1, 10, 14)
    # every 2x2 block is constant: ICNR = convolve, then nearest-upsample
    blocks = out.unfold(2, 2, 2).unfold(3, 2, 2)
    assert torch.allclose(blocks, blocks[..., :1, :1].expand_as(blocks), atol=1e-6)
    # the shuffle itself: out[c, 2i + a, 2j + b] = in[4c + 2a + b, i, j]
    z = torch.arange(4 * 3 * 3, dtype=torch.float32).reshape(1, 4, 3, 3)
    ps = torch.nn.PixelShuffle(2)(z)
    assert ps[0, 0, 2 * 1 + 1, 2 * 2 + 0] == z[0, 2, 1, 2]
    plain = SR.SubPixelConv(3, 1, 2, icnr=False)(x)
    pb = plain.unfold(2, 2, 2).unfold(3, 2, 2)
    assert not torch.allclose(pb, pb[..., :1, :1].expand_as(pb), atol=1e-3)


def test_icnr_refuses_a_channel_count_that_is_not_a_multiple_of_factor_squared():
    with pytest.raises(ValueError, match="factor"):
        SR.icnr_(torch.zeros(6, 2, 3, 3), 2)


def test_checkerboard_patterns():
    # k = 3, s = 2, unit weights: the interior counts overlapping taps, 1 / 2 / 4 per 2x2 cell
    t = SR.checkerboard("transposed", 3, 2, size=10)
    cell = t[8:10, 8:10] * (t[6:14, 6:14].mean())
    vals = sorted(round(float(v) / float(cell.min()), 6) for v in cell.flatten())
    assert vals == [1.0, 2.0, 2.0, 4.0]
    assert float(t[6:14, 6:14].std()) > 0.3
    # a kernel the stride divides overlaps evenly
    assert float(SR.checkerboard("transposed", 4, 2, size=10)[6:14, 6:14].std()) < 1e-6
    # resize-then-convolve and ICNR are flat inside, even with random weights
    for method in ("resize", "icnr"):
        assert float(SR.checkerboard(method, 3, 2, size=10, init="random")[6:14, 6:14].std()) < 1e-5, method
    # random weights: transposed and plain sub-pixel layers differ by sub-pixel position
    for method in ("transposed", "subpixel"):
        assert float(SR.checkerboard(method, 4, 2, size=10, init="random")[6:14, 6:14].std()) > 0.05, method


# ------------------------------------------------------------------ projection onto the consistent images

@pytest.mark.parametrize("factor,sigma", [(2, None), (4, None), (3, 0.0), (2, 1.5)])
def test_downsample_project_equals_the_dense_least_squares_projection(factor, sigma):
    """P(x) = x - A^+(Ax - y), with the pseudo-inverse of the explicit matrix as the reference."""
    A = op.Downsample((12, 12), factor, sigma=sigma)
    M = A.to_matrix()   # (h w, 144), float64
    x, xt = _rand(2, 12, 12, seed=1).float(), _rand(2, 12, 12, seed=2).float()
    y = A(xt)
    ref = x.double().reshape(2, -1) - (torch.linalg.pinv(M) @ (M @ x.double().reshape(2, -1).T - y.double().reshape(2, -1).T)).T
    out = A.project(x, y)
    assert out.dtype == x.dtype and out.shape == x.shape
    torch.testing.assert_close(out.double().reshape(2, -1), ref, atol=1e-4, rtol=0)   # float32 arithmetic


def test_downsample_project_is_consistent_idempotent_and_never_moves_away_from_the_truth():
    A = op.Downsample((64, 64), 4)
    xt = _rand(3, 64, 64, seed=3).float()
    y = A(xt)
    x = xt + 0.3 * _rand(3, 64, 64, seed=4).float()   # any estimate, e.g. a network's output
    P = A.project(x, y)
    torch.testing.assert_close(A(P), y, atol=1e-5, rtol=0)                 # data consistent
    torch.testing.assert_close(A.project(P, y), P, atol=1e-5, rtol=0)      # a projection
    torch.testing.assert_close(A.project(xt, y), xt, atol=1e-5, rtol=0)    # the truth is a fixed point
    e0, e1, step = ((x - xt).norm(dim=(-2, -1)) ** 2, (P - xt).norm(dim=(-2, -1)) ** 2,
                    (P - x).norm(dim=(-2, -1)) ** 2)
    torch.testing.assert_close(e1, e0 - step, rtol=1e-4, atol=0)          # Pythagoras: orthogonal
    assert bool((step > 0).all()) and bool((e1 < e0).all())


def test_sr_scores_project_scores_the_projected_output():
    """project=True scores P_y(net(y)): the nearest-neighbour upsampler gains, and a consistent output is left alone."""
    A, x, y = recipes.sr_test_set(4, size=64)
    near = lambda v: A.interpolate(v, "nearest")   # noqa: E731
    plain, proj = recipes.sr_scores(near, 4, size=64), recipes.sr_scores(near, 4, size=64, project=True)
    assert proj["psnr"] > plain["psnr"]
    exact = recipes.sr_scores(lambda v: A.project(near(v), v), 4, size=64)
    assert recipes.sr_scores(lambda v: A.project(near(v), v), 4, size=64, project=True)["psnr"] == pytest.approx(
        exact["psnr"], abs=1e-3)
    assert proj["psnr"] == pytest.approx(exact["psnr"], abs=1e-3)


def test_downsample_project_refuses_a_blur_that_makes_a_a_star_singular():
    A = op.Downsample((32, 32), 2, sigma=4.0)
    with pytest.raises(ValueError, match="singular"):
        A.project(torch.zeros(32, 32), torch.zeros(16, 16))
    with pytest.raises(TypeError, match="real"):
        op.Downsample((32, 32), 2).project(torch.zeros(32, 32, dtype=torch.complex64), torch.zeros(16, 16))


# ------------------------------------------------------------------ the four frameworks

@pytest.mark.parametrize("name", list(recipes.SR_SETTINGS))
def test_every_shipped_configuration_is_within_the_budget(name):
    s = recipes.SR_SETTINGS[name]
    with torch.device("meta"):
        net = s["cls"](**s["kwargs"])
    n = sum(p.numel() for p in net.parameters())
    assert 0.9 * SR.BUDGET <= n <= 1.1 * SR.BUDGET, (name, n)


@pytest.mark.parametrize("kind", list(SR.SR_CLASSES))
@pytest.mark.parametrize("factor", [2, 4])
def test_any_size_any_layout_and_dtype(kind, factor):
    torch.manual_seed(0)
    small = {"iterative": dict(width=3, stages=2)}.get(kind, dict(width=6, depth=1))
    net = SR.SR_CLASSES[kind](factor, **small).eval()
    y = _rand(2, 1, 7, 9, dtype=torch.float32)
    with torch.no_grad():
        out = net(y)
        assert out.shape == (2, 1, 7 * factor, 9 * factor) and out.dtype == torch.float32
        assert net(y[:, 0]).shape == (2, 7 * factor, 9 * factor)
        assert net(y[0, 0]).shape == (7 * factor, 9 * factor)
        assert torch.allclose(net(y[0, 0]), out[0, 0], atol=1e-5)
        o64 = net(y.double())
        assert o64.dtype == torch.float64 and torch.allclose(o64.float(), out, atol=1e-5)
    assert net.factor == factor


def test_a_factor_the_net_was_not_built_for_is_refused():
    y = torch.zeros(1, 1, 8, 8)
    with pytest.raises(ValueError, match="factor"):
        SR.SRPost(4, width=4, depth=0)(y, factor=2)
    with pytest.raises(ValueError, match="power of two"):
        SR.SRProgressive(6)
    net = SR.SRProgressive(4, width=4, depth=0).eval()
    assert net(y, factor=2).shape == (1, 1, 16, 16) and net(y).shape == (1, 1, 32, 32)
    with torch.no_grad():
        x2, x4 = net.pyramid(y)
        assert torch.equal(x2, net(y, factor=2)) and torch.equal(x4, net(y))


@pytest.mark.parametrize("kind", ["post", "pre", "progressive"])
def test_untrained_residual_nets_start_close_to_bicubic(kind):
    """The learned branch starts small: an untrained net is bicubic on the grid plus a little."""
    torch.manual_seed(0)
    A, x, y = recipes.sr_test_set(2, 64)
    with torch.no_grad():
        out = SR.SR_CLASSES[kind](2)(y)
    bic = A.interpolate(y, "bicubic")
    assert float((out - bic).abs().mean()) < 0.05


@pytest.mark.parametrize("kind, kw", [("post", dict(width=16, depth=2)), ("pre", dict(width=8, depth=1)),
                                      ("iterative", dict(width=4, stages=1)), ("progressive", dict(width=8, depth=1))])
def test_a_few_training_steps_lower_the_loss(kind, kw):
    torch.manual_seed(0)
    f = 4 if kind == "progressive" else 2
    net = SR.SR_CLASSES[kind](f, **kw)
    batch = recipes.sr_batches(f, 32, 8, seed=0)(0)
    with torch.no_grad():
        before = float(recipes.sr_loss(net, batch))
    fit(net, recipes.sr_loss, lambda s: batch, 60, lr=3e-3, progress=False)
    with torch.no_grad():
        after = float(recipes.sr_loss(net, batch))
    assert after < 0.99 * before, (before, after)


def test_the_progressive_loss_supervises_the_first_stage_alone():
    torch.manual_seed(0)
    net = SR.SRProgressive(4, width=4, depth=0)
    y, x = recipes.sr_batches(4, 32, 2, seed=0)(0)
    with torch.no_grad():
        full = float(torch.mean((net(y) - x).abs()))
        y2 = op.Downsample((32, 32), 2)(x)
        stage = float(torch.mean((net(y2, factor=2) - x).abs()))
        assert math.isclose(float(recipes.sr_loss(net, (y, x))), full + stage, rel_tol=1e-5)


def test_training_pairs_follow_the_forward_model():
    y, x = recipes.sr_batches(4, 32, 3, seed=1)(0)
    assert y.shape == (3, 1, 8, 8) and x.shape == (3, 1, 32, 32)
    assert torch.allclose(y, op.Downsample((32, 32), 4)(x))
    y2, _ = recipes.sr_batches(4, 32, 3, seed=1)(0)
    assert torch.equal(y, y2)


def test_scores_crop_the_border_and_bicubic_is_below_tv_territory():
    A, x, y = recipes.sr_test_set(4, 64)
    s = recipes.sr_scores(lambda v: A.interpolate(v, "bicubic"), 4, size=64)
    crop = x[..., 4:-4, 4:-4]
    ref = metrics.psnr(A.interpolate(y, "bicubic").clamp(0, 1)[..., 4:-4, 4:-4], crop)
    assert s["per_image"]["psnr"] == [round(float(v), 3) for v in ref]
    assert len(s["per_image"]["ssim"]) == 5 and 0 < s["ssim"] < 1


# ------------------------------------------------------------------ the loss zoo, on hand-computed cases

def test_pixel_losses_by_hand():
    a = torch.tensor([[0.0, 1.0], [0.5, 0.2]])
    b = torch.tensor([[1.0, 1.0], [0.0, 0.2]])
    # errors: -1, 0, 0.5, 0
    assert math.isclose(float(losses.l1(a, b)), 1.5 / 4)
    assert math.isclose(float(losses.l2(a, b)), 1.25 / 4)
    # Huber, delta = 0.5: 1 -> 0.5 (1 - 0.25) = 0.375; 0.5 -> 0.125 (both branches agree); 0 -> 0
    assert math.isclose(float(losses.huber(a, b, 0.5)), 0.5 / 4, rel_tol=1e-6)
    # delta above every error: half the L2 loss; delta -> 0: delta * L1
    assert math.isclose(float(losses.huber(a, b, 2.0)), 0.5 * 1.25 / 4, rel_tol=1e-6)
    assert math.isclose(float(losses.huber(a, b, 1e-6)) / 1e-6, 1.5 / 4, rel_tol=1e-4)
    with pytest.raises(ValueError, match="same shape"):
        losses.l1(a, b[0])


def test_tv_loss_by_hand():
    x = torch.tensor([[0.0, 1.0], [1.0, 1.0]])
    # vertical differences 1, 0; horizontal 1, 0; over 4 entries
    assert math.isclose(float(losses.tv(x)), 0.5)
    assert float(losses.tv(torch.full((3, 5, 5), 0.3))) == 0.0


def test_perceptual_with_identity_features_is_l2_and_gradients_reach_the_image():
    a = _rand(2, 1, 8, 8, dtype=torch.float32).requires_grad_()
    b = _rand(2, 1, 8, 8, seed=1, dtype=torch.float32)
    p = losses.perceptual(a, b, lambda v: [v])
    assert math.isclose(float(p.detach()), float(losses.l2(a, b).detach()), rel_tol=1e-6)
    p.backward()
    assert a.grad is not None and float(a.grad.abs().sum()) > 0


def test_denoiser_features_are_frozen_and_multiscale():
    from invlab.nets import UNetDenoiser

    torch.manual_seed(0)
    feats = losses.DenoiserFeatures(UNetDenoiser(width=4, depth=3), levels=2)
    out = feats(torch.rand(1, 1, 16, 16))
    assert [tuple(t.shape) for t in out] == [(1, 4, 16, 16), (1, 8, 8, 8)]
    assert all(not p.requires_grad for p in feats.parameters())
    with pytest.raises(ValueError, match="levels"):
        losses.DenoiserFeatures(UNetDenoiser(width=4, depth=3), levels=4)


def test_adversarial_loss_by_hand():
    x = torch.zeros(3, 1, 16, 16)
    # D(x) = 1/2 everywhere (logit 0): -log(1/2) = log 2
    assert math.isclose(float(losses.adversarial(x, lambda v: torch.zeros(3, 1, 1, 1))), math.log(2), rel_tol=1e-6)
    # a confident "real" (logit 20) costs almost nothing, a confident "fake" (-20) about 20
    assert float(losses.adversarial(x, lambda v: torch.full((3, 1), 20.0))) < 1e-8
    assert math.isclose(float(losses.adversarial(x, lambda v: torch.full((3, 1), -20.0))), 20.0, rel_tol=1e-6)


def test_patch_discriminator_scores_regions():
    torch.manual_seed(0)
    d = SR.PatchDiscriminator(width=4)
    assert d(torch.rand(2, 1, 32, 48)).shape == (2, 1, 2, 3)
    with pytest.raises(ValueError, match="16"):
        d(torch.rand(1, 1, 8, 8))


def test_sharpness_ratio():
    x = _rand(2, 32, 32)
    assert torch.allclose(metrics.sharpness(x, x), torch.ones(2, dtype=torch.float64))
    blurred = op.Blur.gaussian((32, 32), 1.5)(x)
    assert bool((metrics.sharpness(blurred, x) < 0.3).all())
    noisy = x + 0.2 * _rand(2, 32, 32, seed=3)
    assert bool((metrics.sharpness(noisy, x) > 1).all())
    # scale: doubling the detail quadruples the energy
    assert math.isclose(float(metrics.sharpness(2 * x[0], x[0])), 4.0, rel_tol=1e-9)


def test_fine_tune_runs_every_loss_term():
    from invlab.nets import UNetDenoiser

    torch.manual_seed(0)
    net = SR.SRPost(2, width=4, depth=0)
    feats = losses.DenoiserFeatures(UNetDenoiser(width=4, depth=2), levels=1)
    h = recipes.fine_tune_sr(net, {"l1": 1.0, "l2": 1.0, "perceptual": 0.5, "adversarial": 0.01}, 3, features=feats,
                             patch=32, batch=2, progress=False)
    assert len(h["loss"]) == 3 and len(h["d_loss"]) == 3 and len(h["adversarial"]) == 3
    assert isinstance(h["discriminator"], SR.PatchDiscriminator)
    with pytest.raises(TypeError, match="features"):
        recipes.fine_tune_sr(net, {"perceptual": 1.0}, 1, progress=False)
    with pytest.raises(ValueError, match="weights"):
        recipes.fine_tune_sr(net, {"l1": 0.0}, 1, progress=False)


# ------------------------------------------------------------------ geometric self-ensemble

@pytest.mark.parametrize("factor", [2, 3, 4])
@pytest.mark.parametrize("k", range(8))
def test_each_symmetry_commutes_with_the_forward_model(factor, k):
    """g(A x) = A(G_g x) exactly, with G_g^{-1} = _dihedral_hr_inverse: the grid shift of f - 1 on a flipped axis."""
    from invlab.nets.selfensemble import _dihedral_hr_inverse, _dihedral_lr
    n = 12 * factor
    A = op.Downsample((n, n), factor)
    x = _rand(2, n, n, seed=k)
    # G_g x is the image whose measurement is g(Ax); _dihedral_hr_inverse maps it back to x
    gx = _forward_hr(x, k, factor)
    assert torch.allclose(_dihedral_hr_inverse(gx, k, factor), x)
    assert torch.allclose(A(gx), _dihedral_lr(A(x), k), atol=1e-12)
    if k & 3:  # without the shift a flip would not commute: the test can fail
        naive = _dihedral_lr(x, k)
        assert not torch.allclose(A(naive), _dihedral_lr(A(x), k), atol=1e-3)


def _forward_hr(x, k, factor):
    """G_g: flip, roll each flipped axis by -(f - 1), then transpose (the inverse of _dihedral_hr_inverse)."""
    dims = [d for d, bit in ((-1, 1), (-2, 2)) if k & bit]
    if dims:
        x = torch.roll(x.flip(dims), [-(factor - 1)] * len(dims), dims)
    return x.transpose(-1, -2) if k & 4 else x


def test_self_ensemble_of_an_equivariant_map_is_that_map_and_keeps_the_layout():
    """A map that is exactly equivariant under the shifted symmetries (the adjoint A^T) is its own self-ensemble;
    a network is averaged over eight different answers; layouts and dtypes are kept."""
    from invlab.nets import SelfEnsemble

    class Adjoint(torch.nn.Module):
        factor = 2

        def forward(self, y, factor=None):
            return op.Downsample((2 * y.shape[-2], 2 * y.shape[-1]), 2).adjoint(y)

    y = _rand(3, 1, 8, 8, dtype=torch.float32)
    ens = SelfEnsemble(Adjoint())
    assert torch.allclose(ens(y), Adjoint()(y), atol=1e-6)
    net = SR.SRPost(2, width=8, depth=1)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
        out = SelfEnsemble(net)(y)
        # by hand: transpose last (k = 4 + 1 + 2), flips first; the answer rolled by f - 1 = 1 on each flipped axis
        answers = [net(y), net(y.flip(-1)).roll(1, -1).flip(-1), net(y.flip(-2)).roll(1, -2).flip(-2),
                   net(y.flip(-1, -2)).roll((1, 1), (-1, -2)).flip(-1, -2)]
        for flips in ((), (-1,), (-2,), (-1, -2)):
            z = y.flip(flips) if flips else y
            a = net(z.transpose(-1, -2)).transpose(-1, -2)
            answers.append(a.roll((1,) * len(flips), flips).flip(flips) if flips else a)
        assert torch.allclose(out, sum(answers) / 8, atol=1e-6)
        assert out.shape == (3, 1, 16, 16) and not torch.allclose(out, net(y), atol=1e-4)
        assert SelfEnsemble(net)(y[0, 0]).shape == (16, 16)
        assert SelfEnsemble(net)(y[:, 0].double()).dtype == torch.float64
    assert SelfEnsemble(net).factor == 2


def test_self_ensemble_refuses_what_is_not_an_sr_network():
    from invlab.nets import SelfEnsemble
    for bad in (None, lambda y: y, torch.nn.Identity(), "sr_post_x4"):
        with pytest.raises(TypeError, match="super-resolution network"):
            SelfEnsemble(bad)
    with pytest.raises(ValueError, match="factor"):
        SelfEnsemble(SR.SRPost(4, width=4, depth=0))(torch.rand(1, 1, 8, 8), factor=2)


def test_training_keeps_each_weights_memory_layout():
    """The SR recipes train in channels-last; afterwards SRPre's body is channels-last again (its forward pass is built
    for it) and a network built contiguous is contiguous again."""
    from invlab.recipes._common import _channels_last
    pre, post = SR.SRPre(2, width=4, depth=1), SR.SRPost(2, width=4, depth=0)
    assert not pre.body[2].weight.is_contiguous()
    with _channels_last(pre, post):
        assert not post.tail.conv.weight.is_contiguous()  # (16, 4, 3, 3): channels-last inside the block
    assert pre.body[2].weight.is_contiguous(memory_format=torch.channels_last)
    assert not pre.body[2].weight.is_contiguous()
    assert post.features[0].weight.is_contiguous() and post.tail.conv.weight.is_contiguous()


def test_training_images_at_half_size_are_two_by_two_means_of_the_photos():
    base = recipes.sr_training_images()
    half = recipes.sr_training_images(half=True)
    n = len(il.data.TRAIN_IMAGES)
    assert len(half) == len(base) + n and all(torch.equal(a, b) for a, b in zip(half, base))
    photo = il.data.image(il.data.TRAIN_IMAGES[0], None)
    small = half[len(base)]
    assert small.shape == (photo.shape[0] // 2, photo.shape[1] // 2)
    assert float(small[3, 5]) == pytest.approx(float(photo[6:8, 10:12].mean()), abs=1e-6)
    assert recipes.SR_SETTINGS["sr_post_x4"]["half"] and not recipes.SR_SETTINGS["sr_post_x2"].get("half", False)
