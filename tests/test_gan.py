"""The GAN of lecture 2: network shapes, the minimax losses against a hand computation, fit_gan."""
import math

import pytest
import torch

from invlab import losses
from invlab.nets.gan import Discriminator, Generator
from invlab.train import fit_gan


def test_generator_and_discriminator_shapes_and_range():
    torch.manual_seed(0)
    G, D = Generator(latent_dim=12, width=8), Discriminator(width=8)
    assert G.latent_dim == 12 and G.config() == {"latent_dim": 12, "width": 8, "refine": False} and D.config() == {"width": 8}
    with torch.no_grad():
        x = G(3 * torch.randn(5, 12))                    # large codes: the sigmoid keeps [0, 1]
    assert x.shape == (5, 1, 28, 28)
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert D(x).shape == (5,) and D(x[:, 0]).shape == (5,)
    G.eval()                                             # eval mode: each image depends on its own z
    z = torch.randn(4, 12)
    assert torch.allclose(G(z)[1:2], G(z[1:2]), atol=1e-6)


@pytest.mark.parametrize("call, err, word", [
    (lambda: Generator(latent_dim=0), ValueError, "latent_dim"),
    (lambda: Generator(latent_dim=2.5), ValueError, "latent_dim"),
    (lambda: Generator(width="8"), TypeError, "width"),
    (lambda: Discriminator(width=0), ValueError, "width"),
    (lambda: Generator(width=7, refine=True), ValueError, "even"),
    (lambda: Generator(width=8, refine=1), TypeError, "refine"),
    (lambda: Generator(latent_dim=4)(torch.randn(2, 5)), ValueError, r"\(B, 4\)"),
    (lambda: Generator(latent_dim=4)([[0.0] * 4]), TypeError, "z"),
    (lambda: Discriminator(width=4)(torch.rand(2, 1, 32, 32)), ValueError, "28"),
])
def test_bad_arguments(call, err, word):
    with pytest.raises(err, match=word):
        call()


def test_losses_equal_a_hand_computation():
    real = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
    fake = torch.tensor([-3.0, 0.0], dtype=torch.float64)
    D = lambda t: [1 / (1 + math.exp(-v)) for v in t.tolist()]  # noqa: E731
    V = sum(math.log(d) for d in D(real)) / 3 + sum(math.log(1 - d) for d in D(fake)) / 2
    assert float(losses.value_function(real, fake)) == pytest.approx(V, rel=1e-12)
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(-V, rel=1e-12)
    sat = sum(math.log(1 - d) for d in D(fake)) / 2
    nonsat = -sum(math.log(d) for d in D(fake)) / 2
    assert float(losses.generator_loss(fake, saturating=True)) == pytest.approx(sat, rel=1e-12)
    assert float(losses.generator_loss(fake)) == pytest.approx(nonsat, rel=1e-12)
    # a discriminator that cannot tell: D = 1/2 everywhere, L_D = 2 log 2
    assert float(losses.discriminator_loss(torch.zeros(4), torch.zeros(4))) == pytest.approx(2 * math.log(2))


def test_losses_are_stable_and_the_non_saturating_gradient_does_not_vanish():
    fake = torch.tensor([-200.0, 300.0], requires_grad=True)   # float32: log(sigmoid(-200)) would be -inf
    for value in (losses.discriminator_loss(torch.tensor([-500.0]), fake), losses.generator_loss(fake),
                  losses.generator_loss(fake, saturating=True)):
        assert math.isfinite(float(value.detach()))
    logit = torch.tensor([-8.0], requires_grad=True)           # D rejects the fake confidently
    (g_sat,) = torch.autograd.grad(losses.generator_loss(logit, saturating=True), logit)
    (g_ns,) = torch.autograd.grad(losses.generator_loss(logit), logit)
    assert abs(float(g_sat)) < 1e-3 < 0.99 < abs(float(g_ns))


@pytest.mark.parametrize("call, err, word", [
    (lambda: losses.generator_loss(torch.tensor([float("nan")])), ValueError, "d_fake_logits"),
    (lambda: losses.discriminator_loss([0.0], torch.zeros(2)), TypeError, "d_real_logits"),
    (lambda: losses.discriminator_loss(torch.zeros(2), torch.zeros(0)), ValueError, "d_fake_logits"),
    (lambda: losses.generator_loss(torch.zeros(2), saturating="no"), TypeError, "saturating"),
])
def test_losses_bad_input(call, err, word):
    with pytest.raises(err, match=word):
        call()


