"""Reconstructors ``net(y, A) -> x``: UnrolledGD (lecture 2, unrolled optimisation) and the
model-agnostic UNetReconstructor."""
import math

import pytest
import torch

from invlab import operators as op
from invlab import solvers as S
from invlab.nets import UNetReconstructor, UnrolledGD
from invlab.train import evaluate, fit


def _zero_cnns(net):
    with torch.no_grad():
        for p in net.cnns.parameters():
            p.zero_()
    return net


def _problem(shape=(11, 13), seed=0, batch=()):
    g = torch.Generator().manual_seed(seed)
    A = op.Blur.gaussian(shape, 1.5)
    x = torch.rand(batch + shape, generator=g, dtype=torch.float64)
    return A, x, A(x) + 0.01 * torch.randn(x.shape, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("A", [op.Blur.gaussian((11, 13), 1.5), op.GaussianSensing(60, (9, 7), seed=1),
                               op.Mask.random((10, 9), 0.5, seed=2)], ids=["blur", "sensing", "mask"])
def test_zero_cnns_give_gradient_descent(A):
    """With every CNN_k zero and all eta_k = eta, the network is K steps of gradient descent."""
    torch.manual_seed(0)
    net = _zero_cnns(UnrolledGD(n_blocks=6, width=4, depth=3, step_init=0.7).double())
    y = A(torch.rand(A.in_shape, dtype=torch.float64, generator=torch.Generator().manual_seed(3)))
    eta = float(net.steps[0].detach())
    x_gd, _ = S.gradient_descent(A, y, lam=0.0, n_iter=6, step=eta)
    x_net = net(y, A)
    assert x_net.shape == A.in_shape
    assert torch.allclose(x_net, x_gd, rtol=0, atol=1e-13)
    # 3 blocks are 3 steps; 9 blocks repeat the last one: 9 steps
    assert torch.allclose(net(y, A, n_blocks=3), S.gradient_descent(A, y, n_iter=3, step=eta)[0], atol=1e-13)
    assert torch.allclose(net(y, A, n_blocks=9), S.gradient_descent(A, y, n_iter=9, step=eta)[0], atol=1e-13)
    # a global step scale scales every eta
    assert torch.allclose(net(y, A, step_scale=0.5), S.gradient_descent(A, y, n_iter=6, step=0.5 * eta)[0],
                          atol=1e-13)
    assert torch.equal(net(y, A, n_blocks=0), A.adjoint(y))


def test_a_fresh_network_is_landweber_and_keeps_shapes_at_odd_sizes():
    A, x, y = _problem((11, 13), batch=(3, 1))
    net = UnrolledGD(n_blocks=4, width=6, depth=2, step_init=1.0).double()
    assert net.config() == {"n_blocks": 4, "width": 6, "depth": 2, "step_init": 1.0, "init_lam": None}
    assert torch.allclose(net.steps, torch.ones(4, dtype=torch.float64))
    out = net(y, A)
    assert out.shape == (3, 1, 11, 13)
    assert torch.allclose(out, S.gradient_descent(A, y, n_iter=4, step=1.0)[0], atol=1e-13)
    xs = net.iterates(y, A, n_blocks=6)
    assert len(xs) == 7 and torch.equal(xs[0], A.adjoint(y)) and torch.allclose(xs[-1], net(y, A, n_blocks=6))


def test_blocks_are_distinct_and_extra_blocks_repeat_the_last():
    torch.manual_seed(0)
    net = UnrolledGD(n_blocks=3, width=4, depth=3).double()
    with torch.no_grad():
        for cnn in net.cnns:
            torch.nn.init.normal_(cnn[-1].weight, std=0.05)
        net.log_step.copy_(torch.log(torch.tensor([0.5, 0.8, 1.2], dtype=torch.float64)))
    A, x, y = _problem((9, 9))
    xs = net.iterates(y, A, n_blocks=5)
    # by hand: block j = min(k, K-1)
    z = A.adjoint(y)
    for k in range(5):
        j = min(k, 2)
        z = z - net.steps[j] * A.adjoint(A(z) - y) - net.cnns[j](z[None, None])[0, 0]
        assert torch.allclose(xs[k + 1], z.detach(), atol=1e-12)
    assert not torch.allclose(net(y, A, n_blocks=2), net(y, A, n_blocks=3))


def test_a_few_fit_steps_lower_the_loss_on_deblurring():
    A = op.Blur.gaussian((16, 16), 1.5)

    def batch(seed):  # piecewise-constant 16x16 images (edges to restore), blurred, noisy
        gen = torch.Generator().manual_seed(seed)
        x = torch.nn.functional.interpolate(torch.rand(8, 1, 4, 4, generator=gen), scale_factor=4, mode="nearest")
        return A(x) + 0.01 * torch.randn(x.shape, generator=gen), x

    def loss_fn(model, b):
        y, x = b
        return ((model(y, A) - x) ** 2).mean()

    torch.manual_seed(0)
    net = UnrolledGD(n_blocks=3, width=8, depth=3, step_init=0.5)
    val = [batch(100)]
    before = evaluate(net, loss_fn, val)
    hist = fit(net, loss_fn, batch, 40, lr=1e-2, progress=False)
    assert all(math.isfinite(v) for v in hist["loss"])
    assert evaluate(net, loss_fn, val) < 0.9 * before
    assert (net.steps.detach() > 0.55).all()        # the step sizes were learned (larger: less blur left)


@pytest.mark.parametrize("call, err, word", [
    (lambda: UnrolledGD(n_blocks=11), ValueError, "n_blocks"),
    (lambda: UnrolledGD(n_blocks=0), ValueError, "n_blocks"),
    (lambda: UnrolledGD(depth=1), ValueError, "depth"),
    (lambda: UnrolledGD(step_init=0.0), ValueError, "step_init"),
    (lambda: UnrolledGD(width="8"), TypeError, "width"),
    (lambda: UnrolledGD(2, 4)(torch.zeros(8, 8), "A"), TypeError, "A must be"),
    (lambda: UnrolledGD(2, 4)(torch.zeros(8, 9), op.Identity((8, 8))), ValueError, "y has shape"),
    (lambda: UnrolledGD(2, 4)(torch.full((8, 8), float("nan")), op.Identity((8, 8))), ValueError, "y contains"),
    (lambda: UnrolledGD(2, 4)(torch.zeros(8, 8), op.Identity((8, 8)), n_blocks=1.5), ValueError, "n_blocks"),
    (lambda: UnrolledGD(2, 4)(torch.zeros(8, 8), op.Identity((8, 8)), step_scale=-1), ValueError, "step_scale"),
    (lambda: UnrolledGD(2, 4)(torch.zeros(8, 8, dtype=torch.complex64), op.MRI(torch.ones(8, 8, dtype=torch.bool))),
     ValueError, "real operator"),
])
def test_unrolled_bad_arguments(call, err, word):
    with pytest.raises(err, match=word):
        call()


# ------------------------------------------------------------------------ model-agnostic U-Net
@pytest.mark.parametrize("A", [op.Blur.gaussian((13, 11), 1.0), op.GaussianSensing(40, (9, 7)),
                               op.Downsample((12, 18), 3)], ids=["blur", "sensing", "downsample"])
def test_unet_reconstructor_is_residual_on_the_adjoint(A):
    torch.manual_seed(0)
    net = UNetReconstructor(width=4, depth=2)
    assert net.config() == {"width": 4, "depth": 2, "input": "adjoint"}
    y = A(torch.rand((2, 1) + A.in_shape))
    out = net(y, A)
    assert out.shape == (2, 1) + A.in_shape
    with torch.no_grad():
        net.body.head.weight.zero_()
        net.body.head.bias.zero_()
    assert torch.equal(net(y, A), A.adjoint(y))                     # zero body: x = A^T y


def test_unet_reconstructor_on_the_measurement():
    torch.manual_seed(0)
    A = op.Blur.gaussian((10, 10), 1.0)
    net = UNetReconstructor(width=4, depth=2, input="measurement")
    with torch.no_grad():
        net.body.head.weight.zero_()
        net.body.head.bias.zero_()
    y = A(torch.rand(3, 10, 10))
    assert torch.equal(net(y, A), y)
    with pytest.raises(ValueError, match="input='measurement'"):
        net(torch.zeros(5), op.GaussianSensing(5, (10, 10)))
    with pytest.raises(ValueError, match="input"):
        UNetReconstructor(input="y")


def test_a_tikhonov_start_then_gradient_descent():
    """With init_lam, x_0 is the Tikhonov solution and zero CNNs continue it by gradient descent."""
    A, x, y = _problem((12, 10), batch=(2,))
    net = _zero_cnns(UnrolledGD(n_blocks=3, width=4, depth=2, step_init=0.5, init_lam=0.05).double())
    assert net.config()["init_lam"] == 0.05
    x0 = S.tikhonov(A, y, 0.05)
    assert torch.allclose(net(y, A, n_blocks=0), x0, atol=1e-12)
    assert torch.allclose(net(y, A), S.gradient_descent(A, y, n_iter=3, step=0.5, x0=x0)[0], atol=1e-12)
    # the start is closer to the truth than A^T y: the blocks start from a better image
    assert (x0 - x).norm() < (A.adjoint(y) - x).norm()
    with pytest.raises(ValueError, match="init_lam"):
        UnrolledGD(init_lam=0.0)
