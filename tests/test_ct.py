"""Lecture 4 (CT): the learned gradient-descent network, FBP + U-Net and the CT recipes' data."""
import pytest
import torch

import invlab as il
from invlab import recipes
from invlab.nets import LearnedGD, UNetReconstructor
from invlab.recipes import ct


@pytest.fixture(scope="module")
def small():
    """A small sparse-view problem: 2 phantoms at 32², 12 views, noise-free."""
    A = il.operators.Radon(32, 12)
    x = il.data.ellipses(2, 32, seed=3)
    return A, x, A(x)


def test_learned_gd_with_zeroed_cnns_is_landweber_from_the_fbp(small):
    """Untrained (last convolutions zero), the network is K gradient steps η_k/‖A‖² from the FBP."""
    A, x, y = small
    torch.manual_seed(0)
    net = LearnedGD(n_blocks=4, width=8, depth=3, memory=2, step_init=1.5)
    with torch.no_grad():
        net.log_step.copy_(torch.log(torch.tensor([0.5, 1.0, 1.5, 1.9])))
    L = A.norm() ** 2
    xk = A.fbp(y)
    expected = [xk]
    for eta in (0.5, 1.0, 1.5, 1.9):
        xk = xk - eta / L * A.adjoint(A(xk) - y)
        expected.append(xk)
    with torch.no_grad():
        out = net(y, A)
    assert torch.allclose(out, expected[-1], atol=1e-6)
    its = net.iterates(y, A)
    assert len(its) == 5 and all(torch.allclose(a, b, atol=1e-6) for a, b in zip(its, expected))
    assert torch.allclose(net(y, A, n_blocks=2), expected[2], atol=1e-6)
    # start="adjoint": x0 = Aᵀy / ‖A‖²
    adj = LearnedGD(n_blocks=1, width=4, memory=0, start="adjoint")
    assert torch.allclose(adj(y, A, n_blocks=0), A.adjoint(y) / L, atol=1e-6)


def test_learned_gd_gradients_flow_through_the_operator(small):
    """d loss / d(step) by autograd through A and Aᵀ equals a central finite difference (float64)."""
    A, x, y = small
    torch.manual_seed(0)
    net = LearnedGD(n_blocks=2, width=4, depth=2, memory=1).double()
    with torch.no_grad():
        for cnn in net.cnns:                           # non-zero CNNs: the memory and CNN paths matter
            cnn[-1].weight.normal_(0, 0.05)
    y64, x64 = y.double(), x.double()

    def loss():
        return ((net(y64, A) - x64) ** 2).sum()
    loss().backward()
    g = net.log_step.grad[1].item()
    h = 1e-6
    with torch.no_grad():
        net.log_step[1] += h
        up = loss().item()
        net.log_step[1] -= 2 * h
        down = loss().item()
        net.log_step[1] += h
    assert g == pytest.approx((up - down) / (2 * h), rel=1e-4)
    # and into the first CNN's weights (through all later blocks' A, Aᵀ)
    assert net.cnns[0][0].weight.grad.abs().sum() > 0


def test_learned_gd_dual_cnns_start_as_landweber_and_act_on_the_residual(small):
    """dual_width > 0: zero-initialised dual CNNs leave Landweber unchanged; non-zero ones change the
    data gradient exactly by Aᵀ D(r, y/√L)/√L; the dual path is trained (gradients reach it)."""
    A, x, y = small
    torch.manual_seed(0)
    net = LearnedGD(n_blocks=2, width=4, depth=2, memory=1, dual_width=4)
    plain = LearnedGD(n_blocks=2, width=4, depth=2, memory=1)
    L = A.norm() ** 2
    with torch.no_grad():
        expected = A.fbp(y)
        for _ in range(2):
            expected = expected - A.adjoint(A(expected) - y) / L
        assert torch.allclose(net(y, A), expected, atol=1e-6)
        assert torch.allclose(plain(y, A), expected, atol=1e-6)
        # one block, a dual CNN whose last layer is a constant c: the residual moves by c everywhere
        one = LearnedGD(n_blocks=1, width=4, depth=2, memory=0, dual_width=4)
        one.duals[0][-1].bias.fill_(0.01)
        x0 = A.fbp(y)
        r = (A(x0) - y) / L ** 0.5 + 0.01
        assert torch.allclose(one(y, A), x0 - A.adjoint(r) / L ** 0.5, atol=1e-5)
    loss = ((net(y, A) - x) ** 2).sum()
    loss.backward()
    assert net.duals[0][-1].weight.grad.abs().sum() > 0
    assert net.config()["dual_width"] == 4 and LearnedGD(**net.config()).dual_width == 4
    assert sum(p.numel() for p in net.parameters()) > sum(p.numel() for p in plain.parameters())
    # measurements that are not an image-shaped grid: a clear error
    G = il.operators.GaussianSensing(100, (32, 32), seed=0)
    assert len(G.out_shape) == 1
    with pytest.raises(ValueError, match="dual_width"):
        LearnedGD(n_blocks=1, width=4, dual_width=4, start="adjoint")(G(x), G)
    assert LearnedGD(n_blocks=1, width=4, start="adjoint")(G(x), G).shape == x.shape   # no dual: any operator


