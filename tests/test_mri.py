"""Lecture 4b (MR): the subjects and their held-out slabs, thick slices, masks, the three network
families with complex data, data consistency (exact and noise-weighted), the recipes' data."""
import math

import numpy as np
import pytest
import torch

from invlab import data, recipes
from invlab import operators as op
from invlab.nets import Cascade, KSpaceNet, MRIUNet
from invlab.nets.mri import data_consistency
from invlab.recipes import mri as R

G = torch.Generator().manual_seed(0)


# ---------------------------------------------------------------- data

@pytest.mark.parametrize("kind, rel", [("colin27", "mri/colin27_t1.npz"), ("dipy_t1", "mri/dipy_t1_coronal.npz")])
def test_mr_subject_files_are_checksummed(kind, rel, tmp_path, monkeypatch):
    from invlab import data as D
    (tmp_path / "mri").mkdir()
    (tmp_path / rel).write_bytes(b"not the shipped file")
    monkeypatch.setenv("INVLAB_DATA_DIR", str(tmp_path))
    D._shipped_npz.cache_clear()
    try:
        with pytest.raises(D.DataChecksumError, match="make_mr_subjects"):
            D._shipped_npz(kind)
        (tmp_path / rel).unlink()
        with pytest.raises(FileNotFoundError, match="make_mr_subjects"):
            D._shipped_npz(kind)
    finally:
        monkeypatch.delenv("INVLAB_DATA_DIR")
        D._shipped_npz.cache_clear()


