"""Metrics against scikit-image; noise is seeded and has the requested statistics."""
import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from invlab import metrics, noise


def _pair(shape=(64, 48), seed=0):
    rng = np.random.default_rng(seed)
    a = rng.random(shape)
    b = np.clip(a + 0.1 * rng.standard_normal(shape), 0, 1)
    return a, b


@pytest.mark.parametrize("shape", [(64, 48), (33, 35)])
def test_psnr_matches_skimage(shape):
    a, b = _pair(shape)
    ours = metrics.psnr(torch.from_numpy(b), torch.from_numpy(a))
    ref = peak_signal_noise_ratio(a, b, data_range=1.0)
    assert ours == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("shape", [(64, 48), (33, 35)])
def test_ssim_matches_skimage(shape):
    a, b = _pair(shape, seed=1)
    ours = metrics.ssim(torch.from_numpy(b), torch.from_numpy(a))
    ref = structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
    assert ours == pytest.approx(ref, abs=1e-8)


def test_metrics_batch_and_complex():
    a, b = _pair()
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    batch = metrics.psnr(torch.stack([tb, ta * 0.9]), torch.stack([ta, ta]))
    assert batch.shape == (2,)
    assert float(batch[0]) == pytest.approx(metrics.psnr(tb, ta))
    s = metrics.ssim(torch.stack([tb, ta]), torch.stack([ta, ta]))
    assert float(s[1]) == pytest.approx(1.0)
    # complex images are compared by magnitude
    assert metrics.psnr(tb * 1j, ta) == pytest.approx(metrics.psnr(tb, ta))
    assert metrics.ssim(ta, ta) == pytest.approx(1.0)


def test_metrics_shape_mismatch():
    with pytest.raises(ValueError, match="must match"):
        metrics.psnr(torch.zeros(4, 4), torch.zeros(4, 5))


def test_gaussian_noise_seeded_and_calibrated():
    y = torch.zeros(200, 200)
    n1 = noise.gaussian(y, 0.1, seed=0)
    assert torch.equal(n1, noise.gaussian(y, 0.1, seed=0))
    assert not torch.equal(n1, noise.gaussian(y, 0.1, seed=1))
    assert float(n1.std()) == pytest.approx(0.1, rel=0.02)
    assert abs(float(n1.mean())) < 0.002
    yc = torch.zeros(200, 200, dtype=torch.complex64)
    nc = noise.gaussian(yc, 0.2, seed=0)
    assert nc.dtype == torch.complex64
    assert float(nc.real.std()) == pytest.approx(0.2, rel=0.02)
    assert float(nc.imag.std()) == pytest.approx(0.2, rel=0.02)
    with pytest.raises(ValueError, match="sigma"):
        noise.gaussian(y, -1.0)


def test_poisson_noise():
    y = torch.full((300, 300), 0.5)
    z = noise.poisson(y, peak=100.0, seed=3)
    assert torch.equal(z, noise.poisson(y, peak=100.0, seed=3))
    assert float(z.mean()) == pytest.approx(0.5, rel=0.01)
    assert float(z.var()) == pytest.approx(0.5 / 100.0, rel=0.05)  # Poisson: var = mean / peak
    with pytest.raises(ValueError, match="peak"):
        noise.poisson(y, peak=0)
    with pytest.raises(ValueError, match="non-negative"):
        noise.poisson(-y, peak=1.0)