def test_ct_networks_take_another_angle_count_and_a_limited_range_at_call_time(small):
    _, x, _ = small
    torch.manual_seed(0)
    nets = [LearnedGD(n_blocks=2, width=4, memory=1), UNetReconstructor(width=4, depth=2, input="fbp")]
    for views, rng in ((12, 180.0), (7, 180.0), (20, 120.0)):
        A = ct.ct_operator(views, rng, size=32)
        y = A(x)
        for net in nets:
            out = net(y, A)
            assert out.shape == x.shape and torch.isfinite(out).all()
    # an operator without an FBP: a clear error that names the way out
    B = il.operators.Blur.gaussian((32, 32), 1.0)
    with pytest.raises(ValueError, match="start='adjoint'"):
        LearnedGD(n_blocks=1, width=4)(B(x), B)
    with pytest.raises(ValueError, match="input='adjoint'"):
        UNetReconstructor(width=4, depth=2, input="fbp")(B(x), B)


def test_fbp_unet_adds_its_correction_to_the_fbp(small):
    A, x, y = small
    net = UNetReconstructor(width=4, depth=2, input="fbp")
    with torch.no_grad():
        for p in net.body.parameters():
            p.zero_()
        assert torch.allclose(net(y, A), A.fbp(y), atol=1e-6)   # a zero body: the FBP itself
    assert net.config()["input"] == "fbp"


def test_learned_gd_parameter_budget_and_config_round_trip():
    net = LearnedGD(**ct.CT_SETTINGS["ct_unrolled"]["kwargs"])
    n = sum(p.numel() for p in net.parameters())
    assert n <= 200_000
    again = LearnedGD(**net.config())
    assert sum(p.numel() for p in again.parameters()) == n
    with pytest.raises(ValueError, match="parameters"):
        LearnedGD(n_blocks=12, width=256, depth=8)


def test_ct_angles_and_noise():
    a = ct.ct_angles(30)
    assert a.shape == (30,) and a[0] == 0 and a[-1] == pytest.approx(174.0)
    b = ct.ct_angles(30, 120)
    assert b[-1] == pytest.approx(116.0) and (b < 120).all()
    A = ct.ct_operator(30, size=64)
    x = il.data.ellipses(64, 64, seed=1)
    y = ct.ct_measure(A, x, 0.01, seed=0)
    rel = (y - A(x)).std(dim=(-2, -1)) / A(x).abs().flatten(-2).amax(-1)
    assert rel.mean() == pytest.approx(0.01, rel=0.05)                  # 1 % of max|Ax|, per image
    assert torch.equal(y, ct.ct_measure(A, x, 0.01, seed=0))            # seeded
    with pytest.raises(ValueError, match="angular_range"):
        ct.ct_angles(30, 200)


def test_ct_test_sets_are_held_out_and_fixed():
    A, x, y = ct.ct_test_set("ellipses", n=4)
    assert x.shape == (4, 128, 128) and y.shape == (4, 30, 128)
    _, x2, y2 = ct.ct_test_set("ellipses", n=4)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    # the training stream never draws the test phantoms
    _, draw = ct.ct_batches(batch=4, seed=0)
    for step in range(3):
        _, xt = draw(step)
        assert (xt[:, None] - x[None]).abs().mean(dim=(-2, -1)).min() > 1e-3
    for kind in ("shepp-logan", "real"):
        A, x, y = ct.ct_test_set(kind)
        assert x.shape == (1, 128, 128) and y.shape == (1, 30, 128)
    _, x, y = ct.ct_test_set("real", views=20, angular_range=120)
    assert y.shape == (1, 20, 128)
    with pytest.raises(ValueError, match="kind"):
        ct.ct_test_set("knee")


def test_ct_scores_of_the_fbp_baseline():
    """ct_scores on a plain FBP 'network': finite, per image, and worse than the truth-oracle."""
    class FBP(torch.nn.Module):
        def forward(self, y, A):
            return A.fbp(y)
    s = ct.ct_scores(FBP())
    assert set(s["per_image"]) == set(ct.CT_TEST_SETS) and len(s["per_image"]["ellipses"]) == 20
    assert 10 < s["psnr_ellipses"] < 35 and s["psnr_real"] > 10
    with pytest.raises(TypeError, match="net"):
        ct.ct_scores(3)


def test_a_few_training_steps_lower_the_loss():
    torch.manual_seed(0)
    net = LearnedGD(n_blocks=2, width=8, memory=1)
    A, draw = ct.ct_batches(batch=2, seed=5)
    y, x = draw(0)
    with torch.no_grad():
        before = float(((net(y, A) - x) ** 2).mean())
    il.train.fit(net, lambda n, b: ((n(b[0], A) - b[1]) ** 2).mean(), [(y, x)], 15, lr=1e-3, progress=False,
                 keep_best=False)
    with torch.no_grad():
        after = float(((net(y, A) - x) ** 2).mean())
    assert after < before
    assert "ct_unet" in recipes.RECIPES and "ct_unrolled" in recipes.RECIPES