def test_subjects_are_1mm_volumes_in_the_same_orientation():
    mni, colin = data.mr_subject_volume("mni152"), data.mr_subject_volume("colin27")
    assert mni.shape == (157, 185, 149) and colin.shape == (181, 217, 181)
    for v in (mni, colin):
        assert v.dtype == torch.float32 and 0 <= float(v.min()) and float(v.max()) <= 1
    # Colin27 has a skull: bright voxels outside its brain mask; the brain-only copy has none
    brain = data.mr_subject_volume("colin27", brain_only=True)
    outside = (brain == 0) & (colin > 0.3)
    assert int(outside.sum()) > 100_000
    assert torch.equal(brain[brain > 0], colin[brain > 0])
    # both are in MNI space: each held-out slab is a large cross-section of the brain
    mid_mni = mni[sum(data.MR_TEST_SLAB["mni152"]) // 2]
    mid_colin = brain[sum(data.MR_TEST_SLAB["colin27"]) // 2]
    assert mid_mni.sum() > 0.5 * mni.sum(dim=(1, 2)).max()
    assert mid_colin.sum() > 0.5 * brain.sum(dim=(1, 2)).max()


@pytest.mark.parametrize("subject", data.MR_SUBJECTS)
def test_no_training_image_contains_a_voxel_of_the_held_out_slab(subject):
    from invlab._mrdata import _parts
    lo, hi = data.MR_TEST_SLAB[subject]
    banned = set(range(lo - data.MR_GAP, hi + data.MR_GAP))
    test = _parts(subject, "axial", "test")
    assert [z for z, _, _ in test] == list(range(lo, hi))
    for orientation in data.MR_ORIENTATIONS:
        parts = _parts(subject, orientation, "train")
        assert len(parts) > 50
        for _, a, b in parts:
            assert not banned & set(range(a, b)), (orientation, a, b)
        # every image is on the lecture's grid, values in [0, 1]
        imgs = data.mr_slices(subject, orientation, "train", 64)
        assert imgs.shape == (len(parts), 64, 64)
        assert float(imgs.min()) >= 0 and float(imgs.max()) <= 1


def test_test_slab_slices_are_the_volume_slices_on_the_fov_grid():
    vol = data.mr_subject_volume("colin27").numpy()
    lo, _ = data.MR_TEST_SLAB["colin27"]
    native = data.mr_slices("colin27", "axial", "test", size=data.MR_FOV)[0].numpy()
    # 217 x 181 in a 220 x 220 field of view: padded about the centre, values unchanged
    np.testing.assert_array_equal(native[1:218, 19:200], vol[lo])
    assert native[0].max() == 0 and native[:, :19].max() == 0


def test_test_person_is_another_person_centred_in_the_field_of_view():
    x = data.mr_test_slice(128)
    assert x.shape == (128, 128) and x.dtype == torch.float32
    rows, cols = torch.nonzero(x > 0.05, as_tuple=True)
    assert abs(float(rows.float().mean()) - 64) < 12 and abs(float(cols.float().mean()) - 64) < 12
    # the shipped file's values are the wheel's float values times 255, stored exactly
    full = data.mr_test_slice(data.MR_FOV)
    assert torch.allclose(full * 255, torch.round(full * 255), atol=1e-3)
    # no training slice of either subject is this image
    for subject in data.MR_SUBJECTS:
        train = data.mr_slices(subject, "coronal", "train", 128)
        assert float((train - x).abs().flatten(1).mean(1).min()) > 0.02


def test_thick_slices_average_k_neighbours_and_drop_the_remainder():
    x = torch.arange(7 * 3, dtype=torch.float64).reshape(7, 3)
    y = data.thick_slices(x, 2, axis=0)
    assert y.shape == (3, 3)
    torch.testing.assert_close(y, (x[0:6:2] + x[1:6:2]) / 2)
    # default axis -2 on a batch, any k from 1 to 6; the mean is kept
    imgs = torch.rand(2, 128, 64, generator=G)
    for k in range(1, 7):
        t = data.thick_slices(imgs, k)
        m = 128 // k
        assert t.shape == (2, m, 64)
        torch.testing.assert_close(t.mean(), imgs[:, :m * k].mean())
    torch.testing.assert_close(data.thick_slices(imgs, 1), imgs)
    # along the last axis
    assert data.thick_slices(imgs, 4, axis=-1).shape == (2, 128, 16)


# ---------------------------------------------------------------- masks, phase, measurements

@pytest.mark.parametrize("acc", recipes.MR_ACCELERATIONS)
@pytest.mark.parametrize("kind", recipes.MR_MASKS)
def test_lecture_masks_reach_their_acceleration_with_a_full_centre(acc, kind):
    M = recipes.mr_mask(acc, kind, seed=3)
    cols = M[0]
    assert torch.equal(M, cols[None].expand(128, 128))                # whole lines
    assert abs(op.MRI(M).acceleration - acc) / acc < 0.06
    n_c = math.ceil(recipes.MR_CENTER[acc] * 128)
    assert bool(cols[64 - n_c // 2: 64 - n_c // 2 + n_c].all())      # fully sampled centre
    if kind == "random":
        assert not torch.equal(M, recipes.mr_mask(acc, kind, seed=4))


def test_phase_is_smooth_seeded_and_makes_genuinely_complex_images():
    phi = recipes.mr_phase(3, 128, seed=1)
    assert phi.shape == (3, 128, 128)
    torch.testing.assert_close(phi, recipes.mr_phase(3, 128, seed=1))
    assert not torch.equal(phi, recipes.mr_phase(3, 128, seed=2))
    assert float(phi.diff(dim=-1).abs().max()) < 0.2       # smooth: small steps between neighbours
    assert float(phi.std(dim=(1, 2)).min()) > 0.05          # not a constant
    x, _, _ = recipes.mr_test_set("person", 6)
    assert x.dtype == torch.complex64 and float(x.imag.abs().max()) > 0.3


def test_measurements_have_the_stated_noise_and_only_where_sampled():
    M = recipes.mr_mask(6, seed=0)
    A = op.MRI(M)
    x = torch.zeros(128, 128, dtype=torch.complex64)
    y = recipes.mr_measure(A, x, 0.05, seed=0)
    assert float(y[~M].abs().max()) == 0
    sampled = y[M]
    assert abs(float(sampled.abs().pow(2).mean().sqrt()) - 0.05) < 0.003   # E|sigma n|^2 = sigma^2
    torch.testing.assert_close(recipes.mr_measure(A, x, 0.05, seed=0), y)


def test_test_sets_are_fixed_and_the_zero_filled_baseline_degrades_with_acceleration():
    x1, m1, y1 = recipes.mr_test_set("person", 6)
    x2, m2, y2 = recipes.mr_test_set("person", 6)
    assert torch.equal(y1, y2) and x1.shape == (recipes.MR_TEST_MASKS, 128, 128)
    assert len({tuple(m[0].tolist()) for m in m1}) == recipes.MR_TEST_MASKS    # a different mask per seed
    torch.testing.assert_close(x1.abs(), data.mr_test_slice()[None].expand_as(x1.real))
    zf6, zf11 = recipes.mr_scores(None, 6), recipes.mr_scores(None, 11)
    for kind in recipes.MR_TEST_SETS:
        assert 15 < zf11[f"psnr_{kind}"] < zf6[f"psnr_{kind}"] < 35


def test_training_batches_are_augmented_complex_and_reproducible():
    draw = recipes.mr_batches(4, 6, seed=0)
    y, A, x = draw(0)
    assert y.shape == x.shape == (4, 128, 128) and x.dtype == torch.complex64
    assert isinstance(A, op.MRI) and abs(A.acceleration - 6) < 0.5
    assert float(y[:, ~A.mask].abs().max()) == 0
    y2, A2, x2 = recipes.mr_batches(4, 6, seed=0)(0)
    assert torch.equal(x, x2) and torch.equal(A.mask, A2.mask)
    _, A3, _ = draw(1)
    assert not torch.equal(A.mask, A3.mask)                  # a fresh mask every step
    assert float(x.abs().max()) <= 1.0 + 1e-6


# ---------------------------------------------------------------- networks

@pytest.fixture(scope="module")
def small():
    x, masks, y = recipes.mr_test_set("person", 6, noise=0.0)
    return op.MRI(masks[0]), x[0], y[0]


@pytest.mark.parametrize("make", [lambda: Cascade(3, 8, 3), lambda: MRIUNet(8, 2), lambda: KSpaceNet(8, 2)])
def test_untrained_networks_return_the_zero_filled_image(make, small):
    A, _, y = small
    net = make()
    out = net(y[None], A)
    assert out.dtype == torch.complex64 and out.shape == (1, 128, 128)
    torch.testing.assert_close(out[0], A.adjoint(y), atol=1e-5, rtol=0)
    # complex128 in, complex128 out
    assert net(y.to(torch.complex128), A).dtype == torch.complex128


def _perturb(net):
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    return net


@pytest.mark.parametrize("make", [lambda: Cascade(3, 8, 3, nu=None), lambda: KSpaceNet(8, 2)])
def test_hard_data_consistency_keeps_the_measured_samples_exactly(make, small):
    A, _, y = small
    net = _perturb(make())
    with torch.no_grad():
        k = op.fft2c(net(y[None], A)[0])
    M = A.mask
    torch.testing.assert_close(k[M], y[M], atol=2e-5, rtol=0)
    assert float((k[~M]).abs().max()) > 1e-3       # and fills in the rest


def test_noise_weighted_data_consistency_follows_its_formula():
    k = torch.randn(2, 8, 8, dtype=torch.complex64, generator=G)
    y = torch.randn(2, 8, 8, dtype=torch.complex64, generator=G)
    M = torch.rand(8, 8, generator=G) < 0.4
    for nu in (0.0, 0.5, 7.0):
        out = data_consistency(k, y, M, nu)
        torch.testing.assert_close(out[:, M], (k[:, M] + nu * y[:, M]) / (1 + nu))
        torch.testing.assert_close(out[:, ~M], k[:, ~M])
    torch.testing.assert_close(data_consistency(k, y, M, 1e9)[:, M], y[:, M], atol=1e-6, rtol=0)
    torch.testing.assert_close(data_consistency(k, y, M, None)[:, M], y[:, M])
    # as the minimiser of ||k' - k||^2 + nu ||M(k' - y)||^2: gradient zero at the output
    nu = 3.0
    kk = data_consistency(k, y, M, nu).clone().requires_grad_(True)
    obj = (kk - k).abs().pow(2).sum() + nu * ((kk - y) * M).abs().pow(2).sum()
    obj.backward()
    assert float(kk.grad.abs().max()) < 1e-5


def test_cascade_learned_nu_runs_fewer_blocks_and_scrubs(small):
    A, _, y = small
    net = _perturb(Cascade(3, 8, 3, nu="learned", nu_init=5.0))
    torch.testing.assert_close(net.nus, torch.full((3,), 5.0), atol=0.3, rtol=0)
    steps = net.iterates(y[None], A)
    assert [name for name, _ in steps] == ["zero-filled", "CNN 1", "DC 1", "CNN 2", "DC 2", "CNN 3", "DC 3"]
    with torch.no_grad():
        torch.testing.assert_close(steps[-1][1], net(y[None], A))
        torch.testing.assert_close(net(y[None], A, n_blocks=2), steps[4][1])
        torch.testing.assert_close(net(y[None], A, n_blocks=0)[0], A.adjoint(y))
    assert Cascade(2, 4, 2, nu=None).nus is None
    torch.testing.assert_close(Cascade(2, 4, 2, nu=2.0).nus, torch.full((2,), 2.0))


def test_networks_take_another_mask_at_call_time_and_gradients_flow(small):
    _, x, _ = small
    net = _perturb(Cascade(2, 8, 3))
    for acc, kind in ((11, "random"), (4, "equispaced")):
        A = op.MRI(recipes.mr_mask(acc, kind, seed=1))
        y = recipes.mr_measure(A, x, 0.0)
        assert net(y[None], A).shape == (1, 128, 128)
    A = op.MRI(recipes.mr_mask(6, seed=2))
    y = recipes.mr_measure(A, x, 0.01)
    loss = (net(y[None], A)[0] - x).abs().pow(2).mean()
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())
    assert net.log_nu.grad is not None and float(net.log_nu.grad.abs().sum()) > 0


def test_parameter_budgets_and_config_round_trip():
    for name, s in recipes.MR_SETTINGS.items():
        net = recipes.RECIPES[name].build()
        n = sum(p.numel() for p in net.parameters())
        assert n <= 300_000, (name, n)
        again = type(net)(**net.config())
        assert sum(p.numel() for p in again.parameters()) == n


def test_a_few_training_steps_lower_the_loss():
    from invlab.train import fit
    torch.manual_seed(0)
    net = Cascade(2, 8, 3)
    draw = recipes.mr_batches(2, 6, seed=0)
    batch = draw(0)

    def loss(n, b):
        y, A, x = b
        return torch.mean(torch.abs(n(y, A) - x) ** 2)
    with torch.no_grad():
        before = float(loss(net, batch))
    fit(net, loss, [batch], 30, lr=3e-3, progress=False, schedule="constant")
    with torch.no_grad():
        assert float(loss(net, batch)) < 0.8 * before


# ---------------------------------------------------------------- thick-slice super-resolution

def test_through_plane_interpolation_reads_each_thick_slice_at_its_centre():
    from invlab.nets import through_plane
    # a linear ramp along the rows is reproduced exactly by linear and cubic interpolation away from
    # the two ends (box averages of a line are the line at the slab centres)
    rows = torch.arange(48, dtype=torch.float64)
    x = rows[:, None].expand(48, 5).clone()
    for k in (2, 3, 4, 6):
        y = data.thick_slices(x, k)
        for mode in ("linear", "cubic"):
            z = through_plane(y, k, mode)
            assert z.shape == x.shape and z.dtype == torch.float64
            torch.testing.assert_close(z[2 * k:-2 * k], x[2 * k:-2 * k])
    assert through_plane(torch.zeros(2, 1, 4, 7), 3, "nearest").shape == (2, 1, 12, 7)


@pytest.mark.parametrize("grid", ["thin", "thick"])
def test_thick_slice_net_serves_every_k_and_starts_as_linear_interpolation(grid):
    from invlab.nets import ThickSliceSR, through_plane
    net = ThickSliceSR(8, 3, grid=grid)
    y, x = recipes.thick_test_set("person", 4)
    assert y.shape == (1, 1, 32, 128) and x.shape == (1, 1, 128, 128)
    with torch.no_grad():
        torch.testing.assert_close(net(y, 4), through_plane(y, 4, "linear"))
        _perturb(net)
        outs = {k: net(recipes.thick_test_set("person", k)[0], k) for k in range(2, 7)}
    for k, out in outs.items():
        assert out.shape == (1, 1, (128 // k) * k, 128)
    assert net(y[0, 0], 4).shape == (128, 128)
    with pytest.raises(ValueError, match="k must be between 2 and 6"):
        net(y, 7)


def test_thick_grid_net_interleaves_its_channels_into_thin_rows_and_sees_far():
    """grid="thick": channel j of thick row i is the residual of thin row i k + j, and a CNN of
    depth d on the thick grid reaches d thick slices = d k thin rows to either side."""
    from invlab.nets import ThickSliceSR, through_plane
    net = ThickSliceSR(4, 3, grid="thick")
    with torch.no_grad():
        net.body[-1].bias.copy_(torch.arange(6.0))
        y = torch.rand(1, 1, 10, 16)
        for k in (2, 3, 6):
            r = net(y, k) - through_plane(y, k, "linear")
            expect = torch.arange(k, dtype=r.dtype).repeat(10)[:, None].expand(-1, 16)
            torch.testing.assert_close(r[0, 0], expect)
        net.body[-1].bias.zero_()
        _perturb(net)
        # a change in thick slice 0 moves thin rows up to 3 thick slices away (depth 3), not beyond
        y2 = y.clone()
        y2[..., 0, :] += 1
        k = 4
        d = (net(y2, k) - net(y, k) - (through_plane(y2, k, "linear") - through_plane(y, k, "linear"))).abs()
        rows = d[0, 0].amax(-1)
        assert rows[: 3 * k].max() > 0 and rows[4 * k:].max() == 0


def test_thick_test_sets_and_the_classical_baselines():
    y, x = recipes.thick_test_set("colin27", 3)
    assert y.shape == (8, 1, 42, 128) and x.shape == (8, 1, 126, 128)
    torch.testing.assert_close(y, data.thick_slices(x, 3))
    lin, cub = recipes.thick_scores("linear"), recipes.thick_scores("cubic")
    for kind in recipes.MR_TEST_SETS:
        # thicker slices lose more; cubic beats linear on real anatomy
        p = [cub["per_k"][kind][k] for k in range(2, 7)]
        assert all(a > b for a, b in zip(p, p[1:])), p
        assert cub[f"psnr_{kind}_k4"] > lin[f"psnr_{kind}_k4"]


def test_thick_batches_cover_every_k_and_are_thick_slices_of_the_truth():
    draw = recipes.thick_batches(2, seed=0)
    ks = set()
    for step in range(25):
        y, k, x = draw(step)
        ks.add(k)
        assert x.shape == (2, 1, (128 // k) * k, 128)
        torch.testing.assert_close(y, data.thick_slices(x, k))
    assert ks == {2, 3, 4, 5, 6}
