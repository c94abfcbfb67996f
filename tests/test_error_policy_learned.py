"""Issue 17, the cases that must *work*: the network input gate's dtype rule (float64 in, float64
out, the same numbers as float32), pnp/csgm on float64 data, and the edge values the checks allow
(``patches(n=0)``). The refusals are swept in ``test_error_policy.py``."""
import pytest
import torch

import invlab as il
from invlab import data
from invlab import operators as op
from invlab import solvers as S
from invlab.nets import DnCNN, UNet, UNetDenoiser, UNetReconstructor, UnrolledGD
from invlab.nets.gan import Discriminator, Generator

G = torch.Generator().manual_seed(0)
X4 = torch.rand(2, 1, 16, 16, generator=G)


@pytest.mark.parametrize("net, call", [
    (DnCNN(width=4, depth=3), lambda n, x: n(x, 0.1)),
    (UNetDenoiser(1, 4, 2), lambda n, x: n(x, 0.1)),
    (UNet(1, 1, 4, 2), lambda n, x: n(x)),
    (Discriminator(4), lambda n, x: n(torch.nn.functional.interpolate(x, size=28))),
    (UNetReconstructor(4, 2), lambda n, x: n(x[:, 0], op.Identity((16, 16)))),
    (UnrolledGD(2, 4, 2), lambda n, x: n(x[:, 0], op.Identity((16, 16)))),
])
def test_float64_input_gives_float64_output_with_the_float32_numbers(net, call):
    net.eval()
    with torch.no_grad():
        out32, out64 = call(net, X4), call(net, X4.double())
    assert out32.dtype == torch.float32 and out64.dtype == torch.float64
    torch.testing.assert_close(out64.float(), out32, rtol=1e-5, atol=1e-6)


def test_generator_takes_float64_codes_and_refuses_integer_ones():
    g = Generator(4, 4).eval()
    z = torch.randn(3, 4, generator=G)
    with torch.no_grad():
        torch.testing.assert_close(g(z.double()).float(), g(z))
    with pytest.raises(TypeError, match=r"z must be a floating-point tensor.*z\.float\(\)"):
        g(torch.ones(3, 4, dtype=torch.int64))


def test_the_shipped_denoiser_takes_float64():
    d = il.pretrained.load("denoiser")
    y = X4[:1].double()
    with torch.no_grad():
        assert d(y, 0.05).dtype == torch.float64


def test_the_gate_refuses_uint8_images_with_a_hint():
    with pytest.raises(TypeError, match=r"x\.float\(\) / 255"):
        DnCNN(width=4, depth=3)((X4 * 255).to(torch.uint8), 0.1)


def test_a_network_too_large_to_build_is_refused_before_allocating():
    with pytest.raises(ValueError, match=r"UNet\(.*depth=40\).*parameters; at most 20,000,000"):
        UNet(depth=40)
    assert sum(p.numel() for p in UNet(depth=4, width=8).parameters()) < 1e6  # sizes in use still build


@pytest.mark.parametrize("method, kw", [("pgd", {}), ("hqs", {"noise": 0.01})])
def test_pnp_runs_on_float64_data(method, kw):
    A = op.Blur.gaussian((16, 16), 1.0)
    y = A(torch.rand(16, 16, generator=G))
    d = DnCNN(width=4, depth=3).eval()
    x64, _ = S.pnp(A, y.double(), d, n_iter=3, method=method, **kw)
    x32, _ = S.pnp(A, y, d, n_iter=3, method=method, **kw)
    assert x64.dtype == torch.float64
    torch.testing.assert_close(x64.float(), x32, rtol=1e-4, atol=1e-5)


def test_pnp_compares_the_denoisers_output_shape_exactly():
    A = op.Blur.gaussian((16, 24), 1.0)                       # not square: a transpose changes the shape
    y = A(torch.rand(16, 24, generator=G))
    with pytest.raises(ValueError, match=r"denoiser returned \(1, 1, 24, 16\).*same shape"):
        S.pnp(A, y, lambda x, s: x.transpose(-1, -2), n_iter=1)


def test_pnp_refuses_a_complex_operator():
    M = op.MRI(op.cartesian_mask((16, 16), 2))
    with pytest.raises(ValueError, match="A must be a real operator"):
        S.pnp(M, M(torch.rand(16, 16).to(torch.complex64)), DnCNN(width=4, depth=3), n_iter=1)


def test_patches_with_n_zero_is_an_empty_stack():
    p = data.patches(torch.rand(2, 16, 16, generator=G), 8, 0)
    assert p.shape == (0, 8, 8) and p.dtype == torch.float32


def test_motion_blur_names_length_when_the_line_does_not_fit():
    with pytest.raises(ValueError, match=r"length must fit in the image.*length <= 31"):
        op.Blur.motion((32, 32), 100)
    assert op.Blur.motion((32, 32), 31).kernel.shape == (31, 31)