def _blobs(n=64, seed=0):
    """A toy two-class data set of 28x28 images: a bright Gaussian blob top-left or bottom-right."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(28.0)
    rows, cols = t[:, None], t[None, :]
    imgs = []
    for i in range(n):
        c = 8.0 if i % 2 else 19.0
        c = c + torch.randn(2, generator=g)
        imgs.append(torch.exp(-((rows - c[0]) ** 2 + (cols - c[1]) ** 2) / (2 * 3.0**2)))
    return torch.stack(imgs)


def test_gan_training_smoke():
    torch.manual_seed(0)
    G, D = Generator(latent_dim=8, width=8), Discriminator(width=8)
    before = [p.detach().clone() for p in G.parameters()]
    hist = fit_gan(G, D, _blobs(), 30, lr=1e-3, batch=16, seed=1, snapshot_every=10, progress=False)
    assert hist["step"] == list(range(1, 31)) and hist["stopped"] is None
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert len(hist[key]) == 30 and all(math.isfinite(v) for v in hist[key]), key
    assert abs(hist["d_loss"][-1] - hist["d_loss"][0]) > 0.05            # the discriminator learned something
    assert hist["sample_step"] == [0, 10, 20, 30]
    assert all(s.shape == (16, 1, 28, 28) and torch.isfinite(s).all() for s in hist["samples"])
    assert not torch.equal(hist["samples"][0], hist["samples"][-1])
    assert any(not torch.equal(a, p) for a, p in zip(before, G.parameters()))
    assert not G.training and not D.training


def test_fit_gan_is_reproducible_and_stops_on_callback():
    def run(seed):
        torch.manual_seed(0)
        G, D = Generator(latent_dim=4, width=4), Discriminator(width=4)
        return G, fit_gan(G, D, _blobs(16), 3, batch=4, seed=seed, progress=False)
    (Ga, ha), (Gb, hb) = run(5), run(5)
    assert ha["d_loss"] == hb["d_loss"] and torch.equal(ha["samples"][-1], hb["samples"][-1])
    assert all(torch.equal(a, b) for a, b in zip(Ga.parameters(), Gb.parameters()))   # same weights
    assert run(6)[1]["d_loss"] != ha["d_loss"]
    G, D = Generator(latent_dim=4, width=4), Discriminator(width=4)
    h = fit_gan(G, D, _blobs(16), 10, batch=4, progress=False, callback=lambda step, g, hist: step == 2)
    assert h["stopped"] == "callback" and h["step"] == [1, 2] and h["sample_step"] == [0, 2]


@pytest.mark.parametrize("kwargs, err, word", [
    ({"n_steps": 0}, ValueError, "n_steps"), ({"lr": float("nan")}, ValueError, "lr"),
    ({"batch": 1}, ValueError, "batch"), ({"seed": "0"}, TypeError, "seed"),
    ({"callback": 3}, TypeError, "callback"), ({"snapshot_every": 2.5}, ValueError, "snapshot_every"),
    ({"images": torch.rand(4, 2, 28, 28)}, ValueError, "images"), ({"average": 1.0}, ValueError, "average"), ({"generator": Discriminator(4)}, TypeError, "latent_dim"),
])
def test_fit_gan_bad_arguments(kwargs, err, word):
    args = dict(generator=Generator(4, 4), discriminator=Discriminator(4), images=_blobs(8), n_steps=2, progress=False)
    args.update(kwargs)
    with pytest.raises(err, match=word):
        fit_gan(**args)


def test_refining_generator_shapes_layers_and_config():
    torch.manual_seed(0)
    G = Generator(latent_dim=6, width=8, refine=True)
    assert G.config() == {"latent_dim": 6, "width": 8, "refine": True}
    convs = [m for m in G.body if isinstance(m, torch.nn.Conv2d) and not isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [(8, 8, (3, 3)), (4, 1, (3, 3))]
    with torch.no_grad():
        x = G(torch.randn(3, 6))
    assert x.shape == (3, 1, 28, 28) and 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert sum(p.numel() for p in G.parameters()) > sum(p.numel() for p in Generator(6, 8).parameters())
    G2 = Generator(**G.config())
    G2.load_state_dict(G.state_dict())                    # the config rebuilds the same network


def _gan_run(average, callback=None, n_steps=6):
    torch.manual_seed(0)
    G, D = Generator(latent_dim=4, width=4), Discriminator(width=4)
    h = fit_gan(G, D, _blobs(16), n_steps, batch=4, seed=3, progress=False, average=average, callback=callback)
    return G, h


def test_fit_gan_average_is_the_moving_average_of_the_iterates():
    iterates = []
    G, h = _gan_run(0.5, callback=lambda step, g, hist: iterates.append([p.detach().clone() for p in g.parameters()]))
    torch.manual_seed(0)
    expected = [p.detach().clone() for p in Generator(latent_dim=4, width=4).parameters()]   # the initial weights
    for t, params in enumerate(iterates, start=1):
        beta = min(0.5, (1 + t) / (10 + t))
        expected = [beta * e + (1 - beta) * p for e, p in zip(expected, params)]
    assert all(torch.allclose(e, p, atol=1e-6) for e, p in zip(expected, G.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(iterates[-1], G.parameters()))   # not the last iterate
    assert not G.training


def test_fit_gan_average_zero_is_the_last_iterate_with_fresh_batch_norm_statistics():
    Ga, ha = _gan_run(None)
    Gb, hb = _gan_run(0.0)
    assert ha["d_loss"] == hb["d_loss"]                                  # the same game was played
    assert all(torch.equal(a, b) for a, b in zip(Ga.parameters(), Gb.parameters()))
    bn = Gb.project[1]
    with torch.no_grad():                                                # the statistics of fresh codes
        pre = Gb.project[0](torch.randn(20000, 4))
    assert torch.allclose(bn.running_mean, pre.mean(0), atol=0.05 * float(pre.std()))
    assert torch.allclose(bn.running_var, pre.var(0), rtol=0.1)
    assert not torch.allclose(Ga.project[1].running_mean, bn.running_mean)   # momentum 0.1 over 6 steps: not that


def test_fit_gan_freezes_the_discriminator_only_in_the_generator_step():
    """The generator step leaves D's gradients as the discriminator step made them, and D's own frozen weights stay frozen."""
    torch.manual_seed(0)
    G, D = Generator(latent_dim=4, width=4), Discriminator(width=4)
    D.body[0].bias.requires_grad_(False)                  # a weight the caller froze
    seen = []

    def callback(step, g, hist):
        seen.append([(p.requires_grad, None if p.grad is None else p.grad.clone()) for p in D.parameters()])

    fit_gan(G, D, _blobs(16), 2, batch=4, seed=3, progress=False, callback=callback)
    assert [f for f, _ in seen[-1]] == [p is not D.body[0].bias for p in D.parameters()]   # flags restored
    # D's gradients after a step are those of d_loss alone: recompute them from the step's own draws.
    torch.manual_seed(0)
    G2, D2 = Generator(latent_dim=4, width=4), Discriminator(width=4)
    D2.body[0].bias.requires_grad_(False)
    imgs = _blobs(16)[:, None]
    with torch.random.fork_rng():
        torch.manual_seed(3)
        torch.randn(16, 4)                                # fit_gan's fixed snapshot codes
        G2.train(); D2.train()
        real = imgs[torch.randint(16, (4,))]
        fake = G2(torch.randn(4, 4))
        losses.discriminator_loss(D2(real), D2(fake.detach())).backward()
    for (_, grad), p in zip(seen[0], D2.parameters()):
        assert (grad is None) == (p.grad is None)
        if grad is not None:
            assert torch.allclose(grad, p.grad, atol=1e-6)


def test_fit_gan_bf16_trains_with_float32_weights_and_matches_float32_at_the_first_step():
    def run(bf16, n_steps=20):
        torch.manual_seed(0)
        G, D = Generator(latent_dim=8, width=8), Discriminator(width=8)
        h = fit_gan(G, D, _blobs(), n_steps, lr=1e-3, batch=16, seed=1, progress=False, bf16=bf16)
        return G, D, h
    G, D, h = run(True)
    _, _, h32 = run(False)
    assert all(p.dtype == torch.float32 for p in [*G.parameters(), *D.parameters()])
    assert all(math.isfinite(v) for v in h["d_loss"] + h["g_loss"])
    assert abs(h["d_loss"][0] - h32["d_loss"][0]) < 0.02          # bfloat16 rounding only: the same first step
    assert h["d_loss"] != h32["d_loss"]                           # but it did compute in bfloat16
    assert abs(h["d_loss"][-1] - h["d_loss"][0]) > 0.05           # and the discriminator learned
    with torch.no_grad():
        assert G(torch.randn(3, 8)).dtype == torch.float32        # outside training, plain float32
