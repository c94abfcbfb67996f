"""The networks: call shapes at odd sizes, the residual/conditioning design, bad input."""
import pytest
import torch

from invlab.nets import DnCNN, noise_level_map


@pytest.mark.parametrize("shape", [(1, 1, 17, 23), (3, 1, 32, 9), (2, 1, 5, 5)])
def test_dncnn_keeps_shape_at_odd_sizes(shape):
    torch.manual_seed(0)
    net = DnCNN(width=8, depth=5, dilations=(1, 2, 1)).eval()
    x = torch.rand(shape)
    assert net(x, 0.1).shape == shape
    # (H, W) and (B, H, W) single-channel inputs come back in their own shape
    assert net(x[0, 0], 0.1).shape == x[0, 0].shape
    assert net(x[:, 0], 0.1).shape == x[:, 0].shape


def test_dncnn_is_residual_and_uses_the_noise_level():
    net = DnCNN(width=8, depth=4)
    for p in net.body[-1].parameters():  # last conv zero: the net predicts no noise
        torch.nn.init.zeros_(p)
    x = torch.rand(2, 1, 12, 12)
    assert torch.equal(net(x, 0.1), x)
    torch.manual_seed(1)
    net = DnCNN(width=8, depth=4)
    assert not torch.allclose(net(x, 0.0), net(x, 0.2))          # conditional: sigma matters
    blind = DnCNN(width=8, depth=4, conditional=False)
    assert torch.equal(blind(x, 0.0), blind(x, 0.2))             # blind: it does not


def test_per_image_noise_levels_match_separate_calls():
    torch.manual_seed(0)
    net = DnCNN(width=8, depth=4).eval()
    x = torch.rand(2, 1, 10, 10)
    both = net(x, torch.tensor([0.05, 0.15]))
    assert torch.allclose(both[0], net(x[:1], 0.05)[0], atol=1e-6)
    assert torch.allclose(both[1], net(x[1:], 0.15)[0], atol=1e-6)


def test_receptive_field_matches_the_formula():
    torch.manual_seed(0)
    net = DnCNN(width=16, depth=9, dilations=(1, 2, 3, 4, 3, 2, 1)).double()
    x = torch.rand(1, 1, 81, 81, dtype=torch.float64, requires_grad=True)
    net(x, 0.1)[0, 0, 40, 40].backward()
    rows = x.grad[0, 0].abs().sum(1).nonzero()
    assert int(rows.max() - rows.min() + 1) == net.receptive_field == 37


@pytest.mark.parametrize("sigma", [-0.1, float("nan"), float("inf"), "0.1", True, torch.tensor([0.1, 0.2, 0.3])])
def test_bad_sigma_is_a_clear_error(sigma):
    net = DnCNN(width=4, depth=3)
    with pytest.raises(ValueError, match="sigma"):
        net(torch.rand(2, 1, 8, 8), sigma)


@pytest.mark.parametrize("kwargs, word", [({"width": 0}, "width"), ({"depth": 1}, "depth"),
                                          ({"depth": 4, "dilations": (1,)}, "dilations"),
                                          ({"channels": 2.5}, "channels")])
def test_bad_constructor_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        DnCNN(**kwargs)


def test_bad_input_shape_and_type():
    net = DnCNN(width=4, depth=3)
    with pytest.raises(ValueError, match="x must be"):
        net(torch.rand(1, 2, 8, 8), 0.1)
    with pytest.raises(TypeError, match="torch.Tensor"):
        net([[0.0]], 0.1)
    assert noise_level_map(torch.rand(3, 1, 4, 5), 0.2).shape == (3, 1, 4, 5)


# ------------------------------------------------------------------------------------ U-Net
from invlab.nets import UNet, UNetDenoiser  # noqa: E402


@pytest.mark.parametrize("shape", [(1, 1, 17, 23), (2, 1, 32, 32), (1, 1, 5, 9), (1, 1, 3, 3)])
def test_unet_denoiser_keeps_shape_at_odd_sizes(shape):
    torch.manual_seed(0)
    net = UNetDenoiser(width=4, depth=3).eval()
    x = torch.rand(shape)
    assert net(x, 0.1).shape == shape
    assert net(x[0, 0], torch.tensor(0.1)).shape == x[0, 0].shape


def test_unet_channels_and_depth_one():
    net = UNet(in_channels=3, out_channels=2, width=4, depth=1)
    assert net(torch.rand(2, 3, 7, 7)).shape == (2, 2, 7, 7)
    assert net.receptive_field == 5          # two 3x3 convolutions


def test_unet_receptive_field_bounds_the_gradient_support():
    torch.manual_seed(0)
    net = UNet(1, 1, width=8, depth=3).double()
    x = torch.rand(1, 1, 96, 96, dtype=torch.float64, requires_grad=True)
    net(x)[0, 0, 48, 48].backward()
    nz = x.grad[0, 0].abs().sum(1).nonzero()
    support = int(nz.max() - nz.min() + 1)
    assert net.receptive_field == 44
    assert net.receptive_field - 4 <= support <= net.receptive_field


def test_unet_denoiser_is_residual_and_conditional():
    net = UNetDenoiser(width=4, depth=2)
    torch.nn.init.zeros_(net.body.head.weight)
    torch.nn.init.zeros_(net.body.head.bias)
    x = torch.rand(1, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(net(x, 0.1), x)
    torch.manual_seed(3)
    net = UNetDenoiser(width=8, depth=2).requires_grad_(False)
    assert float((net(x, 0.0) - net(x, 0.2)).abs().max()) > 1e-4
    with pytest.raises(ValueError, match="sigma"):
        net(x, -1.0)
    with pytest.raises(ValueError, match="width"):
        UNetDenoiser(width=0)
    with pytest.raises(ValueError, match="x must be"):
        UNet(2, 1)(torch.rand(1, 1, 8, 8))


def test_forward_ms_is_the_median_of_the_timed_calls_after_one_warm_up(monkeypatch):
    """A fake clock: each call advances it by the next duration; the first (warm-up) call is not counted."""
    from invlab.nets import forward_ms, timing

    now = [0.0]
    durations = iter([0.500, 0.005, 0.001, 0.003])  # warm-up 500 ms, then 5, 1, 3 ms: median 3
    grad_enabled = []

    def fn(y):
        grad_enabled.append(torch.is_grad_enabled())
        now[0] += next(durations)
        return y

    monkeypatch.setattr(timing.time, "perf_counter", lambda: now[0])
    assert forward_ms(fn, torch.zeros(2), repeats=3) == pytest.approx(3.0)
    assert grad_enabled == [False] * 4  # timed without autograd, warm-up included
