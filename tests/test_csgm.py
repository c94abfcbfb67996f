"""CSGM (lecture 2): recovery of a point in the generator's range, the history contract, the
generator left untouched, batched problems and the error policy."""
import math

import pytest
import torch
from torch import nn

from invlab import metrics
from invlab import operators as op
from invlab import solvers as S
from invlab.nets.gan import Generator


class MLPGenerator(nn.Module):
    """A fixed random 2-layer MLP generator: R^8 -> (1, 8, 8) images in (0, 1)."""

    def __init__(self, latent_dim=8, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.latent_dim = latent_dim
        self.l1, self.l2 = nn.Linear(latent_dim, 32), nn.Linear(32, 64)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[-1]))
            self.l2.weight.mul_(3.0)                 # contrast: values across (0, 1)

    def forward(self, z):
        return torch.sigmoid(self.l2(torch.tanh(self.l1(z)))).reshape(-1, 1, 8, 8)


def _truth(G, n=None, seed=7):
    z0 = torch.randn((n or 1, G.latent_dim), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        x = G(z0)[:, 0]
    return x if n else x[0]


def test_recovers_a_point_of_the_range_from_few_measurements():
    G = MLPGenerator()
    before = [p.detach().clone() for p in G.parameters()]
    x0 = _truth(G)
    A = op.GaussianSensing(24, (8, 8), seed=1)              # m = 24 >= latent_dim = 8, of 64 pixels
    x, h = S.csgm(A, A(x0), G, n_iter=400, restarts=5, lr=0.05, lam_z=0.0, seed=0, x_true=x0)
    assert x.shape == (8, 8)
    assert metrics.psnr(x, x0) > 40
    assert h["psnr"][-1] > 40 and h["objective"][-1] < 1e-6
    assert h["objective"][-1] == pytest.approx(min(h["restart_objective"]))
    assert h["restart_objective"][h["restart"]] == min(h["restart_objective"])
    assert torch.allclose(G(h["z"][None])[0, 0], x)
    # the generator is untouched: same weights, gradients still enabled, mode restored
    assert all(torch.equal(a, b) for a, b in zip(before, G.parameters()))
    assert all(p.requires_grad for p in G.parameters()) and G.training


def test_history_contract_and_callback():
    G = MLPGenerator()
    x0 = _truth(G)
    A = op.GaussianSensing(16, (8, 8), seed=2)
    x, h = S.csgm(A, A(x0), G, n_iter=12, restarts=3, x_true=x0, keep_every=4)
    assert len(h["objective"]) == len(h["psnr"]) == 12
    assert h["x_iter"] == [4, 8, 12] and all(xi.shape == (8, 8) for xi in h["x"])
    assert torch.equal(h["x"][-1], x)
    assert len(h["restart_objective"]) == 3 and isinstance(h["restart"], int)
    assert h["psnr"][-1] == pytest.approx(metrics.psnr(x, x0))
    seen = []
    _, h = S.csgm(A, A(x0), G, n_iter=50, restarts=2, callback=lambda k, x: seen.append(k) or k == 3)
    assert seen == [1, 2, 3] and len(h["objective"]) == 3
    # the same seed gives the same run, another seed another start
    a, _ = S.csgm(A, A(x0), G, n_iter=5, restarts=2, seed=4)
    b, _ = S.csgm(A, A(x0), G, n_iter=5, restarts=2, seed=4)
    c, _ = S.csgm(A, A(x0), G, n_iter=5, restarts=2, seed=5)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_batched_measurements_are_independent_problems():
    G = MLPGenerator()
    x0 = _truth(G, n=2)                                        # (2, 8, 8)
    A = op.GaussianSensing(24, (8, 8), seed=1)
    x, h = S.csgm(A, A(x0), G, n_iter=400, restarts=4, lam_z=0.0, x_true=x0)
    assert x.shape == (2, 8, 8) and A(x0).shape == (2, 24)
    assert (metrics.psnr(x, x0) > 40).all()
    assert len(h["restart_objective"]) == 4 and all(len(r) == 2 for r in h["restart_objective"])
    assert len(h["restart"]) == 2 and h["z"].shape == (2, 8)
    # each problem's answer does not depend on the other one
    x1, _ = S.csgm(A, A(x0[1]), G, n_iter=400, restarts=4, lam_z=0.0)
    assert metrics.psnr(x1, x0[1]) > 40


def test_dcgan_generator_in_eval_mode_and_its_buffers_untouched():
    torch.manual_seed(0)
    G = Generator(latent_dim=6, width=4)                       # batch norm: running statistics
    buffers = [b.clone() for b in G.buffers()]
    A = op.GaussianSensing(30, (28, 28), seed=0)
    x, h = S.csgm(A, A(torch.rand(28, 28)), G, n_iter=3, restarts=2)
    assert x.shape == (28, 28) and len(h["objective"]) == 3
    assert all(torch.equal(a, b) for a, b in zip(buffers, G.buffers())) and G.training


_A = op.GaussianSensing(16, (8, 8), seed=0)
_Y = _A(torch.rand(8, 8))


@pytest.mark.parametrize("kwargs, err, word", [
    ({"n_iter": 0}, ValueError, "n_iter"), ({"n_iter": 2.5}, ValueError, "n_iter"),
    ({"restarts": 0}, ValueError, "restarts"), ({"restarts": "3"}, TypeError, "restarts"),
    ({"lr": 0.0}, ValueError, "lr"), ({"lr": float("nan")}, ValueError, "lr"),
    ({"lam_z": -1.0}, ValueError, "lam_z"), ({"seed": "0"}, TypeError, "seed"),
    ({"generator": "dcgan"}, TypeError, "generator"), ({"generator": lambda z: z}, TypeError, "latent_dim"),
    ({"y": torch.zeros(15)}, ValueError, "y has shape"), ({"y": torch.full((16,), float("nan"))}, ValueError, "y"),
    ({"y": _Y.numpy()}, TypeError, "y"), ({"A": torch.eye(16)}, TypeError, "A"),
    ({"x_true": torch.zeros(7, 8)}, ValueError, "x_true"), ({"keep_every": 0}, ValueError, "keep_every"),
    ({"callback": 1}, TypeError, "callback"), ({"candidates": 1}, ValueError, "candidates"),
    ({"candidates": "4"}, TypeError, "candidates"),
    ({"A": op.GaussianSensing(12, (8, 8))}, ValueError, "y has shape"),
    ({"A": op.GaussianSensing(16, (7, 7)), "y": torch.zeros(16)}, ValueError, "generator returned"),
])
def test_bad_arguments(kwargs, err, word):
    args = dict(A=_A, y=_Y, generator=MLPGenerator(), n_iter=2, restarts=2)
    args.update(kwargs)
    with pytest.raises(err, match=word):
        S.csgm(**args)


def test_screening_keeps_the_lowest_objectives_of_the_candidates():
    """The starts are the `restarts` candidates with the lowest f, recomputed here from the same draws."""
    G = MLPGenerator()
    x0 = _truth(G, n=2)
    A = op.GaussianSensing(12, (8, 8), seed=3)
    y, lam = A(x0), 0.01
    _, h = S.csgm(A, y, G, n_iter=1, restarts=3, lam_z=lam, seed=11, candidates=40)
    z = torch.randn((40, 2, G.latent_dim), generator=torch.Generator().manual_seed(11), dtype=torch.float64).float()
    with torch.no_grad():
        r = A(G(z.reshape(80, -1)).reshape(40, 2, 8, 8)) - y
        f = 0.5 * (r**2).sum(-1) + lam * (z**2).sum(-1)               # (40, 2)
    expect = f.sort(0).values[:3].T                                   # (2 problems, 3 lowest)
    got = torch.tensor(h["start_objective"]).T                        # (restarts, problems) -> (problems, restarts)
    assert torch.allclose(got.sort(1).values, expect, rtol=1e-5)
    # candidates = restarts: plain random restarts, the first draws unscreened
    _, h = S.csgm(A, y, G, n_iter=1, restarts=3, lam_z=lam, seed=11, candidates=3)
    assert torch.allclose(torch.tensor(h["start_objective"]), f[:3], rtol=1e-5)


def test_screening_finds_the_basin_plain_restarts_miss():
    """A non-convex f: from one plain random start Adam reaches the true code for about a third of
    12 problems (m = 10 noise-free measurements, latent_dim 4); started from the best of 200
    screened candidates it reaches it for nearly all."""
    G = MLPGenerator(latent_dim=4, seed=5)
    x0 = _truth(G, n=12, seed=9)
    A = op.GaussianSensing(10, (8, 8), seed=4)
    y = A(x0)
    for seed in (0, 1):
        plain, _ = S.csgm(A, y, G, n_iter=150, restarts=1, lam_z=0.0, seed=seed, candidates=1)
        screened, _ = S.csgm(A, y, G, n_iter=150, restarts=1, lam_z=0.0, seed=seed, candidates=200)
        exact_plain = int((metrics.psnr(plain, x0) > 40).sum())
        exact_screened = int((metrics.psnr(screened, x0) > 40).sum())
        assert exact_plain <= 6 and exact_screened >= 10, (exact_plain, exact_screened)


def test_stored_sweep_is_what_its_code_computes_and_stays_under_its_ceiling():
    """Lecture 2's CSGM sweep is a stored run: its TV baseline at the smallest m computed again agrees,
    and no number of measurements lifts CSGM's mean above the generator's ceiling (A = I)."""
    import invlab as il
    from invlab.widgets import lecture2

    run = il.pretrained.stored_run("csgm_sweep")
    x = il.recipes.gan_test_images(n_per_class=1)
    assert run["m"] == list(lecture2.CSGM_SWEEP_M) and run["csgm"].shape == run["baseline"].shape == (len(run["m"]), len(x))
    m = run["m"][0]
    A, y = il.recipes.cs_measurements(m, x, m)  # cs_sweep's seed: 0 + m
    tv = il.analysis.sparse_cs_baseline(A, y, x, prior="tv")["psnr"]
    torch.testing.assert_close(tv.double(), run["baseline"][0], atol=0.05, rtol=0)
    assert (run["csgm"].mean(1) < run["plateau"] + 0.5).all()
    assert run["baseline"].mean(1)[-1] > run["baseline"].mean(1)[0] + 5  # TV keeps improving with m
